#!/usr/bin/env bats
# make bench, in a tiny run (BENCH_SMOKE=1: few connections, a few messages
# per point), so that the script cannot break unnoticed. The real figures
# come from `make bench`, not from tests.

load helpers

@test "bench/run: a smoke run prints the three tables and the chart, writes the chart as SVG, and every point works" {
    cd "$HELPERS_DIR/.."
    local svg=$BATS_TEST_TMPDIR/chart.svg
    run timeout 300 env BENCH_SMOKE=1 BENCH_SVG="$svg" bench/run
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
    # The SVG: an <svg> root, closed, every text closed, one bar per server
    # (every chapter, and asyncio's two where python3 is).
    [ "$(head -c 5 "$svg")" = "<svg " ]
    [ "$(tail -n 1 "$svg")" = "</svg>" ]
    [ "$(grep -c '<text' "$svg")" -eq "$(grep -c '</text>' "$svg")" ]
    local servers=0
    for d in [0-9][0-9]-*/; do
        grep -q "<rect class=\"bar\" .*<title>${d%/}: [0-9.]*</title></rect>$" "$svg"
        servers=$((servers + 1))
    done
    if command -v python3 >/dev/null; then servers=$((servers + 2)); fi
    [ "$(grep -c '<rect class="bar"' "$svg")" -eq "$servers" ]
}
