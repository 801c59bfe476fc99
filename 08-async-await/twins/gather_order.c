/* gather: the children run at once; their results come back in the order
 * they were gathered, not the order they ended. */
#include "twin.h"

struct child {
    struct task task;
    struct gen gen;
    long ms;
    struct coro_sleep nap;
};

static coro child(struct task *t)                /* async def child(ms): */
{
    struct child *self = (struct child *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = self->ms};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(ms / 1000) */
    say("done %ld", self->ms);                   /*     print("done", ms) */
    t->result = self->ms;                        /*     return ms */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct child c[3];
    struct task *ts[3];
    struct gather g;
} m;

static coro async_main(struct task *t)
{
    static const long ms[] = {30, 10, 20};
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    for (int i = 0; i < 3; i++) {                /* child(30), child(10), child(20) */
        self->c[i] = (struct child){.ms = ms[i]};
        task_create(&self->c[i].task, child, NULL, "child");
        self->ts[i] = &self->c[i].task;
    }
    self->g = (struct gather){.tasks = self->ts, .n = 3};
    await(self, gather(&self->g));               /* results = await asyncio.gather(...) */
    say("results %s %s %s", word(task_result(self->ts[0])), word(task_result(self->ts[1])),
        word(task_result(self->ts[2])));         /* print("results", *results) */
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
