/*
 * tclient: the programmable client the tests drive every chapter's server
 * with. One thread, non-blocking sockets, poll(): it reads and writes at the
 * same time, so a server that applies backpressure never deadlocks it.
 *
 *   tclient echo  PORT [-c CONNS] [-s BYTES] [-r ROUNDS] [-a 1] [-t SECONDS]
 *       CONNS connections at once, each sends BYTES of binary data (NUL bytes
 *       included), half-closes, and checks that every byte comes back in
 *       order followed by EOF. ROUNDS repeats the whole batch. With -a 1,
 *       no connection sends before all CONNS are open.
 *   tclient hold  PORT [-c CONNS] [-q MS] [--release K] [-w 1] [-t SECONDS]
 *       Opens CONNS connections and sends one byte on each. Phase 1 waits
 *       until nothing has happened for MS milliseconds (or the server has
 *       closed every connection), then reports how many
 *       were echoed, closed by the server, or are still waiting. With
 *       --release, phase 2 closes K echoed connections and waits (up to
 *       SECONDS) for every waiting one to be echoed. With -w 1, the
 *       connections stay open after phase 1 until stdin reaches EOF.
 *   tclient stall PORT [-s BYTES] [-p PID] [-w 1] [-t SECONDS]
 *       Sends without reading until the server stops taking bytes for 500 ms
 *       (backpressure), reports how far it got and, with -p, how much the
 *       server's resident memory grew meanwhile; then reads and writes the
 *       rest and checks every byte. With -w 1 it stays stalled until its
 *       stdin reaches end of file.
 *   tclient trickle PORT [-s BYTES] [-k BYTES] [-i MS] [-t SECONDS]
 *       A slow reader: with a small receive buffer, it sends BYTES as the
 *       server takes them (then half-closes), but reads at most -k bytes
 *       (default 8K) every -i milliseconds (default 20), checking every byte
 *       and the EOF. Its echo is slow, and never stops for long.
 *   tclient flood PORT [-s BYTES] [--pause MS] [-t SECONDS]
 *       One connection fed as fast as the server takes it: a second process
 *       sends BYTES while this one reads the echo, so the server's input
 *       never runs dry. With --pause, the reader stops for MS milliseconds
 *       at the start and then every 100 ms, so that now and then the server
 *       has to wait to send. Prints "flowing" once the echo has begun, and
 *       at the end how much came back (counted, not checked: checking would
 *       slow the reader). Killed, it takes its sender with it.
 *   tclient ping PORT [-r ROUNDS] [-s BYTES] [-i MS] [-p PID] [-t SECONDS]
 *       One connection, ROUNDS round trips of BYTES each (at most 64K), one
 *       begun every MS milliseconds (default 20), each checked. Prints the
 *       round trips' p50, p99 and max in milliseconds; with -p, also the
 *       most CPU time the server (PID) spent while a request waited for its
 *       answer. A fair server answers within a turn of its loop, and unlike
 *       the time, that CPU time does not grow with the load on the machine.
 *   tclient reset PORT [-s BYTES]     sends BYTES then aborts with a RST.
 *   tclient abandon PORT [-s BYTES]   sends BYTES then closes, reading nothing.
 *
 * Exit status: 0 when everything checked out, 1 otherwise (with one line on
 * stderr saying what), 2 for bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
#define MAX_CONNECTING 256 /* connects in flight at once: keeps SYN bursts small */

enum state { IDLE, CONNECTING, OPEN, DONE, FAILED };

struct conn {
    int fd;
    enum state state;
    unsigned seed;
    size_t sent, recvd, total;
    int wr_shut;  /* SHUT_WR sent */
    int echoed;   /* hold: its byte came back */
    int closed;   /* hold: the server closed it */
};

static const char *mode;
static int port;
static long conns_n = 1, rounds = 1, quiet_ms = 1000, release_n = -1, pid, wait_stdin, together;
static long per_read = 8192, interval_ms = 20; /* trickle, ping */
static long pause_ms;                          /* flood */
static int small_rcvbuf;                       /* trickle: the kernel reads little ahead */
static size_t size = 1024;
static double limit_s = 30;
static unsigned char chunk[CHUNK], rbuf[CHUNK];

static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tclient %s: ", mode);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The byte at offset off of connection seed's stream: every value from 0 to
 * 255 occurs, NUL included, and a shifted or swapped stream does not match. */
