#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_restart_spec.h"

#include <stdlib.h>
#include <string.h>

#include "ae_fields.h"

#define DEFAULT_NO_PROGRESS   2
#define DEFAULT_MAX_EXCLUDED  2
#define DEFAULT_TIMEOUT       60.0
#define DEFAULT_NODE_FIELD    "failed_node"
#define DEFAULT_SCONTROL      "scontrol"
#define DEFAULT_SBATCH        "sbatch"
#define DEFAULT_SCANCEL       "scancel"
#define DEFAULT_RETRY         300.0
#define DEFAULT_REASON        "Restart requested"
#define MAX_EXCLUDED_NODES_OK 64

const char *const ae_restart_spec_fields[] = {"class_name",
                                              "mode",
                                              "reason",
                                              "max_attempts",
                                              "no_progress_starts",
                                              "exclude_failed_node",
                                              "failed_node_field",
                                              "max_excluded_nodes",
                                              "scontrol",
                                              "sbatch",
                                              "scancel",
                                              "cancel_hung_job",
                                              "timeout_seconds",
                                              "retry_seconds",
                                              NULL};

void ae_restart_spec_free(void *data)
{
	ae_restart_spec *r = data;

	if (!r)
		return;
	ae_template_free(r->reason);
	free(r->failed_node_field);
	free(r->scontrol);
	free(r->sbatch);
	free(r->scancel);
	free(r);
}

/* An optional program name: set to its default when absent. */
static int program(const ae_node *cfg, const char *key, const char *def,
                   char **out, ae_error *err)
{
	const char *prog = NULL;

	if (ae_fields_string(cfg, key, 0, &prog, err) < 0)
		return -1;
	if (prog && !*prog)
		return ae_node_error(err, ae_map_get(cfg, key),
		                     "%s must name a program", key);
	if (!(*out = strdup(prog ? prog : def)))
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return 0;
}

/* An optional integer in [lo, hi]; *out unchanged when absent. */
static int int_in(const ae_node *cfg, const char *key, int unresolved,
                  long long lo, long long hi, long long *out, ae_error *err)
{
	long long v = *out;

	if (ae_fields_int(cfg, key, unresolved, &v, err) < 0)
		return -1;
	if (ae_map_get(cfg, key) && ae_map_get(cfg, key)->type == AE_INT &&
	    (v < lo || v > hi))
		return ae_node_error(
		    err, ae_map_get(cfg, key),
		    "%s must be between %lld and %lld, not %lld", key, lo, hi,
		    v);
	*out = v;
	return 0;
}

static int mode_of(const ae_node *cfg, ae_restart_spec *r, ae_error *err)
{
	const char *mode;

	if (ae_fields_string(cfg, "mode", 0, &mode, err) < 0)
		return -1;
	if (!mode || !strcmp(mode, "requeue"))
		r->mode = AE_RESTART_REQUEUE;
	else if (!strcmp(mode, "resubmit"))
		r->mode = AE_RESTART_RESUBMIT;
	else
		return ae_node_error(err, ae_map_get(cfg, "mode"),
		                     "mode must be 'requeue' or 'resubmit', "
		                     "not '%s'",
		                     mode);
	return 0;
}

int ae_restart_spec_compile(const ae_node *cfg, int unresolved, void **data,
                            ae_error *err)
{
	ae_restart_spec *r = calloc(1, sizeof(*r));
	const char *field = NULL;
	const ae_node *v;
	int rc = -1;

	if (!r)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	r->no_progress_starts = DEFAULT_NO_PROGRESS;
	r->max_excluded_nodes = DEFAULT_MAX_EXCLUDED;
	r->timeout = DEFAULT_TIMEOUT;
	r->retry = DEFAULT_RETRY;
	r->cancel_hung = 1;
	if (mode_of(cfg, r, err) < 0 ||
	    int_in(cfg, "max_attempts", unresolved, 0, 1000000,
	           &r->max_attempts, err) < 0 ||
	    int_in(cfg, "no_progress_starts", unresolved, 0, 1000,
	           &r->no_progress_starts, err) < 0 ||
	    int_in(cfg, "max_excluded_nodes", unresolved, 1,
	           MAX_EXCLUDED_NODES_OK, &r->max_excluded_nodes, err) < 0 ||
	    ae_fields_bool(cfg, "exclude_failed_node", unresolved,
	                   &r->exclude_failed_node, err) < 0 ||
	    ae_fields_bool(cfg, "cancel_hung_job", unresolved, &r->cancel_hung,
	                   err) < 0 ||
	    ae_fields_string(cfg, "failed_node_field", 0, &field, err) < 0 ||
	    program(cfg, "scontrol", DEFAULT_SCONTROL, &r->scontrol, err) < 0 ||
	    program(cfg, "sbatch", DEFAULT_SBATCH, &r->sbatch, err) < 0 ||
	    program(cfg, "scancel", DEFAULT_SCANCEL, &r->scancel, err) < 0 ||
	    ae_fields_seconds(cfg, "timeout_seconds", unresolved, &r->timeout,
	                      err) < 0 ||
	    ae_fields_seconds(cfg, "retry_seconds", unresolved, &r->retry,
	                      err) < 0)
		goto out;
	if (r->max_attempts == 1) {
		/* the predecessor's MaxAttemptsCondition trap: never passes */
		ae_node_error(err, ae_map_get(cfg, "max_attempts"),
		              "max_attempts: 1 never restarts: the first start "
		              "is attempt 1 and a restart needs attempt < "
		              "max_attempts (0 means no limit)");
		goto out;
	}
	if (field && (!*field || strchr(field, '{'))) {
		ae_node_error(err, ae_map_get(cfg, "failed_node_field"),
		              "failed_node_field names an event field, e.g. "
		              "failed_node, not '%s'",
		              field);
		goto out;
	}
	v = ae_map_get(cfg, "reason");
	r->reason = v && v->type != AE_NULL
	                ? ae_template_from_node(v, err)
	                : ae_template_parse(DEFAULT_REASON, err);
	r->failed_node_field = strdup(field ? field : DEFAULT_NODE_FIELD);
	if (!r->reason)
		goto out;
	if (!r->failed_node_field) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	*data = r;
	r = NULL;
	rc = 0;
out:
	ae_restart_spec_free(r);
	return rc;
}

int ae_restart_spec_start(const void *data, const ae_eval_env *env,
                          struct ae_action_exec *x, ae_error *err)
{
	(void)data;
	(void)env;
	(void)x;
	return ae_error_set(err, NULL, 0, 0, NULL,
	                    "%s runs only in the helper (autoexp-helper)",
	                    AE_RESTART_CLASS);
}
