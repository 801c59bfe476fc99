/* write() never waits; drain() waits while a slow reader takes nothing.
 * Two tasks drain one writer at once: when the reader has taken enough,
 * both wake. */
#include <sys/socket.h>

#include "twin.h"

#define BIG 1048576
static char big[BIG];
static struct event go, closed;                  /* go = asyncio.Event() ... */

static struct handler {       /* the slow reader: reads nothing until told */
    struct task task;
    struct gen gen;
    struct stream s;
    long got;
    char buf[65536];
    struct event_wait w;
    struct stream_read rd;
    struct stream_drain dr;
} h;

static coro handle(struct task *t)               /* async def handle(reader, writer): */
{
    struct handler *self = (struct handler *)t;
    async_begin(self);
    self->w = (struct event_wait){.e = &go};
    await(self, event_wait(&self->w));           /*     await go.wait() */
    say("reader starts");
    for (;;) {                                   /*     data = await reader.read()  # to EOF */
        self->rd = (struct stream_read){.s = &self->s, .buf = self->buf, .n = sizeof self->buf};
        await(self, stream_read(&self->rd));
        if (self->rd.result <= 0)
            break;
        self->got += self->rd.result;
    }
    say("reader got %ld", self->got);            /*     print("reader got", len(data)) */
    stream_close(&self->s);                      /*     writer.close() */
    self->dr = (struct stream_drain){.s = &self->s};
    await(self, stream_wait_closed(&self->dr));  /*     await writer.wait_closed() */
    event_set(&closed);                          /*     closed.set() */
    async_end(self);
}

static void on_client(int fd, void *arg)
{
    (void)arg;
    if (fd < 0)
        return;
    stream_init(&h.s, fd);
    task_create(&h.task, handle, NULL, "handle");
}

struct drainer {
    struct task task;
    struct gen gen;
    const char *name;
    struct stream_drain dr;
};

static coro drainer(struct task *t)              /* async def drainer(name, writer): */
{
    struct drainer *self = (struct drainer *)t;
    async_begin(self);
    await(self, stream_drain(&self->dr));        /*     await writer.drain() */
    if ((t->result = self->dr.result) == 0)
        say("%s drained", self->name);           /*     print(name, "drained") */
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct server server;
    struct stream s;
    struct drainer d[2];
    struct task *ts[2];
    struct timeout tmo;
    struct gather g;
    struct open_connection oc;
    struct coro_sleep nap;
    struct stream_drain dr;
    struct event_wait w;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    int small = 4096;
    char err[128];
    async_begin(self);
    if (start_server(&self->server, 0, on_client, NULL, err, sizeof err) < 0 ||
        server_start_serving(&self->server) < 0) {
        fprintf(stderr, "%s\n", err);
        t->result = -EIO;
        async_return(self);
    }
    /* listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096) */
    setsockopt(self->server.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    self->oc = (struct open_connection){.port = server_port(&self->server), .s = &self->s};
    await(self, open_connection(&self->oc));
    if ((t->result = self->oc.result) < 0)
        async_return(self);
    setsockopt(self->s.fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    stream_write(&self->s, big, BIG);            /* writer.write(b"x" * 1048576) */
    say("written");
    for (int i = 0; i < 2; i++) {                /* tasks = [create_task(drainer(name, writer)) ...] */
        self->d[i] = (struct drainer){.name = i ? "second" : "first", .dr = {.s = &self->s}};
        task_create(&self->d[i].task, drainer, NULL, self->d[i].name);
        self->ts[i] = &self->d[i].task;
    }
    self->nap = (struct coro_sleep){.ms = 50};
    await(self, coro_sleep(&self->nap));         /* await asyncio.sleep(0.05) */
    say("both wait: %s", task_done(self->ts[0]) || task_done(self->ts[1]) ? "False" : "True");
    event_set(&go);                              /* go.set() */
    async_with(self, timeout, &self->tmo, 5000) { /* async with asyncio.timeout(5): */
        self->g = (struct gather){.tasks = self->ts, .n = 2};
        await(self, gather(&self->g));           /*     await asyncio.gather(*tasks) */
        if (self->g.result == 0)
            say("both drained");
    } async_with_end(self, timeout, &self->tmo);
    if (timeout_expired(&self->tmo))             /* except TimeoutError: */
        say("timeout");
    stream_close(&self->s);                      /* writer.close() */
    self->dr = (struct stream_drain){.s = &self->s};
    await(self, stream_wait_closed(&self->dr));  /* await writer.wait_closed() */
    self->w = (struct event_wait){.e = &closed};
    await(self, event_wait(&self->w));           /* await closed.wait() */
    server_close(&self->server);
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
