#!/usr/bin/env bats
# make check-exercise: chapter 05's first exercise (README, "Exercises").
# It fails until loop_once() takes at most two ready keys from the iterator
# per turn; every client must still be served. (make test does not run this
# file.)

load ../test/helpers

@test "exercise 1: at most two ready keys per turn, and every client still served" {
    TRACE=1 start_server 0
    # Paused, the server cannot read: six clients connect and send, so that
    # when it wakes, six connections are ready at once.
    kill -STOP "$SERVER_PID"
    spawn "$TCLIENT" hold "$PORT" -c 6 -q 1000 -t 20
    local holder=$SPAWNED
    sleep 0.5
    kill -CONT "$SERVER_PID"
    run wait "$holder"
    wait_exit "$holder" 20
    [ "$EXIT_STATUS" -eq 0 ]
    run tc echo "$PORT" -c 20 -s 100K -a 1
    [ "$status" -eq 0 ]
    stop_server
    cat "$SERVER_ERR"
    # the most keys any one turn handed out
    local most
    most=$(grep -E '^turn ' "$SERVER_ERR" |
        awk '{ n = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+(r|w|rw)$/) n++; if (n > m) m = n } END { print m + 0 }')
    echo "the most keys in one turn: $most"
    [ "$most" -le 2 ]
}
