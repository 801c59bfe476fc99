/*
 * 01-sockets: a blocking echo server.
 *
 * socket, bind, listen, accept, then recv and send until the client leaves,
 * then the next client. Every call blocks, so the server serves exactly one
 * client at a time: that is this chapter's lesson and its limit.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 16384

static int quiet;                      /* -q: no per-connection log lines */
static volatile sig_atomic_t stopping; /* set by SIGINT / SIGTERM */

static void log_conn(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- net ---------------------------------------------------------------- */

/* Listens on 127.0.0.1:port. On failure returns -1 with a message naming the
 * call and the address in err, so main can print one line and exit. */
static int net_listen(int port, char *err, size_t errlen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const char *call = "socket";
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        goto fail;
    /* Without SO_REUSEADDR a restart fails for a minute or two while the last
     * run's connections sit in TIME_WAIT (Stevens, UNP vol. 1, 7.5). */
    call = "setsockopt SO_REUSEADDR";
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        goto fail;
    call = "bind";
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto fail;
    call = "listen";
    if (listen(fd, SOMAXCONN) < 0)
        goto fail;
    return fd;
fail:
    snprintf(err, errlen, "%s 127.0.0.1:%d: %s", call, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

/* The port the kernel chose when we asked for port 0. */
static int net_local_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        return -1;
    return ntohs(sa.sin_port);
}

static void net_peer_name(const struct sockaddr_in *sa, char *buf, size_t len)
{
    char ip[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof ip);
    snprintf(buf, len, "%s:%d", ip, ntohs(sa->sin_port));
}

/* ---- signals ------------------------------------------------------------ */

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* sigaction without SA_RESTART: a signal makes a blocked accept() or recv()
 * fail with EINTR, so the loop sees `stopping` at once. What signal() does
 * varies (BSD semantics restart the call, and Ctrl-C would wait for the next
 * client; System V semantics reset the handler): sigaction says exactly. */
static void install_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A send() to a client that has gone raises SIGPIPE, whose default
     * action kills the process. Ignored, send() fails with EPIPE instead. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* ---- the conversation ----------------------------------------------------- */

/* send() may take fewer bytes than asked (a partial write): loop until all are
 * gone. Returns 0, or -1 with errno set. */
static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, 0);
        if (w < 0 && errno == EINTR && !stopping)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Echoes until the client closes its side, an error, or a stop signal.
 * Returns what ended it, for the log. (The race described in main() is
 * here too, between the check of `stopping` and recv().) */
static const char *serve(int fd)
{
    char buf[BUF_SIZE];
    while (!stopping) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r == 0)
            return "client closed";
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || send_all(fd, buf, (size_t)r) < 0)
            return strerror(errno);
    }
    return "server stopping";
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
    fprintf(stderr, "usage: server [-q] [PORT]   (PORT 0-65535, default 8000)\n");
    exit(2);
}

static int parse_port(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    /* strtol() alone would take " 80" and "+80" */
    if (*s < '0' || *s > '9' || errno || *end || v > 65535)
        usage();
    return (int)v;
}

int main(int argc, char **argv)
{
    int port = 8000, have_port = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-q"))
            quiet = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            usage();
        else if (!have_port++)
            port = parse_port(argv[i]);
        else
            usage();
    }
    install_signals();
    char err[256];
    int lfd = net_listen(port, err, sizeof err);
    if (lfd < 0) {
        fprintf(stderr, "server: %s\n", err);
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", net_local_port(lfd));
    fflush(stdout);
    /* A signal that lands between this check and accept() is seen only when
     * the next client arrives: the classic check-then-block race. Chapter 02
     * closes it with pselect(), which unblocks signals atomically. */
    while (!stopping) {
        struct sockaddr_in peer;
        socklen_t len = sizeof peer;
        int fd = accept(lfd, (struct sockaddr *)&peer, &len);
        if (fd < 0) {
            /* EINTR: maybe a stop. ECONNABORTED: the client left while
             * queued. Out of descriptors: wait a second rather than spin. */
            int e = errno; /* log_conn() may change errno */
            if (e != EINTR && e != ECONNABORTED)
                log_conn("accept: %s", strerror(e));
            if (e == EMFILE || e == ENFILE)
                sleep(1);
            continue;
        }
        char name[64];
        net_peer_name(&peer, name, sizeof name);
        log_conn("accepted fd %d from %s", fd, name);
        const char *why = serve(fd);
        close(fd);
        log_conn("closed fd %d (%s): %s", fd, name, why);
    }
    close(lfd);
    return 0;
}
