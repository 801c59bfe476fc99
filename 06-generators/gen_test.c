/*
 * gen_test: gen.h on its own, one case per run: `gen_test CASE`.
 * Run by gen.bats, plain and under ASan/UBSan. Prints what it saw on one
 * line; exits 1 naming the first failed check, 2 on an unknown case.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static int midline; /* a line of output has been started */

/* Prints one word of the case's output line, space-separated. */
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (midline)
        putchar(' ');
    vprintf(fmt, ap);
    va_end(ap);
    midline = 1;
}

static void end_line(void)
{
    putchar('\n');
    midline = 0;
}

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            if (midline) \
                end_line(); \
            fflush(stdout); \
            fprintf(stderr, "gen_test: %s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
            exit(1); \
        } \
    } while (0)

/* Writes over the C stack below the caller, as any other function called
 * between two resumptions would. A generator that kept state in C locals
 * would see it change; one that keeps it in its frame does not. */
static void scribble(void)
{
    volatile unsigned char junk[512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0xA5;
}

/* ---- count(a, b): the example of gen.h's comment ------------------------- */

struct count {
    struct gen gen;
    int a, b, i;
};

static int count(struct count *f)
{
    gen_begin(&f->gen);
    for (f->i = f->a; f->i < f->b; f->i++)
        gen_yield(&f->gen, f->i);
    gen_end(&f->gen, -1);
}

static void case_counter(void)
{
    struct count f = {.gen = GEN_INIT, .a = 1, .b = 6};
    int want = 1;
    for (;;) {
        int i = count(&f);
        if (gen_done(&f.gen))
            break;
        say("%d", i);
        CHECK(i == want);
        CHECK(want <= 5);
        want++;
    }
    CHECK(want == 6);
    say("done");
    end_line();
}

/* ---- running sums: a loop whose index and accumulator are in the frame ---- */

struct sums {
    struct gen gen;
    const int *xs;
    size_t n;
    size_t i; /* Python: for x in xs: total += x; yield total */
    int total;
};

static int sums(struct sums *f)
{
    gen_begin(&f->gen);
    f->total = 0;
    for (f->i = 0; f->i < f->n; f->i++) {
        f->total += f->xs[f->i];
        gen_yield(&f->gen, f->total);
    }
    gen_end(&f->gen, 0);
}

static void case_loop_state(void)
{
    static const int xs[] = {3, 1, 4, 1, 5};
    static const int want[] = {3, 4, 8, 9, 14};
    struct sums f = {.gen = GEN_INIT, .xs = xs, .n = sizeof xs / sizeof xs[0]};
    size_t k = 0;
    for (;;) {
        int total = sums(&f);
        if (gen_done(&f.gen))
            break;
        say("%d", total);
        CHECK(k < sizeof want / sizeof want[0]);
        CHECK(total == want[k]);
        CHECK(f.i == k);
        k++;
        scribble();
    }
    CHECK(k == sizeof want / sizeof want[0]);
    say("done");
    end_line();
}

/* ---- after the end: no body runs, the done value comes back --------------- */

struct steps {
    struct gen gen;
    int runs; /* how many stretches of the body have run */
};

static int steps(struct steps *f)
{
    gen_begin(&f->gen);
    f->runs++;
    gen_yield(&f->gen, 1);
    f->runs++;
    gen_yield(&f->gen, 2);
    f->runs++;
    gen_end(&f->gen, 0);
}

static void case_after_end(void)
{
    struct steps f = {0}; /* zeroed: a generator that has not started */
    CHECK(steps(&f) == 1 && !gen_done(&f.gen));
    CHECK(steps(&f) == 2 && !gen_done(&f.gen));
    say("1");
    say("2");
    for (int call = 0; call < 4; call++) {
        int v = steps(&f);
        CHECK(gen_done(&f.gen));
        CHECK(v == 0);
        say("done");
    }
    CHECK(f.runs == 3);
    say("(body ran %d times)", f.runs);
    end_line();
}

/* ---- two frames of one generator function, resumed in turn ---------------- */

static void step_one(const char *name, struct count *f)
{
    if (gen_done(&f->gen))
        return;
    int i = count(f);
    if (gen_done(&f->gen))
        say("%s:done", name);
    else
        say("%s:%d", name, i);
}

static void case_interleaved(void)
{
    struct count a = {.gen = GEN_INIT, .a = 1, .b = 4};
    struct count b = {.gen = GEN_INIT, .a = 10, .b = 15};
    int turns = 0;
    while (!gen_done(&a.gen) || !gen_done(&b.gen)) {
        step_one("a", &a);
        step_one("b", &b);
        CHECK(++turns <= 6);
    }
    CHECK(a.i == 4 && b.i == 15);
    CHECK(turns == 6);
    end_line();
}

/* ---- finishing early from inside the loop --------------------------------- */

struct until_negative {
    struct gen gen;
    const int *xs;
    size_t n, i;
};

/* Python: for x in xs: if x < 0: return x
 *                      yield x
 *         return 0 */
static int until_negative(struct until_negative *f)
{
    gen_begin(&f->gen);
    for (f->i = 0; f->i < f->n; f->i++) {
        if (f->xs[f->i] < 0)
            gen_return(&f->gen, f->xs[f->i]);
        gen_yield(&f->gen, f->xs[f->i]);
    }
    gen_end(&f->gen, 0);
}

static void case_early_return(void)
{
    static const int xs[] = {4, 2, -7, 9};
    struct until_negative f = {.gen = GEN_INIT, .xs = xs, .n = sizeof xs / sizeof xs[0]};
    CHECK(until_negative(&f) == 4 && !gen_done(&f.gen));
    CHECK(until_negative(&f) == 2 && !gen_done(&f.gen));
    say("4");
    say("2");
    int v = until_negative(&f);
    CHECK(gen_done(&f.gen));
    CHECK(v == -7);
    CHECK(f.i == 2); /* stopped at the -7: 9 was never reached */
    say("returned %d", v);
    for (int call = 0; call < 2; call++) {
        v = until_negative(&f);
        CHECK(gen_done(&f.gen));
        CHECK(v == 0);
        CHECK(f.i == 2);
        say("then %d", v);
    }
    end_line();
}

/* ---- gen_init(): a finished generator started over ------------------------ */

static void run_count(struct count *f)
{
    int want = f->a, i;
    while (i = count(f), !gen_done(&f->gen)) {
        say("%d", i);
        CHECK(i == want++);
    }
    CHECK(want == f->b);
    say("done");
}

static void case_restart(void)
{
    struct count f = {.gen = GEN_INIT, .a = 1, .b = 4};
    run_count(&f);
    gen_init(&f.gen);
    CHECK(!gen_done(&f.gen));
    say("| gen_init |");
    run_count(&f);
    end_line();
}

/* ---- what a generator costs ----------------------------------------------- */

static void case_frame_size(void)
{
    say("struct gen %zu bytes, count frame %zu bytes", sizeof(struct gen),
        sizeof(struct count));
    end_line();
    CHECK(sizeof(struct gen) == sizeof(int));
    CHECK(sizeof(struct count) <= 64);
}

/* ---- ground rule 2 broken: a yield inside a switch of one's own ----------- */

struct picky {
    struct gen gen;
    int mode;
};

/* The yield's resume point becomes a case of the switch below, which
 * gen_begin()'s switch cannot jump into. */
static int picky(struct picky *f)
{
    gen_begin(&f->gen);
    switch (f->mode) {
    case 1:
        gen_yield(&f->gen, 10);
        break;
    default:
        break;
    }
    gen_end(&f->gen, 0);
}

/* The first call yields 10; the second must not end the generator as if
 * nothing were wrong. */
static void case_yield_in_switch(void)
{
    struct picky f = {.gen = GEN_INIT, .mode = 1};
    say("%d", picky(&f));
    end_line();
    fflush(stdout); /* before what comes next, which may abort */
    int v = picky(&f);
    say("resumed: returned %d%s", v, gen_done(&f.gen) ? ", done" : "");
    end_line();
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"counter", case_counter},
        {"loop-state", case_loop_state},
        {"after-end", case_after_end},
        {"interleaved", case_interleaved},
        {"early-return", case_early_return},
        {"restart", case_restart},
        {"frame-size", case_frame_size},
        {"yield-in-switch", case_yield_in_switch},
    };
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            return 0;
        }
    fprintf(stderr, "usage: gen_test CASE   (counter, loop-state, after-end, "
                    "interleaved, early-return, restart, frame-size, yield-in-switch)\n");
    return 2;
}
