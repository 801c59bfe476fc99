#!/usr/bin/env bats
# Chapter 02's own tests: select()'s limit, FD_SETSIZE. (What every
# many-clients server does is in ../test/concurrent.bats.)

load ../test/helpers

@test "a connection beyond FD_SETSIZE is refused cleanly and the server goes on" {
    # 02 keeps the soft limit it is given, often 1024: then EMFILE comes first.
    SERVER_ULIMIT='-S -n 4096' start_server 0
    run tc hold "$PORT" -c 1030 -q 500
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^phase1:\ echoed\ ([0-9]+)\ closed\ ([0-9]+)\ waiting\ 0$ ]]
    local echoed=${BASH_REMATCH[1]} closed=${BASH_REMATCH[2]}
    [ "$echoed" -ge 1000 ] && [ "$closed" -ge 1 ] && [ $((echoed + closed)) -eq 1030 ]
    grep -Eq '^refused fd 1024 from 127\.0\.0\.1:[0-9]+: select\(\) cannot watch fds >= FD_SETSIZE \(1024\)$' "$SERVER_ERR"
    run tc echo "$PORT" -c 10 -s 100K
    [ "$status" -eq 0 ]
}
