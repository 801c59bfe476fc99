/*
 * async_test: async.h and asyncio.h alone, one case per run:
 * `async_test CASE`. Prints what it saw; exits 1 on the first broken
 * check. Checks are on order and results; the few on time are bounds a
 * broken version would miss by far (a 1 s sleep where 100 ms were due),
 * so a slow machine, ASan or valgrind cannot make them fail.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "asyncio.h"

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "async_test: %s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static char log_[1024];

static void add(const char *s)
{
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, "%s", s);
}

static void say(const char *fmt, long v)
{
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, fmt, v);
}

/* A result as the tests print it: errors by name, the same everywhere. */
static void result(long r)
{
    static const struct {
        long err;
        const char *name;
    } names[] = {{-ECANCELED, "ECANCELED"}, {-ETIMEDOUT, "ETIMEDOUT"}, {-EIO, "EIO"},
                 {-EBUSY, "EBUSY"},         {-EMSGSIZE, "EMSGSIZE"},   {-ENODATA, "ENODATA"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (r == names[i].err) {
            add(names[i].name);
            return;
        }
    say("%ld", r);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Every case runs one main task under asyncio_run(). */
static void run(struct task *main, task_main_fn *fn)
{
    long r = asyncio_run(main, fn, "main");
    CHECK(r >= 0 || r == -ECANCELED);
    printf("%s\n", log_);
}

/* A task that sleeps ms, logs "tag", and returns ret (or its error). */
struct sleeper {
    struct task task;
    struct gen gen;
    long ms, ret;
    const char *tag;
    struct coro_sleep nap;
};

static coro sleeper(struct task *t)
{
    struct sleeper *s = (struct sleeper *)t;
    async_begin(s);
    s->nap = (struct coro_sleep){.ms = s->ms};
    await(s, coro_sleep(&s->nap));
    if (s->nap.result < 0) {
        t->result = s->nap.result;
        async_return(s);
    }
    if (s->tag)
        add(s->tag);
    t->result = s->ret;
    async_end(s);
}

/* ---- chain: an async function awaiting one that awaits another ----------- */

struct leaf {
    struct gen gen;
    long result;
    struct coro_sleep nap;
};

static coro leaf(struct leaf *f)
{
    async_begin(f);
    f->nap = (struct coro_sleep){.ms = 1};
    await(f, coro_sleep(&f->nap));
    f->result = 4;
    async_end(f);
}

struct mid {
    struct gen gen;
    long result;
    struct leaf l;
};

static coro mid(struct mid *f)
{
    async_begin(f);
    f->l = (struct leaf){.result = 0};
    await(f, leaf(&f->l));
    f->result = f->l.result + 6;
    async_end(f);
}

static struct chain_main {
    struct task task;
    struct gen gen;
    struct mid m;
} cm;

static coro chain_main(struct task *t)
{
    struct chain_main *self = (struct chain_main *)t;
    async_begin(self);
    self->m = (struct mid){.result = 0};
    await(self, mid(&self->m));
    say("result %ld", self->m.result);
    async_end(self);
}

static void case_chain(void)
{
    run(&cm.task, chain_main);
    CHECK(strcmp(log_, "result 10") == 0);
}

/* ---- sleeps, in a TaskGroup ------------------------------------------------- */

static struct group_main {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct sleeper s[4];
    int i, n;
    struct coro_sleep nap;
} gm;

static coro group_main(struct task *t)
{
    struct group_main *self = (struct group_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        for (self->i = 0; self->i < self->n; self->i++)
            taskgroup_create_task(&self->tg, &self->s[self->i].task, sleeper, NULL, "sleeper");
        self->nap = (struct coro_sleep){.ms = 0};
        await(self, coro_sleep(&self->nap));
        add("body done, ");
    } async_with_end(self, taskgroup, &self->tg);
    add("| group: ");
    result(self->tg.result);
    async_end(self);
}

static void case_sleep(void)
{
    static const long ms[] = {30, 10, 20, 10};
    static const char *tags[] = {"30 ", "10a ", "20 ", "10b "};
    gm.n = 4;
    for (int i = 0; i < 4; i++)
        gm.s[i] = (struct sleeper){.ms = ms[i], .tag = tags[i]};
    run(&gm.task, group_main);
    CHECK(strcmp(log_, "body done, 10a 10b 20 30 | group: 0") == 0);
}

/* A TaskGroup: the first failure cancels the others and the body's await. */
static void case_taskgroup(void)
{
    gm.n = 3;
    gm.s[0] = (struct sleeper){.ms = 1000, .tag = "never "};
    gm.s[1] = (struct sleeper){.ms = 5, .ret = -EIO, .tag = "fails, "};
    gm.s[2] = (struct sleeper){.ms = 1, .ret = 7, .tag = "ok, "};
    double t0 = now_ms();
    run(&gm.task, group_main);
    double took = now_ms() - t0;
    printf("%.0f ms; results %ld %ld %ld\n", took, task_result(&gm.s[0].task),
           task_result(&gm.s[1].task), task_result(&gm.s[2].task));
    /* The body's await (a sleep of 0) was over before the failure: it ran
     * to its end, and the exit waited. */
    CHECK(strcmp(log_, "body done, ok, fails, | group: EIO") == 0);
    CHECK(task_result(&gm.s[0].task) == -ECANCELED && task_result(&gm.s[2].task) == 7);
    CHECK(took < 900);
}

/* The body is still awaiting when a task fails: the group cancels it. */
static struct body_main {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct sleeper fails, other;
    struct coro_sleep nap;
} bm;

static coro body_main(struct task *t)
{
    struct body_main *self = (struct body_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        taskgroup_create_task(&self->tg, &self->fails.task, sleeper, NULL, "fails");
        taskgroup_create_task(&self->tg, &self->other.task, sleeper, NULL, "other");
        self->nap = (struct coro_sleep){.ms = 5000};
        await(self, coro_sleep(&self->nap));
        add("body: ");
        result(self->nap.result);
    } async_with_end(self, taskgroup, &self->tg);
    add(", group: ");
    result(self->tg.result);
    add(", main cancelled: ");
    say("%ld", task_cancelling(t));
    async_end(self);
}

static void case_taskgroup_body(void)
{
    bm.fails = (struct sleeper){.ms = 5, .ret = -EIO};
    bm.other = (struct sleeper){.ms = 5000};
    run(&bm.task, body_main);
    CHECK(strcmp(log_, "body: ECANCELED, group: EIO, main cancelled: 0") == 0);
    CHECK(task_result(&bm.other.task) == -ECANCELED);
}

/* ---- gather -------------------------------------------------------------------- */

static struct gather_main {
    struct task task;
    struct gen gen;
    struct sleeper s[3];
    struct task *ts[3];
    struct gather g;
    struct taskgroup tg;
    struct coro_sleep nap;
} gam;

static coro gather_main(struct task *t)
{
    struct gather_main *self = (struct gather_main *)t;
    async_begin(self);
    for (int i = 0; i < 3; i++) {
        task_create(&self->s[i].task, sleeper, NULL, "child");
        self->ts[i] = &self->s[i].task;
    }
    self->g = (struct gather){.tasks = self->ts, .n = 3};
    await(self, gather(&self->g));
    add("| gathered: ");
    result(self->g.result);
    async_end(self);
}

/* Awaited in the order 30, 10, 20, they still end 10, 20, 30: they run
 * at once, whatever the order they are gathered in. */
static void case_gather(void)
{
    static const long ms[] = {30, 10, 20};
    static const char *tags[] = {"30 ", "10 ", "20 "};
    for (int i = 0; i < 3; i++)
        gam.s[i] = (struct sleeper){.ms = ms[i], .ret = ms[i], .tag = tags[i]};
    run(&gam.task, gather_main);
    CHECK(strcmp(log_, "10 20 30 | gathered: 0") == 0);
    CHECK(task_result(&gam.s[1].task) == 10);
}

/* The first failure: the others are cancelled, and that error is the result. */
static void case_gather_error(void)
{
    gam.s[0] = (struct sleeper){.ms = 50, .ret = 1, .tag = "A "};
    gam.s[1] = (struct sleeper){.ms = 5, .ret = -EIO, .tag = "B fails "};
    gam.s[2] = (struct sleeper){.ms = 1000, .ret = 3, .tag = "C "};
    run(&gam.task, gather_main);
    printf("children: %ld %ld %ld\n", task_result(&gam.s[0].task), task_result(&gam.s[1].task),
           task_result(&gam.s[2].task));
    CHECK(strcmp(log_, "B fails | gathered: EIO") == 0);
    CHECK(task_result(&gam.s[0].task) == -ECANCELED && task_result(&gam.s[2].task) == -ECANCELED);
}

/* Cancelling the task that awaits a gather cancels every child at once:
 * their 100 ms sleeps end with -ECANCELED, not 0. */
static struct cg_main {
    struct task task;
    struct gen gen;
    struct gather_main inner; /* its task gathers two sleepers */
    struct coro_sleep nap;
} cgm;

static coro cg_main(struct task *t)
{
    struct cg_main *self = (struct cg_main *)t;
    async_begin(self);
    task_create(&self->inner.task, gather_main, NULL, "gatherer");
    self->nap = (struct coro_sleep){.ms = 10};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->inner.task);
    await(self, &self->inner.task);
    async_end(self);
}

static void case_cancel_gather(void)
{
    for (int i = 0; i < 3; i++)
        cgm.inner.s[i] = (struct sleeper){.ms = 100, .ret = 1, .tag = "slept "};
    double t0 = now_ms();
    run(&cgm.task, cg_main);
    double took = now_ms() - t0;
    printf("%.0f ms; children %ld %ld %ld\n", took, task_result(&cgm.inner.s[0].task),
           task_result(&cgm.inner.s[1].task), task_result(&cgm.inner.s[2].task));
    CHECK(strcmp(log_, "| gathered: ECANCELED") == 0);
    for (int i = 0; i < 3; i++)
        CHECK(task_result(&cgm.inner.s[i].task) == -ECANCELED);
}

/* ---- awaiting tasks ------------------------------------------------------------- */

struct awaiter {
    struct task task;
    struct gen gen;
    struct task *other;
    const char *tag;
};

static coro awaiter(struct task *t)
{
    struct awaiter *a = (struct awaiter *)t;
    async_begin(a);
    await(a, a->other);
    add(a->tag);
    result(task_result(a->other));
    add(" ");
    async_end(a);
}

static struct many_main {
    struct task task;
    struct gen gen;
    struct sleeper target;
    struct awaiter a[3];
    struct taskgroup tg;
} mm;

static coro many_main(struct task *t)
{
    struct many_main *self = (struct many_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        taskgroup_create_task(&self->tg, &self->target.task, sleeper, NULL, "target");
        for (int i = 0; i < 3; i++)
            taskgroup_create_task(&self->tg, &self->a[i].task, awaiter, NULL, "awaiter");
    } async_with_end(self, taskgroup, &self->tg);
    async_end(self);
}

static void case_many_awaiters(void)
{
    static const char *tags[] = {"a:", "b:", "c:"};
    mm.target = (struct sleeper){.ms = 5, .ret = 42};
    for (int i = 0; i < 3; i++)
        mm.a[i] = (struct awaiter){.other = &mm.target.task, .tag = tags[i]};
    run(&mm.task, many_main);
    CHECK(strcmp(log_, "a:42 b:42 c:42 ") == 0);
}

/* shield: the awaiting task is cancelled; the shielded one goes on. */
static struct shield_main {
    struct task task;
    struct gen gen;
    struct sleeper inner;
    struct shielder {
        struct task task;
        struct gen gen;
        struct shield sh;
    } outer;
    struct coro_sleep nap;
} sm;

static coro shielder(struct task *t)
{
    struct shielder *s = (struct shielder *)t;
    async_begin(s);
    s->sh = (struct shield){.inner = &sm.inner.task};
    await(s, shield(&s->sh));
    add("outer: ");
    result(s->sh.result);
    t->result = s->sh.result;
    async_end(s);
}

static coro shield_main(struct task *t)
{
    struct shield_main *self = (struct shield_main *)t;
    async_begin(self);
    task_create(&self->inner.task, sleeper, NULL, "inner");
    task_create(&self->outer.task, shielder, NULL, "outer");
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->outer.task);
    await(self, &self->outer.task);
    add(", then ");
    await(self, &self->inner.task);
    add(", inner: ");
    result(task_result(&self->inner.task));
    async_end(self);
}

static void case_shield(void)
{
    sm.inner = (struct sleeper){.ms = 30, .ret = 5, .tag = "inner ends"};
    run(&sm.task, shield_main);
    CHECK(strcmp(log_, "outer: ECANCELED, then inner ends, inner: 5") == 0);
}

/* ---- cancellation, delivered once ------------------------------------------------ */

/* Cancelled in a 1 s sleep, it cleans up with a 50 ms sleep of its own,
 * which takes its time, and goes on to return 3: it was not cancelled. */
static struct cc_main {
    struct task task;
    struct gen gen;
    struct cleaner {
        struct task task;
        struct gen gen;
        int wakes;
        double t;
        struct coro_sleep nap;
    } c;
    struct coro_sleep nap;
} ccm;

static coro cleaner(struct task *t)
{
    struct cleaner *c = (struct cleaner *)t;
    async_begin(c);
    c->nap = (struct coro_sleep){.ms = 1000};
    await(c, coro_sleep(&c->nap));
    add("first: ");
    result(c->nap.result);
    c->t = now_ms();
    c->nap = (struct coro_sleep){.ms = 50};
    await(c, coro_sleep(&c->nap));
    add(", cleanup: ");
    result(c->nap.result);
    c->t = now_ms() - c->t;
    t->result = 3;
    async_end(c);
}

static coro cc_main(struct task *t)
{
    struct cc_main *self = (struct cc_main *)t;
    async_begin(self);
    task_create(&self->c.task, cleaner, NULL, "cleaner");
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));
    say(task_cancel(&self->c.task) ? "" : "cancel refused", 0);
    await(self, &self->c.task);
    add(", task: ");
    result(task_result(&self->c.task));
    say(", cancel when done: %ld", task_cancel(&self->c.task));
    async_end(self);
}

