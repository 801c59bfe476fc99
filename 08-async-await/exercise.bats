#!/usr/bin/env bats
# make check-exercise: chapter 08's first exercise (README, "Exercises").
# It fails until ./server takes --max-conns N: an `async with` of a
# Semaphore(N) around each conversation, so that at most N are served at
# once and the others wait their turn, in order; a conversation that ends
# in any way (a close, a reset) gives its slot back.
# (make test does not run this file.)

load ../test/helpers

@test "exercise 1: --max-conns 1 serves one conversation at a time; the next waits for the slot, and gets it" {
    start_server 0 --max-conns 1
    # Two clients: the first is served, the second waits; once the first
    # closes, the second is served.
    run tc hold "$PORT" -c 2 -q 500 --release 1 -t 10
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "phase1: echoed 1 closed 0 waiting 1" ]
    [ "${lines[1]}" = "phase2: echoed 1 closed 0 waiting 0" ]
    # A conversation that ends with a reset gives its slot back too.
    run tc reset "$PORT" -s 100K
    [ "$status" -eq 0 ]
    # Twenty at once all queue, and every one is served in turn.
    run tc echo "$PORT" -c 20 -s 100K -t 20
    echo "$output"
    [ "$status" -eq 0 ]
}
