/*
 * asyncio.h: what a Python programmer uses on top of the language (async.h):
 * gather, TaskGroup, shield, timeouts, wait_for, Event, Lock, Semaphore,
 * Queue and streams, each built on futures (future.h) and tasks (coro.h),
 * with asyncio's names and, where C allows, its semantics. The file each
 * lives in is named after its module in CPython's Lib/asyncio.
 *
 * Every coroutine here takes its frame, which the caller owns (nothing is
 * allocated per await), initialised with a compound literal on the line
 * before: `self->g = (struct gather){.tasks = ts, .n = 3};` then
 * `await(self, gather(&self->g));`. Results are >= 0 or -errno.
 *
 * ---- tasks.c: gather, TaskGroup, shield ---------------------------------------
 *
 * gather: awaits every task; at the first failure it cancels the others,
 * still waits for them to end (their frames are usually the caller's), and
 * its result is that failure. (asyncio's gather propagates the first error
 * at once and lets the others run on; a TaskGroup cancels them, which is
 * what is wanted here.) Cancelling the task that awaits a gather cancels
 * every child at once. Each child's own result: task_result().
 *
 * TaskGroup (3.11): `async_with(self, taskgroup, &self->tg) {...}
 * async_with_end(self, taskgroup, &self->tg);` with taskgroup_create_task()
 * inside. The exit waits for every task of the group. The first failure
 * (a result < 0 other than -ECANCELED) cancels the others and the block
 * (the task in it, at its current await); tg.result is then that failure.
 * If the task in the block is cancelled from outside, so are the group's
 * tasks, and tg.result is -ECANCELED. Else 0.
 *
 * shield: awaits a task, but cancelling the awaiting task does not cancel
 * it: the await ends with -ECANCELED, the task goes on.
 *
 * ---- timeouts.c: asyncio.timeout() and wait_for() -----------------------------
 *
 * `async_with(self, timeout, &self->tmo, ms) {...} async_with_end(self,
 * timeout, &self->tmo);`: once ms have passed, the task is cancelled: the
 * await in progress in the block ends with -ECANCELED, the block leaves,
 * and timeout_expired() is then true. Scopes nest as asyncio's do (3.11,
 * timeouts.py): each counts the task's cancels on entry, and on exit takes
 * back only its own; an inner one that expires ends only the inner block,
 * and an outer one still fires on time through any number of inner ones.
 * ms < 0 is never; timeout_reschedule() moves the deadline (asyncio's
 * Timeout.reschedule()), and timeout_touch() pushes it to now + ms, cheaply
 * and often (for idle timeouts: the timer is moved only when it fires).
 *
 * wait_for: a timeout around one await (as asyncio 3.12 implements it):
 * the result is the future's, or -ETIMEDOUT; the awaited future (or task)
 * is cancelled when the time runs out.
 *
 * ---- locks.c: Event, Lock, Semaphore; queues.c: Queue -------------------------
 *
 * As asyncio's, each waiter a future in a FIFO queue: Event.wait() until
 * set; `async_with(self, lock, &self->acq, &lock)` hands the lock over in
 * the order asked; a Semaphore of n; a bounded Queue whose put waits while
 * it is full and whose get waits while it is empty. A waiter cancelled
 * while waiting leaves the queue, and passes on a wake-up it was given.
 *
 * ---- streams.c: asyncio's streams -------------------------------------------
 *
 * One struct stream for a connection: asyncio's StreamReader and
 * StreamWriter together. Reading: stream_read (up to n bytes; 0 at EOF),
 * stream_readline (to '\n', at most limit bytes: -EMSGSIZE past it, and
 * those bytes are dropped, as asyncio's readline() drops them; the rest of
 * the line comes with the next read), stream_readexactly (-ENODATA at an
 * EOF before n bytes), stream_at_eof, and stream_chunks, an async
 * generator of what arrives (`async for data in chunks(reader)`). Writing: stream_write
 * never waits: what the socket does not take now is kept, and sent by the
 * loop as room comes; stream_drain waits while more than STREAM_HIGH bytes
 * are kept, until STREAM_LOW are (asyncio's high- and low-water marks);
 * stream_close, then stream_wait_closed, which waits until everything kept
 * is sent and the socket is closed; stream_abort closes now. While it waits
 * for the peer, a stream holds no buffer: reads go into the caller's, and
 * the read-ahead that readline needs is freed once empty.
 * open_connection connects; start_server listens, and once
 * server_start_serving is called, accepts and calls back with each new
 * connection's fd (or -errno: out of descriptors, it pauses for a second,
 * or until server_resume); server_close stops accepting.
 */
