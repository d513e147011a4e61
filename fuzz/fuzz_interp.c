/* Fuzz target: interpolation and resolution (ae_interp_parse, ae_interp,
 * ae_resolvers).
 *
 * Input: up to four values separated by newlines (at most 8 KiB in all).
 * The whole input is parsed as a value and as an element; then each value
 * becomes the string fz.vN of a small config whose other keys give the
 * values something of every type to refer to (${n.l.2.x}, ${..v1},
 * ${oc.env:FZ_JSON} with oc.decode, ...). The config is checked as at
 * submission (oc.env deferred) and resolved as at job start (a fixed
 * timestring, a fixed environment); every resolved value prints. Each step
 * succeeds or fails with an error. Values may refer to each other, so
 * expansion size (finding 3 of the review) is within reach. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ae_error.h"
#include "ae_interp.h"
#include "ae_interp_parse.h"
#include "ae_node.h"
#include "ae_yaml.h"
#include "fuzz.h"

#define NVALUES   4
#define MAX_INPUT 8192

/* a, b, l, x: names the interpolations of the test data refer to */
static const char base_yaml[] =
    "n: {a: 1, b: 2.5, c: true, d: null, s: str, l: [1, 2, {x: y}],\n"
    "    m: {k: v, i: 3}, q: '??"
    "?'}\n"
    "a: 1\n"
    "b: {c: 2, d: [x, 3]}\n"
    "l: [1, 2.5, {k: v}]\n"
    "x: {y: {z: deep}}\n"
    "e: ${oc.env:FZ_HOME,/tmp}\n"
    "t: x_${oc.timestring:}\n"
    "fz: {name: fz, v0: '', v1: '', v2: '', v3: ''}\n";

static ae_node *base;

static const char *env(const char *name, void *ctx)
{
	static const char *const vars[][2] = {
	    {"FZ_HOME", "/home/fz"},
	    {"FZ_NUM", "42"},
	    {"FZ_JSON", "{a: 1, b: [1, 2.5, x]}"},
	    {"FZ_INTERP", "${n.a}"},
	};

	(void)ctx;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(name, vars[i][0]))
			return vars[i][1];
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	ae_error err;

	(void)argc;
	(void)argv;
	base = ae_yaml_load_string(base_yaml, strlen(base_yaml), "<base>", NULL,
	                           &err);
	if (!base) {
		fprintf(stderr, "fuzz_interp: %s\n", err.text);
		abort();
	}
	return 0;
}

static void parse_only(const uint8_t *data, size_t size)
{
	char msg[256];
	ae_ip_tree *t;

	t = ae_ip_parse_value((const char *)data, size, msg, sizeof(msg));
	ae_ip_tree_free(t);
	t = ae_ip_parse_element((const char *)data, size, msg, sizeof(msg));
	ae_ip_tree_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	ae_resolve_opts ro = {0};
	ae_node *tree, *fz, *res;
	ae_error err;

	if (size > MAX_INPUT)
		return 0;
	parse_only(data, size);
	tree = ae_node_copy(base);
	FUZZ_ASSERT(tree);
	fz = ae_map_get(tree, "fz");
	for (int i = 0; i < NVALUES && p < end; i++) {
		char key[8];
		size_t len;
		const uint8_t *v = fuzz_next(&p, end, '\n', &len);

		snprintf(key, sizeof(key), "v%d", i);
		FUZZ_ASSERT(
		    ae_map_set(fz, key,
		               ae_node_new_stringn((const char *)v, len)) == 0);
	}
	ro.timestring = "20250101_000000_000";
	ro.env = env;
	ro.defer_env = 1;
	ae_error_clear(&err);
	if (ae_interp_check(tree, &ro, &err) < 0)
		FUZZ_REJECTED(&err);
	ro.defer_env = 0;
	ae_error_clear(&err);
	res = ae_interp_resolve(tree, &ro, &err);
	if (!res) {
		FUZZ_REJECTED(&err);
	} else {
		const ae_node *rfz = ae_map_get(res, "fz");

		for (size_t i = 0; rfz && i < ae_map_size(rfz); i++)
			free(ae_interp_to_string(ae_map_value(rfz, i)));
		ae_node_free(res);
	}
	ae_node_free(tree);
	return 0;
}
