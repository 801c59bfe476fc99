/*
 * gen.h: stackless generators in standard C11, Python's `yield` (PEP 255,
 * "Simple Generators") done with a switch statement and a struct.
 *
 * A generator is a function plus a frame. The frame is a struct you define:
 * a `struct gen` (where to resume) and every variable that must live from
 * one call to the next. Each call runs the function from where the last call
 * left it up to the next gen_yield(), which returns a value; at the end it
 * returns a "done" value and gen_done() becomes true.
 *
 * ---- Example ---------------------------------------------------------------
 *
 * In Python:
 *
 *     def count(a, b):
 *         for i in range(a, b):
 *             yield i
 *
 *     for i in count(1, 6):
 *         print(i)
 *
 * With gen.h:
 *
 *     struct count {            // the frame: Python keeps a, b and i in the
 *         struct gen gen;       // generator's frame object; here we list them
 *         int a, b, i;
 *     };
 *
 *     static int count(struct count *f)
 *     {
 *         gen_begin(&f->gen);
 *         for (f->i = f->a; f->i < f->b; f->i++)
 *             gen_yield(&f->gen, f->i);
 *         gen_end(&f->gen, -1);
 *     }
 *
 *     struct count f = {.gen = GEN_INIT, .a = 1, .b = 6};
 *     for (;;) {
 *         int i = count(&f);    // Python: next(it)
 *         if (gen_done(&f.gen)) // Python: StopIteration
 *             break;
 *         printf("%d\n", i);
 *     }
 *
 * The frame may also be zeroed instead ({0}, calloc): a zero struct gen is a
 * generator that has not started. gen_init() rewinds one to the start.
 *
 * Chapter 06's server is built the same way: a connection's handler,
 * conn_step(struct conn *c), is a generator whose frame is the struct conn
 * (struct gen gen; plus its buffer and counters). It yields what it waits for
 * (the server's WANT_READ or WANT_WRITE), and returns its done value when the
 * conversation is over; the event loop calls it again when the socket is
 * ready. The handler reads top to bottom, like chapter 01's blocking one.
 *
 * ---- Ground rules ----------------------------------------------------------
 *
 * 1. What must survive a yield lives in the frame, not in C locals. A yield
 *    is a real `return`: the function's locals go with it, and on the next
 *    call they start out indeterminate. A local is fine for work
 *    between two yields (the result of one recv()), never across one. A
 *    `static` local does survive, but is shared by every frame, so two
 *    generators of the same function would trample each other.
 * 2. No yield inside a switch statement of your own within the generator
 *    body. The yield's `case` label would belong to your switch, not to
 *    gen_begin()'s, so the next call could not jump back to it, and no
 *    compiler warns. gen_end() catches it then: a resume point that matches
 *    no case of its switch aborts the program with one line on stderr
 *    naming the yield's file and line, the function and this rule. if/else
 *    chains are fine, and so are for, while and do loops: a yield may sit
 *    in any of them.
 * 3. One yield per source line. The resume point is __LINE__, so two yields
 *    on one line are two `case` labels with the same value: the compiler
 *    rejects that ("duplicate case value"), which is the safe way to fail.
 * 4. gen_begin() is the first statement of the function body and gen_end()
 *    the last, both at the top level of the body: between them is one switch
 *    statement. A `break` at the top level of the body (outside your own
 *    loops) leaves that switch, which finishes the generator.
 * 5. Only the generator function itself can yield. A helper it calls cannot
 *    suspend it, because the helper returns before the generator does (the
 *    same holds in Python: the answer, PEP 380's `yield from`, is chapter
 *    07's). And a generator must not call itself with its own frame.
 * 6. Resume a generator by calling the function again with the same frame.
 *    Once it has finished, every further call returns gen_end()'s done value
 *    at once, without running any of the body (Python raises StopIteration
 *    again). gen_return(g, v) ends it early with v; later calls return
 *    gen_end()'s value, as a Python generator that did `return 5` gives
 *    StopIteration(5) once and a bare StopIteration after that.
 * 7. Declarations: a variable-length array may not be declared in the body
 *    (the switch cannot jump into its scope: a compile error), and a local
 *    declared with an initializer loses that value when the switch jumps
 *    past the declaration to a later resume point (rule 1 again).
 * 8. Pass `g` as a plain pointer with no side effects (&f->gen): the macros
 *    evaluate it more than once.
 *
 * ---- What the macros expand to ---------------------------------------------
 *
 * count() above, after the preprocessor (it is compiled and tested in
 * gen_test.c; `cc -E -P gen_test.c | clang-format` shows this, and
 * `make expand` shows the chapter's handler the same way):
 *
 *     static int count(struct count *f) {
 *       switch ((&f->gen)->resume) {
 *       case GEN_START:;
 *         for (f->i = f->a; f->i < f->b; f->i++)
 *           do {
 *             ((&f->gen)->resume = 66);
 *             return (f->i);
 *           case 66:;
 *           } while (0);
 *         break;
 *       default:
 *         if (!((&f->gen)->resume == GEN_FINISHED))
 *           gen_rp_lost("gen_test.c", (&f->gen)->resume, __func__);
 *       }
 *       ((&f->gen)->resume = GEN_FINISHED);
 *       return (-1);
 *     }
 *
 * 66 is the line the gen_yield is on in gen_test.c. The first call finds
 * resume == GEN_START (0) and starts at the top of the body. The yield
 * stores 66 and returns f->i. The next call jumps straight to `case 66`,
 * inside the for loop, inside the do-while: the loop's f->i++ and test run,
 * and it yields again. When the loop ends, the `break` leaves the switch,
 * the frame is marked finished, and -1 comes back. After that, resume ==
 * GEN_FINISHED matches no case: the switch jumps to `default`, which lets
 * a finished frame through, so the body is skipped and the function
 * returns -1 again. Any other value that matches no case is a resume point
 * the switch cannot reach (a yield inside a switch of your own, rule 2),
 * and gen_rp_lost() reports it and aborts, rather than let the generator
 * end as if it had run to the end.
 *
 * Why this is legal C: a switch is a jump to whichever of its `case` labels
 * matches, and C allows those labels anywhere inside the switch's body,
 * even inside loops and blocks nested in it (C11 6.8.4.2; Duff's device is
 * the famous use). So the do { } while (0) that makes gen_yield() behave as
 * one statement, e.g. under an `if` without braces, may hold a case label
 * the switch jumps into. The `;` after each label is needed because in C11
 * a label must be followed by a statement, and `}` or a declaration is not
 * one. Jumping into a block skips the initializers of the variables
 * declared before the label in it: hence rules 1 and 7.
 *
 * ---- Why it is built this way ----------------------------------------------
 *
 * A Python generator keeps its frame object alive between calls: the
 * locals, and the position to resume from. C has no such frames: a
 * function's locals are on the stack and die when it returns. There are two
 * ways out:
 *
 * - Stackful coroutines (ucontext's makecontext/swapcontext, or a few lines
 *   of assembly): give each coroutine a C stack of its own and switch
 *   stacks. Any function, however deep, can then suspend, and locals just
 *   work. But each stack is allocated up front, big enough for the deepest
 *   call chain it will ever run, since C cannot grow it: tens of KiB or
 *   more. At 10,000 connections, 64 KiB each is 625 MiB of address space,
 *   and every stack touches at least one 4 KiB page of real memory.
 * - Stackless, as here (and as Python's generators are): no stack per
 *   generator. The state is a struct gen (one int) plus the locals you
 *   chose to keep, a few dozen bytes (struct count is 16), and resuming is
 *   one switch. The price is the ground rules above, which the compiler
 *   mostly cannot check for you.
 *
 * ---- Layers ----------------------------------------------------------------
 *
 * 1. Resume points, the only layer that knows the trick is a switch on
 *    __LINE__:
 *      struct gen, GEN_START, GEN_FINISHED, GEN_INIT
 *      gen_rp_open(g) / gen_rp_close(g)  the switch around the body; a
 *                                        resume point it cannot reach aborts
 *      gen_rp_save(g), gen_rp_label()    one resume point (same line)
 *      gen_rp_init(g), gen_rp_finish(g)  mark it not started / finished
 *      gen_rp_finished(g)                is it finished?
 * 2. Generators, each written in terms of layer 1:
 *      gen_begin(g)        first statement of the generator function
 *      gen_yield(g, v)     return v; the next call resumes after it
 *      gen_return(g, v)    finish now, returning v
 *      gen_end(g, v)       last statement; v is the done value
 *      gen_done(g)         true once finished
 *      gen_init(g)         back to not started
 * Chapters 07 and 08 stack coroutines and async/await on the same resume
 * points.
 */
