/* Checking the monitoring section at submission: the shipped presets pass;
 * every mistake is refused with file:line:col and key path. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "ae_compose.h"
#include "ae_monitor_config.h"
#include "ae_yaml.h"
#include "testutil.h"

static const char *srcdir(void)
{
	const char *s = getenv("srcdir");

	return s ? s : ".";
}

/* Check `monitoring:` text; returns the result, err filled. */
static int check(const char *text, int unresolved, ae_error *err)
{
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "exp.yaml", NULL, err);
	int rc;

	if (!n)
		return -2;
	rc = ae_monitor_config_check_root(n, unresolved, err);
	ae_node_free(n);
	return rc;
}

#define BAD(text_, unres_, msg_, line_, path_)                                 \
	do {                                                                   \
		ae_error e_;                                                   \
		ae_error_clear(&e_);                                           \
		CHECK_INT(check(text_, unres_, &e_), -1);                      \
		if (!strstr(e_.text, msg_))                                    \
			fprintf(stderr, "%s:%d: got \"%s\"\n", __FILE__,       \
			        __LINE__, e_.text);                            \
		CHECK(strstr(e_.text, msg_) != NULL);                          \
		CHECK_STR(e_.file, "exp.yaml");                                \
		CHECK_INT(e_.line, line_);                                     \
		CHECK_STR(e_.path, path_);                                     \
	} while (0)

static void presets(void)
{
	static const char *const files[] = {
	    "megatron_basic", "megatron_production", "megatron_cooldown_single",
	    "megatron_cooldown_multi"};
	char path[1024];
	ae_error err;

	/* each preset file on its own (its defaults are composed elsewhere) */
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		ae_node *n;

		snprintf(path, sizeof(path), "%s/config/monitoring/%s.yaml",
		         srcdir(), files[i]);
		n = ae_yaml_load_file(path, NULL, &err);
		if (!n) {
			fprintf(stderr, "skip %s: %s\n", path, err.text);
			continue;
		}
		ae_map_remove(n, "defaults");
		test_checks++;
		if (ae_monitor_config_check(n, 1, &err) < 0) {
			test_failures++;
			fprintf(stderr, "%s:%d: %s:%d:%d: %s: %s\n", __FILE__,
			        __LINE__, err.file, err.line, err.column,
			        err.path, err.text);
		}
		ae_node_free(n);
	}
	/* the rule-engine fixture */
	snprintf(path, sizeof(path), "%s/tests/data/megatron/production.yaml",
	         srcdir());
	{
		ae_node *n = ae_yaml_load_file(path, NULL, &err);

		CHECK(n && ae_monitor_config_check(n, 0, &err) == 0);
		ae_node_free(n);
	}
	/* the example experiment, composed with the presets */
	{
		char cdir[1024];
		const char *sp[] = {cdir};
		ae_compose_opts o = {0};
		ae_node *root;

		snprintf(cdir, sizeof(cdir), "%s/config", srcdir());
		snprintf(path, sizeof(path),
		         "%s/config/examples/megatron_single_cooldown.yaml",
		         srcdir());
		o.search_path = sp;
		o.n_search_path = 1;
		root = ae_compose_file(path, &o, &err);
		if (!root) {
			fprintf(stderr, "compose (not checked): %s\n",
			        err.text);
		} else {
			test_checks++;
			if (ae_monitor_config_check_root(root, 1, &err) < 0) {
				test_failures++;
				fprintf(stderr, "%s:%d: %s:%d:%d: %s: %s\n",
				        __FILE__, __LINE__, err.file, err.line,
				        err.column, err.path, err.text);
			}
			CHECK(ae_map_get(
			          ae_map_get(ae_map_get(root, "monitoring"),
			                     "log_events"),
			          "cooldown_checkpoint") != NULL);
			ae_node_free(root);
		}
	}
}

/* state_events and the stall settings: accepted with their meaning, and
 * refused with place and key path when wrong. */
