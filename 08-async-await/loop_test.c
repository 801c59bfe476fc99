/*
 * loop_test: the loop's contracts, one case per run: `loop_test CASE`.
 * Built against each backend (build/<backend>/loop_test) and run by
 * selectors.bats, plain and under ASan, which catches a callback called on
 * freed memory. Prints what it saw; exits 1 on the first broken contract.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

static struct loop *loop;
static double t_open; /* just before loop_open(), when the loop reads its clock */
static char log_[64];
static int calls[8];

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "loop_test: %s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                  \
        }                                                                             \
    } while (0)

static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

/* Timers and callbacks are the caller's memory: the tests take theirs from
 * here, zeroed. */
static struct loop_timer timers[16];
static int ntimers;

static struct loop_timer *later(long ms, loop_cb *cb, void *arg)
{
    CHECK(ntimers < 16);
    loop_call_later(loop, &timers[ntimers], ms, cb, arg);
    return &timers[ntimers++];
}

static void note(void *arg)
{
    size_t n = strlen(log_);
    if (n + 1 < sizeof log_)
        log_[n] = *(const char *)arg;
}

/* ---- closing fds from callbacks ---------------------------------------- */

static int a[2], b[2];

static void close_self_reader(void *arg)
{
    (void)arg;
    calls[0]++;
    loop_remove_reader(loop, a[0]);
    loop_remove_writer(loop, a[0]);
    close(a[0]);
}

static void close_self_writer(void *arg)
{
    (void)arg;
    calls[1]++;
}

/* Readable and writable in one turn; the reader closes the fd: no writer. */
static void case_close_self(void)
{
    pair(a);
    CHECK(write(a[1], "x", 1) == 1);
    CHECK(loop_add_reader(loop, a[0], close_self_reader, NULL) == 0);
    CHECK(loop_add_writer(loop, a[0], close_self_writer, NULL) == 0);
    CHECK(loop_once(loop) == 0);
    printf("reader %d writer %d\n", calls[0], calls[1]);
    CHECK(calls[0] == 1 && calls[1] == 0);
    close(a[1]);
}

static int *fd_of[2] = {&a[0], &b[0]};
static int replaced_fd = -1, reused;
static int r[2];

static void on_replacement(void *arg)
{
    (void)arg;
    calls[2]++;
    char c;
    CHECK(read(r[0], &c, 1) == 1);
}

/* Whichever runs first closes the other one, then opens a new socket, which
 * gets the closed one's number, and makes it readable at once. */
static void close_other(void *arg)
{
    int me = *(int *)arg, other = !me;
    calls[me]++;
    if (replaced_fd >= 0)
        return;
    replaced_fd = *fd_of[other];
    loop_remove_reader(loop, replaced_fd);
    CHECK(close(replaced_fd) == 0);
    pair(r);
    reused = r[0] == replaced_fd;
    CHECK(write(r[1], "y", 1) == 1);
    CHECK(loop_add_reader(loop, r[0], on_replacement, NULL) == 0);
    char c;
    CHECK(read(*fd_of[me], &c, 1) == 1);
}

static void case_close_other(void)
{
    static int ids[2] = {0, 1};
    pair(a);
    pair(b);
    CHECK(write(a[1], "x", 1) == 1 && write(b[1], "x", 1) == 1);
    CHECK(loop_add_reader(loop, a[0], close_other, &ids[0]) == 0);
    CHECK(loop_add_reader(loop, b[0], close_other, &ids[1]) == 0);
    CHECK(loop_once(loop) == 0);
    printf("turn 1: first %d second %d replacement %d (fd %d reused: %s)\n", calls[0],
           calls[1], calls[2], replaced_fd, reused ? "yes" : "no");
    CHECK(reused);                        /* the case this test is about */
    CHECK(calls[0] + calls[1] == 1);      /* the closed one got no callback */
    CHECK(calls[2] == 0);                 /* nor did its successor, this turn */
    CHECK(loop_once(loop) == 0);
    printf("turn 2: replacement %d\n", calls[2]);
    CHECK(calls[2] == 1);
}

static void drop_writer(void *arg)
{
    (void)arg;
    calls[0]++;
    loop_remove_writer(loop, a[0]);
}

