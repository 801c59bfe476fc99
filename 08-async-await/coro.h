/*
 * coro.h: coroutines on gen.h, tasks that drive them, and sockets as
 * futures, the way asyncio builds them (tasks.py, selector_events.py).
 * In chapter 08 this is the generator-based layer, Python's
 * @types.coroutine: async.h's native coroutines sit on it.
 *
 * A generator (06) can only hand values out. A coroutine also takes one
 * back each time it is resumed (PEP 342's send()), and it can delegate to
 * another coroutine, running it to completion while its own caller only
 * sees the waits pass by (PEP 380's `yield from`). What a coroutine hands
 * out, at the bottom of any chain of delegations, is the future it waits
 * on (future.h), and what comes back in is that future's result.
 *
 *     struct echo {                      // the frame: a task, then locals
 *         struct task task;
 *         struct gen gen;
 *         int fd;
 *         char buf[512];
 *         union {                        // one sub-coroutine at a time
 *             struct sock_recv rx;
 *             struct sock_sendall tx;
 *         } sub;
 *     };
 *
 *     static coro echo_main(struct task *t)     // async def echo(fd):
 *     {                                         //   while True:
 *         struct echo *e = (struct echo *)t;    //     n = await sock_recv(fd)
 *         coro_begin(&e->gen);                  //     if not n: return
 *         for (;;) {                            //     await sock_sendall(fd, ..)
 *             e->sub.rx = (struct sock_recv){.fd = e->fd, .buf = e->buf,
 *                                            .len = sizeof e->buf};
 *             coro_await(&e->gen, sock_recv(&e->sub.rx));
 *             if (e->sub.rx.result <= 0)
 *                 coro_return(&e->gen);
 *             ...sock_sendall likewise...
 *         }
 *         coro_end(&e->gen);
 *     }
 *
 *     task_create(&e->task, echo_main, echo_free, "echo");
 *
 * A coroutine is a step function and a frame, exactly as in gen.h, and all
 * of gen.h's ground rules hold (locals that live across an await go in the
 * frame; no await inside a switch of your own; one await per line). On top:
 *
 * - A step function returns a `coro`: CORO_WAIT when it is suspended,
 *   CORO_DONE when it has finished. Its result, if any, is in its frame.
 *   `coro` is a type of its own, not an int, so that await (async.h)
 *   can tell a coroutine from anything else at compile time: this is what
 *   @types.coroutine does for a Python generator.
 * - coro_await_future(g, f, res) is `res = await f` on a future: if f is
 *   pending, the coroutine hands f out and suspends; once f is done, it
 *   goes on, and res is f's result, or -ECANCELED if the task was
 *   cancelled meanwhile (below). A future already done does not suspend
 *   at all (asyncio's Future.__await__ does the same).
 * - coro_await(g, call) is `yield from`: it calls the sub-coroutine's step,
 *   and while that returns CORO_WAIT returns CORO_WAIT too; every later
 *   resumption of the caller lands inside coro_await and steps the
 *   sub-coroutine again, whose frame lives inside the caller's. Initialise
 *   the sub-frame (a compound literal zeroes its gen) on the line before.
 * - A task drives the outermost coroutine (asyncio's Task): its step runs
 *   the coroutine until it hands out a future, and hangs the task's wakeup
 *   on that future; the wakeup, run by the loop once the future is done,
 *   steps it again. A task is a future too: when the coroutine ends, the
 *   task's future is done with t->result (cancelled if that is -ECANCELED),
 *   and any number of tasks may await it. Then on_done() runs from the
 *   loop: it closes and frees.
 * - task_cancel() is asyncio's Task.cancel(), and the await it reaches
 *   ends with -ECANCELED, once, as the CancelledError would be raised
 *   there: the await the task is suspended in (its future is cancelled);
 *   if its future is done but the task has not run yet, the await it
 *   resumes from, whatever the future's result (Task.__step throws the
 *   cancel in); if it is running, its next await. A task cancelled before
 *   its first step never runs. What the task does then is up to it:
 *   clean up (the awaits after it work), leave its block, even go on.
 *   Each cancel() is counted (task_cancelling()); task_uncancel() takes
 *   one back.
 * - C has no exception to carry a cancel up the frames, so scopes pass it
 *   on by hand: a scope (a timeout, a TaskGroup) whose block was left
 *   while the task had more cancels than it found on entry, not counting
 *   its own, calls task_reraise(): the task's next await ends with
 *   -ECANCELED at once, whatever it awaits, as the CancelledError would
 *   come out of __aexit__ and skip the rest. So a cancel travels until its
 *   owner takes it back (the timeout that fired; the TaskGroup that
 *   cancelled its block), or until code that swallows it calls
 *   task_uncancel(), as asyncio asks of it.
 * - An awaited expression is evaluated again each time the coroutine
 *   resumes (the await's resume point is before the call): it must name
 *   the same frame each time. If it does not (a side effect such as
 *   `t[k++]`), the frame it names was not suspended, and coro_begin
 *   aborts with a message naming this rule.
 * - Never close() an fd that the loop may still watch: sock_close() first
 *   drops the fd from the loop.
 */
