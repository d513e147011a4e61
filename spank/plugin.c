/* SPANK entry points. Each one only dispatches on the context; the work is in
 * options.c (every context), allocator.c (sbatch), jobstart.c,
 * helper_launch.c and jobend.c (slurmstepd), and their shared state in
 * context.c. A job without --autoexp-config goes through every callback
 * untouched. A callback that fails in slurmstepd would drain the node, so
 * the REMOTE ones report the job's problems through ae_plug_fail and return
 * 0. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <slurm/spank.h>

#include "allocator.h"
#include "context.h"
#include "jobend.h"
#include "jobstart.h"
#include "options.h"

SPANK_PLUGIN(autoexp, 1);

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	switch (spank_context()) {
	case S_CTX_ALLOCATOR:
	case S_CTX_LOCAL:
		ae_plug_options_forget_inherited();
		/* fall through */
	case S_CTX_REMOTE:
		return ae_plug_options_init(sp, ac, av);
	default:
		return 0;
	}
}

int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	switch (spank_context()) {
	case S_CTX_ALLOCATOR:
		return ae_plug_allocator_post_opt(sp);
	default:
		return 0;
	}
}

int slurm_spank_user_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	switch (spank_context()) {
	case S_CTX_REMOTE:
		return ae_plug_jobstart(sp);
	default:
		return 0;
	}
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	switch (spank_context()) {
	case S_CTX_REMOTE:
		return ae_plug_flush();
	default:
		return 0;
	}
}

int slurm_spank_task_exit(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	switch (spank_context()) {
	case S_CTX_REMOTE:
		return ae_plug_jobend_task_exit(sp);
	default:
		return 0;
	}
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	int rv = 0;

	(void)sp;
	(void)ac;
	(void)av;
	switch (spank_context()) {
	case S_CTX_REMOTE:
		rv = ae_plug_jobend_exit();
		break;
	default:
		break;
	}
	ae_plug_clear();
	return rv;
}
