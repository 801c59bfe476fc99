# Top level: every chapter at once. Chapters are found by their folder
# names (01-sockets, 02-select, ...), so a new chapter needs no edit here.
#
#   make                  build every chapter
#   make test             every test, suites in parallel; ends "N passed, M failed"
#   make bench            measure every chapter's server side by side (bench/run)
#   make diff A=01 B=02   what chapter B changed from chapter A, the lesson first
#                         (TESTS=0: without the tests)
#   make check-excerpts   every README's code excerpts against the code
#   make clean
#
#   JOBS=N                test suites run at once (default: twice the cores,
#                         since the tests mostly wait on sockets and timers)
#   HAVE_EPOLL=0          build as where <sys/epoll.h> is missing (macOS, BSD):
#                         03 is skipped, 04-08 use poll; to test that on Linux
CHAPTERS := $(sort $(wildcard [0-9][0-9]-*))

# Detected by compiling, not by uname: what matters is the header. A
# command-line HAVE_EPOLL=0 wins, and reaches the chapters' makes too.
HAVE_EPOLL := $(shell $(CC) -fsyntax-only -include sys/epoll.h -x c /dev/null 2>/dev/null && echo 1 || echo 0)
# Without epoll, the chapters whose server.c is written on it cannot build.
EPOLL_ONLY := $(if $(filter 0,$(HAVE_EPOLL)),$(patsubst %/server.c,%,$(shell grep -l 'include <sys/epoll\.h>' $(CHAPTERS:%=%/server.c))))
BUILT := $(filter-out $(EPOLL_ONLY),$(CHAPTERS))

all: $(CHAPTERS:%=chapter/%)

LINUX_ONLY = skipped: Linux-only (it is written on epoll, and <sys/epoll.h> is missing here)
chapter/%:
	@$(if $(filter $*,$(EPOLL_ONLY)),echo "$*: $(LINUX_ONLY)",$(MAKE) -C $*)

# make test: first the build (as a suite of its own, so that a compile error
# is counted and shown like a failed test), then the suites in parallel, the
# longest first so that the run ends sooner: the bench's smoke run, each
# chapter (its tests, then its README's excerpts), the tests of test/'s tools,
# the front README's excerpts. Each suite's output goes to test/logs/NAME.log;
# test/suite prints a line as each ends, then the logs of those that failed,
# then the total. (make -jN test: then N it is, sharing make's jobserver.)
JOBS ?= $(shell echo $$(($$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) * 2)))
TOOL_TESTS := $(filter-out test/contract.bats test/concurrent.bats test/bench.bats,$(wildcard test/*.bats))
SUITES := $(if $(EPOLL_ONLY),,bench) $(shell printf '%s\n' $(BUILT) | sort -r) $(TOOL_TESTS:test/%=%) README.md

test:
	@rm -rf test/logs && mkdir test/logs
	@$(foreach d,$(EPOLL_ONLY),echo "$d: $(LINUX_ONLY); so is the bench, which compares every chapter";)
	@case " $$MAKEFLAGS " in *" -j"*) j= ;; *) j=-j$(JOBS) ;; esac; \
	    echo "make test: the build, then $(words $(SUITES)) suites (make $${j:--j as given}); logs in test/logs/"; \
	    test/suite run build $(MAKE) -s $$j all tools; \
	    $(MAKE) -s -k $$j $(SUITES:%=suite/%)
	@test/suite total build $(SUITES)

suite/bench:
	@test/suite run bench test/run-bats test/bench.bats
suite/%.bats:
	@test/suite run $*.bats test/run-bats test/$*.bats
suite/README.md:
	@test/suite run README.md test/check-excerpts README.md
suite/%:
	@test/suite run $* $(MAKE) -C $* test

# The tests' own programs (test/tclient, ...), built before any suite runs so
# that no two suites build them at once.
tools:
	@$(MAKE) -s -C test

# Every chapter's server against chapter 08's client, and Python's asyncio;
# BENCH_SECONDS=N per point (default 2). Writes its chart to bench/chart.svg.
bench: all tools
	@bench/run

check-excerpts:
	@test/check-excerpts

clean:
	@for d in $(CHAPTERS); do $(MAKE) -s -C $$d clean; done
	@$(MAKE) -s -C test clean
	@rm -rf test/logs

TESTS ?= 1
diff:
	@test/chapter-diff "$(A)" "$(B)" "$(TESTS)"

.PHONY: all test tools bench check-excerpts clean diff
