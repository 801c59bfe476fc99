/* readexactly() at EOF before n bytes: an error that carries what came. */
#include "twin.h"

static struct handler {
    struct task task;
    struct gen gen;
    struct stream s;
    struct stream_drain dr;
} h;

static coro handle(struct task *t)               /* async def handle(reader, writer): */
{
    struct handler *self = (struct handler *)t;
    async_begin(self);
    stream_write(&self->s, "abcde", 5);          /*     writer.write(b"abcde") */
    stream_close(&self->s);                      /*     writer.close() */
    self->dr = (struct stream_drain){.s = &self->s};
    await(self, stream_wait_closed(&self->dr));  /*     await writer.wait_closed() */
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

static struct main_frame {
    struct task task;
    struct gen gen;
    struct server server;
    struct stream s;
    char buf[4];
    struct open_connection oc;
    struct stream_readexactly rx;
    struct stream_drain dr;
} m;

static coro async_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    char err[128];
    async_begin(self);
    if (start_server(&self->server, 0, on_client, NULL, err, sizeof err) < 0 ||
        server_start_serving(&self->server) < 0) {
        fprintf(stderr, "%s\n", err);
        t->result = -EIO;
        async_return(self);
    }
    self->oc = (struct open_connection){.port = server_port(&self->server), .s = &self->s};
    await(self, open_connection(&self->oc));
    if ((t->result = self->oc.result) < 0)
        async_return(self);
    self->rx = (struct stream_readexactly){.s = &self->s, .buf = self->buf, .n = 2};
    await(self, stream_readexactly(&self->rx));  /* print(await reader.readexactly(2)) */
    say("%s", repr(self->buf, self->rx.result));
    self->rx = (struct stream_readexactly){.s = &self->s, .buf = self->buf, .n = 4};
    await(self, stream_readexactly(&self->rx));  /* await reader.readexactly(4) */
    if (self->rx.result < 0)                     /* except asyncio.IncompleteReadError as e: */
        say("%s, partial %s", word(self->rx.result), repr(self->buf, (ssize_t)self->rx.got));
    say("at eof: %s", stream_at_eof(&self->s) ? "True" : "False");
    stream_close(&self->s);
    self->dr = (struct stream_drain){.s = &self->s};
    await(self, stream_wait_closed(&self->dr));
    server_close(&self->server);
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
