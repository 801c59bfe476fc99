/* gather(a, b) where a is cancelled by someone else: the gather is not
 * cancelled (main's cancelling() stays 0), but its awaiter gets the
 * cancel. And gather(t, t): t once, its result twice. */
#include "twin.h"

struct child {
    struct task task;
    struct gen gen;
    long ms, result;
    struct coro_sleep nap;
};

static coro child(struct task *t)                /* async def child(name, ms, result): */
{
    struct child *self = (struct child *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = self->ms};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(ms / 1000) */
    t->result = self->nap.result < 0 ? self->nap.result : self->result; /* return result */
    async_end(self);
}

struct canceller {
    struct task task;
    struct gen gen;
    struct task *victim;
    struct coro_sleep nap;
};

static coro cancel_later(struct task *t)         /* async def cancel_later(task): */
{
    struct canceller *self = (struct canceller *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(0.005) */
    task_cancel(self->victim);                   /*     task.cancel() */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct child a, b, t;
    struct canceller canceller;
    struct task *ts[2];
    struct gather g;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    self->a = (struct child){.ms = 1000, .result = 1};
    self->b = (struct child){.ms = 1, .result = 2};
    task_create(&self->a.task, child, NULL, "A");
    task_create(&self->b.task, child, NULL, "B");
    self->canceller = (struct canceller){.victim = &self->a.task};
    task_create(&self->canceller.task, cancel_later, NULL, "canceller");
    self->ts[0] = &self->a.task, self->ts[1] = &self->b.task;
    self->g = (struct gather){.tasks = self->ts, .n = 2};
    await(self, gather(&self->g));               /* await asyncio.gather(a, b) */
    if (self->g.result < 0)
        say("gather: %s", word(self->g.result));
    else
        say("gather: [%ld, %ld]", task_result(&self->a.task), task_result(&self->b.task));
    say("main cancelling: %d", task_cancelling(t));
    await(self, &self->canceller.task);
    self->t = (struct child){.ms = 1, .result = 7};
    task_create(&self->t.task, child, NULL, "T");
    self->ts[0] = self->ts[1] = &self->t.task;
    self->g = (struct gather){.tasks = self->ts, .n = 2};
    await(self, gather(&self->g));               /* await asyncio.gather(t, t) */
    say("gather(t, t): [%s, %s]", word(task_result(self->ts[0])), word(task_result(self->ts[1])));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
