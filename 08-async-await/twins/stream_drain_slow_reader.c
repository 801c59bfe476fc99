/* drain() with a slow reader: write() never waits; drain() waits until the
 * reader has taken enough of what the writer keeps. */
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

struct drainer {              /* asyncio.create_task(writer.drain()) */
    struct task task;
    struct gen gen;
    struct stream_drain dr;
};

static coro drainer(struct task *t)
{
    struct drainer *self = (struct drainer *)t;
    async_begin(self);
    await(self, stream_drain(&self->dr));
    t->result = self->dr.result;
    async_end(self);
}

static struct main_frame {
    struct task task;
    struct gen gen;
    struct server server;
    struct stream s;
    struct drainer d;
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
    self->d.dr = (struct stream_drain){.s = &self->s};
    task_create(&self->d.task, drainer, NULL, "drain"); /* drain = create_task(writer.drain()) */
    self->nap = (struct coro_sleep){.ms = 50};
    await(self, coro_sleep(&self->nap));         /* await asyncio.sleep(0.05) */
    say("drain waits: %s", task_done(&self->d.task) ? "False" : "True");
    event_set(&go);                              /* go.set() */
    await(self, &self->d.task);                  /* await drain */
    say("drained%s", task_result(&self->d.task) < 0 ? ": failed" : "");
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
