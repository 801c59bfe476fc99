/*
 * coro.c: tasks (a future that drives a coroutine, stepped from the loop's
 * ready queue; cancellation as asyncio does it), asyncio.run(), and
 * sockets and sleep as futures completed by the loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coro.h"

/* ---- tasks ---------------------------------------------------------------- */

static struct loop *loop;
static struct task *all;     /* every task not yet done */
static struct task *running; /* the task being stepped */
int coro_resuming_;           /* it is on its way down to the await it left */

void coro_init(struct loop *l)
{
    loop = l;
}

struct loop *coro_loop(void)
{
    return loop;
}

struct task *current_task(void)
{
    return running;
}

static void task_wakeup(void *arg);
static int task_cancel_future(struct future *f);

void task_create(struct task *t, task_main_fn *main, task_done_fn *on_done, const char *name)
{
    future_init(&t->fut, loop, name, -1);
    t->fut.cancel = task_cancel_future; /* Task.cancel() overrides Future.cancel() */
    t->main = main;
    t->on_done = on_done;
    t->name = name;
    t->result = 0;
    t->fut_waiter = NULL;
    t->wakeup = (struct loop_callback){0};
    t->started = t->must_cancel = t->cancel_thrown = t->cancels = 0;
    t->awaited = 0;
    t->group = NULL;
    t->group_cb = (struct loop_callback){0};
    t->group_prev = t->group_next = NULL;
    t->prev_all = NULL;
    t->next_all = all;
    if (all)
        all->prev_all = t;
    all = t;
    /* asyncio's Task.__init__: call_soon(self.__step). */
    loop_call_soon_(loop, &t->wakeup, task_wakeup, name, t);
}

coro task_wait_on(struct future *f)
{
    running->fut_waiter = f;
    return CORO_WAIT;
}

/* Wait on f, unless a cancel is to be delivered now: then the await ends
 * at once, and what it awaited is left alone (a cancel that came while
 * the task ran, or one passed on by task_reraise()). */
int task_await_begin_(struct future *f)
{
    if (running->must_cancel) {
        running->must_cancel = 0;
        running->cancel_thrown = 1;
        loop_trace(loop, "task %s: cancelled at its await of %s", running->name, f->name);
        return 0;
    }
    return !future_done(f);
}

/* What the await gives once it goes on: f's result, or -ECANCELED if a
 * cancel is delivered here. Here too the task is back where it left. */
long task_await_end_(struct future *f)
{
    coro_resuming_ = 0;
    if (running->cancel_thrown) {
        running->cancel_thrown = 0;
        return -ECANCELED;
    }
    return future_result(f);
}

/* While a task is resumed, every frame on the way down to its await must
 * be suspended; one that is new, or finished, was not the frame that
 * awaited: the awaited expression named another on its way back. */
void coro_not_suspended_(const char *file, const char *func)
{
    fprintf(stderr, "%s: %s(): resumed into a frame that was not suspended: an awaited "
                    "expression is evaluated again at each resumption, so it must name the "
                    "same frame each time (no side effects such as k++ in it)\n",
            file, func);
    abort();
}

int task_done(const struct task *t)
{
    return future_done(&t->fut);
}

long task_result(const struct task *t)
{
    return future_result(&t->fut);
}

int task_cancelling(const struct task *t)
{
    return t->cancels;
}

/* asyncio's Task.cancel(): waiting, the future it waits on is cancelled,
 * so that await ends with -ECANCELED (and if that future is another task,
 * that task is cancelled in turn). Not waiting (it is running, or its
 * future is done and it is queued to run), the cancel is kept for
 * task_step() or its next await to deliver. Either way, once. */
int task_cancel(struct task *t)
{
    if (task_done(t))
        return 0;
    t->cancels++;
    loop_trace(loop, "task %s: cancel() %s", t->name,
               t->fut_waiter && !future_done(t->fut_waiter) ? "at its await" : "pending");
    if (t->fut_waiter && future_cancel(t->fut_waiter))
        return 1;
    t->must_cancel = 1;
    return 1;
}

static int task_cancel_future(struct future *f)
{
    return task_cancel((struct task *)f); /* fut is its first member */
}

/* As in Python 3.13: once no cancel is left, none is pending either. */
int task_uncancel(struct task *t)
{
    if (t->cancels > 0 && --t->cancels == 0)
        t->must_cancel = 0;
    return t->cancels;
}

/* The C for a CancelledError coming out of a scope's __aexit__: there is
 * no exception to unwind the frames, so the next await ends with it. */
void task_reraise(struct task *t)
{
    if (!task_done(t) && t->cancels > 0) {
        loop_trace(loop, "task %s: cancel passed on", t->name);
        t->must_cancel = 1;
    }
}

/* A coroutine that reports the cancel as its result (wait_for) has
 * delivered it: the awaits after it, the caller's cleanup, must work. */
