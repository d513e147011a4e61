/* ae_engine_journal: the engine on the real journal. Inline actions are
 * recorded started/finished; a waiting condition is recorded pending and
 * listed for monitor_state.json; a new engine and journal on the same
 * directory (a helper restart) restore it and run it once; a trigger that
 * fired or was decided is never tracked or run again, also after an
 * interrupted start; an interrupted start of a resumable class is resumed
 * once by the next helper, with its event, and recorded so. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ae_engine.h"
#include "ae_engine_journal.h"
#include "ae_journal.h"
#include "ae_rules.h"
#include "ae_yaml.h"
#include "testutil.h"

static const char rules_yaml[] =
    "log_events:\n"
    "  - name: ckpt\n"
    "    pattern: 'saved iteration (?P<it>\\d+)'\n"
    "    metadata: {kind: checkpoint}\n"
    "    actions:\n"
    "      - class_name: LogAction\n"
    "        message: 'saved {it}'\n"
    "      - class_name: EventAction\n"
    "        mode: queue\n"
    "        conditions:\n"
    "          - class_name: FileExistsCondition\n"
    "            path: '{output_dir}/ready_{it}'\n"
    "            blocking: true\n"
    "            timeout_seconds: 100\n"
    "            poll_interval_seconds: 1\n"
    "        action:\n"
    "          class_name: LogAction\n"
    "          message: 'ready {it}'\n"
    "  - name: nothing\n"
    "    pattern: 'no actions here'\n"
    "    metadata: {kind: x}\n"
    "  - name: skipped\n"
    "    pattern: 'skip (?P<it>\\d+)'\n"
    "    metadata: {kind: y}\n"
    "    actions:\n"
    "      - class_name: EventAction\n"
    "        conditions:\n"
    "          - class_name: MetadataCondition\n"
    "            key: it\n"
    "            equals: '1'\n"
    "        action: {class_name: LogAction, message: one}\n"
    "  - name: submit\n"
    "    pattern: 'submit (?P<it>\\d+)'\n"
    "    metadata: {kind: z}\n"
    "    actions:\n"
    "      - class_name: ResumableAction\n"
    "      - class_name: LogAction\n"
    "        message: 'plain {it}'\n";

/* A class that keeps its own record, as RunAutoexpAction does. */
static int resumable_starts;
static char resumable_it[32];

static int resumable_compile(const ae_node *cfg, int unresolved, void **data,
                             ae_error *err)
{
	(void)cfg;
	(void)unresolved;
	(void)err;
	*data = NULL;
	return 0;
}

static int resumable_start(const void *data, const ae_eval_env *env,
                           ae_action_exec *x, ae_error *err)
{
	const ae_node *it = env->tmpl && env->tmpl->metadata
	                        ? ae_map_get(env->tmpl->metadata, "it")
	                        : NULL;

	(void)data;
	(void)err;
	resumable_starts++;
	snprintf(resumable_it, sizeof(resumable_it), "%s",
	         it && it->type == AE_STRING ? it->u.str.s : "?");
	ae_action_exec_finish(x, AE_ACTION_SUCCESS, "done");
	return 0;
}

static const char *const resumable_fields[] = {"class_name", NULL};
static const ae_action_class resumable_class = {"ResumableAction",
                                                resumable_fields,
                                                resumable_compile,
                                                NULL,
                                                resumable_start,
                                                NULL,
                                                NULL,
                                                1};

/* A collecting ae_journal_resume_fn. */
typedef struct resumes {
	const ae_rules *rules;
	json_t *list;
} resumes;

static int want(void *p, const json_t *started)
{
	resumes *rs = p;

	if (!ae_engine_journal_resumable((void *)rs->rules, started))
		return 0;
	json_array_append(rs->list, (json_t *)started);
	return 1;
}

typedef struct ctx {
	ae_engine_journal *ej;
	ae_engine *e;
	double now;
	int tracked;
} ctx;

