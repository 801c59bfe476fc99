/* A task that retries after each cancel: each cancel ends one await, once,
 * and the retry waits as long as any other. Cancelled three times, it
 * sleeps five times in all. */
#include "twin.h"

struct retrier {
    struct task task;
    struct gen gen;
    int tries, done;
    struct coro_sleep nap;
};

static coro retrier(struct task *t)              /* async def retrier(): */
{
    struct retrier *self = (struct retrier *)t;
    async_begin(self);
    while (self->done < 2) {                     /*     while done < 2: */
        self->tries++;
        self->nap = (struct coro_sleep){.ms = 20};
        await(self, coro_sleep(&self->nap));     /*         await asyncio.sleep(0.02) */
        if (self->nap.result == 0)
            self->done++;                        /*     except CancelledError: pass */
    }
    t->result = self->tries;                     /*     return tries */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    int i;
    struct retrier r;
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    task_create(&self->r.task, retrier, NULL, "retrier");
    for (self->i = 0; self->i < 3; self->i++) {
        self->nap = (struct coro_sleep){.ms = 1};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(0.001) */
        task_cancel(&self->r.task);              /*     r.cancel() */
    }
    await(self, &self->r.task);
    say("tries: %s", word(await_result(self)));  /* print("tries:", await r) */
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
