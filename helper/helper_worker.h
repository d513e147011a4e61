/* The helper's worker: follows the job's log, matches the monitoring rules,
 * runs their actions through the engine with the journal, and drains at
 * SIGTERM. One process, one poll() loop, no threads. */
#ifndef HELPER_WORKER_H
#define HELPER_WORKER_H

#include "helper_dirs.h"

/* Exit status of a worker that cannot run with this config at all (no
 * point in restarting it). */
#define HELPER_EXIT_FATAL 3

typedef struct helper_opts {
	const char *provenance_dir; /* absolute */
	const char *config_path;    /* the resolved config (YAML) */
	const char *log_path; /* --log, or NULL: from the config/scontrol */
	const char *job_id;
	int foreground;       /* no supervisor, log to stderr too */
	int max_restarts;     /* supervisor: restarts in a row */
	double backoff_max;   /* supervisor: longest wait, seconds */
	int stat_interval_ms; /* follower's periodic check; 0: 1000 */
	int no_inotify;       /* the periodic check alone (--no-inotify) */
} helper_opts;

/* Run until the job ended and the work drained (returns 0), a failure that
 * a restart may cure (1), or HELPER_EXIT_FATAL. d holds the provenance and
 * start directories and the config, read once (helper_dirs); helper.log is
 * already open. With `draining`, the drain starts
 * at once (the supervisor was told to stop before this worker started).
 * SIGTERM/SIGINT start the drain, SIGUSR1 writes the statistics to
 * helper.log. */
int helper_worker_run(const helper_opts *o, const helper_dirs *d, int draining);

#endif /* HELPER_WORKER_H */
