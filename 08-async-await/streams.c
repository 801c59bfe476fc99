/*
 * streams.c: asyncio's streams (streams.py) on the loop: a reader that
 * reads only when asked, a writer that never waits and drains in the
 * background, open_connection() and start_server().
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "asyncio.h"

#define ACCEPT_BATCH 64      /* accepts per wake-up, so a flood of connects cannot starve clients */
#define ACCEPT_RETRY_MS 1000 /* out of descriptors: accept again this much later (asyncio: 1 s) */

static int would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

void stream_init(struct stream *s, int fd)
{
    *s = (struct stream){.fd = fd};
}

static void touch(struct stream *s)
{
    if (s->idle)
        timeout_touch(s->idle);
}

/* ---- reading ------------------------------------------------------------- */

/* Puts bytes back in front of the read-ahead (readline read past a line). */
static int unread(struct stream *s, const char *data, size_t n)
{
    if (n == 0)
        return 0;
    size_t rest = s->rlen - s->roff;
    char *b = malloc(n + rest);
    if (!b)
        return -ENOMEM;
    memcpy(b, data, n);
    if (rest)
        memcpy(b + n, s->rbuf + s->roff, rest);
    free(s->rbuf);
    s->rbuf = b;
    s->roff = 0;
    s->rlen = n + rest;
    return 0;
}

/* The stream's reader: the fd is readable, and the task that waits to read
 * may go on. It reads when it runs, not here: the bytes go into its
 * caller's buffer, which the server shares between every connection, so
 * they must be read only by the task that will use them at once. (asyncio's
 * transport calls recv() in its callback, into a new bytes object that it
 * hands to the protocol.) Then parked, as coro.c explains. */
static void on_readable(void *arg)
{
    struct stream_read *f = arg;
    loop_park_reader(coro_loop(), f->s->fd, f);
    if (!future_done(&f->fut)) /* cancelled, its task not yet resumed */
        future_set_result(&f->fut, 0);
}

/* Up to n bytes: the read-ahead first; else a recv() into the caller's
 * buffer, once the loop says there is something, so that while it waits
 * the stream holds no buffer of its own. */
coro stream_read(struct stream_read *f)
{
    struct stream *s = f->s;
    coro_begin(&f->gen);
    if (s->rlen > s->roff) {
        size_t n = s->rlen - s->roff < f->n ? s->rlen - s->roff : f->n;
        memcpy(f->buf, s->rbuf + s->roff, n);
        if ((s->roff += n) == s->rlen) {
            free(s->rbuf);
            s->rbuf = NULL;
            s->roff = s->rlen = 0;
        }
        f->result = (ssize_t)n;
        coro_return(&f->gen);
    }
    for (;;) {
        if (s->eof || s->fd < 0) {
            f->result = s->fd < 0 ? -EBADF : 0;
            coro_return(&f->gen);
        }
        if (loop_reader(coro_loop(), s->fd) == LOOP_READER) { /* asyncio: RuntimeError */
            f->result = -EBUSY;
            coro_return(&f->gen);
        }
        future_init(&f->fut, coro_loop(), "readable", s->fd);
        if (loop_add_reader(coro_loop(), s->fd, on_readable, f) < 0) {
            f->result = -errno;
            coro_return(&f->gen);
        }
        s->reader = &f->fut;
        coro_await_future(&f->gen, &f->fut, f->result);
        if (f->s->reader == &f->fut)
            f->s->reader = NULL;
        if (f->s->fd < 0) { /* closed under it: EOF, as connection_lost() feeds */
            f->result = f->result < 0 ? f->result : 0;
            break;
        }
        loop_park_reader(coro_loop(), f->s->fd, f); /* cancelled: on_readable must not see f */
        if (f->result < 0)
            coro_return(&f->gen);
        f->result = recv(f->s->fd, f->buf, f->n, 0);
        if (f->result >= 0)
            break;
        if (!would_block()) {
            f->result = -errno;
            break;
        }
    }
    if (f->result == 0)
        f->s->eof = 1;
    else if (f->result > 0)
        touch(f->s);
    coro_end(&f->gen);
}

