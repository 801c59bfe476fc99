/*
 * 02-select: an echo server that serves many clients at once with select().
 *
 * Every socket is non-blocking. One loop asks select() which sockets are
 * ready, then does only what will not block: accept on the listening socket,
 * recv on readable clients, send on writable ones. Each connection keeps the
 * bytes it still owes its client in a bounded buffer; when that is full the
 * server stops reading from the client (backpressure) until it drains.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 16384    /* bytes a connection may owe its client */
#define ACCEPT_BATCH 64   /* accepts per turn, so a flood of connects cannot starve clients */
#define ACCEPT_RETRY_MS 1000 /* while out of descriptors, try accept() again this often */

static int quiet;                      /* -q: no per-connection log lines */
static volatile sig_atomic_t stopping; /* set by SIGINT / SIGTERM */

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

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    /* Non-blocking even though select() said "readable": the client may
     * reset between select() and accept(), and a blocking accept() would
     * then wait for the next client (Stevens, UNP vol. 1, 16.6). */
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

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* SIGINT and SIGTERM stay blocked except inside pselect(), which unblocks
 * them atomically with starting to wait. A signal can therefore only land
 * while we wait, where it makes pselect() fail with EINTR, never between
 * the check of `stopping` and the wait (Stevens, UNP vol. 1, 20.5).
 * Returns the mask to wait with. */
static sigset_t install_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A send() to a client that has gone raises SIGPIPE, whose default
     * action kills the process. Ignored, send() fails with EPIPE instead. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &waitmask);
    sigdelset(&waitmask, SIGINT); /* even if our parent had them blocked */
    sigdelset(&waitmask, SIGTERM);
    return waitmask;
}

/* ---- connections -------------------------------------------------------- */

/* A client and the bytes it is still owed: buf[start..end). */
struct conn {
    int fd;
    int eof;               /* the client has shut down its sending side */
    size_t start, end;
    char name[32];         /* "ip:port", for the log */
    char buf[BUF_SIZE];
};

/* select() names sockets by number, so connections are found by number. */
static struct conn *conns[FD_SETSIZE];
static int conns_hi;       /* one past the highest fd in conns[] */
static int accept_paused;  /* out of descriptors: the listener is not watched */
static long long accept_retry_at; /* ... until then (monotonic ms), or a close */

static struct conn *conn_open(int fd, const char *name)
{
    struct conn *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->eof = 0;
    c->start = c->end = 0;
    snprintf(c->name, sizeof c->name, "%s", name);
    conns[fd] = c;
    if (fd >= conns_hi)
        conns_hi = fd + 1;
    return c;
}

/* Takes the fd out of the table first, so no later select() set names it,
 * then closes it: its number is free for the next accept(). */
static void conn_close(struct conn *c, const char *why)
{
    conns[c->fd] = NULL;
    while (conns_hi > 0 && !conns[conns_hi - 1])
        conns_hi--;
    close(c->fd);
    log_conn("closed fd %d (%s): %s", c->fd, c->name, why);
    free(c);
    accept_paused = 0; /* a descriptor is free again */
}

/* ---- the conversation ----------------------------------------------------- */

/* Each handler does one step that cannot block and returns -1 if it closed
 * the connection (c is then freed), 0 otherwise. */

static int on_writable(struct conn *c)
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