#ifndef CORO_H
#define CORO_H

#include <stddef.h>
#include <sys/types.h>

#include "future.h"
#include "gen.h"
#include "loop.h"

typedef struct {
    int waiting; /* 1: suspended, it handed a future to its task; 0: finished */
} coro;

#define CORO_DONE ((coro){0})
#define CORO_WAIT ((coro){1})

static inline int coro_waiting(coro c) /* takes a coro, nothing else */
{
    return c.waiting;
}

struct task;
struct taskgroup;
typedef coro task_main_fn(struct task *t);
typedef void task_done_fn(struct task *t);

struct task {
    struct future fut;            /* a Task is a Future: done with result */
    task_main_fn *main;           /* steps the outermost coroutine */
    task_done_fn *on_done;        /* runs from the loop once it is done */
    const char *name;             /* for TRACE */
    long result;                  /* what the coroutine returns: set it before the end */
    struct future *fut_waiter;    /* the future it waits on (asyncio's _fut_waiter) */
    struct loop_callback wakeup;  /* hung on fut_waiter; or queued for a step */
    int started;                  /* its coroutine has run */
    int must_cancel;              /* deliver a cancel at its next await (asyncio's _must_cancel) */
    int cancel_thrown;            /* the await it resumes from ends with -ECANCELED */
    int cancels;                  /* cancel() calls not taken back (_num_cancels_requested) */
    long awaited;                 /* what its last await of a future or task gave */
    struct taskgroup *group;      /* the TaskGroup or gather it belongs to */
    struct loop_callback group_cb; /* the group's done callback on it */
    struct task *group_prev, *group_next;
    struct task *prev_all, *next_all; /* every task not yet done */
};

/* ---- the coroutine macros, on gen.h --------------------------------------- */

/* The check costs a load and a branch per step: only a resumption, on its
 * way down to the await it left, can find a frame that is not suspended. */
#define coro_begin(g) \
    do { \
        if (coro_resuming_ && (g)->resume <= 0) \
            coro_not_suspended_(__FILE__, __func__); \
    } while (0); \
    gen_begin(g)
#define coro_end(g) gen_end(g, CORO_DONE)
#define coro_return(g) gen_return(g, CORO_DONE)

/* A resume point inside the `if`: when f is pending, hand it to the task
 * (task_wait_on) and return; the task resumes us here once it is done.
 * task_await_begin_() says whether to wait (not when a cancel is to be
 * delivered now), task_await_end_() what the await gives. */
#define coro_await_future(g, f, res) \
    do { \
        if (task_await_begin_(f)) \
            gen_yield(g, task_wait_on(f)); \
        (res) = task_await_end_(f); \
    } while (0)

