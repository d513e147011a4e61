#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ae_endstate.h"
#include "ae_json.h"
#include "ae_logfacts.h"
#include "ae_provenance.h"
#include "ae_restart_record.h"
#include "ae_state_events.h"
#include "helper_log.h"
#include "helper_states.h"

/* The end record's end_time is whole seconds, the start's a float. */
#define END_TIME_SLACK 2.0

struct helper_states {
	helper_states_opts o;
	ae_logfacts *facts;
	double since; /* wall clock: this job start's first helper began */
	/* stall timer */
	uint64_t signature;
	int has_content;
	double last_growth; /* monotonic */
	int fired;          /* this episode's stall is out */
	int ended;
	long long progress; /* saved iteration last written to progress.json */
};

helper_states *helper_states_new(const helper_states_opts *o,
                                 const json_t *saved, double now, double mono)
{
	helper_states *hs = calloc(1, sizeof(*hs));
	const json_t *rc = json_object_get(saved, "restart_count");

	if (!hs)
		return NULL;
	hs->o = *o;
	hs->facts = ae_logfacts_new(o->settings.termination);
	if (!hs->facts) {
		free(hs);
		return NULL;
	}
	hs->since = now;
	if (json_is_integer(rc) && json_integer_value(rc) == o->restart_count) {
		const json_t *s = json_object_get(saved, "since");

		if (json_is_number(s))
			hs->since = json_number_value(s);
		ae_logfacts_load(hs->facts, json_object_get(saved, "log"));
	}
	hs->last_growth = mono;
	hs->progress = -2; /* nothing written yet */
	return hs;
}

void helper_states_free(helper_states *hs)
{
	if (!hs)
		return;
	ae_logfacts_free(hs->facts);
	free(hs);
}

json_t *helper_states_save(const helper_states *hs)
{
	json_t *log = ae_logfacts_save(hs->facts);

	return log ? json_pack("{s:i, s:f, s:o}", "restart_count",
	                       hs->o.restart_count, "since", hs->since, "log",
	                       log)
	           : NULL;
}

/* This start's progress.json (ae_restart_record.h): written when a save is
 * seen and at the end, so that the restart guard of a later start knows
 * what this one saved. Without AUTOEXP_JOB_DIR (an older plugin) there is
 * no start directory and nothing is written. */
static void write_progress(helper_states *hs, int force)
{
	int job_fd = hs->o.dirs->run.job_fd;
	long long saved = ae_logfacts_saved(hs->facts);
	ae_error err;

	if (job_fd < 0 || (!force && saved == hs->progress))
		return;
	hs->progress = saved;
	if (ae_restart_record_progress(job_fd, hs->o.attempt, saved,
	                               ae_logfacts_iteration(hs->facts),
	                               &err) < 0)
		helper_log("progress.json not written: %s", err.text);
}

void helper_states_line(helper_states *hs, const char *line, size_t len)
{
	ae_logfacts_line(hs->facts, line, len);
	if (ae_logfacts_saved(hs->facts) != hs->progress &&
	    ae_logfacts_saved(hs->facts) >= 0)
		write_progress(hs, 0);
}

void helper_states_event(helper_states *hs, const ae_event *ev)
{
	if (ae_logfacts_event(hs->facts, ev) < 0)
		helper_log("out of memory: error event %s not kept", ev->name);
}

/* ---- firing ---- */

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int put(ae_node *map, const char *key, ae_node *v)
{
	return v ? ae_map_set(map, key, v) : -1;
}

static ae_node *str_or_null(const char *s)
{
	return s ? ae_node_new_string(s) : ae_node_new_null();
}

static ae_node *int_or_null(int known, long long v)
{
	return known ? ae_node_new_int(v) : ae_node_new_null();
}

/* The fields every state event has. 0 or -1 (memory). */
static int job_fields(const helper_states *hs, ae_node *f,
                      ae_endstate_state state, const char *reason)
{
	long long it = ae_logfacts_iteration(hs->facts);
	long long saved = ae_logfacts_saved(hs->facts);

	return put(f, "saved_iteration", int_or_null(saved >= 0, saved)) |
	       put(f, "state", ae_node_new_string(ae_endstate_name(state))) |
	       put(f, "reason", ae_node_new_string(reason)) |
	       put(f, "iteration", int_or_null(it >= 0, it)) |
	       put(f, "job_id", ae_node_new_string(hs->o.job_id)) |
	       put(f, "restart_count", ae_node_new_int(hs->o.restart_count)) |
	       put(f, "attempt", ae_node_new_int(hs->o.attempt));
}

/* Hand the state's event to the engine (fields borrowed). Nothing when
 * state_events has no entry (or no action) for it. */
