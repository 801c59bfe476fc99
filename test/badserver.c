/*
 * badserver: a server that breaks the echo contract, for testing clients.
 *
 *   badserver close     accepts, reads the first message, closes unanswered
 *   badserver corrupt   echoes, with one bit of every chunk flipped
 *
 * Listens on 127.0.0.1, a port the kernel chooses, prints the same
 * readiness line as the chapters' servers, serves one client at a time.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int corrupt = argc == 2 && !strcmp(argv[1], "corrupt");
    if (argc != 2 || (!corrupt && strcmp(argv[1], "close"))) {
        fprintf(stderr, "usage: badserver close|corrupt\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 128) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &len) < 0) {
        perror("badserver");
        return 1;
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        char buf[65536];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
            if (!corrupt)
                break;
            buf[0] ^= 1;
            if (send(fd, buf, (size_t)n, 0) != n)
                break;
        }
        close(fd);
    }
}
