/* ae_endrecord: the record of how a job start ended.
 *
 * At the job's end slurmstepd (root, and multithreaded) builds the record's
 * text before it forks; the child becomes the job user for good and execs
 * `autoexp-helper --end-record TEXT START JOB_ID` with the run's provenance
 * directory on descriptor 3 and the start's on 4, so that between fork and
 * exec only system calls run (no allocation, no lock another thread may
 * have held at the fork). The helper writes it: the start's
 * job_metadata.json gets "end" (where the job's helper reads it), then the
 * run's run_metadata.json gets it appended to "ends" (with start and
 * job_id) and as "end", in one rewrite.
 */
#ifndef AE_ENDRECORD_H
#define AE_ENDRECORD_H

#include "ae_error.h"

/* The descriptors `autoexp-helper --end-record` finds the directories on. */
#define AE_ENDRECORD_PROV_FD 3
#define AE_ENDRECORD_JOB_FD  4

/* The record of a batch script that ended with wait status `status` (unknown
 * when !have_status) at end_time: end_time, state (COMPLETED, FAILED,
 * SIGNALED, UNKNOWN) and exit_code, or signal and signal_name. New compact
 * JSON text (caller frees), or NULL when memory runs out. */
char *ae_endrecord_text(int have_status, int status, long long end_time);

/* Write the record `text` of start `start` of job job_id: into job_fd's
 * job_metadata.json, then prov_fd's run_metadata.json. 0, or -1 with err
 * set (text that is not a JSON object included). */
int ae_endrecord_write(int prov_fd, int job_fd, const char *text, long start,
                       const char *job_id, ae_error *err);

#endif /* AE_ENDRECORD_H */
