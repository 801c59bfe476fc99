/* Event: set() wakes every waiter, in the order they began to wait; wait()
 * on an event already set does not wait. */
#include "twin.h"

static struct event event;                       /* event = asyncio.Event() */

struct event_waiter {
    struct task task;
    struct gen gen;
    const char *name;
    struct event_wait w;
};

static coro waiter(struct task *t)               /* async def waiter(name, event): */
{
    struct event_waiter *self = (struct event_waiter *)t;
    async_begin(self);
    say("%s waits", self->name);
    self->w = (struct event_wait){.e = &event};
    await(self, event_wait(&self->w));           /*     await event.wait() */
    say("%s woke", self->name);
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct event_waiter w[3];
    struct coro_sleep nap;
    struct event_wait wait;
} m;

static coro async_main(struct task *t)
{
    static const char *names[] = {"A", "B", "C"};
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {     /* async with asyncio.TaskGroup() as tg: */
        for (int i = 0; i < 3; i++) {            /*     for name in "ABC": */
            self->w[i] = (struct event_waiter){.name = names[i]};
            taskgroup_create_task(&self->tg, &self->w[i].task, waiter, NULL, names[i]);
        }
        self->nap = (struct coro_sleep){.ms = 10};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(0.01) */
        say("set");
        event_set(&event);                       /*     event.set() */
    } async_with_end(self, taskgroup, &self->tg);
    self->wait = (struct event_wait){.e = &event};
    await(self, event_wait(&self->wait));        /* await event.wait() */
    say("set already");
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
