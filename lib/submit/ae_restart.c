#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_restart.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae_action.h"
#include "ae_fields.h"
#include "ae_restart_guard.h"
#include "ae_restart_record.h"
#include "ae_resubmit.h"
#include "ae_sbatch.h"
#include "ae_provenance.h"
#include "ae_spawn.h"

#define OUTPUT_MAX (16u * 1024u)
#define WHY_LEN    256
#define NODE_MAX   255

/* Which child runs. */
typedef enum phase {
	PH_REQUEUE = 0, /* scontrol requeue */
	PH_UPDATE,      /* scontrol update ExcNodeList, after the requeue */
	PH_SBATCH,      /* mode resubmit: sbatch of the run's config */
	PH_SCANCEL,     /* the resubmitted job still ran (a stall): scancel */
	PH_CANCEL_HUNG, /* a stall not restarted: scancel the hung job */
} phase;

/* One execution: the record being built and which child runs. */
typedef struct run {
	const ae_restart_spec *spec;
	json_t *rec;   /* the decision for restart.json */
	int prov_fd;   /* the run's provenance directory, -1: not known */
	int job_fd;    /* this start's directory, -1: not known */
	char *job_dir; /* its path, for the record */
	char *job_id;
	char *node;      /* to exclude, NULL: none */
	json_t *exclude; /* the ExcNodeList to set (array) */
	char **envp;
	char **sbatch_argv; /* mode resubmit */
	char *next_job_id;  /* mode resubmit: the job it submitted */
	char *refused;      /* why a stall was not restarted (PH_CANCEL_HUNG) */
	int running;        /* the job still runs (a stall) */
	unsigned attempts;  /* sbatch runs */
	double deadline;    /* no sbatch retry after this */
	int backoff_due;    /* a transient sbatch failure: wait, then retry */
	phase phase;
} run;

static void run_free(void *p)
{
	run *r = p;

	if (!r)
		return;
	json_decref(r->rec);
	json_decref(r->exclude);
	if (r->prov_fd >= 0)
		close(r->prov_fd);
	if (r->job_fd >= 0)
		close(r->job_fd);
	free(r->job_dir);
	free(r->job_id);
	free(r->node);
	free(r->next_job_id);
	free(r->refused);
	ae_sbatch_strv_free(r->envp);
	ae_sbatch_strv_free(r->sbatch_argv);
	free(r);
}

/* ---- facts ---- */

static const char *field_str(const ae_eval_env *env, const char *key)
{
	const ae_node *v = ae_template_lookup(env->tmpl, key);

	return v && v->type == AE_STRING ? v->u.str.s : NULL;
}

static long long field_int(const ae_eval_env *env, const char *key)
{
	const ae_node *v = ae_template_lookup(env->tmpl, key);

	return v && v->type == AE_INT ? v->u.i : -1;
}

static int field_true(const ae_eval_env *env, const char *key)
{
	const ae_node *v = ae_template_lookup(env->tmpl, key);

	return v && v->type == AE_BOOL && v->u.b;
}

/* A copy of a descriptor of env->dirs for the execution, or -1. */
static int dup_dir(int fd)
{
	return fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
}

/* The directories of the run's starts before `start`, in order, as
 * run_metadata.json records them below the provenance directory prov_fd
 * (new array of strings; entries "" when unknown). */
static json_t *earlier_dirs(int prov_fd, int start)
{
	json_t *dirs = json_array(), *meta = NULL, *s;
	const json_t *starts;
	size_t i;

	if (!dirs)
		return NULL;
	for (int k = 1; k < start; k++)
		json_array_append_new(dirs, json_string(""));
	meta = ae_restart_record_load(prov_fd, AE_PROV_METADATA);
	starts = json_object_get(meta, "starts");
	json_array_foreach(starts, i, s)
	{
		const json_t *n = json_object_get(s, "start");
		const char *d = json_string_value(json_object_get(s, "dir"));

		if (!json_is_integer(n) || !d || json_integer_value(n) < 1 ||
		    json_integer_value(n) >= start)
			continue;
		json_array_set_new(dirs, (size_t)json_integer_value(n) - 1,
		                   json_string(d));
	}
	json_decref(meta);
	return dirs;
}

