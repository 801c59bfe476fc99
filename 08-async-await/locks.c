/*
 * locks.c: Event, Lock and Semaphore (asyncio's locks.py), each a FIFO of
 * waiters, a waiter a future in the waiting task's frame.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stddef.h>

#include "asyncio.h"

/* ---- waiters ---------------------------------------------------------------- */

static struct waiter *waiter_of(struct loop_callback *link)
{
    return (struct waiter *)((char *)link - offsetof(struct waiter, link));
}

void waiter_add(struct loop_queue *q, struct waiter *w, const char *name)
{
    future_init(&w->fut, coro_loop(), name, -1);
    w->link = (struct loop_callback){0};
    loop_queue_push(q, &w->link);
}

/* Wakes the first waiter not woken yet: asyncio's _wake_up_first(). */
void waiter_wake_first(struct loop_queue *q)
{
    for (struct loop_callback *l = q->head; l; l = l->next)
        if (!future_done(&waiter_of(l)->fut)) {
            future_set_result(&waiter_of(l)->fut, 0);
            return;
        }
}

/* ---- Event -------------------------------------------------------------------- */

void event_set(struct event *e)
{
    if (e->set)
        return;
    e->set = 1;
    for (struct loop_callback *l = e->waiters.head; l; l = l->next)
        if (!future_done(&waiter_of(l)->fut))
            future_set_result(&waiter_of(l)->fut, 0);
}

void event_clear(struct event *e)
{
    e->set = 0;
}

int event_is_set(const struct event *e)
{
    return e->set;
}

coro event_wait(struct event_wait *f)
{
    coro_begin(&f->gen);
    f->result = 0;
    if (!f->e->set) {
        waiter_add(&f->e->waiters, &f->w, "event");
        coro_await_future(&f->gen, &f->w.fut);
        loop_queue_remove(&f->w.link);
        f->result = future_result(&f->w.fut);
    }
    coro_end(&f->gen);
}

/* ---- Lock ---------------------------------------------------------------------- */

/* Lock.acquire(): free, and nobody queued before us, it is ours at once;
 * else we queue, and the releaser wakes the first in line. */
coro lock_acquire(struct lock_acquire *f)
{
    coro_begin(&f->gen);
    f->result = 0;
    if (!f->lock->locked && !f->lock->waiters.head) {
        f->lock->locked = 1;
        coro_return(&f->gen);
    }
    waiter_add(&f->lock->waiters, &f->w, "lock");
    coro_await_future(&f->gen, &f->w.fut);
    loop_queue_remove(&f->w.link);
    f->result = future_result(&f->w.fut);
    if (f->result < 0) { /* cancelled: a wake-up we may have had goes on */
        if (!f->lock->locked)
            waiter_wake_first(&f->lock->waiters);
        coro_return(&f->gen);
    }
    f->lock->locked = 1;
    coro_end(&f->gen);
}

void lock_release(struct lock *l)
{
    l->locked = 0;
    waiter_wake_first(&l->waiters);
}

coro lock_enter(struct lock_acquire *f, struct lock *l)
{
    f->lock = l;
    return lock_acquire(f);
}

int lock_entered(const struct lock_acquire *f)
{
    return f->result == 0;
}

/* Only a lock that was had is given back. */
coro lock_exit(struct lock_acquire *f)
{
    if (f->result == 0)
        lock_release(f->lock);
    return CORO_DONE;
}

/* ---- Semaphore -------------------------------------------------------------------- */

coro sem_acquire(struct sem_acquire *f)
{
    coro_begin(&f->gen);
    f->result = 0;
    if (f->sem->value > 0 && !f->sem->waiters.head) {
        f->sem->value--;
        coro_return(&f->gen);
    }
    waiter_add(&f->sem->waiters, &f->w, "semaphore");
    coro_await_future(&f->gen, &f->w.fut);
    loop_queue_remove(&f->w.link);
    f->result = future_result(&f->w.fut);
    if (f->result < 0) {
        if (f->sem->value > 0)
            waiter_wake_first(&f->sem->waiters);
        coro_return(&f->gen);
    }
    f->sem->value--;
    coro_end(&f->gen);
}

void sem_release(struct semaphore *s)
{
    s->value++;
    waiter_wake_first(&s->waiters);
}

coro semaphore_enter(struct sem_acquire *f, struct semaphore *s)
{
    f->sem = s;
    return sem_acquire(f);
}

int semaphore_entered(const struct sem_acquire *f)
{
    return f->result == 0;
}

coro semaphore_exit(struct sem_acquire *f)
{
    if (f->result == 0)
        sem_release(f->sem);
    return CORO_DONE;
}
