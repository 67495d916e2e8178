#ifndef SOUDAN_SOCKET_H
#define SOUDAN_SOCKET_H

/// Unix-domain socket calls that Swift cannot make on its own: `struct ucred`
/// needs _GNU_SOURCE, which Swift's Glibc import does not define, and
/// `sockaddr_un` is awkward to fill from Swift (a fixed C array).

/// Reads the peer's credentials of a connected Unix socket (SO_PEERCRED): who is
/// asking, for the access log and the per-uid caps. Returns 0, else -1 with errno set.
int soudan_peer_credentials(int fd, unsigned int *uid, int *pid);

/// Probes a Unix socket path with a blocking connect, to tell a live daemon from
/// a stale file before binding. Returns 1 if a live listener accepted, 0 if
/// nothing listens (ECONNREFUSED: a stale file), -1 with errno set on any other
/// failure (ENOENT: no file).
int soudan_probe_unix_socket(const char *path);

/// Connects a blocking Unix stream socket (the clients); returns the fd, or -1
/// with errno set (ENAMETOOLONG for a path sockaddr_un cannot hold).
int soudan_connect_unix(const char *path);

/// The longest path a sockaddr_un can hold, terminator excluded: checked at
/// start so that a long data dir fails with its name, not with EINVAL.
int soudan_max_socket_path(void);

/// 1 if fd is a socket in the listening state (a socket systemd passed us), else 0.
int soudan_is_listening_socket(int fd);

#endif
