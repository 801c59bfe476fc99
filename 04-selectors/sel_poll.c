/*
 * sel_poll.c: the selector over poll(), which POSIX has everywhere. Like
 * select() it hands the kernel the whole list on every call and scans it
 * all afterwards, O(watched fds) per wait, but it has no FD_SETSIZE.
 */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdlib.h>

#include "selector.h"

struct sel_backend {
    struct pollfd *fds; /* one per key; key->slot is its index */
    int n, cap;
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
        b->cap = cap;
    }
    b->fds[b->n] = (struct pollfd){.fd = key->fd, .events = to_poll(key->events)};
    key->slot = b->n++;
    return 0;
}

int backend_modify(struct sel_backend *b, struct sel_key *key, int events)
{
    b->fds[key->slot].events = to_poll(events);
    return 0;
}

/* The last entry moves into the hole, so the array stays dense. */
void backend_del(struct sel_backend *b, struct sel_key *key, struct sel_key **by_fd)
{
    int last = --b->n;
    if (key->slot != last) {
        b->fds[key->slot] = b->fds[last];
        by_fd[b->fds[key->slot].fd]->slot = key->slot;
    }
    key->slot = -1;
}

int backend_poll(struct sel_backend *b, struct sel_key **by_fd, int nfds,
                 int timeout_ms, struct sel_event *out, int max)
{
    (void)nfds;
    int n = poll(b->fds, (nfds_t)b->n, timeout_ms);
    int count = 0;
    for (int i = 0; i < b->n && count < n && count < max; i++) {
        short e = b->fds[i].revents;
        if (!e)
            continue;
        struct sel_key *key = by_fd[b->fds[i].fd];
        /* POLLERR, POLLHUP and POLLNVAL come whether asked for or not. */
        int mask = (e & (POLLIN | POLLERR | POLLHUP | POLLNVAL) ? SEL_READ : 0) |
                   (e & (POLLOUT | POLLERR | POLLHUP | POLLNVAL) ? SEL_WRITE : 0);
        if (mask & key->events)
            out[count++] = (struct sel_event){key, mask & key->events};
    }
    return n < 0 ? -1 : count;
}
