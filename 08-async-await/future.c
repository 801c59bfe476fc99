/*
 * future.c: a future and its done callbacks, scheduled on the loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "future.h"

void future_init(struct future *f, struct loop *loop, const char *name, int fd)
{
    *f = (struct future){.state = FUTURE_PENDING, .fd = fd, .loop = loop, .name = name};
}

int future_done(const struct future *f)
{
    return f->state != FUTURE_PENDING;
}

int future_cancelled(const struct future *f)
{
    return f->state == FUTURE_CANCELLED;
}

long future_result(const struct future *f)
{
    return f->state == FUTURE_CANCELLED ? -ECANCELED : f->result;
}

/* TRACE=1: "future sock_recv(5) = 12 -> conn accept": its result, and
 * whose callbacks it schedules. */
static void trace_done(struct future *f)
{
    char who[128] = "";
    size_t n = 0;
    for (struct loop_callback *h = f->callbacks.head; h && n < sizeof who - 1; h = h->next) {
        int w = snprintf(who + n, sizeof who - n, " %s", h->name);
        n = w < 0 ? n : n + (size_t)w < sizeof who ? n + (size_t)w : sizeof who - 1;
    }
    char fd[16] = "";
    if (f->fd >= 0)
        snprintf(fd, sizeof fd, "(%d)", f->fd);
    if (f->state == FUTURE_CANCELLED)
        loop_trace(f->loop, "future %s%s cancelled%s%s", f->name, fd, n ? " ->" : "", who);
    else
        loop_trace(f->loop, "future %s%s = %ld%s%s", f->name, fd, f->result, n ? " ->" : "", who);
}

static void complete(struct future *f, int state, long result)
{
    if (f->state != FUTURE_PENDING) {
        fprintf(stderr, "future %s(%d): completed twice (asyncio: InvalidStateError)\n",
                f->name, f->fd);
        abort();
    }
    f->state = state;
    f->result = result;
    if (loop_tracing(f->loop))
        trace_done(f);
    /* asyncio's Future.__schedule_callbacks(): each callback goes to the
     * ready queue, in the order added. None of them runs here. */
    struct loop_callback *h;
    while ((h = loop_queue_pop(&f->callbacks)))
        loop_ready(f->loop, h);
}

void future_set_result(struct future *f, long result)
{
    complete(f, FUTURE_DONE, result);
}

int future_cancel_plain(struct future *f)
{
    if (future_done(f))
        return 0;
    complete(f, FUTURE_CANCELLED, -ECANCELED);
    return 1;
}

int future_cancel(struct future *f)
{
    return f->cancel ? f->cancel(f) : future_cancel_plain(f);
}

void future_add_done_callback_(struct future *f, struct loop_callback *h, loop_cb *cb,
                               const char *name, void *arg)
{
    loop_queue_remove(h);
    h->cb = cb;
    h->name = name;
    h->arg = arg;
    if (future_done(f))
        loop_ready(f->loop, h);
    else
        loop_queue_push(&f->callbacks, h);
}

int future_remove_done_callback(struct future *f, struct loop_callback *h)
{
    if (h->queue != &f->callbacks)
        return 0;
    loop_queue_remove(h);
    return 1;
}
