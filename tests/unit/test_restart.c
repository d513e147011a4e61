/* RestartAction's pure parts: the guard (a table), the run's start number,
 * MaxAttemptsCondition over start numbers, the saved iteration from the
 * log, the per-start records, and the config check. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_action.h"
#include "ae_condition.h"
#include "ae_logfacts.h"
#include "ae_restart_guard.h"
#include "ae_restart_record.h"
#include "ae_resubmit.h"
#include "ae_sbatch.h"
#include "ae_yaml.h"
#include "testutil.h"

#define NONE (-1)

static const struct guard_case {
	const char *state;
	int no_restart, attempt;
	long long max, n_starts;
	long long saved[6];
	size_t n;
	int restart;
	const char *why; /* a part of it */
} guard_cases[] = {
    /* first crash, no budget: restart */
    {"crash", 0, 1, 3, 2, {20}, 1, 1, "crash at attempt 1"},
    {"stall", 0, 1, 0, 2, {20}, 1, 1, "stall at attempt 1"},
    {"timeout", 0, 2, 3, 2, {20, 40}, 2, 1, "timeout at attempt 2"},
    /* never */
    {"cancelled", 0, 1, 3, 2, {20}, 1, 0, "cancelled"},
    {"success", 0, 1, 3, 2, {40}, 1, 0, "state 'success' is not restarted"},
    {NULL, 0, 1, 3, 2, {20}, 1, 0, "state '' is not restarted"},
    {"crash", 1, 1, 3, 2, {20}, 1, 0, "exit code 93"},
    /* the budget, 1-based as MaxAttemptsCondition */
    {"crash", 0, 2, 3, 0, {20, 30}, 2, 1, "crash at attempt 2"},
    {"crash",
     0,
     3,
     3,
     0,
     {20, 30, 40},
     3,
     0,
     "restart budget used: attempt 3 of 3"},
    {"crash", 0, 4, 3, 0, {20, 30, 40, 50}, 4, 0, "attempt 4 of 3"},
    /* no progress: the highest saved now vs N starts ago */
    {"crash", 0, 2, 0, 2, {20, NONE}, 2, 1, "crash at attempt 2"},
    {"crash",
     0,
     3,
     0,
     2,
     {20, NONE, NONE},
     3,
     0,
     "no progress: the last 2 starts saved no checkpoint after iteration 20"},
    {"crash", 0, 3, 0, 2, {20, 20, 20}, 3, 0, "after iteration 20"},
    {"crash", 0, 3, 0, 2, {20, NONE, 30}, 3, 1, "crash at attempt 3"},
    {"crash",
     0,
     2,
     0,
     2,
     {NONE, NONE},
     2,
     0,
     "no progress: the last 2 starts saved no checkpoint"},
    {"crash", 0, 1, 0, 1, {NONE}, 1, 0, "the last 1 starts"},
    {"crash", 0, 1, 0, 2, {NONE}, 1, 1, "crash at attempt 1"},
    /* a lower save later (a reloaded older checkpoint) is no progress */
    {"crash", 0, 3, 0, 2, {30, 10, 20}, 3, 0, "after iteration 30"},
    {"crash", 0, 4, 0, 3, {10, 20, 20, 20}, 4, 1, "crash at attempt 4"},
    {"crash", 0, 4, 0, 0, {20, 20, 20, 20}, 4, 1, "guard off"},
};

static void guard_table(void)
{
	for (size_t i = 0; i < sizeof(guard_cases) / sizeof(*guard_cases);
	     i++) {
		const struct guard_case *c = &guard_cases[i];
		ae_restart_guard_in in = {c->state, c->no_restart, c->attempt,
		                          c->max,   c->n_starts,   c->saved,
		                          c->n};
		char why[256];
		int r = ae_restart_guard_decide(&in, why, sizeof(why));

		if (r != c->restart ||
		    (strcmp(c->why, "guard off") && !strstr(why, c->why)))
			fprintf(stderr, "guard case %zu: %d '%s'\n", i, r, why);
		CHECK_INT(r, c->restart);
		CHECK(!strcmp(c->why, "guard off") || strstr(why, c->why));
	}
	CHECK_INT(ae_restart_guard_highest(NULL, 0), -1);
}

