/* The at-most-once journal and the monitor state, in a temporary directory. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ae_journal.h"
#include "testutil.h"

static char dir[256];

static char *path_of(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void raw_append(const char *name, const char *s)
{
	int fd = open(path_of(name), O_WRONLY | O_APPEND | O_CREAT, 0644);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		perror("raw_append");
	close(fd);
}

static off_t file_size(const char *name)
{
	struct stat st;

	return stat(path_of(name), &st) == 0 ? st.st_size : -1;
}

/* Count the lines of the journal with the given "type". */
static int count_type(const char *type)
{
	FILE *f = fopen(path_of(AE_JOURNAL_FILE), "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		json_t *rec = json_loads(line, 0, NULL);

		if (rec &&
		    !strcmp(json_string_value(json_object_get(rec, "type"))
		                ?: "",
		            type))
			n++;
		json_decref(rec);
	}
	free(line);
	fclose(f);
	return n;
}

static json_t *last_record(void)
{
	FILE *f = fopen(path_of(AE_JOURNAL_FILE), "r");
	char *line = NULL;
	size_t cap = 0;
	json_t *rec = NULL;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		json_decref(rec);
		rec = json_loads(line, 0, NULL);
	}
	free(line);
	fclose(f);
	return rec;
}

/* ae_journal_busy on the test directory. */
static int ae_journal_busy_probe(char *who, size_t size)
{
	ae_error err;
	int fd = open(dir, O_RDONLY | O_DIRECTORY), rc;

	rc = ae_journal_busy(fd, who, size, &err);
	close(fd);
	return rc;
}

static ae_journal *jopen(void)
{
	ae_error err;
	ae_journal *j = ae_journal_open(dir, &err);

	if (!j)
		fprintf(stderr, "open: %s\n", err.text);
	return j;
}

static void test_fired_and_reopen(void)
{
	ae_event ev = {0};
	ae_journal *j;
	ae_error err;
	struct stat st;
	json_t *res, *rec;
	ae_journal_stats s;

	ev.name = "loss_spike";
	ev.dedup_key = "{\"step\":\"100\"}";
	ev.offset = 4096;
	ev.line_no = 17;
	ev.metadata = ae_node_new_map();
	ae_map_set(ev.metadata, "step", ae_node_new_string("100"));

	j = jopen();
	CHECK(j != NULL);
	CHECK(stat(path_of(AE_JOURNAL_FILE), &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0600); /* as private as mkdtemp's dir */
	CHECK_INT(ae_journal_lookup(j, "loss_spike", "0", ev.dedup_key),
	          AE_JOURNAL_NONE);
	CHECK_INT(ae_journal_record_started(j, &ev, "0", "cooldown", &err), 0);
	CHECK_INT(ae_journal_has_fired(j, "loss_spike", "0", ev.dedup_key), 1);
	/* other action, other key, other event: independent */
	CHECK_INT(ae_journal_has_fired(j, "loss_spike", "1", ev.dedup_key), 0);
	CHECK_INT(
	    ae_journal_has_fired(j, "loss_spike", "0", "{\"step\":\"200\"}"),
	    0);
	CHECK_INT(ae_journal_has_fired(j, "other", "0", ev.dedup_key), 0);
	/* the second attempt is refused without writing */
	CHECK_INT(ae_journal_record_started(j, &ev, "0", "cooldown", &err), 1);
	CHECK_INT(count_type("action_started"), 1);

	rec = last_record();
	CHECK_STR(json_string_value(json_object_get(rec, "event")),
	          "loss_spike");
	CHECK_STR(json_string_value(json_object_get(rec, "action")), "0");
	CHECK_STR(json_string_value(json_object_get(rec, "action_name")),
	          "cooldown");
	CHECK_STR(json_string_value(json_object_get(rec, "key")), ev.dedup_key);
	CHECK_INT(json_integer_value(json_object_get(rec, "offset")), 4096);
	CHECK_INT(json_integer_value(json_object_get(rec, "line")), 17);
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(rec, "metadata"), "step")),
	          "100");
	CHECK(json_string_value(json_object_get(rec, "ts")) != NULL);
	json_decref(rec);

	res = json_pack("{s:i}", "job_id", 1234);
	CHECK_INT(ae_journal_record_finished(j, &ev, "0", "ok", res, &err), 0);
	json_decref(res);
	CHECK_INT(ae_journal_lookup(j, "loss_spike", "0", ev.dedup_key),
	          AE_JOURNAL_FINISHED);
	/* an end without a start (or a second end) is an error */
	CHECK_INT(ae_journal_record_finished(j, &ev, "0", "ok", NULL, &err),
	          -1);
	CHECK_INT(ae_journal_record_finished(j, &ev, "7", "ok", NULL, &err),
	          -1);
	CHECK(strstr(err.text, "not running") != NULL);
	ae_journal_free(j);

	j = jopen();
	CHECK_INT(ae_journal_lookup(j, "loss_spike", "0", ev.dedup_key),
	          AE_JOURNAL_FINISHED);
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 1);
	s = ae_journal_stats_get(j);
	CHECK_INT(s.records, 2);
	CHECK_INT(s.keys, 1);
	CHECK_INT(s.interrupted, 0);
	CHECK_INT(s.torn_bytes, 0);
	CHECK_INT(s.appended, 0);
	rec = last_record();
	CHECK_STR(json_string_value(json_object_get(rec, "status")), "ok");
	CHECK_INT(json_integer_value(json_object_get(
	              json_object_get(rec, "result"), "job_id")),
	          1234);
	json_decref(rec);
	ae_journal_free(j);
	ae_node_free(ev.metadata);
}

