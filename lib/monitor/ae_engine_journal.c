#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_engine_journal.h"
#include "ae_json.h"

/* One undecided trigger. */
typedef struct entry {
	ae_event *ev; /* own copy: the engine's is freed when decided */
	unsigned binding;
	char *state;  /* last saved condition state (JSON text) or NULL */
	int started;  /* action_started is on disk */
	int refused;  /* the journal said it already fired */
	int resuming; /* left started by a dead helper, to start again */
} entry;

struct ae_engine_journal {
	ae_journal *j;
	const ae_rules *rules;
	entry **v;
	size_t n, cap;
	int dirty;
	unsigned long long errors;
	char last_error[AE_ERROR_TEXT_LEN];
};

static const char *dk(const char *key)
{
	return key ? key : "{}";
}

static void action_id(unsigned binding, char *buf, size_t size)
{
	snprintf(buf, size, "%u", binding);
}

static void entry_free(entry *en)
{
	if (!en)
		return;
	ae_event_free(en->ev);
	free(en->state);
	free(en);
}

ae_engine_journal *ae_engine_journal_new(ae_journal *j, const ae_rules *rules)
{
	ae_engine_journal *ej = calloc(1, sizeof(*ej));

	if (!ej)
		return NULL;
	ej->j = j;
	ej->rules = rules;
	return ej;
}

void ae_engine_journal_free(ae_engine_journal *ej)
{
	if (!ej)
		return;
	for (size_t i = 0; i < ej->n; i++)
		entry_free(ej->v[i]);
	free(ej->v);
	free(ej);
}

static long find(const ae_engine_journal *ej, const char *event,
                 const char *dedup, unsigned binding)
{
	for (size_t i = 0; i < ej->n; i++) {
		const entry *en = ej->v[i];

		if (en->binding == binding && !strcmp(en->ev->name, event) &&
		    !strcmp(dk(en->ev->dedup_key), dk(dedup)))
			return (long)i;
	}
	return -1;
}

static void drop(ae_engine_journal *ej, size_t i)
{
	entry_free(ej->v[i]);
	memmove(ej->v + i, ej->v + i + 1, (ej->n - i - 1) * sizeof(*ej->v));
	ej->n--;
	ej->dirty = 1;
}

/* The journal's word on a trigger (ae_journal_decide): 1 when it is not
 * undecided (in flight, resumable, skipped or decided), else 0. */
static int decided(const ae_engine_journal *ej, const char *event,
                   const char *dedup, unsigned binding)
{
	char id[16];

	action_id(binding, id, sizeof(id));
	return ae_journal_decide(ej->j, event, id, dk(dedup)) !=
	       AE_JOURNAL_UNDECIDED;
}

static ae_event *event_copy(const ae_event *ev)
{
	ae_event *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->offset = ev->offset;
	c->line_no = ev->line_no;
	c->name = strdup(ev->name ? ev->name : "");
	c->dedup_key = strdup(dk(ev->dedup_key));
	if (ev->metadata)
		c->metadata = ae_node_copy(ev->metadata);
	if (!c->name || !c->dedup_key || (ev->metadata && !c->metadata)) {
		ae_event_free(c);
		return NULL;
	}
	return c;
}

/* Takes ev. */
static entry *add(ae_engine_journal *ej, ae_event *ev, unsigned binding)
{
	entry *en;

	if (!ev)
		return NULL;
	if (ej->n == ej->cap) {
		size_t cap = ej->cap ? ej->cap * 2 : 8;
		entry **p = realloc(ej->v, cap * sizeof(*p));

		if (!p) {
			ae_event_free(ev);
			return NULL;
		}
		ej->v = p;
		ej->cap = cap;
	}
	en = calloc(1, sizeof(*en));
	if (!en) {
		ae_event_free(ev);
		return NULL;
	}
	en->ev = ev;
	en->binding = binding;
	ej->v[ej->n++] = en;
	ej->dirty = 1;
	return en;
}

