/* Interpolation: the grammar, escapes, node references, errors, cycles,
 * checking and performance. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ae_interp.h"
#include "ae_resolvers.h"
#include "ae_yaml.h"
#include "interp_harness.h"
#include "testutil.h"

static void test_node_forms(void)
{
	CHECK_STR(R("${x}"), "1");
	CHECK_STR(R("${d.k}"), "1");
	CHECK_STR(R("${d[k]}"), "1");
	CHECK_STR(R("${l.0}"), "1");
	CHECK_STR(R("${l[1]}"), "2");
	CHECK_STR(R("${ls[1][0]}"), "3");
	CHECK_STR(R("${ls.1.1}"), "4");
	CHECK_STR(R("${[x]}"), "1");
	CHECK_STR(R("${ x }"), "1");
	CHECK_STR(R("${d}"), "{'k': 1, 'j': 1}");
	CHECK_STR(R("${l}"), "[1, 2, 3]");
	CHECK_STR(R("${d.j}"), "1");
	CHECK_ERR(R("${m}"), "a: interpolation to a missing value (\"?\?\?\"): "
	                     "m"); /* OmegaConf:
	                              InterpolationToMissingValueError
	                            */
	CHECK_STR(R("${n}"), "None");
	CHECK_STR(R("${s}"), "'hello'");
}

static void test_string_interp(void)
{
	CHECK_STR(R("x=${x}"), "'x=1'");
	CHECK_STR(R("lr=${fl}"), "'lr=0.0001'");
	CHECK_STR(R("${f}/${n}"), "'2.5/None'");
	CHECK_STR(R("v${s}v"), "'vhellov'");
	CHECK_STR(R("x ${d}"), "\"x {'k': 1, 'j': '${x}'}\"");
	CHECK_STR(R("x ${l}"), "'x [1, 2, 3]'");
	CHECK_STR(R("x ${ls}"), "'x [[1, 2], [3, 4]]'");
	CHECK_STR(R("${x}${x}"), "'11'");
	CHECK_STR(R(" ${x}"), "' 1'");
	CHECK_STR(R("q=${q}"), "\"q=it's\"");
	CHECK_STR(R("${oc.if:true,${x},0}${oc.if:false,0,true}"), "'1True'");
}

static void test_escapes(void)
{
	CHECK_STR(R("\\${x}"), "'${x}'");
	CHECK_STR(R("\\\\${x}"), "'\\\\1'");
	CHECK_STR(R("\\\\\\${x}"), "'\\\\${x}'");
	CHECK_STR(R("\\\\\\\\${x}"), "'\\\\\\\\1'");
	CHECK_STR(R("a\\\\b"), "'a\\\\\\\\b'");
	CHECK_STR(R("a\\\\ ${x}"), "'a\\\\\\\\ 1'");
	CHECK_STR(R("a\\ ${x}\\"), "'a\\\\ 1\\\\'");
	CHECK_STR(R("\\"), "'\\\\'");
	CHECK_STR(R("a\\"), "'a\\\\'");
	CHECK_STR(R("\\${"), "'${'");
	CHECK_STR(R("${x}\\\\"), "'1\\\\\\\\'");
	CHECK_STR(R("$"), "'$'");
	CHECK_STR(R("$x"), "'$x'");
	CHECK_STR(R("{x}"), "'{x}'");
	CHECK_STR(R("}"), "'}'");
	CHECK_STR(R("\\${x"), "'${x'");
	CHECK_STR(R("\\${a${x}}"), "'${a1}'");
}