static void test_interrupted(void)
{
	ae_event ev = {0};
	ae_journal *j;
	ae_error err;

	ev.name = "crash";
	ev.dedup_key = "k";
	j = jopen();
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 0);
	/* the helper dies here: no finished record */
	ae_journal_free(j);

	j = jopen();
	CHECK_INT(ae_journal_lookup(j, "crash", "0", "k"),
	          AE_JOURNAL_INTERRUPTED);
	CHECK_INT(ae_journal_stats_get(j).interrupted, 1);
	CHECK_INT(ae_journal_has_fired(j, "crash", "0", "k"), 1);
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 1);
	CHECK_INT(count_type("action_interrupted"), 1);
	/* cannot be finished late either */
	CHECK_INT(ae_journal_record_finished(j, &ev, "0", "ok", NULL, &err),
	          -1);
	ae_journal_free(j);

	/* marked once only */
	j = jopen();
	CHECK_INT(ae_journal_stats_get(j).interrupted, 0);
	CHECK_INT(ae_journal_lookup(j, "crash", "0", "k"),
	          AE_JOURNAL_INTERRUPTED);
	CHECK_INT(count_type("action_interrupted"), 1);
	ae_journal_free(j);
}

/* The opener resumes an interrupted start: it stays started (once,
 * whatever comes), its record reaches the opener with the metadata, and
 * only a resumed key takes action_resumed. */
static int resume_yes(void *ctx, const json_t *started)
{
	json_t **seen = ctx;

	*seen = json_deep_copy(started);
	return 1;
}

static void test_resumed(void)
{
	ae_node *meta = ae_node_new_map();
	ae_event ev = {0}, other = {0};
	char saved_dir[sizeof(dir)];
	json_t *seen = NULL;
	ae_journal *j;
	ae_error err;
	int fd;

	ev.name = "sub";
	ev.dedup_key = "r";
	ev.offset = 42;
	ev.metadata = meta;
	other.name = "sub";
	other.dedup_key = "never";
	ae_map_set(meta, "checkpoint_iteration", ae_node_new_string("20"));
	/* a journal of its own: the other tests count records */
	snprintf(saved_dir, sizeof(saved_dir), "%s", dir);
	CHECK(strlen(saved_dir) + sizeof("/resumed") <= sizeof(dir));
	memcpy(dir + strlen(saved_dir), "/resumed", sizeof("/resumed"));
	CHECK(mkdir(dir, 0755) == 0);
	j = jopen();
	CHECK_INT(ae_journal_record_started(j, &ev, "0", "X", &err), 0);
	ae_journal_free(j);

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	j = ae_journal_openat_resuming(fd, dir, resume_yes, &seen, &err);
	close(fd);
	CHECK(j != NULL);
	CHECK(seen != NULL);
	CHECK_STR(json_string_value(json_object_get(seen, "key")), "r");
	CHECK_INT(json_integer_value(json_object_get(seen, "offset")), 42);
	CHECK_STR(
	    json_string_value(json_object_get(json_object_get(seen, "metadata"),
	                                      "checkpoint_iteration")),
	    "20");
	CHECK_INT(ae_journal_stats_get(j).resumable, 1);
	CHECK_INT(ae_journal_lookup(j, "sub", "0", "r"), AE_JOURNAL_STARTED);
	/* never a second start, only the resume */
	CHECK_INT(ae_journal_record_started(j, &ev, "0", "X", &err), 1);
	CHECK_INT(ae_journal_record_resumed(j, &other, "0", &err), -1);
	CHECK_INT(ae_journal_record_resumed(j, &ev, "0", &err), 0);
	CHECK_INT(count_type("action_resumed"), 1);
	CHECK_INT(ae_journal_record_finished(j, &ev, "0", "ok", NULL, &err), 0);
	ae_journal_free(j);
	json_decref(seen);
	seen = NULL;

	/* finished: nothing to resume next time */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	j = ae_journal_openat_resuming(fd, dir, resume_yes, &seen, &err);
	close(fd);
	CHECK(j != NULL);
	CHECK(seen == NULL);
	CHECK_INT(ae_journal_lookup(j, "sub", "0", "r"), AE_JOURNAL_FINISHED);
	ae_journal_free(j);
	ae_node_free(meta);
	snprintf(dir, sizeof(dir), "%s", saved_dir);
}

