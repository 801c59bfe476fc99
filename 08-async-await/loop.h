/*
 * loop.h: an event loop of callbacks over the selector, in the spirit of
 * asyncio's loop.call_soon() / call_later() / add_reader() / add_writer() /
 * run_forever().
 *
 *     static void on_readable(void *arg) { ... recv() will not block ... }
 *     static void on_tick(void *arg) { ... }
 *
 *     struct loop *loop = loop_open();
 *     struct loop_timer tick = {0};      // the caller's memory: no malloc
 *     struct loop_callback soon = {0};
 *     loop_add_reader(loop, fd, on_readable, conn);
 *     loop_call_later(loop, &tick, 1000, on_tick, conn);
 *     loop_call_soon(loop, &soon, on_tick, conn);
 *     loop_run(loop);                    // until some callback calls loop_stop()
 *     loop_close(loop);
 *
 * Each turn is asyncio's BaseEventLoop._run_once(): wait in the selector
 * (not at all if a callback is ready), run the callbacks of the ready fds,
 * move the timers that are due to the ready queue, then run what the ready
 * queue holds at that point, in order. A callback scheduled while that pass
 * runs waits for the next turn, whose wait is then zero: a callback that
 * keeps rescheduling itself cannot keep the selector from being asked.
 * (asyncio puts the fds' callbacks on the ready queue too; here they run
 * at once, as in chapter 04, and what they schedule runs in the same turn.)
 *
 * Contracts:
 * - A struct loop_callback or struct loop_timer belongs to the caller, and
 *   is on at most one queue at a time. One that is zeroed, or whose
 *   callback has started, is on none. Cancelling one that is on none does
 *   nothing. The caller must cancel it before its memory goes.
 * - A callback may add or remove any reader, writer or timer, and close any
 *   fd after removing it: a removed fd gets no more callbacks, not even from
 *   events already collected in this turn, and a new fd that reuses the
 *   number is a new registration that waits for the next turn.
 * - Timers run on the monotonic clock, which the loop reads once per turn,
 *   after the wait (as libuv does): a delay counts from that reading, so
 *   timers set in one turn with the same delay are due together, and run in
 *   the order they were set. Any delay is accepted: a negative one counts
 *   as 0, and one beyond about a century is cut to that.
 * - The loop does not nest. Called from a callback, loop_once() and
 *   loop_run() print one line on stderr and return -1 with errno EBUSY,
 *   as asyncio raises "RuntimeError: This event loop is already running":
 *   a turn inside a turn would free what the outer one is still using.
 *   loop_close() is refused the same way, with one line and nothing freed
 *   (asyncio: "Cannot close a running event loop"): close the loop once
 *   loop_run() has returned.
 * - loop_park_reader() keeps an fd's read interest in the selector with no
 *   callback: a reader that will be wanted again soon costs no system call
 *   to remove and add back. If the fd turns readable while parked, the loop
 *   drops the interest (one system call) instead of calling anything; so
 *   while an fd stays parked, the loop has had nothing new to say about it.
 * - An fd's number outlives the fd: closed, it can come back at once from
 *   accept() or socket() as someone else's, with someone else's reader.
 *   Code that cleans up after a wait (its future cancelled) passes the arg
 *   it registered with to loop_park_reader() or loop_remove_io_of(): they
 *   touch the fd's reader or writer only while it is still that
 *   registration, and do nothing otherwise (asyncio checks its Handle).
 * - With TRACE=1 in the environment, each turn in which something ran
 *   prints one line on stderr: each ready fd with its mask and the
 *   callbacks it got, the timers that came due; then whatever the ready
 *   callbacks trace (loop_trace()) follows on lines of its own.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdint.h>

typedef void loop_cb(void *arg);

struct loop;

/* A callback to run once: asyncio's Handle, in the caller's memory. The
 * links put it on a queue: the loop's ready queue, its timers, or a
 * future's done callbacks (future.h). */
