#ifndef SOUDAN_SHIM_H
#define SOUDAN_SHIM_H
#include <sys/types.h>
// epoll and timerfd, which Swift's Glibc module does not bring (soudan-load's
// event loop uses them; the daemon itself goes through libuv).
#include <sys/epoll.h>
#include <sys/timerfd.h>

/// Reads the peer's credentials of a connected Unix socket (SO_PEERCRED).
/// `struct ucred` needs _GNU_SOURCE, which Swift's Glibc import does not define.
/// Returns 0 on success, else -1 with errno set.
int soudan_peer_credentials(int fd, unsigned int *uid, int *pid);

/// Probes a Unix socket path with a blocking connect.
/// Returns 1 if a live listener accepted, 0 if nothing listens (ECONNREFUSED:
/// a stale file), -1 with errno set on any other failure (ENOENT: no file).
int soudan_probe_unix_socket(const char *path);

/// Connects a blocking Unix stream socket; returns the fd, or -1 with errno set.
int soudan_connect_unix(const char *path);

/// The largest path a sockaddr_un can hold, terminator excluded.
int soudan_max_socket_path(void);

/// Lowers the calling thread's scheduling priority to `nice` (Linux keeps a nice
/// value per thread). Only raising the value is allowed without privileges, so a
/// thread that lowers itself stays lowered. Returns 0, or -1 with errno set.
int soudan_set_thread_nice(int nice);

/// The calling thread's nice value.
int soudan_thread_nice(void);
#endif

/// Sends one sd_notify(3) message ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET, by
/// hand (no libsystemd). Returns 1 if sent, 0 if there is no NOTIFY_SOCKET, -1 on error.
int soudan_sd_notify(const char *message);

/// True (1) if fd is a socket in the listening state.
int soudan_is_listening_socket(int fd);

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for a program that keeps its own `main` (the fuzz target
/// under SwiftPM, which names the entry point itself). Defined only when
/// libFuzzer is linked in (scripts/fuzz); referenced only then.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