static void max_attempts(void)
{
	static const char text[] =
	    "{class_name: MaxAttemptsCondition, max_attempts: 3}";
	static const ae_cond_result want[] = {AE_COND_PASS, AE_COND_PASS,
	                                      AE_COND_PASS, AE_COND_FAIL,
	                                      AE_COND_FAIL};
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "c.yaml", NULL, &err);
	ae_condition *c = n ? ae_condition_compile(n, 0, &err) : NULL;
	ae_template_ctx t = {0};
	ae_eval_env env = {0};

	CHECK(c != NULL);
	env.tmpl = &t;
	/* attempt 0 (unknown) reads as 1; the run's start numbers 1..4 */
	for (int a = 0; c && a <= 4; a++) {
		ae_cond_state *st = ae_cond_state_new(c);
		double next;
		ae_error why;

		env.attempt = a;
		CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), want[a]);
		if (a == 3)
			CHECK_STR(why.text, "restart budget used: attempt 3 of "
			                    "3 (max_attempts)");
		ae_cond_state_free(st);
	}
	ae_condition_free(c);
	ae_node_free(n);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void records(void)
{
	char dir[] = "/tmp/ae-restart.XXXXXX";
	json_t *d, *j;
	ae_error err;
	int fd, prov;

	CHECK(mkdtemp(dir) != NULL);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	/* the start number: job_metadata.json's, else Slurm's count + 1 */
	CHECK_INT(ae_restart_record_start(fd, 0), 1);
	CHECK_INT(ae_restart_record_start(fd, 4), 5);
	CHECK_INT(ae_restart_record_start(-1, 1), 2);
	put(dir, "job_metadata.json", "{\"start\": 3, \"job_id\": \"7\"}");
	CHECK_INT(ae_restart_record_start(fd, 0), 3);
	put(dir, "job_metadata.json", "{\"start\": 0}");
	CHECK_INT(ae_restart_record_start(fd, 1), 2);
	put(dir, "job_metadata.json", "{\"start\": \"2\"}");
	CHECK_INT(ae_restart_record_start(fd, 0), 1);
	put(dir, "job_metadata.json", "not json");
	CHECK_INT(ae_restart_record_start(fd, 0), 1);

	/* progress.json */
	CHECK_INT(ae_restart_record_saved(fd), -1);
	CHECK_INT(ae_restart_record_progress(fd, 2, 40, 43, &err), 0);
	CHECK_INT(ae_restart_record_saved(fd), 40);
	CHECK_INT(ae_restart_record_saved(-1), -1);

	/* restart.json appends */
	d = json_pack("{s:s, s:i}", "decision", "requeued", "start", 1);
	CHECK_INT(ae_restart_record_append(fd, d, &err), 0);
	CHECK_INT(ae_restart_record_append(fd, d, &err), 0);
	j = ae_restart_record_load(fd, AE_RESTART_DECISIONS);
	CHECK_INT(json_array_size(json_object_get(j, "decisions")), 2);
	json_decref(j);
	CHECK_INT(ae_restart_record_append(-1, d, &err), -1);
	json_decref(d);

	/* an earlier start's directory, below the provenance directory */
	prov = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	{
		int s = ae_restart_record_open_start(prov, dir + 5, &err);

		CHECK(s >= 0);
		CHECK_INT(ae_restart_record_saved(s), 40);
		if (s >= 0)
			close(s);
	}
	CHECK_INT(ae_restart_record_open_start(prov, "../tmp", &err), -1);
	CHECK(strstr(err.text, "leaves its directory") != NULL);
	close(prov);
	close(fd);
	test_rmtree(dir);
}

static void saved_from_log(void)
{
	static const char *const lines[] = {
	    " [2026-01-01 00:00:00] iteration       10/      40 | lm loss: 1",
	    "saving checkpoint at iteration      10 to /ck in torch_dist "
	    "format",
	    "  successfully saved checkpoint from iteration      10 to /ck",
	    " [2026-01-01 00:00:01] iteration       20/      40 | lm loss: 1",
	    "saving checkpoint at iteration      20 to /ck in torch_dist "
	    "format",
	    "  successfully saved local checkpoint from iteration      20",
	    " [2026-01-01 00:00:01] iteration       25/      40 | lm loss: 1",
	};
	ae_logfacts *lf = ae_logfacts_new(NULL);
	ae_logfacts *back = ae_logfacts_new(NULL);
	json_t *j;

	CHECK_INT(ae_logfacts_saved(lf), -1);
	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		ae_logfacts_line(lf, lines[i], strlen(lines[i]));
	/* a local save is not kept: it is lost with the node */
	CHECK_INT(ae_logfacts_saved(lf), 10);
	CHECK_INT(ae_logfacts_iteration(lf), 25);
	j = ae_logfacts_save(lf);
	ae_logfacts_load(back, j);
	CHECK_INT(ae_logfacts_saved(back), 10);
	json_decref(j);
	ae_logfacts_free(lf);
	ae_logfacts_free(back);
}

