/* The budgets of one resolution (issue 17, finding 3 of the review): a
 * config that expands without bound fails with an error naming its key
 * instead of taking memory and time exponential in its size, while real
 * configs stay far below the defaults. The bombs here stop a level or two
 * past the budgets, so that the test also runs (and fails) on code without
 * them in reasonable time and memory. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_compose.h"
#include "ae_interp.h"
#include "ae_strbuf.h"
#include "ae_yaml.h"
#include "testutil.h"

#define STRING_LIMIT "exceeds 1 MiB, the limit for one string"
#define TOTAL_LIMIT  "exceed 16 MiB in total"
#define NODES_LIMIT  "exceed 250000 nodes in total"

static ae_node *load(const char *text)
{
	ae_error err;
	ae_node *root =
	    ae_yaml_load_string(text, strlen(text), "t.yaml", NULL, &err);

	if (!root)
		fprintf(stderr, "load: %s\n", err.text);
	return root;
}

/* Resolve text with opts; the result (caller frees) or NULL with err. */
static ae_node *resolve(const char *text, const ae_resolve_opts *opts,
                        ae_error *err)
{
	ae_node *root = load(text), *out;

	ae_error_clear(err);
	if (!root)
		return NULL;
	out = ae_interp_resolve(root, opts, err);
	ae_node_free(root);
	return out;
}

/* refs references to level - 1, each pre<level - 1>post, separated by
 * sep. */
static void add_level(ae_strbuf *b, const char *pre, const char *post,
                      const char *sep, int level, int refs)
{
	char line[64];
	int k;

	for (k = 0; k < refs; k++) {
		snprintf(line, sizeof(line), "%s%s%d%s", k ? sep : "", pre,
		         level - 1, post);
		ae_strbuf_puts(b, line);
	}
}

/* The review's reproduction: a0 is 100 bytes, each a<i> a string of ten
 * references to a<i-1>, so a<i> is 100 * 10^i bytes (six levels: 515
 * bytes of YAML, 111 MB written at job start; eight exhaust 4 GB). */
static char *string_bomb(int levels)
{
	ae_strbuf b = {0};
	char line[64];
	int i;

	ae_strbuf_puts(&b, "a0: ");
	for (i = 0; i < 100; i++)
		ae_strbuf_puts(&b, "x");
	ae_strbuf_puts(&b, "\n");
	for (i = 1; i <= levels; i++) {
		snprintf(line, sizeof(line), "a%d: \"", i);
		ae_strbuf_puts(&b, line);
		add_level(&b, "${a", "}", "", i, 10);
		ae_strbuf_puts(&b, "\"\n");
	}
	return ae_strbuf_take(&b);
}

static void test_string_bomb(void)
{
	ae_resolve_opts opts = {.timestring = "20250101_000000_000"};
	char *text = string_bomb(4);
	ae_node *root, *out;
	ae_error err;

	/* four levels: a4 is 1 000 000 bytes, under the limit */
	out = resolve(text, &opts, &err);
	CHECK(out != NULL);
	if (out)
		CHECK_INT(ae_map_get(out, "a4")->u.str.len, 1000000);
	ae_node_free(out);
	free(text);

	/* five: a5 would be 10 MB */
	text = string_bomb(5);
	out = resolve(text, &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "interpolation result " STRING_LIMIT) != NULL);
	CHECK(strstr(err.text, "expands without bound") != NULL);
	CHECK_STR(err.file, "t.yaml");
	CHECK_STR(err.path, "a5");
	CHECK_INT(err.line, 6);
	CHECK_INT(err.column, 5);
	if (out)
		fprintf(stderr, "a5 resolved to %zu bytes\n",
		        ae_map_get(out, "a5")->u.str.len);
	ae_node_free(out);

	/* the same in the check sbatch runs */
	root = load(text);
	CHECK(root != NULL);
	if (root) {
		CHECK_INT(ae_interp_check(root, &opts, &err), -1);
		CHECK_STR(err.path, "a5");
		CHECK(strstr(err.text, STRING_LIMIT) != NULL);
		/* and in resolving one node of it */
		out = ae_interp_resolve_node(root, ae_map_get(root, "a5"),
		                             &opts, &err);
		CHECK(out == NULL);
		CHECK(strstr(err.text, STRING_LIMIT) != NULL);
		ae_node_free(out);
	}
	ae_node_free(root);
	free(text);
}

