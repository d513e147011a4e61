#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_interp_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why by hand: see ae_interp_parse.h (no ANTLR 4 runtime for C). Token
 * names in comments are those of OmegaConfGrammarLexer.g4. */

#define MAX_DEPTH 64

struct ae_ip_tree {
	void **allocs; /* everything the tree owns, freed together */
	size_t nallocs, cap;
	ae_ip_text *text;
	ae_ip_elem *elem;
};

typedef struct parser {
	ae_ip_tree *t;
	const char *s;
	size_t len, pos;
	char *err;
	size_t errsize;
	int failed;
	int depth;
} parser;

/* A piece list (and the literal being collected) under construction. */
typedef struct tbuild {
	ae_ip_piece *pieces;
	size_t n, cap;
	char *lit;
	size_t llen, lcap;
} tbuild;

static void perr(parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void perr(parser *p, size_t at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errsize, "%s at offset %zu of \"%.*s\"", msg, at,
	         (int)(p->len > 200 ? 200 : p->len), p->s);
}

static int adopt(parser *p, void *ptr)
{
	ae_ip_tree *t = p->t;

	if (!ptr)
		goto oom;
	if (t->nallocs == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		void **a = realloc(t->allocs, cap * sizeof(*a));

		if (!a)
			goto oom;
		t->allocs = a;
		t->cap = cap;
	}
	t->allocs[t->nallocs++] = ptr;
	return 0;
oom:
	free(ptr);
	perr(p, p->pos, "out of memory");
	return -1;
}

static void *talloc(parser *p, size_t size)
{
	void *ptr = calloc(1, size ? size : 1);

	return adopt(p, ptr) < 0 ? NULL : ptr;
}

static char *tstrndup(parser *p, const char *s, size_t n)
{
	char *d = talloc(p, n + 1);

	if (d)
		memcpy(d, s, n);
	return d;
}

static int grow(parser *p, void **ptr, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 8;
	void *np;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	np = realloc(*ptr, c * elem);
	if (!np) {
		perr(p, p->pos, "out of memory");
		return -1;
	}
	*ptr = np;
	*cap = c;
	return 0;
}

static void tb_free(tbuild *tb)
{
	free(tb->pieces);
	free(tb->lit);
	memset(tb, 0, sizeof(*tb));
}

static int tb_piece(parser *p, tbuild *tb, ae_ip_interp *ip, const char *lit,
                    size_t len, ae_ip_tok tok)
{
	ae_ip_piece *pc;

	if (grow(p, (void **)&tb->pieces, &tb->cap, tb->n + 1,
	         sizeof(*tb->pieces)) < 0)
		return -1;
	pc = &tb->pieces[tb->n];
	memset(pc, 0, sizeof(*pc));
	pc->interp = ip;
	pc->tok = tok;
	if (!ip) {
		pc->lit = tstrndup(p, lit, len);
		if (!pc->lit)
			return -1;
		pc->len = len;
	}
	tb->n++;
	return 0;
}

static int tb_addlit(parser *p, tbuild *tb, const char *s, size_t n)
{
	if (grow(p, (void **)&tb->lit, &tb->lcap, tb->llen + n + 1, 1) < 0)
		return -1;
	memcpy(tb->lit + tb->llen, s, n);
	tb->llen += n;
	return 0;
}

static int tb_addchars(parser *p, tbuild *tb, char c, size_t n)
{
	if (grow(p, (void **)&tb->lit, &tb->lcap, tb->llen + n + 1, 1) < 0)
		return -1;
	memset(tb->lit + tb->llen, c, n);
	tb->llen += n;
	return 0;
}

static int tb_flush(parser *p, tbuild *tb)
{
	int rv = 0;

	if (tb->llen)
		rv = tb_piece(p, tb, NULL, tb->lit, tb->llen, AE_IP_TOK_TEXT);
	tb->llen = 0;
	return rv;
}

/* Move the pieces into the tree. */
static int tb_finish(parser *p, tbuild *tb, ae_ip_text *out)
{
	int rv = -1;

	if (tb_flush(p, tb) < 0)
		goto out;
	out->n = tb->n;
	out->pieces = talloc(p, tb->n * sizeof(*tb->pieces));
	if (!out->pieces)
		goto out;
	if (tb->n)
		memcpy(out->pieces, tb->pieces, tb->n * sizeof(*tb->pieces));
	rv = 0;
out:
	tb_free(tb);
	return rv;
}

