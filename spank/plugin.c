/* SPANK entry points. Each one only dispatches on the context; the work is in
 * allocator.c (sbatch) and remote.c (slurmstepd). A job without
 * --autoexp-config goes through every callback untouched. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <slurm/spank.h>

#include "context.h"
#include "options.h"

SPANK_PLUGIN(autoexp, 1);

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	switch (spank_context()) {
	case S_CTX_ALLOCATOR:
	case S_CTX_REMOTE:
	case S_CTX_LOCAL:
		if (ae_options_parse_args(&ae_plugin, ac, av) < 0)
			return -1;
		return ae_options_register(sp);
	default:
		return 0;
	}
}

int slurm_spank_user_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE)
		return 0;
	return ae_remote_user_init(sp);
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	ae_options_clear(&ae_plugin);
	return 0;
}