static void case_cancel_continue(void)
{
    run(&ccm.task, cc_main);
    printf("cleanup sleep took %.1f ms\n", ccm.c.t);
    CHECK(strcmp(log_, "first: ECANCELED, cleanup: 0, task: 3, cancel when done: 0") == 0);
    CHECK(ccm.c.t >= 49.0); /* a timer never fires early */
}

/* A task that retries after each cancellation: it wakes once per await,
 * never in a loop. Cancelled three times, it sleeps five times in all. */
static struct retry_main {
    struct task task;
    struct gen gen;
    struct retrier {
        struct task task;
        struct gen gen;
        int done, tries;
        struct coro_sleep nap;
    } r;
    int i;
    struct coro_sleep nap;
} rm;

static coro retrier(struct task *t)
{
    struct retrier *r = (struct retrier *)t;
    async_begin(r);
    while (r->done < 2 && r->tries < 1000) {
        r->tries++;
        r->nap = (struct coro_sleep){.ms = 20};
        await(r, coro_sleep(&r->nap));
        if (r->nap.result == 0)
            r->done++;
    }
    async_end(r);
}

static coro retry_main(struct task *t)
{
    struct retry_main *self = (struct retry_main *)t;
    async_begin(self);
    task_create(&self->r.task, retrier, NULL, "retrier");
    for (self->i = 0; self->i < 3; self->i++) {
        self->nap = (struct coro_sleep){.ms = 1};
        await(self, coro_sleep(&self->nap));
        task_cancel(&self->r.task);
    }
    await(self, &self->r.task);
    say("tries %ld", self->r.tries);
    async_end(self);
}