static void test_typed_args(void)
{
	CHECK_STR(R("${oc.if:true,1_000,0}"), "1000");
	CHECK_STR(R("${oc.if:true,1.5,0}"), "1.5");
	CHECK_STR(R("${oc.if:true,1e3,0}"), "1000.0");
	CHECK_STR(R("${oc.if:true,.5,0}"), "0.5");
	CHECK_STR(R("${oc.if:true,1.,0}"), "1.0");
	CHECK_STR(R("${oc.if:true,+inf,0}"), "inf");
	CHECK_STR(R("${oc.if:true,-3,0}"), "-3");
	CHECK_STR(R("${oc.if:true,TRUE,0}"), "True");
	CHECK_STR(R("${oc.if:true,NuLL,0}"), "None");
	CHECK_STR(R("${oc.if:true,abc,0}"), "'abc'");
	CHECK_STR(R("${oc.if:true,foo-bar,0}"), "'foo-bar'");
	CHECK_STR(R("${oc.if:true,a/b/c,0}"), "'a/b/c'");
	CHECK_STR(R("${oc.if:true,0x10,0}"), "'0x10'");
	CHECK_STR(R("${oc.if:true,01,0}"), "'01'");
	CHECK_STR(R("${oc.if:true,a b,0}"), "'a b'");
	CHECK_STR(R("${oc.if:true,  x  ,0}"), "'x'");
	CHECK_STR(R("${oc.if:true,a:b,0}"), "'a:b'");
	CHECK_STR(R("${oc.if:true,\\,,0}"), "','");
	CHECK_STR(R("${oc.if:true,\\\\,0}"), "'\\\\'");
	CHECK_STR(R("${oc.if:true,a\\ b,0}"), "'a b'");
	CHECK_STR(R("${oc.if:true,\\(,0}"), "'('");
	CHECK_STR(R("${oc.if:true,\"q\",0}"), "'q'");
	CHECK_STR(R("${oc.if:true,'s',0}"), "'s'");
	CHECK_STR(R("${oc.if:true,\"\",0}"), "''");
	CHECK_STR(R("${oc.if:true,'a\\'b',0}"), "\"a'b\"");
	CHECK_STR(R("${oc.if:true,\"a\\\"b\",0}"), "'a\"b'");
	CHECK_STR(R("${oc.if:true,\"a\\\\\",0}"), "'a\\\\'");
	CHECK_STR(R("${oc.if:true,\"a\\b\",0}"), "'a\\\\b'");
	CHECK_STR(R("${oc.if:true,\"a\\${x}\",0}"), "'a${x}'");
	CHECK_STR(R("${oc.if:true,\"a\\\\${x}\",0}"), "'a\\\\1'");
	CHECK_STR(R("${oc.if:true,\"${x}\",0}"), "'1'");
	CHECK_STR(R("${oc.if:true,\" ${x} \",0}"), "' 1 '");
	CHECK_STR(R("${oc.if:true,a${x},0}"), "'a1'");
	CHECK_STR(R("${oc.if:true,${x} ,0}"), "1");
	CHECK_STR(R("${oc.if:true,[1,2],0}"), "[1, 2]");
	CHECK_STR(R("${oc.if:true,[],0}"), "[]");
	CHECK_STR(R("${oc.if:true,{a:1},0}"), "{'a': 1}");
	CHECK_STR(R("${oc.if:true,{},0}"), "{}");
	CHECK_STR(R("${oc.if:true,[1, [2, \"3\"], {a: b}],0}"),
	          "[1, [2, '3'], {'a': 'b'}]");
	CHECK_STR(R("${oc.if:true,[a,,b],0}"), "['a', '', 'b']");
	CHECK_STR(R("${oc.if:true,[,],0}"), "['', '']");
	CHECK_STR(R("${oc.if:true,{a b: 1},0}"), "{'a b': 1}");
	CHECK_STR(R("${oc.if:true,{a:b:c},0}"), "{'a': 'b:c'}");
	CHECK_STR(R("${oc.if:true,[${f},${x}],0}"), "[2.5, 1]");
	CHECK_STR(R("${oc.if:true,-Infinity,0}"), "'-Infinity'");
	CHECK_STR(R("${oc.if:true,1e,0}"), "'1e'");
	CHECK_STR(R("${oc.if:true,_x,0}"), "'_x'");
	CHECK_STR(R("${oc.if:true,${d},0}"), "{'k': 1, 'j': 1}");
	CHECK_STR(R("v=${oc.if:true,${d},0}"), "\"v={'k': 1, 'j': '${x}'}\"");
	CHECK_STR(R("${oc.if:true,\"${d}\",0}"), "\"{'k': 1, 'j': '${x}'}\"");
	CHECK_STR(R("${oc.if:true,\"it's\",0}"), "\"it's\"");
	CHECK_STR(R("${oc.if:true,\"${q}\",0}"), "\"it's\"");
}

