# Helpers for the tests of the repository's own tools (excerpts.bats,
# make.bats): they work on a copy, so that breaking a README or a source on
# purpose never touches the real one. Load after helpers.

REPO=$(cd "$HELPERS_DIR/.." && pwd)

# copy_repo: the repository's sources in $COPY. Left out: what .gitignore
# names (build products, which a `make test` in progress may be writing,
# its logs, a fetched bats) and .git.
copy_repo() {
    COPY=$BATS_TEST_TMPDIR/repo
    mkdir -p "$COPY"
    (cd "$REPO" && tar cf - --exclude=.git --exclude=build --exclude=.flags --exclude='*.o' \
        --exclude=server --exclude=client --exclude=tclient --exclude=badserver \
        --exclude='*_test' --exclude=./test/logs --exclude=./test/.bats .) |
        (cd "$COPY" && tar xf -)
}

# set_line FILE N TEXT: line N of FILE becomes TEXT (sed -i differs between
# GNU and BSD).
set_line() {
    awk -v n="$2" -v text="$3" 'NR == n { $0 = text } { print }' "$1" >"$1.new" && mv "$1.new" "$1"
}

# line_of FILE TEXT: the number of the first line of FILE that is TEXT.
line_of() {
    awk -v text="$2" '$0 == text { print NR; found = 1; exit } END { exit !found }' "$1"
}
