#!/usr/bin/env bats
# make check-exercise: chapter 04's first exercise (README, "Exercises").
# It fails until a timer logs, every second, how many connections are open:
#     tick: 3 connections
# (make test does not run this file.)

load ../test/helpers

@test "exercise 1: every second a timer logs the number of open connections" {
    start_server 0
    local d=$BATS_TEST_TMPDIR
    mkfifo "$d/hold.in"
    exec 4<>"$d/hold.in"
    spawn "$TCLIENT" hold "$PORT" -c 3 -q 300 -w 1 -t 30 <"$d/hold.in" >"$d/hold.out"
    wait_for "$d/hold.out" '^phase1: echoed 3 closed 0 waiting 0' 10
    # within about two seconds, a tick sees the three
    wait_for "$SERVER_ERR" '^tick: 3 connections$' 3
    exec 4>&-
    # and after they leave, a later tick sees none
    wait_for "$SERVER_ERR" '^tick: 0 connections$' 3
}
