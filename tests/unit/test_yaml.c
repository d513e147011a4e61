/* YAML: typing as OmegaConf 2.2 does it, merge keys, anchors, marks, limits,
 * error positions, and emitting text that loads back equal.
 *
 * Every typing rule below was checked against the real thing with
 *
 *   python3 -c 'import sys; from omegaconf import OmegaConf
 *   for v in sys.argv[1:]:
 *       n = OmegaConf.create("a: " + v)._get_node("a")._value()
 *       print(repr(v), type(n).__name__, repr(n))' 0o17 017 1e-4 ...
 *
 * (omegaconf 2.2.2, PyYAML 6.0). tests/data/yaml/valid holds whole files with
 * the values and the OmegaConf.save text that OmegaConf gives for them
 * (tests/data/yaml/make_expected.py regenerates them); tests/data/yaml/invalid
 * holds bad files, each with <case>.err = "line:col|key path|message part"
 * ("*" for a path that is not checked).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_json.h"
#include "ae_yaml.h"
#include "ae_yaml_scalar.h"
#include "testutil.h"

static ae_node *load(const char *text, ae_error *err)
{
	ae_error_clear(err);
	return ae_yaml_load_string(text, strlen(text), "t.yaml", NULL, err);
}

/* ---- typing ---- */

typedef struct typing_case {
	const char *text;
	ae_type type;
	long long i; /* int, bool */
	double f;
	const char *s; /* string: NULL means the text itself */
} typing_case;

static const typing_case typing[] = {
    {"~", AE_NULL, 0, 0, NULL},
    {"null", AE_NULL, 0, 0, NULL},
    {"Null", AE_NULL, 0, 0, NULL},
    {"NULL", AE_NULL, 0, 0, NULL},
    {"", AE_NULL, 0, 0, NULL},
    {"nUll", AE_STRING, 0, 0, NULL},
    {"true", AE_BOOL, 1, 0, NULL},
    {"True", AE_BOOL, 1, 0, NULL},
    {"TRUE", AE_BOOL, 1, 0, NULL},
    {"tRue", AE_STRING, 0, 0, NULL},
    {"yes", AE_BOOL, 1, 0, NULL},
    {"Yes", AE_BOOL, 1, 0, NULL},
    {"YES", AE_BOOL, 1, 0, NULL},
    {"on", AE_BOOL, 1, 0, NULL},
    {"On", AE_BOOL, 1, 0, NULL},
    {"ON", AE_BOOL, 1, 0, NULL},
    {"false", AE_BOOL, 0, 0, NULL},
    {"False", AE_BOOL, 0, 0, NULL},
    {"FALSE", AE_BOOL, 0, 0, NULL},
    {"no", AE_BOOL, 0, 0, NULL},
    {"No", AE_BOOL, 0, 0, NULL},
    {"NO", AE_BOOL, 0, 0, NULL},
    {"off", AE_BOOL, 0, 0, NULL},
    {"Off", AE_BOOL, 0, 0, NULL},
    {"OFF", AE_BOOL, 0, 0, NULL},
    {"y", AE_STRING, 0, 0, NULL},
    {"Y", AE_STRING, 0, 0, NULL},
    {"n", AE_STRING, 0, 0, NULL},
    {"0", AE_INT, 0, 0, NULL},
    {"-0", AE_INT, 0, 0, NULL},
    {"+0", AE_INT, 0, 0, NULL},
    {"+12", AE_INT, 12, 0, NULL},
    {"-12", AE_INT, -12, 0, NULL},
    {"1_000", AE_INT, 1000, 0, NULL},
    {"1__0", AE_INT, 10, 0, NULL},
    {"017", AE_INT, 15, 0, NULL},
    {"00", AE_INT, 0, 0, NULL},
    {"0_", AE_INT, 0, 0, NULL},
    {"0x1F", AE_INT, 31, 0, NULL},
    {"-0x10", AE_INT, -16, 0, NULL},
    {"0x7fffffffffffffff", AE_INT, LLONG_MAX, 0, NULL},
    {"0b101", AE_INT, 5, 0, NULL},
    {"1:20", AE_INT, 80, 0, NULL},
    {"1:2:3", AE_INT, 3723, 0, NULL},
    {"-1:20", AE_INT, -80, 0, NULL},
    {"9223372036854775807", AE_INT, LLONG_MAX, 0, NULL},
    {"-9223372036854775808", AE_INT, LLONG_MIN, 0, NULL},
    {"0o17", AE_STRING, 0, 0, NULL},
    {"08", AE_STRING, 0, 0, NULL},
    {"09", AE_STRING, 0, 0, NULL},
    {"0_8", AE_STRING, 0, 0, NULL},
    {"0X1F", AE_STRING, 0, 0, NULL},
    {"0b", AE_STRING, 0, 0, NULL},
    {"_1", AE_STRING, 0, 0, NULL},
    {"1:60", AE_STRING, 0, 0, NULL},
    {"0:20", AE_STRING, 0, 0, NULL},
    {"1.5", AE_FLOAT, 0, 1.5, NULL},
    {"1.", AE_FLOAT, 0, 1.0, NULL},
    {"-1.", AE_FLOAT, 0, -1.0, NULL},
    {"+1.5", AE_FLOAT, 0, 1.5, NULL},
    {".5", AE_FLOAT, 0, 0.5, NULL},
    {"._5", AE_FLOAT, 0, 0.5, NULL},
    {"1e-4", AE_FLOAT, 0, 1e-4, NULL},
    {"1E4", AE_FLOAT, 0, 1e4, NULL},
    {"1e+4", AE_FLOAT, 0, 1e4, NULL},
    {"1.e5", AE_FLOAT, 0, 1e5, NULL},
    {"1.0e5", AE_FLOAT, 0, 1e5, NULL},
    {"1_000.5", AE_FLOAT, 0, 1000.5, NULL},
    {"1_e5", AE_FLOAT, 0, 1e5, NULL},
    {"0.1_5", AE_FLOAT, 0, 0.15, NULL},
    {"0e5", AE_FLOAT, 0, 0.0, NULL},
    {"1:20.5", AE_FLOAT, 0, 80.5, NULL},
    {"1:2:3.5", AE_FLOAT, 0, 3723.5, NULL},
    {"1e400", AE_FLOAT, 0, INFINITY, NULL},
    {"1e-400", AE_FLOAT, 0, 0.0, NULL},
    {".inf", AE_FLOAT, 0, INFINITY, NULL},
    {".Inf", AE_FLOAT, 0, INFINITY, NULL},
    {".INF", AE_FLOAT, 0, INFINITY, NULL},
    {"+.inf", AE_FLOAT, 0, INFINITY, NULL},
    {"-.inf", AE_FLOAT, 0, -INFINITY, NULL},
    {".nan", AE_FLOAT, 0, NAN, NULL},
    {".NaN", AE_FLOAT, 0, NAN, NULL},
    {".NAN", AE_FLOAT, 0, NAN, NULL},
    {"+.nan", AE_STRING, 0, 0, NULL},
    {"-.nan", AE_STRING, 0, 0, NULL},
    {"-.5", AE_STRING, 0, 0, NULL},
    {"inf", AE_STRING, 0, 0, NULL},
    {"nan", AE_STRING, 0, 0, NULL},
    {".", AE_STRING, 0, 0, NULL},
    {"1e5_", AE_STRING, 0, 0, NULL},
    {"2020-01-01", AE_STRING, 0, 0, NULL}, /* no timestamps in OmegaConf */
    {"2020-01-01 10:00:00", AE_STRING, 0, 0, NULL},
    {"'12'", AE_STRING, 0, 0, "12"},
    {"\"true\"", AE_STRING, 0, 0, "true"},
    {"'null'", AE_STRING, 0, 0, "null"},
    {"''", AE_STRING, 0, 0, ""},
    {"${a.b}", AE_STRING, 0, 0, NULL},
    {"\\${a.b}", AE_STRING, 0, 0, NULL},
    {"a b  c", AE_STRING, 0, 0, NULL},
};

