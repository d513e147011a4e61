/* ae_compose_file: defaults lists, _self_, nested groups, optional,
 * override, packages, command-line group overrides, errors, and the captured
 * config (no defaults list) used by cooldown runs. Fixtures live in
 * tests/data/compose/. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_compose.h"
#include "testutil.h"

static char data[1024];
static char presets[1100];

static const ae_node *get(const ae_node *root, const char *path)
{
	char buf[256], *part, *save = NULL;
	const ae_node *n = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && n;
	     part = strtok_r(NULL, ".", &save))
		n = n->type == AE_SEQ ? ae_seq_get(n, (size_t)atoi(part))
		                      : ae_map_get(n, part);
	return n;
}

/* Scalar at path as text: "(missing)", "null", ints, strings. */
static const char *val(const ae_node *root, const char *path)
{
	static char buf[512];
	const ae_node *n = root ? get(root, path) : NULL;

	if (!n)
		return "(missing)";
	switch (n->type) {
	case AE_NULL:
		return "null";
	case AE_BOOL:
		return n->u.b ? "true" : "false";
	case AE_INT:
		snprintf(buf, sizeof(buf), "%lld", n->u.i);
		return buf;
	case AE_FLOAT:
		snprintf(buf, sizeof(buf), "%g", n->u.f);
		return buf;
	case AE_STRING:
		return n->u.str.s;
	case AE_MAP:
		return "(map)";
	case AE_SEQ:
		return "(seq)";
	}
	return "?";
}

/* Keys of the mapping at path, comma-separated ("" for the root). */
static const char *keys(const ae_node *root, const char *path)
{
	static char buf[512];
	const ae_node *n = path[0] ? get(root, path) : root;
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; n && i < ae_map_size(n) && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
		                         i ? "," : "", ae_map_key(n, i));
	return buf;
}

static ae_node *compose_v(const char *file, ae_error *err,
                          ae_compose_warning **w, size_t *nw, int n_ov,
                          va_list ap)
{
	const char *ovs[16];
	const char *sp[] = {presets};
	char path[1200];
	ae_compose_opts opts;
	int i;

	for (i = 0; i < n_ov && i < 16; i++)
		ovs[i] = va_arg(ap, const char *);
	memset(&opts, 0, sizeof(opts));
	opts.search_path = sp;
	opts.n_search_path = 1;
	opts.overrides = ovs;
	opts.n_overrides = (size_t)n_ov;
	opts.warnings = w;
	opts.n_warnings = nw;
	snprintf(path, sizeof(path), "%s/%s", data, file);
	ae_error_clear(err);
	return ae_compose_file(path, &opts, err);
}

/* compose("basic/config.yaml", &err, 2, "db=postgres", "top=2") */
static ae_node *compose(const char *file, ae_error *err, int n_ov, ...)
{
	va_list ap;
	ae_node *root;

	va_start(ap, n_ov);
	root = compose_v(file, err, NULL, NULL, n_ov, ap);
	va_end(ap);
	if (!root && getenv("AE_TEST_VERBOSE")) {
		char msg[2048];

		ae_error_format(err, msg, sizeof(msg));
		fprintf(stderr, "  (compose %s: %s)\n", file, msg);
	}
	return root;
}

static ae_node *compose_w(const char *file, ae_error *err,
                          ae_compose_warning **w, size_t *nw, int n_ov, ...)
{
	va_list ap;
	ae_node *root;

	va_start(ap, n_ov);
	root = compose_v(file, err, w, nw, n_ov, ap);
	va_end(ap);
	return root;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && strcmp(s + a - b, tail) == 0;
}

