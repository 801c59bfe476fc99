#!/usr/bin/env bats
# Chapter 03's own tests: what epoll lifts, the FD_SETSIZE and open-file limits.
# (What every many-clients server does is in ../test/concurrent.bats.)

load ../test/helpers

@test "raises its soft limit on open files to the hard limit" {
    SERVER_ULIMIT='-S -n 256' start_server
    local soft hard
    read -r soft hard < <(awk '/^Max open files/ {print $4, $5}' "/proc/$SERVER_PID/limits")
    echo "soft $soft hard $hard"
    [ "$soft" = "$hard" ]
}

@test "10,000 connections open at once, each echoed exactly" {
    local need=10100 hard
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] || [ "$hard" -ge "$need" ] ||
        skip "the hard limit on open files is $hard; this test needs $need"
    start_server
    run tc echo "$PORT" -c 10000 -s 100 -a 1 -t 120
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "fds beyond FD_SETSIZE are served like any other" {
    start_server 0
    run tc hold "$PORT" -c 1100 -q 500
    echo "$output"
    [ "$output" = "phase1: echoed 1100 closed 0 waiting 0" ]
    grep -Eq '^accepted fd 1100 ' "$SERVER_ERR"
}
