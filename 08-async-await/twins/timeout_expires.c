/* asyncio.timeout(): when it expires, the await in progress is interrupted
 * and the block is left; a block that ends in time is not touched. */
#include "twin.h"

static struct main_frame {
    struct task task;
    struct gen gen;
    struct timeout cm;
    struct coro_sleep nap;
} m;

static const char *yes(int b)
{
    return b ? "True" : "False";
}

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, timeout, &self->cm, 50) {   /* async with asyncio.timeout(0.05) as cm: */
        self->nap = (struct coro_sleep){.ms = 10000};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(10) */
        if (self->nap.result < 0)                /*     (C: the cancel is a result: leave) */
            break;
        say("never");
    } async_with_end(self, timeout, &self->cm);
    if (timeout_expired(&self->cm))              /* except TimeoutError: */
        say("timeout, expired: %s", yes(timeout_expired(&self->cm)));
    async_with(self, timeout, &self->cm, 1000) { /* async with asyncio.timeout(1) as cm: */
        self->nap = (struct coro_sleep){.ms = 10};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(0.01) */
    } async_with_end(self, timeout, &self->cm);
    say("in time, expired: %s", yes(timeout_expired(&self->cm)));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
