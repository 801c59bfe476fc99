/*
 * loop.c: callbacks on ready fds, on timers, and on the ready queue, over
 * the selector.
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

/* A parked reader's callback: never called, only compared. */
static void parked(void *arg)
{
    (void)arg;
}

/* TRACE=1: the line of the current turn, built up as its callbacks run. */
struct trace {
    char line[1024];
    size_t len;
    int ran; /* a callback ran: the line is worth printing */
};

/* Timers sit in a binary heap ordered by deadline, then by the order they
 * were set: adding, cancelling and taking the first are O(log n), for a
 * timer per idle connection (--idle-timeout) and per sleep. */
struct loop {
    struct selector *sel;
    int stopping;
    struct loop_queue ready;  /* asyncio's _ready: run in this turn or the next */
    struct loop_timer **heap; /* heap[0] is due first (asyncio's _scheduled) */
    int nheap, heap_cap;
    uint64_t seq;
    int64_t now;              /* the clock, read once per turn after the wait */
    int running;              /* inside loop_once(): its callbacks are running */
    int trace;
    int in_ready_pass;        /* TRACE: lines go on their own, not on the turn's */
    unsigned long turn;
    struct trace tr;
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
    loop->now = now_us();
    const char *t = getenv("TRACE");
    loop->trace = t && *t && strcmp(t, "0") != 0;
    return loop;
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
    /* Callbacks and timers are their owners' memory: only unlinked. */
    while (loop_queue_pop(&loop->ready))
        ;
    while (loop->nheap > 0)
        loop_cancel(loop, loop->heap[0]);
    free(loop->heap);
    /* Closing the selector unregisters what is left; the io records go too. */
    for (int fd = 0; fd < sel_nfds(loop->sel); fd++) {
        struct sel_key *key = sel_get_key(loop->sel, fd);
        if (key)
            free(key->data);
    }
    sel_close(loop->sel);
    free(loop);
}

/* ---- queues ------------------------------------------------------------- */

void loop_queue_push(struct loop_queue *q, struct loop_callback *h)
{
    loop_queue_remove(h);
    h->queue = q;
    h->next = NULL;
    h->prev = q->tail;
    if (q->tail)
        q->tail->next = h;
    else
        q->head = h;
    q->tail = h;
}

void loop_queue_remove(struct loop_callback *h)
{
    struct loop_queue *q = h->queue;
    if (!q)
        return;
    if (h->prev)
        h->prev->next = h->next;
    else
        q->head = h->next;
    if (h->next)
        h->next->prev = h->prev;
    else
        q->tail = h->prev;
    h->prev = h->next = NULL;
    h->queue = NULL;
}