/* ---- character classes and lexer fragments ---- */

static int at(const parser *p, size_t i)
{
	return i < p->len ? (unsigned char)p->s[i] : -1;
}

static int isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int isalpha_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t m_ws(const parser *p, size_t i)
{
	size_t n = 0;

	while (at(p, i + n) == ' ' || at(p, i + n) == '\t')
		n++;
	return n;
}

/* DIGIT (('_')? DIGIT)* after a first digit already matched at i-1. */
static size_t m_digit_tail(const parser *p, size_t i)
{
	size_t n = 0;

	for (;;) {
		if (isdig(at(p, i + n)))
			n++;
		else if (at(p, i + n) == '_' && isdig(at(p, i + n + 1)))
			n += 2;
		else
			return n;
	}
}

/* INT_UNSIGNED: '0' | [1-9] (('_')? DIGIT)* */
static size_t m_int_unsigned(const parser *p, size_t i)
{
	int c = at(p, i);

	if (c == '0')
		return 1;
	if (c >= '1' && c <= '9')
		return 1 + m_digit_tail(p, i + 1);
	return 0;
}

/* POINT_FLOAT: INT_UNSIGNED '.' | INT_UNSIGNED? '.' DIGIT (('_')? DIGIT)* */
static size_t m_point_float(const parser *p, size_t i)
{
	size_t k = m_int_unsigned(p, i);

	if (at(p, i + k) != '.')
		return 0;
	if (isdig(at(p, i + k + 1)))
		return k + 2 + m_digit_tail(p, i + k + 2);
	return k ? k + 1 : 0;
}

static size_t m_exponent(const parser *p, size_t i)
{
	size_t n = 1;

	if (at(p, i) != 'e' && at(p, i) != 'E')
		return 0;
	if (at(p, i + n) == '+' || at(p, i + n) == '-')
		n++;
	if (!isdig(at(p, i + n)))
		return 0;
	return n + 1 + m_digit_tail(p, i + n + 1);
}

static int match_ci(const parser *p, size_t i, const char *word)
{
	size_t k;

	for (k = 0; word[k]; k++) {
		int c = at(p, i + k);

		if (c < 0 || (c | 0x20) != word[k])
			return 0;
	}
	return 1;
}

/* FLOAT: [+-]? (POINT_FLOAT | EXPONENT_FLOAT | inf | nan) */
static size_t m_float(const parser *p, size_t i)
{
	size_t sign = (at(p, i) == '+' || at(p, i) == '-') ? 1 : 0;
	size_t j = i + sign, best = 0, pf, iu, e;

	pf = m_point_float(p, j);
	iu = m_int_unsigned(p, j);
	best = pf;
	if (pf && (e = m_exponent(p, j + pf)) && pf + e > best)
		best = pf + e;
	if (iu && (e = m_exponent(p, j + iu)) && iu + e > best)
		best = iu + e;
	if (best < 3 && (match_ci(p, j, "inf") || match_ci(p, j, "nan")))
		best = 3;
	return best ? sign + best : 0;
}

/* INT: [+-]? INT_UNSIGNED */
static size_t m_int(const parser *p, size_t i)
{
	size_t sign = (at(p, i) == '+' || at(p, i) == '-') ? 1 : 0;
	size_t k = m_int_unsigned(p, i + sign);

	return k ? sign + k : 0;
}

/* ID: (CHAR|'_') (CHAR|DIGIT|'_'|'-')* */
static size_t m_id(const parser *p, size_t i)
{
	size_t n;
	int c = at(p, i);

	if (!isalpha_(c) && c != '_')
		return 0;
	for (n = 1;; n++) {
		c = at(p, i + n);
		if (!isalpha_(c) && !isdig(c) && c != '_' && c != '-')
			return n;
	}
}

/* ESC: pairs \\ \( \) \[ \] \{ \} \: \= \, "\ " "\<tab>" */
static size_t m_esc(const parser *p, size_t i)
{
	size_t n = 0;

	while (at(p, i + n) == '\\' && at(p, i + n + 1) > 0 &&
	       strchr("\\()[]{}:=, \t", at(p, i + n + 1)))
		n += 2;
	return n;
}

