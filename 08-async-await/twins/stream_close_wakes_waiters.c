/* A task waiting to read, and two waiting to drain, when the stream is
 * closed under them (stream_abort(), or stream_close()): each one wakes,
 * the reader at EOF. Nobody waits forever. */
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "twin.h"

static struct stream s;
static char big[4000000];

struct reader {
    struct task task;
    struct gen gen;
    char buf[100];
    struct stream_read rd;
};

static coro read_task(struct task *t)            /* async def read(reader): */
{
    struct reader *self = (struct reader *)t;
    async_begin(self);
    self->rd = (struct stream_read){.s = &s, .buf = self->buf, .n = sizeof self->buf};
    await(self, stream_read(&self->rd));         /*     await reader.read(100) */
    if (self->rd.result >= 0)
        say("read: %s", repr(self->buf, self->rd.result));
    else
        say("read: %s", word(self->rd.result));
    async_end(self);
}

struct drainer {
    struct task task;
    struct gen gen;
    struct stream_drain dr;
};

static coro drain_task(struct task *t)           /* async def drain(writer, name): */
{
    struct drainer *self = (struct drainer *)t;
    async_begin(self);
    self->dr = (struct stream_drain){.s = &s};
    await(self, stream_drain(&self->dr));        /*     await writer.drain() */
    if (self->dr.result == 0)
        say("%s drained", t->name);
    else /* departure: asyncio's drain returns as if drained */
        say("%s: %s", t->name, word(self->dr.result));
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    int round, sv[2];
    struct reader r;
    struct drainer d[2];
    struct task *ts[3];
    struct coro_sleep nap;
    struct gather g;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    for (self->round = 0; self->round < 2; self->round++) {
        say(self->round == 0 ? "abort" : "close");
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv) < 0 ||
            fcntl(self->sv[0], F_SETFL, O_NONBLOCK) < 0)
            break;
        stream_init(&s, self->sv[0]);            /* open_connection(sock=a) */
        self->r = (struct reader){0};
        task_create(&self->r.task, read_task, NULL, "reader");
        self->ts[0] = &self->r.task;
        if (self->round == 0) {                  /* fill the socket, so that drain waits */
            stream_write(&s, big, sizeof big);
            self->d[0] = self->d[1] = (struct drainer){0};
            task_create(&self->d[0].task, drain_task, NULL, "D1");
            task_create(&self->d[1].task, drain_task, NULL, "D2");
            self->ts[1] = &self->d[0].task, self->ts[2] = &self->d[1].task;
        }
        self->nap = (struct coro_sleep){.ms = 10};
        await(self, coro_sleep(&self->nap));     /* await asyncio.sleep(0.01) */
        if (self->round == 0)
            stream_abort(&s);                    /* writer.transport.abort() */
        else
            stream_close(&s);                    /* writer.close() */
        self->g = (struct gather){.tasks = self->ts, .n = self->round == 0 ? 3 : 1};
        await(self, gather(&self->g));           /* await asyncio.gather(*waiters) */
        stream_abort(&s);
        close(self->sv[1]);                      /* b.close() */
    }
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
