#!/usr/bin/env bash
# make demo: with epoll the cost of a turn does not grow with idle
# connections. Chapter 02's measure (3,000 short exchanges, timed), beside
# 0, 1,000 and 10,000 connections that are open and silent.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "03-epoll: the cost of a turn stays flat beside idle connections"
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 10100 ]; then
    demo_say "(the hard limit on open files is $hard: 10,000 connections need about 10,100;"
    demo_say " this demo stops at 1,000)"
    counts=(0 1000)
else
    counts=(0 1000 10000)
fi
demo_start ./server -q 0 || exit 1
demo_say "$(cat "$DEMO_OUT")"
for idle in "${counts[@]}"; do
    [ "$idle" -gt 0 ] && { demo_hold "$idle" || exit 1; }
    printf 'beside %5d idle connections: %s (server: %d fds open)\n' "$idle" \
        "$(demo_exchanges 3000)" "$(ls "/proc/$DEMO_PID/fd" | wc -l)" || exit 1
    [ "$idle" -gt 0 ] && demo_unhold
done
demo_say "The idle connections sit on the kernel's interest list; epoll_wait() returns only the ready ones."
demo_stop
