/* Hydra override grammar: parse cases (most taken from Hydra's
 * tests/test_overrides_parser.py) and applying overrides to a tree. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ae_override.h"
#include "testutil.h"

/* A typed, compact rendering: i:1 f:0.5 s:abc null true [..] {k=..}. */
static void repr(const ae_node *n, char *buf, size_t size)
{
	size_t i, used;

	switch (n->type) {
	case AE_NULL:
		snprintf(buf, size, "null");
		return;
	case AE_BOOL:
		snprintf(buf, size, "%s", n->u.b ? "true" : "false");
		return;
	case AE_INT:
		snprintf(buf, size, "i:%lld", n->u.i);
		return;
	case AE_FLOAT:
		if (isnan(n->u.f))
			snprintf(buf, size, "f:nan");
		else if (isinf(n->u.f))
			snprintf(buf, size, "f:%sinf", n->u.f < 0 ? "-" : "");
		else
			snprintf(buf, size, "f:%g", n->u.f);
		return;
	case AE_STRING:
		snprintf(buf, size, "%s:%s",
		         (n->flags & AE_NODE_QUOTED) ? "q" : "s", n->u.str.s);
		return;
	case AE_SEQ:
	case AE_MAP:
		used = (size_t)snprintf(buf, size, "%c",
		                        n->type == AE_SEQ ? '[' : '{');
		for (i = 0;
		     i < (n->type == AE_SEQ ? ae_seq_size(n) : ae_map_size(n));
		     i++) {
			char sub[512];

			repr(n->type == AE_SEQ ? ae_seq_get(n, i)
			                       : ae_map_value(n, i),
			     sub, sizeof(sub));
			if (n->type == AE_SEQ)
				used +=
				    (size_t)snprintf(buf + used, size - used,
				                     "%s%s", i ? "," : "", sub);
			else
				used += (size_t)snprintf(
				    buf + used, size - used, "%s%s=%s",
				    i ? "," : "", ae_map_key(n, i), sub);
			if (used >= size)
				return;
		}
		snprintf(buf + used, size - used, "%c",
		         n->type == AE_SEQ ? ']' : '}');
		return;
	}
}

struct pcase {
	const char *text;
	ae_override_kind kind;
	const char *key;
	int type;          /* ae_type, or -1 for no value */
	const char *value; /* repr */
};

