#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_prefilter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define LITERAL_MAX 255 /* a shift must fit in a byte */
#define SHIFT_SIZE  8192

/* A literal in the scan table: its first two bytes as `pair`. */
typedef struct plit {
	unsigned pair;
	size_t rule;
	const char *s;
	size_t len;
} plit;

/* One pass over a line finds the literals of every rule: a shift table,
 * then a bit per byte pair that starts a literal, then the literals sorted
 * by pair. */
struct ae_prefilter {
	uint64_t pairs[65536 / 64];
	plit *plits;
	size_t nplits;
	unsigned char shift[SHIFT_SIZE];
	size_t minlen; /* of the literals, at most LITERAL_MAX */
	size_t block;  /* bytes hashed for the shift: 3, or 2 when minlen is */
};

/* ---- the literals of a pattern ---- */

/* True when an inline option group turns on caseless or extended mode,
 * where pattern text is not literal text. */
static int has_risky_options(const char *p)
{
	if (!strncmp(p, "(*", 2))
		return 1;
	for (const char *q = strstr(p, "(?"); q; q = strstr(q + 1, "(?")) {
		const char *s = q + 2;

		while (isalpha((unsigned char)*s) || *s == '-' || *s == '^') {
			if (*s == 'i' || *s == 'x')
				return 1;
			s++;
		}
	}
	return strstr(p, "\\Q") != NULL;
}

/* Skip a character class starting at p[i] == '['; returns the index of its
 * closing ']' or -1. */
static long skip_class(const char *p, size_t i)
{
	size_t j = i + 1;

	if (p[j] == '^')
		j++;
	if (p[j] == ']')
		j++;
	for (; p[j]; j++) {
		if (p[j] == '\\' && p[j + 1])
			j++;
		else if (p[j] == '[' && p[j + 1] == ':') {
			const char *e = strstr(p + j + 2, ":]");

			if (!e)
				return -1;
			j = (size_t)(e - p) + 1;
		} else if (p[j] == ']')
			return (long)j;
	}
	return -1;
}

typedef struct litrun {
	char cur[LITERAL_MAX], best[LITERAL_MAX];
	size_t cl, bl;
} litrun;

static void run_end(litrun *r)
{
	if (r->cl > r->bl) {
		memcpy(r->best, r->cur, r->cl);
		r->bl = r->cl;
	}
	r->cl = 0;
}

static void run_add(litrun *r, char c)
{
	if (r->cl < LITERAL_MAX)
		r->cur[r->cl++] = c;
}

/* The last character is optional: drop it (a whole UTF-8 sequence). */
static void run_drop(litrun *r)
{
	while (r->cl && ((unsigned char)r->cur[r->cl - 1] & 0xC0) == 0x80)
		r->cl--;
	if (r->cl)
		r->cl--;
}

/* The longest run of literal text outside groups that every match must
 * contain, or NULL. Conservative: anything unclear ends the run or gives
 * up (then the regex alone decides, which is always correct). */