static void test_torn_and_bad(void)
{
	ae_event ev = {0};
	ae_journal *j;
	ae_error err;
	ae_journal_stats s;
	static const char torn[] = "{\"type\":\"action_started\",\"event\":"
	                           "\"torn\",\"action\":\"0\",\"key\":\"k\"}";

	ev.name = "torn";
	ev.dedup_key = "k";
	raw_append(AE_JOURNAL_FILE, "this is not json\n");
	/* complete JSON, but without its newline: never durably a record */
	raw_append(AE_JOURNAL_FILE, torn);
	j = jopen();
	s = ae_journal_stats_get(j);
	CHECK_INT(s.bad_lines, 1);
	CHECK_INT(s.torn_bytes, sizeof(torn) - 1);
	CHECK_INT(ae_journal_has_fired(j, "torn", "0", "k"), 0);
	/* the earlier records were still replayed */
	CHECK_INT(ae_journal_has_fired(j, "crash", "0", "k"), 1);
	CHECK_INT(
	    ae_journal_has_fired(j, "loss_spike", "0", "{\"step\":\"100\"}"),
	    1);
	CHECK_INT(count_type("journal_repaired"), 1);
	/* cut, not kept as a line of its own */
	CHECK_INT(count_type("action_started"), 2);
	CHECK(file_size(AE_JOURNAL_FILE) > 0);
	/* the next record is a line of its own */
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 0);
	CHECK_INT(count_type("action_started"), 3);
	ae_journal_free(j);

	j = jopen();
	s = ae_journal_stats_get(j);
	CHECK_INT(s.torn_bytes, 0);
	CHECK_INT(s.bad_lines, 1);
	CHECK_INT(s.interrupted, 1); /* torn's start, now without end */
	ae_journal_free(j);

	/* a record of another kind with a missing key part is not valid */
	raw_append(AE_JOURNAL_FILE,
	           "{\"type\":\"action_started\",\"event\":\"x\"}\n");
	raw_append(AE_JOURNAL_FILE,
	           "{\"type\":\"helper_started\",\"pid\":1}\n");
	j = jopen();
	s = ae_journal_stats_get(j);
	CHECK_INT(s.bad_lines, 2);
	CHECK_INT(ae_journal_has_fired(j, "x", "", ""), 0);
	ae_journal_free(j);
}

static void test_conditions(void)
{
	ae_event ev = {0};
	ae_journal *j;
	ae_error err;
	off_t size;

	ev.name = "cond";
	ev.dedup_key = "k";
	j = jopen();
	CHECK_INT(ae_journal_record_condition(j, &ev, "0", AE_JOURNAL_PENDING,
	                                      "checkpoint not written yet",
	                                      &err),
	          0);
	CHECK_INT(ae_journal_lookup(j, "cond", "0", "k"), AE_JOURNAL_PENDING);
	CHECK_INT(ae_journal_record_condition(j, &ev, "0", AE_JOURNAL_FAILED,
	                                      "timed out", &err),
	          0);
	CHECK_INT(ae_journal_lookup(j, "cond", "0", "k"), AE_JOURNAL_FAILED);
	CHECK_INT(ae_journal_has_fired(j, "cond", "0", "k"), 0);
	CHECK_INT(ae_journal_record_condition(j, &ev, "0", AE_JOURNAL_STARTED,
	                                      NULL, &err),
	          -1);

	ev.name = "cond2";
	CHECK_INT(ae_journal_record_condition(j, &ev, "0", AE_JOURNAL_MET, NULL,
	                                      &err),
	          0);
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 0);
	size = file_size(AE_JOURNAL_FILE);
	/* a condition record after the start changes nothing */
	CHECK_INT(ae_journal_record_condition(j, &ev, "0", AE_JOURNAL_FAILED,
	                                      NULL, &err),
	          0);
	CHECK_INT(file_size(AE_JOURNAL_FILE), size);
	CHECK_INT(ae_journal_lookup(j, "cond2", "0", "k"), AE_JOURNAL_STARTED);
	CHECK_INT(ae_journal_record_finished(j, &ev, "0", "failed", NULL, &err),
	          0);
	ae_journal_free(j);

	j = jopen();
	CHECK_INT(ae_journal_lookup(j, "cond", "0", "k"), AE_JOURNAL_FAILED);
	CHECK_INT(ae_journal_lookup(j, "cond2", "0", "k"), AE_JOURNAL_FINISHED);
	ae_journal_free(j);
}

