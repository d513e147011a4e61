#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_resubmit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_capture.h"
#include "ae_cooldown.h"
#include "ae_fdpath.h"
#include "ae_provenance.h"
#include "ae_sbatch.h"
#include "ae_spawn.h"

/* "--exclude=a,b", or NULL when there is nothing to exclude (or no
 * memory: *nomem set). */
static char *exclude_option(const json_t *exclude, int *nomem)
{
	size_t i, len = sizeof("--exclude=");
	json_t *v;
	char *s;

	*nomem = 0;
	if (!json_array_size(exclude))
		return NULL;
	json_array_foreach(exclude, i, v) len +=
	    strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
	if (!(s = malloc(len))) {
		*nomem = 1;
		return NULL;
	}
	strcpy(s, "--exclude=");
	json_array_foreach(exclude, i, v)
	{
		if (i)
			strcat(s, ",");
		strcat(s, json_string_value(v) ? json_string_value(v) : "");
	}
	return s;
}

int ae_resubmit_command(const char *sbatch, const json_t *run_meta,
                        const char *job_id, const json_t *exclude,
                        const char *const *base_env, char ***argv, char ***envp,
                        ae_error *err)
{
	const char *ts =
	    json_string_value(json_object_get(run_meta, "timestring"));
	const json_t *req = json_object_get(run_meta, "request");
	const char *drop[] = {AE_COOLDOWN_TIMESTRING_ENV, NULL};
	char config[64], script[64];
	char *dep = NULL, *exc = NULL;
	char ts_var[64];
	const char *set[] = {ts_var, NULL};
	const char *extra[2];
	ae_sbatch_resources res;
	size_t n_extra = 0;
	int nomem = 0, rc = -1;

	*argv = *envp = NULL;
	if (!json_is_object(run_meta))
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "the run's record (" AE_PROV_METADATA
		                    ") cannot be read");
	if (!ae_capture_timestring_ok(ts))
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "the run's record has no timestring: a new "
		                    "job could not find the run's directory");
	if (json_string_value(json_object_get(run_meta, "array_task_id")))
		return ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "an array task cannot be resubmitted as a "
		    "plain job (its directories name the task): "
		    "use mode requeue");
	if (json_is_true(json_object_get(req, "heterogeneous")))
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "a heterogeneous job cannot be resubmitted "
		                    "(only its first component's options are "
		                    "recorded): use mode requeue");
	if (!job_id || !*job_id ||
	    strspn(job_id, "0123456789") != strlen(job_id))
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "the job id is not known");
	snprintf(ts_var, sizeof(ts_var), "%s=%s", AE_COOLDOWN_TIMESTRING_ENV,
	         ts);
	ae_fdpath_format(config, sizeof(config), AE_SPAWN_CHILD_DIRFD,
	                 AE_PROV_UNRESOLVED_YAML);
	ae_fdpath_format(script, sizeof(script), AE_SPAWN_CHILD_DIRFD,
	                 AE_PROV_JOB_SCRIPT);
	if (asprintf(&dep, "--dependency=afterany:%s", job_id) < 0) {
		dep = NULL;
		goto nomem;
	}
	extra[n_extra++] = dep;
	if ((exc = exclude_option(exclude, &nomem)))
		extra[n_extra++] = exc;
	else if (nomem)
		goto nomem;
	ae_sbatch_resources_from_metadata(run_meta, &res);
	*argv = ae_sbatch_argv(sbatch, config, &res, res.job_name, extra,
	                       n_extra, script, err);
	if (!*argv)
		goto out;
	*envp = ae_sbatch_envp(base_env, drop, set, err);
	if (!*envp) {
		ae_sbatch_strv_free(*argv);
		*argv = NULL;
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	free(dep);
	free(exc);
	return rc;
}
