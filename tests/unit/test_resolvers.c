/* The builtin resolvers (OmegaConf's and the predecessor's), and the
 * Python value semantics they rely on. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ae_interp.h"
#include "ae_resolvers.h"
#include "interp_harness.h"
#include "testutil.h"

static void test_oc_env(void)
{
	CHECK_STR(R("${oc.env:HOME}"), "'/root'");
	CHECK_STR(R("${oc.env:FOO}/x"), "'foo/x'");
	CHECK_STR(R("${oc.env:NOPE_X,null}"), "None");
	CHECK_STR(R("${oc.env:NOPE_X,1}"), "'1'");
	CHECK_STR(R("${oc.env:NOPE_X,1.5}"), "'1.5'");
	CHECK_STR(R("${oc.env:NOPE_X,true}"), "'True'");
	CHECK_STR(R("${oc.env:NOPE_X,}"), "''");
	CHECK_STR(R("${oc.env:NOPE_X,[1,\"a\"]}"), "\"[1, 'a']\"");
	CHECK_STR(R("${oc.env:NOPE_X,${d}}"), "\"{'k': 1, 'j': '${x}'}\"");
	CHECK_STR(R("a${oc.env:NOPE_X,null}b"), "'aNoneb'");
	CHECK_ERR(R("${oc.env:NOPE_X}"),
	          "environment variable 'NOPE_X' not "
	          "found"); /* OmegaConf:
	                       InterpolationResolutionError
	                     */
	CHECK_ERR(R("${oc.env:1}"),
	          "str expected, not int"); /* OmegaConf:
	                                       InterpolationResolutionError */
	CHECK_STR(R("${oc.env: HOME }"), "'/root'");
	{
		/* a name cut at its NUL would read another variable */
		ae_node *root = J("{'a': '${oc.env:${k}}'}"), *out;
		ae_error err;

		ae_map_set(root, "k", ae_node_new_stringn("HOME\0X", 6));
		out = ae_interp_resolve(root, &test_opts, &err);
		CHECK(out == NULL);
		CHECK(out || strstr(err.text, "NUL character") != NULL);
		ae_node_free(out);
		ae_node_free(root);
	}
	CHECK_ERR(R("${oc.env:HOME,x,y}"),
	          "oc.env takes 1 to 2 arguments (3 given) "
	          "in ${oc.en"); /* OmegaConf:
	                            InterpolationResolutionError
	                          */
}

static void test_select(void)
{
	CHECK_STR(R("${oc.select:x}"), "1");
	CHECK_STR(R("${oc.select:d.k}"), "1");
	CHECK_STR(R("${oc.select:\"d.k\"}"), "1");
	CHECK_ERR(R("${oc.select:l[1]}"),
	          "expected ',' or '}' at offset 13 of "
	          "\"${oc.select:l"); /* OmegaConf:
	                                 GrammarParseError
	                               */
	CHECK_STR(R("${oc.select:nope,5}"), "5");
	CHECK_STR(R("${oc.select:nope}"), "None");
	CHECK_STR(R("${oc.select:m,5}"), "5");
	CHECK_STR(R("${oc.select:m}"), "None");
	CHECK_STR(R("${oc.select:x.y,7}"), "7");
	CHECK_STR(R("${oc.select:l.9, def}"), "'def'");
	CHECK_STR(R("${oc.select:${kk}}"), "None");
	CHECK_STR(R("${oc.select:d}"), "{'k': 1, 'j': 1}");
	CHECK_STR(R("p ${oc.select:d}"), "\"p {'k': 1, 'j': '${x}'}\"");
	CHECK_STR(R("${oc.select:.x}"), "1");
	CHECK_ERR(R("${oc.select:...x}"),
	          "it goes above the root"); /* OmegaConf:
	                                        InterpolationResolutionError */
}

