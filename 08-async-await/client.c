/*
 * 08-async-await: an async echo client, and the benchmark's load generator.
 *
 *   ./client [-c CONNECTIONS] [-n MESSAGES] [-s SIZE] [-d SECONDS] [PORT]
 *
 * Opens CONNECTIONS connections to 127.0.0.1:PORT from one thread, each a
 * task with a stream (asyncio.h's open_connection) that writes a SIZE-byte
 * message, reads exactly its echo back, checks every byte, records the
 * round trip's latency, and repeats: MESSAGES times, or for SECONDS when -d
 * is given. Then it prints connections, round trips, round trips per
 * second, p50/p99/max latency and errors, and exits 1 if anything went
 * wrong: a connection refused or reset, an early EOF, a byte that differs.
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

#include "asyncio.h"

static long conns_n = 1, messages = 1000, size = 64, port = 8000;
static double duration; /* -d: seconds; 0 for a count of messages */
static double t_start, t_stop;
static long errors;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- latencies: a log-bucket histogram ------------------------------------
 * Memory stays the same however long the run: below SUB ns each nanosecond
 * has its bucket, and above, each power of two is cut into SUB buckets, so
 * a bucket's width is at most 1/SUB (0.8%) of what it holds, and its middle
 * within 0.4% of any sample in it (HdrHistogram's scheme). An hour of
 * latencies fits in MAX_BUCKETS counts. */
#define SUB 128
#define MAX_BUCKETS (58 * SUB) /* up to 2^64 ns */

static uint64_t hist[MAX_BUCKETS], rt_n, lat_max;

static unsigned top_bit(uint64_t v)
{
    unsigned e = 0;
    while (v >> (e + 1))
        e++;
    return e;
}

static unsigned bucket_of(uint64_t ns)
{
    if (ns < SUB)
        return (unsigned)ns;
    unsigned e = top_bit(ns); /* >= 7: ns >> (e - 7) is in [SUB, 2 SUB) */
    return (e - 6) * SUB + (unsigned)((ns >> (e - 7)) - SUB);
}

/* The middle of bucket b, in ns. */
static double bucket_mid(unsigned b)
{
    if (b < SUB)
        return b;
    unsigned e = b / SUB + 6;
    double low = (double)((uint64_t)(b % SUB + SUB) << (e - 7));
    return low + (double)((uint64_t)1 << (e - 7)) / 2;
}

static void record(double seconds)
{
    uint64_t ns = (uint64_t)(seconds * 1e9);
    hist[bucket_of(ns)]++;
    rt_n++;
    if (ns > lat_max)
        lat_max = ns;
}

/* The p-th percentile in ms: the sample of rank p * (n - 1), rounded. */
static double pct(double p)
{
    if (rt_n == 0)
        return 0;
    uint64_t rank = (uint64_t)(p * (double)(rt_n - 1) + 0.5), seen = 0;
    for (unsigned b = 0; b < MAX_BUCKETS; b++)
        if ((seen += hist[b]) > rank)
            return bucket_mid(b) / 1e6;
    return (double)lat_max / 1e6;
}

/* ---- one connection ------------------------------------------------------ */

struct conn {
    struct task task;
    struct gen gen;
    int id;
    long sent;             /* messages sent so far */
    double t0;             /* when the current message went out */
    struct stream s;
    union {
        struct open_connection oc;
        struct stream_readexactly rx;
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

/* async def conn():
 *     reader, writer = await asyncio.open_connection("127.0.0.1", port)
 *     while more():
 *         writer.write(msg)
 *         echo = await reader.readexactly(len(msg))
 * No drain between them: the echo is read while the rest of the message
 * goes out, and reading it is the flow control. */
static coro conn_main(struct task *t)
{
    struct conn *c = (struct conn *)t;
    async_begin(c);
    c->sub.oc = (struct open_connection){.port = (int)port, .s = &c->s};
    await(c, open_connection(&c->sub.oc));
    if (c->sub.oc.result < 0) {
        fail(c, "connect", -c->sub.oc.result);
        async_return(c);
    }
    while (more(c)) {
        fill(c);
        c->t0 = now_s();
        stream_write(&c->s, c->msg, (size_t)size);
        c->sub.rx = (struct stream_readexactly){.s = &c->s, .buf = c->echo, .n = (size_t)size};
        await(c, stream_readexactly(&c->sub.rx));
        if (c->sub.rx.result < 0) {
            fail(c, c->sub.rx.result == -ENODATA ? "the server closed the connection early" : "recv",
                 c->sub.rx.result == -ENODATA ? 0 : -c->sub.rx.result);
            async_return(c);
        }
        if (memcmp(c->msg, c->echo, (size_t)size) != 0) {
            fail(c, "the echo differs from what was sent", 0);
            async_return(c);
        }
        record(now_s() - c->t0);
        c->sent++;
    }
    if (c->s.error) { /* the last write failed, though its echo came */
        fail(c, "send", -c->s.error);
        async_return(c);
    }
    async_end(c);
}

static void conn_done(struct task *t)
{
    stream_abort(&((struct conn *)t)->s);
}

/* async def main(): every connection a task, in a group. */
static struct main_frame {
    struct task task;
    struct gen gen;
    struct conn *cs;
    long i;
    struct taskgroup tg;
} m;

static coro main_main(struct task *t)
{
    struct main_frame *self = (struct main_frame *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        for (self->i = 0; self->i < conns_n; self->i++)
            taskgroup_create_task(&self->tg, &self->cs[self->i].task, conn_main, conn_done,
                                  "conn");
    } async_with_end(self, taskgroup, &self->tg);
    async_end(self);
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
    coro_init(loop);
    t_start = now_s();
    t_stop = t_start + duration;
    for (long i = 0; i < conns_n; i++) {
        struct conn *c = &cs[i];
        c->id = (int)i;
        stream_init(&c->s, -1);
        c->msg = bufs + (size_t)i * (size_t)size * 2;
        c->echo = c->msg + size;
    }
    m.cs = cs;
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    long rc = asyncio_run(&m.task, main_main, "main");
    double wall = now_s() - t_start;
    getrusage(RUSAGE_SELF, &r1);
    double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                 (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1e6 +
                 (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                 (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    printf("connections %ld, round trips %llu, %.0f per second, "
           "latency p50 %.3f ms p99 %.3f ms max %.3f ms, errors %ld\n",
           conns_n, (unsigned long long)rt_n, wall > 0 ? (double)rt_n / wall : 0.0, pct(0.50),
           pct(0.99), (double)lat_max / 1e6, errors + (rc < 0));
    /* On a small machine the client can be what sets the pace: say so. */
    if (wall > 0.5 && cpu / wall > 0.9)
        printf("note: the client used %.0f%% of a CPU: the figures may measure the client\n",
               100 * cpu / wall);
    loop_close(loop);
    free(cs);
    free(bufs);
    return errors || rc < 0 ? 1 : 0;
}
