/*
 * coro.c: tasks (a future that drives a coroutine, stepped from the loop's
 * ready queue), and sockets and sleep as futures completed by the loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coro.h"

/* ---- tasks ---------------------------------------------------------------- */

static struct loop *loop;
static struct task *all;     /* every task not yet done, for shutdown */
static struct task *running; /* the task being stepped */

void coro_init(struct loop *l)
{
    loop = l;
}

struct task *current_task(void)
{
    return running;
}

static void task_wakeup(void *arg);

void task_create(struct task *t, task_main_fn *main, task_done_fn *on_done, const char *name)
{
    future_init(&t->fut, loop, name, -1);
    t->main = main;
    t->on_done = on_done;
    t->name = name;
    t->result = 0;
    t->fut_waiter = NULL;
    t->wakeup = (struct loop_callback){0};
    t->prev_all = NULL;
    t->next_all = all;
    if (all)
        all->prev_all = t;
    all = t;
    /* asyncio's Task.__init__: call_soon(self.__step). */
    loop_call_soon_(loop, &t->wakeup, task_wakeup, name, t);
}

int task_wait_on(struct future *f)
{
    running->fut_waiter = f;
    return CORO_WAIT;
}

static void unlink_task(struct task *t)
{
    if (t->prev_all)
        t->prev_all->next_all = t->next_all;
    else
        all = t->next_all;
    if (t->next_all)
        t->next_all->prev_all = t->prev_all;
}

static void task_done(void *arg)
{
    struct task *t = arg;
    t->on_done(t);
}

/* asyncio's Task.__step(): run the coroutine until it hands out the
 * future it waits on, and hang the task's wakeup on that future. When the
 * coroutine ends, the task's own future is done with its result; on_done
 * runs after every callback that was waiting on it. */
static void task_step(struct task *t)
{
    t->fut_waiter = NULL;
    running = t;
    int r = t->main(t);
    running = NULL;
    if (r == CORO_DONE) {
        loop_trace(loop, "task %s: done (%ld)", t->name, t->result);
        unlink_task(t);
        future_set_result(&t->fut, t->result);
        loop_call_soon(loop, &t->wakeup, task_done, t);
    } else if (t->fut_waiter) {
        if (t->fut_waiter->fd >= 0)
            loop_trace(loop, "task %s: awaits %s(%d)", t->name, t->fut_waiter->name,
                       t->fut_waiter->fd);
        else
            loop_trace(loop, "task %s: awaits %s", t->name, t->fut_waiter->name);
        future_add_done_callback_(t->fut_waiter, &t->wakeup, task_wakeup, t->name, t);
    } else { /* a coroutine that returned CORO_WAIT on nothing: an error */
        fprintf(stderr, "task %s: suspended without a future to wait on\n", t->name);
        abort();
    }
}

/* asyncio's Task.__wakeup(): the future is done (its result is for the
 * coroutine to read), so step the task again. */
static void task_wakeup(void *arg)
{
    task_step(arg);
}

int coro_run(void)
{
    return loop_run(loop);
}

/* Takes effect after the current turn. */
void coro_stop(void)
{
    loop_stop(loop);
}

/* Every task not yet done is dropped where it waits, and its on_done runs:
 * chapter 08 cancels them instead, and lets each one finish. */
void coro_shutdown(void)
{
    while (all) {
        struct task *t = all;
        unlink_task(t);
        loop_queue_remove(&t->wakeup); /* off its future, or off the ready queue */
        t->on_done(t);
    }
}

/* ---- sockets as futures ------------------------------------------------------ */