static void case_cancel_retry(void)
{
    run(&rm.task, retry_main);
    CHECK(strcmp(log_, "tries 5") == 0);
}

/* asyncio.run() cancels what main leaves behind; every task frees itself. */
static int freed;
struct forever {
    struct task task;
    struct gen gen;
    struct event_wait w;
};
static struct event never;

static coro forever(struct task *t)
{
    struct forever *f = (struct forever *)t;
    async_begin(f);
    f->w = (struct event_wait){.e = &never};
    await(f, event_wait(&f->w));
    t->result = f->w.result;
    async_end(f);
}

static void free_forever(struct task *t)
{
    freed += task_result(t) == -ECANCELED;
    free(t);
}

static struct leave_main {
    struct task task;
    struct gen gen;
    int i;
    struct coro_sleep nap;
} lm;

static coro leave_main(struct task *t)
{
    struct leave_main *self = (struct leave_main *)t;
    async_begin(self);
    for (self->i = 0; self->i < 100; self->i++) {
        struct forever *f = calloc(1, sizeof *f);
        CHECK(f != NULL);
        task_create(&f->task, forever, free_forever, "forever");
    }
    self->nap = (struct coro_sleep){.ms = 1};
    await(self, coro_sleep(&self->nap));
    async_end(self);
}

static void case_cancel(void)
{
    CHECK(asyncio_run(&lm.task, leave_main, "main") == 0);
    printf("cancelled and freed %d\n", freed);
    CHECK(freed == 100);
}

/* A second asyncio_run() after one that cancelled: nothing carries over. */
static void case_run_twice(void)
{
    CHECK(asyncio_run(&lm.task, leave_main, "main") == 0);
    CHECK(freed == 100);
    static struct sleeper fresh;
    fresh = (struct sleeper){.ms = 10, .ret = 9, .tag = "slept"};
    run(&fresh.task, sleeper);
    CHECK(strcmp(log_, "slept") == 0);
    CHECK(task_result(&fresh.task) == 9 && task_cancelling(&fresh.task) == 0);
}

/* ---- timeouts ------------------------------------------------------------------- */

static struct nest_main {
    struct task task;
    struct gen gen;
    long outer_ms, inner_ms, sleep_ms;
    struct timeout outer, inner;
    struct coro_sleep nap;
} nm;

/* async with timeout(outer): async with timeout(inner): sleep(sleep_ms),
 * then another sleep(sleep_ms) in the outer block. */
static coro nest_main(struct task *t)
{
    struct nest_main *self = (struct nest_main *)t;
    async_begin(self);
    async_with(self, timeout, &self->outer, self->outer_ms) {
        async_with(self, timeout, &self->inner, self->inner_ms) {
            self->nap = (struct coro_sleep){.ms = self->sleep_ms};
            await(self, coro_sleep(&self->nap));
            add("inner sleep: ");
            result(self->nap.result);
        } async_with_end(self, timeout, &self->inner);
        say(", inner expired %ld", timeout_expired(&self->inner));
        if (self->nap.result < 0 && !timeout_expired(&self->inner))
            break; /* not ours: the outer's cancel, passing through */
        self->nap = (struct coro_sleep){.ms = self->sleep_ms};
        await(self, coro_sleep(&self->nap));
        add(", outer sleep: ");
        result(self->nap.result);
    } async_with_end(self, timeout, &self->outer);
    say(", outer expired %ld", timeout_expired(&self->outer));
    say(", cancels left %ld", task_cancelling(t));
    async_end(self);
}

/* Outer 100 ms around an inner 1 s: it ends near 100 ms, not 1 s. */
static void case_timeout_outer(void)
{
    nm.outer_ms = 100, nm.inner_ms = 1000, nm.sleep_ms = 5000;
    double t0 = now_ms();
    run(&nm.task, nest_main);
    double took = now_ms() - t0;
    printf("took %.0f ms\n", took);
    CHECK(strcmp(log_, "inner sleep: ECANCELED, inner expired 0, outer expired 1, "
                       "cancels left 0") == 0);
    CHECK(took >= 99 && took < 900);
}

/* An inner 20 ms expires: only the inner block ends; the outer 300 ms
 * still fires, on time. */
static void case_timeout_inner(void)
{
    nm.outer_ms = 300, nm.inner_ms = 20, nm.sleep_ms = 1000;
    double t0 = now_ms();
    run(&nm.task, nest_main);
    double took = now_ms() - t0;
    printf("took %.0f ms\n", took);
    CHECK(strcmp(log_, "inner sleep: ECANCELED, inner expired 1, outer sleep: ECANCELED, "
                       "outer expired 1, cancels left 0") == 0);
    CHECK(took >= 299 && took < 900);
}

/* A block that ends before its deadline: nothing expired, nothing left. */
static void case_timeout_in_time(void)
{
    nm.outer_ms = 1000, nm.inner_ms = 500, nm.sleep_ms = 5;
    run(&nm.task, nest_main);
    CHECK(strcmp(log_, "inner sleep: 0, inner expired 0, outer sleep: 0, outer expired 0, "
                       "cancels left 0") == 0);
}

