#!/usr/bin/env bats
# What every server from chapter 02 on does, since it serves many clients at
# once: run against "$SERVER" like contract.bats. Chapter 01, which serves
# one client at a time by design, is tested for the opposite.

load helpers

@test "serves two clients at the same time" {
    start_server
    run tc hold "$PORT" -c 2 -q 300
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "phase1: echoed 2 closed 0 waiting 0" ]
}

@test "1,000 connections open at once, each echoed exactly" {
    start_server
    run tc echo "$PORT" -c 1000 -s 10K -a 1
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "a client that never reads holds up nobody else" {
    start_server
    local d=$BATS_TEST_TMPDIR
    mkfifo "$d/go"
    exec 4<>"$d/go" # held open: the staller sees EOF when we close it
    spawn "$TCLIENT" stall "$PORT" -s 64M -w 1 -t 60 <"$d/go" >"$d/stall.out"
    local staller=$SPAWNED
    wait_for "$d/stall.out" '^stalled after'
    run tc echo "$PORT" -c 20 -s 200K -r 3
    echo "$output"
    [ "$status" -eq 0 ]
    exec 4>&- # now the staller reads, and must get every byte
    wait_exit "$staller" 60
    cat "$d/stall.out"
    [ "$EXIT_STATUS" -eq 0 ]
}

@test "out of descriptors (EMFILE): no busy loop; clients are accepted once some close" {
    SERVER_ULIMIT='-n 32' start_server 0
    local cpu0
    cpu0=$(server_cpu_ticks)
    # 40 clients, about 28 fit: phase 1 ends after 2 s in which nothing
    # happens, phase 2 closes 20 and every waiting client must be served.
    run tc hold "$PORT" -c 40 -q 2000 --release 20
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ waiting\ ([0-9]+)$ ]]
    [ "${BASH_REMATCH[1]}" -gt 0 ]
    [ "${lines[1]}" = "phase2: echoed 20 closed 0 waiting 0" ]
    grep -q '^accept: Too many open files: pausing accept$' "$SERVER_ERR"
    # A server spinning on accept() would burn the 2 s of phase 1 (200 ticks).
    local used=$(($(server_cpu_ticks) - cpu0))
    echo "server CPU: $used ticks"
    [ "$used" -lt 50 ]
}

@test "after 3,000 short connections the server holds as many descriptors as before" {
    start_server
    local before
    before=$(server_fds)
    run tc echo "$PORT" -c 100 -r 30 -s 1000
    echo "$output"
    [ "$status" -eq 0 ]
    # Each client saw EOF, so the server has closed every socket already.
    [ "$(server_fds)" -eq "$before" ]
}

@test "a client flooding data does not starve one sending small messages" {
    start_server 0
    spawn "$TCLIENT" echo "$PORT" -s 1G -t 60 >"$BATS_TEST_TMPDIR/flood.out"
    local flood=$SPAWNED
    wait_for "$SERVER_ERR" '^accepted fd'
    run tc echo "$PORT" -c 1 -r 200 -s 64
    local small=$status flooding=0
    kill -0 "$flood" 2>/dev/null && flooding=1
    kill "$flood" 2>/dev/null
    wait "$flood" || true
    echo "$output"
    [ "$small" -eq 0 ]
    [ "$flooding" -eq 1 ] # 200 small round trips done while 1 GiB was still flowing
}

@test "a client that vanishes while the server is blocked on it gets closed, without a busy loop" {
    start_server 0
    local d=$BATS_TEST_TMPDIR before
    before=$(server_fds)
    mkfifo "$d/go"
    exec 4<>"$d/go" # held open: the staller sees EOF when we close it
    spawn "$TCLIENT" stall "$PORT" -s 64M -w 1 -t 60 <"$d/go" >"$d/stall.out"
    local staller=$SPAWNED
    wait_for "$d/stall.out" '^stalled after'
    # Killed with unread data, its socket sends RST: the server, which owes
    # it bytes and is not reading from it, must notice and close.
    kill -KILL "$staller"
    wait "$staller" || true
    exec 4>&-
    # (RST, or FIN if the kernel had nothing unread for it: either way the
    # server must notice.)
    wait_for "$SERVER_ERR" '^closed fd'
    local cpu0
    cpu0=$(server_cpu_ticks)
    run tc echo "$PORT" -c 5 -s 10K -r 20
    [ "$status" -eq 0 ]
    [ "$(server_fds)" -eq "$before" ]
    [ $(($(server_cpu_ticks) - cpu0)) -lt 50 ]
}
