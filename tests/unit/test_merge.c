/* ae_compose_merge: OmegaConf.merge semantics. Every case in `cases` was
 * produced by OmegaConf 2.2 (OmegaConf.merge(OmegaConf.create(dst),
 * OmegaConf.create(src)), then to_container(resolve=False) as compact JSON);
 * NULL means OmegaConf raises. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ae_compose.h"
#include "testutil.h"

static ae_node *from_json(json_t *j)
{
	ae_node *n = NULL;
	const char *key;
	json_t *v;
	size_t i;

	switch (json_typeof(j)) {
	case JSON_NULL:
		return ae_node_new_null();
	case JSON_TRUE:
		return ae_node_new_bool(1);
	case JSON_FALSE:
		return ae_node_new_bool(0);
	case JSON_INTEGER:
		return ae_node_new_int(json_integer_value(j));
	case JSON_REAL:
		return ae_node_new_float(json_real_value(j));
	case JSON_STRING:
		return ae_node_new_string(json_string_value(j));
	case JSON_ARRAY:
		n = ae_node_new_seq();
		json_array_foreach(j, i, v) ae_seq_append(n, from_json(v));
		return n;
	case JSON_OBJECT:
		n = ae_node_new_map();
		json_object_foreach(j, key, v) ae_map_set(n, key, from_json(v));
		return n;
	}
	return NULL;
}

static json_t *to_json(const ae_node *n)
{
	json_t *j;
	size_t i;

	switch (n->type) {
	case AE_NULL:
		return json_null();
	case AE_BOOL:
		return json_boolean(n->u.b);
	case AE_INT:
		return json_integer(n->u.i);
	case AE_FLOAT:
		return json_real(n->u.f);
	case AE_STRING:
		return json_string(n->u.str.s);
	case AE_SEQ:
		j = json_array();
		for (i = 0; i < ae_seq_size(n); i++)
			json_array_append_new(j, to_json(ae_seq_get(n, i)));
		return j;
	case AE_MAP:
		j = json_object();
		for (i = 0; i < ae_map_size(n); i++)
			json_object_set_new(j, ae_map_key(n, i),
			                    to_json(ae_map_value(n, i)));
		return j;
	}
	return NULL;
}

static ae_node *parse(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	ae_node *n = j ? from_json(j) : NULL;

	json_decref(j);
	return n;
}

static char *dump(const ae_node *n)
{
	json_t *j = to_json(n);
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(j);
	return s;
}

struct mcase {
	const char *dst, *src, *expect;
};

static const struct mcase cases[] = {
    {"{\"a\": {\"b\": 1, \"c\": 2}}", "{\"a\": {\"b\": 3, \"d\": 4}}",
     "{\"a\":{\"b\":3,\"c\":2,\"d\":4}}"},
    {"{\"a\": [1, 2, 3]}", "{\"a\": [4]}", "{\"a\":[4]}"},
    {"{\"a\": 5}", "{\"a\": {\"b\": 1}}", "{\"a\":{\"b\":1}}"},
    {"{\"a\": {\"b\": 1}}", "{\"a\": 5}", "{\"a\":5}"},
    {"{\"a\": null}", "{\"a\": {\"b\": 1}}", "{\"a\":{\"b\":1}}"},
    {"{\"a\": {\"b\": 1}}", "{\"a\": null}", "{\"a\":null}"},
    {"{\"a\": 1}", "{\"a\": \"???\"}", "{\"a\":1}"},
    {"{\"a\": {\"b\": 1}}", "{\"a\": \"???\"}", "{\"a\":{\"b\":1}}"},
    {"{\"a\": [1]}", "{\"a\": \"???\"}", "{\"a\":[1]}"},
    {"{\"a\": \"???\"}", "{\"a\": 3}", "{\"a\":3}"},
    {"{}", "{\"a\": \"???\"}", "{\"a\":\"???\"}"},
    {"{\"a\": \"???\"}", "{\"a\": {\"b\": 1}}", "{\"a\":{\"b\":1}}"},
    {"{\"a\": {\"b\": \"???\"}}", "{\"a\": {\"b\": \"???\"}}",
     "{\"a\":{\"b\":\"???\"}}"},
    {"{\"a\": \"${x}\", \"x\": 1}", "{\"a\": {\"b\": 1}}",
     "{\"a\":{\"b\":1},\"x\":1}"},
    {"{\"a\": {\"b\": 1}, \"x\": 1}", "{\"a\": \"${x}\"}",
     "{\"a\":\"${x}\",\"x\":1}"},
    {"{\"a\": 1, \"x\": 2}", "{\"a\": \"${x}\"}", "{\"a\":\"${x}\",\"x\":2}"},
    {"{\"a\": \"${x}\", \"x\": 2}", "{\"a\": 7}", "{\"a\":7,\"x\":2}"},
    {"{\"a\": \"${x}\", \"x\": 2}", "{\"a\": \"${y}/z\"}",
     "{\"a\":\"${y}/z\",\"x\":2}"},
    {"{\"a\": [1]}", "{\"a\": {\"b\": 1}}", NULL},
    {"{\"a\": {\"b\": 1}}", "{\"a\": [1]}", NULL},
    {"{\"a\": 1, \"b\": 2}", "{\"c\": 3, \"a\": 4}",
     "{\"a\":4,\"b\":2,\"c\":3}"},
    {"{\"a\": {\"x\": 1}}", "{\"a\": {}}", "{\"a\":{\"x\":1}}"},
    {"{\"a\": [{\"x\": 1}]}", "{\"a\": [{\"y\": 2}]}", "{\"a\":[{\"y\":2}]}"},
    {"{\"a\": \"str\"}", "{\"a\": [1, 2]}", "{\"a\":[1,2]}"},
    {"{\"a\": 1}", "{\"a\": \"hello\"}", "{\"a\":\"hello\"}"},
    {"{\"a\": 1}", "{\"a\": 1.5}", "{\"a\":1.5}"},
    {"{\"a\": true}", "{\"a\": \"x\"}", "{\"a\":\"x\"}"},
    {"{\"m\": {\"log_events\": {\"e1\": {\"p\": \"x\"}}}}",
     "{\"m\": {\"log_events\": {\"e2\": {\"p\": \"y\"}, \"e1\": {\"q\": "
     "\"z\"}}}}",
     "{\"m\":{\"log_events\":{\"e1\":{\"p\":\"x\",\"q\":\"z\"},\"e2\":{\"p\":"
     "\"y\"}}}}"},
    {"{\"m\": {\"log_events\": [{\"name\": \"e1\"}]}}",
     "{\"m\": {\"log_events\": [{\"name\": \"e2\"}]}}",
     "{\"m\":{\"log_events\":[{\"name\":\"e2\"}]}}"},
    {"{\"a\": 1}", "{\"a\": \"${oc.env:X}\"}", "{\"a\":\"${oc.env:X}\"}"},
    {"{\"a\": [1]}", "{\"a\": null}", "{\"a\":null}"},
    {"{\"a\": null}", "{\"a\": [1]}", "{\"a\":[1]}"},
    {"{\"a\": {\"b\": {\"c\": 1, \"d\": [1]}}}",
     "{\"a\": {\"b\": {\"d\": [2, 3], \"e\": {\"f\": null}}}}",
     "{\"a\":{\"b\":{\"c\":1,\"d\":[2,3],\"e\":{\"f\":null}}}}"},
    {"{\"a\": []}", "{\"a\": []}", "{\"a\":[]}"},
    {"{\"a\": {}}", "{\"a\": {\"b\": \"???\"}}", "{\"a\":{\"b\":\"???\"}}"},
};

static void test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		ae_node *dst = parse(cases[i].dst), *src = parse(cases[i].src);
		char *before = dump(src), *after;
		ae_error err;
		int rv;

		ae_error_clear(&err);
		rv = ae_compose_merge(dst, src, &err);
		if (cases[i].expect) {
			char *got = dump(dst);

			CHECK_INT(rv, 0);
			CHECK_STR(got, cases[i].expect);
			free(got);
		} else {
			CHECK_INT(rv, -1);
			CHECK(strstr(err.text, "cannot merge") != NULL);
		}
		/* The source is never modified. */
		after = dump(src);
		CHECK_STR(after, before);
		free(before);
		free(after);
		ae_node_free(dst);
		ae_node_free(src);
	}
	fprintf(stderr, "%zu OmegaConf merge cases\n",
	        sizeof(cases) / sizeof(*cases));
}

