#!/usr/bin/env bats
# async.h and asyncio.h alone (async_test, a C program built with the
# default backend); what the compiler refuses; and the server's
# --idle-timeout and graceful stop.

load ../test/helpers

# Each case is bounded: a lost wake-up fails by name, in seconds, not a
# frozen suite (the bound is generous, for a busy machine or valgrind).
async_case() {
    run timeout 20 ./async_test "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

# ---- the language: await, async with, async for ----------------------------

@test "async: await of an async function that awaits another; results come back" {
    async_case chain
    [ "$output" = "result 10" ]
}

@test "async with: the exit runs on an error, a timeout, a cancellation, and the end" {
    async_case with-exit
    [ "$output" = "enter exit (error) | enter exit (timeout) | enter exit (cancelled) | enter body exit (end) | " ]
}

@test "async for: an async generator that awaits between items; continue and break as in Python" {
    async_case async-for
    [ "$output" = "1 3 5 7 | again: 1 2 3 end" ]
}

# What the compiler must refuse, each with the message that names it. The
# snippet is compiled with the chapter's own flags.
refused() {
    local name=$1 want=$2
    cat >"$BATS_TEST_TMPDIR/$name.c"
    run ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Werror -fsyntax-only \
        -I"$PWD" "$BATS_TEST_TMPDIR/$name.c"
    echo "$output"
    [ "$status" -ne 0 ]
    grep -Eq -- "$want" <<<"$output"
}

SNIPPET_HEAD='#define _POSIX_C_SOURCE 200809L
#include "asyncio.h"
#include "gen.h"
struct f { struct task task; struct gen gen; struct lock_acquire acq; struct timeout tmo; };
struct lock l;'

@test "compile: await of something not awaitable (an int, a gen.h generator, an async generator, a frame) is refused" {
    refused int "_Generic|generic association" <<EOF
$SNIPPET_HEAD
static coro m(struct task *t) { struct f *self = (struct f *)t; async_begin(self); await(self, 5); async_end(self); }
EOF
    refused gen "_Generic|generic association" <<EOF
$SNIPPET_HEAD
struct counter { struct gen gen; int i; };
static int count(struct counter *c) { gen_begin(&c->gen); gen_yield(&c->gen, 1); gen_end(&c->gen, 0); }
static coro m(struct task *t) { struct f *self = (struct f *)t; static struct counter c; async_begin(self); await(self, count(&c)); async_end(self); }
EOF
    refused agen "_Generic|generic association" <<EOF
$SNIPPET_HEAD
static coro m(struct task *t) { struct f *self = (struct f *)t; static struct stream_chunks c; async_begin(self); await(self, stream_chunks(&c)); async_end(self); }
EOF
    refused frame "_Generic|generic association" <<EOF
$SNIPPET_HEAD
static coro m(struct task *t) { struct f *self = (struct f *)t; async_begin(self); await(self, self); async_end(self); }
EOF
}

@test "compile: await outside an async function is refused" {
    refused outside "async_wait_" <<EOF
$SNIPPET_HEAD
static coro m(struct task *t) { struct f *self = (struct f *)t; coro_begin(&self->gen); await(self, &self->task); coro_end(&self->gen); }
EOF
}

@test "compile: async_return inside async with, or async_with_end of another kind, is refused" {
    refused return "no_async_return_inside_async_with" <<EOF
$SNIPPET_HEAD
static coro m(struct task *t)
{
    struct f *self = (struct f *)t;
    async_begin(self);
    async_with(self, lock, &self->acq, &l) {
        async_return(self);
    } async_with_end(self, lock, &self->acq);
    async_end(self);
}
EOF
    refused mismatch "async_with_lock_" <<EOF
$SNIPPET_HEAD
static coro m(struct task *t)
{
    struct f *self = (struct f *)t;
    async_begin(self);
    async_with(self, timeout, &self->tmo, 10) {
    } async_with_end(self, lock, &self->acq);
    async_end(self);
}
EOF
}

@test "compile: the same snippets, written right, compile (so the refusals above are the ones named)" {
    cat >"$BATS_TEST_TMPDIR/right.c" <<EOF
$SNIPPET_HEAD
static coro m(struct task *t)
{
    struct f *self = (struct f *)t;
    async_begin(self);
    async_with(self, lock, &self->acq, &l) {
        await(self, &self->task);
    } async_with_end(self, lock, &self->acq);
    async_with(self, timeout, &self->tmo, 10) {
        break;
    } async_with_end(self, timeout, &self->tmo);
    async_return(self);
    async_end(self);
}
coro (*keep)(struct task *) = m;
EOF
    run ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Werror -fsyntax-only -I"$PWD" \
        "$BATS_TEST_TMPDIR/right.c"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "names: members called cancel, gather, wait_for, create_task compile; (o->await)(x) is the way for await" {
    async_case names
    [ "$output" = "names: 30" ]
}

# ---- tasks, gather, TaskGroup, shield, cancellation --------------------------

@test "tasks: sleeps in a TaskGroup end in deadline order, equal ones in the order started" {
    async_case sleep
    [ "$output" = "body done, 10a 10b 20 30 | group: 0" ]
}

@test "tasks: any number of tasks awaiting one all get its result" {
    async_case many-awaiters
    [ "$output" = "a:42 b:42 c:42 " ]
}

@test "gather: every task runs at once, whatever the order gathered" {
    async_case gather
    [ "$output" = "10 20 30 | gathered: 0" ]
}

@test "gather: stops at the first error, cancelling the rest" {
    async_case gather-error
    [ "${lines[0]}" = "B fails | gathered: EIO" ]
}

@test "gather: cancelling the task that gathers cancels every child at once" {
    async_case cancel-gather
    [ "${lines[0]}" = "| gathered: ECANCELED" ]
    [[ "${lines[1]}" =~ children\ -([0-9]+)\ -([0-9]+)\ -([0-9]+)$ ]]
}

@test "TaskGroup: the first failure cancels its siblings; the group's result is that failure" {
    async_case taskgroup
    [ "${lines[0]}" = "body done, ok, fails, | group: EIO" ]
}

@test "TaskGroup: a failure interrupts the block's own await, and the cancel is taken back" {
    async_case taskgroup-body
    [ "$output" = "body: ECANCELED, group: EIO, main cancelled: 0" ]
}

@test "shield: cancelling the awaiting task leaves the shielded task running to its end" {
    async_case shield
    [ "$output" = "outer: ECANCELED, then inner ends, inner: 5" ]
}

@test "cancel: delivered once; the task cleans up with a 50 ms sleep that takes its time, and goes on" {
    async_case cancel-continue
    [ "${lines[0]}" = "first: ECANCELED, cleanup: 0, task: 3, cancel when done: 0" ]
}

@test "cancel: a task that retries after each cancel wakes once per await, never in a loop" {
    async_case cancel-retry
    [ "$output" = "tries 5" ]
}

@test "asyncio_run: the tasks main leaves are cancelled, and each ends and frees itself" {
    async_case cancel
    [ "$output" = "cancelled and freed 100" ]
}

@test "asyncio_run: a second run after one that cancelled starts clean" {
    async_case run-twice
    [ "$output" = "slept" ]
}

# ---- timeouts ------------------------------------------------------------------

@test "timeout: an outer 100 ms around an inner 1 s ends at 100 ms, not 1 s" {
    async_case timeout-outer
    [ "${lines[0]}" = "inner sleep: ECANCELED, inner expired 0, outer expired 1, cancels left 0" ]
}

@test "timeout: an inner one that expires ends only the inner block; the outer still fires on time" {
    async_case timeout-inner
    [ "${lines[0]}" = "inner sleep: ECANCELED, inner expired 1, outer sleep: ECANCELED, outer expired 1, cancels left 0" ]
}

@test "timeout: a block that ends in time: nothing expired, no cancel left" {
    async_case timeout-in-time
    [ "$output" = "inner sleep: 0, inner expired 0, outer sleep: 0, outer expired 0, cancels left 0" ]
}

@test "wait_for: an outer 100 ms around an inner 2 s holds the outer deadline" {
    async_case wait-for-nested
    [ "${lines[0]}" = "inner: ECANCELED, outer: ETIMEDOUT, then slept: 0" ]
}

@test "wait_for: in time, the result comes through" {
    async_case wait-for-in-time
    [ "$output" = "inner: 7, outer: 7, then slept: 0" ]
}

# ---- Event, Lock, Semaphore, Queue ------------------------------------------------

@test "Lock: handed over in FIFO order, a late comer after those queued; Semaphore(2): two at once" {
    async_case lock
    [ "$output" = "A B C D | semaphore(2): at most 2 at once" ]
}

@test "Event: set() wakes every waiter; wait() on a set event does not wait" {
    async_case event
    [ "$output" = "set: woke woke woke | set already" ]
}

@test "Queue: a bounded queue makes put wait while it is full" {
    async_case queue
    [[ "$output" == "put 1 put 2 | get 1 "* ]]
}

# ---- streams ------------------------------------------------------------------

@test "streams: readline past its limit is -EMSGSIZE; a last line at EOF; readexactly at EOF is -ENODATA" {
    async_case readline
    [ "$output" = "[hello] EMSGSIZE [ too long] [ok] [end] | at eof: 1, readexactly: ENODATA" ]
}

@test "streams: write never waits; drain waits at the high-water mark; a second reader is refused" {
    async_case drain
    [ "${lines[0]}" = "written, kept 1; drained: 0, kept <= low 1; second reader: EBUSY" ]
}

@test "streams: a reader cancelled as a byte arrives leaves the byte for the next read" {
    async_case cancel-read
    [ "$output" = "reader: ECANCELED, next read: 1 byte z" ]
}

@test "streams: a drainer cancelled as the peer makes room sees -ECANCELED, and nothing aborts" {
    async_case cancel-drain
    [ "$output" = "drainer: ECANCELED" ]
}

@test "async with lock: a wait that is cancelled does not run the block, and gives back no lock" {
    async_case lock-cancel
    [ "$output" = "locker ended; held by main still 1" ]
}

@test "sock_*: the @types.coroutine layer used directly, as loop.sock_accept/connect/sendall/recv" {
    async_case sock
    [ "$output" = "accepted, read 5 bytes: hello, then EOF; sent: 0" ]
}

@test "gather: a task already in a TaskGroup is refused (-EINVAL, one line), and the group completes" {
    run timeout 20 ./async_test gather-refused
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "gather: task grouped is in a TaskGroup or a gather already" ]
    [ "${lines[1]}" = "gather: -22, slept group: 0, task: 4" ]
}

@test "wait_for cancelled from outside: its result is the cancel, and the cleanup await after it works" {
    async_case wait-for-cancelled
    [ "$output" = "wait_for: ECANCELED, cleanup: 0, task: ECANCELED" ]
}

@test "async with: continue inside the block, in a loop, is refused by name (C cannot continue the loop as Python does)" {
    run timeout 20 ./async_test continue-refused
    echo "$output"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ "$output" == *"continue inside async_with: C cannot continue the loop"* ]]
}

