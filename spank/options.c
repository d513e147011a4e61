#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "context.h"
#include "spank_api.h"

/* salloc and sbatch share the ALLOCATOR context; only the program's name
 * tells them apart. */
static int is_salloc(void)
{
	return strcmp(program_invocation_short_name, "salloc") == 0;
}

/* Where the option is given decides what it means:
 * - sbatch: check and capture the config (the one place a file is read);
 * - srun inside a job (SLURM_JOB_ID set): accepted and ignored. srun
 *   inherits the option from the batch step's environment, but the job's
 *   config was frozen at sbatch: a step must never read or check the file
 *   again (it may have been moved, or be relative to another directory);
 * - srun outside a job and salloc: refused, since neither has a batch step
 *   to run autoexp in.
 * Slurm may call the callback more than once with the same value (the
 * command line and #SBATCH lines): keep the last value, check each time. */
static int config_option_cb(int val, const char *optarg, int remote)
{
	char *copy;

	(void)val;
	if (!optarg || !*optarg) {
		ae_spank_error(
		    "autoexp: --autoexp-config: a file name is required");
		return -1;
	}
	if (!remote && ae_spank_context() == S_CTX_LOCAL) {
		if (getenv("SLURM_JOB_ID"))
			return 0;
		ae_spank_error("autoexp: --autoexp-config: srun outside a job "
		               "has no batch step to run autoexp in; submit "
		               "the job with sbatch --autoexp-config=%s",
		               optarg);
		return -1;
	}
	if (!remote && is_salloc()) {
		ae_spank_error("autoexp: --autoexp-config: salloc allocations "
		               "have no batch step to run autoexp in; submit "
		               "the job with sbatch --autoexp-config=%s",
		               optarg);
		return -1;
	}
	if (!remote && ae_plug_allocator_check_config(optarg) < 0)
		return -1;
	copy = strdup(optarg);
	if (!copy)
		return -1;
	free(ae_plugin.config_path);
	ae_plugin.config_path = copy;
	return 0;
}

static struct spank_option config_option = {
    .name = "autoexp-config",
    .arginfo = "FILE",
    .usage = "Run the job under autoexp with the experiment config FILE "
             "(validated now, provenance written at job start)",
    .has_arg = 1,
    .val = 0,
    .cb = config_option_cb,
};

/* Slurm's name for the environment form of plugin options:
 * SLURM_SPANK__SLURM_SPANK_OPTION_<plugin>_<option>, '-' becoming '_'. */
#define AE_OPTION_ENV "SLURM_SPANK__SLURM_SPANK_OPTION_autoexp_autoexp_config"

void ae_plug_options_forget_inherited(void)
{
	unsetenv(AE_OPTION_ENV);
}

int ae_plug_options_init(spank_t sp, int ac, char **av)
{
	ae_plugin.prov_fd = ae_plugin.job_fd = ae_plugin.lock_fd = -1;
	if (ae_plug_options_parse_args(&ae_plugin, ac, av) < 0)
		return -1;
	if (ae_spank_option_register(sp, &config_option) < 0) {
		ae_spank_error("autoexp: cannot register --autoexp-config");
		return -1;
	}
	return 0;
}

static int set_string(char **dst, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int ae_plug_options_parse_args(ae_plugin_state *st, int ac, char **av)
{
	int i;

	for (i = 0; i < ac; i++) {
		const char *arg = av[i];
		const char *eq = strchr(arg, '=');
		size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
		const char *value = eq ? eq + 1 : "";

		if (!eq) {
			ae_spank_error("autoexp: plugstack argument '%s': "
			               "expected key=value",
			               arg);
			return -1;
		}
		if (klen == 6 && strncmp(arg, "helper", klen) == 0) {
			if (value[0] != '/') {
				ae_spank_error(
				    "autoexp: plugstack argument helper=%s: an "
				    "absolute path is required",
				    value);
				return -1;
			}
			if (set_string(&st->helper_path, value) < 0)
				return -1;
		} else if (klen == 7 && strncmp(arg, "presets", klen) == 0) {
			if (set_string(&st->presets_dir, value) < 0)
				return -1;
		} else if (klen == 8 && strncmp(arg, "on_error", klen) == 0) {
			if (strcmp(value, "fail") == 0)
				st->on_error_fail = 1;
			else if (strcmp(value, "warn") == 0)
				st->on_error_fail = 0;
			else {
				ae_spank_error(
				    "autoexp: plugstack argument on_error=%s: "
				    "expected fail or warn",
				    value);
				return -1;
			}
		} else if (klen == 10 &&
		           strncmp(arg, "log_follow", klen) == 0) {
			/* stat: for file systems where the job's log is
			 * written from other nodes and inotify sees none of it
			 * (NFS, Lustre); the check is there either way */
			if (strcmp(value, "inotify") == 0)
				st->log_by_stat = 0;
			else if (strcmp(value, "stat") == 0)
				st->log_by_stat = 1;
			else {
				ae_spank_error("autoexp: plugstack argument "
				               "log_follow=%s: "
				               "expected inotify or stat",
				               value);
				return -1;
			}
		} else if (klen == 10 &&
		           strncmp(arg, "drain_wait", klen) == 0) {
			char *end;
			long v;

			errno = 0;
			v = strtol(value, &end, 10);
			if (errno || end == value || *end || v < 0 ||
			    v > 3600) {
				ae_spank_error("autoexp: plugstack argument "
				               "drain_wait=%s: "
				               "expected seconds, 0 to 3600",
				               value);
				return -1;
			}
			st->drain_wait_s = (int)v;
		} else {
			ae_spank_error(
			    "autoexp: unknown plugstack argument '%.*s' "
			    "(known: helper, presets, on_error, log_follow, "
			    "drain_wait)",
			    (int)klen, arg);
			return -1;
		}
	}
	return 0;
}
