/* Lock: handed over in the order asked, one task inside at a time; a task
 * that asks while the lock changes hands goes after those already waiting. */
#include "twin.h"

static struct lock lock;                         /* lock = asyncio.Lock() */
static int inside, most;

struct user {
    struct task task;
    struct gen gen;
    const char *name;
    struct lock_acquire acq;
    struct coro_sleep nap;
};

static coro user(struct task *t)                 /* async def user(name, lock): */
{
    struct user *self = (struct user *)t;
    async_begin(self);
    async_with(self, lock, &self->acq, &lock) {  /*     async with lock: */
        if (++inside > most)
            most = inside;
        say("%s in", self->name);
        self->nap = (struct coro_sleep){.ms = 1};
        await(self, coro_sleep(&self->nap));     /*         await asyncio.sleep(0.001) */
        say("%s out", self->name);
        inside--;
    } async_with_end(self, lock, &self->acq);
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct lock_acquire acq;
    struct user u[4];
    struct coro_sleep nap;
} m;

static coro async_main(struct task *t)
{
    static const char *names[] = {"A", "B", "C", "D"};
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {     /* async with asyncio.TaskGroup() as tg: */
        self->acq = (struct lock_acquire){.lock = &lock};
        await(self, lock_acquire(&self->acq));   /*     await lock.acquire() */
        for (int i = 0; i < 3; i++) {            /*     for name in "ABC": */
            self->u[i] = (struct user){.name = names[i]};
            taskgroup_create_task(&self->tg, &self->u[i].task, user, NULL, names[i]);
        }
        self->nap = (struct coro_sleep){.ms = 10};
        await(self, coro_sleep(&self->nap));     /*     await asyncio.sleep(0.01) */
        lock_release(&lock);                     /*     lock.release() */
        self->u[3] = (struct user){.name = names[3]};
        taskgroup_create_task(&self->tg, &self->u[3].task, user, NULL, names[3]);
    } async_with_end(self, taskgroup, &self->tg);
    say("at most %d inside", most);
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
