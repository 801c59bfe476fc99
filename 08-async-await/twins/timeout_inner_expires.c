/* An inner timeout that expires ends only the inner block; the outer one
 * still fires on time, through the sleep after it. */
#include "twin.h"

static struct main_frame {
    struct task task;
    struct gen gen;
    int64_t start;
    struct timeout outer, inner;
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    int64_t took;
    async_begin(self);
    self->start = loop_time(coro_loop());
    async_with(self, timeout, &self->outer, 300) {       /* async with timeout(0.3) as outer: */
        async_with(self, timeout, &self->inner, 20) {    /*     async with timeout(0.02) as inner: */
            self->nap = (struct coro_sleep){.ms = 1000};
            await(self, coro_sleep(&self->nap));         /*         await asyncio.sleep(1) */
        } async_with_end(self, timeout, &self->inner);
        if (timeout_expired(&self->inner))               /*     except TimeoutError: */
            say("inner: TimeoutError");
        self->nap = (struct coro_sleep){.ms = 1000};
        await(self, coro_sleep(&self->nap));             /*     await asyncio.sleep(1) */
        if (self->nap.result < 0)
            break;
        say("slept 1 s");
    } async_with_end(self, timeout, &self->outer);
    if (timeout_expired(&self->outer))                   /* except TimeoutError: */
        say("outer: TimeoutError");
    say("inner expired: %s outer expired: %s", timeout_expired(&self->inner) ? "True" : "False",
        timeout_expired(&self->outer) ? "True" : "False");
    took = loop_time(coro_loop()) - self->start;
    say("outer fired after 0.3 s, within 1 s: %s", took > 290000 && took < 1000000 ? "True" : "False");
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