/* One resume point, then the call: entered first from above, later by the
 * switch, and each time it steps the sub-coroutine once more. The label
 * sits in an `if (0)` block, which only the switch enters: no statement
 * falls through into it, so -Wimplicit-fallthrough has nothing to say.
 * `wait` is what the function returns while suspended: CORO_WAIT here,
 * a value of the caller's own type for async.h's async generators. */
#define coro_await_as(g, call, wait) \
    do { \
        gen_rp_save(g); \
        if (0) { \
            gen_rp_label(); \
        } \
        if (coro_waiting(call)) \
            return (wait); \
    } while (0)

#define coro_await(g, call) coro_await_as(g, call, CORO_WAIT)

/* ---- tasks ------------------------------------------------------------------ */

void coro_init(struct loop *loop);
struct loop *coro_loop(void);
void task_create(struct task *t, task_main_fn *main, task_done_fn *on_done, const char *name);
struct task *current_task(void);   /* the task being stepped, or NULL */
coro task_wait_on(struct future *f); /* coro_await_future's: returns CORO_WAIT */
int task_await_begin_(struct future *f);
long task_await_end_(struct future *f);
extern int coro_resuming_; /* a task is on its way down to the await it left */
void coro_not_suspended_(const char *file, const char *func);
int task_cancel(struct task *t);   /* 1 if requested, 0 if the task is done */
int task_uncancel(struct task *t); /* the cancels left; none left, none to deliver */
void task_reraise(struct task *t); /* its next await ends with -ECANCELED */
void task_cancel_delivered(struct task *t); /* by a result of -ECANCELED: not by an await */
int task_cancelling(const struct task *t);
int task_done(const struct task *t);
long task_result(const struct task *t); /* once done; -ECANCELED if cancelled */

/* asyncio.run(): runs main as a task until it is done, then cancels every
 * task left and runs the loop until they have ended. Returns main's
 * result, or -errno if the loop failed. */
long asyncio_run(struct task *main, task_main_fn *main_fn, const char *name);

/* ---- sockets and sleep as coroutines -------------------------------------------
 * Each, like asyncio's loop.sock_recv(), tries the system call first; when
 * it would block, it makes a future, adds a reader or writer whose callback
 * completes that future, and awaits it. (sock_recv skips the try when its
 * fd's reader is still parked from the last read: see coro.c.) Each result
 * is >= 0, or -errno; -ECANCELED if the task was cancelled meanwhile. */

struct sock_accept {
    struct gen gen;
    int fd;        /* the listening socket */
    int result;    /* the new connection's fd */
    struct future fut;
};
coro sock_accept(struct sock_accept *f);

struct sock_recv {
    struct gen gen;
    int fd;
    char *buf;
    size_t len;    /* > 0 */
    ssize_t result; /* bytes read; 0 at EOF; -EBUSY if another task reads fd */
    struct future fut;
};
coro sock_recv(struct sock_recv *f);

struct sock_sendall {
    struct gen gen;
    int fd;
    const char *buf;
    size_t len;
    size_t sent;
    int result;    /* 0 once all is sent */
    struct future fut;
};
coro sock_sendall(struct sock_sendall *f);

struct sock_connect {
    struct gen gen;
    int port;      /* on 127.0.0.1 */
    int result;    /* the connected, non-blocking socket */
    int err;
    struct future fut;
};
coro sock_connect(struct sock_connect *f);

/* Closes an fd the loop may watch: the loop forgets it first. */
void sock_close(int fd);

struct coro_sleep {  /* asyncio.sleep(): a future, completed by a timer */
    struct gen gen;
    long ms;
    long result;   /* 0; -ECANCELED if its future was cancelled */
    struct future fut;
    struct loop_timer timer;
};
coro coro_sleep(struct coro_sleep *f);

#endif
