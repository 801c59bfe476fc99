# Top level: every chapter at once. Chapters are found by their folder
# names (01-sockets, 02-select, ...), so a new chapter needs no edit here.
#
#   make                 build every chapter
#   make test            run every chapter's tests (SANITIZE=1 for ASan+UBSan)
#   make bench           measure every chapter's server side by side (bench/run)
#   make diff A=01 B=02  what chapter B changed from chapter A
#   make clean
CHAPTERS := $(sort $(wildcard [0-9][0-9]-*))

all:
	@for d in $(CHAPTERS); do $(MAKE) -C $$d || exit 1; done

# Every chapter runs even when one fails; the exit status says if any did.
# (Built first: the bench's smoke run drives every chapter's server.)
test: all
	@$(MAKE) -s -C test
	@failed=; for d in $(CHAPTERS); do \
	    echo "=== $$d"; $(MAKE) -C $$d test || failed="$$failed $$d"; \
	done; \
	echo "=== bench (a smoke run)"; test/run-bats test/bench.bats || failed="$$failed bench"; \
	echo "=== the tests' own rules"; test/run-bats test/hygiene.bats || failed="$$failed hygiene"; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi

# Every chapter's server against chapter 08's client, and Python's asyncio;
# BENCH_SECONDS=N per point (default 2).
bench: all
	@$(MAKE) -s -C test
	@bench/run

clean:
	@for d in $(CHAPTERS); do $(MAKE) -s -C $$d clean; done
	@$(MAKE) -s -C test clean

# The sources of two chapters, file by file (the lesson of chapter B). A file
# that only A has is named, not shown as deleted.
diff:
	@a=$$(ls -d $(A)-*/ 2>/dev/null | head -1); b=$$(ls -d $(B)-*/ 2>/dev/null | head -1); \
	if [ -z "$$a" ] || [ -z "$$b" ]; then echo "usage: make diff A=01 B=02"; exit 2; fi; \
	for f in $$( (cd $$a && ls *.c *.h Makefile; cd ../$$b && ls *.c *.h Makefile) 2>/dev/null | sort -u); do \
	    if [ ! -e "$$b$$f" ]; then echo "(only in $$a: $$f)"; continue; fi; \
	    diff -uN --label "$$a$$f" --label "$$b$$f" "$$a$$f" "$$b$$f"; \
	done; true

.PHONY: all test bench clean diff
