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
#include "ae_fsutil.h"
#include "ae_json.h"
#include "ae_provenance.h"
#include "ae_request.h"
#include "ae_resume.h"
#include "ae_run.h"
#include "ae_runlock.h"
#include "ae_safedir.h"
#include "ae_secret.h"
#include "ae_sharing.h"
#include "ae_taskdir.h"
#include "ae_yaml.h"

static const ae_node *string_at(const ae_node *root, const char *section,
                                const char *key)
{
	const ae_node *s = ae_map_get(root, section);
	const ae_node *v = s && s->type == AE_MAP ? ae_map_get(s, key) : NULL;

	return v && v->type == AE_STRING && v->u.str.len > 0 ? v : NULL;
}

static int non_empty(const ae_node *n)
{
	return n && (ae_map_size(n) > 0 || ae_seq_size(n) > 0);
}

int ae_jobstart_wants_helper(const ae_node *resolved)
{
	const ae_node *mon = ae_map_get(resolved, "monitoring");
	const ae_node *cls;

	if (!mon || mon->type != AE_MAP)
		return 0;
	cls = ae_map_get(mon, "class_name");
	if (cls && cls->type == AE_STRING &&
	    strcmp(cls->u.str.s, "NullMonitor") == 0)
		return 0;
	return non_empty(ae_map_get(mon, "log_events")) ||
	       non_empty(ae_map_get(mon, "state_events")) ||
	       ae_map_get(mon, "inactivity_threshold_seconds");
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

/* The longest path a start writes under its output directory:
 * provenance/jobs/<20-digit job id>_start<long>/resolved_config.yaml. */
#define LONGEST_UNDER_OUTPUT                                                   \
	(sizeof("/provenance/" AE_PROV_JOBS_DIR "/") - 1 + 20 +                \
	 sizeof("_start-9223372036854775808") - 1 +                            \
	 sizeof("/" AE_PROV_RESOLVED_YAML) - 1)

int ae_jobstart_output_dir(const ae_node *resolved, const char *workdir,
                           char *buf, size_t size, ae_error *err)
{
	const ae_node *v = string_at(resolved, "project", "output_dir");
	const char *dir;
	int n;

	if (!v)
		v = string_at(resolved, "project", "base_output_dir");
	if (!v)
		return ae_error_set(
		    err, NULL, 0, 0, "project.base_output_dir",
		    "no output directory: set project.base_output_dir (or "
		    "project.output_dir) to a non-empty string");
	/* cut at the NUL, it would name another directory */
	if (ae_node_has_nul(v))
		return ae_node_error(
		    err, v,
		    "the output directory cannot contain a NUL "
		    "character");
	dir = v->u.str.s;
	if (dir[0] == '/')
		n = snprintf(buf, size, "%s", dir);
	else if (workdir && workdir[0] == '/')
		n = snprintf(buf, size, "%s/%s", workdir, dir);
	else
		return ae_error_set(err, NULL, 0, 0, "project.base_output_dir",
		                    "relative output directory '%s' and no "
		                    "absolute working directory to place it in",
		                    dir);
	if (n < 0 || (size_t)n >= size)
		return ae_error_set(err, NULL, 0, 0, "project.base_output_dir",
		                    "output directory path is too long");
	drop_dot_segments(buf);
	/* refused here, not cut later: AUTOEXP_PROVENANCE_DIR and the rest
	 * would name another directory */
	if (strlen(buf) + LONGEST_UNDER_OUTPUT >= PATH_MAX)
		return ae_error_set(
		    err, NULL, 0, 0, "project.base_output_dir",
		    "output directory path is too long (%zu bytes): the "
		    "provenance files under it must fit in PATH_MAX (%d)",
		    strlen(buf), PATH_MAX);
	return 0;
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

/* This start's job_metadata.json: Slurm's facts about the job, what it
 * asked for, and its place in the run. */
static json_t *start_metadata(const ae_jobstart_info *info,
                              const ae_jobstart_result *res,
                              const ae_capture *cap, const char *run_id,
                              const char *resolved_sha256)
{
	json_t *meta =
	    info->metadata ? json_deep_copy(info->metadata) : json_object();

	if (!meta)
		return NULL;
	if (info->job_id && !json_object_get(meta, "job_id"))
		json_object_set_new(meta, "job_id", json_string(info->job_id));
	json_object_set_new(meta, "run_id", json_string(run_id));
	json_object_set_new(meta, "start", json_integer(res->start));
	json_object_set_new(meta, "autoexp_version",
	                    json_string(PACKAGE_VERSION));
	json_object_set_new(meta, "output_dir", json_string(res->output_dir));
	json_object_set_new(meta, "provenance_dir",
	                    json_string(res->provenance_dir));
	json_object_set_new(meta, "job_dir", json_string(res->job_dir));
	json_object_set_new(meta, "config_path",
	                    ae_json_string_or_null(cap->config_path));
	json_object_set_new(meta, "submit_time",
	                    json_integer(cap->submit_time));
	json_object_set_new(meta, "start_time", json_integer(info->start_time));
	json_object_set_new(meta, "timestring", json_string(cap->timestring));
	json_object_set_new(meta, "config_sha256",
	                    json_pack("{s:s}", "resolved", resolved_sha256));
	json_object_set_new(
	    meta, "run_lock",
	    json_string(res->lock_held ? "held" : "unavailable"));
	json_object_set_new(meta, "request", job_request(info, cap));
	return meta;
}

/* The entry of "starts" in run_metadata.json for this start. */
static json_t *start_entry(const ae_jobstart_info *info,
                           const ae_jobstart_result *res, const char *name)
{
	return json_pack(
	    "{s:I, s:s?, s:I, s:O?, s:s+}", "start", (json_int_t)res->start,
	    "job_id", info->job_id, "start_time", (json_int_t)info->start_time,
	    "node_list", json_object_get(info->metadata, "node_list"), "dir",
	    AE_PROV_JOBS_DIR "/", name);
}

/* The run's lineage: this start names the one before it (`previous`) and
 * that one names this (`next`), by start number and job id; a requeue has
 * the same job id, a resubmission or a continuation another. */
static void link_previous(json_t *starts, json_t *entry, json_t *job_meta)
{
	json_t *prev = json_array_get(starts, json_array_size(starts) - 1);

	if (!json_is_object(prev))
		return;
	json_object_set_new(entry, "previous",
	                    json_pack("{s:O?, s:O?}", "start",
	                              json_object_get(prev, "start"), "job_id",
	                              json_object_get(prev, "job_id")));
	json_object_set(job_meta, "previous",
	                json_object_get(entry, "previous"));
	json_object_set_new(prev, "next",
	                    json_pack("{s:O?, s:O?}", "start",
	                              json_object_get(entry, "start"), "job_id",
	                              json_object_get(entry, "job_id")));
}

/* A start of the run that never recorded its end (its batch host failed, or
 * its slurmstepd was killed, before `exit` ran) gets one in `ends` from the
 * next start, so that every start has an end: state UNKNOWN, with why.
 * Only under the run's lock: holding it, this start knows the previous
 * slurmstepd is gone (it releases the lock after its end is written);
 * without a lock the previous start may still be ending. Returns -1 when
 * out of memory. */
static int note_unended(json_t *meta, const ae_jobstart_result *res,
                        long long now)
{
	json_t *starts = json_object_get(meta, "starts");
	json_t *prev = json_array_get(starts, json_array_size(starts) - 1);
	json_t *ends = json_object_get(meta, "ends"), *e, *end;
	json_int_t start;
	size_t i;

	if (!res->lock_held || !json_is_object(prev) ||
	    !json_is_integer(json_object_get(prev, "start")))
		return 0;
	start = json_integer_value(json_object_get(prev, "start"));
	json_array_foreach(ends, i, e)
	{
		if (json_integer_value(json_object_get(e, "start")) == start)
			return 0;
	}
	end = json_pack("{s:s, s:s, s:I, s:I, s:I, s:O?}", "state", "UNKNOWN",
	                "why",
	                "no end was recorded: the batch step did not end "
	                "normally (its node failed, or slurmstepd was "
	                "killed) or could not write it",
	                "noted_at", (json_int_t)now, "noted_by_start",
	                (json_int_t)res->start, "start", start, "job_id",
	                json_object_get(prev, "job_id"));
	if (!end)
		return -1;
	if (!json_is_array(ends)) {
		ends = json_array();
		if (!ends || json_object_set_new(meta, "ends", ends) < 0) {
			json_decref(end);
			return -1;
		}
	}
	return json_array_append_new(ends, end) < 0 ? -1 : 0;
}

/* A new run's run_metadata.json: its first start's metadata, the run's key,
 * the unresolved config's digest, the parent of a cooldown and the list of
 * starts. */
static json_t *run_metadata(json_t *job_meta, const ae_capture *cap,
                            const ae_node *resolved, const char *key,
                            const ae_provenance_digests *digests)
{
	json_t *meta = json_deep_copy(job_meta);

	if (!meta)
		return NULL;
	json_object_del(meta, "start");
	json_object_del(meta, "job_dir");
	json_object_set_new(meta, "run",
	                    json_pack("{s:O, s:s}", "id",
	                              json_object_get(job_meta, "run_id"),
	                              "config_sha256", key));
	json_object_del(meta, "run_id");
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
	json_object_set_new(meta, "starts", json_array());
	return meta;
}

/* An array task whose directories do not depend on the task is refused: the
 * tasks would share one run (ae_taskdir). */
static int check_array_task(const ae_jobstart_info *info,
                            const ae_node *unresolved,
                            const ae_resolve_opts *ropts, ae_error *err)
{
	ae_error unknown;

	if (!info->array_task_id || !*info->array_task_id)
		return 0;
	ae_error_clear(&unknown);
	return ae_taskdir_check(unresolved, ropts, &unknown) < 0
	           ? (*err = unknown, -1)
	           : 0;
}

/* Take the run's lock; a refusal says what to do. */
static int lock_run(const ae_jobstart_info *info, ae_jobstart_result *res,
                    ae_error *err)
{
	ae_error lerr;

	ae_error_clear(&lerr);
	res->lock_fd = ae_runlock_take(
	    res->prov_fd, res->provenance_dir, info->uid, info->job_id,
	    info->start_time, info->host, &res->lock_held, &lerr);
	if (res->lock_fd >= 0) {
		if (!res->lock_held)
			*err = lerr; /* why, for the caller's warning */
		return 0;
	}
	if (strstr(lerr.text, "in use by"))
		return ae_error_set(
		    err, lerr.file, 0, 0, NULL,
		    "%s; a run takes one job at a time: chain its jobs with "
		    "sbatch --dependency=singleton (one job name) or "
		    "--dependency=afterany:JOBID, or give this job a directory "
		    "of its own",
		    lerr.text);
	*err = lerr;
	return -1;
}

/* jobs/<name>/ for this start, created: <job id>, or <job id>_start<N> for
 * a job id the run has seen start before (a requeue). */
static int open_start_dir(const ae_jobstart_info *info, ae_jobstart_result *res,
                          char *name, size_t size, ae_error *err)
{
	char jobs[PATH_MAX];
	int jobs_fd, again;

	if ((size_t)snprintf(jobs, sizeof(jobs), "%s/%s", res->provenance_dir,
	                     AE_PROV_JOBS_DIR) >= sizeof(jobs))
		return ae_error_set(err, res->provenance_dir, 0, 0, NULL,
		                    "path too long");
	jobs_fd =
	    ae_safedir_openat(res->prov_fd, AE_PROV_JOBS_DIR, jobs, info->uid,
	                      1, AE_SAFEDIR_OWN | AE_SAFEDIR_STRICT, err);
	if (jobs_fd < 0)
		return -1;
	/* a start never reuses another's directory */
	for (again = 0; again < 2; again++) {
		if (ae_run_start_name(info->job_id, res->start, again, name,
		                      size, err) < 0)
			goto out;
		if (mkdirat(jobs_fd, name,
		            ae_fsutil_limit_mode(jobs_fd,
		                                 AE_FSUTIL_DIR_MODE)) == 0 ||
		    errno != EEXIST)
			break;
	}
	if ((size_t)snprintf(res->job_dir, sizeof(res->job_dir), "%s/%s", jobs,
	                     name) >= sizeof(res->job_dir) ||
	    (size_t)snprintf(res->config_file, sizeof(res->config_file),
	                     "%s/%s", res->job_dir,
	                     AE_PROV_RESOLVED_YAML) >= sizeof(res->config_file))
		ae_error_set(err, res->provenance_dir, 0, 0, NULL,
		             "path too long");
	else
		res->job_fd =
		    ae_safedir_openat(jobs_fd, name, res->job_dir, info->uid, 1,
		                      AE_SAFEDIR_OWN | AE_SAFEDIR_STRICT, err);
	/* no fsync of jobs/ for the new entry: the batch's directory fsyncs
	 * commit the file system's journal, with this mkdir in it */
out:
	close(jobs_fd);
	return res->job_fd < 0 ? -1 : 0;
}

/* The run's id: its first job's id (a record from before runs had ids: the
 * job id it names). */
static const char *run_id_of(const json_t *run_meta,
                             const ae_jobstart_info *info)
{
	const char *id = json_string_value(
	    json_object_get(json_object_get(run_meta, "run"), "id"));

	if (!id)
		id = json_string_value(json_object_get(run_meta, "job_id"));
	if (!run_meta || !id)
		id = info->job_id;
	return id ? id : "";
}

/* oc.env in the job's environment, remembering what it read from
 * secret-named variables: those values are redacted wherever they land in
 * provenance (ae_secret). */
typedef struct env_watch {
	const ae_jobstart_info *info;
	ae_secret_values *seen;
	int oom;
} env_watch;

static const char *watched_env(const char *name, void *ctx)
{
	env_watch *w = ctx;
	const char *v =
	    w->info->env ? w->info->env(name, w->info->env_ctx) : getenv(name);

	if (v && ae_secret_name(name) && ae_secret_values_add(w->seen, v) < 0)
		w->oom = 1;
	return v;
}

/* The files of this start (and, for a new run, the run's) in one batch,
 * run_metadata.json last: its presence means the set is complete. */
static int write_start(const ae_jobstart_info *info, ae_jobstart_result *res,
                       const ae_capture *cap, const ae_node *resolved,
                       const ae_node *unresolved, json_t *run_meta,
                       json_t *resumed, const char *key, const char *name,
                       const ae_secret_values *secrets, ae_error *err)
{
	int dirs[2] = {res->job_fd, res->prov_fd};
	ae_provenance_digests digests;
	ae_fsbatch *batch = ae_fsbatch_new(res->prov_fd);
	json_t *job_meta = NULL, *new_meta = NULL, *entry = NULL;
	char run_id[64];
	int rv = -1;

	if (!batch)
		goto nomem;
	snprintf(run_id, sizeof(run_id), "%.32s", run_id_of(run_meta, info));
	if (ae_provenance_add_configs(batch, dirs, run_meta ? 1 : 2, resolved,
	                              run_meta ? NULL : unresolved,
	                              cap->unresolved, secrets, &digests,
	                              err) < 0)
		goto out;
	if (info->job_script &&
	    /* the owner's only, whatever the sharing: scripts hold tokens,
	     * and a copy cannot be redacted (a cooldown runs it as it is) */
	    (ae_fsbatch_add_at(batch, res->job_fd, AE_PROV_JOB_SCRIPT,
	                       info->job_script, info->job_script_len, 0600,
	                       err) < 0 ||
	     (!run_meta &&
	      ae_fsbatch_add_link(batch, res->prov_fd, AE_PROV_JOB_SCRIPT,
	                          res->job_fd, AE_PROV_JOB_SCRIPT, err) < 0)))
		goto out;
	job_meta = start_metadata(info, res, cap, run_id, digests.resolved);
	entry = start_entry(info, res, name);
	if (!job_meta || !entry)
		goto nomem;
	if (resumed)
		json_object_set(job_meta, "resumed", resumed);
	if (run_meta) {
		new_meta = json_deep_copy(run_meta);
	} else {
		if (ae_provenance_add_reference(batch, cap, err) < 0)
			goto out;
		new_meta = run_metadata(job_meta, cap, resolved, key, &digests);
	}
	if (!new_meta)
		goto nomem;
	if (!json_is_array(json_object_get(new_meta, "starts")))
		json_object_set_new(new_meta, "starts", json_array());
	if (note_unended(new_meta, res, info->start_time) < 0)
		goto nomem;
	link_previous(json_object_get(new_meta, "starts"), entry, job_meta);
	json_array_append(json_object_get(new_meta, "starts"), entry);
	/* the environment, the request, paths: a secret value or a URL's
	 * password in any of them */
	if (ae_secret_redact_json(job_meta, secrets) < 0 ||
	    ae_secret_redact_json(new_meta, secrets) < 0)
		goto nomem;
	if (ae_provenance_add_json_at(batch, res->job_fd, AE_PROV_JOB_METADATA,
	                              job_meta, err) < 0 ||
	    ae_provenance_add_json(batch, AE_PROV_METADATA, new_meta, err) <
	        0 ||
	    ae_fsbatch_commit(batch, err) < 0)
		goto out;
	rv = 0;
	goto out;
nomem:
	ae_error_set(err, res->provenance_dir, 0, 0, NULL, "out of memory");
out:
	ae_fsbatch_free(batch); /* before the fds close: it unlinks there */
	json_decref(entry);
	json_decref(new_meta);
	json_decref(job_meta);
	return rv;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int ae_jobstart_run(const char *capture_json, const ae_jobstart_info *info,
                    ae_jobstart_result *res, ae_error *err)
{
	ae_resolve_opts ropts = {0};
	env_watch watch = {info, NULL, 0};
	ae_capture *cap = NULL;
	ae_node *unresolved = NULL, *resolved = NULL;
	json_t *run_meta = NULL, *resumed = NULL;
	char name[PATH_MAX + 32], key[65], start_name[64];
	ae_error rerr;
	int outfd = -1, rv = -1;

	memset(res, 0, sizeof(*res));
	res->prov_fd = res->job_fd = res->lock_fd = -1;
	cap = ae_capture_decode(capture_json, err);
	if (!cap)
		goto out;
	snprintf(name, sizeof(name), "%s (as submitted)",
	         cap->config_path ? cap->config_path : "config");
	unresolved = ae_yaml_load_string(
	    cap->unresolved, strlen(cap->unresolved), name, NULL, err);
	if (!unresolved)
		goto out;
	watch.seen = ae_secret_values_new();
	if (!watch.seen) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	ropts.timestring = cap->timestring;
	ropts.env = watched_env;
	ropts.env_ctx = &watch;
	resolved = ae_interp_resolve(unresolved, &ropts, err);
	if (!resolved || check_array_task(info, unresolved, &ropts, err) < 0)
		goto out;
	if (watch.oom) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	res->want_helper = ae_jobstart_wants_helper(resolved);
	if (ae_jobstart_output_dir(resolved, info->workdir, res->output_dir,
	                           sizeof(res->output_dir), err) < 0)
		goto out;
	/* ae_jobstart_output_dir left room for what goes under it */
	if ((size_t)snprintf(res->provenance_dir, sizeof(res->provenance_dir),
	                     "%s/provenance",
	                     res->output_dir) >= sizeof(res->provenance_dir)) {
		ae_error_set(err, res->output_dir, 0, 0, NULL, "path too long");
		goto out;
	}

	/* no directory on the way that others could swap (issue 17): the
	 * helper and the cooldowns reach the run's files from descriptors
	 * opened here and in the helper, but the job itself (its log, its
	 * checkpoints) and a helper started later go by these paths */
	outfd = ae_safedir_open(res->output_dir, info->uid, 1,
	                        AE_SAFEDIR_STRICT, err);
	if (outfd < 0)
		goto out;
	/* a new run's provenance directory sets who may read it all
	 * (ae_sharing); an existing one keeps the mode it has */
	if (mkdirat(outfd, "provenance", ae_sharing_dir_mode(info->umask)) <
	        0 &&
	    errno != EEXIST) {
		ae_error_set(err, res->provenance_dir, 0, 0, NULL,
		             "cannot create directory: %s", strerror(errno));
		goto out;
	}
	res->prov_fd = ae_safedir_openat(
	    outfd, "provenance", res->provenance_dir, info->uid, 1,
	    AE_SAFEDIR_OWN | AE_SAFEDIR_STRICT, err);
	if (res->prov_fd < 0 || lock_run(info, res, err) < 0)
		goto out;
	/* from here on, this job is the only one in the run */
	ae_error_clear(&rerr);
	run_meta =
	    ae_provenance_read_json(res->prov_fd, AE_PROV_METADATA, &rerr);
	if (!run_meta && ae_error_isset(&rerr)) {
		*err = rerr;
		goto out;
	}
	ae_run_key(cap->unresolved, key);
	if (ae_run_admit(run_meta, key, info->job_id, res->provenance_dir,
	                 err) < 0)
		goto out;
	res->start = ae_run_next_start(run_meta);
	if (run_meta) {
		/* a later start: from the run's own latest checkpoint */
		resumed = ae_resume_from_own(resolved, info->workdir, info->uid,
		                             &rerr);
		if (!resumed && ae_error_isset(&rerr))
			resumed = json_pack("{s:s}", "error", rerr.text);
	}
	if (open_start_dir(info, res, start_name, sizeof(start_name), err) <
	        0 ||
	    write_start(info, res, cap, resolved, unresolved, run_meta, resumed,
	                key, start_name, watch.seen, err) < 0)
		goto out;
	rv = 0;
out:
	if (rv < 0) {
		close_fd(&res->job_fd);
		close_fd(&res->lock_fd);
		close_fd(&res->prov_fd);
	}
	if (outfd >= 0)
		close(outfd);
	json_decref(resumed);
	json_decref(run_meta);
	ae_node_free(resolved);
	ae_node_free(unresolved);
	ae_capture_free(cap);
	ae_secret_values_free(watch.seen);
	return rv;
}
