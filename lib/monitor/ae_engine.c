#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ae_engine.h"

#define DEFAULT_MAX_RUNNING 4
/* A journal that could not record (a full disk) is tried again after this
 * long, doubling up to JOURNAL_RETRY_MAX while it keeps failing. */
#define JOURNAL_RETRY_MIN 1.0
#define JOURNAL_RETRY_MAX 10.0

typedef struct evref {
	ae_event *ev;
	unsigned refs;
} evref;

typedef enum phase {
	P_QUEUED = 0, /* queue mode, not looked at yet */
	P_WAITING,    /* conditions pending */
	P_READY,      /* conditions passed, waiting for a free slot */
	P_RUNNING,
	P_RECORD, /* decided, the journal has not recorded it yet */
	P_DONE,
} phase;

typedef struct item {
	evref *ev;
	size_t rule;
	unsigned binding;
	const ae_binding *b;
	phase phase;
	ae_cond_state *cst;
	double next;
	char *saved; /* last state given to record_pending */
	int waiting; /* dry run: started with a condition waiting on time */
	ae_action_exec *x;
	/* P_RECORD: the decision to record (owned) */
	ae_fire_outcome outcome;
	char *message, *result;
} item;

struct ae_engine {
	const ae_rules *rules;
	ae_engine_opts o;
	item **items;
	size_t n, cap;
	size_t running;
	int stopping;    /* ae_engine_request_stop: only running actions move */
	double retry_at; /* the journal failed: nothing is recorded before */
	double retry_wait; /* the current backoff, 0 while the journal works */
	char journal_error[AE_ERROR_TEXT_LEN];
	ae_engine_stats stats;
};

static void evref_drop(evref *r)
{
	if (r && --r->refs == 0) {
		ae_event_free(r->ev);
		free(r);
	}
}

static void item_free(item *it)
{
	if (!it)
		return;
	ae_cond_state_free(it->cst);
	ae_action_exec_free(it->x);
	free(it->saved);
	free(it->message);
	free(it->result);
	evref_drop(it->ev);
	free(it);
}

ae_engine *ae_engine_new(const ae_rules *rules, const ae_engine_opts *opts,
                         ae_error *err)
{
	ae_engine *e = calloc(1, sizeof(*e));

	if (!e) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	e->rules = rules;
	if (opts)
		e->o = *opts;
	if (!e->o.max_running)
		e->o.max_running = DEFAULT_MAX_RUNNING;
	return e;
}

void ae_engine_free(ae_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		item_free(e->items[i]);
	free(e->items);
	free(e);
}

static ae_fire_key key_of(const item *it)
{
	ae_fire_key k = {it->ev->ev->name, it->ev->ev->dedup_key, it->binding};

	return k;
}

static void env_of(const ae_engine *e, const item *it, ae_template_ctx *t,
                   ae_eval_env *env, double now)
{
	t->metadata = it->ev->ev->metadata;
	t->vars = e->o.vars;
	t->config = e->o.config;
	memset(env, 0, sizeof(*env));
	env->now = now;
	env->tmpl = t;
	env->envp = e->o.envp;
	env->cwd = e->o.cwd;
	env->attempt = e->o.attempt;
	env->home = e->o.home;
	env->dirs = e->o.dirs;
}

/* The journal could not record (err): what needed it waits, and is tried
 * again after the backoff. */
static void journal_failed(ae_engine *e, const ae_error *err, double now)
{
	e->stats.journal_errors++;
	e->retry_wait = e->retry_wait ? e->retry_wait * 2 : JOURNAL_RETRY_MIN;
	if (e->retry_wait > JOURNAL_RETRY_MAX)
		e->retry_wait = JOURNAL_RETRY_MAX;
	e->retry_at = now + e->retry_wait;
	snprintf(e->journal_error, sizeof(e->journal_error), "%s", err->text);
}

static void journal_works(ae_engine *e)
{
	e->retry_wait = e->retry_at = 0;
	e->journal_error[0] = '\0';
}

/* Record the item's decision; until the journal has it the item stays
 * (P_RECORD) and is tried again: a decision the journal does not know is
 * not kept, so the item is saved with the undecided work, and a skipped
 * trigger would be evaluated again after a restart. */
static void record(ae_engine *e, item *it, double now)
{
	ae_fire_key k = key_of(it);
	ae_error jerr;

	if (e->o.journal && e->o.journal->record_finished &&
	    e->o.journal->record_finished(e->o.journal_ctx, &k, it->outcome,
	                                  it->message, it->result, &jerr) < 0) {
		it->phase = P_RECORD;
		journal_failed(e, &jerr, now);
		return;
	}
	journal_works(e);
	it->phase = P_DONE;
}