static int emit(void *p, size_t rule, ae_event *ev)
{
	ctx *c = p;
	ae_error err;
	int n = ae_engine_journal_track(c->ej, rule, ev, &err);

	if (n <= 0) {
		ae_event_free(ev);
		return 0;
	}
	c->tracked += n;
	return ae_engine_submit(c->e, rule, ev, c->now, &err) < 0 ? -1 : 0;
}

static void line(ae_rules *r, ctx *c, const char *text)
{
	ae_error err;

	CHECK(ae_rules_match_line(r, text, strlen(text), 0, 1, NULL, emit, c,
	                          &err) >= 0);
}

/* Lines of events.jsonl with this type and key substring. */
static int count(const char *dir, const char *type, const char *sub)
{
	char path[512], buf[4096], t[128];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	snprintf(t, sizeof(t), "\"type\":\"%s\"", type);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (strstr(buf, t) && strstr(buf, sub))
			n++;
	fclose(f);
	return n;
}

static void open_all(const char *dir, ae_rules *r, ae_node *vars,
                     ae_journal **j, ctx *c)
{
	ae_engine_opts o;
	ae_error err;

	memset(&o, 0, sizeof(o));
	*j = ae_journal_open(dir, &err);
	CHECK(*j != NULL);
	c->ej = ae_engine_journal_new(*j, r);
	o.journal = ae_engine_journal_ops();
	o.journal_ctx = c->ej;
	o.vars = vars;
	o.attempt = 1;
	c->e = ae_engine_new(r, &o, &err);
	CHECK(c->e != NULL);
}

static void close_all(ae_journal *j, ctx *c)
{
	ae_engine_free(c->e);
	ae_engine_journal_free(c->ej);
	ae_journal_free(j);
	c->e = NULL;
	c->ej = NULL;
}

