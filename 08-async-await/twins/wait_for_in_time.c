/* wait_for, in time: the result comes through. */
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
    self->nap = (struct coro_sleep){.ms = 10};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(0.01) */
    t->result = 7;                               /*     return 7 */
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
    task_create(&self->w.task, work, NULL, "work"); /* wait_for makes work() a task */
    self->wf = (struct wait_for){.fut = &self->w.task.fut, .ms = 1000};
    await(self, wait_for(&self->wf));            /* await asyncio.wait_for(work(), 1) */
    say("result %s", word(self->wf.result));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
