/* ae_proc: facts about a process read from /proc.
 *
 * A pid alone does not name a process for long: pids are reused. A pid
 * together with its start time does, so whoever keeps a pid to signal or
 * report later keeps its start ticks too and compares them first.
 */
#ifndef AE_PROC_H
#define AE_PROC_H

#include <sys/types.h>

/* Start time of process pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when the process does not exist or its stat cannot
 * be read. */
unsigned long long ae_proc_start_ticks(pid_t pid);

/* The calling process's umask ("Umask:" of /proc/self/status, Linux 4.7 and
 * later) into *mask, without changing it: umask(2) reads it only by setting
 * it, which other threads would see. 0, or -1 when it cannot be read. */
int ae_proc_umask(mode_t *mask);

#endif /* AE_PROC_H */
