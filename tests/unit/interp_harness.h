/* The harness shared by test_interp.c and test_resolvers.c: a config
 * tree from JSON, R() to resolve a value inside it, CHECK_ERR for errors. */
#ifndef AE_INTERP_HARNESS_H
#define AE_INTERP_HARNESS_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_interp.h"
#include "ae_resolvers.h"
#include "testutil.h"

/* The base config is built from JSON (no YAML loader needed); R(value)
 * resolves it with key "a" set to value and gives Python's repr() of the
 * result, or "ERR " and the error. The expectations were checked against
 * OmegaConf 2.2 with the predecessor's resolvers registered; where we
 * differ on purpose, the test says so. */

#define TIMESTRING "20250101_000000_000"

static char *pool[4096];
static size_t npool;

static const char *keep(char *s)
{
	if (npool < sizeof(pool) / sizeof(pool[0]))
		pool[npool++] = s;
	return s;
}

static void pool_free(void)
{
	while (npool)
		free(pool[--npool]);
}

static ae_node *from_json(json_t *j)
{
	ae_node *n = NULL;
	const char *k;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		n = ae_node_new_map();
		json_object_foreach(j, k, v) ae_map_set(n, k, from_json(v));
		break;
	case JSON_ARRAY:
		n = ae_node_new_seq();
		json_array_foreach(j, i, v) ae_seq_append(n, from_json(v));
		break;
	case JSON_STRING:
		n = ae_node_new_stringn(json_string_value(j),
		                        json_string_length(j));
		break;
	case JSON_INTEGER:
		n = ae_node_new_int(json_integer_value(j));
		break;
	case JSON_REAL:
		n = ae_node_new_float(json_real_value(j));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		n = ae_node_new_bool(json_is_true(j));
		break;
	default:
		n = ae_node_new_null();
	}
	return n;
}

/* A tree from JSON written with ' for " (for readable tests). */
static ae_node *J(const char *text)
{
	char *t = strdup(text), *p;
	json_t *j;
	ae_node *n;

	for (p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(t, JSON_DECODE_ANY, NULL);
	free(t);
	if (!j) {
		fprintf(stderr, "bad test JSON: %s\n", text);
		abort();
	}
	n = from_json(j);
	json_decref(j);
	return n;
}

static const char *test_env(const char *name, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "HOME"))
		return "/root";
	if (!strcmp(name, "FOO"))
		return "foo";
	return NULL;
}

static ae_resolve_opts test_opts = {
    .timestring = TIMESTRING,
    .env = test_env,
};

static const char *BASE =
    "{'x': 1, 'l': [1, 2, 3], 's': 'hello', 'd': {'k': 1, 'j': '${x}'},"
    " 'f': 2.5, 'n': null, 'e': {'z': 2}, 'ls': [[1, 2], [3, 4]],"
    " 'm': '\?\?\?', 'fl': 0.0001, 'q': '', 'kk': 'k', 'op': 'mul'}";

/* Resolve the whole config with a = value; repr(resolved a) or "ERR ...". */
static const char *R(const char *value)
{
	ae_node *root = J(BASE), *out;
	ae_error err;
	char buf[2048], *s;

	ae_map_set(root, "q", ae_node_new_string("it's"));
	ae_map_set(root, "a", ae_node_new_string(value));
	ae_error_clear(&err);
	out = ae_interp_resolve(root, &test_opts, &err);
	ae_node_free(root);
	if (!out) {
		ae_error_format(&err, buf, sizeof(buf));
		s = malloc(strlen(buf) + 5);
		if (s)
			sprintf(s, "ERR %s", buf);
		return keep(s);
	}
	s = ae_py_repr(ae_map_get(out, "a"));
	ae_node_free(out);
	return keep(s);
}

#define CHECK_ERR(got, sub)                                                    \
	do {                                                                   \
		const char *g_ = (got);                                        \
		test_checks++;                                                 \
		if (!g_ || strncmp(g_, "ERR ", 4) || !strstr(g_, (sub))) {     \
			test_failures++;                                       \
			fprintf(stderr,                                        \
			        "%s:%d: expected an error with "               \
			        "\"%s\", got \"%s\"\n",                        \
			        __FILE__, __LINE__, (sub),                     \
			        g_ ? g_ : "(null)");                           \
		}                                                              \
	} while (0)

#endif /* AE_INTERP_HARNESS_H */