static char *required_literal(const char *p, size_t *len)
{
	litrun r = {.cl = 0, .bl = 0};
	int depth = 0;
	char *out;

	if (has_risky_options(p))
		return NULL;
	for (size_t i = 0; p[i]; i++) {
		char c = p[i];

		if (c == '\\') {
			char n = p[i + 1];

			if (!n)
				return NULL;
			i++;
			if (!isalnum((unsigned char)n)) {
				if (!depth)
					run_add(&r, n);
				continue;
			}
			if (!depth)
				run_end(&r);
			if (n == 'c' && p[i + 1]) {
				i++;
			} else if (p[i + 1] == '{' || p[i + 1] == '<' ||
			           p[i + 1] == '\'') {
				const char *e =
				    strchr(p + i + 2, p[i + 1] == '{'   ? '}'
				                      : p[i + 1] == '<' ? '>'
				                                        : '\'');
				if (!e)
					return NULL;
				i = (size_t)(e - p);
			}
			continue;
		}
		if (c == '[') {
			long e = skip_class(p, i);

			if (e < 0)
				return NULL;
			if (!depth)
				run_end(&r);
			i = (size_t)e;
			continue;
		}
		if (c == '(') {
			if (!depth)
				run_end(&r);
			depth++;
			continue;
		}
		if (c == ')') {
			if (--depth < 0)
				return NULL;
			continue;
		}
		if (depth)
			continue;
		switch (c) {
		case '|':
			return NULL;
		case '.':
		case '^':
		case '$':
		case '+':
			run_end(&r);
			break;
		case '?':
		case '*':
			run_drop(&r);
			run_end(&r);
			break;
		case '{':
			/* A quantifier {n}, {n,}, {n,m}; {0,...} makes the last
			 * character optional. Anything else: be careful. */
			if (isdigit((unsigned char)p[i + 1]) ||
			    p[i + 1] == ',') {
				const char *e = strchr(p + i, '}');

				if (p[i + 1] == '0' || p[i + 1] == ',')
					run_drop(&r);
				run_end(&r);
				if (!e)
					return NULL;
				i = (size_t)(e - p);
			} else {
				/* A literal brace; keep it out of the run. */
				run_drop(&r);
				run_end(&r);
			}
			break;
		default:
			run_add(&r, c);
		}
	}
	if (depth)
		return NULL;
	run_end(&r);
	if (r.bl < 2)
		return NULL;
	out = malloc(r.bl + 1);
	if (!out)
		return NULL;
	memcpy(out, r.best, r.bl);
	out[r.bl] = '\0';
	*len = r.bl;
	return out;
}

/* Each top-level alternative must contain its own literal, or there is no
 * prefilter: then every match contains at least one of them. Each is at
 * least 2 bytes (the scan keys on byte pairs). */
size_t ae_prefilter_literals(const char *p, size_t patlen,
                             ae_prefilter_lit **out)
{
	size_t n = 0, start = 0, i;
	ae_prefilter_lit *v = NULL;
	int depth = 0;

	*out = NULL;
	/* an inline option applies across alternatives; a NUL would end the
	 * text the scanner below sees before the pattern ends */
	if (strlen(p) != patlen || has_risky_options(p))
		return 0;
	for (i = 0;; i++) {
		if (p[i] == '\\') {
			if (!p[i + 1])
				goto none;
			i++;
			continue;
		}
		if (p[i] == '[') {
			long e = skip_class(p, i);

			if (e < 0)
				goto none;
			i = (size_t)e;
			continue;
		}
		if (p[i] == '(')
			depth++;
		else if (p[i] == ')')
			depth--;
		if (p[i] && (p[i] != '|' || depth))
			continue;
		{
			char *alt = strndup(p + start, i - start);
			size_t len = 0;
			char *l = alt ? required_literal(alt, &len) : NULL;
			ae_prefilter_lit *nv;

			free(alt);
			if (!l)
				goto none;
			nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				free(l);
				goto none;
			}
			v = nv;
			v[n].s = l;
			v[n].len = len;
			/* the pattern text is the literal itself, not
			 * quantified: every match of the alternative starts
			 * with it */
			v[n++].leading = i - start >= len &&
			                 !memcmp(p + start, l, len) &&
			                 (i - start == len ||
			                  !strchr("?*+{", p[start + len]));
		}
		if (!p[i])
			break;
		start = i + 1;
	}
	*out = v;
	return n;
none:
	ae_prefilter_lits_free(v, n);
	return 0;
}

void ae_prefilter_lits_free(ae_prefilter_lit *lits, size_t n)
{
	for (size_t i = 0; lits && i < n; i++)
		free(lits[i].s);
	free(lits);
}

/* ---- the scan ---- */

static int plit_cmp(const void *a, const void *b)
{
	const plit *x = a, *y = b;

	return x->pair < y->pair ? -1 : x->pair > y->pair;
}

static unsigned pair_of(const unsigned char *s)
{
	return s[0] | (unsigned)s[1] << 8;
}

static unsigned hash_block(const unsigned char *s)
{
	return ((unsigned)s[0] << 6 ^ (unsigned)s[1] << 3 ^ s[2]) &
	       (SHIFT_SIZE - 1);
}

