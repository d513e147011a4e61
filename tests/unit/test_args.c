#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "ae_args.h"
#include "ae_yaml.h"
#include "testutil.h"

static ae_node *load(const char *text)
{
	ae_error err;
	ae_node *root;

	ae_error_clear(&err);
	root = ae_yaml_load_string(text, strlen(text), "test.yaml", NULL, &err);
	if (!root)
		fprintf(stderr, "load failed: %s\n", err.text);
	return root;
}

/* The flags of the node at `path` joined by '|', or "ERR:<message>" with
 * the error's line and key path. Caller frees. */
static char *flags(const char *yaml, const char *path)
{
	ae_node *root = load(yaml);
	const ae_node *node;
	ae_args *args = ae_args_new();
	ae_error err;
	char *out = NULL;
	size_t i, len = 1;

	ae_error_clear(&err);
	if (!root || !args)
		goto out;
	node = ae_args_lookup(root, path, &err);
	if (!node || ae_args_from_node(args, node, &err) < 0) {
		out = malloc(AE_ERROR_TEXT_LEN + AE_ERROR_PATH_LEN + 64);
		if (out)
			snprintf(out,
			         AE_ERROR_TEXT_LEN + AE_ERROR_PATH_LEN + 64,
			         "ERR:%d:%s:%s", err.line, err.path, err.text);
		goto out;
	}
	for (i = 0; i < args->argc; i++)
		len += strlen(args->argv[i]) + 1;
	out = calloc(1, len);
	for (i = 0; out && i < args->argc; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, args->argv[i]);
	}
	CHECK(args->argv[args->argc] == NULL);
out:
	ae_args_free(args);
	ae_node_free(root);
	return out;
}

static void check_flags(const char *yaml, const char *path, const char *expect,
                        int line)
{
	char *got = flags(yaml, path);

	if (!got || strcmp(got, expect) != 0)
		fprintf(stderr, "  (case at line %d)\n", line);
	CHECK_STR(got, expect);
	free(got);
}

#define FLAGS(yaml, path, expect) check_flags(yaml, path, expect, __LINE__)

static int starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_types(void)
{
	FLAGS("backend:\n  megatron:\n    train_iters: 100\n",
	      "backend.megatron", "--train-iters|100");
	FLAGS("m:\n  lr: 0.0001\n  min_lr: 1.0e-05\n  x: 3.0\n  big: 1e16\n",
	      "m", "--lr|0.0001|--min-lr|1e-05|--x|3.0|--big|1e+16");
	FLAGS("m:\n  async_save: true\n  finetune: false\n  load: null\n"
	      "  save: /ckpt\n",
	      "m", "--async-save|--save|/ckpt");
	FLAGS("m:\n  s: ''\n  q: '100'\n  t: 'True'\n", "m",
	      "--s||--q|100|--t|True");
	FLAGS("m:\n  data_path: [1.0, a, 3, true]\n  empty: []\n  n: -5\n", "m",
	      "--data-path|1.0|a|3|True|--n|-5");
	/* keys keep their order; only underscores change */
	FLAGS("m:\n  z_a: 1\n  a-b_c: 2\n  CamelCase: 3\n", "m",
	      "--z-a|1|--a-b-c|2|--CamelCase|3");
	FLAGS("m: null\n", "m", "");
	FLAGS("m: {}\n", "m", "");
	FLAGS("a:\n  - b: {c: {d: 4}}\n", "a.0.b.c", "--d|4");
	FLAGS("x: 1\n", "", "--x|1");
}

