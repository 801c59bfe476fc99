#!/usr/bin/env bats
# async.h alone (async_test, a C program built with the default backend),
# and the server's --idle-timeout.

load ../test/helpers

async_case() {
    run ./async_test "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "async: await of an async function that awaits another; results come back" {
    async_case chain
    [ "$output" = "result 10" ]
}

@test "async: sleeps end in deadline order, equal ones in the order started" {
    async_case sleep
    [ "$output" = "10 10 20 30 " ]
}

@test "async: gather waits for every task, which run concurrently" {
    async_case gather
    [ "$output" = "10 20 30 | gathered 3 (concurrently)" ]
}

@test "async: wait_for that times out; its deadline does not outlive it" {
    async_case wait-for-timeout
    [ "$output" = "timed out, then slept" ]
}

@test "async: wait_for that does not time out" {
    async_case wait-for-in-time
    [ "$output" = "read 1, then slept" ]
}

@test "async: cancelling every task lets each one end and free what it holds" {
    async_case cancel
    [ "$output" = "cancelled 100, freed 100" ]
}

@test "async: cancelling a task that gathers others cancels them too" {
    async_case cancel-gather
    [ "$output" = "gather cancelled, children: ended" ]
}

@test "--idle-timeout closes a connection idle that long, and only that one" {
    start_server 0 --idle-timeout 0.3
    # One client holds a connection idle (it sends one byte, then waits).
    spawn "$TCLIENT" hold "$PORT" -c 1 -q 5000 -t 10
    local idler=$SPAWNED
    wait_for "$SERVER_ERR" '^accepted fd'
    # Meanwhile an active client keeps talking for longer than the timeout.
    run tc echo "$PORT" -c 1 -s 100 -r 40
    [ "$status" -eq 0 ]
    wait_for "$SERVER_ERR" 'idle timeout$' 5
    wait_exit "$idler" 10
    [ "$(grep -c 'idle timeout$' "$SERVER_ERR")" -eq 1 ]
    # A connection that keeps sending within the timeout is never cut.
    run tc stall "$PORT" -s 64M -t 20
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'idle timeout$' "$SERVER_ERR")" -eq 1 ]
}

@test "--idle-timeout wants a positive number of seconds" {
    run --separate-stderr timeout 5 "$SERVER" --idle-timeout 0 0
    [ "$status" -eq 2 ]
    run --separate-stderr timeout 5 "$SERVER" --idle-timeout abc 0
    [ "$status" -eq 2 ]
    run --separate-stderr timeout 5 "$SERVER" 0 --idle-timeout
    [ "$status" -eq 2 ]
}