void task_cancel_delivered(struct task *t)
{
    t->must_cancel = 0;
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

static void task_finished(void *arg)
{
    struct task *t = arg;
    if (t->on_done)
        t->on_done(t);
}

/* The coroutine has ended: the task's future is done with its result, or
 * cancelled if that is -ECANCELED or a cancel came too late to deliver
 * (asyncio: super().cancel()). on_done runs after the callbacks waiting
 * on it, which it may therefore free. */
static void task_end(struct task *t)
{
    loop_trace(loop, "task %s: done (%ld)", t->name, t->result);
    unlink_task(t);
    if (t->result == -ECANCELED || t->must_cancel)
        future_cancel_plain(&t->fut);
    else
        future_set_result(&t->fut, t->result);
    loop_call_soon(loop, &t->wakeup, task_finished, t);
}

/* asyncio's Task.__step(): run the coroutine until it hands out the
 * future it waits on, and hang the task's wakeup on that future. A cancel
 * that came after that future was done is thrown in: the await the task
 * resumes from ends with -ECANCELED (if the future was cancelled too,
 * that is the same one cancel, delivered once). */
static void task_step(struct task *t)
{
    if (!t->started && t->must_cancel) { /* cancelled before it ran: it never does */
        t->result = -ECANCELED;
        task_end(t);
        return;
    }
    if (t->started && t->must_cancel) {
        t->must_cancel = 0;
        t->cancel_thrown = 1;
        loop_trace(loop, "task %s: cancel thrown in as it resumes", t->name);
    }
    coro_resuming_ = t->started;
    t->started = 1;
    t->fut_waiter = NULL;
    running = t;
    coro r = t->main(t);
    running = NULL;
    coro_resuming_ = 0;
    if (!coro_waiting(r)) {
        task_end(t);
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

static void stop_loop(void *arg)
{
    loop_stop(arg);
}

/* asyncio.run(): the loop runs until main is done; then every task left is
 * cancelled, and the loop runs until they have all ended. */
long asyncio_run(struct task *main, task_main_fn *main_fn, const char *name)
{
    struct loop_callback stop = {0};
    task_create(main, main_fn, NULL, name);
    future_add_done_callback(&main->fut, &stop, stop_loop, loop);
    if (loop_run(loop) < 0)
        return -errno;
    for (struct task *t = all; t; t = t->next_all)
        task_cancel(t);
    while (all || loop_ready_pending(loop))
        if (loop_once(loop) < 0)
            return -errno;
    return task_result(main);
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

coro sock_accept(struct sock_accept *f)
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
    coro_await_future(&f->gen, &f->fut, f->result);
    loop_park_reader(loop, f->fd, f);
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
 * its streams are fed by the loop, one read per turn, as streams.c's.) */
coro sock_recv(struct sock_recv *f)
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
    coro_await_future(&f->gen, &f->fut, f->result);
    loop_park_reader(loop, f->fd, f); /* cancelled: it must not call on_sock_recv(f) */
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

coro sock_sendall(struct sock_sendall *f)
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
    coro_await_future(&f->gen, &f->fut, f->result);
    loop_remove_writer_of(loop, f->fd, f); /* if it was cancelled */
    coro_end(&f->gen);
}

/* A non-blocking connect() returns at once (EINPROGRESS); the socket turns
 * writable when the handshake is over, and SO_ERROR then says how it went
 * (Stevens, UNP vol. 1, 16.3; asyncio's sock_connect does the same). */
static void on_sock_connected(void *arg)
{
    struct sock_connect *f = arg;
    if (future_done(&f->fut)) {
        loop_remove_writer(loop, f->result);
        return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(f->result, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        err = errno;
    loop_remove_writer(loop, f->result);
    future_set_result(&f->fut, -err);
}

coro sock_connect(struct sock_connect *f)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)f->port)};
    coro_begin(&f->gen);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->result = socket(AF_INET, SOCK_STREAM, 0);
    if (f->result < 0) {
        f->result = -errno;
        coro_return(&f->gen);
    }
    future_init(&f->fut, loop, "sock_connect", f->result);
    if (fcntl(f->result, F_SETFL, O_NONBLOCK) < 0)
        future_set_result(&f->fut, -errno);
    else if (connect(f->result, (struct sockaddr *)&sa, sizeof sa) == 0)
        future_set_result(&f->fut, 0);
    else if (errno != EINPROGRESS || loop_add_writer(loop, f->result, on_sock_connected, f) < 0)
        future_set_result(&f->fut, -errno);
    coro_await_future(&f->gen, &f->fut, f->err);
    if (f->err < 0) { /* cancelled, too: sock_close drops the writer */
        sock_close(f->result);
        f->result = f->err;
    }
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
coro coro_sleep(struct coro_sleep *f)
{
    coro_begin(&f->gen);
    future_init(&f->fut, loop, "sleep", -1);
    loop_call_later(loop, &f->timer, f->ms, on_sleep_timer, f);
    coro_await_future(&f->gen, &f->fut, f->result);
    loop_cancel(loop, &f->timer); /* woken early: the timer must not outlive us */
    coro_end(&f->gen);
}