/* An earlier start's directory (an entry of earlier_dirs), or -1. */
static int open_start(const run *r, const json_t *dirs, size_t i)
{
	const char *d = json_string_value(json_array_get(dirs, i));
	ae_error err;

	if (r->prov_fd < 0 || !d || !*d)
		return -1;
	return ae_restart_record_open_start(r->prov_fd, d, &err);
}

/* The highest saved iteration of each start, the current one last. */
static long long *saved_iterations(const run *r, const ae_eval_env *env,
                                   const json_t *dirs, size_t *n)
{
	size_t k = json_array_size(dirs);
	long long *saved = calloc(k + 1, sizeof(*saved));
	long long cur = field_int(env, "saved_iteration");

	if (!saved)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		int fd = open_start(r, dirs, i);

		saved[i] = ae_restart_record_saved(fd);
		if (fd >= 0)
			close(fd);
	}
	if (cur < 0)
		cur = ae_restart_record_saved(r->job_fd);
	saved[k] = cur;
	*n = k + 1;
	return saved;
}

/* The nodes the run's latest earlier restart excluded (new array). */
static json_t *excluded_before(const run *r, const json_t *dirs)
{
	for (size_t i = json_array_size(dirs); i-- > 0;) {
		int fd = open_start(r, dirs, i);
		json_t *j, *list, *last, *ex;

		if (fd < 0)
			continue;
		j = ae_restart_record_load(fd, AE_RESTART_DECISIONS);
		close(fd);
		list = json_object_get(j, "decisions");
		last = json_array_get(list, json_array_size(list) - 1);
		ex = json_object_get(last, "excluded_nodes");
		if (json_is_array(ex)) {
			ex = json_deep_copy(ex);
			json_decref(j);
			return ex;
		}
		json_decref(j);
	}
	return json_array();
}

/* A plain host name: what ExcNodeList takes without being read as a list
 * or a range. */
static int node_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > NODE_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789._-") == n;
}

/* Decide what to exclude; records `node` and `exclude`. */
static void plan_exclude(run *r, const ae_eval_env *env, const json_t *dirs)
{
	const char *node = field_str(env, r->spec->failed_node_field);
	json_t *ex = excluded_before(r, dirs);
	const char *what = NULL;
	size_t i;
	json_t *v;

	if (!ex)
		return;
	json_object_set_new(r->rec, "node",
	                    node ? json_string(node) : json_null());
	if (!r->spec->exclude_failed_node)
		what = "exclude_failed_node is off";
	else if (!node)
		what = "the failure names no node";
	else if (!node_ok(node))
		what = "not a plain host name: not excluded";
	json_array_foreach(ex, i, v)
	{
		if (!what && json_is_string(v) &&
		    !strcmp(json_string_value(v), node))
			what = "excluded already";
	}
	if (!what && json_array_size(ex) >= (size_t)r->spec->max_excluded_nodes)
		what = "not excluded: max_excluded_nodes reached";
	if (!what) {
		json_array_append_new(ex, json_string(node));
		r->node = strdup(node);
		what = r->node ? "to be excluded" : "out of memory";
	}
	json_object_set_new(r->rec, "exclude", json_string(what));
	json_object_set(r->rec, "excluded_nodes", ex);
	r->exclude = ex;
}

/* ---- recording ---- */

static void record(run *r, ae_action_exec *x, const char *decision,
                   const char *why)
{
	ae_error err;

	json_object_set_new(r->rec, "decision", json_string(decision));
	json_object_set_new(r->rec, "why", json_string(why));
	ae_action_exec_set(x, "decision", json_string(decision));
	ae_action_exec_set(x, "why", json_string(why));
	if (r->job_fd < 0) {
		ae_action_exec_set(x, "record",
		                   json_string("not written: the start's "
		                               "directory is not known "
		                               "(AUTOEXP_JOB_DIR)"));
		return;
	}
	if (ae_restart_record_append(r->job_fd, r->rec, &err) < 0)
		ae_action_exec_set(x, "record_error", json_string(err.text));
	else
		ae_action_exec_set(x, "record",
		                   r->job_dir
		                       ? json_pack("s++", r->job_dir, "/",
		                                   AE_RESTART_DECISIONS)
		                       : json_string(AE_RESTART_DECISIONS));
}

