#!/usr/bin/env bats
# future.h, coro.h and the tasks alone (coro_test, a C program, built with
# the default backend).

load ../test/helpers

coro_case() {
    run ./coro_test "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "future: callbacks run once, in the order added, from the loop, never inside set_result" {
    coro_case callbacks
    [ "$output" = "set 7: ba | again:" ]
}

@test "future: a callback added after it is done is scheduled, not run inline" {
    coro_case late-callback
    [ "$output" = "added: late" ]
}

@test "future: cancelled, its callbacks run and its result is -ECANCELED; a removed one does not" {
    coro_case cancel-future
    [ "$output" = "a result -ECANCELED" ]
}

@test "task: a task awaiting a future resumes with its result; the task's own future has the task's" {
    coro_case await-future
    [ "$output" = "waits, set, resumed with 42" ]
}

@test "task: two tasks awaiting a third both wake with its result" {
    coro_case two-awaiters
    [ "$output" = "waits, waits, third ends, resumed with 99, resumed with 99" ]
}

@test "task: a task whose future is cancelled while it waits gets -ECANCELED at that await" {
    coro_case cancel-waiting
    [ "$output" = "waits, cancel, resumed with -ECANCELED" ]
}

@test "sleep: a sleep is a future (completed early, the sleep ends and its timer goes)" {
    coro_case sleep-future
    [ "$output" = "sleep: 60000 " ]
}

@test "sleep: sleepers wake in deadline order" {
    coro_case sleep
    [ "$output" = "10 20 30 " ]
}

@test "sock_recv: a future completed by the loop's reader, with what recv() returned" {
    coro_case recv
    [ "$output" = "read 2" ]
}

@test "sock_recv: a second task reading the same fd is refused with -EBUSY; the first still reads" {
    coro_case two-readers
    [ "$output" = "read -EBUSY, read 2" ]
}

@test "sock_recv: its future cancelled, a byte arriving before the task runs again is left for the next read" {
    coro_case cancel-recv
    [ "$output" = "read -ECANCELED, the byte still there" ]
}

@test "sock_recv: two tasks whose bytes are all there take turns, one read per turn each" {
    coro_case fair-recv
    [ "$output" = "ababab" ]
}

@test "sock_recv: cancelled, its fd closed and the number reused by another task's read: that reader is left alone" {
    coro_case cancel-reuse-recv
    [ "$output" = "read -ECANCELED, read 2" ]
}

@test "sock_sendall: cancelled, its fd closed and the number reused by another task's send: that writer is left alone" {
    coro_case cancel-reuse-sendall
    [ "$output" = "sent -ECANCELED, sent 0" ]
}

@test "coro: delegation three deep; the future passes up, each level gets its callee's result" {
    coro_case nested
    [ "$output" = "leaf 120, mid 121, top 122" ]
}

@test "coro: a task finishes while another waits; shutdown drops the waiter and its wakeup" {
    coro_case finish
    [ "$output" = "waits, quick ran, finished 1, shutdown: dropped 2, " ]
}

@test "coro: four tasks passing a token run in a deterministic order" {
    coro_case interleave
    [ "$output" = "012301230123" ]
}

@test "coro: an unknown case is a usage error" {
    run ./coro_test nope
    [ "$status" -eq 2 ]
    [[ "$output" == usage:* ]]
}