static void state_events(void)
{
	ae_monitor_settings set;
	ae_error err;
	ae_node *n;
	const char *t;

	CHECK_INT(check("monitoring:\n  inactivity_threshold_seconds: 5\n"
	                "  termination_string: DONE\n  state_events:\n"
	                "    - name: crash\n      metadata: {k: v}\n"
	                "      actions:\n        - class_name: LogAction\n"
	                "          message: '{reason}'\n"
	                "    - {name: stall}\n"
	                "    - {class_name: StateEvent, name: cancelled, "
	                "state: {class_name: CrashState}}\n",
	                0, &err),
	          0);
	CHECK_INT(check("monitoring:\n  state_events:\n    success:\n"
	                "      actions: [{class_name: LogAction}]\n"
	                "    timeout: {}\n",
	                0, &err),
	          0);
	/* the settings, with the save threshold's default */
	t = "inactivity_threshold_seconds: 5\n";
	n = ae_yaml_load_string(t, strlen(t), "exp.yaml", NULL, &err);
	CHECK_INT(ae_monitor_config_settings(n, 0, &set, &err), 0);
	CHECK(set.inactivity == 5 &&
	      set.save_inactivity == AE_MONITOR_SAVE_THRESHOLD_MIN);
	CHECK(set.termination == NULL);
	ae_node_free(n);
	t = "inactivity_threshold_seconds: 4000\n";
	n = ae_yaml_load_string(t, strlen(t), "exp.yaml", NULL, &err);
	CHECK_INT(ae_monitor_config_settings(n, 0, &set, &err), 0);
	CHECK(set.save_inactivity == 4000);
	ae_node_free(n);
	t = "save_inactivity_threshold_seconds: 9\n";
	n = ae_yaml_load_string(t, strlen(t), "exp.yaml", NULL, &err);
	CHECK_INT(ae_monitor_config_settings(n, 0, &set, &err), 0);
	CHECK(set.inactivity == 0 && set.save_inactivity == 0);
	ae_node_free(n);

	BAD("monitoring:\n  inactivity_threshold_seconds: 0\n", 1,
	    "must be more than 0", 2,
	    "monitoring.inactivity_threshold_seconds");
	BAD("monitoring:\n  inactivity_threshold_seconds: soon\n", 1,
	    "number of seconds", 2, "monitoring.inactivity_threshold_seconds");
	BAD("monitoring:\n  inactivity_threshold_seconds: 600\n"
	    "  save_inactivity_threshold_seconds: 60\n",
	    0, "must not be less than", 3,
	    "monitoring.save_inactivity_threshold_seconds");
	BAD("monitoring:\n  termination_string: ''\n", 0, "must not be empty",
	    2, "monitoring.termination_string");
	BAD("monitoring:\n  termination_string: [a]\n", 0, "", 2,
	    "monitoring.termination_string");
	BAD("monitoring:\n  state_events:\n    - name: crashed\n", 1,
	    "unknown state event 'crashed'", 3,
	    "monitoring.state_events[0].name");
	BAD("monitoring:\n  state_events:\n    finished:\n      actions: []\n",
	    1, "unknown state event 'finished'", 4,
	    "monitoring.state_events.finished");
	BAD("monitoring:\n  state_events:\n    - name: stall\n"
	    "      actions:\n        - class_name: RestartActoin\n",
	    1, "RestartActoin", 5,
	    "monitoring.state_events[0].actions[0].class_name");
	BAD("monitoring:\n  state_events:\n    - name: crash\n      actions:\n"
	    "        - class_name: EventAction\n          conditions:\n"
	    "            - {class_name: MaxAttemptCondition}\n"
	    "          action: {class_name: LogAction}\n",
	    1, "unknown condition class_name 'MaxAttemptCondition'", 7,
	    "monitoring.state_events[0].actions[0].conditions[0].class_name");
	BAD("monitoring:\n  state_events:\n    - name: crash\n"
	    "    - name: crash\n",
	    1, "duplicate state event 'crash'", 4,
	    "monitoring.state_events[1]");
	BAD("monitoring:\n  state_events:\n    - name: crash\n      when: x\n",
	    1, "unknown field 'when'", 4, "monitoring.state_events[0].when");
	BAD("monitoring:\n  state_events:\n    crash:\n      name: stall\n", 1,
	    "differs from its key", 4, "monitoring.state_events.crash.name");
	BAD("monitoring:\n  state_events: crash\n", 1,
	    "state_events must be a list", 2, "monitoring.state_events");
}

