/* Templates: Python str.format rules on event metadata, helper variables and
 * the resolved config; ${...} untouched; unknown keys are errors. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "ae_template.h"
#include "ae_yaml.h"
#include "testutil.h"

static ae_node *yaml(const char *text)
{
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "t.yaml", NULL, &err);

	if (!n)
		fprintf(stderr, "yaml: %s\n", err.text);
	return n;
}

static ae_template_ctx ctx;

/* Render and compare; NULL expected means an error is expected, whose text
 * must contain `want_err`. */
static void expect(const char *tpl, const char *want, const char *want_err,
                   int line)
{
	ae_error err;
	char *got;

	ae_error_clear(&err);
	got = ae_template_expand(tpl, &ctx, &err);
	test_checks++;
	if (want && (!got || strcmp(got, want))) {
		test_failures++;
		fprintf(stderr, "%s:%d: \"%s\" -> \"%s\" (%s), want \"%s\"\n",
		        __FILE__, line, tpl, got ? got : "(null)", err.text,
		        want);
	} else if (!want && (got || !strstr(err.text, want_err))) {
		test_failures++;
		fprintf(stderr,
		        "%s:%d: \"%s\" -> \"%s\" / \"%s\", want error \"%s\"\n",
		        __FILE__, line, tpl, got ? got : "(null)", err.text,
		        want_err);
	}
	free(got);
}

#define OK(t, w)  expect(t, w, NULL, __LINE__)
#define BAD(t, e) expect(t, NULL, e, __LINE__)

int main(void)
{
	ae_node *meta = yaml("checkpoint_iteration: '100'\n"
	                     "checkpoint_path: /x/ckpt\n"
	                     "loss: '2.5'\n"
	                     "neg: '-42'\n"
	                     "n: 1234567\n"
	                     "f: 0.125\n"
	                     "flag: true\n"
	                     "nothing: null\n"
	                     "name: abc\n"
	                     "project.name: shadowed\n"
	                     "uni: 'héllo'\n");
	ae_node *vars = yaml("output_dir: /out/run\njob_id: '4242'\n");
	ae_node *cfg =
	    yaml("project:\n  name: demo\n  base_output_dir: ./output/demo_1\n"
	         "list: [a, b, 3]\ntrain_iters: 200\n");

	ctx.metadata = meta;
	ctx.vars = vars;
	ctx.config = cfg;

	OK("plain text", "plain text");
	OK("", "");
	OK("it {checkpoint_iteration} at {checkpoint_path}",
	   "it 100 at /x/ckpt");
	OK("{output_dir}/provenance/unresolved_config.yaml",
	   "/out/run/provenance/unresolved_config.yaml");
	OK("{job_id}", "4242");
	/* metadata wins over the config for the same dotted key */
	OK("{project.name}", "shadowed");
	OK("{project.base_output_dir}", "./output/demo_1");
	OK("{list.2}/{list.0}", "3/a");
	OK("{train_iters:05d}", "00200");
	OK("{checkpoint_iteration:07d}", "0000100");
	/* Python would pad the string "100" with zeros on the right: refused */
	BAD("iter_{checkpoint_iteration:07}", "does not apply to the string");
	OK("{checkpoint_iteration:>7}", "    100");
	OK("{checkpoint_iteration:*^9}", "***100***");
	OK("{checkpoint_iteration:x}", "64");
	OK("{checkpoint_iteration:#x}", "0x64");
	OK("{checkpoint_iteration:#010b}", "0b01100100");
	OK("{neg:05d}", "-0042");
	OK("{neg:+d} {checkpoint_iteration:+d} {checkpoint_iteration: d}",
	   "-42 +100  100");
	OK("{n:,}", "1,234,567");
	OK("{n:_d}", "1_234_567");
	OK("{n:>12,d}|", "   1,234,567|");
	OK("{loss:.3f}", "2.500");
	OK("{loss:f}", "2.500000");
	OK("{f:.1%}", "12.5%");
	OK("{f:e}", "1.250000e-01");
	OK("{f:08.3f}", "0000.125");
	OK("{f}", "0.125");
	OK("{checkpoint_iteration:.2f}", "100.00");
	OK("{name:.2}", "ab");
	OK("{name:>5}|{name:<5}|{name:^6}|", "  abc|abc  | abc  |");
	OK("{name!s:>4}", " abc");
	OK("{uni:>7}|", "  héllo|");
	OK("{flag} {nothing}", "True None");
	OK("{flag:d}", "1");
	OK("{list}", "['a', 'b', 3]");
	OK("{project}",
	   "{'name': 'demo', 'base_output_dir': './output/demo_1'}");
	/* braces */
	OK("{{literal}} {{{name}}}", "{literal} {abc}");
	/* ${...} left alone, including $$ and backslash forms */
	OK("_cooldown_{checkpoint_iteration}_$${oc.timestring:}",
	   "_cooldown_100_$${oc.timestring:}");
	OK("{project.base_output_dir}_cooldown_{checkpoint_iteration}_\\${oc."
	   "timestring:}",
	   "./output/demo_1_cooldown_100_\\${oc.timestring:}");
	OK("${oc.env:X,{a}}/{name}", "${oc.env:X,{a}}/abc");
	OK("cost $5 {name}", "cost $5 abc");
	OK("end$", "end$");

	/* errors: never a literal {x} */
	BAD("{missing}", "unknown template key {missing}");
	BAD("a {project.nope} b", "unknown template key {project.nope}");
	BAD("{checkpoint_path:d}", "'/x/ckpt' is not an integer");
	BAD("{loss:d}", "'2.5' is not an integer");
	BAD("{name:.2f}", "'abc' is not a number");
	BAD("{name:+}", "does not apply to the string");
	BAD("{}", "empty field");
	BAD("{name", "unterminated '{'");
	BAD("a } b", "single '}'");
	BAD("{name:q}", "invalid format spec");
	BAD("{name!r}", "only the conversion '!s'");
	BAD("{a{b}}", "nested '{'");
	BAD("${oc.env:X", "unterminated '${'");

	{
		ae_error err;
		ae_template *t = ae_template_parse("x {a} y", &err);

		CHECK(t && !ae_template_is_constant(t));
		ae_template_free(t);
		t = ae_template_parse("x {{a}} ${b}", &err);
		CHECK(t && ae_template_is_constant(t));
		ae_template_free(t);
		CHECK(!ae_template_parse("ab}", &err));
		CHECK_INT(err.column, 3);
	}

	ae_node_free(meta);
	ae_node_free(vars);
	ae_node_free(cfg);
	TEST_MAIN_END();
}
