/* At most once, defined once: ae_journal_decision_of (the rule),
 * ae_journal_decide on a journal on disk and in memory, and the engine's
 * dry run deciding through the same journal calls. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae_engine.h"
#include "ae_engine_journal.h"
#include "ae_journal.h"
#include "ae_rules.h"
#include "ae_yaml.h"
#include "testutil.h"

static void test_rule(void)
{
	static const struct {
		ae_journal_status s;
		int restarted, goes_on;
		ae_journal_decision d;
	} t[] = {
	    {AE_JOURNAL_NONE, 0, 0, AE_JOURNAL_UNDECIDED},
	    {AE_JOURNAL_PENDING, 1, 1, AE_JOURNAL_UNDECIDED},
	    {AE_JOURNAL_MET, 0, 0, AE_JOURNAL_UNDECIDED},
	    {AE_JOURNAL_FAILED, 0, 0, AE_JOURNAL_SKIPPED},
	    {AE_JOURNAL_FAILED, 1, 1, AE_JOURNAL_SKIPPED},
	    {AE_JOURNAL_STARTED, 0, 0, AE_JOURNAL_IN_FLIGHT},
	    {AE_JOURNAL_STARTED, 0, 1, AE_JOURNAL_IN_FLIGHT},
	    {AE_JOURNAL_STARTED, 1, 1, AE_JOURNAL_RESUMABLE},
	    /* at most once wins over at least once */
	    {AE_JOURNAL_STARTED, 1, 0, AE_JOURNAL_DECIDED},
	    {AE_JOURNAL_FINISHED, 0, 0, AE_JOURNAL_DECIDED},
	    {AE_JOURNAL_FINISHED, 1, 1, AE_JOURNAL_DECIDED},
	    {AE_JOURNAL_INTERRUPTED, 1, 1, AE_JOURNAL_DECIDED},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK_INT(ae_journal_decision_of(t[i].s, t[i].restarted,
		                                 t[i].goes_on),
		          t[i].d);
}

/* The life of keys in one journal; the decisions, and what they let the
 * journal's own calls do. */
static void keys_live(ae_journal *j)
{
	ae_event a = {0}, b = {0};
	ae_error err;

	a.name = "ev";
	a.dedup_key = "a";
	b.name = "ev";
	b.dedup_key = "b";
	CHECK_INT(ae_journal_decide(j, "ev", "0", "a"), AE_JOURNAL_UNDECIDED);
	CHECK_INT(ae_journal_record_condition(j, &a, "0", AE_JOURNAL_PENDING,
	                                      NULL, &err),
	          0);
	CHECK_INT(ae_journal_decide(j, "ev", "0", "a"), AE_JOURNAL_UNDECIDED);
	CHECK_INT(ae_journal_record_started(j, &a, "0", NULL, &err), 0);
	CHECK_INT(ae_journal_decide(j, "ev", "0", "a"), AE_JOURNAL_IN_FLIGHT);
	CHECK_INT(ae_journal_has_fired(j, "ev", "0", "a"), 1);
	CHECK_INT(ae_journal_record_started(j, &a, "0", NULL, &err), 1);
	/* only a key left open at open is resumed */
	CHECK_INT(ae_journal_record_resumed(j, &a, "0", &err), -1);
	CHECK_INT(ae_journal_record_finished(j, &a, "0", "ok", NULL, &err), 0);
	CHECK_INT(ae_journal_decide(j, "ev", "0", "a"), AE_JOURNAL_DECIDED);

	/* a failed condition decides the key: it never starts */
	CHECK_INT(ae_journal_record_condition(j, &b, "0", AE_JOURNAL_FAILED,
	                                      "no", &err),
	          0);
	CHECK_INT(ae_journal_decide(j, "ev", "0", "b"), AE_JOURNAL_SKIPPED);
	CHECK_INT(ae_journal_has_fired(j, "ev", "0", "b"), 0);
	CHECK_INT(ae_journal_record_started(j, &b, "0", NULL, &err), 1);
	CHECK_INT(ae_journal_record_condition(j, &b, "0", AE_JOURNAL_PENDING,
	                                      NULL, &err),
	          0);
	CHECK_INT(ae_journal_lookup(j, "ev", "0", "b"), AE_JOURNAL_FAILED);
}