/* wait_for inside wait_for: an outer 100 ms around an inner 2 s (issue:
 * it used to end at 2.5 s). */
static struct wf_main {
    struct task task;
    struct gen gen;
    struct wf_task {
        struct task task;
        struct gen gen;
        struct sleeper s;
        struct wait_for wf;
    } inner;
    struct wait_for wf;
    struct coro_sleep nap;
} wfm;

static coro wf_task(struct task *t)
{
    struct wf_task *w = (struct wf_task *)t;
    async_begin(w);
    task_create(&w->s.task, sleeper, NULL, "sleeper");
    w->wf = (struct wait_for){.fut = &w->s.task.fut, .ms = 2000};
    await(w, wait_for(&w->wf));
    add("inner: ");
    result(w->wf.result);
    t->result = w->wf.result;
    await(w, &w->s.task); /* its frame is ours: let it end first */
    async_end(w);
}

static coro wf_main(struct task *t)
{
    struct wf_main *self = (struct wf_main *)t;
    async_begin(self);
    task_create(&self->inner.task, wf_task, NULL, "wf");
    self->wf = (struct wait_for){.fut = &self->inner.task.fut, .ms = 100};
    await(self, wait_for(&self->wf));
    add(", outer: ");
    result(self->wf.result);
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));
    add(", then slept: ");
    result(self->nap.result);
    async_end(self);
}

static void case_wait_for_nested(void)
{
    wfm.inner.s = (struct sleeper){.ms = 5000};
    double t0 = now_ms();
    run(&wfm.task, wf_main);
    double took = now_ms() - t0;
    printf("took %.0f ms\n", took);
    CHECK(strcmp(log_, "inner: ECANCELED, outer: ETIMEDOUT, then slept: 0") == 0);
    CHECK(took >= 99 && took < 1500);
}

static void case_wait_for_in_time(void)
{
    wfm.inner.s = (struct sleeper){.ms = 5, .ret = 7};
    wfm.inner.wf.ms = 2000;
    run(&wfm.task, wf_main);
    CHECK(strcmp(log_, "inner: 7, outer: 7, then slept: 0") == 0);
}

/* ---- async with: the exit runs on every way out ------------------------------------ */

struct logcm {
    const char *name;
};

static coro logcm_enter(struct logcm *c, const char *name)
{
    c->name = name;
    add("enter ");
    return CORO_DONE;
}

static int logcm_entered(const struct logcm *c)
{
    (void)c;
    return 1;
}

static coro logcm_exit(struct logcm *c)
{
    add("exit ");
    add(c->name);
    add(" | ");
    return CORO_DONE;
}

static struct with_main {
    struct task task;
    struct gen gen;
    struct logcm cm;
    struct timeout tmo;
    struct coro_sleep nap;
    struct victim {
        struct task task;
        struct gen gen;
        struct logcm cm;
        struct coro_sleep nap;
    } v;
} wm;

static coro victim(struct task *t)
{
    struct victim *v = (struct victim *)t;
    async_begin(v);
    async_with(v, logcm, &v->cm, "(cancelled)") {
        v->nap = (struct coro_sleep){.ms = 5000};
        await(v, coro_sleep(&v->nap));
        if (v->nap.result < 0)
            break;
        add("never ");
    } async_with_end(v, logcm, &v->cm);
    async_end(v);
}

static coro with_main(struct task *t)
{
    struct with_main *self = (struct with_main *)t;
    async_begin(self);
    /* an error result: break */
    async_with(self, logcm, &self->cm, "(error)") {
        if (-EIO < 0)
            break;
        add("never ");
    } async_with_end(self, logcm, &self->cm);
    /* a timeout */
    async_with(self, timeout, &self->tmo, 10) {
        async_with(self, logcm, &self->cm, "(timeout)") {
            self->nap = (struct coro_sleep){.ms = 5000};
            await(self, coro_sleep(&self->nap));
            if (self->nap.result < 0)
                break;
            add("never ");
        } async_with_end(self, logcm, &self->cm);
    } async_with_end(self, timeout, &self->tmo);
    /* a cancellation */
    task_create(&self->v.task, victim, NULL, "victim");
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->v.task);
    await(self, &self->v.task);
    /* the end of the block, with continue on the way */
    async_with(self, logcm, &self->cm, "(end)") {
        if (0 == 1)
            continue;
        add("body ");
    } async_with_end(self, logcm, &self->cm);
    async_end(self);
}

static void case_with_exit(void)
{
    run(&wm.task, with_main);
    CHECK(strcmp(log_, "enter exit (error) | enter exit (timeout) | enter exit (cancelled) | "
                       "enter body exit (end) | ") == 0);
}

/* ---- async for, and an async generator -------------------------------------------- */

struct counter { /* async def counter(n): for i in 1..n: await sleep(1); yield i */
    struct gen gen;
    int n, i;
    struct coro_sleep nap;
};

static agen counter(struct counter *f)
{
    async_gen_begin(f);
    for (f->i = 1; f->i <= f->n; f->i++) {
        f->nap = (struct coro_sleep){.ms = 1};
        await(f, coro_sleep(&f->nap));
        async_yield(f);
    }
    async_gen_end(f);
}

static struct for_main {
    struct task task;
    struct gen gen;
    struct counter c;
} fm;

static coro for_main(struct task *t)
{
    struct for_main *self = (struct for_main *)t;
    async_begin(self);
    self->c = (struct counter){.n = 10};
    async_for(self, counter(&self->c)) { /* async for i in counter(10): */
        if (self->c.i % 2 == 0)
            continue;
        say("%ld ", self->c.i);
        if (self->c.i == 7)
            break;
    }
    add("| again: ");
    self->c = (struct counter){.n = 3};
    async_for(self, counter(&self->c))
        say("%ld ", self->c.i);
    add("end");
    async_end(self);
}

static void case_async_for(void)
{
    run(&fm.task, for_main);
    CHECK(strcmp(log_, "1 3 5 7 | again: 1 2 3 end") == 0);
}

/* ---- Event, Lock, Semaphore, Queue ---------------------------------------------------- */

static struct lock mutex;
static struct semaphore sem;
static int inside, most_inside;

struct locker {
    struct task task;
    struct gen gen;
    const char *tag;
    struct lock_acquire acq;
    struct sem_acquire sa;
    struct coro_sleep nap;
};

static coro locker(struct task *t)
{
    struct locker *l = (struct locker *)t;
    async_begin(l);
    async_with(l, lock, &l->acq, &mutex) {
        add(l->tag);
        l->nap = (struct coro_sleep){.ms = 1};
        await(l, coro_sleep(&l->nap));
    } async_with_end(l, lock, &l->acq);
    async_end(l);
}

static coro sem_user(struct task *t)
{
    struct locker *l = (struct locker *)t;
    async_begin(l);
    async_with(l, semaphore, &l->sa, &sem) {
        if (++inside > most_inside)
            most_inside = inside;
        l->nap = (struct coro_sleep){.ms = 2};
        await(l, coro_sleep(&l->nap));
        inside--;
    } async_with_end(l, semaphore, &l->sa);
    async_end(l);
}

