/* ae_jobstart: what happens when an autoexp job starts, without Slurm: the
 * captured config is resolved in the job's environment, the output directory
 * is chosen, the run's lock is taken (ae_runlock), and the start is written:
 * a new run's provenance, or another start of the run already there
 * (ae_run), each start with its own files under provenance/jobs/. The SPANK
 * plugin calls it in the batch step with the user's privileges. */
#ifndef AE_JOBSTART_H
#define AE_JOBSTART_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "ae_error.h"
#include "ae_interp.h"
#include "ae_node.h"

typedef struct ae_jobstart_info {
	uid_t uid;                 /* the job user: owner of provenance */
	const char *job_id;        /* "123" */
	const char *workdir;       /* the job's working directory */
	const char *array_task_id; /* NULL unless an array task */
	const char *host;          /* the batch host, for messages; or NULL */
	ae_env_fn env;             /* the job's environment, for oc.env */
	void *env_ctx;
	const json_t *metadata; /* run_metadata fields from Slurm, borrowed */
	const char *job_script; /* the batch script, or NULL */
	size_t job_script_len;
	int umask; /* the job's umask, or -1 when unknown (ae_sharing) */
	long long start_time; /* seconds since the epoch */
} ae_jobstart_info;

typedef struct ae_jobstart_result {
	char output_dir[PATH_MAX];
	char provenance_dir[PATH_MAX]; /* the run's */
	char job_dir[PATH_MAX];        /* this start's, under jobs/ */
	char config_file[PATH_MAX];    /* this start's resolved_config.yaml */
	int prov_fd;     /* provenance directory, open; caller closes */
	int job_fd;      /* this start's directory, open; caller closes */
	int lock_fd;     /* the run's lock: the caller keeps it open until the
	                    job ends, then closes it */
	int lock_held;   /* 0 when the file system cannot lock: then err
	                    says why, also when ae_jobstart_run succeeds */
	long start;      /* this start's number in the run, from 1 */
	int want_helper; /* the config has monitoring rules to follow */
} ae_jobstart_result;

/* Run the job-start work for a capture (ae_capture JSON). On failure returns
 * -1 with err set and every fd in res -1 (closed). */
int ae_jobstart_run(const char *capture_json, const ae_jobstart_info *info,
                    ae_jobstart_result *res, ae_error *err);

/* 1 when a resolved config asks for monitoring: monitoring.class_name is not
 * NullMonitor, and log_events or state_events is a non-empty list or mapping
 * or inactivity_threshold_seconds is set (stall detection alone). */
int ae_jobstart_wants_helper(const ae_node *resolved);

/* The output directory of a resolved config: project.output_dir when set,
 * else project.base_output_dir, made absolute against workdir; "." components
 * and doubled slashes are dropped. Array tasks get no suffix: their config
 * names the task (ae_taskdir). A directory too long for the provenance
 * files under it to fit in PATH_MAX is refused, as is a NUL inside.
 * Returns 0 or -1 with err. */
int ae_jobstart_output_dir(const ae_node *resolved, const char *workdir,
                           char *buf, size_t size, ae_error *err);

#endif /* AE_JOBSTART_H */
