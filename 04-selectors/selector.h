/*
 * selector.h: one interface over epoll, poll and select, in the spirit of
 * Python's `selectors` module.
 *
 *     struct selector *sel = sel_open();
 *     struct sel_key *key = sel_register(sel, fd, SEL_READ, my_data);
 *     for (;;) {
 *         struct sel_event *ready;
 *         int n = sel_select(sel, timeout_ms, &ready);
 *         for (int i = 0; i < n; i++)
 *             if (!sel_key_dead(ready[i].key))
 *                 handle(ready[i].key->data, ready[i].mask);
 *     }
 *
 * Which backend does the work is chosen when the program is built
 * (make SELECTOR=epoll|poll|select): exactly one sel_<name>.c is compiled
 * in, and sel_name() says which. The code above never sees an epoll_event,
 * a pollfd or an fd_set; each backend translates its kernel's answer into
 * SEL_READ / SEL_WRITE. (Redis's ae.c is built the same way.)
 *
 * Contracts:
 * - A key lives from sel_register() to sel_unregister(). It is freed only at
 *   the next sel_select() (or sel_close()), so an event already returned
 *   for it can still be looked at: sel_key_dead() says to skip it. This is
 *   what makes it safe to unregister and close any connection from inside
 *   a handler, even when accept() hands out the same fd number in the same
 *   turn: the new registration gets a new key.
 * - An error or hang-up on a socket is reported as whatever the key waits
 *   for (READ and/or WRITE): the recv() or send() that follows sees it.
 * - The select backend cannot watch an fd >= FD_SETSIZE: sel_register()
 *   fails with EINVAL.
 */
#ifndef SELECTOR_H
#define SELECTOR_H

enum { SEL_READ = 1, SEL_WRITE = 2 };

struct sel_key {   /* Python: selectors.SelectorKey */
    int fd;
    int events;    /* SEL_READ | SEL_WRITE: what we wait for; -1 once unregistered */
    void *data;    /* the caller's */
    int slot;      /* the backend's: e.g. poll's index in its pollfd array */
    struct sel_key *next_dead;
};

struct sel_event { /* one ready key: Python's (key, mask) */
    struct sel_key *key;
    int mask;
};

struct selector;

struct selector *sel_open(void); /* NULL with errno set on failure */
void sel_close(struct selector *sel);
const char *sel_name(void);      /* "epoll", "poll" or "select" */

/* Each returns NULL or -1 with errno set on failure. */
struct sel_key *sel_register(struct selector *sel, int fd, int events, void *data);
int sel_modify(struct selector *sel, struct sel_key *key, int events);
int sel_unregister(struct selector *sel, struct sel_key *key);
struct sel_key *sel_get_key(struct selector *sel, int fd); /* NULL if none */
int sel_nfds(struct selector *sel); /* fds below this may have a key */

/* Waits up to timeout_ms (-1: no limit) and points *ready at the keys that
 * are ready, valid until the next call. Returns their number, 0 on timeout
 * or when a signal interrupted the wait, -1 on failure. */
int sel_select(struct selector *sel, int timeout_ms, struct sel_event **ready);

static inline int sel_key_dead(const struct sel_key *key)
{
    return key->events < 0;
}

/* ---- what each backend (sel_epoll.c, sel_poll.c, sel_select.c) provides --
 * selector.c keeps the keys and calls these; struct sel_backend is each
 * backend's own state, which nothing else sees. */

struct sel_backend;
struct sel_backend *backend_open(void);
void backend_close(struct sel_backend *b);
int backend_add(struct sel_backend *b, struct sel_key *key);
int backend_modify(struct sel_backend *b, struct sel_key *key, int events);
void backend_del(struct sel_backend *b, struct sel_key *key, struct sel_key **by_fd);
/* Waits, then fills out[] with at most max ready keys (by_fd maps an fd to
 * its key, for backends whose kernel answer names fds). */
int backend_poll(struct sel_backend *b, struct sel_key **by_fd, int nfds,
                 int timeout_ms, struct sel_event *out, int max);
extern const char backend_name[];

#endif
