#!/usr/bin/env bats
# Chapter 08's own tests, run once per backend with SELECTOR and SERVER set
# by the Makefile: the iterator and the loop (sel_test, loop_test, as in 05
# and 06, and the ready queue), the backend's limits, and TRACE=1, now with
# futures and tasks. gen.h, async.h and asyncio.h alone are tested in gen.bats and async.bats. (The
# contract and concurrent suites run against the same server.)

load ../test/helpers

LOOP_TEST=$(dirname "$SERVER")/loop_test
SEL_TEST=$(dirname "$SERVER")/sel_test

sel_case() {
    run "$SEL_TEST" "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "iterator: an empty result ends at once" {
    sel_case empty
    [ "$output" = "end" ]
}

@test "iterator: one ready fd among two, one event" {
    sel_case one
    [ "$output" = "b:r end" ]
}

@test "iterator: READ and WRITE on one fd come as one event" {
    sel_case read-write
    [ "$output" = "a:rw end" ]
}

@test "iterator: an fd unregistered while iterating is not handed out" {
    sel_case unregister
    [ "$output" = "1 event(s)" ]
}

@test "iterator: a new registration under a reused fd number waits for the next select" {
    sel_case reuse
    [[ "$output" =~ ^[ab]\ \|\ fd\ reused:\ yes\ \|\ next\ select:\ [ab]:r\ new:r\ end$ ]]
}

@test "iterator: an interest dropped while iterating is not reported" {
    sel_case interest
    [ "$output" = "1 event(s)" ]
}

loop_case() {
    run "$LOOP_TEST" "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "readiness line names the backend" {
    start_server
    [ "$(cat "$SERVER_OUT")" = "listening on 127.0.0.1:$PORT ($SELECTOR)" ]
}

@test "loop: a callback that closes its own fd gets no further callback for it" {
    loop_case close-self
}

@test "loop: closing another fd in the same turn, and accept-style reuse of its number, is safe" {
    loop_case close-other
}

@test "loop: a reader that removes its fd's writer stops the writer at once" {
    loop_case remove-writer
}

@test "loop: timers run by deadline, equal deadlines in the order added" {
    loop_case timer-order
}

@test "loop: a timer added by a timer waits for the next pass" {
    loop_case timer-from-callback
}

@test "loop: a cancelled timer never runs, even when cancelled in its own pass" {
    loop_case timer-cancel
}

@test "loop: a short timer takes a turn or two, not a busy loop, and is not early" {
    loop_case timer-no-spin
}

@test "loop: any delay is accepted: negative runs at once, LONG_MAX ms neither wraps nor overflows" {
    loop_case timer-extreme
}

@test "loop: call_soon runs in order, in the coming pass; one scheduled from that pass waits a turn, which does not block" {
    loop_case soon-order
}

@test "loop: a callback taken off the ready queue never runs; scheduling a queued one moves it" {
    loop_case soon-cancel
}

@test "loop: a parked reader is never called; the loop drops it when the fd turns readable" {
    loop_case park
}

@test "loop: parking or removing with an arg leaves another owner's reader and writer alone" {
    loop_case own
    [ "$output" = "another's: rw called, its own: parked and removed, t" ]
}

@test "loop: loop_once and loop_run called from a callback are refused (EBUSY), with one line" {
    loop_case reentry
    [ "$(grep -c '^loop: loop_once() called from a callback: this event loop is already running$' <<<"$output")" -eq 1 ]
    [ "$(grep -c '^loop: loop_run() called from a callback: this event loop is already running$' <<<"$output")" -eq 1 ]
}

@test "loop: loop_close called from a callback is refused, with one line, and the loop runs on" {
    loop_case close-running
    [ "$(grep -c '^loop: loop_close() called from a callback: cannot close a running event loop$' <<<"$output")" -eq 2 ]
}

@test "backend limit: select cannot watch fd 1100, epoll and poll can" {
    run "$LOOP_TEST" big-fd
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != skip:* ]] || skip "${output#skip: }"
    if [ "$SELECTOR" = select ]; then
        [ "$output" = "register fd 1100 with select: Invalid argument" ]
    else
        [ "$output" = "register fd 1100 with $SELECTOR: ok" ]
    fi
}

