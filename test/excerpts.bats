#!/usr/bin/env bats
# test/check-excerpts, proved able to fail: each test copies the repository,
# gives a chapter a README whose excerpts are cut from that chapter's files as
# they are now (so the test holds whatever the code becomes), checks that it
# passes, then breaks one thing and expects the failure to name the line.

load helpers
load tooling

CHAPTER=04-selectors
FENCE='```'

setup() {
    copy_repo
    cd "$COPY/$CHAPTER"
    write_readme >README.md
    DIFF_LINES=$(diff_lines A=03 B=04)
    DIFF_LINES_TESTS0=$(diff_lines A=03 B=04 TESTS=0)
    printf '%s\n' "\`make diff A=03 B=04\` prints $DIFF_LINES lines;" \
        "\`make diff A=03 B=04 TESTS=0\` prints $(commas "$DIFF_LINES_TESTS0") lines." >>README.md
}

# diff_lines ARGS...: how many lines the copy's `make diff ARGS` prints. As
# the checker counts: without the caller's MAKEFLAGS, in which `make -C`
# puts -w and so "Entering directory" lines.
diff_lines() {
    (cd "$COPY" && MAKEFLAGS= make -s --no-print-directory diff "$@") | wc -l | tr -d ' '
}

# 1234 -> 1,234: the checker reads the count as prose writes it.
commas() {
    if [ "$1" -ge 1000 ]; then printf '%d,%03d\n' $(($1 / 1000)) $(($1 % 1000)); else echo "$1"; fi
}

# One excerpt of each kind the checker reads (two pieces of server.c around
# an elision, the Makefile's opening, a test helper in another folder), and
# the blocks it leaves alone.
write_readme() {
    echo "# A fixture"
    echo
    echo "${FENCE}c"
    echo "// server.c: its opening comment, then main()"
    head -n 4 server.c
    echo "    /* ... */"
    sed -n '/^int main(/,/^}/p' server.c | head -n 5
    echo "$FENCE"
    echo
    echo "${FENCE}make"
    echo "# Makefile"
    head -n 2 Makefile
    echo "$FENCE"
    echo
    echo "${FENCE}bash"
    echo "# ../test/helpers.bash: wait_for"
    sed -n '/^wait_for() {$/,/^}$/p' ../test/helpers.bash | head -n 2
    echo "    # ..."
    echo "}"
    echo "$FENCE"
    echo
    printf '%s\n' "${FENCE}c" "// sketch: not in the source" "struct conn { int fd; };" "$FENCE"
    printf '%s\n' "${FENCE}c" "// make expand" "switch (g->resume) { case 0:; }" "$FENCE"
    printf '%s\n' "${FENCE}console" '$ ./server 0' "listening on 127.0.0.1:41234 (epoll)" "$FENCE"
    printf '%s\n' "${FENCE}python" "import selectors" "$FENCE"
    echo
}

check() {
    run ../test/check-excerpts README.md
    echo "$output"
}

# fails_at LINE WHAT: the checker fails, and its first problem is at the
# README's line LINE and begins with WHAT.
fails_at() {
    check
    [ "$status" -eq 1 ]
    [[ "${lines[0]}" == "$CHAPTER/README.md:$1: $2"* ]]
}

# append LINE...: adds lines to the README; ADDED is the first one's number.
append() {
    ADDED=$(($(wc -l <README.md) + 1))
    printf '%s\n' "$@" >>README.md
}

@test "check-excerpts: a README whose excerpts match passes, and says how many it checked" {
    check
    [ "$status" -eq 0 ]
    [ "$output" = "check-excerpts: 3 excerpts in 1 file, all match" ]
}

@test "check-excerpts: a line changed in a README's excerpt fails, naming that README line" {
    local n
    n=$(($(line_of README.md "    /* ... */") + 2)) # main()'s second line
    set_line README.md "$n" "$(sed -n "${n}p" README.md) changed"
    fails_at "$n" "differs from server.c: the README has \`"
    [[ "${lines[0]}" == *" changed\`, server.c has \`"* ]]
    [ "${lines[1]}" = "check-excerpts: 1 problem in 1 file" ]
}