/* Up to and with '\n', at most limit bytes. Past the limit, the bytes read
 * for this line are dropped, as asyncio's readline() drops them (with a
 * ValueError); at EOF, what there is. */
coro stream_readline(struct stream_readline *f)
{
    coro_begin(&f->gen);
    for (f->got = 0;;) {
        if (f->got == f->limit) {
            f->result = -EMSGSIZE;
            coro_return(&f->gen);
        }
        f->rd = (struct stream_read){.s = f->s, .buf = f->buf + f->got, .n = f->limit - f->got};
        coro_await(&f->gen, stream_read(&f->rd));
        if (f->rd.result <= 0) { /* EOF: the partial line; or the error */
            f->result = f->rd.result < 0 ? f->rd.result : (ssize_t)f->got;
            coro_return(&f->gen);
        }
        char *nl = memchr(f->buf + f->got, '\n', (size_t)f->rd.result);
        f->got += (size_t)f->rd.result;
        if (nl) {
            size_t line = (size_t)(nl - f->buf) + 1;
            int r = unread(f->s, f->buf + line, f->got - line);
            f->result = r < 0 ? r : (ssize_t)line;
            coro_return(&f->gen);
        }
    }
    coro_end(&f->gen);
}

coro stream_readexactly(struct stream_readexactly *f)
{
    coro_begin(&f->gen);
    for (f->got = 0; f->got < f->n; f->got += (size_t)f->rd.result) {
        f->rd = (struct stream_read){.s = f->s, .buf = f->buf + f->got, .n = f->n - f->got};
        coro_await(&f->gen, stream_read(&f->rd));
        if (f->rd.result <= 0) { /* asyncio: IncompleteReadError, with what came */
            f->result = f->rd.result < 0 ? f->rd.result : -ENODATA;
            coro_return(&f->gen);
        }
    }
    f->result = (ssize_t)f->n;
    coro_end(&f->gen);
}

int stream_at_eof(const struct stream *s)
{
    return s->eof && s->rlen == s->roff;
}

/* async def chunks(reader):
 *     while data := await reader.read(size):
 *         yield data */
agen stream_chunks(struct stream_chunks *f)
{
    async_gen_begin(f);
    for (;;) {
        f->rd = (struct stream_read){.s = f->s, .buf = f->buf, .n = f->size};
        await(f, stream_read(&f->rd));
        if (f->rd.result <= 0)
            break;
        f->data = f->buf;
        f->len = (size_t)f->rd.result;
        async_yield(f);
    }
    f->error = f->rd.result;
    async_gen_end(f);
}

/* ---- writing ----------------------------------------------------------------- */

static size_t kept(const struct stream *s)
{
    return s->wlen - s->woff;
}

/* Every drain and wait_closed waiting, as asyncio 3.12's deque of
 * _drain_waiters; one cancelled, its task not yet resumed, is left as it
 * is. Each takes itself off the queue once it runs. */
static void wake_drainers(struct stream *s, long result)
{
    for (struct loop_callback *l = s->drainers.head; l; l = l->next) {
        struct waiter *w = (struct waiter *)((char *)l - offsetof(struct waiter, link));
        if (!future_done(&w->fut))
            future_set_result(&w->fut, result);
    }
}

static void free_wbuf(struct stream *s)
{
    free(s->wbuf);
    s->wbuf = NULL;
    s->woff = s->wlen = s->wcap = 0;
}

/* connection_lost(): a read waiting on the socket wakes to find EOF, and
 * so does every drainer, to find the stream closed. */
static void close_fd(struct stream *s)
{
    if (s->fd >= 0) {
        sock_close(s->fd);
        s->fd = -1;
    }
    if (s->reader && !future_done(s->reader))
        future_set_result(s->reader, 0);
    s->reader = NULL;
    wake_drainers(s, s->error);
}

/* The peer is gone (EPIPE, ECONNRESET): what is kept is dropped, and the
 * error waits for the next drain. */
