/* ae_joblog: where a batch job's standard output goes, worked out on the
 * batch node from what the job asked for, without asking slurmctld.
 *
 * sbatch sends the job's --output as written (patterns unexpanded, relative
 * or not) or, without one, "slurm-%j.out" ("slurm-%A_%a.out" for an array
 * task); slurmstepd expands Slurm's filename patterns and opens the result
 * relative to the job's working directory: --chdir (sbatch makes a relative
 * one absolute from the directory it ran in), else the directory sbatch ran
 * in (SLURM_SUBMIT_DIR). The same is done here from the request recorded at
 * submission (ae_request.h: {"options": [...], "directives": [...]}), with
 * sbatch's precedence: the #SBATCH lines, then the input variables, then the
 * command line, the last one given winning.
 *
 * Nothing here prints or reads the environment: the caller gives the values
 * of the patterns (the job's facts) and gets new strings it frees.
 */
#ifndef AE_JOBLOG_H
#define AE_JOBLOG_H

#include <jansson.h>

#include "ae_error.h"

/* The values of the patterns, borrowed. */
typedef struct ae_joblog_ids {
	const char *job_id;        /* %j; NULL: unknown */
	const char *array_job_id;  /* %A; NULL unless an array task */
	const char *array_task_id; /* %a; NULL unless an array task */
	const char *job_name;      /* %x; NULL: unknown */
	const char *user;          /* %u; NULL: unknown */
	/* %N: the batch host's name as slurmd knows it, its short host name
	 * (measured on Slurm 22.05: not the node's NodeName, not BatchHost);
	 * NULL: unknown */
	const char *node;
} ae_joblog_ids;

/* Expand Slurm's filename patterns in pattern as slurmstepd does for a
 * batch step: %j job id, %A array job id (the job id when not an array), %a
 * array task id (4294967294 when not an array, as Slurm writes), %x job
 * name, %u user, %N node, %n and %t 0, %s "batch", %% a percent. A width
 * (%4j) zero-pads the numbers, at most 10 as Slurm. Another % sequence is
 * kept as written. A backslash anywhere turns expansion off: the
 * backslashes are dropped and the rest is kept as is (Slurm's escaped
 * path). Returns a new string, or NULL with err set when a pattern used has
 * no value or memory runs out. */
char *ae_joblog_expand(const char *pattern, const ae_joblog_ids *ids,
                       ae_error *err);

/* The job's working directory as sbatch set it: the last --chdir (-D) of
 * request (directives, then options; NULL request: none), relative to
 * submit_dir unless absolute, else submit_dir. Returns a new string, or
 * NULL with err set when it depends on submit_dir and that is NULL or not
 * absolute, or memory runs out. */
char *ae_joblog_workdir(const json_t *request, const char *submit_dir,
                        ae_error *err);

/* The absolute path of the job's standard output: the last --output (-o)
 * of request (NULL request: none asked; "none" is /dev/null, as sbatch
 * reads it), else Slurm's default for a job or an array task (ids), its
 * patterns expanded with ids, relative to workdir unless absolute. *append
 * (when append is not NULL) is set to 1 when the last --open-mode asked for
 * append, else 0 (truncate, or the cluster's JobFileAppend). Returns a new
 * string, or NULL with err set (a pattern without a value, a relative path
 * without an absolute workdir, out of memory). */
char *ae_joblog_stdout(const json_t *request, const ae_joblog_ids *ids,
                       const char *workdir, int *append, ae_error *err);

#endif /* AE_JOBLOG_H */
