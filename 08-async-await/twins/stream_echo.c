/* Streams on a real socket: a server from start_server echoes lines to a
 * client from open_connection, until the client closes. */
#include <string.h>

#include "twin.h"

static struct event closed;                      /* closed = asyncio.Event() */

static struct handler {       /* the connection's task: start_server makes it */
    struct task task;
    struct gen gen;
    struct stream s;          /* reader and writer */
    char line[64];
    struct stream_readline rl;
    struct stream_drain dr;
} h;

static coro handle(struct task *t)               /* async def handle(reader, writer): */
{
    struct handler *self = (struct handler *)t;
    async_begin(self);
    for (;;) {                                   /*     while line := await reader.readline(): */
        self->rl = (struct stream_readline){.s = &self->s, .buf = self->line,
                                            .limit = sizeof self->line};
        await(self, stream_readline(&self->rl));
        if (self->rl.result <= 0)
            break;
        say("server got %s", repr(self->line, self->rl.result));
        stream_write(&self->s, self->line, self->rl.result); /* writer.write(line) */
        self->dr = (struct stream_drain){.s = &self->s};
        await(self, stream_drain(&self->dr));    /*         await writer.drain() */
    }
    say("server: eof");
    stream_close(&self->s);                      /*     writer.close() */
    self->dr = (struct stream_drain){.s = &self->s};
    await(self, stream_wait_closed(&self->dr));  /*     await writer.wait_closed() */
    event_set(&closed);                          /*     closed.set() */
    async_end(self);
}

static void on_client(int fd, void *arg)         /* a new connection: handle() in a task */
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
    int i;
    char line[64];
    struct open_connection oc;
    struct stream_readline rl;
    struct stream_drain dr;
    struct event_wait w;
} m;

static coro async_main(struct task *t)
{
    static const char *lines[] = {"hello\n", "world\n"};
    struct main_frame *self = (struct main_frame *)t;
    char err[128];
    async_begin(self);
    if (start_server(&self->server, 0, on_client, NULL, err, sizeof err) < 0 ||
        server_start_serving(&self->server) < 0) { /* server = await asyncio.start_server(...) */
        fprintf(stderr, "%s\n", err);
        t->result = -EIO;
        async_return(self);
    }
    self->oc = (struct open_connection){.port = server_port(&self->server), .s = &self->s};
    await(self, open_connection(&self->oc));     /* reader, writer = await open_connection(...) */
    if ((t->result = self->oc.result) < 0)
        async_return(self);
    for (self->i = 0; self->i < 2; self->i++) {  /* for line in (b"hello\n", b"world\n"): */
        stream_write(&self->s, lines[self->i], strlen(lines[self->i])); /* writer.write(line) */
        self->rl = (struct stream_readline){.s = &self->s, .buf = self->line,
                                            .limit = sizeof self->line};
        await(self, stream_readline(&self->rl)); /*     print("client got", await reader.readline()) */
        say("client got %s", repr(self->line, self->rl.result));
    }
    stream_close(&self->s);                      /* writer.close() */
    self->dr = (struct stream_drain){.s = &self->s};
    await(self, stream_wait_closed(&self->dr));  /* await writer.wait_closed() */
    self->w = (struct event_wait){.e = &closed};
    await(self, event_wait(&self->w));           /* await closed.wait() */
    server_close(&self->server);                 /* server.close() */
    async_end(self);
}

int main(void)
{
    return run(&m.task, async_main);
}