#ifndef GEN_H
#define GEN_H

#include <stdio.h>
#include <stdlib.h>

/* ---- Layer 1: resume points ---------------------------------------------- */

/* 0 is "not started", so a zeroed frame is a fresh generator. Line numbers
 * are 1 or more, so neither constant can collide with a resume point. */
enum { GEN_START = 0, GEN_FINISHED = -1 };

struct gen {
    int resume; /* GEN_START, GEN_FINISHED, or the __LINE__ of a resume point */
};

#define GEN_INIT {GEN_START}

/* Opens the switch that jumps to the saved resume point; gen_rp_close()
 * closes it. The label for GEN_START is where a fresh frame starts. */
#define gen_rp_open(g) \
    switch ((g)->resume) { \
    case GEN_START:

/* The body's end leaves the switch by the `break`, so nothing falls
 * through into `default`. Only a value that matches no case gets there:
 * GEN_FINISHED, which goes on past the switch, or a resume point saved
 * where this switch cannot jump (ground rule 2), which is a bug the
 * compiler does not see: fail loudly, at the yield's own line. */
#define gen_rp_close(g) \
        break; \
    default: \
        if (!gen_rp_finished(g)) \
            gen_rp_lost(__FILE__, (g)->resume, __func__); \
    }

static inline void gen_rp_lost(const char *file, int line, const char *func)
{
    fprintf(stderr, "%s:%d: %s(): resumed at a yield outside gen_begin()'s switch; "
                    "gen.h ground rule 2: no yield inside a switch of your own\n",
            file, line, func);
    abort();
}

