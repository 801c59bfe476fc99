#!/usr/bin/env bats
# make bench, in a tiny run (BENCH_SMOKE=1: few connections, a few messages
# per point), so that the script cannot break unnoticed. The real figures
# come from `make bench`, not from tests.

load helpers

@test "bench/run: a smoke run prints the three tables and the chart, and every point works" {
    cd "$HELPERS_DIR/.."
    run timeout 300 env BENCH_SMOKE=1 bench/run
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"1. Ping-pong, 64-byte messages"* ]]
    [[ "$output" == *"2. One active connection beside idle ones"* ]]
    [[ "$output" == *"3. Server memory per idle connection"* ]]
    [[ "$output" == *"Server CPU per round trip at"* ]]
    # every chapter appears in table 1
    for d in [0-9][0-9]-*/; do
        grep -q "^${d%/} " <<<"$output"
    done
    [[ "$output" != *failed* ]]
}