static const struct pcase parse_cases[] = {
    /* element / primitive */
    {"x=abc", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:abc"},
    {"x=abc123", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:abc123"},
    {"x=abc-123", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:abc-123"},
    {"x=a b c\t-\t1 2 3", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "s:a b c\t-\t1 2 3"},
    {"x= abc-123 ", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:abc-123"},
    {"x=123abc", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:123abc"},
    {"x=xyz_${a.b.c}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:xyz_${a.b.c}"},
    {"x=${env:USER,root}", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "s:${env:USER,root}"},
    {"x=c:\\foo\\a-b.txt", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "s:c:\\foo\\a-b.txt"},
    {"x=null", AE_OVERRIDE_CHANGE, "x", AE_NULL, "null"},
    {"x=NULL", AE_OVERRIDE_CHANGE, "x", AE_NULL, "null"},
    {"x=1", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:1"},
    {"x=0", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:0"},
    {"x=-1", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:-1"},
    {"x=10_0", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:100"},
    {"x=+7", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:7"},
    {"x=0.51", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:0.51"},
    {"x=0.0", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:0"},
    {"x=-3.14", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:-3.14"},
    {"x=3.1_4", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:3.14"},
    {"x=10e0", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:10"},
    {"x=-10e1", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:-100"},
    {"x=1e-3", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:0.001"},
    {"x=1.", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:1"},
    {"x=.5", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:0.5"},
    {"x=inf", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:inf"},
    {"x=INF", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:inf"},
    {"x=-inf", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:-inf"},
    {"x=nan", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:nan"},
    {"x=NaN", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:nan"},
    {"x=true", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "true"},
    {"x=True", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "true"},
    {"x=TRUE", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "true"},
    {"x=trUe", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "true"},
    {"x=false", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "false"},
    {"x=False", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "false"},
    {"x=FALSE", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "false"},
    {"x=faLse", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "false"},
    {"x=trueish", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:trueish"},
    {"x=infinity", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:infinity"},
    {"x=01", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:01"},
    {"x=.", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:."},
    {"x=/:-\\+.$*", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:/:-\\+.$*"},
    {"x=a.b.c", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:a.b.c"},
    {"x=list.0.bar", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:list.0.bar"},
    {"x=0.foo", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:0.foo"},
    {"x=10abc", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:10abc"},
    {"x=value-1.0", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:value-1.0"},
    {"x=value-true", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:value-true"},
    {"x=/outputs/exp_1/checkpoints", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "s:/outputs/exp_1/checkpoints"},
    /* escapes */
    {"x=a\\,b", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:a,b"},
    {"x=a\\ b", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:a b"},
    {"x=\\\\", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:\\"},
    {"x=f\\(x\\)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:f(x)"},
    {"x=a\\=b", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:a=b"},
    {"x=\\[1\\]", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:[1]"},
    /* quoted */
    {"x='foo \\'bar'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:foo 'bar"},
    {"x=\"foo \\\"bar\"", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:foo \"bar"},
    {"x='\t []{},=+~'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:\t []{},=+~"},
    {"x=\"\t []{},=+~\"", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:\t []{},=+~"},
    {"x='a b c'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a b c"},
    {"x='a,b'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a,b"},
    {"x='[1,2,3]'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:[1,2,3]"},
    {"x=\"[1,'2',3]\"", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:[1,'2',3]"},
    {"x='null'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:null"},
    {"x='100'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:100"},
    {"x='3.14'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:3.14"},
    {"x='nan'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:nan"},
    {"x='true'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:true"},
    {"x='\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d'", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d"},
    {"x='abc\\\\'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:abc\\"},
    {"x='abc\\\\\\'def'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:abc\\'def"},
    {"x='a\\b'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a\\b"},
    {"x=\"${a}/b\"", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:${a}/b"},
    {"x= 'abc' ", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:abc"},
    /* interpolations */
    {"x=${a}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${a}"},
    {"x=${a.b.c}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${a.b.c}"},
    {"x=${foo:a}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${foo:a}"},
    {"x=${foo:1,2,3}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${foo:1,2,3}"},
    {"x=${foo:[1,2,3]}", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "s:${foo:[1,2,3]}"},
    {"x=${oc.select:a,${b}}/c", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "s:${oc.select:a,${b}}/c"},
    {"x=${project.base_output_dir}/checkpoints", AE_OVERRIDE_CHANGE, "x",
     AE_STRING, "s:${project.base_output_dir}/checkpoints"},
    /* lists */
    {"x=[]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[]"},
    {"x=[1]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[i:1]"},
    {"x=[1,2,3]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[i:1,i:2,i:3]"},
    {"x=[1 ]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[i:1]"},
    {"x=[1, 2, 3]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[i:1,i:2,i:3]"},
    {"x=['a b']", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[q:a b]"},
    {"x=['[a,b]']", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[q:[a,b]]"},
    {"x=[[a]]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[[s:a]]"},
    {"x=[[[a]]]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[[[s:a]]]"},
    {"x=[1,[a]]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[i:1,[s:a]]"},
    {"x=[a b, c]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[s:a b,s:c]"},
    /* dicts */
    {"x={}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{}"},
    {"x={a:b}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=s:b}"},
    {"x={a:10}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=i:10}"},
    {"x={a:[a,10]}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=[s:a,i:10]}"},
    {"x={a:[true,10]}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=[true,i:10]}"},
    {"x={a:10,b:20}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=i:10,b=i:20}"},
    {"x={a:10,b:{}}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=i:10,b={}}"},
    {"x={a:10,b:{c:[1,2]}}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{a=i:10,b={c=[i:1,i:2]}}"},
    {"x={a: 10, b: 20}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=i:10,b=i:20}"},
    {"x={a: b:c}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=s:b:c}"},
    /* keys and kinds */
    {"key=value", AE_OVERRIDE_CHANGE, "key", AE_STRING, "s:value"},
    {"+key=value", AE_OVERRIDE_ADD, "key", AE_STRING, "s:value"},
    {"++key=value", AE_OVERRIDE_FORCE, "key", AE_STRING, "s:value"},
    {"~key=value", AE_OVERRIDE_DELETE, "key", AE_STRING, "s:value"},
    {"~x", AE_OVERRIDE_DELETE, "x", -1, NULL},
    {"~x=10", AE_OVERRIDE_DELETE, "x", AE_INT, "i:10"},
    {"~x=", AE_OVERRIDE_DELETE, "x", AE_STRING, "s:"},
    {"key=", AE_OVERRIDE_CHANGE, "key", AE_STRING, "s:"},
    {"key='1,2,3'", AE_OVERRIDE_CHANGE, "key", AE_STRING, "q:1,2,3"},
    {"choice=reverse", AE_OVERRIDE_CHANGE, "choice", AE_STRING, "s:reverse"},
    {"a.b.c=1", AE_OVERRIDE_CHANGE, "a.b.c", AE_INT, "i:1"},
    {"list.0=1", AE_OVERRIDE_CHANGE, "list.0", AE_INT, "i:1"},
    {"a.b-c.$d=1", AE_OVERRIDE_CHANGE, "a.b-c.$d", AE_INT, "i:1"},
    {"hydra/launcher=basic", AE_OVERRIDE_CHANGE, "hydra/launcher", AE_STRING,
     "s:basic"},
    {"db@backup=mysql", AE_OVERRIDE_CHANGE, "db@backup", AE_STRING, "s:mysql"},
    {"+db@a.b=mysql", AE_OVERRIDE_ADD, "db@a.b", AE_STRING, "s:mysql"},
    {"monitoring=megatron_basic", AE_OVERRIDE_CHANGE, "monitoring", AE_STRING,
     "s:megatron_basic"},
    {"backend.megatron.lr=1e-4", AE_OVERRIDE_CHANGE, "backend.megatron.lr",
     AE_FLOAT, "f:0.0001"},
};

struct ecase {
	const char *text;
	int column;
	const char *needle;
};

static const struct ecase error_cases[] = {
    {"a=1,2", 4, "sweeps are not supported"},
    {"key=1,2,3", 6, "sweeps are not supported"},
    {"key=[1,2],[3,4]", 10, "sweeps are not supported"},
    {"x=choice(1,2)", 3, "sweeps are not supported"},
    {"x=choice (a,b)", 3, "sweeps are not supported"},
    {"x=range(1,10)", 3, "sweeps are not supported"},
    {"x=interval(0,1)", 3, "sweeps are not supported"},
    {"x=glob(*)", 3, "sweeps are not supported"},
    {"x=shuffle(1,2,3)", 3, "sweeps are not supported"},
    {"x=tag(a,b,choice(1,2))", 3, "sweeps are not supported"},
    {"x=[choice(1,2)]", 4, "sweeps are not supported"},
    {"x=int(10.0)", 3, "functions are not supported"},
    {"key=[]aa", 7, "unexpected 'a'"},
    {"key=[1,2,3]'", 12, "unexpected '''"},
    {"x=[", 4, "missing ']'"},
    {"x={a:1", 7, "missing '}'"},
    {"x={a}", 5, "expected ':'"},
    {"x='abc", 3, "unterminated quoted value"},
    {"x=${abc", 3, "unterminated interpolation"},
    {"x=a=b", 4, "not allowed"},
    {"x=a#b", 4, "not allowed"},
    {"x=caf\xc3\xa9", 6, "non-ASCII"},
    {"=1", 1, "expected a key"},
    {"x", 2, "missing '=value'"},
    {"x y=1", 2, "unexpected ' '"},
    {"a..b=1", 2, "unexpected '.'"},
    {"x=a'b'", 4, "quoted value must be the whole"},
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(*parse_cases); i++) {
		const struct pcase *c = &parse_cases[i];
		ae_error err;
		ae_override *ov;
		char got[1024];

		ae_error_clear(&err);
		ov = ae_override_parse(c->text, &err);
		CHECK(ov != NULL);
		if (!ov) {
			fprintf(stderr, "  case '%s': %s (col %d)\n", c->text,
			        err.text, err.column);
			continue;
		}
		CHECK_INT(ov->kind, c->kind);
		CHECK_STR(ov->key, c->key);
		CHECK_STR(ov->text, c->text);
		if (c->type < 0) {
			CHECK(ov->value == NULL);
		} else {
			CHECK(ov->value != NULL);
			if (ov->value) {
				CHECK_INT(ov->value->type, c->type);
				repr(ov->value, got, sizeof(got));
				CHECK_STR(got, c->value);
			}
		}
		ae_override_free(ov);
	}
	fprintf(stderr, "%zu parse cases\n",
	        sizeof(parse_cases) / sizeof(*parse_cases));
}

static void test_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof(error_cases) / sizeof(*error_cases); i++) {
		const struct ecase *c = &error_cases[i];
		ae_error err;
		ae_override *ov;

		ae_error_clear(&err);
		ov = ae_override_parse(c->text, &err);
		CHECK(ov == NULL);
		ae_override_free(ov);
		CHECK_STR(err.file, "<override>");
		CHECK_INT(err.column, c->column);
		CHECK(strstr(err.text, c->needle) != NULL);
		/* The message names the override. */
		CHECK(strstr(err.text, c->text) != NULL);
		if (err.column != c->column || !strstr(err.text, c->needle))
			fprintf(stderr, "  case '%s': col %d: %s\n", c->text,
			        err.column, err.text);
	}
}

/* Build {backend: {megatron: {save: .., load: .., lr: 0.1, list: [1,2]}},
 * project: {base_output_dir: /outputs/exp_1, name: n}, nul: null, s: 5} */
static ae_node *sample(void)
{
	ae_node *root = ae_node_new_map(), *backend = ae_node_new_map();
	ae_node *mg = ae_node_new_map(), *project = ae_node_new_map();
	ae_node *list = ae_node_new_seq();

	ae_map_set(
	    mg, "save",
	    ae_node_new_string("${project.base_output_dir}/checkpoints"));
	ae_map_set(
	    mg, "load",
	    ae_node_new_string("${project.base_output_dir}/checkpoints"));
	ae_map_set(mg, "lr", ae_node_new_float(0.1));
	ae_seq_append(list, ae_node_new_int(1));
	ae_seq_append(list, ae_node_new_int(2));
	ae_map_set(mg, "list", list);
	ae_map_set(backend, "megatron", mg);
	ae_map_set(root, "backend", backend);
	ae_map_set(project, "base_output_dir",
	           ae_node_new_string("/outputs/exp_1"));
	ae_map_set(project, "name", ae_node_new_string("n"));
	ae_map_set(root, "project", project);
	ae_map_set(root, "nul", ae_node_new_null());
	ae_map_set(root, "s", ae_node_new_int(5));
	return root;
}

static int apply(ae_node *root, const char *text, ae_error *err)
{
	ae_override *ov = ae_override_parse(text, err);
	int rv;

	if (!ov)
		return -2;
	rv = ae_override_apply(root, ov, err);
	ae_override_free(ov);
	return rv;
}

static const ae_node *at(const ae_node *root, const char *a, const char *b,
                         const char *c)
{
	const ae_node *n = ae_map_get(root, a);

	if (n && b)
		n = ae_map_get(n, b);
	if (n && c)
		n = ae_map_get(n, c);
	return n;
}

static void test_apply(void)
{
	ae_node *root = sample();
	ae_error err;
	const ae_node *n;

	/* The design's cooldown example: load pinned, save follows. */
	CHECK_INT(apply(root,
	                "backend.megatron.load=/outputs/exp_1/checkpoints",
	                &err),
	          0);
	CHECK_INT(apply(root, "project.base_output_dir=/outputs/exp_2_cooldown",
	                &err),
	          0);
	CHECK_STR(at(root, "backend", "megatron", "load")->u.str.s,
	          "/outputs/exp_1/checkpoints");
	CHECK_STR(at(root, "backend", "megatron", "save")->u.str.s,
	          "${project.base_output_dir}/checkpoints");
	CHECK_STR(at(root, "project", "base_output_dir", NULL)->u.str.s,
	          "/outputs/exp_2_cooldown");
	/* Position kept: load is still the second key. */
	CHECK_STR(ae_map_key(at(root, "backend", "megatron", NULL), 1), "load");
	/* The override's value is marked as coming from the override. */
	CHECK_STR(ae_node_file(at(root, "backend", "megatron", "load")),
	          "<override>");

	/* key=value needs the key. */
	ae_error_clear(&err);
	CHECK_INT(apply(root, "backend.megatron.nope=1", &err), -1);
	CHECK(strstr(err.text, "+backend.megatron.nope=1") != NULL);
	CHECK_STR(err.path, "backend.megatron.nope");
	CHECK_INT(apply(root, "nothere.x=1", &err), -1);
	CHECK(strstr(err.text, "not found") != NULL);
	/* + adds, but not over an existing value; ++ does both. */
	CHECK_INT(apply(root, "+backend.megatron.nope=1", &err), 0);
	CHECK_INT(at(root, "backend", "megatron", "nope")->u.i, 1);
	CHECK_INT(apply(root, "+backend.megatron.nope=2", &err), -1);
	CHECK(strstr(err.text, "++backend.megatron.nope=2") != NULL);
	CHECK_INT(apply(root, "++backend.megatron.nope=3", &err), 0);
	CHECK_INT(at(root, "backend", "megatron", "nope")->u.i, 3);
	CHECK_INT(apply(root, "++new.deep.key=x", &err), 0);
	CHECK_STR(at(root, "new", "deep", "key")->u.str.s, "x");
	/* + over a null value is allowed (Hydra tests "is None"). */
	CHECK_INT(apply(root, "+nul=4", &err), 0);
	CHECK_INT(at(root, "nul", NULL, NULL)->u.i, 4);
	/* + of a mapping merges into an existing mapping. */
	CHECK_INT(apply(root, "+project={extra: 1}", &err), 0);
	CHECK_INT(at(root, "project", "extra", NULL)->u.i, 1);
	CHECK_STR(at(root, "project", "name", NULL)->u.str.s, "n");
	/* key={...} merges, key=[...] replaces. */
	CHECK_INT(apply(root, "project={name: m, k2: 2}", &err), 0);
	CHECK_STR(at(root, "project", "name", NULL)->u.str.s, "m");
	CHECK_INT(at(root, "project", "extra", NULL)->u.i, 1);
	CHECK_INT(apply(root, "backend.megatron.list=[7]", &err), 0);
	n = at(root, "backend", "megatron", "list");
	CHECK_INT(ae_seq_size(n), 1);
	CHECK_INT(ae_seq_get(n, 0)->u.i, 7);
	/* Sequence items by index. */
	CHECK_INT(apply(root, "backend.megatron.list.0=8", &err), 0);
	CHECK_INT(ae_seq_get(at(root, "backend", "megatron", "list"), 0)->u.i,
	          8);
	CHECK_INT(apply(root, "backend.megatron.list.5=8", &err), -1);
	/* A scalar replaced by a mapping and back. */
	CHECK_INT(apply(root, "s={a: 1}", &err), 0);
	CHECK_INT(at(root, "s", NULL, NULL)->type, AE_MAP);
	CHECK_INT(apply(root, "s=2", &err), 0);
	CHECK_INT(at(root, "s", NULL, NULL)->u.i, 2);
	/* Merging a list into a mapping is an error, as in OmegaConf. */
	CHECK_INT(apply(root, "project=[1]", &err), -1);
	/* Delete, with and without a value. */
	CHECK_INT(apply(root, "~backend.megatron.nope=99", &err), -1);
	CHECK(strstr(err.text, "not the one given") != NULL);
	CHECK_INT(apply(root, "~backend.megatron.nope=3", &err), 0);
	CHECK(at(root, "backend", "megatron", "nope") == NULL);
	CHECK_INT(apply(root, "~backend.megatron.lr", &err), 0);
	CHECK(at(root, "backend", "megatron", "lr") == NULL);
	CHECK_INT(apply(root, "~backend.megatron.lr", &err), -1);
	CHECK(strstr(err.text, "not found") != NULL);
	CHECK_INT(apply(root, "~backend.megatron.list.0", &err), 0);
	CHECK_INT(ae_seq_size(at(root, "backend", "megatron", "list")), 0);
	/* A group-looking key that is not a group. */
	CHECK_INT(apply(root, "db@pkg=mysql", &err), -1);
	CHECK(strstr(err.text, "config group") != NULL);
	/* Interpolation kept verbatim. */
	CHECK_INT(apply(root, "project.name=${oc.env:USER}_x", &err), 0);
	CHECK_STR(at(root, "project", "name", NULL)->u.str.s,
	          "${oc.env:USER}_x");
	ae_node_free(root);
}

int main(void)
{
	test_parse();
	test_errors();
	test_apply();
	TEST_MAIN_END();
}
