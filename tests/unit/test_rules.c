/* Rules: compile monitoring.log_events, match Megatron log lines of every
 * format, extract groups, dedup keys, prefilter literals, match limits. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "ae_rules.h"
#include "ae_yaml.h"
#include "testutil.h"

#define MAX_EVENTS 64

typedef struct sink {
	ae_event *ev[MAX_EVENTS];
	size_t rule[MAX_EVENTS];
	size_t n;
} sink;

static int collect(void *ctx, size_t rule, ae_event *ev)
{
	sink *s = ctx;

	if (s->n >= MAX_EVENTS) {
		ae_event_free(ev);
		return 0;
	}
	s->rule[s->n] = rule;
	s->ev[s->n++] = ev;
	return 0;
}

static void sink_clear(sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		ae_event_free(s->ev[i]);
	s->n = 0;
}

static const char *meta(const ae_event *ev, const char *key)
{
	const ae_node *v = ae_map_get(ev->metadata, key);

	if (!v)
		return "(absent)";
	return v->type == AE_STRING ? v->u.str.s
	       : v->type == AE_NULL ? "(null)"
	                            : "(other)";
}

static const char *srcdir(void)
{
	const char *s = getenv("srcdir");

	return s ? s : ".";
}

/* Feed a fixture line by line. */
static void feed_file(ae_rules *r, const char *name, sink *s)
{
	char path[1024];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t off = 0, no = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/megatron/%s", srcdir(),
	         name);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		ae_error err;

		CHECK(ae_rules_match_line(r, line, (size_t)n, off, ++no, name,
		                          collect, s, &err) >= 0);
		off += (uint64_t)n;
	}
	free(line);
	fclose(f);
}

static ae_rules *compile_text(const char *text, ae_error *err)
{
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "rules.yaml", NULL, err);
	ae_rules *r =
	    n ? ae_rules_compile(ae_map_get(n, "log_events"), 0, err) : NULL;

	ae_node_free(n);
	return r;
}