static void test_decode(void)
{
	CHECK_STR(R("${oc.decode:\"{a: 1, b: [x, 2.5]}\"}"),
	          "{'a': 1, 'b': ['x', 2.5]}");
	CHECK_STR(R("${oc.decode:\"  5 \"}"), "'  5 '");
	CHECK_STR(R("${oc.decode:\"abc def\"}"), "'abc def'");
	CHECK_STR(R("${oc.decode:null}"), "None");
	CHECK_STR(R("${oc.decode:\"\\${x}\"}"), "1");
	CHECK_STR(R("${oc.decode:\"[1,\\${x}]\"}"), "[1, 1]");
	CHECK_STR(R("${oc.decode:'\"q\"'}"), "'q'");
	CHECK_STR(R("${oc.decode:\"1_0\"}"), "10");
	CHECK_STR(R("${oc.decode:\"[1,]\"}"), "[1, '']");
	CHECK_ERR(R("${oc.decode:${x}}"),
	          "oc.decode can only take strings or null "
	          "as input, "); /* OmegaConf:
	                            InterpolationResolutionError
	                          */
	CHECK_ERR(R("${oc.decode:\"a,b\"}"),
	          "unexpected text after the value at "
	          "offset 1 of \"a,"); /* OmegaConf:
	                                  InterpolationResolutionError
	                                */
	CHECK_ERR(R("${oc.decode:\"\"}"),
	          "expected a value at offset 0 of "
	          "\"\""); /* OmegaConf:
	                      InterpolationResolutionError
	                    */
	CHECK_ERR(
	    R("${oc.decode:\"  \"}"),
	    "a value cannot be only whitespace"); /* OmegaConf:
	                                             InterpolationResolutionError
	                                           */
	CHECK_ERR(R("${oc.decode:\"{a:1,}\"}"),
	          "expected a value at offset 5 of "
	          "\"{a:1,}\""); /* OmegaConf:
	                            InterpolationResolutionError
	                          */
}

static void test_create(void)
{
	CHECK_STR(R("${oc.create:[1,'\\${x}']}"), "[1, 1]");
	CHECK_STR(R("${oc.create:{a:'\\${x}'}}"), "{'a': 1}");
	CHECK_STR(R("${oc.create:\"[1, 2]\"}"), "[1, 2]");
	CHECK_STR(R("${oc.create:\"a: 1\"}"), "{'a': 1}");
	CHECK_STR(R("${oc.create:\"a\"}"), "{'a': None}");
	CHECK_STR(R("${oc.create:${d}}"), "{'k': 1, 'j': 1}");
	CHECK_ERR(
	    R("${oc.create:5}"),
	    "object of unsupported type: int"); /* OmegaConf:
	                                           InterpolationResolutionError
	                                         */
	CHECK_ERR(
	    R("${oc.create:\"{b: \\${x}}\"}"),
	    "did not find expected ',' or '}' (while parsing a "); /* OmegaConf:
	                                                              InterpolationResolutionError
	                                                            */
	CHECK_STR(R("${oc.create:\"- 1\n- b: 2\"}"), "[1, {'b': 2}]");
	CHECK_STR(R("${oc.create:\"x: \\${..x}\"}"), "{'x': 1}");
	CHECK_STR(R("${oc.create:\"x: \\${.y}\ny: 3\"}"), "{'x': 3, 'y': 3}");
	CHECK_ERR(
	    R("${oc.create:\"5\"}"),
	    "object of unsupported type: int"); /* OmegaConf:
	                                           InterpolationResolutionError
	                                         */
}

static void test_dict_keys_values(void)
{
	CHECK_STR(R("${oc.dict.keys:d}"), "['k', 'j']");
	CHECK_STR(R("${oc.dict.values:d}"), "[1, 1]");
	CHECK_ERR(R("${oc.dict.keys:l}"),
	          "oc.dict.keys cannot be applied to "
	          "sequence"); /* OmegaConf:
	                          InterpolationResolutionError
	                        */
	CHECK_ERR(R("${oc.dict.keys:nope}"),
	          "'nope'"); /* OmegaConf: InterpolationResolutionError */
	CHECK_ERR(R("${oc.dict.keys:${d}}"),
	          "oc.dict.keys requires a string as "
	          "input, not mappi"); /* OmegaConf:
	                                  InterpolationResolutionError
	                                */
	CHECK_ERR(
	    R("${oc.dict.keys:m}"),
	    "missing value (\"?\?\?\"): m"); /* OmegaConf:
	                                        InterpolationResolutionError */
	CHECK_STR(R("${oc.dict.keys:e}"), "['z']");
}

static void test_timestring(void)
{
	CHECK_STR(R("${oc.timestring:}"), "'20250101_000000_000'");
	CHECK_STR(R("run_${oc.timestring:}_${oc.timestring:}"),
	          "'run_20250101_000000_000_20250101_000000_000'");
	CHECK_ERR(R("${oc.timestring:1}"),
	          "oc.timestring takes 0 arguments (1 "
	          "given) in ${oc."); /* OmegaConf:
	                                 InterpolationResolutionError
	                               */
}

