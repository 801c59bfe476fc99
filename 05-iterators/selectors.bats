#!/usr/bin/env bats
# Chapter 05's own tests, run once per backend with SELECTOR and SERVER set
# by the Makefile: the selector's iterator (sel_test) and the loop's
# contracts (loop_test), both C programs; the backend's limits; TRACE=1.
# (The contract and concurrent suites run against the same server.)

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
        grep -Eq '^refused fd 1024 from 127\.0\.0\.1:[0-9]+: Invalid argument$' "$SERVER_ERR"
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

@test "TRACE=1: one line per turn, each ready fd followed by the callbacks it got" {
    TRACE=1 start_server
    run tc echo "$PORT" -s 5
    [ "$status" -eq 0 ]
    stop_server
    cat "$SERVER_ERR"
    # Accept, read the 5 bytes (echoed at once), read the EOF, the signal.
    run sed -E 's/^turn [0-9]+: ([0-9]+)(r|w|rw) ([a-z_]+)\(\1\)$/\3/' "$SERVER_ERR"
    [ "$output" = $'on_accept\non_readable\non_readable\non_stop_signal' ]
    # The connection's fd is the same in its two lines.
    [ "$(grep -c "on_readable($(sed -n 's/.*on_readable(\([0-9]*\)).*/\1/p' "$SERVER_ERR" | head -1))" "$SERVER_ERR")" -eq 2 ]
}
