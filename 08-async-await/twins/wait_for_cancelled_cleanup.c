/* wait_for() cancelled from outside: the cancel is its result, and the
 * caller's cleanup awaits after it work; the task ends cancelled. */
#include "twin.h"

struct slow {
    struct task task;
    struct gen gen;
    struct coro_sleep nap;
};

static coro slow(struct task *t)                 /* async def slow(): */
{
    struct slow *self = (struct slow *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 1000};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(1) */
    t->result = self->nap.result < 0 ? self->nap.result : 1; /* return 1 */
    async_end(self);
}

struct waiter_frame {
    struct task task;
    struct gen gen;
    struct slow s;
    struct wait_for wf;
    struct coro_sleep nap;
};

static coro waiter(struct task *t)               /* async def waiter(): */
{
    struct waiter_frame *self = (struct waiter_frame *)t;
    async_begin(self);
    task_create(&self->s.task, slow, NULL, "slow");
    self->wf = (struct wait_for){.fut = &self->s.task.fut, .ms = 500};
    await(self, wait_for(&self->wf));            /*     await asyncio.wait_for(slow(), 0.5) */
    if (self->wf.result == -ECANCELED) {         /*   except asyncio.CancelledError: */
        say("wait_for: cancelled");
        self->nap = (struct coro_sleep){.ms = 5};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(0.005) */
        if (self->nap.result == 0)
            say("cleanup: done");
        t->result = -ECANCELED;                  /*     raise */
    }
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct waiter_frame w;
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    task_create(&self->w.task, waiter, NULL, "waiter");
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->w.task);                  /* w.cancel() */
    await(self, &self->w.task);                  /* await w */
    if (await_result(self) == -ECANCELED)
        say("waiter: cancelled");
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