static struct lock_main {
    struct task task;
    struct gen gen;
    struct lock_acquire acq;
    struct locker l[5];
    struct taskgroup tg;
    struct coro_sleep nap;
    int i;
} lkm;

static coro lock_main(struct task *t)
{
    static const char *tags[] = {"A ", "B ", "C ", "D "};
    struct lock_main *self = (struct lock_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        self->acq = (struct lock_acquire){.lock = &mutex};
        await(self, lock_acquire(&self->acq)); /* main holds it first */
        for (self->i = 0; self->i < 3; self->i++) {
            self->l[self->i] = (struct locker){.tag = tags[self->i]};
            taskgroup_create_task(&self->tg, &self->l[self->i].task, locker, NULL, "locker");
        }
        self->nap = (struct coro_sleep){.ms = 5};
        await(self, coro_sleep(&self->nap)); /* A, B, C queue up, in order */
        lock_release(&mutex);
        /* D asks while the lock changes hands: it goes after C */
        self->l[3] = (struct locker){.tag = tags[3]};
        taskgroup_create_task(&self->tg, &self->l[3].task, locker, NULL, "locker");
    } async_with_end(self, taskgroup, &self->tg);
    add("| semaphore(2): ");
    async_with(self, taskgroup, &self->tg) {
        for (self->i = 0; self->i < 5; self->i++) {
            self->l[self->i] = (struct locker){.tag = ""};
            taskgroup_create_task(&self->tg, &self->l[self->i].task, sem_user, NULL, "sem");
        }
    } async_with_end(self, taskgroup, &self->tg);
    say("at most %ld at once", most_inside);
    async_end(self);
}

static void case_lock(void)
{
    sem.value = 2;
    run(&lkm.task, lock_main);
    CHECK(strcmp(log_, "A B C D | semaphore(2): at most 2 at once") == 0);
    CHECK(!mutex.locked && sem.value == 2);
}

/* Event: every waiter wakes on set(); a wait on a set event does not wait. */
static struct event ev;
static struct ev_main {
    struct task task;
    struct gen gen;
    struct evw {
        struct task task;
        struct gen gen;
        struct event_wait w;
    } w[3];
    struct taskgroup tg;
    struct event_wait w0;
    struct coro_sleep nap;
    int i;
} evm;

static coro ev_waiter(struct task *t)
{
    struct evw *w = (struct evw *)t;
    async_begin(w);
    w->w = (struct event_wait){.e = &ev};
    await(w, event_wait(&w->w));
    add("woke ");
    async_end(w);
}

static coro ev_main(struct task *t)
{
    struct ev_main *self = (struct ev_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        for (self->i = 0; self->i < 3; self->i++)
            taskgroup_create_task(&self->tg, &self->w[self->i].task, ev_waiter, NULL, "waiter");
        self->nap = (struct coro_sleep){.ms = 2};
        await(self, coro_sleep(&self->nap));
        add("set: ");
        event_set(&ev);
    } async_with_end(self, taskgroup, &self->tg);
    self->w0 = (struct event_wait){.e = &ev};
    await(self, event_wait(&self->w0));
    add("| set already");
    async_end(self);
}

static void case_event(void)
{
    run(&evm.task, ev_main);
    CHECK(strcmp(log_, "set: woke woke woke | set already") == 0);
}

/* A bounded Queue: put waits while it is full, until a get makes room. */
static void *slots[2];
static struct queue q;
static struct q_main {
    struct task task;
    struct gen gen;
    struct producer {
        struct task task;
        struct gen gen;
        long i;
        struct queue_put put;
    } p;
    struct consumer {
        struct task task;
        struct gen gen;
        long i;
        struct coro_sleep nap;
        struct queue_get get;
    } c;
    struct taskgroup tg;
} qm;

static coro producer(struct task *t)
{
    struct producer *p = (struct producer *)t;
    async_begin(p);
    for (p->i = 1; p->i <= 5; p->i++) {
        p->put = (struct queue_put){.q = &q, .item = (void *)p->i};
        await(p, queue_put(&p->put));
        say("put %ld ", p->i);
        CHECK(q.len <= 2);
    }
    async_end(p);
}

static coro consumer(struct task *t)
{
    struct consumer *c = (struct consumer *)t;
    async_begin(c);
    c->nap = (struct coro_sleep){.ms = 10}; /* meanwhile the producer fills it */
    await(c, coro_sleep(&c->nap));
    add("| ");
    for (c->i = 1; c->i <= 5; c->i++) {
        c->get = (struct queue_get){.q = &q};
        await(c, queue_get(&c->get));
        say("get %ld ", (long)c->get.item);
    }
    async_end(c);
}

static coro q_main(struct task *t)
{
    struct q_main *self = (struct q_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        taskgroup_create_task(&self->tg, &self->p.task, producer, NULL, "producer");
        taskgroup_create_task(&self->tg, &self->c.task, consumer, NULL, "consumer");
    } async_with_end(self, taskgroup, &self->tg);
    async_end(self);
}

static void case_queue(void)
{
    queue_init(&q, slots, 2);
    run(&qm.task, q_main);
    /* Two fit; the third put waits for the first get. */
    CHECK(strncmp(log_, "put 1 put 2 | get 1 ", 20) == 0);
    CHECK(strstr(log_, "get 5 ") != NULL && strstr(log_, "put 5 ") != NULL);
}

/* ---- streams --------------------------------------------------------------------- */

static int sv[2];

static void pair(void)
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK) == 0);
}

static struct stream st;
static struct rl_main {
    struct task task;
    struct gen gen;
    char buf[16];
    struct stream_readline rl;
    struct stream_readexactly rx;
} rlm;

static coro rl_main(struct task *t)
{
    struct rl_main *self = (struct rl_main *)t;
    async_begin(self);
    for (;;) {
        self->rl = (struct stream_readline){.s = &st, .buf = self->buf, .limit = sizeof self->buf};
        await(self, stream_readline(&self->rl));
        if (self->rl.result > 0) {
            int len = (int)self->rl.result - (self->buf[self->rl.result - 1] == '\n');
            size_t n = strlen(log_);
            snprintf(log_ + n, sizeof log_ - n, "[%.*s] ", len, self->buf);
        } else {
            result(self->rl.result);
            add(" ");
        }
        if (self->rl.result == 0 || stream_at_eof(&st))
            break;
    }
    add("| at eof: ");
    say("%ld", stream_at_eof(&st));
    self->rx = (struct stream_readexactly){.s = &st, .buf = self->buf, .n = 4};
    await(self, stream_readexactly(&self->rx));
    add(", readexactly: ");
    result(self->rx.result);
    async_end(self);
}

/* readline: a line; then one longer than the limit: -EMSGSIZE, its first
 * 16 bytes dropped, and the rest comes as the next line; then a last line
 * without '\n', at EOF. */
