/* gather with a failing child: the awaiter gets the first error. */
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
    if (self->nap.result < 0) {                  /*     (C: a cancel is a result) */
        t->result = self->nap.result;
        async_return(self);
    }
    if (self->fails) {                           /*     if fails: */
        say("%s fails", self->name);
        t->result = -EIO;                        /*         raise OSError(errno.EIO, ...) */
        async_return(self);
    }
    say("%s done", self->name);
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
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    self->c[0] = (struct child){.name = "A", .ms = 50};
    self->c[1] = (struct child){.name = "B", .ms = 5, .fails = 1};
    self->c[2] = (struct child){.name = "C", .ms = 100};
    for (int i = 0; i < 3; i++) {                /* tasks = [asyncio.create_task(...), ...] */
        task_create(&self->c[i].task, child, NULL, self->c[i].name);
        self->ts[i] = &self->c[i].task;
    }
    self->g = (struct gather){.tasks = self->ts, .n = 3};
    await(self, gather(&self->g));               /* await asyncio.gather(*tasks) */
    if (self->g.result < 0)                      /* except OSError as e: */
        say("gather: %s", word(self->g.result));
    for (int i = 0; i < 3; i++)                  /* for name, task in zip("ABC", tasks): */
        say("%s -> %s", self->c[i].name, word(task_result(self->ts[i])));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