static void test_mul(void)
{
	CHECK_STR(R("${oc.mul:2,x,3.5,null,true}"), "7.0");
	CHECK_STR(R("${oc.mul:}"), "1.0");
	CHECK_STR(R("${oc.mul:\" 1e3 \",\"1_0.5\"}"), "10500.0");
	CHECK_STR(R("${oc.mul:\"1__0\"}"), "1.0");
	CHECK_STR(R("${oc.mul:\"1._5\"}"), "1.0");
	CHECK_STR(R("${oc.mul:\"-iNfinity\"}"), "-inf");
	CHECK_STR(R("${oc.mul:\".5\"}"), "0.5");
	CHECK_STR(R("${oc.mul:\"5.\"}"), "5.0");
	CHECK_STR(R("${oc.mul:\".\"}"), "1.0");
	CHECK_STR(R("${oc.mul:1e300,1e300}"), "inf");
	CHECK_STR(R("${oc.mul:[1],2}"), "2.0");
	CHECK_STR(R("x${oc.mul:2,3}"), "'x6.0'");
}

static void test_muli(void)
{
	CHECK_STR(R("${oc.muli:2,2.7,\"1.5\",\"3\",true}"), "12");
	CHECK_STR(R("${oc.muli:}"), "1");
	CHECK_STR(R("${oc.muli:-2,3}"), "-6");
	CHECK_STR(R("${oc.muli:nan,2}"), "2");
}

static void test_add(void)
{
	CHECK_STR(R("${oc.add:1,2,abc}"), "3.0");
	CHECK_STR(R("${oc.add:\"1_000\",\" 2 \"}"), "1002.0");
	CHECK_STR(R("${oc.add:\"inf\"}"), "inf");
	CHECK_STR(R("${oc.add:\"infinity\"}"), "inf");
	CHECK_STR(R("${oc.add:\"0x10\"}"), "0.0");
	CHECK_STR(R("${oc.add:0.1,0.2}"), "0.30000000000000004");
}

static void test_addi(void)
{
	CHECK_STR(R("${oc.addi:1,2.9,-0.5}"), "3");
	CHECK_STR(R("${oc.addi:\"0x10\"}"), "0");
	CHECK_STR(R("${oc.addi:\"+5\",\"-3\",\" 7 \"}"), "9");
	CHECK_ERR(R("${oc.addi:inf}"),
	          "cannot convert float infinity to "
	          "integer"); /* OmegaConf:
	                         InterpolationResolutionError
	                       */
}

static void test_sub(void)
{
	CHECK_STR(R("${oc.sub:5,2}"), "3.0");
	CHECK_STR(R("${oc.sub:a,2}"), "0.0");
	CHECK_ERR(R("${oc.sub:1}"),
	          "oc.sub takes 2 arguments (1 given) in "
	          "${oc.sub:1}"); /* OmegaConf:
	                             InterpolationResolutionError
	                           */
	CHECK_STR(R("${oc.sub:0.3,0.1}"), "0.19999999999999998");
}

static void test_subi(void)
{
	CHECK_STR(R("${oc.subi:5.5,2}"), "3");
	CHECK_STR(R("${oc.subi:a,2}"), "0");
	CHECK_STR(R("${oc.subi:-2,\"3\"}"), "-5");
}

