/* readline() past the stream's limit: an error for that line, and reading
 * goes on after it. */
#include "twin.h"

static const char data[] = "hello\nsixteen bytes!!!\nthis line is far too long\nok\n";

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
    stream_write(&self->s, data, sizeof data - 1); /* writer.write(b"hello\n...") */
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
    char line[16];            /* the limit: readline's buffer */
    struct open_connection oc;
    struct stream_readline rl;
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
    await(self, open_connection(&self->oc));     /* ... = await open_connection(..., limit=16) */
    if ((t->result = self->oc.result) < 0)
        async_return(self);
    for (;;) {                                   /* while True: */
        self->rl = (struct stream_readline){.s = &self->s, .buf = self->line,
                                            .limit = sizeof self->line};
        await(self, stream_readline(&self->rl)); /*     line = await reader.readline() */
        if (self->rl.result == -EMSGSIZE) {      /*     except ValueError: */
            say("EMSGSIZE");
            continue;
        }
        if (self->rl.result <= 0)                /*     if not line: break */
            break;
        say("%s", repr(self->line, self->rl.result));
    }
    say("eof");
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
