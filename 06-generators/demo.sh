#!/usr/bin/env bash
# make demo: what a yield is. The first lines of conn_step() as written, the
# same lines after the preprocessor (make expand: a switch on the saved line
# number, a return, and a case label right after it), then a TRACE=1 run in
# which the loop resumes that generator.
. "$(dirname "$0")/../test/demo.bash"
cd "$(dirname "$0")" || exit 1

demo_title "06-generators: gen_yield is a return and a case label (make expand)"
demo_say "server.c, conn_step(), as written:"
sed -n '/^static int conn_step(struct conn \*c)$/,/c->len = recv/p' server.c | sed 's/^/    /'
demo_say "the same lines after the preprocessor (make expand; clang-format's layout):"
make -s expand | sed -n '1,/c->len = recv/p' | sed 's/^/    /'
demo_say "(the numbers are the __LINE__ of each gen_yield in server.c)"

TRACE=1 demo_start ./server -q 0 || exit 1
"$DEMO_TCLIENT" echo "$DEMO_PORT" -s 5 -t 10 | sed 's/^/one client: /'
demo_stop
demo_say "the trace: one callback, conn_resume, runs the generator to its next yield"
demo_show "$DEMO_ERR"