static void test_nesting(void)
{
	CHECK_STR(R("${oc.if:${oc.if:true,${x},0},yes,no}"), "'yes'");
	CHECK_ERR(
	    R("${${kk}}"),
	    "interpolation key 'k' not found"); /* OmegaConf:
	                                           InterpolationKeyError */
	CHECK_STR(R("${d.${kk}}"), "1");
	CHECK_STR(R("${d[${kk}]}"), "1");
	CHECK_STR(R("${oc.${op}:2,3}"), "6.0");
	CHECK_STR(R("${oc.if:true,${oc.if:false,0,${d.${kk}}},0}"), "1");
}

static void test_grammar_errors(void)
{
	CHECK_ERR(R("${a..b}"), "invalid key in interpolation at offset 0 of "
	                        "\"${a.."); /* OmegaConf:
	                                       GrammarParseError
	                                     */
	CHECK_ERR(R("${}"), "invalid key in interpolation at offset 0 of "
	                    "\"${}\""); /* OmegaConf:
	                                   GrammarParseError
	                                 */
	CHECK_ERR(R("${x"), "unterminated interpolation at offset 0 of "
	                    "\"${x\""); /* OmegaConf:
	                                   GrammarParseError
	                                 */
	CHECK_ERR(R("${x.}"), "invalid key in interpolation at offset 0 of "
	                      "\"${x.}"); /* OmegaConf:
	                                     GrammarParseError
	                                   */
	CHECK_ERR(R("${a b}"), "unexpected character ' ' in interpolation at "
	                       "offse"); /* OmegaConf:
	                                    GrammarParseError
	                                  */
	CHECK_ERR(
	    R("${x:"),
	    "expected a value at offset 4 of \"${x:\""); /* OmegaConf:
	                                                    GrammarParseError */
	CHECK_ERR(
	    R("${oc.env}"),
	    "interpolation key 'oc.env' not found"); /* OmegaConf:
	                                                InterpolationKeyError */
	CHECK_ERR(R("${.oc.env:1}"), "invalid resolver name at offset 0 of "
	                             "\"${.oc.env:1}"); /* OmegaConf:
	                                                   GrammarParseError
	                                                 */
	CHECK_ERR(R("${oc[env]:1}"), "invalid resolver name at offset 0 of "
	                             "\"${oc[env]:1}"); /* OmegaConf:
	                                                   GrammarParseError
	                                                 */
	CHECK_ERR(R("${oc.if:true,(,0}"),
	          "unexpected character '(' at offset 13 of "
	          "\"${oc.if:"); /* OmegaConf:
	                            GrammarParseError
	                          */
	CHECK_ERR(R("${oc.if:true,[a,0}"),
	          "expected ',' or ']' at offset 17 of "
	          "\"${oc.if:true,"); /* OmegaConf:
	                                 GrammarParseError
	                               */
	CHECK_ERR(R("${oc.if:true,\"abc,0}"),
	          "unterminated quoted string at offset "
	          "20 of \"${oc.i"); /* OmegaConf:
	                                GrammarParseError
	                              */
	CHECK_ERR(R("${oc.if:true,{a},0}"),
	          "expected ':' in a dict at offset 15 of "
	          "\"${oc.if:tr"); /* OmegaConf:
	                              GrammarParseError
	                            */
	CHECK_ERR(R("${oc.if:true,\"a\"b,0}"),
	          "expected ',' or '}' at offset 16 of "
	          "\"${oc.if:true,"); /* OmegaConf:
	                                 GrammarParseError
	                               */
	CHECK_ERR(R("${oc.if:true,{:1},0}"),
	          "expected a value at offset 14 of "
	          "\"${oc.if:true,{:1"); /* OmegaConf:
	                                    GrammarParseError
	                                  */
}

