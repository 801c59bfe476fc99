/*
 * loop.c: callbacks on ready fds and on timers, over the selector.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "selector.h"

/* What the loop keeps for a watched fd: the key's data. [0] read, [1] write. */
struct io {
    loop_cb *cb[2];
    const char *name[2];
    void *arg[2];
};

/* Timers sit in a list sorted by deadline, then by the order they were
 * added: inserting is O(n), fine for the few timers this chapter has
 * (chapter 08 needs thousands, and uses a heap). */
struct loop_timer {
    int64_t deadline; /* monotonic, in microseconds */
    loop_cb *cb;
    const char *name;
    void *arg;
    struct loop_timer *prev, *next;
};

struct loop {
    struct selector *sel;
    int stopping;
    struct loop_timer timers; /* sentinel of the sorted list */
    struct loop_timer due;    /* sentinel of the timers of the current pass */
    int64_t now;              /* the clock, read once per turn after the wait */
    int running;              /* inside loop_once(): its callbacks are running */
    int trace;
    unsigned long turn;
};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *loop_backend(void)
{
    return sel_name();
}

struct loop *loop_open(void)
{
    struct loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return NULL;
    loop->sel = sel_open();
    if (!loop->sel) {
        free(loop);
        return NULL;
    }
    loop->timers.prev = loop->timers.next = &loop->timers;
    loop->due.prev = loop->due.next = &loop->due;
    loop->now = now_us();
    const char *t = getenv("TRACE");
    loop->trace = t && *t && strcmp(t, "0") != 0;
    return loop;
}

static void timer_unlink(struct loop_timer *t)
{
    t->prev->next = t->next;
    t->next->prev = t->prev;
}

/* From one of a turn's callbacks, what would pull the loop from under
 * that turn is refused, as asyncio refuses it with a RuntimeError. A turn
 * inside the turn would select again, overwriting the results the outer
 * turn is still walking and freeing the keys they point to ("This event
 * loop is already running"); loop_close() would free the loop itself
 * ("Cannot close a running event loop"). */
static int refuse_nested(struct loop *loop, const char *fn, const char *why)
{
    if (!loop->running)
        return 0;
    fprintf(stderr, "loop: %s() called from a callback: %s\n", fn, why);
    errno = EBUSY;
    return 1;
}

void loop_close(struct loop *loop)
{
    if (refuse_nested(loop, "loop_close", "cannot close a running event loop"))
        return;
    while (loop->timers.next != &loop->timers)
        loop_cancel(loop, loop->timers.next);
    while (loop->due.next != &loop->due)
        loop_cancel(loop, loop->due.next);
    /* Closing the selector unregisters what is left; the io records go too. */
    for (int fd = 0; fd < sel_nfds(loop->sel); fd++) {
        struct sel_key *key = sel_get_key(loop->sel, fd);
        if (key)
            free(key->data);
    }
    sel_close(loop->sel);
    free(loop);
}

/* ---- fds ---------------------------------------------------------------- */

static int dir_events(const struct io *io)
{
    return (io->cb[0] ? SEL_READ : 0) | (io->cb[1] ? SEL_WRITE : 0);
}

int loop_add_io(struct loop *loop, int fd, int dir, loop_cb *cb, const char *name, void *arg)
{
    struct sel_key *key = sel_get_key(loop->sel, fd);
    struct io *io = key ? key->data : calloc(1, sizeof *io);
    if (!io)
        return -1;
    struct io old = *io;
    io->cb[dir] = cb;
    io->name[dir] = name;
    io->arg[dir] = arg;
    int r = key ? sel_modify(loop->sel, key, dir_events(io))
                : (sel_register(loop->sel, fd, dir_events(io), io) ? 0 : -1);
    if (r < 0) {
        *io = old;
        if (!key)
            free(io);
    }
    return r;
}

int loop_remove_io(struct loop *loop, int fd, int dir)
{
    struct sel_key *key = sel_get_key(loop->sel, fd);
    if (!key)
        return 0;
    struct io *io = key->data;
    io->cb[dir] = NULL;
    if (dir_events(io))
        return sel_modify(loop->sel, key, dir_events(io));
    /* Nothing left to wait for: the key dies (and events already collected
     * for it are skipped), the io record with it. */
    free(io);
    key->data = NULL;
    return sel_unregister(loop->sel, key);
}

/* ---- timers ------------------------------------------------------------- */

/* The longest delay, about a century: as good as never, and short enough
 * that a deadline in microseconds cannot overflow. */
#define DELAY_MAX_MS (100LL * 365 * 24 * 3600 * 1000)

