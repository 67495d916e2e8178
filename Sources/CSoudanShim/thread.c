#define _GNU_SOURCE
#include "soudan_thread.h"
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int soudan_set_thread_nice(int nice) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

int soudan_thread_nice(void) {
    return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
}
