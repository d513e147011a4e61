#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_jobstart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_capture.h"
#include "ae_request.h"
#include "ae_fsutil.h"
#include "ae_json.h"
#include "ae_provenance.h"
#include "ae_safedir.h"
#include "ae_yaml.h"

static const char *string_at(const ae_node *root, const char *section,
                             const char *key)
{
	const ae_node *s = ae_map_get(root, section);
	const ae_node *v = s && s->type == AE_MAP ? ae_map_get(s, key) : NULL;

	return v && v->type == AE_STRING && v->u.str.len > 0 ? v->u.str.s
	                                                     : NULL;
}

int ae_jobstart_wants_helper(const ae_node *resolved)
{
	const ae_node *mon = ae_map_get(resolved, "monitoring");
	const ae_node *events, *cls;

	if (!mon || mon->type != AE_MAP)
		return 0;
	cls = ae_map_get(mon, "class_name");
	if (cls && cls->type == AE_STRING &&
	    strcmp(cls->u.str.s, "NullMonitor") == 0)
		return 0;
	events = ae_map_get(mon, "log_events");
	return events && (ae_map_size(events) > 0 || ae_seq_size(events) > 0);
}

/* Drop "." components and doubled slashes from an absolute path, in place:
 * "./output" against the working directory reads as WORKDIR/output in logs
 * and provenance. ".." stays: removing it lexically could change the meaning
 * through a symlink. */
static void drop_dot_segments(char *path)
{
	char *r = path, *w = path;

	while (*r) {
		if (r[0] == '/' &&
		    (r[1] == '/' || (r[1] == '.' && (r[2] == '/' || !r[2])))) {
			r += r[1] == '/' ? 1 : 2;
			continue;
		}
		*w++ = *r++;
	}
	if (w > path + 1 && w[-1] == '/')
		w--;
	if (w == path)
		*w++ = '/';
	*w = '\0';
}

int ae_jobstart_output_dir(const ae_node *resolved, const char *workdir,
                           const char *array_task_id, char *buf, size_t size,
                           ae_error *err)
{
	const char *dir = string_at(resolved, "project", "output_dir");
	int n;

	if (!dir)
		dir = string_at(resolved, "project", "base_output_dir");
	if (!dir)
		return ae_error_set(
		    err, NULL, 0, 0, "project.base_output_dir",
		    "no output directory: set project.base_output_dir (or "
		    "project.output_dir) to a non-empty string");
	if (dir[0] == '/')
		n = snprintf(buf, size, "%s", dir);
	else if (workdir && workdir[0] == '/')
		n = snprintf(buf, size, "%s/%s", workdir, dir);
	else
		return ae_error_set(err, NULL, 0, 0, "project.base_output_dir",
		                    "relative output directory '%s' and no "
		                    "absolute working directory to place it in",
		                    dir);
	if (n >= 0 && (size_t)n < size && array_task_id && *array_task_id)
		n += snprintf(buf + n, size - (size_t)n, "/array_task_%s",
		              array_task_id);
	if (n < 0 || (size_t)n >= size)
		return ae_error_set(err, NULL, 0, 0, "project.base_output_dir",
		                    "output directory path is too long");
	drop_dot_segments(buf);
	return 0;
}

/* The previous run's provenance, left by another job in the same output
 * directory, is kept under provenance.<its job id>: nothing is lost and the
 * canonical place holds the current job. Returns 0 when the directory is free
 * for this job, 1 when this job already wrote there (a restart), -1 on error.
 */
