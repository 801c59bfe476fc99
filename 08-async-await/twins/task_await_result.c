/* create_task and await: a task's result comes back to whoever awaits it;
 * a coroutine awaited directly runs to its end, with no task. */
#include "twin.h"

struct dbl {                  /* the frame of double(x) */
    struct gen gen;
    long x, result;
    struct coro_sleep nap;
};

static coro dbl(struct dbl *f)                   /* async def double(x): */
{
    async_begin(f);
    f->nap = (struct coro_sleep){.ms = 10};
    await(f, coro_sleep(&f->nap));               /*     await asyncio.sleep(0.01) */
    say("double %ld", f->x);                     /*     print("double", x) */
    f->result = 2 * f->x;                        /*     return 2 * x */
    async_end(f);
}

struct dbl_task {             /* a Task around double(x), as create_task makes */
    struct task task;
    struct gen gen;
    struct dbl d;
};

static coro dbl_task(struct task *t)
{
    struct dbl_task *self = (struct dbl_task *)t;
    async_begin(self);
    await(self, dbl(&self->d));
    t->result = self->d.result;
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct dbl_task t;
    struct dbl d;
} m;

static coro async_main(struct task *t)           /* async def main(): */
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    self->t.d = (struct dbl){.x = 21};
    task_create(&self->t.task, dbl_task, NULL, "double"); /* task = asyncio.create_task(double(21)) */
    say("created");
    await(self, &self->t.task);                  /* print("task:", await task) */
    say("task: %s", word(task_result(&self->t.task)));
    self->d = (struct dbl){.x = 5};
    await(self, dbl(&self->d));                  /* print("coroutine:", await double(5)) */
    say("coroutine: %s", word(self->d.result));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);             /* asyncio.run(main()) */
}
