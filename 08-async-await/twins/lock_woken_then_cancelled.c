/* A waiter woken by release() and cancelled in the same turn never enters:
 * the cancel is thrown in where it resumes, and the lock goes to the next. */
#include "twin.h"

struct worker {
    struct task task;
    struct gen gen;
    struct lock *lock;
    struct lock_acquire acq;
    struct coro_sleep nap;
};

static coro worker(struct task *t)               /* async def worker(name, lock): */
{
    struct worker *self = (struct worker *)t;
    async_begin(self);
    async_with(self, lock, &self->acq, self->lock) { /* async with lock: */
        say("%s inside", t->name);
        self->nap = (struct coro_sleep){.ms = 1};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(0.001) */
    } async_with_end(self, lock, &self->acq);
    if (self->acq.result < 0 || self->nap.result < 0)
        say("%s cancelled", t->name);            /* except CancelledError: print(...) */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct lock lock;
    struct lock_acquire acq;
    struct worker b, c;
    struct task *ts[2];
    struct coro_sleep nap;
    struct gather g;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    self->acq = (struct lock_acquire){.lock = &self->lock};
    await(self, lock_acquire(&self->acq));       /* await lock.acquire() */
    self->b = (struct worker){.lock = &self->lock};
    self->c = (struct worker){.lock = &self->lock};
    task_create(&self->b.task, worker, NULL, "B");
    task_create(&self->c.task, worker, NULL, "C");
    self->nap = (struct coro_sleep){.ms = 0};
    await(self, coro_sleep(&self->nap));         /* await asyncio.sleep(0) */
    lock_release(&self->lock);                   /* wakes B... */
    task_cancel(&self->b.task);                  /* ...which is cancelled before it runs */
    self->ts[0] = &self->b.task, self->ts[1] = &self->c.task;
    self->g = (struct gather){.tasks = self->ts, .n = 2};
    await(self, gather(&self->g));
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
