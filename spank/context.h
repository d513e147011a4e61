/* The plugin's state within one process (sbatch, or one slurmstepd), shared
 * by the per-context files, and the job-start messages kept for the job's
 * stderr. plugin.c dispatches each slurm_spank_* callback by spank_context()
 * to allocator.c, options.c, jobstart.c, helper_launch.c and jobend.c; they
 * all use this file, and it uses none of them. */
#ifndef AE_SPANK_CONTEXT_H
#define AE_SPANK_CONTEXT_H

#include <sys/types.h>

typedef struct ae_plugin_state {
	/* plugstack.conf arguments */
	char *helper_path; /* helper=PATH, owned */
	char *presets_dir; /* presets=DIR, owned */
	int on_error_fail; /* on_error=fail (1, default) or warn (0) */
	int log_by_stat;   /* log_follow=stat (1) or inotify (0, default) */
	int drain_wait_s;  /* drain_wait=SECONDS (default 30) */

	/* sbatch: the checked config, packed for the job (owned) */
	char *config_path; /* --autoexp-config value */
	char *capture;     /* ae_capture JSON */

	/* batch slurmstepd */
	int active;  /* this job asked for autoexp */
	int prov_fd; /* the run's provenance directory, or -1 */
	int job_fd;  /* this start's directory (provenance/jobs/...), or -1 */
	int lock_fd; /* the run's lock, held until the job ends, or -1 */
	long start;  /* this start's number in the run */
	char job_id[32];
	uid_t uid;
	gid_t gid;
	int have_exit_status;
	int exit_status;   /* wait status of the batch script */
	pid_t helper_pid;  /* autoexp-helper started for this job, or 0 */
	int helper_pidfd;  /* a pidfd of it, or -1 (no pidfds: Linux < 5.3) */
	int helper_err_fd; /* the read end of its stderr, or -1 */
	unsigned long long helper_start; /* its start time (clock ticks) */
} ae_plugin_state;

extern ae_plugin_state ae_plugin;

/* A job-start or job-end problem: logged in slurmd's log and kept for the
 * job's stderr (ae_plug_flush); with on_error=fail the batch script is then
 * not run (the job fails with exit code 1), with on_error=warn it runs.
 * Returns 0: the SPANK callback itself never fails, which would drain the
 * node. */
int ae_plug_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* REMOTE, task_init (the task's stderr is the job's by then): write the kept
 * messages to stderr; after a fatal one, end the task with exit code 1 so
 * that the batch script does not run. Returns 0 otherwise. */
int ae_plug_flush(void);

/* End of the plugin in this process: close the provenance directories and
 * the run's lock (releasing it), and free what the state owns. */
void ae_plug_clear(void);

#endif /* AE_SPANK_CONTEXT_H */