static void mark_all(ae_node *n, ae_src *src, int line)
{
	size_t i;

	ae_node_set_mark(n, src, line, 3);
	for (i = 0; i < ae_seq_size(n); i++)
		mark_all(ae_seq_get(n, i), src, line + 1);
	for (i = 0; i < ae_map_size(n); i++)
		mark_all(ae_map_value(n, i), src, line + 1);
}

static void test_marks_and_types(void)
{
	ae_node *dst = parse("{\"a\": {\"x\": 1, \"y\": 2}, \"b\": [1]}");
	ae_node *src =
	    parse("{\"a\": {\"y\": 3, \"z\": {\"k\": 1}}, \"b\": [2]}");
	ae_src *fa = ae_src_new("base.yaml"), *fb = ae_src_new("child.yaml");
	const ae_node *a;
	ae_error err;

	mark_all(dst, fa, 10);
	mark_all(src, fb, 20);
	ae_map_get(src, "b")->flags |= AE_NODE_QUOTED; /* flags travel too */
	CHECK_INT(ae_compose_merge(dst, src, &err), 0);
	a = ae_map_get(dst, "a");
	CHECK_STR(ae_node_file(ae_map_get(a, "x")), "base.yaml");
	CHECK_STR(ae_node_file(ae_map_get(a, "y")), "child.yaml");
	CHECK_INT(ae_map_get(a, "y")->line, 22);
	CHECK_STR(ae_node_file(ae_map_get(ae_map_get(a, "z"), "k")),
	          "child.yaml");
	CHECK_STR(ae_node_file(ae_map_get(dst, "b")), "child.yaml");
	CHECK(ae_map_get(dst, "b")->flags & AE_NODE_QUOTED);
	/* Parents are fixed up: a merged child knows its path. */
	{
		char path[64];

		ae_node_path(ae_map_get(ae_map_get(a, "z"), "k"), path,
		             sizeof(path));
		CHECK_STR(path, "a.z.k");
		ae_node_path(ae_seq_get(ae_map_get(dst, "b"), 0), path,
		             sizeof(path));
		CHECK_STR(path, "b[0]");
	}
	/* Error names the source node's place. */
	ae_node_free(src);
	src = parse("{\"b\": {\"k\": 1}}");
	mark_all(src, fb, 40);
	CHECK_INT(ae_compose_merge(dst, src, &err), -1);
	CHECK_STR(err.file, "child.yaml");
	CHECK_INT(err.line, 41);
	CHECK(strstr(err.text, "base.yaml") != NULL ||
	      strstr(err.text, "child.yaml") != NULL);
	ae_node_free(dst);
	ae_node_free(src);
	ae_src_unref(fa);
	ae_src_unref(fb);
}

