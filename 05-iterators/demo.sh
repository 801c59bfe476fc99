#!/usr/bin/env bash
# make demo: the iterator's trace. TRACE=1 prints one line per loop turn: each
# key that sel_next() hands out (fd and r/w), followed by the callbacks it got.
# One short echo, then four clients whose bytes are all waiting when the
# server wakes (it is paused with SIGSTOP while they connect and send), so
# one turn hands out four keys, one at a time.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "05-iterators: the ready keys, one at a time (TRACE=1)"
TRACE=1 demo_start ./server -q 0 || exit 1
demo_say "$(cat "$DEMO_OUT")"
"$DEMO_TCLIENT" echo "$DEMO_PORT" -s 5 -t 10 | sed 's/^/one client: /'
kill -STOP "$DEMO_PID"
demo_spawn "$DEMO_TCLIENT" hold "$DEMO_PORT" -c 4 -q 1000 -t 10 >"$DEMO_DIR/hold.out"
sleep 0.5 # the four connect and send while the server is paused
kill -CONT "$DEMO_PID"
wait "$DEMO_SPAWNED"
sed 's/^/four clients: /' "$DEMO_DIR/hold.out"
demo_stop
demo_say "the trace (stderr):"
demo_show "$DEMO_ERR"
demo_say "fd 6 is the listener, 4 the signal pipe; each other fd is a client. A line"
demo_say "reads like Python's: for key, mask in sel.select(): run its callback."
