/* ae_sbatch: the sbatch command of an automatic (cooldown) submission, the
 * environment it runs in, and what its failures mean.
 *
 * The command is an argv for execve, never a shell line:
 *   sbatch --parsable --autoexp-config=FILE [--job-name=N] [--partition=P]
 *          [--account=A] [--qos=Q] [--nodes=N] [--ntasks=N] [EXTRA...] SCRIPT
 * The child asks for what the parent asked for: the options of the
 * parent's sbatch (run_metadata.json "request", see ae_request) that a
 * follow-up carries, in place of the bracketed resources; the script's
 * #SBATCH lines come with the script. A parent recorded without a request
 * (submitted by an older autoexp) gives the resources it ran with instead.
 * EXTRA comes later on the line, so it wins.
 *
 * Failures are transient when sbatch could not talk to the controller (the
 * submission did not happen and trying again later may work) and permanent
 * otherwise. A sbatch that was killed for its timeout is permanent: it may
 * have submitted the job before it hung, and a retry could submit it twice.
 */
#ifndef AE_SBATCH_H
#define AE_SBATCH_H

#include <jansson.h>
#include <stddef.h>

#include "ae_error.h"

/* The parent's resources. Strings borrowed; NULL or "" when not known;
 * counts 0 when not known. */
typedef struct ae_sbatch_resources {
	const char *job_name;
	const char *partition;
	const char *account;
	const char *qos;
	long long nodes;
	long long ntasks;
	const json_t *options; /* the parent's request.options, or NULL */
} ae_sbatch_resources;

/* Fill res from a run_metadata.json object (job_name, partition, account,
 * qos, nodes, tasks, request.options). Borrowed from meta. */
void ae_sbatch_resources_from_metadata(const json_t *meta,
                                       ae_sbatch_resources *res);

/* Build the argv (NULL-ended, new strings; free with ae_sbatch_strv_free).
 * sbatch: the program (a name looked up in PATH, or a path); job_name: the
 * full job name or NULL; extra: n_extra further options. NULL with err set. */
char **ae_sbatch_argv(const char *sbatch, const char *config_file,
                      const ae_sbatch_resources *res, const char *job_name,
                      const char *const *extra, size_t n_extra,
                      const char *script, ae_error *err);

/* The environment for sbatch: base ("NAME=value", NULL-ended, may be NULL)
 * without any SLURM_* variable but SLURM_CONF (a parent job's SLURM_JOB_ID,
 * SLURM_NTASKS... would otherwise shape the child), without the variables
 * named in drop (NULL-ended names, may be NULL), then set ("NAME=value",
 * NULL-ended, may be NULL) appended. New array of new strings (free with
 * ae_sbatch_strv_free) or NULL with err set. */
char **ae_sbatch_envp(const char *const *base, const char *const *drop,
                      const char *const *set, ae_error *err);

void ae_sbatch_strv_free(char **v);

typedef enum ae_sbatch_outcome {
	AE_SBATCH_SUBMITTED = 0,
	AE_SBATCH_TRANSIENT, /* try again later */
	AE_SBATCH_PERMANENT, /* record and give up */
} ae_sbatch_outcome;

/* Classify a finished sbatch: exit_code (-1 when it did not exit
 * normally), timed_out, its stdout and stderr. On AE_SBATCH_SUBMITTED the
 * job id from --parsable output ("123" or "123;cluster") is written to
 * job_id; an exit 0 without a job id is permanent. why receives a one-line
 * reason for a failure (may be NULL). */
ae_sbatch_outcome ae_sbatch_classify(int exit_code, int timed_out,
                                     const char *out, const char *errs,
                                     char *job_id, size_t job_id_size,
                                     char *why, size_t why_size);

/* The wait before retry number `retry` (1 for the first retry): 1 s,
 * doubling, at most 30 s. */
double ae_sbatch_backoff(unsigned retry);

#endif /* AE_SBATCH_H */
