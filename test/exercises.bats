#!/usr/bin/env bats
# Each chapter's first exercise checks itself (make check-exercise), and this
# proves that the check works: on a copy of the chapter and of test/, the
# check must fail as the chapter stands, and pass once the reference
# solution, test/exercises/NN.patch, is applied (patch -p1 from the top of
# the repository). A chapter joins by adding its patch.

load helpers

ROOT=$(cd "$HELPERS_DIR/.." && pwd)

# check_exercise DIR: make -C DIR check-exercise, in an environment without
# this bats run's own variables and exported functions (a bats run inside a
# bats test trips on them).
check_exercise() {
    local path # bats puts its libexec folder first on PATH: take it off
    path=$(tr : '\n' <<<"$PATH" | grep -v 'libexec/bats-core' | paste -sd: -)
    run env -i PATH="$path" HOME="${HOME:-/tmp}" TMPDIR="${TMPDIR:-/tmp}" ${CC:+CC="$CC"} \
        timeout 120 make -s -C "$1" check-exercise
}

# exercise NN: the proof for chapter NN.
exercise() {
    local patch=$ROOT/test/exercises/$1.patch dir copy=$BATS_TEST_TMPDIR/repo
    [ -f "$patch" ] || skip "no test/exercises/$1.patch"
    dir=$(cd "$ROOT" && ls -d "$1"-*/ | head -1)
    dir=${dir%/}
    mkdir -p "$copy"
    cp -a "$ROOT/$dir" "$ROOT/test" "$copy/"
    make -s -C "$copy/$dir" clean >/dev/null

    check_exercise "$copy/$dir"
    echo "--- before the patch (must fail): exit $status"
    echo "$output" | tail -n 15
    [ "$status" -ne 0 ]
    [[ "$output" == *"not ok 1 "* ]] # the check ran and failed, not the build

    (cd "$copy" && patch -p1 --quiet <"$patch")
    check_exercise "$copy/$dir"
    echo "--- after the patch (must pass): exit $status"
    echo "$output" | tail -n 15
    [ "$status" -eq 0 ]
    [[ "$output" == *"ok 1 "* ]]
}

@test "exercise 01: check-exercise fails, then passes with test/exercises/01.patch" { exercise 01; }
@test "exercise 02: check-exercise fails, then passes with test/exercises/02.patch" { exercise 02; }
@test "exercise 03: check-exercise fails, then passes with test/exercises/03.patch" { exercise 03; }
@test "exercise 04: check-exercise fails, then passes with test/exercises/04.patch" { exercise 04; }
@test "exercise 05: check-exercise fails, then passes with test/exercises/05.patch" { exercise 05; }
@test "exercise 06: check-exercise fails, then passes with test/exercises/06.patch" { exercise 06; }
@test "exercise 07: check-exercise fails, then passes with test/exercises/07.patch" { exercise 07; }
@test "exercise 08: check-exercise fails, then passes with test/exercises/08.patch" { exercise 08; }
