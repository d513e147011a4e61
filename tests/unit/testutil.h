/* Minimal unit-test helpers: each failed check prints file:line and what
 * differed; TEST_MAIN_END() prints a summary and gives the exit code. */
#ifndef AE_TESTUTIL_H
#define AE_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                            \
	do {                                                                   \
		test_checks++;                                                 \
		if (!(cond)) {                                                 \
			test_failures++;                                       \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #cond);                              \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *check_a_ = (a), *check_b_ = (b);                   \
		test_checks++;                                                 \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {    \
			test_failures++;                                       \
			fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", \
			        __FILE__, __LINE__, #a, #b,                    \
			        check_a_ ? check_a_ : "(null)",                \
			        check_b_ ? check_b_ : "(null)");               \
		}                                                              \
	} while (0)

#define CHECK_INT(a, b)                                                        \
	do {                                                                   \
		long long check_a_ = (long long)(a);                           \
		long long check_b_ = (long long)(b);                           \
		test_checks++;                                                 \
		if (check_a_ != check_b_) {                                    \
			test_failures++;                                       \
			fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n",     \
			        __FILE__, __LINE__, #a, #b, check_a_,          \
			        check_b_);                                     \
		}                                                              \
	} while (0)

#define TEST_MAIN_END()                                                        \
	do {                                                                   \
		fprintf(stderr, "%s: %d checks, %d failed\n", __FILE__,        \
		        test_checks, test_failures);                           \
		return test_failures ? 1 : 0;                                  \
	} while (0)

static inline int test_rm_entry(const char *path, const struct stat *st,
                                int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Remove a directory tree (no shell). Returns 0 or -1. */
static inline int test_rmtree(const char *path)
{
	return nftw(path, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif /* AE_TESTUTIL_H */