#ifndef ASYNCIO_H
#define ASYNCIO_H

#include <stddef.h>
#include <sys/types.h>

#include "async.h"

/* ---- tasks.c ------------------------------------------------------------ */

struct taskgroup {
    struct gen gen;           /* taskgroup_exit's */
    struct task *parent;      /* the task in the block */
    struct task *tasks;       /* not yet done */
    int n;
    int cancelling;           /* the parent's cancels on entry */
    int aborting, exiting, cancelled_parent;
    int gather;               /* a gather's: a cancelled task is a failure */
    long error;               /* the first failure */
    long result;              /* after the exit: see above */
    struct future all_done;   /* what the exit awaits */
};
coro taskgroup_enter(struct taskgroup *g);
coro taskgroup_exit(struct taskgroup *g);
int taskgroup_entered(const struct taskgroup *g); /* 1 */
void taskgroup_create_task(struct taskgroup *g, struct task *t, task_main_fn *main,
                           task_done_fn *on_done, const char *name);

struct gather {
    struct gen gen;
    struct task **tasks;
    int n;
    long result;              /* 0, or the first failure, or -ECANCELED */
    struct taskgroup g;
};
coro gather(struct gather *f);

struct shield {
    struct gen gen;
    struct task *inner;
    long result;
    struct future outer;
    struct loop_callback cb;  /* on inner */
};
coro shield(struct shield *f);

/* ---- timeouts.c --------------------------------------------------------- */

enum { TIMEOUT_CREATED, TIMEOUT_ENTERED, TIMEOUT_EXPIRING, TIMEOUT_EXPIRED, TIMEOUT_EXITED };

struct timeout {
    struct loop_timer timer;
    struct task *task;
    long ms;                  /* for timeout_touch */
    int64_t touched;          /* loop time of the last touch */
    int state;
    int cancelling;           /* the task's cancels on entry */
};
coro timeout_enter(struct timeout *s, long ms);
coro timeout_exit(struct timeout *s);
int timeout_entered(const struct timeout *s); /* 1 */
void timeout_reschedule(struct timeout *s, long ms);
void timeout_touch(struct timeout *s);
int timeout_expired(const struct timeout *s);

struct wait_for {
    struct gen gen;
    struct future *fut;       /* a task's: &task->fut */
    long ms;
    long result;              /* the future's, or -ETIMEDOUT */
    struct timeout tmo;
};
coro wait_for(struct wait_for *f);

/* ---- locks.c ------------------------------------------------------------ */

struct waiter {               /* a future in a queue of waiters */
    struct future fut;
    struct loop_callback link; /* its place in the queue (never scheduled) */
};
void waiter_add(struct loop_queue *q, struct waiter *w, const char *name); /* at the end */
void waiter_wake_first(struct loop_queue *q); /* the first, if it is not done */
int waiter_wake_next(struct loop_queue *q);   /* the first not done; 1 if any */

struct event {
    int set;
    struct loop_queue waiters;
};
void event_set(struct event *e);
void event_clear(struct event *e);
int event_is_set(const struct event *e);
struct event_wait {
    struct gen gen;
    struct event *e;
    long result;
    struct waiter w;
};
coro event_wait(struct event_wait *f);

struct lock {
    int locked;
    struct loop_queue waiters;
};
struct lock_acquire {
    struct gen gen;
    struct lock *lock;
    long result;              /* 0 once held, -ECANCELED */
    struct waiter w;
};
coro lock_acquire(struct lock_acquire *f);
void lock_release(struct lock *l);
coro lock_enter(struct lock_acquire *f, struct lock *l); /* async with lock */
coro lock_exit(struct lock_acquire *f);
int lock_entered(const struct lock_acquire *f); /* taken, not cancelled */

struct semaphore {
    int value;
    struct loop_queue waiters;
};
struct sem_acquire {
    struct gen gen;
    struct semaphore *sem;
    long result;
    struct waiter w;
};
coro sem_acquire(struct sem_acquire *f);
void sem_release(struct semaphore *s);
coro semaphore_enter(struct sem_acquire *f, struct semaphore *s);
coro semaphore_exit(struct sem_acquire *f);
int semaphore_entered(const struct sem_acquire *f);

