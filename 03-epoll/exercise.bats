#!/usr/bin/env bats
# make check-exercise: chapter 03's first exercise (README, "Exercises").
# It fails until the server, as it stops, logs how many times it waited and
# how many ready events those waits returned:
#     epoll_wait: W calls, E events
# (make test does not run this file.)

load ../test/helpers

@test "exercise 1: at exit, one line counts the epoll_wait() calls and the events they returned" {
    start_server 0
    run tc echo "$PORT" -c 1000 -s 1000 -a 1
    [ "$status" -eq 0 ]
    stop_server
    [ "$SERVER_STATUS" -eq 0 ]
    local line
    line=$(grep '^epoll_wait: ' "$SERVER_ERR" || true)
    echo "the line: '$line'"
    [[ "$line" =~ ^epoll_wait:\ ([0-9]+)\ calls,\ ([0-9]+)\ events$ ]]
    local calls=${BASH_REMATCH[1]} events=${BASH_REMATCH[2]}
    # 1,000 clients: each is accepted, sends, and half-closes, so at least
    # 2,000 client events; and with 1,000 at once, waits return several.
    [ "$events" -ge 2000 ]
    [ "$calls" -ge 1 ] && [ "$calls" -lt "$events" ]
}
