/*
 * coro.c: the scheduler (a ready queue over the loop) and the socket
 * coroutines.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coro.h"

/* ---- the scheduler ------------------------------------------------------- */

static struct loop *loop;
static struct task *ready_head, *ready_tail; /* FIFO: woken order is run order */
static struct task *all;                     /* every live task, for cancel_all */
static int trace, cancelling;
static struct task *running;                 /* the task being stepped */

void sched_init(struct loop *l)
{
    loop = l;
    const char *t = getenv("TRACE");
    trace = t && *t && strcmp(t, "0") != 0;
}

static void push_ready(struct task *t)
{
    if (t->queued) /* woken twice in one turn (readable and writable) */
        return;
    t->queued = 1;
    t->next_ready = NULL;
    if (ready_tail)
        ready_tail->next_ready = t;
    else
        ready_head = t;
    ready_tail = t;
}

void sched_spawn(struct task *t, task_main_fn *main, task_done_fn *on_done, const char *name)
{
    t->main = main;
    t->on_done = on_done;
    t->name = name;
    t->fd = t->reg_fd = -1;
    t->events = t->reg_events = 0;
    t->sleep_ms = -1;
    t->suspended = 0;
    t->sent = 0;
    t->finished = 0;
    t->waiter = NULL;
    t->timer = t->deadline = NULL;
    t->pending = 0;
    t->cancelled = cancelling; /* spawned during shutdown: cancelled at birth */
    t->queued = 0;
    t->retrying = 0;
    t->prev_all = NULL;
    t->next_all = all;
    if (all)
        all->prev_all = t;
    all = t;
    push_ready(t);
}

/* The loop's callbacks: each sends its news in and queues the task. */
/* Both may fire in one turn: the task is then told both. */
static void on_readable(void *arg)
{
    struct task *t = arg;
    t->sent = t->queued && t->sent > 0 ? t->sent | CORO_READ : CORO_READ;
    push_ready(t);
}

static void on_writable(void *arg)
{
    struct task *t = arg;
    t->sent = t->queued && t->sent > 0 ? t->sent | CORO_WRITE : CORO_WRITE;
    push_ready(t);
}

/* A wake-up with an error already in t->sent, one turn later: pushed at
 * once, a task that retries would run again in the same pass for ever, and
 * the loop (I/O, timers, SIGINT) would never get a turn. */
static void on_retry(void *arg)
{
    struct task *t = arg;
    t->timer = NULL;
    t->retrying = 0;
    push_ready(t);
}

static int watch(struct task *t, int fd, int events);

static void retry_next_turn(struct task *t)
{
    watch(t, -1, 0);
    if ((t->timer = loop_call_later(loop, 0, on_retry, t)))
        t->retrying = 1;
    else
        push_ready(t);
}

static void on_timer(void *arg)
{
    struct task *t = arg;
    t->timer = NULL;
    t->sent = 0;
    push_ready(t);
}

/* Wakes a task that waits (not one already queued), sending in `sent`. */
static void interrupt(struct task *t, int sent)
{
    if (t == running) { /* it is not waiting: its next wait fails instead */
        if (sent < 0)
            t->pending = sent;
        return;
    }
    if (t->queued || t->finished)
        return;
    if (t->timer) {
        loop_cancel(loop, t->timer);
        t->timer = NULL;
        t->retrying = 0;
    }
    t->suspended = 0;
    t->sent = sent;
    push_ready(t);
}

void sched_wake(struct task *t)
{
    if ((t->timer && !t->retrying) || t->suspended) /* not an error on its way */
        interrupt(t, 0);
}

static void on_deadline(void *arg)
{
    struct task *t = arg;
    t->deadline = NULL;
    if (t->queued) /* about to run: its next wait fails instead */
        t->pending = -ETIMEDOUT;
    else
        interrupt(t, -ETIMEDOUT);
}

void sched_deadline(struct task *t, long ms)
{
    sched_deadline_clear(t);
    t->pending = 0;
    t->deadline = loop_call_later(loop, ms, on_deadline, t);
}