static void test_order_and_self(void)
{
	ae_error err;
	ae_node *r;

	/* _self_ last: the primary's db.port wins, group keys come first. */
	r = compose("basic/config.yaml", &err, 0);
	CHECK(r != NULL);
	CHECK_STR(val(r, "db.port"), "9999");
	CHECK_STR(val(r, "db.driver"), "mysql");
	CHECK_STR(val(r, "db.user"), "${oc.env:USER}");
	CHECK_STR(val(r, "server.name"), "apache");
	CHECK_STR(val(r, "top"), "1");
	CHECK_STR(keys(r, ""), "db,server,top");
	CHECK(get(r, "defaults") == NULL);
	/* Marks: each value remembers its file and line. */
	CHECK(ends_with(ae_node_file(get(r, "db.driver")), "db/mysql.yaml"));
	CHECK_INT(get(r, "db.driver")->line, 1);
	CHECK(ends_with(ae_node_file(get(r, "db.port")), "basic/config.yaml"));
	CHECK_INT(get(r, "db.port")->line, 7);
	CHECK_INT(get(r, "db.port")->column, 9);
	ae_node_free(r);

	/* _self_ first: the group option wins. */
	r = compose("basic/self_first.yaml", &err, 0);
	CHECK_STR(val(r, "db.port"), "3306");
	CHECK_STR(keys(r, ""), "db");
	ae_node_free(r);

	/* No _self_: Hydra 1.1+ puts it last. */
	r = compose("basic/no_self.yaml", &err, 0);
	CHECK_STR(val(r, "db.port"), "1111");
	CHECK_STR(val(r, "db.driver"), "mysql");
	ae_node_free(r);

	/* A config default (string entry) relative to the primary's dir. */
	r = compose("basic/config_default.yaml", &err, 0);
	CHECK_STR(val(r, "db.driver"), "postgres");
	CHECK_STR(val(r, "extra"), "1");
	ae_node_free(r);
}

static void test_nested_optional_disabled(void)
{
	ae_error err;
	ae_node *r;

	/* - child: x inside db/nested.yaml is db/child/x.yaml at db.child. */
	r = compose("basic/nested.yaml", &err, 0);
	CHECK_STR(val(r, "db.child.name"), "child_x");
	CHECK_STR(val(r, "db.driver"), "nested");
	CHECK_STR(keys(r, "db"), "child,driver");
	ae_node_free(r);

	r = compose("basic/optional.yaml", &err, 0);
	CHECK(r != NULL);
	CHECK_STR(keys(r, ""), "server");
	ae_node_free(r);

	r = compose("basic/disabled.yaml", &err, 0);
	CHECK_STR(keys(r, ""), "server");
	ae_node_free(r);
	/* A command-line choice re-enables a null group. */
	r = compose("basic/disabled.yaml", &err, 1, "db=postgres");
	CHECK_STR(val(r, "db.driver"), "postgres");
	ae_node_free(r);
}

static void test_packages(void)
{
	ae_error err;
	ae_node *r;

	r = compose("basic/packages.yaml", &err, 0);
	CHECK(r != NULL);
	/* # @package _global_ */
	CHECK_STR(val(r, "global_key"), "g");
	CHECK_STR(val(r, "server_name"), "global");
	CHECK(get(r, "server") == NULL);
	/* group@pkg */
	CHECK_STR(val(r, "backup.driver"), "postgres");
	/* an explicit package beats the file's header */
	CHECK_STR(val(r, "srv2.name"), "grp");
	CHECK_STR(val(r, "srv3.name"), "abs");
	ae_node_free(r);

	r = compose("basic/header_abs.yaml", &err, 0);
	CHECK_STR(val(r, "deep.place.name"), "abs");
	CHECK(get(r, "server") == NULL);
	ae_node_free(r);

	r = compose("basic/header_group.yaml", &err, 0);
	CHECK_STR(val(r, "server.name"), "grp");
	ae_node_free(r);
}

static void test_overrides_in_defaults(void)
{
	ae_error err;
	ae_node *r;

	/* An experiment file's "override /db: postgres" replaces the
	 * primary's earlier choice; its _global_ content merges after. */
	r = compose("basic/override.yaml", &err, 0);
	CHECK_STR(val(r, "db.driver"), "postgres");
	CHECK_STR(val(r, "db.port"), "6000");
	CHECK_STR(val(r, "exp"), "1");
	CHECK_STR(val(r, "name"), "override");
	ae_node_free(r);
	/* The command line beats the defaults-list override. */
	r = compose("basic/override.yaml", &err, 1, "db=mysql");
	CHECK_STR(val(r, "db.driver"), "mysql");
	CHECK_STR(val(r, "db.port"), "6000");
	ae_node_free(r);
	/* Selecting the experiment from the command line works the same. */
	r = compose("basic/override.yaml", &err, 1, "experiment=late");
	CHECK_STR(val(r, "db.driver"), "nested");
	CHECK(get(r, "exp") == NULL);
	ae_node_free(r);

	r = compose("basic/override_order.yaml", &err, 0);
	CHECK(r == NULL);
	CHECK(strstr(err.text, "overrides must be at the end") != NULL);
	CHECK(ends_with(err.file, "override_order.yaml"));
	CHECK_INT(err.line, 3);

	r = compose("basic/override_nomatch.yaml", &err, 0);
	CHECK(r == NULL);
	CHECK(strstr(err.text, "no earlier entry for group 'server'") != NULL);
	CHECK_INT(err.line, 3);

	r = compose("basic/dup.yaml", &err, 0);
	CHECK(r == NULL);
	CHECK(strstr(err.text, "more than once") != NULL);
	CHECK_INT(err.line, 2);
	CHECK(strstr(err.text, "dup.yaml:3:9") != NULL);
	CHECK_STR(err.path, "defaults[0].db");
}

