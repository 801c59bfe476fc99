/* TaskGroup: the block's end waits for every task of the group; then each
 * task's result is there. */
#include "twin.h"

struct child {
    struct task task;
    struct gen gen;
    const char *name;
    long ms;
    struct coro_sleep nap;
};

static coro child(struct task *t)                /* async def child(name, ms): */
{
    struct child *self = (struct child *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = self->ms};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(ms / 1000) */
    say("%s done", self->name);                  /*     print(name, "done") */
    t->result = self->ms;                        /*     return ms */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct child a, b;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {     /* async with asyncio.TaskGroup() as tg: */
        self->a = (struct child){.name = "A", .ms = 30};
        taskgroup_create_task(&self->tg, &self->a.task, child, NULL, "A"); /* a = tg.create_task(child("A", 30)) */
        self->b = (struct child){.name = "B", .ms = 10};
        taskgroup_create_task(&self->tg, &self->b.task, child, NULL, "B");
        say("block ends");
    } async_with_end(self, taskgroup, &self->tg);
    say("results %s %s", word(task_result(&self->a.task)), word(task_result(&self->b.task)));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
