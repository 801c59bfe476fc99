/*
 * 08-async-await: an async echo client, and the benchmark's load generator.
 *
 *   ./client [-c CONNECTIONS] [-n MESSAGES] [-s SIZE] [-d SECONDS] [PORT]
 *
 * Opens CONNECTIONS connections to 127.0.0.1:PORT from one thread, each a
 * task (async.h) that sends a SIZE-byte message, awaits its whole echo,
 * checks every byte, records the round trip's latency, and repeats: MESSAGES
 * times, or for SECONDS when -d is given. Then it prints connections, round
 * trips, round trips per second, p50/p99/max latency and errors, and exits 1
 * if anything went wrong: a connection refused or reset, an early EOF, a
 * byte that differs.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "async.h"

static long conns_n = 1, messages = 1000, size = 64, port = 8000;
static double duration; /* -d: seconds; 0 for a count of messages */
static double t_start, t_stop;
static long errors, done_tasks;

/* Every latency, in microseconds, for the percentiles. */
static uint32_t *lat;
static size_t lat_n, lat_cap;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void record(double seconds)
{
    if (lat_n == lat_cap) {
        size_t cap = lat_cap ? 2 * lat_cap : 1 << 16;
        uint32_t *p = realloc(lat, cap * sizeof *p);
        if (!p)
            return; /* the count still goes up; the percentiles see less */
        lat = p;
        lat_cap = cap;
    }
    lat[lat_n++] = (uint32_t)(seconds * 1e6);
}

/* ---- one connection ------------------------------------------------------ */

struct conn {
    struct task task;
    struct gen gen;
    int id, fd;
    long sent;             /* messages sent so far */
    size_t got;            /* bytes of the current echo received */
    double t0;             /* when the current message went out */
    union {
        struct sock_connect cx;
        struct sock_sendall tx;
        struct sock_recv rx;
    } sub;
    char *msg, *echo;      /* size bytes each */
};

static void fail(struct conn *c, const char *what, long err)
{
    fprintf(stderr, "client: connection %d: %s%s%s\n", c->id, what, err ? ": " : "",
            err ? strerror((int)err) : "");
    errors++;
}

/* A message that differs per connection and per round, NUL bytes included:
 * an echo from the wrong connection or round does not match. */
static void fill(struct conn *c)
{
    for (long i = 0; i < size; i++)
        c->msg[i] = (char)((i * 131 + c->id * 31 + c->sent * 7) & 0xff);
}

static int more(const struct conn *c)
{
    return duration > 0 ? now_s() < t_stop : c->sent < messages;
}

/* async def conn(): connect; while more: send, await the echo, check it. */
static int conn_main(struct task *t)
{
    struct conn *c = (struct conn *)t;
    async_begin(c);
    c->sub.cx = (struct sock_connect){.port = (int)port};
    await(c, sock_connect(t, &c->sub.cx));
    if (c->sub.cx.result < 0) {
        fail(c, "connect", -c->sub.cx.result);
        async_return(c);
    }
    c->fd = c->sub.cx.result;
    while (more(c)) {
        fill(c);
        c->t0 = now_s();
        c->sub.tx = (struct sock_sendall){.fd = c->fd, .buf = c->msg, .len = (size_t)size};
        await(c, sock_sendall(t, &c->sub.tx));
        if (c->sub.tx.result < 0) {
            fail(c, "send", -c->sub.tx.result);
            async_return(c);
        }
        for (c->got = 0; c->got < (size_t)size;) {
            c->sub.rx = (struct sock_recv){.fd = c->fd, .buf = c->echo + c->got,
                                           .len = (size_t)size - c->got};
            await(c, sock_recv(t, &c->sub.rx));
            if (c->sub.rx.result <= 0) {
                fail(c, c->sub.rx.result == 0 ? "the server closed the connection early" : "recv",
                     -c->sub.rx.result);
                async_return(c);
            }
            c->got += (size_t)c->sub.rx.result;
        }
        if (memcmp(c->msg, c->echo, (size_t)size) != 0) {
            fail(c, "the echo differs from what was sent", 0);
            async_return(c);
        }
        record(now_s() - c->t0);
        c->sent++;
    }
    async_end(c);
}

