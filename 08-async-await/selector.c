/*
 * selector.c: the part of the selector every backend shares: the keys,
 * found by fd, and the rule that an unregistered key is freed only at the
 * next select. The kernel work is in sel_<backend>.c.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

struct selector {
    struct sel_backend *backend;
    struct sel_key **by_fd;    /* by_fd[fd]: the live key of fd, or NULL */
    int nfds;                  /* size of by_fd (a capacity: fds below it may have keys) */
    unsigned long selects;     /* sel_select() calls so far */
    struct sel_key *dead;      /* unregistered since the last select */
};

const char *sel_name(void)
{
    return backend_name;
}

struct selector *sel_open(void)
{
    struct selector *sel = calloc(1, sizeof *sel);
    if (!sel)
        return NULL;
    sel->backend = backend_open();
    if (!sel->backend) {
        free(sel);
        return NULL;
    }
    return sel;
}

static void free_dead(struct selector *sel)
{
    while (sel->dead) {
        struct sel_key *k = sel->dead;
        sel->dead = k->next_dead;
        free(k);
    }
}

void sel_close(struct selector *sel)
{
    for (int fd = 0; fd < sel->nfds; fd++)
        if (sel->by_fd[fd])
            sel_unregister(sel, sel->by_fd[fd]);
    free_dead(sel);
    backend_close(sel->backend);
    free(sel->by_fd);
    free(sel);
}

/* Returns p grown to hold at least `need` items of `size` bytes (capacity
 * in *cap, doubled as needed), the new room zeroed; NULL if out of memory. */
static void *grow(void *p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return p;
    int n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    char *q = realloc(p, (size_t)n * size);
    if (!q)
        return NULL;
    memset(q + (size_t)*cap * size, 0, (size_t)(n - *cap) * size);
    *cap = n;
    return q;
}

struct sel_key *sel_get_key(struct selector *sel, int fd)
{
    return fd >= 0 && fd < sel->nfds ? sel->by_fd[fd] : NULL;
}

int sel_nfds(struct selector *sel)
{
    return sel->nfds;
}

struct sel_key *sel_register(struct selector *sel, int fd, int events, void *data)
{
    if (fd < 0 || !(events & (SEL_READ | SEL_WRITE)) || (events & ~(SEL_READ | SEL_WRITE))) {
        errno = EINVAL;
        return NULL;
    }
    if (sel_get_key(sel, fd)) {
        errno = EEXIST; /* Python: KeyError, "is already registered" */
        return NULL;
    }
    void *p = grow(sel->by_fd, &sel->nfds, fd + 1, sizeof *sel->by_fd);
    if (!p)
        return NULL;
    sel->by_fd = p;
    struct sel_key *key = malloc(sizeof *key);
    if (!key)
        return NULL;
    *key = (struct sel_key){.fd = fd, .events = events, .data = data, .slot = -1,
                            .born = sel->selects};
    if (backend_add(sel->backend, key) < 0) {
        free(key);
        return NULL;
    }
    sel->by_fd[fd] = key;
    return key;
}

int sel_modify(struct selector *sel, struct sel_key *key, int events)
{
    if (sel_key_dead(key) || !(events & (SEL_READ | SEL_WRITE)) ||
        (events & ~(SEL_READ | SEL_WRITE))) {
        errno = EINVAL;
        return -1;
    }
    if (events == key->events)
        return 0;
    if (backend_modify(sel->backend, key, events) < 0)
        return -1;
    key->events = events;
    return 0;
}

int sel_unregister(struct selector *sel, struct sel_key *key)
{
    if (sel_key_dead(key)) {
        errno = EINVAL;
        return -1;
    }
    backend_del(sel->backend, key);
    sel->by_fd[key->fd] = NULL;
    key->events = -1;
    /* Not freed yet: the kernel's answer being walked may still name it.
     * The next sel_select() frees it. */
    key->next_dead = sel->dead;
    sel->dead = key;
    return 0;
}

int sel_select(struct selector *sel, int timeout_ms, struct sel_iter *it)
{
    free_dead(sel);
    sel->selects++;
    *it = (struct sel_iter){.sel = sel, .pos = 0, .n = 0};
    int n = backend_poll(sel->backend, sel->by_fd, sel->nfds, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    it->n = n;
    return 0;
}

int sel_next(struct sel_iter *it, struct sel_key **key, int *mask)
{
    struct selector *sel = it->sel;
    while (backend_next(sel->backend, sel->by_fd, &it->pos, it->n, key, mask)) {
        /* Registered after the wait (born in this select): the kernel was
         * not asked about it, whatever an fd number says. Unregistered: its
         * callbacks are gone. Or no longer waiting for what is ready. */
        if ((*key)->born == sel->selects || sel_key_dead(*key))
            continue;
        *mask &= (*key)->events;
        if (*mask)
            return 1;
    }
    return 0;
}
