/* sleep(0) yields to the loop once: tasks take turns at each sleep(0), in
 * the order they were created. */
#include "twin.h"

struct worker {
    struct task task;
    struct gen gen;
    const char *name;
    int i;
    struct coro_sleep nap;
};

static coro worker(struct task *t)               /* async def worker(name): */
{
    struct worker *self = (struct worker *)t;
    async_begin(self);
    for (self->i = 0; self->i < 3; self->i++) {  /*     for i in range(3): */
        say("%s %d", self->name, self->i);
        self->nap = (struct coro_sleep){.ms = 0};
        await(self, coro_sleep(&self->nap));     /*         await asyncio.sleep(0) */
    }
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct worker w[3];
} m;

static coro async_main(struct task *t)
{
    static const char *names[] = {"A", "B", "C"};
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {     /* async with asyncio.TaskGroup() as tg: */
        for (int i = 0; i < 3; i++) {            /*     for name in "ABC": */
            self->w[i] = (struct worker){.name = names[i]};
            taskgroup_create_task(&self->tg, &self->w[i].task, worker, NULL, names[i]);
        }
    } async_with_end(self, taskgroup, &self->tg);
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
