#ifndef SOUDAN_SYSTEMD_H
#define SOUDAN_SYSTEMD_H

/// Sends one sd_notify(3) message ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET,
/// by hand: the protocol is one datagram, and libsystemd would be a dependency
/// for it alone. Handles the abstract namespace ("@…"). Returns 1 if sent, 0 if
/// there is no NOTIFY_SOCKET, -1 with errno set on error.
int soudan_sd_notify(const char *message);

#endif
