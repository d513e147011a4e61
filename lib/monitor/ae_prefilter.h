/* ae_prefilter: which rules can match a line, in one pass over it.
 *
 * From a regex the literals are taken that every match must contain, one
 * per top-level alternative (ae_prefilter_literals; a substring rule is its
 * own literal). A prefilter is built over the literals of all rules, and
 * one Wu-Manber pass over a line (a table look-up per window, most of the
 * line skipped) marks the rules one of whose literals is in it: only those
 * need their regex run. A rule without literals is never marked; the
 * caller tries it on every line.
 *
 * Ownership: the literals belong to the caller; the prefilter borrows them.
 */
#ifndef AE_PREFILTER_H
#define AE_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

typedef struct ae_prefilter ae_prefilter;

typedef struct ae_prefilter_lit {
	char *s; /* NUL-terminated, at least 2 bytes */
	size_t len;
	/* the alternative begins with it: no match starts before it */
	int leading;
} ae_prefilter_lit;

/* The literals of the regex pattern (patlen bytes). Returns how many were
 * put in *lits (a new array; free it with ae_prefilter_lits_free), or 0:
 * none found (some alternative has none, or the pattern's options make its
 * text not literal), or memory ran out, which only costs speed. */
size_t ae_prefilter_literals(const char *pattern, size_t patlen,
                             ae_prefilter_lit **lits);
/* Free n literals and their array. Safe on NULL. */
void ae_prefilter_lits_free(ae_prefilter_lit *lits, size_t n);

/* A prefilter for nrules rules: rule i has the nlits[i] literals lits[i]
 * (borrowed: they must outlive the prefilter). Returns a new prefilter
 * (caller frees), or NULL when memory runs out. */
ae_prefilter *ae_prefilter_new(const ae_prefilter_lit *const *lits,
                               const size_t *nlits, size_t nrules);
void ae_prefilter_free(ae_prefilter *pf);

/* Mark the rules one of whose literals is in line[0..len): seen[rule] =
 * mark, and first[rule] = where the leftmost of its literals starts.
 * Entries of other rules are left as they are, so a new mark per line
 * needs no clearing. seen and first have an entry per rule. */
void ae_prefilter_scan(const ae_prefilter *pf, const char *line, size_t len,
                       uint32_t mark, uint32_t *seen, size_t *first);

#endif /* AE_PREFILTER_H */