/* Decide the item: counted and logged now, recorded as soon as the
 * journal can. */
static void finish(ae_engine *e, item *it, ae_fire_outcome outcome,
                   const char *message, const char *result, double now)
{
	ae_fire_key k = key_of(it);
	const char *cls = ae_action_class_name(it->b->action);

	if (outcome == AE_FIRE_SUCCESS)
		e->stats.succeeded++;
	else if (outcome == AE_FIRE_FAILED)
		e->stats.failed++;
	else
		e->stats.skipped++;
	if (e->o.log)
		e->o.log(e->o.log_ctx, &k, cls, outcome, message);
	it->outcome = outcome;
	/* an item decided again (its record waited) keeps only the last */
	free(it->message);
	free(it->result);
	it->message = message ? strdup(message) : NULL;
	it->result = result ? strdup(result) : NULL;
	/* without the memory the decision is recorded without its text */
	record(e, it, now);
}

static int save_pending(ae_engine *e, item *it)
{
	ae_fire_key k = key_of(it);
	json_t *j;
	char *s;
	ae_error jerr;

	if (!e->o.journal || !e->o.journal->record_pending)
		return 0;
	j = ae_cond_state_save(it->cst);
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!s)
		return -1;
	if (it->saved && !strcmp(it->saved, s)) {
		free(s);
		return 0;
	}
	free(it->saved);
	it->saved = s;
	if (e->o.journal->record_pending(e->o.journal_ctx, &k, it->ev->ev, s,
	                                 &jerr) < 0) {
		e->stats.journal_errors++;
		return -1;
	}
	return 0;
}

static void start(ae_engine *e, item *it, double now)
{
	ae_fire_key k = key_of(it);
	const char *cls = ae_action_class_name(it->b->action);
	ae_template_ctx t;
	ae_eval_env env;
	ae_error jerr;
	int rc = 0;

	if (e->o.journal && e->o.journal->record_started)
		rc = e->o.journal->record_started(e->o.journal_ctx, &k,
		                                  it->ev->ev, cls, &jerr);
	if (rc == 1) {
		finish(e, it, AE_FIRE_FAILED,
		       "not started: the journal has it decided already", NULL,
		       now);
		return;
	}
	if (rc < 0) {
		/* Not recorded, so not run now (at most once), but not
		 * decided either: it waits, with the work saved in the state,
		 * and starts once the journal takes its record. */
		journal_failed(e, &jerr, now);
		return;
	}
	journal_works(e);
	env_of(e, it, &t, &env, now);
	if (e->o.dry_run) {
		e->o.dry_run(e->o.dry_run_ctx, &k, it->ev->ev, it->b,
		             it->waiting, &env);
		e->stats.started++;
		finish(e, it, AE_FIRE_SUCCESS, "dry run: not started", NULL,
		       now);
		return;
	}
	it->x = ae_action_start(it->b->action, &env);
	if (!it->x) {
		finish(e, it, AE_FIRE_FAILED, "out of memory", NULL, now);
		return;
	}
	e->stats.started++;
	it->phase = P_RUNNING;
	e->running++;
}

/* Move an item as far as it goes at now. */
static int advance(ae_engine *e, item *it, double now)
{
	ae_template_ctx t;
	ae_eval_env env;

	if (it->phase == P_RECORD) {
		if (now >= e->retry_at)
			record(e, it, now);
		return 0;
	}
	if (e->stopping && it->phase != P_RUNNING)
		return 0; /* stays undecided, for the next helper */
	if (it->phase == P_QUEUED || it->phase == P_WAITING) {
		if (it->b->conditions) {
			ae_error why;
			ae_cond_result r;

			env_of(e, it, &t, &env, now);
			r = ae_condition_eval(it->b->conditions, it->cst, &env,
			                      &it->next, &why);
			/* a dry run waits for commands, never for time */
			if (r == AE_COND_WAITING && e->o.dry_run &&
			    ae_cond_state_fds(it->cst, (int[4]){0}, 4) == 0) {
				it->waiting = 1;
			} else if (r == AE_COND_WAITING) {
				it->phase = P_WAITING;
				return save_pending(e, it);
			}
			if (r == AE_COND_FAIL) {
				finish(e, it, AE_FIRE_SKIPPED, why.text, NULL,
				       now);
				return 0;
			}
		}
		it->phase = P_READY;
	}
	if (it->phase == P_READY) {
		/* a failing journal holds back every start until its retry */
		if (e->running >= e->o.max_running || now < e->retry_at)
			return 0;
		start(e, it, now);
	}
	if (it->phase == P_RUNNING) {
		ae_action_status st = ae_action_poll(it->x, now);
		char *result;

		if (st == AE_ACTION_RUNNING)
			return 0;
		e->running--;
		result = json_dumps(ae_action_exec_result(it->x),
		                    JSON_COMPACT | JSON_SORT_KEYS);
		finish(e, it,
		       st == AE_ACTION_SUCCESS ? AE_FIRE_SUCCESS
		                               : AE_FIRE_FAILED,
		       ae_action_exec_message(it->x), result, now);
		free(result);
		ae_action_exec_free(it->x);
		it->x = NULL;
		return 0;
	}
	return 0;
}

