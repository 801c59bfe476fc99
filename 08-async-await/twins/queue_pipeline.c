/* A Queue between a producer and a consumer: items come out in order, and
 * put() waits while the queue is full. */
#include "twin.h"

static void *slots[2];
static struct queue queue;                       /* queue = asyncio.Queue(maxsize=2) */

struct producer {
    struct task task;
    struct gen gen;
    long i;
    struct queue_put put;
};

static coro producer(struct task *t)             /* async def producer(queue): */
{
    struct producer *self = (struct producer *)t;
    async_begin(self);
    for (self->i = 1; self->i <= 5; self->i++) { /*     for i in range(1, 6): */
        self->put = (struct queue_put){.q = &queue, .item = (void *)self->i};
        await(self, queue_put(&self->put));      /*         await queue.put(i) */
        say("put %ld", self->i);
    }
    async_end(self);
}

struct consumer {
    struct task task;
    struct gen gen;
    int n;
    struct coro_sleep nap;
    struct queue_get get;
};

static coro consumer(struct task *t)             /* async def consumer(queue): */
{
    struct consumer *self = (struct consumer *)t;
    async_begin(self);
    self->nap = (struct coro_sleep){.ms = 10};
    await(self, coro_sleep(&self->nap));         /*     await asyncio.sleep(0.01) */
    for (self->n = 0; self->n < 5; self->n++) {  /*     for _ in range(5): */
        self->get = (struct queue_get){.q = &queue};
        await(self, queue_get(&self->get));      /*         print("get", await queue.get()) */
        say("get %ld", (long)self->get.item);
    }
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct producer p;
    struct consumer c;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    queue_init(&queue, slots, 2);
    async_with(self, taskgroup, &self->tg) {     /* async with asyncio.TaskGroup() as tg: */
        taskgroup_create_task(&self->tg, &self->p.task, producer, NULL, "producer");
        taskgroup_create_task(&self->tg, &self->c.task, consumer, NULL, "consumer");
    } async_with_end(self, taskgroup, &self->tg);
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
