# Helpers for `make demo`, the scripted demonstration in each chapter.
#
# A chapter's demo is a bash script that sources this file:
#
#     #!/usr/bin/env bash
#     . "$(dirname "$0")/../test/demo.bash"
#     demo_title "01-sockets: one client at a time"
#     demo_start ./server 0          # sets DEMO_PORT
#     ...
#
# What every demo gets from it, so that a presenter can run it in front of a
# room and nothing is left behind:
#
#   - a bound on time: the whole demo stops after DEMO_LIMIT seconds (default
#     30; "demo: over 30 s, stopped", exit 124), and every wait below has its
#     own, smaller bound;
#   - a clean exit: at exit, and on Ctrl-C (INT) or TERM, every process started
#     with demo_start or demo_spawn is killed, and the scratch folder removed;
#   - servers on port 0 (the kernel picks a free port), loopback only.
#
# Functions:
#
#   demo_title TEXT          prints "== TEXT", the line demo.bats looks for first
#   demo_say TEXT...         prints one line of commentary
#   demo_start CMD [ARGS]    runs a server in the background (stdout and stderr
#                            to files in $DEMO_DIR; fd 3 closed, as in the tests),
#                            waits up to 10 s for its "listening on" line, and
#                            sets DEMO_PID, DEMO_PORT, DEMO_OUT, DEMO_ERR.
#                            Fails, with the server's stderr, if it does not start.
#   demo_stop                SIGTERM to the server, waits (up to 5 s, then KILL)
#   demo_spawn CMD [ARGS]    a helper in the background (a client, a holder of
#                            idle connections); sets DEMO_SPAWNED; killed at exit.
#                            Redirections written after it apply to the demo
#                            itself while it starts the helper, so a fifo given
#                            as its stdin must already be open for writing
#                            (exec 6<>FIFO), or the demo blocks there.
#   demo_wait_for FILE REGEX [SECONDS]
#                            until a line of FILE matches the extended REGEX
#                            (default bound 10 s); fails on time-out
#   demo_now                 prints the seconds since demo.bash was sourced
#                            (two decimals): "t=1.25s" lines are built from it
#   demo_time VAR CMD [ARGS] runs CMD (its output to $DEMO_DIR/last.out) and
#                            stores its wall-clock seconds in VAR; fails if CMD does
#   demo_hold N              opens N idle connections to $DEMO_PORT with
#                            test/tclient hold (each echoed once, then held open
#                            until demo_unhold); fails unless all N were echoed
#   demo_unhold              lets those connections go and waits for the holder
#   demo_exchanges N         N short exchanges with $DEMO_PORT, one after another
#                            (tclient echo -c 1 -r N -s 64: connect, send 64
#                            bytes, read them back, close), and one line saying
#                            how long they took and how long each took
#   demo_show FILE [SED]     prints FILE, indented by four spaces (optionally
#                            through a sed program first)
#
# File descriptors: 5 is demo_hold's; 6 to 9 are free for a demo's own fifos.
# Nothing started by demo_start or demo_spawn inherits 3 or 5 to 9 (a client
# holding a fifo's write end open would never see its end of file).
#
# Paths: DEMO_ROOT is the repository's top folder, DEMO_TCLIENT the tests'
# client (built with `make -C $DEMO_ROOT/test` if it is missing).

set -u
DEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO_TCLIENT=$DEMO_ROOT/test/tclient
DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/demo.XXXXXX")
DEMO_PID=
DEMO_PIDS=()
DEMO_T0=${EPOCHREALTIME/,/.}
: "${DEMO_LIMIT:=30}"

demo_cleanup() {
    local pid
    trap - EXIT INT TERM
    exec 5>&-
    for pid in "${DEMO_PIDS[@]}" ${DEMO_PID:+"$DEMO_PID"}; do
        kill -KILL "$pid" 2>/dev/null
    done
    for pid in "${DEMO_PIDS[@]}" ${DEMO_PID:+"$DEMO_PID"}; do
        wait "$pid" 2>/dev/null
    done
    [ -n "${DEMO_WATCHDOG:-}" ] && kill "$DEMO_WATCHDOG" 2>/dev/null
    rm -rf "$DEMO_DIR"
}
trap 'demo_cleanup' EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM
trap 'echo "demo: over ${DEMO_LIMIT} s, stopped" >&2; exit 124' ALRM