static void test_command_line(void)
{
	ae_error err;
	ae_node *r;

	/* group=option, last one wins, then key overrides. */
	r = compose("basic/config.yaml", &err, 3, "db=mysql", "db=postgres",
	            "db.port=1");
	CHECK_STR(val(r, "db.driver"), "postgres");
	CHECK_STR(val(r, "db.port"), "1");
	ae_node_free(r);
	/* An option found only on the search path (presets). */
	r = compose("basic/config.yaml", &err, 1, "db=sqlite");
	CHECK_STR(val(r, "db.driver"), "sqlite");
	ae_node_free(r);
	/* The primary's directory comes first on the search path. */
	r = compose("basic/config.yaml", &err, 0);
	CHECK_STR(val(r, "db.driver"), "mysql");
	ae_node_free(r);
	/* +group adds after the implicit _self_; ~group removes. */
	r = compose("basic/no_defaults.yaml", &err, 1, "+server=nginx");
	CHECK_STR(val(r, "server.name"), "nginx");
	CHECK_STR(keys(r, ""), "a,db,server");
	ae_node_free(r);
	r = compose("basic/config.yaml", &err, 1, "~server");
	CHECK(r != NULL);
	CHECK(get(r, "server") == NULL);
	ae_node_free(r);
	r = compose("basic/config.yaml", &err, 1, "~server=nginx");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "could not delete") != NULL);
	/* +group of a group already chosen. */
	r = compose("basic/config.yaml", &err, 1, "+db=postgres");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "more than once") != NULL);
	CHECK(strstr(err.text, "+db=postgres") != NULL);
	/* A group not in the defaults list. */
	r = compose("basic/self_first.yaml", &err, 1, "server=nginx");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "no match in the defaults list") != NULL);
	CHECK(strstr(err.text, "+server=nginx") != NULL);
	/* ++ of a group. */
	r = compose("basic/config.yaml", &err, 1, "++db=postgres");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "not supported") != NULL);
	/* Key override errors pass through. */
	r = compose("basic/config.yaml", &err, 1, "nothere=1");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "+nothere=1") != NULL);
	r = compose("basic/config.yaml", &err, 1, "top=1,2");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "sweeps (choice, range") != NULL);
	CHECK(strstr(err.text, "give one value") != NULL);
	CHECK_INT(err.column, 6);
}

static void test_errors(void)
{
	ae_error err;
	ae_node *r;
	char msg[2048];

	/* Unknown option: where it was written, the options, the path. */
	r = compose("basic/bad_option.yaml", &err, 0);
	CHECK(r == NULL);
	CHECK(ends_with(err.file, "basic/bad_option.yaml"));
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 9);
	CHECK(strstr(err.text, "db/oracle") != NULL);
	CHECK(strstr(err.text, "mysql, nested, postgres, sqlite") != NULL);
	CHECK(strstr(err.text, presets) != NULL);
	ae_error_format(&err, msg, sizeof(msg));
	CHECK(strstr(msg, "bad_option.yaml:2:9: ") != NULL);
	/* Same from the command line. */
	r = compose("basic/config.yaml", &err, 1, "db=oracle");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "db=oracle") != NULL);
	CHECK(strstr(err.text, "mysql, nested, postgres, sqlite") != NULL);
	/* ??? must be chosen. */
	r = compose("basic/missing_choice.yaml", &err, 0);
	CHECK(r == NULL);
	CHECK(strstr(err.text, "you must choose") != NULL);
	r = compose("basic/missing_choice.yaml", &err, 1, "db=postgres");
	CHECK_STR(val(r, "db.driver"), "postgres");
	ae_node_free(r);
	/* Cycle. */
	r = compose("basic/cycle.yaml", &err, 0);
	CHECK(r == NULL);
	CHECK(strstr(err.text, "cycle in defaults lists: cyc/a -> cyc/b -> "
	                       "cyc/a") != NULL);
	CHECK(ends_with(err.file, "cyc/b.yaml"));
	CHECK_INT(err.line, 2);
	/* Missing primary. */
	r = compose("basic/nope.yaml", &err, 0);
	CHECK(r == NULL);
	CHECK(strstr(err.text, "cannot read") != NULL);
}