void sched_deadline_clear(struct task *t)
{
    if (t->deadline) {
        loop_cancel(loop, t->deadline);
        t->deadline = NULL;
    }
    if (t->pending == -ETIMEDOUT)
        t->pending = 0;
}

void sched_cancel(struct task *t)
{
    t->cancelled = 1;
    interrupt(t, -ECANCELED);
}

void sched_cancel_all(void)
{
    cancelling = 1;
    for (struct task *t = all; t; t = t->next_all)
        sched_cancel(t);
}

/* Makes what the loop watches for t what it now waits for, changing only
 * the difference: a connection that waits to read again and again costs no
 * system call at all between its waits. Returns -1 with errno set. */
static int watch(struct task *t, int fd, int events)
{
    int r = 0;
    if (t->reg_fd != fd && t->reg_fd >= 0) { /* only what it added: another
                                               * task may watch the same fd */
        if (t->reg_events & CORO_READ)
            loop_remove_reader(loop, t->reg_fd);
        if (t->reg_events & CORO_WRITE)
            loop_remove_writer(loop, t->reg_fd);
        t->reg_events = 0;
    }
    t->reg_fd = fd;
    if (fd < 0)
        return 0;
    int add = events & ~t->reg_events, del = t->reg_events & ~events;
    if (add & CORO_READ)
        r |= loop_add_reader(loop, fd, on_readable, t);
    if (add & CORO_WRITE)
        r |= loop_add_writer(loop, fd, on_writable, t);
    if (del & CORO_READ)
        r |= loop_remove_reader(loop, fd);
    if (del & CORO_WRITE)
        r |= loop_remove_writer(loop, fd);
    t->reg_events = events;
    return r;
}

static void finish(struct task *t)
{
    watch(t, -1, 0);
    if (t->timer) {
        loop_cancel(loop, t->timer);
        t->timer = NULL;
    }
    sched_deadline_clear(t);
    t->finished = 1;
    if (t->waiter)
        sched_wake(t->waiter);
    if (t->prev_all)
        t->prev_all->next_all = t->next_all;
    else
        all = t->next_all;
    if (t->next_all)
        t->next_all->prev_all = t->prev_all;
    if (t->on_done)
        t->on_done(t);
}

/* Runs t until it waits or finishes, then arranges its wake-up. */
static void step(struct task *t)
{
    t->fd = -1;
    t->events = 0;
    t->sleep_ms = -1;
    t->suspended = 0;
    running = t;
    int r = t->main(t);
    running = NULL;
    if (trace) {
        if (r == CORO_DONE)
            fprintf(stderr, "  task %s: done\n", t->name);
        else if (t->sleep_ms >= 0)
            fprintf(stderr, "  task %s: sleeps %ld ms\n", t->name, t->sleep_ms);
        else if (t->suspended)
            fprintf(stderr, "  task %s: waits for a task\n", t->name);
        else
            fprintf(stderr, "  task %s: waits %d%s%s\n", t->name, t->fd,
                    t->events & CORO_READ ? "r" : "", t->events & CORO_WRITE ? "w" : "");
    }
    if (r == CORO_DONE) {
        finish(t);
        return;
    }
    if (t->cancelled || t->pending) { /* the wait fails, next turn */
        t->sent = t->cancelled ? -ECANCELED : t->pending;
        t->pending = 0;
        t->suspended = 0;
        retry_next_turn(t);
        return;
    }
    if (t->suspended) {
        watch(t, -1, 0);
        return;
    }
    if (t->sleep_ms >= 0) {
        watch(t, -1, 0);
        t->timer = loop_call_later(loop, t->sleep_ms, on_timer, t);
    } else if (t->fd < 0 || !(t->events & (CORO_READ | CORO_WRITE)) ||
               watch(t, t->fd, t->events & (CORO_READ | CORO_WRITE)) < 0) {
        /* A wait the loop cannot watch (the select backend and an fd past
         * FD_SETSIZE, say): wake it next turn and send the error in. */
        t->sent = t->fd < 0 || !(t->events & (CORO_READ | CORO_WRITE)) ? -EINVAL : -errno;
        retry_next_turn(t);
        return;
    }
    if (t->sleep_ms >= 0 && !t->timer) { /* out of memory */
        t->sent = -ENOMEM;
        retry_next_turn(t);
    }
}

