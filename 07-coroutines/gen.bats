#!/usr/bin/env bats
# gen.h on its own, through gen_test (a C program built in this folder):
# each case runs it once and checks the exact line it prints, so a generator
# that yields one value too many, too few or out of order fails here.

load ../test/helpers

gen_case() {
    run ./gen_test "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "gen.h: a counter yields 1..5 then is done" {
    gen_case counter
    [ "$output" = "1 2 3 4 5 done" ]
}

@test "gen.h: a loop's index and running sum live in the frame across yields" {
    gen_case loop-state
    [ "$output" = "3 4 8 9 14 done" ]
}

@test "gen.h: a finished generator returns its done value again and runs no body" {
    gen_case after-end
    [ "$output" = "1 2 done done done done (body ran 3 times)" ]
}

@test "gen.h: two frames of one generator, resumed in turn, keep their own state" {
    gen_case interleaved
    [ "$output" = "a:1 b:10 a:2 b:11 a:3 b:12 a:done b:13 b:14 b:done" ]
}

@test "gen.h: gen_return finishes from inside a loop; later calls give gen_end's value" {
    gen_case early-return
    [ "$output" = "4 2 returned -7 then 0 then 0" ]
}

@test "gen.h: gen_init starts a finished generator over" {
    gen_case restart
    [ "$output" = "1 2 3 done | gen_init | 1 2 3 done" ]
}

@test "gen.h: a generator's frame is a few bytes, not a stack" {
    gen_case frame-size
    [ "$output" = "struct gen 4 bytes, count frame 16 bytes" ]
}

@test "gen.h: a yield inside a switch of one's own aborts at the next call, naming the rule" {
    run ./gen_test yield-in-switch
    echo "$output"
    [ "$status" -eq 134 ] # SIGABRT
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = 10 ]
    local line
    line=$(grep -n 'gen_yield(&f->gen, 10);' gen_test.c | cut -d: -f1)
    [ "${lines[1]}" = "gen_test.c:$line: picky(): resumed at a yield outside gen_begin()'s switch; gen.h ground rule 2: no yield inside a switch of your own" ]
}

@test "gen_test: an unknown case is a usage error" {
    run ./gen_test no-such-case
    echo "$output"
    [ "$status" -eq 2 ]
    [[ "$output" == usage:* ]]
}
