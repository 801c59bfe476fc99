/*
 * sel_poll.c: the selector over poll(), which POSIX has everywhere. Like
 * select() it hands the kernel the whole list on every call and the walk
 * scans it all afterwards, O(watched fds) per wait, but it has no
 * FD_SETSIZE.
 */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdlib.h>

#include "selector.h"

struct sel_backend {
    struct pollfd *fds;    /* what poll() reads and fills in */
    struct sel_key **keys; /* keys[i] is the key of fds[i]; NULL: a hole */
    int n, cap, holes;
};

const char backend_name[] = "poll";

static short to_poll(int events)
{
    return (short)((events & SEL_READ ? POLLIN : 0) | (events & SEL_WRITE ? POLLOUT : 0));
}

struct sel_backend *backend_open(void)
{
    return calloc(1, sizeof(struct sel_backend));
}

void backend_close(struct sel_backend *b)
{
    free(b->fds);
    free(b->keys);
    free(b);
}

int backend_add(struct sel_backend *b, struct sel_key *key)
{
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 64;
        struct pollfd *fds = realloc(b->fds, (size_t)cap * sizeof *fds);
        if (!fds)
            return -1;
        b->fds = fds;
        struct sel_key **keys = realloc(b->keys, (size_t)cap * sizeof *keys);
        if (!keys)
            return -1;
        b->keys = keys;
        b->cap = cap;
    }
    b->fds[b->n] = (struct pollfd){.fd = key->fd, .events = to_poll(key->events)};
    b->keys[b->n] = key;
    key->slot = b->n++;
    return 0;
}

int backend_modify(struct sel_backend *b, struct sel_key *key, int events)
{
    b->fds[key->slot].events = to_poll(events);
    return 0;
}

/* Leaves a hole (poll() skips a negative fd) rather than moving the last
 * entry into it: the walk may be passing over this array right now, and an
 * entry moved behind it would be missed. The holes go at the next poll. */
void backend_del(struct sel_backend *b, struct sel_key *key)
{
    b->fds[key->slot].fd = -1;
    b->keys[key->slot] = NULL;
    key->slot = -1;
    b->holes++;
}

static void compact(struct sel_backend *b)
{
    int j = 0;
    for (int i = 0; i < b->n; i++)
        if (b->keys[i]) {
            b->fds[j] = b->fds[i];
            b->keys[j] = b->keys[i];
            b->keys[j]->slot = j;
            j++;
        }
    b->n = j;
    b->holes = 0;
}

int backend_poll(struct sel_backend *b, struct sel_key **by_fd, int nfds, int timeout_ms)
{
    (void)by_fd;
    (void)nfds;
    if (b->holes)
        compact(b);
    int r = poll(b->fds, (nfds_t)b->n, timeout_ms);
    return r > 0 ? b->n : r; /* the walk covers the whole array */
}

/* poll() marked the ready entries in place: scan for non-zero revents.
 * This scan is the O(n) that epoll does not have. */
int backend_next(struct sel_backend *b, struct sel_key **by_fd, int *pos, int n,
                 struct sel_key **key, int *mask)
{
    (void)by_fd;
    while (*pos < n) {
        int i = (*pos)++;
        short e = b->fds[i].revents;
        if (!e || !b->keys[i])
            continue;
        /* POLLERR, POLLHUP and POLLNVAL come whether asked for or not. */
        *key = b->keys[i];
        *mask = (e & (POLLIN | POLLERR | POLLHUP | POLLNVAL) ? SEL_READ : 0) |
                (e & (POLLOUT | POLLERR | POLLHUP | POLLNVAL) ? SEL_WRITE : 0);
        return 1;
    }
    return 0;
}
