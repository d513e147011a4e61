#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_fields.h"
#include "ae_prefilter.h"
#include "ae_rules.h"
#include "ae_strbuf.h"

#define JIT_STACK_MAX (1024u * 1024u)

typedef struct extract {
	char *key;
	int group; /* 0: the whole match */
} extract;

typedef struct rule {
	char *name;
	int substring;
	char *pattern;
	size_t patlen;
	/* NULL for substring rules or deferred patterns. code is for valid
	 * UTF-8 lines (JIT-compiled when it can be); code_inv, compiled with
	 * PCRE2_MATCH_INVALID_UTF and never JIT-compiled, for the others:
	 * PCRE2's JIT before 10.43 fails multi-byte characters with that
	 * option (\S stops at an "é"), the interpreter does not. */
	pcre2_code *code, *code_inv;
	int jit;
	/* prefilter: every match contains one of these (one per top-level
	 * alternative); none: the rule is tried on every line */
	ae_prefilter_lit *lits;
	size_t nlits;
	int leading;       /* every literal leads its alternative */
	ae_node *metadata; /* mapping, owned */
	extract *ex;
	size_t nex;
	ae_template *once_per;
	ae_binding **bindings;
	size_t nbind;
	uint64_t limit_hits;
} rule;

struct ae_rules {
	rule *rules;
	size_t n;
	int prefilter;
	ae_prefilter *pf;
	/* seen[rule] == gen when the current line has one of its literals */
	uint32_t *seen;
	size_t *first; /* where the first of them starts, when seen */
	size_t nseen;  /* rules when seen and first were made */
	uint32_t gen;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	ae_template_ctx ctx;
	ae_rules_stats stats;
};

static const char *const rule_fields[] = {
    "name",     "pattern", "pattern_type", "metadata", "extract_groups",
    "once_per", "actions", "state",        NULL};

static void rule_clear(rule *r)
{
	free(r->name);
	free(r->pattern);
	pcre2_code_free(r->code);
	pcre2_code_free(r->code_inv);
	ae_prefilter_lits_free(r->lits, r->nlits);
	ae_node_free(r->metadata);
	for (size_t i = 0; i < r->nex; i++)
		free(r->ex[i].key);
	free(r->ex);
	ae_template_free(r->once_per);
	for (size_t i = 0; i < r->nbind; i++)
		ae_binding_free(r->bindings[i]);
	free(r->bindings);
}

void ae_rules_free(ae_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_clear(&rs->rules[i]);
	free(rs->rules);
	ae_prefilter_free(rs->pf);
	free(rs->seen);
	free(rs->first);
	pcre2_match_data_free(rs->md);
	pcre2_match_context_free(rs->mctx);
	pcre2_jit_stack_free(rs->jstack);
	free(rs);
}

/* ---- compile ---- */

/* The prefilter over every rule's literals, and where a line's scan marks
 * them. -1 when memory runs out. */
static int build_prefilter(ae_rules *rs)
{
	const ae_prefilter_lit **lits = calloc(rs->n + 1, sizeof(*lits));
	size_t *nlits = calloc(rs->n + 1, sizeof(*nlits));
	int rv = -1;

	if (!lits || !nlits)
		goto out;
	for (size_t i = 0; i < rs->n; i++) {
		lits[i] = rs->rules[i].lits;
		nlits[i] = rs->rules[i].nlits;
	}
	rs->pf = ae_prefilter_new(lits, nlits, rs->n);
	rs->nseen = rs->n;
	rs->seen = calloc(rs->n + 1, sizeof(*rs->seen));
	rs->first = calloc(rs->n + 1, sizeof(*rs->first));
	if (rs->pf && rs->seen && rs->first)
		rv = 0;
out:
	free(lits);
	free(nlits);
	return rv;
}

static int compile_regex(rule *r, const ae_node *pat, ae_error *err)
{
	PCRE2_SIZE off;
	int code;

	r->code = pcre2_compile((PCRE2_SPTR)r->pattern, r->patlen, PCRE2_UTF,
	                        &code, &off, NULL);
	if (r->code)
		r->code_inv = pcre2_compile((PCRE2_SPTR)r->pattern, r->patlen,
		                            PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		                            &code, &off, NULL);
	if (!r->code || !r->code_inv) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return ae_node_error(err, pat, "bad pattern at offset %zu: %s",
		                     (size_t)off, (char *)msg);
	}
	r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

