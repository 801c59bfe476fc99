/* Semaphore(2): at most two tasks inside at once; the others go in, in the
 * order they asked, as places are given back. */
#include "twin.h"

static struct semaphore sem = {.value = 2};      /* sem = asyncio.Semaphore(2) */
static int inside, most;

struct user {
    struct task task;
    struct gen gen;
    const char *name;
    struct sem_acquire acq;
    struct coro_sleep nap;
};

static coro user(struct task *t)                 /* async def user(name, sem): */
{
    struct user *self = (struct user *)t;
    async_begin(self);
    async_with(self, semaphore, &self->acq, &sem) { /* async with sem: */
        if (++inside > most)
            most = inside;
        say("%s in", self->name);
        self->nap = (struct coro_sleep){.ms = 2};
        await(self, coro_sleep(&self->nap));     /*         await asyncio.sleep(0.002) */
        inside--;
    } async_with_end(self, semaphore, &self->acq);
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct user u[5];
} m;

static coro async_main(struct task *t)
{
    static const char *names[] = {"A", "B", "C", "D", "E"};
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {     /* async with asyncio.TaskGroup() as tg: */
        for (int i = 0; i < 5; i++) {            /*     for name in "ABCDE": */
            self->u[i] = (struct user){.name = names[i]};
            taskgroup_create_task(&self->tg, &self->u[i].task, user, NULL, names[i]);
        }
    } async_with_end(self, taskgroup, &self->tg);
    say("at most %d inside", most);
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
