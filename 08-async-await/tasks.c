/*
 * tasks.c: TaskGroup (taskgroups.py), gather and shield (tasks.py), and
 * the two steps every await of a future or a task takes.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "asyncio.h"

/* ---- await's steps --------------------------------------------------------- */

/* Called once, then again at each resumption until f is done; what it
 * gave is kept for await_result(). */
coro await_future_(struct future *f)
{
    if (task_await_begin_(f))
        return task_wait_on(f);
    current_task()->awaited = task_await_end_(f);
    return CORO_DONE;
}

coro await_task_(struct task *t)
{
    return await_future_(&t->fut);
}

/* ---- TaskGroup ------------------------------------------------------------- */

/* Cancels every task of the group: asyncio's TaskGroup._abort(). */
static void abort_group(struct taskgroup *g)
{
    g->aborting = 1;
    for (struct task *t = g->tasks; t; t = t->group_next)
        task_cancel(t);
}

/* The group's done callback on each of its tasks (_on_task_done). */
static void on_task_done(void *arg)
{
    struct task *t = arg;
    struct taskgroup *g = t->group;
    if (t->group_prev)
        t->group_prev->group_next = t->group_next;
    else
        g->tasks = t->group_next;
    if (t->group_next)
        t->group_next->group_prev = t->group_prev;
    t->group = NULL;
    long r = task_result(t);
    /* A TaskGroup lets a cancelled task go; gather fails with it, unless
     * it cancelled the task itself (asyncio: its awaiter gets the
     * CancelledError). */
    if (r < 0 && (r != -ECANCELED || (g->gather && !g->aborting)) && !g->error) {
        g->error = r;
        if (!g->aborting)
            abort_group(g);
        /* The block may be waiting on something else: interrupt it, as
         * asyncio cancels the parent task, and take that back at the exit. */
        if (!g->exiting && g->parent && !task_done(g->parent) && !g->cancelled_parent) {
            g->cancelled_parent = 1;
            task_cancel(g->parent);
        }
    }
    /* Only the exit waits: as asyncio's _on_completed_fut, which exists
     * only in __aexit__. Completed in the block (its last task ended, and
     * more came), it would let the exit through with tasks still running. */
    if (--g->n == 0 && g->exiting && !future_done(&g->all_done))
        future_set_result(&g->all_done, 0);
}

/* The exit waits on all_done. Cancelling that wait (the task in the block
 * is cancelled) cancels the group's tasks instead, and the exit goes on
 * waiting for them: their frames are usually the caller's. */
static int cancel_all_done(struct future *f)
{
    struct taskgroup *g = (struct taskgroup *)((char *)f - offsetof(struct taskgroup, all_done));
    if (future_done(f))
        return 0;
    if (!g->aborting)
        abort_group(g);
    return 1;
}

/* A new future for the exit to wait on (asyncio makes one per wait): one
 * that was completed before more tasks came in is done for good. */
static void arm_all_done(struct taskgroup *g, const char *name)
{
    future_init(&g->all_done, coro_loop(), name, -1);
    g->all_done.cancel = cancel_all_done;
}

static void group_add(struct taskgroup *g, struct task *t)
{
    t->group = g;
    t->group_prev = NULL;
    t->group_next = g->tasks;
    if (g->tasks)
        g->tasks->group_prev = t;
    g->tasks = t;
    g->n++;
    future_add_done_callback_(&t->fut, &t->group_cb, on_task_done, "taskgroup", t);
}

coro taskgroup_enter(struct taskgroup *g)
{
    *g = (struct taskgroup){.parent = current_task()};
    g->cancelling = task_cancelling(g->parent);
    return CORO_DONE;
}

int taskgroup_entered(const struct taskgroup *g)
{
    (void)g;
    return 1;
}

