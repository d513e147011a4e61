/* The plugin's only way to talk to Slurm besides the option table and
 * plugin.c's entry points: thin wrappers, so that the logic can be
 * unit-tested with stubs of these. */
#ifndef AE_SPANK_API_H
#define AE_SPANK_API_H

#include <stddef.h>
#include <sys/types.h>

#include <slurm/spank.h>

/* Messages (slurm_error / slurm_info / slurm_debug). */
void ae_spank_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ae_spank_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ae_spank_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The context this process runs the plugin in (spank_context()). */
spank_context_t ae_spank_context(void);

/* Register a plugin option (the table stays the caller's). Returns 0 or -1. */
int ae_spank_option_register(spank_t sp, struct spank_option *opt);

/* The Slurm version the plugin was built for, "MAJOR.MM.MICRO", into buf. */
void ae_spank_slurm_version(char *buf, size_t size);

/* sbatch: set a variable in the job's control environment, which reaches the
 * job's steps as SLURM_SPANK_<name>. Returns 0 or -1. */
int ae_spank_control_setenv(spank_t sp, const char *name, const char *value);

/* The job user's ids. Returns 0 or -1. */
int ae_spank_job_ids(spank_t sp, uid_t *uid, gid_t *gid);

/* The job id, as decimal text into buf. 0 or -1. */
int ae_spank_job_id(spank_t sp, char *buf, size_t size);

/* The job's environment (Slurm's array, not to be freed). Returns 0 or -1. */
int ae_spank_job_env(spank_t sp, char ***env);

/* The step's argv[0] (for the batch step, the path of the script as it runs;
 * Slurm's string), or NULL. */
const char *ae_spank_job_argv0(spank_t sp);

/* 1 when sp is the batch step of a job (not an srun step, not extern). */
int ae_spank_is_batch_step(spank_t sp);

/* Set a variable in the job's environment. Returns 0 or -1. */
int ae_spank_setenv(spank_t sp, const char *name, const char *value);

/* A job environment variable as a new string (caller frees), or NULL. */
char *ae_spank_getenv_dup(spank_t sp, const char *name);

/* Remove the captured config's variables from the job's environment: the
 * job's processes need not carry them. */
void ae_spank_unset_capture(spank_t sp);

/* The batch script's wait status from task_exit. Returns 0 or -1. */
int ae_spank_task_exit_status(spank_t sp, int *status);

#endif /* AE_SPANK_API_H */
