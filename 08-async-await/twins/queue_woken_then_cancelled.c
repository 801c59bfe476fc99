/* Items put while two consumers wait, and the first consumer cancelled in
 * the same turn: it takes nothing, and nothing is lost. Twice: taking each
 * item at once, then processing each for 5 ms before keeping it. */
#include "twin.h"

struct consumer {
    struct task task;
    struct gen gen;
    struct queue *q;
    long ms;
    int took[8], n;
    struct queue_get get;
    struct coro_sleep nap;
};

static coro consumer(struct task *t)             /* async def consumer(name, q, took, ms): */
{
    struct consumer *self = (struct consumer *)t;
    async_begin(self);
    for (;;) {                                   /*     while True: */
        self->get = (struct queue_get){.q = self->q};
        await(self, queue_get(&self->get));      /*         item = await q.get() */
        if (self->get.result < 0)
            break;
        if (self->ms) {
            self->nap = (struct coro_sleep){.ms = self->ms};
            await(self, coro_sleep(&self->nap)); /*             await asyncio.sleep(ms / 1000) */
            if (self->nap.result < 0)
                break;
        }
        self->took[self->n++] = (int)(long)self->get.item; /* took.append(item) */
    }
    t->result = -ECANCELED;
    async_end(self);
}

static const char *list(const struct consumer *c, char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < c->n; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%d", i ? ", " : "", c->took[i]);
    snprintf(buf + k, size - k, "]");
    return buf;
}

static struct main_frame {
    struct task task;
    struct gen gen;
    int round;
    void *slots[4];
    struct queue q;
    struct consumer c1, c2;
    struct task *ts[2];
    struct coro_sleep nap;
    struct gather g;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    char a[64], b[64];
    async_begin(self);
    for (self->round = 0; self->round < 2; self->round++) {
        queue_init(&self->q, self->slots, 4);    /* q = asyncio.Queue(maxsize=4) */
        self->c1 = (struct consumer){.q = &self->q, .ms = self->round * 5};
        self->c2 = self->c1;
        task_create(&self->c1.task, consumer, NULL, "C1");
        task_create(&self->c2.task, consumer, NULL, "C2");
        self->nap = (struct coro_sleep){.ms = 0};
        await(self, coro_sleep(&self->nap));     /* await asyncio.sleep(0) */
        for (long item = 1; item <= 3; item++)
            queue_put_nowait(&self->q, (void *)item);
        task_cancel(&self->c1.task);
        self->nap = (struct coro_sleep){.ms = 50};
        await(self, coro_sleep(&self->nap));     /* await asyncio.sleep(0.05) */
        task_cancel(&self->c2.task);
        self->ts[0] = &self->c1.task, self->ts[1] = &self->c2.task;
        self->g = (struct gather){.tasks = self->ts, .n = 2};
        await(self, gather(&self->g));
        say("processing %ld ms: C1 took %s, C2 took %s", self->c1.ms, list(&self->c1, a, sizeof a),
            list(&self->c2, b, sizeof b));
    }
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