/* INTER_KEY: ~[\\{}()[\]:. \t'"]+ */
static size_t m_inter_key(const parser *p, size_t i)
{
	size_t n = 0;
	int c;

	while ((c = at(p, i + n)) >= 0 && !strchr("\\{}()[]:. \t'\"", c))
		n++;
	return n;
}

/* ---- VALUE_MODE tokens ---- */

enum vtok {
	V_NONE = 0,
	V_INTER_OPEN,
	V_BRACE_OPEN,
	V_BRACE_CLOSE,
	V_QUOTE_SINGLE,
	V_QUOTE_DOUBLE,
	V_COMMA,
	V_BRACKET_OPEN,
	V_BRACKET_CLOSE,
	V_COLON,
	V_FLOAT,
	V_INT,
	V_BOOL,
	V_NULL,
	V_UNQUOTED_CHAR,
	V_ID,
	V_ESC,
	V_WS,
	V_COUNT,
	V_EOF,
};

/* The token at p->pos by ANTLR's rule: longest match, then first rule. */
static enum vtok vtok(const parser *p, size_t *len)
{
	size_t m[V_COUNT] = {0};
	size_t i = p->pos, w = m_ws(p, i), best = 0;
	int c = at(p, i), k, kind = V_NONE;

	*len = 0;
	if (c < 0)
		return V_EOF;
	if (c == '$' && at(p, i + 1) == '{')
		m[V_INTER_OPEN] = 2 + m_ws(p, i + 2);
	if (c == '{')
		m[V_BRACE_OPEN] = 1 + w;
	if (at(p, i + w) == '}')
		m[V_BRACE_CLOSE] = w + 1;
	if (c == '\'')
		m[V_QUOTE_SINGLE] = 1;
	if (c == '"')
		m[V_QUOTE_DOUBLE] = 1;
	if (at(p, i + w) == ',')
		m[V_COMMA] = w + 1 + m_ws(p, i + w + 1);
	if (c == '[')
		m[V_BRACKET_OPEN] = 1 + m_ws(p, i + 1);
	if (at(p, i + w) == ']')
		m[V_BRACKET_CLOSE] = w + 1;
	if (at(p, i + w) == ':')
		m[V_COLON] = w + 1 + m_ws(p, i + w + 1);
	m[V_FLOAT] = m_float(p, i);
	m[V_INT] = m_int(p, i);
	if (match_ci(p, i, "true"))
		m[V_BOOL] = 4;
	else if (match_ci(p, i, "false"))
		m[V_BOOL] = 5;
	if (match_ci(p, i, "null"))
		m[V_NULL] = 4;
	if (c > 0 && strchr("/-\\+.$%*@?|", c))
		m[V_UNQUOTED_CHAR] = 1;
	m[V_ID] = m_id(p, i);
	m[V_ESC] = m_esc(p, i);
	m[V_WS] = w;
	for (k = 1; k < V_COUNT; k++) {
		if (m[k] > best) {
			best = m[k];
			kind = k;
		}
	}
	*len = best;
	return (enum vtok)kind;
}

/* ---- INTERPOLATION_MODE tokens ---- */

enum itok {
	I_NONE = 0,
	I_INTER_OPEN,
	I_COLON,
	I_CLOSE,
	I_DOT,
	I_BRACKET_OPEN,
	I_BRACKET_CLOSE,
	I_ID,
	I_KEY,
	I_COUNT,
	I_EOF,
};

static enum itok itok(const parser *p, size_t *len)
{
	size_t m[I_COUNT] = {0};
	size_t i = p->pos, w = m_ws(p, i), best = 0;
	int c = at(p, i), k, kind = I_NONE;

	*len = 0;
	if (c < 0)
		return I_EOF;
	if (c == '$' && at(p, i + 1) == '{')
		m[I_INTER_OPEN] = 2 + m_ws(p, i + 2);
	if (at(p, i + w) == ':')
		m[I_COLON] = w + 1 + m_ws(p, i + w + 1);
	if (at(p, i + w) == '}')
		m[I_CLOSE] = w + 1;
	if (c == '.')
		m[I_DOT] = 1;
	if (c == '[')
		m[I_BRACKET_OPEN] = 1;
	if (c == ']')
		m[I_BRACKET_CLOSE] = 1;
	m[I_ID] = m_id(p, i);
	m[I_KEY] = m_inter_key(p, i);
	for (k = 1; k < I_COUNT; k++) {
		if (m[k] > best) {
			best = m[k];
			kind = k;
		}
	}
	*len = best;
	return (enum itok)kind;
}

