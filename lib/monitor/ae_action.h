/* ae_action: what a monitoring rule does when it fires.
 *
 * class_name          fields (default)
 * LogAction           message (template, ""): the rendered message is the
 *                     result, which the engine writes to the journal and to
 *                     the helper's log. Alias LogMessageAction.
 * RunCommandAction    command (argv of templates; no shell), cwd (template),
 *                     env (mapping of extra variables, templates),
 *                     timeout_seconds (3600, 0 = none): exit 0 succeeds; the
 *                     argv, exit status and the tails of stdout/stderr are
 *                     kept in the result (provenance).
 * EventAction         a binding, not an action: mode (inline|queue, inline),
 *                     conditions (list), action (required). See ae_binding.
 * RunAutoexpAction    a follow-up autoexp run (ae_cooldown.h). The table
 *                     holds a class that checks it (ae_cooldown_spec.h) but
 *                     fails when run; the helper registers the one that runs
 *                     (ae_cooldown_register) before compiling its rules.
 * RestartAction       continue the run: scontrol requeue (ae_restart.h;
 *                     fields in ae_restart_spec.h). Like RunAutoexpAction,
 *                     the table's class checks and fails when run; the
 *                     helper registers the one that runs
 *                     (ae_restart_register).
 *
 * Actions never block: ae_action_start() renders and starts (a command runs
 * as a child), ae_action_poll() advances it. Classes live in a registry keyed
 * by class_name; a new class is added with ae_action_register().
 */
#ifndef AE_ACTION_H
#define AE_ACTION_H

#include <jansson.h>

#include "ae_condition.h"
#include "ae_error.h"
#include "ae_node.h"
#include "ae_spawn.h"

typedef enum ae_action_status {
	AE_ACTION_RUNNING = 0,
	AE_ACTION_SUCCESS,
	AE_ACTION_FAILED,
} ae_action_status;

typedef struct ae_action ae_action;
typedef struct ae_action_exec ae_action_exec;

/* An action class. All members static or owned by the registrant. */
typedef struct ae_action_class {
	const char *name;
	const char *const
	    *fields; /* allowed keys, incl. class_name; NULL-ended */
	/* Check the config and build private data (*data may stay NULL).
	 * Returns 0 or -1 with err set at the offending node. */
	int (*compile)(const ae_node *cfg, int unresolved, void **data,
	               ae_error *err);
	void (*free)(void *data);
	/* Start for one event: either finish x right away
	 * (ae_action_exec_finish) or attach a running child. Returns 0, or -1
	 * with err set when it could not start (the action then failed). */
	int (*start)(const void *data, const ae_eval_env *env,
	             ae_action_exec *x, ae_error *err);
	/* The attached child finished: set the result. NULL: exit 0 succeeds.
	 * May instead leave x running with a new child attached or a timer set
	 * (ae_action_exec_wake_at), e.g. to retry. */
	void (*child_done)(const void *data, ae_action_exec *x);
	/* The timer set with ae_action_exec_wake_at expired (now >= its time):
	 * attach a child, set another timer, or finish. NULL when the class
	 * sets no timers. */
	void (*wake)(const void *data, ae_action_exec *x, double now);
	/* 1: a start after the helper died while this action ran is safe and
	 * does not repeat what the first one did, because the class keeps
	 * its own record of how far it got; the helper then resumes it
	 * instead of recording it interrupted (ae_journal.h). */
	int resumable;
} ae_action_class;
/* A resumable class honours ae_action_exec_request_stop: a child it runs is
 * its critical section (killing it leaves unknown what it did), so the
 * helper at the end of its drain lets such children end first. */

/* Add or replace (same name) a class; actions compiled before keep the
 * class they were compiled with. Returns 0 or -1 when the table is full.
 * Not thread-safe: call at start-up. */
int ae_action_register(const ae_action_class *cls);
const ae_action_class *ae_action_find(const char *name);

/* Compile a plain action (not EventAction). NULL with err set. */
ae_action *ae_action_compile(const ae_node *cfg, int unresolved, ae_error *err);
void ae_action_free(ae_action *a);
const char *ae_action_class_name(const ae_action *a);
/* The class's `resumable` (0 or 1). */
int ae_action_resumable(const ae_action *a);

/* Start at env->now. Returns a new execution (caller frees) or NULL when
 * memory runs out; a failure to start is an execution that FAILED. */
ae_action_exec *ae_action_start(const ae_action *a, const ae_eval_env *env);
/* Advance (never blocks). Returns the status. */
ae_action_status ae_action_poll(ae_action_exec *x, double now);
ae_action_status ae_action_exec_status(const ae_action_exec *x);
/* One-line outcome ("" while running). Borrowed. */
const char *ae_action_exec_message(const ae_action_exec *x);
/* The result object for provenance (borrowed): class_name, status, message
 * and what the class added. */
json_t *ae_action_exec_result(const ae_action_exec *x);
int ae_action_exec_fds(const ae_action_exec *x, int *fds, int max);
double ae_action_exec_next_time(const ae_action_exec *x, double now);
/* Kills a running child. Safe on NULL. */
void ae_action_exec_free(ae_action_exec *x);
/* Ask a running execution to stop at its next safe point: a class that
 * honours it (ae_action_exec_stopping) lets a running child end but starts
 * nothing new and sets no timer, so it stays running idle until freed. */
void ae_action_exec_request_stop(ae_action_exec *x);
/* 1 when a stop was requested (for class implementations). */
int ae_action_exec_stopping(const ae_action_exec *x);

/* For class implementations. */
void ae_action_exec_finish(ae_action_exec *x, ae_action_status status,
                           const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set a member of the result (the reference to value is taken). */
void ae_action_exec_set(ae_action_exec *x, const char *key, json_t *value);
/* Hand a running child over (owned by x from now on). */
void ae_action_exec_attach_child(ae_action_exec *x, ae_child *child);
ae_child *ae_action_exec_child(const ae_action_exec *x);
/* Keep running without a child until `when` (same clock as env->now), then
 * call the class's wake. Only while no child is attached. */
void ae_action_exec_wake_at(ae_action_exec *x, double when);
/* Private state of one execution (owned by x from now on: free_fn, which
 * may be NULL, is called on it when x is freed or the state replaced). */
void ae_action_exec_set_state(ae_action_exec *x, void *state,
                              void (*free_fn)(void *));
void *ae_action_exec_state(const ae_action_exec *x);
/* Store a child's outcome in the result (exit_code, signal, timed_out,
 * stdout, stderr) and finish: exit 0 succeeds. */
void ae_action_exec_child_result(ae_action_exec *x, const char *what);

typedef enum ae_action_mode {
	AE_MODE_INLINE = 0, /* conditions checked and action started when the
	                     * event arrives */
	AE_MODE_QUEUE,      /* deferred to the engine's next step */
} ae_action_mode;

/* One entry of a rule's `actions`: an EventAction or a plain action (then
 * inline, without conditions). */
typedef struct ae_binding {
	ae_action_mode mode;
	ae_condition *conditions; /* NULL when none */
	ae_action *action;
} ae_binding;

ae_binding *ae_binding_compile(const ae_node *cfg, int unresolved,
                               ae_error *err);
void ae_binding_free(ae_binding *b);

#endif /* AE_ACTION_H */