static const ae_event *find(const sink *s, const char *name, size_t nth)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->ev[i]->name, name) && nth-- == 0)
			return s->ev[i];
	return NULL;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_production(void)
{
	char path[1024];
	ae_error err;
	ae_node *cfg;
	ae_rules *r;
	const ae_event *ev;
	sink s = {0};
	ae_rules_stats st;

	snprintf(path, sizeof(path), "%s/tests/data/megatron/production.yaml",
	         srcdir());
	cfg = ae_yaml_load_file(path, NULL, &err);
	CHECK(cfg != NULL);
	if (!cfg)
		return;
	r = ae_rules_compile(ae_map_get(cfg, "log_events"), 0, &err);
	CHECK(r != NULL);
	if (!r) {
		fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.text);
		ae_node_free(cfg);
		return;
	}
	CHECK_INT(ae_rules_count(r), 20);
	CHECK_STR(
	    ae_rules_literal(r, (size_t)ae_rules_find(r, "checkpoint_saved")),
	    "successfully saved checkpoint from iteration");
	CHECK_STR(ae_rules_literal(r, (size_t)ae_rules_find(r, "cuda_oom")),
	          "Tried to allocate ");
	CHECK_STR(ae_rules_literal(r, (size_t)ae_rules_find(r, "torch_error")),
	          "torch.");
	CHECK_STR(
	    ae_rules_literal(r, (size_t)ae_rules_find(r, "slurm_cancelled")),
	    "slurmstepd: error: *** ");
	CHECK(ae_rules_literal(r, (size_t)ae_rules_find(r, "gradient_nan")) ==
	      NULL);
	CHECK_INT(
	    ae_rules_nbindings(r, (size_t)ae_rules_find(r, "checkpoint_saved")),
	    1);

	/* current format: timestamp prefix and [ t, p ] suffix */
	feed_file(r, "current.log", &s);
	ev = find(&s, "checkpoint_saved", 0);
	CHECK(ev != NULL);
	if (ev) {
		CHECK_STR(meta(ev, "checkpoint_iteration"), "100");
		CHECK_STR(meta(ev, "checkpoint_path"),
		          "/scratch/run/checkpoints");
		CHECK_STR(meta(ev, "kind"), "checkpoint");
		CHECK_STR(meta(ev, "source_path"), "current.log");
		CHECK_INT(ev->line_no, 6);
		CHECK_STR(ev->dedup_key,
		          "{\"checkpoint_iteration\":\"100\",\"checkpoint_"
		          "path\":\"/scratch/run/checkpoints\"}");
	}
	ev = find(&s, "checkpoint_saved", 1);
	CHECK(ev && !strcmp(meta(ev, "checkpoint_iteration"), "200"));
	CHECK(ev &&
	      !strcmp(meta(ev, "checkpoint_path"), "/scratch/run/checkpoints"));
	CHECK(find(&s, "checkpoint_saved", 2) == NULL);
	ev = find(&s, "training_iteration", 1);
	CHECK(ev && !strcmp(meta(ev, "current_iteration"), "100"));
	CHECK(ev && !strcmp(meta(ev, "total_iterations"), "200"));
	CHECK(ev && !strcmp(meta(ev, "loss"), "5.432100E+00"));
	CHECK(ev && !strcmp(meta(ev, "kind"), "progress"));
	ev = find(&s, "checkpoint_saving", 0);
	CHECK(ev && !strcmp(meta(ev, "checkpoint_iteration"), "100"));
	ev = find(&s, "checkpoint_loaded", 0);
	CHECK(ev && !strcmp(meta(ev, "path"), "/scratch/run/checkpoints") &&
	      !strcmp(meta(ev, "iteration"), "0"));
	ev = find(&s, "validation_complete", 0);
	CHECK(ev && !strcmp(meta(ev, "validation_loss"), "5.123E+00"));
	CHECK(find(&s, "training_done", 0) != NULL);
	/* events in log order: offsets never go back */
	for (size_t i = 1; i < s.n; i++)
		CHECK(s.ev[i]->offset >= s.ev[i - 1]->offset);
	/* nothing else fired on a clean log (except the predecessor's loss_nan,
	 * which matches "number of nan iterations" on every iteration line) */
	CHECK(find(&s, "loss_nan", 0) != NULL);
	CHECK(find(&s, "communication_error", 0) == NULL);
	CHECK(find(&s, "python_exception", 0) == NULL);
	sink_clear(&s);

	/* old format, wide iterations, different triggers */
	feed_file(r, "old.log", &s);
	ev = find(&s, "checkpoint_saved", 0);
	CHECK(ev && !strcmp(meta(ev, "checkpoint_iteration"), "100") &&
	      !strcmp(meta(ev, "checkpoint_path"), "/x/ckpt"));
	ev = find(&s, "checkpoint_saved", 1);
	CHECK(ev && !strcmp(meta(ev, "checkpoint_iteration"), "50000"));
	CHECK(ev && strcmp(ev->dedup_key,
	                   find(&s, "checkpoint_saved", 0)->dedup_key));
	ev = find(&s, "checkpoint_saved", 2);
	CHECK(ev && !strcmp(meta(ev, "checkpoint_iteration"), "1234567") &&
	      !strcmp(meta(ev, "checkpoint_path"), "/lustre/a-b_c.d/ckpt"));
	/* the shipped iteration regex wants the [timestamp] */
	CHECK(find(&s, "training_iteration", 0) == NULL);
	sink_clear(&s);

	/* async saves */
	feed_file(r, "async.log", &s);
	ev = find(&s, "checkpoint_async_scheduled", 0);
	CHECK(ev && !strcmp(meta(ev, "checkpoint_iteration"), "300"));
	ev = find(&s, "checkpoint_saved", 0);
	CHECK(ev && !strcmp(meta(ev, "checkpoint_iteration"), "300") &&
	      !strcmp(meta(ev, "checkpoint_path"), "/scratch/run/checkpoints"));
	CHECK(s.n == 3 &&
	      !strcmp(s.ev[0]->name, "checkpoint_async_scheduled") &&
	      !strcmp(s.ev[1]->name, "training_iteration") &&
	      !strcmp(s.ev[2]->name, "checkpoint_saved"));
	sink_clear(&s);

	/* error lines */
	feed_file(r, "errors.log", &s);
	ev = find(&s, "cuda_oom", 0);
	CHECK(ev && !strcmp(meta(ev, "allocation_size"), "2.00 GiB"));
	ev = find(&s, "torch_error", 0);
	CHECK(ev && !strcmp(meta(ev, "error_class"), "OutOfMemoryError"));
	/* (?<!OutOf) keeps cpu_oom off CUDA's OutOfMemoryError */
	CHECK(find(&s, "cpu_oom", 0) == NULL);
	CHECK(find(&s, "nccl_error", 0) != NULL);
	CHECK(find(&s, "processgroup_timeout", 0) != NULL);
	ev = find(&s, "slurm_cancelled", 0);
	CHECK(ev && !strcmp(meta(ev, "jobid"), "4242"));
	CHECK(find(&s, "loss_nan", 0) != NULL);
	sink_clear(&s);

	/* the prefilter never hides a match: same events with it off */
	{
		sink s2 = {0};
		const char *files[] = {"current.log", "old.log", "async.log",
		                       "errors.log"};

		for (size_t f = 0; f < 4; f++) {
			ae_rules_set_prefilter(r, 1);
			feed_file(r, files[f], &s);
			ae_rules_set_prefilter(r, 0);
			feed_file(r, files[f], &s2);
			CHECK_INT(s.n, s2.n);
			for (size_t i = 0; i < s.n && i < s2.n; i++) {
				CHECK_STR(s.ev[i]->name, s2.ev[i]->name);
				CHECK_STR(s.ev[i]->dedup_key,
				          s2.ev[i]->dedup_key);
			}
			sink_clear(&s);
			sink_clear(&s2);
		}
		ae_rules_set_prefilter(r, 1);
	}
	ae_rules_get_stats(r, &st);
	CHECK_INT(st.limit_hits, 0);
	CHECK_INT(st.errors, 0);
	CHECK(st.lines > 20);
	ae_rules_free(r);
	ae_node_free(cfg);
}

