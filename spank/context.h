/* Per-context entry points of the plugin and the state they share within one
 * process (sbatch, or one slurmstepd). plugin.c dispatches each slurm_spank_*
 * callback here by spank_context(). */
#ifndef AE_SPANK_CONTEXT_H
#define AE_SPANK_CONTEXT_H

#include <slurm/spank.h>
#include <sys/types.h>

typedef struct ae_plugin_state {
	/* plugstack.conf arguments */
	char *helper_path;  /* helper=PATH, owned */
	char *presets_dir;  /* presets=DIR, owned */
	int on_error_fail;  /* on_error=fail (1, default) or warn (0) */

	/* sbatch: the checked config, packed for the job (owned) */
	char *config_path;  /* --autoexp-config value */
	char *capture;      /* ae_capture JSON */

	/* batch slurmstepd */
	int active;         /* this job asked for autoexp */
	int prov_fd;        /* provenance directory, or -1 */
	uid_t uid;
	gid_t gid;
	int have_exit_status;
	int exit_status;    /* wait status of the batch script */
	pid_t helper_pid;   /* autoexp-helper started for this job, or 0 */
	unsigned long long helper_start; /* its start time (clock ticks) */
} ae_plugin_state;

extern ae_plugin_state ae_plugin;

/* ALLOCATOR (sbatch, as the user): load, compose and check the config named
 * by --autoexp-config and keep its capture. 0 accepts, -1 refuses (message
 * printed). */
int ae_allocator_check_config(const char *path);
/* ALLOCATOR, after all options: hand the capture to Slurm with the job. */
int ae_allocator_post_opt(spank_t sp);

/* REMOTE, batch step, user_init (euid = the job user): resolve the captured
 * config, write provenance, export AUTOEXP_* to the job. */
int ae_jobstart(spank_t sp);

/* REMOTE, user_init: start autoexp-helper as the job user, detached from
 * the step, in workdir (the job's working directory, against which the job
 * and Megatron resolve relative paths; output_dir when NULL or not
 * reachable); record its pid in provenance. */
int ae_helper_launch(spank_t sp, const char *workdir, const char *output_dir,
		     const char *provenance_dir, const char *config_file,
		     const char *job_id, char **job_env);
/* REMOTE, exit (root): SIGTERM to the helper, if it is still ours. */
void ae_helper_stop(void);

/* REMOTE, task_exit (root): remember the batch script's wait status. */
int ae_jobend_task_exit(spank_t sp);
/* REMOTE, exit (root): record how the job ended, as the user. */
int ae_jobend(spank_t sp);

/* A job-start or job-end problem: logged in slurmd's log and written to the
 * job's stderr; with on_error=fail the batch script is then not run (the job
 * fails with exit code 1), with on_error=warn it runs. Returns 0: the SPANK
 * callback itself never fails, which would drain the node. */
int ae_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* AE_SPANK_CONTEXT_H */