/* A reader that removes its fd's writer: the writer is not called. */
static void case_remove_writer(void)
{
    pair(a);
    CHECK(write(a[1], "x", 1) == 1);
    CHECK(loop_add_reader(loop, a[0], drop_writer, NULL) == 0);
    CHECK(loop_add_writer(loop, a[0], close_self_writer, NULL) == 0);
    CHECK(loop_once(loop) == 0);
    printf("reader %d writer %d\n", calls[0], calls[1]);
    CHECK(calls[0] == 1 && calls[1] == 0);
}

/* ---- timers ------------------------------------------------------------- */

static void run_until(size_t n)
{
    for (int turns = 0; strlen(log_) < n; turns++) {
        CHECK(turns < 1000);
        CHECK(loop_once(loop) == 0);
    }
}

/* Equal deadlines run in the order set; shorter delays first. */
static void case_timer_order(void)
{
    later(30, note, "e");
    later(0, note, "a");
    later(0, note, "b");
    later(10, note, "d");
    later(0, note, "c");
    run_until(5);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "abcde") == 0);
}

static void add_another(void *arg)
{
    note(arg);
    later(0, note, "2");
}

/* A timer set by a timer callback, due at once, waits for the next pass. */
static void case_timer_from_callback(void)
{
    later(0, add_another, "1");
    CHECK(loop_once(loop) == 0);
    printf("after turn 1: %s\n", log_);
    CHECK(strcmp(log_, "1") == 0);
    CHECK(loop_once(loop) == 0);
    printf("after turn 2: %s\n", log_);
    CHECK(strcmp(log_, "12") == 0);
}

static struct loop_timer *victim;


static void cancel_victim(void *arg)
{
    note(arg);
    loop_cancel(loop, victim);
}

/* Cancelled before it is due, or by a timer of the same pass: never runs. */
static void case_timer_cancel(void)
{
    struct loop_timer *t = later(0, note, "x");
    loop_cancel(loop, t);
    loop_cancel(loop, t); /* twice: a timer on no queue is left alone */
    later(0, cancel_victim, "a");
    victim = later(0, note, "y");
    later(5, note, "b");
    run_until(2);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "ab") == 0);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A 5 ms timer takes a turn or two, not a busy loop of 0 ms waits, and
 * does not run early. */
static void case_timer_no_spin(void)
{
    later(5, note, "t");
    int turns = 0;
    while (!log_[0]) {
        CHECK(loop_once(loop) == 0);
        turns++;
        CHECK(turns < 100);
    }
    double waited = now_ms() - t_open;
    printf("fired after %.2f ms in %d turns\n", waited, turns);
    CHECK(waited >= 5.0);
    CHECK(turns <= 3);
}

/* A timer's delay is a long: any value is accepted. Negative counts as 0;
 * one too large for the clock (LONG_MAX ms) is due very far away, not
 * wrapped around into the past. */
static void case_timer_extreme(void)
{
    later(LONG_MAX, note, "z");
    later(-1000, note, "a");
    later(LONG_MIN, note, "b");
    later(1, note, "c");
    run_until(3);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "abc") == 0);
    /* One more turn, with the far timer first in line: the wait computed
     * from it stays in range (a readable fd ends the wait at once). */
    pair(a);
    CHECK(write(a[1], "x", 1) == 1);
    CHECK(loop_add_reader(loop, a[0], note, "r") == 0);
    CHECK(loop_once(loop) == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "abcr") == 0);
}

/* ---- the ready queue ---------------------------------------------------- */

static struct loop_callback soon[4];

static void soon_again(void *arg)
{
    note(arg);
    loop_call_soon(loop, &soon[3], note, "2");
}

/* call_soon runs in order, in the coming pass; one scheduled from that
 * pass waits for the next turn, and that turn does not wait at all (with
 * nothing else to wake it, a wait would never end: alarm() would fire). */
static void case_soon_order(void)
{
    loop_call_soon(loop, &soon[0], note, "a");
    loop_call_soon(loop, &soon[1], soon_again, "b");
    loop_call_soon(loop, &soon[2], note, "c");
    alarm(5);
    CHECK(loop_once(loop) == 0);
    printf("turn 1: %s", log_);
    CHECK(strcmp(log_, "abc") == 0);
    CHECK(loop_once(loop) == 0);
    printf(", turn 2: %s\n", log_ + 3);
    CHECK(strcmp(log_, "abc2") == 0);
}