static int on_readable(struct conn *c)
{
    if (c->start > 0) { /* make room at the end */
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    /* Only called with room in buf: a recv() of 0 bytes would return 0,
     * which reads exactly like the client's EOF. */
    ssize_t r = recv(c->fd, c->buf + c->end, BUF_SIZE - c->end, 0);
    if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (r < 0) {
        conn_close(c, strerror(errno));
        return -1;
    }
    if (r == 0) {
        c->eof = 1;
        if (c->start == c->end) {
            conn_close(c, "client closed");
            return -1;
        }
        return 0;
    }
    c->end += (size_t)r;
    /* Most of the time the socket can take the echo at once: try now
     * instead of waiting a turn for select() to say so. */
    return on_writable(c);
}

static void on_accept(int lfd)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int fd = accept(lfd, (struct sockaddr *)&peer, &len);
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
             * until a connection closes; clients wait in the backlog. */
            fprintf(stderr, "accept: %s: pausing accept\n", strerror(errno));
            accept_paused = 1;
            accept_retry_at = now_ms() + ACCEPT_RETRY_MS;
            return;
        }
        char name[32];
        net_peer_name(&peer, name, sizeof name);
        /* FD_SET() of a number >= FD_SETSIZE writes past the fd_set: the
         * one thing select() cannot do is watch such a socket. */
        if (fd >= FD_SETSIZE) {
            log_conn("refused fd %d from %s: select() cannot watch fds >= FD_SETSIZE (%d)",
                     fd, name, FD_SETSIZE);
            close(fd);
            continue;
        }
        if (net_nonblock(fd) < 0 || !conn_open(fd, name)) {
            log_conn("refused fd %d from %s: %s", fd, name, strerror(errno));
            close(fd);
            continue;
        }
        log_conn("accepted fd %d from %s", fd, name);
    }
}

/* ---- the loop ----------------------------------------------------------- */

/* Runs until a stop signal (returns 0) or a failure of select() itself. */
static int loop_run(int lfd, const sigset_t *waitmask)
{
    while (!stopping) {
        /* While paused, look again every ACCEPT_RETRY_MS: descriptors may
         * free up without one of our connections closing. */
        long long retry_ms = accept_retry_at - now_ms();
        if (accept_paused && retry_ms <= 0)
            accept_paused = 0;
        /* select() forgets: the sets are rebuilt before every call, and the
         * kernel scans all of them, O(highest fd), every time. */
        fd_set rd, wr;
        FD_ZERO(&rd);
        FD_ZERO(&wr);
        int maxfd = -1;
        if (!accept_paused) {
            FD_SET(lfd, &rd);
            maxfd = lfd;
        }
        for (int fd = 0; fd < conns_hi; fd++) {
            struct conn *c = conns[fd];
            if (!c)
                continue;
            if (!c->eof && c->end - c->start < BUF_SIZE) /* else: backpressure */
                FD_SET(fd, &rd);
            if (c->end > c->start) /* only while output is owed */
                FD_SET(fd, &wr);
            maxfd = fd > maxfd ? fd : maxfd;
        }
        struct timespec retry = {retry_ms / 1000, retry_ms % 1000 * 1000000};
        int n = pselect(maxfd + 1, &rd, &wr, NULL, accept_paused ? &retry : NULL, waitmask);
        if (n < 0) {
            if (errno != EINTR) {
                perror("server: pselect");
                return -1;
            }
            continue;
        }
        if (n == 0)
            continue;
        /* Clients first, then accept: a connection accepted now may reuse
         * the number of one closed above, and must not inherit its bits. */
        for (int fd = 0; fd < conns_hi; fd++) {
            struct conn *c = conns[fd];
            if (c && FD_ISSET(fd, &rd) && on_readable(c) < 0)
                continue;
            if (c && FD_ISSET(fd, &wr) && c->end > c->start)
                on_writable(c);
        }
        if (!accept_paused && FD_ISSET(lfd, &rd))
            on_accept(lfd);
    }
    return 0;
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: server [-q] [PORT]   (PORT 0-65535, default 8000)\n");
    exit(2);
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
    sigset_t waitmask = install_signals();
    char err[256];
    int lfd = net_listen(port, err, sizeof err);
    if (lfd < 0) {
        fprintf(stderr, "server: %s\n", err);
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", net_local_port(lfd));
    fflush(stdout);
    int status = loop_run(lfd, &waitmask) < 0;
    for (int fd = 0; fd < conns_hi; fd++)
        if (conns[fd])
            conn_close(conns[fd], "server stopping");
    close(lfd);
    return status;
}