struct loop_callback *loop_queue_pop(struct loop_queue *q)
{
    struct loop_callback *h = q->head;
    if (h)
        loop_queue_remove(h);
    return h;
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
    /* No system call when the interest is already there (a parked reader). */
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

/* The fd's io record, if its reader (dir 0) or writer (1) is still the
 * one added with arg: not one added since under the same number. */
static struct io *io_of(struct loop *loop, int fd, int dir, void *arg)
{
    struct sel_key *key = sel_get_key(loop->sel, fd);
    struct io *io = key ? key->data : NULL;
    return io && io->cb[dir] && io->arg[dir] == arg ? io : NULL;
}

int loop_remove_io_of(struct loop *loop, int fd, int dir, void *arg)
{
    return io_of(loop, fd, dir, arg) ? loop_remove_io(loop, fd, dir) : 0;
}

void loop_park_reader(struct loop *loop, int fd, void *arg)
{
    struct io *io = io_of(loop, fd, 0, arg);
    if (io) {
        io->cb[0] = parked;
        io->name[0] = "parked";
        io->arg[0] = NULL;
    }
}

int loop_reader(struct loop *loop, int fd)
{
    struct sel_key *key = sel_get_key(loop->sel, fd);
    struct io *io = key ? key->data : NULL;
    return !io || !io->cb[0] ? LOOP_NO_READER : io->cb[0] == parked ? LOOP_PARKED : LOOP_READER;
}

/* ---- the ready queue and timers ---------------------------------------- */

void loop_ready(struct loop *loop, struct loop_callback *h)
{
    loop_queue_push(&loop->ready, h);
}

int loop_ready_pending(const struct loop *loop)
{
    return loop->ready.head != NULL;
}

void loop_call_soon_(struct loop *loop, struct loop_callback *h, loop_cb *cb,
                     const char *name, void *arg)
{
    loop_queue_remove(h); /* before its fields change: it may be queued */
    h->cb = cb;
    h->name = name;
    h->arg = arg;
    loop_ready(loop, h);
}

/* The longest delay, about a century: as good as never, and short enough
 * that a deadline in microseconds cannot overflow. */
#define DELAY_MAX_MS (100LL * 365 * 24 * 3600 * 1000)

static int timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_set(struct loop *loop, int i, struct loop_timer *t)
{
    loop->heap[i] = t;
    t->slot = i + 1;
}

/* Moves heap[i] up or down to where it belongs. */
static void heap_fix(struct loop *loop, int i)
{
    struct loop_timer *t = loop->heap[i];
    while (i > 0 && timer_before(t, loop->heap[(i - 1) / 2])) {
        heap_set(loop, i, loop->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    for (;;) {
        int c = 2 * i + 1;
        if (c >= loop->nheap)
            break;
        if (c + 1 < loop->nheap && timer_before(loop->heap[c + 1], loop->heap[c]))
            c++;
        if (!timer_before(loop->heap[c], t))
            break;
        heap_set(loop, i, loop->heap[c]);
        i = c;
    }
    heap_set(loop, i, t);
}

static void heap_remove(struct loop *loop, struct loop_timer *t)
{
    int i = t->slot - 1;
    struct loop_timer *last = loop->heap[--loop->nheap];
    t->slot = 0;
    if (last != t) {
        heap_set(loop, i, last);
        heap_fix(loop, i);
    }
}

/* The heap is the loop's only allocation for timers: it grows by doubling
 * (an array of pointers), and a timer that cannot have a place in it runs
 * at once rather than never: loop_call_later() itself cannot fail. */
void loop_call_later_(struct loop *loop, struct loop_timer *t, long ms, loop_cb *cb,
                      const char *name, void *arg)
{
    loop_cancel(loop, t);
    t->h.cb = cb;
    t->h.name = name;
    t->h.arg = arg;
    /* Any long is a delay: clamped, because now + ms * 1000 could overflow
     * (undefined behaviour; in practice a deadline wrapped into the past). */
    int64_t delay = ms < 0 ? 0 : ms > DELAY_MAX_MS ? DELAY_MAX_MS : ms;
    /* From the turn's clock, as libuv does: timers set in one turn with the
     * same delay are due at the same instant, and run in the order set. */
    t->deadline = loop->now + delay * 1000;
    t->seq = loop->seq++;
    if (loop->nheap == loop->heap_cap) {
        int cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
        struct loop_timer **h = realloc(loop->heap, (size_t)cap * sizeof *h);
        if (!h) {
            loop_ready(loop, &t->h);
            return;
        }
        loop->heap = h;
        loop->heap_cap = cap;
    }
    loop->heap[loop->nheap++] = t;
    heap_fix(loop, loop->nheap - 1);
}

void loop_cancel(struct loop *loop, struct loop_timer *t)
{
    if (t->slot)
        heap_remove(loop, t);
    loop_queue_remove(&t->h); /* due already: off the ready queue */
}

int64_t loop_time(const struct loop *loop)
{
    return loop->now;
}

/* Milliseconds until the first timer, rounded up: rounded down, a wait
 * could end a fraction of a millisecond early, find nothing due, and wait
 * 0 ms again and again until it is (a busy loop). -1: no timer. No
 * deadline is more than DELAY_MAX_MS away, so this arithmetic cannot
 * overflow. */
static int next_timeout(struct loop *loop)
{
    if (loop->nheap == 0)
        return -1;
    int64_t left = loop->heap[0]->deadline - now_us();
    if (left <= 0)
        return 0;
    int64_t ms = (left + 999) / 1000;
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/* ---- the loop ----------------------------------------------------------- */

int loop_tracing(const struct loop *loop)
{
    return loop->trace;
}

/* During the fds' callbacks, onto the turn's line; during the ready pass,
 * a line of its own. */
void loop_trace(struct loop *loop, const char *fmt, ...)
{
    struct trace *tr = &loop->tr;
    va_list ap;
    if (!loop->trace)
        return;
    va_start(ap, fmt);
    if (loop->in_ready_pass) {
        fputs("  ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    } else if (tr->len < sizeof tr->line - 1) {
        if (tr->len > 0) /* after "turn N:", each part gets a space */
            tr->line[tr->len++] = ' ';
        int n = vsnprintf(tr->line + tr->len, sizeof tr->line - tr->len, fmt, ap);
        if (n > 0) /* vsnprintf() says what it would have written: clamp */
            tr->len = tr->len + (size_t)n < sizeof tr->line ? tr->len + (size_t)n
                                                            : sizeof tr->line - 1;
    }
    va_end(ap);
}

/* Calls the fd's reader, then its writer, as the mask says. */
static void run_io(struct loop *loop, struct sel_key *key, int mask)
{
    for (int dir = 0; dir < 2; dir++) {
        /* Checked again before each callback: the last one may have
         * removed this fd, or this direction. */
        if (sel_key_dead(key) || !(mask & (dir ? SEL_WRITE : SEL_READ)))
            continue;
        struct io *io = key->data;
        if (!io->cb[dir])
            continue;
        loop_trace(loop, "%s(%d)", io->name[dir], key->fd);
        loop->tr.ran = 1;
        if (io->cb[dir] == parked) /* data, and nobody to read it yet */
            loop_remove_io(loop, key->fd, 0);
        else
            io->cb[dir](io->arg[dir]);
    }
}

/* Due timers join the ready queue, in deadline order (asyncio moves them
 * from _scheduled to _ready the same way). */
static void timers_due(struct loop *loop)
{
    while (loop->nheap > 0 && loop->heap[0]->deadline <= loop->now) {
        struct loop_timer *t = loop->heap[0];
        heap_remove(loop, t);
        loop_trace(loop, "timer %s", t->h.name);
        loop_ready(loop, &t->h);
    }
}

/* What the ready queue holds now, in order. Taken off first, so that what
 * these callbacks schedule waits for the next turn; one cancelled by an
 * earlier one has left the queue, so it never runs. */
static void run_ready(struct loop *loop)
{
    struct loop_queue now = {0};
    struct loop_callback *h;
    while ((h = loop_queue_pop(&loop->ready)))
        loop_queue_push(&now, h);
    loop->in_ready_pass = 1;
    while ((h = loop_queue_pop(&now))) {
        loop->tr.ran = 1;
        h->cb(h->arg); /* last: the callback may free h's memory */
    }
    loop->in_ready_pass = 0;
}

static int run_turn(struct loop *loop)
{
    struct sel_iter ready;
    int timeout = loop->stopping || loop->ready.head ? 0 : next_timeout(loop);
    if (sel_select(loop->sel, timeout, &ready) < 0)
        return -1;
    loop->now = now_us();
    loop->tr.len = 0;
    loop->tr.ran = 0;
    loop_trace(loop, "turn %lu:", ++loop->turn);
    /* for key, mask in sel.select(): */
    struct sel_key *key;
    int mask;
    while (sel_next(&ready, &key, &mask)) {
        loop_trace(loop, "%d%s%s", key->fd, mask & SEL_READ ? "r" : "",
                   mask & SEL_WRITE ? "w" : "");
        run_io(loop, key, mask);
    }
    timers_due(loop);
    if (loop->trace && (loop->tr.ran || loop->ready.head))
        fprintf(stderr, "%s\n", loop->tr.line); /* a line cut short, never two turns on one */
    run_ready(loop);
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
