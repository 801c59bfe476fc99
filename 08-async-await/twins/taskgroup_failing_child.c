/* TaskGroup with a failing child: the failure cancels the siblings still
 * running and the block's own await; the group raises it. */
#include "twin.h"

struct child {
    struct task task;
    struct gen gen;
    const char *name;
    long ms;
    int fails;
    struct coro_sleep nap;
};

static coro child(struct task *t)                /* async def child(name, ms, fails=False): */
{
    struct child *self = (struct child *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = self->ms};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(ms / 1000) */
    if (self->nap.result < 0) {                  /*     except asyncio.CancelledError: */
        say("%s cancelled", self->name);
        t->result = self->nap.result;            /*         raise */
        async_return(self);
    }
    if (self->fails) {
        say("%s fails", self->name);
        t->result = -EIO;                        /*         raise OSError(errno.EIO, ...) */
        async_return(self);
    }
    say("%s done", self->name);
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct child c[3];
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    self->c[0] = (struct child){.name = "A", .ms = 5, .fails = 1};
    self->c[1] = (struct child){.name = "B", .ms = 1000};
    self->c[2] = (struct child){.name = "C", .ms = 1};
    async_with(self, taskgroup, &self->tg) {     /* async with asyncio.TaskGroup() as tg: */
        for (int i = 0; i < 3; i++)              /*     tg.create_task(child(...)) */
            taskgroup_create_task(&self->tg, &self->c[i].task, child, NULL, self->c[i].name);
        self->nap = (struct coro_sleep){.ms = 1000};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(1) */
        if (self->nap.result < 0) {              /*     except asyncio.CancelledError: */
            say("block cancelled");
            break;                               /*         raise */
        }
    } async_with_end(self, taskgroup, &self->tg);
    if (self->tg.result < 0)                     /* except* OSError as eg: */
        say("group: %s", word(self->tg.result));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
