/* ae_restart_record: the helper's records in a start's directory
 * ({provenance}/jobs/<job id>[_start<N>]/, AUTOEXP_JOB_DIR). The plugin
 * writes run_metadata.json under the run's lock; the helper never rewrites
 * it and keeps its own records here instead, each replaced atomically:
 *
 *   progress.json  {"start", "saved_iteration", "iteration", "time"}: the
 *                  highest checkpoint iteration this start saved (-1:
 *                  none yet), written when a save is seen and at the end;
 *                  the no-progress guard of later starts reads it;
 *   restart.json   {"decisions": [...]}: every RestartAction decision of
 *                  this start (restarted or refused, and why), appended.
 *
 * Everything works on directory descriptors the caller opened once and
 * safely (the helper: ae_safedir, the start's directory below the
 * provenance directory's fd); no path is looked up again. A descriptor < 0
 * means there is no such directory: nothing is read or written.
 */
#ifndef AE_RESTART_RECORD_H
#define AE_RESTART_RECORD_H

#include <jansson.h>

#include "ae_error.h"

#define AE_RESTART_PROGRESS  "progress.json"
#define AE_RESTART_DECISIONS "restart.json"

/* Write progress.json in the start's directory job_fd. 0 or -1 with err
 * set. */
int ae_restart_record_progress(int job_fd, long long start, long long saved,
                               long long iteration, ae_error *err);

/* job_fd's progress.json's saved_iteration; -1 when the file or the key is
 * missing or unreadable (a start without a helper saved nothing we know). */
long long ae_restart_record_saved(int job_fd);

/* Append decision (borrowed) to job_fd's restart.json. 0 or -1 with err. */
int ae_restart_record_append(int job_fd, const json_t *decision, ae_error *err);

/* The run's start number of a job start: `start` of job_fd's
 * job_metadata.json (the plugin's count, shared by the requeues and later
 * jobs of the run), else restart_count + 1 (Slurm's count: no start
 * directory, or an older plugin). job_fd may be -1. */
int ae_restart_record_start(int job_fd, int restart_count);

/* dirfd's `name` as JSON (new reference) or NULL when missing or
 * unreadable. */
json_t *ae_restart_record_load(int dirfd, const char *name);

/* Open the directory of one of the run's starts, `dir` as run_metadata.json
 * records it (relative: "jobs/<name>"), below the provenance directory
 * prov_fd; it must be the user's. Returns an fd (caller closes) or -1 with
 * err set. */
int ae_restart_record_open_start(int prov_fd, const char *dir, ae_error *err);

#endif /* AE_RESTART_RECORD_H */
