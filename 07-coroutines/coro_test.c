/*
 * coro_test: future.h, coro.h and the tasks alone, one case per run:
 * `coro_test CASE`. Prints what it saw; exits 1 on the first broken check.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
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
static int live; /* tasks not yet done: the last one stops the loop */
static char log_[256];

static void say(const char *fmt, long v)
{
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, fmt, v);
}

static void add(const char *s)
{
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, "%s", s);
}

/* A result as the tests print it: errors by name, the same everywhere. */
static void say_result(const char *what, long r)
{
    add(what);
    if (r == -ECANCELED)
        add("-ECANCELED");
    else if (r == -EBUSY)
        add("-EBUSY");
    else
        say("%ld", r);
}

/* Non-blocking, as the socket coroutines want them. */
static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK) == 0);
}

static void done(struct task *t)
{
    (void)t;
    if (--live == 0)
        coro_stop();
}

static void spawn(struct task *t, task_main_fn *main)
{
    live++;
    task_create(t, main, done, "test");
}

/* ---- futures alone ---------------------------------------------------- */

static void note(void *arg)
{
    add(arg);
}

/* Two callbacks, then the result: neither runs inside set_result, each
 * runs once, in the order added, from the loop. */
static void case_callbacks(void)
{
    struct future f;
    struct loop_callback a = {0}, b = {0};
    future_init(&f, loop, "f", -1);
    future_add_done_callback(&f, &b, note, "b");
    future_add_done_callback(&f, &a, note, "a");
    future_set_result(&f, 7);
    say("set %ld: ", future_result(&f));
    CHECK(loop_once(loop) == 0);
    add(" | again:");
    struct loop_timer tick = {0}; /* a turn in which they must not run again */
    loop_call_later(loop, &tick, 1, note, "");
    CHECK(loop_once(loop) == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "set 7: ba | again:") == 0);
}

/* A callback added once the future is done is scheduled, not lost, and
 * not run inline either. */
static void case_late_callback(void)
{
    struct future f;
    struct loop_callback a = {0};
    future_init(&f, loop, "f", -1);
    future_set_result(&f, 1);
    future_add_done_callback(&f, &a, note, "late");
    say("added: ", 0);
    CHECK(loop_once(loop) == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "added: late") == 0);
}

/* Cancelling runs the callbacks too; the result is -ECANCELED; a second
 * cancel, or a removed callback, changes nothing. */
static void case_cancel_future(void)
{
    struct future f;
    struct loop_callback a = {0}, b = {0};
    future_init(&f, loop, "f", -1);
    future_add_done_callback(&f, &a, note, "a");
    future_add_done_callback(&f, &b, note, "b");
    CHECK(future_remove_done_callback(&f, &b) == 1);
    CHECK(future_remove_done_callback(&f, &b) == 0);
    CHECK(future_cancel(&f) == 1);
    CHECK(future_cancel(&f) == 0);
    CHECK(future_done(&f) && future_cancelled(&f));
    CHECK(loop_once(loop) == 0);
    say_result(" result ", future_result(&f));
    printf("%s\n", log_);
    CHECK(strcmp(log_, "a result -ECANCELED") == 0);
}

/* ---- a task awaiting a future ----------------------------------------- */

struct waiter {
    struct task task;
    struct gen gen;
    struct future *fut;
    const char *sep; /* printed after its line: "" or ", " */
};

static int waiter_main(struct task *t)
{
    struct waiter *w = (struct waiter *)t;
    coro_begin(&w->gen);
    say("waits, ", 0);
    coro_await_future(&w->gen, w->fut);
    say_result("resumed with ", future_result(w->fut));
    add(w->sep);
    t->result = future_result(w->fut);
    coro_end(&w->gen);
}

static struct future *to_complete;
static struct loop_timer completer;
static void complete_it(void *arg)
{
    say("set, ", 0);
    future_set_result(to_complete, (long)(size_t)arg);
}

static void case_await_future(void)
{
    struct future f;
    struct waiter w = {.fut = &f, .sep = ""};
    future_init(&f, loop, "f", -1);
    spawn(&w.task, waiter_main);
    to_complete = &f;
    loop_call_later(loop, &completer, 1, complete_it, (void *)42);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "waits, set, resumed with 42") == 0);
    CHECK(future_result(&w.task.fut) == 42); /* the task's own future */
}

/* Two tasks await a third: both wake, with its result (a Task is a
 * future: any number may await it). */
struct middle {
    struct task task;
    struct gen gen;
    struct coro_sleep nap;
};

static int middle_main(struct task *t)
{
    struct middle *m = (struct middle *)t;
    coro_begin(&m->gen);
    m->nap = (struct coro_sleep){.ms = 5};
    coro_await(&m->gen, coro_sleep(&m->nap));
    say("third ends, ", 0);
    t->result = 99;
    coro_end(&m->gen);
}