static void test_log_events_warning(void)
{
	ae_node *dst = parse("{\"monitoring\": {\"log_events\": ["
	                     "{\"name\": \"oom\"}, {\"name\": \"nccl\"},"
	                     "{\"name\": \"ckpt\"}]}}");
	ae_node *src = parse("{\"monitoring\": {\"log_events\": ["
	                     "{\"name\": \"ckpt\"}]}}");
	ae_node *dmap = parse("{\"monitoring\": {\"log_events\": {"
	                      "\"oom\": {\"pattern\": \"x\"}}}}");
	ae_node *smap = parse("{\"monitoring\": {\"log_events\": {"
	                      "\"ckpt\": {\"pattern\": \"y\"}}}}");
	ae_src *fa = ae_src_new("megatron_production.yaml");
	ae_src *fb = ae_src_new("megatron_cooldown.yaml");
	ae_compose_warning *w = NULL;
	size_t nw = 0;
	ae_error err;

	mark_all(dst, fa, 1);
	mark_all(src, fb, 5);
	CHECK_INT(ae_compose_merge_warn(dst, src, &w, &nw, &err), 0);
	CHECK_INT(nw, 1);
	if (nw == 1) {
		const char *prefix = "megatron_cooldown.yaml:7:3: "
		                     "monitoring.log_events: ";

		CHECK(strncmp(w[0].text, prefix, strlen(prefix)) == 0);
		CHECK(strstr(w[0].text, "megatron_production.yaml:3:3") !=
		      NULL);
		CHECK(strstr(w[0].text, "oom, nccl") != NULL);
		CHECK(strstr(w[0].text, "ckpt") == NULL);
	}
	/* The list was still replaced, as OmegaConf does. */
	CHECK_INT(ae_seq_size(
	              ae_map_get(ae_map_get(dst, "monitoring"), "log_events")),
	          1);
	/* Replacing by a superset drops nothing: no warning. */
	ae_node_free(src);
	src = parse("{\"monitoring\": {\"log_events\": [{\"name\": \"ckpt\"},"
	            "{\"name\": \"new\"}]}}");
	CHECK_INT(ae_compose_merge_warn(dst, src, &w, &nw, &err), 0);
	CHECK_INT(nw, 1);
	/* The mapping form merges per event, without warnings. */
	CHECK_INT(ae_compose_merge_warn(dmap, smap, &w, &nw, &err), 0);
	CHECK_INT(nw, 1);
	{
		char *got = dump(dmap);

		CHECK_STR(got, "{\"monitoring\":{\"log_events\":{\"oom\":"
		               "{\"pattern\":\"x\"},\"ckpt\":{\"pattern\":"
		               "\"y\"}}}}");
		free(got);
	}
	free(w);
	ae_node_free(dst);
	ae_node_free(src);
	ae_node_free(dmap);
	ae_node_free(smap);
	ae_src_unref(fa);
	ae_src_unref(fb);
}

static void test_warn(void)
{
	ae_node *root = parse("{\"monitoring\": {\"x\": 1}}");
	ae_src *f = ae_src_new("m.yaml");
	ae_compose_warning *w = NULL;
	size_t nw = 0;
	ae_node *x = ae_map_get(ae_map_get(root, "monitoring"), "x");

	ae_node_set_mark(x, f, 4, 7);
	CHECK_INT(ae_compose_warn(&w, &nw, x, "odd value %d", 1), 0);
	CHECK_INT(ae_compose_warn(NULL, NULL, x, "ignored"), 0);
	CHECK_INT(nw, 1);
	if (nw == 1)
		CHECK_STR(w[0].text, "m.yaml:4:7: monitoring.x: odd value 1");
	free(w);
	ae_node_free(root);
	ae_src_unref(f);
}

int main(void)
{
	test_warn();
	test_cases();
	test_marks_and_types();
	test_log_events_warning();
	TEST_MAIN_END();
}