static int would_block(void)
{
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* The readers' callbacks below do the system call the loop said would not
 * block, and complete the future with its result (asyncio's _sock_recv and
 * _sock_accept).
 *
 * The one place where this chapter departs from asyncio: a reader is
 * parked, not removed, once its future is done (asyncio removes it each
 * time; uvloop keeps it, as here). The next read on that fd will most
 * likely want it again, and then it costs no system call. And while it
 * stays parked, the loop has had nothing new to say about the fd, so
 * sock_recv waits on it at once instead of trying a recv() that would,
 * almost always, fail with EAGAIN: one system call saved per message.
 *
 * After its await, each parks or removes only its own registration (the
 * one added with f): a task whose future was cancelled may resume after
 * its fd was closed and the number taken by another task's socket, whose
 * reader or writer must stay (asyncio checks its Handle the same way). */
static void on_sock_accept(void *arg)
{
    struct sock_accept *f = arg;
    if (future_done(&f->fut)) { /* cancelled, its task not yet resumed */
        loop_park_reader(loop, f->fd, f);
        return;
    }
    int fd = accept(f->fd, NULL, NULL);
    if (fd < 0 && (would_block() || errno == ECONNABORTED))
        return; /* nobody after all (or the client left while queued): wait on */
    int err = errno;
    loop_park_reader(loop, f->fd, f);
    future_set_result(&f->fut, fd >= 0 ? fd : -err);
}

int sock_accept(struct sock_accept *f)
{
    coro_begin(&f->gen);
    while ((f->result = accept(f->fd, NULL, NULL)) < 0 && errno == ECONNABORTED)
        ;
    if (f->result >= 0 || !would_block()) {
        f->result = f->result >= 0 ? f->result : -errno;
        coro_return(&f->gen);
    }
    /* It would block: wait for the loop. */
    future_init(&f->fut, loop, "sock_accept", f->fd);
    if (loop_add_reader(loop, f->fd, on_sock_accept, f) < 0) {
        f->result = -errno;
        coro_return(&f->gen);
    }
    coro_await_future(&f->gen, &f->fut);
    loop_park_reader(loop, f->fd, f);
    f->result = (int)future_result(&f->fut);
    coro_end(&f->gen);
}

/* asyncio's _sock_recv() begins the same way: a future cancelled before
 * its task has run again must not take the bytes, nor be completed twice. */
static void on_sock_recv(void *arg)
{
    struct sock_recv *f = arg;
    if (future_done(&f->fut)) {
        loop_park_reader(loop, f->fd, f);
        return;
    }
    ssize_t n = recv(f->fd, f->buf, f->len, 0);
    if (n < 0 && would_block())
        return;
    int err = errno;
    loop_park_reader(loop, f->fd, f);
    future_set_result(&f->fut, n >= 0 ? n : -err);
}

/* Tries recv() first, as asyncio does, unless the reader is parked (see
 * above). A recv() that did not wait leaves a parked reader behind, so
 * that the next one waits for the loop: a client that never stops sending
 * is read once per turn, and every other connection has its turn between
 * two of those reads. (asyncio's sock_recv() tries recv() every time, and
 * an echo loop on it never lets the loop run while such a client sends;
 * its streams are fed by the loop, one read per turn, as chapter 08's.) */
int sock_recv(struct sock_recv *f)
{
    coro_begin(&f->gen);
    if (loop_reader(loop, f->fd) == LOOP_NO_READER) {
        f->result = recv(f->fd, f->buf, f->len, 0);
        if (f->result >= 0 || !would_block()) {
            f->result = f->result >= 0 ? f->result : -errno;
            if (f->result > 0 && loop_add_reader(loop, f->fd, on_sock_recv, f) == 0)
                loop_park_reader(loop, f->fd, f);
            coro_return(&f->gen);
        }
    }
    /* It would block, or the loop will say when it will not: wait. */
    if (loop_reader(loop, f->fd) == LOOP_READER) { /* another task waits on it (asyncio: RuntimeError) */
        f->result = -EBUSY;
        coro_return(&f->gen);
    }
    future_init(&f->fut, loop, "sock_recv", f->fd);
    if (loop_add_reader(loop, f->fd, on_sock_recv, f) < 0) {
        f->result = -errno;
        coro_return(&f->gen);
    }
    coro_await_future(&f->gen, &f->fut);
    loop_park_reader(loop, f->fd, f); /* cancelled: it must not call on_sock_recv(f) */
    f->result = future_result(&f->fut);
    coro_end(&f->gen);
}

/* send() may take part of what it is given: the writer sends the rest as
 * room comes (asyncio's _sock_sendall), then goes. */
static void on_sock_writable(void *arg)
{
    struct sock_sendall *f = arg;
    if (future_done(&f->fut)) {
        loop_remove_writer(loop, f->fd);
        return;
    }
    ssize_t w = send(f->fd, f->buf + f->sent, f->len - f->sent, 0);
    if (w < 0 && would_block())
        return;
    if (w >= 0 && (f->sent += (size_t)w) < f->len)
        return;
    int err = errno;
    loop_remove_writer(loop, f->fd);
    future_set_result(&f->fut, w >= 0 ? 0 : -err);
}

int sock_sendall(struct sock_sendall *f)
{
    ssize_t w = 0;
    coro_begin(&f->gen);
    f->sent = 0;
    while (f->sent < f->len && (w = send(f->fd, f->buf + f->sent, f->len - f->sent, 0)) >= 0)
        f->sent += (size_t)w;
    if (f->sent == f->len || !would_block()) {
        f->result = f->sent == f->len ? 0 : -errno;
        coro_return(&f->gen);
    }
    /* No room: the writer sends the rest. */
    future_init(&f->fut, loop, "sock_sendall", f->fd);
    if (loop_add_writer(loop, f->fd, on_sock_writable, f) < 0) {
        f->result = -errno;
        coro_return(&f->gen);
    }
    coro_await_future(&f->gen, &f->fut);
    loop_remove_writer_of(loop, f->fd, f); /* if it was cancelled */
    f->result = (int)future_result(&f->fut);
    coro_end(&f->gen);
}

void sock_close(int fd)
{
    loop_remove_reader(loop, fd);
    loop_remove_writer(loop, fd);
    close(fd);
}

/* ---- sleep ---------------------------------------------------------------------- */

static void on_sleep_timer(void *arg)
{
    struct coro_sleep *f = arg;
    if (!future_done(&f->fut)) /* woken early, by someone else */
        future_set_result(&f->fut, 0);
}

/* asyncio.sleep(): a future, a call_later that completes it, an await. */
int coro_sleep(struct coro_sleep *f)
{
    coro_begin(&f->gen);
    future_init(&f->fut, loop, "sleep", -1);
    loop_call_later(loop, &f->timer, f->ms, on_sleep_timer, f);
    coro_await_future(&f->gen, &f->fut);
    loop_cancel(loop, &f->timer); /* woken early: the timer must not outlive us */
    f->result = future_result(&f->fut);
    coro_end(&f->gen);
}