static void test_log_events(void)
{
	ae_error err;
	ae_compose_warning *w = NULL;
	size_t nw = 0;
	ae_node *r;

	r = compose_w("basic/mon.yaml", &err, &w, &nw, 0);
	CHECK(r != NULL);
	/* OmegaConf semantics: the list is replaced... */
	CHECK_STR(val(r, "monitoring.log_events.0.name"), "checkpoint_saved");
	CHECK(get(r, "monitoring.log_events.1") == NULL);
	CHECK_STR(val(r, "monitoring.state_events.0.name"), "crash");
	/* ...and the loss is reported where the replacing list is. */
	CHECK_INT(nw, 1);
	if (nw == 1) {
		CHECK(strstr(w[0].text, "monitoring/cooldown.yaml:6:3: "
		                        "monitoring.log_events: ") != NULL);
		CHECK(strstr(w[0].text, "cpu_oom, nccl_error") != NULL);
		CHECK(strstr(w[0].text, "monitoring/production.yaml:3:3") !=
		      NULL);
	}
	ae_node_free(r);
	free(w);
	w = NULL;
	nw = 0;
	/* The mapping form merges per event name, silently. */
	r = compose_w("basic/mon_map.yaml", &err, &w, &nw, 0);
	CHECK_STR(keys(r, "monitoring.log_events"),
	          "cpu_oom,checkpoint_saved,cooldown_done");
	CHECK_STR(val(r, "monitoring.log_events.checkpoint_saved.pattern"),
	          "saved checkpoint (cooldown)");
	/* state_events in the mapping form merge the same way */
	CHECK_STR(keys(r, "monitoring.state_events"), "crash,stall,success");
	CHECK_STR(val(r, "monitoring.state_events.crash.actions.0.message"),
	          "base");
	CHECK_STR(val(r, "monitoring.state_events.crash.metadata.from"),
	          "child");
	CHECK_INT(nw, 0);
	ae_node_free(r);
	free(w);
}

static void test_captured_config(void)
{
	ae_error err;
	ae_node *r;

	/* The design's example: load pinned to the first run, save follows
	 * the new base dir (still an interpolation before resolution). */
	r = compose("plain/unresolved_config.yaml", &err, 3,
	            "backend.megatron.load=/outputs/exp_1/checkpoints",
	            "project.base_output_dir=/outputs/exp_2_cooldown",
	            "monitoring=megatron_basic");
	CHECK(r != NULL);
	CHECK_STR(val(r, "backend.megatron.load"),
	          "/outputs/exp_1/checkpoints");
	CHECK_STR(val(r, "backend.megatron.save"),
	          "${project.base_output_dir}/checkpoints");
	CHECK_STR(val(r, "project.base_output_dir"), "/outputs/exp_2_cooldown");
	/* monitoring=megatron_basic replaced the whole subtree. */
	CHECK_STR(keys(r, "monitoring"), "class_name,log_events");
	CHECK_STR(val(r, "monitoring.log_events.0.name"), "checkpoint_saved");
	CHECK(get(r, "monitoring.log_events.1") == NULL);
	CHECK(ends_with(ae_node_file(get(r, "monitoring.class_name")),
	                "monitoring/megatron_basic.yaml"));
	/* Key order of the captured file is kept. */
	CHECK_STR(keys(r, ""), "project,backend,monitoring");
	ae_node_free(r);
	/* ~group on a captured config deletes the key. */
	r = compose("plain/unresolved_config.yaml", &err, 1, "~monitoring");
	CHECK(r != NULL);
	CHECK_STR(keys(r, ""), "project,backend");
	ae_node_free(r);
	/* Unknown option still lists what exists. */
	r = compose("plain/unresolved_config.yaml", &err, 1, "monitoring=nope");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "megatron_basic") != NULL);
	/* No group directory, but the key holds a mapping: an error, not a
	 * string in place of the whole section. */
	r = compose("plain/unresolved_config.yaml", &err, 1, "project=other");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "config group 'project' not found") != NULL);
	CHECK(strstr(err.text, "holds a mapping") != NULL);
	CHECK(strstr(err.text, "search path: ") != NULL);
	/* ... while a string for a scalar, or inside the mapping, is fine. */
	r = compose("plain/unresolved_config.yaml", &err, 1,
	            "project.name=other");
	CHECK(r != NULL);
	CHECK_STR(val(r, "project.name"), "other");
	ae_node_free(r);
}

