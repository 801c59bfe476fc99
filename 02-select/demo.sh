#!/usr/bin/env bash
# make demo: select() slows down beside idle connections. The same 3,000
# short exchanges (connect, 64 bytes there and back, close), timed with 0,
# 500 and 1,000 other connections open and silent. Every turn of the loop
# rebuilds its fd_sets from all of them and the kernel scans them all.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "02-select: the cost of a turn grows with the connections held"
demo_start ./server -q 0 || exit 1
demo_say "$(cat "$DEMO_OUT")"
for idle in 0 500 1000; do
    [ "$idle" -gt 0 ] && { demo_hold "$idle" || exit 1; }
    printf 'beside %5d idle connections: %s\n' "$idle" "$(demo_exchanges 3000)" || exit 1
    [ "$idle" -gt 0 ] && demo_unhold
done
demo_say "An idle connection costs select() a bit to set and a bit to scan, on every turn."
demo_say "(Chapter 03's make demo runs the same with epoll, beside up to 10,000.)"
demo_stop
