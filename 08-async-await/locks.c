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

/* asyncio's Lock._wake_up_first(): the first waiter, and only if it is
 * not done: one already woken, or cancelled, passes the turn on itself
 * when it runs. Waking the next in line instead would let two in. */
void waiter_wake_first(struct loop_queue *q)
{
    if (q->head && !future_done(&waiter_of(q->head)->fut))
        future_set_result(&waiter_of(q->head)->fut, 0);
}

/* Semaphore._wake_up_next() and Queue._wakeup_next(): the first waiter
 * not done yet. Returns 1 if it woke one. */
int waiter_wake_next(struct loop_queue *q)
{
    for (struct loop_callback *l = q->head; l; l = l->next)
        if (!future_done(&waiter_of(l)->fut)) {
            future_set_result(&waiter_of(l)->fut, 0);
            return 1;
        }
    return 0;
}

/* Is any waiter still waiting (not cancelled)? */
static int any_waiting(const struct loop_queue *q)
{
    for (struct loop_callback *l = q->head; l; l = l->next)
        if (!future_cancelled(&waiter_of(l)->fut))
            return 1;
    return 0;
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
        coro_await_future(&f->gen, &f->w.fut, f->result);
        loop_queue_remove(&f->w.link);
    }
    coro_end(&f->gen);
}

/* ---- Lock ---------------------------------------------------------------------- */

/* Lock.acquire(): free, and nobody waiting before us, it is ours at once;
 * else we queue, and the releaser wakes the first in line. Cancelled,
 * even after it was woken (the cancel is thrown in as it resumes), it
 * never takes the lock, and passes the turn on if the lock is free. */
coro lock_acquire(struct lock_acquire *f)
{
    coro_begin(&f->gen);
    f->result = 0;
    if (!f->lock->locked && !any_waiting(&f->lock->waiters)) {
        f->lock->locked = 1;
        coro_return(&f->gen);
    }
    waiter_add(&f->lock->waiters, &f->w, "lock");
    coro_await_future(&f->gen, &f->w.fut, f->result);
    loop_queue_remove(&f->w.link);
    if (f->result < 0) {
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

static void sem_wake_next(struct semaphore *s)
{
    if (waiter_wake_next(&s->waiters))
        s->value--;
}

/* As asyncio 3.11's: the releaser hands a unit straight to the first
 * waiter (_wake_up_next takes it off the value), so nobody can slip in
 * between; a waiter cancelled after it was handed one gives it back. */
static int sem_locked(const struct semaphore *s)
{
    return s->value == 0 || any_waiting(&s->waiters);
}

coro sem_acquire(struct sem_acquire *f)
{
    coro_begin(&f->gen);
    f->result = 0;
    if (!sem_locked(f->sem)) {
        f->sem->value--;
        coro_return(&f->gen);
    }
    waiter_add(&f->sem->waiters, &f->w, "semaphore");
    coro_await_future(&f->gen, &f->w.fut, f->result);
    loop_queue_remove(&f->w.link);
    if (f->result < 0) {
        if (future_done(&f->w.fut) && !future_cancelled(&f->w.fut)) { /* it had been handed one */
            f->sem->value++;
            sem_wake_next(f->sem);
        }
        coro_return(&f->gen);
    }
    if (f->sem->value > 0)
        sem_wake_next(f->sem);
    coro_end(&f->gen);
}

void sem_release(struct semaphore *s)
{
    s->value++;
    sem_wake_next(s);
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