/* ---- queues.c ----------------------------------------------------------- */

struct queue {
    void **slots;             /* the caller's: maxsize (>= 1) of them; asyncio's
                               * unbounded Queue (maxsize 0) is not offered */
    size_t maxsize, head, len;
    struct loop_queue getters, putters;
};
void queue_init(struct queue *q, void **slots, size_t maxsize);
int queue_put_nowait(struct queue *q, void *item); /* -EAGAIN if full */
int queue_get_nowait(struct queue *q, void **item); /* -EAGAIN if empty */
struct queue_put {
    struct gen gen;
    struct queue *q;
    void *item;
    long result;
    struct waiter w;
};
coro queue_put(struct queue_put *f);
struct queue_get {
    struct gen gen;
    struct queue *q;
    void *item;               /* what it got */
    long result;
    struct waiter w;
};
coro queue_get(struct queue_get *f);

/* ---- streams.c ---------------------------------------------------------- */

#define STREAM_HIGH 65536 /* asyncio's default high-water mark */
#define STREAM_LOW 16384  /* and its low one */

struct stream {
    int fd;                   /* -1 once closed */
    int eof;                  /* the peer half-closed */
    int closing;              /* stream_close(): no more writes */
    int error;                /* -errno of the first failure writing */
    char *rbuf;               /* read ahead (readline): NULL when empty */
    size_t roff, rlen;
    char *wbuf;               /* what the socket did not take yet */
    size_t woff, wlen, wcap;
    struct future *reader;    /* the read waiting on the socket, if any */
    struct loop_queue drainers; /* drains and wait_closeds waiting on the writer */
    struct timeout *idle;     /* if set, touched whenever a byte moves */
};
void stream_init(struct stream *s, int fd);

struct stream_read {
    struct gen gen;
    struct stream *s;
    char *buf;
    size_t n;
    ssize_t result;           /* bytes, 0 at EOF, -errno; -EBUSY if another task reads s */
    struct future fut;
};
coro stream_read(struct stream_read *f);

struct stream_readline {
    struct gen gen;
    struct stream *s;
    char *buf;
    size_t limit;             /* the size of buf */
    ssize_t result;           /* the line's length, '\n' included; -EMSGSIZE */
    size_t got;
    struct stream_read rd;
};
coro stream_readline(struct stream_readline *f);

struct stream_readexactly {
    struct gen gen;
    struct stream *s;
    char *buf;
    size_t n;
    ssize_t result;           /* n; -ENODATA at EOF with got < n */
    size_t got;
    struct stream_read rd;
};
coro stream_readexactly(struct stream_readexactly *f);
int stream_at_eof(const struct stream *s);

struct stream_chunks {        /* async def chunks(reader): yield await reader.read(size) */
    struct gen gen;
    struct stream *s;
    char *buf;
    size_t size;
    const char *data;         /* the item: data[0..len) */
    size_t len;
    ssize_t error;            /* why it ended: 0 at EOF, -errno */
    struct stream_read rd;
};
agen stream_chunks(struct stream_chunks *f);

void stream_write(struct stream *s, const char *data, size_t n);
struct stream_drain {
    struct gen gen;
    struct stream *s;
    long result;
    struct waiter w;
};
coro stream_drain(struct stream_drain *f);
void stream_close(struct stream *s);
coro stream_wait_closed(struct stream_drain *f);
void stream_abort(struct stream *s);

struct open_connection {
    struct gen gen;
    int port;
    long result;              /* 0: s is open */
    struct stream *s;
    struct sock_connect cx;
};
coro open_connection(struct open_connection *f);

struct server {
    int fd;
    int paused;               /* out of descriptors: accepting again later */
    void (*on_client)(int fd, void *arg);
    void *arg;
    struct loop_timer retry;
};
/* 0, or -1 with a message naming the call and the address in err. */
int start_server(struct server *srv, int port, void (*on_client)(int fd, void *arg), void *arg,
                 char *err, size_t errlen);
int server_start_serving(struct server *srv); /* -1 with errno set */
int server_port(const struct server *srv);
void server_resume(struct server *srv); /* a descriptor was freed: try again now */
void server_close(struct server *srv);

#endif
