/* SPANK entry points. Each one only dispatches on the context; the work is in
 * allocator.c (sbatch), jobstart.c and jobend.c (slurmstepd). A job without
 * --autoexp-config goes through every callback untouched. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <slurm/spank.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "options.h"

SPANK_PLUGIN(autoexp, 1);

/* Job-start problems for the job's stderr, written from task_init (the
 * task's stderr is the job's by then). Failing a SPANK callback in slurmstepd
 * would drain the node for what is the user's problem (say, an unwritable
 * output directory), so a fatal problem fails the job's task instead. */
static char pending_messages[4096];
static int pending_fail;

int ae_fail(const char *fmt, ...)
{
	char msg[2048];
	size_t used;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	slurm_error("%s", msg);
	used = strlen(pending_messages);
	snprintf(pending_messages + used, sizeof(pending_messages) - used,
		 "%s%s\n", msg,
		 ae_plugin.on_error_fail ? "" :
					   " (on_error=warn: the job goes on)");
	if (ae_plugin.on_error_fail)
		pending_fail = 1;
	return 0;
}

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	switch (spank_context()) {
	case S_CTX_ALLOCATOR:
	case S_CTX_LOCAL:
		ae_options_forget_inherited();
		/* fall through */
	case S_CTX_REMOTE:
		ae_plugin.prov_fd = -1;
		if (ae_options_parse_args(&ae_plugin, ac, av) < 0)
			return -1;
		return ae_options_register(sp);
	default:
		return 0;
	}
}

int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (spank_context() == S_CTX_ALLOCATOR)
		return ae_allocator_post_opt(sp);
	return 0;
}

int slurm_spank_user_init(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE)
		return 0;
	return ae_jobstart(sp);
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	size_t len = strlen(pending_messages);

	(void)sp;
	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE || len == 0)
		return 0;
	if (write(STDERR_FILENO, pending_messages, len) < 0)
		len = 0; /* nowhere else to say it: slurmd's log has it */
	if (pending_fail)
		_exit(1); /* the batch script does not run: the job fails */
	return 0;
}

int slurm_spank_task_exit(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE)
		return 0;
	return ae_jobend_task_exit(sp);
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	int rv = 0;

	(void)ac;
	(void)av;
	if (spank_context() == S_CTX_REMOTE)
		rv = ae_jobend(sp);
	if (ae_plugin.prov_fd >= 0)
		close(ae_plugin.prov_fd);
	ae_plugin.prov_fd = -1;
	ae_options_clear(&ae_plugin);
	return rv;
}