static int add_extract(rule *r, const char *key, int group)
{
	extract *ex = realloc(r->ex, (r->nex + 1) * sizeof(*ex));

	if (!ex)
		return -1;
	r->ex = ex;
	ex[r->nex].key = strdup(key);
	if (!ex[r->nex].key)
		return -1;
	ex[r->nex++].group = group;
	return 0;
}

static int compile_extract(rule *r, const ae_node *cfg, ae_error *err)
{
	const ae_node *eg = ae_map_get(cfg, "extract_groups");
	uint32_t ncap = 0;

	if (r->code)
		pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (!eg || eg->type == AE_NULL) {
		uint32_t count = 0, size = 0;
		PCRE2_SPTR table = NULL;

		if (!r->code)
			return 0;
		pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &count);
		pcre2_pattern_info(r->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
		pcre2_pattern_info(r->code, PCRE2_INFO_NAMETABLE, &table);
		for (uint32_t i = 0; i < count; i++) {
			const unsigned char *e = table + i * size;

			if (add_extract(r, (const char *)e + 2,
			                (e[0] << 8) | e[1]) < 0)
				return ae_error_set(err, NULL, 0, 0, NULL,
				                    "out of memory");
		}
		return 0;
	}
	if (eg->type != AE_MAP)
		return ae_node_error(
		    err, eg, "extract_groups must be a mapping {key: group}");
	for (size_t i = 0; i < ae_map_size(eg); i++) {
		const ae_node *g = ae_map_value(eg, i);
		int num = -1;

		if (g->type == AE_INT) {
			if (g->u.i < 0 || (uint64_t)g->u.i > ncap)
				return ae_node_error(
				    err, g,
				    "group %lld does not exist (the pattern "
				    "has %u)",
				    g->u.i, ncap);
			num = (int)g->u.i;
		} else if (g->type == AE_STRING &&
		           !strcmp(g->u.str.s, "match")) {
			num = 0;
		} else if (g->type == AE_STRING) {
			if (!r->code && !r->substring)
				num = 0; /* deferred pattern: cannot check */
			else if (r->code)
				num = pcre2_substring_number_from_name(
				    r->code, (PCRE2_SPTR)g->u.str.s);
			if (num < 0)
				return ae_node_error(
				    err, g,
				    "the pattern has no group named '%s'",
				    g->u.str.s);
		} else {
			return ae_node_error(
			    err, g, "a group is a name, a number or \"match\"");
		}
		if (r->substring && num != 0)
			return ae_node_error(
			    err, g, "a substring pattern has only \"match\"");
		if (add_extract(r, ae_map_key(eg, i), num) < 0)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
	}
	return 0;
}

