#!/usr/bin/env bats
# make check-exercise: chapter 06's first exercise (README, "Exercises").
# It fails until the close line counts what the connection echoed:
#     closed fd 7 (127.0.0.1:50000): client closed after 16777216 bytes
# (make test does not run this file.)

load ../test/helpers

@test "exercise 1: the close line says how many bytes the connection echoed, 16 MiB included" {
    start_server 0
    run tc echo "$PORT" -s 16M
    [ "$status" -eq 0 ]
    run tc echo "$PORT" -s 5
    [ "$status" -eq 0 ]
    stop_server
    cat "$SERVER_ERR"
    grep -Eq '^closed fd [0-9]+ \(127\.0\.0\.1:[0-9]+\): client closed after 16777216 bytes$' "$SERVER_ERR"
    grep -Eq '^closed fd [0-9]+ \(127\.0\.0\.1:[0-9]+\): client closed after 5 bytes$' "$SERVER_ERR"
}