static void test_key_errors(void)
{
	CHECK_ERR(
	    R("${nope}"),
	    "interpolation key 'nope' not found"); /* OmegaConf:
	                                              InterpolationKeyError */
	CHECK_ERR(
	    R("${d.nope}"),
	    "interpolation key 'd.nope' not found"); /* OmegaConf:
	                                                InterpolationKeyError */
	CHECK_ERR(
	    R("${nope.x}"),
	    "interpolation key 'nope.x' not found"); /* OmegaConf:
	                                                InterpolationKeyError */
	CHECK_ERR(
	    R("${x.y}"),
	    "'x' is not a container and cannot contain 'y'"); /* OmegaConf:
	                                                         InterpolationResolutionError
	                                                       */
	CHECK_ERR(
	    R("${l.a}"),
	    "index 'a' of a sequence is not an int"); /* OmegaConf:
	                                                 InterpolationResolutionError
	                                               */
	CHECK_ERR(
	    R("${l.5}"),
	    "interpolation key 'l.5' not found"); /* OmegaConf:
	                                             InterpolationKeyError */
	CHECK_ERR(
	    R("${l[-1]}"),
	    "interpolation key 'l[-1]' not found"); /* OmegaConf:
	                                               InterpolationKeyError */
	CHECK_ERR(
	    R("${d.0}"),
	    "interpolation key 'd.0' not found"); /* OmegaConf:
	                                             InterpolationKeyError */
	CHECK_ERR(
	    R("${...e}"),
	    "it goes above the root"); /* OmegaConf: InterpolationKeyError */
	CHECK_ERR(
	    R("${..x}"),
	    "it goes above the root"); /* OmegaConf: InterpolationKeyError */
	CHECK_ERR(R("${m}"), "a: interpolation to a missing value (\"?\?\?\"): "
	                     "m"); /* OmegaConf:
	                              InterpolationToMissingValueError
	                            */
	CHECK_ERR(R("y${m}"),
	          "a: interpolation to a missing value "
	          "(\"?\?\?\"): m"); /* OmegaConf:
	                                InterpolationToMissingValueError
	                              */
	CHECK_ERR(R("${d.${x}}"), "the interpolation ${x} is used as a key or "
	                          "resolve"); /* OmegaConf:
	                                         InterpolationResolutionError
	                                       */
	CHECK_STR(R("${oc.select:d.${x}}"), "None");
}

/* ---- our "$${" escape (an intentional difference from OmegaConf) ---- */

static void test_dollar_escape(void)
{
	ae_node *root = J("{'x': 1, 'a': 'x_$${oc.timestring:}', "
	                  "'b': '$${x}', 'c': '$$${x}', 'd': '\\\\$${x}'}");
	ae_node *once, *twice;
	ae_error err;

	ae_map_set(root, "e", ae_node_new_string("${oc.if:true,\"$${x}\",0}"));

	once = ae_interp_resolve(root, &test_opts, &err);
	CHECK(once != NULL);
	if (!once)
		goto out;
	CHECK_STR(ae_map_get(once, "a")->u.str.s, "x_${oc.timestring:}");
	CHECK_STR(ae_map_get(once, "b")->u.str.s, "${x}");
	CHECK_STR(ae_map_get(once, "c")->u.str.s, "$${x}");
	CHECK_STR(ae_map_get(once, "d")->u.str.s, "\\${x}");
	CHECK_STR(ae_map_get(once, "e")->u.str.s, "${x}");
	/* the escaped interpolation resolves in the next run */
	twice = ae_interp_resolve(once, &test_opts, &err);
	CHECK(twice != NULL);
	if (twice) {
		CHECK_STR(ae_map_get(twice, "a")->u.str.s, "x_" TIMESTRING);
		CHECK_INT(ae_map_get(twice, "b")->type, AE_INT);
		CHECK_STR(ae_map_get(twice, "c")->u.str.s, "${x}");
		CHECK_STR(ae_map_get(twice, "d")->u.str.s, "${x}");
	}
	ae_node_free(twice);
	ae_node_free(once);
out:
	ae_node_free(root);
	/* not an escape in unquoted resolver arguments, as \${ is not */
	CHECK_STR(R("${oc.if:true,$${x},0}"), "'$1'");
}

