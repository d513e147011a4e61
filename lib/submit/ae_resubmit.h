/* ae_resubmit: the sbatch command that continues a run as a new job
 * (RestartAction mode resubmit, for jobs that cannot be requeued).
 *
 * The new job must be another start of the same run (ae_run.h): the same
 * captured config in the same output directory. It is submitted with the
 * run's own composed config, provenance/unresolved_config.yaml (composing
 * a composed config gives the same text, so the same run key), and the
 * run's timestring (AUTOEXP_TIMESTRING, which the plugin takes at
 * submission), so that ${oc.timestring:} names the same directory:
 *
 *   sbatch --parsable --autoexp-config=/proc/self/fd/3/unresolved_config.yaml
 *          [--job-name=N] [the run's carried sbatch options]
 *          --dependency=afterany:JOB [--exclude=NODES]
 *          /proc/self/fd/3/job_script.sh
 *
 * where fd 3 is the provenance directory, handed to sbatch open
 * (ae_spawn_opts.inherit_fd = the helper's descriptor of it): sbatch and
 * its plugin read the run's files from the directory the helper opened
 * safely, not from whatever has its path by then (ae_fdpath.h). The
 * plugin records the files' real paths.
 *
 * The dependency holds the new job until this one has ended: the run takes
 * one job at a time, and the ending job holds the run's lock until its
 * slurmstepd exits. Its working directory is the caller's (the helper's is
 * the job's). Refused: an array task (its directories name the task, which
 * a plain job does not have) and a heterogeneous job (its components'
 * options were not all recorded).
 */
#ifndef AE_RESUBMIT_H
#define AE_RESUBMIT_H

#include <jansson.h>

#include "ae_error.h"

/* Build the command for job job_id of the run whose run_metadata.json is
 * run_meta (borrowed), to be run with the run's provenance directory as
 * inherit_fd. sbatch:
 * the program; exclude: the nodes to exclude (array of strings, may be
 * NULL or empty); base_env: the caller's environment ("NAME=value",
 * NULL-ended). On success *argv and *envp are new (free each with
 * ae_sbatch_strv_free) and 0 is returned; -1 with err set otherwise (the
 * message says why the run cannot be resubmitted). */
int ae_resubmit_command(const char *sbatch, const json_t *run_meta,
                        const char *job_id, const json_t *exclude,
                        const char *const *base_env, char ***argv, char ***envp,
                        ae_error *err);

#endif /* AE_RESUBMIT_H */
