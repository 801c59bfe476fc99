/*
 * sel_select.c: the selector over select(), the oldest and most portable.
 * The sets are rebuilt from the keys before every call and scanned after
 * it, O(highest fd) each time, and no fd >= FD_SETSIZE can be watched.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

#include "selector.h"

struct sel_backend {
    fd_set rd, wr;
};

const char backend_name[] = "select";

struct sel_backend *backend_open(void)
{
    return calloc(1, sizeof(struct sel_backend));
}

void backend_close(struct sel_backend *b)
{
    free(b);
}

/* FD_SET() of a number >= FD_SETSIZE would write past the fd_set. */
int backend_add(struct sel_backend *b, struct sel_key *key)
{
    (void)b;
    if (key->fd >= FD_SETSIZE) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

int backend_modify(struct sel_backend *b, struct sel_key *key, int events)
{
    (void)b, (void)key, (void)events;
    return 0;
}

void backend_del(struct sel_backend *b, struct sel_key *key)
{
    (void)b, (void)key;
}

int backend_poll(struct sel_backend *b, struct sel_key **by_fd, int nfds, int timeout_ms)
{
    FD_ZERO(&b->rd);
    FD_ZERO(&b->wr);
    int maxfd = -1;
    for (int fd = 0; fd < nfds; fd++) {
        struct sel_key *key = by_fd[fd];
        if (!key)
            continue;
        if (key->events & SEL_READ)
            FD_SET(fd, &b->rd);
        if (key->events & SEL_WRITE)
            FD_SET(fd, &b->wr);
        maxfd = fd;
    }
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    int r = select(maxfd + 1, &b->rd, &b->wr, NULL, timeout_ms < 0 ? NULL : &tv);
    return r > 0 ? maxfd + 1 : r; /* the walk covers fds 0..maxfd */
}

/* select() left one bit per fd in each set: test them in fd order. The
 * bits name fds, not keys, so the key is looked up now (sel_next() then
 * skips one registered since the wait under a reused number). */
int backend_next(struct sel_backend *b, struct sel_key **by_fd, int *pos, int n,
                 struct sel_key **key, int *mask)
{
    while (*pos < n) {
        int fd = (*pos)++;
        int m = (FD_ISSET(fd, &b->rd) ? SEL_READ : 0) | (FD_ISSET(fd, &b->wr) ? SEL_WRITE : 0);
        if (!m || !by_fd[fd])
            continue;
        *key = by_fd[fd];
        *mask = m;
        return 1;
    }
    return 0;
}
