/*
 * 01-sockets: an interactive client for the echo server.
 *
 *   ./client [PORT]
 *
 * Reads what you type (or what is piped in), sends it to 127.0.0.1:PORT and
 * prints what comes back. Blocking I/O, like the server: after each send it
 * waits for the same number of bytes to return, which an echo server
 * guarantees. At end of input it half-closes the connection and prints
 * whatever the server still sends until it closes.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "client: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_all(int fd, const char *p, size_t n, const char *what)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            die(what);
        p += w;
        n -= (size_t)w;
    }
}

/* Copies socket input to stdout until `want` bytes arrived (or EOF if want
 * is 0). Returns how many arrived. */
static size_t copy_back(int fd, size_t want)
{
    char buf[4096];
    size_t got = 0;
    while (want == 0 || got < want) {
        size_t n = want ? want - got : sizeof buf;
        ssize_t r = recv(fd, buf, n < sizeof buf ? n : sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("recv");
        if (r == 0)
            break;
        write_all(STDOUT_FILENO, buf, (size_t)r, "write stdout");
        got += (size_t)r;
    }
    return got;
}

int main(int argc, char **argv)
{
    long port = 8000;
    char *end = "";
    if (argc == 2)
        port = strtol(argv[1], &end, 10);
    if (argc > 2 || *end || port < 1 || port > 65535) {
        fprintf(stderr, "usage: client [PORT]   (PORT 1-65535, default 8000)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die("socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "client: connect 127.0.0.1:%ld: %s\n", port, strerror(errno));
        return 1;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read stdin");
        if (n == 0)
            break;
        write_all(fd, buf, (size_t)n, "send");
        if (copy_back(fd, (size_t)n) < (size_t)n) {
            fprintf(stderr, "client: the server closed the connection\n");
            return 1;
        }
    }
    /* Half-close: tell the server we are done sending, then read the rest. */
    if (shutdown(fd, SHUT_WR) < 0)
        die("shutdown");
    copy_back(fd, 0);
    close(fd);
    return 0;
}
