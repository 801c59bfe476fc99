/*
 * future.h: asyncio's Future (futures.py): a result that is not there yet,
 * and the callbacks to run once it is.
 *
 *     struct future f;                      // in a frame: nothing is malloc'd
 *     struct loop_callback cb = {0};
 *     future_init(&f, loop, "sleep", -1);
 *     future_add_done_callback(&f, &cb, on_done, arg);
 *     ...later, from any callback of the loop:
 *     future_set_result(&f, 42);            // on_done(arg) is *scheduled*
 *
 * This is what `await` waits on. A coroutine that awaits a future hands it
 * to its task (coro.h); the task hangs its wakeup on the future as a done
 * callback; whoever completes the future (a reader callback that got the
 * bytes, a timer) schedules that callback on the loop's ready queue; and
 * the loop runs it, which steps the task again.
 *
 * Contracts, as in asyncio:
 * - A future is pending, then done with a result (>= 0, or -errno standing
 *   for the exception), or cancelled, whose result is -ECANCELED. It
 *   changes state once: completing one that is already done is a bug
 *   (asyncio raises InvalidStateError); here it aborts with a message.
 * - Completing a future does not run its callbacks: it schedules them with
 *   the loop's call_soon, in the order they were added, and they run from
 *   the loop, never inside future_set_result() or future_cancel().
 * - A callback added to a future that is already done is scheduled at once.
 * - A callback (struct loop_callback) is the caller's memory, on one queue
 *   at a time; future_remove_done_callback() takes it off the future
 *   before the future completes. Once scheduled, it is on the loop's ready
 *   queue, where loop_queue_remove() takes it off.
 */
#ifndef FUTURE_H
#define FUTURE_H

#include "loop.h"

enum { FUTURE_PENDING, FUTURE_DONE, FUTURE_CANCELLED };

struct future {
    int state;
    int fd;                       /* TRACE: what it is for, with name */
    long result;                  /* once done: >= 0, or -errno */
    struct loop_queue callbacks;  /* done callbacks, in the order added */
    struct loop *loop;
    const char *name;
    /* Set by the kinds of future that cancel in their own way (a task, a
     * group of tasks), as asyncio's Task overrides Future.cancel(). */
    int (*cancel)(struct future *f);
};

void future_init(struct future *f, struct loop *loop, const char *name, int fd);
int future_done(const struct future *f); /* done or cancelled */
int future_cancelled(const struct future *f);
long future_result(const struct future *f); /* once done */
void future_set_result(struct future *f, long result);
int future_cancel(struct future *f); /* 1 if it was pending, 0 if done already */
int future_cancel_plain(struct future *f); /* Future.cancel() itself: super().cancel() */

#define future_add_done_callback(f, h, cb, arg) future_add_done_callback_(f, h, cb, #cb, arg)
void future_add_done_callback_(struct future *f, struct loop_callback *h, loop_cb *cb,
                               const char *name, void *arg);
int future_remove_done_callback(struct future *f, struct loop_callback *h); /* 1 if it was there */

#endif
