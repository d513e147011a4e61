/* The config tree: ownership, order, paths, copies and error marks. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>

#include "ae_node.h"
#include "testutil.h"

static void test_map_order_and_replace(void)
{
	ae_node *m = ae_node_new_map();

	CHECK_INT(ae_map_set(m, "b", ae_node_new_int(1)), 0);
	CHECK_INT(ae_map_set(m, "a", ae_node_new_int(2)), 0);
	CHECK_INT(ae_map_set(m, "b", ae_node_new_string("x")), 0);
	CHECK_INT(ae_map_size(m), 2);
	CHECK_STR(ae_map_key(m, 0), "b");
	CHECK_INT(ae_map_get(m, "b")->type, AE_STRING);
	CHECK_INT(ae_map_remove(m, "b"), 0);
	CHECK_INT(ae_map_remove(m, "b"), -1);
	CHECK_STR(ae_map_key(m, 0), "a");
	ae_node_free(m);
}

static void test_paths_and_errors(void)
{
	ae_node *root = ae_node_new_map();
	ae_node *a = ae_node_new_map();
	ae_node *list = ae_node_new_seq();
	ae_node *leaf = ae_node_new_string("v");
	ae_src *src = ae_src_new("exp.yaml");
	ae_error err;
	char buf[128];

	ae_seq_append(list, ae_node_new_int(0));
	ae_seq_append(list, leaf);
	ae_map_set(a, "items", list);
	ae_map_set(root, "a", a);
	ae_node_set_mark(leaf, src, 7, 3);
	ae_src_unref(src);
	CHECK_STR(ae_node_path(leaf, buf, sizeof(buf)), "a.items[1]");
	CHECK_STR(ae_node_path(root, buf, sizeof(buf)), "");
	ae_error_clear(&err);
	CHECK_INT(ae_node_error(&err, leaf, "bad %s", "value"), -1);
	ae_error_format(&err, buf, sizeof(buf));
	CHECK_STR(buf, "exp.yaml:7:3: a.items[1]: bad value");
	ae_node_free(root);
}

static void test_copy_equal_replace(void)
{
	ae_node *m = ae_node_new_map();
	ae_node *c, *s;

	ae_map_set(m, "x", ae_node_new_float(1.5));
	s = ae_node_new_seq();
	ae_seq_append(s, ae_node_new_bool(1));
	ae_seq_append(s, ae_node_new_null());
	ae_map_set(m, "s", s);
	c = ae_node_copy(m);
	CHECK(c != NULL && ae_node_equal(m, c));
	ae_map_set(c, "x", ae_node_new_float(2.5));
	CHECK(!ae_node_equal(m, c));
	/* replacing keeps the node's place and re-parents the new children */
	ae_node_replace(ae_map_get(m, "x"), ae_node_copy(s));
	CHECK_INT(ae_map_get(m, "x")->type, AE_SEQ);
	CHECK(ae_seq_get(ae_map_get(m, "x"), 0)->parent == ae_map_get(m, "x"));
	ae_node_free(c);
	ae_node_free(m);
}

static void test_interpolation_flag(void)
{
	ae_node *s = ae_node_new_string("a_${b}");
	ae_node *t = ae_node_new_string("plain");

	CHECK(ae_node_is_interpolation(s));
	CHECK(!ae_node_is_interpolation(t));
	ae_node_free(s);
	ae_node_free(t);
}

/* Past the indexing threshold: lookups, replacement, removal and order. */
static void test_big_map(void)
{
	ae_node *m = ae_node_new_map();
	char key[32];
	int i, ok = 1;

	for (i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "key_%d", i);
		ae_map_set(m, key, ae_node_new_int(i));
	}
	snprintf(key, sizeof(key), "key_%d", 17);
	ae_map_set(m, key, ae_node_new_int(-17));
	CHECK_INT(ae_map_size(m), 3000);
	CHECK_INT(ae_map_get(m, "key_17")->u.i, -17);
	CHECK_INT(ae_map_index(m, "key_17"), 17);
	CHECK(ae_map_get(m, "key_3000") == NULL);
	CHECK_INT(ae_map_remove(m, "key_0"), 0);
	for (i = 1; i < 3000; i++) {
		snprintf(key, sizeof(key), "key_%d", i);
		if (ae_map_index(m, key) != i - 1)
			ok = 0;
	}
	CHECK(ok);
	CHECK(ae_map_get(m, "key_0") == NULL);
	ae_map_set(m, "key_0", ae_node_new_int(0));
	CHECK_STR(ae_map_key(m, 2999), "key_0");
	ae_node_free(m);
}

/* ae_map_append: no lookup, but the index still finds what it added. */
static void test_map_append(void)
{
	ae_node *m = ae_node_new_map(), *s = ae_node_new_seq();
	char key[32];
	int i, ok = 1;

	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (ae_map_append(m, key, ae_node_new_int(i)) < 0)
			ok = 0;
		if (ae_map_get(m, key) == NULL ||
		    ae_map_get(m, key)->parent != m)
			ok = 0;
	}
	CHECK(ok);
	CHECK_INT(ae_map_size(m), 100);
	CHECK_STR(ae_map_key(m, 99), "k99");
	CHECK_INT(ae_map_index(m, "k42"), 42);
	CHECK_INT(ae_map_append(m, "x", NULL), -1);
	CHECK_INT(ae_map_append(s, "x", ae_node_new_int(1)), -1);
	CHECK_INT(ae_seq_size(s), 0);
	ae_node_free(s);
	ae_node_free(m);
}

int main(void)
{
	test_big_map();
	test_map_append();
	test_map_order_and_replace();
	test_paths_and_errors();
	test_copy_equal_replace();
	test_interpolation_flag();
	TEST_MAIN_END();
}
