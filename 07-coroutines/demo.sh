#!/usr/bin/env bash
# make demo: a future waking a task. The server runs with TRACE=1; a client
# (bash's /dev/tcp) connects, waits until the connection's task awaits its
# first read, sends "hello", reads it back and closes, one step at a time,
# so that the trace is the same on every run but for fd and turn numbers.
# In it: the reader callback completes the future sock_recv(fd) with what
# recv() returned, and the task it wakes ("-> conn") runs in the same turn.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "07-coroutines: a future completed by the loop wakes the task that awaits it (TRACE=1)"
TRACE=1 demo_start ./server 0 || exit 1
exec 6<>"/dev/tcp/127.0.0.1/$DEMO_PORT" || exit 1
demo_wait_for "$DEMO_ERR" '^  task conn: awaits sock_recv' || exit 1
printf hello >&6
reply=
read -r -t 10 -N 5 reply <&6
demo_say "the client sent \"hello\" and got back \"$reply\""
exec 6>&-
demo_wait_for "$DEMO_ERR" '^closed fd' || exit 1
demo_stop
demo_say "the server's trace (stderr); fd, turn and port numbers vary from run to run:"
demo_show "$DEMO_ERR"
demo_say 'In each line with "future", a loop callback (on_sock_accept, on_sock_recv) did the'
demo_say 'system call and completed a future; "-> accept" or "-> conn" names the task whose'
demo_say 'wakeup, hung on that future, this scheduled; the loop ran it from its ready queue.'
