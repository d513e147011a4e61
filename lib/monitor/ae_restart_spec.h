/* ae_restart_spec: RestartAction as a config writes it, compiled and
 * checked (what a start does is in ae_restart.h).
 *
 * Fields (default):
 *   mode                 requeue (requeue | resubmit): requeue runs
 *                        `scontrol requeue <job id>`; resubmit submits the
 *                        run's config again as a new job of the run, after
 *                        this one (ae_resubmit.h)
 *   reason               a template, recorded with the decision
 *                        ("Restart requested")
 *   max_attempts         refuse when the run's start number is not below
 *                        it, like MaxAttemptsCondition (0: no limit here;
 *                        >= 2 when set)
 *   no_progress_starts   refuse when the last N starts of the run saved no
 *                        checkpoint beyond what was saved before them (2;
 *                        0 turns the guard off)
 *   exclude_failed_node  false: when true and the event names a node in
 *                        failed_node_field, it is added to the job's
 *                        ExcNodeList after the requeue
 *   failed_node_field    the event field naming the node ("failed_node")
 *   max_excluded_nodes   how many nodes the run excludes at most (2)
 *   scontrol             the program ("scontrol", looked up in the PATH of
 *                        the helper's environment); likewise
 *   sbatch               ("sbatch", mode resubmit) and
 *   scancel              ("scancel": a resubmitted job that still runs, a
 *                        stall, is cancelled once its successor is queued)
 *   cancel_hung_job      true: a stall that is not restarted (refused) is
 *                        cancelled with scancel, not left holding its nodes
 *                        until its time limit
 *   timeout_seconds      per program run (60)
 *   retry_seconds        how long a resubmission retries sbatch while the
 *                        controller cannot be reached (300)
 *
 * Like RunAutoexpAction, checking needs nothing from the submission layer:
 * ae_action's table holds a class made of these fields, compile and free,
 * whose start fails; the helper registers the class that runs
 * (ae_restart_register) before it compiles its rules.
 */
#ifndef AE_RESTART_SPEC_H
#define AE_RESTART_SPEC_H

#include "ae_condition.h"
#include "ae_error.h"
#include "ae_node.h"
#include "ae_template.h"

#define AE_RESTART_CLASS "RestartAction"

typedef enum ae_restart_mode {
	AE_RESTART_REQUEUE = 0,
	AE_RESTART_RESUBMIT,
} ae_restart_mode;

/* A compiled RestartAction (the data of its class; all members owned). */
typedef struct ae_restart_spec {
	ae_restart_mode mode;
	ae_template *reason;
	long long max_attempts;       /* 0: none */
	long long no_progress_starts; /* 0: guard off */
	int exclude_failed_node;
	int cancel_hung; /* cancel_hung_job */
	char *failed_node_field;
	long long max_excluded_nodes;
	char *scontrol;
	char *sbatch;
	char *scancel;
	double timeout;
	double retry;
} ae_restart_spec;

/* The allowed keys, class_name included; NULL-ended. */
extern const char *const ae_restart_spec_fields[];

/* ae_action_class.compile: check cfg and set *data to a new
 * ae_restart_spec (free with ae_restart_spec_free). Returns 0 or -1 with
 * err set at the offending node. */
int ae_restart_spec_compile(const ae_node *cfg, int unresolved, void **data,
                            ae_error *err);
/* ae_action_class.free. Safe on NULL. */
void ae_restart_spec_free(void *data);

/* ae_action_class.start of the check-only class: fails with err set. */
struct ae_action_exec;
int ae_restart_spec_start(const void *data, const ae_eval_env *env,
                          struct ae_action_exec *x, ae_error *err);

#endif /* AE_RESTART_SPEC_H */