static void test_forms(void)
{
	ae_error err;
	ae_rules *r;
	sink s = {0};

	/* mapping form, (?P<name>) natively, index and "match" groups,
	 * metadata overridden by a group, unset optional group is null */
	r = compile_text(
	    "log_events:\n"
	    "  ckpt:\n"
	    "    pattern: 'saved (?P<it>\\d+)(?: to (?P<path>\\S+))?'\n"
	    "    metadata: {it: static, keep: yes}\n"
	    "    extract_groups: {it: it, whole: match, first: 1, path: path}\n"
	    "  plain:\n"
	    "    pattern: 'a.b'\n"
	    "    pattern_type: substring\n"
	    "    extract_groups: {all: match}\n",
	    &err);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(ae_rules_match_line(r, "x saved 42 y a.b\n", 17, 0, 1,
		                              NULL, collect, &s, &err),
		          2);
		CHECK_STR(s.ev[0]->name, "ckpt");
		CHECK_STR(meta(s.ev[0], "it"), "42");
		CHECK_STR(meta(s.ev[0], "first"), "42");
		CHECK_STR(meta(s.ev[0], "whole"), "saved 42");
		CHECK_STR(meta(s.ev[0], "path"), "(null)");
		CHECK_STR(meta(s.ev[0], "keep"), "(other)");
		CHECK_STR(meta(s.ev[0], "source_path"), "(absent)");
		CHECK_STR(s.ev[0]->dedup_key,
		          "{\"first\":\"42\",\"it\":\"42\",\"path\":null,"
		          "\"whole\":\"saved 42\"}");
		CHECK_STR(s.ev[1]->name, "plain");
		CHECK_STR(meta(s.ev[1], "all"), "a.b");
		sink_clear(&s);
		/* a.b is a substring, not a regex */
		CHECK_INT(ae_rules_match_line(r, "axb", 3, 0, 1, NULL, collect,
		                              &s, &err),
		          0);
		/* invalid UTF-8 matches nothing (PCRE2_MATCH_INVALID_UTF): \\S+
		 * stops before it, and the cut path "/p" is no event (see
		 * test_invalid_utf8_capture) */
		CHECK_INT(ae_rules_match_line(r, "saved 7 to /p\xff\xfeq", 16,
		                              0, 1, NULL, collect, &s, &err),
		          0);
		sink_clear(&s);
		/* a substring's match is its own text: next to an invalid byte,
		 * still an event */
		CHECK_INT(ae_rules_match_line(r, "x a.b\xff", 6, 0, 1, NULL,
		                              collect, &s, &err),
		          1);
		CHECK_STR(meta(s.ev[0], "all"), "a.b");
		CHECK_STR(s.ev[0]->dedup_key, "{\"all\":\"a.b\"}");
		sink_clear(&s);
		ae_rules_free(r);
	}

	/* no extract_groups: every named group; once_per sets the key */
	r = compile_text("log_events:\n"
	                 "  - name: c\n"
	                 "    pattern: 'iteration\\s+(?P<iteration>\\d+) to "
	                 "(?P<path>\\S+)'\n"
	                 "    once_per: '{iteration:07d}'\n",
	                 &err);
	CHECK(r != NULL);
	if (r) {
		const char *l = "iteration     100 to /x";

		CHECK_INT(ae_rules_match_line(r, l, strlen(l), 0, 1, NULL,
		                              collect, &s, &err),
		          1);
		CHECK_STR(meta(s.ev[0], "iteration"), "100");
		CHECK_STR(meta(s.ev[0], "path"), "/x");
		CHECK_STR(s.ev[0]->dedup_key, "\"0000100\"");
		sink_clear(&s);
		ae_rules_free(r);
	}
	/* the dedup key is the JSON that Jansson would write */
	r = compile_text("log_events:\n  - {name: q, pattern: 'v=(?P<v>.*)'}\n",
	                 &err);
	if (r) {
		const char *l = "v=a\"b\\c/\x01\xc3\xa9";
		json_t *o = json_pack("{s:s}", "v", "a\"b\\c/\x01\xc3\xa9");
		char *want = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

		CHECK_INT(ae_rules_match_line(r, l, strlen(l), 0, 1, NULL,
		                              collect, &s, &err),
		          1);
		CHECK_STR(s.ev[0]->dedup_key, want);
		free(want);
		json_decref(o);
		sink_clear(&s);
		ae_rules_free(r);
	}
	/* a once_per that cannot render drops the event and says why */
	r = compile_text(
	    "log_events:\n  - {name: c, pattern: x, once_per: '{nokey}'}\n",
	    &err);
	if (r) {
		ae_rules_stats st;

		CHECK_INT(ae_rules_match_line(r, "x", 1, 0, 1, NULL, collect,
		                              &s, &err),
		          0);
		ae_rules_get_stats(r, &st);
		CHECK_INT(st.errors, 1);
		CHECK(strstr(st.last_error, "unknown template key {nokey}") !=
		      NULL);
		ae_rules_free(r);
	}

	/* errors carry file:line:col and key path */
	CHECK(!compile_text("log_events:\n  - name: a\n    pattern: x\n    "
	                    "patern_type: regex\n",
	                    &err));
	CHECK(strstr(err.text, "unknown field 'patern_type'") != NULL);
	CHECK_STR(err.file, "rules.yaml");
	CHECK_INT(err.line, 4);
	CHECK_STR(err.path, "log_events[0].patern_type");
	CHECK(!compile_text(
	    "log_events:\n  - name: a\n    pattern: '(unclosed'\n", &err));
	CHECK(strstr(err.text, "bad pattern") != NULL);
	CHECK_INT(err.line, 3);
	CHECK(!compile_text("log_events:\n  - {name: a, pattern: '(?P<x>a)', "
	                    "extract_groups: {y: z}}\n",
	                    &err));
	CHECK(strstr(err.text, "no group named 'z'") != NULL);
	CHECK(!compile_text("log_events:\n  - {name: a, pattern: '(a)', "
	                    "extract_groups: {y: 2}}\n",
	                    &err));
	CHECK(!compile_text("log_events:\n  - {name: a, pattern: x}\n  - "
	                    "{name: a, pattern: y}\n",
	                    &err));
	CHECK(strstr(err.text, "duplicate rule name 'a'") != NULL);
	CHECK(!compile_text("log_events:\n  - {pattern: x}\n", &err));
	CHECK(!compile_text(
	    "log_events:\n  - {name: a, pattern: x, pattern_type: glob}\n",
	    &err));
	CHECK(!compile_text("log_events:\n  k: {name: other, pattern: x}\n",
	                    &err));
	CHECK(strstr(err.text, "differs from its key") != NULL);
	CHECK(!compile_text("log_events:\n  - {name: a, pattern: x, actions: "
	                    "[{class_name: LogAction, msg: x}]}\n",
	                    &err));
	CHECK_STR(err.path, "log_events[0].actions[0].msg");
	CHECK(!compile_text("log_events: 3\n", &err));
	r = compile_text("log_events: []\n", &err);
	CHECK(r && ae_rules_count(r) == 0);
	ae_rules_free(r);
}