static int compile_rule(rule *r, const ae_node *cfg, const char *keyname,
                        int unresolved, ae_error *err)
{
	const char *name, *pattern, *ptype, *once;
	const ae_node *v, *pat;

	if (ae_fields_check(cfg, "a log_events rule", rule_fields, err) < 0 ||
	    ae_fields_string(cfg, "name", !keyname, &name, err) < 0 ||
	    ae_fields_string(cfg, "pattern", 1, &pattern, err) < 0 ||
	    ae_fields_string(cfg, "pattern_type", 0, &ptype, err) < 0 ||
	    ae_fields_string(cfg, "once_per", 0, &once, err) < 0)
		return -1;
	if (keyname && name && strcmp(name, keyname))
		return ae_node_error(err, ae_map_get(cfg, "name"),
		                     "name '%s' differs from its key '%s'",
		                     name, keyname);
	if (!name)
		name = keyname;
	if (!*name)
		return ae_node_error(err, cfg, "a rule needs a non-empty name");
	pat = ae_map_get(cfg, "pattern");
	if (!*pattern)
		return ae_node_error(err, pat, "empty pattern");
	if (ptype && strcmp(ptype, "regex") && strcmp(ptype, "substring"))
		return ae_node_error(
		    err, ae_map_get(cfg, "pattern_type"),
		    "pattern_type must be 'regex' or 'substring', not '%s'",
		    ptype);
	r->substring = ptype && !strcmp(ptype, "substring");
	r->name = strdup(name);
	r->pattern = strdup(pattern);
	if (!r->name || !r->pattern)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	/* ae_fields_string refused a NUL inside: the C string is all of it */
	r->patlen = strlen(pattern);
	if (r->substring) {
		/* the pattern itself; one byte is left to memmem alone */
		if (r->patlen >= 2) {
			r->lits = calloc(1, sizeof(*r->lits));
			if (!r->lits || !(r->lits[0].s = strdup(pattern)))
				return ae_error_set(err, NULL, 0, 0, NULL,
				                    "out of memory");
			r->lits[0].len = r->patlen;
			r->lits[0].leading = 1;
			r->nlits = 1;
		}
	} else if (!(unresolved && ae_fields_deferred(pat))) {
		if (compile_regex(r, pat, err) < 0)
			return -1;
		r->nlits = ae_prefilter_literals(pattern, r->patlen, &r->lits);
	}
	r->leading = r->nlits > 0;
	for (size_t i = 0; i < r->nlits; i++)
		r->leading = r->leading && r->lits[i].leading;
	v = ae_map_get(cfg, "metadata");
	if (v && v->type != AE_NULL && v->type != AE_MAP)
		return ae_node_error(err, v, "metadata must be a mapping");
	r->metadata =
	    v && v->type == AE_MAP ? ae_node_copy(v) : ae_node_new_map();
	if (!r->metadata)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	if (compile_extract(r, cfg, err) < 0)
		return -1;
	if (once && !(r->once_per = ae_template_from_node(
	                  ae_map_get(cfg, "once_per"), err)))
		return -1;
	v = ae_map_get(cfg, "actions");
	if (v && v->type != AE_NULL) {
		if (v->type != AE_SEQ)
			return ae_node_error(err, v, "actions must be a list");
		r->bindings = calloc(ae_seq_size(v) + 1, sizeof(*r->bindings));
		if (!r->bindings)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
		for (size_t i = 0; i < ae_seq_size(v); i++) {
			r->bindings[i] = ae_binding_compile(ae_seq_get(v, i),
			                                    unresolved, err);
			if (!r->bindings[i])
				return -1;
			r->nbind++;
		}
	}
	return 0;
}

ae_rules *ae_rules_compile(const ae_node *le, int unresolved, ae_error *err)
{
	ae_rules *rs = calloc(1, sizeof(*rs));
	uint32_t maxcap = 0;
	size_t n;

	if (!rs)
		goto nomem;
	rs->prefilter = 1;
	if (!le || le->type == AE_NULL)
		n = 0;
	else if (le->type == AE_SEQ)
		n = ae_seq_size(le);
	else if (le->type == AE_MAP)
		n = ae_map_size(le);
	else {
		ae_node_error(
		    err, le,
		    "log_events must be a list of rules or a mapping of "
		    "names to rules, not %s",
		    ae_type_name(le->type));
		goto fail;
	}
	rs->rules = calloc(n + 1, sizeof(*rs->rules));
	if (!rs->rules)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const ae_node *cfg = le->type == AE_SEQ ? ae_seq_get(le, i)
		                                        : ae_map_value(le, i);
		rule *r = &rs->rules[rs->n++];

		if (cfg->type != AE_MAP) {
			ae_node_error(err, cfg, "a rule must be a mapping");
			goto fail;
		}
		if (compile_rule(r, cfg,
		                 le->type == AE_MAP ? ae_map_key(le, i) : NULL,
		                 unresolved, err) < 0)
			goto fail;
		for (size_t k = 0; k + 1 < rs->n; k++)
			if (!strcmp(rs->rules[k].name, r->name)) {
				ae_node_error(err, cfg,
				              "duplicate rule name '%s'",
				              r->name);
				goto fail;
			}
		if (r->code) {
			uint32_t c = 0;

			pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT,
			                   &c);
			if (c > maxcap)
				maxcap = c;
		}
	}
	if (build_prefilter(rs) < 0)
		goto nomem;
	rs->md = pcre2_match_data_create(maxcap + 1, NULL);
	rs->mctx = pcre2_match_context_create(NULL);
	rs->jstack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
	if (!rs->md || !rs->mctx || !rs->jstack)
		goto nomem;
	pcre2_jit_stack_assign(rs->mctx, NULL, rs->jstack);
	ae_rules_set_match_limit(rs, 0);
	return rs;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
