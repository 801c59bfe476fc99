#!/usr/bin/env bats
# make check-exercise: chapter 01's first exercise (README, "Exercises").
# It fails until SO_REUSEADDR is gone from net_listen(), and passes once a
# restart on the same port, right after a stop with a client connected,
# fails the way the README says. (make test does not run this file.)

load ../test/helpers

CLIENT=$PWD/client

@test "exercise 1: without SO_REUSEADDR a restart fails while the last run's connection is in TIME_WAIT" {
    start_server 0
    local port=$PORT d=$BATS_TEST_TMPDIR
    mkfifo "$d/in"
    exec 4<>"$d/in"
    spawn timeout 20 "$CLIENT" "$port" <"$d/in" >"$d/out"
    echo hello >&4
    wait_for "$d/out" '^hello$'
    stop_server # the server closes first, so its end of the connection waits in TIME_WAIT
    exec 4>&-
    local after
    after=$(ss -tan "sport = :$port" 2>/dev/null | tail -n +2)
    echo "after the stop: $after"
    # The kernel keeps a TIME_WAIT only while its table of them has room:
    # a busy machine (make test's 10,000-connection tests) may have none
    # left, and then the restart binds whatever the code does. Then the
    # source is what tells.
    if ! grep -q TIME-WAIT <<<"$after"; then
        echo "no TIME_WAIT kept for port $port here; looking at net_listen() instead"
        ! sed -n '/^static int net_listen/,/^}/p' server.c | grep -q 'setsockopt(.*SO_REUSEADDR'
        return
    fi
    run --separate-stderr timeout 2 "$SERVER" -q "$port"
    echo "the restart: exit $status; stdout: $output; stderr: $stderr"
    if [ "$status" -eq 124 ]; then
        echo "the restart bound the port and served: SO_REUSEADDR is still set in net_listen()"
        return 1
    fi
    [ "$status" -eq 1 ]
    [ "$stderr" = "server: bind 127.0.0.1:$port: Address already in use" ]
}