static void case_readline(void)
{
    pair();
    static const char data[] = "hello\nthis line is far too long\nok\nend";
    CHECK(write(sv[1], data, sizeof data - 1) == (ssize_t)(sizeof data - 1));
    shutdown(sv[1], SHUT_WR);
    stream_init(&st, sv[0]);
    run(&rlm.task, rl_main);
    stream_abort(&st);
    close(sv[1]);
    CHECK(strcmp(log_, "[hello] EMSGSIZE [ too long] [ok] [end] | at eof: 1, readexactly: ENODATA") ==
          0);
}

/* drain at the high-water mark: write() never waits; drain() waits until
 * the peer has taken enough; two readers of one stream: -EBUSY. */
#define BIG (4 * STREAM_HIGH)
static char big[BIG], sink[BIG];
static size_t sunk;
static struct loop_timer drain_timer;

static void read_some(void *arg)
{
    (void)arg;
    ssize_t n;
    while ((n = read(sv[1], sink, sizeof sink)) > 0)
        sunk += (size_t)n;
    if (sunk < BIG)
        loop_call_later(coro_loop(), &drain_timer, 1, read_some, NULL);
}

static struct dr_main {
    struct task task;
    struct gen gen;
    double t;
    struct stream_drain dr;
    struct reader2 {
        struct task task;
        struct gen gen;
        char c;
        struct stream_read rd;
    } r[2];
} drm;

static coro reader2(struct task *t)
{
    struct reader2 *r = (struct reader2 *)t;
    async_begin(r);
    r->rd = (struct stream_read){.s = &st, .buf = &r->c, .n = 1};
    await(r, stream_read(&r->rd));
    t->result = r->rd.result;
    async_end(r);
}

static coro dr_main(struct task *t)
{
    struct dr_main *self = (struct dr_main *)t;
    async_begin(self);
    stream_write(&st, big, sizeof big);
    say("written, kept %ld; ", (long)(st.wlen - st.woff) > STREAM_HIGH ? 1 : 0);
    self->t = now_ms();
    loop_call_later(coro_loop(), &drain_timer, 20, read_some, NULL);
    self->dr = (struct stream_drain){.s = &st};
    await(self, stream_drain(&self->dr));
    self->t = now_ms() - self->t;
    add("drained: ");
    result(self->dr.result);
    say(", kept <= low %ld", st.wlen - st.woff <= STREAM_LOW);
    /* Not in a TaskGroup: the second one's failure would cancel the first. */
    task_create(&self->r[0].task, reader2, NULL, "reader");
    task_create(&self->r[1].task, reader2, NULL, "reader");
    await(self, &self->r[0].task);
    await(self, &self->r[1].task);
    add("; second reader: ");
    result(task_result(&self->r[1].task));
    async_end(self);
}

static void case_drain(void)
{
    pair();
    int small = 4096; /* so that the socket takes little, whatever the system's defaults */
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)i;
    stream_init(&st, sv[0]);
    /* the first reader gets a byte once the second has been refused */
    static const char x = 'x';
    CHECK(write(sv[1], &x, 1) == 1);
    run(&drm.task, dr_main);
    printf("drain waited %.1f ms\n", drm.t);
    loop_cancel(coro_loop(), &drain_timer);
    stream_abort(&st);
    close(sv[1]);
    CHECK(strcmp(log_, "written, kept 1; drained: 0, kept <= low 1; second reader: EBUSY") == 0);
    CHECK(drm.t >= 19.0);
    CHECK(task_result(&drm.r[0].task) == 1);
}

/* A reader cancelled, and a byte arriving before it has run again: the
 * byte is left for the next read. */
static struct cr_main {
    struct task task;
    struct gen gen;
    struct reader2 r;
    struct stream_read rd;
    char c;
} crm;
static struct loop_timer cr_timer;

static void cancel_reader(void *arg)
{
    (void)arg;
    CHECK(task_cancel(&crm.r.task) == 1);
    CHECK(write(sv[1], "z", 1) == 1);
}

static coro cr_main(struct task *t)
{
    struct cr_main *self = (struct cr_main *)t;
    async_begin(self);
    task_create(&self->r.task, reader2, NULL, "reader");
    loop_call_later(coro_loop(), &cr_timer, 1, cancel_reader, NULL);
    await(self, &self->r.task);
    add("reader: ");
    result(task_result(&self->r.task));
    self->rd = (struct stream_read){.s = &st, .buf = &self->c, .n = 1};
    await(self, stream_read(&self->rd));
    say(", next read: %ld byte ", self->rd.result);
    say("%c", self->c);
    async_end(self);
}

static void case_cancel_read(void)
{
    pair();
    stream_init(&st, sv[0]);
    run(&crm.task, cr_main);
    stream_abort(&st);
    close(sv[1]);
    CHECK(strcmp(log_, "reader: ECANCELED, next read: 1 byte z") == 0);
}

/* A drainer cancelled as the peer makes room: the writer must leave its
 * future alone (it is done), and the task sees -ECANCELED. */
static struct cd_main {
    struct task task;
    struct gen gen;
    struct drainer {
        struct task task;
        struct gen gen;
        struct stream_drain dr;
    } d;
} cdm;

static coro drainer(struct task *t)
{
    struct drainer *d = (struct drainer *)t;
    async_begin(d);
    /* The socket full first, then more than the high-water mark kept:
     * once the peer takes all, one writable event sends all that is kept,
     * and would complete the drainer's future. */
    while (write(sv[0], sink, sizeof sink) > 0)
        ;
    stream_write(&st, big, STREAM_HIGH + 4096);
    CHECK(st.wlen - st.woff > STREAM_HIGH);
    d->dr = (struct stream_drain){.s = &st};
    await(d, stream_drain(&d->dr));
    t->result = d->dr.result;
    async_end(d);
}

static void cancel_drainer(void *arg)
{
    (void)arg;
    CHECK(task_cancel(&cdm.d.task) == 1);
    while (read(sv[1], sink, sizeof sink) > 0) /* room, all at once */
        ;
}

static coro cd_main(struct task *t)
{
    struct cd_main *self = (struct cd_main *)t;
    async_begin(self);
    task_create(&self->d.task, drainer, NULL, "drainer");
    loop_call_later(coro_loop(), &drain_timer, 5, cancel_drainer, NULL);
    await(self, &self->d.task);
    add("drainer: ");
    result(task_result(&self->d.task));
    async_end(self);
}

static void case_cancel_drain(void)
{
    pair();
    stream_init(&st, sv[0]);
    run(&cdm.task, cd_main);
    stream_abort(&st);
    close(sv[1]);
    CHECK(strcmp(log_, "drainer: ECANCELED") == 0);
}

/* async with a lock whose wait is cancelled: the block does not run (the
 * lock was never had), the exit gives nothing back. */
static struct lc_main {
    struct task task;
    struct gen gen;
    struct lock_acquire acq;
    struct locker l;
    struct coro_sleep nap;
} lcm;