static void fire(helper_states *hs, ae_endstate_state state,
                 const ae_node *fields, const char *key)
{
	long long rule = ae_state_events_rule(hs->o.rules, state);
	ae_event *ev;
	ae_error err;
	int n;

	if (rule < 0 || ae_rules_nbindings(hs->o.rules, (size_t)rule) == 0)
		return;
	ev = ae_state_events_event(hs->o.rules, (size_t)rule, fields, key);
	if (!ev) {
		helper_log("out of memory: state event %s not fired",
		           ae_endstate_name(state));
		return;
	}
	n = ae_engine_journal_track(hs->o.ej, (size_t)rule, ev, &err);
	if (n <= 0) {
		if (n < 0)
			helper_log("cannot track state event %s: %s",
			           ae_endstate_name(state), err.text);
		ae_event_free(ev);
		return;
	}
	if (ae_engine_submit(hs->o.engine, (size_t)rule, ev, wall_now(), &err) <
	    0)
		helper_log("state event %s: %s", ae_endstate_name(state),
		           err.text);
}

/* Record the fields in the journal as a `type` record. */
static void record(helper_states *hs, const char *type, const ae_node *fields)
{
	ae_error err;
	json_t *j = ae_json_from_node(fields, &err);

	if (!j || ae_journal_record(hs->o.journal, type, j, &err) < 0)
		helper_log("journal: %s not recorded: %s", type, err.text);
	json_decref(j);
}

/* The dedup key: {"job_id", ["offset",] "restart_count"}, canonical. */
static char *dedup_key(const helper_states *hs, long long offset)
{
	json_t *k = json_pack("{s:s, s:i}", "job_id", hs->o.job_id,
	                      "restart_count", hs->o.restart_count);
	char *s = NULL;

	if (k && offset >= 0 &&
	    json_object_set_new(k, "offset", json_integer(offset)) < 0) {
		json_decref(k);
		return NULL;
	}
	if (k)
		s = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(k);
	return s;
}

/* ---- stall ---- */

static int complete(const helper_states *hs)
{
	ae_endstate_input in;

	ae_logfacts_input(hs->facts, hs->o.config_train_iters, &in);
	return ae_endstate_complete(&in);
}

static double threshold(const helper_states *hs)
{
	return ae_logfacts_saving(hs->facts) ? hs->o.settings.save_inactivity
	                                     : hs->o.settings.inactivity;
}

void helper_states_activity(helper_states *hs, uint64_t signature,
                            int has_content, double mono)
{
	if (signature != hs->signature) {
		hs->signature = signature;
		hs->last_growth = mono;
		hs->fired = 0;
	}
	hs->has_content = has_content;
}

/* When the stall is due (monotonic), INFINITY when it cannot be. */
static double due(const helper_states *hs)
{
	if (hs->o.settings.inactivity <= 0 || hs->fired || hs->ended ||
	    !hs->has_content || complete(hs))
		return INFINITY;
	return hs->last_growth + threshold(hs);
}

