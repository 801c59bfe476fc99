/* cancel() of the first waiter, then release(), in one turn: one task in
 * the lock at a time all the same; a Semaphore(1) likewise. */
#include "twin.h"

static int inside;
static int use_sem;                              /* this round: the Semaphore(1) */
static struct lock lock;
static struct semaphore sem;

struct worker {
    struct task task;
    struct gen gen;
    struct lock_acquire acq;
    struct sem_acquire sacq;
    struct coro_sleep nap;
};

/* The block, under either: the Python's one `async with lock:` */
static coro worker(struct task *t)               /* async def worker(name, lock): */
{
    struct worker *self = (struct worker *)t;
    async_begin(self);
    if (use_sem) {
        self->sacq = (struct sem_acquire){.sem = &sem};
        await(self, sem_acquire(&self->sacq));
        self->acq.result = self->sacq.result;
    } else {
        self->acq = (struct lock_acquire){.lock = &lock};
        await(self, lock_acquire(&self->acq));   /*     async with lock: */
    }
    if (self->acq.result < 0) {                  /* except CancelledError: */
        say("%s cancelled", t->name);
        async_return(self);
    }
    say("%s in, inside: %d", t->name, ++inside);
    self->nap = (struct coro_sleep){.ms = 1};
    await(self, coro_sleep(&self->nap));         /*         await asyncio.sleep(0.001) */
    inside--;
    if (use_sem)
        sem_release(&sem);
    else
        lock_release(&lock);
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    int round;
    struct worker w[3];
    struct task *ts[3];
    struct lock_acquire acq;
    struct sem_acquire sacq;
    struct coro_sleep nap;
    struct gather g;
} m;

static coro async_main(struct task *t)
{
    static const char *names[] = {"B", "C", "D"};
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    for (self->round = 0; self->round < 2; self->round++) {
        use_sem = self->round;
        say(use_sem ? "Semaphore(1)" : "Lock");
        if (use_sem) {                           /* await lock.acquire() */
            sem.value = 1;
            self->sacq = (struct sem_acquire){.sem = &sem};
            await(self, sem_acquire(&self->sacq));
        } else {
            self->acq = (struct lock_acquire){.lock = &lock};
            await(self, lock_acquire(&self->acq));
        }
        for (int i = 0; i < 3; i++) {
            self->w[i] = (struct worker){0};
            task_create(&self->w[i].task, worker, NULL, names[i]);
            self->ts[i] = &self->w[i].task;
        }
        self->nap = (struct coro_sleep){.ms = 0};
        await(self, coro_sleep(&self->nap));     /* await asyncio.sleep(0) */
        task_cancel(self->ts[0]);                /* tasks[0].cancel() */
        if (use_sem)                             /* lock.release() */
            sem_release(&sem);
        else
            lock_release(&lock);
        self->g = (struct gather){.tasks = self->ts, .n = 3};
        await(self, gather(&self->g));
    }
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