/* A resume point is a pair that must come from the same macro expansion, so
 * that both see the same __LINE__: gen_rp_save() stores where to come back,
 * gen_rp_label() is where the switch comes back to. Code may run between
 * them (gen_yield's return does). */
#define gen_rp_save(g) ((g)->resume = __LINE__)
#define gen_rp_label() case __LINE__:

#define gen_rp_init(g) ((g)->resume = GEN_START)
#define gen_rp_finish(g) ((g)->resume = GEN_FINISHED)
#define gen_rp_finished(g) ((g)->resume == GEN_FINISHED)

/* ---- Layer 2: generators -------------------------------------------------- */

#define gen_init(g) \
    do { \
        gen_rp_init(g); \
    } while (0)

/* True once the generator has finished: the value its last call returned was
 * the done value, not a yielded one. */
#define gen_done(g) gen_rp_finished(g)

/* Not a do-while: it opens the block that gen_end() closes. */
#define gen_begin(g) gen_rp_open(g)

/* Returns v now; the next call continues right after this line. */
#define gen_yield(g, v) \
    do { \
        gen_rp_save(g); \
        return (v); \
        gen_rp_label(); \
    } while (0)

/* Finishes the generator from anywhere in its body, returning v. */
#define gen_return(g, v) \
    do { \
        gen_rp_finish(g); \
        return (v); \
    } while (0)

/* Not a do-while: it closes gen_begin()'s switch. Whatever leaves that
 * switch (the end of the body, a top-level break, a finished frame)
 * finishes the generator and returns v. The return comes after the switch,
 * so the compiler sees that the function always returns. */
#define gen_end(g, v) \
    gen_rp_close(g) \
    gen_rp_finish(g); \
    return (v)

#endif
