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
void backend_del(struct sel_backend *b, struct sel_key *key, struct sel_key **by_fd)
{
    (void)by_fd;
    epoll_ctl(b->epfd, EPOLL_CTL_DEL, key->fd, NULL);
}

int backend_poll(struct sel_backend *b, struct sel_key **by_fd, int nfds,
                 int timeout_ms, struct sel_event *out, int max)
{
    (void)by_fd;
    (void)nfds;
    int n = epoll_wait(b->epfd, b->events, max > 0 && max < MAX_EVENTS ? max : MAX_EVENTS,
                       timeout_ms);
    int count = 0;
    for (int i = 0; i < n; i++) {
        struct sel_key *key = b->events[i].data.ptr;
        uint32_t e = b->events[i].events;
        /* EPOLLERR and EPOLLHUP come whether asked for or not: hand them
         * over as whatever the key waits for, so its recv()/send() sees
         * the error. */
        int mask = (e & (EPOLLIN | EPOLLERR | EPOLLHUP) ? SEL_READ : 0) |
                   (e & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? SEL_WRITE : 0);
        if (mask & key->events)
            out[count++] = (struct sel_event){key, mask & key->events};
    }
    return n < 0 ? -1 : count;
}