static void test_metadata_not_json(void)
{
	ae_event ev = {0};
	ae_journal *j = jopen();
	ae_error err;
	json_t *rec, *fields;

	ev.name = "bin";
	ev.dedup_key = "k";
	ev.metadata = ae_node_new_map();
	ae_map_set(ev.metadata, "raw", ae_node_new_stringn("\xff\xfe", 2));
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 0);
	rec = last_record();
	CHECK(json_object_get(rec, "metadata_error") != NULL);
	CHECK_STR(json_string_value(json_object_get(rec, "event")), "bin");
	json_decref(rec);
	CHECK_INT(ae_journal_has_fired(j, "bin", "0", "k"), 1);

	fields = json_pack("{s:i, s:s}", "pid", 42, "type", "spoofed");
	CHECK_INT(ae_journal_record(j, "helper_started", fields, &err), 0);
	json_decref(fields);
	rec = last_record();
	CHECK_STR(json_string_value(json_object_get(rec, "type")),
	          "helper_started");
	CHECK_INT(json_integer_value(json_object_get(rec, "pid")), 42);
	json_decref(rec);
	ae_journal_free(j);
	ae_node_free(ev.metadata);
}

static void test_state(void)
{
	ae_journal *j = jopen();
	ae_journal_state st = {0}, back;
	ae_error err;
	struct stat sb;
	int fd;

	CHECK_INT(ae_journal_state_load(j, &back, &err), 0);
	st.log_path = "logs/train.log";
	st.pos.dev = 2049;
	st.pos.ino = 0xfedcba9876543210ULL; /* above 2^63 */
	st.pos.offset = 123456789012ULL;
	st.pos.line_no = 4242;
	st.pending = json_pack("[{s:s, s:i}]", "event", "cond", "tries", 3);
	CHECK_INT(ae_journal_state_save(j, &st, &err), 0);
	CHECK(stat(path_of(AE_JOURNAL_STATE_FILE), &sb) == 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	CHECK_INT(ae_journal_state_load(j, &back, &err), 1);
	CHECK_STR(back.log_path, "logs/train.log");
	CHECK(back.pos.ino == st.pos.ino);
	CHECK(back.pos.dev == 2049);
	CHECK(back.pos.offset == st.pos.offset);
	CHECK(back.pos.line_no == 4242);
	CHECK(json_equal(back.pending, st.pending));
	ae_journal_state_clear(&back);
	json_decref(st.pending);

	/* no pending list and no path */
	st.pending = NULL;
	st.log_path = NULL;
	CHECK_INT(ae_journal_state_save(j, &st, &err), 0);
	CHECK_INT(ae_journal_state_load(j, &back, &err), 1);
	CHECK(back.log_path == NULL);
	CHECK_INT(json_array_size(back.pending), 0);
	ae_journal_state_clear(&back);
	ae_journal_state_clear(NULL);

	/* a broken state file is reported with its position */
	fd = open(path_of(AE_JOURNAL_STATE_FILE), O_WRONLY | O_TRUNC);
	CHECK(write(fd, "{\n  \"version\": 1,\n  oops\n}\n", 27) == 27);
	close(fd);
	CHECK_INT(ae_journal_state_load(j, &back, &err), -1);
	CHECK_INT(err.line, 3);
	CHECK_STR(err.file, AE_JOURNAL_STATE_FILE);
	CHECK(back.log_path == NULL && back.pending == NULL);
	fd = open(path_of(AE_JOURNAL_STATE_FILE), O_WRONLY | O_TRUNC);
	CHECK(write(fd, "{\"version\": 1, \"log\": {\"dev\": 1}}", 33) == 33);
	close(fd);
	CHECK_INT(ae_journal_state_load(j, &back, &err), -1);
	CHECK_STR(err.path, "log.ino");
	ae_journal_free(j);
}

static void test_symlinks_and_lock(void)
{
	char sub[512], target[512];
	ae_journal *j, *j2;
	ae_journal_state st = {0};
	ae_error err;
	int fd;

	/* the lock keeps a second helper out */
	j = jopen();
	j2 = ae_journal_open(dir, &err);
	CHECK(j2 == NULL);
	CHECK(strstr(err.text, "locked") != NULL);
	ae_journal_free(j2);

	/* a symlink at the state file is refused for reading, and replacing
	 * it does not write through it */
	snprintf(target, sizeof(target), "%s/victim", dir);
	fd = open(target, O_WRONLY | O_CREAT, 0644);
	CHECK(write(fd, "{}", 2) == 2);
	close(fd);
	unlink(path_of(AE_JOURNAL_STATE_FILE));
	CHECK(symlink(target, path_of(AE_JOURNAL_STATE_FILE)) == 0);
	CHECK_INT(ae_journal_state_load(j, &st, &err), -1);
	CHECK(strstr(err.text, "symlink") != NULL);
	CHECK_INT(ae_journal_state_save(j, &st, &err), 0);
	CHECK_INT(file_size("victim"), 2);
	ae_journal_free(j);

	/* a symlink at the journal is refused */
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	CHECK(mkdir(sub, 0755) == 0);
	snprintf(target, sizeof(target), "%s/sub/" AE_JOURNAL_FILE, dir);
	CHECK(symlink("../victim", target) == 0);
	j = ae_journal_open(sub, &err);
	CHECK(j == NULL);
	CHECK(strstr(err.text, "symlink") != NULL);
	CHECK_INT(file_size("victim"), 2);
	CHECK(ae_journal_open(path_of("missing"), &err) == NULL);
	ae_journal_free(NULL);
}

/* The helper's loop in small: each log line is an event that fires one
 * action. The state is saved after two lines only, then the helper "crashes";
 * the restart re-reads three lines from the saved position, and the journal
 * keeps them from firing again. */
typedef struct run {
	ae_journal *j;
	int fired, refused;
} run;

static int on_line(const char *line, size_t len, uint64_t off, uint64_t no,
                   void *ctx)
{
	run *r = ctx;
	ae_event ev = {0};
	ae_error err;
	char key[32];
	int rc;

	(void)len;
	ev.name = "line";
	ev.offset = off;
	ev.line_no = no;
	snprintf(key, sizeof(key), "\"%s\"", line);
	ev.dedup_key = key;
	rc = ae_journal_record_started(r->j, &ev, "0", NULL, &err);
	if (rc == 0) {
		r->fired++;
		ae_journal_record_finished(r->j, &ev, "0", "ok", NULL, &err);
	} else if (rc == 1) {
		r->refused++;
	}
	return no == 2 ? 1 : 0; /* stop after line 2 to save the state */
}

static void test_crash_between_append_and_state(void)
{
	char sub[512], log[600];
	ae_follow_opts o = {0};
	ae_journal_state st = {0};
	ae_follow *f;
	ae_error err;
	run r = {0};
	int fd;

	snprintf(sub, sizeof(sub), "%s/crash", dir);
	CHECK(mkdir(sub, 0755) == 0);
	snprintf(log, sizeof(log), "%s/train.log", sub);
	fd = open(log, O_WRONLY | O_CREAT, 0644);
	CHECK(write(fd, "a\nb\nc\nd\ne\n", 10) == 10);
	close(fd);

	r.j = ae_journal_open(sub, &err);
	f = ae_follow_new(log, NULL, &err);
	CHECK_INT(ae_follow_poll(f, on_line, &r, &err), 1);
	st.pos = ae_follow_position(f);
	CHECK_INT(ae_journal_state_save(r.j, &st, &err), 0);
	CHECK_INT(ae_follow_poll(f, on_line, &r, &err), 0);
	CHECK_INT(r.fired, 5);
	/* crash: no state saved after lines 3 to 5 */
	ae_follow_free(f);
	ae_journal_free(r.j);

	r.j = ae_journal_open(sub, &err);
	r.fired = 0;
	CHECK_INT(ae_journal_state_load(r.j, &st, &err), 1);
	o.start = &st.pos;
	f = ae_follow_new(log, &o, &err);
	CHECK_INT(ae_follow_poll(f, on_line, &r, &err), 0);
	CHECK_INT(r.fired, 0);
	CHECK_INT(r.refused, 3);
	CHECK_INT(ae_journal_stats_get(r.j).keys, 5);
	ae_follow_free(f);
	ae_journal_free(r.j);
	ae_journal_state_clear(&st);
}

/* Thousands of keys (the table grows), some left started: after a reopen
 * each has its status, the started ones (with quotes and commas in their
 * parts) are marked interrupted with their own parts, and keys that were
 * never recorded, or differ only in where a part ends, are not fired. */
static void test_many_keys(void)
{
	ae_event ev = {0};
	ae_journal *j;
	ae_error err;
	char key[64];
	int bad = 0;
	json_t *rec;

	test_rmtree(dir);
	CHECK(mkdir(dir, 0700) == 0);
	j = jopen();
	ev.name = "ckpt";
	ev.dedup_key = key;
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "{\"it\":\"%d\"}", i);
		bad += ae_journal_record_started(j, &ev, "0", NULL, &err) != 0;
		if (i % 1000 != 7)
			bad += ae_journal_record_finished(j, &ev, "0", "ok",
			                                  NULL, &err) != 0;
	}
	CHECK_INT(bad, 0);
	ev.name = "a\",\"b";
	ev.dedup_key = "[\"x\"]";
	CHECK_INT(ae_journal_record_started(j, &ev, "1", NULL, &err), 0);
	CHECK_INT(ae_journal_sync(j, &err), 0);
	ae_journal_free(j);

	j = jopen();
	CHECK(j != NULL);
	if (!j)
		return;
	CHECK_INT(ae_journal_stats_get(j).keys, 3001);
	CHECK_INT(ae_journal_stats_get(j).interrupted, 4);
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "{\"it\":\"%d\"}", i);
		bad += ae_journal_lookup(j, "ckpt", "0", key) !=
		       (i % 1000 == 7 ? AE_JOURNAL_INTERRUPTED
		                      : AE_JOURNAL_FINISHED);
		bad += ae_journal_has_fired(j, "ckpt", "1", key);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(ae_journal_has_fired(j, "ckpt", "0", "{\"it\":\"3000\"}"), 0);
	CHECK_INT(ae_journal_lookup(j, "a\",\"b", "1", "[\"x\"]"),
	          AE_JOURNAL_INTERRUPTED);
	/* the same bytes split differently are another key */
	CHECK_INT(ae_journal_has_fired(j, "a\",\"b1", "", "[\"x\"]"), 0);
	CHECK_INT(ae_journal_has_fired(j, "ck", "pt0", "{\"it\":\"1\"}"), 0);
	CHECK_INT(count_type("action_interrupted"), 4);
	rec = last_record();
	CHECK(rec != NULL);
	CHECK_STR(json_string_value(json_object_get(rec, "type")),
	          "action_interrupted");
	ae_journal_free(j);
	json_decref(rec);
	/* an action_finished is written without its own fdatasync, but is in
	 * the file as soon as the call returns */
	j = jopen();
	ev.name = "late";
	ev.dedup_key = "";
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 0);
	CHECK_INT(ae_journal_record_finished(j, &ev, "0", "ok", NULL, &err), 0);
	rec = last_record();
	CHECK_STR(json_string_value(json_object_get(rec, "type")),
	          "action_finished");
	json_decref(rec);
	CHECK_INT(ae_journal_sync(j, &err), 0);
	ae_journal_free(j);
}

