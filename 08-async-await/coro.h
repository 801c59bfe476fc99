/*
 * coro.h: coroutines on gen.h, and the scheduler that runs them.
 *
 * A generator (06) can only hand values out. A coroutine also takes one
 * back each time it is resumed (PEP 342's send()): here, what woke it. And
 * it can delegate to another coroutine, running it to completion while its
 * own caller only sees the waits pass by (PEP 380's `yield from`).
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
 *         struct echo *e = (struct echo *)t;    //     n = await recv(fd)
 *         coro_begin(&e->gen);                  //     if not n: return
 *         for (;;) {                            //     await sendall(fd, ..)
 *             e->sub.rx = (struct sock_recv){.fd = e->fd, .buf = e->buf,
 *                                            .len = sizeof e->buf};
 *             coro_await(&e->gen, sock_recv(t, &e->sub.rx));
 *             if (e->sub.rx.result <= 0)
 *                 coro_return(&e->gen);
 *             ...sock_sendall likewise...
 *         }
 *         coro_end(&e->gen);
 *     }
 *
 *     sched_spawn(&e->task, echo_main, echo_free, "echo");
 *
 * A coroutine is a step function and a frame, exactly as in gen.h, and all
 * of gen.h's ground rules hold (locals that live across a wait go in the
 * frame; no wait inside a nested switch; one wait per line). On top:
 *
 * - A step function returns CORO_WAIT when it is suspended, CORO_DONE when
 *   it has finished. Its result, if any, is in its frame.
 * - coro_wait_fd() suspends until an fd is ready; the value sent back in,
 *   t->sent, is what is ready: CORO_READ, CORO_WRITE or both, or -errno
 *   when the loop cannot watch that fd. coro_sleep() suspends for a time;
 *   t->sent is then 0 (or -ENOMEM if no timer could be had).
 * - coro_await(g, call) is `yield from`: it calls the sub-coroutine's step,
 *   and while that returns CORO_WAIT returns CORO_WAIT too; every later
 *   resumption of the caller lands inside coro_await and steps the
 *   sub-coroutine again, whose frame lives inside the caller's. Initialise
 *   the sub-frame (a compound literal zeroes its gen) on the line before.
 * - A task is the outermost coroutine: the scheduler owns its waits. Its
 *   on_done() runs once it has finished (cancelled or not), after the
 *   scheduler has stopped watching its fd: it closes and frees.
 * - Never close() an fd a task has waited on while the task lives (the
 *   scheduler keeps watching it between waits); let on_done close it, or
 *   close it with sock_close().
 */
#ifndef CORO_H
#define CORO_H

#include <stddef.h>
#include <sys/types.h>

#include "gen.h"
#include "loop.h"

enum { CORO_DONE = 0, CORO_WAIT = 1 };
enum { CORO_READ = 1, CORO_WRITE = 2 };

struct task;
typedef int task_main_fn(struct task *t);
typedef void task_done_fn(struct task *t);

struct task {
    task_main_fn *main;   /* steps the outermost coroutine */
    task_done_fn *on_done;
    const char *name;     /* for TRACE */
    int fd, events;       /* the wait coro_wait_fd() asked for */
    long sleep_ms;        /* or coro_sleep()'s; -1 if none */
    int suspended;        /* or coro_suspend()'s: until sched_wake() */
    int sent;             /* what woke it: CORO_READ, CORO_WRITE, 0 (time,
                           * sched_wake), -ETIMEDOUT, -ECANCELED, -errno */
    int finished;         /* its coroutine has ended */
    struct task *waiter;  /* woken when it finishes (await_task) */
    /* the scheduler's own */
    int reg_fd, reg_events;       /* what the loop watches for it */
    struct loop_timer *timer;     /* coro_sleep()'s */
    struct loop_timer *deadline;  /* wait_for()'s */
    int pending;          /* an error to send in at its next wait */
    int cancelled;
    int queued;
    int retrying;         /* woken next turn with an error in sent */
    struct task *next_ready, *prev_all, *next_all;
};

/* ---- the coroutine macros, on gen.h --------------------------------------- */

#define coro_begin(g) gen_begin(g)
#define coro_end(g) gen_end(g, CORO_DONE)
#define coro_return(g) gen_return(g, CORO_DONE)

#define coro_wait_fd(g, t, fd_, events_) \
    do { \
        (t)->fd = (fd_); \
        (t)->events = (events_); \
        gen_yield(g, CORO_WAIT); \
    } while (0)

#define coro_sleep(g, t, ms) \
    do { \
        (t)->sleep_ms = (ms); \
        gen_yield(g, CORO_WAIT); \
    } while (0)

/* Suspends until sched_wake(t). */
#define coro_suspend(g, t) \
    do { \
        (t)->suspended = 1; \
        gen_yield(g, CORO_WAIT); \
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

/* ---- the scheduler ---------------------------------------------------------- */

void sched_init(struct loop *loop);
void sched_spawn(struct task *t, task_main_fn *main, task_done_fn *on_done, const char *name);
void sched_wake(struct task *t);   /* ends a coro_sleep() or coro_suspend() early */
void sched_deadline(struct task *t, long ms); /* its waits fail with -ETIMEDOUT after ms */
void sched_deadline_clear(struct task *t);
void sched_cancel(struct task *t); /* every wait from now on fails with -ECANCELED */
int sched_run(void);               /* until every task has finished, or the loop failed (-1) */
void sched_cancel_all(void);       /* what SIGINT does: then sched_run() returns */

/* ---- sockets as coroutines ---------------------------------------------------
 * Each result is >= 0, or -errno. */

struct sock_accept {
    struct gen gen;
    int fd;        /* the listening socket */
    int result;    /* the new connection's fd */
};
int sock_accept(struct task *t, struct sock_accept *f);

struct sock_recv {
    struct gen gen;
    int fd;
    char *buf;
    size_t len;    /* > 0 */
    ssize_t result; /* bytes read; 0 at EOF */
};
int sock_recv(struct task *t, struct sock_recv *f);

struct sock_sendall {
    struct gen gen;
    int fd;
    const char *buf;
    size_t len;
    size_t sent;
    int result;    /* 0 once all is sent */
};
int sock_sendall(struct task *t, struct sock_sendall *f);

struct sock_connect {
    struct gen gen;
    int port;      /* on 127.0.0.1 */
    int result;    /* the connected, non-blocking socket */
};
int sock_connect(struct task *t, struct sock_connect *f);

/* Closes an fd the task may have waited on: the loop forgets it first. */
void sock_close(struct task *t, int fd);

#endif