static void unschedule(void *arg)
{
    note(arg);
    loop_queue_remove(&soon[1]);
}

/* A callback taken off the queue by an earlier one of the same pass never
 * runs; scheduling one that is queued moves it to the end. */
static void case_soon_cancel(void)
{
    loop_call_soon(loop, &soon[2], note, "x");
    loop_call_soon(loop, &soon[0], unschedule, "a");
    loop_call_soon(loop, &soon[1], note, "y");
    loop_call_soon(loop, &soon[2], note, "b");
    CHECK(loop_once(loop) == 0);
    printf("%s\n", log_);
    CHECK(strcmp(log_, "ab") == 0);
    CHECK(!soon[0].queue && !soon[1].queue && !soon[2].queue);
}

/* Args that the loop compares by address: each is one object, where
 * equal string literals may or may not be merged into one. */
static char arg_r[] = "r", arg_w[] = "w", arg_x[] = "x";

/* A parked reader keeps the fd in the selector and is never called: when
 * the fd turns readable, the loop drops it; added again, it is called. */
static void case_park(void)
{
    pair(a);
    CHECK(loop_add_reader(loop, a[0], note, arg_r) == 0);
    loop_park_reader(loop, a[0], arg_r);
    CHECK(loop_reader(loop, a[0]) == LOOP_PARKED);
    CHECK(write(a[1], "x", 1) == 1);
    later(0, note, "t"); /* so that the turn cannot block */
    CHECK(loop_once(loop) == 0);
    printf("parked: %s", log_);
    CHECK(strcmp(log_, "t") == 0);
    CHECK(loop_reader(loop, a[0]) == LOOP_NO_READER);
    CHECK(loop_add_reader(loop, a[0], note, "r") == 0);
    CHECK(loop_reader(loop, a[0]) == LOOP_READER);
    CHECK(loop_once(loop) == 0);
    printf(", added again: %s\n", log_ + 1);
    CHECK(strcmp(log_, "tr") == 0);
}

/* Parking or removing with an arg touches the fd's reader or writer only
 * if it was added with that arg: one added since under the same number
 * (another owner's) is left alone; one's own is parked, or removed. */
static void case_own(void)
{
    pair(a);
    CHECK(loop_add_reader(loop, a[0], note, arg_r) == 0);
    CHECK(loop_add_writer(loop, a[0], note, arg_w) == 0);
    loop_park_reader(loop, a[0], arg_x);
    CHECK(loop_remove_writer_of(loop, a[0], arg_x) == 0);
    CHECK(loop_remove_reader_of(loop, a[0], arg_w) == 0);
    CHECK(loop_reader(loop, a[0]) == LOOP_READER);
    CHECK(write(a[1], "x", 1) == 1);
    CHECK(loop_once(loop) == 0);
    printf("another's: %s called", log_);
    CHECK(strcmp(log_, "rw") == 0);
    loop_park_reader(loop, a[0], arg_r);
    CHECK(loop_remove_writer_of(loop, a[0], arg_w) == 0);
    CHECK(loop_reader(loop, a[0]) == LOOP_PARKED);
    later(0, note, "t"); /* so that the turn cannot block */
    CHECK(loop_once(loop) == 0);
    printf(", its own: parked and removed, %s\n", log_ + 2);
    CHECK(strcmp(log_, "rwt") == 0);
    CHECK(loop_reader(loop, a[0]) == LOOP_NO_READER);
}

/* ---- re-entry ------------------------------------------------------------ */

/* Whichever of the two readers runs first drops the other and, with a
 * timer due at once (so that a nested turn would not block), tries to run
 * the loop from inside its callback. Both calls must be refused, and the
 * outer turn must go on as if they had not been made. */
