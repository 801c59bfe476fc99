/* shield: cancelling the task that awaits a shielded task ends that await;
 * the shielded task runs on to its end. */
#include "twin.h"

struct inner {
    struct task task;
    struct gen gen;
    struct coro_sleep nap;
};

static coro inner(struct task *t)                /* async def inner(): */
{
    struct inner *self = (struct inner *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 30};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(0.03) */
    say("inner done");
    t->result = 5;                               /*     return 5 */
    async_end(self);
}

struct outer {
    struct task task;
    struct gen gen;
    struct shield sh;
};

static coro outer(struct task *t)                /* async def outer(task): */
{
    struct outer *self = (struct outer *)t;
    async_begin(self);
    await(self, shield(&self->sh));              /*     return await asyncio.shield(task) */
    if (self->sh.result == -ECANCELED)           /*     except asyncio.CancelledError: */
        say("outer cancelled");
    t->result = self->sh.result;                 /*         raise */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct inner i;
    struct outer o;
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    task_create(&self->i.task, inner, NULL, "inner"); /* i = asyncio.create_task(inner()) */
    self->o.sh = (struct shield){.inner = &self->i.task};
    task_create(&self->o.task, outer, NULL, "outer"); /* o = asyncio.create_task(outer(i)) */
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));         /* await asyncio.sleep(0.005) */
    task_cancel(&self->o.task);                  /* o.cancel() */
    await(self, &self->o.task);                  /* await o */
    if (task_result(&self->o.task) == -ECANCELED) /* except asyncio.CancelledError: */
        say("outer task: cancelled");
    await(self, &self->i.task);                  /* print("inner:", await i) */
    say("inner: %s", word(task_result(&self->i.task)));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