static void test_div(void)
{
	CHECK_STR(R("${oc.div:${l},2}"), "[0.5, 1.0, 1.5]");
	CHECK_STR(R("${oc.div:${l},${l}}"), "[1.0, 1.0, 1.0]");
	CHECK_STR(R("${oc.div:[2,4],2}"), "0.0");
	CHECK_STR(R("${oc.div:1,0}"), "0.0");
	CHECK_STR(R("${oc.div:7,2}"), "3.5");
	CHECK_STR(R("${oc.div:${ls},2}"), "[[0.5, 1.0], [1.5, 2.0]]");
	CHECK_STR(R("${oc.div:${l},[1,2]}"), "[0.0, 0.0, 0.0]");
	CHECK_STR(R("${oc.div:${l},${e}}"), "[0.0, 0.0, 0.0]");
	CHECK_STR(R("${oc.div:${oc.slice:${l},0,2},2}"), "0.0");
	CHECK_STR(R("${oc.div:${oc.concat:[4],${l}},2}"),
	          "[2.0, 0.5, 1.0, 1.5]");
	CHECK_STR(R("${oc.div:${oc.if:1,${l},0},2}"), "[0.5, 1.0, 1.5]");
	CHECK_STR(R("${oc.div:${oc.div:${l},1},2}"), "[0.5, 1.0, 1.5]");
	CHECK_STR(R("${oc.div:${oc.select:l},2}"), "[0.5, 1.0, 1.5]");
	CHECK_STR(R("${oc.div:${oc.dict.keys:d},2}"), "[0.0, 0.0]");
	CHECK_STR(R("${oc.div:${oc.dict.values:d},2}"), "[0.5, 0.5]");
	CHECK_STR(R("${oc.div:${oc.decode:\"[2]\"},2}"), "0.0");
	CHECK_STR(R("${oc.div:${oc.create:\"[2]\"},2}"), "[1.0]");
	CHECK_STR(R("x${oc.div:${l},2}"), "'x[0.5, 1.0, 1.5]'");
}

static void test_divi(void)
{
	CHECK_STR(R("${oc.divi:-7,2}"), "-4");
	CHECK_STR(R("${oc.divi:7,-2}"), "-4");
	CHECK_STR(R("${oc.divi:${l},2}"), "[0, 1, 1]");
	CHECK_STR(R("${oc.divi:7.9,2}"), "3");
	CHECK_STR(R("${oc.divi:\"7\",2}"), "3");
	CHECK_STR(R("${oc.divi:\"7.5\",2}"), "0");
	CHECK_STR(R("${oc.divi:1,0}"), "0");
	CHECK_STR(R("${oc.divi:-9223372036854775807,-1}"),
	          "9223372036854775807");
}

static void test_cdivi(void)
{
	CHECK_STR(R("${oc.cdivi:7,2}"), "4");
	CHECK_STR(R("${oc.cdivi:-7,2}"), "-3");
	CHECK_STR(R("${oc.cdivi:7,0}"), "0");
	CHECK_STR(R("${oc.cdivi:7,-2}"), "-3");
	CHECK_STR(R("${oc.cdivi:a,2}"), "0");
	CHECK_STR(R("${oc.cdivi:6,3}"), "2");
}

static void test_sqrt(void)
{
	CHECK_STR(R("${oc.sqrt:2}"), "1.4142135623730951");
	CHECK_STR(R("${oc.sqrt:4}"), "2.0");
	CHECK_ERR(
	    R("${oc.sqrt:-1}"),
	    "math domain error"); /* OmegaConf: InterpolationResolutionError */
	CHECK_ERR(
	    R("${oc.sqrt:a}"),
	    "could not convert string to float: 'a'"); /* OmegaConf:
	                                                  InterpolationResolutionError
	                                                */
	CHECK_STR(R("${oc.sqrt:\"16\"}"), "4.0");
}

static void test_mul_round_int(void)
{
	CHECK_STR(R("${oc.mul_round_int:3,5,2}"), "16");
	CHECK_STR(R("${oc.mul_round_int:2.5,1,1}"), "2");
	CHECK_STR(R("${oc.mul_round_int:3.5,1,1}"), "4");
	CHECK_STR(R("${oc.mul_round_int:0.5,1,1}"), "0");
	CHECK_STR(R("${oc.mul_round_int:-2.5,1,1}"), "-2");
	CHECK_ERR(R("${oc.mul_round_int:1,1,0}"),
	          "float division by zero"); /* OmegaConf:
	                                        InterpolationResolutionError */
	CHECK_STR(R("${oc.mul_round_int:7,3,2.5}"), "20");
	CHECK_ERR(
	    R("${oc.mul_round_int:a,1,1}"),
	    "could not convert string to float: 'a'"); /* OmegaConf:
	                                                  InterpolationResolutionError
	                                                */
	CHECK_STR(R("${oc.mul_round_int:1000,0.3,64}"), "320");
}

