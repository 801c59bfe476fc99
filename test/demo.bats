#!/usr/bin/env bats
# Every chapter's `make demo` (WORKSHOP.md): it runs, ends within 30 s, and
# prints its title line and the marker that says it showed its point. A
# chapter without a demo target is skipped, so chapters join by adding one.

load helpers

ROOT=$(cd "$HELPERS_DIR/.." && pwd)

# run_demo NN MARKER: make -C NN-* demo, bounded; MARKER is an extended
# regex that must match a line of its output.
run_demo() {
    local dir
    dir=$(ls -d "$ROOT/$1"-*/ 2>/dev/null | head -1)
    [ -n "$dir" ] || skip "no chapter $1"
    grep -q '^demo:' "$dir/Makefile" || skip "${dir%/} has no demo target yet"
    make -s -C "$dir" all >/dev/null # the build is not the demo's time
    local t0=$SECONDS
    run timeout 45 make -s -C "$dir" demo
    local took=$((SECONDS - t0))
    echo "$output"
    echo "(took ${took} s)"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" =~ ^==\ $1- ]]
    grep -Eq -- "$2" <<<"$output"
    [ "$took" -lt 30 ]
}

@test "demo 01: the second client waits for the first, with times" {
    run_demo 01 '^t=[0-9.]+s  client B gets "two" back: it waited [0-9.]+ s$'
}

@test "demo 02: select beside 0, 500, 1,000 idle connections" {
    run_demo 02 '^beside  1000 idle connections: 3000 exchanges in [0-9.]+ s: +[0-9]+ us each$'
}

@test "demo 03: epoll beside up to 10,000 idle connections" {
    run_demo 03 '^beside +1000 idle connections: 3000 exchanges in [0-9.]+ s'
}

@test "demo 04: one server on three backends" {
    run_demo 04 '^build/select/server: listening on 127\.0\.0\.1:[0-9]+ \(select\)$'
}

@test "demo 05: the iterator's trace" {
    run_demo 05 '^    turn [0-9]+: ([0-9]+r on_readable\([0-9]+\) ){3}[0-9]+r on_readable\([0-9]+\)$'
}

@test "demo 06: a make expand excerpt" {
    run_demo 06 '^      case GEN_START:;$'
}

@test "demo 07: a future completed by the loop wakes the task that awaits it" {
    run_demo 07 '^    turn [0-9]+: [0-9]+r on_sock_recv\([0-9]+\) future sock_recv\([0-9]+\) = 5 -> conn$'
}

@test "demo 08: a timeout, a cancel, a graceful stop" {
    run_demo 08 '^    ok: all 33554432 bytes echoed$'
}
