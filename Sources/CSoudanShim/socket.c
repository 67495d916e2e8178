#define _GNU_SOURCE
#include "soudan_socket.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int soudan_peer_credentials(int fd, unsigned int *uid, int *pid) {
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
    *uid = cred.uid;
    *pid = cred.pid;
    return 0;
}

int soudan_max_socket_path(void) {
    struct sockaddr_un addr;
    return (int)sizeof(addr.sun_path) - 1;
}

int soudan_connect_unix(const char *path) {
    struct sockaddr_un addr;
    size_t len = strlen(path);
    if (len > sizeof(addr.sun_path) - 1) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, len);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int soudan_probe_unix_socket(const char *path) {
    int fd = soudan_connect_unix(path);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    if (errno == ECONNREFUSED) return 0;
    return -1;
}

int soudan_is_listening_socket(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) return 0;
    return listening ? 1 : 0;
}
