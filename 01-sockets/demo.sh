#!/usr/bin/env bash
# make demo: chapter 01's point, with times. Two clients connect; the second
# sends at once but gets no reply until the first leaves, because the server
# is blocked in recv() for the first and does not call accept() again.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "01-sockets: one client at a time"
demo_start ./server 0 || exit 1
demo_say "t=$(demo_now)s  $(cat "$DEMO_OUT")"

# Client A: its input is a fifo we hold open, so it stays connected.
mkfifo "$DEMO_DIR/a.in"
exec 6<>"$DEMO_DIR/a.in"
demo_spawn timeout 20 ./client "$DEMO_PORT" <"$DEMO_DIR/a.in" >"$DEMO_DIR/a.out"
a=$DEMO_SPAWNED
echo one >&6
demo_wait_for "$DEMO_DIR/a.out" '^one$' || exit 1
demo_say "t=$(demo_now)s  client A sent \"one\" and got \"one\" back; it stays connected"

# Client B: one line, then end of input.
t_b=${EPOCHREALTIME/,/.}
demo_spawn timeout 20 ./client "$DEMO_PORT" <<<two >"$DEMO_DIR/b.out"
b=$DEMO_SPAWNED
demo_say "t=$(demo_now)s  client B connects and sends \"two\""
sleep 2
demo_say "t=$(demo_now)s  client B has had no reply ($(wc -c <"$DEMO_DIR/b.out") bytes);" \
    "the server has accepted $(grep -c '^accepted' "$DEMO_ERR") connection"

exec 6>&- # A reaches end of input and leaves
wait "$a"
demo_say "t=$(demo_now)s  client A leaves"
demo_wait_for "$DEMO_DIR/b.out" '^two$' || exit 1
waited=$(awk -v a="$t_b" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }')
demo_say "t=$(demo_now)s  client B gets \"two\" back: it waited ${waited} s"
wait "$b"
demo_stop
demo_say "the server's log (stderr):"
demo_show "$DEMO_ERR"
