/* Departure: a cancel passed on by a scope's exit is delivered by the next
 * await that reaches a future. In asyncio the exception skips every line
 * after the inner block; in C, an await that completes without waiting (a
 * free lock) runs, and the next one that waits ends with the cancel. */
#include "twin.h"

static struct main_frame {
    struct task task;
    struct gen gen;
    struct lock lock;
    struct lock_acquire acq;
    struct timeout outer, inner;
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, timeout, &self->outer, 10) {        /* async with timeout(0.01) as outer: */
        async_with(self, timeout, &self->inner, 1000) {  /*     async with timeout(1): */
            self->nap = (struct coro_sleep){.ms = 1000};
            await(self, coro_sleep(&self->nap));         /*         await asyncio.sleep(1) */
        } async_with_end(self, timeout, &self->inner);
        async_with(self, lock, &self->acq, &self->lock) { /*    async with lock: */
            say("lock taken");
            self->nap = (struct coro_sleep){.ms = 1000};
            await(self, coro_sleep(&self->nap));         /*         await asyncio.sleep(1) */
        } async_with_end(self, lock, &self->acq);
        if (self->acq.result < 0 || self->nap.result < 0)
            break;
        say("slept");
    } async_with_end(self, timeout, &self->outer);
    if (timeout_expired(&self->outer))                   /* except TimeoutError: */
        say("outer: TimeoutError");
    say("outer expired: %s lock held: %s", timeout_expired(&self->outer) ? "True" : "False",
        self->lock.locked ? "True" : "False");
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
