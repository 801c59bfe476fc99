/* An outer deadline fires through an inner scope: the cancel goes out
 * through the inner block, which does not own it, to the outer one, which
 * takes it back as its timeout. The sleep after the inner block ends at
 * once, and the task's next await works. */
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
    async_begin(self);
    self->start = loop_time(coro_loop());
    async_with(self, timeout, &self->outer, 100) {       /* async with timeout(0.1) as outer: */
        async_with(self, timeout, &self->inner, 1000) {  /*     async with timeout(1) as inner: */
            self->nap = (struct coro_sleep){.ms = 10000};
            await(self, coro_sleep(&self->nap));         /*         await asyncio.sleep(10) */
        } async_with_end(self, timeout, &self->inner);
        self->nap = (struct coro_sleep){.ms = 2000};
        await(self, coro_sleep(&self->nap));             /*     await asyncio.sleep(2) */
        if (self->nap.result < 0)
            break;
        say("slept 2 s");
    } async_with_end(self, timeout, &self->outer);
    if (timeout_expired(&self->outer))                   /* except TimeoutError: */
        say("outer: TimeoutError");
    say("inner expired: %s outer expired: %s", timeout_expired(&self->inner) ? "True" : "False",
        timeout_expired(&self->outer) ? "True" : "False");
    say("left the outer block within 1 s: %s",
        loop_time(coro_loop()) - self->start < 1000000 ? "True" : "False");
    self->nap = (struct coro_sleep){.ms = 10};
    await(self, coro_sleep(&self->nap));                 /* await asyncio.sleep(0.01) */
    if (self->nap.result == 0)
        say("next await: ok, cancelling: %d", task_cancelling(t));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
