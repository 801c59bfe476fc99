/*
 * 07-coroutines: the echo server as coroutines (coro.h), each driven by a
 * task: one per connection, plus one that accepts. A connection's coroutine
 * reads `n = await sock_recv(...)` then `await sock_sendall(...)`: each
 * delegates to a socket coroutine that, when the call would block, awaits
 * a future which a reader or writer callback of the loop completes. The
 * future's done callback steps the task again (asyncio's Future and Task).
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

#include "coro.h"
#include "loop.h"

#define BUF_SIZE 16384    /* bytes a connection may owe its client */
#define ACCEPT_BATCH 64   /* accepts per turn, so a flood of connects cannot starve clients */
#define ACCEPT_RETRY_MS 1000 /* while out of descriptors, try accept() again this often */

static int quiet;          /* -q: no per-connection log lines */
static struct loop *loop;
static int listen_fd = -1;

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

/* Listens on 127.0.0.1:port. On failure returns -1 with a message naming the
 * call and the address in err, so main can print one line and exit. */
static int net_listen(int port, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char *call = "socket";
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        goto fail;
    /* Without SO_REUSEADDR a restart fails for a minute or two while the last
     * run's connections sit in TIME_WAIT (Stevens, UNP vol. 1, 7.5). */
    call = "setsockopt SO_REUSEADDR";
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        goto fail;
    call = "bind";
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto fail;
    call = "listen";
    if (listen(fd, SOMAXCONN) < 0)
        goto fail;
    /* Non-blocking even though the loop said "readable": the client may reset
     * between the wait and accept(), and a blocking accept() would then
     * wait for the next client (Stevens, UNP vol. 1, 16.6). */
    call = "fcntl O_NONBLOCK";
    if (net_nonblock(fd) < 0)
        goto fail;
    return fd;
fail:
    snprintf(err, errlen, "%s 127.0.0.1:%d: %s", call, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* The port the kernel chose when we asked for port 0. */
static int net_local_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        return -1;
    return ntohs(sa.sin_port);
}

static void net_peer_name(const struct sockaddr_in *sa, char *buf, size_t len)
{
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
    snprintf(buf, len, "%s:%d", ip, ntohs(sa->sin_port));
}

/* ---- signals ------------------------------------------------------------ */

/* The self-pipe trick: the handler only writes a byte into a pipe whose
 * other end the loop watches like any socket, so a signal wakes the wait
 * and is handled by an ordinary callback. (Python's asyncio does the same
 * with signal.set_wakeup_fd().) Both ends are non-blocking: a full pipe
 * must not block the handler, and it already holds a wake-up. */
static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    ssize_t r = write(sig_pipe[1], "!", 1);
    (void)r;
    errno = saved;
}

