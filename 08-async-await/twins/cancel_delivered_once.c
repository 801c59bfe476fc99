/* Two cancel() calls in one turn: one CancelledError, at the await the task
 * is in; the cleanup await after it runs. */
#include "twin.h"

struct victim {
    struct task task;
    struct gen gen;
    struct coro_sleep nap;
};

static coro victim(struct task *t)               /* async def victim(): */
{
    struct victim *self = (struct victim *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 1000};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(1) */
    if (self->nap.result == -ECANCELED) {        /*   except asyncio.CancelledError: */
        say("victim: cancelled");
        self->nap = (struct coro_sleep){.ms = 10};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(0.01) */
        if (self->nap.result < 0) {
            t->result = self->nap.result;
            async_return(self);
        }
        say("victim: cleaned up");
        t->result = 3;                           /*     return 3 */
    }
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct victim v;
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    task_create(&self->v.task, victim, NULL, "victim");
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->v.task);
    task_cancel(&self->v.task);
    await(self, &self->v.task);                  /* print("result:", await t) */
    say("result: %s", word(await_result(self)));
    say("cancelling: %d", task_cancelling(&self->v.task));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