@test "await: an awaited expression with a side effect (k++) is refused at the first resumption, naming the rule" {
    run timeout 20 ./async_test await-side-effect
    echo "$output"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ "$output" == *"resumed into a frame that was not suspended"*"no side effects such as k++"* ]]
    [[ "$output" != *"k 1"* ]]
}

@test "sock_recv: a cancelled task whose fd number was reused meanwhile leaves the new owner's reader alone" {
    async_case cancel-reuse
    [ "$output" = "A: ECANCELED, C: 2" ]
}

@test "TaskGroup: a group whose last task ended in the block, then got another, waits for that one at the exit" {
    async_case taskgroup-refill
    [ "$output" = "a b exit: b done 1" ]
}

@test "async_test: an unknown case is a usage error" {
    run ./async_test nope
    [ "$status" -eq 2 ]
    [[ "$output" == usage:* ]]
}

# ---- the server: --idle-timeout counts bytes moving either way --------------------

@test "--idle-timeout: an idle connection is closed, a long busy one and a slow reader are not" {
    start_server 0 --idle-timeout 0.3
    spawn "$TCLIENT" hold "$PORT" -c 1 -q 5000 -t 10
    local idler=$SPAWNED
    wait_for "$SERVER_ERR" '^accepted fd'
    # One connection, busy for 2 s (over six timeout periods).
    run timeout 30 ./client -c 1 -d 2 "$PORT"
    echo "$output"
    [ "$status" -eq 0 ]
    wait_exit "$idler" 10
    [ "$(grep -c 'idle timeout$' "$SERVER_ERR")" -eq 1 ]
    # A reader so slow that the server waits on it, about 1.3 s in all,
    # but whose echo never stops for long.
    run tc trickle "$PORT" -s 8M -k 64K -i 10 -t 30
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'idle timeout$' "$SERVER_ERR")" -eq 1 ]
}

