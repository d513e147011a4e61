/* What the helper knows about its job, without a call to slurmctld: its
 * start's job_metadata.json (written by the plugin at job start: the ids,
 * what the job asked sbatch for, the run's start number) and this host.
 * From these, ae_joblog works out the log Slurm writes. A helper run by
 * hand, without a start directory (AUTOEXP_JOB_DIR), asks `scontrol show
 * job -o ID` instead. */
#ifndef HELPER_JOBINFO_H
#define HELPER_JOBINFO_H

#include "ae_error.h"

/* Each field names job_metadata.json's value, then scontrol's; NULL or -1
 * when unknown. */
typedef struct helper_jobinfo {
	char *job_id;        /* job_id; JobId */
	char *array_job_id;  /* array_job_id; ArrayJobId: NULL unless a task */
	char *array_task_id; /* array_task_id; ArrayTaskId */
	char *job_name;      /* job_name; JobName */
	char *user;          /* user; UserId without the "(uid)" */
	char *node;          /* this host's short name (what Slurm writes for
	                      * %N); BatchHost */
	char *workdir;       /* ae_joblog_workdir of the request; WorkDir */
	char *std_out;       /* ae_joblog_stdout of the request; StdOut: both
	                      * absolute, patterns expanded */
	int append;          /* --open-mode=append was asked; 0 from scontrol */
	int start;           /* start: the run's start number; -1 */
	int restarts;        /* -1; Restarts */
} helper_jobinfo;

/* Read job_metadata.json of the start's directory job_fd (job_dir names it
 * in errors) into ji (cleared first): the job's ids and its log and working
 * directory from the recorded request. Returns 0, or -1 with err set when
 * the file is missing or unreadable, has no job_id or no request (written
 * by an autoexp before requests were recorded), or the log path cannot be
 * worked out from it. */
int helper_jobinfo_load(int job_fd, const char *job_dir, helper_jobinfo *ji,
                        ae_error *err);

/* Parse one line of `scontrol show job -o` into ji (cleared first). A value
 * with spaces (a path, a job name) is kept whole: a new field starts only at
 * a word that looks like Key=. scontrol escapes nothing, so a job name or
 * comment " StdOut=/x" would read as a field: a key seen twice makes the
 * line untrusted. Returns 0, -1 with err set when the line has no JobId (or
 * memory ran out), -2 with err set (ji cleared) for a key seen twice. */
int helper_jobinfo_parse(const char *text, helper_jobinfo *ji, ae_error *err);

/* Run `scontrol show job -o job_id` (argv, no shell, PATH of envp) up to
 * `tries` times, 1, 2, 4... s apart while it fails (a slow controller),
 * giving up at once when scontrol cannot be run at all, or when stop_fd
 * (-1: none; a signalfd) becomes readable while waiting between tries.
 * 0 or -1 with err set. */
int helper_jobinfo_query(const char *job_id, const char *const *envp, int tries,
                         int stop_fd, helper_jobinfo *ji, ae_error *err);

/* Free ji's strings and mark everything unknown. */
void helper_jobinfo_clear(helper_jobinfo *ji);

/* Expand Slurm's filename patterns in pattern (ae_joblog_expand) with ji's
 * facts (ji may be NULL); what ji lacks comes from job_id, $USER and this
 * host's name, and %N is a short name. Returns a new string or NULL with
 * err set. */
char *helper_jobinfo_expand(const char *pattern, const helper_jobinfo *ji,
                            const char *job_id, ae_error *err);

#endif /* HELPER_JOBINFO_H */
