/*
 * 05-iterators: the echo server of chapter 04, as callbacks on an event
 * loop. This file is unchanged but for this comment: the chapter's lesson is
 * under the loop, where the selector now hands out the ready events through
 * an iterator (selector.h).
 *
 * The loop (loop.h) calls on_accept when the listener is readable,
 * on_readable and on_writable when a client is; each callback does one
 * step that cannot block and says what it waits for next. Underneath, the
 * selector (selector.h) hides which kernel interface does the waiting:
 * epoll, poll or select, chosen with `make SELECTOR=...`. The server no
 * longer names any of them.
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
    loop_stop(loop);
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

enum { WANT_READ = 1, WANT_WRITE = 2 };

/* A client and the bytes it is still owed: buf[start..end). */
struct conn {
    int fd;
    int eof;               /* the client has shut down its sending side */
    size_t start, end;
    int events;            /* what the loop watches for it: WANT_READ | WANT_WRITE */
    struct conn *prev, *next;
    char name[32];         /* "ip:port", for the log */
    char buf[BUF_SIZE];
};

/* The loop hands each callback its connection, so no table by fd: the list
 * is only for closing everything at shutdown. */
static struct conn *conns;
static int accept_paused;               /* out of descriptors: the listener is not watched */
static struct loop_timer *accept_retry; /* ... until this fires, or a close */

static void on_accept(void *arg);
static void on_readable(void *arg);
static void on_writable(void *arg);

/* What the connection waits for now: readable while its buffer has room
 * (else backpressure), writable only while output is owed, since an idle
 * socket is almost always writable and would wake us every turn. */
static int conn_wants(const struct conn *c)
{
    int ev = 0;
    if (!c->eof && c->end - c->start < BUF_SIZE)
        ev |= WANT_READ;
    if (c->end > c->start)
        ev |= WANT_WRITE;
    return ev;
}

/* Tells the loop only what changed: additions first, so that going from
 * reading to writing modifies the fd's registration instead of dropping it
 * and registering it again. */
static int conn_watch(struct conn *c)
{
    int want = conn_wants(c), add = want & ~c->events, del = c->events & ~want, r = 0;
    if (add & WANT_READ)
        r |= loop_add_reader(loop, c->fd, on_readable, c);
    if (add & WANT_WRITE)
        r |= loop_add_writer(loop, c->fd, on_writable, c);
    if (del & WANT_READ)
        r |= loop_remove_reader(loop, c->fd);
    if (del & WANT_WRITE)
        r |= loop_remove_writer(loop, c->fd);
    c->events = want;
    return r;
}

static struct conn *conn_open(int fd, const char *name)
{
    struct conn *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->eof = 0;
    c->start = c->end = 0;
    c->events = 0;
    snprintf(c->name, sizeof c->name, "%s", name);
    if (conn_watch(c) < 0) {
        free(c);
        return NULL;
    }
    c->prev = NULL;
    c->next = conns;
    if (conns)
        conns->prev = c;
    conns = c;
    return c;
}

static void accept_resume(void *arg)
{
    (void)arg;
    accept_paused = 0;
    accept_retry = NULL;
    if (loop_add_reader(loop, listen_fd, on_accept, NULL) < 0)
        perror("server: watching the listener");
}

/* Takes the fd out of the loop first, then closes it: its number is free
 * for the next accept(), and the loop will not call us for the old one. */
static void conn_close(struct conn *c, const char *why)
{
    loop_remove_reader(loop, c->fd);
    loop_remove_writer(loop, c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    close(c->fd);
    log_conn("closed fd %d (%s): %s", c->fd, c->name, why);
    free(c);
    if (accept_paused) { /* a descriptor is free again */
        if (accept_retry)
            loop_cancel(loop, accept_retry);
        accept_resume(NULL);
    }
}

/* ---- the conversation ----------------------------------------------------- */

/* Each callback does one step that cannot block. conn_flush() returns -1
 * if it closed the connection (c is then freed), 0 otherwise. */

static int conn_flush(struct conn *c)
{
    ssize_t w = send(c->fd, c->buf + c->start, c->end - c->start, 0);
    if (w < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (w < 0) {
        conn_close(c, strerror(errno));
        return -1;
    }
    c->start += (size_t)w; /* maybe only part of it: the rest waits for writable */
    if (c->start == c->end)
        c->start = c->end = 0;
    if (c->eof && c->start == c->end) {
        conn_close(c, "client closed");
        return -1;
    }
    return 0;
}

static void on_writable(void *arg)
{
    struct conn *c = arg;
    if (conn_flush(c) == 0 && conn_watch(c) < 0)
        conn_close(c, strerror(errno));
}

static void on_readable(void *arg)
{
    struct conn *c = arg;
    if (c->start > 0) { /* make room at the end */
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    /* Only called with room in buf: a recv() of 0 bytes would return 0,
     * which reads exactly like the client's EOF. */
    ssize_t r = recv(c->fd, c->buf + c->end, BUF_SIZE - c->end, 0);
    if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (r < 0) {
        conn_close(c, strerror(errno));
        return;
    }
    if (r == 0) {
        c->eof = 1;
        if (c->start == c->end) {
            conn_close(c, "client closed");
            return;
        }
    }
    c->end += (size_t)r;
    /* Most of the time the socket can take the echo at once: try now
     * instead of waiting a turn for the loop to say so. */
    if (conn_flush(c) == 0 && conn_watch(c) < 0)
        conn_close(c, strerror(errno));
}

static void on_accept(void *arg)
{
    (void)arg;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int fd = accept(listen_fd, (struct sockaddr *)&peer, &len);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue; /* ECONNABORTED: the client left while queued */
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno != EMFILE && errno != ENFILE && errno != ENOBUFS && errno != ENOMEM) {
                /* accept(2): a network error pending on the new connection
                 * (EPROTO, ENETDOWN, ...) is that client's; go on. */
                log_conn("accept: %s", strerror(errno));
                continue;
            }
            /* Out of descriptors (EMFILE, ENFILE) or memory: the listener
             * stays readable, so watching it now would spin. Stop watching
             * until a connection closes or a timer fires; clients wait in
             * the backlog. */
            fprintf(stderr, "accept: %s: pausing accept\n", strerror(errno));
            loop_remove_reader(loop, listen_fd);
            accept_paused = 1;
            accept_retry = loop_call_later(loop, ACCEPT_RETRY_MS, accept_resume, NULL);
            return;
        }
        char name[32];
        net_peer_name(&peer, name, sizeof name);
        if (net_nonblock(fd) < 0 || !conn_open(fd, name)) {
            log_conn("refused fd %d from %s: %s", fd, name, strerror(errno));
            close(fd);
            continue;
        }
        log_conn("accepted fd %d from %s", fd, name);
    }
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
    char err[256];
    listen_fd = net_listen(port, err, sizeof err);
    if (listen_fd < 0) {
        fprintf(stderr, "server: %s\n", err);
        return 1;
    }
    if (loop_add_reader(loop, listen_fd, on_accept, NULL) < 0) {
        fprintf(stderr, "server: event loop: %s\n", strerror(errno));
        return 1;
    }
    printf("listening on 127.0.0.1:%d (%s)\n", net_local_port(listen_fd), loop_backend());
    fflush(stdout);
    int status = 0;
    if (loop_run(loop) < 0) {
        fprintf(stderr, "server: %s: %s\n", loop_backend(), strerror(errno));
        status = 1;
    }
    while (conns)
        conn_close(conns, "server stopping");
    loop_close(loop); /* unregisters the listener and the pipe, cancels the retry */
    close(listen_fd);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return status;
}