int sched_run(void)
{
    for (;;) {
        /* Run what is ready, in order. Tasks woken meanwhile join the end
         * of the queue and run in this pass too: only the loop waits. */
        while (ready_head) {
            struct task *t = ready_head;
            ready_head = t->next_ready;
            if (!ready_head)
                ready_tail = NULL;
            t->queued = 0;
            step(t);
        }
        if (!all)
            return 0;
        if (loop_once(loop) < 0)
            return -1;
    }
}

/* ---- sockets as coroutines ------------------------------------------------- */

static int would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Tries first: a listener is often readable again by the time we ask. */
int sock_accept(struct task *t, struct sock_accept *f)
{
    coro_begin(&f->gen);
    while ((f->result = accept(f->fd, NULL, NULL)) < 0) {
        if (errno == ECONNABORTED) /* the client left while queued */
            continue;
        if (!would_block()) {
            f->result = -errno;
            coro_return(&f->gen);
        }
        coro_wait_fd(&f->gen, t, f->fd, CORO_READ);
        if (t->sent < 0) {
            f->result = t->sent;
            coro_return(&f->gen);
        }
    }
    coro_end(&f->gen);
}

/* Waits first: a connection that has just been answered has, almost always,
 * nothing more to read yet, and a recv() would be a wasted system call. */
int sock_recv(struct task *t, struct sock_recv *f)
{
    coro_begin(&f->gen);
    for (;;) {
        coro_wait_fd(&f->gen, t, f->fd, CORO_READ);
        if (t->sent < 0) {
            f->result = t->sent;
            break;
        }
        f->result = recv(f->fd, f->buf, f->len, 0);
        if (f->result >= 0)
            break;
        if (!would_block()) {
            f->result = -errno;
            break;
        }
    }
    coro_end(&f->gen);
}

/* send() may take part of what it is given: loop, waiting for room. */
int sock_sendall(struct task *t, struct sock_sendall *f)
{
    coro_begin(&f->gen);
    f->sent = 0;
    while (f->sent < f->len) {
        ssize_t w = send(f->fd, f->buf + f->sent, f->len - f->sent, 0);
        if (w >= 0) {
            f->sent += (size_t)w;
            continue;
        }
        if (!would_block()) {
            f->result = -errno;
            coro_return(&f->gen);
        }
        coro_wait_fd(&f->gen, t, f->fd, CORO_WRITE);
        if (t->sent < 0) {
            f->result = t->sent;
            coro_return(&f->gen);
        }
    }
    f->result = 0;
    coro_end(&f->gen);
}

void sock_close(struct task *t, int fd)
{
    if (t->reg_fd == fd)
        watch(t, -1, 0);
    close(fd);
}

/* A non-blocking connect() returns at once (EINPROGRESS); the socket turns
 * writable when the handshake is over, and SO_ERROR then says how it went
 * (Stevens, UNP vol. 1, 16.3). */
int sock_connect(struct task *t, struct sock_connect *f)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)f->port)};
    int err = 0;
    socklen_t len = sizeof err;
    coro_begin(&f->gen);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->result = socket(AF_INET, SOCK_STREAM, 0);
    if (f->result < 0) {
        f->result = -errno;
        coro_return(&f->gen);
    }
    if (fcntl(f->result, F_SETFL, O_NONBLOCK) < 0 ||
        (connect(f->result, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)) {
        err = errno;
        close(f->result);
        f->result = -err;
        coro_return(&f->gen);
    }
    coro_wait_fd(&f->gen, t, f->result, CORO_WRITE);
    if (t->sent < 0)
        err = -t->sent;
    else if (getsockopt(f->result, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err) {
        sock_close(t, f->result);
        f->result = -err;
    }
    coro_end(&f->gen);
}