/* ---- parser rules ---- */

static ae_ip_interp *parse_interp(parser *p);
static ae_ip_elem *parse_element(parser *p);

static int enter(parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		perr(p, p->pos, "interpolation nested too deeply");
		return -1;
	}
	return 0;
}

static size_t backslash_run(const parser *p, size_t i)
{
	size_t n = 0;

	while (at(p, i + n) == '\\')
		n++;
	return n;
}

static int is_inter_open(const parser *p, size_t i)
{
	return at(p, i) == '$' && at(p, i + 1) == '{';
}

/* Top-level text (DEFAULT_MODE) or the inside of a quoted string (quote is
 * the quote character). The escape rules of both modes:
 *  - an odd run of n backslashes before "${" (ESC_INTER) gives (n-1)/2
 *    backslashes and a literal "${";
 *  - an even run before "${" (TOP_ESC/QUOTED_ESC followed by an
 *    interpolation) gives n/2 backslashes, then the interpolation;
 *  - in quoted strings, an odd run before the quote (Qxxxx_ESC_QUOTE)
 *    gives (n-1)/2 backslashes and the quote; an even run that ends the
 *    string (QUOTED_ESC) gives n/2 backslashes;
 *  - other backslashes are literal;
 *  - our extension: "$${" gives a literal "${". */
static int parse_text(parser *p, int quote, ae_ip_text *out)
{
	tbuild tb = {0};
	ae_ip_interp *ip;
	size_t n;
	int c;

	for (;;) {
		c = at(p, p->pos);
		if (c < 0) {
			if (quote) {
				perr(p, p->pos, "unterminated quoted string");
				goto fail;
			}
			break;
		}
		if (quote && c == quote) {
			p->pos++;
			break;
		}
		if (is_inter_open(p, p->pos)) {
			if (tb_flush(p, &tb) < 0)
				goto fail;
			ip = parse_interp(p);
			if (!ip || tb_piece(p, &tb, ip, NULL, 0, 0) < 0)
				goto fail;
			continue;
		}
		if (c == '$' && is_inter_open(p, p->pos + 1)) {
			if (tb_addlit(p, &tb, "${", 2) < 0)
				goto fail;
			p->pos += 3;
			continue;
		}
		if (c == '\\') {
			n = backslash_run(p, p->pos);
			if (is_inter_open(p, p->pos + n)) {
				if (tb_addchars(p, &tb, '\\', n / 2) < 0)
					goto fail;
				p->pos += n;
				if (n % 2) {
					if (tb_addlit(p, &tb, "${", 2) < 0)
						goto fail;
					p->pos += 2;
				}
				continue;
			}
			if (quote && at(p, p->pos + n) == quote) {
				if (tb_addchars(p, &tb, '\\', n / 2) < 0)
					goto fail;
				p->pos += n;
				if (n % 2) {
					char q = (char)quote;

					if (tb_addlit(p, &tb, &q, 1) < 0)
						goto fail;
					p->pos++;
				}
				continue;
			}
			if (tb_addchars(p, &tb, '\\', n) < 0)
				goto fail;
			p->pos += n;
			continue;
		}
		if (tb_addlit(p, &tb, p->s + p->pos, 1) < 0)
			goto fail;
		p->pos++;
	}
	return tb_finish(p, &tb, out);
fail:
	tb_free(&tb);
	return -1;
}

static int is_primitive_tok(enum vtok k, int in_key)
{
	switch (k) {
	case V_ID:
	case V_NULL:
	case V_INT:
	case V_FLOAT:
	case V_BOOL:
	case V_UNQUOTED_CHAR:
	case V_ESC:
	case V_WS:
		return 1;
	case V_COLON:
	case V_INTER_OPEN:
		return !in_key;
	default:
		return 0;
	}
}

static ae_ip_tok tok_kind(enum vtok k)
{
	switch (k) {
	case V_NULL:
		return AE_IP_TOK_NULL;
	case V_INT:
		return AE_IP_TOK_INT;
	case V_FLOAT:
		return AE_IP_TOK_FLOAT;
	case V_BOOL:
		return AE_IP_TOK_BOOL;
	case V_ESC:
		return AE_IP_TOK_ESC;
	case V_WS:
		return AE_IP_TOK_WS;
	default:
		return AE_IP_TOK_TEXT;
	}
}

