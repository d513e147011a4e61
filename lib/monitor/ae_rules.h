/* ae_rules: the `monitoring.log_events` rules, compiled, matched per line.
 *
 * log_events is a list of rules or a mapping from name to rule. Fields:
 *   name            unique (the mapping key in the mapping form)
 *   pattern         PCRE2 (Python's (?P<name>...) works as is), or a plain
 *                   string with pattern_type: substring
 *   pattern_type    regex (default) | substring
 *   metadata        mapping copied into each event
 *   extract_groups  {out_key: group name | group number | "match"}; absent:
 *                   every named group under its own name; {}: none
 *   once_per        template for the dedup key (default: the extracted
 *                   values, so iteration 100 and 200 are different triggers)
 *   actions         list of actions or EventActions (ae_binding)
 *   state           accepted for compatibility, not used by the helper
 * A line is matched against every rule in order (first match per rule);
 * events come out in log order, rules in their order within a line. Lines
 * are UTF-8 (PCRE2_MATCH_INVALID_UTF: no match spans an invalid byte); an
 * extracted value next to an invalid byte, or with a NUL, would be a cut of
 * what the line says, so that match gives no event (counted in errors).
 *
 * Speed: every regex is JIT-compiled. From each pattern the literals are
 * taken that every match must contain (one per top-level alternative; a
 * substring rule is its own literal), and one Wu-Manber pass over a line
 * (ae_prefilter) finds which rules have one of theirs in it: only those are
 * matched, so most lines cost that pass and no regex at all. A rule with an
 * alternative without such a literal is tried on every line. A match limit
 * bounds catastrophic backtracking: a line that hits it is counted for the
 * rule and skipped.
 */
#ifndef AE_RULES_H
#define AE_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "ae_action.h"
#include "ae_error.h"
#include "ae_event.h"
#include "ae_node.h"
#include "ae_template.h"

typedef struct ae_rules ae_rules;

/* Default PCRE2 match limit (backtracking steps per match attempt). */
#define AE_RULES_MATCH_LIMIT 1000000u

/* Compile. `unresolved`: checking at submission, where a pattern that is an
 * interpolation cannot be compiled yet (skipped). Returns new rules (caller
 * frees) or NULL with err set (file:line:col and key path of the node). */
ae_rules *ae_rules_compile(const ae_node *log_events, int unresolved,
                           ae_error *err);
void ae_rules_free(ae_rules *rules);

/* Add a rule that no line matches: its events are made by the caller
 * (ae_state_events). name is copied; metadata (a mapping or NULL) is
 * copied; bindings (n of them) are taken, also on failure. Returns the new
 * rule's index, or -1 with err set (out of memory, or a rule of that name
 * exists: cfg, may be NULL, is where the error points). */
long ae_rules_add_unmatched(ae_rules *rules, const char *name,
                            const ae_node *metadata, ae_binding **bindings,
                            size_t n, const ae_node *cfg, ae_error *err);

size_t ae_rules_count(const ae_rules *rules);
const char *ae_rules_name(const ae_rules *rules, size_t i);
/* Index of the rule with that name, or -1. */
long ae_rules_find(const ae_rules *rules, const char *name);
/* The static metadata of rule i (a mapping, borrowed), NULL when none. */
const ae_node *ae_rules_metadata(const ae_rules *rules, size_t i);
size_t ae_rules_nbindings(const ae_rules *rules, size_t i);
const ae_binding *ae_rules_binding(const ae_rules *rules, size_t i, size_t j);
/* The prefilter literal of rule i when it has exactly one (borrowed), else
 * NULL. For tests, as are the two below. */
const char *ae_rules_literal(const ae_rules *rules, size_t i);
/* How many prefilter literals rule i has (0: none, tried on every line). */
size_t ae_rules_nliterals(const ae_rules *rules, size_t i);
/* Literal k of rule i (borrowed), or NULL. */
const char *ae_rules_literal_at(const ae_rules *rules, size_t i, size_t k);

/* Tuning: the match limit (0: default) and the prefilter (on by default;
 * off for tests that compare). */
void ae_rules_set_match_limit(ae_rules *rules, uint32_t limit);
void ae_rules_set_prefilter(ae_rules *rules, int on);
/* Keys for once_per templates other than the event's metadata (vars and
 * config; borrowed, must outlive matching). */
void ae_rules_set_context(ae_rules *rules, const ae_template_ctx *ctx);

/* Receives each event (ownership passes) and the index of its rule. A
 * non-zero return stops matching and is returned by ae_rules_match_line. */
typedef int (*ae_rules_emit_fn)(void *ctx, size_t rule, ae_event *ev);

/* Match one line (a trailing "\n" or "\r\n" is ignored). offset/line_no
 * and source_path (may be NULL) go into the events. Returns the number of
 * events emitted, -1 with err set when memory ran out, or what emit
 * returned when it stopped. */
int ae_rules_match_line(ae_rules *rules, const char *line, size_t len,
                        uint64_t offset, uint64_t line_no,
                        const char *source_path, ae_rules_emit_fn emit,
                        void *ctx, ae_error *err);

typedef struct ae_rules_stats {
	uint64_t lines;
	uint64_t events;
	uint64_t limit_hits;  /* match/depth/heap/JIT-stack limits reached */
	uint64_t errors;      /* other match errors, once_per render errors */
	char last_error[256]; /* the latest of those, "" when none */
} ae_rules_stats;

void ae_rules_get_stats(const ae_rules *rules, ae_rules_stats *stats);
/* Limit hits of rule i. */
uint64_t ae_rules_limit_hits(const ae_rules *rules, size_t i);

#endif /* AE_RULES_H */
