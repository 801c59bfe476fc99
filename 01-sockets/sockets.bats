#!/usr/bin/env bats
# Chapter 01's own tests: its client, and its limit — one client at a time.

load ../test/helpers

CLIENT=$PWD/client

@test "client: echoes piped lines and exits 0 at end of input" {
    start_server
    run timeout 10 "$CLIENT" "$PORT" <<<$'hello\nworld'
    [ "$status" -eq 0 ]
    [ "$output" = $'hello\nworld' ]
}

@test "client: binary input comes back byte for byte" {
    start_server
    head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
    timeout 10 "$CLIENT" "$PORT" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
    cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "client: no server is one clear line and exit 1; bad usage exit 2" {
    start_server
    local port=$PORT
    stop_server
    run --separate-stderr timeout 5 "$CLIENT" "$port" </dev/null
    [ "$status" -eq 1 ]
    [ "$stderr" = "client: connect 127.0.0.1:$port: Connection refused" ]
    run --separate-stderr timeout 5 "$CLIENT" nope </dev/null
    [ "$status" -eq 2 ]
    [[ "$stderr" =~ ^usage:\ client ]]
}

@test "one client at a time: the second waits until the first leaves, then is served" {
    start_server 0
    local d=$BATS_TEST_TMPDIR
    mkfifo "$d/first.in"
    # Opened read-write so that neither this nor the client's open blocks;
    # the client sees end of input when this shell closes it.
    exec 4<>"$d/first.in"
    # Through spawn, so that teardown kills both clients if an assertion
    # fails while they are still running.
    spawn "$CLIENT" "$PORT" <"$d/first.in" >"$d/first.out"
    local first=$SPAWNED
    echo one >&4
    wait_for "$d/first.out" '^one$'

    spawn "$CLIENT" "$PORT" <<<two >"$d/second.out"
    local second=$SPAWNED
    # The first client still gets answers while the second is queued: one
    # more round trip, then the second has still had no reply and the
    # server has accepted only once.
    echo again >&4
    wait_for "$d/first.out" '^again$'
    [ ! -s "$d/second.out" ]
    [ "$(grep -c '^accepted' "$SERVER_ERR")" -eq 1 ]

    exec 4>&- # the first client reaches end of input and leaves
    wait_exit "$first" 10
    [ "$EXIT_STATUS" -eq 0 ]
    wait_exit "$second" 10
    [ "$EXIT_STATUS" -eq 0 ]
    [ "$(cat "$d/second.out")" = two ]
    [ "$(grep -c '^accepted' "$SERVER_ERR")" -eq 2 ]
}
