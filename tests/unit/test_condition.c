/* Conditions: each class, blocking waits with an injected clock, state that
 * survives a restart, composites, and commands started then polled. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "ae_condition.h"
#include "ae_yaml.h"
#include "testutil.h"

static ae_node *yaml(const char *text)
{
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "cond.yaml", NULL, &err);

	if (!n)
		fprintf(stderr, "yaml: %s\n", err.text);
	return n;
}

static ae_condition *compile(const char *text, ae_error *err)
{
	ae_node *n = yaml(text);
	ae_condition *c = n ? ae_condition_compile(n, 0, err) : NULL;

	ae_node_free(n);
	return c;
}

static ae_node *meta;
static ae_node *vars;
static ae_template_ctx tctx;
static const char *const child_env[] = {"PATH=/usr/bin:/bin", NULL};
static ae_eval_env env;

/* Evaluate once from a fresh state. */
static ae_cond_result eval1(const char *text, ae_error *why)
{
	ae_error err;
	ae_condition *c = compile(text, &err);
	ae_cond_state *st;
	ae_cond_result r;
	double next;

	if (!c) {
		fprintf(stderr, "compile: %s\n", err.text);
		return (ae_cond_result)-1;
	}
	st = ae_cond_state_new(c);
	r = ae_condition_eval(c, st, &env, &next, why);
	ae_cond_state_free(st);
	ae_condition_free(c);
	return r;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Drive a condition like the event loop does, with the real clock. */
static ae_cond_result run_loop(ae_condition *c, ae_cond_state *st,
                               ae_error *why, int *rounds)
{
	ae_cond_result r;
	double next;

	*rounds = 0;
	for (;;) {
		struct pollfd pfd[8];
		int fds[8], n;

		env.now = mono();
		r = ae_condition_eval(c, st, &env, &next, why);
		(*rounds)++;
		if (r != AE_COND_WAITING || *rounds > 10000)
			return r;
		n = ae_cond_state_fds(st, fds, 8);
		for (int i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		poll(pfd, (nfds_t)n,
		     isfinite(next) ? (int)((next - env.now) * 1000) + 1
		                    : 1000);
	}
}

int main(void)
{
	char dir[256];
	char path[512], text[1024];
	ae_error err, why;
	ae_condition *c;
	ae_cond_state *st, *st2;
	double next;
	json_t *saved;
	int rounds;

	snprintf(dir, sizeof(dir), "%s/ae_cond_XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	meta = yaml("checkpoint_iteration: '100'\ncheckpoint_path: /x/ckpt\n"
	            "empty: null\nrate: 0.5\n");
	vars = ae_node_new_map();
	ae_map_set(vars, "output_dir", ae_node_new_string(dir));
	tctx.metadata = meta;
	tctx.vars = vars;
	env.tmpl = &tctx;
	env.envp = child_env;
	env.now = 1000;
	env.attempt = 1;

	/* MetadataCondition: string forms compare */
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, equals: 100}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, equals: '100'}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, equals: 50000}",
	                &why),
	          AE_COND_FAIL);
	CHECK(strstr(why.text, "is '100', not '50000'") != NULL);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, not_equals: 100}",
	                &why),
	          AE_COND_FAIL);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, not_equals: 7}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, in: [50, 100, '150']}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, in: [50, 150]}",
	                &why),
	          AE_COND_FAIL);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, regex: '^1\\d{2}$'}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, regex: '^2'}",
	                &why),
	          AE_COND_FAIL);
	CHECK_INT(
	    eval1("{class_name: MetadataCondition, key: rate, equals: 0.5}",
	          &why),
	    AE_COND_PASS);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: checkpoint_path}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: MetadataCondition, key: empty}", &why),
	          AE_COND_FAIL);
	CHECK_INT(
	    eval1("{class_name: MetadataCondition, key: nope, not_equals: x}",
	          &why),
	    AE_COND_FAIL);
	CHECK(strstr(why.text, "'nope' is not set") != NULL);

	/* compile errors carry the place */
	CHECK(!compile("{class_name: MetadataCondition, key: a, equal: 1}",
	               &err));
	CHECK(strstr(err.text, "unknown field 'equal'") != NULL);
	CHECK_STR(err.file, "cond.yaml");
	CHECK_INT(err.line, 1);
	CHECK(!compile("{class_name: NoSuchCondition}", &err));
	CHECK(strstr(err.text,
	             "unknown condition class_name 'NoSuchCondition'") != NULL);
	CHECK(!compile("{class_name: MetadataCondition, key: a, regex: '(x'}",
	               &err));
	CHECK(strstr(err.text, "bad regex") != NULL);
	CHECK(!compile("{class_name: FileExistsCondition, path: '{x'}", &err));
	CHECK(strstr(err.text, "unterminated") != NULL);
	CHECK(!compile("{class_name: MaxAttemptsCondition, max_attempts: 1}",
	               &err));
	CHECK(strstr(err.text, "can never pass") != NULL);
	CHECK(!compile("{class_name: CommandCondition, command: 'test -e x'}",
	               &err));
	CHECK(strstr(err.text, "no shell") != NULL);

	/* MaxAttemptsCondition: attempt counts from 1 */
	CHECK_INT(
	    eval1("{class_name: MaxAttemptsCondition, max_attempts: 3}", &why),
	    AE_COND_PASS);
	env.attempt = 3;
	CHECK_INT(
	    eval1("{class_name: MaxAttemptsCondition, max_attempts: 3}", &why),
	    AE_COND_FAIL);
	env.attempt = 1;

	/* FileExistsCondition, non-blocking: fails at once */
	snprintf(text, sizeof(text),
	         "{class_name: FileExistsCondition, path: "
	         "'{output_dir}/ckpt_{checkpoint_iteration}/done'}");
	CHECK_INT(eval1(text, &why), AE_COND_FAIL);
	CHECK(strstr(why.text, "/ckpt_100/done' does not exist") != NULL);
	snprintf(path, sizeof(path), "%s/ckpt_100", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/ckpt_100/done", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(eval1(text, &why), AE_COND_PASS);
	unlink(path);
	/* an unknown key fails with the message, never checks a literal {x} */
	CHECK_INT(
	    eval1("{class_name: FileExistsCondition, path: '/{nokey}'}", &why),
	    AE_COND_FAIL);
	CHECK(strstr(why.text, "unknown template key {nokey}") != NULL);

	/* blocking with an injected clock: waiting, next check, then pass */
	c = compile(
	    "{class_name: FileExistsCondition, path: "
	    "'{output_dir}/ckpt_{checkpoint_iteration}/done',"
	    " blocking: true, timeout_seconds: 60, poll_interval_seconds: 7}",
	    &err);
	CHECK(c != NULL);
	st = ae_cond_state_new(c);
	env.now = 1000;
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	CHECK(fabs(next - 1007) < 1e-9);
	env.now = 1056;
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	CHECK(fabs(next - 1060) < 1e-9); /* capped at the timeout */
	/* restart: the state goes through JSON */
	saved = ae_cond_state_save(st);
	CHECK(saved != NULL);
	ae_cond_state_free(st);
	st = ae_cond_state_load(c, saved, &err);
	json_decref(saved);
	CHECK(st != NULL);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	env.now = 1059;
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_PASS);
	/* passed stays passed */
	unlink(path);
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_PASS);
	ae_cond_state_free(st);

	/* ... and a timeout is a failure, also after a restart */
	st = ae_cond_state_new(c);
	env.now = 2000;
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	saved = ae_cond_state_save(st);
	ae_cond_state_free(st);
	st = ae_cond_state_load(c, saved, &err);
	json_decref(saved);
	env.now = 2059.9;
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	env.now = 2060;
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_FAIL);
	CHECK(strstr(why.text, "timeout after 60s") != NULL);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_FAIL);
	unlink(path);
	ae_cond_state_free(st);
	ae_condition_free(c);
	/* a state from another condition is refused */
	c = compile("{class_name: CompositeCondition, conditions: "
	            "[{class_name: AlwaysTrueCondition}]}",
	            &err);
	saved = json_pack("{s:n, s:n, s:[]}", "done", "started", "children");
	CHECK(ae_cond_state_load(c, saved, &err) == NULL);
	json_decref(saved);
	ae_condition_free(c);

	/* GlobExistsCondition */
	snprintf(path, sizeof(path), "%s/iter_0000100", dir);
	mkdir(path, 0700);
	CHECK_INT(eval1("{class_name: GlobExistsCondition, pattern: "
	                "'{output_dir}/iter_*'}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: GlobExistsCondition, pattern: "
	                "'{output_dir}/iter_*', min_matches: 2}",
	                &why),
	          AE_COND_FAIL);
	CHECK_INT(eval1("{class_name: GlobExistsCondition, path: "
	                "'{output_dir}/it*/../iter_000010?'}",
	                &why),
	          AE_COND_PASS);
	CHECK_INT(eval1("{class_name: GlobExistsCondition, path: "
	                "'{output_dir}/none_*', blocking: true}",
	                &why),
	          AE_COND_WAITING);
	/* a value from the log is a path, not a pattern: "iter_*" matches
	 * only a file of that name, and "[" is no bracket expression */
	ae_map_set(meta, "glob_path", ae_node_new_string("iter_*"));
	CHECK_INT(eval1("{class_name: GlobExistsCondition, pattern: "
	                "'{output_dir}/{glob_path}'}",
	                &why),
	          AE_COND_FAIL);
	snprintf(path, sizeof(path), "%s/iter_*", dir);
	mkdir(path, 0700);
	CHECK_INT(eval1("{class_name: GlobExistsCondition, pattern: "
	                "'{output_dir}/{glob_path}', min_matches: 2}",
	                &why),
	          AE_COND_FAIL);
	CHECK_INT(eval1("{class_name: GlobExistsCondition, pattern: "
	                "'{output_dir}/{glob_path}'}",
	                &why),
	          AE_COND_PASS);
	rmdir(path);
	ae_map_set(meta, "glob_path", ae_node_new_string("it?r_[0]\\"));
	snprintf(path, sizeof(path), "%s/it?r_[0]\\", dir);
	mkdir(path, 0700);
	CHECK_INT(eval1("{class_name: GlobExistsCondition, pattern: "
	                "'{output_dir}/{glob_path}'}",
	                &why),
	          AE_COND_PASS);
	rmdir(path);
	ae_map_remove(meta, "glob_path");

	/* Composite, in order: all stops at the first non-pass */
	snprintf(text, sizeof(text),
	         "{class_name: CompositeCondition, mode: all, conditions: ["
	         "{class_name: MetadataCondition, key: checkpoint_iteration, "
	         "equals: 100},"
	         "{class_name: FileExistsCondition, path: '%s/later', "
	         "blocking: true, timeout_seconds: 0}]}",
	         dir);
	c = compile(text, &err);
	st = ae_cond_state_new(c);
	env.now = 3000;
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	CHECK(fabs(next - 3005) < 1e-9); /* default poll interval */
	env.now = 1e9;                   /* timeout_seconds: 0 waits forever */
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	snprintf(path, sizeof(path), "%s/later", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_PASS);
	ae_cond_state_free(st);
	ae_condition_free(c);
	CHECK_INT(eval1("{class_name: CompositeCondition, conditions: ["
	                "{class_name: MetadataCondition, key: "
	                "checkpoint_iteration, equals: 5},"
	                "{class_name: FileExistsCondition, path: /nonexistent, "
	                "blocking: true}]}",
	                &why),
	          AE_COND_FAIL);
	CHECK_INT(
	    eval1("{class_name: CompositeCondition, mode: any, conditions: ["
	          "{class_name: MetadataCondition, key: checkpoint_iteration, "
	          "equals: 5},"
	          "{class_name: MetadataCondition, key: checkpoint_iteration, "
	          "equals: 100}]}",
	          &why),
	    AE_COND_PASS);
	CHECK_INT(
	    eval1("{class_name: CompositeCondition, mode: any, conditions: ["
	          "{class_name: MetadataCondition, key: checkpoint_iteration, "
	          "equals: 5},"
	          "{class_name: FileExistsCondition, path: /nonexistent, "
	          "blocking: true}]}",
	          &why),
	    AE_COND_WAITING);
	CHECK_INT(
	    eval1("{class_name: CompositeCondition, mode: any, conditions: ["
	          "{class_name: MetadataCondition, key: checkpoint_iteration, "
	          "equals: 5},"
	          "{class_name: MetadataCondition, key: checkpoint_iteration, "
	          "equals: 6}]}",
	          &why),
	    AE_COND_FAIL);
	CHECK(!compile(
	    "{class_name: CompositeCondition, mode: some, conditions: []}",
	    &err));

	/* CommandCondition: started (WAITING), then polled to its result */
	c = compile("{class_name: CommandCondition, command: [sh, -c, 'sleep "
	            "0.2; test -d \"$1\"', sh, '{output_dir}']}",
	            &err);
	st = ae_cond_state_new(c);
	env.now = mono();
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	CHECK(ae_cond_state_fds(st, (int[4]){0}, 4) >= 1);
	CHECK_INT(run_loop(c, st, &why, &rounds), AE_COND_PASS);
	ae_cond_state_free(st);
	ae_condition_free(c);
	c = compile("{class_name: CommandCondition, command: [sh, -c, 'echo "
	            "nope >&2; exit 3']}",
	            &err);
	st = ae_cond_state_new(c);
	CHECK_INT(run_loop(c, st, &why, &rounds), AE_COND_FAIL);
	CHECK(strstr(why.text, "exited 3: nope") != NULL);
	ae_cond_state_free(st);
	ae_condition_free(c);
	c = compile("{class_name: CommandCondition, command: [sleep, 30], "
	            "timeout_seconds: 0.3}",
	            &err);
	st = ae_cond_state_new(c);
	{
		double t0 = mono();

		CHECK_INT(run_loop(c, st, &why, &rounds), AE_COND_FAIL);
		CHECK(strstr(why.text, "timed out") != NULL);
		CHECK(mono() - t0 < 5);
	}
	ae_cond_state_free(st);
	ae_condition_free(c);
	CHECK_INT(eval1("{class_name: CommandCondition, command: "
	                "[no-such-program-xyz]}",
	                &why),
	          AE_COND_FAIL);
	CHECK(strstr(why.text, "not found") != NULL);
	/* freeing a state with a running command kills it */
	c = compile("{class_name: CommandCondition, command: [sleep, 30]}",
	            &err);
	st = ae_cond_state_new(c);
	env.now = mono();
	CHECK_INT(ae_condition_eval(c, st, &env, &next, &why), AE_COND_WAITING);
	st2 = st;
	ae_cond_state_free(st2);
	ae_condition_free(c);

	snprintf(path, sizeof(path), "%s", dir);
	test_rmtree(path);
	ae_node_free(meta);
	ae_node_free(vars);
	TEST_MAIN_END();
}