static void check_typed(const typing_case *c, const ae_node *v)
{
	CHECK(v != NULL);
	if (!v)
		return;
	if (v->type != c->type)
		fprintf(stderr, "typing of '%s'\n", c->text);
	CHECK_INT(v->type, c->type);
	if (v->type != c->type)
		return;
	switch (c->type) {
	case AE_BOOL:
		CHECK_INT(v->u.b, c->i);
		break;
	case AE_INT:
		CHECK_INT(v->u.i, c->i);
		break;
	case AE_FLOAT:
		if (isnan(c->f))
			CHECK(isnan(v->u.f));
		else
			CHECK(v->u.f == c->f &&
			      signbit(v->u.f) == signbit(c->f));
		break;
	case AE_STRING:
		CHECK_STR(v->u.str.s, c->s ? c->s : c->text);
		break;
	default:
		break;
	}
}

static void test_typing(void)
{
	size_t k;

	for (k = 0; k < sizeof(typing) / sizeof(typing[0]); k++) {
		const typing_case *c = &typing[k];
		char doc[128];
		ae_error err;
		ae_node *root;

		snprintf(doc, sizeof(doc), "a: %s\n", c->text);
		root = load(doc, &err);
		if (!root)
			fprintf(stderr, "'%s': %s\n", c->text, err.text);
		CHECK(root != NULL);
		if (!root)
			continue;
		check_typed(c, ae_map_get(root, "a"));
		ae_node_free(root);
		if (c->text[0] != '\'' && c->text[0] != '"') {
			ae_node *v =
			    ae_yaml_scalar_node(c->text, strlen(c->text), &err);

			check_typed(c, v);
			ae_node_free(v);
		}
	}
}

