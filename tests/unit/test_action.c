/* Actions: LogAction, RunCommandAction (argv without a shell, exact
 * environment, cwd, timeout, output in the result), EventAction bindings,
 * and the class registry. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <poll.h>

#include "ae_action.h"
#include "ae_yaml.h"
#include "testutil.h"

static ae_node *yaml(const char *text)
{
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "act.yaml", NULL, &err);

	if (!n)
		fprintf(stderr, "yaml: %s\n", err.text);
	return n;
}

static ae_action *compile(const char *text, ae_error *err)
{
	ae_node *n = yaml(text);
	ae_action *a = n ? ae_action_compile(n, 0, err) : NULL;

	ae_node_free(n);
	return a;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ae_eval_env env;

/* Start and drive to the end, as the event loop would. */
static ae_action_exec *run(ae_action *a)
{
	ae_action_exec *x;

	env.now = mono();
	x = ae_action_start(a, &env);
	while (x && ae_action_poll(x, mono()) == AE_ACTION_RUNNING) {
		struct pollfd pfd[4];
		int fds[4], n = ae_action_exec_fds(x, fds, 4);

		for (int i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		poll(pfd, (nfds_t)n, 50);
	}
	return x;
}

static const char *res_str(ae_action_exec *x, const char *key)
{
	return json_string_value(
	    json_object_get(ae_action_exec_result(x), key));
}

static int dummy_started;

static int dummy_compile(const ae_node *cfg, int unresolved, void **data,
                         ae_error *err)
{
	(void)unresolved;
	(void)err;
	*data = strdup(
	    ae_map_get(cfg, "word") ? ae_map_get(cfg, "word")->u.str.s : "");
	return 0;
}

static int dummy_start(const void *data, const ae_eval_env *e,
                       ae_action_exec *x, ae_error *err)
{
	(void)e;
	(void)err;
	dummy_started++;
	ae_action_exec_finish(x, AE_ACTION_SUCCESS, "said %s",
	                      (const char *)data);
	return 0;
}

int main(void)
{
	char dir[256];
	char marker[300], text[1024], want[1024];
	const char *const child_env[] = {"PATH=/usr/bin:/bin", "LANG=C", NULL};
	ae_node *meta, *vars;
	ae_template_ctx tctx = {0};
	ae_action_exec *x;
	ae_action *a;
	ae_error err;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/ae_action_XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(marker, sizeof(marker), "%s/x", dir);
	meta = yaml("checkpoint_iteration: '100'\ncheckpoint_path: /x/ckpt\n");
	vars = ae_node_new_map();
	ae_map_set(vars, "output_dir", ae_node_new_string(dir));
	ae_map_set(vars, "marker", ae_node_new_string(marker));
	tctx.metadata = meta;
	tctx.vars = vars;
	env.tmpl = &tctx;
	env.envp = child_env;

	/* LogAction */
	a = compile("{class_name: LogAction, message: 'checkpoint saved at "
	            "iteration {checkpoint_iteration:07d}'}",
	            &err);
	CHECK(a != NULL);
	x = run(a);
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_SUCCESS);
	CHECK_STR(ae_action_exec_message(x),
	          "checkpoint saved at iteration 0000100");
	CHECK_STR(res_str(x, "class_name"), "LogAction");
	ae_action_exec_free(x);
	ae_action_free(a);
	a = compile("{class_name: LogAction, message: 'at {nokey}'}", &err);
	x = run(a);
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_FAILED);
	CHECK(strstr(ae_action_exec_message(x),
	             "unknown template key {nokey}") != NULL);
	ae_action_exec_free(x);
	ae_action_free(a);

	/* RunCommandAction: an argument with shell metacharacters is passed
	 * literally and runs nothing extra */
	a = compile(
	    "{class_name: RunCommandAction, command: [echo, '; touch "
	    "{marker}', '$(touch {marker})', '&&', '{checkpoint_iteration}']}",
	    &err);
	CHECK(a != NULL);
	x = run(a);
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_SUCCESS);
	snprintf(want, sizeof(want), "; touch %s $(touch %s) && 100\n", marker,
	         marker);
	CHECK_STR(res_str(x, "stdout"), want);
	CHECK(stat(marker, &st) != 0);
	CHECK_INT(
	    json_array_size(json_object_get(ae_action_exec_result(x), "argv")),
	    5);
	CHECK_INT(json_integer_value(
	              json_object_get(ae_action_exec_result(x), "exit_code")),
	          0);
	ae_action_exec_free(x);
	ae_action_free(a);

	/* the environment is exactly the given one plus `env` */
	a = compile("{class_name: RunCommandAction, command: [env], env: "
	            "{LANG: 'de_{checkpoint_iteration}', EXTRA: '1'}}",
	            &err);
	CHECK(a != NULL);
	x = run(a);
	CHECK_STR(res_str(x, "stdout"),
	          "PATH=/usr/bin:/bin\nLANG=de_100\nEXTRA=1\n");
	ae_action_exec_free(x);
	ae_action_free(a);

	/* cwd (template), failure keeps stderr */
	a = compile("{class_name: RunCommandAction, command: [sh, -c, 'pwd; "
	            "echo bad >&2; exit 4'], cwd: '{output_dir}'}",
	            &err);
	x = run(a);
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_FAILED);
	CHECK_STR(ae_action_exec_message(x), "command exited 4");
	snprintf(want, sizeof(want), "%s\n", dir);
	CHECK_STR(res_str(x, "stdout"), want);
	CHECK_STR(res_str(x, "stderr"), "bad\n");
	CHECK_STR(res_str(x, "cwd"), dir);
	ae_action_exec_free(x);
	ae_action_free(a);

	/* timeout kills the child */
	a = compile("{class_name: RunCommandAction, command: [sleep, '30'], "
	            "timeout_seconds: 0.3}",
	            &err);
	{
		double t0 = mono();

		x = run(a);
		CHECK(mono() - t0 < 8);
	}
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_FAILED);
	CHECK_STR(ae_action_exec_message(x), "command timed out");
	CHECK(json_is_true(
	    json_object_get(ae_action_exec_result(x), "timed_out")));
	ae_action_exec_free(x);
	ae_action_free(a);

	/* start failures: unknown key never runs a literal {x}; missing program
	 */
	snprintf(
	    text, sizeof(text),
	    "{class_name: RunCommandAction, command: [touch, '%s_{nokey}']}",
	    marker);
	a = compile(text, &err);
	x = run(a);
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_FAILED);
	CHECK(strstr(ae_action_exec_message(x),
	             "unknown template key {nokey}") != NULL);
	ae_action_exec_free(x);
	ae_action_free(a);
	a = compile(
	    "{class_name: RunCommandAction, command: [no-such-program-xyz]}",
	    &err);
	x = run(a);
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_FAILED);
	CHECK(strstr(ae_action_exec_message(x), "not found") != NULL);
	ae_action_exec_free(x);
	ae_action_free(a);

	/* compile errors name the place */
	CHECK(!compile("{class_name: RunCommandAction, command: 'echo hi'}",
	               &err));
	CHECK(strstr(err.text, "no shell") != NULL);
	CHECK(!compile("{class_name: RunCommandAction, command: []}", &err));
	CHECK(!compile(
	    "{class_name: RunCommandAction, command: [a], shell: true}", &err));
	CHECK(strstr(err.text, "unknown field 'shell'") != NULL);
	CHECK(!compile("\n\n  {class_name: LogAction, mesage: x}", &err));
	CHECK(strstr(err.text, "unknown field 'mesage'") != NULL);
	CHECK_INT(err.line, 3);
	CHECK(!compile("{class_name: Nope}", &err));
	CHECK(strstr(err.text, "unknown action class_name 'Nope'") != NULL);
	CHECK(!compile("{class_name: LogAction, message: 'a}b'}", &err));
	/* a NUL inside an argument or an override would be cut off */
	CHECK(!compile(
	    "{class_name: RunCommandAction, command: [a, \"b\\0c\"]}", &err));
	CHECK(strstr(err.text, "NUL character") != NULL);
	CHECK(
	    !compile("{class_name: RunAutoexpAction, script: s.py, overrides: "
	             "[\"a=b\\0c\"], config_path: x}",
	             &err));
	CHECK(strstr(err.text, "NUL character") != NULL);

	/* the known-but-later classes check, and fail when run */
	a = compile("{class_name: RunAutoexpAction, script: s.py, overrides: "
	            "['a={b}'], config_path: x}",
	            &err);
	CHECK(a != NULL);
	x = run(a);
	CHECK_INT(ae_action_exec_status(x), AE_ACTION_FAILED);
	ae_action_exec_free(x);
	ae_action_free(a);

	/* the registry: a class registered at start-up */
	{
		static const char *const fields[] = {"class_name", "word",
		                                     NULL};
		ae_action_class cls = {
		    "DummyAction", fields, dummy_compile, free,
		    dummy_start,   NULL,   NULL,          0};

		CHECK(!compile("{class_name: DummyAction, word: hi}", &err));
		CHECK_INT(ae_action_register(&cls), 0);
		a = compile("{class_name: DummyAction, word: hi}", &err);
		CHECK(a != NULL);
		x = run(a);
		CHECK_INT(dummy_started, 1);
		CHECK_STR(ae_action_exec_message(x), "said hi");
		ae_action_exec_free(x);
		ae_action_free(a);
	}

	/* EventAction bindings */
	{
		ae_node *n =
		    yaml("class_name: EventAction\nmode: queue\nconditions:\n"
		         "  - {class_name: MetadataCondition, key: "
		         "checkpoint_iteration, equals: 100}\n"
		         "action: {class_name: LogAction, message: hi}\n");
		ae_binding *b = ae_binding_compile(n, 0, &err);

		CHECK(b != NULL);
		CHECK_INT(b->mode, AE_MODE_QUEUE);
		CHECK(b->conditions != NULL);
		CHECK_STR(ae_action_class_name(b->action), "LogAction");
		ae_binding_free(b);
		ae_node_free(n);
		n = yaml("{class_name: LogAction, message: hi}");
		b = ae_binding_compile(n, 0, &err);
		CHECK(b && b->mode == AE_MODE_INLINE && !b->conditions);
		ae_binding_free(b);
		ae_node_free(n);
		n = yaml("{class_name: EventAction, mode: later, action: "
		         "{class_name: LogAction}}");
		CHECK(!ae_binding_compile(n, 0, &err));
		CHECK(strstr(err.text, "mode must be") != NULL);
		ae_node_free(n);
		n = yaml("{class_name: EventAction}");
		CHECK(!ae_binding_compile(n, 0, &err));
		CHECK(strstr(err.text, "needs an 'action'") != NULL);
		ae_node_free(n);
		n = yaml("{class_name: EventAction, action: {class_name: "
		         "LogAction, bad: 1}}");
		CHECK(!ae_binding_compile(n, 0, &err));
		CHECK_STR(err.path, "action.bad");
		ae_node_free(n);
	}

	test_rmtree(dir);
	ae_node_free(meta);
	ae_node_free(vars);
	TEST_MAIN_END();
}
