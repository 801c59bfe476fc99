/*
 * queues.c: a bounded Queue (asyncio's queues.py): put waits while it is
 * full, get while it is empty, each waiter a future in a FIFO.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stddef.h>

#include "asyncio.h"

void queue_init(struct queue *q, void **slots, size_t maxsize)
{
    *q = (struct queue){.slots = slots, .maxsize = maxsize};
}

/* Queue._wakeup_next(): takes waiters off the front until it finds one
 * not done, and wakes it. */
static void wakeup_next(struct loop_queue *waiters)
{
    struct loop_callback *l;
    while ((l = loop_queue_pop(waiters))) {
        struct waiter *w = (struct waiter *)((char *)l - offsetof(struct waiter, link));
        if (!future_done(&w->fut)) {
            future_set_result(&w->fut, 0);
            return;
        }
    }
}

int queue_put_nowait(struct queue *q, void *item)
{
    if (q->len == q->maxsize)
        return -EAGAIN; /* asyncio: QueueFull */
    q->slots[(q->head + q->len++) % q->maxsize] = item;
    wakeup_next(&q->getters);
    return 0;
}

int queue_get_nowait(struct queue *q, void **item)
{
    if (q->len == 0)
        return -EAGAIN; /* asyncio: QueueEmpty */
    *item = q->slots[q->head];
    q->head = (q->head + 1) % q->maxsize;
    q->len--;
    wakeup_next(&q->putters);
    return 0;
}

/* Woken, then cancelled before it ran (the cancel is thrown in as it
 * resumes): the wake-up goes on to the next in line, as asyncio's get()
 * and put() pass it, so nothing is taken by a task that will not use it. */
static int woken(const struct waiter *w)
{
    return future_done(&w->fut) && !future_cancelled(&w->fut);
}

/* Queue.put(): while full, queue up and wait to be woken by a get. */
coro queue_put(struct queue_put *f)
{
    coro_begin(&f->gen);
    while (f->q->len == f->q->maxsize) {
        waiter_add(&f->q->putters, &f->w, "queue put");
        coro_await_future(&f->gen, &f->w.fut, f->result);
        loop_queue_remove(&f->w.link);
        if (f->result < 0) {
            if (f->q->len < f->q->maxsize && woken(&f->w))
                wakeup_next(&f->q->putters);
            coro_return(&f->gen);
        }
    }
    f->result = queue_put_nowait(f->q, f->item);
    coro_end(&f->gen);
}

coro queue_get(struct queue_get *f)
{
    coro_begin(&f->gen);
    while (f->q->len == 0) {
        waiter_add(&f->q->getters, &f->w, "queue get");
        coro_await_future(&f->gen, &f->w.fut, f->result);
        loop_queue_remove(&f->w.link);
        if (f->result < 0) {
            if (f->q->len > 0 && woken(&f->w))
                wakeup_next(&f->q->getters);
            coro_return(&f->gen);
        }
    }
    f->result = queue_get_nowait(f->q, &f->item);
    coro_end(&f->gen);
}