/* ---- relative interpolation ---- */

static void test_relative(void)
{
	ae_node *root =
	    J("{'e': 2, 'a': {'b': '${.c}', 'c': 1, 'd': '${..e}',"
	      " 'l': ['${..c}', '${.0}x', {'z': '${....e}'}],"
	      " 's': '${oc.select:.c}', 't': '${oc.select:..e}',"
	      " 'v': '${oc.dict.values:.w}', 'w': {'p': '${..c}'}}}");
	ae_node *out, *a;
	ae_error err;

	out = ae_interp_resolve(root, &test_opts, &err);
	CHECK(out != NULL);
	if (out) {
		char *s;

		a = ae_map_get(out, "a");
		s = ae_py_repr(a);
		CHECK_STR(s, "{'b': 1, 'c': 1, 'd': 2, 'l': [1, '1x', "
		             "{'z': 2}], 's': 1, 't': 2, 'v': [1], "
		             "'w': {'p': 1}}");
		free(s);
	}
	ae_node_free(out);
	ae_node_free(root);
}

/* ---- whole-value interpolation copies the resolved subtree ---- */

static void test_whole_value_copy(void)
{
	ae_node *root = J("{'x': 5, 'src': {'x': 6, 'a': '${x}', "
	                  "'b': ['${...x}', '${..x}'], 'c': '${.a}'}, "
	                  "'dst': '${src}', 'deep': '${dst.b}'}");
	ae_node *before = ae_node_copy(root), *out, *dst;
	ae_error err;
	char path[64], *s;

	out = ae_interp_resolve(root, &test_opts, &err);
	CHECK(out != NULL);
	CHECK(ae_node_equal(root, before)); /* the input is not touched */
	if (out) {
		dst = ae_map_get(out, "dst");
		CHECK_INT(dst->type, AE_MAP);
		CHECK(ae_node_equal(dst, ae_map_get(out, "src")));
		CHECK(dst != ae_map_get(out, "src"));
		CHECK_INT(ae_map_get(dst, "a")->u.i, 5);
		/* the copy is a proper part of the output tree */
		CHECK_STR(ae_node_path(ae_seq_get(ae_map_get(dst, "b"), 0),
		                       path, sizeof(path)),
		          "dst.b[0]");
		CHECK_INT(ae_seq_get(ae_map_get(out, "deep"), 1)->u.i, 6);
		s = ae_py_repr(out);
		CHECK_STR(s, "{'x': 5, 'src': {'x': 6, 'a': 5, 'b': [5, 6], "
		             "'c': 5}, 'dst': {'x': 6, 'a': 5, 'b': [5, 6], "
		             "'c': 5}, 'deep': [5, 6]}");
		free(s);
	}
	ae_node_free(out);
	ae_node_free(before);
	ae_node_free(root);
}

/* ---- MISSING (?\?\?) values ---- */

static void test_missing(void)
{
	ae_node *root = J("{'m': '?\?\?', 'd': {'x': '?\?\?'}, 'c': '${d}'}");
	ae_node *out;
	ae_error err;
	char *s;

	/* kept as is, also inside a copied subtree (to_container keeps it) */
	out = ae_interp_resolve(root, &test_opts, &err);
	CHECK(out != NULL);
	s = out ? ae_py_repr(out) : NULL;
	CHECK_STR(s,
	          "{'m': '?\?\?', 'd': {'x': '?\?\?'}, 'c': {'x': '?\?\?'}}");
	free(s);
	ae_node_free(out);
	ae_node_free(root);
	CHECK_ERR(R("${m}"), "missing value");
	CHECK_ERR(R("pre ${m}"), "missing value");
	CHECK_STR(R("${oc.select:m,dflt}"), "'dflt'");
}

/* ---- errors: kind, key path and file:line:col of the node ---- */