@test "backend limit: beyond FD_SETSIZE the select server refuses cleanly, the others serve" {
    start_server 0
    run tc hold "$PORT" -c 1100 -q 500
    echo "$output"
    [ "$status" -eq 0 ]
    if [ "$SELECTOR" = select ]; then
        [[ "$output" =~ ^phase1:\ echoed\ ([0-9]+)\ closed\ ([0-9]+)\ waiting\ 0$ ]]
        [ "${BASH_REMATCH[1]}" -ge 1000 ] && [ "${BASH_REMATCH[2]}" -ge 1 ]
        # The connection's first wait is refused, and the error sent in ends it.
        grep -Eq '^closed fd 1024 \(127\.0\.0\.1:[0-9]+\): Invalid argument$' "$SERVER_ERR"
        run tc echo "$PORT" -c 10 -s 10K
        [ "$status" -eq 0 ]
    else
        [ "$output" = "phase1: echoed 1100 closed 0 waiting 0" ]
    fi
}

@test "10,000 connections open at once, each echoed exactly (epoll, poll)" {
    [ "$SELECTOR" != select ] || skip "select cannot watch fds >= FD_SETSIZE"
    local need=10100 hard
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] || [ "$hard" -ge "$need" ] ||
        skip "the hard limit on open files is $hard; this test needs $need"
    start_server
    run tc echo "$PORT" -c 10000 -s 100 -a 1 -t 120
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "TRACE=1: each turn's ready fds and callbacks; futures completed, and the tasks they wake" {
    TRACE=1 start_server 0
    # One step at a time, so that the trace does not depend on timing: a
    # client (bash's /dev/tcp) connects, waits until the connection's task
    # awaits its first read, sends 5 bytes, reads them back, and closes.
    exec 5<>"/dev/tcp/127.0.0.1/$PORT"
    wait_for "$SERVER_ERR" '^  task conn: awaits readable'
    printf hello >&5
    local reply
    read -r -t 10 -N 5 reply <&5
    [ "$reply" = hello ]
    exec 5>&-
    wait_for "$SERVER_ERR" '^closed fd'
    stop_server
    cat "$SERVER_ERR"
    # fd and turn numbers vary: L is the listener, C the connection. The
    # server's own log lines come before the line of the turn whose
    # callbacks printed them.
    local l c
    l=$(sed -nE 's/^turn [0-9]+: ([0-9]+)r on_listener\(\1\)$/\1/p' "$SERVER_ERR" | head -1)
    c=$(sed -nE 's/^accepted fd ([0-9]+) .*/\1/p' "$SERVER_ERR")
    run sed -E -e 's/^turn [0-9]+:/turn:/' \
        -e 's/^(turn: )[0-9]+r on_stop_signal\([0-9]+\)/\1on_stop_signal/' \
        -e 's/ from 127\.0\.0\.1:[0-9]+$//' -e 's/ \(127\.0\.0\.1:[0-9]+\)//' \
        -e "s/\\($l\\)/(L)/g; s/\\($c\\)/(C)/g; s/^turn: ${l}r/turn: Lr/; s/^turn: ${c}r/turn: Cr/" \
        -e "s/^(accepted|closed) fd $c/\\1 fd C/" "$SERVER_ERR"
    [ "$output" = "$(printf '%s\n' \
        'turn:' \
        '  task main: awaits event' \
        'accepted fd C' \
        'turn: Lr on_listener(L)' \
        '  task conn: awaits readable(C)' \
        'turn: Cr on_readable(C) future readable(C) = 0 -> conn' \
        '  task conn: awaits readable(C)' \
        'turn: Cr on_readable(C) future readable(C) = 0 -> conn' \
        '  task conn: done (0)' \
        '  future conn = 0 -> taskgroup' \
        'turn:' \
        'closed fd C: client closed' \
        'turn: on_stop_signal future event = 0 -> main' \
        '  task main: done (0)' \
        '  future main = 0 -> stop_loop' \
        'turn:')" ]
}
