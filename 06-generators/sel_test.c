/*
 * sel_test: the selector's iterator, one case per run: `sel_test CASE`.
 * Built against each backend (build/<backend>/sel_test) and run by
 * selectors.bats, plain and under ASan. Prints what the walk handed out;
 * exits 1 on the first broken contract.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "selector.h"

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "sel_test: %s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)

static struct selector *sel;
static int a[2], b[2];

static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
}

static void readable(int sv[2])
{
    CHECK(write(sv[1], "x", 1) == 1);
}

static const char *mask_name(int mask)
{
    return mask == (SEL_READ | SEL_WRITE) ? "rw" : mask == SEL_READ ? "r" : "w";
}

/* Walks one select: prints "name:mask" per event (data is a name), "end". */
static int walk(int timeout_ms)
{
    struct sel_iter it;
    struct sel_key *key;
    int mask, n = 0;
    CHECK(sel_select(sel, timeout_ms, &it) == 0);
    while (sel_next(&it, &key, &mask)) {
        printf("%s:%s ", (const char *)key->data, mask_name(mask));
        n++;
    }
    printf("end\n");
    return n;
}

static void case_empty(void)
{
    pair(a);
    CHECK(sel_register(sel, a[0], SEL_READ, "a"));
    CHECK(walk(0) == 0);
}

static void case_one(void)
{
    pair(a);
    pair(b);
    CHECK(sel_register(sel, a[0], SEL_READ, "a"));
    CHECK(sel_register(sel, b[0], SEL_READ, "b"));
    readable(b);
    CHECK(walk(1000) == 1);
}

static void case_read_write(void)
{
    pair(a);
    CHECK(sel_register(sel, a[0], SEL_READ | SEL_WRITE, "a"));
    readable(a);
    CHECK(walk(1000) == 1);
}

/* Two registered fds, a and b, both readable. */
static void two_readable(struct sel_key **ka, struct sel_key **kb)
{
    pair(a);
    pair(b);
    *ka = sel_register(sel, a[0], SEL_READ, "a");
    *kb = sel_register(sel, b[0], SEL_READ, "b");
    CHECK(*ka && *kb);
    readable(a);
    readable(b);
}

/* Both readable; the first handed out unregisters and closes the other. */
static void case_unregister(void)
{
    struct sel_key *ka, *kb;
    two_readable(&ka, &kb);
    struct sel_iter it;
    struct sel_key *key;
    int mask, n = 0;
    CHECK(sel_select(sel, 1000, &it) == 0);
    while (sel_next(&it, &key, &mask)) {
        n++;
        struct sel_key *other = key == ka ? kb : ka;
        if (n == 1) {
            CHECK(sel_unregister(sel, other) == 0);
            close(other->fd);
        }
    }
    printf("%d event(s)\n", n);
    CHECK(n == 1);
}

/* As above, then a new socket takes the closed one's number, is registered
 * and readable: it is not handed out by this walk, only by the next. */
static void case_reuse(void)
{
    struct sel_key *ka, *kb;
    two_readable(&ka, &kb);
    struct sel_iter it;
    struct sel_key *key;
    int mask, n = 0, c[2], reused = 0;
    CHECK(sel_select(sel, 1000, &it) == 0);
    while (sel_next(&it, &key, &mask)) {
        printf("%s ", (const char *)key->data);
        if (++n > 1)
            continue;
        struct sel_key *other = key == ka ? kb : ka;
        int fd = other->fd;
        CHECK(sel_unregister(sel, other) == 0);
        close(fd);
        pair(c);
        reused = c[0] == fd;
        CHECK(sel_register(sel, c[0], SEL_READ, "new"));
        readable(c);
    }
    printf("| fd reused: %s | next select: ", reused ? "yes" : "no");
    CHECK(reused && n == 1);
    CHECK(walk(1000) == 2); /* the survivor (still unread) and the new one */
}

/* Both writable; the first handed out stops the other waiting for WRITE. */
static void case_interest(void)
{
    pair(a);
    pair(b);
    struct sel_key *ka = sel_register(sel, a[0], SEL_WRITE, "a");
    struct sel_key *kb = sel_register(sel, b[0], SEL_WRITE, "b");
    CHECK(ka && kb);
    struct sel_iter it;
    struct sel_key *key;
    int mask, n = 0;
    CHECK(sel_select(sel, 1000, &it) == 0);
    while (sel_next(&it, &key, &mask))
        if (++n == 1)
            CHECK(sel_modify(sel, key == ka ? kb : ka, SEL_READ) == 0);
    printf("%d event(s)\n", n);
    CHECK(n == 1);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {
        {"empty", case_empty},         {"one", case_one},
        {"read-write", case_read_write}, {"unregister", case_unregister},
        {"reuse", case_reuse},         {"interest", case_interest},
    };
    sel = sel_open();
    CHECK(sel != NULL);
    for (size_t i = 0; argc == 2 && i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            sel_close(sel);
            return 0;
        }
    fprintf(stderr, "usage: sel_test CASE   (empty, one, read-write, unregister, reuse, interest)\n");
    return 2;
}