void taskgroup_create_task(struct taskgroup *g, struct task *t, task_main_fn *main,
                           task_done_fn *on_done, const char *name)
{
    task_create(t, main, on_done, name);
    group_add(g, t);
    if (g->aborting) /* asyncio refuses; here it starts cancelled, and never runs */
        task_cancel(t);
}

/* TaskGroup.__aexit__(): its own cancel of the block is taken back first;
 * then any cancel the task had since the group was entered is not the
 * group's, and went through the block (asyncio: et is CancelledError): the
 * tasks are cancelled, and once they have ended the cancel goes on out. */
coro taskgroup_exit(struct taskgroup *g)
{
    long r;
    coro_begin(&g->gen);
    g->exiting = 1;
    if (g->cancelled_parent)
        task_uncancel(g->parent);
    if (task_cancelling(g->parent) > g->cancelling && !g->aborting)
        abort_group(g);
    while (g->n > 0) { /* a cancel delivered here ends the wait at once: abort, wait again */
        if (!g->all_done.loop || future_done(&g->all_done))
            arm_all_done(g, "taskgroup");
        coro_await_future(&g->gen, &g->all_done, r);
        if (r == -ECANCELED && !g->aborting)
            abort_group(g);
    }
    /* A failure wins over the cancel, as in asyncio 3.11 (its
     * ExceptionGroup is raised instead); the cancel goes on all the same. */
    g->result = g->error ? g->error : task_cancelling(g->parent) > g->cancelling ? -ECANCELED : 0;
    if (task_cancelling(g->parent) > g->cancelling)
        task_reraise(g->parent);
    coro_end(&g->gen);
}

/* ---- gather ----------------------------------------------------------------- */

/* Refuses a task that is in a TaskGroup or another gather already: it has
 * one place for a group's callback. */
static int gather_check(struct gather *f)
{
    for (int i = 0; i < f->n; i++)
        if (f->tasks[i]->group) {
            fprintf(stderr, "gather: task %s is in a TaskGroup or a gather already\n",
                    f->tasks[i]->name);
            return -EINVAL;
        }
    return 0;
}

/* A TaskGroup that is already at its exit: it adopts the tasks (a task
 * given twice, once, as asyncio does), waits for them all, and stops at
 * the first failure by cancelling the rest. A cancel of the awaiting task
 * cancels them all, and its await ends with -ECANCELED once they have. */
coro gather(struct gather *f)
{
    coro_begin(&f->gen);
    if ((f->result = gather_check(f)) < 0)
        coro_return(&f->gen);
    f->g = (struct taskgroup){.exiting = 1, .gather = 1};
    arm_all_done(&f->g, "gather");
    for (int i = 0; i < f->n; i++)
        if (!f->tasks[i]->group)
            group_add(&f->g, f->tasks[i]);
    f->result = 0;
    while (f->g.n > 0) { /* as in taskgroup_exit */
        coro_await_future(&f->gen, &f->g.all_done, f->result);
        if (f->result == -ECANCELED && !f->g.aborting)
            abort_group(&f->g);
    }
    if (f->result != -ECANCELED)
        f->result = f->g.error ? f->g.error : f->g.aborting ? -ECANCELED : 0;
    coro_end(&f->gen);
}

/* ---- shield ------------------------------------------------------------------- */

static void on_inner_done(void *arg)
{
    struct shield *f = arg;
    if (!future_done(&f->outer))
        future_set_result(&f->outer, task_result(f->inner));
}

/* The awaiting task waits on `outer`, a plain future: cancelling it ends
 * the wait and leaves the inner task alone. */
coro shield(struct shield *f)
{
    coro_begin(&f->gen);
    future_init(&f->outer, coro_loop(), "shield", -1);
    future_add_done_callback(&f->inner->fut, &f->cb, on_inner_done, f);
    coro_await_future(&f->gen, &f->outer, f->result);
    future_remove_done_callback(&f->inner->fut, &f->cb);
    loop_queue_remove(&f->cb); /* scheduled, not run: it must not touch f */
    coro_end(&f->gen);
}