fail:
	ae_rules_free(rs);
	return NULL;
}

long ae_rules_add_unmatched(ae_rules *rs, const char *name,
                            const ae_node *metadata, ae_binding **bindings,
                            size_t n, const ae_node *cfg, ae_error *err)
{
	rule *v, *r;

	if (ae_rules_find(rs, name) >= 0) {
		ae_node_error(err, cfg, "duplicate rule name '%s'", name);
		goto fail;
	}
	/* the prefilter's tables are not grown: this rule has no literal and
	 * no regex, so matching never looks at its slots */
	v = realloc(rs->rules, (rs->n + 2) * sizeof(*v));
	if (!v)
		goto nomem;
	rs->rules = v;
	r = &rs->rules[rs->n];
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	r->metadata = metadata && metadata->type == AE_MAP
	                  ? ae_node_copy(metadata)
	                  : ae_node_new_map();
	if (!r->name || !r->metadata) {
		rule_clear(r);
		goto nomem;
	}
	r->bindings = bindings;
	r->nbind = n;
	return (long)rs->n++;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
fail:
	for (size_t i = 0; i < n; i++)
		ae_binding_free(bindings[i]);
	free(bindings);
	return -1;
}

size_t ae_rules_count(const ae_rules *rs)
{
	return rs->n;
}

const char *ae_rules_name(const ae_rules *rs, size_t i)
{
	return i < rs->n ? rs->rules[i].name : NULL;
}

long ae_rules_find(const ae_rules *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->rules[i].name, name))
			return (long)i;
	return -1;
}

const ae_node *ae_rules_metadata(const ae_rules *rs, size_t i)
{
	return i < rs->n ? rs->rules[i].metadata : NULL;
}

size_t ae_rules_nbindings(const ae_rules *rs, size_t i)
{
	return i < rs->n ? rs->rules[i].nbind : 0;
}

const ae_binding *ae_rules_binding(const ae_rules *rs, size_t i, size_t j)
{
	return i < rs->n && j < rs->rules[i].nbind ? rs->rules[i].bindings[j]
	                                           : NULL;
}

const char *ae_rules_literal(const ae_rules *rs, size_t i)
{
	return i < rs->n && rs->rules[i].nlits == 1 ? rs->rules[i].lits[0].s
	                                            : NULL;
}

size_t ae_rules_nliterals(const ae_rules *rs, size_t i)
{
	return i < rs->n ? rs->rules[i].nlits : 0;
}

const char *ae_rules_literal_at(const ae_rules *rs, size_t i, size_t k)
{
	return i < rs->n && k < rs->rules[i].nlits ? rs->rules[i].lits[k].s
	                                           : NULL;
}

void ae_rules_set_match_limit(ae_rules *rs, uint32_t limit)
{
	if (!limit)
		limit = AE_RULES_MATCH_LIMIT;
	pcre2_set_match_limit(rs->mctx, limit);
	pcre2_set_depth_limit(rs->mctx, limit);
	/* The interpreter's backtracking memory, in KiB. */
	pcre2_set_heap_limit(rs->mctx, 64 * 1024);
}

void ae_rules_set_prefilter(ae_rules *rs, int on)
{
	rs->prefilter = on;
}

void ae_rules_set_context(ae_rules *rs, const ae_template_ctx *ctx)
{
	if (ctx)
		rs->ctx = *ctx;
	else
		memset(&rs->ctx, 0, sizeof(rs->ctx));
}

void ae_rules_get_stats(const ae_rules *rs, ae_rules_stats *stats)
{
	*stats = rs->stats;
}

uint64_t ae_rules_limit_hits(const ae_rules *rs, size_t i)
{
	return i < rs->n ? rs->rules[i].limit_hits : 0;
}

/* ---- matching ---- */