static void test_concat(void)
{
	CHECK_STR(R("${oc.concat:${l},${l}}"), "[1, 2, 3, 1, 2, 3]");
	CHECK_STR(R("${oc.concat:${l},[9]}"), "[1, 2, 3, 9]");
	CHECK_STR(R("${oc.concat:[9],${l}}"), "[9, 1, 2, 3]");
	CHECK_STR(R("${oc.concat:1,2}"), "3");
	CHECK_STR(R("${oc.concat:a,b}"), "'ab'");
	CHECK_ERR(R("${oc.concat:a,1}"),
	          "can only concatenate str (not \"int\") to "
	          "str"); /* OmegaConf:
	                     InterpolationResolutionError
	                   */
	CHECK_STR(R("${oc.concat:1.5,true}"), "2.5");
	CHECK_ERR(
	    R("${oc.concat:${d},${d}}"),
	    "'DictConfig' and 'DictConfig'"); /* OmegaConf:
	                                         InterpolationResolutionError */
	CHECK_ERR(R("${oc.concat:[1],${d}}"),
	          "can only concatenate list (not "
	          "\"DictConfig\") to li"); /* OmegaConf:
	                                       InterpolationResolutionError
	                                     */
	CHECK_ERR(
	    R("${oc.concat:null,null}"),
	    "'NoneType' and 'NoneType'"); /* OmegaConf:
	                                     InterpolationResolutionError */
	CHECK_STR(R("${oc.concat:true,true}"), "2");
	CHECK_STR(R("${oc.concat:${s},_x}"), "'hello_x'");
}

static void test_slice(void)
{
	CHECK_STR(R("${oc.slice:${l},0,2}"), "[1, 2]");
	CHECK_STR(R("${oc.slice:${s},1,-1}"), "'ell'");
	CHECK_STR(R("${oc.slice:[1,2,3],-2,10}"), "[2, 3]");
	CHECK_ERR(R("${oc.slice:${s},a,2}"),
	          "invalid literal for int() with base "
	          "10: 'a'"); /* OmegaConf:
	                         InterpolationResolutionError
	                       */
	CHECK_STR(R("${oc.slice:${s},1.7,3}"), "'el'");
	CHECK_STR(R("${oc.slice:\"héllo\",1,3}"), "'él'");
	CHECK_ERR(
	    R("${oc.slice:${d},0,1}"),
	    "'DictConfig' object is not subscriptable by a slic"); /* OmegaConf:
	                                                              InterpolationResolutionError
	                                                            */
	CHECK_STR(R("${oc.slice:${l},2,1}"), "[]");
	CHECK_ERR(R("${oc.slice:${l},null,1}"),
	          "int() argument must be a string or "
	          "a number, not '"); /* OmegaConf:
	                                 InterpolationResolutionError
	                               */
	CHECK_STR(R("x${oc.slice:${l},0,2}"), "'x[1, 2]'");
}

static void test_int(void)
{
	CHECK_STR(R("${oc.int:3.9}"), "3");
	CHECK_STR(R("${oc.int:-3.9}"), "-3");
	CHECK_STR(R("${oc.int:\"12\"}"), "12");
	CHECK_STR(R("${oc.int:\" 12 \"}"), "12");
	CHECK_STR(R("${oc.int:\"1.5\"}"), "1");
	CHECK_STR(R("${oc.int:abc}"), "1");
	CHECK_STR(R("${oc.int:\"\"}"), "0");
	CHECK_STR(R("${oc.int:null}"), "0");
	CHECK_STR(R("${oc.int:${l}}"), "1");
	CHECK_STR(R("${oc.int:[]}"), "0");
	CHECK_STR(R("${oc.int:true}"), "1");
	CHECK_STR(R("${oc.int:nan}"), "1");
	CHECK_ERR(R("${oc.int:inf}"),
	          "cannot convert float infinity to "
	          "integer"); /* OmegaConf:
	                         InterpolationResolutionError
	                       */
	CHECK_STR(R("${oc.int:\" -0 \"}"), "0");
	CHECK_STR(R("${oc.int:\"1_000\"}"), "1000");
}

static void test_len(void)
{
	CHECK_STR(R("${oc.len:${l}}"), "3");
	CHECK_STR(R("${oc.len:${s}}"), "5");
	CHECK_STR(R("${oc.len:${d}}"), "2");
	CHECK_ERR(
	    R("${oc.len:5}"),
	    "object of type 'int' has no len()"); /* OmegaConf:
	                                             InterpolationResolutionError
	                                           */
	CHECK_STR(R("${oc.len:[]}"), "0");
	CHECK_STR(R("${oc.len:\"héllo\"}"), "5");
	CHECK_ERR(R("${oc.len:null}"), "object of type 'NoneType' has no "
	                               "len()"); /* OmegaConf:
	                                            InterpolationResolutionError
	                                          */
}