static void refuse(run *r, ae_action_exec *x, const char *why)
{
	record(r, x, "refused", why);
	ae_action_exec_finish(x, AE_ACTION_FAILED, "not restarted: %s", why);
}

/* ---- scontrol ---- */

static int spawn(run *r, ae_action_exec *x, char **argv, double now,
                 ae_error *err)
{
	ae_spawn_opts o = {0};
	ae_child *c;

	o.argv = (const char *const *)argv;
	o.envp = (const char *const *)r->envp;
	o.timeout = r->spec->timeout;
	o.max_output = OUTPUT_MAX;
	/* sbatch reads the run's files through it (ae_resubmit.h) */
	if (r->phase == PH_SBATCH)
		o.inherit_fd = r->prov_fd;
	c = ae_spawn_start(&o, now, err);
	if (!c)
		return -1;
	ae_action_exec_attach_child(x, c);
	return 0;
}

static json_t *child_json(const ae_child *c)
{
	size_t olen, elen;
	int t;
	const char *out = ae_child_stdout(c, &olen, &t);
	const char *errs = ae_child_stderr(c, &elen, &t);
	char *o = ae_fields_utf8_dup(out, olen),
	     *e = ae_fields_utf8_dup(errs, elen);
	json_t *j = json_pack(
	    "{s:i, s:i, s:b, s:s, s:s}", "exit_code", ae_child_exit_code(c),
	    "signal", ae_child_signal(c), "timed_out", ae_child_timed_out(c),
	    "stdout", o ? o : "", "stderr", e ? e : "");

	free(o);
	free(e);
	return j;
}

static char *exclude_list(const json_t *ex)
{
	size_t i, len = 1;
	json_t *v;
	char *s;

	json_array_foreach(ex, i, v) len += strlen(json_string_value(v)) + 1;
	s = calloc(1, len);
	json_array_foreach(ex, i, v)
	{
		if (!s)
			break;
		if (i)
			strcat(s, ",");
		strcat(s, json_string_value(v));
	}
	return s;
}

static int start_update(run *r, ae_action_exec *x, double now, ae_error *err)
{
	char *list = exclude_list(r->exclude), *jobarg = NULL, *exarg = NULL;
	char *argv[5] = {r->spec->scontrol, "update", NULL, NULL, NULL};
	int rc = -1;

	if (!list || asprintf(&jobarg, "JobId=%s", r->job_id) < 0 ||
	    asprintf(&exarg, "ExcNodeList=%s", list) < 0) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	argv[2] = jobarg;
	argv[3] = exarg;
	r->phase = PH_UPDATE;
	rc = spawn(r, x, argv, now, err);
out:
	free(list);
	free(jobarg);
	free(exarg);
	return rc;
}

static void update_done(run *r, ae_action_exec *x, const ae_child *c)
{
	int ok = ae_child_exit_code(c) == 0;

	json_object_set_new(r->rec, "scontrol_update", child_json(c));
	json_object_set_new(
	    r->rec, "exclude",
	    json_string(ok ? "excluded" : "scontrol update failed"));
	if (!ok)
		json_object_set_new(r->rec, "excluded_nodes", json_null());
	record(r, x, "requeued",
	       json_string_value(json_object_get(r->rec, "why")));
	ae_action_exec_finish(
	    x, AE_ACTION_SUCCESS, "requeued job %s%s%s (%s)", r->job_id,
	    ok ? ", excluded " : "", ok ? r->node : "",
	    json_string_value(json_object_get(r->rec, "why")));
}

