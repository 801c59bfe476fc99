/* wait_for, too late: the awaited task is cancelled, and waited for, before
 * the awaiter gets its timeout. */
#include "twin.h"

struct work {
    struct task task;
    struct gen gen;
    struct coro_sleep nap;
};

static coro work(struct task *t)                 /* async def work(): */
{
    struct work *self = (struct work *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 10000};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(10) */
    if (self->nap.result < 0)                    /*     except asyncio.CancelledError: */
        say("work cancelled");
    t->result = self->nap.result;                /*         raise */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct work w;
    struct wait_for wf;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    task_create(&self->w.task, work, NULL, "work");
    self->wf = (struct wait_for){.fut = &self->w.task.fut, .ms = 50};
    await(self, wait_for(&self->wf));            /* await asyncio.wait_for(work(), 0.05) */
    if (self->wf.result < 0)                     /* except TimeoutError: */
        say("%s", word(self->wf.result));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
