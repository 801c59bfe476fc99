/*
 * loop.h: an event loop of callbacks over the selector, in the spirit of
 * asyncio's loop.add_reader() / add_writer() / call_later() / run_forever().
 *
 *     static void on_readable(void *arg) { ... recv() will not block ... }
 *
 *     struct loop *loop = loop_open();
 *     loop_add_reader(loop, fd, on_readable, conn);
 *     loop_call_later(loop, 1000, on_timeout, conn);
 *     loop_run(loop);               // until some callback calls loop_stop()
 *     loop_close(loop);
 *
 * Each turn: wait in the selector until an fd is ready or the first timer is
 * due, call the callbacks of the ready fds, then those of the due timers.
 *
 * Contracts:
 * - A callback may add or remove any reader, writer or timer, and close any
 *   fd after removing it: a removed fd gets no more callbacks, not even from
 *   events already collected in this turn, and a new fd that reuses the
 *   number is a new registration that waits for the next turn.
 * - Timers run on the monotonic clock, which the loop reads once per turn,
 *   after the wait (as libuv does): a delay counts from that reading, so
 *   timers set in one turn with the same delay are due together, and run in
 *   the order they were set. A timer set by a callback runs in a later
 *   pass, never the current one.
 * - A timer's handle is valid until its callback starts or it is cancelled.
 *   Any delay is accepted: a negative one counts as 0, and one beyond about
 *   a century is cut to that.
 * - The loop does not nest. Called from a callback, loop_once() and
 *   loop_run() print one line on stderr and return -1 with errno EBUSY,
 *   as asyncio raises "RuntimeError: This event loop is already running":
 *   a turn inside a turn would free what the outer one is still using.
 *   loop_close() is refused the same way, with one line and nothing freed
 *   (asyncio: "Cannot close a running event loop"): close the loop once
 *   loop_run() has returned.
 * - With TRACE=1 in the environment, each turn in which something ran
 *   prints one line on stderr: the ready fds and the callbacks called.
 */
#ifndef LOOP_H
#define LOOP_H

typedef void loop_cb(void *arg);

struct loop;
struct loop_timer;

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

/* Runs cb(arg) once, `ms` milliseconds from now; NULL if out of memory. */
#define loop_call_later(loop, ms, cb, arg) loop_call_later_(loop, ms, cb, #cb, arg)
struct loop_timer *loop_call_later_(struct loop *loop, long ms, loop_cb *cb,
                                    const char *name, void *arg);
void loop_cancel(struct loop *loop, struct loop_timer *timer);

/* -1 with errno set if the selector failed, or EBUSY from a callback. */
int loop_once(struct loop *loop); /* one turn */
int loop_run(struct loop *loop);  /* turns until loop_stop(): 0, or -1 */
void loop_stop(struct loop *loop);

#endif
