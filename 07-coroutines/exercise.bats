#!/usr/bin/env bats
# make check-exercise: chapter 07's first exercise (README, "Exercises").
# It fails until each echo waits 200 ms before it is sent back, with an
# await of coro_sleep() in conn_main(): 20 clients at once must all have
# their echo after 200 ms, not one after another (that would take 4 s), and
# the trace must show the connection's task awaiting a sleep future.
# (make test does not run this file.)

load ../test/helpers

@test "exercise 1: every echo waits 200 ms in a sleep future, and 20 clients wait together" {
    TRACE=1 start_server 0
    local t0=$EPOCHREALTIME
    run tc echo "$PORT" -c 20 -s 5
    local t1=$EPOCHREALTIME
    echo "$output"
    [ "$status" -eq 0 ]
    local ms
    ms=$(awk -v a="${t0/,/.}" -v b="${t1/,/.}" 'BEGIN { printf "%d", (b - a) * 1000 }')
    echo "20 clients, one 5-byte echo each: $ms ms"
    stop_server
    grep -q '^  task conn: awaits sleep$' "$SERVER_ERR" || {
        echo "no line '  task conn: awaits sleep' in the trace"
        false
    }
    [ "$ms" -ge 200 ]
    [ "$ms" -lt 2000 ]
}
