/*
 * sel_epoll.c: the selector over Linux epoll. The kernel keeps the interest
 * list and hands each key back by the pointer stored with it, so the cost
 * of a wait grows with the number of ready fds, not of watched ones.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "selector.h"

#define MAX_EVENTS 256 /* ready fds taken per wait; the rest stay ready for the next */

struct sel_backend {
    int epfd;
    struct epoll_event events[MAX_EVENTS];
};

const char backend_name[] = "epoll";

static uint32_t to_epoll(int events)
{
    return (events & SEL_READ ? EPOLLIN : 0) | (events & SEL_WRITE ? EPOLLOUT : 0);
}

struct sel_backend *backend_open(void)
{
    struct sel_backend *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    b->epfd = epoll_create1(0);
    if (b->epfd < 0) {
        free(b);
        return NULL;
    }
    return b;
}

void backend_close(struct sel_backend *b)
{
    close(b->epfd);
    free(b);
}

int backend_add(struct sel_backend *b, struct sel_key *key)
{
    struct epoll_event ev = {.events = to_epoll(key->events), .data.ptr = key};
    return epoll_ctl(b->epfd, EPOLL_CTL_ADD, key->fd, &ev);
}

int backend_modify(struct sel_backend *b, struct sel_key *key, int events)
{
    struct epoll_event ev = {.events = to_epoll(events), .data.ptr = key};
    return epoll_ctl(b->epfd, EPOLL_CTL_MOD, key->fd, &ev);
}

/* Before the fd is closed, so the kernel never reports a stale pointer. */
void backend_del(struct sel_backend *b, struct sel_key *key)
{
    epoll_ctl(b->epfd, EPOLL_CTL_DEL, key->fd, NULL);
}

int backend_poll(struct sel_backend *b, struct sel_key **by_fd, int nfds, int timeout_ms)
{
    (void)by_fd;
    (void)nfds;
    return epoll_wait(b->epfd, b->events, MAX_EVENTS, timeout_ms);
}

/* The kernel filled events[0..n) with ready fds only: walk it in order. */
int backend_next(struct sel_backend *b, struct sel_key **by_fd, int *pos, int n,
                 struct sel_key **key, int *mask)
{
    (void)by_fd;
    if (*pos >= n)
        return 0;
    const struct epoll_event *ev = &b->events[(*pos)++];
    /* EPOLLERR and EPOLLHUP come whether asked for or not: hand them over
     * as both, and sel_next() keeps what the key waits for, so its recv()
     * or send() sees the error. */
    *key = ev->data.ptr;
    *mask = (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? SEL_READ : 0) |
            (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? SEL_WRITE : 0);
    return 1;
}
