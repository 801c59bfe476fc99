#!/usr/bin/env bats
# The contract of CONTRACT.md (at the top of the repository), written once
# and run against every chapter's server:
# `SERVER=/abs/path/server run-bats contract.bats`. It holds only what every
# chapter does, chapter 01 included; what needs several clients at once is
# in concurrent.bats (02 on) and the chapters' own tests.

load helpers

@test "readiness line names 127.0.0.1 and the port the kernel chose" {
    start_server
    run cat "$SERVER_OUT"
    [[ "$output" =~ ^listening\ on\ 127\.0\.0\.1:[0-9]+(\ \([a-z]+\))?$ ]]
    [ "$PORT" -gt 0 ]
    run tc echo "$PORT" -s 5
    [ "$status" -eq 0 ]
}

@test "echoes 4 MiB of binary data, NUL bytes included, unchanged and in order" {
    start_server
    run tc echo "$PORT" -s 4M
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "after the client's EOF it sends everything still owed, then closes" {
    # tclient half-closes once it has sent everything, then requires every
    # byte back followed by EOF; 16 MiB makes the server owe data at that point.
    start_server
    run tc echo "$PORT" -s 16M
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "serves clients one after another, each echoed exactly" {
    start_server
    run tc echo "$PORT" -c 1 -r 50 -s 1000
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "logs accepted and closed connections on stderr; -q silences them" {
    start_server 0
    run tc echo "$PORT" -s 10
    [ "$status" -eq 0 ]
    wait_for "$SERVER_ERR" '^closed fd [0-9]+'
    grep -Eq '^accepted fd [0-9]+ from 127\.0\.0\.1:[0-9]+$' "$SERVER_ERR"
    stop_server
    start_server -q 0
    run tc echo "$PORT" -s 10
    [ "$status" -eq 0 ]
    stop_server
    [ ! -s "$SERVER_ERR" ]
}

@test "a client that resets its connection hurts nobody" {
    start_server
    run tc reset "$PORT" -s 64K
    [ "$status" -eq 0 ]
    run tc echo "$PORT" -s 100K
    echo "$output"
    [ "$status" -eq 0 ]
    kill -0 "$SERVER_PID"
}

@test "a client that leaves without reading its echo (EPIPE, SIGPIPE) hurts nobody" {
    start_server
    for _ in 1 2 3; do
        run tc abandon "$PORT" -s 4M
        [ "$status" -eq 0 ]
    done
    run tc echo "$PORT" -s 100K
    echo "$output"
    [ "$status" -eq 0 ]
    kill -0 "$SERVER_PID"
}

@test "a client that never reads meets backpressure: server memory stays bounded, every byte arrives later" {
    start_server
    run tc stall "$PORT" -s 64M -p "$SERVER_PID"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ server\ rss\ grew\ (-?[0-9]+)\ kB ]]
    [ "${BASH_REMATCH[1]}" -lt 8192 ]
}

# SIGNAL stops the server with a client connected: exit 0, client closed.
stops_cleanly_on() {
    start_server 0
    # hold returns as soon as the server has closed its connection.
    spawn "$TCLIENT" hold "$PORT" -c 1 -q 20000 -t 30 >"$BATS_TEST_TMPDIR/hold.out"
    local hold=$SPAWNED
    wait_for "$SERVER_ERR" '^accepted fd'
    stop_server "$1"
    [ "$SERVER_STATUS" -eq 0 ]
    wait_exit "$hold" 20
    cat "$BATS_TEST_TMPDIR/hold.out"
    grep -q 'closed 1' "$BATS_TEST_TMPDIR/hold.out"
}

@test "SIGINT: closes the connections and exits 0" {
    stops_cleanly_on INT
}

@test "SIGTERM: closes the connections and exits 0" {
    stops_cleanly_on TERM
}

usage_fails() {
    run --separate-stderr timeout 5 "$SERVER" "$@"
    echo "args [$*]: status $status, stderr [$stderr]"
    [ "$status" -eq 2 ]
    [[ "$stderr" =~ ^usage:\ server ]]
    [ -z "$output" ]
}

@test "bad usage: a usage line on stderr, exit 2" {
    usage_fails abc
    usage_fails 70000
    usage_fails 80x
    usage_fails ""
    usage_fails -1
    usage_fails -x
    usage_fails 1 2
}

@test "a port in use: one line naming the address and strerror, exit 1" {
    start_server
    run --separate-stderr timeout 5 "$SERVER" -q "$PORT"
    [ "$status" -eq 1 ]
    [ "$stderr" = "server: bind 127.0.0.1:$PORT: Address already in use" ]
}
