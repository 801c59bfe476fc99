#!/usr/bin/env bats
# The twins (twins/README.md): each claim of this chapter as a C program on
# asyncio.h (twins/NAME.c, built by `make twins`) and a Python program on
# asyncio (twins/NAME.py), both held to one expected output, twins/NAME.out.
# There, "# " lines are notes, "c: " lines only the C prints and "py: "
# lines only the Python: a departure from asyncio, named in the note above it.
#
# The Python side needs python3 3.11 or newer; without it, one test says so
# and skips, and the C side is still held to NAME.out.

load ../test/helpers

TWIN_SECONDS=20 # per side: generous, for a busy machine or a sanitized build

python_ok() {
    command -v python3 >/dev/null &&
        python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

# expected SIDE NAME: NAME.out as SIDE (c or py) must print it.
expected() {
    local other=py
    [ "$1" = c ] || other=c
    sed -e '/^#/d' -e "/^$other: /d" -e "s/^$1: //" "twins/$2.out"
}

# side SIDE NAME CMD...: runs CMD under timeout; its stdout must be NAME.out
# as SIDE prints it, and it must exit 0. On a failure: the diff and stderr.
side() {
    local s=$1 name=$2 status=0
    shift 2
    local out=$BATS_TEST_TMPDIR/$name.$s.out err=$BATS_TEST_TMPDIR/$name.$s.err
    timeout "$TWIN_SECONDS" "$@" >"$out" 2>"$err" 3>&- || status=$?
    if ! diff -u --label "twins/$name.out ($s)" --label "$*" <(expected "$s" "$name") "$out" ||
        [ "$status" != 0 ]; then
        [ "$status" != 124 ] || echo "$*: still running after $TWIN_SECONDS s, killed"
        echo "$*: exit status $status; its stderr:"
        cat "$err"
        return 1
    fi
}

# twin NAME: both sides, each held to NAME.out (both run, whichever fails).
twin() {
    local failed=0
    [ -x "twins/$1" ] || { echo "twins/$1 is not built (make twins)"; return 1; }
    side c "$1" "twins/$1" || failed=1
    if python_ok; then side py "$1" python3 "twins/$1.py" || failed=1; fi
    return "$failed"
}

@test "twins: python3 3.11 or newer, for the Python side" {
    python_ok || skip "python3 3.11 or newer not found: the twins' Python side is not run (their C side is)"
}

@test "twins: each NAME.c has its NAME.py, its NAME.out and a test here" {
    local c name missing=0
    for c in twins/*.c; do
        name=$(basename "$c" .c)
        for f in "twins/$name.py" "twins/$name.out"; do
            [ -e "$f" ] || { echo "missing: $f"; missing=1; }
        done
        grep -q "^    twin $name\$" "$BATS_TEST_FILENAME" || { echo "no test runs $name"; missing=1; }
    done
    [ "$missing" = 0 ]
}

# ---- tasks ------------------------------------------------------------------

@test "task_await_result: a task's result comes back to its awaiter; a coroutine awaited runs to its end" {
    twin task_await_result
}

@test "gather_order: children run at once; results in the order gathered" {
    twin gather_order
}

@test "gather_failing_child: the awaiter gets the first error (C: the others are cancelled)" {
    twin gather_failing_child
}

@test "taskgroup_results: the block's end waits for every task; their results are there" {
    twin taskgroup_results
}

@test "taskgroup_failing_child: a failure cancels the siblings and the block's await; the group fails with it" {
    twin taskgroup_failing_child
}

@test "shield_inner_survives: cancelling the awaiter of a shielded task leaves that task running" {
    twin shield_inner_survives
}

@test "sleep0_interleave: tasks take turns at each sleep(0), in the order created" {
    twin sleep0_interleave
}

# ---- timeouts -----------------------------------------------------------------

@test "timeout_expires: an expired timeout interrupts the await and leaves the block; one in time does not" {
    twin timeout_expires
}

@test "wait_for_in_time: the result comes through" {
    twin wait_for_in_time
}

@test "wait_for_timeout: the awaited task is cancelled and waited for, then the timeout" {
    twin wait_for_timeout
}

# ---- Event, Lock, Semaphore, Queue ------------------------------------------------

@test "event_wakes_all: set() wakes every waiter in order; a set event does not wait" {
    twin event_wakes_all
}

@test "lock_fifo: handed over in the order asked, one inside at a time" {
    twin lock_fifo
}

@test "semaphore_two_inside: at most two inside, the others in the order asked" {
    twin semaphore_two_inside
}

@test "queue_pipeline: items in order; put waits while the queue is full" {
    twin queue_pipeline
}

# ---- streams, on a socket on 127.0.0.1 ------------------------------------------------

@test "stream_echo: start_server and open_connection echo lines until the client closes" {
    twin stream_echo
}

@test "stream_readline_limit: a line past the limit is an error, and reading goes on (C: what of the line is dropped)" {
    twin stream_readline_limit
}

@test "stream_readexactly_eof: EOF before n bytes is an error that keeps the partial bytes" {
    twin stream_readexactly_eof
}

@test "stream_two_drainers: drain waits while a slow reader takes nothing; two tasks draining one writer both wake" {
    twin stream_two_drainers
}

# ---- cancellation, as asyncio's CancelledError travels ----------------------

@test "cancel_before_first_step: a task cancelled before its first step never runs; cancel() when done is False" {
    twin cancel_before_first_step
}

@test "cancel_delivered_once: two cancel() calls in one turn are one cancel; the cleanup await after it runs" {
    twin cancel_delivered_once
}

@test "lock_woken_then_cancelled: a waiter woken and cancelled in one turn never enters; the next one does" {
    twin lock_woken_then_cancelled
}

@test "lock_cancel_then_release: cancel of the first waiter, then release, in one turn: one inside at a time (Lock, Semaphore(1))" {
    twin lock_cancel_then_release
}

@test "queue_woken_then_cancelled: a getter woken and cancelled in one turn takes nothing; no item is lost" {
    twin queue_woken_then_cancelled
}

@test "timeout_outer_through_inner: an outer deadline fires through an inner scope, on time; the next await works" {
    twin timeout_outer_through_inner
}

@test "timeout_inner_expires: an inner timeout ends only the inner block; the outer still fires on time" {
    twin timeout_inner_expires
}

@test "wait_for_cancelled_cleanup: wait_for cancelled from outside; the caller's cleanup awaits work" {
    twin wait_for_cancelled_cleanup
}

@test "taskgroup_cancelled_from_outside: the children are cancelled, and the task ends cancelled" {
    twin taskgroup_cancelled_from_outside
}

@test "taskgroup_after_caught_cancel: a cancel caught before the group does not stop its children" {
    twin taskgroup_after_caught_cancel
}

@test "gather_child_cancelled: a child cancelled by someone else is the awaiter's cancel; gather(t, t) counts t once" {
    twin gather_child_cancelled
}

@test "stream_close_wakes_waiters: abort and close wake the waiting read (at EOF) and every drainer" {
    twin stream_close_wakes_waiters
}

@test "cancel_retry: a task that retries after each cancel sleeps once per await; three cancels, five sleeps" {
    twin cancel_retry
}

@test "timeout_passes_free_lock: (departure) a passed-on cancel lands on the next await that waits, not on a free lock" {
    twin timeout_passes_free_lock
}