static void conn_done(struct task *t)
{
    struct conn *c = (struct conn *)t;
    if (c->fd >= 0)
        close(c->fd);
    done_tasks++;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *out, int status)
{
    fprintf(out,
            "usage: client [-c CONNECTIONS] [-n MESSAGES] [-s SIZE] [-d SECONDS] [PORT]\n"
            "\n"
            "Echo round trips against 127.0.0.1:PORT (default 8000), from one thread.\n"
            "  -c CONNECTIONS  connections open at once, each a task (default 1)\n"
            "  -n MESSAGES     round trips per connection (default 1000)\n"
            "  -s SIZE         bytes per message (default 64)\n"
            "  -d SECONDS      run for this long instead of -n messages\n"
            "Every byte of every echo is checked. Prints connections, round trips,\n"
            "round trips per second, p50/p99/max latency and errors; exits 1 on any\n"
            "error or mismatch, 2 on bad usage.\n");
    exit(status);
}

static long number(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s < '0' || *s > '9' || errno || *end || v < lo || v > hi)
        usage(stderr, 2);
    return v;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (lat_n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(lat_n - 1) + 0.5);
    return lat[i] / 1000.0;
}

int main(int argc, char **argv)
{
    int have_port = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            usage(stdout, 0);
        else if (!strcmp(a, "-c") && i + 1 < argc)
            conns_n = number(argv[++i], 1, 1000000);
        else if (!strcmp(a, "-n") && i + 1 < argc)
            messages = number(argv[++i], 1, 1000000000);
        else if (!strcmp(a, "-s") && i + 1 < argc)
            size = number(argv[++i], 1, 64 << 20);
        else if (!strcmp(a, "-d") && i + 1 < argc)
            duration = (double)number(argv[++i], 1, 3600);
        else if (a[0] != '-' && !have_port++)
            port = number(a, 1, 65535);
        else
            usage(stderr, 2);
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl; /* a descriptor per connection */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct loop *loop = loop_open();
    struct conn *cs = calloc((size_t)conns_n, sizeof *cs);
    char *bufs = malloc((size_t)conns_n * (size_t)size * 2);
    if (!loop || !cs || !bufs) {
        fprintf(stderr, "client: %s\n", strerror(errno));
        return 1;
    }
    sched_init(loop);
    t_start = now_s();
    t_stop = t_start + duration;
    for (long i = 0; i < conns_n; i++) {
        struct conn *c = &cs[i];
        c->id = (int)i;
        c->fd = -1;
        c->msg = bufs + (size_t)i * (size_t)size * 2;
        c->echo = c->msg + size;
        create_task(&c->task, conn_main, conn_done);
    }
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    int rc = async_run();
    double wall = now_s() - t_start;
    getrusage(RUSAGE_SELF, &r1);
    double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                 (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
                 (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                 (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    if (lat_n) /* qsort(NULL, 0, ...) is undefined */
        qsort(lat, lat_n, sizeof *lat, cmp_u32);
    printf("connections %ld, round trips %zu, %.0f per second, "
           "latency p50 %.3f ms p99 %.3f ms max %.3f ms, errors %ld\n",
           conns_n, lat_n, wall > 0 ? (double)lat_n / wall : 0.0, pct(0.50), pct(0.99),
           pct(1.0), errors + (rc < 0));
    /* On a small machine the client can be what sets the pace: say so. */
    if (wall > 0.5 && cpu / wall > 0.9)
        printf("note: the client used %.0f%% of a CPU: the figures may measure the client\n",
               100 * cpu / wall);
    loop_close(loop);
    free(cs);
    free(bufs);
    free(lat);
    return errors || rc < 0 ? 1 : 0;
}
