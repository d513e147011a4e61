/* ae_vars: the variables a job gives the templates of monitoring actions
 * and conditions ({output_dir}, {job_id}, {node}...; ae_template looks
 * them up after the event's metadata). One builder for the helper and for
 * `autoexp replay`, so that a template means the same in both; each fills
 * the facts it knows (the helper from its start's job_metadata.json and its
 * host, replay from its options and environment).
 *
 * The variables: output_dir, provenance_dir, job_id, job_name, user, node,
 * array_job_id, array_task_id, log_path (strings) and attempt (an integer,
 * from 1: the run's start number when the helper knows it, see
 * docs/runs.md). A fact that is NULL is left out, so a template that uses it
 * fails as an unknown key instead of rendering a guess.
 */
#ifndef AE_VARS_H
#define AE_VARS_H

#include "ae_error.h"
#include "ae_node.h"

/* What is known about the job. All borrowed; NULL: unknown. */
typedef struct ae_vars_job {
	const char *output_dir;     /* NULL: the config's (below) */
	const char *workdir;        /* for a relative output dir; NULL: "." */
	const char *provenance_dir; /* NULL: {output_dir}/provenance */
	const char *job_id;
	const char *job_name;
	const char *user;
	const char *node;
	const char *array_job_id;
	const char *array_task_id;
	const char *log_path;
	int attempt; /* the run's start number; below 1 counts as 1 */
} ae_vars_job;

/* The variables as a new mapping (caller frees), or NULL with err set.
 * Without an output_dir it is the resolved config's output directory, as
 * the job start computes it (ae_jobstart_output_dir, against workdir), else
 * workdir itself. config (borrowed) may be NULL. */
ae_node *ae_vars_new(const ae_node *config, const ae_vars_job *job,
                     ae_error *err);

#endif /* AE_VARS_H */
