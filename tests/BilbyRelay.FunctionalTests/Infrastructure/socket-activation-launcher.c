/*
 * Starts a program the way systemd socket activation does: binds a UDP socket and a listening TCP socket on
 * 127.0.0.1 with ports the system picks, passes them as descriptors 3 and 4 with LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES, and execs the program (so the pid LISTEN_PID names stays the same).
 *
 *   socket-activation-launcher PROGRAM [ARGUMENT]...
 *
 * An argument "@udp" or "@tcp" becomes "127.0.0.1:PORT" of that socket. Before the exec it prints
 *   launcher: udp 127.0.0.1:PORT inode N tcp 127.0.0.1:PORT inode N
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(const char *what)
{
    perror(what);
    exit(126);
}

/* A socket of the given type bound to 127.0.0.1:0, moved to descriptor `target`; returns its port. */
static int bind_at(int type, int target, unsigned long *inode)
{
    struct sockaddr_in address;
    socklen_t length = sizeof address;
    struct stat info;
    int fd = socket(AF_INET, type, 0);
    if (fd < 0)
        fail("socket");
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0)
        fail("bind");
    if (type == SOCK_STREAM && listen(fd, 64) != 0)
        fail("listen");
    if (getsockname(fd, (struct sockaddr *)&address, &length) != 0 || fstat(fd, &info) != 0)
        fail("getsockname");
    *inode = (unsigned long)info.st_ino;
    /* Park it above the target range first, so moving one socket never overwrites the other. */
    int parked = fcntl(fd, F_DUPFD, 100);
    if (parked < 0 || close(fd) != 0 || dup2(parked, target) != target || close(parked) != 0)
        fail("dup2");
    return ntohs(address.sin_port);
}

int main(int argc, char **argv)
{
    unsigned long udp_inode, tcp_inode;
    char udp[32], tcp[32], pid[32];
    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM [ARGUMENT]...\n", argv[0]);
        return 2;
    }

    snprintf(udp, sizeof udp, "127.0.0.1:%d", bind_at(SOCK_DGRAM, 3, &udp_inode));
    snprintf(tcp, sizeof tcp, "127.0.0.1:%d", bind_at(SOCK_STREAM, 4, &tcp_inode));
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    if (setenv("LISTEN_PID", pid, 1) != 0 || setenv("LISTEN_FDS", "2", 1) != 0 || setenv("LISTEN_FDNAMES", "quic:stats", 1) != 0)
        fail("setenv");

    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "@udp") == 0)
            argv[i] = udp;
        else if (strcmp(argv[i], "@tcp") == 0)
            argv[i] = tcp;
    }

    printf("launcher: udp %s inode %lu tcp %s inode %lu\n", udp, udp_inode, tcp, tcp_inode);
    fflush(stdout);
    execv(argv[1], argv + 1);
    fail("execv");
    return 127;
}