/* Many strings, each under the limit for one, over the total. */
static void test_total_bytes(void)
{
	ae_resolve_opts opts = {0};
	char *bomb = string_bomb(4), line[64];
	ae_strbuf b = {0};
	ae_node *out;
	ae_error err;
	int i;

	ae_strbuf_puts(&b, bomb);
	for (i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "b%d: ${a4}!\n", i);
		ae_strbuf_puts(&b, line);
	}
	free(bomb);
	bomb = ae_strbuf_take(&b);
	out = resolve(bomb, &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "interpolation results " TOTAL_LIMIT) != NULL);
	CHECK(err.path[0] == 'b');
	ae_node_free(out);
	free(bomb);
}

/* Lists of ten references to the list before, down to a mapping of three
 * keys: each reference is a copy, 4 * 10^levels nodes in all. */
static char *map_bomb(int levels)
{
	ae_strbuf b = {0};
	char line[64];
	int i, k;

	ae_strbuf_puts(&b, "m0: {");
	for (k = 0; k < 3; k++) {
		snprintf(line, sizeof(line), "%sk%d: x", k ? ", " : "", k);
		ae_strbuf_puts(&b, line);
	}
	ae_strbuf_puts(&b, "}\n");
	for (i = 1; i <= levels; i++) {
		snprintf(line, sizeof(line), "m%d: [", i);
		ae_strbuf_puts(&b, line);
		add_level(&b, "'${m", "}'", ", ", i, 10);
		ae_strbuf_puts(&b, "]\n");
	}
	return ae_strbuf_take(&b);
}

static void test_node_bomb(void)
{
	ae_resolve_opts opts = {0};
	char *text = map_bomb(5);
	ae_node *out;
	ae_error err;

	out = resolve(text, &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "interpolation results " NODES_LIMIT) != NULL);
	CHECK(strncmp(err.path, "m", 1) == 0);
	ae_node_free(out);
	free(text);

	/* smaller budgets, set by the caller */
	text = map_bomb(2);
	opts.max_nodes = 100;
	out = resolve(text, &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "exceed 100 nodes in total") != NULL);
	ae_node_free(out);
	opts.max_nodes = 0;
	opts.max_bytes = 100;
	out = resolve(text, &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "exceed 100 bytes in total") != NULL);
	ae_node_free(out);
	opts.max_bytes = 0;
	out = resolve(text, &opts, &err);
	CHECK(out != NULL);
	ae_node_free(out);
	free(text);
}

/* oc.create, oc.decode and the other resolvers share the budgets. */
static void test_resolvers(void)
{
	ae_resolve_opts opts = {.max_nodes = 20};
	ae_strbuf b = {0};
	ae_node *out;
	ae_error err;
	char *text;
	int i;

	/* YAML text: the loader stops at the budget */
	out = resolve("s: '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, "
	              "16, 17, 18, 19, 20, 21]'\nx: ${oc.create:${s}}\n",
	              &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "oc.create: more than 20 nodes") != NULL);
	CHECK_STR(err.path, "x");
	ae_node_free(out);
	/* a container: copied, and counted */
	out = resolve("s: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, "
	              "16, 17, 18, 19, 20, 21]\nx: ${oc.create:${s}}\n",
	              &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "exceed 20 nodes in total") != NULL);
	CHECK_STR(err.path, "x");
	ae_node_free(out);

	out = resolve("s: '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, "
	              "16, 17, 18, 19, 20, 21]'\ny: ${oc.decode:${s}}\n",
	              &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "exceed 20 nodes in total") != NULL);
	CHECK_STR(err.path, "y");
	ae_node_free(out);

	/* a YAML alias bomb given to oc.create stops at the budget, in the
	 * loader, before it is built */
	ae_strbuf_puts(&b, "s: |\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i <= 6; i++) {
		char line[64];

		snprintf(line, sizeof(line), "  l%d: &l%d [", i, i);
		ae_strbuf_puts(&b, line);
		add_level(&b, "*l", "", ", ", i, 10);
		ae_strbuf_puts(&b, "]\n");
	}
	ae_strbuf_puts(&b, "c: ${oc.create:${s}}\n");
	text = ae_strbuf_take(&b);
	out = resolve(text, NULL, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "oc.create: ") != NULL);
	CHECK(strstr(err.text, "limit of 250000 nodes (alias bomb?)") != NULL);
	CHECK_STR(err.path, "c");
	ae_node_free(out);
	free(text);

	/* a string a resolver makes counts as one built by interpolation */
	opts.max_nodes = 0;
	opts.max_string = 100;
	out = resolve(
	    "s: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	    "c: ${oc.concat:${s},${s}}\n",
	    &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "exceeds 100 bytes, the limit for one string") !=
	      NULL);
	CHECK_STR(err.path, "c");
	ae_node_free(out);
	/* ... and one quoted in resolver arguments */
	out = resolve(
	    "s: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	    "c: ${oc.len:'${s}${s}'}\n",
	    &opts, &err);
	CHECK(out == NULL);
	CHECK(strstr(err.text, "exceeds 100 bytes") != NULL);
	ae_node_free(out);
	/* the config's own long values are not built by interpolation */
	out =
	    resolve("s: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
	            "c: ${s}\n",
	            &opts, &err);
	CHECK(out != NULL);
	ae_node_free(out);
}