/* A lease left in the directory, as another helper writes it. */
static void write_lease(const char *host, const char *boot, long long pid,
                        long long heartbeat, int released)
{
	char text[512];
	int fd =
	    open(path_of("journal.lease"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	snprintf(text, sizeof(text),
	         "{\"host\":\"%s\",\"boot_id\":\"%s\",\"pid\":%lld,"
	         "\"start_ticks\":1,\"heartbeat\":%lld,\"released\":%s}\n",
	         host, boot, pid, heartbeat, released ? "true" : "false");
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror("write_lease");
	close(fd);
}

static json_t *read_lease(void)
{
	return json_load_file(path_of("journal.lease"), 0, NULL);
}

/* The journal's lock works across nodes, where flock(2) says nothing (a
 * node-local lock, or none): a helper on another node that renewed its
 * lease lately keeps this one out, even though flock here succeeds; a
 * lease not renewed for a minute (its node died) or released does not. */
static void test_lease(void)
{
	char host[128] = "", who[256];
	ae_journal *j;
	ae_error err;
	json_t *l;
	long long now = (long long)time(NULL);

	gethostname(host, sizeof(host) - 1);
	write_lease("node-elsewhere", "boot-x", 4242, now - 5, 0);
	j = ae_journal_open(dir, &err);
	CHECK(j == NULL);
	CHECK(strstr(err.text, "locked") != NULL);
	CHECK(strstr(err.text, "node-elsewhere") != NULL);
	ae_journal_free(j);
	CHECK_INT(ae_journal_busy_probe(who, sizeof(who)), 1);
	CHECK(strstr(who, "node-elsewhere") != NULL);

	/* its node died: a minute without renewal frees the journal */
	write_lease("node-elsewhere", "boot-x", 4242, now - 120, 0);
	CHECK_INT(ae_journal_busy_probe(who, sizeof(who)), 0);
	j = jopen();
	CHECK(j != NULL);
	l = read_lease();
	CHECK_STR(json_string_value(json_object_get(l, "host")), host);
	CHECK_INT(json_integer_value(json_object_get(l, "pid")), getpid());
	CHECK(!json_is_true(json_object_get(l, "released")));
	CHECK(json_integer_value(json_object_get(l, "heartbeat")) >= now);
	json_decref(l);
	/* held by this process: another open is refused (lock and lease) */
	CHECK(ae_journal_open(dir, &err) == NULL);
	CHECK(strstr(err.text, "locked") != NULL);
	/* a renewal keeps it; one taken over in the meantime (this helper
	 * was silent too long) tells the helper to stop */
	CHECK_INT(ae_journal_heartbeat(j, &err), 0);
	write_lease("node-elsewhere", "boot-x", 4242, now, 0);
	CHECK_INT(ae_journal_heartbeat(j, &err), -2);
	CHECK(strstr(err.text, "taken over by node-elsewhere") != NULL);
	ae_journal_free(j);
	/* the close leaves the other helper's lease alone */
	l = read_lease();
	CHECK_STR(json_string_value(json_object_get(l, "host")),
	          "node-elsewhere");
	CHECK(!json_is_true(json_object_get(l, "released")));
	json_decref(l);

	/* released: free at once; this host's lease whose process is gone
	 * (a killed worker): free at once too */
	write_lease("node-elsewhere", "boot-x", 4242, now, 1);
	j = jopen();
	CHECK(j != NULL);
	ae_journal_free(j);
	l = read_lease();
	CHECK(json_is_true(json_object_get(l, "released")));
	json_decref(l);
	{
		char boot[64] = "";
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

		if (f) {
			if (fgets(boot, sizeof(boot), f))
				boot[strcspn(boot, "\n")] = '\0';
			fclose(f);
		}
		write_lease(host, boot, 999999999, now, 0);
	}
	j = jopen();
	CHECK(j != NULL);
	ae_journal_free(j);
	unlink(path_of("journal.lease"));
}

/* The journal is read in blocks, not whole: records across the block
 * boundaries are all replayed, a line far longer than any record is
 * skipped (counted), and what follows it still counts. */
static void test_streaming_replay(void)
{
	char sub[512], name[64], *big;
	ae_journal *j;
	ae_journal_stats s;
	ae_error err;
	struct rusage ru;
	int fd, i;
	size_t n = 17u * 1024 * 1024;

	snprintf(sub, sizeof(sub), "%s/stream", dir);
	CHECK(mkdir(sub, 0755) == 0);
	snprintf(name, sizeof(name), "stream/%s", AE_JOURNAL_FILE);
	for (i = 0; i < 3000; i++) {
		char rec[256];

		snprintf(rec, sizeof(rec),
		         "{\"type\":\"action_started\",\"event\":\"e\","
		         "\"action\":\"0\",\"key\":\"k%d\"}\n",
		         i);
		raw_append(name, rec);
	}
	big = malloc(n + 2);
	CHECK(big != NULL);
	memset(big, 'x', n);
	big[n] = '\n';
	big[n + 1] = '\0';
	fd = open(path_of(name), O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, big, n + 1) == (ssize_t)(n + 1));
	close(fd);
	free(big);
	raw_append(name, "{\"type\":\"action_started\",\"event\":\"e\","
	                 "\"action\":\"0\",\"key\":\"after\"}\n");
	raw_append(name, "{\"type\":\"action_fini"); /* torn */
	j = ae_journal_open(sub, &err);
	CHECK(j != NULL);
	if (!j) {
		fprintf(stderr, "open: %s\n", err.text);
		return;
	}
	s = ae_journal_stats_get(j);
	CHECK_INT(s.records, 3001);
	CHECK_INT(s.bad_lines, 1);
	CHECK_INT(s.torn_bytes, strlen("{\"type\":\"action_fini"));
	CHECK_INT(s.interrupted, 3001);
	CHECK_INT(ae_journal_lookup(j, "e", "0", "k2999"),
	          AE_JOURNAL_INTERRUPTED);
	CHECK_INT(ae_journal_lookup(j, "e", "0", "after"),
	          AE_JOURNAL_INTERRUPTED);
	ae_journal_free(j);

	/* a big journal (here a hole of zeros: no disk space) opens in
	 * bounded memory, not read whole (which refused one of 1 GiB) */
	snprintf(sub, sizeof(sub), "%s/huge", dir);
	CHECK(mkdir(sub, 0755) == 0);
	snprintf(name, sizeof(name), "huge/%s", AE_JOURNAL_FILE);
	raw_append(name, "{\"type\":\"action_started\",\"event\":\"e\","
	                 "\"action\":\"0\",\"key\":\"before\"}\n");
	fd = open(path_of(name), O_WRONLY);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)300 * 1024 * 1024) == 0);
	CHECK(pwrite(fd, "\n", 1, (off_t)300 * 1024 * 1024) == 1);
	close(fd);
	raw_append(name, "{\"type\":\"action_started\",\"event\":\"e\","
	                 "\"action\":\"0\",\"key\":\"behind\"}\n");
	j = ae_journal_open(sub, &err);
	CHECK(j != NULL);
	if (!j) {
		fprintf(stderr, "open: %s\n", err.text);
		return;
	}
	s = ae_journal_stats_get(j);
	CHECK_INT(s.records, 2);
	CHECK_INT(s.bad_lines, 1);
	CHECK_INT(ae_journal_lookup(j, "e", "0", "behind"),
	          AE_JOURNAL_INTERRUPTED);
	getrusage(RUSAGE_SELF, &ru);
