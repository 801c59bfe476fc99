/* A task cancelled before its first step never runs; cancel() of a task
 * that is done returns False. */
#include "twin.h"

struct body {
    struct task task;
    struct gen gen;
};

static coro body(struct task *t)                 /* async def body(): */
{
    struct body *self = (struct body *)t;
    async_begin(self);
    say("body runs");
    t->result = 1;                               /*     return 1 */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct body b;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    task_create(&self->b.task, body, NULL, "body"); /* t = asyncio.create_task(body()) */
    say("cancel: %s", task_cancel(&self->b.task) ? "True" : "False");
    await(self, &self->b.task);                  /* await t */
    if (await_result(self) == -ECANCELED)
        say("task: cancelled");
    say("cancel when done: %s", task_cancel(&self->b.task) ? "True" : "False");
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