static void test_oc_if(void)
{
	CHECK_STR(R("${oc.if:true,a,b}"), "'a'");
	CHECK_STR(R("${oc.if:false,a,b}"), "'b'");
	CHECK_STR(R("${oc.if:\"false\",a,b}"), "'a'");
	CHECK_STR(R("${oc.if:0,a,b}"), "'b'");
	CHECK_STR(R("${oc.if:0.0,a,b}"), "'b'");
	CHECK_STR(R("${oc.if:null,a,b}"), "'b'");
	CHECK_STR(R("${oc.if:${l},a,b}"), "'a'");
	CHECK_STR(R("${oc.if:[],a,b}"), "'b'");
	CHECK_STR(R("${oc.if:\"\",a,b}"), "'b'");
	CHECK_ERR(R("${oc.if:1,a}"),
	          "oc.if takes 3 arguments (2 given) in "
	          "${oc.if:1,a}"); /* OmegaConf:
	                              InterpolationResolutionError
	                            */
	CHECK_STR(R("${oc.if:1,${d},b}"), "{'k': 1, 'j': 1}");
	CHECK_STR(R("${oc.if:nan,a,b}"), "'a'");
	CHECK_STR(R("${oc.if:${e},${x},${s}}"), "1");
}

static void test_dict_merge(void)
{
	CHECK_STR(R("${oc.dict_merge:${d},${e}}"), "{'k': 1, 'j': 1, 'z': 2}");
	CHECK_STR(R("${oc.dict_merge:${d},null,5,{k:9}}"), "{'k': 9, 'j': 1}");
	CHECK_STR(R("${oc.dict_merge:}"), "{}");
	CHECK_STR(R("${oc.dict_merge:{a:1,b:2},{a:3,c:4}}"),
	          "{'a': 3, 'b': 2, 'c': 4}");
	CHECK_STR(R("x${oc.dict_merge:${d},${e}}"),
	          "\"x{'k': 1, 'j': 1, 'z': 2}\"");
}

static void test_misc(void)
{
	CHECK_ERR(R("${oc.nope:1}"),
	          "unknown resolver 'oc.nope' in "
	          "${oc.nope:1}"); /* OmegaConf:
	                              UnsupportedInterpolationType
	                            */
	CHECK_ERR(
	    R("${nope:1}"),
	    "unknown resolver 'nope' in ${nope:1}"); /* OmegaConf:
	                                                UnsupportedInterpolationType
	                                              */
}

/* ---- where we differ from the predecessor on purpose ---- */

static void test_intentional_differences(void)
{
	/* oc.eval would run Python code */
	CHECK_ERR(R("${oc.eval:1+1}"),
	          "oc.eval is not supported: it evaluates Python code");
	/* 64-bit integers: Python would give a big integer */
	CHECK_ERR(R("${oc.muli:99999999999,99999999999}"), "integer overflow");
	CHECK_ERR(R("${oc.addi:9223372036854775807,1}"), "integer overflow");
	CHECK_ERR(R("${oc.addi:1e20}"), "out of range");
	CHECK_ERR(R("${oc.if:true,12345678901234567890,0}"), "out of range");
	/* mapping keys are strings (OmegaConf keeps 2 and None) */
	CHECK_STR(R("${oc.if:true,{2: b, null: c},0}"),
	          "{'2': 'b', 'None': 'c'}");
}

/* ---- oc.env through the caller's callback ---- */

static const char *fixed_env(const char *name, void *ctx)
{
	return !strcmp(name, "RUN") ? (const char *)ctx : NULL;
}

static void test_env_callback(void)
{
	ae_node *root = J("{'a': '${oc.env:RUN}', 'b': '${oc.env:RUN2,${a}}'}");
	ae_resolve_opts o = {
	    .timestring = TIMESTRING, .env = fixed_env, .env_ctx = "42"};
	ae_node *out = ae_interp_resolve(root, &o, NULL);
	char *s = out ? ae_py_repr(out) : NULL;

	/* a value is always a string, the default too */
	CHECK_STR(s, "{'a': '42', 'b': '42'}");
	free(s);
	ae_node_free(out);
	ae_node_free(root);
}