/* The scan table over all rules' literals. */
ae_prefilter *ae_prefilter_new(const ae_prefilter_lit *const *lits,
                               const size_t *nlits, size_t nrules)
{
	ae_prefilter *pf = calloc(1, sizeof(*pf));
	size_t total = 0, k = 0;

	if (!pf)
		return NULL;
	for (size_t i = 0; i < nrules; i++)
		total += nlits[i];
	pf->plits = calloc(total + 1, sizeof(*pf->plits));
	if (!pf->plits) {
		free(pf);
		return NULL;
	}
	for (size_t i = 0; i < nrules; i++) {
		for (size_t j = 0; j < nlits[i]; j++) {
			const ae_prefilter_lit *l = &lits[i][j];
			plit *pl = &pf->plits[k++];

			pl->pair = pair_of((const unsigned char *)l->s);
			pl->rule = i;
			pl->s = l->s;
			pl->len = l->len;
			pf->pairs[pl->pair >> 6] |= (uint64_t)1
			                            << (pl->pair & 63);
		}
	}
	pf->nplits = k;
	qsort(pf->plits, k, sizeof(*pf->plits), plit_cmp);
	/* the shift table: how far a window whose last `block` bytes hash
	 * like this can move on without passing the start of a literal
	 * (blocks that collide keep the smaller shift) */
	pf->minlen = LITERAL_MAX;
	for (size_t i = 0; i < k; i++)
		if (pf->plits[i].len < pf->minlen)
			pf->minlen = pf->plits[i].len;
	pf->block = pf->minlen >= 3 ? 3 : 2;
	memset(pf->shift, (int)(pf->minlen - pf->block + 1), sizeof(pf->shift));
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j + pf->block <= pf->minlen; j++) {
			const unsigned char *b =
			    (const unsigned char *)pf->plits[i].s + j;
			unsigned h = pf->block == 3
			                 ? hash_block(b)
			                 : pair_of(b) & (SHIFT_SIZE - 1);
			size_t sh = pf->minlen - pf->block - j;

			if (pf->shift[h] > sh)
				pf->shift[h] = (unsigned char)sh;
		}
	return pf;
}

void ae_prefilter_free(ae_prefilter *pf)
{
	if (!pf)
		return;
	free(pf->plits);
	free(pf);
}

/* The literals that start at p[i], if any: marks their rules. */
static void check_at(const ae_prefilter *pf, const unsigned char *p, size_t len,
                     size_t i, uint32_t mark, uint32_t *seen, size_t *first)
{
	unsigned k = pair_of(p + i);
	size_t lo = 0, hi = pf->nplits;

	if (!(pf->pairs[k >> 6] & ((uint64_t)1 << (k & 63))))
		return;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pf->plits[mid].pair < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < pf->nplits && pf->plits[lo].pair == k; lo++) {
		const plit *pl = &pf->plits[lo];

		if (seen[pl->rule] != mark && pl->len <= len - i &&
		    !memcmp(p + i, pl->s, pl->len)) {
			seen[pl->rule] = mark;
			first[pl->rule] = i;
		}
	}
}

/* Mark the rules one of whose literals is in the line (Wu-Manber): a window
 * as long as the shortest literal slides along the line; the last three (or
 * two) bytes in it say how far it can move without passing a literal's
 * start, and only where that is 0 are the literals starting there compared.
 * Windows go left to right, so first[] gets the leftmost literal of each
 * rule. */
void ae_prefilter_scan(const ae_prefilter *pf, const char *line, size_t len,
                       uint32_t mark, uint32_t *seen, size_t *first)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t m = pf->minlen;

	if (!pf->nplits || len < m)
		return;
	for (size_t e = m - 1; e < len;) {
		const unsigned char *b = p + e + 1 - pf->block;
		unsigned sh =
		    pf->shift[pf->block == 3 ? hash_block(b)
		                             : pair_of(b) & (SHIFT_SIZE - 1)];

		if (sh) {
			e += sh;
			continue;
		}
		check_at(pf, p, len, e + 1 - m, mark, seen, first);
		e++;
	}
}