struct loop_queue;
struct loop_callback {
    loop_cb *cb;
    const char *name; /* for TRACE */
    void *arg;
    struct loop_callback *prev, *next;
    struct loop_queue *queue; /* the queue it is on; NULL if none */
};

struct loop_queue {
    struct loop_callback *head, *tail;
};

void loop_queue_push(struct loop_queue *q, struct loop_callback *h); /* at the end */
struct loop_callback *loop_queue_pop(struct loop_queue *q);         /* NULL if empty */
void loop_queue_remove(struct loop_callback *h); /* from its queue, if any */

/* A callback due at a time: asyncio's TimerHandle. */
struct loop_timer {
    struct loop_callback h; /* on the ready queue once due */
    int64_t deadline;       /* monotonic, in microseconds */
    uint64_t seq;           /* the order set: breaks ties between equal deadlines */
    int slot;               /* its place in the loop's heap, plus one; 0 if not in it */
};

struct loop *loop_open(void); /* NULL with errno set on failure */
void loop_close(struct loop *loop);
const char *loop_backend(void);

/* The macros pass the callback's name along, for TRACE=1. Each returns -1
 * with errno set on failure. */
#define loop_add_reader(loop, fd, cb, arg) loop_add_io(loop, fd, 0, cb, #cb, arg)
#define loop_add_writer(loop, fd, cb, arg) loop_add_io(loop, fd, 1, cb, #cb, arg)
#define loop_remove_reader(loop, fd) loop_remove_io(loop, fd, 0)
#define loop_remove_writer(loop, fd) loop_remove_io(loop, fd, 1)
int loop_add_io(struct loop *loop, int fd, int dir, loop_cb *cb, const char *name, void *arg);
int loop_remove_io(struct loop *loop, int fd, int dir);
/* Only the registration added with arg: see the contracts above. */
#define loop_remove_reader_of(loop, fd, arg) loop_remove_io_of(loop, fd, 0, arg)
#define loop_remove_writer_of(loop, fd, arg) loop_remove_io_of(loop, fd, 1, arg)
int loop_remove_io_of(struct loop *loop, int fd, int dir, void *arg);
void loop_park_reader(struct loop *loop, int fd, void *arg);
enum { LOOP_NO_READER, LOOP_PARKED, LOOP_READER };
int loop_reader(struct loop *loop, int fd); /* which of the three fd has */

/* Runs cb(arg) in this turn's ready pass, or the next one's if that pass
 * has begun (asyncio's call_soon). */
#define loop_call_soon(loop, h, cb, arg) loop_call_soon_(loop, h, cb, #cb, arg)
void loop_call_soon_(struct loop *loop, struct loop_callback *h, loop_cb *cb,
                     const char *name, void *arg);
void loop_ready(struct loop *loop, struct loop_callback *h); /* h as it is */
int loop_ready_pending(const struct loop *loop); /* anything on the ready queue? */

/* Runs cb(arg) once, `ms` milliseconds from now (asyncio's call_later). */
#define loop_call_later(loop, t, ms, cb, arg) loop_call_later_(loop, t, ms, cb, #cb, arg)
void loop_call_later_(struct loop *loop, struct loop_timer *t, long ms, loop_cb *cb,
                      const char *name, void *arg);
void loop_cancel(struct loop *loop, struct loop_timer *t);

/* -1 with errno set if the selector failed, or EBUSY from a callback. */
int loop_once(struct loop *loop); /* one turn */
int loop_run(struct loop *loop);  /* turns until loop_stop(): 0, or -1 */
void loop_stop(struct loop *loop);

/* The loop's clock: the time of this turn, in microseconds. */
int64_t loop_time(const struct loop *loop);

/* TRACE=1: is it on, and a line for this turn's trace. */
int loop_tracing(const struct loop *loop);
void loop_trace(struct loop *loop, const char *fmt, ...);

#endif
