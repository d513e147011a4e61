/* Fuzz target: the `{key:spec}` templates of actions and conditions
 * (ae_template).
 *
 * Input: the template on the first line; the rest is the string value of
 * metadata key `s` (and its first 8 bytes are `p`). Other keys give every
 * type a format spec can meet: ints, floats, a bool, null, and the vars and
 * config lookups ({job_id}, {cfg.l.1}). Parsing succeeds or fails with an
 * error, and so does rendering. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ae_error.h"
#include "ae_node.h"
#include "ae_template.h"
#include "ae_yaml.h"
#include "fuzz.h"

static const char meta_yaml[] = "i: 42\n"
                                "neg: -7\n"
                                "big: 9223372036854775807\n"
                                "f: 1.5\n"
                                "tiny: 1.0e-300\n"
                                "inf: .inf\n"
                                "b: true\n"
                                "n: null\n"
                                "num: '100'\n"
                                /* keys of the shipped presets */
                                "it: '100'\n"
                                "iteration: '100'\n"
                                "checkpoint_iteration: '100'\n"
                                "checkpoint_path: /ckpt/run\n"
                                "slurm_id: '7'\n"
                                "node: n1\n";
static const char vars_yaml[] = "output_dir: /out/run\n"
                                "job_id: '123'\n"
                                "job_name: fz\n"
                                "attempt: 1\n";
static const char config_yaml[] = "cfg:\n"
                                  "  l: [a, 2, {x: 3.25}]\n"
                                  "  m: {k: v}\n"
                                  "project: {name: p}\n";

static ae_node *meta, *vars, *config;

static ae_node *load(const char *text)
{
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "<base>", NULL, &err);

	if (!n) {
		fprintf(stderr, "fuzz_template: %s\n", err.text);
		abort();
	}
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	meta = load(meta_yaml);
	vars = load(vars_yaml);
	config = load(config_yaml);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	ae_template_ctx ctx;
	ae_template *tpl;
	ae_node *md;
	ae_error err;
	const uint8_t *line;
	char *text, *out;
	size_t len;

	line = fuzz_next(&p, end, '\n', &len);
	text = fuzz_strndup(line, len);
	md = ae_node_copy(meta);
	FUZZ_ASSERT(text && md);
	FUZZ_ASSERT(ae_map_set(md, "s",
	                       ae_node_new_stringn((const char *)p,
	                                           (size_t)(end - p))) == 0);
	FUZZ_ASSERT(ae_map_set(md, "p",
	                       ae_node_new_stringn(
	                           (const char *)p,
	                           end - p < 8 ? (size_t)(end - p) : 8)) == 0);
	ctx.metadata = md;
	ctx.vars = vars;
	ctx.config = config;
	ae_error_clear(&err);
	tpl = ae_template_parse(text, &err);
	if (!tpl) {
		FUZZ_REJECTED(&err);
		goto out;
	}
	(void)ae_template_is_constant(tpl);
	out = ae_template_render(tpl, &ctx, &err);
	if (!out)
		FUZZ_REJECTED(&err);
	free(out);
	ae_template_free(tpl);
out:
	ae_node_free(md);
	free(text);
	return 0;
}