static int claim_provenance(int outfd, const char *outdir,
                            const ae_jobstart_info *info, ae_error *err)
{
	ae_error rerr;
	json_t *meta;
	const char *owner;
	char aside[128];
	int fd, rv = 0;

	fd = ae_safedir_openat(outfd, "provenance", outdir, info->uid, 0, 1,
	                       &rerr);
	if (fd < 0)
		return 0; /* absent (or unusable: the create step reports it) */
	meta = ae_provenance_read_json(fd, AE_PROV_METADATA, &rerr);
	close(fd);
	if (!meta)
		return 0;
	owner = json_string_value(json_object_get(meta, "job_id"));
	if (owner && info->job_id && strcmp(owner, info->job_id) == 0) {
		rv = 1;
	} else {
		/* renameat2(RENAME_NOREPLACE) would be atomic, but is not on
		 * every filesystem that holds output directories (NFS): probe.
		 */
		int i;

		for (i = 0; i < 1000; i++) {
			struct stat st;

			if (i == 0)
				snprintf(aside, sizeof(aside),
				         "provenance.%.100s",
				         owner ? owner : "previous");
			else
				snprintf(aside, sizeof(aside),
				         "provenance.%.100s.%d",
				         owner ? owner : "previous", i);
			if (fstatat(outfd, aside, &st, AT_SYMLINK_NOFOLLOW) < 0)
				break;
		}
		if (renameat(outfd, "provenance", outfd, aside) < 0) {
			rv = ae_error_set(err, outdir, 0, 0, NULL,
			                  "cannot move the earlier provenance "
			                  "aside to %s: %s",
			                  aside, strerror(errno));
		}
	}
	json_decref(meta);
	return rv;
}

/* What the job asked Slurm for: sbatch's options from the capture and the
 * #SBATCH lines of the script it runs; null for a capture without it. */
static json_t *job_request(const ae_jobstart_info *info, const ae_capture *cap)
{
	json_t *req = cap->request ? json_loads(cap->request, 0, NULL) : NULL;

	if (!json_is_object(req)) {
		json_decref(req);
		return json_null();
	}
	if (info->job_script)
		json_object_set_new(req, "directives",
		                    ae_request_directives(info->job_script));
	return req;
}

static json_t *first_metadata(const ae_jobstart_info *info,
                              const ae_jobstart_result *res,
                              const ae_capture *cap, const ae_node *resolved,
                              const ae_provenance_digests *digests)
{
	json_t *meta =
	    info->metadata ? json_deep_copy(info->metadata) : json_object();

	if (!meta)
		return NULL;
	if (info->job_id && !json_object_get(meta, "job_id"))
		json_object_set_new(meta, "job_id", json_string(info->job_id));
	json_object_set_new(meta, "autoexp_version",
	                    json_string(PACKAGE_VERSION));
	json_object_set_new(meta, "output_dir", json_string(res->output_dir));
	json_object_set_new(meta, "provenance_dir",
	                    json_string(res->provenance_dir));
	json_object_set_new(meta, "config_path",
	                    ae_json_string_or_null(cap->config_path));
	json_object_set_new(meta, "submit_time",
	                    json_integer(cap->submit_time));
	json_object_set_new(meta, "start_time", json_integer(info->start_time));
	json_object_set_new(meta, "timestring", json_string(cap->timestring));
	json_object_set_new(meta, "config_sha256",
	                    json_pack("{s:s, s:s}", "resolved",
	                              digests->resolved, "unresolved",
	                              digests->unresolved));
	if (cap->parent) {
		json_t *parent = json_loads(cap->parent, 0, NULL);

		json_object_set_new(meta, "parent",
		                    parent ? parent : json_null());
	} else {
		/* a cooldown's config carries its parent (ae_cooldown) */
		const ae_node *ae = ae_map_get(resolved, "autoexp");
		const ae_node *parent = ae ? ae_map_get(ae, "parent") : NULL;
		json_t *pj = parent ? ae_json_from_node(parent, NULL) : NULL;

		json_object_set_new(meta, "parent", pj ? pj : json_null());
	}
	json_object_set_new(meta, "request", job_request(info, cap));
	json_object_set_new(meta, "restarts", json_array());
	return meta;
}