static void case_two_awaiters(void)
{
    struct middle third = {0};
    spawn(&third.task, middle_main);
    struct waiter a = {.fut = &third.task.fut, .sep = ", "};
    struct waiter b = {.fut = &third.task.fut, .sep = ""};
    spawn(&a.task, waiter_main);
    spawn(&b.task, waiter_main);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "waits, waits, third ends, resumed with 99, resumed with 99") == 0);
}

/* A task whose future is cancelled while it waits sees -ECANCELED there. */
static struct future *to_cancel;
static void cancel_it(void *arg)
{
    (void)arg;
    say("cancel, ", 0);
    future_cancel(to_cancel);
}

static void case_cancel_waiting(void)
{
    struct future f;
    struct waiter w = {.fut = &f, .sep = ""};
    future_init(&f, loop, "f", -1);
    spawn(&w.task, waiter_main);
    to_cancel = &f;
    loop_call_later(loop, &completer, 1, cancel_it, NULL);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "waits, cancel, resumed with -ECANCELED") == 0);
}

/* A sleep is a future completed by a timer: completed early by someone
 * else, the sleep ends early, and its timer goes. */
struct sleeper {
    struct task task;
    struct gen gen;
    struct coro_sleep nap;
};

static int sleeper_main(struct task *t)
{
    struct sleeper *s = (struct sleeper *)t;
    coro_begin(&s->gen);
    coro_await(&s->gen, coro_sleep(&s->nap));
    say("%ld ", s->nap.ms);
    coro_end(&s->gen);
}

static struct sleeper long_nap = {.nap = {.ms = 60000}};
static void wake_early(void *arg)
{
    (void)arg;
    CHECK(current_task() == NULL);
    CHECK(long_nap.task.fut_waiter == &long_nap.nap.fut); /* it awaits the sleep's future */
    add(long_nap.task.fut_waiter->name);
    add(": ");
    future_set_result(&long_nap.nap.fut, 0);
}

static void case_sleep_future(void)
{
    spawn(&long_nap.task, sleeper_main);
    loop_call_later(loop, &completer, 1, wake_early, NULL);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "sleep: 60000 ") == 0);
    CHECK(long_nap.nap.timer.h.queue == NULL); /* no timer left behind */
}

static void case_sleep(void)
{
    struct sleeper s[3] = {{.nap = {.ms = 30}}, {.nap = {.ms = 10}}, {.nap = {.ms = 20}}};
    for (int i = 0; i < 3; i++)
        spawn(&s[i].task, sleeper_main);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "10 20 30 ") == 0);
}

/* ---- sockets: what comes back in is what the loop saw ------------------ */

struct reader {
    struct task task;
    struct gen gen;
    int fd;
    char buf[8];
    const char *sep;
    struct sock_recv rx;
};

static int reader_main(struct task *t)
{
    struct reader *r = (struct reader *)t;
    coro_begin(&r->gen);
    r->rx = (struct sock_recv){.fd = r->fd, .buf = r->buf, .len = sizeof r->buf};
    coro_await(&r->gen, sock_recv(&r->rx));
    say_result("read ", r->rx.result);
    add(r->sep);
    t->result = r->rx.result;
    coro_end(&r->gen);
}

static int wsv[2];
static void write_one(void *arg)
{
    (void)arg;
    CHECK(write(wsv[1], "xy", 2) == 2);
}

static void case_recv(void)
{
    pair(wsv);
    struct reader r = {.fd = wsv[0], .sep = ""};
    spawn(&r.task, reader_main);
    loop_call_later(loop, &completer, 1, write_one, NULL);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "read 2") == 0);
}

/* Two tasks reading one fd: the second is refused (asyncio: RuntimeError)
 * and the first still gets the byte. */
static void case_two_readers(void)
{
    pair(wsv);
    struct reader a = {.fd = wsv[0], .sep = ""}, b = {.fd = wsv[0], .sep = ", "};
    spawn(&a.task, reader_main);
    spawn(&b.task, reader_main);
    loop_call_later(loop, &completer, 1, write_one, NULL);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "read -EBUSY, read 2") == 0);
    CHECK(b.task.result == -EBUSY && a.task.result == 2);
}

/* A reader's future cancelled, and a byte arriving before the task has
 * run again: the loop's reader must leave both alone (the byte for the
 * next read), and the task sees -ECANCELED. */
static struct reader victim;
static void cancel_and_write(void *arg)
{
    (void)arg;
    CHECK(future_cancel(&victim.rx.fut) == 1);
    CHECK(write(wsv[1], "z", 1) == 1);
}

