# Helpers shared by every chapter's tests. Load with `load ../test/helpers`.
#
# The server under test is $SERVER (an absolute path; default ./server in the
# chapter being tested). Every wait here is bounded and watches for an event
# (a line in a log, a process ending); none sleeps for correctness.

bats_require_minimum_version 1.5.0
: "${BATS_TEST_TIMEOUT:=120}"

HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TCLIENT=$HELPERS_DIR/tclient
: "${SERVER:=$PWD/server}"

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches the extended
# REGEX; fails early if the server died.
wait_for() {
    local file=$1 re=$2 tries=$((${3:-10} * 20))
    while ((tries-- > 0)); do
        grep -Eq -- "$re" "$file" 2>/dev/null && return 0
        if [ -n "${SERVER_PID:-}" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "server exited while waiting for /$re/ in $file" >&2
            return 1
        fi
        sleep 0.05
    done
    echo "timed out waiting for /$re/ in $file" >&2
    return 1
}

# start_server [ARGS...]: runs "$SERVER" ARGS (default: -q 0) in the
# background, waits for its readiness line, and sets SERVER_PID, PORT,
# SERVER_OUT and SERVER_ERR. With ULIMIT_N set, the server runs under
# `ulimit -n $ULIMIT_N`. The server must not inherit bats' fd 3, or bats
# would wait for it forever.
start_server() {
    local args=("$@")
    [ $# -gt 0 ] || args=(-q 0)
    SERVER_OUT=$BATS_TEST_TMPDIR/server.out
    SERVER_ERR=$BATS_TEST_TMPDIR/server.err
    if [ -n "${SERVER_ULIMIT:-}" ]; then
        # shellcheck disable=SC2086 # "-S -n 1024" is several words
        bash -c 'ulimit $0 && exec "$@"' "$SERVER_ULIMIT" "$SERVER" "${args[@]}" \
            >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
    else
        "$SERVER" "${args[@]}" >"$SERVER_OUT" 2>"$SERVER_ERR" 3>&- &
    fi
    SERVER_PID=$!
    wait_for "$SERVER_OUT" '^listening on 127\.0\.0\.1:[0-9]+' 20 || return 1
    PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$SERVER_OUT")
}

# wait_exit PID [SECONDS]: waits for a background child to end; sets
# EXIT_STATUS. Fails if it is still running after SECONDS.
wait_exit() {
    local pid=$1 tries=$((${2:-10} * 20))
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && return 1
    EXIT_STATUS=0
    wait "$pid" || EXIT_STATUS=$?
}

# stop_server [SIGNAL]: signals the server (default TERM), waits for it, and
# sets SERVER_STATUS. A server that ignores the signal is killed and fails.
stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    local pid=$SERVER_PID
    SERVER_PID=
    kill -"${1:-TERM}" "$pid" 2>/dev/null
    if ! wait_exit "$pid" 10; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        echo "server did not exit within 10 s of SIG${1:-TERM}" >&2
        return 1
    fi
    SERVER_STATUS=$EXIT_STATUS
}

# spawn CMD...: runs a client in the background and sets SPAWNED to its
# PID; teardown kills whatever is still running. It gets neither bats' fd 3
# nor fd 4, which tests use to hold a fifo open. Its stdin is spawn's
# (`spawn CMD <file`): the explicit <&0 is needed, because bash gives a
# background command with no stdin redirection of its own /dev/null.
SPAWNED_ALL=()
spawn() {
    "$@" <&0 3>&- 4>&- &
    SPAWNED=$!
    SPAWNED_ALL+=("$SPAWNED")
}

# The default teardown: never leave a process behind, and show the server's
# logs (bats prints them only when the test failed).
teardown() {
    local pid
    for pid in "${SPAWNED_ALL[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    stop_server || true
    server_logs
}

server_logs() {
    local f
    for f in "${SERVER_OUT:-}" "${SERVER_ERR:-}"; do
        [ -s "$f" ] || continue
        echo "--- ${f##*/} (last 20 lines)"
        tail -n 20 "$f"
    done
}

# tc MODE ARGS...: the test client, always under a time limit.
tc() {
    timeout 90 "$TCLIENT" "$@"
}

# What the kernel says about the running server (Linux /proc).
server_cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
server_fds() { ls "/proc/$SERVER_PID/fd" | wc -l; }
