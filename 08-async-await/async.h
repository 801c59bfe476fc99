/*
 * async.h: async/await for C, as close to Python's reading as C allows,
 * over coro.h (coroutines, a scheduler) and gen.h (resume points).
 *
 *     struct echo {                         // the frame of `async def echo`
 *         struct task task;                 // a task is a scheduled coroutine
 *         struct gen gen;
 *         int fd;
 *         struct sock_recv rx;              // the frames of what it awaits
 *     };
 *
 *     static int echo(struct task *t)       // async def echo(fd):
 *     {
 *         struct echo *self = (struct echo *)t;
 *         async_begin(self);
 *         for (;;) {                        //     while True:
 *             self->rx = (struct sock_recv){.fd = self->fd, .buf = buf,
 *                                           .len = sizeof buf};
 *             await(self, sock_recv(t, &self->rx));   // n = await sock.recv()
 *             if (self->rx.result <= 0)                // if not n:
 *                 async_return(self);                  //     return
 *             ...
 *         }
 *         async_end(self);
 *     }
 *
 *     create_task(&e->task, echo, free_echo);          // asyncio.create_task()
 *     async_run();                                     // asyncio.run()
 *
 * How the Python maps onto the C:
 *
 *   coroutine object     the frame: a struct holding a `struct gen` (where to
 *                        resume) and the locals that live across an await
 *   await f()            await(self, f(t, &self->sub)): call f's step until it
 *                        is done, passing each wait up (PEP 380 yield from)
 *   Task                 struct task: a frame the scheduler runs, first member
 *   event loop           loop.c (selector + timers) and coro.c's ready queue
 *   asyncio.sleep(s)     async_sleep(self, t, ms)
 *   asyncio.wait_for()   wait_for(self, t, ms, call): the awaited call's waits
 *                        fail with -ETIMEDOUT once ms have passed
 *   asyncio.gather()     gather(self, t, tasks, n, i): await n tasks in turn
 *   task.cancel()        cancel(task): its waits fail with -ECANCELED
 *   exceptions           results: >= 0, or -errno, which each level checks
 *
 * What each macro expands to is one resume point of gen.h (a `case` label
 * inside the function's switch) and a return of CORO_WAIT, as `make expand`
 * shows. The ground rules are gen.h's: locals that live across an await go
 * in the frame; no await inside a nested switch; one await per line.
 * On top: a task created with an on_done that frees it may not be awaited
 * (nothing is left to read); gather and await_task are for tasks whose
 * frames the awaiting coroutine owns.
 */
#ifndef ASYNC_H
#define ASYNC_H

#include <errno.h>

#include "coro.h"

#define async_begin(self) coro_begin(&(self)->gen)
#define async_end(self) coro_end(&(self)->gen)
#define async_return(self) coro_return(&(self)->gen)

#define await(self, call) coro_await(&(self)->gen, call)
#define async_sleep(self, t, ms) coro_sleep(&(self)->gen, t, ms)

/* A deadline for the whole awaited call, however many waits it makes. */
#define wait_for(self, t, ms, call) \
    do { \
        sched_deadline(t, ms); \
        coro_await(&(self)->gen, call); \
        sched_deadline_clear(t); \
    } while (0)

#define create_task(task, main, on_done) sched_spawn(task, main, on_done, #main)
#define cancel(task) sched_cancel(task)

/* Suspends until `other` has finished (its frame stays the caller's). If
 * the waiting task is cancelled, or its wait_for() expires, it cancels
 * `other` (as cancelling an asyncio.gather() cancels what it gathers) and
 * still waits for it to end: `other`'s frame is usually inside the
 * caller's, so the caller must not end first. A cancelled task ends at its
 * first wait, so this is short. */
#define await_task(self, t, other) \
    do { \
        while (!(other)->finished) { \
            (other)->waiter = (t); \
            coro_suspend(&(self)->gen, t); \
            if ((t)->sent < 0) \
                sched_cancel(other); \
        } \
    } while (0)

/* Awaits n tasks, of which tasks[k] is the k-th; i is a frame field. They
 * run concurrently whatever the order in which they are awaited. */
#define gather(self, t, tasks, n, i) \
    do { \
        for ((self)->i = 0; (self)->i < (n); (self)->i++) \
            await_task(self, t, (tasks)[(self)->i]); \
    } while (0)

#define async_run() sched_run() /* asyncio.run(), once tasks exist */

#endif