static void check_error(const char *doc, int line, int column, const char *path,
                        const char *part)
{
	ae_error err;
	ae_node *root = load(doc, &err);

	CHECK(root == NULL);
	ae_node_free(root);
	CHECK_STR(err.file, "t.yaml");
	CHECK_INT(err.line, line);
	CHECK_INT(err.column, column);
	if (path)
		CHECK_STR(err.path, path);
	if (!strstr(err.text, part))
		fprintf(stderr, "expected '%s' in '%s'\n", part, err.text);
	CHECK(strstr(err.text, part) != NULL);
}

static void test_typing_errors(void)
{
	/* OmegaConf fails on the first four too (ValueError from int/float) */
	check_error("a: 0x_\n", 1, 4, "a", "invalid integer '0x_'");
	check_error("a: 0b_\n", 1, 4, "a", "invalid integer");
	check_error("a: ._\n", 1, 4, "a", "invalid float '._'");
	check_error("a: =\n", 1, 4, "a", "'='");
	check_error("a: <<\n", 1, 4, "a", "merge key");
	/* OmegaConf keeps big ints; we refuse rather than change them */
	check_error("a: 9223372036854775808\n", 1, 4, "a", "64 bits");
	check_error("a: -9223372036854775809\n", 1, 4, "a", "64 bits");
	check_error("a: 0xffffffffffffffff\n", 1, 4, "a", "64 bits");
	check_error("a: [1, 1:00:00:00:00:00:00:00:00:00:00:00]\n", 1, 8,
	            "a[1]", "64 bits");
}

static void test_quoting_and_tags(void)
{
	ae_error err;
	ae_node *root = load("q: '1'\nd: \"x\"\np: abc\nb: |\n  x\n"
	                     "s: !!str 1\ni: !!int '0x10'\nf: !!float '1'\n"
	                     "t: !!bool 'ON'\nn: !!null abc\nns: ! 12\n",
	                     &err);

	CHECK(root != NULL);
	if (!root)
		return;
	CHECK(ae_map_get(root, "q")->flags & AE_NODE_QUOTED);
	CHECK(ae_map_get(root, "d")->flags & AE_NODE_QUOTED);
	CHECK(!(ae_map_get(root, "p")->flags & AE_NODE_QUOTED));
	CHECK(ae_map_get(root, "b")->flags & AE_NODE_QUOTED);
	CHECK_STR(ae_map_get(root, "b")->u.str.s, "x\n");
	CHECK_INT(ae_map_get(root, "s")->type, AE_STRING);
	CHECK_STR(ae_map_get(root, "s")->u.str.s, "1");
	CHECK_INT(ae_map_get(root, "i")->type, AE_INT);
	CHECK_INT(ae_map_get(root, "i")->u.i, 16);
	CHECK_INT(ae_map_get(root, "f")->type, AE_FLOAT);
	CHECK(ae_map_get(root, "f")->u.f == 1.0);
	CHECK_INT(ae_map_get(root, "t")->type, AE_BOOL);
	CHECK_INT(ae_map_get(root, "t")->u.b, 1);
	CHECK_INT(ae_map_get(root, "n")->type, AE_NULL);
	CHECK_INT(ae_map_get(root, "ns")->type, AE_INT);
	ae_node_free(root);
	check_error("a: !!timestamp 2020-01-01\n", 1, 4, "a",
	            "unsupported tag '!!timestamp'");
}

static void test_keys(void)
{
	ae_error err;
	ae_node *root = load("1: a\ntrue: b\n1.5: c\n0x10: d\n'x': e\n"
	                     "1e-5: f\n=: g\n",
	                     &err);

	CHECK(root != NULL);
	if (!root)
		return;
	CHECK_INT(ae_map_size(root), 7);
	CHECK_STR(ae_map_key(root, 0), "1");
	CHECK_STR(ae_map_key(root, 1), "true");
	CHECK_STR(ae_map_key(root, 2), "1.5");
	CHECK_STR(ae_map_key(root, 3), "16");
	CHECK_STR(ae_map_key(root, 4), "x");
	CHECK_STR(ae_map_key(root, 5), "1e-05");
	CHECK_STR(ae_map_key(root, 6), "=");
	ae_node_free(root);
	/* distinct in OmegaConf (str vs int); one key in ours */
	check_error("'1': a\n1: b\n", 2, 1, "1", "duplicate key '1'");
	check_error("a:\n  ~: 1\n", 2, 3, "a", "null is not a valid");
	check_error("{a: 1}: 2\n", 1, 1, "", "keys must be scalars");
	check_error("\"a\\0b\": 1\n", 1, 1, "", "NUL");
}