static ae_event event(char *name, const char *meta)
{
	ae_event ev;
	ae_error err;

	memset(&ev, 0, sizeof(ev));
	ev.name = name;
	ev.metadata =
	    ae_yaml_load_string(meta, strlen(meta), "m.yaml", NULL, &err);
	return ev;
}

/* failed_node survives the error that replaces the one naming it, and a
 * generic summary adds it */
static void failed_node(void)
{
	ae_logfacts *lf = ae_logfacts_new(NULL);
	ae_event warn =
	    event("nccl_warn_node", "{kind: error, error_type: nccl_error, "
	                            "failed_node: node7}");
	ae_event err =
	    event("nccl_error", "{kind: error, error_type: nccl_error}");
	ae_event summary =
	    event("child_failed", "{kind: error, error_type: crash, "
	                          "failed_node: node3}");
	const ae_node *v;

	CHECK_INT(ae_logfacts_event(lf, &warn), 0);
	CHECK_INT(ae_logfacts_event(lf, &err), 0);
	CHECK_STR(ae_logfacts_error_name(lf), "nccl_error");
	v = ae_map_get(ae_logfacts_error_fields(lf), AE_LOGFACTS_NODE_FIELD);
	CHECK(v && v->type == AE_STRING && !strcmp(v->u.str.s, "node7"));
	CHECK_INT(ae_logfacts_event(lf, &summary), 0);
	v = ae_map_get(ae_logfacts_error_fields(lf), AE_LOGFACTS_NODE_FIELD);
	CHECK(v && !strcmp(v->u.str.s, "node7"));
	ae_logfacts_reset(lf);
	CHECK_INT(ae_logfacts_event(lf, &err), 0);
	CHECK_INT(ae_logfacts_event(lf, &summary), 0);
	CHECK_STR(ae_logfacts_error_name(lf), "nccl_error");
	v = ae_map_get(ae_logfacts_error_fields(lf), AE_LOGFACTS_NODE_FIELD);
	CHECK(v && !strcmp(v->u.str.s, "node3"));
	ae_node_free(warn.metadata);
	ae_node_free(err.metadata);
	ae_node_free(summary.metadata);
	ae_logfacts_free(lf);
}

static int compile_fails(const char *text, const char *part)
{
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "r.yaml", NULL, &err);
	ae_action *a = n ? ae_action_compile(n, 0, &err) : NULL;
	int ok = !a && strstr(err.text, part) != NULL;

	if (!ok)
		fprintf(stderr, "compile '%s': %s\n", text,
		        a ? "ok" : err.text);
	ae_action_free(a);
	ae_node_free(n);
	return ok;
}

static void config(void)
{
	static const char good[] =
	    "{class_name: RestartAction, mode: resubmit, max_attempts: 4, "
	    "no_progress_starts: 0, exclude_failed_node: true, "
	    "failed_node_field: node, max_excluded_nodes: 3, "
	    "reason: '{state}', timeout_seconds: 10}";
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(good, strlen(good), "r.yaml", NULL, &err);
	ae_action *a = n ? ae_action_compile(n, 0, &err) : NULL;

	CHECK(a != NULL);
	ae_action_free(a);
	ae_node_free(n);
	CHECK(compile_fails("{class_name: RestartAction, mode: requeu}",
	                    "mode must be 'requeue' or 'resubmit'"));
	CHECK(compile_fails("{class_name: RestartAction, max_attempts: 1}",
	                    "never restarts"));
	CHECK(compile_fails("{class_name: RestartAction, max_attempts: -2}",
	                    "between 0 and"));
	CHECK(
	    compile_fails("{class_name: RestartAction, no_progress_starts: x}",
	                  "no_progress_starts"));
	CHECK(
	    compile_fails("{class_name: RestartAction, max_excluded_nodes: 0}",
	                  "between 1 and 64"));
	CHECK(
	    compile_fails("{class_name: RestartAction, exclude_failed_node: 2}",
	                  "exclude_failed_node"));
	CHECK(
	    compile_fails("{class_name: RestartAction, failed_node_field: ''}",
	                  "names an event field"));
	CHECK(compile_fails("{class_name: RestartAction, scontrol: ''}",
	                    "must name a program"));
	CHECK(compile_fails("{class_name: RestartAction, sbatch: ''}",
	                    "sbatch must name a program"));
	CHECK(compile_fails("{class_name: RestartAction, scancel: ''}",
	                    "scancel must name a program"));
	CHECK(compile_fails("{class_name: RestartAction, retry_seconds: x}",
	                    "retry_seconds"));
	CHECK(compile_fails("{class_name: RestartAction, cancel_hung_job: 2}",
	                    "cancel_hung_job"));
	CHECK(compile_fails("{class_name: RestartAction, nodes: 2}", "nodes"));
}

