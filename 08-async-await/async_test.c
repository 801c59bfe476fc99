/*
 * async_test: async.h alone, one case per run: `async_test CASE`. Prints
 * what it saw; exits 1 on the first broken check. Run under ASan by
 * `make SANITIZE=1 test`, which also catches a frame not freed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "async.h"

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "async_test: %s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static struct loop *loop;
static char log_[256];

static void say(const char *fmt, long v)
{
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, fmt, v);
}

static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- chain: await of an async function that awaits another ------------- */

struct add_one { struct gen gen; int fd; struct sock_recv rx; char c; long result; };
struct twice { struct gen gen; int fd; struct add_one inner; long result; };
struct chain { struct task task; struct gen gen; int fd; struct twice sub; };

/* async def add_one(fd): return (await recv(fd, 1))[0] + 1 */
static int add_one(struct task *t, struct add_one *self)
{
    async_begin(self);
    self->rx = (struct sock_recv){.fd = self->fd, .buf = &self->c, .len = 1};
    await(self, sock_recv(t, &self->rx));
    self->result = self->rx.result == 1 ? self->c + 1 : -1;
    async_end(self);
}

/* async def twice(fd): return 2 * await add_one(fd) */
static int twice(struct task *t, struct twice *self)
{
    async_begin(self);
    self->inner = (struct add_one){.fd = self->fd};
    await(self, add_one(t, &self->inner));
    self->result = 2 * self->inner.result;
    async_end(self);
}

static int chain_main(struct task *t)
{
    struct chain *self = (struct chain *)t;
    async_begin(self);
    self->sub = (struct twice){.fd = self->fd};
    await(self, twice(t, &self->sub));
    say("result %ld", self->sub.result);
    async_end(self);
}

static void case_chain(void)
{
    int sv[2];
    pair(sv);
    struct chain c = {.fd = sv[0]};
    create_task(&c.task, chain_main, NULL);
    CHECK(write(sv[1], "\x04", 1) == 1);
    CHECK(async_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "result 10") == 0);
}

/* ---- sleep and gather ------------------------------------------------------ */

struct sleeper { struct task task; struct gen gen; long ms; };

static int sleeper_main(struct task *t)
{
    struct sleeper *self = (struct sleeper *)t;
    async_begin(self);
    async_sleep(self, t, self->ms);
    if (t->sent == 0) /* not cancelled */
        say("%ld ", self->ms);
    async_end(self);
}

static void case_sleep(void)
{
    struct sleeper s[4] = {{.ms = 30}, {.ms = 10}, {.ms = 20}, {.ms = 10}};
    for (int i = 0; i < 4; i++)
        create_task(&s[i].task, sleeper_main, NULL);
    CHECK(async_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "10 10 20 30 ") == 0);
}

struct parent {
    struct task task;
    struct gen gen;
    struct sleeper kids[3];
    struct task *tasks[3];
    int i;
};

static int parent_main(struct task *t)
{
    struct parent *self = (struct parent *)t;
    static const long ms[3] = {30, 10, 20};
    async_begin(self);
    for (int k = 0; k < 3; k++) {
        self->kids[k] = (struct sleeper){.ms = ms[k]};
        self->tasks[k] = &self->kids[k].task;
        create_task(self->tasks[k], sleeper_main, NULL);
    }
    gather(self, t, self->tasks, 3, i);
    say("| gathered %ld", 3);
    async_end(self);
}

static void case_gather(void)
{
    struct parent p = {.gen = GEN_INIT};
    create_task(&p.task, parent_main, NULL);
    double t0 = now_ms();
    CHECK(async_run() == 0);
    double took = now_ms() - t0;
    printf("%s (%s)\n", log_, took < 60 ? "concurrently" : "one after another");
    CHECK(strcmp(log_, "10 20 30 | gathered 3") == 0);
    CHECK(took < 60); /* 30 ms, not 10 + 20 + 30 */
}

/* ---- wait_for -------------------------------------------------------------- */

struct reader {
    struct task task;
    struct gen gen;
    int fd;
    long timeout_ms;
    char c;
    struct sock_recv rx;
};

static int reader_main(struct task *t)
{
    struct reader *self = (struct reader *)t;
    async_begin(self);
    self->rx = (struct sock_recv){.fd = self->fd, .buf = &self->c, .len = 1};
    wait_for(self, t, self->timeout_ms, sock_recv(t, &self->rx));
    say(self->rx.result == -ETIMEDOUT ? "timed out" : "read %ld", self->rx.result);
    async_sleep(self, t, 2 * self->timeout_ms); /* the deadline must be gone */
    say(t->sent == 0 ? ", then slept" : ", then woken by %ld", t->sent);
    async_end(self);
}

struct writer { struct task task; struct gen gen; int fd; };