static ae_node *marked(const char *json, const char *key, int line, int col)
{
	ae_node *root = J(json);
	ae_src *src = ae_src_new("exp.yaml");
	ae_node *n = root, *next;
	char *k = strdup(key), *part, *save = NULL;

	for (part = strtok_r(k, ".", &save); part && n;
	     part = strtok_r(NULL, ".", &save)) {
		next = n->type == AE_SEQ ? ae_seq_get(n, (size_t)atoi(part))
		                         : ae_map_get(n, part);
		n = next;
	}
	if (n)
		ae_node_set_mark(n, src, line, col);
	ae_src_unref(src);
	free(k);
	return root;
}

/* Resolve and check where the error points and what it says. */
static void check_error(const char *json, const char *key, const char *path,
                        const char *text)
{
	ae_node *root = marked(json, key, 7, 3), *out;
	ae_error err;

	ae_error_clear(&err);
	out = ae_interp_resolve(root, &test_opts, &err);
	CHECK(out == NULL);
	CHECK_STR(err.file, "exp.yaml");
	CHECK_INT(err.line, 7);
	CHECK_INT(err.column, 3);
	CHECK_STR(err.path, path);
	if (!strstr(err.text, text)) {
		test_failures++;
		fprintf(stderr, "%s: error \"%s\" lacks \"%s\"\n", json,
		        err.text, text);
	}
	test_checks++;
	ae_node_free(out);
	ae_node_free(root);
}

static void test_errors(void)
{
	check_error("{'a': {'b': '${nope}'}}", "a.b", "a.b",
	            "interpolation key 'nope' not found");
	check_error("{'x': 1, 'a': ['${x}', '${x.y}']}", "a.1", "a[1]",
	            "not a container");
	check_error("{'a': '${foo:1}'}", "a", "a", "unknown resolver 'foo'");
	check_error("{'a': '${oc.eval:1}'}", "a", "a",
	            "oc.eval is not supported: it evaluates Python code");
	check_error("{'a': '${oc.sub:1}'}", "a", "a",
	            "oc.sub takes 2 arguments (1 given)");
	check_error("{'a': 'x${oc.env:AE_SURELY_UNSET_VAR}'}", "a", "a",
	            "environment variable 'AE_SURELY_UNSET_VAR' not found");
	check_error("{'a': '${x'}", "a", "a", "unterminated interpolation");
	check_error("{'m': '?\?\?', 'a': '${m}'}", "a", "a", "missing value");
	/* an error inside a referenced node points at that node */
	check_error("{'a': '${b}', 'b': '${oc.sqrt:-1}'}", "b", "b",
	            "math domain error");
}

static void test_cycles(void)
{
	check_error("{'a': '${a}'}", "a", "a",
	            "recursive interpolation: a -> a");
	check_error("{'a': '${b}', 'b': '${a}'}", "a", "a",
	            "recursive interpolation: a -> b -> a");
	check_error("{'a': '${b}', 'b': '${c}', 'c': '${a}'}", "a", "a",
	            "a -> b -> c -> a");
	check_error("{'a': 'x${b}', 'b': 'y${a}'}", "a", "a", "a -> b -> a");
	check_error("{'a': {'b': '${a}'}}", "a.b", "a.b",
	            "refers to a node that contains it");
	check_error("{'a': {'b': '${c}'}, 'c': {'d': '${a}'}}", "a", "a",
	            "recursive interpolation");
	check_error("{'l': ['${.1}', '${.0}']}", "l.0", "l[0]",
	            "l[0] -> l[1] -> l[0]");
	check_error("{'a': '${oc.select:b}', 'b': 'x${oc.select:a}'}", "a", "a",
	            "a -> b -> a");
	/* not a cycle: str() of a mapping does not resolve inside it */
	CHECK_STR(R("${oc.if:true,x,0}"), "'x'");
	{
		ae_node *root = J("{'a': {'b': 'x${c}'}, 'c': {'d': '${a}'}}");
		ae_node *out = ae_interp_resolve(root, &test_opts, NULL);
		char *s = out ? ae_py_repr(out) : NULL;

		CHECK_STR(s, "{'a': {'b': \"x{'d': '${a}'}\"}, "
		             "'c': {'d': {'b': \"x{'d': '${a}'}\"}}}");
		free(s);
		ae_node_free(out);
		ae_node_free(root);
	}
}

/* ---- submission-time checking and deferred oc.env ---- */

