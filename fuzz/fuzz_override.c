/* Fuzz target: the Hydra override parser and its application to a tree,
 * and the cooldown's way of putting a log value into an override.
 *
 * Input: text (up to a NUL byte). It is
 *   1. parsed as an override and, when that works, applied to a copy of a
 *      small config: each step succeeds or fails with an error;
 *   2. used as an event value v, as a cooldown renders it
 *      (ae_cooldown_spec_override_render, the value escaped as the helper
 *      does) into `++fz.load={v}` and `fz.name=x_{v}`: when that renders,
 *      the overrides parse and apply, the tree emits, loads again and
 *      resolves, fz.load is exactly v (or the number, bool or null v
 *      spells) and fz.name is "x_" v, and no key was added: a value from
 *      a log line never becomes syntax in the child's config. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ae_cooldown_config.h"
#include "ae_cooldown_spec.h"
#include "ae_error.h"
#include "ae_interp.h"
#include "ae_node.h"
#include "ae_override.h"
#include "ae_template.h"
#include "ae_yaml.h"
#include "fuzz.h"

static const char base_yaml[] = "a: 1\n"
                                "s: text\n"
                                "b:\n"
                                "  c: [1, 2, {d: x}]\n"
                                "  e: null\n"
                                "  f: 1.5\n"
                                "r: ${b.f}\n"
                                "fz:\n"
                                "  load: /ckpt\n"
                                "  name: x\n";

static ae_node *base;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	ae_error err;

	(void)argc;
	(void)argv;
	base = ae_yaml_load_string(base_yaml, strlen(base_yaml), "<base>", NULL,
	                           &err);
	if (!base) {
		fprintf(stderr, "fuzz_override: %s\n", err.text);
		abort();
	}
	return 0;
}

/* Part 1: parse and apply. */
static void parse_apply(const char *text)
{
	ae_override *ov;
	ae_node *tree;
	ae_error err;

	ae_error_clear(&err);
	ov = ae_override_parse(text, &err);
	if (!ov) {
		FUZZ_REJECTED(&err);
		return;
	}
	tree = ae_node_copy(base);
	FUZZ_ASSERT(tree);
	ae_error_clear(&err);
	if (ae_override_apply(tree, ov, &err) < 0)
		FUZZ_REJECTED(&err);
	ae_node_free(tree);
	ae_override_free(ov);
}

/* The override `spec` rendered for the event value v and applied to tree;
 * 0, or -1 when it does not render (an error the cooldown reports). */
static int render_apply(ae_node *tree, const char *spec, const ae_node *meta,
                        const ae_node *escaped)
{
	ae_node *node = ae_node_new_string(spec);
	ae_cooldown_spec_override *o;
	ae_template_ctx plain = {meta, NULL, NULL};
	ae_template_ctx esc = {escaped, NULL, NULL};
	ae_override *ov;
	ae_error err;
	char *text;

	FUZZ_ASSERT(node);
	o = ae_cooldown_spec_override_compile(node, 0, &err);
	FUZZ_ASSERT(o);
	ae_error_clear(&err);
	text = ae_cooldown_spec_override_render(o, &plain, &esc, &err);
	ae_cooldown_spec_override_free(o);
	ae_node_free(node);
	if (!text) {
		FUZZ_REJECTED(&err);
		return -1;
	}
	ov = ae_override_parse(text, &err);
	if (!ov)
		fprintf(stderr, "rendered '%s': %s\n", text, err.text);
	FUZZ_ASSERT(ov);
	FUZZ_ASSERT(ae_override_apply(tree, ov, &err) == 0);
	ae_override_free(ov);
	free(text);
	return 0;
}

/* Part 2: the value survives the cooldown's override, emit, load and
 * resolve. */
static void inject(const char *v)
{
	ae_node *meta = ae_node_new_map(), *tree, *again, *res;
	const ae_node *escaped;
	ae_template_ctx plain = {NULL, NULL, NULL}, esc = {NULL, NULL, NULL};
	const ae_node *fz, *load, *name;
	ae_resolve_opts ro = {0};
	ae_error err;
	char *yaml;

	FUZZ_ASSERT(meta && ae_map_set(meta, "v", ae_node_new_string(v)) == 0);
	plain.metadata = meta;
	FUZZ_ASSERT(ae_cooldown_config_escaped_ctx(&plain, &esc) == 0);
	escaped = esc.metadata;
	tree = ae_node_copy(base);
	FUZZ_ASSERT(escaped && tree);
	if (render_apply(tree, "++fz.load={v}", meta, escaped) < 0 ||
	    render_apply(tree, "fz.name=x_{v}", meta, escaped) < 0)
		goto out;
	ae_error_clear(&err);
	yaml = ae_yaml_emit(tree, &err);
	if (!yaml) {
		/* libyaml writes only UTF-8 */
		FUZZ_REJECTED(&err);
		goto out;
	}
	again =
	    ae_yaml_load_string(yaml, strlen(yaml), "<emitted>", NULL, &err);
	FUZZ_ASSERT(again);
	ro.timestring = "20250101_000000_000";
	res = ae_interp_resolve(again, &ro, &err);
	if (!res)
		fprintf(stderr, "resolve: %s\n--\n%s--\n", err.text, yaml);
	FUZZ_ASSERT(res);
	FUZZ_ASSERT(ae_map_size(res) == ae_map_size(base));
	fz = ae_map_get(res, "fz");
	FUZZ_ASSERT(fz && fz->type == AE_MAP && ae_map_size(fz) == 2);
	load = ae_map_get(fz, "load");
	name = ae_map_get(fz, "name");
	FUZZ_ASSERT(load && name && name->type == AE_STRING);
	FUZZ_ASSERT(!strncmp(name->u.str.s, "x_", 2) &&
	            !strcmp(name->u.str.s + 2, v));
	if (load->type == AE_STRING)
		FUZZ_ASSERT(!strcmp(load->u.str.s, v));
	else
		FUZZ_ASSERT(ae_node_is_scalar(load));
	ae_node_free(res);
	ae_node_free(again);
	free(yaml);
out:
	ae_node_free(tree);
	ae_cooldown_config_escaped_ctx_free(&esc);
	ae_node_free(meta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);

	if (!text)
		return 0;
	parse_apply(text);
	inject(text);
	free(text);
	return 0;
}
