/* What the helper knows about its job: `scontrol show job -o ID` parsed,
 * and Slurm's filename patterns (%j %A %a %x %u %N %%) expanded with it. */
#ifndef HELPER_JOBINFO_H
#define HELPER_JOBINFO_H

#include "ae_error.h"

typedef struct helper_jobinfo {
	char *job_id;        /* JobId */
	char *array_job_id;  /* ArrayJobId, NULL unless an array task */
	char *array_task_id; /* ArrayTaskId, NULL unless an array task */
	char *job_name;      /* JobName */
	char *user;          /* UserId without the "(uid)" */
	char *node;          /* BatchHost */
	char *workdir;       /* WorkDir */
	char *std_out;       /* StdOut, patterns already expanded by Slurm */
	int restarts;        /* Restarts, -1 when unknown */
} helper_jobinfo;

/* Parse one line of `scontrol show job -o` into ji (cleared first). A value
 * with spaces (a path, a job name) is kept whole: a new field starts only at
 * a word that looks like Key=. Returns 0, or -1 with err set when the line
 * has no JobId (or memory ran out). */
int helper_jobinfo_parse(const char *text, helper_jobinfo *ji, ae_error *err);

/* Run `scontrol show job -o job_id` (argv, no shell, PATH of envp) up to
 * `tries` times, 1, 2, 4... s apart while it fails (a slow controller),
 * giving up at once when scontrol cannot be run at all, or when stop_fd
 * (-1: none; a signalfd) becomes readable while waiting between tries.
 * 0 or -1 with err set. */
int helper_jobinfo_query(const char *job_id, const char *const *envp, int tries,
                         int stop_fd, helper_jobinfo *ji, ae_error *err);

void helper_jobinfo_clear(helper_jobinfo *ji);

/* Expand Slurm's filename patterns in pattern: %j job id, %A array job id
 * (the job id when not an array), %a array task id (4294967294 when not an
 * array, as Slurm writes), %x job name, %u user, %N node (short name), %n
 * and %t 0, %s "batch", %% a percent; a width (%4j) zero-pads. Other %
 * sequences are kept. Missing values come from fallbacks: job_id, USER,
 * the host name. Returns a new string or NULL with err set. */
char *helper_jobinfo_expand(const char *pattern, const helper_jobinfo *ji,
                            const char *job_id, ae_error *err);

#endif /* HELPER_JOBINFO_H */
