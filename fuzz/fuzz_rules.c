/* Fuzz target: the rule compiler and the line matcher (ae_rules,
 * ae_prefilter, PCRE2 with JIT).
 *
 * Input: one flags byte, a pattern up to the first newline (any bytes, NUL
 * included, as YAML's "\0" can give), then log lines. Flags:
 *   bit 0     substring (else regex)
 *   bits 1-2  extract_groups: absent (named groups), {} (none),
 *             {g: 1} (group 1), {m: match}
 *   bit 3     once_per: '{job_id}'
 *   bit 4     a match limit of 1000 instead of the default
 * The fuzzed rule comes with a checkpoint rule and a substring rule of the
 * shipped presets. Compiling succeeds or fails with an error. Every line is
 * matched with the prefilter on and off: the events must be the same (the
 * prefilter only skips rules that cannot match). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ae_error.h"
#include "ae_event.h"
#include "ae_node.h"
#include "ae_rules.h"
#include "ae_template.h"
#include "ae_yaml.h"
#include "fuzz.h"

#define MAX_EVENTS 8

static const char rules_yaml[] =
    "log_events:\n"
    "- name: fz\n"
    "  pattern: x\n"
    "  metadata: {kind: fuzz}\n"
    "  actions: [{class_name: LogAction, message: 'fz {kind}'}]\n"
    "- name: ckpt\n"
    "  pattern: 'successfully saved checkpoint from iteration\\s+"
    "(?P<iteration>\\d+) to (?P<path>\\S+)'\n"
    "  metadata: {kind: checkpoint}\n"
    "- name: done\n"
    "  pattern: '[after training is done]'\n"
    "  pattern_type: substring\n";
static const char vars_yaml[] = "job_id: '123'\n";

static ae_node *root, *vars;
static const ae_node *base; /* log_events of root */
static ae_template_ctx tctx;

typedef struct events {
	ae_event *ev[MAX_EVENTS];
	size_t rule[MAX_EVENTS];
	size_t n;
} events;

static ae_node *load(const char *text)
{
	ae_error err;
	ae_node *n =
	    ae_yaml_load_string(text, strlen(text), "<base>", NULL, &err);

	if (!n) {
		fprintf(stderr, "fuzz_rules: %s\n", err.text);
		abort();
	}
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	root = load(rules_yaml);
	base = ae_map_get(root, "log_events");
	vars = load(vars_yaml);
	tctx.vars = vars;
	return 0;
}

static int collect(void *ctx, size_t rule, ae_event *ev)
{
	events *e = ctx;

	FUZZ_ASSERT(e->n < MAX_EVENTS);
	e->rule[e->n] = rule;
	e->ev[e->n++] = ev;
	return 0;
}

static void clear(events *e)
{
	while (e->n)
		ae_event_free(e->ev[--e->n]);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void same_events(const events *a, const events *b)
{
	FUZZ_ASSERT(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const ae_event *x = a->ev[i], *y = b->ev[i];

		FUZZ_ASSERT(a->rule[i] == b->rule[i]);
		FUZZ_ASSERT(same_str(x->name, y->name));
		FUZZ_ASSERT(same_str(x->dedup_key, y->dedup_key));
		FUZZ_ASSERT(x->offset == y->offset && x->line_no == y->line_no);
		FUZZ_ASSERT((!x->metadata && !y->metadata) ||
		            (x->metadata && y->metadata &&
		             ae_node_equal(x->metadata, y->metadata)));
	}
}

/* The log_events list with the fuzzed rule set up from flags. */
static ae_node *make_rules(unsigned flags, const char *pat, size_t patlen)
{
	ae_node *list = ae_node_copy(base);
	ae_node *rule = list ? ae_seq_get(list, 0) : NULL;
	ae_node *groups = NULL;

	FUZZ_ASSERT(rule);
	FUZZ_ASSERT(
	    ae_map_set(rule, "pattern", ae_node_new_stringn(pat, patlen)) == 0);
	if (flags & 1)
		FUZZ_ASSERT(ae_map_set(rule, "pattern_type",
		                       ae_node_new_string("substring")) == 0);
	switch ((flags >> 1) & 3) {
	case 1:
		groups = ae_node_new_map();
		break;
	case 2:
		groups = ae_node_new_map();
		FUZZ_ASSERT(groups &&
		            ae_map_set(groups, "g", ae_node_new_int(1)) == 0);
		break;
	case 3:
		groups = ae_node_new_map();
		FUZZ_ASSERT(
		    groups &&
		    ae_map_set(groups, "m", ae_node_new_string("match")) == 0);
		break;
	}
	if (groups)
		FUZZ_ASSERT(ae_map_set(rule, "extract_groups", groups) == 0);
	if (flags & 8)
		FUZZ_ASSERT(ae_map_set(rule, "once_per",
		                       ae_node_new_string("{job_id}")) == 0);
	return list;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *pat;
	ae_node *list;
	ae_rules *rules;
	ae_error err;
	unsigned flags;
	uint64_t line_no = 0;
	size_t patlen;

	if (size < 1)
		return 0;
	flags = *p++;
	pat = fuzz_next(&p, end, '\n', &patlen);
	list = make_rules(flags, (const char *)pat, patlen);
	ae_error_clear(&err);
	rules = ae_rules_compile(list, 0, &err);
	if (!rules) {
		FUZZ_REJECTED(&err);
		ae_node_free(list);
		return 0;
	}
	ae_rules_set_context(rules, &tctx);
	if (flags & 16)
		ae_rules_set_match_limit(rules, 1000);
	while (p < end) {
		uint64_t offset = (uint64_t)(p - data);
		const uint8_t *line = p,
		              *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl + 1 : end) - line);
		events on = {0}, off = {0};

		p = line + len;
		line_no++;
		ae_rules_set_prefilter(rules, 1);
		FUZZ_ASSERT(ae_rules_match_line(rules, (const char *)line, len,
		                                offset, line_no, "fz.log",
		                                collect, &on, &err) >= 0);
		ae_rules_set_prefilter(rules, 0);
		FUZZ_ASSERT(ae_rules_match_line(rules, (const char *)line, len,
		                                offset, line_no, "fz.log",
		                                collect, &off, &err) >= 0);
		same_events(&on, &off);
		clear(&on);
		clear(&off);
	}
	ae_rules_free(rules);
	ae_node_free(list);
	return 0;
}