/* ---- the registry ---- */

static void test_registry(void)
{
	const char *names[] = {
	    "oc.env",           "oc.select",    "oc.decode",
	    "oc.create",        "oc.dict.keys", "oc.dict.values",
	    "oc.timestring",    "oc.if",        "oc.concat",
	    "oc.len",           "oc.int",       "oc.mul",
	    "oc.muli",          "oc.add",       "oc.addi",
	    "oc.sub",           "oc.subi",      "oc.div",
	    "oc.divi",          "oc.cdivi",     "oc.sqrt",
	    "oc.mul_round_int", "oc.slice",     "oc.dict_merge",
	    "oc.eval",
	};
	const ae_resolver *r;
	char msg[128];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(ae_resolver_find(names[i]) != NULL);
	CHECK(ae_resolver_find("oc.nope") == NULL);
	CHECK(ae_resolver_find("env") == NULL);
	r = ae_resolver_find("oc.env");
	CHECK(r->flags & AE_RESOLVER_ENV);
	CHECK_INT(ae_resolver_check_argc(r, 0, msg, sizeof(msg)), -1);
	CHECK_STR(msg, "oc.env takes 1 to 2 arguments (0 given)");
	CHECK_INT(ae_resolver_check_argc(r, 2, msg, sizeof(msg)), 0);
	r = ae_resolver_find("oc.mul");
	CHECK_INT(ae_resolver_check_argc(r, 17, msg, sizeof(msg)), 0);
	CHECK(ae_resolver_find("oc.eval")->flags & AE_RESOLVER_UNSUPPORTED);
}

/* ---- Python value semantics ---- */

static const char *frepr(double d)
{
	static char buf[8][40];
	static int k;

	k = (k + 1) % 8;
	ae_py_float_repr(d, buf[k], sizeof(buf[k]));
	return buf[k];
}

static void test_float_repr(void)
{
	/* values and repr() from CPython 3.11 */
	CHECK_STR(frepr(1e-4), "0.0001");
	CHECK_STR(frepr(1e-5), "1e-05");
	CHECK_STR(frepr(1e16), "1e+16");
	CHECK_STR(frepr(1e15), "1000000000000000.0");
	CHECK_STR(frepr(100.0), "100.0");
	CHECK_STR(frepr(0.1), "0.1");
	CHECK_STR(frepr(1.0 / 3), "0.3333333333333333");
	CHECK_STR(frepr(-0.0), "-0.0");
	CHECK_STR(frepr(0.0), "0.0");
	CHECK_STR(frepr(1.5e300), "1.5e+300");
	CHECK_STR(frepr(5e-324), "5e-324");
	CHECK_STR(frepr(9007199254740992.0), "9007199254740992.0");
	CHECK_STR(frepr(123456789.123), "123456789.123");
	CHECK_STR(frepr(0.1 + 0.2), "0.30000000000000004");
	CHECK_STR(frepr(-2.5e-7), "-2.5e-07");
	CHECK_STR(frepr(9999999999999998.0), "9999999999999998.0");
	CHECK_STR(frepr(1e22), "1e+22");
	CHECK_STR(frepr(1.7976931348623157e308), "1.7976931348623157e+308");
	CHECK_STR(frepr(12345.678e-10), "1.2345678e-06");
	CHECK_STR(frepr(1.0 / 0.0), "inf");
	CHECK_STR(frepr(-1.0 / 0.0), "-inf");
	CHECK_STR(frepr(0.0 / 0.0), "nan");
}

static void test_py_str(void)
{
	ae_node *m = ae_node_new_map(), *l = ae_node_new_seq();
	char *s;

	ae_seq_append(l, ae_node_new_float(1.5));
	ae_seq_append(l, ae_node_new_null());
	ae_seq_append(l, ae_node_new_bool(1));
	ae_seq_append(l, ae_node_new_string("it's"));
	ae_seq_append(l, ae_node_new_string("a\"b'c"));
	ae_seq_append(l, ae_node_new_string("x\ny\t\001\\"));
	ae_seq_append(l, ae_node_new_string("\xc2\xa0\xc3\xa9\xc2\x85"));
	ae_map_set(m, "k", l);
	ae_map_set(m, "e", ae_node_new_map());
	s = ae_py_str(m);
	CHECK_STR(s, "{'k': [1.5, None, True, \"it's\", 'a\"b\\'c', "
	             "'x\\ny\\t\\x01\\\\', '\\xa0\xc3\xa9\\x85'], 'e': {}}");
	free(s);
	s = ae_interp_to_string(ae_seq_get(l, 3));
	CHECK_STR(s, "it's");
	free(s);
	s = ae_py_repr(ae_seq_get(l, 3));
	CHECK_STR(s, "\"it's\"");
	free(s);
	ae_node_free(m);
}

