/* ae_condition: the conditions that gate a monitoring action.
 *
 * class_name            fields (default)
 * MetadataCondition     key; equals, not_equals, in (list), regex (search):
 *                       all that are given must hold; with none, the key must
 *                       be set. Values compare as Python str() forms, so
 *                       `equals: 100` and `equals: "100"` both match "100".
 *                       A missing or null key fails.
 * FileExistsCondition   path (template); blocking (false); timeout_seconds
 *                       (600, 0 = no limit); poll_interval_seconds (5)
 * GlobExistsCondition   pattern (or path; template, glob(3) in every path
 *                       component); min_matches (1); blocking, timeout_seconds,
 *                       poll_interval_seconds as above
 * MaxAttemptsCondition  max_attempts (required, >= 2): passes while the job's
 *                       attempt (1 for the first run) is below it
 * CommandCondition      command (argv, templates; no shell); cwd;
 *                       timeout_seconds (60): exit 0 passes
 * CompositeCondition    mode: all|any (all); conditions (list)
 * AlwaysTrueCondition   message
 *
 * Evaluation never sleeps. It returns PASS, FAIL or WAITING plus the time it
 * wants to be evaluated again; the event loop also waits on the descriptors
 * of running commands. A non-blocking file/glob check that does not hold
 * fails at once; a blocking one waits, re-checked every poll interval, and
 * fails at its timeout. A condition that reached PASS or FAIL keeps that
 * result. The progress of an evaluation (when waiting started, which parts
 * already passed) is a JSON value that can be saved and loaded, so waiting
 * survives a restart of the helper; a command that was running is started
 * again after a restart.
 */
#ifndef AE_CONDITION_H
#define AE_CONDITION_H

#include <jansson.h>

#include "ae_error.h"
#include "ae_node.h"
#include "ae_template.h"

/* The run's directories, opened once and safely by the helper (ae_safedir):
 * actions read and write the run's files through these descriptors and
 * never look the paths up again (a directory above them could have been
 * swapped since). The paths are for messages and records only. */
typedef struct ae_eval_dirs {
	int prov_fd;          /* {output_dir}/provenance */
	const char *prov_dir; /* its path */
	int job_fd;           /* this start's directory; -1: none known */
	const char *job_dir;  /* its path; NULL when job_fd is -1 */
} ae_eval_dirs;

/* What conditions and actions see when they run. All borrowed. */
typedef struct ae_eval_env {
	double now;                  /* wall clock, seconds since the epoch */
	const ae_template_ctx *tmpl; /* template keys */
	const char *const *envp;     /* environment of children (NULL: empty) */
	const char *cwd;             /* their working directory (NULL: ours) */
	int attempt;                 /* 1-based attempt of the job (0: 1) */
	const char *home;         /* expands a leading ~ in paths; NULL: no */
	const ae_eval_dirs *dirs; /* NULL: not known (actions that need
	                           * them fail) */
} ae_eval_env;

typedef enum ae_cond_result {
	AE_COND_PASS = 0,
	AE_COND_FAIL,
	AE_COND_WAITING,
} ae_cond_result;

typedef struct ae_condition ae_condition;
typedef struct ae_cond_state ae_cond_state;

/* Compile one condition mapping. `unresolved` accepts interpolations where
 * values are only known at job start (checking at submission). Returns a new
 * condition (caller frees) or NULL with err set at the offending node. */
ae_condition *ae_condition_compile(const ae_node *cfg, int unresolved,
                                   ae_error *err);
/* A list of conditions, evaluated in order, stopping at the first that does
 * not pass (the `conditions` of an EventAction). */
ae_condition *ae_condition_compile_list(const ae_node *seq, int unresolved,
                                        ae_error *err);
void ae_condition_free(ae_condition *cond);
const char *ae_condition_class(const ae_condition *cond);

/* Fresh evaluation state (caller frees). NULL when memory runs out. */
ae_cond_state *ae_cond_state_new(const ae_condition *cond);
/* Kills a running command. Safe on NULL. */
void ae_cond_state_free(ae_cond_state *st);
/* Serialize (new reference) / restore against the same condition. */
json_t *ae_cond_state_save(const ae_cond_state *st);
ae_cond_state *ae_cond_state_load(const ae_condition *cond, const json_t *json,
                                  ae_error *err);

/* Evaluate at env->now. *next_check receives when to evaluate again when
 * WAITING (INFINITY when only a descriptor will tell). On FAIL, why holds the
 * reason (a missing template key is a FAIL with its message). */
ae_cond_result ae_condition_eval(const ae_condition *cond, ae_cond_state *st,
                                 const ae_eval_env *env, double *next_check,
                                 ae_error *why);

/* Descriptors of running commands to wait on (readable). */
int ae_cond_state_fds(const ae_cond_state *st, int *fds, int max);

#endif /* AE_CONDITION_H */
