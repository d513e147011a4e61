#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_vars.h"

#include <limits.h>
#include <stdio.h>

#include "ae_jobstart.h"

/* Adds key = value unless value is unknown. 0 or -1 (memory). */
static int set_str(ae_node *vars, const char *key, const char *value)
{
	ae_node *v;

	if (!value)
		return 0;
	v = ae_node_new_string(value);
	return v ? ae_map_set(vars, key, v) : -1; /* v is taken */
}

ae_node *ae_vars_new(const ae_node *config, const ae_vars_job *job,
                     ae_error *err)
{
	char dir[PATH_MAX], prov[PATH_MAX + 16];
	const char *workdir = job->workdir ? job->workdir : ".";
	const char *out = job->output_dir;
	ae_node *vars = ae_node_new_map(), *att = NULL;
	ae_error ignored;
	int rc;

	if (!vars)
		goto nomem;
	if (!out) {
		/* a config without a project output directory: the workdir */
		if (!config ||
		    ae_jobstart_output_dir(config, workdir, dir, sizeof(dir),
		                           &ignored) < 0)
			snprintf(dir, sizeof(dir), "%s", workdir);
		out = dir;
	}
	snprintf(prov, sizeof(prov), "%s/provenance", out);
	att = ae_node_new_int(job->attempt > 0 ? job->attempt : 1);
	if (!att)
		goto nomem;
	if (set_str(vars, "output_dir", out) < 0 ||
	    set_str(vars, "provenance_dir",
	            job->provenance_dir ? job->provenance_dir : prov) < 0 ||
	    set_str(vars, "job_id", job->job_id) < 0 ||
	    set_str(vars, "job_name", job->job_name) < 0 ||
	    set_str(vars, "user", job->user) < 0 ||
	    set_str(vars, "node", job->node) < 0 ||
	    set_str(vars, "array_job_id", job->array_job_id) < 0 ||
	    set_str(vars, "array_task_id", job->array_task_id) < 0)
		goto nomem;
	rc = ae_map_set(vars, "attempt", att);
	att = NULL; /* taken, also on failure */
	if (rc < 0 || set_str(vars, "log_path", job->log_path) < 0)
		goto nomem;
	return vars;
nomem:
	ae_node_free(att);
	ae_node_free(vars);
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return NULL;
}
