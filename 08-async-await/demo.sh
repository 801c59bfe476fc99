#!/usr/bin/env bash
# make demo: a timeout, a cancel, a graceful stop.
#  1. --idle-timeout 0.5: an idle client is closed at about 0.5 s while a
#     busy one (./client for 2 s, four timeout periods) goes on.
#  2. The timeout was a cancel: the trace of one idle client shows the
#     timer cancelling the future the task awaits, and the task waking
#     once; then async_test's cancel-continue: a cancelled task cleans up
#     with an await of its own, and goes on.
#  3. SIGTERM with --grace 5: a client stalled mid-transfer (megabytes in
#     flight) gets every byte back after the signal, a new client is
#     refused, and the server exits 0 once the conversation has ended.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "08-async-await: a timeout, a cancel, a graceful stop"

# ---- 1. a timeout ---------------------------------------------------------------
demo_say "1. a timeout: ./server --idle-timeout 0.5; one idle client, one busy for 2 s"
demo_start ./server --idle-timeout 0.5 0 || exit 1
mkfifo "$DEMO_DIR/idle.in"
exec 6<>"$DEMO_DIR/idle.in"
demo_spawn "$DEMO_TCLIENT" hold "$DEMO_PORT" -c 1 -q 5000 -w 1 -t 10 \
    <"$DEMO_DIR/idle.in" >"$DEMO_DIR/idle.out"
idler=$DEMO_SPAWNED
demo_wait_for "$DEMO_ERR" '^accepted fd' || exit 1
t0=$(demo_now)
demo_spawn ./client -c 1 -d 2 "$DEMO_PORT" >"$DEMO_DIR/busy.out" 2>&1
busy=$DEMO_SPAWNED
demo_wait_for "$DEMO_ERR" 'idle timeout$' 5 || exit 1
t1=$(demo_now)
demo_say "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "t=+%.1fs  the server closes the idle connection:", b - a }')"
grep 'idle timeout$' "$DEMO_ERR" | sed -E 's/fd [0-9]+ \(127\.0\.0\.1:[0-9]+\)/fd N (127.0.0.1:PORT)/; s/^/    /'
wait "$busy" || { cat "$DEMO_DIR/busy.out" >&2; exit 1; }
t2=$(demo_now)
demo_say "$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "t=+%.1fs  the busy client ends, never cut (2 s: four idle timeouts long):", b - a }')"
demo_show "$DEMO_DIR/busy.out"
exec 6>&-
demo_stop

# ---- 2. a cancel ----------------------------------------------------------------
demo_say "2. a cancel: the idle timeout is task_cancel(), delivered at the await (TRACE=1)"
TRACE=1 demo_start ./server --idle-timeout 0.3 0 || exit 1
exec 7<>"/dev/tcp/127.0.0.1/$DEMO_PORT" || exit 1
demo_wait_for "$DEMO_ERR" 'idle timeout$' 5 || exit 1
exec 7>&-
demo_stop
sed -n '/^turn [0-9]*: timer on_timeout$/,/idle timeout$/p' "$DEMO_ERR" |
    sed -E 's/^turn [0-9]+:/turn T:/; s/readable\([0-9]+\)/readable(C)/; s/fd [0-9]+ \(127\.0\.0\.1:[0-9]+\)/fd C (127.0.0.1:PORT)/; s/^/    /'
demo_say "   and a task that is cancelled may clean up, awaiting, and go on (async_test cancel-continue):"
./async_test cancel-continue | sed -n 1p | sed 's/^/    /'

# ---- 3. a graceful stop -----------------------------------------------------------
demo_say "3. a graceful stop: ./server --grace 5; a client stalls mid-transfer; SIGTERM"
demo_start ./server --grace 5 0 || exit 1
mkfifo "$DEMO_DIR/stall.in"
exec 8<>"$DEMO_DIR/stall.in"
demo_spawn "$DEMO_TCLIENT" stall "$DEMO_PORT" -s 32M -w 1 -t 20 \
    <"$DEMO_DIR/stall.in" >"$DEMO_DIR/stall.out" 2>&1
staller=$DEMO_SPAWNED
demo_wait_for "$DEMO_DIR/stall.out" '^stalled after' 10 || exit 1
demo_say "   the client has sent part of 32 MiB and reads nothing:"
demo_show "$DEMO_DIR/stall.out" 's/after [0-9]+ bytes/after N bytes/'
server=$DEMO_PID
kill -TERM "$server"
demo_say "   SIGTERM sent; a new client now:"
for _ in 1 2 3 4 5 6 7 8 9 10; do
    if ! "$DEMO_TCLIENT" echo "$DEMO_PORT" -s 10 -t 5 >"$DEMO_DIR/new.out" 2>&1; then break; fi
    sleep 0.1 # the signal's byte may not have been read yet
done
demo_show "$DEMO_DIR/new.out"
kill -0 "$server" 2>/dev/null && demo_say "   the server is still running, for the conversation it has; the client now reads:"
exec 8>&-
wait "$staller" || { cat "$DEMO_DIR/stall.out" >&2; exit 1; }
sed -n '/^ok:/p' "$DEMO_DIR/stall.out" | sed 's/^/    /'
DEMO_PID=
wait "$server"
status=$?
demo_say "   the server's log, and its exit status:"
demo_show "$DEMO_ERR" 's/fd [0-9]+/fd N/; s/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/'
demo_say "   exit $status"
[ "$status" -eq 0 ]