int main(void)
{
	char dir[256], path[512];
	ae_node *cfg, *vars;
	ae_rules *r;
	ae_journal *j;
	ae_error err;
	json_t *pending, *saved;
	ctx c;
	size_t dropped = 0;
	int fd;

	memset(&c, 0, sizeof(c));
	c.now = (double)time(NULL);
	snprintf(dir, sizeof(dir), "%s/ae_ej_XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK_INT(ae_action_register(&resumable_class), 0);
	cfg = ae_yaml_load_string(rules_yaml, strlen(rules_yaml), "r.yaml",
	                          NULL, &err);
	r = cfg ? ae_rules_compile(ae_map_get(cfg, "log_events"), 0, &err)
	        : NULL;
	if (!r) {
		fprintf(stderr, "rules: %s\n", err.text);
		return 1;
	}
	vars = ae_node_new_map();
	ae_map_set(vars, "output_dir", ae_node_new_string(dir));
	open_all(dir, r, vars, &j, &c);

	/* an event: LogAction now, the queued one waits for its file */
	line(r, &c, "saved iteration 100");
	CHECK_INT(c.tracked, 2);
	CHECK_INT(count(dir, "action_started", "\\\"100\\\""), 1);
	CHECK_INT(count(dir, "action_finished", "\\\"100\\\""), 1);
	CHECK(ae_engine_journal_dirty(c.ej));
	/* queued: not decided yet, listed without a state */
	pending = ae_engine_journal_pending(c.ej);
	CHECK_INT(json_array_size(pending), 1);
	CHECK(
	    json_is_null(json_object_get(json_array_get(pending, 0), "state")));
	json_decref(pending);
	CHECK_INT(ae_engine_step(c.e, c.now, &err), 0);
	CHECK_INT(count(dir, "condition_pending", "\\\"100\\\""), 1);
	pending = ae_engine_journal_pending(c.ej);
	CHECK_INT(json_array_size(pending), 1);
	CHECK(json_is_object(
	          json_object_get(json_array_get(pending, 0), "state")) ||
	      json_is_array(
	          json_object_get(json_array_get(pending, 0), "state")));
	CHECK_INT(json_integer_value(
	              json_object_get(json_array_get(pending, 0), "binding")),
	          1);
	json_decref(pending);
	ae_engine_journal_clean(c.ej);
	CHECK(!ae_engine_journal_dirty(c.ej));

	/* the same line again (a rescan) adds nothing */
	c.tracked = 0;
	line(r, &c, "saved iteration 100");
	CHECK_INT(c.tracked, 0);
	CHECK_INT(count(dir, "action_started", "\\\"100\\\""), 1);
	/* rules without actions track nothing */
	line(r, &c, "no actions here");
	CHECK_INT(c.tracked, 0);
	/* a failing condition is decided: recorded and never tracked again */
	line(r, &c, "skip 2");
	CHECK_INT(count(dir, "condition_failed", "\\\"2\\\""), 1);
	c.tracked = 0;
	line(r, &c, "skip 2");
	CHECK_INT(c.tracked, 0);
	CHECK_INT(ae_engine_journal_count(c.ej), 1);

	/* restart: save what is pending, reopen everything, restore */
	saved = ae_engine_journal_pending(c.ej);
	close_all(j, &c);
	open_all(dir, r, vars, &j, &c);
	CHECK_INT(
	    ae_engine_journal_restore(c.ej, c.e, saved, c.now, &dropped, &err),
	    1);
	CHECK_INT(dropped, 0);
	/* restoring twice (or a rescan) does not duplicate */
	CHECK_INT(
	    ae_engine_journal_restore(c.ej, c.e, saved, c.now, &dropped, &err),
	    0);
	CHECK_INT(dropped, 1);
	c.tracked = 0;
	line(r, &c, "saved iteration 100");
	CHECK_INT(c.tracked, 0);
	CHECK_INT(ae_engine_step(c.e, c.now, &err), 0);
	CHECK_INT(count(dir, "action_started", "ready"), 0);
	CHECK_INT(ae_engine_pending(c.e), 1);
	/* the file appears: it runs, once */
	snprintf(path, sizeof(path), "%s/ready_100", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK_INT(ae_engine_step(c.e, c.now + 2, &err), 0);
	CHECK_INT(ae_engine_pending(c.e), 0);
	CHECK_INT(count(dir, "action_finished", "\"action\":\"1\""), 1);
	CHECK_INT(ae_engine_journal_count(c.ej), 0);
	pending = ae_engine_journal_pending(c.ej);
	CHECK_INT(json_array_size(pending), 0);
	json_decref(pending);
	/* an old state listing it again is dropped: the journal decided */
	close_all(j, &c);
	open_all(dir, r, vars, &j, &c);
	CHECK_INT(
	    ae_engine_journal_restore(c.ej, c.e, saved, c.now, &dropped, &err),
	    0);
	CHECK_INT(dropped, 1);
	json_decref(saved);

	/* a start without an end (the helper died): interrupted, never
	 * run again */
	{
		ae_event ev = {"ckpt", 0, 1, NULL, "{\"it\":\"300\"}"};

		CHECK_INT(
		    ae_journal_record_started(j, &ev, "0", "LogAction", &err),
		    0);
	}
	close_all(j, &c);
	open_all(dir, r, vars, &j, &c);
	c.tracked = 0;
	line(r, &c, "saved iteration 300");
	CHECK_INT(c.tracked, 1); /* only the queued binding */
	CHECK_INT(count(dir, "action_started", "\\\"300\\\""), 1);
	/* entries that no longer fit the rules are dropped */
	saved = json_pack("[{s:s, s:i, s:s}, {s:s, s:i, s:s}]", "event", "gone",
	                  "binding", 0, "dedup_key", "{}", "event", "ckpt",
	                  "binding", 7, "dedup_key", "{}");
	CHECK_INT(
	    ae_engine_journal_restore(c.ej, c.e, saved, c.now, &dropped, &err),
	    0);
	CHECK_INT(dropped, 2);
	json_decref(saved);
	CHECK_INT(ae_engine_journal_errors(c.ej), 0);

	/* both actions of an event started, the helper died: the resumable
	 * one is resumed (once, with its event, conditions not asked again),
	 * the other recorded interrupted */
	{
		ae_node *meta = ae_node_new_map();
		ae_event ev = {"submit", 10, 5, meta, "{\"it\":\"400\"}"};
		resumes rs = {r, json_array()};
		ae_engine_opts o;

		ae_map_set(meta, "it", ae_node_new_string("400"));
		CHECK_INT(ae_journal_record_started(j, &ev, "0",
		                                    "ResumableAction", &err),
		          0);
		CHECK_INT(
		    ae_journal_record_started(j, &ev, "1", "LogAction", &err),
		    0);
		ae_node_free(meta);
		close_all(j, &c);
		for (int round = 0; round < 2; round++) {
			/* round 1: it died again before the resumed start */
			int fd2 = open(dir, O_RDONLY | O_DIRECTORY);

			json_array_clear(rs.list);
			j = ae_journal_openat_resuming(fd2, dir, want, &rs,
			                               &err);
			close(fd2);
			CHECK(j != NULL);
			CHECK_INT(json_array_size(rs.list), 1);
			CHECK_INT(
			    count(dir, "action_interrupted", "\\\"400\\\""), 1);
			if (round == 0)
				ae_journal_free(j);
		}
		c.ej = ae_engine_journal_new(j, r);
		memset(&o, 0, sizeof(o));
		o.journal = ae_engine_journal_ops();
		o.journal_ctx = c.ej;
		o.vars = vars;
		c.e = ae_engine_new(r, &o, &err);
		CHECK_INT(ae_engine_journal_resume(c.ej, c.e,
		                                   json_array_get(rs.list, 0),
		                                   c.now, &err),
		          1);
		/* a second resume of the same key adds nothing */
		CHECK_INT(ae_engine_journal_resume(c.ej, c.e,
		                                   json_array_get(rs.list, 0),
		                                   c.now, &err),
		          0);
		/* a rescan of the line is no new trigger */
		c.tracked = 0;
		line(r, &c, "submit 400");
		CHECK_INT(c.tracked, 0);
		CHECK_INT(ae_engine_step(c.e, c.now, &err), 0);
		CHECK_INT(resumable_starts, 1);
		CHECK_STR(resumable_it, "400");
		CHECK_INT(count(dir, "action_resumed", "\\\"400\\\""), 1);
		CHECK_INT(count(dir, "action_started", "\\\"400\\\""), 2);
		CHECK_INT(count(dir, "action_finished", "\\\"400\\\""), 1);
		CHECK_INT(ae_engine_pending(c.e), 0);
		CHECK_INT(ae_engine_journal_count(c.ej), 0);
		close_all(j, &c);
		/* finished now: nothing to resume, nothing interrupted */
		json_array_clear(rs.list);
		fd = open(dir, O_RDONLY | O_DIRECTORY);
		j = ae_journal_openat_resuming(fd, dir, want, &rs, &err);
		close(fd);
		CHECK(j != NULL);
		CHECK_INT(json_array_size(rs.list), 0);
		CHECK_INT(count(dir, "action_interrupted", "\\\"400\\\""), 1);
		CHECK_INT(ae_journal_stats_get(j).interrupted, 0);
		ae_journal_free(j);
		json_decref(rs.list);
		/* a record without the rules' action is never resumable */
		{
			json_t *bad =
			    json_pack("{s:s, s:s, s:s}", "event", "ckpt",
			              "action", "0", "key", "{}");

			CHECK_INT(ae_engine_journal_resumable((void *)r, bad),
			          0);
			json_object_set_new(bad, "event",
			                    json_string("submit"));
			json_object_set_new(bad, "action", json_string("9"));
			CHECK_INT(ae_engine_journal_resumable((void *)r, bad),
			          0);
			json_object_set_new(bad, "action", json_string("0"));
			CHECK_INT(ae_engine_journal_resumable((void *)r, bad),
			          1);
			json_decref(bad);
		}
	}

	ae_rules_free(r);
	ae_node_free(cfg);
	ae_node_free(vars);
	test_rmtree(dir);
	TEST_MAIN_END();
}