int ae_engine_journal_track(ae_engine_journal *ej, size_t rule,
                            const ae_event *ev, ae_error *err)
{
	size_t nb = ae_rules_nbindings(ej->rules, rule);
	int added = 0;

	for (unsigned b = 0; b < nb; b++) {
		if (find(ej, ev->name, ev->dedup_key, b) >= 0 ||
		    decided(ej, ev->name, ev->dedup_key, b))
			continue;
		if (!add(ej, event_copy(ev), b))
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
		added++;
	}
	return added;
}

static void note_error(ae_engine_journal *ej, const ae_error *err)
{
	ej->errors++;
	snprintf(ej->last_error, sizeof(ej->last_error), "%s", err->text);
}

/* The entry of a key, or NULL (the engine was fed without tracking). */
static entry *lookup(ae_engine_journal *ej, const ae_fire_key *key)
{
	long i = find(ej, key->event, key->dedup_key, key->binding);

	return i < 0 ? NULL : ej->v[i];
}

static int cb_have_fired(void *ctx, const ae_fire_key *key, ae_error *err)
{
	(void)err;
	return decided(ctx, key->event, key->dedup_key, key->binding);
}

static int cb_record_pending(void *ctx, const ae_fire_key *key,
                             const ae_event *ev, const char *state_json,
                             ae_error *err)
{
	ae_engine_journal *ej = ctx;
	entry *en = lookup(ej, key);
	char id[16];
	char *copy;
	int first;

	if (!en && !(en = add(ej, event_copy(ev), key->binding)))
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	first = en->state == NULL;
	copy = strdup(state_json ? state_json : "null");
	if (!copy)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	free(en->state);
	en->state = copy;
	ej->dirty = 1;
	if (!first)
		return 0;
	action_id(key->binding, id, sizeof(id));
	if (ae_journal_record_condition(ej->j, en->ev, id, AE_JOURNAL_PENDING,
	                                state_json, err) < 0) {
		note_error(ej, err);
		return -1;
	}
	return 0;
}

static int cb_record_started(void *ctx, const ae_fire_key *key,
                             const ae_event *ev, const char *action_class,
                             ae_error *err)
{
	ae_engine_journal *ej = ctx;
	entry *en = lookup(ej, key);
	char id[16];
	int rc;

	if (!en && !(en = add(ej, event_copy(ev), key->binding)))
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	action_id(key->binding, id, sizeof(id));
	if (en->resuming) {
		if (ae_journal_record_resumed(ej->j, ev, id, err) < 0) {
			/* not recorded, so not run now: the key stays left
			 * started (resumable), and the engine tries again */
			note_error(ej, err);
			return -1;
		}
		en->resuming = 0;
		en->started = 1;
		ej->dirty = 1;
		return 0;
	}
	rc = ae_journal_record_started(ej->j, ev, id, action_class, err);
	if (rc == 1) {
		en->refused = 1;
		return 1; /* already fired: not started again */
	}
	if (rc < 0) {
		note_error(ej, err);
		return -1;
	}
	en->started = 1;
	ej->dirty = 1;
	return 0;
}

static int cb_record_finished(void *ctx, const ae_fire_key *key,
                              ae_fire_outcome outcome, const char *message,
                              const char *result_json, ae_error *err)
{
	ae_engine_journal *ej = ctx;
	long i = find(ej, key->event, key->dedup_key, key->binding);
	ae_event fallback = {(char *)key->event, 0, 0, NULL,
	                     (char *)dk(key->dedup_key)};
	const ae_event *ev = i >= 0 ? ej->v[i]->ev : &fallback;
	json_t *result = NULL, *fields = NULL;
	char id[16];
	int rc = 0;

	action_id(key->binding, id, sizeof(id));
	if (i >= 0 && ej->v[i]->refused)
		goto out;
	if (i >= 0 && ej->v[i]->started) {
		if (result_json && !(result = json_loads(result_json, 0, NULL)))
			result = json_string(result_json);
		if (!result && message)
			result = json_pack("{s:s}", "message", message);
		rc = ae_journal_record_finished(
		    ej->j, ev, id, outcome == AE_FIRE_SUCCESS ? "ok" : "failed",
		    result, err);
	} else if (outcome == AE_FIRE_SKIPPED) {
		rc = ae_journal_record_condition(
		    ej->j, ev, id, AE_JOURNAL_FAILED, message, err);
	} else {
		fields = json_pack("{s:s, s:s, s:s, s:s?}", "event", ev->name,
		                   "action_id", id, "dedup_key",
		                   dk(ev->dedup_key), "message", message);
		rc = fields
		         ? ae_journal_record(ej->j, "action_not_started",
		                             fields, err)
		         : ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	}
	if (rc < 0) {
		/* kept: the engine records it again later, and until then
		 * an entry not started is saved with the undecided work */
		note_error(ej, err);
		i = -1;
	}
out:
	if (i >= 0)
		drop(ej, (size_t)i);
	json_decref(result);
	json_decref(fields);
	return rc < 0 ? -1 : 0;
}

