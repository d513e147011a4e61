/* Shared by the fuzz targets: the libFuzzer entry points (declared here so
 * that -Wmissing-prototypes holds) and small helpers to cut an input into
 * the pieces a target needs.
 *
 * A target does not print on an input it rejects (libFuzzer runs it
 * millions of times) unless FUZZ_DEBUG is set; it aborts only when a property
 * the library promises does not hold, so that the fuzzer reports that input as
 * a crash.
 */
#ifndef AE_FUZZ_H
#define AE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ae_error.h"

/* In the journal target's input: the journal before it, the state file
 * after it. */
#define FUZZ_STATE_SEP "\n@@state@@\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A NUL-terminated copy of the input (which may contain NULs), or NULL when
 * memory runs out. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		if (size)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* The next piece of [*p, end) up to sep (not included); *p moves past sep,
 * or to end when there is none. */
static inline const uint8_t *fuzz_next(const uint8_t **p, const uint8_t *end,
                                       int sep, size_t *len)
{
	const uint8_t *start = *p;
	const uint8_t *q =
	    start < end ? memchr(start, sep, (size_t)(end - start)) : NULL;

	*len = (size_t)((q ? q : end) - start);
	*p = q ? q + 1 : end;
	return start;
}

/* Where a target keeps its files: $FUZZ_TMPDIR (fuzz/run.sh sets it and
 * removes it afterwards, since libFuzzer ends without atexit handlers),
 * else /dev/shm (the journal fsyncs: memory is fast), else $TMPDIR. */
static inline const char *fuzz_tmpdir(void)
{
	const char *d = getenv("FUZZ_TMPDIR");

	if (d && *d)
		return d;
	if (access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

/* Where an input stopped, printed only when FUZZ_DEBUG is set (to see how
 * far a seed gets: FUZZ_DEBUG=1 fuzz/fuzz_X FILE). */
static inline void fuzz_note(const char *where, int line, const ae_error *err)
{
	static int debug = -1;

	if (debug < 0)
		debug = getenv("FUZZ_DEBUG") != NULL;
	if (debug)
		fprintf(stderr, "%s:%d: rejected: %s:%d:%d: %s: %s\n", where,
		        line, err->file, err->line, err->column, err->path,
		        err->text);
}

/* A property the library promises failed: report it and abort, so that the
 * fuzzer keeps the input. */
#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: property failed: %s\n",        \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

/* An input the library rejected: it must say why (err set). */
#define FUZZ_REJECTED(err)                                                     \
	do {                                                                   \
		FUZZ_ASSERT(ae_error_isset(err));                              \
		fuzz_note(__FILE__, __LINE__, err);                            \
	} while (0)

#endif /* AE_FUZZ_H */