# The watchdog: after DEMO_LIMIT seconds, ALRM to the demo (which then cleans
# up through its trap). It holds none of the demo's output open, so a caller
# reading that output is never kept waiting by it.
(
    sleep "$DEMO_LIMIT" &
    trap 'kill $! 2>/dev/null; exit 0' TERM
    wait $!
    kill -ALRM $$ 2>/dev/null
) >/dev/null 2>&1 3>&- &
DEMO_WATCHDOG=$!

[ -x "$DEMO_TCLIENT" ] || make -s -C "$DEMO_ROOT/test" >&2 || exit 1

demo_title() { echo "== $*"; }
demo_say() { echo "$*"; }

demo_now() {
    local t=${EPOCHREALTIME/,/.}
    awk -v a="$DEMO_T0" -v b="$t" 'BEGIN { printf "%.2f", b - a }'
}

demo_wait_for() {
    local file=$1 re=$2 tries=$((${3:-10} * 20))
    while ((tries-- > 0)); do
        grep -Eq -- "$re" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "demo: timed out waiting for /$re/ in $file" >&2
    return 1
}

demo_start() {
    DEMO_OUT=$DEMO_DIR/server.out
    DEMO_ERR=$DEMO_DIR/server.err
    : >"$DEMO_OUT" # before the server's own redirection has made it
    "$@" >"$DEMO_OUT" 2>"$DEMO_ERR" 3>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    DEMO_PID=$!
    local tries=200
    while ((tries-- > 0)); do
        DEMO_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$DEMO_OUT")
        [ -n "$DEMO_PORT" ] && return 0
        kill -0 "$DEMO_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "demo: $* did not start:" >&2
    cat "$DEMO_ERR" >&2
    return 1
}

demo_stop() {
    [ -n "$DEMO_PID" ] || return 0
    local pid=$DEMO_PID tries=100
    DEMO_PID=
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

demo_spawn() {
    # <&0: without a redirection of its own, a background command in a
    # script gets /dev/null as stdin, not the stdin given to demo_spawn.
    "$@" <&0 3>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    DEMO_SPAWNED=$!
    DEMO_PIDS+=("$DEMO_SPAWNED")
}

demo_time() {
    local var=$1 t0 t1 status=0
    shift
    t0=${EPOCHREALTIME/,/.}
    "$@" >"$DEMO_DIR/last.out" 2>&1 || status=$?
    t1=${EPOCHREALTIME/,/.}
    printf -v "$var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
    if [ "$status" -ne 0 ]; then
        echo "demo: $* failed:" >&2
        cat "$DEMO_DIR/last.out" >&2
    fi
    return "$status"
}

demo_hold() {
    local n=$1
    rm -f "$DEMO_DIR/hold.in"
    mkfifo "$DEMO_DIR/hold.in"
    exec 5<>"$DEMO_DIR/hold.in" # the holder lets go when this closes
    demo_spawn "$DEMO_TCLIENT" hold "$DEMO_PORT" -c "$n" -q 1000 -w 1 -t 25 \
        <"$DEMO_DIR/hold.in" >"$DEMO_DIR/hold.out"
    DEMO_HOLDER=$DEMO_SPAWNED
    demo_wait_for "$DEMO_DIR/hold.out" '^phase1' 20 || return 1
    grep -q "^phase1: echoed $n closed 0 waiting 0" "$DEMO_DIR/hold.out" || {
        echo "demo: holding $n connections failed: $(cat "$DEMO_DIR/hold.out")" >&2
        return 1
    }
}

demo_unhold() {
    exec 5>&-
    wait "${DEMO_HOLDER:-}" 2>/dev/null
    return 0
}

demo_show() {
    if [ $# -gt 1 ]; then sed -E "$2" "$1"; else cat "$1"; fi | sed 's/^/    /'
}

demo_exchanges() {
    local n=$1 secs
    demo_time secs "$DEMO_TCLIENT" echo "$DEMO_PORT" -c 1 -r "$n" -s 64 || return 1
    awk -v n="$n" -v s="$secs" 'BEGIN { printf "%d exchanges in %.2f s: %4.0f us each\n", n, s, s / n * 1e6 }'
}
