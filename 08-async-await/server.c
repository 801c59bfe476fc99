/*
 * 08-async-await: the echo server with asyncio's interface (asyncio.h) on
 * async/await (async.h). asyncio_run() runs main_main(), which keeps each
 * connection's task in a TaskGroup; a connection is bench/asyncio_streams.py's
 * echo() line for line: async for over the reader, write, await drain.
 * SIGTERM stops gracefully (the conversations go on, for --grace seconds at
 * most); SIGINT, or a second SIGTERM, stops at once.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "asyncio.h"
#include "loop.h"

#define BUF_SIZE 16384     /* bytes read at a time */

static int quiet;          /* -q: no per-connection log lines */
static long idle_ms = -1;  /* --idle-timeout: -1 for none */
static long grace_ms = 2000; /* --grace */
static char rbuf[BUF_SIZE]; /* every connection reads here: what it reads is
                             * written (or kept by the stream) before anything
                             * else runs */
static struct loop *loop;
static struct server srv;
static int failed;         /* the loop could not watch the listener */

static void log_conn(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- net ---------------------------------------------------------------- */

static int net_nonblock(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void net_peer_name(int fd, char *buf, size_t len)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof sa;
    char ip[INET_ADDRSTRLEN] = "?";
    if (getpeername(fd, (struct sockaddr *)&sa, &salen) < 0) {
        snprintf(buf, len, "?");
        return;
    }
    inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
    snprintf(buf, len, "%s:%d", ip, ntohs(sa.sin_port));
}

/* ---- main's frame, and the signals ---------------------------------------- */

/* async def main(): the task everything else runs under. */
static struct main_frame {
    struct task task;
    struct gen gen;
    struct event stop;     /* set by the first SIGTERM */
    struct timeout grace;  /* never, until the first SIGTERM */
    struct taskgroup tg;   /* every connection's task */
    struct event_wait wait;
} m;

/* The self-pipe trick: the handler only writes the signal's number into a
 * pipe whose other end the loop watches like any socket, so a signal wakes
 * the wait and is handled by an ordinary callback. (Python's asyncio does
 * the same with signal.set_wakeup_fd().) Both ends are non-blocking: a full
 * pipe must not block the handler, and it already holds a wake-up. */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;
    ssize_t r = write(sig_pipe[1], &c, 1);
    (void)r;
    errno = saved;
}

/* The first SIGTERM is a graceful stop; SIGINT, or another SIGTERM, is a
 * stop at once: main is cancelled, and its TaskGroup cancels the rest. */
static void on_stop_signal(void *arg)
{
    (void)arg;
    char sig;
    while (read(sig_pipe[0], &sig, 1) > 0) {
        if (sig == SIGTERM && !event_is_set(&m.stop))
            event_set(&m.stop);
        else
            task_cancel(&m.task);
    }
}

static int install_signals(void)
{
    if (pipe(sig_pipe) < 0 || net_nonblock(sig_pipe[0]) < 0 || net_nonblock(sig_pipe[1]) < 0 ||
        loop_add_reader(loop, sig_pipe[0], on_stop_signal, NULL) < 0)
        return -1;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A send() to a client that has gone raises SIGPIPE, whose default
     * action kills the process. Ignored, send() fails with EPIPE instead. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    return 0;
}

/* ---- connections -------------------------------------------------------- */

/* A client, and the frame of its coroutine: its stream, its idle timeout,
 * and the frames of what it awaits. No buffer: while it waits for the
 * client, a connection costs this struct and nothing else. */
struct conn {
    struct task task;      /* first: the scheduler's view of it */
    struct gen gen;        /* where conn_main() resumes */
    int fd;                /* for the log: the stream forgets it once closed */
    int err;               /* why the conversation ended: -errno, 0 for EOF */
    struct stream s;       /* reader and writer */
    struct timeout idle;
    union {                /* the chunks while it reads, then the goodbye */
        struct stream_chunks chunks;
        struct stream_drain closed;
    } r;
    struct stream_drain drain;
    char name[24];         /* "ip:port", for the log */
};

/* ---- the conversation ----------------------------------------------------- */

/* async def echo(reader, writer), as bench/asyncio_streams.py has it, with
 * the idle timeout around it. A byte moving either way pushes the idle
 * deadline on (the stream touches it): a client that stops reading is idle
 * too, one that reads slowly is not. An error, the timeout or a cancel
 * leaves the block without the goodbye: conn_done aborts the stream. */
static coro conn_main(struct task *t)
{
    struct conn *c = (struct conn *)t;
    async_begin(c);
    async_with(c, timeout, &c->idle, idle_ms) {
        c->s.idle = idle_ms >= 0 ? &c->idle : NULL;
        c->r.chunks = (struct stream_chunks){.s = &c->s, .buf = rbuf, .size = sizeof rbuf};
        async_for(c, stream_chunks(&c->r.chunks)) {
            stream_write(&c->s, c->r.chunks.data, c->r.chunks.len);
            c->drain = (struct stream_drain){.s = &c->s};
            await(c, stream_drain(&c->drain));
            if ((c->err = (int)c->drain.result) < 0)
                break;
        }
        if (c->err < 0 || (c->err = (int)c->r.chunks.error) < 0)
            break;
        stream_close(&c->s);
        c->r.closed = (struct stream_drain){.s = &c->s};
        await(c, stream_wait_closed(&c->r.closed));
        c->err = (int)c->r.closed.result;
    } async_with_end(c, timeout, &c->idle);
    async_end(c);
}

