#ifndef SOUDAN_THREAD_H
#define SOUDAN_THREAD_H

/// Per-thread scheduling priority. Linux keeps a nice value per thread, but
/// setpriority(2) names a thread only by its kernel tid, which Swift cannot get
/// without syscall(2) (variadic, not imported).

/// Lowers the calling thread's priority to `nice` (the writer's background lane).
/// Raising the value needs no privilege, so a thread that lowers itself stays
/// lowered. Returns 0, or -1 with errno set.
int soudan_set_thread_nice(int nice);

/// The calling thread's nice value (for tests).
int soudan_thread_nice(void);

#endif