static int env_calls;

static const char *counting_env(const char *name, void *ctx)
{
	(void)ctx;
	env_calls++;
	return !strcmp(name, "SET") ? "v" : NULL;
}

static void test_check_and_defer(void)
{
	ae_resolve_opts defer = {
	    .timestring = TIMESTRING, .env = counting_env, .defer_env = 1};
	ae_resolve_opts now = {.timestring = TIMESTRING, .env = counting_env};
	ae_node *ok = J("{'out': '${oc.env:UNSET}/run', 'b': '${out}',"
	                " 'c': '${oc.concat:${oc.env:UNSET},x}', 'n': 3,"
	                " 'm': '${oc.mul:${n},2}', 't': '${oc.env:${k}}', "
	                "'k': 'UNSET'}");
	ae_node *out;
	ae_error err;

	env_calls = 0;
	CHECK_INT(ae_interp_check(ok, &defer, &err), 0);
	CHECK_INT(env_calls, 0);
	CHECK_INT(ae_interp_check(ok, &now, &err), -1);
	CHECK_STR(err.path, "out");
	/* deferred values are kept as written, for the job to resolve */
	out = ae_interp_resolve(ok, &defer, &err);
	CHECK(out != NULL);
	if (out) {
		CHECK_STR(ae_map_get(out, "out")->u.str.s,
		          "${oc.env:UNSET}/run");
		CHECK_STR(ae_map_get(out, "b")->u.str.s, "${out}");
		CHECK_STR(ae_map_get(out, "c")->u.str.s,
		          "${oc.concat:${oc.env:UNSET},x}");
		CHECK_INT(ae_map_get(out, "m")->type, AE_FLOAT);
	}
	ae_node_free(out);
	ae_node_free(ok);
	/* the rest is still checked with defer_env */
	{
		const char *bad[] = {
		    "{'a': '${oc.env:X}', 'b': '${nope}'}",
		    "{'a': '${oc.env:X,${nope}}'}",
		    "{'a': '${oc.nope:1}'}",
		    "{'a': '${oc.eval:1}'}",
		    "{'a': '${oc.env:X'}",
		    "{'a': '${oc.sub:1,2,3}'}",
		    "{'a': '${oc.env:X,1,2}'}",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ae_node *root = J(bad[i]);

			ae_error_clear(&err);
			CHECK_INT(ae_interp_check(root, &defer, &err), -1);
			CHECK(err.text[0] != '\0');
			ae_node_free(root);
		}
	}
}

static void test_memoized(void)
{
	ae_node *root = J("{'v': '${oc.env:SET}', 'l': []}");
	ae_node *l = ae_map_get(root, "l"), *out;
	ae_resolve_opts o = {.timestring = TIMESTRING, .env = counting_env};
	int i;

	for (i = 0; i < 100; i++)
		ae_seq_append(l, ae_node_new_string("${v}/${..v}"));
	env_calls = 0;
	out = ae_interp_resolve(root, &o, NULL);
	CHECK(out != NULL);
	CHECK_INT(env_calls, 1);
	if (out)
		CHECK_STR(ae_seq_get(ae_map_get(out, "l"), 99)->u.str.s, "v/v");
	ae_node_free(out);
	ae_node_free(root);
}

static void test_timestring(void)
{
	ae_node *root =
	    J("{'a': '${oc.timestring:}', 'b': 'x_${oc.timestring:}',"
	      " 'c': ['${oc.timestring:}']}");
	ae_node *out = ae_interp_resolve(root, NULL, NULL);
	char now[32];

	CHECK(out != NULL);
	if (out) {
		const char *a = ae_map_get(out, "a")->u.str.s;

		CHECK_INT(strlen(a), 19);
		CHECK(a[8] == '_' && a[15] == '_');
		CHECK_STR(ae_map_get(out, "b")->u.str.s + 2, a);
		CHECK_STR(ae_seq_get(ae_map_get(out, "c"), 0)->u.str.s, a);
	}
	ae_interp_timestring_now(now, sizeof(now));
	CHECK_INT(strlen(now), 19);
	CHECK(now[0] == '2');
	ae_node_free(out);
	ae_node_free(root);
	CHECK_STR(R("run_${oc.timestring:}"), "'run_" TIMESTRING "'");
}