static void test_merge_and_anchors(void)
{
	ae_error err;
	ae_node *root = load("b: &b {x: 1, y: 2}\n"
	                     "c:\n  y: 5\n  <<: *b\n"
	                     "d: &d\n  k: [1, 2]\n"
	                     "e: *d\n",
	                     &err);
	ae_node *c, *d, *e;

	CHECK(root != NULL);
	if (!root)
		return;
	c = ae_map_get(root, "c");
	CHECK_INT(ae_map_size(c), 2);
	CHECK_STR(ae_map_key(c, 0), "x"); /* merged keys come first */
	CHECK_INT(ae_map_get(c, "y")->u.i, 5);
	d = ae_map_get(root, "d");
	e = ae_map_get(root, "e");
	CHECK(ae_node_equal(d, e));
	CHECK(d != e);
	/* the copy is independent of its anchor */
	ae_seq_append(ae_map_get(e, "k"), ae_node_new_int(3));
	CHECK_INT(ae_seq_size(ae_map_get(d, "k")), 2);
	/* the copy points at the alias; its children at their definition */
	CHECK_INT(e->line, 7);
	CHECK_INT(e->column, 4);
	CHECK_INT(ae_map_get(e, "k")->line, 6);
	ae_node_free(root);

	/* anchors on merge sources and on merged mappings stay usable */
	root = load("a: &a {x: 1}\nb: &b {y: 2}\n"
	            "m:\n  <<: &l [*a, *b]\n  <<: &i {z: 3}\n"
	            "c: &c {<<: *a, w: 4}\n"
	            "l: *l\ni: *i\nd: *c\n",
	            &err);
	CHECK(root != NULL);
	if (!root)
		return;
	CHECK_INT(ae_map_size(ae_map_get(root, "m")), 3);
	CHECK_INT(ae_seq_size(ae_map_get(root, "l")), 2);
	CHECK_INT(ae_map_get(ae_map_get(root, "i"), "z")->u.i, 3);
	CHECK(ae_node_equal(ae_map_get(root, "c"), ae_map_get(root, "d")));
	CHECK_STR(ae_map_key(ae_map_get(root, "d"), 0), "x");
	CHECK_INT(ae_map_get(root, "c")->line, 6);
	ae_node_free(root);
}

static void test_marks(void)
{
	ae_error err;
	ae_node *root = load("# c\na:\n  b: 1\n  c: [x, 'y']\n", &err);
	ae_node *a, *c;
	char path[64];

	CHECK(root != NULL);
	if (!root)
		return;
	CHECK_STR(ae_node_file(root), "t.yaml");
	a = ae_map_get(root, "a");
	CHECK_INT(a->line, 3);
	CHECK_INT(a->column, 3);
	CHECK_INT(ae_map_get(a, "b")->line, 3);
	CHECK_INT(ae_map_get(a, "b")->column, 6);
	c = ae_map_get(a, "c");
	CHECK_INT(c->line, 4);
	CHECK_INT(c->column, 6);
	CHECK_INT(ae_seq_get(c, 1)->column, 10);
	CHECK_STR(ae_node_path(ae_seq_get(c, 1), path, sizeof(path)), "a.c[1]");
	ae_node_free(root);
}

static void test_roots(void)
{
	const char *empty[] = {"",    "# nothing\n", "null\n",
	                       "~\n", "---\n",       "--- \n...\n"};
	ae_error err;
	size_t k;

	for (k = 0; k < sizeof(empty) / sizeof(empty[0]); k++) {
		ae_node *root = load(empty[k], &err);

		CHECK(root && root->type == AE_MAP && ae_map_size(root) == 0);
		ae_node_free(root);
	}
	check_error("- 1\n", 1, 1, "", "config root must be a mapping");
	check_error("a: 1\n---\nb: 2\n", 2, 1, "", "more than one YAML");
}

/* ---- limits ---- */

