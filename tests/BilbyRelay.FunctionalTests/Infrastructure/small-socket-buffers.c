/*
 * LD_PRELOAD library: the socket buffers of a host whose net.core.rmem_max and wmem_max are 64 KiB, for a process
 * without CAP_NET_ADMIN. SO_RCVBUFFORCE and SO_SNDBUFFORCE fail with EPERM; SO_RCVBUF and SO_SNDBUF are granted at
 * most 65536 bytes (which the kernel reports doubled).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>

#define CAPPED_BYTES 65536

int setsockopt(int fd, int level, int name, const void *value, socklen_t length)
{
    static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
    if (real_setsockopt == 0) {
        real_setsockopt = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
    }

    if (level == SOL_SOCKET && (name == SO_RCVBUFFORCE || name == SO_SNDBUFFORCE)) {
        errno = EPERM;
        return -1;
    }

    if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF) && length == sizeof(int)
        && *(const int *)value > CAPPED_BYTES) {
        int capped = CAPPED_BYTES;
        return real_setsockopt(fd, level, name, &capped, length);
    }

    return real_setsockopt(fd, level, name, value, length);
}