struct loop_timer *loop_call_later_(struct loop *loop, long ms, loop_cb *cb,
                                    const char *name, void *arg)
{
    struct loop_timer *t = malloc(sizeof *t);
    if (!t)
        return NULL;
    /* Any long is a delay: clamped, because now + ms * 1000 could overflow
     * (undefined behaviour; in practice a deadline wrapped into the past). */
    int64_t delay = ms < 0 ? 0 : ms > DELAY_MAX_MS ? DELAY_MAX_MS : ms;
    /* From the turn's clock, as libuv does: timers set in one turn with the
     * same delay are due at the same instant, and run in the order set. */
    *t = (struct loop_timer){.deadline = loop->now + delay * 1000,
                             .cb = cb, .name = name, .arg = arg};
    /* After every timer due no later: equal deadlines keep their order. */
    struct loop_timer *at = loop->timers.prev;
    while (at != &loop->timers && at->deadline > t->deadline)
        at = at->prev;
    t->prev = at;
    t->next = at->next;
    at->next->prev = t;
    at->next = t;
    return t;
}

void loop_cancel(struct loop *loop, struct loop_timer *t)
{
    (void)loop;
    timer_unlink(t);
    free(t);
}

/* Milliseconds until the first timer, rounded up: rounded down, a wait
 * could end a fraction of a millisecond early, find nothing due, and wait
 * 0 ms again and again until it is (a busy loop). -1: no timer. No
 * deadline is more than DELAY_MAX_MS away, so this arithmetic cannot
 * overflow. */
static int next_timeout(struct loop *loop)
{
    if (loop->timers.next == &loop->timers)
        return -1;
    int64_t left = loop->timers.next->deadline - now_us();
    if (left <= 0)
        return 0;
    int64_t ms = (left + 999) / 1000;
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* ---- the loop ----------------------------------------------------------- */

/* TRACE=1: one line per turn, built up as the callbacks run. */
struct trace {
    char line[1024];
    size_t len;
    int ran; /* a callback ran: the line is worth printing */
};

static void trace_add(struct loop *loop, struct trace *tr, const char *fmt, ...)
{
    if (!loop->trace || tr->len >= sizeof tr->line - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tr->line + tr->len, sizeof tr->line - tr->len, fmt, ap);
    va_end(ap);
    if (n > 0) /* vsnprintf() says what it would have written: clamp */
        tr->len = tr->len + (size_t)n < sizeof tr->line ? tr->len + (size_t)n : sizeof tr->line - 1;
}

static void run_io(struct loop *loop, struct sel_event *ev, struct trace *tr)
{
    for (int dir = 0; dir < 2; dir++) {
        /* Checked again before each callback: the last one may have
         * removed this fd, or this direction. */
        if (sel_key_dead(ev->key) || !(ev->mask & (dir ? SEL_WRITE : SEL_READ)))
            continue;
        struct io *io = ev->key->data;
        if (!io->cb[dir])
            continue;
        trace_add(loop, tr, " %s(%d)", io->name[dir], ev->key->fd);
        tr->ran = 1;
        io->cb[dir](io->arg[dir]);
    }
}

/* Runs the timers due now, and only those: they move to their own list
 * first, so a timer added meanwhile waits for the next pass. */
static void run_timers(struct loop *loop, struct trace *tr)
{
    while (loop->timers.next != &loop->timers && loop->timers.next->deadline <= loop->now) {
        struct loop_timer *t = loop->timers.next;
        timer_unlink(t);
        t->prev = loop->due.prev;
        t->next = &loop->due;
        loop->due.prev->next = t;
        loop->due.prev = t;
    }
    while (loop->due.next != &loop->due) {
        struct loop_timer *t = loop->due.next;
        timer_unlink(t);
        trace_add(loop, tr, " timer %s", t->name);
        tr->ran = 1;
        loop_cb *cb = t->cb;
        void *arg = t->arg;
        free(t);
        cb(arg);
    }
}

static int run_turn(struct loop *loop)
{
    struct sel_event *ready;
    int n = sel_select(loop->sel, loop->stopping ? 0 : next_timeout(loop), &ready);
    if (n < 0)
        return -1;
    loop->now = now_us();
    struct trace tr = {.len = 0, .ran = 0};
    trace_add(loop, &tr, "turn %lu: ready", ++loop->turn);
    for (int i = 0; i < n; i++)
        trace_add(loop, &tr, " %d%s%s", ready[i].key->fd, ready[i].mask & SEL_READ ? "r" : "",
                  ready[i].mask & SEL_WRITE ? "w" : "");
    trace_add(loop, &tr, " ->");
    for (int i = 0; i < n; i++)
        run_io(loop, &ready[i], &tr);
    run_timers(loop, &tr);
    if (loop->trace && tr.ran)
        fprintf(stderr, "%s\n", tr.line); /* a line cut short, never two turns on one */
    return 0;
}

int loop_once(struct loop *loop)
{
    if (refuse_nested(loop, "loop_once", "this event loop is already running"))
        return -1;
    loop->running = 1;
    int r = run_turn(loop);
    loop->running = 0;
    return r;
}

/* Needs no flag of its own: between two turns, no callback is running. */
int loop_run(struct loop *loop)
{
    if (refuse_nested(loop, "loop_run", "this event loop is already running"))
        return -1;
    loop->stopping = 0;
    while (!loop->stopping)
        if (loop_once(loop) < 0)
            return -1;
    return 0;
}

void loop_stop(struct loop *loop)
{
    loop->stopping = 1;
}