static char *repeat(const char *head, const char *unit, size_t n,
                    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(hl + ul * n + tl + 1), *p = s;

	memcpy(p, head, hl);
	p += hl;
	for (i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void test_deep_nesting(void)
{
	const char *units[] = {"[", "{a: ", "- "};
	size_t k;

	for (k = 0; k < 3; k++) {
		char *doc =
		    repeat(k == 2 ? "a:\n" : "a: ", units[k], 10000, "1\n");
		ae_error err;
		ae_node *root;

		ae_error_clear(&err);
		root = ae_yaml_load_string(doc, strlen(doc), "deep.yaml", NULL,
		                           &err);
		CHECK(root == NULL);
		CHECK(strstr(err.text, "deeper than 256 levels") != NULL);
		CHECK_INT(err.line, k == 2 ? 2 : 1);
		ae_node_free(root);
		free(doc);
	}
}

/* Billion laughs: 10^9 strings from a few hundred bytes. */
static void test_alias_bomb(void)
{
	char doc[2048];
	size_t len = 0;
	ae_node *root;
	ae_error err;
	int lvl, k;

	len += (size_t)snprintf(doc + len, sizeof(doc) - len,
	                        "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, "
	                        "lol, lol, lol]\n");
	for (lvl = 1; lvl < 9; lvl++) {
		len += (size_t)snprintf(doc + len, sizeof(doc) - len,
		                        "l%d: &l%d [", lvl, lvl);
		for (k = 0; k < 10; k++)
			len +=
			    (size_t)snprintf(doc + len, sizeof(doc) - len,
			                     "%s*l%d", k ? ", " : "", lvl - 1);
		len += (size_t)snprintf(doc + len, sizeof(doc) - len, "]\n");
	}
	root = load(doc, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "alias bomb") != NULL);
	CHECK(strstr(err.text, "1000000 nodes") != NULL);
	CHECK(err.line >= 6);
	ae_node_free(root);
}

/* Few nodes, many bytes: every alias of a long string is a copy of it.
 * 40 KB of YAML would load as 160 MB. */
static void test_alias_bytes_bomb(void)
{
	size_t len = 32768 + 4000 * 5 + 64, n = 0;
	char *doc = malloc(len);
	ae_node *root;
	ae_error err;
	int i;

	CHECK(doc != NULL);
	if (!doc)
		return;
	n += (size_t)snprintf(doc + n, len - n, "s: &s ");
	for (i = 0; i < 32000; i++)
		doc[n++] = 'x';
	n += (size_t)snprintf(doc + n, len - n, "\nl: [*s");
	for (i = 1; i < 4000; i++)
		n += (size_t)snprintf(doc + n, len - n, ",*s");
	n += (size_t)snprintf(doc + n, len - n, "]\n");
	ae_error_clear(&err);
	root = ae_yaml_load_string(doc, n, "t", NULL, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "alias '*s' would expand the config past the "
	                       "limit of 16777216 bytes copied by aliases "
	                       "(alias bomb?)") != NULL);
	CHECK_INT(err.line, 2);
	/* the 525th alias: 524 * 32000 bytes fit in 16 MiB */
	CHECK_INT(err.column, 4 + 524 * 3 + 1);
	ae_node_free(root);
	free(doc);
}

static void test_small_limits(void)
{
	ae_yaml_limits lim;
	ae_error err;
	ae_node *root;
	const char *doc;

	ae_yaml_limits_default(&lim);
	CHECK_INT(lim.max_bytes, 16u << 20);
	CHECK_INT(lim.max_depth, 256);
	CHECK_INT(lim.max_nodes, 1000000);
	CHECK_INT(lim.max_alias_refs, 10000);
	CHECK_INT(lim.max_alias_bytes, 16u << 20);

	lim.max_alias_refs = 3;
	doc = "a: &a 1\nb: [*a, *a, *a, *a]\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "more than 3 alias references") != NULL);
	CHECK_INT(err.column, 17);

	ae_yaml_limits_default(&lim);
	lim.max_nodes = 5;
	doc = "a: [1, 2, 3, 4, 5]\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "more than 5 nodes") != NULL);
	CHECK_STR(err.path, "a[3]");

	/* an alias may not smuggle in more depth than the limit */
	ae_yaml_limits_default(&lim);
	lim.max_depth = 3;
	doc = "a: &a {b: {c: 1}}\nd: {e: *a}\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "deeper than 3") != NULL);
	CHECK_INT(err.line, 2);

	/* bytes copied by aliases: values, keys and whole mappings */
	ae_yaml_limits_default(&lim);
	lim.max_alias_bytes = 10;
	doc = "a: &a hello\nb: [*a, *a, *a]\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "limit of 10 bytes copied by aliases") != NULL);
	CHECK_INT(err.column, 13);
	doc = "a: &a hello\nb: {*a : 1}\nc: {*a : 2}\nd: {*a : 3}\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root == NULL);
	CHECK_INT(err.line, 4);
	doc = "a: &a {k: abcde}\nb: *a\nc: *a\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root == NULL);
	CHECK_INT(err.line, 3);
	doc = "a: &a {k: abcd}\nb: *a\nc: *a\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root != NULL);
	ae_node_free(root);

	ae_yaml_limits_default(&lim);
	lim.max_bytes = 8;
	doc = "a: 123456\n";
	root = ae_yaml_load_string(doc, strlen(doc), "t", &lim, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "over the limit of 8 bytes") != NULL);
}

static void test_files(void)
{
	char path[] = "test_yaml_big_XXXXXX"; /* in the build directory */
	ae_node *root;
	ae_error err;
	int fd;

	/* A 100 MB file is refused by its size: sparse, nothing written. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_INT(ftruncate(fd, 100 << 20), 0);
	root = ae_yaml_load_file(path, NULL, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "104857600 bytes, over the limit") != NULL);
	CHECK_STR(err.file, path);

	/* a small real file */
	CHECK_INT(ftruncate(fd, 0), 0);
	CHECK_INT(pwrite(fd, "a:\n  b: [1]\n", 12, 0), 12);
	root = ae_yaml_load_file(path, NULL, &err);
	CHECK(root != NULL);
	if (root) {
		CHECK_STR(ae_node_file(ae_map_get(root, "a")), path);
		ae_node_free(root);
	}
	close(fd);
	unlink(path);

	root = ae_yaml_load_file(path, NULL, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "cannot open") != NULL);
	root = ae_yaml_load_file(".", NULL, &err);
	CHECK(root == NULL);
	CHECK(strstr(err.text, "directory") != NULL);
}