static coro lc_main(struct task *t)
{
    struct lc_main *self = (struct lc_main *)t;
    async_begin(self);
    self->acq = (struct lock_acquire){.lock = &mutex};
    await(self, lock_acquire(&self->acq));
    self->l = (struct locker){.tag = "the block ran "};
    task_create(&self->l.task, locker, NULL, "locker");
    self->nap = (struct coro_sleep){.ms = 2};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->l.task);
    await(self, &self->l.task);
    add("locker ended; ");
    say("held by main still %ld", mutex.locked);
    lock_release(&mutex);
    async_end(self);
}

static void case_lock_cancel(void)
{
    run(&lcm.task, lc_main);
    CHECK(strcmp(log_, "locker ended; held by main still 1") == 0);
    CHECK(!mutex.locked);
}

/* ---- the @types.coroutine layer used directly: loop.sock_*() ------------- */

/* As asyncio's loop.sock_accept/sock_connect/sock_sendall/sock_recv: a
 * listener on an ephemeral port, a task that connects and sends, one that
 * accepts and reads it back. */
static int lfd = -1, lport;
static struct sk_main {
    struct task task;
    struct gen gen;
    struct sk_client {
        struct task task;
        struct gen gen;
        struct sock_connect cx;
        struct sock_sendall tx;
    } cl;
    struct sock_accept ac;
    struct sock_recv rx;
    char buf[16];
    size_t got;
} skm;

static coro sk_client(struct task *t)
{
    struct sk_client *c = (struct sk_client *)t;
    async_begin(c);
    c->cx = (struct sock_connect){.port = lport};
    await(c, sock_connect(&c->cx));
    CHECK(c->cx.result >= 0);
    c->tx = (struct sock_sendall){.fd = c->cx.result, .buf = "hello", .len = 5};
    await(c, sock_sendall(&c->tx));
    t->result = c->tx.result;
    sock_close(c->cx.result);
    async_end(c);
}

static coro sk_main(struct task *t)
{
    struct sk_main *self = (struct sk_main *)t;
    async_begin(self);
    task_create(&self->cl.task, sk_client, NULL, "client");
    self->ac = (struct sock_accept){.fd = lfd};
    await(self, sock_accept(&self->ac));
    CHECK(self->ac.result >= 0);
    CHECK(fcntl(self->ac.result, F_SETFL, O_NONBLOCK) == 0);
    for (self->got = 0;;) { /* to the end of file */
        self->rx = (struct sock_recv){.fd = self->ac.result, .buf = self->buf + self->got,
                                      .len = sizeof self->buf - self->got};
        await(self, sock_recv(&self->rx));
        if (self->rx.result <= 0)
            break;
        self->got += (size_t)self->rx.result;
    }
    sock_close(self->ac.result);
    await(self, &self->cl.task);
    say("accepted, read %ld bytes: ", (long)self->got);
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, "%.*s, then EOF; sent: ", (int)self->got, self->buf);
    result(task_result(&self->cl.task));
    async_end(self);
}

static void case_sock(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(lfd, 8) == 0);
    CHECK(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0);
    CHECK(getsockname(lfd, (struct sockaddr *)&sa, &len) == 0);
    lport = ntohs(sa.sin_port);
    run(&skm.task, sk_main);
    sock_close(lfd);
    CHECK(strcmp(log_, "accepted, read 5 bytes: hello, then EOF; sent: 0") == 0);
}

/* ---- names: function-like macros and members of the same name ----------------------- */

struct ops {
    int (*cancel)(int), (*gather)(int), (*wait_for)(int), (*create_task)(int), (*await)(int);
};

static int twice(int x)
{
    return 2 * x;
}

/* task_cancel, gather, wait_for are functions: a member of the same name
 * is ordinary C. await is a macro: (o->await)(x) is the way to call such
 * a member, as async.h says. */
static void case_names(void)
{
    struct ops o = {twice, twice, twice, twice, twice}, *op = &o;
    int sum = op->cancel(1) + op->gather(2) + op->wait_for(3) + op->create_task(4) + (op->await)(5);
    printf("names: %d\n", sum);
    CHECK(sum == 30);
}

/* ---- what cannot be said in C, refused by name --------------------------------- */

/* A task in a TaskGroup has one place for a group's callback: gather
 * refuses it, and the group still completes. */
static struct gref_main {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct sleeper s;
    struct task *ts[1];
    struct gather g;
} grm;

static coro gref_main(struct task *t)
{
    struct gref_main *self = (struct gref_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        self->s = (struct sleeper){.ms = 5, .ret = 4, .tag = "slept "};
        taskgroup_create_task(&self->tg, &self->s.task, sleeper, NULL, "grouped");
        self->ts[0] = &self->s.task;
        self->g = (struct gather){.tasks = self->ts, .n = 1};
        await(self, gather(&self->g));
        add("gather: ");
        result(self->g.result);
        add(", ");
    } async_with_end(self, taskgroup, &self->tg);
    add("group: ");
    result(self->tg.result);
    say(", task: %ld", task_result(&self->s.task));
    async_end(self);
}

static void case_gather_refused(void)
{
    run(&grm.task, gref_main);
    CHECK(strcmp(log_, "gather: -22, slept group: 0, task: 4") == 0);
}

/* `continue` in an async with block inside a loop: Python would leave the
 * block and continue the loop; C cannot, and says so. */
static struct cont_main {
    struct task task;
    struct gen gen;
    int i;
    struct timeout tmo;
} ctm;

static coro cont_main(struct task *t)
{
    struct cont_main *self = (struct cont_main *)t;
    async_begin(self);
    for (self->i = 0; self->i < 3; self->i++) {
        async_with(self, timeout, &self->tmo, 1000) {
            if (self->i == 1)
                continue;
            say("%ld ", self->i);
        } async_with_end(self, timeout, &self->tmo);
    }
    async_end(self);
}

static void case_continue_refused(void)
{
    run(&ctm.task, cont_main); /* aborts */
}

/* An awaited expression with a side effect names another frame at each
 * resumption: refused, naming the rule, at the first resumption. */
static struct side_main {
    struct task task;
    struct gen gen;
    int k;
    struct coro_sleep naps[64];
} sdm;

static coro side_main(struct task *t)
{
    struct side_main *self = (struct side_main *)t;
    async_begin(self);
    self->naps[0].ms = 1;
    await(self, coro_sleep(&self->naps[self->k++]));
    say("k %ld", self->k);
    async_end(self);
}

static void case_await_side_effect(void)
{
    run(&sdm.task, side_main); /* aborts */
}

/* wait_for cancelled from outside: its result is the cancel, and the
 * awaits after it, the cleanup, work (asyncio: `except CancelledError:
 * await cleanup(); raise`). The task still ends cancelled if it says so. */
static struct wfc_main {
    struct task task;
    struct gen gen;
    struct waiter_task {
        struct task task;
        struct gen gen;
        struct sleeper inner;
        struct wait_for wf;
        struct coro_sleep nap;
    } w;
    struct coro_sleep nap;
} wfcm;

