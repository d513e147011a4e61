/* Per-context entry points of the plugin and the state they share.
 * plugin.c dispatches each slurm_spank_* callback here by spank_context(). */
#ifndef AE_SPANK_CONTEXT_H
#define AE_SPANK_CONTEXT_H

#include <slurm/spank.h>

/* Plugin-wide state for one process (sbatch, or one slurmstepd). */
typedef struct ae_plugin_state {
	char *config_path;  /* --autoexp-config value, owned; NULL when unset */
	char *helper_path;  /* plugstack helper=PATH, owned */
	char *presets_dir;  /* plugstack presets=DIR, owned */
	int on_error_fail;  /* plugstack on_error=fail (1) or warn (0) */
} ae_plugin_state;

extern ae_plugin_state ae_plugin;

/* ALLOCATOR (sbatch): check the config named by --autoexp-config. Returns 0
 * to accept the submission or -1 to refuse it (message already printed). */
int ae_allocator_check_config(const char *path);

/* REMOTE (slurmstepd), batch step, as the job user: job-start work. */
int ae_remote_user_init(spank_t sp);

#endif /* AE_SPANK_CONTEXT_H */
