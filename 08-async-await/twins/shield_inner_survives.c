/* shield: cancelling the task that awaits a shielded task ends that await;
 * the shielded task runs on to its end. */
#include "twin.h"

static struct event go;                          /* go = asyncio.Event() */

struct inner {
    struct task task;
    struct gen gen;
    struct event_wait w;
};

static coro inner(struct task *t)                /* async def inner(go): */
{
    struct inner *self = (struct inner *)t;
    async_begin(self);
    self->w = (struct event_wait){.e = &go};
    await(self, event_wait(&self->w));           /*     await go.wait() */
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
    task_create(&self->i.task, inner, NULL, "inner"); /* i = asyncio.create_task(inner(go)) */
    self->o.sh = (struct shield){.inner = &self->i.task};
    task_create(&self->o.task, outer, NULL, "outer"); /* o = asyncio.create_task(outer(i)) */
    self->nap = (struct coro_sleep){.ms = 0};
    await(self, coro_sleep(&self->nap));         /* await asyncio.sleep(0)  # o awaits the shield */
    task_cancel(&self->o.task);                  /* o.cancel() */
    await(self, &self->o.task);                  /* await o */
    if (task_result(&self->o.task) == -ECANCELED) /* except asyncio.CancelledError: */
        say("outer task: cancelled");
    event_set(&go);                              /* go.set() */
    await(self, &self->i.task);                  /* print("inner:", await i) */
    say("inner: %s", word(task_result(&self->i.task)));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
