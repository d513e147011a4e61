/* ae_taskdir: do the tasks of an array job get directories of their own?
 *
 * Every task of an array runs the same captured config. Unless its output
 * directory and its checkpoint directory depend on the task, the tasks
 * would write one run's provenance and save into one checkpoints/ together.
 * autoexp does not make the directory unique behind the user's back (the
 * config would then name a directory that is not where its run is): it
 * refuses the job, at sbatch when the paths resolve there, else at job
 * start, and says to put ${oc.env:SLURM_ARRAY_TASK_ID} in the output
 * directory.
 *
 * The check resolves the output directory (project.output_dir, else
 * project.base_output_dir) and backend.megatron.save twice, with the
 * variables that tell tasks apart (SLURM_ARRAY_TASK_ID, SLURM_JOB_ID,
 * SLURM_JOBID) set to different values and every other variable from
 * opts->env: a path that comes out the same both times is shared.
 */
#ifndef AE_TASKDIR_H
#define AE_TASKDIR_H

#include <jansson.h>

#include "ae_error.h"
#include "ae_node.h"
#include "ae_resolvers.h"

/* 0 when each task gets its own directories, -1 with err set (file, line
 * and key of the shared path) when tasks would share one, 1 when it cannot
 * be told here (a path does not resolve without the job's environment; err
 * says why). `unresolved` is the captured config; opts->env may be NULL. */
int ae_taskdir_check(const ae_node *unresolved, const ae_resolve_opts *opts,
                     ae_error *err);

/* The check at submission, for sbatch and `autoexp check` alike: when the
 * job is an array (--array in `options`, ae_request's long form with
 * SBATCH_ARRAY_INX, or in the #SBATCH lines of `script`, which may be
 * NULL), ae_taskdir_check. Returns -1 with err set only for shared
 * directories; 0 otherwise (not an array, or not to be told yet). */
int ae_taskdir_check_request(const json_t *options, const char *script,
                             const ae_node *unresolved,
                             const ae_resolve_opts *opts, ae_error *err);

#endif /* AE_TASKDIR_H */
