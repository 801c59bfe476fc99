#!/usr/bin/env bash
# make demo: one server, three backends. The same server.c and loop.c, linked
# with sel_epoll.c, sel_poll.c or sel_select.c (make backends builds all
# three); each one echoes 1,000 clients, and is asked to hold 1,100.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "04-selectors: one server on three backends"
for b in epoll poll select; do
    demo_start "build/$b/server" -q 0 || exit 1
    demo_say "build/$b/server: $(cat "$DEMO_OUT")"
    "$DEMO_TCLIENT" echo "$DEMO_PORT" -c 1000 -s 10K -t 20 | sed 's/^/    echo: /'
    "$DEMO_TCLIENT" hold "$DEMO_PORT" -c 1100 -q 500 -t 20 | sed 's/^/    hold 1100: /'
    demo_stop
done
demo_say "select cannot watch fds >= FD_SETSIZE (1024): sel_register() refuses them,"
demo_say "and the server closes those clients; epoll and poll hold all 1,100."
