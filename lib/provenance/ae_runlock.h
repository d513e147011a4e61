/* ae_runlock: one job at a time in a run's provenance directory.
 *
 * The batch step of the job that runs a run holds a write lock on
 * provenance/run.lock from its start to its end. The lock is an open file
 * description lock (F_OFD_SETLK): it belongs to the open file, not to a
 * process, so slurmstepd keeps it for the job's life through one fd, a
 * forked child closing its copy does not drop it, and the kernel releases
 * it when slurmstepd ends however it ends: no stale lock after a crash. On
 * NFS the lock is the server's (lockd or NFSv4), so it holds across nodes;
 * Lustre needs its `flock` mount option (the default since 2.12). Where the
 * file system has no locks, the job starts unlocked and says so.
 *
 * The holder writes who it is into the file (JSON: job_id, start_time,
 * host), so a refused job can say which job holds the directory, and when
 * its batch script has ended (ending_since). The next job of the run may
 * start (afterany, singleton) before the ending job's slurmstepd has
 * closed the lock: a start that finds such a holder waits for it, up to a
 * minute, instead of being refused.
 */
#ifndef AE_RUNLOCK_H
#define AE_RUNLOCK_H

#include <sys/types.h>

#include "ae_error.h"

#define AE_RUNLOCK_FILE "run.lock"

/* Take the run lock in the provenance directory prov_fd (prov_dir names it
 * in messages), as the job `job_id` started at `now` on `host`. Returns the
 * lock's fd (O_CLOEXEC; the caller keeps it open while the job runs, and
 * closing it releases the lock) with *held = 1, or with *held = 0 when the
 * file system cannot lock (errno's text in err, the caller decides). Returns
 * -1 with err set when another job holds the lock ("in use by job N since
 * ..."; after waiting when that job is ending), or on an I/O error or a
 * run.lock that is not the user's regular file. */
int ae_runlock_take(int prov_fd, const char *prov_dir, uid_t uid,
                    const char *job_id, long long now, const char *host,
                    int *held, ae_error *err);

/* The holder's batch script ended at `now`: say so in the record of the
 * lock held through lock_fd (no path is looked up). 0 or -1 with errno. */
int ae_runlock_mark_ending(int lock_fd, long long now);

#endif /* AE_RUNLOCK_H */