static void sweep(ae_engine *e)
{
	size_t o = 0;

	for (size_t i = 0; i < e->n; i++) {
		if (e->items[i]->phase == P_DONE)
			item_free(e->items[i]);
		else
			e->items[o++] = e->items[i];
	}
	e->n = o;
}

static int same_key(const item *it, const char *name, const char *dk,
                    unsigned binding)
{
	return it->binding == binding && !strcmp(it->ev->ev->name, name) &&
	       !strcmp(it->ev->ev->dedup_key, dk);
}

/* 1 when the trigger k may be taken: no work of the engine holds it (in
 * flight: queued, waiting or running, not yet all in the journal) and the
 * journal says it is undecided. 0 when not, -1 when the journal failed. */
static int undecided(ae_engine *e, const ae_fire_key *k, ae_error *err)
{
	int fired;

	for (size_t i = 0; i < e->n; i++)
		if (e->items[i]->phase != P_DONE &&
		    same_key(e->items[i], k->event, k->dedup_key, k->binding))
			return 0;
	if (!e->o.journal || !e->o.journal->have_fired)
		return 1;
	fired = e->o.journal->have_fired(e->o.journal_ctx, k, err);
	if (fired < 0)
		e->stats.journal_errors++;
	return fired < 0 ? -1 : !fired;
}

/* A new item for binding j of the event; NULL when memory runs out. */
static item *add_item(ae_engine *e, evref *r, size_t rule, unsigned j)
{
	item *it;

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		item **p = realloc(e->items, cap * sizeof(*p));

		if (!p)
			return NULL;
		e->items = p;
		e->cap = cap;
	}
	it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;
	it->b = ae_rules_binding(e->rules, rule, j);
	it->rule = rule;
	it->binding = j;
	it->ev = r;
	r->refs++;
	if (it->b->conditions &&
	    !(it->cst = ae_cond_state_new(it->b->conditions))) {
		item_free(it);
		return NULL;
	}
	it->phase = it->b->mode == AE_MODE_QUEUE ? P_QUEUED : P_WAITING;
	e->items[e->n++] = it;
	return it;
}