static void test_literals(void)
{
	static const struct {
		const char *pattern, *literal;
	} cases[] = {
	    {"abc\\s+def", "abc"},
	    {"ab?cdef", "cdef"},
	    {"xy*z12", "z12"},
	    {"abc{0,3}de", "ab"},
	    {"abcd{2}e", "abcd"},
	    {"a(?:long literal)b", NULL},
	    {"foo|barbaz", NULL},
	    {"(?i)hello world", NULL},
	    {"hello(?i) world", NULL},
	    {"\\Qa.b\\E", NULL},
	    {"\\[c10d\\] x", "[c10d] x"},
	    {"\\p{L}ong text", "ong text"},
	    {"[abc]defg[h]", "defg"},
	    {"caf\xc3\xa9? ok", "caf"},
	    {"x\\d{1,3}yz", "yz"},
	};
	ae_error err;
	char text[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		ae_rules *r;
		const char *lit;

		/* the YAML double-quoted form needs backslashes doubled */
		{
			char esc[256];
			size_t o = 0;

			for (const char *p = cases[i].pattern;
			     *p && o + 2 < sizeof(esc); p++) {
				if (*p == '\\')
					esc[o++] = '\\';
				esc[o++] = *p;
			}
			esc[o] = '\0';
			snprintf(
			    text, sizeof(text),
			    "log_events:\n  - name: a\n    pattern: \"%s\"\n",
			    esc);
		}
		r = compile_text(text, &err);
		CHECK(r != NULL);
		if (!r) {
			fprintf(stderr, "  %s: %s\n", cases[i].pattern,
			        err.text);
			continue;
		}
		lit = ae_rules_literal(r, 0);
		test_checks++;
		if ((lit == NULL) != (cases[i].literal == NULL) ||
		    (lit && strcmp(lit, cases[i].literal))) {
			test_failures++;
			fprintf(
			    stderr,
			    "%s:%d: literal of /%s/: got \"%s\", want \"%s\"\n",
			    __FILE__, __LINE__, cases[i].pattern,
			    lit ? lit : "(none)",
			    cases[i].literal ? cases[i].literal : "(none)");
		}
		ae_rules_free(r);
	}
}