static void on_stop_signal(void *arg)
{
    (void)arg;
    char buf[64];
    while (read(sig_pipe[0], buf, sizeof buf) > 0)
        ;
    coro_stop();
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

/* A client, and the frame of its coroutine: what conn_main() must remember
 * across a wait lives here, with the frame of the socket coroutine it is
 * awaiting nested inside (one at a time, hence the union). */
struct conn {
    struct task task;      /* first: the scheduler's view of it */
    struct gen gen;        /* where conn_main() resumes */
    int fd;
    int err;               /* why the conversation ended: an errno, 0 for EOF */
    size_t len;            /* bytes in buf, from the last recv */
    union {
        struct sock_recv rx;
        struct sock_sendall tx;
    } sub;
    char name[32];         /* "ip:port", for the log */
    char buf[BUF_SIZE];
};

/* The accepting coroutine's frame; there is one. */
static struct acceptor {
    struct task task;
    struct gen gen;
    int batch;             /* accepts counted: every ACCEPT_BATCH, the others run */
    int paused;            /* out of descriptors: sleeping */
    union {
        struct sock_accept rx;
        struct coro_sleep nap;
    } sub;
} acceptor;

/* ---- the conversation ----------------------------------------------------- */

/* Chapter 01's serve(), as a coroutine: read, send it all back, again.
 * Each await runs a socket coroutine to its end; while it waits, so does
 * this one. Not reading while the echo is owed is the backpressure. */
static int conn_main(struct task *t)
{
    struct conn *c = (struct conn *)t;
    coro_begin(&c->gen);
    for (;;) {
        c->sub.rx = (struct sock_recv){.fd = c->fd, .buf = c->buf, .len = BUF_SIZE};
        coro_await(&c->gen, sock_recv(&c->sub.rx));
        if (c->sub.rx.result <= 0) {
            c->err = (int)-c->sub.rx.result;
            coro_return(&c->gen);
        }
        c->len = (size_t)c->sub.rx.result;
        c->sub.tx = (struct sock_sendall){.fd = c->fd, .buf = c->buf, .len = c->len};
        coro_await(&c->gen, sock_sendall(&c->sub.tx));
        if (c->sub.tx.result < 0) {
            c->err = -c->sub.tx.result;
            coro_return(&c->gen);
        }
    }
    coro_end(&c->gen);
}

/* Called from the loop once conn_main() has finished, or at shutdown:
 * close the fd (the loop forgets it first), log why, free the frame. */
static void conn_done(struct task *t)
{
    struct conn *c = (struct conn *)t;
    sock_close(c->fd);
    log_conn("closed fd %d (%s): %s", c->fd, c->name,
             !gen_done(&c->gen) ? "server stopping" : c->err ? strerror(c->err) : "client closed");
    free(c);
    /* A descriptor is free again: end the acceptor's sleep now, by
     * completing the future it awaits. */
    if (acceptor.paused && !future_done(&acceptor.sub.nap.fut))
        future_set_result(&acceptor.sub.nap.fut, 0);
}

static void conn_start(int fd)
{
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    char name[32] = "?";
    if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0)
        net_peer_name(&peer, name, sizeof name);
    struct conn *c = malloc(sizeof *c);
    if (!c || net_nonblock(fd) < 0) {
        log_conn("refused fd %d from %s: %s", fd, name, strerror(errno));
        free(c);
        close(fd);
        return;
    }
    gen_init(&c->gen);
    c->fd = fd;
    c->err = 0;
    snprintf(c->name, sizeof c->name, "%s", name);
    log_conn("accepted fd %d from %s", fd, name);
    task_create(&c->task, conn_main, conn_done, "conn");
}

static int is_shortage(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

/* Accepts forever, a coroutine like the others. */
static int accept_main(struct task *t)
{
    struct acceptor *a = (struct acceptor *)t;
    coro_begin(&a->gen);
    for (;;) {
        a->sub.rx = (struct sock_accept){.fd = listen_fd};
        coro_await(&a->gen, sock_accept(&a->sub.rx));
        if (a->sub.rx.result >= 0) {
            conn_start(a->sub.rx.result);
            if (++a->batch == ACCEPT_BATCH) { /* a flood of connects: let clients run */
                a->batch = 0;
                a->sub.nap = (struct coro_sleep){.ms = 0}; /* the next turn's timers */
                coro_await(&a->gen, coro_sleep(&a->sub.nap));
            }
        } else if (is_shortage(-a->sub.rx.result)) {
            /* Out of descriptors or memory: the listener stays readable, so
             * waiting on it would spin. Sleep until a connection closes
             * (conn_done ends the sleep) or the retry time passes. */
            fprintf(stderr, "accept: %s: pausing accept\n", strerror(-a->sub.rx.result));
            a->paused = 1;
            a->sub.nap = (struct coro_sleep){.ms = ACCEPT_RETRY_MS};
            coro_await(&a->gen, coro_sleep(&a->sub.nap));
            a->paused = 0;
        } else { /* accept(2): a network error pending on that client */
            log_conn("accept: %s", strerror(-a->sub.rx.result));
        }
    }
    coro_end(&a->gen);
}

static void accept_done(struct task *t)
{
    (void)t;
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: server [-q] [PORT]   (PORT 0-65535, default 8000)\n");
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
    listen_fd = net_listen(port, err, sizeof err);
    if (listen_fd < 0) {
        fprintf(stderr, "server: %s\n", err);
        return 1;
    }
    task_create(&acceptor.task, accept_main, accept_done, "accept");
    printf("listening on 127.0.0.1:%d (%s)\n", net_local_port(listen_fd), loop_backend());
    fflush(stdout);
    int status = 0;
    if (coro_run() < 0) {
        fprintf(stderr, "server: %s: %s\n", loop_backend(), strerror(errno));
        status = 1;
    }
    coro_shutdown(); /* every task's on_done: connections closed and freed */
    loop_close(loop); /* unregisters the pipe */
    close(listen_fd);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return status;
}
