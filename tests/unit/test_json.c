/* JSON through Jansson: types, key order, the exact dump format, doubles
 * that read back bit for bit, non-finite floats, and the way back. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ae_json.h"
#include "testutil.h"

static ae_node *sample(void)
{
	ae_node *root = ae_node_new_map(), *list = ae_node_new_seq();

	ae_map_set(root, "zeta", ae_node_new_int(1));
	ae_seq_append(list, ae_node_new_float(1.5));
	ae_seq_append(list, ae_node_new_string("x"));
	ae_seq_append(list, ae_node_new_bool(1));
	ae_seq_append(list, ae_node_new_null());
	ae_map_set(root, "alpha", list);
	ae_map_set(root, "m", ae_node_new_map());
	ae_map_set(root, "s", ae_node_new_seq());
	ae_map_set(root, "interp", ae_node_new_string("\\${a.b}"));
	return root;
}

static void test_dump_format(void)
{
	ae_node *root = sample();
	ae_error err;
	char *text = ae_json_dump(root, &err);

	/* indent 2, tree order (not sorted), trailing newline */
	CHECK_STR(text, "{\n"
	                "  \"zeta\": 1,\n"
	                "  \"alpha\": [\n"
	                "    1.5,\n"
	                "    \"x\",\n"
	                "    true,\n"
	                "    null\n"
	                "  ],\n"
	                "  \"m\": {},\n"
	                "  \"s\": [],\n"
	                "  \"interp\": \"\\\\${a.b}\"\n"
	                "}\n");
	free(text);
	ae_node_free(root);
}

static void test_types_and_back(void)
{
	ae_node *root = sample(), *back;
	ae_error err;
	json_t *j = ae_json_from_node(root, &err);
	const char *key;
	json_t *val;
	size_t i = 0;

	CHECK(json_is_object(j));
	CHECK(json_is_integer(json_object_get(j, "zeta")));
	CHECK(json_is_real(json_array_get(json_object_get(j, "alpha"), 0)));
	CHECK(json_is_string(json_array_get(json_object_get(j, "alpha"), 1)));
	CHECK(json_is_true(json_array_get(json_object_get(j, "alpha"), 2)));
	CHECK(json_is_null(json_array_get(json_object_get(j, "alpha"), 3)));
	json_object_foreach(j, key, val)
	{
		CHECK_STR(key, ae_map_key(root, i));
		i++;
	}
	back = ae_json_to_node(j, &err);
	CHECK(back != NULL);
	CHECK(back && ae_node_equal(root, back));
	if (back) {
		CHECK_STR(ae_map_key(back, 0), "zeta");
		/* a JSON string is a string whatever it looks like */
		CHECK(ae_seq_get(ae_map_get(back, "alpha"), 1)->flags &
		      AE_NODE_QUOTED);
	}
	ae_node_free(back);
	json_decref(j);
	ae_node_free(root);
}

/* Text → tree keeps JSON's types: 1 is an int, 1.0 a float. */
static void test_parse_to_node(void)
{
	json_error_t jerr;
	json_t *j = json_loads("{\"b\": 1, \"a\": 1.0, \"c\": \"1\", "
	                       "\"d\": [false, null, -9223372036854775808]}",
	                       0, &jerr);
	ae_error err;
	ae_node *n = ae_json_to_node(j, &err);

	CHECK(n != NULL);
	if (n) {
		CHECK_STR(ae_map_key(n, 0), "b");
		CHECK_INT(ae_map_get(n, "b")->type, AE_INT);
		CHECK_INT(ae_map_get(n, "a")->type, AE_FLOAT);
		CHECK_INT(ae_map_get(n, "c")->type, AE_STRING);
		CHECK_INT(ae_seq_get(ae_map_get(n, "d"), 0)->type, AE_BOOL);
		CHECK_INT(ae_seq_get(ae_map_get(n, "d"), 1)->type, AE_NULL);
		CHECK_INT(ae_seq_get(ae_map_get(n, "d"), 2)->u.i, LLONG_MIN);
	}
	ae_node_free(n);
	json_decref(j);
}