/* A flat 2 000-key map and the same keys in groups of 20. */
/* ---- emitting ---- */

static ae_node *reload(const ae_node *tree, char **text)
{
	ae_error err;
	ae_node *back;

	*text = ae_yaml_emit(tree, &err);
	CHECK(*text != NULL);
	if (!*text)
		return NULL;
	back = ae_yaml_load_string(*text, strlen(*text), "emitted", NULL, &err);
	if (!back)
		fprintf(stderr, "reload failed: %s\n---\n%s---\n", err.text,
		        *text);
	return back;
}

static void test_emit_text(void)
{
	ae_node *root = ae_node_new_map(), *list = ae_node_new_seq();
	ae_node *item = ae_node_new_map();
	ae_error err;
	char *text;

	ae_map_set(root, "name", ae_node_new_string("demo"));
	ae_map_set(root, "num", ae_node_new_int(-3));
	ae_map_set(root, "n", ae_node_new_string("n")); /* OmegaConf quotes */
	ae_map_set(root, "f", ae_node_new_float(1e-5));
	ae_map_set(root, "g", ae_node_new_float(2.0));
	ae_map_set(root, "h", ae_node_new_float(-INFINITY));
	ae_map_set(item, "a", ae_node_new_bool(1));
	ae_map_set(item, "b", ae_node_new_string("${x.y}"));
	ae_seq_append(list, item);
	ae_seq_append(list, ae_node_new_null());
	ae_map_set(root, "list", list);
	ae_map_set(root, "m", ae_node_new_map());
	ae_map_set(root, "s", ae_node_new_seq());
	ae_map_set(root, "q", ae_node_new_string("true"));
	ae_map_set(root, "e", ae_node_new_string("\\${x}"));
	text = ae_yaml_emit(root, &err);
	CHECK_STR(text, "name: demo\n"
	                "num: -3\n"
	                "'n': 'n'\n"
	                "f: 1.0e-05\n"
	                "g: 2.0\n"
	                "h: -.inf\n"
	                "list:\n"
	                "- a: true\n"
	                "  b: ${x.y}\n"
	                "- null\n"
	                "m: {}\n"
	                "s: []\n"
	                "q: 'true'\n"
	                "e: \\${x}\n");
	free(text);

	/* the stream variant writes the same */
	{
		FILE *f = tmpfile();
		char buf[512];
		size_t n;

		CHECK(f != NULL);
		if (f) {
			CHECK_INT(ae_yaml_emit_file(root, f, &err), 0);
			rewind(f);
			n = fread(buf, 1, sizeof(buf) - 1, f);
			buf[n] = '\0';
			text = ae_yaml_emit(root, &err);
			CHECK_STR(buf, text);
			free(text);
			fclose(f);
		}
	}
	ae_node_free(root);

	root = ae_node_new_map();
	text = ae_yaml_emit(root, &err);
	CHECK_STR(text, "{}\n");
	free(text);
	ae_node_free(root);
}

static const char *const tricky[] = {
    "",
    " ",
    "  ",
    "true",
    "True",
    "yes",
    "y",
    "N",
    "off",
    "1",
    "-1",
    "1.5",
    "1e-4",
    "1_000",
    "0x1F",
    "017",
    "08",
    "1:20",
    ".inf",
    "inf",
    "-Infinity",
    "NaN",
    ".nan",
    "null",
    "~",
    "Null",
    " lead",
    "trail ",
    "a: b",
    "a:b",
    "#x",
    "a #b",
    "a# b",
    "- x",
    "-",
    "? x",
    "?",
    ":",
    "[a]",
    "{a}",
    "a, b",
    "@x",
    "`x",
    "%x",
    "!x",
    "&x",
    "*x",
    "|",
    ">",
    "'",
    "\"",
    "'quoted'",
    "\"dq\"",
    "\t",
    "a\tb",
    "\x01",
    "\x7f",
    "\u00e9t\u00e9",
    "a\nb",
    "\n",
    "x\n",
    "line1\n\nline3\n",
    "  indented\n  text",
    "\\",
    "\\n",
    "C:\\path\\to",
    "${a.b}",
    "\\${a.b}",
    "\\\\${a.b}",
    "$${a.b}",
    "${oc.env:HOME,/var/empty}",
    "a ${x} b",
    "<<",
    "=",
    "0x_",
    "._",
    "99999999999999999999",
    "2020-01-01",
    "2020-01-01 10:00:00",
    "...",
    "---",
    "--- x",
    "... x",
    "a\r\nb",
    "\xc2\x85",
    "\xef\xbb\xbf"
    "bom",
    "\x1b[0m",
    "\xc2\xa0"
    "nbsp",
    "\r",
    "\xe2\x80\xa8",
    "one two three four five six seven eight nine ten eleven twelve "
    "thirteen fourteen fifteen sixteen",
    "x                                                                  "
    "                                                          y",
};

