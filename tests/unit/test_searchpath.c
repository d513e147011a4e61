#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_searchpath.h"
#include "testutil.h"

static void test_order(void)
{
	const char *dirs[] = {"cli1", "cli2"};
	const char *const *got;
	ae_searchpath *sp;
	ae_error err;
	size_t n;

	ae_error_clear(&err);
	sp = ae_searchpath_build(dirs, 2, "env1::env2:", "/presets", &err);
	CHECK(sp != NULL);
	if (!sp)
		return;
	got = ae_searchpath_dirs(sp, &n);
	CHECK_INT(n, 5);
	if (n == 5) {
		CHECK_STR(got[0], "cli1");
		CHECK_STR(got[1], "cli2");
		CHECK_STR(got[2], "env1");
		CHECK_STR(got[3], "env2");
		CHECK_STR(got[4], "/presets");
	}
	ae_searchpath_free(sp);
}

/* A directory named twice keeps its first (strongest) position. */
static void test_duplicates(void)
{
	const char *dirs[] = {"a", "b", "a"};
	const char *const *got;
	ae_searchpath *sp;
	size_t n;

	sp = ae_searchpath_build(dirs, 3, "b:c", "a", NULL);
	CHECK(sp != NULL);
	if (!sp)
		return;
	got = ae_searchpath_dirs(sp, &n);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(got[0], "a");
		CHECK_STR(got[1], "b");
		CHECK_STR(got[2], "c");
	}
	ae_searchpath_free(sp);
}

static void test_empty(void)
{
	ae_searchpath *sp;
	size_t n = 99;

	sp = ae_searchpath_build(NULL, 0, NULL, NULL, NULL);
	CHECK(sp != NULL);
	if (!sp)
		return;
	ae_searchpath_dirs(sp, &n);
	CHECK_INT(n, 0);
	CHECK_INT(ae_searchpath_add_list(sp, ":::", NULL), 0);
	CHECK_INT(ae_searchpath_add(sp, "", NULL), 0);
	ae_searchpath_dirs(sp, &n);
	CHECK_INT(n, 0);
	CHECK_INT(ae_searchpath_add_list(sp, "x", NULL), 0);
	ae_searchpath_dirs(sp, &n);
	CHECK_INT(n, 1);
	ae_searchpath_free(sp);
	ae_searchpath_free(NULL);
}

int main(void)
{
	test_order();
	test_duplicates();
	test_empty();
	TEST_MAIN_END();
}