/* Every double reads back as itself (what Python's json.loads needs). */
static void test_real_precision(void)
{
	static const double fixed[] = {
	    0.1,  1e-5, 1.0 / 3.0,           5e-324, 1.7976931348623157e308,
	    -0.0, 1e16, 123456789.123456789, 2.0};
	unsigned long long bits = 0x9E3779B97F4A7C15ULL;
	ae_node *seq = ae_node_new_seq();
	json_error_t jerr;
	ae_error err;
	json_t *j;
	char *text;
	size_t k, n = 0;

	for (k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
		ae_seq_append(seq, ae_node_new_float(fixed[k]));
	for (k = 0; k < 1000; k++) {
		double d;

		bits ^= bits << 13;
		bits ^= bits >> 7;
		bits ^= bits << 17;
		memcpy(&d, &bits, sizeof(d));
		if (isfinite(d))
			ae_seq_append(seq, ae_node_new_float(d));
	}
	text = ae_json_dump(seq, &err);
	CHECK(text != NULL);
	j = text ? json_loads(text, JSON_DECODE_ANY, &jerr) : NULL;
	CHECK(json_is_array(j));
	for (k = 0; j && k < ae_seq_size(seq); k++) {
		double want = ae_seq_get(seq, k)->u.f;
		double got = json_real_value(json_array_get(j, k));

		if (!json_is_real(json_array_get(j, k)) ||
		    memcmp(&want, &got, sizeof(double)) != 0) {
			fprintf(stderr, "%a came back as %a\n", want, got);
			n++;
		}
	}
	CHECK_INT(n, 0);
	json_decref(j);
	free(text);
	ae_node_free(seq);
}

static void test_non_finite(void)
{
	ae_node *seq = ae_node_new_seq();
	ae_error err;
	char *text;

	ae_seq_append(seq, ae_node_new_float(NAN));
	ae_seq_append(seq, ae_node_new_float(INFINITY));
	ae_seq_append(seq, ae_node_new_float(-INFINITY));
	text = ae_json_dump(seq, &err);
	CHECK_STR(text, "[\n  \"nan\",\n  \"inf\",\n  \"-inf\"\n]\n");
	free(text);
	ae_node_free(seq);
}

static void test_errors(void)
{
	ae_node *root = ae_node_new_map(), *inner = ae_node_new_map();
	ae_error err;
	char *text;

	ae_map_set(inner, "bad", ae_node_new_string("\xff\xfe"));
	ae_map_set(root, "a", inner);
	ae_error_clear(&err);
	text = ae_json_dump(root, &err);
	CHECK(text == NULL);
	CHECK_STR(err.path, "a.bad");
	CHECK(strstr(err.text, "UTF-8") != NULL);
	ae_node_free(root);
}

static json_t *custom_str(const char *s)
{
	return strcmp(s, "skip") ? json_string(s[0] == 'a' ? "A" : s) : NULL;
}

/* The record builders: null for NULL, arrays of strings, a string the
 * builder refuses left out. */
static void test_builders(void)
{
	char *v[] = {"a", "b", "skip", "\xff", NULL};
	json_t *j;
	char *text;

	j = ae_json_string_or_null(NULL);
	CHECK(json_is_null(j));
	json_decref(j);
	j = ae_json_string_or_null("x");
	CHECK_STR(json_string_value(j), "x");
	json_decref(j);
	CHECK(ae_json_string_or_null("\xff") == NULL);
	j = ae_json_strv(NULL, NULL);
	CHECK_INT(json_array_size(j), 0);
	json_decref(j);
	j = ae_json_strv(v, NULL);
	text = json_dumps(j, JSON_COMPACT);
	CHECK_STR(text, "[\"a\",\"b\",\"skip\"]");
	free(text);
	json_decref(j);
	v[3] = NULL;
	j = ae_json_strv(v, custom_str);
	text = json_dumps(j, JSON_COMPACT);
	CHECK_STR(text, "[\"A\",\"b\"]");
	free(text);
	json_decref(j);
}

int main(void)
{
	test_dump_format();
	test_builders();
	test_types_and_back();
	test_parse_to_node();
	test_real_precision();
	test_non_finite();
	test_errors();
	TEST_MAIN_END();
}
