/* Key-by-key differences of two config trees (ae_diff). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_diff.h"
#include "ae_yaml.h"
#include "testutil.h"

static char seen[2048];

static int collect(void *ctx, ae_diff_kind kind, const char *path,
                   const ae_node *old, const ae_node *new)
{
	static const char mark[] = {'+', '-', '~'};
	size_t len = strlen(seen);

	(void)ctx;
	CHECK(kind == AE_DIFF_ADDED     ? !old && new
	      : kind == AE_DIFF_REMOVED ? old && !new
	                                : old &&new);
	snprintf(seen + len, sizeof(seen) - len, "%c%s ", mark[kind], path);
	return 0;
}

static ae_node *yaml(const char *text)
{
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "t.yaml", NULL, &err);

	CHECK(n != NULL);
	return n;
}

static long diff(const char *a, const char *b)
{
	ae_node *x = yaml(a), *y = yaml(b);
	long n;

	seen[0] = '\0';
	n = ae_diff_walk(x, y, collect, NULL);
	ae_node_free(x);
	ae_node_free(y);
	return n;
}

static int stop_at_first(void *ctx, ae_diff_kind kind, const char *path,
                         const ae_node *old, const ae_node *new)
{
	(void)kind;
	(void)path;
	(void)old;
	(void)new;
	++*(int *)ctx;
	return 1;
}

int main(void)
{
	ae_node *x, *y;
	int calls = 0;

	/* key order does not count */
	CHECK_INT(diff("a: 1\nb: {c: 2, d: 3}\n", "b: {d: 3, c: 2}\na: 1\n"),
	          0);
	CHECK_STR(seen, "");
	/* changed, removed, added; nested paths; a's order, then b's new keys
	 */
	CHECK_INT(diff("a: 1\nb: {c: 2, d: 3}\ne: x\n",
	               "b: {c: 5, f: true}\na: 1\ng: null\n"),
	          5);
	CHECK_STR(seen, "~b.c -b.d +b.f -e +g ");
	/* a string "20" is not the integer 20; a type change is a change */
	CHECK_INT(diff("it: 20\nm: {k: 1}\n", "it: '20'\nm: [1]\n"), 2);
	CHECK_STR(seen, "~it ~m ");
	/* lists element by element */
	CHECK_INT(diff("l: [1, 2, 3]\n", "l: [1, 5]\n"), 2);
	CHECK_STR(seen, "~l[1] -l[2] ");
	CHECK_INT(diff("l: [{a: 1}]\n", "l: [{a: 2}, 7]\n"), 2);
	CHECK_STR(seen, "~l[0].a +l[1] ");
	/* the callback can stop the walk */
	x = yaml("a: 1\nb: 2\n");
	y = yaml("a: 3\nb: 4\n");
	CHECK_INT(ae_diff_walk(x, y, stop_at_first, &calls), -1);
	CHECK_INT(calls, 1);
	ae_node_free(x);
	ae_node_free(y);
	TEST_MAIN_END();
}