static coro wfc_waiter(struct task *t)
{
    struct waiter_task *w = (struct waiter_task *)t;
    async_begin(w);
    w->inner = (struct sleeper){.ms = 1000, .ret = 1, .tag = "inner ended "};
    task_create(&w->inner.task, sleeper, NULL, "inner");
    w->wf = (struct wait_for){.fut = &w->inner.task.fut, .ms = 500};
    await(w, wait_for(&w->wf));
    add("wait_for: ");
    result(w->wf.result);
    w->nap = (struct coro_sleep){.ms = 5};
    await(w, coro_sleep(&w->nap));
    add(", cleanup: ");
    result(w->nap.result);
    t->result = w->wf.result;
    async_end(w);
}

static coro wfc_main(struct task *t)
{
    struct wfc_main *self = (struct wfc_main *)t;
    async_begin(self);
    task_create(&self->w.task, wfc_waiter, NULL, "waiter");
    self->nap = (struct coro_sleep){.ms = 5};
    await(self, coro_sleep(&self->nap));
    task_cancel(&self->w.task);
    await(self, &self->w.task);
    add(", task: ");
    result(await_result(self));
    async_end(self);
}

static void case_wait_for_cancelled(void)
{
    run(&wfcm.task, wfc_main);
    CHECK(strcmp(log_, "wait_for: ECANCELED, cleanup: 0, task: ECANCELED") == 0);
}

/* ---- an fd number reused while a cancelled task has not yet resumed ---------------- */

/* Task A waits in sock_recv on fd N. N is closed, a new socket takes the
 * number for task C, which waits to read it, and A is cancelled, all in
 * one step of main's. A's cleanup must leave C's reader alone (asyncio
 * checks its Handle): C reads its bytes. */
struct rtask {
    struct task task;
    struct gen gen;
    char buf[8];
    struct sock_recv rx;
};

static int rfresh[2];
static struct loop_timer rt_write;

static void rt_write_fresh(void *arg)
{
    (void)arg;
    CHECK(write(rfresh[1], "zz", 2) == 2);
}

static coro rtask(struct task *t)
{
    struct rtask *r = (struct rtask *)t;
    async_begin(r);
    r->rx.buf = r->buf;
    r->rx.len = sizeof r->buf;
    await(r, sock_recv(&r->rx));
    t->result = r->rx.result;
    async_end(r);
}

static struct reuse_main {
    struct task task;
    struct gen gen;
    int sv[2];
    struct rtask a, c;
    struct coro_sleep nap;
    struct wait_for wf;
} rum;

static coro reuse_main(struct task *t)
{
    struct reuse_main *self = (struct reuse_main *)t;
    async_begin(self);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, self->sv) == 0);
    CHECK(fcntl(self->sv[0], F_SETFL, O_NONBLOCK) == 0);
    self->a.rx.fd = self->sv[0];
    task_create(&self->a.task, rtask, NULL, "A");
    self->nap = (struct coro_sleep){.ms = 1};
    await(self, coro_sleep(&self->nap)); /* A waits on its reader */
    sock_close(self->sv[0]);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, rfresh) == 0 && rfresh[0] == self->sv[0]);
    CHECK(fcntl(rfresh[0], F_SETFL, O_NONBLOCK) == 0);
    self->c.rx.fd = rfresh[0];
    task_create(&self->c.task, rtask, NULL, "C"); /* C steps first... */
    task_cancel(&self->a.task);                   /* ...then A resumes */
    loop_call_later(coro_loop(), &rt_write, 5, rt_write_fresh, NULL);
    self->wf = (struct wait_for){.fut = &self->c.task.fut, .ms = 2000};
    await(self, wait_for(&self->wf)); /* C never woken: -ETIMEDOUT */
    add("A: ");
    result(task_result(&self->a.task));
    add(", C: ");
    result(self->wf.result);
    sock_close(rfresh[0]);
    close(rfresh[1]);
    close(self->sv[1]);
    async_end(self);
}

static void case_cancel_reuse(void)
{
    run(&rum.task, reuse_main);
    CHECK(strcmp(log_, "A: ECANCELED, C: 2") == 0);
}

/* A group whose only task ends while the block goes on, then gets another:
 * the exit waits for that one too (its wait is made at the exit, as
 * asyncio's _on_completed_fut). */
static struct refill_main {
    struct task task;
    struct gen gen;
    struct taskgroup tg;
    struct sleeper a, b;
    struct coro_sleep nap;
} rfm;

static coro refill_main(struct task *t)
{
    struct refill_main *self = (struct refill_main *)t;
    async_begin(self);
    async_with(self, taskgroup, &self->tg) {
        self->a = (struct sleeper){.ms = 1, .ret = 1, .tag = "a "};
        taskgroup_create_task(&self->tg, &self->a.task, sleeper, NULL, "a");
        self->nap = (struct coro_sleep){.ms = 20};
        await(self, coro_sleep(&self->nap)); /* a ends meanwhile */
        self->b = (struct sleeper){.ms = 20, .ret = 2, .tag = "b "};
        taskgroup_create_task(&self->tg, &self->b.task, sleeper, NULL, "b");
    } async_with_end(self, taskgroup, &self->tg);
    say("exit: b done %ld", task_done(&self->b.task));
    async_end(self);
}

static void case_taskgroup_refill(void)
{
    run(&rfm.task, refill_main);
    CHECK(strcmp(log_, "a b exit: b done 1") == 0);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"chain", case_chain},
        {"sleep", case_sleep},
        {"taskgroup", case_taskgroup},
        {"taskgroup-body", case_taskgroup_body},
        {"gather", case_gather},
        {"gather-error", case_gather_error},
        {"cancel-gather", case_cancel_gather},
        {"many-awaiters", case_many_awaiters},
        {"shield", case_shield},
        {"cancel-continue", case_cancel_continue},
        {"cancel-retry", case_cancel_retry},
        {"cancel", case_cancel},
        {"run-twice", case_run_twice},
        {"timeout-outer", case_timeout_outer},
        {"timeout-inner", case_timeout_inner},
        {"timeout-in-time", case_timeout_in_time},
        {"wait-for-nested", case_wait_for_nested},
        {"wait-for-in-time", case_wait_for_in_time},
        {"with-exit", case_with_exit},
        {"async-for", case_async_for},
        {"lock", case_lock},
        {"event", case_event},
        {"queue", case_queue},
        {"readline", case_readline},
        {"drain", case_drain},
        {"cancel-read", case_cancel_read},
        {"cancel-drain", case_cancel_drain},
        {"lock-cancel", case_lock_cancel},
        {"sock", case_sock},
        {"names", case_names},
        {"gather-refused", case_gather_refused},
        {"continue-refused", case_continue_refused},
        {"await-side-effect", case_await_side_effect},
        {"wait-for-cancelled", case_wait_for_cancelled},
        {"cancel-reuse", case_cancel_reuse},
        {"taskgroup-refill", case_taskgroup_refill},
    };
    struct loop *loop = loop_open();
    CHECK(loop != NULL);
    coro_init(loop);
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            loop_close(loop);
            return 0;
        }
    fprintf(stderr, "usage: async_test CASE   (");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", cases[i].name);
    fprintf(stderr, ")\n");
    return 2;
}