static void requeue_done(run *r, ae_action_exec *x, const ae_child *c)
{
	int ok = ae_child_exit_code(c) == 0;
	char why[WHY_LEN];
	ae_error err;

	json_object_set_new(r->rec, "scontrol_requeue", child_json(c));
	if (!ok) {
		snprintf(why, sizeof(why),
		         "scontrol requeue %s failed (exit %d, signal %d)",
		         r->job_id, ae_child_exit_code(c), ae_child_signal(c));
		record(r, x, "failed", why);
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s", why);
		return;
	}
	if (r->node && !ae_action_exec_stopping(x)) {
		if (start_update(r, x, (double)time(NULL), &err) == 0)
			return;
		json_object_set_new(r->rec, "exclude",
		                    json_string("scontrol update not run"));
	} else if (r->node) {
		json_object_set_new(r->rec, "exclude",
		                    json_string("not excluded: the helper was "
		                                "stopping"));
	}
	if (r->node)
		json_object_set_new(r->rec, "excluded_nodes", json_null());
	record(r, x, "requeued",
	       json_string_value(json_object_get(r->rec, "why")));
	ae_action_exec_finish(
	    x, AE_ACTION_SUCCESS, "requeued job %s (%s)", r->job_id,
	    json_string_value(json_object_get(r->rec, "why")));
}

/* ---- resubmit ---- */

static int start_sbatch(run *r, ae_action_exec *x, double now, ae_error *err)
{
	r->phase = PH_SBATCH;
	r->attempts++;
	return spawn(r, x, r->sbatch_argv, now, err);
}

static void finish_resubmitted(run *r, ae_action_exec *x)
{
	record(r, x, "resubmitted",
	       json_string_value(json_object_get(r->rec, "why")));
	ae_action_exec_set(x, "next_job_id", json_string(r->next_job_id));
	ae_action_exec_finish(
	    x, AE_ACTION_SUCCESS, "resubmitted job %s as job %s%s%s (%s)",
	    r->job_id, r->next_job_id, r->node ? ", excluding " : "",
	    r->node ? r->node : "",
	    json_string_value(json_object_get(r->rec, "why")));
}

/* A stalled job still runs: its successor waits for it (afterany). */
static int start_scancel(run *r, ae_action_exec *x, double now, ae_error *err)
{
	char *argv[3] = {r->spec->scancel, r->job_id, NULL};

	r->phase = PH_SCANCEL;
	return spawn(r, x, argv, now, err);
}

static void scancel_done(run *r, ae_action_exec *x, const ae_child *c)
{
	json_object_set_new(r->rec, "scancel", child_json(c));
	finish_resubmitted(r, x);
}

static void sbatch_done(run *r, ae_action_exec *x, const ae_child *c)
{
	size_t olen, elen;
	int t;
	const char *out = ae_child_stdout(c, &olen, &t);
	const char *errs = ae_child_stderr(c, &elen, &t);
	char job_id[64], why[WHY_LEN + 1024];
	ae_sbatch_outcome o;
	ae_error err;

	o = ae_sbatch_classify(ae_child_exit_code(c), ae_child_timed_out(c),
	                       out, errs, job_id, sizeof(job_id), why,
	                       sizeof(why));
	json_array_append_new(json_object_get(r->rec, "sbatch"), child_json(c));
	if (o == AE_SBATCH_SUBMITTED) {
		r->next_job_id = strdup(job_id);
		json_object_set_new(r->rec, "next_job_id", json_string(job_id));
		if (r->node)
			json_object_set_new(r->rec, "exclude",
			                    json_string("excluded"));
		if (r->running && !ae_action_exec_stopping(x) &&
		    start_scancel(r, x, (double)time(NULL), &err) == 0)
			return;
		if (r->running)
			json_object_set_new(r->rec, "scancel",
			                    json_string("not run"));
		finish_resubmitted(r, x);
		return;
	}
	if (o == AE_SBATCH_TRANSIENT && !ae_action_exec_stopping(x)) {
		/* child_done has no clock: the backoff is set at once by wake
		 */
		r->backoff_due = 1;
		ae_action_exec_wake_at(x, 0);
		return;
	}
	record(r, x, "failed", why);
	ae_action_exec_finish(x, AE_ACTION_FAILED, "sbatch failed: %s", why);
}