@test "check-excerpts: a source line changed under an excerpt fails, naming the README line that shows it" {
    set_line server.c 2 "$(sed -n 2p server.c) (changed)"
    fails_at $(($(line_of README.md "// server.c: its opening comment, then main()") + 2)) "differs from server.c: "
    [[ "${lines[0]}" == *"server.c has \`"*" (changed)\`" ]]
}

@test "check-excerpts: an excerpt whose source file is gone fails" {
    mv ../test/helpers.bash ../test/helpers.sh
    fails_at "$(line_of README.md "# ../test/helpers.bash: wait_for")" \
        "no such file: ../test/helpers.bash (paths are relative to the README's folder)"
}

@test "check-excerpts: a \`\`\`c block that names no source and is no sketch fails" {
    append "${FENCE}c" "int main(void);" "$FENCE"
    fails_at "$ADDED" "a \`\`\`c block names its source on its first line"
}

@test "check-excerpts: a line number in the prose fails, each kind on its line" {
    append "See server.c:42 and loop.h:7." "It is on line 12, or lines 12 to 20."
    fails_at "$ADDED" "a line number (server.c:42): "
    [[ "${lines[1]}" == "$CHAPTER/README.md:$((ADDED + 1)): a line number (line 12): "* ]]
    [ "${#lines[@]}" -eq 3 ]
}

@test "check-excerpts: a wrong make diff size fails, with the real one" {
    local n
    n=$(line_of README.md "\`make diff A=03 B=04\` prints $DIFF_LINES lines;")
    set_line README.md "$n" "\`make diff A=03 B=04\` prints $((DIFF_LINES + 1)) lines;"
    fails_at "$n" "\`make diff A=03 B=04\` prints $DIFF_LINES lines, not $((DIFF_LINES + 1))"
}

@test "check-excerpts: a make diff size in a shape it cannot rerun fails" {
    append "\`make diff B=04 A=03\` prints $DIFF_LINES lines."
    fails_at "$ADDED" "a make diff size in a shape the checker cannot rerun"
}

@test "check-excerpts: pieces out of the source's order fail" {
    append "${FENCE}c" "// server.c" "$(sed -n '/^int main(/,/^}/p' server.c | head -n 2)" \
        "..." "$(head -n 2 server.c)" "$FENCE"
    fails_at $((ADDED + 5)) "found in server.c, but above the excerpt's previous piece"
}

@test "check-excerpts: a code fence never closed fails" {
    append "${FENCE}c" "// sketch" "and then prose that reads as code"
    fails_at "$ADDED" "this code fence is never closed"
}

@test "check-excerpts: with no arguments, the front README and every chapter's" {
    local d n=1
    printf '%s\n' "${FENCE}make" "# Makefile" "$(head -n 1 ../Makefile)" "$FENCE" >../README.md
    for d in ../[0-9][0-9]-*/; do
        printf '%s\n' "${FENCE}c" "// server.c" "$(head -n 1 "$d/server.c")" "$FENCE" >"$d/README.md"
        n=$((n + 1))
    done
    cd "$BATS_TEST_TMPDIR"
    run "$COPY/test/check-excerpts"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "check-excerpts: $n excerpts in $n files, all match" ]
    set_line "$COPY/05-iterators/README.md" 3 "/* not the first line */"
    run "$COPY/test/check-excerpts"
    echo "$output"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "05-iterators/README.md:3: not in server.c: \`/* not the first line */\`" ]
}

@test "every chapter's make test checks the chapter's README" {
    local d
    for d in "$REPO"/[0-9][0-9]-*/; do
        make -n -C "$d" test | grep -qx '\.\./test/check-excerpts README\.md' || {
            echo "$d: make test does not run ../test/check-excerpts README.md"
            return 1
        }
    done
}
