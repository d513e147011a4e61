/* The prefilter on its own: the literals of a pattern, and a scan that
 * marks the rules whose literals are in a line (the rules' matching, with
 * and without it, is tested in test_rules.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <string.h>

#include "ae_prefilter.h"
#include "testutil.h"

static void test_literals(void)
{
	ae_prefilter_lit *l = NULL;

	CHECK_INT(ae_prefilter_literals("saved checkpoint (\\d+)", 22, &l), 1);
	CHECK_STR(l[0].s, "saved checkpoint ");
	CHECK_INT(l[0].leading, 1);
	ae_prefilter_lits_free(l, 1);
	CHECK_INT(ae_prefilter_literals("x?error: |warning: ", 19, &l), 2);
	CHECK_STR(l[0].s, "error: ");
	CHECK_INT(l[0].leading, 0);
	CHECK_STR(l[1].s, "warning: ");
	ae_prefilter_lits_free(l, 2);
	/* an alternative without a literal: none at all */
	l = NULL;
	CHECK_INT(ae_prefilter_literals("error|\\d+", 9, &l), 0);
	CHECK(l == NULL);
	ae_prefilter_lits_free(NULL, 0);
}

static void test_scan(void)
{
	ae_prefilter_lit r0[] = {{"oom", 3, 1}, {"nan", 3, 1}};
	ae_prefilter_lit r2[] = {{"loss", 4, 1}};
	const ae_prefilter_lit *lits[] = {r0, NULL, r2};
	size_t nlits[] = {2, 0, 1};
	uint32_t seen[3] = {0, 0, 0};
	size_t first[3] = {0, 0, 0};
	ae_prefilter *pf = ae_prefilter_new(lits, nlits, 3);
	const char *line = "step 7: loss nan, then nan again; oom";

	CHECK(pf != NULL);
	ae_prefilter_scan(pf, line, strlen(line), 1, seen, first);
	CHECK_INT(seen[0], 1);
	CHECK_INT(first[0], strstr(line, "nan") - line); /* the leftmost */
	CHECK_INT(seen[1], 0); /* no literals: never marked */
	CHECK_INT(seen[2], 1);
	CHECK_INT(first[2], 8);
	/* a new mark: entries of rules not found keep the old one */
	ae_prefilter_scan(pf, "loss", 4, 2, seen, first);
	CHECK_INT(seen[0], 1);
	CHECK_INT(seen[2], 2);
	CHECK_INT(first[2], 0);
	ae_prefilter_scan(pf, "lo", 2, 3, seen, first);
	CHECK_INT(seen[2], 2);
	ae_prefilter_free(pf);
	ae_prefilter_free(NULL);
}

int main(void)
{
	test_literals();
	test_scan();
	TEST_MAIN_END();
}
