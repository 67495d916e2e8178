#ifndef SOUDAN_EPOLL_H
#define SOUDAN_EPOLL_H

/// epoll and timerfd, which Swift's Glibc module does not bring: soudan-load's
/// event loop uses them directly (the daemon itself goes through libuv).
#include <sys/epoll.h>
#include <sys/timerfd.h>

#endif