/* primitive / dictKey: one or more tokens, each its own piece. */
static int parse_primitive(parser *p, int in_key, ae_ip_text *out)
{
	tbuild tb = {0};
	enum vtok k;
	size_t len, j;
	char buf[256];

	for (;;) {
		k = vtok(p, &len);
		if (!is_primitive_tok(k, in_key))
			break;
		if (k == V_INTER_OPEN) {
			ae_ip_interp *ip = parse_interp(p);

			if (!ip || tb_piece(p, &tb, ip, NULL, 0, 0) < 0)
				goto fail;
			continue;
		}
		if (k == V_ESC) {
			/* un-escape: keep every second character */
			size_t m = 0;
			char *u = len / 2 < sizeof(buf) ? buf : malloc(len / 2);
			int rc;

			if (!u) {
				perr(p, p->pos, "out of memory");
				goto fail;
			}
			for (j = 1; j < len; j += 2)
				u[m++] = p->s[p->pos + j];
			rc = tb_piece(p, &tb, NULL, u, m, AE_IP_TOK_ESC);
			if (u != buf)
				free(u);
			if (rc < 0)
				goto fail;
		} else if (tb_piece(p, &tb, NULL, p->s + p->pos, len,
		                    tok_kind(k)) < 0) {
			goto fail;
		}
		p->pos += len;
	}
	if (tb.n == 0) {
		perr(p, p->pos, "expected a value");
		goto fail;
	}
	return tb_finish(p, &tb, out);
fail:
	tb_free(&tb);
	return -1;
}

static ae_ip_elem *empty_elem(parser *p)
{
	ae_ip_elem *e = talloc(p, sizeof(*e));

	if (e)
		e->kind = AE_IP_QUOTED; /* a missing element is "" */
	return e;
}

typedef struct evec {
	ae_ip_elem **items;
	size_t n, cap;
} evec;

static int evec_push(parser *p, evec *v, ae_ip_elem *e)
{
	if (!e)
		return -1;
	if (grow(p, (void **)&v->items, &v->cap, v->n + 1, sizeof(*v->items)) <
	    0)
		return -1;
	v->items[v->n++] = e;
	return 0;
}

static int evec_finish(parser *p, evec *v, ae_ip_elem ***items, size_t *n)
{
	*n = v->n;
	*items = talloc(p, v->n * sizeof(**items));
	if (*items && v->n)
		memcpy(*items, v->items, v->n * sizeof(**items));
	free(v->items);
	v->items = NULL;
	return *items ? 0 : -1;
}

/* sequence: (element (COMMA element?)*) | (COMMA element?)+, up to and
 * including `closer`. A missing element is an empty string, as OmegaConf
 * 2.2 does (with a deprecation warning). */
static int parse_sequence(parser *p, enum vtok closer, ae_ip_elem ***items,
                          size_t *n)
{
	evec v = {0};
	enum vtok k;
	size_t len;

	k = vtok(p, &len);
	if (k == closer) {
		p->pos += len;
		return evec_finish(p, &v, items, n);
	}
	for (;;) {
		if (k == V_COMMA) {
			if (evec_push(p, &v, empty_elem(p)) < 0)
				goto fail;
		} else {
			if (evec_push(p, &v, parse_element(p)) < 0)
				goto fail;
			k = vtok(p, &len);
			if (k == closer) {
				p->pos += len;
				break;
			}
			if (k != V_COMMA) {
				perr(p, p->pos, "expected ',' or '%c'",
				     closer == V_BRACE_CLOSE ? '}' : ']');
				goto fail;
			}
		}
		p->pos += len; /* the comma */
		k = vtok(p, &len);
		if (k == closer) {
			if (evec_push(p, &v, empty_elem(p)) < 0)
				goto fail;
			p->pos += len;
			break;
		}
	}
	return evec_finish(p, &v, items, n);
fail:
	free(v.items);
	return -1;
}

