/* The engine: events to actions at most once, through a journal; waiting
 * conditions that survive a restart; queue vs inline; bounded concurrency. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "ae_engine.h"
#include "ae_yaml.h"
#include "testutil.h"

/* An in-memory journal. */
typedef struct rec {
	char key[256];
	int started, finished, outcome;
	char message[512];
	char state[1024];
	char result[4096];
} rec;

typedef struct journal {
	rec r[64];
	size_t n;
	int fail_start, fail_finish;
	int start_calls;
	int pending_calls;
} journal;

static rec *jfind(journal *j, const ae_fire_key *k, int create)
{
	char key[256];

	snprintf(key, sizeof(key), "%s|%s|%u", k->event, k->dedup_key,
	         k->binding);
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->r[i].key, key))
			return &j->r[i];
	if (!create || j->n == 64)
		return NULL;
	memset(&j->r[j->n], 0, sizeof(rec));
	snprintf(j->r[j->n].key, sizeof(j->r[j->n].key), "%s", key);
	return &j->r[j->n++];
}

static int j_have(void *ctx, const ae_fire_key *k, ae_error *err)
{
	rec *r = jfind(ctx, k, 0);

	(void)err;
	return r && (r->started || r->finished);
}

static int j_pending(void *ctx, const ae_fire_key *k, const ae_event *ev,
                     const char *state, ae_error *err)
{
	rec *r = jfind(ctx, k, 1);

	(void)ev;
	(void)err;
	((journal *)ctx)->pending_calls++;
	snprintf(r->state, sizeof(r->state), "%s", state);
	return 0;
}

static int j_started(void *ctx, const ae_fire_key *k, const ae_event *ev,
                     const char *cls, ae_error *err)
{
	journal *j = ctx;
	rec *r;

	(void)ev;
	(void)cls;
	j->start_calls++;
	if (j->fail_start)
		return ae_error_set(err, NULL, 0, 0, NULL, "disk full");
	r = jfind(j, k, 1);
	r->started = 1;
	return 0;
}

static int j_finished(void *ctx, const ae_fire_key *k, ae_fire_outcome o,
                      const char *msg, const char *result, ae_error *err)
{
	rec *r;

	if (((journal *)ctx)->fail_finish)
		return ae_error_set(err, NULL, 0, 0, NULL, "disk full");
	r = jfind(ctx, k, 1);
	r->finished = 1;
	r->outcome = (int)o;
	snprintf(r->message, sizeof(r->message), "%s", msg);
	snprintf(r->result, sizeof(r->result), "%s", result ? result : "");
	return 0;
}

static const ae_journal_ops jops = {j_have, j_pending, j_started, j_finished};

static char logbuf[4096];