static void reenter(void *arg)
{
    int me = *(int *)arg, other = !me;
    calls[me]++;
    if (calls[0] + calls[1] > 1)
        return;
    char c;
    CHECK(read(*fd_of[me], &c, 1) == 1);
    loop_remove_reader(loop, *fd_of[other]);
    later(0, note, "t");
    loop_stop(loop);
    errno = 0;
    int rc = loop_once(loop);
    printf("loop_once in a callback: %d (%s)\n", rc, rc < 0 ? strerror(errno) : "ran a turn");
    CHECK(rc == -1 && errno == EBUSY);
    errno = 0;
    rc = loop_run(loop);
    printf("loop_run in a callback: %d (%s)\n", rc, rc < 0 ? strerror(errno) : "ran");
    CHECK(rc == -1 && errno == EBUSY);
}

static void case_reentry(void)
{
    static int ids[2] = {0, 1};
    pair(a);
    pair(b);
    CHECK(write(a[1], "x", 1) == 1 && write(b[1], "x", 1) == 1);
    CHECK(loop_add_reader(loop, a[0], reenter, &ids[0]) == 0);
    CHECK(loop_add_reader(loop, b[0], reenter, &ids[1]) == 0);
    /* The callback's loop_stop() holds: the refused loop_run() did not
     * clear it, so this returns after the one turn. */
    CHECK(loop_run(loop) == 0);
    printf("readers called %d, timer %s\n", calls[0] + calls[1], log_);
    CHECK(calls[0] + calls[1] == 1); /* the dropped reader was not called */
    CHECK(strcmp(log_, "t") == 0);   /* the timer ran once, in the outer turn */
}

/* loop_close() from a reader's callback and from a timer's: each refused
 * with one line, and the loop runs on (a later timer still fires) until
 * loop_run() returns; main() then closes it. Had it freed the loop, the
 * turn would have gone on in freed memory (ASan: heap-use-after-free). */
static void close_running(void *arg)
{
    note(arg);
    loop_close(loop);
}

static void close_running_reader(void *arg)
{
    char c;
    CHECK(read(a[0], &c, 1) == 1);
    loop_remove_reader(loop, a[0]);
    close_running(arg);
}

static void stop_running(void *arg)
{
    note(arg);
    loop_stop(loop);
}

static void case_close_running(void)
{
    pair(a);
    CHECK(write(a[1], "x", 1) == 1);
    CHECK(loop_add_reader(loop, a[0], close_running_reader, "r") == 0);
    later(0, close_running, "t");
    later(1, stop_running, "s");
    CHECK(loop_run(loop) == 0);
    printf("reader, timer, then a later turn: %s\n", log_);
    CHECK(strcmp(log_, "rts") == 0);
}

/* ---- the selector's limit ---------------------------------------------- */

static void case_big_fd(void)
{
    struct rlimit rl; /* fd 1100 needs a soft limit above the usual 1024 */
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 1101) {
        printf("skip: the hard limit on open files is below 1101\n");
        return;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1101) {
        rl.rlim_cur = 1101;
        CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    }
    pair(a);
    int fd = dup2(a[0], 1100);
    CHECK(fd == 1100);
    int rc = loop_add_reader(loop, fd, note, "z");
    printf("register fd 1100 with %s: %s\n", loop_backend(), rc == 0 ? "ok" : strerror(errno));
    if (rc == 0)
        loop_remove_reader(loop, fd);
    close(fd);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"close-self", case_close_self},
        {"close-other", case_close_other},
        {"remove-writer", case_remove_writer},
        {"timer-order", case_timer_order},
        {"timer-from-callback", case_timer_from_callback},
        {"timer-cancel", case_timer_cancel},
        {"timer-no-spin", case_timer_no_spin},
        {"timer-extreme", case_timer_extreme},
        {"reentry", case_reentry},
        {"close-running", case_close_running},
        {"soon-order", case_soon_order},
        {"soon-cancel", case_soon_cancel},
        {"park", case_park},
        {"own", case_own},
        {"big-fd", case_big_fd},
    };
    t_open = now_ms();
    loop = loop_open();
    CHECK(loop != NULL);
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            loop_close(loop);
            return 0;
        }
    fprintf(stderr, "usage: loop_test CASE   (close-self, close-other, remove-writer, "
                    "timer-order, timer-from-callback, timer-cancel, timer-no-spin, "
                    "timer-extreme, reentry, close-running, soon-order, soon-cancel, park, "
                    "own, big-fd)\n");
    return 2;
}
