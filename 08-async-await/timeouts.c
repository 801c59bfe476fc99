/*
 * timeouts.c: asyncio.timeout() (timeouts.py, Python 3.11) and wait_for().
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>

#include "asyncio.h"

/* The deadline has come: cancel the task, as Timeout._on_timeout() does.
 * For timeout_touch(): if the deadline has moved since the timer was set,
 * set it again for the new one instead. */
static void on_timeout(void *arg)
{
    struct timeout *s = arg;
    struct loop *loop = coro_loop();
    int64_t due = s->touched + (int64_t)s->ms * 1000;
    if (s->touched && due > loop_time(loop)) {
        loop_call_later(loop, &s->timer, (long)((due - loop_time(loop) + 999) / 1000), on_timeout,
                        s);
        return;
    }
    s->state = TIMEOUT_EXPIRING;
    task_cancel(s->task);
}

void timeout_reschedule(struct timeout *s, long ms)
{
    struct loop *loop = coro_loop();
    loop_cancel(loop, &s->timer);
    s->ms = ms;
    s->touched = 0;
    if (ms >= 0 && s->state == TIMEOUT_ENTERED)
        loop_call_later(loop, &s->timer, ms, on_timeout, s);
}

/* Called for every byte that moves, so it does not touch the heap: the
 * timer, when it fires, finds the new deadline and goes back to sleep. */
void timeout_touch(struct timeout *s)
{
    if (s->state == TIMEOUT_ENTERED && s->ms >= 0)
        s->touched = loop_time(coro_loop());
}

coro timeout_enter(struct timeout *s, long ms)
{
    *s = (struct timeout){.task = current_task(), .state = TIMEOUT_ENTERED};
    s->cancelling = task_cancelling(s->task);
    timeout_reschedule(s, ms);
    return CORO_DONE;
}

int timeout_entered(const struct timeout *s)
{
    (void)s;
    return 1;
}

/* Timeout.__aexit__(): if this scope's deadline cancelled the task, take
 * that cancel back; whether it was this scope's is told by the count of
 * cancels, which each scope noted on entry: an outer scope's cancel, come
 * through an inner block, leaves the inner scope one more than it found.
 * Such a cancel, not this scope's, goes on out (asyncio: the
 * CancelledError is not turned into a TimeoutError, and propagates). */
coro timeout_exit(struct timeout *s)
{
    loop_cancel(coro_loop(), &s->timer);
    if (s->state == TIMEOUT_EXPIRING)
        s->state = task_uncancel(s->task) <= s->cancelling ? TIMEOUT_EXPIRED : TIMEOUT_EXITED;
    else
        s->state = TIMEOUT_EXITED;
    if (task_cancelling(s->task) > s->cancelling)
        task_reraise(s->task);
    return CORO_DONE;
}

int timeout_expired(const struct timeout *s)
{
    return s->state == TIMEOUT_EXPIRED;
}

/* asyncio 3.12's wait_for(): `async with timeout(t): return await fut`.
 * A cancel from outside is its result, and that is how it goes on out:
 * the one the timeout passed on is taken here (the awaits after it, in
 * the caller's cleanup, work). */
coro wait_for(struct wait_for *f)
{
    async_begin(f);
    f->result = -ECANCELED;
    async_with(f, timeout, &f->tmo, f->ms) {
        await(f, f->fut);
        f->result = await_result(f);
    } async_with_end(f, timeout, &f->tmo);
    if (timeout_expired(&f->tmo))
        f->result = -ETIMEDOUT;
    else if (task_cancelling(current_task()) > f->tmo.cancelling)
        f->result = -ECANCELED;
    if (f->result == -ECANCELED)
        task_cancel_delivered(current_task());
    async_end(f);
}