/* Called from the loop once conn_main() has ended, or was cancelled before
 * it began: close the stream (now, if it has not said goodbye), log why,
 * free the frame. */
static void conn_done(struct task *t)
{
    struct conn *c = (struct conn *)t;
    stream_abort(&c->s);
    log_conn("closed fd %d (%s): %s", c->fd, c->name,
             timeout_expired(&c->idle)                           ? "idle timeout"
             : c->err == -ECANCELED || future_cancelled(&t->fut) ? "server stopping"
             : c->err                                            ? strerror(-c->err)
                                                                 : "client closed");
    free(c);
    server_resume(&srv); /* a descriptor is free again, if accept was paused */
}

/* start_server's callback: a new connection, in main's TaskGroup. */
static void on_client(int fd, void *arg)
{
    (void)arg;
    if (fd < 0) {
        if (srv.paused) /* out of descriptors or memory */
            fprintf(stderr, "accept: %s: pausing accept\n", strerror(-fd));
        else /* accept(2): a network error pending on that client */
            log_conn("accept: %s", strerror(-fd));
        return;
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        log_conn("refused fd %d: %s", fd, strerror(errno));
        close(fd);
        return;
    }
    c->fd = fd;
    stream_init(&c->s, fd);
    net_peer_name(fd, c->name, sizeof c->name);
    log_conn("accepted fd %d from %s", fd, c->name);
    taskgroup_create_task(&m.tg, &c->task, conn_main, conn_done, "conn");
}

/* ---- main --------------------------------------------------------------- */

/* async def main(): serve until SIGTERM, then let the conversations finish
 * for the grace period, by rescheduling a timeout that was never. */
static coro main_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, timeout, &self->grace, -1) {
        async_with(self, taskgroup, &self->tg) {
            if (server_start_serving(&srv) < 0) {
                fprintf(stderr, "server: %s: %s\n", loop_backend(), strerror(errno));
                failed = 1;
                break;
            }
            self->wait = (struct event_wait){.e = &self->stop};
            await(self, event_wait(&self->wait));
            server_close(&srv);
            timeout_reschedule(&self->grace, grace_ms);
        } async_with_end(self, taskgroup, &self->tg);
    } async_with_end(self, timeout, &self->grace);
    server_close(&srv);
    async_end(self);
}

static void usage(void)
{
    fprintf(stderr, "usage: server [-q] [--idle-timeout SECONDS] [--grace SECONDS] [PORT]   "
                    "(PORT 0-65535, default 8000)\n");
    exit(2);
}

/* Each connection is a descriptor, and the soft limit is often 1024. The
 * hard limit is as far as an unprivileged process may raise it. If even that
 * is refused (macOS refuses RLIM_INFINITY), the server runs with what it has
 * and EMFILE handling takes over when it runs out. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* A number of seconds, fractions allowed, to milliseconds: at least min_ms. */
static long parse_seconds(const char *s, long min_ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s < '0' || *s > '9' || errno || *end || v < 0 || v > 86400 || v * 1000 < min_ms)
        usage();
    long ms = (long)(v * 1000);
    return ms > min_ms ? ms : min_ms;
}

static int parse_port(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    /* strtol() alone would take " 80" and "+80" */
    if (*s < '0' || *s > '9' || errno || *end || v > 65535)
        usage();
    return (int)v;
}

int main(int argc, char **argv)
{
    int port = 8000, have_port = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-q"))
            quiet = 1;
        else if (!strcmp(argv[i], "--idle-timeout") && i + 1 < argc)
            idle_ms = parse_seconds(argv[++i], 1);
        else if (!strcmp(argv[i], "--grace") && i + 1 < argc)
            grace_ms = parse_seconds(argv[++i], 0);
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            usage();
        else if (!have_port++)
            port = parse_port(argv[i]);
        else
            usage();
    }
    raise_fd_limit();
    loop = loop_open();
    if (!loop || install_signals() < 0) {
        fprintf(stderr, "server: event loop: %s\n", strerror(errno));
        return 1;
    }
    coro_init(loop);
    char err[256];
    if (start_server(&srv, port, on_client, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "server: %s\n", err);
        return 1;
    }
    printf("listening on 127.0.0.1:%d (%s)\n", server_port(&srv), loop_backend());
    fflush(stdout);
    long r = asyncio_run(&m.task, main_main, "main");
    if (r < 0 && r != -ECANCELED) {
        fprintf(stderr, "server: %s: %s\n", loop_backend(), strerror((int)-r));
        failed = 1;
    }
    loop_close(loop); /* unregisters the pipe */
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return failed;
}