int helper_states_timeout_ms(const helper_states *hs, double mono)
{
	double ms = ceil((due(hs) - mono) * 1000.0);

	if (isinf(ms))
		return -1;
	if (ms <= 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void helper_states_check_stall(helper_states *hs, uint64_t offset, double mono)
{
	double thr = threshold(hs), silent = mono - hs->last_growth;
	int saving = ae_logfacts_saving(hs->facts);
	ae_node *f;
	char reason[160], *key;

	if (mono < due(hs))
		return;
	hs->fired = 1;
	snprintf(reason, sizeof(reason),
	         "no log output for %.0f s (threshold %g s%s)", silent, thr,
	         saving ? ", a checkpoint save in progress" : "");
	helper_log("stall: %s at offset %llu", reason,
	           (unsigned long long)offset);
	f = ae_node_new_map();
	key = dedup_key(hs, (long long)offset);
	if (!f || !key || job_fields(hs, f, AE_ENDSTATE_STALL, reason) < 0 ||
	    put(f, "stall_seconds", ae_node_new_float(silent)) < 0 ||
	    put(f, "stall_threshold_seconds", ae_node_new_float(thr)) < 0 ||
	    put(f, "saving", ae_node_new_bool(saving)) < 0 ||
	    put(f, "offset", ae_node_new_int((long long)offset)) < 0) {
		helper_log("out of memory: stall not fired");
		goto out;
	}
	record(hs, "stall_detected", f);
	fire(hs, AE_ENDSTATE_STALL, f, key);
out:
	ae_node_free(f);
	free(key);
}

/* ---- end ---- */

/* The plugin's end record, the JSON key `end` of job_metadata.json in the
 * start's directory (AUTOEXP_JOB_DIR) when there is one, else of the
 * provenance directory's run_metadata.json (an older plugin's place); both
 * read through the helper's descriptors (helper_dirs). A new reference or
 * NULL; path receives the file read. */
static json_t *read_end_record(const helper_states *hs, char *path, size_t size)
{
	const helper_dirs *d = hs->o.dirs;
	const char *name =
	    d->run.job_fd >= 0 ? AE_PROV_JOB_METADATA : AE_PROV_METADATA;
	json_t *meta, *end;
	ae_error err;

	snprintf(path, size, "%s/%s",
	         d->run.job_fd >= 0 ? d->run.job_dir : d->run.prov_dir, name);
	if (d->run.job_fd < 0 && ae_error_isset(&d->job_err)) {
		helper_log("no end record: the start's directory: %s",
		           d->job_err.text);
		return NULL;
	}
	meta = ae_provenance_read_json(
	    d->run.job_fd >= 0 ? d->run.job_fd : d->run.prov_fd, name, &err);
	if (!meta) {
		helper_log("no end record: %s: %s", path,
		           ae_error_isset(&err) ? err.text
		                                : "No such file or directory");
		return NULL;
	}
	end = json_incref(json_object_get(meta, "end"));
	json_decref(meta);
	if (!json_is_object(end)) {
		helper_log("no end record: %s has no object 'end'", path);
		json_decref(end);
		return NULL;
	}
	return end;
}

/* The fields of the end's event. 0 or -1 (memory). */
static int end_fields(const helper_states *hs, ae_node *f,
                      const ae_endstate_input *in, const ae_endstate_result *r)
{
	const ae_node *err = ae_logfacts_error_fields(hs->facts);
	long long rule = ae_state_events_rule(hs->o.rules, r->state);
	const ae_node *stat =
	    rule >= 0 ? ae_rules_metadata(hs->o.rules, (size_t)rule) : NULL;

	/* the last error's fields first, so that the classification's win;
	 * the state event's own metadata wins over both */
	for (size_t i = 0; err && i < ae_map_size(err); i++) {
		const char *k = ae_map_key(err, i);

		if ((!stat || !ae_map_get(stat, k)) &&
		    put(f, k, ae_node_copy(ae_map_value(err, i))) < 0)
			return -1;
	}
	return job_fields(hs, f, r->state, r->reason) |
	       put(f, "exit_code",
	           int_or_null(in->how == AE_ENDSTATE_EXITED, in->exit_code)) |
	       put(f, "signal",
	           int_or_null(in->how == AE_ENDSTATE_SIGNALED, in->signal)) |
	       put(f, "train_iters",
	           int_or_null(in->train_iters > 0, in->train_iters)) |
	       put(f, "error_event", str_or_null(in->error_event)) |
	       put(f, "no_restart", ae_node_new_bool(r->no_restart)) |
	       put(f, "training_complete", ae_node_new_bool(r->complete)) |
	       put(f, "slurm_cancel",
	           str_or_null(ae_endstate_cancel_name(in->cancel))) |
	       put(f, "megatron_exit",
	           str_or_null(ae_endstate_early_name(in->early)));
}

void helper_states_end(helper_states *hs)
{
	ae_endstate_input in;
	ae_endstate_result r;
	char path[PATH_MAX + 32], *key = NULL;
	json_t *end, *t;
	ae_node *f = NULL;

	if (hs->ended)
		return;
	hs->ended = 1;
	end = read_end_record(hs, path, sizeof(path));
	if (!end) {
		helper_log("the job's end is not classified");
		return;
	}
	t = json_object_get(end, "end_time");
	if (json_is_number(t) &&
	    json_number_value(t) + END_TIME_SLACK < hs->since) {
		/* the previous start's, when the plugin could not write this
		 * one's */
		helper_log("the end record in %s is older than this job start: "
		           "the job's end is not classified",
		           path);
		goto out;
	}
	ae_logfacts_input(hs->facts, hs->o.config_train_iters, &in);
	ae_endstate_from_record(end, &in);
	ae_endstate_classify(&in, &r);
	helper_log("job end: %s: %s%s", ae_endstate_name(r.state), r.reason,
	           r.no_restart ? " (no restart)" : "");
	f = ae_node_new_map();
	key = dedup_key(hs, -1);
	if (!f || !key || end_fields(hs, f, &in, &r) < 0) {
		helper_log("out of memory: the job's end is not fired");
		goto out;
	}
	record(hs, "job_end", f);
	write_progress(hs, 1);
	/* a requeued start goes on as the next one: nothing to do here */
	if (r.state != AE_ENDSTATE_REQUEUED)
		fire(hs, r.state, f, key);
out:
	ae_node_free(f);
	free(key);
	json_decref(end);
}