static void test_py_numbers(void)
{
	struct {
		const char *s;
		int rc_int;
		long long i;
		int rc_float;
		double f;
	} cases[] = {
	    {"12", 0, 12, 0, 12},
	    {" -3 ", 0, -3, 0, -3},
	    {"+5", 0, 5, 0, 5},
	    {"1_000", 0, 1000, 0, 1000},
	    {"1__0", -1, 0, -1, 0},
	    {"_1", -1, 0, -1, 0},
	    {"1_", -1, 0, -1, 0},
	    {"1.5", -1, 0, 0, 1.5},
	    {"0x10", -1, 0, -1, 0},
	    {"", -1, 0, -1, 0},
	    {"010", 0, 10, 0, 10},
	    {".5", -1, 0, 0, 0.5},
	    {"5.", -1, 0, 0, 5},
	    {".", -1, 0, -1, 0},
	    {"1e3", -1, 0, 0, 1000},
	    {"1_0.5", -1, 0, 0, 10.5},
	    {"1._5", -1, 0, -1, 0},
	    {"abc", -1, 0, -1, 0},
	    {"99999999999999999999", -2, 0, 0, 1e20},
	};
	char msg[128];
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		ae_node *n = ae_node_new_string(cases[k].s);
		long long i = 0;
		double f = 0;

		CHECK_INT(ae_py_int(n, &i, msg, sizeof(msg)), cases[k].rc_int);
		if (cases[k].rc_int == 0)
			CHECK_INT(i, cases[k].i);
		CHECK_INT(ae_py_float(n, &f, msg, sizeof(msg)),
		          cases[k].rc_float);
		if (cases[k].rc_float == 0)
			CHECK(f == cases[k].f);
		ae_node_free(n);
	}
	{
		ae_node *inf = ae_node_new_float(1.0 / 0.0);
		ae_node *nan = ae_node_new_float(0.0 / 0.0);
		ae_node *neg = ae_node_new_float(-2.7);
		ae_node *nul = ae_node_new_null();
		long long i;
		double f;

		CHECK_INT(ae_py_int(inf, &i, msg, sizeof(msg)), -2);
		CHECK_INT(ae_py_int(nan, &i, msg, sizeof(msg)), -1);
		CHECK_INT(ae_py_int(neg, &i, msg, sizeof(msg)), 0);
		CHECK_INT(i, -2);
		CHECK_INT(ae_py_float(nul, &f, msg, sizeof(msg)), -1);
		CHECK_INT(ae_py_truthy(nan), 1);
		CHECK_INT(ae_py_truthy(nul), 0);
		{
			/* "12\0x" is no number (Python: ValueError), though
			 * its C string reads "12" */
			ae_node *emb = ae_node_new_stringn("12\0x", 4);

			CHECK_INT(ae_py_int(emb, &i, msg, sizeof(msg)), -1);
			CHECK_INT(ae_py_float(emb, &f, msg, sizeof(msg)), -1);
			ae_node_free(emb);
		}
		ae_node_free(inf);
		ae_node_free(nan);
		ae_node_free(neg);
		ae_node_free(nul);
	}
}

int main(void)
{
	test_oc_env();
	test_select();
	test_decode();
	test_create();
	test_dict_keys_values();
	test_timestring();
	test_mul();
	test_muli();
	test_add();
	test_addi();
	test_sub();
	test_subi();
	test_div();
	test_divi();
	test_cdivi();
	test_sqrt();
	test_mul_round_int();
	test_concat();
	test_slice();
	test_int();
	test_len();
	test_oc_if();
	test_dict_merge();
	test_misc();
	test_intentional_differences();
	test_env_callback();
	test_registry();
	test_float_repr();
	test_py_str();
	test_py_numbers();
	pool_free();
	TEST_MAIN_END();
}
