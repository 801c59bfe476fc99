/*
 * async.h: PEP 492 and PEP 525 for C: native coroutines with await,
 * `async with`, `async for` and async generators, over coro.h (the
 * generator-based layer, Python's @types.coroutine) and gen.h.
 *
 *     struct echo {                          // the frame of `async def echo`
 *         struct task task;                  // a task drives it
 *         struct gen gen;
 *         struct stream *s;
 *         struct timeout idle;               // the frames of what it awaits
 *         struct stream_chunks chunks;
 *         struct stream_drain drain;
 *     };
 *
 *     static coro echo(struct task *t)       // async def echo(reader, writer):
 *     {
 *         struct echo *self = (struct echo *)t;
 *         async_begin(self);
 *         async_with(self, timeout, &self->idle, 10000) {       // async with timeout(10):
 *             self->chunks = (struct stream_chunks){.s = self->s, .buf = buf,
 *                                                   .size = sizeof buf};
 *             async_for(self, stream_chunks(&self->chunks)) {   //   async for data in chunks(reader):
 *                 stream_write(self->s, self->chunks.data, self->chunks.len);  // writer.write(data)
 *                 self->drain = (struct stream_drain){.s = self->s};
 *                 await(self, stream_drain(&self->drain));      //     await writer.drain()
 *             }
 *         } async_with_end(self, timeout, &self->idle);
 *         async_end(self);
 *     }
 *
 * ---- Native coroutines and @types.coroutine ---------------------------------
 *
 * Python has two layers. A generator-based coroutine (@types.coroutine) is
 * a generator that yields what it waits for; asyncio's own sleep and socket
 * calls bottom out in one, which yields a Future. A native coroutine
 * (`async def`) cannot yield; it can only await: a future, a task, or
 * another coroutine. Here coro.h's coroutines (sock_recv, coro_sleep...)
 * are the first layer, and functions written with async_begin/async_end
 * are the second. Both return a `coro`.
 *
 * await(self, x) takes, and only takes, what Python's await takes:
 *     a struct future *     waits until it is done (coro_await_future)
 *     a struct task *       waits on the task's future: its result
 *     a coroutine call      returning coro: runs it to its end (yield from)
 * Anything else fails to compile (C11 _Generic: "not compatible with any
 * association"): an int, a gen.h generator (it returns int), an async
 * generator (use async_for), the frame of a task instead of its task.
 * Python refuses the same things, with a TypeError. And await outside an
 * async function is refused too: async_wait_ is undeclared there (Python:
 * SyntaxError, 'await' outside async function).
 *
 * Results are values, not exceptions: each frame has its result, >= 0 or
 * -errno, and the code checks it; after an await of a future or a task,
 * await_result(self) is what it gave (its result, or -ECANCELED). A
 * cancellation is -ECANCELED, delivered once, at one await (coro.h); a
 * timeout -ETIMEDOUT.
 *
 * The one rule for a cancel: an await that ends with -ECANCELED is the
 * CancelledError. Clean up if you must (the awaits after it work), then
 * leave the block with `break`, as the exception would. A scope whose
 * block was left by a cancel it does not own passes it on: the next
 * await after the block ends with -ECANCELED too, and so it travels out
 * to its owner (coro.h's task_reraise()). To swallow one, as asyncio asks,
 * call task_uncancel().
 *
 * ---- async with -------------------------------------------------------------
 *
 *     async_with(self, CM, frame, args...) { ... } async_with_end(self, CM, frame);
 *
 * is `async with CM(args) as frame:`. It awaits CM_enter(frame, args...),
 * runs the block if CM_entered(frame) says the enter worked (a lock whose
 * wait was cancelled was not taken: Python would not run the block either),
 * and awaits CM_exit(frame) on every way out of it: the end of the block,
 * and `break` anywhere in it outside a loop of its own, which leaves the
 * block. (`continue` there would continue the loop around the block in
 * Python, which C cannot say: it aborts, naming the rule.) An error
 * result, a timeout and a cancellation all arrive
 * as a result the block checks, and leaves by `break`. Context managers
 * here: timeout (timeouts), lock and semaphore (locks), taskgroup
 * (TaskGroup). Writing one: a struct, two coroutines CM_enter(struct CM *,
 * ...) and CM_exit(struct CM *), and int CM_entered(struct CM *). (The exit
 * runs even when the enter failed, unlike Python's: each exit here knows
 * what its enter did, e.g. lock_exit gives back only a lock it took.)
 *
 * The rule, as for pthread_cleanup_push()/pop(): leave the block only
 * through its end or `break`, never by return, goto or
 * longjmp, which would skip the exit. What the compiler can catch, it does:
 *   - async_with without its async_with_end, or the other way round: the
 *     braces they hide do not match;
 *   - async_with_end naming another kind of context manager than the
 *     async_with it closes: struct async_with_CM_ is incomplete;
 *   - async_return inside the block: struct async_scope_ has no member
 *     named no_async_return_inside_async_with.
 * A plain `return` it cannot catch. (`break` inside the block leaves the
 * block, and only the block: to leave a loop around it too, break again.)
 *
 * ---- async for and async generators ------------------------------------------
 *
 *     async_for(self, agen_call) { ... }
 *
 * is `async for x in agen:`. An async generator (PEP 525) is written with
 * async_gen_begin/async_gen_end and returns an `agen`: it may await, and
 * async_yield(self) hands out the item, which lives in its frame. Each turn
 * of the loop steps it to its next yield, waiting with it as it awaits; the
 * loop ends when it ends. `break` and `continue` mean what they mean in
 * Python. A generator left by `break` is simply dropped: it holds nothing
 * between its yields here (Python would aclose() it).
 *
 * ---- Ground rules ----------------------------------------------------------
 *
 * gen.h's, all of them: what lives across an await lives in the frame; no
 * await inside a switch of your own (gen_end aborts, naming the rule); one
 * await per line. async_begin is the function's first statement and
 * async_end its last. The frame's resume point is its member `gen`.
 *
 * Names: await, async_with, async_for and the rest are function-like
 * macros, and so would take over a struct member of the same name called
 * as a function: o->await(x) expands await. Write (o->await)(x) instead:
 * a name in parentheses is not a macro call (async_test's "names" case
 * compiles that). The interface of asyncio.h (task_cancel, gather, ...)
 * is functions, which a member of the same name cannot clash with.
 */
