/*
 * selector.h: one interface over epoll, poll and select, in the spirit of
 * Python's `selectors` module, whose ready events come out of an iterator.
 *
 *     struct selector *sel = sel_open();
 *     struct sel_key *key = sel_register(sel, fd, SEL_READ, my_data);
 *     for (;;) {
 *         struct sel_iter it;             // for key, mask in sel.select():
 *         struct sel_key *key;
 *         int mask;
 *         sel_select(sel, timeout_ms, &it);
 *         while (sel_next(&it, &key, &mask))
 *             handle(key->data, mask);
 *     }
 *
 * The iterator (GoF, "Iterator": reach the elements of a collection one
 * after the other without knowing how it is stored) walks each backend's
 * own answer where the kernel left it: epoll's event array, the revents of
 * poll's array, the bits of select's fd_sets. Nothing is copied into a
 * common array first.
 *
 * Which backend does the work is chosen when the program is built
 * (make SELECTOR=epoll|poll|select): exactly one sel_<name>.c is compiled
 * in, and sel_name() says which. The code above never sees an epoll_event,
 * a pollfd or an fd_set; each backend translates its kernel's answer into
 * SEL_READ / SEL_WRITE. (Redis's ae.c is built the same way.)
 *
 * Contracts:
 * - A key lives from sel_register() to sel_unregister(). It is freed only at
 *   the next sel_select() (or sel_close()), so the caller may unregister and
 *   close any fd while iterating: sel_next() skips a key unregistered since
 *   the select, and a key registered since (even for the same fd number,
 *   which accept() may hand out at once), so no event is delivered for a
 *   closed fd or to a newcomer that was not asked about.
 * - The mask sel_next() returns is what the kernel reported, limited to
 *   what the key waits for at the time of sel_next(): an interest removed
 *   while iterating is not reported.
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
    unsigned long born; /* the select count when registered */
    struct sel_key *next_dead;
};

struct selector;

struct sel_iter {  /* the ready events of one sel_select() */
    struct selector *sel;
    int pos;       /* where the backend's walk is */
    int n;         /* where the walk ends: epoll's event count, poll's array
                    * length, select's highest fd + 1 */
};

struct selector *sel_open(void); /* NULL with errno set on failure */
void sel_close(struct selector *sel);
const char *sel_name(void);      /* "epoll", "poll" or "select" */

/* Each returns NULL or -1 with errno set on failure. */
struct sel_key *sel_register(struct selector *sel, int fd, int events, void *data);
int sel_modify(struct selector *sel, struct sel_key *key, int events);
int sel_unregister(struct selector *sel, struct sel_key *key);
struct sel_key *sel_get_key(struct selector *sel, int fd); /* NULL if none */
int sel_nfds(struct selector *sel); /* fds below this may have a key */

/* Waits up to timeout_ms (-1: no limit) and sets *it to walk what is
 * ready, until the next sel_select(). Returns 0 (after a timeout or a
 * signal, an empty walk), or -1 on failure. */
int sel_select(struct selector *sel, int timeout_ms, struct sel_iter *it);

/* The next ready key and its SEL_READ/SEL_WRITE mask: 1, or 0 at the end. */
int sel_next(struct sel_iter *it, struct sel_key **key, int *mask);

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
void backend_del(struct sel_backend *b, struct sel_key *key);
/* Waits; returns where the walk ends (0 if nothing is ready), or -1. */
int backend_poll(struct sel_backend *b, struct sel_key **by_fd, int nfds, int timeout_ms);
/* The walk: from *pos on, the next entry of the kernel's answer that names a
 * key (maybe one unregistered since: sel_next() drops those); sets *key and
 * the native events translated to *mask, advances *pos. 0 at the end
 * (pos == n). by_fd maps an fd to its key. */
int backend_next(struct sel_backend *b, struct sel_key **by_fd, int *pos, int n,
                 struct sel_key **key, int *mask);
extern const char backend_name[];

#endif