static int resume_key(void *ctx, const json_t *started)
{
	const char *key = json_string_value(json_object_get(started, "key"));

	return key && !strcmp(key, ctx);
}

static void test_on_disk(const char *dir)
{
	ae_event r = {0}, x = {0};
	ae_journal *j;
	ae_error err;
	int fd;

	j = ae_journal_open(dir, &err);
	CHECK(j != NULL);
	if (!j)
		return;
	keys_live(j);
	/* two starts without an end: the opener resumes only "r" */
	r.name = x.name = "sub";
	r.dedup_key = "r";
	x.dedup_key = "x";
	CHECK_INT(ae_journal_record_started(j, &r, "0", NULL, &err), 0);
	CHECK_INT(ae_journal_record_started(j, &x, "0", NULL, &err), 0);
	ae_journal_free(j);

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	j = ae_journal_openat_resuming(fd, dir, resume_key, "r", &err);
	close(fd);
	CHECK(j != NULL);
	if (!j)
		return;
	CHECK_INT(ae_journal_decide(j, "sub", "0", "x"), AE_JOURNAL_DECIDED);
	CHECK_INT(ae_journal_lookup(j, "sub", "0", "x"),
	          AE_JOURNAL_INTERRUPTED);
	CHECK_INT(ae_journal_decide(j, "sub", "0", "r"), AE_JOURNAL_RESUMABLE);
	CHECK_INT(ae_journal_has_fired(j, "sub", "0", "r"), 1);
	CHECK_INT(ae_journal_record_started(j, &r, "0", NULL, &err), 1);
	CHECK_INT(ae_journal_record_resumed(j, &r, "0", &err), 0);
	CHECK_INT(ae_journal_decide(j, "sub", "0", "r"), AE_JOURNAL_IN_FLIGHT);
	CHECK_INT(ae_journal_record_resumed(j, &r, "0", &err), -1);
	CHECK_INT(ae_journal_record_finished(j, &r, "0", "ok", NULL, &err), 0);
	CHECK_INT(ae_journal_decide(j, "sub", "0", "r"), AE_JOURNAL_DECIDED);
	/* earlier keys as they were left */
	CHECK_INT(ae_journal_decide(j, "ev", "0", "a"), AE_JOURNAL_DECIDED);
	CHECK_INT(ae_journal_decide(j, "ev", "0", "b"), AE_JOURNAL_SKIPPED);
	ae_journal_free(j);
}

static void test_in_memory(void)
{
	ae_journal *j = ae_journal_new_memory(NULL);
	ae_journal_state st;
	ae_error err;

	CHECK(j != NULL);
	if (!j)
		return;
	keys_live(j);
	CHECK(ae_journal_stats_get(j).appended > 0);
	CHECK_INT(ae_journal_state_load(j, &st, &err), 0);
	CHECK_INT(ae_journal_state_save(j, &st, &err), -1);
	CHECK_INT(ae_journal_sync(j, &err), 0);
	ae_journal_free(j);
}

/* ---- the engine's dry run ---- */

static const char *rules_yaml =
    "log_events:\n"
    "  ck:\n"
    "    pattern: 'saved (?P<it>\\d+)'\n"
    "    extract_groups: {it: it}\n"
    "    actions:\n"
    "      - class_name: EventAction\n"
    "        conditions:\n"
    "          - {class_name: MetadataCondition, key: it, equals: 100}\n"
    "        action: {class_name: RunCommandAction, command: [false]}\n"
    "      - class_name: EventAction\n"
    "        mode: queue\n"
    "        conditions:\n"
    "          - class_name: FileExistsCondition\n"
    "            path: '/nonexistent/{it}'\n"
    "            blocking: true\n"
    "            timeout_seconds: 600\n"
    "        action: {class_name: LogAction, message: 'w {it}'}\n";

