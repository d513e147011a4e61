/* ae_run: a run and its starts, as its provenance records them.
 *
 * A run is the jobs that share one captured config and one output
 * directory: its first start, the requeues of that job, and the jobs that
 * continue it there later (a resubmission, or the same config submitted
 * again into the same directory). Its identity is the sha256 of the
 * captured config (composed, unresolved): the same text is the same run.
 * run_metadata.json is the run's record; each start appends itself to its
 * "starts" and keeps its own files in jobs/<start name>/ (docs/runs.md).
 * A job of another run is refused there, never mixed in.
 */
#ifndef AE_RUN_H
#define AE_RUN_H

#include <jansson.h>
#include <stddef.h>

#include "ae_error.h"

/* The run's key: sha256 (hex) of the captured config text. */
void ae_run_key(const char *unresolved, char key[65]);

/* May the job job_id, whose captured config has `key`, start in the run that
 * run_metadata.json `meta` records (NULL: the directory holds no run yet)?
 * Returns 0 for a new run, 1 for another start of the recorded run, -1 with
 * err set when the directory holds another run (the message names it and
 * says what to do). A record written before runs had keys counts as the
 * run of its job id. */
int ae_run_admit(const json_t *meta, const char *key, const char *job_id,
                 const char *prov_dir, ae_error *err);

/* The number of the next start: 1 + the starts meta records (1 for NULL). */
long ae_run_next_start(const json_t *meta);

/* The directory name of a start under jobs/: the job id, and for a job id
 * that started in the run before (`again`: a requeue) "_start<start>", the
 * run's start number. Slurm does not tell the batch step its restart count
 * when it starts (measured), the run's record does. The job id must be a
 * plain number, since it names a directory. 0 or -1 with err. */
int ae_run_start_name(const char *job_id, long start, int again, char *buf,
                      size_t size, ae_error *err);

#endif /* AE_RUN_H */