/* Top-level alternatives each give a literal; one without any leaves the
 * rule without a prefilter. */
static void test_alternatives(void)
{
	static const struct {
		const char *pattern;
		size_t n;
		const char *lits[3];
	} cases[] = {
	    {"foo|barbaz", 2, {"foo", "barbaz"}},
	    {"CUDA out of memory|CUDA error: (?!x)",
	     2,
	     {"CUDA out of memory", "CUDA error: "}},
	    {"a(?:b|c)de|xyz", 2, {"de", "xyz"}},
	    {"foo|b", 0, {NULL}},
	    {"foo|", 0, {NULL}},
	    {"(?i)abc|def", 0, {NULL}},
	    {"ab\\|cd", 1, {"ab|cd"}},
	    {"[|]abc|xy", 2, {"abc", "xy"}},
	    {"a(b|cd", 0, {NULL}},
	};
	ae_error err;
	char text[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		ae_rules *r;

		snprintf(text, sizeof(text),
		         "log_events:\n  - name: a\n    pattern: '%s'\n",
		         cases[i].pattern);
		r = compile_text(text, &err);
		if (!r) {
			/* only the unbalanced one does not compile */
			CHECK(strstr(cases[i].pattern, "a(b|cd") != NULL);
			continue;
		}
		CHECK_INT(ae_rules_nliterals(r, 0), cases[i].n);
		for (size_t k = 0; k < cases[i].n; k++)
			CHECK_STR(ae_rules_literal_at(r, 0, k),
			          cases[i].lits[k]);
		CHECK(ae_rules_literal_at(r, 0, cases[i].n) == NULL);
		ae_rules_free(r);
	}
}

