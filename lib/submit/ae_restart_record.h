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
 * Directories are opened with ae_safedir (no symlink of another user
 * followed; the directory must be the user's).
 */
#ifndef AE_RESTART_RECORD_H
#define AE_RESTART_RECORD_H

#include <jansson.h>

#include "ae_error.h"

#define AE_RESTART_PROGRESS  "progress.json"
#define AE_RESTART_DECISIONS "restart.json"

/* Write job_dir/progress.json. 0 or -1 with err set. */
int ae_restart_record_progress(const char *job_dir, long long start,
                               long long saved, long long iteration,
                               ae_error *err);

/* job_dir/progress.json's saved_iteration; -1 when the file or the key is
 * missing or unreadable (a start without a helper saved nothing we know). */
long long ae_restart_record_saved(const char *job_dir);

/* Append decision (borrowed) to job_dir/restart.json. 0 or -1 with err. */
int ae_restart_record_append(const char *job_dir, const json_t *decision,
                             ae_error *err);

/* The run's start number of a job start: `start` of job_dir/
 * job_metadata.json (the plugin's count, shared by the requeues and later
 * jobs of the run), else restart_count + 1 (Slurm's count: no start
 * directory, or an older plugin). job_dir may be NULL. */
int ae_restart_record_start(const char *job_dir, int restart_count);

/* job_dir/name as JSON (new reference) or NULL when missing or unreadable. */
json_t *ae_restart_record_load(const char *job_dir, const char *name);

#endif /* AE_RESTART_RECORD_H */
