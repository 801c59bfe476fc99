/* A task cancelled from outside while in a TaskGroup: the group cancels its
 * children, and the cancel goes on out of the block: the task ends
 * cancelled, though the C goes on to its last line. */
#include "twin.h"

struct child {
    struct task task;
    struct gen gen;
    struct coro_sleep nap;
};

static coro child(struct task *t)                /* async def child(name): */
{
    struct child *self = (struct child *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 1000};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(1) */
    if (self->nap.result < 0)                    /*   except CancelledError: */
        say("%s cancelled", t->name);
    t->result = self->nap.result;                /*     raise */
    async_end(self);
}

struct worker {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct child a;
    struct coro_sleep nap;
};

static coro worker(struct task *t)               /* async def worker(): */
{
    struct worker *self = (struct worker *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {     /*     async with asyncio.TaskGroup() as tg: */
        taskgroup_create_task(&self->tg, &self->a.task, child, NULL, "A");
        self->nap = (struct coro_sleep){.ms = 1000};
        await(self, coro_sleep(&self->nap));     /*         await asyncio.sleep(1) */
    } async_with_end(self, taskgroup, &self->tg);
    t->result = 1;                               /*     return 1 */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct worker w;
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    task_create(&self->w.task, worker, NULL, "worker");
    self->nap = (struct coro_sleep){.ms = 10};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->w.task);
    await(self, &self->w.task);
    say("worker: %s", word(await_result(self)));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