/* The prefilter (which rules to try, and from where in the line) never
 * changes what matches: random lines over a small alphabet against
 * patterns with alternatives, optional and repeated parts, lookbehinds and
 * literals that occur more than once give the same events and the same
 * whole matches with it on and off. */
static void test_prefilter_random(void)
{
	static const char *const alpha = "abc x";
	ae_error err;
	ae_rules *r;
	sink on = {0}, off = {0};
	char line[48];
	unsigned seed = 12345;

	r = compile_text(
	    "log_events:\n"
	    "  - {name: p1, pattern: 'ab+c|ca', extract_groups: {m: match}}\n"
	    "  - {name: p2, pattern: 'abc?abc', extract_groups: {m: match}}\n"
	    "  - {name: p3, pattern: '(?<!a)bc|cab', extract_groups: {m: "
	    "match}}\n"
	    "  - {name: p4, pattern: 'a\\s+b|bb', extract_groups: {m: match}}\n"
	    "  - {name: p5, pattern: 'bca|ab(?:c|a)b', extract_groups: {m: "
	    "match}}\n"
	    "  - {name: p6, pattern: 'x a|cc*x|ba?b', extract_groups: {m: "
	    "match}}\n"
	    "  - {name: p7, pattern: 'ax', pattern_type: substring}\n"
	    "  - {name: p8, pattern: 'c x+a|xx', extract_groups: {m: match}}\n",
	    &err);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(ae_rules_nliterals(r, 0) == 2 && ae_rules_nliterals(r, 2) == 2);
	for (int t = 0; t < 4000; t++) {
		size_t len = (size_t)(rand_r(&seed) % 40);

		for (size_t i = 0; i < len; i++)
			line[i] = alpha[rand_r(&seed) % 5];
		line[len] = '\0';
		ae_rules_set_prefilter(r, 1);
		CHECK(ae_rules_match_line(r, line, len, 0, 1, NULL, collect,
		                          &on, &err) >= 0);
		ae_rules_set_prefilter(r, 0);
		CHECK(ae_rules_match_line(r, line, len, 0, 1, NULL, collect,
		                          &off, &err) >= 0);
		test_checks++;
		if (on.n != off.n) {
			test_failures++;
			fprintf(stderr,
			        "%s:%d: '%s': %zu events with the prefilter, "
			        "%zu without\n",
			        __FILE__, __LINE__, line, on.n, off.n);
		}
		for (size_t i = 0; i < on.n && i < off.n; i++) {
			CHECK_STR(on.ev[i]->name, off.ev[i]->name);
			CHECK_STR(on.ev[i]->dedup_key, off.ev[i]->dedup_key);
		}
		sink_clear(&on);
		sink_clear(&off);
	}
	ae_rules_free(r);
}

static void test_limits(void)
{
	ae_error err;
	ae_rules *r;
	sink s = {0};
	char line[4096];
	double t0;
	ae_rules_stats st;

	r = compile_text("log_events:\n"
	                 "  - {name: evil, pattern: '^(a|aa)+$'}\n"
	                 "  - {name: evil2, pattern: '(x+x+)+[yz]'}\n"
	                 "  - {name: fine, pattern: 'aaa'}\n",
	                 &err);
	CHECK(r != NULL);
	if (!r)
		return;
	memset(line, 'a', 60);
	line[60] = 'b';
	memset(line + 61, 'x', 40);
	line[101] = '\0';
	t0 = mono();
	/* the catastrophic patterns hit the limit, the line still matches
	 * `fine`, and it takes no time */
	CHECK_INT(ae_rules_match_line(r, line, strlen(line), 0, 1, NULL,
	                              collect, &s, &err),
	          1);
	CHECK(mono() - t0 < 2.0);
	CHECK_STR(s.ev[0]->name, "fine");
	ae_rules_get_stats(r, &st);
	CHECK_INT(st.limit_hits, 2);
	CHECK_INT(ae_rules_limit_hits(r, 0), 1);
	CHECK_INT(ae_rules_limit_hits(r, 1), 1);
	CHECK_INT(ae_rules_limit_hits(r, 2), 0);
	sink_clear(&s);
	sink_clear(&s);
	ae_rules_free(r);
}

