#!/usr/bin/env bats
# The tests' own rules and helpers, checked directly, because breaking them
# shows only when some other test fails or hangs: a background process that
# outlives its test, a client that reads /dev/null instead of its input, a
# comment that cites a document the repository does not have.
# Run by the top-level `make test`.

load helpers

@test "tests start background processes only through spawn or start_server, which teardown kills" {
    cd "$HELPERS_DIR/.."
    # A command ended by a lone `&` (not `&&`, not a `>&` redirection), at
    # the end of a line or before a comment or an assignment such as pid=$!.
    run grep -nE '(^|[^&>])&[[:space:]]*($|#|[[:alpha:]_][[:alnum:]_]*=)' -- */*.bats test/*.bats
    echo "$output"
    [ "$status" -eq 1 ]
}

@test "spawn: the command reads the input spawn was given, not /dev/null" {
    echo hello >"$BATS_TEST_TMPDIR/in"
    spawn cat <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
    wait_exit "$SPAWNED" 10
    run cat "$BATS_TEST_TMPDIR/out"
    [ "$output" = hello ]
}

@test "spawn: a test that fails leaves nothing running" {
    local d=$BATS_TEST_TMPDIR
    # A test file of one failing test. (Written with printf: bats would
    # count an @test at the start of a line here as one of this file's.)
    printf '%s\n' "load $HELPERS_DIR/helpers" "@test 'fails, a client still running' {" \
        "    spawn sleep 600" "    echo \$SPAWNED >'$d/pid'" "    false" "}" >"$d/inner.bats"
    # Without this run's BATS_ variables, which would confuse that one.
    local unset=() v
    for v in $(compgen -e | grep '^BATS_'); do unset+=(-u "$v"); done
    run env "${unset[@]}" "$HELPERS_DIR/run-bats" "$d/inner.bats"
    echo "$output"
    [ "$status" -eq 1 ]
    local pid tries=100
    pid=$(cat "$d/pid")
    # Killed by the inner teardown, and reaped by init a moment later.
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do
        sleep 0.05
    done
    ! kill -0 "$pid" 2>/dev/null
}

@test "the documents the tests cite are in the repository" {
    cd "$HELPERS_DIR/.."
    local missing=() f
    for f in $(grep -ohE '\b[A-Z][A-Z_]*\.md\b' -- */*.bats test/*.bats test/helpers.bash | sort -u); do
        [ -e "$f" ] || missing+=("$f")
    done
    echo "cited but missing: ${missing[*]}"
    [ ${#missing[@]} -eq 0 ]
}
