/*
 * twin.h: what every C twin shares (twins/README.md): say() prints one
 * line, word() names a result as both sides print it, and run() is
 * asyncio.run(main()).
 */
#ifndef TWIN_H
#define TWIN_H

#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "../asyncio.h"

/* print(...): one line, on stdout. */
static inline void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* A result in the twins' words: a value as a number; CancelledError is
 * "cancelled", TimeoutError "timeout", any other error its errno's name.
 * (Four buffers: up to four words in one say().) */
static inline const char *word(long r)
{
    static const struct {
        long err;
        const char *name;
    } names[] = {{-ECANCELED, "cancelled"}, {-ETIMEDOUT, "timeout"}, {-EIO, "EIO"},
                 {-EMSGSIZE, "EMSGSIZE"},   {-ENODATA, "ENODATA"},   {-EBUSY, "EBUSY"},
                 {-ECONNRESET, "ECONNRESET"}, {-EPIPE, "EPIPE"},     {-ECONNABORTED, "ECONNABORTED"}};
    static char buf[4][32];
    static int i;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (r == names[k].err)
            return names[k].name;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], r < 0 ? "errno %ld" : "%ld", r < 0 ? -r : r);
    return buf[i];
}

/* n bytes as Python prints them, b'hello\n' (data without quotes), or
 * the word for n < 0, an error; one buffer: one repr() per say(). */
static inline const char *repr(const char *data, ssize_t n)
{
    static char buf[256];
    if (n < 0)
        return word(n);
    size_t k = (size_t)snprintf(buf, sizeof buf, "b'");
    for (ssize_t i = 0; i < n && k < sizeof buf - 8; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n')
            k += (size_t)snprintf(buf + k, sizeof buf - k, "\\n");
        else if (c == '\\')
            k += (size_t)snprintf(buf + k, sizeof buf - k, "\\\\");
        else if (c < 32 || c > 126)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "\\x%02x", c);
        else
            buf[k++] = (char)c;
    }
    snprintf(buf + k, sizeof buf - k, "'");
    return buf;
}

/* asyncio.run(main()): a loop, main as its task until it is done, then
 * the loop closed. Exits 1 if the loop itself failed. SIGPIPE is ignored,
 * as Python ignores it: a write to a closed socket fails with EPIPE. */
static inline int run(struct task *main, task_main_fn *fn)
{
    signal(SIGPIPE, SIG_IGN);
    struct loop *loop = loop_open();
    if (!loop) {
        perror("loop_open");
        return 1;
    }
    coro_init(loop);
    long r = asyncio_run(main, fn, "main");
    loop_close(loop);
    return r < 0 && r != -ECANCELED;
}

#endif
