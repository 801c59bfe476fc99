#!/usr/bin/env bats
# The top-level Makefile's own promises: `make diff` shows the lesson first,
# `make HAVE_EPOLL=0` builds what it can as off Linux, and `make test`'s
# total (test/suite) counts what failed, however it failed.

load helpers
load tooling

# diff_files A B [TESTS=0]: the files `make diff` shows, in its order.
diff_files() {
    MAKEFLAGS= make -s --no-print-directory -C "$REPO" diff A="$1" B="$2" ${3:+"$3"} |
        sed -n 's|^+++ [0-9][0-9]-[^/]*/||p'
}

# group A B FILE: the reading order's group of FILE: 1 server.c, 2 new in B,
# 3 changed, 4 the client, 5 the tests.
group() {
    case "$3" in
    server.c) echo 1 ;;
    *_test.c | *.bats) echo 5 ;;
    client.c) echo 4 ;;
    *) if [ -e "$(echo "$REPO/$1"-*/)$3" ]; then echo 3; else echo 2; fi ;;
    esac
}

@test "make diff: server.c first, then the new layer, the changed files, the client and the tests, for every pair of neighbours" {
    local a b f g last
    for b in $(cd "$REPO" && ls -d [0-9][0-9]-*/ | cut -c1-2 | sed 1d); do
        a=$(printf '%02d' $((10#$b - 1)))
        last=0
        [ "$(diff_files "$a" "$b" | head -n 1)" = server.c ]
        for f in $(diff_files "$a" "$b"); do
            g=$(group "$a" "$b" "$f")
            echo "$a -> $b: $f (group $g, after group $last)"
            [ "$g" -ge "$last" ]
            last=$g
        done
    done
}

@test "make diff: within a group, headers before .c files" {
    # 03 -> 04 brings the selector layer: new headers, new .c files.
    run diff_files 03 04
    echo "$output"
    local seen_c=0 f
    for f in $(printf '%s\n' "${lines[@]}" | sed -n '/^server.c$/,/^Makefile$/p' | sed '1d;$d'); do
        case "$f" in *.c) seen_c=1 ;; *.h) [ "$seen_c" = 0 ] ;; esac
    done
}

@test "make diff TESTS=0: no tests, the client stays; a new file is shown whole; a file only in A is named" {
    run diff_files 07 08 TESTS=0
    echo "$output"
    [[ "$output" != *_test.c* ]] && [[ "$output" != *.bats* ]]
    [[ "$output" == *client.c* ]]
    run make -s -C "$REPO" diff A=07 B=08
    grep -qx "@@ -0,0 +1,$(wc -l <"$REPO/08-async-await/async.h" | tr -d ' ') @@" <<<"$output"
    [[ "$output" == *"(only in 07-coroutines/: coro_test.c)"* ]]
    run make -s -C "$REPO" diff A=07 B=08 TESTS=0
    [[ "$output" != *"(only in 07-coroutines/: coro_test.c)"* ]]
}

@test "make diff: bad usage says how, exit 2" {
    run make -s -C "$REPO" diff A=07
    [ "$status" -ne 0 ]
    [[ "$output" == *"usage: make diff A=01 B=02 [TESTS=0]"* ]]
    run "$REPO/test/chapter-diff" 07 08 2
    [ "$status" -eq 2 ]
}

@test "make HAVE_EPOLL=0 (as off Linux): 03 skipped in one line, 04-08 built on poll, their tests on poll and select only" {
    copy_repo
    run make -C "$COPY" -s HAVE_EPOLL=0
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'skipped' <<<"$output")" -eq 1 ]
    grep -qx '03-epoll: skipped: Linux-only (.*)' <<<"$output"
    [ ! -e "$COPY/03-epoll/server" ]
    local d
    for d in "$COPY"/0[4-8]-*/; do
        SERVER=$d/server start_server
        [[ "$(cat "$SERVER_OUT")" == *" (poll)" ]]
        stop_server
        run make -n -C "$d" test HAVE_EPOLL=0
        [[ "$output" == *build/poll/server* ]] && [[ "$output" == *build/select/server* ]]
        [[ "$output" != *epoll* ]]
    done
}

# A fake run of three suites for test/suite total.
fake_logs() {
    export SUITE_LOGS=$BATS_TEST_TMPDIR/logs
    mkdir -p "$SUITE_LOGS"
    printf '%s\n' "1..3" "ok 1 a" "ok 2 b # skip no epoll here" "ok 3 c" \
        "check-excerpts: 4 excerpts in 1 file, all match" >"$SUITE_LOGS/one.log"
    echo 0 >"$SUITE_LOGS/one.status"
    printf '%s\n' "1..2" "ok 1 d" "not ok 2 e" "# (in test file x.bats, line 9)" >"$SUITE_LOGS/two.log"
    echo 2 >"$SUITE_LOGS/two.status"
    printf '%s\n' "server.c:1:1: error: expected something" >"$SUITE_LOGS/three.log"
    echo 2 >"$SUITE_LOGS/three.status"
}

@test "make test's total: bats lines and the checker counted; a failure shows its log; a build error or a missing suite counts as failed" {
    fake_logs
    run "$REPO/test/suite" total one
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(tail -n 1 <<<"$output")" = "4 passed, 0 failed" ]
    run "$REPO/test/suite" total one two three four
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$(tail -n 1 <<<"$output")" = "5 passed, 3 failed" ]
    [[ "$output" == *"# (in test file x.bats, line 9)"* ]]
    [[ "$output" == *"server.c:1:1: error: expected something"* ]]
    [[ "$output" == *"  two: not ok 2 e"* ]]
    [[ "$output" == *"  three: exit status 2"* ]]
    [[ "$output" == *"  four: exit status missing: it did not run"* ]]
    [[ "$output" == *"(1 of the passed were skipped; the logs say why)"* ]]
}

@test "make test's suites: one line each, the command's status kept for the total" {
    export SUITE_LOGS=$BATS_TEST_TMPDIR/logs
    mkdir -p "$SUITE_LOGS"
    run "$REPO/test/suite" run good printf 'ok 1 x\nok 2 y\n'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^ok\ +good:\ 2\ passed,\ 0\ failed,\ [0-9]+\ s$ ]]
    run "$REPO/test/suite" run bad sh -c 'echo "ok 1 x"; exit 3'
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^FAILED\ +bad:\ 1\ passed,\ 1\ failed,\ [0-9]+\ s$ ]]
    [ "$(cat "$SUITE_LOGS/bad.status")" = 3 ]
    run "$REPO/test/suite" total good bad
    [ "$status" -eq 1 ]
    [ "$(tail -n 1 <<<"$output")" = "3 passed, 1 failed" ]
}
