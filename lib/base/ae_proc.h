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

#endif /* AE_PROC_H */
