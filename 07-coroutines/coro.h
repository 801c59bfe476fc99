/*
 * coro.h: coroutines on gen.h, tasks that drive them, and sockets as
 * futures, the way asyncio builds them (tasks.py, selector_events.py).
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
 *     static int echo_main(struct task *t)      // async def echo(fd):
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
 * - A step function returns CORO_WAIT when it is suspended, CORO_DONE when
 *   it has finished. Its result, if any, is in its frame.
 * - coro_await_future(g, f) is `await f` on a future: if f is pending, the
 *   coroutine hands f out and suspends; once f is done, it goes on, and
 *   future_result(f) is what it waited for. A future already done does not
 *   suspend at all (asyncio's Future.__await__ does the same).
 * - coro_await(g, call) is `yield from`: it calls the sub-coroutine's step,
 *   and while that returns CORO_WAIT returns CORO_WAIT too; every later
 *   resumption of the caller lands inside coro_await and steps the
 *   sub-coroutine again, whose frame lives inside the caller's. Initialise
 *   the sub-frame (a compound literal zeroes its gen) on the line before.
 * - A task drives the outermost coroutine (asyncio's Task): its step runs
 *   the coroutine until it hands out a future, and hangs the task's wakeup
 *   on that future; the wakeup, run by the loop once the future is done,
 *   steps it again. A task is a future too: when the coroutine ends, the
 *   task's future is done with t->result, and any number of tasks may
 *   await it. Then on_done() runs from the loop: it closes and frees.
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

enum { CORO_DONE = 0, CORO_WAIT = 1 };

struct task;
typedef int task_main_fn(struct task *t);
typedef void task_done_fn(struct task *t);

struct task {
    struct future fut;            /* a Task is a Future: done with result */
    task_main_fn *main;           /* steps the outermost coroutine */
    task_done_fn *on_done;        /* runs from the loop once it is done */
    const char *name;             /* for TRACE */
    long result;                  /* what the coroutine returns: set it before the end */
    struct future *fut_waiter;    /* the future it waits on (asyncio's _fut_waiter) */
    struct loop_callback wakeup;  /* hung on fut_waiter; or queued for a step */
    struct task *prev_all, *next_all; /* every task not yet done, for shutdown */
};

/* ---- the coroutine macros, on gen.h --------------------------------------- */

#define coro_begin(g) gen_begin(g)
#define coro_end(g) gen_end(g, CORO_DONE)
#define coro_return(g) gen_return(g, CORO_DONE)

/* A resume point inside the `if`: when f is pending, hand it to the task
 * (task_wait_on) and return; the task resumes us here once it is done. */
#define coro_await_future(g, f) \
    do { \
        if (!future_done(f)) \
            gen_yield(g, task_wait_on(f)); \
    } while (0)

/* One resume point, then the call: entered first from above, later by the
 * switch, and each time it steps the sub-coroutine once more. The label
 * sits in an `if (0)` block, which only the switch enters: no statement
 * falls through into it, so -Wimplicit-fallthrough has nothing to say. */
#define coro_await(g, call) \
    do { \
        gen_rp_save(g); \
        if (0) { \
            gen_rp_label(); \
        } \
        if ((call) == CORO_WAIT) \
            return CORO_WAIT; \
    } while (0)

/* ---- tasks ------------------------------------------------------------------ */

void coro_init(struct loop *loop);
void task_create(struct task *t, task_main_fn *main, task_done_fn *on_done, const char *name);
struct task *current_task(void); /* the task being stepped, or NULL */
int task_wait_on(struct future *f); /* coro_await_future's: returns CORO_WAIT */
int coro_run(void);               /* until coro_stop(): 0, or -1 if the loop failed */
void coro_stop(void);
void coro_shutdown(void);         /* on_done() for every task not yet done */

/* ---- sockets and sleep as coroutines -------------------------------------------
 * Each, like asyncio's loop.sock_recv(), tries the system call first; when
 * it would block, it makes a future, adds a reader or writer whose callback
 * completes that future, and awaits it. (sock_recv skips the try when its
 * fd's reader is still parked from the last read: see coro.c.) Each result
 * is >= 0, or -errno. */

struct sock_accept {
    struct gen gen;
    int fd;        /* the listening socket */
    int result;    /* the new connection's fd */
    struct future fut;
};
int sock_accept(struct sock_accept *f);

struct sock_recv {
    struct gen gen;
    int fd;
    char *buf;
    size_t len;    /* > 0 */
    ssize_t result; /* bytes read; 0 at EOF; -EBUSY if another task reads fd */
    struct future fut;
};
int sock_recv(struct sock_recv *f);

struct sock_sendall {
    struct gen gen;
    int fd;
    const char *buf;
    size_t len;
    size_t sent;
    int result;    /* 0 once all is sent */
    struct future fut;
};
int sock_sendall(struct sock_sendall *f);

/* Closes an fd the loop may watch: the loop forgets it first. */
void sock_close(int fd);

struct coro_sleep {  /* asyncio.sleep(): a future, completed by a timer */
    struct gen gen;
    long ms;
    long result;   /* 0; -ECANCELED if its future was cancelled */
    struct future fut;
    struct loop_timer timer;
};
int coro_sleep(struct coro_sleep *f);

#endif