static void fail(struct stream *s, int err)
{
    if (!s->error)
        s->error = err;
    loop_remove_writer(coro_loop(), s->fd);
    free_wbuf(s);
    wake_drainers(s, s->error);
}

/* Sends what it can of data[0..n); returns how much went, or -1 on failure
 * (the stream has failed: see fail()). */
static ssize_t send_some(struct stream *s, const char *data, size_t n)
{
    size_t sent = 0;
    while (sent < n) {
        ssize_t w = send(s->fd, data + sent, n - sent, 0);
        if (w < 0 && would_block())
            break;
        if (w < 0) {
            fail(s, -errno);
            return -1;
        }
        sent += (size_t)w;
    }
    if (sent)
        touch(s);
    return (ssize_t)sent;
}

/* The loop's writer: more of what is kept, as room comes. Once all has
 * gone, the writer goes too, and the buffer; a closing stream closes. */
static void on_writable(void *arg)
{
    struct stream *s = arg;
    ssize_t w = send_some(s, s->wbuf + s->woff, kept(s));
    if (w < 0)
        return;
    s->woff += (size_t)w;
    if (kept(s) == 0) {
        loop_remove_writer(coro_loop(), s->fd);
        free_wbuf(s);
        if (s->closing)
            close_fd(s);
    }
    if (!s->closing && kept(s) <= STREAM_LOW)
        wake_drainers(s, 0);
}

/* Never waits: what the socket does not take now is kept, and the loop's
 * writer sends it later. */
void stream_write(struct stream *s, const char *data, size_t n)
{
    if (s->error || s->closing || s->fd < 0 || n == 0)
        return;
    ssize_t sent = kept(s) ? 0 : send_some(s, data, n);
    if (sent < 0 || (size_t)sent == n)
        return;
    size_t rest = n - (size_t)sent;
    if (s->woff > 0) { /* what was sent goes from the front */
        memmove(s->wbuf, s->wbuf + s->woff, kept(s));
        s->wlen -= s->woff;
        s->woff = 0;
    }
    if (s->wlen + rest > s->wcap) {
        size_t cap = s->wcap ? s->wcap : STREAM_LOW;
        while (cap < s->wlen + rest)
            cap *= 2;
        char *b = realloc(s->wbuf, cap);
        if (!b) {
            fail(s, -ENOMEM);
            return;
        }
        s->wbuf = b;
        s->wcap = cap;
    }
    int first = s->wlen == 0;
    memcpy(s->wbuf + s->wlen, data + sent, rest);
    s->wlen += rest;
    if (first && loop_add_writer(coro_loop(), s->fd, on_writable, s) < 0)
        fail(s, -errno);
}

/* Waits on the writer: for drain, until no more than STREAM_LOW bytes are
 * kept (once more than STREAM_HIGH were); for wait_closed, until closed. */
static coro wait_writer(struct stream_drain *f, int wanted, const char *name)
{
    coro_begin(&f->gen);
    f->result = f->s->error;
    if (wanted && !f->s->error) {
        waiter_add(&f->s->drainers, &f->w, name);
        coro_await_future(&f->gen, &f->w.fut, f->result);
        loop_queue_remove(&f->w.link);
    }
    coro_end(&f->gen);
}

coro stream_drain(struct stream_drain *f)
{
    return wait_writer(f, kept(f->s) > STREAM_HIGH, "drain");
}

void stream_close(struct stream *s)
{
    s->closing = 1;
    if (kept(s) == 0 || s->error)
        close_fd(s);
}

coro stream_wait_closed(struct stream_drain *f)
{
    return wait_writer(f, f->s->fd >= 0, "wait_closed");
}

/* transport.abort(): closed now, whatever is kept. */
void stream_abort(struct stream *s)
{
    free(s->rbuf);
    s->rbuf = NULL;
    s->roff = s->rlen = 0;
    free_wbuf(s);
    if (!s->error)
        s->error = -ECONNABORTED; /* what the drainers close_fd() wakes are told */
    close_fd(s);
}

