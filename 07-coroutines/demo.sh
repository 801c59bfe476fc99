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
demo_say "Read the lines with \"future\": on_sock_recv, the reader callback, did the recv()"
demo_say "and completed the future sock_recv(fd) with its result, 5 bytes; that scheduled"
demo_say "the done callback hung on it, the task's wakeup (\"-> conn\"); the loop ran it from"
demo_say "its ready queue, and the task went on until it awaited its next read. The result"
demo_say "0 is the client's end of file: the coroutine returns, and the task's own future,"
demo_say "\"conn\", is done in turn."