static int parse_dict(parser *p, ae_ip_elem *e)
{
	evec v = {0};
	ae_ip_text *keys = NULL;
	size_t nkeys = 0, cap = 0, len;
	enum vtok k;

	k = vtok(p, &len);
	if (k == V_BRACE_CLOSE) {
		p->pos += len;
		goto done;
	}
	for (;;) {
		if (grow(p, (void **)&keys, &cap, nkeys + 1, sizeof(*keys)) < 0)
			goto fail;
		if (parse_primitive(p, 1, &keys[nkeys]) < 0)
			goto fail;
		nkeys++;
		k = vtok(p, &len);
		if (k != V_COLON) {
			perr(p, p->pos, "expected ':' in a dict");
			goto fail;
		}
		p->pos += len;
		if (evec_push(p, &v, parse_element(p)) < 0)
			goto fail;
		k = vtok(p, &len);
		p->pos += len;
		if (k == V_BRACE_CLOSE)
			break;
		if (k != V_COMMA) {
			p->pos -= len;
			perr(p, p->pos, "expected ',' or '}' in a dict");
			goto fail;
		}
	}
done:
	e->keys = talloc(p, nkeys * sizeof(*keys));
	if (!e->keys)
		goto fail;
	if (nkeys)
		memcpy(e->keys, keys, nkeys * sizeof(*keys));
	free(keys);
	return evec_finish(p, &v, &e->items, &e->n);
fail:
	free(keys);
	free(v.items);
	return -1;
}

static ae_ip_elem *parse_element(parser *p)
{
	ae_ip_elem *e = NULL;
	enum vtok k;
	size_t len;

	if (enter(p) < 0)
		return NULL;
	e = talloc(p, sizeof(*e));
	if (!e)
		goto fail;
	k = vtok(p, &len);
	switch (k) {
	case V_QUOTE_SINGLE:
	case V_QUOTE_DOUBLE:
		e->kind = AE_IP_QUOTED;
		p->pos += len;
		if (parse_text(p, k == V_QUOTE_SINGLE ? '\'' : '"', &e->text) <
		    0)
			goto fail;
		break;
	case V_BRACKET_OPEN:
		e->kind = AE_IP_LIST;
		p->pos += len;
		if (parse_sequence(p, V_BRACKET_CLOSE, &e->items, &e->n) < 0)
			goto fail;
		break;
	case V_BRACE_OPEN:
		e->kind = AE_IP_DICT;
		p->pos += len;
		if (parse_dict(p, e) < 0)
			goto fail;
		break;
	default:
		if (!is_primitive_tok(k, 0)) {
			if (k == V_NONE)
				perr(p, p->pos, "unexpected character '%c'",
				     p->s[p->pos]);
			else
				perr(p, p->pos, "expected a value");
			goto fail;
		}
		e->kind = AE_IP_PRIMITIVE;
		if (parse_primitive(p, 0, &e->text) < 0)
			goto fail;
		break;
	}
	p->depth--;
	return e;
fail:
	p->depth--;
	return NULL;
}

/* Token classes remembered while reading an interpolation's head. */
enum hk { H_DOT, H_LBR, H_RBR, H_ID, H_KEY, H_INTERP };

/* interpolationNode: INTER_OPEN DOT* (configKey | [configKey])
 *                    (DOT configKey | [configKey])* INTER_CLOSE */
static int valid_node_path(const enum hk *h, size_t n)
{
	size_t i = 0;
	int first = 1;

	while (i < n && h[i] == H_DOT)
		i++;
	if (i == n)
		return 0;
	while (i < n) {
		if (h[i] == H_LBR) {
			if (i + 2 >= n || h[i + 1] == H_DOT ||
			    h[i + 1] == H_LBR || h[i + 1] == H_RBR ||
			    h[i + 2] != H_RBR)
				return 0;
			i += 3;
		} else if (first) {
			if (h[i] != H_ID && h[i] != H_KEY && h[i] != H_INTERP)
				return 0;
			i++;
		} else {
			if (h[i] != H_DOT || i + 1 >= n ||
			    (h[i + 1] != H_ID && h[i + 1] != H_KEY &&
			     h[i + 1] != H_INTERP))
				return 0;
			i += 2;
		}
		first = 0;
	}
	return 1;
}

/* resolverName: (interpolation | ID) (DOT (interpolation | ID))* */
static int valid_resolver_name(const enum hk *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int want_part = (i % 2) == 0;

		if (want_part && h[i] != H_ID && h[i] != H_INTERP)
			return 0;
		if (!want_part && h[i] != H_DOT)
			return 0;
	}
	return n % 2 == 1;
}