static void test_round_trip_strings(void)
{
	size_t k;

	for (k = 0; k < sizeof(tricky) / sizeof(tricky[0]); k++) {
		ae_node *root = ae_node_new_map(), *list = ae_node_new_seq();
		ae_node *back;
		char *text;

		ae_map_set(root, "v", ae_node_new_string(tricky[k]));
		if (tricky[k][0]) /* an empty key is fine, but not twice */
			ae_map_set(root, tricky[k], ae_node_new_int(1));
		ae_seq_append(list, ae_node_new_string(tricky[k]));
		ae_map_set(root, "l", list);
		back = reload(root, &text);
		CHECK(back && ae_node_equal(root, back));
		if (!back || !ae_node_equal(root, back))
			fprintf(stderr, "round trip of \"%s\":\n%s", tricky[k],
			        text ? text : "");
		/* interpolations are written as they are */
		if (strchr(tricky[k], '$') && !strchr(tricky[k], '\n'))
			CHECK(text && strstr(text, tricky[k]) != NULL);
		free(text);
		ae_node_free(back);
		ae_node_free(root);
	}
}

static void test_emit_edges(void)
{
	static const char *const bad[] = {"\xff", "\xed\xa0\x80",
	                                  "\xf4\x90\x80\x80", "\xc0\xaf"};
	ae_node *root = ae_node_new_map(), *back;
	ae_error err;
	char *text;
	size_t k;

	/* a NUL inside a string survives (double-quoted "\0") */
	ae_map_set(root, "nul", ae_node_new_stringn("a\0b", 3));
	back = reload(root, &text);
	CHECK(back && ae_node_equal(root, back));
	CHECK(back && ae_map_get(back, "nul")->u.str.len == 3);
	free(text);
	ae_node_free(back);
	ae_node_free(root);

	/* invalid UTF-8 is refused with the path, as value and as key */
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		root = ae_node_new_map();
		ae_map_set(root, "v", ae_node_new_string(bad[k]));
		ae_error_clear(&err);
		text = ae_yaml_emit(root, &err);
		CHECK(text == NULL);
		CHECK_STR(err.path, "v");
		CHECK_STR(err.text, "string is not valid UTF-8");
		free(text);
		ae_node_free(root);
	}
	root = ae_node_new_map();
	ae_map_set(root, "\xff", ae_node_new_int(1));
	text = ae_yaml_emit(root, &err);
	CHECK(text == NULL);
	CHECK_STR(err.text, "key is not valid UTF-8");
	free(text);
	ae_node_free(root);
}

static void test_round_trip_numbers(void)
{
	static const double fixed[] = {0.0,
	                               -0.0,
	                               0.1,
	                               1e-5,
	                               1e16,
	                               1e15,
	                               1.5e16,
	                               123456789012345678.0,
	                               1e22,
	                               5e-324,
	                               1.7976931348623157e308,
	                               INFINITY,
	                               -INFINITY,
	                               NAN,
	                               100.0,
	                               3e-4,
	                               1.0 / 3.0};
	static const long long ints[] = {0, -1, LLONG_MAX, LLONG_MIN, 42};
	ae_node *root = ae_node_new_seq(), *back;
	unsigned long long bits = 88172645463325252ULL;
	char *text;
	size_t k;

	for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
		ae_seq_append(root, ae_node_new_float(fixed[k]));
	for (k = 0; k < 2000; k++) { /* xorshift: any bit pattern */
		double d;

		bits ^= bits << 13;
		bits ^= bits >> 7;
		bits ^= bits << 17;
		memcpy(&d, &bits, sizeof(d));
		ae_seq_append(root, ae_node_new_float(d));
	}
	for (k = 0; k < sizeof(ints) / sizeof(ints[0]); k++)
		ae_seq_append(root, ae_node_new_int(ints[k]));
	{
		/* the root must be a mapping to load back */
		ae_node *wrap = ae_node_new_map();

		ae_map_set(wrap, "x", root);
		root = wrap;
	}
	back = reload(root, &text);
	CHECK(back != NULL);
	if (back) {
		const ae_node *a = ae_map_get(root, "x");
		const ae_node *b = ae_map_get(back, "x");

		CHECK(ae_node_equal(root, back));
		for (k = 0; k < ae_seq_size(a); k++) {
			const ae_node *x = ae_seq_get(a, k);
			const ae_node *y = ae_seq_get(b, k);

			CHECK_INT(y->type, x->type);
			if (x->type == AE_FLOAT && !isnan(x->u.f) &&
			    memcmp(&x->u.f, &y->u.f, sizeof(double)) != 0) {
				fprintf(stderr, "float %a came back as %a\n",
				        x->u.f, y->u.f);
				CHECK(0);
			}
		}
	}
	free(text);
	ae_node_free(back);
	ae_node_free(root);
}