static int has(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static size_t count(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* The resubmission's command: the run's config, timestring, request and
 * script, after this job, excluding nodes; refusals say why. */
static void resubmit_command(void)
{
	const char *env[] = {"PATH=/usr/bin", "SLURM_JOB_ID=41",
	                     "SLURM_CONF=/etc/slurm/slurm.conf",
	                     "AUTOEXP_TIMESTRING=20990101_000000_000", NULL};
	json_t *meta =
	    json_pack("{s:s, s:s, s:{s:[s, s, s], s:s}}", "timestring",
	              "20261203_101010_123", "job_name", "pretrain", "request",
	              "options", "--nodes=2", "--job-name=other",
	              "--dependency=singleton", "script", "train.sh");
	json_t *ex = json_pack("[s, s]", "node2", "node3");
	char **argv = NULL, **envp = NULL;
	ae_error err;
	size_t n;

	CHECK(ae_resubmit_command("sbatch", meta, "41", ex, env, &argv, &envp,
	                          &err) == 0);
	n = count(argv);
	CHECK(n >= 7);
	if (n >= 7) {
		CHECK_STR(argv[0], "sbatch");
		CHECK(has(argv, "--parsable"));
		/* the run's files through the provenance directory that
		 * sbatch gets open as its fd 3 */
		CHECK(has(argv, "--autoexp-config=/proc/self/fd/3/"
		                "unresolved_config.yaml"));
		CHECK(has(argv, "--job-name=pretrain"));
		CHECK(has(argv, "--nodes=2"));
		/* this submission's own options are not carried */
		CHECK(!has(argv, "--job-name=other"));
		CHECK(!has(argv, "--dependency=singleton"));
		CHECK(has(argv, "--dependency=afterany:41"));
		CHECK(has(argv, "--exclude=node2,node3"));
		CHECK_STR(argv[n - 1], "/proc/self/fd/3/job_script.sh");
	}
	CHECK(has(envp, "AUTOEXP_TIMESTRING=20261203_101010_123"));
	CHECK(!has(envp, "AUTOEXP_TIMESTRING=20990101_000000_000"));
	CHECK(!has(envp, "SLURM_JOB_ID=41"));
	CHECK(has(envp, "SLURM_CONF=/etc/slurm/slurm.conf"));
	CHECK(has(envp, "PATH=/usr/bin"));
	ae_sbatch_strv_free(argv);
	ae_sbatch_strv_free(envp);

	/* nothing to exclude: no --exclude */
	CHECK(ae_resubmit_command("sbatch", meta, "41", NULL, env, &argv, &envp,
	                          &err) == 0);
	for (size_t i = 0; argv && argv[i]; i++)
		CHECK(strncmp(argv[i], "--exclude", 9) != 0);
	ae_sbatch_strv_free(argv);
	ae_sbatch_strv_free(envp);

	/* refusals */
	CHECK(ae_resubmit_command("sbatch", NULL, "41", NULL, env, &argv, &envp,
	                          &err) < 0 &&
	      strstr(err.text, "cannot be read"));
	CHECK(argv == NULL && envp == NULL);
	CHECK(ae_resubmit_command("sbatch", meta, "41;x", NULL, env, &argv,
	                          &envp, &err) < 0 &&
	      strstr(err.text, "job id"));
	json_object_set_new(meta, "timestring", json_string("now"));
	CHECK(ae_resubmit_command("sbatch", meta, "41", NULL, env, &argv, &envp,
	                          &err) < 0 &&
	      strstr(err.text, "no timestring"));
	json_object_set_new(meta, "timestring",
	                    json_string("20261203_101010_123"));
	json_object_set_new(meta, "array_task_id", json_string("2"));
	CHECK(ae_resubmit_command("sbatch", meta, "41", NULL, env, &argv, &envp,
	                          &err) < 0 &&
	      strstr(err.text, "array task"));
	json_object_del(meta, "array_task_id");
	json_object_set_new(json_object_get(meta, "request"), "heterogeneous",
	                    json_true());
	CHECK(ae_resubmit_command("sbatch", meta, "41", NULL, env, &argv, &envp,
	                          &err) < 0 &&
	      strstr(err.text, "heterogeneous"));
	json_decref(ex);
	json_decref(meta);
}

int main(void)
{
	guard_table();
	max_attempts();
	records();
	saved_from_log();
	failed_node();
	config();
	resubmit_command();
	TEST_MAIN_END();
}
