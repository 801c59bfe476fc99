#!/usr/bin/env bats
# coro.h and the scheduler alone (coro_test, a C program, built with the
# default backend).

load ../test/helpers

coro_case() {
    run ./coro_test "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "coro: the loop sends back what woke the coroutine (read, then write)" {
    coro_case send
    [ "$output" = "woken with 1 (read), then 2 (write)" ]
}

@test "coro: delegation three deep; each level gets its callee's result" {
    coro_case nested
    [ "$output" = "leaf 120, mid 121, top 122" ]
}

@test "coro: a coroutine finishes while another waits; shutdown cancels the waiter" {
    coro_case finish
    [ "$output" = "quick ran, finished 1, shutdown: cancelled 2, " ]
}

@test "coro: four coroutines passing a token run in a deterministic order" {
    coro_case interleave
    [ "$output" = "012301230123" ]
}

@test "coro: sleepers wake in deadline order" {
    coro_case sleep
    [ "$output" = "10 20 30 " ]
}

@test "coro: an unknown case is a usage error" {
    run ./coro_test nope
    [ "$status" -eq 2 ]
}
