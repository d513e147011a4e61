/* ae_vars: the template variables of a job, as the helper and `autoexp
 * replay` both build them. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_node.h"
#include "ae_template.h"
#include "ae_vars.h"
#include "ae_yaml.h"
#include "testutil.h"

static const char *str(const ae_node *vars, const char *key)
{
	const ae_node *v = ae_map_get(vars, key);

	return v && v->type == AE_STRING ? v->u.str.s : NULL;
}

/* Every fact known: each is a variable, and templates see them. */
static void test_all(void)
{
	ae_vars_job job = {
	    .output_dir = "/out",
	    .provenance_dir = "/out/provenance",
	    .job_id = "55",
	    .job_name = "my job",
	    .user = "alice",
	    .node = "node7",
	    .array_job_id = "50",
	    .array_task_id = "5",
	    .log_path = "/out/slurm-55.out",
	    .attempt = 3,
	};
	ae_template_ctx t = {0};
	ae_error err;
	ae_node *vars = ae_vars_new(NULL, &job, &err);
	char *s;

	CHECK(vars != NULL);
	if (!vars)
		return;
	CHECK_STR(str(vars, "output_dir"), "/out");
	CHECK_STR(str(vars, "provenance_dir"), "/out/provenance");
	CHECK_STR(str(vars, "job_id"), "55");
	CHECK_STR(str(vars, "job_name"), "my job");
	CHECK_STR(str(vars, "user"), "alice");
	CHECK_STR(str(vars, "node"), "node7");
	CHECK_STR(str(vars, "array_job_id"), "50");
	CHECK_STR(str(vars, "array_task_id"), "5");
	CHECK_STR(str(vars, "log_path"), "/out/slurm-55.out");
	CHECK(ae_map_get(vars, "attempt") &&
	      ae_map_get(vars, "attempt")->type == AE_INT);
	CHECK_INT(ae_map_size(vars), 10);
	t.vars = vars;
	s = ae_template_expand("{job_name} {attempt:02d} on {node}", &t, &err);
	CHECK_STR(s, "my job 03 on node7");
	free(s);
	ae_node_free(vars);
}

/* Unknown facts are left out (a template naming one fails); the
 * provenance directory follows the output directory; attempt from 1. */
static void test_unknown(void)
{
	ae_vars_job job = {.output_dir = "/o"};
	ae_template_ctx t = {0};
	ae_error err;
	ae_node *vars = ae_vars_new(NULL, &job, &err);
	char *s;

	CHECK(vars != NULL);
	if (!vars)
		return;
	CHECK_STR(str(vars, "provenance_dir"), "/o/provenance");
	CHECK(ae_map_get(vars, "node") == NULL);
	CHECK(ae_map_get(vars, "job_id") == NULL);
	CHECK(ae_map_get(vars, "log_path") == NULL);
	CHECK_INT(ae_map_size(vars), 3);
	t.vars = vars;
	s = ae_template_expand("{attempt}", &t, &err);
	CHECK_STR(s, "1");
	free(s);
	CHECK(ae_template_expand("{node}", &t, &err) == NULL);
	ae_node_free(vars);
}

/* No output_dir: the config's, as the job start makes it; else the
 * working directory. */
static void test_output_dir_from_config(void)
{
	static const char yaml[] = "project:\n  base_output_dir: runs/x\n";
	ae_node *cfg =
	    ae_yaml_load_string(yaml, strlen(yaml), "c.yaml", NULL, NULL);
	ae_vars_job job = {.workdir = "/work", .array_task_id = "4"};
	ae_error err;
	ae_node *vars;

	CHECK(cfg != NULL);
	vars = ae_vars_new(cfg, &job, &err);
	CHECK(vars != NULL);
	/* an array task's config names the task itself: no suffix */
	CHECK_STR(str(vars, "output_dir"), "/work/runs/x");
	CHECK_STR(str(vars, "provenance_dir"), "/work/runs/x/provenance");
	ae_node_free(vars);

	job.array_task_id = NULL;
	vars = ae_vars_new(NULL, &job, &err);
	CHECK(vars != NULL);
	CHECK_STR(str(vars, "output_dir"), "/work");
	ae_node_free(vars);
	ae_node_free(cfg);
}

int main(void)
{
	test_all();
	test_unknown();
	test_output_dir_from_config();
	TEST_MAIN_END();
}
