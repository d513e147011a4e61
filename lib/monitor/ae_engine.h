/* ae_engine: runs the actions of matched events, at most once each, in an
 * event loop without threads or sleeps.
 *
 * Each event from ae_rules becomes one work item per entry of its rule's
 * `actions` (a binding). An item is identified by (event name, dedup key,
 * binding index): the journal says whether that trigger already fired, and
 * is told before an action starts and after it ends, so a restarted helper
 * never runs an action twice. An item goes
 *   conditions (maybe WAITING, re-checked at their next-check time or when a
 *   command's descriptor is ready) -> started -> running -> finished
 * or ends as "skipped" when a condition fails (a blocking condition's
 * timeout included). Inline bindings are advanced as soon as the event is
 * submitted, queue bindings at the next ae_engine_step(); neither ever
 * blocks. Waiting conditions are handed to the journal as JSON so that they
 * can be restored after a restart (ae_engine_restore).
 *
 * The loop: poll() on ae_engine_fds() with a timeout until
 * ae_engine_next_time(), then ae_engine_step().
 *
 * A journal that cannot record (a full disk, an I/O error, a read-only
 * file system) loses nothing and runs nothing twice: an action whose start
 * it cannot record does not start and is not decided either; it waits,
 * with every other start, and so does a decision it cannot record. Both
 * are tried again after 1 s, then doubling up to 10 s while the journal
 * keeps failing; ae_engine_journal_held() says how much waits.
 *
 * A dry run (ae_engine_opts.dry_run, `autoexp replay`) goes through the
 * same dedup, conditions and journal calls, but where an action would
 * start it is reported instead and decided as succeeded.
 */
#ifndef AE_ENGINE_H
#define AE_ENGINE_H

#include <stddef.h>

#include "ae_error.h"
#include "ae_event.h"
#include "ae_node.h"
#include "ae_rules.h"

/* Identifies one trigger of one action. All borrowed. */
typedef struct ae_fire_key {
	const char *event;     /* the rule (event) name */
	const char *dedup_key; /* the event's canonical JSON key */
	unsigned binding;      /* index in the rule's `actions` */
} ae_fire_key;

typedef enum ae_fire_outcome {
	AE_FIRE_SUCCESS = 0,
	AE_FIRE_FAILED,  /* the action ran (or could not start) and failed */
	AE_FIRE_SKIPPED, /* a condition failed: the action never started */
} ae_fire_outcome;

/* The journal, as the engine uses it. Every callback returns 0 (or 1 for a
 * yes from have_fired) and -1 with err set on failure. Whether a trigger
 * may run is the journal's to say (have_fired; ae_journal_decide for the
 * real one); the engine adds only what it holds itself, in flight. A
 * record_started or record_finished that fails is called again later for
 * the same trigger (above). */
typedef struct ae_journal_ops {
	/* Was this trigger started or decided (finished/skipped) before? */
	int (*have_fired)(void *ctx, const ae_fire_key *key, ae_error *err);
	/* Conditions are waiting; state_json restores them (ae_engine_restore).
	 * Called again whenever the state changes. May be NULL. */
	int (*record_pending)(void *ctx, const ae_fire_key *key,
	                      const ae_event *ev, const char *state_json,
	                      ae_error *err);
	/* The action is about to start. Must be durable when it returns 0:
	 * -1 means it does not run now (it is tried again); 1 means the
	 * journal has it decided already: it never runs (decided as failed,
	 * and record_finished must record nothing for it). */
	int (*record_started)(void *ctx, const ae_fire_key *key,
	                      const ae_event *ev, const char *action_class,
	                      ae_error *err);
	/* The trigger is decided. result_json: the action's provenance
	 * (argv, exit status, output...) or NULL when it never started. */
	int (*record_finished)(void *ctx, const ae_fire_key *key,
	                       ae_fire_outcome outcome, const char *message,
	                       const char *result_json, ae_error *err);
} ae_journal_ops;