#ifndef ASYNC_H
#define ASYNC_H

#include "coro.h"

/* ---- native coroutines -------------------------------------------------- */

/* What a native coroutine returns while suspended and at its end, declared
 * by async_begin for await and async_return to use: a function that has
 * not begun with async_begin has neither, so await there does not compile. */
#define async_frame_(kind, wait_, done_) \
    static const kind async_wait_ = wait_, async_done_ = done_; \
    struct async_scope_ { \
        char no_async_return_inside_async_with; \
    }; \
    (void)async_wait_; \
    (void)async_done_

#define async_begin(self) \
    async_frame_(coro, {1}, {0}); \
    coro_begin(&(self)->gen)
#define async_end(self) gen_end(&(self)->gen, async_done_)
#define async_return(self) \
    do { \
        (void)sizeof(((struct async_scope_ *)0)->no_async_return_inside_async_with); \
        gen_return(&(self)->gen, async_done_); \
    } while (0)

/* _Generic picks a function by the type of x, and only that one is called:
 * a future's and a task's step hand the future to the task until it is
 * done; a coroutine call is its own step. A type without a function is a
 * compile-time error. */
coro await_future_(struct future *f);
coro await_task_(struct task *t);
#define await_result(self) ((void)(self), current_task()->awaited)
static inline coro await_coro_(coro c)
{
    return c;
}
#define async_awaitable_(x) \
    _Generic((x), struct future *: await_future_, struct task *: await_task_, \
             coro: await_coro_)(x)

#define await(self, x) coro_await_as(&(self)->gen, async_awaitable_(x), async_wait_)

/* ---- async with ------------------------------------------------------------ */

#define ASYNC_CAT_(a, b) a##b
#define ASYNC_CAT(a, b) ASYNC_CAT_(a, b)

/* The frame is the first of the enter's arguments. */
#define ASYNC_FRAME_(...) ASYNC_FRAME2_(__VA_ARGS__, 0)
#define ASYNC_FRAME2_(frame, ...) frame

#define async_with(self, cm, ...) \
    await(self, cm##_enter(__VA_ARGS__)); \
    if (cm##_entered(ASYNC_FRAME_(__VA_ARGS__))) { \
        struct async_scope_ { \
            char inside_async_with; \
        }; \
        struct async_with_##cm##_ { \
            char open; \
        }; \
        for (int ASYNC_CAT(async_again_, __LINE__) = 0;; ASYNC_CAT(async_again_, __LINE__) = 1) { \
            if (ASYNC_CAT(async_again_, __LINE__)) \
                async_continue_refused_(__FILE__, __LINE__);

#define async_with_end(self, cm, frame) \
            break; \
        } \
        (void)sizeof(((struct async_with_##cm##_ *)0)->open); \
    } \
    await(self, cm##_exit(frame))

/* `continue` in an async with block comes back to its loop's head: Python
 * would leave the block and go on with the loop around it, which C cannot
 * say (a `continue` after the exit would not compile outside a loop). */
static inline void async_continue_refused_(const char *file, int line)
{
    fprintf(stderr, "%s:%d: continue inside async_with: C cannot continue the loop around "
                    "the block as Python does; leave the block by break, then continue\n",
            file, line);
    abort();
}

/* ---- async generators and async for ------------------------------------------- */

typedef struct {
    int state; /* AGEN_WAIT: awaiting; AGEN_ITEM: yielded an item; AGEN_DONE */
} agen;
enum { AGEN_DONE, AGEN_WAIT, AGEN_ITEM };

static inline int agen_state_(agen a) /* takes an agen, nothing else */
{
    return a.state;
}

#define async_gen_begin(self) \
    async_frame_(agen, {AGEN_WAIT}, {AGEN_DONE}); \
    static const agen async_item_ = {AGEN_ITEM}; \
    (void)async_item_; \
    coro_begin(&(self)->gen)
#define async_gen_end(self) gen_end(&(self)->gen, async_done_)
#define async_yield(self) gen_yield(&(self)->gen, async_item_)


/* The loop's head is a resume point: each time round (the for's third
 * clause) it is saved again, since the body may have awaited; the switch
 * comes back to the `case` inside `if (0)`, which jumps to the step. The
 * state lives in a local: it is set by each step and read right after,
 * never across a suspension. */
#define async_for(self, call) \
    for (int ASYNC_CAT(async_s_, __LINE__) = (gen_rp_save(&(self)->gen), 0);; \
         gen_rp_save(&(self)->gen)) \
        if (0) { \
            gen_rp_label(); \
            goto ASYNC_CAT(async_next_, __LINE__); \
        } else \
            ASYNC_CAT(async_next_, __LINE__) \
                : if ((ASYNC_CAT(async_s_, __LINE__) = agen_state_(call)) == AGEN_WAIT) \
                      return async_wait_; \
            else if (ASYNC_CAT(async_s_, __LINE__) == AGEN_DONE) break; \
            else

#endif