#ifndef __SANITIZE_ADDRESS__
	/* KiB: far from the file's size (not under ASan, whose shadow memory
	 * and quarantine make the process's high-water mark meaningless) */
	CHECK(ru.ru_maxrss < 128 * 1024);
#else
	(void)ru;
#endif
	ae_journal_free(j);
	snprintf(sub, sizeof(sub), "%s/huge/%s", dir, AE_JOURNAL_FILE);
	unlink(sub);
}

/* A command's output is kept in the journal up to 4 KiB per stream, its
 * end: a journal of chatty commands stays small. */
static void test_result_capped(void)
{
	ae_event ev = {0};
	ae_journal *j;
	ae_error err;
	json_t *res, *rec;
	const char *out;
	char *chatty = malloc(100001);

	memset(chatty, 'a', 100000);
	memcpy(chatty + 100000 - 4, "tail", 4);
	chatty[100000] = '\0';
	ev.name = "chatty";
	ev.dedup_key = "{}";
	j = jopen();
	CHECK_INT(ae_journal_record_started(j, &ev, "0", NULL, &err), 0);
	res = json_pack("{s:s, s:s, s:i}", "stdout", chatty, "stderr", "short",
	                "exit_code", 0);
	CHECK_INT(ae_journal_record_finished(j, &ev, "0", "ok", res, &err), 0);
	json_decref(res);
	free(chatty);
	rec = last_record();
	out = json_string_value(
	    json_object_get(json_object_get(rec, "result"), "stdout"));
	CHECK(out && strlen(out) < 4200);
	CHECK(out && strstr(out, "bytes not kept in the journal") != NULL);
	CHECK(out && strlen(out) > 4 && !strcmp(out + strlen(out) - 4, "tail"));
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(rec, "result"), "stderr")),
	          "short");
	json_decref(rec);
	ae_journal_free(j);
}

int main(void)
{
	umask(022);
	snprintf(dir, sizeof(dir), "%s/ae_journal.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_fired_and_reopen();
	test_interrupted();
	test_resumed();
	test_torn_and_bad();
	test_conditions();
	test_metadata_not_json();
	test_state();
	test_symlinks_and_lock();
	test_crash_between_append_and_state();
	test_many_keys();
	test_lease();
	test_streaming_replay();
	test_result_capped();
	test_rmtree(dir);
	TEST_MAIN_END();
}