/* At "${": an interpolation, up to its closing brace. */
static ae_ip_interp *parse_interp(parser *p)
{
	ae_ip_interp *ip = NULL;
	tbuild tb = {0};
	enum hk *h = NULL;
	size_t nh = 0, hcap = 0, len, start = p->pos;
	enum itok k;

	if (enter(p) < 0)
		return NULL;
	ip = talloc(p, sizeof(*ip));
	if (!ip)
		goto fail;
	ip->offset = start;
	p->pos += 2 + m_ws(p, p->pos + 2);
	for (;;) {
		enum hk kind;

		k = itok(p, &len);
		if (k == I_CLOSE || k == I_COLON)
			break;
		switch (k) {
		case I_INTER_OPEN: {
			ae_ip_interp *nested = parse_interp(p);

			if (!nested || tb_piece(p, &tb, nested, NULL, 0, 0) < 0)
				goto fail;
			kind = H_INTERP;
			len = 0;
			break;
		}
		case I_DOT:
			kind = H_DOT;
			break;
		case I_BRACKET_OPEN:
			kind = H_LBR;
			break;
		case I_BRACKET_CLOSE:
			kind = H_RBR;
			break;
		case I_ID:
			kind = H_ID;
			break;
		case I_KEY:
			kind = H_KEY;
			break;
		case I_EOF:
			perr(p, start, "unterminated interpolation");
			goto fail;
		default:
			perr(p, p->pos,
			     "unexpected character '%c' in interpolation",
			     p->s[p->pos]);
			goto fail;
		}
		if (len && tb_piece(p, &tb, NULL, p->s + p->pos, len, 0) < 0)
			goto fail;
		p->pos += len;
		if (grow(p, (void **)&h, &hcap, nh + 1, sizeof(*h)) < 0)
			goto fail;
		h[nh++] = kind;
	}
	p->pos += len;
	if (k == I_COLON) {
		ip->is_resolver = 1;
		if (!valid_resolver_name(h, nh)) {
			perr(p, start, "invalid resolver name");
			goto fail;
		}
		if (parse_sequence(p, V_BRACE_CLOSE, &ip->args, &ip->nargs) < 0)
			goto fail;
	} else if (!valid_node_path(h, nh)) {
		perr(p, start, "invalid key in interpolation");
		goto fail;
	}
	if (tb_finish(p, &tb, &ip->key) < 0)
		goto fail;
	ip->src = tstrndup(p, p->s + start, p->pos - start);
	if (!ip->src)
		goto fail;
	free(h);
	p->depth--;
	return ip;
fail:
	free(h);
	tb_free(&tb);
	p->depth--;
	return NULL;
}

static ae_ip_tree *parse(const char *s, size_t len, char *errbuf,
                         size_t errsize, int element)
{
	parser p = {0};
	ae_ip_tree *t = calloc(1, sizeof(*t));
	char dummy[8];

	if (!errbuf || errsize == 0) {
		errbuf = dummy;
		errsize = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if (!t) {
		snprintf(errbuf, errsize, "out of memory");
		return NULL;
	}
	p.t = t;
	p.s = s;
	p.len = len;
	p.err = errbuf;
	p.errsize = errsize;
	if (element) {
		size_t tl;

		t->elem = parse_element(&p);
		if (t->elem && vtok(&p, &tl) != V_EOF)
			perr(&p, p.pos, "unexpected text after the value");
	} else {
		t->text = talloc(&p, sizeof(*t->text));
		if (t->text)
			parse_text(&p, 0, t->text);
	}
	if (p.failed) {
		ae_ip_tree_free(t);
		return NULL;
	}
	return t;
}

ae_ip_tree *ae_ip_parse_value(const char *s, size_t len, char *errbuf,
                              size_t errsize)
{
	return parse(s, len, errbuf, errsize, 0);
}

ae_ip_tree *ae_ip_parse_element(const char *s, size_t len, char *errbuf,
                                size_t errsize)
{
	return parse(s, len, errbuf, errsize, 1);
}

void ae_ip_tree_free(ae_ip_tree *tree)
{
	size_t i;

	if (!tree)
		return;
	for (i = 0; i < tree->nallocs; i++)
		free(tree->allocs[i]);
	free(tree->allocs);
	free(tree);
}

const ae_ip_text *ae_ip_tree_text(const ae_ip_tree *tree)
{
	return tree ? tree->text : NULL;
}

const ae_ip_elem *ae_ip_tree_elem(const ae_ip_tree *tree)
{
	return tree ? tree->elem : NULL;
}