static void restart_wake(const void *data, ae_action_exec *x, double now)
{
	run *r = ae_action_exec_state(x);
	char why[WHY_LEN + AE_ERROR_TEXT_LEN];
	ae_error err;

	(void)data;
	if (ae_action_exec_stopping(x)) {
		record(r, x, "failed",
		       "the helper stopped while sbatch was "
		       "retried");
		ae_action_exec_finish(x, AE_ACTION_FAILED,
		                      "not resubmitted: "
		                      "the helper stopped");
		return;
	}
	if (r->backoff_due) {
		double d = ae_sbatch_backoff(r->attempts);

		r->backoff_due = 0;
		if (now + d <= r->deadline) {
			ae_action_exec_wake_at(x, now + d);
			return;
		}
		snprintf(why, sizeof(why),
		         "sbatch failed %u times (the controller could not be "
		         "reached), giving up after retry_seconds",
		         r->attempts);
		record(r, x, "failed", why);
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s", why);
		return;
	}
	if (start_sbatch(r, x, now, &err) < 0) {
		snprintf(why, sizeof(why), "cannot run sbatch: %s", err.text);
		record(r, x, "failed", why);
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s", why);
	}
}

static void child_done(const void *data, ae_action_exec *x)
{
	run *r = ae_action_exec_state(x);
	const ae_child *c = ae_action_exec_child(x);

	(void)data;
	switch (r->phase) {
	case PH_REQUEUE:
		requeue_done(r, x, c);
		break;
	case PH_UPDATE:
		update_done(r, x, c);
		break;
	case PH_SBATCH:
		sbatch_done(r, x, c);
		break;
	case PH_SCANCEL:
		scancel_done(r, x, c);
		break;
	case PH_CANCEL_HUNG:
		json_object_set_new(r->rec, "scancel", child_json(c));
		json_object_set_new(
		    r->rec, "hung_job",
		    json_string(
		        ae_child_exit_code(c) == 0
		            ? "cancelled"
		            : "scancel failed: left to its time limit"));
		refuse(r, x, r->refused);
		break;
	}
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();

	for (size_t i = 0; a && v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* A stall that is not restarted: the hung job would hold its nodes until
 * its time limit for nothing. 0 when scancel runs (the refusal is recorded
 * when it ends), -1 when the refusal is to be recorded now. */
static int cancel_hung(run *r, const ae_eval_env *env, const char *state,
                       const char *why, ae_action_exec *x)
{
	ae_error err;

	if (!r->spec->cancel_hung || !state || strcmp(state, "stall") ||
	    !r->job_id || ae_action_exec_stopping(x))
		return -1;
	r->refused = strdup(why);
	r->envp = ae_sbatch_envp(env->envp, NULL, NULL, &err);
	if (!r->refused || !r->envp ||
	    start_scancel(r, x, env->now, &err) < 0) {
		json_object_set_new(r->rec, "hung_job",
		                    json_string("scancel not run"));
		return -1;
	}
	r->phase = PH_CANCEL_HUNG;
	return 0;
}

/* Mode resubmit: build the command from the run's record and start it. */
static void resubmit(run *r, const ae_eval_env *env, const char *state,
                     ae_action_exec *x)
{
	json_t *meta = ae_restart_record_load(r->prov_fd, AE_PROV_METADATA);
	char msg[AE_ERROR_TEXT_LEN + 64];
	ae_error err;

	if (r->prov_fd < 0) {
		refuse(r, x, "the run's provenance directory is not known");
		goto out;
	}
	if (ae_resubmit_command(r->spec->sbatch, meta, r->job_id, r->exclude,
	                        env->envp, &r->sbatch_argv, &r->envp,
	                        &err) < 0) {
		refuse(r, x, err.text);
		goto out;
	}
	json_object_set_new(r->rec, "sbatch_argv", strv_json(r->sbatch_argv));
	r->running = state && !strcmp(state, "stall");
	r->deadline = env->now + r->spec->retry;
	json_object_set_new(r->rec, "sbatch", json_array());
	if (start_sbatch(r, x, env->now, &err) < 0) {
		snprintf(msg, sizeof(msg), "cannot run sbatch: %s", err.text);
		record(r, x, "failed", msg);
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s", msg);
	}
out:
	json_decref(meta);
}

/* ---- start ---- */

static json_t *saved_json(const long long *saved, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, saved[i] >= 0 ? json_integer(saved[i])
		                                       : json_null());
	return a;
}

static int restart_start(const void *data, const ae_eval_env *env,
                         ae_action_exec *x, ae_error *err)
{
	const ae_restart_spec *spec = data;
	run *r = calloc(1, sizeof(*r));
	const ae_eval_dirs *ed = env->dirs;
	const char *state = field_str(env, "state");
	int attempt = env->attempt > 0 ? env->attempt : 1;
	char why[WHY_LEN], *reason = NULL;
	char *argv[4] = {NULL, "requeue", NULL, NULL};
	json_t *dirs = NULL;
	long long *saved = NULL;
	size_t n = 0;
	ae_restart_guard_in in;
	int rc = -1;

	if (!r)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	r->prov_fd = r->job_fd = -1;
	ae_action_exec_set_state(x, r, run_free);
	r->spec = spec;
	if (ed) {
		r->prov_fd = dup_dir(ed->prov_fd);
		r->job_fd = dup_dir(ed->job_fd);
		r->job_dir =
		    r->job_fd >= 0 && ed->job_dir ? strdup(ed->job_dir) : NULL;
	}
	r->job_id =
	    field_str(env, "job_id") ? strdup(field_str(env, "job_id")) : NULL;
	reason = ae_template_render(spec->reason, env->tmpl, err);
	dirs = earlier_dirs(r->prov_fd, attempt);
	r->rec = json_object();
	if (!reason || !dirs || !r->rec ||
	    !(saved = saved_iterations(r, env, dirs, &n)))
		goto out;
	json_object_set_new(r->rec, "time",
	                    json_integer((json_int_t)time(NULL)));
	json_object_set_new(r->rec, "job_id",
	                    r->job_id ? json_string(r->job_id) : json_null());
	json_object_set_new(r->rec, "start", json_integer(attempt));
	json_object_set_new(r->rec, "state",
	                    state ? json_string(state) : json_null());
	json_object_set_new(r->rec, "event_reason",
	                    field_str(env, "reason")
	                        ? json_string(field_str(env, "reason"))
	                        : json_null());
	json_object_set_new(r->rec, "reason", json_string(reason));
	json_object_set_new(r->rec, "mode",
	                    json_string(spec->mode == AE_RESTART_REQUEUE
	                                    ? "requeue"
	                                    : "resubmit"));
	json_object_set_new(r->rec, "saved_iterations", saved_json(saved, n));
	memset(&in, 0, sizeof(in));
	in.state = state;
	in.no_restart = field_true(env, "no_restart");
	in.attempt = attempt;
	in.max_attempts = spec->max_attempts;
	in.no_progress_starts = spec->no_progress_starts;
	in.saved = saved;
	in.n_saved = n;
	rc = 0;
	if (!ae_restart_guard_decide(&in, why, sizeof(why))) {
		if (cancel_hung(r, env, state, why, x) < 0)
			refuse(r, x, why);
		goto out;
	}
	json_object_set_new(r->rec, "why", json_string(why));
	if (!r->job_id) {
		refuse(r, x, "the job id is not known");
		goto out;
	}
	plan_exclude(r, env, dirs);
	if (spec->mode == AE_RESTART_RESUBMIT) {
		resubmit(r, env, state, x);
		goto out;
	}
	r->envp = ae_sbatch_envp(env->envp, NULL, NULL, err);
	argv[0] = spec->scontrol;
	argv[2] = r->job_id;
	if (!r->envp || spawn(r, x, argv, env->now, err) < 0) {
		char msg[AE_ERROR_TEXT_LEN + 64];

		snprintf(msg, sizeof(msg), "cannot run scontrol: %s",
		         err->text);
		record(r, x, "failed", msg);
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s", msg);
	}
out:
	free(reason);
	free(saved);
	json_decref(dirs);
	return rc;
}

static const ae_action_class restart_class = {
    AE_RESTART_CLASS,
    ae_restart_spec_fields,
    ae_restart_spec_compile,
    ae_restart_spec_free,
    restart_start,
    child_done,
    restart_wake,
    /* a second requeue is not what the first decided */
    0,
};

int ae_restart_register(ae_error *err)
{
	if (ae_action_register(&restart_class) < 0)
		return ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "cannot register %s: the action class table is full",
		    AE_RESTART_CLASS);
	return 0;
}