/* ---- data-driven cases ---- */

static const char *srcdir(void)
{
	const char *s = getenv("srcdir");

	return s && *s ? s : ".";
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The case names (file names without ".yaml") in dir, sorted. */
static size_t list_cases(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0 ||
		    (len > 9 && strcmp(e->d_name + len - 9, ".out.yaml") == 0))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strndup(e->d_name, len - 5);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	return n;
}

static void test_invalid_files(void)
{
	char dir[4096], path[4200];
	char **names;
	size_t n = 0, k;

	snprintf(dir, sizeof(dir), "%s/tests/data/yaml/invalid", srcdir());
	n = list_cases(dir, &names);
	CHECK(n >= 15);
	for (k = 0; k < n; k++) {
		char *want, *epath, *part;
		int line = 0, column = 0;
		ae_node *root;
		ae_error err;

		snprintf(path, sizeof(path), "%s/%s.err", dir, names[k]);
		want = slurp(path);
		CHECK(want != NULL);
		if (!want)
			continue;
		want[strcspn(want, "\n")] = '\0';
		epath = strchr(want, '|');
		part = epath ? strchr(epath + 1, '|') : NULL;
		CHECK(part && sscanf(want, "%d:%d", &line, &column) == 2);
		if (!part)
			goto next;
		*epath++ = '\0';
		*part++ = '\0';
		snprintf(path, sizeof(path), "%s/%s.yaml", dir, names[k]);
		ae_error_clear(&err);
		root = ae_yaml_load_file(path, NULL, &err);
		CHECK(root == NULL);
		ae_node_free(root);
		if (err.line != line || err.column != column ||
		    (strcmp(epath, "*") && strcmp(err.path, epath)) ||
		    !strstr(err.text, part)) {
			char msg[2048];

			ae_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "%s: want %d:%d|%s|%s, got %s\n",
			        names[k], line, column, epath, part, msg);
			CHECK(0);
		}
		CHECK_STR(err.file, path);
	next:
		free(want);
	}
	for (k = 0; k < n; k++)
		free(names[k]);
	free(names);
}

static void test_valid_files(void)
{
	char dir[4096], path[4200];
	char **names;
	size_t n, k;

	snprintf(dir, sizeof(dir), "%s/tests/data/yaml/valid", srcdir());
	n = list_cases(dir, &names);
	CHECK(n >= 5);
	for (k = 0; k < n; k++) {
		json_t *want, *got;
		json_error_t jerr;
		ae_node *root, *back;
		char *text, *saved;
		ae_error err;

		snprintf(path, sizeof(path), "%s/%s.yaml", dir, names[k]);
		root = ae_yaml_load_file(path, NULL, &err);
		if (!root)
			fprintf(stderr, "%s: %s\n", names[k], err.text);
		CHECK(root != NULL);
		if (!root)
			continue;
		snprintf(path, sizeof(path), "%s/%s.json", dir, names[k]);
		want = json_load_file(path, 0, &jerr);
		got = ae_json_from_node(root, &err);
		CHECK(want && got);
		if (!json_equal(want, got)) {
			char *s = json_dumps(got, JSON_INDENT(1));

			fprintf(stderr,
			        "%s: values differ from OmegaConf:\n%s\n",
			        names[k], s);
			free(s);
			CHECK(0);
		}
		json_decref(want);
		json_decref(got);
		/* the text OmegaConf.save writes, and it loads back equal */
		back = reload(root, &text);
		CHECK(back && ae_node_equal(root, back));
		snprintf(path, sizeof(path), "%s/%s.out.yaml", dir, names[k]);
		saved = slurp(path);
		if (saved) {
			if (!text || strcmp(saved, text))
				fprintf(stderr, "%s: emitted:\n%s", names[k],
				        text ? text : "");
			CHECK_STR(text, saved);
		}
		free(saved);
		free(text);
		ae_node_free(back);
		ae_node_free(root);
	}
	for (k = 0; k < n; k++)
		free(names[k]);
	free(names);
}

int main(void)
{
	test_typing();
	test_typing_errors();
	test_quoting_and_tags();
	test_keys();
	test_merge_and_anchors();
	test_marks();
	test_roots();
	test_deep_nesting();
	test_alias_bomb();
	test_alias_bytes_bomb();
	test_small_limits();
	test_files();
	test_emit_text();
	test_round_trip_strings();
	test_emit_edges();
	test_round_trip_numbers();
	test_invalid_files();
	test_valid_files();
	TEST_MAIN_END();
}