static int writer_main(struct task *t)
{
    struct writer *self = (struct writer *)t;
    async_begin(self);
    async_sleep(self, t, 10);
    CHECK(write(self->fd, "x", 1) == 1);
    async_end(self);
}

static void case_wait_for_timeout(void)
{
    int sv[2];
    pair(sv);
    struct reader r = {.fd = sv[0], .timeout_ms = 50};
    create_task(&r.task, reader_main, NULL);
    double t0 = now_ms();
    CHECK(async_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "timed out, then slept") == 0);
    CHECK(now_ms() - t0 >= 50 + 100);
}

static void case_wait_for_in_time(void)
{
    int sv[2];
    pair(sv);
    struct reader r = {.fd = sv[0], .timeout_ms = 100};
    struct writer w = {.fd = sv[1]};
    create_task(&r.task, reader_main, NULL);
    create_task(&w.task, writer_main, NULL);
    CHECK(async_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "read 1, then slept") == 0);
}

/* ---- cancellation frees everything --------------------------------------- */

#define MANY 100
static int freed;

struct victim {
    struct task task;
    struct gen gen;
    int fd[2];
    char *buf;
    struct sock_recv rx;
};

static int victim_main(struct task *t)
{
    struct victim *self = (struct victim *)t;
    async_begin(self);
    self->buf = malloc(4096);
    CHECK(self->buf);
    if (self->fd[0] % 2) { /* half wait to read, half sleep */
        self->rx = (struct sock_recv){.fd = self->fd[0], .buf = self->buf, .len = 4096};
        await(self, sock_recv(t, &self->rx));
        CHECK(self->rx.result == -ECANCELED);
    } else {
        async_sleep(self, t, 60000);
        CHECK(t->sent == -ECANCELED);
    }
    async_end(self);
}

static void victim_done(struct task *t)
{
    struct victim *self = (struct victim *)t;
    close(self->fd[0]);
    close(self->fd[1]);
    free(self->buf);
    free(self);
    freed++;
}

struct killer { struct task task; struct gen gen; };

static int killer_main(struct task *t)
{
    struct killer *self = (struct killer *)t;
    async_begin(self);
    async_sleep(self, t, 20);
    sched_cancel_all(); /* what SIGINT does */
    async_end(self);
}

static void case_cancel(void)
{
    for (int i = 0; i < MANY; i++) {
        struct victim *v = calloc(1, sizeof *v);
        CHECK(v);
        pair(v->fd);
        create_task(&v->task, victim_main, victim_done);
    }
    struct killer k = {.gen = GEN_INIT};
    create_task(&k.task, killer_main, NULL);
    CHECK(async_run() == 0);
    printf("cancelled %d, freed %d\n", MANY, freed);
    CHECK(freed == MANY);
}

/* Cancelling a task that gathers others cancels them too, and all end. */
struct canceller { struct task task; struct gen gen; struct task *victim; };

static int canceller_main(struct task *t)
{
    struct canceller *self = (struct canceller *)t;
    async_begin(self);
    async_sleep(self, t, 10);
    cancel(self->victim);
    async_end(self);
}

static int gatherer_main(struct task *t)
{
    struct parent *self = (struct parent *)t;
    static const long ms[2] = {200, 300};
    async_begin(self);
    for (int k = 0; k < 2; k++) {
        self->kids[k] = (struct sleeper){.ms = ms[k]};
        self->tasks[k] = &self->kids[k].task;
        create_task(self->tasks[k], sleeper_main, NULL);
    }
    gather(self, t, self->tasks, 2, i);
    say(t->cancelled ? "gather cancelled" : "gathered", 0);
    async_end(self);
}

static void case_cancel_gather(void)
{
    struct parent p = {.gen = GEN_INIT};
    struct canceller k = {.gen = GEN_INIT, .victim = &p.task};
    create_task(&p.task, gatherer_main, NULL);
    create_task(&k.task, canceller_main, NULL);
    double t0 = now_ms();
    CHECK(async_run() == 0);
    double took = now_ms() - t0;
    printf("%s, children: %s\n", log_,
           p.kids[0].task.finished && p.kids[1].task.finished ? "ended" : "left running");
    CHECK(strcmp(log_, "gather cancelled") == 0);
    CHECK(took < 150); /* not the children's 200 and 300 ms */
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"chain", case_chain},
        {"sleep", case_sleep},
        {"gather", case_gather},
        {"wait-for-timeout", case_wait_for_timeout},
        {"wait-for-in-time", case_wait_for_in_time},
        {"cancel", case_cancel},
        {"cancel-gather", case_cancel_gather},
    };
    loop = loop_open();
    CHECK(loop != NULL);
    sched_init(loop);
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            loop_close(loop);
            return 0;
        }
    fprintf(stderr, "usage: async_test CASE   (chain, sleep, gather, wait-for-timeout, "
                    "wait-for-in-time, cancel, cancel-gather)\n");
    return 2;
}