@test "--idle-timeout: a client that sends and never reads is closed within about the timeout" {
    start_server 0 --idle-timeout 0.3
    # It sends until the server, which cannot send it the echo, stops
    # reading; then nothing moves, and the server closes it.
    local t0=$SECONDS
    run tc stall "$PORT" -s 64M -t 30
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" =~ (reset\ by\ peer|EOF|Broken\ pipe) ]]
    wait_for "$SERVER_ERR" 'idle timeout$' 5
    [ $((SECONDS - t0)) -lt 10 ] # not the 30 s the client would wait
}

@test "--idle-timeout and --grace want a number of seconds" {
    run --separate-stderr timeout 5 "$SERVER" --idle-timeout 0 0
    [ "$status" -eq 2 ]
    run --separate-stderr timeout 5 "$SERVER" --idle-timeout abc 0
    [ "$status" -eq 2 ]
    run --separate-stderr timeout 5 "$SERVER" 0 --idle-timeout
    [ "$status" -eq 2 ]
    run --separate-stderr timeout 5 "$SERVER" --grace -1 0
    [ "$status" -eq 2 ]
    run --separate-stderr timeout 5 "$SERVER" 0 --grace
    [ "$status" -eq 2 ]
    [[ "$stderr" =~ ^usage:\ server ]]
}

