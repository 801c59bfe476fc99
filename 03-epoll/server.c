/*
 * 03-epoll: the select() server of chapter 02, with epoll instead.
 *
 * The kernel keeps the list of sockets we are interested in (the interest
 * list): we add a socket once, change what we wait for only when that
 * changes, and each epoll_wait() returns just the sockets that are ready,
 * each with the pointer we attached to it. The work per call grows with the
 * number of ready sockets, not with the number watched, and there is no
 * FD_SETSIZE. Level-triggered, like select(): a socket stays reported for
 * as long as it is ready. Linux only (kqueue is the BSDs' and macOS's).
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
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 16384    /* bytes a connection may owe its client */
#define ACCEPT_BATCH 64   /* accepts per turn, so a flood of connects cannot starve clients */
#define ACCEPT_RETRY_MS 1000 /* while out of descriptors, try accept() again this often */
#define MAX_EVENTS 256    /* ready sockets taken per epoll_wait(); the rest wait a turn */

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
    /* Non-blocking even though epoll said "readable": the client may reset
     * between epoll_wait() and accept(), and a blocking accept() would then
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

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* SIGINT and SIGTERM stay blocked except inside epoll_pwait(), which
 * unblocks them atomically with starting to wait, as pselect() did in 02.
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
    uint32_t events;       /* what the interest list holds for it */
    struct conn *prev, *next;
    char name[32];         /* "ip:port", for the log */
    char buf[BUF_SIZE];
};

/* epoll hands back our pointer, so no table by fd: the list is only for
 * closing everything at shutdown. */
static struct conn *conns;
static int epfd = -1;
static int accept_paused;  /* out of descriptors: the listener is not watched */
static long long accept_retry_at; /* ... until then (monotonic ms), or a close */

/* What the connection waits for now: readable while its buffer has room
 * (else backpressure), writable only while output is owed, since an idle
 * socket is almost always writable and would wake us every turn. */
static uint32_t conn_wants(const struct conn *c)
{
    uint32_t ev = 0;
    if (!c->eof && c->end - c->start < BUF_SIZE)
        ev |= EPOLLIN;
    if (c->end > c->start)
        ev |= EPOLLOUT;
    return ev;
}

/* Tells the kernel only when interest changes: one epoll_ctl() instead of
 * select()'s rebuilding every set on every turn. */
static int conn_watch(struct conn *c)
{
    uint32_t want = conn_wants(c);
    if (want == c->events)
        return 0;
    struct epoll_event ev = {.events = want, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        return -1;
    c->events = want;
    return 0;
}

static struct conn *conn_open(int fd, const char *name)
{
    struct conn *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->eof = 0;
    c->start = c->end = 0;
    c->events = EPOLLIN;
    snprintf(c->name, sizeof c->name, "%s", name);
    struct epoll_event ev = {.events = c->events, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
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

/* Takes the fd off the interest list first, then closes it: its number is
 * free for the next accept(). (close() alone removes it too, but only if no
 * other descriptor shares the open file: say so rather than rely on it.) */
static void conn_close(struct conn *c, const char *why)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
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
     * instead of waiting a turn for epoll to say so. */
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
        if (net_nonblock(fd) < 0 || !conn_open(fd, name)) {
            log_conn("refused fd %d from %s: %s", fd, name, strerror(errno));
            close(fd);
            continue;
        }
        log_conn("accepted fd %d from %s", fd, name);
    }
}

/* ---- the loop ----------------------------------------------------------- */

/* The listener is on the interest list with no pointer; while accepting is
 * paused it stays there with no events asked for. */
static int listen_watch(int lfd, int on)
{
    struct epoll_event ev = {.events = on ? EPOLLIN : 0, .data.ptr = NULL};
    return epoll_ctl(epfd, EPOLL_CTL_MOD, lfd, &ev);
}

/* Runs until a stop signal (returns 0) or a failure of epoll itself. */
static int loop_run(int lfd, const sigset_t *waitmask)
{
    struct epoll_event events[MAX_EVENTS];
    int paused = 0; /* what the interest list says of the listener */
    while (!stopping) {
        /* While paused, look again every ACCEPT_RETRY_MS: descriptors may
         * free up without one of our connections closing. */
        long long retry_ms = accept_retry_at - now_ms();
        if (accept_paused && retry_ms <= 0)
            accept_paused = 0;
        if (paused != accept_paused && listen_watch(lfd, !accept_paused) == 0)
            paused = accept_paused;
        int n = epoll_pwait(epfd, events, MAX_EVENTS, paused ? (int)retry_ms : -1, waitmask);
        if (n < 0) {
            if (errno != EINTR) {
                perror("server: epoll_pwait");
                return -1;
            }
            continue;
        }
        /* Each connection appears at most once in events[], and a handler
         * closes only its own connection, so no pointer here is stale. */
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            uint32_t ev = events[i].events;
            if (!c) {
                on_accept(lfd);
                continue;
            }
            /* EPOLLERR and EPOLLHUP come whether asked for or not. Treated
             * as readable and writable, the recv() or send() that follows
             * reports the error and closes the connection; ignored, a
             * level-triggered epoll would report them again every turn. */
            if (ev & (EPOLLERR | EPOLLHUP))
                ev |= EPOLLIN | EPOLLOUT;
            if ((ev & EPOLLIN) && (c->events & EPOLLIN) && on_readable(c) < 0)
                continue;
            if ((ev & EPOLLOUT) && c->end > c->start && on_writable(c) < 0)
                continue;
            if (conn_watch(c) < 0)
                conn_close(c, strerror(errno));
        }
    }
    return 0;
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
    sigset_t waitmask = install_signals();
    raise_fd_limit();
    char err[256];
    int lfd = net_listen(port, err, sizeof err);
    if (lfd < 0) {
        fprintf(stderr, "server: %s\n", err);
        return 1;
    }
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epfd = epoll_create1(0);
    if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev) < 0) {
        fprintf(stderr, "server: epoll: %s\n", strerror(errno));
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", net_local_port(lfd));
    fflush(stdout);
    int status = loop_run(lfd, &waitmask) < 0;
    while (conns)
        conn_close(conns, "server stopping");
    close(epfd);
    close(lfd);
    return status;
}