static unsigned char pat(unsigned seed, size_t off)
{
    unsigned h = (unsigned)(off + 1) * 0x9E3779B1u ^ (seed + 1) * 0x85EBCA77u;
    h ^= h >> 15;
    h *= 0x2C1B3C6Du;
    h ^= h >> 12;
    return (unsigned char)h;
}

static long rss_kb(long p)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%ld/status", p);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* ---- connections ------------------------------------------------------ */

static void conn_start(struct conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        fail("socket: %s", strerror(errno));
    if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0)
        fail("fcntl: %s", strerror(errno));
    int rcvbuf = 4096; /* before connect(): it sets the window the server sees */
    if (small_rcvbuf && setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
        fail("setsockopt SO_RCVBUF: %s", strerror(errno));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
        c->state = OPEN;
    else if (errno == EINPROGRESS)
        c->state = CONNECTING;
    else
        fail("connect 127.0.0.1:%d: %s", port, strerror(errno));
}

static void conn_connected(struct conn *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    if (err)
        fail("connect 127.0.0.1:%d: %s", port, strerror(err));
    c->state = OPEN;
}

static void conn_close(struct conn *c, enum state st)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = st;
}

/* Sends as much of the stream as the socket takes; 0 on EAGAIN. */
static void conn_write(struct conn *c)
{
    while (c->sent < c->total) {
        size_t n = c->total - c->sent < CHUNK ? c->total - c->sent : CHUNK;
        for (size_t i = 0; i < n; i++)
            chunk[i] = pat(c->seed, c->sent + i);
        ssize_t w = send(c->fd, chunk, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w < 0)
            fail("conn %u: send after %zu bytes: %s", c->seed, c->sent, strerror(errno));
        c->sent += (size_t)w;
    }
    if (!c->wr_shut) {
        if (shutdown(c->fd, SHUT_WR) < 0)
            fail("conn %u: shutdown: %s", c->seed, strerror(errno));
        c->wr_shut = 1;
    }
}

/* Reads what is there, up to max bytes, and checks it; at EOF the
 * connection is done. */
static void conn_read_max(struct conn *c, size_t max)
{
    for (size_t got = 0; got < max;) {
        size_t want = max - got < sizeof rbuf ? max - got : sizeof rbuf;
        ssize_t r = recv(c->fd, rbuf, want, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r < 0)
            fail("conn %u: recv after %zu bytes: %s", c->seed, c->recvd, strerror(errno));
        if (r == 0) {
            if (c->recvd < c->total)
                fail("conn %u: EOF after %zu of %zu bytes", c->seed, c->recvd, c->total);
            conn_close(c, DONE);
            return;
        }
        if (c->recvd + (size_t)r > c->total)
            fail("conn %u: %zu bytes came back, %zu were sent", c->seed,
                 c->recvd + (size_t)r, c->total);
        for (ssize_t i = 0; i < r; i++)
            if (rbuf[i] != pat(c->seed, c->recvd + (size_t)i))
                fail("conn %u: byte %zu is 0x%02x, sent 0x%02x", c->seed,
                     c->recvd + (size_t)i, rbuf[i], pat(c->seed, c->recvd + (size_t)i));
        c->recvd += (size_t)r;
        got += (size_t)r;
    }
}

static void conn_read(struct conn *c)
{
    conn_read_max(c, (size_t)-1);
}

/* ---- echo: many connections, every byte checked ---------------------- */