static void note_error(ae_rules *rs, const char *name, const char *what,
                       const char *text)
{
	rs->stats.errors++;
	snprintf(rs->stats.last_error, sizeof(rs->stats.last_error),
	         "%.64s: %s%.160s", name, what, text);
}

/* A JSON string as Jansson writes it (compact; UTF-8 kept, '/' not
 * escaped), so keys made here and by json_dumps compare equal. The input is
 * valid UTF-8. */
static void add_json_string(ae_strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	ae_strbuf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		ae_strbuf_add(b, run, (size_t)(s - run));
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		ae_strbuf_add(b, esc, n);
		run = s + 1;
	}
	ae_strbuf_add(b, run, (size_t)(s - run));
	ae_strbuf_add(b, "\"", 1);
}

/* The default dedup key: the extracted values as a JSON object with sorted
 * keys, compact (what json_dumps with JSON_SORT_KEYS gives). */
static char *default_key(const rule *r, const ae_node *meta)
{
	ae_strbuf b = {0};
	size_t order[64], n = r->nex < 64 ? r->nex : 64;

	for (size_t i = 0; i < n; i++) {
		size_t k = i;

		/* insertion sort: a handful of keys */
		while (k > 0 &&
		       strcmp(r->ex[order[k - 1]].key, r->ex[i].key) > 0) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	ae_strbuf_add(&b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		const char *key = r->ex[order[i]].key;
		const ae_node *v = ae_map_get(meta, key);

		/* a key extracted twice (same out key) counts once */
		if (i > 0 && !strcmp(key, r->ex[order[i - 1]].key))
			continue;
		if (b.len > 1)
			ae_strbuf_add(&b, ",", 1);
		add_json_string(&b, key);
		ae_strbuf_add(&b, ":", 1);
		if (v && v->type == AE_STRING)
			add_json_string(&b, v->u.str.s);
		else
			ae_strbuf_add(&b, "null", 4);
	}
	ae_strbuf_add(&b, "}", 1);
	return ae_strbuf_take(&b);
}

/* Build the event for a match of rule r in line[0, len); ovector NULL for
 * substrings. NULL with *oom unset for an event refused. */
static ae_event *make_event(ae_rules *rs, const rule *r, const char *line,
                            size_t len, size_t mstart, size_t mend,
                            const PCRE2_SIZE *ov, uint32_t novec, int *oom,
                            ae_error *err)
{
	ae_event *ev = calloc(1, sizeof(*ev));

	if (!ev)
		goto nomem;
	ev->name = strdup(r->name);
	ev->metadata = ae_node_copy(r->metadata);
	if (!ev->name || !ev->metadata)
		goto nomem;
	for (size_t i = 0; i < r->nex; i++) {
		int g = r->ex[i].group;
		size_t s = mstart, e = mend;
		ae_node *v;

		if (g > 0) {
			if ((uint32_t)g >= novec || ov[2 * g] == PCRE2_UNSET)
				s = e = (size_t)-1;
			else
				s = ov[2 * g], e = ov[2 * g + 1];
		}
		if (s == (size_t)-1) {
			v = ae_node_new_null();
		} else if (ov && !ae_fields_utf8_whole(line, len, s, e)) {
			/* an invalid byte ended the capture or would be
			 * dropped from it: its value is not what the line
			 * says (a cooldown could pin another, existing path) */
			note_error(rs, r->name, r->ex[i].key,
			           ": a value next to invalid UTF-8 or a NUL: "
			           "event refused");
			ae_event_free(ev);
			return NULL;
		} else {
			char *txt = ae_fields_utf8_dup(line + s, e - s);

			v = txt ? ae_node_new_string(txt) : NULL;
			free(txt);
		}
		if (!v || ae_map_set(ev->metadata, r->ex[i].key, v) < 0)
			goto nomem;
	}
	if (r->once_per) {
		ae_template_ctx ctx = rs->ctx;
		ae_error rerr;
		ae_strbuf b = {0};
		char *k;

		ctx.metadata = ev->metadata;
		k = ae_template_render(r->once_per, &ctx, &rerr);
		if (!k) {
			note_error(rs, r->name, "once_per: ", rerr.text);
			ae_event_free(ev);
			return NULL;
		}
		add_json_string(&b, k);
		free(k);
		if (!(ev->dedup_key = ae_strbuf_take(&b)))
			goto nomem;
	} else if (!(ev->dedup_key = default_key(r, ev->metadata))) {
		goto nomem;
	}
	return ev;
nomem:
	*oom = 1;
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	ae_event_free(ev);
	return NULL;
}

int ae_rules_match_line(ae_rules *rs, const char *line, size_t len,
                        uint64_t offset, uint64_t line_no,
                        const char *source_path, ae_rules_emit_fn emit,
                        void *ctx, ae_error *err)
{
	int count = 0, oom = 0, valid = -1; /* valid UTF-8, once known */

	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	rs->stats.lines++;
	if (rs->prefilter) {
		if (++rs->gen == 0) {
			memset(rs->seen, 0, rs->nseen * sizeof(*rs->seen));
			rs->gen = 1;
		}
		ae_prefilter_scan(rs->pf, line, len, rs->gen, rs->seen,
		                  rs->first);
	}
	for (size_t i = 0; i < rs->n; i++) {
		rule *r = &rs->rules[i];
		const PCRE2_SIZE *ov = NULL;
		uint32_t novec = 0;
		size_t ms = 0, me = 0;
		ae_event *ev;
		size_t from = 0;
		int rc;

		if (rs->prefilter && r->nlits) {
			if (rs->seen[i] != rs->gen)
				continue;
			/* no match can start before the first literal that
			 * leads its alternative (lookbehinds still see the
			 * text before it) */
			if (r->leading)
				from = rs->first[i];
		}
		if (r->substring) {
			const char *hit = memmem(line + from, len - from,
			                         r->pattern, r->patlen);

			if (!hit)
				continue;
			ms = (size_t)(hit - line);
			me = ms + r->patlen;
		}
		if (!r->substring) {
			if (!r->code)
				continue;
			if (valid < 0)
				valid = ae_fields_utf8_valid(line, len);
			if (!valid)
				rc =
				    pcre2_match(r->code_inv, (PCRE2_SPTR)line,
				                len, from, 0, rs->md, rs->mctx);
			else if (r->jit)
				rc = pcre2_jit_match(r->code, (PCRE2_SPTR)line,
				                     len, from, 0, rs->md,
				                     rs->mctx);
			else
				rc = pcre2_match(r->code, (PCRE2_SPTR)line, len,
				                 from, PCRE2_NO_UTF_CHECK,
				                 rs->md, rs->mctx);
			if (rc == PCRE2_ERROR_NOMATCH)
				continue;
			if (rc < 0) {
				if (rc == PCRE2_ERROR_MATCHLIMIT ||
				    rc == PCRE2_ERROR_DEPTHLIMIT ||
				    rc == PCRE2_ERROR_HEAPLIMIT ||
				    rc == PCRE2_ERROR_JIT_STACKLIMIT) {
					r->limit_hits++;
					rs->stats.limit_hits++;
				} else {
					PCRE2_UCHAR msg[200];

					pcre2_get_error_message(rc, msg,
					                        sizeof(msg));
					note_error(rs, r->name, "",
					           (char *)msg);
				}
				continue;
			}
			ov = pcre2_get_ovector_pointer(rs->md);
			novec = pcre2_get_ovector_count(rs->md);
			ms = ov[0];
			me = ov[1];
		}
		ev = make_event(rs, r, line, len, ms, me, ov, novec, &oom, err);
		if (!ev) {
			if (oom)
				return -1;
			continue;
		}
		ev->offset = offset;
		ev->line_no = line_no;
		if (source_path && !ae_map_get(ev->metadata, "source_path")) {
			ae_node *sp = ae_node_new_string(source_path);

			if (!sp ||
			    ae_map_set(ev->metadata, "source_path", sp) < 0) {
				ae_event_free(ev);
				ae_error_set(err, NULL, 0, 0, NULL,
				             "out of memory");
				return -1;
			}
		}
		rs->stats.events++;
		count++;
		rc = emit(ctx, i, ev);
		if (rc)
			return rc;
	}
	return count;
}