static const char *demo_env(const char *name, void *ctx)
{
	(void)ctx;
	return strcmp(name, "AUTOEXP_DEMO_OUTPUT") == 0 ? "/scratch/demo"
	                                                : NULL;
}

/* The shipped example with every preset, and a config of 2000 keys with
 * 500 interpolations (bench/gen_config.py's shape, larger than a Megatron
 * experiment), resolve within a hundredth of the default budgets. */
static void test_real_configs(void)
{
	static const char *const presets[] = {
	    "megatron_basic", "megatron_production", "megatron_cooldown_single",
	    "megatron_cooldown_multi"};
	static const char iterations[] =
	    "++monitoring.metadata.cooldown.iterations=[10,20,30]";
	ae_resolve_opts opts = {
	    .timestring = "20250101_000000_000",
	    .env = demo_env,
	    .max_bytes = AE_RESOLVE_MAX_BYTES / 100,
	    .max_string = AE_RESOLVE_MAX_STRING / 100,
	    .max_nodes = AE_RESOLVE_MAX_NODES / 100,
	};
	const char *srcdir = getenv("srcdir");
	char cfg[1100], example[1200], group[64], line[128];
	const char *sp[] = {cfg}, *ovs[2] = {group, iterations};
	ae_compose_opts co;
	ae_strbuf b = {0};
	ae_node *root, *out;
	ae_error err;
	char *text;
	size_t i;
	int g, k, n = 0;

	snprintf(cfg, sizeof(cfg), "%s/config", srcdir ? srcdir : ".");
	snprintf(example, sizeof(example),
	         "%s/examples/megatron_single_cooldown.yaml", cfg);
	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		snprintf(group, sizeof(group), "monitoring=%s", presets[i]);
		memset(&co, 0, sizeof(co));
		co.search_path = sp;
		co.n_search_path = 1;
		co.overrides = ovs;
		co.n_overrides = 2;
		root = ae_compose_file(example, &co, &err);
		CHECK(root != NULL);
		if (!root)
			continue;
		out = ae_interp_resolve(root, &opts, &err);
		CHECK(out != NULL);
		if (!out)
			fprintf(stderr, "%s: %s\n", presets[i], err.text);
		ae_node_free(out);
		ae_node_free(root);
	}

	ae_strbuf_puts(&b, "project:\n  name: bench\n"
	                   "  base_output_dir: /scratch/${.name}\n");
	for (g = 0; g < 100; g++) {
		snprintf(line, sizeof(line), "group_%d:\n", g);
		ae_strbuf_puts(&b, line);
		for (k = 0; k < 20; k++) {
			if (k % 4 == 3 && n++ < 500)
				snprintf(
				    line, sizeof(line),
				    n % 4 == 0   ? "  key_%d: "
				                   "${project.base_output_dir}"
				                   "/g/k\n"
				    : n % 4 == 1 ? "  key_%d: ${.key_0}\n"
				    : n % 4 == 2
				        ? "  key_%d: ${oc.mul:${.key_0},2}\n"
				        : "  key_%d: run_${project.name}_"
				          "${.key_1}\n",
				    k);
			else
				snprintf(line, sizeof(line), "  key_%d: %d\n",
				         k, g * 1000 + k);
			ae_strbuf_puts(&b, line);
		}
	}
	text = ae_strbuf_take(&b);
	out = resolve(text, &opts, &err);
	CHECK(out != NULL);
	if (!out)
		fprintf(stderr, "generated: %s\n", err.text);
	ae_node_free(out);
	free(text);
}

int main(void)
{
	test_string_bomb();
	test_total_bytes();
	test_node_bomb();
	test_resolvers();
	test_real_configs();
	TEST_MAIN_END();
}