typedef struct dry {
	char seen[1024];
	ae_engine *e;
	ae_engine_journal *ej;
} dry;

static void report(void *ctx, const ae_fire_key *k, const ae_event *ev,
                   const ae_binding *b, int waiting, const ae_eval_env *env)
{
	dry *d = ctx;
	size_t l = strlen(d->seen);
	const ae_node *it = ae_template_lookup(env->tmpl, "it");

	(void)ev;
	snprintf(d->seen + l, sizeof(d->seen) - l, "%s/%u %s %s%s\n", k->event,
	         k->binding, ae_action_class_name(b->action),
	         it && it->type == AE_STRING ? it->u.str.s : "?",
	         waiting ? " waiting" : "");
}

static int to_engine(void *ctx, size_t rule, ae_event *ev)
{
	dry *d = ctx;
	ae_error err;
	int n = ae_engine_journal_track(d->ej, rule, ev, &err);

	if (n <= 0) {
		ae_event_free(ev);
		return n;
	}
	return ae_engine_submit(d->e, rule, ev, (double)time(NULL), &err);
}

static void test_dry_run(void)
{
	const char *lines[] = {"saved 50", "saved 100", "saved 100",
	                       "saved 50"};
	ae_node *cfg;
	ae_rules *r;
	ae_journal *j = ae_journal_new_memory(NULL);
	ae_engine_opts o = {0};
	ae_engine_stats st;
	ae_error err;
	dry d = {{0}, NULL, NULL};

	cfg = ae_yaml_load_string(rules_yaml, strlen(rules_yaml), "r.yaml",
	                          NULL, &err);
	r = cfg ? ae_rules_compile(ae_map_get(cfg, "log_events"), 0, &err)
	        : NULL;
	CHECK(r != NULL && j != NULL);
	if (!r || !j) {
		fprintf(stderr, "%s\n", err.text);
		return;
	}
	d.ej = ae_engine_journal_new(j, r);
	o.journal = ae_engine_journal_ops();
	o.journal_ctx = d.ej;
	o.dry_run = report;
	o.dry_run_ctx = &d;
	d.e = ae_engine_new(r, &o, &err);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CHECK(ae_rules_match_line(r, lines[i], strlen(lines[i]), 0,
		                          i + 1, "log", to_engine, &d,
		                          &err) >= 0);
		CHECK_INT(ae_engine_step(d.e, (double)time(NULL), &err), 0);
		CHECK_INT(ae_engine_pending(d.e), 0);
	}
	/* each trigger once; a failed condition decides too; a blocking
	 * condition is reported as waiting; nothing ran */
	CHECK_STR(d.seen, "ck/1 LogAction 50 waiting\n"
	                  "ck/0 RunCommandAction 100\n"
	                  "ck/1 LogAction 100 waiting\n");
	ae_engine_get_stats(d.e, &st);
	CHECK_INT(st.started, 3);
	CHECK_INT(st.succeeded, 3);
	CHECK_INT(st.skipped, 1);
	CHECK_INT(st.failed, 0);
	CHECK_INT(ae_journal_decide(j, "ck", "0", "{\"it\":\"50\"}"),
	          AE_JOURNAL_SKIPPED);
	CHECK_INT(ae_journal_decide(j, "ck", "1", "{\"it\":\"50\"}"),
	          AE_JOURNAL_DECIDED);
	ae_engine_free(d.e);
	ae_engine_journal_free(d.ej);
	ae_journal_free(j);
	ae_rules_free(r);
	ae_node_free(cfg);
}

int main(void)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/ae_decide_XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	test_rule();
	test_on_disk(dir);
	test_in_memory();
	test_dry_run();
	test_rmtree(dir);
	TEST_MAIN_END();
}