typedef struct ae_engine_opts {
	const ae_journal_ops
	    *journal; /* NULL: no dedup beyond work in flight */
	void *journal_ctx;
	const ae_node *vars;   /* template variables: output_dir, job_id, ... */
	const ae_node *config; /* the resolved config, for {dotted.keys} */
	const char *const *envp;  /* environment of commands */
	const char *cwd;          /* their working directory */
	const char *home;         /* for ~ in condition paths */
	int attempt;              /* the job's attempt, from 1 */
	const ae_eval_dirs *dirs; /* the run's open directories, or NULL */
	/* Told about every decided trigger (the helper's log). May be NULL. */
	void (*log)(void *ctx, const ae_fire_key *key, const char *action_class,
	            ae_fire_outcome outcome, const char *message);
	void *log_ctx;
	size_t max_running; /* actions running at once; 0: 4 */
	/* A dry run: no action ever starts. Each one that would, once its
	 * conditions passed and record_started accepted it, is told here
	 * instead (env: its template variables and environment, borrowed for
	 * the call) and decided as succeeded. A dry run has no time to wait:
	 * a condition waiting on time alone, with no command running, counts
	 * as passed with waiting = 1. NULL: actions run. */
	void (*dry_run)(void *ctx, const ae_fire_key *key, const ae_event *ev,
	                const ae_binding *binding, int waiting,
	                const ae_eval_env *env);
	void *dry_run_ctx;
} ae_engine_opts;

typedef struct ae_engine_stats {
	unsigned long long events;  /* submitted */
	unsigned long long deduped; /* triggers skipped as already fired */
	unsigned long long started;
	unsigned long long succeeded;
	unsigned long long failed;
	unsigned long long skipped; /* conditions failed */
	unsigned long long journal_errors;
} ae_engine_stats;

typedef struct ae_engine ae_engine;

/* rules and everything in opts are borrowed and must outlive the engine. */
ae_engine *ae_engine_new(const ae_rules *rules, const ae_engine_opts *opts,
                         ae_error *err);
/* Kills running commands. Safe on NULL. */
void ae_engine_free(ae_engine *e);

/* Take an event of rule `rule` (ownership passes, also on failure) at time
 * now (wall clock, seconds). Returns 0, or -1 with err set (no memory, or
 * the journal failed). */
int ae_engine_submit(ae_engine *e, size_t rule, ae_event *ev, double now,
                     ae_error *err);

/* Re-create waiting work saved by record_pending (ownership of ev passes). */
int ae_engine_restore(ae_engine *e, size_t rule, unsigned binding, ae_event *ev,
                      const char *state_json, double now, ae_error *err);

/* Start again an action that was running when the helper died and whose
 * class is resumable (ae_action_resumable): its conditions had passed, so
 * it goes straight to the start, where the journal's record_started is told
 * (the adapter records it as resumed). Ownership of ev passes. 0, or -1
 * with err set. */
int ae_engine_resume(ae_engine *e, size_t rule, unsigned binding, ae_event *ev,
                     double now, ae_error *err);

/* Advance everything that can move at now. Returns 0 or -1 (journal). */
int ae_engine_step(ae_engine *e, double now, ae_error *err);

/* When a step is next needed at the latest (INFINITY: only on a
 * descriptor, or nothing pending). */
double ae_engine_next_time(const ae_engine *e, double now);
/* Descriptors to wait on (readable). Returns how many were written. */
int ae_engine_fds(const ae_engine *e, int *fds, int max);
/* Work not decided yet (or whose decision is not recorded yet). */
size_t ae_engine_pending(const ae_engine *e);
/* Of that, the work that waits because the journal could not record its
 * start or its decision: 0 while the journal works. */
size_t ae_engine_journal_held(const ae_engine *e);
/* The journal's last failure ("" while it works). Borrowed. */
const char *ae_engine_journal_error(const ae_engine *e);

/* The end of a drain: from now on nothing starts, no condition is
 * evaluated and queued work stays as it is (undecided, for the next helper
 * of the job); running actions are asked to stop at their next safe point
 * (ae_action_exec_request_stop) and go on being polled. */
void ae_engine_request_stop(ae_engine *e);
/* Running actions of resumable classes that have a child running (a
 * sbatch): killing one would leave unknown what it did, so a drain waits
 * for these to end (each has its own timeout). */
size_t ae_engine_critical_children(const ae_engine *e);
void ae_engine_get_stats(const ae_engine *e, ae_engine_stats *stats);

#endif /* AE_ENGINE_H */
