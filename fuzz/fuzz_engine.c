/* Fuzz target: the helper's path from log bytes to actions: the follower
 * (ae_follow) reads the input as the job's log, each line goes to the rules
 * (the shipped megatron_production preset and fuzz/engine.yaml's rule) and
 * to the log facts (ae_logfacts), each event through the engine journal
 * (ae_engine_journal) into the engine, on the real journal (events.jsonl in
 * a directory of our own, in fuzz_tmpdir()). Then, as a helper restart does,
 * the state is saved, the journal is opened again, the state loaded and the
 * pending work restored into a new engine, which steps past every timeout.
 *
 * With FUZZ_ENGINE_JOURNAL=PATH, the journal and state of the first
 * helper are written to PATH in the journal target's input format (its
 * seeds: fuzz/seeds.py).
 *
 * Input: the log. The follower's line and block sizes are small so that
 * long lines and block ends come up in small inputs. Only LogActions run.
 * Every step succeeds or fails with an error; the journal never fails (a
 * directory of our own on a memory file system). */
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

#include "ae_compose.h"
#include "ae_engine.h"
#include "ae_engine_journal.h"
#include "ae_error.h"
#include "ae_follow.h"
#include "ae_interp.h"
#include "ae_journal.h"
#include "ae_logfacts.h"
#include "ae_monitor_config.h"
#include "ae_node.h"
#include "ae_rules.h"
#include "ae_template.h"
#include "ae_yaml.h"
#include "fuzz.h"

#ifndef AE_FUZZ_SRCDIR
#define AE_FUZZ_SRCDIR "."
#endif

static ae_node *config, *vars;
static ae_rules *rules;
static ae_template_ctx tctx;
static char dir[PATH_MAX], log_path[PATH_MAX + 16];
static int dirfd = -1;
static const char *const envp[] = {"PATH=/usr/bin:/bin", NULL};

typedef struct run {
	ae_engine *engine;
	ae_engine_journal *ej;
	ae_logfacts *facts;
	double now;
} run;

static void die(const char *what, const ae_error *err)
{
	fprintf(stderr, "fuzz_engine: %s: %s%s%s\n", what, err ? err->file : "",
	        err ? ": " : "", err ? err->text : "");
	abort();
}

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "%s/fuzz_engine.XXXXXX", fuzz_tmpdir());
	if (!mkdtemp(dir))
		die("mkdtemp", NULL);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		die("open the directory", NULL);
	snprintf(log_path, sizeof(log_path), "%s/job.log", dir);
}

/* Remove what LLVMFuzzerInitialize made when the process ends. */
static void cleanup(void)
{
	unlinkat(dirfd, AE_JOURNAL_FILE, 0);
	unlinkat(dirfd, AE_JOURNAL_STATE_FILE, 0);
	unlinkat(dirfd, "job.log", 0);
	close(dirfd);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("FUZZ_SRCDIR");
	char path[PATH_MAX], presets[PATH_MAX], vtext[3 * PATH_MAX];
	const char *search[1] = {presets};
	ae_compose_opts co = {0};
	ae_resolve_opts ro = {0};
	const ae_node *mon;
	ae_node *root;
	ae_error err;

	(void)argc;
	(void)argv;
	if (!src || !*src)
		src = AE_FUZZ_SRCDIR;
	snprintf(path, sizeof(path), "%s/fuzz/engine.yaml", src);
	snprintf(presets, sizeof(presets), "%s/config", src);
	co.search_path = search;
	co.n_search_path = 1;
	root = ae_compose_file(path, &co, &err);
	if (!root)
		die("compose", &err);
	ro.timestring = "20250101_000000_000";
	config = ae_interp_resolve(root, &ro, &err);
	ae_node_free(root);
	if (!config)
		die("resolve", &err);
	mon = ae_map_get(config, "monitoring");
	if (ae_monitor_config_check(mon, 0, &err) < 0)
		die("check", &err);
	rules = ae_rules_compile(ae_map_get(mon, "log_events"), 0, &err);
	if (!rules)
		die("rules", &err);
	make_dir();
	atexit(cleanup);
	snprintf(vtext, sizeof(vtext),
	         "{output_dir: '%s', job_id: '7', job_name: fz, user: fz, "
	         "node: n1, attempt: 1, log_path: '%s'}",
	         dir, log_path);
	vars = ae_yaml_load_string(vtext, strlen(vtext), "<vars>", NULL, &err);
	if (!vars)
		die("vars", &err);
	tctx.vars = vars;
	tctx.config = config;
	ae_rules_set_context(rules, &tctx);
	return 0;
}

static int emit(void *ctx, size_t rule, ae_event *ev)
{
	run *r = ctx;
	ae_error err;
	int n;

	FUZZ_ASSERT(ae_logfacts_event(r->facts, ev) == 0);
	if (ae_rules_nbindings(rules, rule) == 0) {
		ae_event_free(ev);
		return 0;
	}
	n = ae_engine_journal_track(r->ej, rule, ev, &err);
	if (n < 0)
		die("track", &err);
	if (n == 0) {
		ae_event_free(ev);
		return 0;
	}
	if (ae_engine_submit(r->engine, rule, ev, r->now, &err) < 0)
		die("submit", &err);
	return 0;
}