static void logfn(void *ctx, const ae_fire_key *k, const char *cls,
                  ae_fire_outcome o, const char *msg)
{
	size_t l = strlen(logbuf);

	(void)ctx;
	snprintf(logbuf + l, sizeof(logbuf) - l, "%s/%u %s %d %s\n", k->event,
	         k->binding, cls, (int)o, msg);
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the loop with the real clock until nothing is pending (or limit s). */
static void drain(ae_engine *e, double limit)
{
	double end = wall() + limit;
	ae_error err;

	while (ae_engine_pending(e) && wall() < end) {
		struct pollfd pfd[16];
		int fds[16], n = ae_engine_fds(e, fds, 16);
		double now = wall(), next = ae_engine_next_time(e, now);
		int ms = isfinite(next) ? (int)((next - now) * 1000) + 1 : 100;

		for (int i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		if (ms > 100)
			ms = 100;
		poll(pfd, (nfds_t)n, ms < 0 ? 0 : ms);
		ae_engine_step(e, wall(), &err);
	}
}

typedef struct feed_ctx {
	ae_engine *e;
	double now;
} feed_ctx;

static int to_engine(void *ctx, size_t rule, ae_event *ev)
{
	feed_ctx *f = ctx;
	ae_error err;

	return ae_engine_submit(f->e, rule, ev, f->now, &err) < 0 ? -1 : 0;
}

static void line(ae_rules *r, ae_engine *e, const char *text, double now)
{
	feed_ctx f = {e, now};
	ae_error err;

	CHECK(ae_rules_match_line(r, text, strlen(text), 0, 0, "log", to_engine,
	                          &f, &err) >= 0);
}

static const char *rules_yaml =
    "log_events:\n"
    "  checkpoint_saved:\n"
    "    pattern: 'successfully saved checkpoint from "
    "iteration\\s+(?P<iteration>\\d+) to (?P<path>\\S+)'\n"
    "    extract_groups: {checkpoint_iteration: iteration, checkpoint_path: "
    "path}\n"
    "    actions:\n"
    "      - class_name: LogAction\n"
    "        message: 'saved {checkpoint_iteration} in {output_dir}'\n"
    "      - class_name: EventAction\n"
    "        mode: queue\n"
    "        conditions:\n"
    "          - {class_name: MetadataCondition, key: checkpoint_iteration, "
    "equals: 100}\n"
    "          - class_name: FileExistsCondition\n"
    "            path: '{checkpoint_path}/iter_{checkpoint_iteration:07d}'\n"
    "            blocking: true\n"
    "            timeout_seconds: 600\n"
    "            poll_interval_seconds: 5\n"
    "        action:\n"
    "          class_name: RunCommandAction\n"
    "          command: [touch, "
    "'{output_dir}/cooldown_{checkpoint_iteration}']\n";

int main(void)
{
	char dir[256];
	char path[512], text[512];
	const char *const child_env[] = {"PATH=/usr/bin:/bin", NULL};
	ae_node *cfg, *vars;
	ae_rules *r;
	ae_engine *e;
	ae_engine_opts o = {0};
	ae_engine_stats st;
	ae_error err;
	journal j = {0};
	struct stat sb;
	double t0 = wall();
	rec *rc;

	snprintf(dir, sizeof(dir), "%s/ae_engine_XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	cfg = ae_yaml_load_string(rules_yaml, strlen(rules_yaml), "r.yaml",
	                          NULL, &err);
	r = ae_rules_compile(ae_map_get(cfg, "log_events"), 0, &err);
	CHECK(r != NULL);
	if (!r) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	vars = ae_node_new_map();
	ae_map_set(vars, "output_dir", ae_node_new_string(dir));
	o.journal = &jops;
	o.journal_ctx = &j;
	o.vars = vars;
	o.envp = child_env;
	o.log = logfn;
	o.attempt = 1;
	e = ae_engine_new(r, &o, &err);

	/* iteration 50: logged inline, the cooldown is skipped (condition) */
	snprintf(text, sizeof(text),
	         "  successfully saved checkpoint from iteration      50 to %s "
	         "[ t 1/1, p 1/1 ]",
	         dir);
	line(r, e, text, t0);
	CHECK(strstr(logbuf, "checkpoint_saved/0 LogAction 0 saved 50 in ") !=
	      NULL);
	CHECK_INT(ae_engine_pending(e), 1); /* the queued binding */
	CHECK(ae_engine_next_time(e, t0) <= t0);
	CHECK_INT(ae_engine_step(e, t0, &err), 0);
	CHECK_INT(ae_engine_pending(e), 0);
	CHECK(strstr(logbuf,
	             "checkpoint_saved/1 RunCommandAction 2 "
	             "checkpoint_iteration is '50', not '100'") != NULL);

	/* iteration 100: waits for the iteration directory */
	snprintf(text, sizeof(text),
	         "  successfully saved checkpoint from iteration     100 to %s "
	         "[ t 1/1, p 1/1 ]",
	         dir);
	line(r, e, text, t0);
	CHECK_INT(ae_engine_step(e, t0, &err), 0);
	CHECK_INT(ae_engine_pending(e), 1);
	CHECK(fabs(ae_engine_next_time(e, t0) - (t0 + 5)) < 1e-6);
	CHECK_INT(j.pending_calls, 1);
	/* the same line again (a rescan) does not add work */
	line(r, e, text, t0 + 1);
	CHECK_INT(ae_engine_pending(e), 1);
	ae_engine_get_stats(e, &st);
	CHECK_INT(st.deduped,
	          2); /* the LogAction already fired, the cooldown is pending */

	/* restart: a new engine restores the waiting work from the journal */
	{
		ae_fire_key k = {0};
		ae_event *ev = calloc(1, sizeof(*ev));
		char dk[512];

		ae_engine_free(e);
		e = ae_engine_new(r, &o, &err);
		snprintf(dk, sizeof(dk),
		         "{\"checkpoint_iteration\":\"100\",\"checkpoint_"
		         "path\":\"%s\"}",
		         dir);
		k.event = "checkpoint_saved";
		k.dedup_key = dk;
		k.binding = 1;
		rc = jfind(&j, &k, 0);
		CHECK(rc && rc->state[0] && !rc->started);
		ev->name = strdup("checkpoint_saved");
		ev->dedup_key = strdup(dk);
		ev->metadata = ae_node_new_map();
		ae_map_set(ev->metadata, "checkpoint_iteration",
		           ae_node_new_string("100"));
		ae_map_set(ev->metadata, "checkpoint_path",
		           ae_node_new_string(dir));
		CHECK_INT(ae_engine_restore(e, 0, 1, ev, rc ? rc->state : "{}",
		                            t0 + 10, &err),
		          0);
		CHECK_INT(ae_engine_step(e, t0 + 10, &err), 0);
		CHECK_INT(ae_engine_pending(e), 1);
	}
	/* the directory appears: the command runs, once */
	snprintf(path, sizeof(path), "%s/iter_0000100", dir);
	mkdir(path, 0700);
	CHECK_INT(ae_engine_step(e, t0 + 12, &err),
	          0); /* not due before t0+15 */
	CHECK_INT(ae_engine_pending(e), 1);
	{
		double now = wall();

		if (now < t0 + 15)
			now = t0 + 15;
		CHECK_INT(ae_engine_step(e, now, &err), 0);
	}
	drain(e, 10);
	CHECK_INT(ae_engine_pending(e), 0);
	snprintf(path, sizeof(path), "%s/cooldown_100", dir);
	CHECK(stat(path, &sb) == 0);
	ae_engine_get_stats(e, &st);
	CHECK_INT(st.succeeded, 1);
	CHECK(
	    strstr(logbuf,
	           "checkpoint_saved/1 RunCommandAction 0 command exited 0") !=
	    NULL);
	/* the journal has the provenance of the command */
	{
		char dk[512];
		ae_fire_key k = {"checkpoint_saved", dk, 1};

		snprintf(dk, sizeof(dk),
		         "{\"checkpoint_iteration\":\"100\",\"checkpoint_"
		         "path\":\"%s\"}",
		         dir);
		rc = jfind(&j, &k, 0);
		CHECK(rc && rc->finished && rc->outcome == AE_FIRE_SUCCESS);
		CHECK(rc && strstr(rc->result, "\"argv\":[\"touch\"") != NULL);
		CHECK(rc && strstr(rc->result, "\"exit_code\":0") != NULL);
	}
	/* the line once more, after it fired: nothing runs */
	unlink(path);
	line(r, e, text, wall());
	drain(e, 5);
	CHECK(stat(path, &sb) != 0);
	ae_engine_free(e);

	/* the journal cannot record the start (a full disk): the action does
	 * not run, and is not decided either: it waits, and starts once, as
	 * soon as the journal takes its record */
	{
		journal j2 = {0};
		double t = wall();

		j2.fail_start = 1;
		j2.fail_finish = 1;
		o.journal_ctx = &j2;
		logbuf[0] = '\0';
		e = ae_engine_new(r, &o, &err);
		snprintf(text, sizeof(text),
		         "  successfully saved checkpoint from iteration     "
		         "100 to %s",
		         dir);
		line(r, e, text, t);
		CHECK_INT(ae_engine_step(e, t, &err), 0);
		CHECK(stat(path, &sb) != 0);
		ae_engine_get_stats(e, &st);
		CHECK_INT(st.started, 0);
		CHECK_INT(st.failed, 0);
		CHECK(st.journal_errors >= 1);
		CHECK_INT(ae_engine_pending(e), 2); /* both bindings wait */
		CHECK(ae_engine_journal_held(e) >= 1);
		CHECK(strstr(ae_engine_journal_error(e), "disk full") != NULL);
		CHECK(logbuf[0] == '\0'); /* nothing decided */
		/* tried again after 1 s, not before */
		CHECK(fabs(ae_engine_next_time(e, t) - (t + 1)) < 1e-6);
		CHECK_INT(ae_engine_step(e, t + 0.5, &err), 0);
		CHECK_INT(j2.start_calls, 1);
		/* still full: the backoff doubles */
		CHECK_INT(ae_engine_step(e, t + 1, &err), 0);
		CHECK_INT(j2.start_calls, 2);
		CHECK(fabs(ae_engine_next_time(e, t + 1) - (t + 3)) < 1e-6);
		/* space again for the starts, not yet for the ends: the
		 * LogAction ran, its end waits to be recorded */
		j2.fail_start = 0;
		CHECK_INT(ae_engine_step(e, t + 3, &err), 0);
		ae_engine_get_stats(e, &st);
		CHECK_INT(st.started, 1);
		CHECK(strstr(logbuf, "checkpoint_saved/0 LogAction 0") != NULL);
		CHECK(ae_engine_journal_held(e) >= 1);
		j2.fail_finish = 0;
		CHECK_INT(ae_engine_step(e, t + 4, &err), 0);
		drain(e, 20);
		CHECK_INT(ae_engine_pending(e), 0);
		CHECK_INT(ae_engine_journal_held(e), 0);
		CHECK(strcmp(ae_engine_journal_error(e), "") == 0);
		ae_engine_get_stats(e, &st);
		CHECK_INT(st.started, 2);
		CHECK_INT(st.succeeded, 2);
		/* each decided once, and recorded */
		for (size_t i = 0; i < j2.n; i++)
			CHECK(j2.r[i].started && j2.r[i].finished);
		CHECK_INT(j2.n, 2);
		CHECK(stat(path, &sb) == 0);
		unlink(path);
		ae_engine_free(e);
		o.journal_ctx = &j;
	}

	/* the end of a drain: nothing starts or is evaluated any more, the
	 * undecided work stays for the next helper; nothing keeps it busy */
	{
		journal j4 = {0};
		int fds[4];

		o.journal_ctx = &j4;
		e = ae_engine_new(r, &o, &err);
		snprintf(text, sizeof(text),
		         "  successfully saved checkpoint from iteration     "
		         "100 to %s/later",
		         dir);
		line(r, e, text, t0);
		CHECK_INT(ae_engine_pending(e), 1); /* queued */
		ae_engine_request_stop(e);
		CHECK(isinf(ae_engine_next_time(e, t0)));
		CHECK_INT(ae_engine_step(e, t0 + 100, &err), 0);
		CHECK_INT(ae_engine_pending(e), 1);
		CHECK_INT(j4.pending_calls,
		          0); /* its conditions were not asked */
		CHECK_INT(ae_engine_fds(e, fds, 4), 0);
		CHECK_INT((int)ae_engine_critical_children(e), 0);
		ae_engine_get_stats(e, &st);
		CHECK_INT(st.started, 1); /* the inline LogAction, before */
		ae_engine_free(e);
		o.journal_ctx = &j;
	}

	/* blocking timeout with an injected clock: recorded as skipped */
	{
		journal j3 = {0};

		o.journal_ctx = &j3;
		e = ae_engine_new(r, &o, &err);
		snprintf(text, sizeof(text),
		         "  successfully saved checkpoint from iteration     "
		         "100 to %s/nothere",
		         dir);
		line(r, e, text, 1000);
		CHECK_INT(ae_engine_step(e, 1000, &err), 0);
		CHECK_INT(ae_engine_pending(e), 1);
		CHECK_INT(ae_engine_step(e, 1599, &err), 0);
		CHECK_INT(ae_engine_pending(e), 1);
		CHECK_INT(ae_engine_step(e, 1600, &err), 0);
		CHECK_INT(ae_engine_pending(e), 0);
		ae_engine_get_stats(e, &st);
		CHECK_INT(st.skipped, 1);
		CHECK(strstr(logbuf, "timeout after 600s waiting for") != NULL);
		ae_engine_free(e);
		o.journal_ctx = &j;
	}
	ae_rules_free(r);
	ae_node_free(cfg);

	/* concurrency is bounded; events are distinct triggers */
	{
		const char *y =
		    "log_events:\n"
		    "  go:\n"
		    "    pattern: 'go (?P<n>\\d+)'\n"
		    "    actions:\n"
		    "      - {class_name: RunCommandAction, command: [sh, -c, "
		    "'sleep 0.2; echo {n} >> {output_dir}/order']}\n";
		journal j4 = {0};
		double start;
		int fd;
		char buf[64] = {0};

		cfg = ae_yaml_load_string(y, strlen(y), "c.yaml", NULL, &err);
		r = ae_rules_compile(ae_map_get(cfg, "log_events"), 0, &err);
		o.journal_ctx = &j4;
		o.max_running = 1;
		e = ae_engine_new(r, &o, &err);
		start = wall();
		line(r, e, "go 1", start);
		line(r, e, "go 2", start);
		line(r, e, "go 3", start);
		line(r, e, "go 2", start); /* same trigger as before: nothing */
		CHECK_INT(ae_engine_pending(e), 3);
		drain(e, 10);
		CHECK(wall() - start >= 0.55);
		snprintf(path, sizeof(path), "%s/order", dir);
		fd = open(path, O_RDONLY);
		CHECK(read(fd, buf, sizeof(buf) - 1) == 6);
		close(fd);
		CHECK_STR(buf, "1\n2\n3\n");
		ae_engine_get_stats(e, &st);
		CHECK_INT(st.succeeded, 3);
		CHECK_INT(st.deduped, 1);
		ae_engine_free(e);
		ae_rules_free(r);
		ae_node_free(cfg);
	}

	ae_node_free(vars);
	test_rmtree(dir);
	TEST_MAIN_END();
}
