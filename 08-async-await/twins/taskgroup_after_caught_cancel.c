/* A task that caught a cancel and carried on (its cancelling() stays 1)
 * then opens a TaskGroup: its children run; only a cancel since the group
 * was entered would stop them. */
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
    self->nap = (struct coro_sleep){.ms = 1};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(0.001) */
    if ((t->result = self->nap.result) == 0)
        say("%s done", t->name);
    async_end(self);
}

struct worker {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct child a, b;
    struct coro_sleep nap;
};

static coro worker(struct task *t)               /* async def worker(): */
{
    struct worker *self = (struct worker *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 1000};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(1) */
    if (self->nap.result == -ECANCELED)          /*   except asyncio.CancelledError: */
        say("caught, cancelling: %d", task_cancelling(t));
    async_with(self, taskgroup, &self->tg) {     /*   async with asyncio.TaskGroup() as tg: */
        taskgroup_create_task(&self->tg, &self->a.task, child, NULL, "A");
        taskgroup_create_task(&self->tg, &self->b.task, child, NULL, "B");
    } async_with_end(self, taskgroup, &self->tg);
    if (self->tg.result == 0)
        say("group done");
    t->result = 2;                               /*   return 2 */
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