static void echo_round(struct conn *cs, struct pollfd *pfd, long round, double deadline)
{
    long started = 0, connecting = 0, done = 0;
    for (long i = 0; i < conns_n; i++)
        cs[i] = (struct conn){.fd = -1, .state = IDLE,
                              .seed = (unsigned)(round * conns_n + i), .total = size};
    while (done < conns_n) {
        /* With -a 1 no byte is sent before every connection is open, so
         * the server really holds them all at once. */
        int gated = together && (started < conns_n || connecting > 0);
        while (started < conns_n && connecting < MAX_CONNECTING) {
            conn_start(&cs[started]);
            connecting += cs[started].state == CONNECTING;
            started++;
        }
        long n = 0;
        for (long i = 0; i < started; i++) {
            struct conn *c = &cs[i];
            if (c->state == CONNECTING)
                pfd[n] = (struct pollfd){c->fd, POLLOUT, 0};
            else if (c->state == OPEN)
                pfd[n] = (struct pollfd){c->fd, (short)(POLLIN | (c->wr_shut || gated ? 0 : POLLOUT)), 0};
            else
                continue;
            n++;
        }
        double left = deadline - now();
        if (left <= 0)
            fail("timed out: %ld of %ld connections done", done, conns_n);
        int ready = poll(pfd, (nfds_t)n, (int)(left * 1000) + 1);
        if (ready < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        /* pfd[] lists the active connections in index order: walk both. */
        long k = 0;
        for (long i = 0; i < started && k < n; i++) {
            struct conn *c = &cs[i];
            if (c->state != CONNECTING && c->state != OPEN)
                continue;
            short re = pfd[k++].revents;
            if (!re)
                continue;
            if (c->state == CONNECTING) {
                conn_connected(c);
                connecting--;
            }
            if ((re & (POLLOUT | POLLERR)) && !gated)
                conn_write(c);
            if (re & (POLLIN | POLLHUP | POLLERR))
                conn_read(c);
            if (c->state == OPEN && (re & POLLERR))
                fail("conn %u: socket error", c->seed);
            done += c->state == DONE;
        }
    }
}

static int run_echo(void)
{
    struct conn *cs = calloc((size_t)conns_n, sizeof *cs);
    struct pollfd *pfd = calloc((size_t)conns_n, sizeof *pfd);
    if (!cs || !pfd)
        fail("out of memory");
    double deadline = now() + limit_s;
    for (long r = 0; r < rounds; r++)
        echo_round(cs, pfd, r, deadline);
    printf("ok: %ld connections x %ld rounds, %zu bytes each, all echoed\n",
           conns_n, rounds, size);
    free(cs);
    free(pfd);
    return 0;
}

/* ---- hold: what happens to connections the server cannot take ---------- */

/* Polls every open connection until quiet_ms pass without an event, or (when
 * until_all) until none is waiting; returns how many are still waiting. */
static long hold_wait(struct conn *cs, struct pollfd *pfd, int until_all, double deadline)
{
    double quiet_until = now() + quiet_ms / 1000.0;
    for (;;) {
        long n = 0, waiting = 0;
        for (long i = 0; i < conns_n; i++) {
            struct conn *c = &cs[i];
            if (c->state == IDLE)
                continue;
            waiting += c->state == CONNECTING || (c->state == OPEN && !c->echoed);
            pfd[n++] = (struct pollfd){c->fd, c->state == CONNECTING ? POLLOUT : POLLIN, 0};
        }
        double t = now();
        if (n == 0) /* the server has closed every connection */
            return 0;
        if ((until_all && waiting == 0) || (!until_all && t >= quiet_until))
            return waiting;
        if (t >= deadline)
            return waiting;
        double stop = until_all ? deadline : quiet_until;
        int ready = poll(pfd, (nfds_t)n, (int)((stop - t) * 1000) + 1);
        if (ready < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        if (ready > 0)
            quiet_until = now() + quiet_ms / 1000.0;
        long k = 0;
        for (long i = 0; i < conns_n && k < n; i++) {
            struct conn *c = &cs[i];
            if (c->state == IDLE)
                continue;
            short re = pfd[k++].revents;
            if (!re)
                continue;
            if (c->state == CONNECTING) {
                conn_connected(c);
                if (send(c->fd, "x", 1, MSG_NOSIGNAL) != 1)
                    fail("conn %u: send: %s", c->seed, strerror(errno));
                continue;
            }
            char b;
            ssize_t r = recv(c->fd, &b, 1, 0);
            if (r == 1 && b == 'x' && !c->echoed)
                c->echoed = 1;
            else if (r == 0 || (r < 0 && errno == ECONNRESET)) {
                c->closed = 1;
                conn_close(c, IDLE);
            } else if (r < 0 && errno != EAGAIN && errno != EINTR)
                fail("conn %u: recv: %s", c->seed, strerror(errno));
            else if (r == 1)
                fail("conn %u: unexpected byte 0x%02x", c->seed, (unsigned char)b);
        }
    }
}

static void hold_report(const char *phase, struct conn *cs, long waiting)
{
    long echoed = 0, closed = 0;
    for (long i = 0; i < conns_n; i++) {
        echoed += cs[i].echoed && cs[i].state != IDLE;
        closed += cs[i].closed;
    }
    printf("%s: echoed %ld closed %ld waiting %ld\n", phase, echoed, closed, waiting);
    fflush(stdout);
}

static int run_hold(void)
{
    struct conn *cs = calloc((size_t)conns_n, sizeof *cs);
    struct pollfd *pfd = calloc((size_t)conns_n, sizeof *pfd);
    if (!cs || !pfd)
        fail("out of memory");
    double deadline = now() + limit_s;
    for (long i = 0; i < conns_n; i++) {
        cs[i] = (struct conn){.fd = -1, .seed = (unsigned)i};
        conn_start(&cs[i]);
        if (cs[i].state == OPEN && send(cs[i].fd, "x", 1, MSG_NOSIGNAL) != 1)
            fail("conn %ld: send: %s", i, strerror(errno));
    }
    long waiting = hold_wait(cs, pfd, 0, deadline);
    hold_report("phase1", cs, waiting);
    /* With -w 1, keep every connection open until stdin reaches EOF. */
    char b[256];
    ssize_t r;
    while (wait_stdin && ((r = read(STDIN_FILENO, b, sizeof b)) > 0 || (r < 0 && errno == EINTR)))
        ;
    int status = 0;
    if (release_n >= 0) {
        long released = 0;
        for (long i = 0; i < conns_n && released < release_n; i++)
            if (cs[i].state == OPEN && cs[i].echoed) {
                conn_close(&cs[i], IDLE);
                cs[i].echoed = 0;
                released++;
            }
        waiting = hold_wait(cs, pfd, 1, deadline);
        hold_report("phase2", cs, waiting);
        status = waiting != 0;
    }
    for (long i = 0; i < conns_n; i++)
        conn_close(&cs[i], IDLE);
    free(cs);
    free(pfd);
    return status;
}

/* ---- stall: a client that does not read ------------------------------- */

static int run_stall(void)
{
    struct conn c = {.fd = -1, .total = size};
    long rss0 = pid ? rss_kb(pid) : -1;
    conn_start(&c);
    double deadline = now() + limit_s;
    struct pollfd p = {c.fd, POLLOUT, 0};
    double last_progress = now();
    /* Phase 1: write only, until the server stops taking bytes. */
    while (c.sent < c.total && now() - last_progress < 0.5) {
        if (poll(&p, 1, 100) < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        if (c.state == CONNECTING && p.revents)
            conn_connected(&c);
        size_t before = c.sent;
        if (c.state == OPEN)
            conn_write(&c);
        if (c.sent != before)
            last_progress = now();
        if (now() > deadline)
            fail("timed out while filling");
    }
    if (c.sent >= c.total)
        fail("the server took all %zu bytes without the client reading any", c.total);
    printf("stalled after %zu bytes", c.sent);
    if (pid) {
        long rss1 = rss_kb(pid);
        if (rss0 < 0 || rss1 < 0)
            fail("cannot read /proc/%ld/status", pid);
        printf(", server rss grew %ld kB", rss1 - rss0);
    }
    printf("\n");
    fflush(stdout);
    /* With -w 1, stay stalled until stdin reaches EOF: the test decides. */
    char b[256];
    ssize_t r;
    while (wait_stdin && ((r = read(STDIN_FILENO, b, sizeof b)) > 0 || (r < 0 && errno == EINTR)))
        ;
    /* Phase 2: read and write until every byte is back. */
    while (c.state == OPEN) {
        p.events = (short)(POLLIN | (c.wr_shut ? 0 : POLLOUT));
        double left = deadline - now();
        if (left <= 0)
            fail("timed out after %zu of %zu bytes came back", c.recvd, c.total);
        if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        if (p.revents & (POLLOUT | POLLERR))
            conn_write(&c);
        if (p.revents & (POLLIN | POLLHUP | POLLERR))
            conn_read(&c);
    }
    printf("ok: all %zu bytes echoed\n", c.total);
    return 0;
}

/* ---- trickle: a slow reader -------------------------------------------- */

static int run_trickle(void)
{
    struct conn c = {.fd = -1, .total = size};
    small_rcvbuf = 1;
    conn_start(&c);
    double start = now(), deadline = start + limit_s, next_read = start;
    struct pollfd p = {c.fd, POLLOUT, 0};
    while (c.state == CONNECTING || c.state == OPEN) {
        if (now() > deadline)
            fail("timed out after %zu of %zu bytes came back", c.recvd, c.total);
        p.events = (short)(c.wr_shut ? 0 : POLLOUT);
        int wait_ms = (int)((next_read - now()) * 1000);
        if (poll(&p, 1, wait_ms > 0 ? wait_ms : 0) < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        if (c.state == CONNECTING && p.revents)
            conn_connected(&c);
        if (c.state == OPEN && (p.revents & (POLLOUT | POLLERR)))
            conn_write(&c);
        if (c.state == OPEN && now() >= next_read) {
            conn_read_max(&c, (size_t)per_read);
            next_read = now() + interval_ms / 1e3;
        }
    }
    printf("ok: all %zu bytes echoed, slowly, in %.1f s\n", c.total, now() - start);
    return 0;
}

/* ---- flood: a client whose data never stops coming -------------------- */

/* The sending half, in its own process: sends one block over and over,
 * while the pipe from the reader stays open. When the reader ends (done,
 * or killed), the pipe says so and the sender ends too. A 1 MiB block per
 * call, so that the sender outruns a server that reads 16 KiB at a time. */
static void flood_send(int fd, int alive)
{
    static unsigned char big[16 * CHUNK];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = pat(0, i);
    size_t sent = 0;
    struct pollfd p[2] = {{fd, POLLOUT, 0}, {alive, POLLIN, 0}};
    while (sent < size) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            _exit(1);
        if (p[1].revents)
            _exit(0); /* the reader is gone */
        if (!(p[0].revents & (POLLOUT | POLLERR | POLLHUP)))
            continue;
        size_t n = size - sent < sizeof big ? size - sent : sizeof big;
        ssize_t w = send(fd, big, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue;
        if (w < 0)
            _exit(1);
        sent += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    _exit(0);
}

static void wait_connected(struct conn *c, double deadline)
{
    struct pollfd p = {c->fd, POLLOUT, 0};
    while (c->state == CONNECTING) {
        if (now() > deadline)
            fail("timed out connecting");
        if (poll(&p, 1, 100) < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        if (p.revents)
            conn_connected(c);
    }
}

static int run_flood(void)
{
    struct conn c = {.fd = -1, .total = size};
    double deadline = now() + limit_s;
    conn_start(&c);
    wait_connected(&c, deadline);
    int alive[2];
    if (pipe(alive) < 0)
        fail("pipe: %s", strerror(errno));
    fflush(stdout);
    pid_t sender = fork();
    if (sender < 0)
        fail("fork: %s", strerror(errno));
    if (sender == 0) {
        close(alive[1]);
        flood_send(c.fd, alive[0]);
    }
    close(alive[0]); /* alive[1] stays open in this process alone */
    struct timespec pause = {pause_ms / 1000, pause_ms % 1000 * 1000000};
    struct pollfd p = {c.fd, POLLIN, 0};
    double next_pause = now();
    int flowing = 0;
    for (;;) {
        if (pause_ms && now() >= next_pause) {
            nanosleep(&pause, NULL);
            next_pause = now() + 0.1;
        }
        double left = deadline - now();
        if (left <= 0)
            fail("timed out after %zu of %zu bytes came back", c.recvd, c.total);
        if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        ssize_t r = recv(c.fd, rbuf, sizeof rbuf, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue;
        if (r < 0)
            fail("recv after %zu bytes: %s", c.recvd, strerror(errno));
        if (r == 0)
            break;
        c.recvd += (size_t)r;
        if (!flowing++) {
            printf("flowing\n");
            fflush(stdout);
        }
    }
    waitpid(sender, NULL, 0);
    if (c.recvd != c.total)
        fail("EOF after %zu of %zu bytes", c.recvd, c.total);
    printf("ok: all %zu bytes echoed\n", c.total);
    return 0;
}

/* ---- ping: how long the server takes to answer ----------------------- */

/* glibc shows SCM_TIMESTAMP only beyond POSIX; on Linux it is SO_TIMESTAMP. */
#ifndef SCM_TIMESTAMP
#define SCM_TIMESTAMP SO_TIMESTAMP
#endif

/* The clocks, in seconds: CLOCK_REALTIME is the one SO_TIMESTAMP stamps
 * arrivals with; a process's CPU clock counts the CPU time it has used. */
static double clock_s(clockid_t clk)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts) < 0)
        fail("clock_gettime: %s", strerror(errno));
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Reads the echo up to `want` bytes received in all, checked; returns the
 * time the kernel stamped the last of it in, or 0 if it did not say. */
static double ping_read(struct conn *c, size_t want, double deadline)
{
    double stamp = 0;
    struct pollfd p = {c->fd, POLLIN, 0};
    while (c->recvd < want) {
        double left = deadline - now();
        if (left <= 0)
            fail("timed out after %zu round trips", c->recvd / size);
        if (poll(&p, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        char ctl[CMSG_SPACE(sizeof(struct timeval))];
        struct iovec iov = {rbuf, want - c->recvd};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                           .msg_controllen = sizeof ctl};
        ssize_t r = recvmsg(c->fd, &m, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue;
        if (r <= 0)
            fail("after %zu round trips: %s", c->recvd / size,
                 r == 0 ? "the server closed the connection" : strerror(errno));
        for (ssize_t i = 0; i < r; i++)
            if (rbuf[i] != pat(c->seed, c->recvd + (size_t)i))
                fail("byte %zu is 0x%02x, sent 0x%02x", c->recvd + (size_t)i, rbuf[i],
                     pat(c->seed, c->recvd + (size_t)i));
        c->recvd += (size_t)r;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
            if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMP) {
                struct timeval tv;
                memcpy(&tv, CMSG_DATA(h), sizeof tv);
                stamp = tv.tv_sec + tv.tv_usec / 1e6;
            }
    }
    return stamp;
}

/* One round trip: BYTES sent, then read back. Returns how long it took, in
 * ms. With the server's CPU clock, *busy is at least the CPU time (ms) the
 * server used while the request waited: what it used from the send to the
 * end, less what it can have used since the kernel stamped the answer in
 * (no more than the time since: it is one thread). Every clock is read on
 * the side that can only make it less: this client's own waits for a CPU
 * (load on the machine) never add to it. NAN if the answer had no stamp
 * (Linux turns stamping on a moment after it is asked, not at once). */
static double ping_once(struct conn *c, double deadline, const clockid_t *server, double *busy)
{
    size_t want = c->recvd + size;
    for (size_t i = 0; i < size; i++)
        chunk[i] = pat(c->seed, c->sent + i);
    double start = now();
    for (size_t off = 0; off < size;) {
        ssize_t w = send(c->fd, chunk + off, size - off, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            fail("send: %s", strerror(errno));
        off += w > 0 ? (size_t)w : 0;
    }
    c->sent += size;
    double cpu0 = server ? clock_s(*server) : 0;
    double stamp = ping_read(c, want, deadline), end = now();
    if (server) {
        double cpu1 = clock_s(*server), wall = clock_s(CLOCK_REALTIME);
        *busy = stamp ? (cpu1 - cpu0 - (wall - stamp)) * 1000 : NAN;
    }
    return (end - start) * 1000;
}

static int run_ping(void)
{
    struct conn c = {.fd = -1, .seed = 1};
    double *ms = calloc((size_t)rounds, sizeof *ms);
    if (!ms)
        fail("out of memory");
    clockid_t server = CLOCK_MONOTONIC;
#if defined(_POSIX_CPUTIME) && _POSIX_CPUTIME >= 0
    int err = pid ? clock_getcpuclockid((pid_t)pid, &server) : 0;
#else
    int err = pid ? ENOSYS : 0; /* macOS: no CPU clock of another process */
#endif
    if (err)
        fail("the CPU clock of process %ld: %s", pid, strerror(err));
    double deadline = now() + limit_s;
    conn_start(&c);
    wait_connected(&c, deadline);
    int one = 1;
    if (setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof one) < 0)
        fail("setsockopt SO_TIMESTAMP: %s", strerror(errno));
    double next = now(), busy_max = 0;
    long stamped = 0;
    for (long i = 0; i < rounds; i++) {
        /* One begun every interval_ms: a late one does not shift the rest. */
        double wait = next - now();
        if (wait > 0)
            nanosleep(&(struct timespec){(time_t)wait, (long)((wait - (time_t)wait) * 1e9)}, NULL);
        next += interval_ms / 1e3;
        double busy = NAN;
        ms[i] = ping_once(&c, deadline, pid ? &server : NULL, &busy);
        if (!isnan(busy)) {
            stamped++;
            busy_max = busy > busy_max ? busy : busy_max;
        }
    }
    if (pid && !stamped)
        fail("the kernel stamped none of the echoes in (SO_TIMESTAMP)");
    conn_close(&c, DONE);
    qsort(ms, (size_t)rounds, sizeof *ms, cmp_double);
    /* The nearest rank: p99 of 200 is the 198th, below the two slowest. */
    printf("ping: %ld round trips of %zu bytes: p50 %.3f ms, p99 %.3f ms, max %.3f ms",
           rounds, size, ms[(rounds - 1) / 2], ms[(rounds * 99 + 99) / 100 - 1], ms[rounds - 1]);
    if (pid)
        printf("; server CPU while one waited: at most %.3f ms (%ld stamped)", busy_max, stamped);
    printf("\n");
    free(ms);
    return 0;
}

/* ---- reset / abandon: clients that leave badly ------------------------ */

static int run_leave(int abort_it)
{
    struct conn c = {.fd = -1, .total = size};
    conn_start(&c);
    struct pollfd p = {c.fd, POLLOUT, 0};
    double deadline = now() + limit_s;
    while (c.sent < c.total || c.state == CONNECTING) {
        if (now() > deadline)
            fail("timed out after sending %zu bytes", c.sent);
        if (poll(&p, 1, 100) < 0 && errno != EINTR)
            fail("poll: %s", strerror(errno));
        if (c.state == CONNECTING && p.revents)
            conn_connected(&c);
        if (c.state == OPEN)
            conn_write(&c);
    }
    if (abort_it) {
        /* SO_LINGER with a zero timeout makes close() send RST, not FIN. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        if (setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
            fail("setsockopt SO_LINGER: %s", strerror(errno));
    }
    conn_close(&c, DONE);
    printf("ok: sent %zu bytes and %s\n", c.sent, abort_it ? "reset" : "closed unread");
    return 0;
}

/* ---- main ------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: tclient echo PORT [-c CONNS] [-s BYTES] [-r ROUNDS] [-a 1] [-t SECONDS]\n"
            "       tclient hold PORT [-c CONNS] [-q MS] [--release K] [-w 1] [-t SECONDS]\n"
            "       tclient stall PORT [-s BYTES] [-p PID] [-w 1] [-t SECONDS]\n"
            "       tclient trickle PORT [-s BYTES] [-k BYTES] [-i MS] [-t SECONDS]\n"
            "       tclient flood PORT [-s BYTES] [--pause MS] [-t SECONDS]\n"
            "       tclient ping PORT [-r ROUNDS] [-s BYTES] [-i MS] [-p PID] [-t SECONDS]\n"
            "       tclient reset|abandon PORT [-s BYTES]\n");
    exit(2);
}

/* A count with an optional K, M or G suffix (powers of 1024). */
static long long number(const char *s)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    else if (*end == 'G' || *end == 'g')
        v <<= 30, end++;
    if (errno || end == s || *end || v < 0)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    mode = argv[1];
    port = (int)number(argv[2]);
    if (port < 1 || port > 65535)
        usage();
    static const struct {
        const char *flag;
        long *value;
    } opts[] = {{"-c", &conns_n}, {"-r", &rounds},    {"-q", &quiet_ms}, {"-a", &together},
                {"-w", &wait_stdin}, {"-p", &pid}, {"--release", &release_n},
                {"-k", &per_read}, {"-i", &interval_ms}, {"--pause", &pause_ms}};
    for (int i = 3; i < argc; i += 2) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        size_t k = 0;
        while (k < sizeof opts / sizeof opts[0] && strcmp(o, opts[k].flag))
            k++;
        if (!v)
            usage();
        else if (k < sizeof opts / sizeof opts[0])
            *opts[k].value = (long)number(v);
        else if (!strcmp(o, "-s"))
            size = (size_t)number(v);
        else if (!strcmp(o, "-t"))
            limit_s = (double)number(v);
        else
            usage();
    }
    if (conns_n < 1 || per_read < 1 || (!strcmp(mode, "ping") && (size < 1 || size > CHUNK)))
        usage();
    /* Thousands of connections need thousands of descriptors. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(mode, "echo"))
        return run_echo();
    if (!strcmp(mode, "hold"))
        return run_hold();
    if (!strcmp(mode, "stall"))
        return run_stall();
    if (!strcmp(mode, "trickle"))
        return run_trickle();
    if (!strcmp(mode, "flood"))
        return run_flood();
    if (!strcmp(mode, "ping"))
        return run_ping();
    if (!strcmp(mode, "reset"))
        return run_leave(1);
    if (!strcmp(mode, "abandon"))
        return run_leave(0);
    usage();
}