static void case_cancel_recv(void)
{
    pair(wsv);
    victim = (struct reader){.fd = wsv[0], .sep = ""};
    spawn(&victim.task, reader_main);
    loop_call_later(loop, &completer, 1, cancel_and_write, NULL);
    CHECK(coro_run() == 0);
    char c;
    CHECK(read(wsv[0], &c, 1) == 1 && c == 'z');
    add(", the byte still there");
    printf("%s\n", log_);
    CHECK(strcmp(log_, "read -ECANCELED, the byte still there") == 0);
}

/* Two tasks whose bytes are all there already: each recv() that does not
 * wait leaves the reader parked, so each task reads once per turn and the
 * two take turns. Read all at once, a client that keeps sending would keep
 * every other connection waiting. */
struct greedy {
    struct task task;
    struct gen gen;
    int fd, n;
    char c;
    struct sock_recv rx;
};

static int greedy_main(struct task *t)
{
    struct greedy *g = (struct greedy *)t;
    coro_begin(&g->gen);
    for (g->n = 0; g->n < 3; g->n++) {
        g->rx = (struct sock_recv){.fd = g->fd, .buf = &g->c, .len = 1};
        coro_await(&g->gen, sock_recv(&g->rx));
        CHECK(g->rx.result == 1);
        add((char[]){g->c, '\0'});
    }
    coro_end(&g->gen);
}

static void case_fair_recv(void)
{
    int sa[2], sb[2];
    pair(sa);
    pair(sb);
    CHECK(write(sa[1], "aaa", 3) == 3 && write(sb[1], "bbb", 3) == 3);
    struct greedy a = {.fd = sa[0]}, b = {.fd = sb[0]};
    spawn(&a.task, greedy_main);
    spawn(&b.task, greedy_main);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "ababab") == 0);
}

/* The fd's number taken over while a task still waits to resume: task A's
 * future is cancelled, A's fd closed, and a new socket gets its number,
 * on which task B then waits, all before A runs again. A's cleanup after
 * its await must touch only its own registration (asyncio compares its
 * Handle), or B's waits forever. A guard stops the loop after a second. */
static int fresh[2];
static struct loop_timer later_write, guard;

static void stop_waiting(void *arg)
{
    (void)arg;
    coro_stop();
}

static void write_fresh(void *arg)
{
    (void)arg;
    CHECK(write(fresh[1], "xy", 2) == 2);
}

static struct reader reader_a, reader_b;
static void reuse_for_reader(void *arg)
{
    (void)arg;
    int old = reader_a.fd;
    sock_close(old);
    pair(fresh);
    CHECK(fresh[0] == old);
    reader_b = (struct reader){.fd = fresh[0], .sep = ""};
    spawn(&reader_b.task, reader_main);             /* B steps first... */
    CHECK(future_cancel(&reader_a.rx.fut) == 1); /* ...then A resumes */
    loop_call_later(loop, &later_write, 5, write_fresh, NULL);
}

static void case_cancel_reuse_recv(void)
{
    pair(wsv);
    reader_a = (struct reader){.fd = wsv[0], .sep = ", "};
    spawn(&reader_a.task, reader_main);
    loop_call_later(loop, &completer, 1, reuse_for_reader, NULL);
    loop_call_later(loop, &guard, 1000, stop_waiting, NULL);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "read -ECANCELED, read 2") == 0);
}

/* The same with sock_sendall: a send too big for the socket's buffer waits
 * on a writer, and B's must survive A's cleanup. A reader on B's peer
 * drains what B sends. */
struct sender {
    struct task task;
    struct gen gen;
    const char *sep;
    struct sock_sendall tx;
};

static char big[1 << 20]; /* more than a socketpair's buffer holds */

static int sender_main(struct task *t)
{
    struct sender *s = (struct sender *)t;
    coro_begin(&s->gen);
    coro_await(&s->gen, sock_sendall(&s->tx));
    say_result("sent ", s->tx.result);
    add(s->sep);
    coro_end(&s->gen);
}

static void drain_fresh(void *arg)
{
    (void)arg;
    while (read(fresh[1], big, sizeof big) > 0)
        ;
}

static struct sender sender_a, sender_b;
static void reuse_for_sender(void *arg)
{
    (void)arg;
    int old = sender_a.tx.fd;
    sock_close(old);
    pair(fresh);
    CHECK(fresh[0] == old);
    sender_b = (struct sender){.sep = "", .tx = {.fd = fresh[0], .buf = big, .len = sizeof big}};
    spawn(&sender_b.task, sender_main);
    CHECK(future_cancel(&sender_a.tx.fut) == 1);
    CHECK(loop_add_reader(loop, fresh[1], drain_fresh, NULL) == 0);
}

static void case_cancel_reuse_sendall(void)
{
    pair(wsv);
    sender_a = (struct sender){.sep = ", ", .tx = {.fd = wsv[0], .buf = big, .len = sizeof big}};
    spawn(&sender_a.task, sender_main);
    loop_call_later(loop, &completer, 1, reuse_for_sender, NULL);
    loop_call_later(loop, &guard, 1000, stop_waiting, NULL);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "sent -ECANCELED, sent 0") == 0);
}

