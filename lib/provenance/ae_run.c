#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_run.h"

#include <stdio.h>
#include <string.h>

#include "ae_sha256.h"

void ae_run_key(const char *unresolved, char key[65])
{
	ae_sha256_hex(unresolved, strlen(unresolved), key);
}

int ae_run_admit(const json_t *meta, const char *key, const char *job_id,
                 const char *prov_dir, ae_error *err)
{
	const json_t *run = json_object_get(meta, "run");
	const char *run_id = json_string_value(json_object_get(run, "id"));
	const char *run_key =
	    json_string_value(json_object_get(run, "config_sha256"));
	const char *owner = json_string_value(json_object_get(meta, "job_id"));

	if (!meta)
		return 0;
	if (run_key && strcmp(run_key, key) == 0)
		return 1;
	if (!run && owner && job_id && strcmp(owner, job_id) == 0)
		return 1; /* requeued across an upgrade of autoexp */
	return ae_error_set(
	    err, prov_dir, 0, 0, "project.base_output_dir",
	    "this directory holds run %.32s (first job %.32s) of another "
	    "config; a job of another run does not start in it: give this "
	    "run a directory of its own (project.base_output_dir or "
	    "project.output_dir, e.g. with ${oc.timestring:} in it), or "
	    "continue that run with its own config",
	    run_id  ? run_id
	    : owner ? owner
	            : "?",
	    owner ? owner : "?");
}

long ae_run_next_start(const json_t *meta)
{
	return 1 + (long)json_array_size(json_object_get(meta, "starts"));
}

int ae_run_start_name(const char *job_id, long start, int again, char *buf,
                      size_t size, ae_error *err)
{
	size_t n = job_id ? strspn(job_id, "0123456789") : 0;
	int w;

	if (n == 0 || n > 20 || job_id[n])
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "the job id '%.32s' is not a number",
		                    job_id ? job_id : "");
	if (again)
		w = snprintf(buf, size, "%s_start%ld", job_id, start);
	else
		w = snprintf(buf, size, "%s", job_id);
	if (w < 0 || (size_t)w >= size)
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "start name too long");
	return 0;
}
