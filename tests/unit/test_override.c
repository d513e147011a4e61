/* Hydra override grammar: parse cases (most taken from Hydra's
 * tests/test_overrides_parser.py) and applying overrides to a tree. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    /* Hydra 1.3 test_element */
    {"x=a\\:b", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:a:b"},
    {"x=\\ ab", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s: ab"},
    {"x=ab\\\t", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:ab\t"},
    {"x=ab\\\\", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:ab\\"},
    {"x=\\,", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:,"},
    {"x=f\\(a\\, b\\)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:f(a, b)"},
    {"x=\\{a\\: b\\}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:{a: b}"},
    {"x=$\\{foo.bar\\}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${foo.bar}"},
    {"x=${f.g:USER,root}", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "s:${f.g:USER,root}"},
    {"x=1___0___", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:1___0___"},
    {"x=+inf", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:inf"},
    /* Hydra 1.3 test_primitive_quoted_string: a quoted value ends at the
     * first quote after an even number of backslashes, interpolations
     * inside it are text like the rest */
    {"x='foo \\\\\\'bar'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:foo \\'bar"},
    {"x=\"foo \\\\\\\"bar\"", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:foo \\\"bar"},
    {"x=\"foo\\bar\"", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:foo\\bar"},
    {"x='foo\\\\bar'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:foo\\\\bar"},
    {"x='foo\\\\\\\\bar'", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:foo\\\\\\\\bar"},
    {"x='foo bar\\\\'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:foo bar\\"},
    {"x='foo \\\\\\\\\\'bar\\' \\\\\\\\\\\\'", AE_OVERRIDE_CHANGE, "x",
     AE_STRING, "q:foo \\\\'bar' \\\\\\"},
    {"x='a ${b}'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a ${b}"},
    {"x='a \\${b}'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a \\${b}"},
    {"x='a \\'\\${b}\\''", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a '\\${b}'"},
    {"x='a \\\\${b}'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a \\\\${b}"},
    {"x='a \\'${b}\\''", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:a '${b}'"},
    {"x='a \\'\\\\${b}\\''", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:a '\\\\${b}'"},
    {"x='a \\\\\\'${b}\\\\\\''", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:a \\'${b}\\'"},
    {"x='${foo:\\'b,a,r\\'}'", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:${foo:'b,a,r'}"},
    {"x='${foo:${a}, \\'\\${bar}\\\\\\'\\', {x: \"${y}\"}}'",
     AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:${foo:${a}, '\\${bar}\\'', {x: \"${y}\"}}"},
    {"x='${foo:\"\\' }\"}'", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:${foo:\"' }\"}"},
    {"x='${oc.select:x,\\'d\\'}'", AE_OVERRIDE_CHANGE, "x", AE_STRING,
     "q:${oc.select:x,'d'}"},
    /* Unquoted interpolations are Hydra's INTERPOLATION token, '${' up to
     * the first '}': a nested one needs quotes, or its closing brace
     * escaped (results from Hydra 1.3.2's parser). */
    {"x='${a:${b}}'", AE_OVERRIDE_CHANGE, "x", AE_STRING, "q:${a:${b}}"},
    {"x=${a:${b}\\}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${a:${b}}"},
    {"x={k:${a:${b}}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{k=s:${a:${b}}"},
    {"x=${a}${b}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${a}${b}"},
    {"x=${a:\"x\"}", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${a:\"x\"}"},
    /* Hydra 1.3 test_dict_container: typed keys are normalised (1_0 is
     * 10, 1e3 is 1000.0, TRUE is true), as YAML keys are */
    {"x={123: 1, 0: 2, -1: 3}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{123=i:1,0=i:2,-1=i:3}"},
    {"x={3.14: 0, 1e3: 1}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{3.14=i:0,1000.0=i:1}"},
    {"x={true: 1, fAlSe: 0}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{true=i:1,false=i:0}"},
    {"x={/-\\+.$%*@?|: 1}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{/-\\+.$%*@?|=i:1}"},
    {"x={\\\\\\(\\)\\[\\]\\{\\}\\:\\=\\ \\\t\\,: 1}", AE_OVERRIDE_CHANGE, "x",
     AE_MAP, "{\\()[]{}:= \t,=i:1}"},
    {"x={white spaces: 1}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{white spaces=i:1}"},
    {"x={a_b: 1, ab 123.5 True: 2, null false: 3, 1: 4}", AE_OVERRIDE_CHANGE,
     "x", AE_MAP, "{a_b=i:1,ab 123.5 True=i:2,null false=i:3,1=i:4}"},
    {"x={a: 'a\\\\', b: 'b\\\\'}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{a=q:a\\,b=q:b\\}"},
    {"x={1_0: x, +1: y}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{10=s:x,1=s:y}"},
    {"x={-0.0: 1, 1.: 2}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{-0.0=i:1,1.0=i:2}"},
    {"x={inf: 1, nan: 2}", AE_OVERRIDE_CHANGE, "x", AE_MAP,
     "{inf=i:1,nan=i:2}"},
    {"x={yes: 1, \\ : 2}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{yes=i:1, =i:2}"},
    /* the cast functions (Hydra 1.3 grammar_functions.cast_*; results
     * from Hydra 1.3.2's parser) */
    {"key=str([1,2])", AE_OVERRIDE_CHANGE, "key", AE_SEQ, "[s:1,s:2]"},
    {"x=int(value=10)", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:10"},
    {"x=int(value=1,value=2)", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:2"},
    {"x=int(value= 3)", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:3"},
    {"x=int(value =3)", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:3"},
    {"x=str(value=[1,2])", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[s:1,s:2]"},
    {"x=int (1)", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:1"},
    {"x=int( 1 )", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:1"},
    {"x= int(1) ", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:1"},
    {"x=str(int(1.5))", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:1"},
    {"x=float(int(2.5))", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:2"},
    {"x=str(float(1))", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:1.0"},
    {"x=bool(str(true))", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "true"},
    {"x=[int(1.5),float(2)]", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[i:1,f:2]"},
    {"x={a:str(1)}", AE_OVERRIDE_CHANGE, "x", AE_MAP, "{a=s:1}"},
    {"x=bool(null)", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "false"},
    {"x=bool([null])", AE_OVERRIDE_CHANGE, "x", AE_SEQ, "[false]"},
    {"x=int(3.14)", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:3"},
    {"x=int(-2.7)", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:-2"},
    {"x=int(' 10 ')", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:10"},
    {"x=int('1_000')", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:1000"},
    {"x=int('010')", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:10"},
    {"x=int('+5')", AE_OVERRIDE_CHANGE, "x", AE_INT, "i:5"},
    {"x=float('1_0.5')", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:10.5"},
    {"x=float(' inf ')", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:inf"},
    {"x=float('infinity')", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:inf"},
    {"x=float('-Infinity')", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:-inf"},
    {"x=float('.5')", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:0.5"},
    {"x=float('5.')", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:5"},
    {"x=float(1_000)", AE_OVERRIDE_CHANGE, "x", AE_FLOAT, "f:1000"},
    {"x=bool('TRUE')", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "true"},
    {"x=bool(0.0)", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "false"},
    {"x=bool(-1)", AE_OVERRIDE_CHANGE, "x", AE_BOOL, "true"},
    {"x=str(1e-5)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:1e-05"},
    {"x=str(0.1)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:0.1"},
    {"x=str(1e16)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:1e+16"},
    {"x=str(1e15)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:1000000000000000.0"},
    {"x=str(-0.0)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:-0.0"},
    {"x=str(a b)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:a b"},
    {"x=str(abc-1.5)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:abc-1.5"},
    {"x=str(\\,)", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:,"},
    {"x=str(${a})", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${a}"},
    {"x=str('${a:${b}}')", AE_OVERRIDE_CHANGE, "x", AE_STRING, "s:${a:${b}}"},
    {"~x=int(1.5)", AE_OVERRIDE_DELETE, "x", AE_INT, "i:1"},
    /* Hydra 1.3 test_key / test_package_or_group: IDs take '-' */
    {"ab-c/d-ef=x", AE_OVERRIDE_CHANGE, "ab-c/d-ef", AE_STRING, "s:x"},
    {"+a-b/c@p-q=x", AE_OVERRIDE_ADD, "a-b/c@p-q", AE_STRING, "s:x"},
    {"ab-c.d-ef=x", AE_OVERRIDE_CHANGE, "ab-c.d-ef", AE_STRING, "s:x"},
};

/* Hydra 1.3 tests/test_overrides_parser.py test_cast_conversions: the value
 * and what int(), float(), str() and bool() make of it; "!text" is an error
 * whose message holds text (Hydra's message after "while evaluating"). The
 * sweeps of that table (choice, simple choice, interval, range) are refused
 * here. */
struct castcase {
	const char *value;
	const char *as[4]; /* int, float, str, bool */
};

static const char *const cast_names[4] = {"int", "float", "str", "bool"};

#define NOT_INT(v)   "!invalid literal for int() with base 10: '" v "'"
#define NOT_FLOAT(v) "!could not convert string to float: '" v "'"
#define NOT_BOOL(v)  "!Cannot cast '" v "' to bool"
#define SWEEP        "!sweeps (choice, range, interval, glob, shuffle, sort, tag"

static const struct castcase cast_cases[] = {
    {"10", {"i:10", "f:10", "s:10", "true"}},
    {"0", {"i:0", "f:0", "s:0", "false"}},
    {"10.0", {"i:10", "f:10", "s:10.0", "true"}},
    {"0.0", {"i:0", "f:0", "s:0.0", "false"}},
    {"inf",
     {"!cannot convert float infinity to integer", "f:inf", "s:inf", "true"}},
    {"nan", {"!cannot convert float NaN to integer", "f:nan", "s:nan", "true"}},
    {"1e6", {"i:1000000", "f:1e+06", "s:1000000.0", "true"}},
    {"''", {NOT_INT(""), NOT_FLOAT(""), "s:", NOT_BOOL("")}},
    {"'10'", {"i:10", "f:10", "s:10", NOT_BOOL("10")}},
    {"'10.0'", {NOT_INT("10.0"), "f:10", "s:10.0", NOT_BOOL("10.0")}},
    {"'true'", {NOT_INT("true"), NOT_FLOAT("true"), "s:true", "true"}},
    {"'false'", {NOT_INT("false"), NOT_FLOAT("false"), "s:false", "false"}},
    {"'[1,2,3]'",
     {NOT_INT("[1,2,3]"), NOT_FLOAT("[1,2,3]"), "s:[1,2,3]",
      NOT_BOOL("[1,2,3]")}},
    {"'{a:10}'",
     {NOT_INT("{a:10}"), NOT_FLOAT("{a:10}"), "s:{a:10}", NOT_BOOL("{a:10}")}},
    {"true", {"i:1", "f:1", "s:true", "true"}},
    {"false", {"i:0", "f:0", "s:false", "false"}},
    {"[]", {"[]", "[]", "[]", "[]"}},
    {"[0,1,2]",
     {"[i:0,i:1,i:2]", "[f:0,f:1,f:2]", "[s:0,s:1,s:2]", "[false,true,true]"}},
    {"[1,[2]]", {"[i:1,[i:2]]", "[f:1,[f:2]]", "[s:1,[s:2]]", "[true,[true]]"}},
    {"[a,1]", {NOT_INT("a"), NOT_FLOAT("a"), "[s:a,s:1]", NOT_BOOL("a")}},
    {"{}", {"{}", "{}", "{}", "{}"}},
    {"{a:10}", {"{a=i:10}", "{a=f:10}", "{a=s:10}", "{a=true}"}},
    {"{a:[0,1,2]}",
     {"{a=[i:0,i:1,i:2]}", "{a=[f:0,f:1,f:2]}", "{a=[s:0,s:1,s:2]}",
      "{a=[false,true,true]}"}},
    {"{a:10,b:xyz}",
     {NOT_INT("xyz"), NOT_FLOAT("xyz"), "{a=s:10,b=s:xyz}", NOT_BOOL("xyz")}},
    {"choice(0,1)", {SWEEP, SWEEP, SWEEP, SWEEP}},
    {"2,1,0", {SWEEP, SWEEP, SWEEP, SWEEP}},
    {"choice(a,b)", {SWEEP, SWEEP, SWEEP, SWEEP}},
    {"interval(1.0, 2.0)", {SWEEP, SWEEP, SWEEP, SWEEP}},
    {"range(1,10)", {SWEEP, SWEEP, SWEEP, SWEEP}},
    /* more, from Hydra 1.3.2's parser */
    {"null", {"!null", "!null", "!null", "false"}},
    {"'0x10'",
     {NOT_INT("0x10"), NOT_FLOAT("0x10"), "s:0x10", NOT_BOOL("0x10")}},
    {"'1_e5'",
     {NOT_INT("1_e5"), NOT_FLOAT("1_e5"), "s:1_e5", NOT_BOOL("1_e5")}},
    {"' true'",
     {NOT_INT(" true"), NOT_FLOAT(" true"), "s: true", NOT_BOOL(" true")}},
    {"- 5", {NOT_INT("- 5"), NOT_FLOAT("- 5"), "s:- 5", NOT_BOOL("- 5")}},
    {"1___0___",
     {NOT_INT("1___0___"), NOT_FLOAT("1___0___"), "s:1___0___",
      NOT_BOOL("1___0___")}},
    {"${a}", {NOT_INT("${a}"), NOT_FLOAT("${a}"), "s:${a}", NOT_BOOL("${a}")}},
    /* beyond 64 bits: Python's int is unbounded, ours is an error */
    {"1e30", {"!out of range", "f:1e+30", "s:1e+30", "true"}},
};

struct ecase {
	const char *text;
	int column;
	const char *needle;
};

#define SWEEPS_REFUSED                                                         \
	"sweeps (choice, range, interval, glob, shuffle, sort, tag, a,b) are " \
	"not supported: autoexp composes one job's config; give one value"

static const struct ecase error_cases[] = {
    {"a=1,2", 4, SWEEPS_REFUSED},
    {"key=1,2,3", 6, SWEEPS_REFUSED},
    {"key=[1,2],[3,4]", 10, SWEEPS_REFUSED},
    {"x=int(1),2", 9, SWEEPS_REFUSED},
    {"x=choice(1,2)", 3, SWEEPS_REFUSED},
    {"x=choice (a,b)", 3, SWEEPS_REFUSED},
    {"x=range(1,10)", 3, SWEEPS_REFUSED},
    {"x=interval(0,1)", 3, SWEEPS_REFUSED},
    {"x=glob(*)", 3, SWEEPS_REFUSED},
    {"x=shuffle(1,2,3)", 3, SWEEPS_REFUSED},
    {"x=shuffle([1])", 3, SWEEPS_REFUSED},
    {"x=sort([3,1,2])", 3, SWEEPS_REFUSED},
    {"x=tag(a,b,choice(1,2))", 3, SWEEPS_REFUSED},
    {"x=[choice(1,2)]", 4, SWEEPS_REFUSED},
    {"x=[int(1), choice(1,2)]", 12, SWEEPS_REFUSED},
    {"x={a:range(2)}", 6, SWEEPS_REFUSED},
    {"x=int(choice(0,1))", 7, SWEEPS_REFUSED},
    {"x=int(2,1,0)", 3, SWEEPS_REFUSED},
    {"x=str(1, 2)", 3, SWEEPS_REFUSED},
    /* functions: the casts and their argument rules (Hydra's
     * _normalize_cast_value and Functions.eval) */
    {"x=json_str({a:1})", 3, "json_str() is not a function of Hydra 1.3"},
    {"x=foo(1)", 3, "unknown function 'foo'"},
    {"x=INT(1)", 3, "unknown function 'INT'"},
    {"x=int()", 3, "no value given"},
    {"x=int(1,value=2)", 3, "cannot use both position and named arguments"},
    {"x=int(value=1,2)", 15, "positional argument follows keyword argument"},
    {"x=int(x=1)", 7, "unexpected keyword argument 'x'"},
    {"x=str(a=1,value=2)", 7, "unexpected keyword argument 'a'"},
    {"x=int(1)x", 9, "unexpected 'x' after a function call"},
    {"x=int(1.5)abc", 11, "unexpected 'a' after a function call"},
    {"x=int(1", 8, "missing ')'"},
    {"x=int(1 2", 10, "missing ')'"},
    {"x=int(1,)", 9, "missing value"},
    {"x=int(,1)", 7, "missing value"},
    {"x=my-func(1)", 3, "unknown function 'my-func'"},
    {"$foo/bar=x", 5, "unexpected '/'"},
    {"x=int([1] 2)", 11, "unexpected '2' after a list"},
    {"x=a int(1)", 5, "a function call must be the whole value"},
    {"x=int(${a})", 3, "invalid literal for int() with base 10: '${a}'"},
    {"x=[1,int(a)]", 6, "cannot evaluate 'int(a)'"},
    /* nested interpolations: Hydra's INTERPOLATION token ends at the first
     * '}' */
    {"x=${a:${b}}", 11, "quote a nested interpolation"},
    {"x=${oc.select:a,${b}}/c", 21, "quote a nested interpolation"},
    {"x=${foo:{a:1}}", 14, "quote a nested interpolation"},
    {"x=[${a:${b}}]", 12, "quote a nested interpolation"},
    {"x=str(${a:${b}})", 15, "quote a nested interpolation"},
    {"x=${}", 3, "empty interpolation"},
    {"x='${a:'b'}'", 9, "unexpected 'b' after a quoted value"},
    /* dict keys */
    {"x={null: 1}", 4, "null is not a valid dict key"},
    {"x={a: null, null: 1}", 13, "null is not a valid dict key"},
    {"x={TRUE: 1, true: 2}", 13, "duplicate dict key 'true'"},
    {"x={1e3: 1, 1000.0: 2}", 12, "duplicate dict key '1000.0'"},
    {"x={'0a': 0}", 4, "a dict key cannot be quoted"},
    {"x={\" abc \": 0}", 4, "a dict key cannot be quoted"},
    {"x={a: 'a\\', b: 'b'}", 17, "unexpected 'b' after a quoted value"},
    /* grammar */
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
				if (strcmp(got, c->value) != 0)
					fprintf(stderr, "  case '%s'\n",
					        c->text);
			}
		}
		ae_override_free(ov);
	}
	fprintf(stderr, "%zu parse cases\n",
	        sizeof(parse_cases) / sizeof(*parse_cases));
}

static void test_casts(void)
{
	size_t i, f;

	for (i = 0; i < sizeof(cast_cases) / sizeof(*cast_cases); i++) {
		for (f = 0; f < 4; f++) {
			const char *want = cast_cases[i].as[f];
			char text[256], got[1024];
			ae_error err;
			ae_override *ov;
			int ok, col;

			snprintf(text, sizeof(text), "x=%s(%s)", cast_names[f],
			         cast_cases[i].value);
			ae_error_clear(&err);
			ov = ae_override_parse(text, &err);
			/* errors point at the cast, a sweep inside it at
			 * the sweep */
			col = strncmp(want, SWEEP, strlen(SWEEP)) == 0 &&
			              strchr(cast_cases[i].value, '(')
			          ? 4 + (int)strlen(cast_names[f])
			          : 3;
			if (want[0] == '!') {
				ok = !ov && err.column == col &&
				     strstr(err.text, want + 1) &&
				     strstr(err.text, text);
				if (!ok)
					fprintf(stderr,
					        "  cast '%s': want error "
					        "'%s', got %s (col %d)\n",
					        text, want + 1,
					        ov ? "a value" : err.text,
					        err.column);
			} else {
				ok = ov != NULL;
				if (ov) {
					repr(ov->value, got, sizeof(got));
					ok = strcmp(got, want) == 0;
				}
				if (!ok)
					fprintf(stderr,
					        "  cast '%s': want %s, "
					        "got %s\n",
					        text, want,
					        ov ? got : err.text);
			}
			CHECK(ok);
			ae_override_free(ov);
		}
	}
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

/* Lists, dicts and calls nest 256 deep at most: a deeper override is an
 * error, not a stack overflow (a million '[' crashed the parser). */
static void test_depth(void)
{
	const char *open[] = {"[", "{a:", "int("};
	size_t n = 1000000, i, k;

	for (k = 0; k < sizeof(open) / sizeof(*open); k++) {
		size_t w = strlen(open[k]);
		char *text = malloc(2 + n * w + 1);
		ae_error err;
		ae_override *ov;

		if (!text)
			return;
		memcpy(text, "x=", 2);
		for (i = 0; i < n; i++)
			memcpy(text + 2 + i * w, open[k], w);
		text[2 + n * w] = '\0';
		ae_error_clear(&err);
		ov = ae_override_parse(text, &err);
		CHECK(ov == NULL);
		CHECK(strstr(err.text, "nested deeper than 256") != NULL);
		CHECK_INT(err.column, (int)(3 + 256 * w));
		ae_override_free(ov);
		free(text);
	}
	/* 256 levels are fine */
	{
		char text[2 + 2 * 256 + 1];
		ae_override *ov;
		ae_error err;

		memcpy(text, "x=", 2);
		memset(text + 2, '[', 256);
		memset(text + 2 + 256, ']', 256);
		text[2 + 512] = '\0';
		ov = ae_override_parse(text, &err);
		CHECK(ov != NULL && ov->value->type == AE_SEQ);
		ae_override_free(ov);
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
	test_casts();
	test_errors();
	test_depth();
	test_apply();
	TEST_MAIN_END();
}