static void test_errors(void)
{
	char *got;

	got = flags("m:\n  ok: 1\n  nested:\n    a: 1\n", "m");
	CHECK(starts_with(got, "ERR:4:m.nested:a nested mapping"));
	free(got);
	got = flags("m:\n  l:\n    - [1, 2]\n", "m");
	CHECK(starts_with(got, "ERR:3:m.l[0]:a list of arguments may only hold "
	                       "scalars, not a sequence"));
	free(got);
	got = flags("m:\n  l: [1, null]\n", "m");
	CHECK(starts_with(got, "ERR:2:m.l[1]:null in a list"));
	free(got);
	got = flags("m: [1]\n", "m");
	CHECK(starts_with(got, "ERR:1:m:expected a mapping"));
	free(got);
	got = flags("m: 3\n", "m");
	CHECK(starts_with(got, "ERR:1:m:expected a mapping of arguments"));
	free(got);
	got = flags("backend:\n  other: 1\n", "backend.megatron");
	CHECK(starts_with(got, "ERR:2:backend:no key 'megatron'"));
	free(got);
	got = flags("m: 1\n", "m.x");
	CHECK(starts_with(got, "ERR:1:m:no key 'x'"));
	free(got);
	got = flags("m: [1]\n", "m.5");
	CHECK(starts_with(got, "ERR:1:m:no key '5'"));
	free(got);
	got = flags("m: {a: 1}\n", "m..a");
	CHECK(starts_with(got, "ERR:0::invalid key path"));
	free(got);
	got = flags("m: {a: 1}\n", "m.");
	CHECK(starts_with(got, "ERR:0::invalid key path"));
	free(got);
	/* an argv word ends at a NUL: "/ckpt\0/x" would pass as "/ckpt" */
	got = flags("m:\n  save: \"/ckpt\\0/x\"\n", "m");
	CHECK(
	    starts_with(got, "ERR:2:m.save:an argument cannot contain a NUL"));
	free(got);
	got = flags("m:\n  l: [a, \"b\\0\"]\n", "m");
	CHECK(
	    starts_with(got, "ERR:2:m.l[1]:an argument cannot contain a NUL"));
	free(got);
}

static void check_quote(const char *word, const char *expect)
{
	char *q = ae_args_shell_quote(word);

	CHECK_STR(q, expect);
	free(q);
}

static void test_quote(void)
{
	ae_args *args = ae_args_new();
	ae_error err;
	char *joined;

	check_quote("--train-iters", "--train-iters");
	check_quote("/a/b_c.d:e,f+g@h%i=j", "/a/b_c.d:e,f+g@h%i=j");
	check_quote("", "''");
	check_quote("a b", "'a b'");
	check_quote("it's", "'it'\\''s'");
	check_quote("'", "''\\'''");
	check_quote("$HOME", "'$HOME'");
	check_quote("${oc.env:X}", "'${oc.env:X}'");
	check_quote("a\nb", "'a\nb'");
	check_quote("*", "'*'");
	check_quote("~user", "'~user'");

	ae_error_clear(&err);
	CHECK(args != NULL);
	if (!args)
		return;
	CHECK_INT(ae_args_push(args, "--save", &err), 0);
	CHECK_INT(ae_args_push(args, "/my dir/it's", &err), 0);
	CHECK_INT(ae_args_push(args, "", &err), 0);
	joined = ae_args_shell_join(args, &err);
	CHECK_STR(joined, "--save '/my dir/it'\\''s' ''");
	free(joined);
	ae_args_free(args);

	args = ae_args_new();
	joined = args ? ae_args_shell_join(args, &err) : NULL;
	CHECK_STR(joined, "");
	free(joined);
	ae_args_free(args);
	ae_args_free(NULL);
}

/* Many flags: the list grows and stays NULL-terminated. */
static void test_growth(void)
{
	ae_args *args = ae_args_new();
	ae_error err;
	char word[32];
	int i;

	ae_error_clear(&err);
	if (!args) {
		CHECK(args != NULL);
		return;
	}
	for (i = 0; i < 1000; i++) {
		snprintf(word, sizeof(word), "w%d", i);
		if (ae_args_push(args, word, &err) < 0)
			break;
	}
	CHECK_INT(args->argc, 1000);
	CHECK_STR(args->argv[999], "w999");
	CHECK(args->argv[1000] == NULL);
	ae_args_free(args);
}

int main(void)
{
	test_types();
	test_errors();
	test_quote();
	test_growth();
	TEST_MAIN_END();
}