static int on_line(const char *line, size_t len, uint64_t offset,
                   uint64_t line_no, void *ctx)
{
	run *r = ctx;
	ae_error err;

	FUZZ_ASSERT(line[len] == '\0');
	r->now += 0.25;
	ae_logfacts_line(r->facts, line, len);
	if (ae_rules_match_line(rules, line, len, offset, line_no, log_path,
	                        emit, r, &err) < 0)
		die("match", &err);
	if (ae_engine_step(r->engine, r->now, &err) < 0)
		die("step", &err);
	return 0;
}

static ae_engine *new_engine(ae_engine_journal *ej)
{
	ae_engine_opts eo = {0};
	ae_engine *e;
	ae_error err;

	eo.journal = ae_engine_journal_ops();
	eo.journal_ctx = ej;
	eo.vars = vars;
	eo.config = config;
	eo.envp = envp;
	eo.cwd = dir;
	eo.home = dir;
	eo.attempt = 1;
	e = ae_engine_new(rules, &eo, &err);
	if (!e)
		die("engine", &err);
	return e;
}

/* The first helper: read the log, save the state. */
static void first(const uint8_t *data, size_t size)
{
	ae_follow_opts fo = {0};
	ae_journal_state st = {0};
	ae_follow *f;
	ae_journal *j;
	ae_error err;
	run r = {0};
	json_t *saved;
	ae_logfacts *again;
	int fd;

	fd = openat(dirfd, "job.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	            0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
	    close(fd) < 0)
		die("write the log", NULL);
	j = ae_journal_openat(dirfd, dir, &err);
	if (!j)
		die("journal", &err);
	r.ej = ae_engine_journal_new(j, rules);
	r.facts = ae_logfacts_new("after training is done");
	FUZZ_ASSERT(r.ej && r.facts);
	r.engine = new_engine(r.ej);
	r.now = 1000;
	fo.max_line = 512;
	fo.block_size = 64;
	fo.no_inotify = 1;
	f = ae_follow_new(log_path, &fo, &err);
	if (!f)
		die("follow", &err);
	if (ae_follow_drain(f, on_line, &r, &err) < 0)
		die("drain", &err);
	st.log_path = log_path;
	st.pos = ae_follow_position(f);
	st.pending = ae_engine_journal_pending(r.ej);
	st.facts = ae_logfacts_save(r.facts);
	FUZZ_ASSERT(st.pending && st.facts);
	if (ae_journal_state_save(j, &st, &err) < 0)
		die("save", &err);
	/* the facts read back as they were saved */
	again = ae_logfacts_new(NULL);
	FUZZ_ASSERT(again);
	ae_logfacts_load(again, st.facts);
	saved = ae_logfacts_save(again);
	FUZZ_ASSERT(saved && json_equal(saved, st.facts));
	json_decref(saved);
	ae_logfacts_free(again);
	json_decref(st.pending);
	json_decref(st.facts);
	ae_follow_free(f);
	ae_engine_free(r.engine);
	ae_engine_journal_free(r.ej);
	ae_logfacts_free(r.facts);
	ae_journal_free(j);
}

/* The next helper: open the journal, load the state, restore the pending
 * work, step past every timeout. */
static void second(void)
{
	ae_journal_state st;
	ae_journal *j;
	ae_engine_journal *ej;
	ae_engine *e;
	ae_error err;
	size_t dropped = 0;

	j = ae_journal_openat_resuming(dirfd, dir, ae_engine_journal_resumable,
	                               rules, &err);
	if (!j)
		die("journal again", &err);
	if (ae_journal_state_load(j, &st, &err) != 1)
		die("load", &err);
	ej = ae_engine_journal_new(j, rules);
	FUZZ_ASSERT(ej);
	e = new_engine(ej);
	if (ae_engine_journal_restore(ej, e, st.pending, 5000, &dropped, &err) <
	    0)
		die("restore", &err);
	for (double t = 5000; t <= 5020; t += 5)
		if (ae_engine_step(e, t, &err) < 0)
			die("step", &err);
	FUZZ_ASSERT(ae_engine_pending(e) == 0);
	ae_engine_free(e);
	ae_engine_journal_free(ej);
	ae_journal_state_clear(&st);
	ae_journal_free(j);
}

/* Append dirfd/name to out. */
static void copy_into(FILE *out, const char *name)
{
	char buf[4096];
	size_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	FILE *in = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (!in)
		die("read the journal", NULL);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
}

/* The journal and the state as one input of the journal target. */
static void save_journal_seed(const char *path)
{
	FILE *out = fopen(path, "w");

	if (!out)
		die("FUZZ_ENGINE_JOURNAL", NULL);
	copy_into(out, AE_JOURNAL_FILE);
	fputs(FUZZ_STATE_SEP, out);
	copy_into(out, AE_JOURNAL_STATE_FILE);
	if (fclose(out) != 0)
		die("FUZZ_ENGINE_JOURNAL", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *seed = getenv("FUZZ_ENGINE_JOURNAL");

	unlinkat(dirfd, AE_JOURNAL_FILE, 0);
	unlinkat(dirfd, AE_JOURNAL_STATE_FILE, 0);
	first(data, size);
	if (seed && *seed)
		save_journal_seed(seed);
	second();
	return 0;
}
