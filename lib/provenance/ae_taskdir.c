#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_taskdir.h"

#include <string.h>

#include "ae_interp.h"
#include "ae_jobtime.h"
#include "ae_request.h"

/* The variables that differ from task to task, and two values for each. */
static const char *const task_vars[] = {"SLURM_ARRAY_TASK_ID", "SLURM_JOB_ID",
                                        "SLURM_JOBID", NULL};
static const char *const task_values[2][3] = {{"0", "1000", "1000"},
                                              {"1", "1001", "1001"}};

typedef struct task_env {
	const ae_resolve_opts *base;
	int variant;
} task_env;

static const char *env_of_task(const char *name, void *ctx)
{
	task_env *te = ctx;
	size_t i;

	for (i = 0; task_vars[i]; i++)
		if (strcmp(name, task_vars[i]) == 0)
			return task_values[te->variant][i];
	return te->base->env ? te->base->env(name, te->base->env_ctx) : NULL;
}

/* The path at section.key resolved for task `variant`: a new node, NULL
 * with err set. */
static ae_node *resolve_for(const ae_node *root, const ae_node *node,
                            const ae_resolve_opts *base, int variant,
                            ae_error *err)
{
	task_env te = {base, variant};
	ae_resolve_opts opts = *base;

	opts.env = env_of_task;
	opts.env_ctx = &te;
	opts.defer_env = 0;
	return ae_interp_resolve_node(root, node, &opts, err);
}

/* 0 distinct (or absent), 1 unknown, -1 shared. */
static int check_one(const ae_node *root, const ae_node *node, const char *key,
                     const char *what, const ae_resolve_opts *opts,
                     ae_error *err)
{
	ae_node *a, *b;
	int rv;

	if (!node || node->type == AE_NULL)
		return 0;
	a = resolve_for(root, node, opts, 0, err);
	b = a ? resolve_for(root, node, opts, 1, err) : NULL;
	if (!a || !b) {
		rv = 1;
	} else if (a->type != AE_STRING || b->type != AE_STRING ||
	           strcmp(a->u.str.s, b->u.str.s) != 0) {
		rv = 0;
	} else {
		rv = ae_error_set(
		    err, node->src ? node->src->name : NULL, node->line,
		    node->column, key,
		    "every task of the array job would share %s '%s': put "
		    "${oc.env:SLURM_ARRAY_TASK_ID} in the output directory "
		    "(e.g. project.base_output_dir: "
		    "'.../run_${oc.env:SLURM_ARRAY_TASK_ID}') and derive "
		    "backend.megatron.save from it",
		    what, a->u.str.s);
	}
	ae_node_free(a);
	ae_node_free(b);
	return rv;
}

static const ae_node *at(const ae_node *root, const char *a, const char *b,
                         const char *c)
{
	const ae_node *n = ae_map_get(root, a);

	if (n && n->type == AE_MAP)
		n = ae_map_get(n, b);
	else
		return NULL;
	if (c)
		n = n && n->type == AE_MAP ? ae_map_get(n, c) : NULL;
	return n;
}

int ae_taskdir_check(const ae_node *unresolved, const ae_resolve_opts *opts,
                     ae_error *err)
{
	const ae_node *out = at(unresolved, "project", "output_dir", NULL);
	const char *out_key = "project.output_dir";
	int a, b;

	if (!out || out->type == AE_NULL) {
		out = at(unresolved, "project", "base_output_dir", NULL);
		out_key = "project.base_output_dir";
	}
	a = check_one(unresolved, out, out_key, "the output directory", opts,
	              err);
	if (a < 0)
		return -1;
	b = check_one(unresolved, at(unresolved, "backend", "megatron", "save"),
	              "backend.megatron.save", "the checkpoint directory", opts,
	              err);
	if (b < 0)
		return -1;
	return a || b;
}

int ae_taskdir_check_request(const json_t *options, const char *script,
                             const ae_node *unresolved,
                             const ae_resolve_opts *opts, ae_error *err)
{
	json_t *dirs = script ? ae_request_directives(script) : NULL;
	ae_error unknown;
	ae_jobtime jt;
	int rv = 0;

	ae_error_clear(&unknown);
	if (ae_jobtime_from_request(&jt, dirs, options, &unknown) == 0 &&
	    jt.array && ae_taskdir_check(unresolved, opts, err) < 0)
		rv = -1;
	json_decref(dirs);
	return rv;
}