static const ae_journal_ops ops = {
    cb_have_fired,
    cb_record_pending,
    cb_record_started,
    cb_record_finished,
};

const ae_journal_ops *ae_engine_journal_ops(void)
{
	return &ops;
}

json_t *ae_engine_journal_pending(const ae_engine_journal *ej)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < ej->n; i++) {
		const entry *en = ej->v[i];
		json_t *meta = NULL, *state = NULL, *o;
		ae_error err;

		if (en->started)
			continue;
		if (en->ev->metadata)
			meta = ae_json_from_node(en->ev->metadata, &err);
		if (en->state)
			state = json_loads(en->state, JSON_DECODE_ANY, NULL);
		o = json_pack("{s:s, s:i, s:I, s:I, s:s, s:o, s:o}", "event",
		              en->ev->name, "binding", (int)en->binding,
		              "offset", (json_int_t)en->ev->offset, "line_no",
		              (json_int_t)en->ev->line_no, "dedup_key",
		              dk(en->ev->dedup_key), "metadata",
		              meta ? meta : json_null(), "state",
		              state ? state : json_null());
		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* An event from a saved entry; NULL when the entry is not one. */
static ae_event *event_load(const json_t *o, ae_error *err)
{
	const char *name = NULL, *dedup = NULL;
	json_int_t off = 0, line = 0;
	json_t *meta = NULL;
	ae_event *ev;

	if (json_unpack((json_t *)o, "{s:s, s?I, s?I, s?s, s?o}", "event",
	                &name, "offset", &off, "line_no", &line, "dedup_key",
	                &dedup, "metadata", &meta) < 0)
		return NULL;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return NULL;
	ev->name = strdup(name);
	ev->dedup_key = strdup(dk(dedup));
	ev->offset = off < 0 ? 0 : (uint64_t)off;
	ev->line_no = line < 0 ? 0 : (uint64_t)line;
	if (meta && json_is_object(meta))
		ev->metadata = ae_json_to_node(meta, err);
	if (!ev->name || !ev->dedup_key ||
	    (meta && json_is_object(meta) && !ev->metadata)) {
		ae_event_free(ev);
		return NULL;
	}
	return ev;
}

int ae_engine_journal_restore(ae_engine_journal *ej, ae_engine *e,
                              const json_t *pending, double now,
                              size_t *dropped, ae_error *err)
{
	size_t i, nd = 0;
	json_t *o;
	int restored = 0;

	if (!json_is_array(pending))
		goto out;
	json_array_foreach(pending, i, o)
	{
		json_t *jb = json_object_get(o, "binding");
		json_t *js = json_object_get(o, "state");
		ae_event *ev = event_load(o, err), *mine;
		char *state = NULL;
		long rule;
		entry *en;
		unsigned b;

		if (!ev || !json_is_integer(jb) || json_integer_value(jb) < 0) {
			ae_event_free(ev);
			nd++;
			continue;
		}
		b = (unsigned)json_integer_value(jb);
		rule = ae_rules_find(ej->rules, ev->name);
		if (rule < 0 ||
		    b >= ae_rules_nbindings(ej->rules, (size_t)rule) ||
		    find(ej, ev->name, ev->dedup_key, b) >= 0 ||
		    decided(ej, ev->name, ev->dedup_key, b)) {
			ae_event_free(ev);
			nd++;
			continue;
		}
		if (js && !json_is_null(js))
			state = json_dumps(js, JSON_COMPACT | JSON_ENCODE_ANY);
		mine = event_copy(ev);
		if (!mine || !(en = add(ej, mine, b))) {
			ae_event_free(ev);
			free(state);
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
		}
		en->state = state;
		if (ae_engine_restore(e, (size_t)rule, b, ev, state, now,
		                      err) == 0) {
			restored++;
			continue;
		}
		/* a state the current condition cannot take: start over */
		free(en->state);
		en->state = NULL;
		ev = event_copy(en->ev);
		if (ev && ae_engine_restore(e, (size_t)rule, b, ev, NULL, now,
		                            err) == 0) {
			restored++;
			continue;
		}
		drop(ej, ej->n - 1);
		nd++;
	}
out:
	if (dropped)
		*dropped = nd;
	return restored;
}

/* Rule and binding of a started record; -1 when the rules have no such. */
static long started_binding(const ae_rules *rules, const json_t *started,
                            unsigned *binding)
{
	const char *ev = json_string_value(json_object_get(started, "event"));
	const char *act = json_string_value(json_object_get(started, "action"));
	char *end;
	unsigned long b;
	long rule;

	if (!ev || !act || !*act)
		return -1;
	b = strtoul(act, &end, 10);
	rule = ae_rules_find(rules, ev);
	if (*end || rule < 0 || b >= ae_rules_nbindings(rules, (size_t)rule))
		return -1;
	*binding = (unsigned)b;
	return rule;
}

int ae_engine_journal_resumable(void *rules, const json_t *started)
{
	unsigned b;
	long rule = started_binding(rules, started, &b);
	const ae_binding *bd;

	if (rule < 0 || json_object_get(started, "metadata_error"))
		return 0;
	bd = ae_rules_binding(rules, (size_t)rule, b);
	return bd && bd->action && ae_action_resumable(bd->action);
}

int ae_engine_journal_resume(ae_engine_journal *ej, ae_engine *e,
                             const json_t *started, double now, ae_error *err)
{
	const char *key = json_string_value(json_object_get(started, "key"));
	json_t *meta = json_object_get(started, "metadata");
	json_int_t off = json_integer_value(json_object_get(started, "offset"));
	json_int_t line = json_integer_value(json_object_get(started, "line"));
	ae_event *ev = NULL, *mine = NULL;
	unsigned b;
	long rule = started_binding(ej->rules, started, &b);
	entry *en;

	if (rule < 0 || !key)
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "no such action in the current rules");
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		goto nomem;
	ev->name = strdup(json_string_value(json_object_get(started, "event")));
	ev->dedup_key = strdup(key);
	ev->offset = off < 0 ? 0 : (uint64_t)off;
	ev->line_no = line < 0 ? 0 : (uint64_t)line;
	if (json_is_object(meta) &&
	    !(ev->metadata = ae_json_to_node(meta, err))) {
		ae_event_free(ev);
		return -1;
	}
	if (!ev->name || !ev->dedup_key || !(mine = event_copy(ev)))
		goto nomem;
	if (find(ej, ev->name, ev->dedup_key, b) >= 0) {
		ae_event_free(ev);
		ae_event_free(mine);
		return 0; /* already known */
	}
	if (!(en = add(ej, mine, b))) {
		ae_event_free(ev);
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	}
	en->resuming = 1;
	if (ae_engine_resume(e, (size_t)rule, b, ev, now, err) < 0) {
		drop(ej, ej->n - 1);
		return -1;
	}
	return 1;
nomem:
	ae_event_free(ev);
	ae_event_free(mine);
	return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
}

size_t ae_engine_journal_count(const ae_engine_journal *ej)
{
	return ej->n;
}

int ae_engine_journal_dirty(const ae_engine_journal *ej)
{
	return ej->dirty;
}

void ae_engine_journal_clean(ae_engine_journal *ej)
{
	ej->dirty = 0;
}

unsigned long long ae_engine_journal_errors(const ae_engine_journal *ej)
{
	return ej->errors;
}

const char *ae_engine_journal_last_error(const ae_engine_journal *ej)
{
	return ej->last_error;
}