# ---- the server: graceful stop ---------------------------------------------------

# Until a new client is refused: the server has stopped accepting.
wait_refused() {
    local i
    for i in $(seq 100); do
        timeout 5 "$TCLIENT" echo "$PORT" -s 10 2>/dev/null || return 0
        sleep 0.05
    done
    echo "the server still accepts" >&2
    return 1
}

@test "SIGTERM: conversations go on; bytes in flight all come back; a new client is not served; exit 0" {
    start_server 0 --grace 20
    local d=$BATS_TEST_TMPDIR
    mkfifo "$d/go"
    exec 4<>"$d/go"
    # Stalled mid-transfer: megabytes in flight, some of them still unsent.
    spawn "$TCLIENT" stall "$PORT" -s 32M -w 1 -t 60 <"$d/go" >"$d/stall.out"
    local staller=$SPAWNED
    wait_for "$d/stall.out" '^stalled after'
    kill -TERM "$SERVER_PID"
    # The listener goes at once: a new client is refused.
    wait_refused
    kill -0 "$SERVER_PID" # still serving the one it has
    exec 4>&- # the staller reads and sends the rest, half-closes, checks every byte
    wait_exit "$staller" 60
    cat "$d/stall.out"
    [ "$EXIT_STATUS" -eq 0 ]
    grep -q '^ok: all 33554432 bytes echoed$' "$d/stall.out"
    wait_exit "$SERVER_PID" 10
    SERVER_PID=
    [ "$EXIT_STATUS" -eq 0 ]
    grep -Eq '^closed fd [0-9]+ \(127\.0\.0\.1:[0-9]+\): client closed$' "$SERVER_ERR"
}

@test "SIGTERM: an idle client is closed when the grace runs out; exit 0" {
    start_server 0 --grace 0.5
    spawn "$TCLIENT" hold "$PORT" -c 1 -q 20000 -t 30 >"$BATS_TEST_TMPDIR/hold.out"
    local hold=$SPAWNED
    wait_for "$SERVER_ERR" '^accepted fd'
    local t0=$SECONDS
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID" 10
    SERVER_PID=
    [ "$EXIT_STATUS" -eq 0 ]
    wait_exit "$hold" 10
    grep -q 'closed 1' "$BATS_TEST_TMPDIR/hold.out"
    grep -Eq 'server stopping$' "$SERVER_ERR"
}

@test "SIGINT on a busy server: every task cancelled in mid-conversation, exit 0, nothing completed twice" {
    local round
    for round in 1 2 3; do
        start_server 0
        spawn ./client -c 50 -d 10 "$PORT"
        wait_for "$SERVER_ERR" '^accepted fd'
        # Let the conversations get going: 50 accepted, and then some.
        local i
        for i in $(seq 40); do
            [ "$(grep -c '^accepted fd' "$SERVER_ERR")" -ge 50 ] && break
            sleep 0.05
        done
        stop_server INT
        [ "$SERVER_STATUS" -eq 0 ]
        ! grep -q 'completed twice' "$SERVER_ERR"
    done
}

@test "SIGINT, or a second SIGTERM: stop at once, long before the grace runs out" {
    local sig
    for sig in INT TERM; do
        start_server 0 --grace 30
        spawn "$TCLIENT" hold "$PORT" -c 1 -q 20000 -t 60
        wait_for "$SERVER_ERR" '^accepted fd'
        if [ "$sig" = TERM ]; then
            # The first, graceful one; the second only once it is handled:
            # two of the same signal sent at once are delivered as one.
            kill -TERM "$SERVER_PID"
            wait_refused
        fi
        kill -"$sig" "$SERVER_PID"
        wait_exit "$SERVER_PID" 10 # not 30
        SERVER_PID=
        [ "$EXIT_STATUS" -eq 0 ]
        grep -Eq 'server stopping$' "$SERVER_ERR"
    done
}