/* ---- three deep: top awaits mid, which awaits leaf, which awaits a future */

struct leaf { struct gen gen; struct future fut; long result; };
struct mid { struct gen gen; struct leaf leaf; long result; };
struct top {
    struct task task;
    struct gen gen;
    struct mid mid;
};

static int leaf_step(struct leaf *f)
{
    coro_begin(&f->gen);
    future_init(&f->fut, loop, "leaf", -1);
    to_complete = &f->fut;
    coro_await_future(&f->gen, &f->fut);
    f->result = future_result(&f->fut);
    say("leaf %ld, ", f->result);
    coro_end(&f->gen);
}

static int mid_step(struct mid *f)
{
    coro_begin(&f->gen);
    f->leaf = (struct leaf){.result = 0};
    coro_await(&f->gen, leaf_step(&f->leaf));
    f->result = f->leaf.result + 1;
    say("mid %ld, ", f->result);
    coro_end(&f->gen);
}

static int top_main(struct task *t)
{
    struct top *f = (struct top *)t;
    coro_begin(&f->gen);
    f->mid = (struct mid){.result = 0};
    coro_await(&f->gen, mid_step(&f->mid));
    CHECK(t->fut_waiter == NULL);
    say("top %ld", f->mid.result + 1);
    coro_end(&f->gen);
}

static void complete_leaf(void *arg)
{
    (void)arg;
    future_set_result(to_complete, 120);
}

static void case_nested(void)
{
    struct top top = {0};
    spawn(&top.task, top_main);
    loop_call_later(loop, &completer, 1, complete_leaf, NULL);
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "leaf 120, mid 121, top 122") == 0);
}

/* ---- one finishes while another waits --------------------------------- */

static int quick_main(struct task *t)
{
    struct waiter *w = (struct waiter *)t;
    coro_begin(&w->gen);
    say("quick ran, ", 0);
    coro_end(&w->gen);
}

static int done_count;
static void count_done(struct task *t)
{
    struct waiter *w = (struct waiter *)t;
    done_count++;
    say(gen_done(&w->gen) ? "finished %ld, " : "dropped %ld, ", done_count);
    if (gen_done(&w->gen))
        coro_stop();
}

static void case_finish(void)
{
    struct future never;
    future_init(&never, loop, "never", -1);
    struct waiter forever = {.fut = &never, .sep = ""}, quick = {0};
    task_create(&forever.task, waiter_main, count_done, "forever");
    task_create(&quick.task, quick_main, count_done, "quick");
    CHECK(coro_run() == 0);
    say("shutdown: ", 0);
    coro_shutdown();
    printf("%s\n", log_);
    CHECK(strcmp(log_, "waits, quick ran, finished 1, shutdown: dropped 2, ") == 0);
    CHECK(never.callbacks.head == NULL); /* its wakeup went with it */
}

/* ---- many interleaved, deterministically ------------------------------- */

#define RING 4
static int ring[RING][2];

struct member {
    struct task task;
    struct gen gen;
    int id, round;
    char c;
    struct sock_recv rx;
};

static int member_main(struct task *t)
{
    struct member *m = (struct member *)t;
    coro_begin(&m->gen);
    for (m->round = 0; m->round < 3; m->round++) {
        m->rx = (struct sock_recv){.fd = ring[m->id][0], .buf = &m->c, .len = 1};
        coro_await(&m->gen, sock_recv(&m->rx));
        CHECK(m->rx.result == 1);
        say("%ld", m->id);
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
    CHECK(coro_run() == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "012301230123") == 0);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"callbacks", case_callbacks},       {"late-callback", case_late_callback},
        {"cancel-future", case_cancel_future}, {"await-future", case_await_future},
        {"two-awaiters", case_two_awaiters}, {"cancel-waiting", case_cancel_waiting},
        {"sleep-future", case_sleep_future}, {"sleep", case_sleep},
        {"recv", case_recv},                 {"two-readers", case_two_readers},
        {"cancel-recv", case_cancel_recv},
        {"fair-recv", case_fair_recv},
        {"cancel-reuse-recv", case_cancel_reuse_recv},
        {"cancel-reuse-sendall", case_cancel_reuse_sendall},
        {"nested", case_nested},             {"finish", case_finish},
        {"interleave", case_interleave},
    };
    loop = loop_open();
    CHECK(loop != NULL);
    coro_init(loop);
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            coro_shutdown();
            loop_close(loop);
            return 0;
        }
    fprintf(stderr, "usage: coro_test CASE   (");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", cases[i].name);
    fprintf(stderr, ")\n");
    return 2;
}