int ae_engine_submit(ae_engine *e, size_t rule, ae_event *ev, double now,
                     ae_error *err)
{
	size_t nb = ae_rules_nbindings(e->rules, rule);
	evref *r = calloc(1, sizeof(*r));
	int rc = 0;

	if (!r) {
		ae_event_free(ev);
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	}
	r->ev = ev;
	r->refs = 1;
	e->stats.events++;
	if (!ev->dedup_key && !(ev->dedup_key = strdup("{}"))) {
		rc = ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	for (unsigned j = 0; j < nb; j++) {
		ae_fire_key k = {ev->name, ev->dedup_key, j};
		int may = undecided(e, &k, err);
		item *it;

		if (may < 0) {
			rc = -1;
			goto out;
		}
		if (!may) {
			e->stats.deduped++;
			continue;
		}
		it = add_item(e, r, rule, j);
		if (!it) {
			rc = ae_error_set(err, NULL, 0, 0, NULL,
			                  "out of memory");
			goto out;
		}
		if (it->phase != P_QUEUED && advance(e, it, now) < 0) {
			rc = ae_error_set(err, NULL, 0, 0, NULL,
			                  "journal failed for %s action %u",
			                  ev->name, j);
		}
	}
out:
	evref_drop(r);
	sweep(e);
	return rc;
}

/* An item for saved or interrupted work: binding of rule for ev (taken,
 * also on failure), its phase set by the caller. NULL with err set. */
static item *revive(ae_engine *e, size_t rule, unsigned binding, ae_event *ev,
                    ae_error *err)
{
	evref *r = calloc(1, sizeof(*r));
	item *it = NULL;

	if (!r) {
		ae_event_free(ev);
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	r->ev = ev;
	r->refs = 1;
	if (binding >= ae_rules_nbindings(e->rules, rule))
		ae_error_set(err, NULL, 0, 0, NULL,
		             "no action %u for event %s in the current rules",
		             binding, ev->name);
	else if ((!ev->dedup_key && !(ev->dedup_key = strdup("{}"))) ||
	         !(it = add_item(e, r, rule, binding)))
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	evref_drop(r); /* the item holds it */
	return it;
}

int ae_engine_restore(ae_engine *e, size_t rule, unsigned binding, ae_event *ev,
                      const char *state_json, double now, ae_error *err)
{
	item *it = revive(e, rule, binding, ev, err);
	json_error_t jerr;
	json_t *j = NULL;
	int rc = -1;

	if (!it)
		return -1;
	if (it->cst && state_json) {
		ae_cond_state *st;

		j = json_loads(state_json, 0, &jerr);
		st = j ? ae_cond_state_load(it->b->conditions, j, err) : NULL;
		if (!st) {
			if (!j)
				ae_error_set(err, NULL, 0, 0, NULL,
				             "saved state: %s", jerr.text);
			it->phase = P_DONE;
			sweep(e);
			goto out;
		}
		ae_cond_state_free(it->cst);
		it->cst = st;
		it->saved = strdup(state_json);
	}
	it->phase = P_WAITING;
	it->next = now;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

int ae_engine_resume(ae_engine *e, size_t rule, unsigned binding, ae_event *ev,
                     double now, ae_error *err)
{
	item *it = revive(e, rule, binding, ev, err);

	if (!it)
		return -1;
	it->phase = P_READY;
	it->next = now;
	return 0;
}

int ae_engine_step(ae_engine *e, double now, ae_error *err)
{
	int rc = 0;

	/* Finished actions first, so their slots can be used below. */
	for (size_t i = 0; i < e->n; i++)
		if (e->items[i]->phase == P_RUNNING &&
		    advance(e, e->items[i], now) < 0)
			rc = -1;
	for (size_t i = 0; i < e->n; i++) {
		item *it = e->items[i];
		int due = it->phase == P_QUEUED || it->phase == P_READY ||
		          it->phase == P_RECORD ||
		          (it->phase == P_WAITING &&
		           (now >= it->next ||
		            (it->cst &&
		             ae_cond_state_fds(it->cst, (int[4]){0}, 4) > 0)));

		if (due && advance(e, it, now) < 0)
			rc = -1;
	}
	sweep(e);
	if (rc < 0)
		ae_error_set(err, NULL, 0, 0, NULL, "the journal failed");
	return rc;
}

double ae_engine_next_time(const ae_engine *e, double now)
{
	double t = INFINITY;

	for (size_t i = 0; i < e->n; i++) {
		const item *it = e->items[i];
		double n = INFINITY;

		if (e->stopping && it->phase != P_RUNNING &&
		    it->phase != P_RECORD)
			continue;
		if (it->phase == P_RECORD ||
		    (it->phase == P_READY && e->running < e->o.max_running))
			n = now > e->retry_at ? now : e->retry_at;
		else if (it->phase == P_QUEUED)
			n = now;
		else if (it->phase == P_WAITING)
			n = it->next;
		else if (it->phase == P_RUNNING)
			n = ae_action_exec_next_time(it->x, now);
		if (n < t)
			t = n;
	}
	return t;
}

int ae_engine_fds(const ae_engine *e, int *fds, int max)
{
	int n = 0;

	for (size_t i = 0; i < e->n && n < max; i++) {
		const item *it = e->items[i];

		if (it->phase == P_RUNNING)
			n += ae_action_exec_fds(it->x, fds + n, max - n);
		else if (it->phase == P_WAITING && it->cst && !e->stopping)
			n += ae_cond_state_fds(it->cst, fds + n, max - n);
	}
	return n;
}

size_t ae_engine_pending(const ae_engine *e)
{
	return e->n;
}

size_t ae_engine_journal_held(const ae_engine *e)
{
	size_t n = 0;

	/* while it fails every start waits for it, not only the one tried */
	for (size_t i = 0; e->retry_wait && i < e->n; i++)
		n += e->items[i]->phase == P_RECORD ||
		     e->items[i]->phase == P_READY;
	return n;
}

const char *ae_engine_journal_error(const ae_engine *e)
{
	return e->journal_error;
}

void ae_engine_request_stop(ae_engine *e)
{
	e->stopping = 1;
	for (size_t i = 0; i < e->n; i++)
		if (e->items[i]->phase == P_RUNNING)
			ae_action_exec_request_stop(e->items[i]->x);
}

size_t ae_engine_critical_children(const ae_engine *e)
{
	size_t n = 0;
	int fds[4];

	for (size_t i = 0; i < e->n; i++) {
		const item *it = e->items[i];

		if (it->phase == P_RUNNING &&
		    ae_action_resumable(it->b->action) &&
		    ae_action_exec_fds(it->x, fds, 4) > 0)
			n++;
	}
	return n;
}

void ae_engine_get_stats(const ae_engine *e, ae_engine_stats *stats)
{
	*stats = e->stats;
}
