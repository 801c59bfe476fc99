/*
 * coro_test: coro.h and the scheduler alone, one case per run:
 * `coro_test CASE`. Prints what it saw; exits 1 on the first broken check.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coro.h"

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "coro_test: %s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

static struct loop *loop;
static int live; /* tasks not yet done: the last one stops the scheduler */
static char log_[256];

static void say(const char *fmt, int v)
{
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, fmt, v);
}

static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

static void done(struct task *t)
{
    (void)t;
    if (--live == 0)
        sched_stop();
}

static void spawn(struct task *t, task_main_fn *main)
{
    live++;
    sched_spawn(t, main, done, "test");
}

/* ---- send: what the loop sends back in ----------------------------------- */

struct waiter {
    struct task task;
    struct gen gen;
    int fd;
};

static int waiter_main(struct task *t)
{
    struct waiter *w = (struct waiter *)t;
    char c;
    coro_begin(&w->gen);
    coro_wait_fd(&w->gen, t, w->fd, CORO_READ);
    say("woken with %d (read), ", t->sent);
    CHECK(read(w->fd, &c, 1) == 1);
    coro_wait_fd(&w->gen, t, w->fd, CORO_WRITE);
    say("then %d (write)", t->sent);
    coro_end(&w->gen);
}

static void case_send(void)
{
    int sv[2];
    pair(sv);
    struct waiter w = {.fd = sv[0]};
    spawn(&w.task, waiter_main);
    CHECK(write(sv[1], "x", 1) == 1);
    CHECK(sched_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "woken with 1 (read), then 2 (write)") == 0);
}

/* ---- three deep: top awaits mid, which awaits leaf, which waits ------- */

struct leaf { struct gen gen; int fd; int result; };
struct mid { struct gen gen; int fd; struct leaf leaf; int result; };
struct top {
    struct task task;
    struct gen gen;
    int fd;
    struct mid mid;
};

static int leaf_step(struct task *t, struct leaf *f)
{
    unsigned char c;
    coro_begin(&f->gen);
    coro_wait_fd(&f->gen, t, f->fd, CORO_READ);
    CHECK(read(f->fd, &c, 1) == 1);
    f->result = c;
    say("leaf %d, ", f->result);
    coro_end(&f->gen);
}

static int mid_step(struct task *t, struct mid *f)
{
    coro_begin(&f->gen);
    f->leaf = (struct leaf){.fd = f->fd};
    coro_await(&f->gen, leaf_step(t, &f->leaf));
    f->result = f->leaf.result + 1;
    say("mid %d, ", f->result);
    coro_end(&f->gen);
}

static int top_main(struct task *t)
{
    struct top *f = (struct top *)t;
    coro_begin(&f->gen);
    f->mid = (struct mid){.fd = f->fd};
    coro_await(&f->gen, mid_step(t, &f->mid));
    say("top %d", f->mid.result + 1);
    coro_end(&f->gen);
}

static void case_nested(void)
{
    int sv[2];
    pair(sv);
    struct top top = {.fd = sv[0]};
    spawn(&top.task, top_main);
    CHECK(write(sv[1], "x", 1) == 1);
    CHECK(sched_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "leaf 120, mid 121, top 122") == 0);
}

/* ---- one finishes while another waits -------------------------------- */

static int quick_main(struct task *t)
{
    struct waiter *w = (struct waiter *)t;
    coro_begin(&w->gen);
    say("quick ran, ", 0);
    coro_end(&w->gen);
}

static int forever_main(struct task *t)
{
    struct waiter *w = (struct waiter *)t;
    coro_begin(&w->gen);
    coro_wait_fd(&w->gen, t, w->fd, CORO_READ); /* nobody ever writes */
    say("forever woke, ", 0);
    coro_end(&w->gen);
}

static int done_count;
static void count_done(struct task *t)
{
    struct waiter *w = (struct waiter *)t;
    done_count++;
    say(gen_done(&w->gen) ? "finished %d, " : "cancelled %d, ", done_count);
    if (gen_done(&w->gen))
        sched_stop();
}

static void case_finish(void)
{
    int sv[2];
    pair(sv);
    struct waiter forever = {.fd = sv[0]}, quick = {.fd = -1};
    sched_spawn(&forever.task, forever_main, count_done, "forever");
    sched_spawn(&quick.task, quick_main, count_done, "quick");
    CHECK(sched_run() == 0);
    say("shutdown: ", 0);
    sched_shutdown();
    printf("%s\n", log_);
    CHECK(strcmp(log_, "quick ran, finished 1, shutdown: cancelled 2, ") == 0);
}

/* ---- many interleaved, deterministically ----------------------------- */

#define RING 4
static int ring[RING][2];

struct member {
    struct task task;
    struct gen gen;
    int id, round;
};

static int member_main(struct task *t)
{
    struct member *m = (struct member *)t;
    char c;
    coro_begin(&m->gen);
    for (m->round = 0; m->round < 3; m->round++) {
        coro_wait_fd(&m->gen, t, ring[m->id][0], CORO_READ);
        CHECK(read(ring[m->id][0], &c, 1) == 1);
        say("%d", m->id);
        CHECK(write(ring[(m->id + 1) % RING][1], "x", 1) == 1);
    }
    coro_end(&m->gen);
}

static void case_interleave(void)
{
    struct member m[RING];
    for (int i = 0; i < RING; i++) {
        pair(ring[i]);
        m[i] = (struct member){.id = i};
        spawn(&m[i].task, member_main);
    }
    CHECK(write(ring[0][1], "x", 1) == 1);
    CHECK(sched_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "012301230123") == 0);
}

/* ---- sleeps ------------------------------------------------------------ */

struct sleeper {
    struct task task;
    struct gen gen;
    int ms;
};

static int sleeper_main(struct task *t)
{
    struct sleeper *s = (struct sleeper *)t;
    coro_begin(&s->gen);
    coro_sleep(&s->gen, t, s->ms);
    say("%d ", s->ms);
    coro_end(&s->gen);
}

static void case_sleep(void)
{
    struct sleeper s[3] = {{.ms = 30}, {.ms = 10}, {.ms = 20}};
    for (int i = 0; i < 3; i++)
        spawn(&s[i].task, sleeper_main);
    CHECK(sched_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "10 20 30 ") == 0);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"send", case_send},           {"nested", case_nested},
        {"finish", case_finish},       {"interleave", case_interleave},
        {"sleep", case_sleep},
    };
    loop = loop_open();
    CHECK(loop != NULL);
    sched_init(loop);
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            sched_shutdown();
            loop_close(loop);
            return 0;
        }
    fprintf(stderr, "usage: coro_test CASE   (send, nested, finish, interleave, sleep)\n");
    return 2;
}
