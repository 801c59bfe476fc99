/*
 * queues.c: a bounded Queue (asyncio's queues.py): put waits while it is
 * full, get while it is empty, each waiter a future in a FIFO.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>

#include "asyncio.h"

void queue_init(struct queue *q, void **slots, size_t maxsize)
{
    *q = (struct queue){.slots = slots, .maxsize = maxsize};
}

int queue_put_nowait(struct queue *q, void *item)
{
    if (q->len == q->maxsize)
        return -EAGAIN; /* asyncio: QueueFull */
    q->slots[(q->head + q->len++) % q->maxsize] = item;
    waiter_wake_first(&q->getters);
    return 0;
}

int queue_get_nowait(struct queue *q, void **item)
{
    if (q->len == 0)
        return -EAGAIN; /* asyncio: QueueEmpty */
    *item = q->slots[q->head];
    q->head = (q->head + 1) % q->maxsize;
    q->len--;
    waiter_wake_first(&q->putters);
    return 0;
}

/* Queue.put(): while full, queue up and wait to be woken by a get
 * (asyncio's _wakeup_next() is waiter_wake_first()). A putter cancelled
 * after it was woken passes the wake-up on. */
coro queue_put(struct queue_put *f)
{
    coro_begin(&f->gen);
    while (f->q->len == f->q->maxsize) {
        waiter_add(&f->q->putters, &f->w, "queue put");
        coro_await_future(&f->gen, &f->w.fut);
        loop_queue_remove(&f->w.link);
        if ((f->result = future_result(&f->w.fut)) < 0) {
            if (f->q->len < f->q->maxsize)
                waiter_wake_first(&f->q->putters);
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
        coro_await_future(&f->gen, &f->w.fut);
        loop_queue_remove(&f->w.link);
        if ((f->result = future_result(&f->w.fut)) < 0) {
            if (f->q->len > 0)
                waiter_wake_first(&f->q->getters);
            coro_return(&f->gen);
        }
    }
    f->result = queue_get_nowait(f->q, &f->item);
    coro_end(&f->gen);
}
