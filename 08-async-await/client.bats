#!/usr/bin/env bats
# Chapter 08's client: the async load generator the benchmark uses. It must
# check every byte and fail loudly on anything wrong.

load ../test/helpers

CLIENT=$PWD/client

@test "client --help documents it; bad usage exits 2" {
    run "$CLIENT" --help
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^usage:\ client\ \[-c\ CONNECTIONS\]\ \[-n\ MESSAGES\]\ \[-s\ SIZE\]\ \[-d\ SECONDS\]\ \[PORT\]$ ]]
    run --separate-stderr "$CLIENT" -c 0
    [ "$status" -eq 2 ]
    run --separate-stderr "$CLIENT" -x
    [ "$status" -eq 2 ]
    run --separate-stderr "$CLIENT" 70000
    [ "$status" -eq 2 ]
}

@test "client: many connections from one thread, every round trip counted and checked" {
    start_server
    run timeout 60 "$CLIENT" -c 50 -n 100 -s 1000 "$PORT"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^connections\ 50,\ round\ trips\ 5000,\ [0-9]+\ per\ second,\ latency\ p50\ [0-9.]+\ ms\ p99\ [0-9.]+\ ms\ max\ [0-9.]+\ ms,\ errors\ 0$ ]]
}

@test "client: large messages, split across many reads, come back whole" {
    start_server
    run timeout 60 "$CLIENT" -c 5 -n 3 -s 1000000 "$PORT"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ round\ trips\ 15,.*errors\ 0$ ]]
}

@test "client -d: runs for a time instead of a count" {
    start_server
    run timeout 60 "$CLIENT" -c 10 -d 1 "$PORT"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ round\ trips\ ([0-9]+), ]]
    [ "${BASH_REMATCH[1]}" -gt 0 ]
}

@test "client: a server that closes early is reported, exit 1" {
    SERVER=$HELPERS_DIR/badserver start_server close
    run --separate-stderr timeout 30 "$CLIENT" -c 1 -n 10 "$PORT"
    echo "$output / $stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" =~ the\ server\ closed\ the\ connection\ early ]]
    [[ "$output" =~ errors\ 1$ ]]
}

@test "client: a server that sends wrong bytes is reported, exit 1" {
    SERVER=$HELPERS_DIR/badserver start_server corrupt
    run --separate-stderr timeout 30 "$CLIENT" -c 3 -n 10 "$PORT"
    echo "$output / $stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" =~ the\ echo\ differs\ from\ what\ was\ sent ]]
    [[ "$output" =~ errors\ 3$ ]]
}

@test "client: no server is a connect error, exit 1" {
    start_server
    local port=$PORT
    stop_server
    run --separate-stderr timeout 30 "$CLIENT" -c 2 -n 1 "$port"
    [ "$status" -eq 1 ]
    [[ "$stderr" =~ connect:\ Connection\ refused ]]
}

@test "client: its memory stays the same however long it runs (latencies in a histogram, not a list)" {
    start_server
    local out=$BATS_TEST_TMPDIR/client.out
    spawn ./client -c 10 -d 5 "$PORT" >"$out"
    local pid=$SPAWNED
    rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
    # Sampled after 1 s and after 3 s of a 5 s run: a list of samples would
    # have grown by megabytes (4 bytes a round trip, well over 10,000 a second).
    local i r1 r3
    for i in $(seq 20); do sleep 0.05; done
    r1=$(rss)
    for i in $(seq 40); do sleep 0.05; done
    r3=$(rss)
    wait_exit "$pid" 30
    cat "$out"
    [ "$EXIT_STATUS" -eq 0 ]
    [[ "$(head -1 "$out")" =~ round\ trips\ ([0-9]+), ]]
    echo "rss after 1 s: $r1 kB, after 3 s: $r3 kB, round trips: ${BASH_REMATCH[1]}"
    [ "${BASH_REMATCH[1]}" -gt 20000 ]
    [ $((r3 - r1)) -lt 256 ]
}