/* A NUL byte inside a pattern (YAML "\0") is refused with its place: the
 * rule was compiled from the C string, cut at the NUL, with the YAML length
 * (a heap over-read in the prefilter, PCRE2 and memmem). Likewise in a
 * template and an argument list. */
static void test_nul_refused(void)
{
	static const char *const texts[] = {
	    "log_events:\n"
	    "  - name: nulpat\n"
	    "    pattern: \"iterati\\0on 100 of a long literal\"\n"
	    "    pattern_type: substring\n",
	    "log_events:\n"
	    "  - name: nulpat\n"
	    "    pattern: \"iterati\\0on (?P<n>\\\\d+)\"\n",
	    "log_events:\n"
	    "  - name: nulmsg\n"
	    "    pattern: iteration\n"
	    "    actions: [{class_name: LogAction, message: \"a\\0b\"}]\n",
	};
	ae_error err;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ae_rules *r = compile_text(texts[i], &err);

		CHECK(r == NULL);
		CHECK(strstr(err.text, "NUL character") != NULL);
		CHECK_INT(err.line, 3 + (i == 2));
		ae_rules_free(r);
	}
}

/* A capture cut by an invalid byte (PCRE2_MATCH_INVALID_UTF stops there)
 * or holding a NUL is not the line's value: a cooldown would pin "/tmp/",
 * which exists, out of "/tmp/\xff\xfe...". Such a match gives no event.
 * Multi-byte characters are matched whole, in valid lines and others
 * (PCRE2's JIT before 10.43 stopped \S at the "é" with
 * PCRE2_MATCH_INVALID_UTF: "/data/"). */
static void test_invalid_utf8_capture(void)
{
	static const struct {
		const char *line;
		size_t len;
		const char *path; /* NULL: refused */
	} cases[] = {
	    {"saved checkpoint to /tmp/\xff\xfe${x}/ckpt", 0, NULL},
	    {"saved checkpoint to \xff/tmp/x", 0, NULL},
	    {"saved checkpoint to /tmp/a\0b", 29, NULL},
	    {"saved checkpoint to /data/\xc3\xa9t\xc3\xa9/ckpt", 0,
	     "/data/\xc3\xa9t\xc3\xa9/ckpt"},
	    {"\xff saved checkpoint to /ok \xfe", 0, "/ok"},
	    {"\xff saved checkpoint to /\xc3\xa9t\xc3\xa9 x", 0,
	     "/\xc3\xa9t\xc3\xa9"},
	};
	ae_error err;
	ae_rules *r = compile_text(
	    "log_events:\n"
	    "  - {name: save, pattern: 'checkpoint to (?P<path>\\S*)'}\n",
	    &err);
	ae_rules_stats st;
	sink s = {0};

	CHECK(r != NULL);
	if (!r)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len =
		    cases[i].len ? cases[i].len : strlen(cases[i].line);
		int n = ae_rules_match_line(r, cases[i].line, len, 0, i + 1,
		                            NULL, collect, &s, &err);

		CHECK_INT(n, cases[i].path ? 1 : 0);
		if (cases[i].path && s.n == 1)
			CHECK_STR(meta(s.ev[0], "path"), cases[i].path);
		sink_clear(&s);
	}
	ae_rules_get_stats(r, &st);
	CHECK_INT(st.errors, 3);
	CHECK(strstr(st.last_error, "save: path") != NULL);
	ae_rules_free(r);
}

int main(void)
{
	test_invalid_utf8_capture();
	test_nul_refused();
	test_production();
	test_forms();
	test_literals();
	test_alternatives();
	test_prefilter_random();
	test_limits();
	TEST_MAIN_END();
}
