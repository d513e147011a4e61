/* Fuzz target: the journal reader (ae_journal): events.jsonl replayed at
 * open, its torn tail repaired, started actions settled (interrupted or
 * resumable), and monitor_state.json loaded.
 *
 * Input: the bytes of events.jsonl, optionally followed by a line
 * "@@state@@" and the bytes of monitor_state.json. They are written into a
 * directory of our own (in fuzz_tmpdir()) and the journal opened
 * there; the state is loaded (or fails with an error), a key is looked up
 * and a record appended. Opening must always work (bad lines are counted,
 * not fatal), and a second open of what the first one left finds no torn
 * tail and the same bad lines. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_error.h"
#include "ae_journal.h"
#include "fuzz.h"

static char dir[PATH_MAX];
static int dirfd = -1;

static void die(const char *what, const ae_error *err)
{
	fprintf(stderr, "fuzz_journal: %s: %s\n", what, err ? err->text : "");
	abort();
}

static void cleanup(void)
{
	unlinkat(dirfd, AE_JOURNAL_FILE, 0);
	unlinkat(dirfd, AE_JOURNAL_STATE_FILE, 0);
	close(dirfd);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz_journal.XXXXXX", fuzz_tmpdir());
	if (!mkdtemp(dir))
		die("mkdtemp", NULL);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		die("open the directory", NULL);
	atexit(cleanup);
	return 0;
}

static void put(const char *name, const uint8_t *data, size_t size)
{
	int fd =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
	    close(fd) < 0)
		die("write", NULL);
}

/* Resume the started actions that recorded metadata, as a cooldown's
 * would be. */
static int resume(void *ctx, const json_t *started)
{
	(void)ctx;
	return json_object_get(started, "metadata") != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = NULL;
	ae_journal_state st;
	ae_journal_stats s1, s2;
	ae_journal *j;
	ae_error err;
	json_t *fields;
	size_t jlen = size;

	if (size >= strlen(FUZZ_STATE_SEP))
		sep =
		    memmem(data, size, FUZZ_STATE_SEP, strlen(FUZZ_STATE_SEP));
	unlinkat(dirfd, AE_JOURNAL_STATE_FILE, 0);
	if (sep) {
		jlen = (size_t)(sep - data);
		put(AE_JOURNAL_STATE_FILE, sep + strlen(FUZZ_STATE_SEP),
		    size - jlen - strlen(FUZZ_STATE_SEP));
	}
	put(AE_JOURNAL_FILE, data, jlen);

	j = ae_journal_openat_resuming(dirfd, dir, resume, NULL, &err);
	if (!j)
		die("open", &err);
	s1 = ae_journal_stats_get(j);
	(void)ae_journal_decide(j, "checkpoint_saved", "0",
	                        "{\"checkpoint_iteration\":\"100\"}");
	(void)ae_journal_has_fired(j, "x", "0", NULL);
	ae_error_clear(&err);
	if (ae_journal_state_load(j, &st, &err) < 0)
		FUZZ_REJECTED(&err);
	else
		ae_journal_state_clear(&st);
	fields = json_pack("{s:s}", "note", "fuzz");
	FUZZ_ASSERT(fields);
	if (ae_journal_record(j, "fuzz", fields, &err) < 0)
		die("record", &err);
	json_decref(fields);
	ae_journal_free(j);

	j = ae_journal_openat_resuming(dirfd, dir, resume, NULL, &err);
	if (!j)
		die("open again", &err);
	s2 = ae_journal_stats_get(j);
	FUZZ_ASSERT(s2.torn_bytes == 0);
	FUZZ_ASSERT(s2.bad_lines == s1.bad_lines);
	FUZZ_ASSERT(s2.records > s1.records);
	ae_journal_free(j);
	return 0;
}
