/* The plugin's only way to talk to Slurm besides the option table: thin
 * wrappers, so that the logic can be unit-tested with stubs of these. */
#ifndef AE_SPANK_API_H
#define AE_SPANK_API_H

#include <slurm/spank.h>

/* Messages (slurm_error / slurm_verbose / slurm_debug). */
void ae_spank_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ae_spank_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
