#!/usr/bin/env bats
# Chapter 02's own tests: many clients at once with select(), and its limits.

load ../test/helpers

@test "serves two clients at the same time" {
    start_server
    run tc hold "$PORT" -c 2 -q 300
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "phase1: echoed 2 closed 0 waiting 0" ]
}

@test "1,000 concurrent connections, each echoed exactly" {
    start_server
    run tc echo "$PORT" -c 1000 -s 10K
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "a client that never reads holds up nobody else" {
    start_server
    local d=$BATS_TEST_TMPDIR
    mkfifo "$d/go"
    tc stall "$PORT" -s 64M -w 1 <"$d/go" >"$d/stall.out" 3>&- &
    local staller=$!
    exec 4>"$d/go"
    wait_for "$d/stall.out" '^stalled after'
    run tc echo "$PORT" -c 20 -s 200K -r 3
    echo "$output"
    [ "$status" -eq 0 ]
    exec 4>&- # now the staller reads, and must get every byte
    wait_exit "$staller" 60
    cat "$d/stall.out"
    [ "$EXIT_STATUS" -eq 0 ]
}

@test "a connection beyond FD_SETSIZE is refused cleanly and the server goes on" {
    start_server 0
    run tc hold "$PORT" -c 1030 -q 500
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^phase1:\ echoed\ ([0-9]+)\ closed\ ([0-9]+)\ waiting\ 0$ ]]
    local echoed=${BASH_REMATCH[1]} closed=${BASH_REMATCH[2]}
    [ "$echoed" -ge 1000 ] && [ "$closed" -ge 1 ] && [ $((echoed + closed)) -eq 1030 ]
    grep -Eq '^refused fd 1024 from 127\.0\.0\.1:[0-9]+: select\(\) cannot watch fds >= FD_SETSIZE \(1024\)$' "$SERVER_ERR"
    run tc echo "$PORT" -c 10 -s 100K
    [ "$status" -eq 0 ]
}

@test "out of descriptors (EMFILE): no busy loop; clients are accepted once some close" {
    ULIMIT_N=32 start_server 0
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
    [ "$status" -eq 0 ]
    # Each client saw EOF, so the server has closed every socket already.
    [ "$(server_fds)" -eq "$before" ]
}