int main(void)
{
	ae_error err;

	presets();
	CHECK_INT(check("project: {name: x}\n", 0, &err), 0);
	CHECK_INT(check("monitoring: null\n", 0, &err), 0);
	CHECK_INT(check("monitoring:\n  class_name: NullMonitor\n", 0, &err),
	          0);

	BAD("monitoring:\n  log_event: []\n", 1,
	    "unknown field 'log_event' in monitoring", 2,
	    "monitoring.log_event");
	BAD("monitoring:\n  log_signals: []\n", 1, "write 'log_events'", 2,
	    "monitoring.log_signals");
	BAD("monitoring:\n  poll_interval_seconds: 5\n", 1,
	    "predecessor's host-side monitor", 2,
	    "monitoring.poll_interval_seconds");
	BAD("monitoring:\n  debug_sync: true\n", 1,
	    "predecessor's host-side monitor", 2, "monitoring.debug_sync");
	state_events();
	BAD("monitoring:\n  class_name: Watcher\n", 1,
	    "unknown monitoring class_name 'Watcher'", 2,
	    "monitoring.class_name");
	BAD("monitoring:\n  drain_timeout_seconds: soon\n", 0,
	    "number of seconds", 2, "monitoring.drain_timeout_seconds");
	BAD("monitoring:\n  log_events:\n    ckpt:\n      pattern: 'a(?P<x'\n",
	    1, "bad pattern", 4, "monitoring.log_events.ckpt.pattern");
	BAD("monitoring:\n  log_events:\n    ckpt:\n      pattern: a\n      "
	    "actions:\n"
	    "        - class_name: EventAction\n          action:\n            "
	    "class_name: RunCommandAction\n"
	    "            command: [x]\n            timout_seconds: 3\n",
	    1, "unknown field 'timout_seconds' in RunCommandAction", 10,
	    "monitoring.log_events.ckpt.actions[0].action.timout_seconds");
	BAD("monitoring:\n  log_events:\n    ckpt:\n      pattern: a\n      "
	    "actions:\n"
	    "        - class_name: EventAction\n          conditions:\n"
	    "            - class_name: FileExistCondition\n              path: "
	    "x\n"
	    "          action: {class_name: LogAction}\n",
	    1, "unknown condition class_name 'FileExistCondition'", 8,
	    "monitoring.log_events.ckpt.actions[0].conditions[0].class_name");
	BAD("monitoring:\n  log_events:\n    ckpt:\n      pattern: a\n      "
	    "actions:\n"
	    "        - class_name: LogAction\n          message: 'iteration "
	    "{it:07q}'\n",
	    1, "invalid format spec", 7,
	    "monitoring.log_events.ckpt.actions[0].message");
	BAD("monitoring:\n  log_events:\n    ckpt:\n      pattern: a\n      "
	    "actions:\n"
	    "        - class_name: EventAction\n          conditions:\n"
	    "            - {class_name: MaxAttemptsCondition, max_attempts: "
	    "1}\n"
	    "          action: {class_name: LogAction}\n",
	    1, "can never pass", 8,
	    "monitoring.log_events.ckpt.actions[0].conditions[0].max_attempts");
	BAD("monitoring:\n  log_events:\n    - name: a\n      pattern: x\n     "
	    " extract_groups: {i: it}\n",
	    1, "no group named 'it'", 5,
	    "monitoring.log_events[0].extract_groups.i");

	/* interpolations and ??? are fine at submission, not at job start */
	{
		const char *t =
		    "monitoring:\n  metadata:\n    it: ???\n  log_events:\n    "
		    "c:\n"
		    "      pattern: '${oc.env:PAT}'\n      actions:\n"
		    "        - class_name: EventAction\n          conditions:\n"
		    "            - class_name: FileExistsCondition\n"
		    "              path: '{checkpoint_path}'\n"
		    "              blocking: ${monitoring.metadata.b}\n"
		    "              timeout_seconds: ???\n"
		    "            - {class_name: MetadataCondition, key: x, "
		    "equals: '${monitoring.metadata.it}'}\n"
		    "          action: {class_name: LogAction, message: "
		    "'x_$${oc.timestring:}'}\n";

		CHECK_INT(check(t, 1, &err), 0);
		CHECK_INT(check(t, 0, &err), -1);
	}
	TEST_MAIN_END();
}