static void test_single_node_and_string(void)
{
	ae_node *root = J("{'x': 2, 'a': {'b': '${..x}', 'c': 'k'}}");
	ae_node *a = ae_map_get(root, "a"), *out;
	ae_error err;

	out = ae_interp_resolve_node(root, a, &test_opts, &err);
	CHECK(out && ae_map_get(out, "b")->u.i == 2);
	ae_node_free(out);
	out = ae_interp_resolve_string(root, ae_map_get(a, "c"),
	                               "${.b}-${..x}-${oc.mul:${x},2}",
	                               &test_opts, &err);
	CHECK_STR(out ? out->u.str.s : NULL, "2-2-4.0");
	ae_node_free(out);
	out = ae_interp_resolve_string(root, ae_map_get(a, "c"),
	                               "${oc.select:..a}", &test_opts, &err);
	CHECK(out && out->type == AE_MAP);
	ae_node_free(out);
	/* a reference to the mapping holding the site */
	out = ae_interp_resolve_string(root, ae_map_get(a, "c"), "${..a}",
	                               &test_opts, &err);
	CHECK(out == NULL);
	ae_node_free(out);
	out = ae_interp_resolve_string(root, ae_map_get(a, "c"), "${nope}",
	                               &test_opts, &err);
	CHECK(out == NULL);
	CHECK_STR(err.path, "a.c");
	ae_node_free(root);
}

static void test_yaml_marks(void)
{
	const char *text = "x: 1\n"
	                   "a:\n"
	                   "  b: ${x}\n"
	                   "  c: \"${oc.nope:}\"\n";
	ae_error err;
	ae_node *root =
	    ae_yaml_load_string(text, strlen(text), "t.yaml", NULL, &err);
	ae_node *out;

	CHECK(root != NULL);
	if (!root)
		return;
	ae_error_clear(&err);
	out = ae_interp_resolve(root, &test_opts, &err);
	CHECK(out == NULL);
	CHECK_STR(err.file, "t.yaml");
	CHECK_INT(err.line, 4);
	CHECK_INT(err.column, 6);
	CHECK_STR(err.path, "a.c");
	ae_node_free(root);
}

/* 2000 keys, 500 interpolations: well under 5 ms unoptimized-free; the
 * bound here allows for sanitizers. */
static void test_performance(void)
{
	ae_node *root = ae_node_new_map(), *out;
	struct timespec t0, t1;
	char k[32], v[64];
	double ms;
	int i;

	for (i = 0; i < 1500; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		ae_map_set(root, k, ae_node_new_int(i));
	}
	for (i = 0; i < 500; i++) {
		snprintf(k, sizeof(k), "i%d", i);
		if (i % 3 == 0)
			snprintf(v, sizeof(v), "${k%d}", i * 2);
		else if (i % 3 == 1)
			snprintf(v, sizeof(v), "x_${k%d}_${i%d}", i, i - 1);
		else
			snprintf(v, sizeof(v), "${oc.mul:${k%d},2}", i);
		ae_map_set(root, k, ae_node_new_string(v));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = ae_interp_resolve(root, &test_opts, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(out != NULL);
	CHECK(ms < 100);
	if (out)
		CHECK_STR(ae_map_get(out, "i1")->u.str.s, "x_1_0");
	fprintf(stderr, "resolving 2000 keys / 500 interpolations: %.2f ms\n",
	        ms);
	ae_node_free(out);
	ae_node_free(root);
}

int main(void)
{
	test_node_forms();
	test_string_interp();
	test_escapes();
	test_typed_args();
	test_nesting();
	test_grammar_errors();
	test_key_errors();
	test_dollar_escape();
	test_relative();
	test_whole_value_copy();
	test_missing();
	test_errors();
	test_cycles();
	test_check_and_defer();
	test_memoized();
	test_timestring();
	test_single_node_and_string();
	test_yaml_marks();
	test_performance();
	pool_free();
	TEST_MAIN_END();
}