/* The shipped example (monitoring: megatron_cooldown_single) with overrides,
 * composed against the shipped presets. */
static ae_node *compose_shipped(const char *preset, ae_error *err, int n_ov,
                                ...)
{
	const char *ovs[8];
	char cfg[1100], example[1200], group[64];
	const char *sp[] = {cfg};
	const char *srcdir = getenv("srcdir");
	ae_compose_opts opts;
	va_list ap;
	int i = 0;

	snprintf(cfg, sizeof(cfg), "%s/config", srcdir ? srcdir : ".");
	snprintf(example, sizeof(example),
	         "%s/examples/megatron_single_cooldown.yaml", cfg);
	if (preset) {
		snprintf(group, sizeof(group), "monitoring=%s", preset);
		ovs[i++] = group;
	}
	va_start(ap, n_ov);
	for (; n_ov > 0 && i < 8; n_ov--)
		ovs[i++] = va_arg(ap, const char *);
	va_end(ap);
	memset(&opts, 0, sizeof(opts));
	opts.search_path = sp;
	opts.n_search_path = 1;
	opts.overrides = ovs;
	opts.n_overrides = (size_t)i;
	ae_error_clear(err);
	return ae_compose_file(example, &opts, err);
}

/* Issue 18: a cooldown child keeps the parent's monitoring section and
 * loses only the event that starts cooldowns, which the presets delete with
 * `~monitoring.log_events.cooldown_checkpoint`. */
static void test_cooldown_keeps_monitoring(void)
{
	static const char *const presets_[] = {"megatron_cooldown_single",
	                                       "megatron_cooldown_multi"};
	ae_error err;
	ae_node *r;
	size_t i;

	for (i = 0; i < 2; i++) {
		r = compose_shipped(
		    presets_[i], &err, 3,
		    "++monitoring.log_path=${project.base_output_dir}/"
		    "train-%j.log",
		    "monitoring.drain_timeout_seconds=42",
		    "~monitoring.log_events.cooldown_checkpoint");
		CHECK(r != NULL);
		CHECK_STR(val(r, "monitoring.log_path"),
		          "${project.base_output_dir}/train-%j.log");
		CHECK_STR(val(r, "monitoring.drain_timeout_seconds"), "42");
		CHECK(get(r, "monitoring.log_events.cooldown_checkpoint") ==
		      NULL);
		/* every other event, basic's and production's, is kept */
		CHECK_STR(keys(r, "monitoring.log_events.checkpoint_saved"),
		          "pattern,pattern_type,metadata,extract_groups,"
		          "actions");
		CHECK_STR(val(r, "monitoring.log_events.python_error.pattern"),
		          "Traceback \\(most recent call last\\):");
		CHECK_STR(
		    val(r, "monitoring.log_events.nccl_error.metadata.kind"),
		    "error");
		CHECK(get(r, "monitoring.metadata.cooldown") != NULL);
		ae_node_free(r);
	}
	/* The delete is strict, as Hydra's: an event that is not there is an
	 * error, not a silent no-op. */
	r = compose_shipped("megatron_basic", &err, 1,
	                    "~monitoring.log_events.cooldown_checkpoint");
	CHECK(r == NULL);
	CHECK(strstr(err.text, "cannot delete 'monitoring.log_events."
	                       "cooldown_checkpoint': key not found") != NULL);
}

int main(void)
{
	const char *srcdir = getenv("srcdir");

	snprintf(data, sizeof(data), "%s/tests/data/compose",
	         srcdir ? srcdir : ".");
	snprintf(presets, sizeof(presets), "%s/presets", data);
	test_order_and_self();
	test_nested_optional_disabled();
	test_packages();
	test_overrides_in_defaults();
	test_command_line();
	test_errors();
	test_log_events();
	test_captured_config();
	test_cooldown_keeps_monitoring();
	TEST_MAIN_END();
}
