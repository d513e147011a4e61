#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_submit.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ae_capture.h"
#include "ae_fdpath.h"
#include "ae_interp.h"
#include "ae_monitor_config.h"
#include "ae_searchpath.h"
#include "ae_yaml.h"

void ae_submit_result_clear(ae_submit_result *res)
{
	ae_node_free(res->unresolved);
	free(res->capture);
	free(res->warnings);
	memset(res, 0, sizeof(*res));
}

/* "dir/exp.yaml" -> name "exp", dir "dir" (both new strings). */
static int split_name(const char *abspath, char **name, char **dir)
{
	const char *slash = strrchr(abspath, '/');
	const char *base = slash ? slash + 1 : abspath;
	size_t len = strlen(base);

	if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
		len -= 5;
	else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
		len -= 4;
	*name = strndup(base, len);
	*dir =
	    slash ? strndup(abspath, (size_t)(slash - abspath)) : strdup(".");
	if (*dir && !**dir) {
		free(*dir);
		*dir = strdup("/");
	}
	return *name && *dir ? 0 : -1;
}

static size_t strv_len(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int ae_submit_prepare(const char *config_path, const char *const *config_dirs,
                      size_t n_config_dirs, const char *env_path,
                      const char *presets_dir, const char *const *overrides,
                      const char *timestring, const char *parent_json,
                      ae_submit_result *res, ae_error *err)
{
	ae_searchpath *sp = NULL;
	ae_compose_opts copts = {0};
	ae_resolve_opts ropts = {0};
	ae_capture cap = {0};
	const char *const *dirs;
	char abspath[PATH_MAX];
	const char *read_path = abspath;
	char *name = NULL, *dir = NULL, *shown = NULL;
	char **search = NULL;
	size_t n_dirs, i;
	int rv = -1;

	memset(res, 0, sizeof(*res));
	if (ae_fdpath_is(config_path)) {
		/* a file in a directory the caller holds open (a cooldown, a
		 * resubmission: ae_fdpath.h) is read as given: its real path
		 * would be looked up again by name. That path is recorded. */
		read_path = config_path;
		if (!(shown = ae_fdpath_display(config_path)))
			return ae_error_set(err, config_path, 0, 0, NULL,
			                    "out of memory");
		snprintf(abspath, sizeof(abspath), "%s", shown);
		free(shown);
	} else if (!realpath(config_path, abspath)) {
		return ae_error_set(err, config_path, 0, 0, NULL,
		                    "cannot resolve the path of the config");
	}
	if (split_name(abspath, &name, &dir) < 0) {
		ae_error_set(err, config_path, 0, 0, NULL, "out of memory");
		goto out;
	}
	sp = ae_searchpath_build(config_dirs, n_config_dirs, env_path,
	                         presets_dir, err);
	if (!sp)
		goto out;
	dirs = ae_searchpath_dirs(sp, &n_dirs);
	copts.search_path = dirs;
	copts.n_search_path = n_dirs;
	copts.overrides = overrides;
	copts.n_overrides = strv_len(overrides);
	copts.warnings = &res->warnings;
	copts.n_warnings = &res->n_warnings;
	res->unresolved = ae_compose_file(read_path, &copts, err);
	if (!res->unresolved)
		goto out;

	if (timestring)
		snprintf(res->timestring, sizeof(res->timestring), "%s",
		         timestring);
	else
		ae_interp_timestring_now(res->timestring,
		                         sizeof(res->timestring));
	ropts.timestring = res->timestring;
	ropts.defer_env = 1;
	if (ae_interp_check(res->unresolved, &ropts, err) < 0)
		goto out;
	if (ae_monitor_config_check_root(res->unresolved, 1, err) < 0)
		goto out;

	search = calloc(n_dirs + 1, sizeof(*search));
	if (!search) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n_dirs; i++)
		search[i] = (char *)dirs[i];
	cap.config_path = abspath;
	cap.config_name = name;
	cap.config_dir = dir;
	cap.search_path = search;
	cap.overrides =
	    (char **)(overrides ? overrides : (const char *const[]){NULL});
	cap.timestring = res->timestring;
	cap.submit_time = (long long)time(NULL);
	cap.parent = (char *)parent_json;
	cap.unresolved = ae_yaml_emit(res->unresolved, err);
	if (!cap.unresolved)
		goto out;
	res->capture = ae_capture_encode(&cap, err);
	if (!res->capture)
		goto out;
	rv = 0;
out:
	free(cap.unresolved);
	free(search);
	free(name);
	free(dir);
	ae_searchpath_free(sp);
	if (rv < 0) {
		ae_submit_result_clear(res);
		/* an error names the file by its real path */
		if (err && ae_fdpath_is(err->file) &&
		    (shown = ae_fdpath_display(err->file))) {
			snprintf(err->file, sizeof(err->file), "%s", shown);
			free(shown);
		}
	}
	return rv;
}