/* ---- open_connection and start_server ------------------------------------------ */

coro open_connection(struct open_connection *f)
{
    coro_begin(&f->gen);
    f->cx = (struct sock_connect){.port = f->port};
    coro_await(&f->gen, sock_connect(&f->cx));
    f->result = f->cx.result < 0 ? f->cx.result : 0;
    if (f->cx.result >= 0)
        stream_init(f->s, f->cx.result);
    coro_end(&f->gen);
}

static int is_shortage(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void on_listener(void *arg);

static void on_retry(void *arg)
{
    server_resume(arg);
}

/* asyncio's _accept_connection(): a batch of accepts per wake-up. Out of
 * descriptors, the listener stays readable, so waiting on it would spin:
 * accepting stops for ACCEPT_RETRY_MS, or until server_resume(). */
static void on_listener(void *arg)
{
    struct server *srv = arg;
    for (int i = 0; i < ACCEPT_BATCH && srv->fd >= 0 && !srv->paused; i++) {
        int fd = accept(srv->fd, NULL, NULL);
        if (fd < 0 && (would_block() || errno == ECONNABORTED))
            return; /* nobody (or the client left while queued) */
        int err = errno;
        if (fd < 0 && is_shortage(err)) {
            srv->paused = 1;
            loop_remove_reader(coro_loop(), srv->fd);
            loop_call_later(coro_loop(), &srv->retry, ACCEPT_RETRY_MS, on_retry, srv);
        }
        if (fd >= 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
        srv->on_client(fd >= 0 ? fd : -err, srv->arg);
    }
}

int server_start_serving(struct server *srv)
{
    return loop_add_reader(coro_loop(), srv->fd, on_listener, srv);
}

void server_resume(struct server *srv)
{
    if (!srv->paused || srv->fd < 0)
        return;
    srv->paused = 0;
    loop_cancel(coro_loop(), &srv->retry);
    if (loop_add_reader(coro_loop(), srv->fd, on_listener, srv) < 0)
        srv->on_client(-errno, srv->arg);
}

/* Listens on 127.0.0.1:port (accepting once server_start_serving() is
 * called, as asyncio's start_server(start_serving=False)). On failure
 * returns -1 with a message naming the call and the address in err, so
 * main can print one line and exit. */
int start_server(struct server *srv, int port, void (*on_client)(int fd, void *arg), void *arg,
                 char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char *call = "socket";
    int one = 1;
    *srv = (struct server){.fd = socket(AF_INET, SOCK_STREAM, 0), .on_client = on_client, .arg = arg};
    if (srv->fd < 0)
        goto fail;
    /* Without SO_REUSEADDR a restart fails for a minute or two while the last
     * run's connections sit in TIME_WAIT (Stevens, UNP vol. 1, 7.5). */
    call = "setsockopt SO_REUSEADDR";
    if (setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        goto fail;
    call = "bind";
    if (bind(srv->fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto fail;
    call = "listen";
    if (listen(srv->fd, SOMAXCONN) < 0)
        goto fail;
    /* Non-blocking even though the loop said "readable": the client may reset
     * between the wait and accept(), and a blocking accept() would then
     * wait for the next client (Stevens, UNP vol. 1, 16.6). */
    call = "fcntl O_NONBLOCK";
    if (fcntl(srv->fd, F_SETFL, fcntl(srv->fd, F_GETFL) | O_NONBLOCK) < 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "%s 127.0.0.1:%d: %s", call, port, strerror(errno));
    if (srv->fd >= 0)
        close(srv->fd);
    srv->fd = -1;
    return -1;
}

int server_port(const struct server *srv)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(srv->fd, (struct sockaddr *)&sa, &len) < 0)
        return -1;
    return ntohs(sa.sin_port);
}

/* Server.close(): no more accepts; the connections are the caller's. */
void server_close(struct server *srv)
{
    if (srv->fd < 0)
        return;
    loop_cancel(coro_loop(), &srv->retry);
    sock_close(srv->fd);
    srv->fd = -1;
}