int ae_jobstart_run(const char *capture_json, const ae_jobstart_info *info,
                    ae_jobstart_result *res, ae_error *err)
{
	ae_resolve_opts ropts = {0};
	ae_provenance_digests digests;
	ae_fsbatch *batch = NULL;
	ae_capture *cap = NULL;
	ae_node *unresolved = NULL, *resolved = NULL;
	json_t *meta = NULL;
	char name[PATH_MAX + 32];
	int outfd = -1, claimed, rv = -1;

	memset(res, 0, sizeof(*res));
	res->prov_fd = -1;
	cap = ae_capture_decode(capture_json, err);
	if (!cap)
		goto out;
	snprintf(name, sizeof(name), "%s (as submitted)",
	         cap->config_path ? cap->config_path : "config");
	unresolved = ae_yaml_load_string(
	    cap->unresolved, strlen(cap->unresolved), name, NULL, err);
	if (!unresolved)
		goto out;
	ropts.timestring = cap->timestring;
	ropts.env = info->env;
	ropts.env_ctx = info->env_ctx;
	resolved = ae_interp_resolve(unresolved, &ropts, err);
	if (!resolved)
		goto out;
	res->want_helper = ae_jobstart_wants_helper(resolved);
	if (ae_jobstart_output_dir(resolved, info->workdir, info->array_task_id,
	                           res->output_dir, sizeof(res->output_dir),
	                           err) < 0)
		goto out;
	snprintf(res->provenance_dir, sizeof(res->provenance_dir),
	         "%.*s/provenance", (int)(sizeof(res->provenance_dir) - 12),
	         res->output_dir);
	snprintf(res->config_file, sizeof(res->config_file), "%.*s/%s",
	         (int)(sizeof(res->config_file) - 24), res->provenance_dir,
	         AE_PROV_RESOLVED_YAML);

	outfd = ae_safedir_open(res->output_dir, info->uid, 1, 0, err);
	if (outfd < 0)
		goto out;
	claimed = claim_provenance(outfd, res->output_dir, info, err);
	if (claimed < 0)
		goto out;
	res->prov_fd = ae_safedir_openat(
	    outfd, "provenance", res->provenance_dir, info->uid, 1, 1, err);
	if (res->prov_fd < 0)
		goto out;

	if (claimed == 1) {
		/* requeued or restarted: the first provenance stays */
		res->restarted = 1;
		if (ae_provenance_metadata_append(
		        res->prov_fd, "restarts",
		        json_pack("{s:I}", "start_time",
		                  (json_int_t)info->start_time),
		        err) < 0)
			goto out;
		rv = 0;
		goto out;
	}
	batch = ae_fsbatch_new(res->prov_fd);
	if (!batch) {
		ae_error_set(err, res->provenance_dir, 0, 0, NULL,
		             "out of memory");
		goto out;
	}
	if (ae_provenance_add_configs(batch, resolved, unresolved, &digests,
	                              err) < 0 ||
	    ae_provenance_add_reference(batch, cap, err) < 0)
		goto out;
	if (info->job_script &&
	    ae_fsbatch_add(batch, AE_PROV_JOB_SCRIPT, info->job_script,
	                   info->job_script_len, 0644, err) < 0)
		goto out;
	/* run_metadata.json goes last: claim_provenance takes its presence
	 * as the sign that this job's provenance is complete */
	meta = first_metadata(info, res, cap, resolved, &digests);
	if (!meta) {
		ae_error_set(err, AE_PROV_METADATA, 0, 0, NULL,
		             "out of memory");
		goto out;
	}
	if (ae_provenance_add_json(batch, AE_PROV_METADATA, meta, err) < 0 ||
	    ae_fsbatch_commit(batch, err) < 0)
		goto out;
	rv = 0;
out:
	ae_fsbatch_free(batch); /* before prov_fd closes: it unlinks there */
	if (rv < 0 && res->prov_fd >= 0) {
		close(res->prov_fd);
		res->prov_fd = -1;
	}
	if (outfd >= 0)
		close(outfd);
	json_decref(meta);
	ae_node_free(resolved);
	ae_node_free(unresolved);
	ae_capture_free(cap);
	return rv;
}
