#!/usr/bin/env bats
# make check-exercise: chapter 02's first exercise (README, "Exercises").
# It fails until a client refused for fd >= FD_SETSIZE is told
# "server full" before its connection is closed. (make test does not run
# this file.)

load ../test/helpers

@test "exercise 1: a client beyond FD_SETSIZE reads \"server full\" before the close" {
    SERVER_ULIMIT='-S -n 4096' start_server 0
    # Fill every descriptor below FD_SETSIZE (1024) with an idle connection.
    local used free d=$BATS_TEST_TMPDIR
    used=$(ls "/proc/$SERVER_PID/fd" | awk '$1 < 1024' | wc -l)
    free=$((1024 - used))
    mkfifo "$d/hold.in"
    exec 4<>"$d/hold.in"
    spawn "$TCLIENT" hold "$PORT" -c "$free" -q 500 -w 1 -t 30 <"$d/hold.in" >"$d/hold.out"
    wait_for "$d/hold.out" '^phase1' 30
    cat "$d/hold.out"
    grep -q "^phase1: echoed $free closed 0 waiting 0" "$d/hold.out"
    # The next connection gets fd 1024, and is refused.
    local line=
    exec 5<>"/dev/tcp/127.0.0.1/$PORT"
    IFS= read -r -t 5 line <&5 || true
    exec 5<&-
    exec 4>&-
    echo "the refused client read: '$line'"
    grep -q '^refused fd 1024 ' "$SERVER_ERR"
    [ "$line" = "server full" ]
}
