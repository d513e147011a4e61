#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "options.h"

#include <stdlib.h>
#include <string.h>

#include "spank_api.h"

ae_plugin_state ae_plugin = { .on_error_fail = 1, .prov_fd = -1 };

/* Slurm may call an option callback more than once with the same value (the
 * command line and #SBATCH lines): keep the last value, check each time. */
static int config_option_cb(int val, const char *optarg, int remote)
{
	char *copy;

	(void)val;
	if (!optarg || !*optarg) {
		ae_spank_error("autoexp: --autoexp-config: a file name is required");
		return -1;
	}
	if (!remote && ae_allocator_check_config(optarg) < 0)
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

int ae_options_register(spank_t sp)
{
	if (spank_option_register(sp, &config_option) != ESPANK_SUCCESS) {
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

int ae_options_parse_args(ae_plugin_state *st, int ac, char **av)
{
	int i;

	for (i = 0; i < ac; i++) {
		const char *arg = av[i];
		const char *eq = strchr(arg, '=');
		size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
		const char *value = eq ? eq + 1 : "";

		if (!eq) {
			ae_spank_error("autoexp: plugstack argument '%s': expected key=value", arg);
			return -1;
		}
		if (klen == 6 && strncmp(arg, "helper", klen) == 0) {
			if (value[0] != '/') {
				ae_spank_error("autoexp: plugstack argument helper=%s: an absolute path is required", value);
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
				ae_spank_error("autoexp: plugstack argument on_error=%s: expected fail or warn", value);
				return -1;
			}
		} else {
			ae_spank_error("autoexp: unknown plugstack argument '%.*s' (known: helper, presets, on_error)",
				       (int)klen, arg);
			return -1;
		}
	}
	return 0;
}

void ae_options_clear(ae_plugin_state *st)
{
	free(st->config_path);
	free(st->helper_path);
	free(st->presets_dir);
	free(st->capture);
	st->config_path = st->helper_path = st->presets_dir = st->capture = NULL;
}
