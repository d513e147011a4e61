#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* Hydra 1.3's override grammar (hydra/grammar/OverrideLexer.g4 and
 * OverrideParser.g4), by recursive descent. The lexer rules that decide a
 * value's type are reproduced with ANTLR's longest-match-then-first-rule
 * choice: an element made of exactly one INT/FLOAT/BOOL/NULL token is typed,
 * anything longer is the concatenated text with escapes undone. The cast
 * functions int(), float(), str(), bool() are evaluated (ae_override_cast);
 * sweeps are recognised only to be refused: a job runs one config. Expected
 * results are Hydra's tests/test_overrides_parser.py (tests/unit/
 * test_override.c). */

#include "ae_override_parse.h"

#include "ae_override_cast.h"
#include "ae_yaml_scalar.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok {
	T_NONE,
	T_WS,
	T_FLOAT,
	T_INT,
	T_BOOL,
	T_NULL,
	T_UNQUOTED,
	T_ID,
	T_ESC,
	T_COLON,
	T_INTERP,
};

struct parser {
	const char *text; /* the whole override */
	const char *p;    /* current position */
	ae_src *src;
	ae_error *err;
	int depth; /* of lists, dicts and calls being parsed */
};

enum ctx { IN_TOP, IN_LIST, IN_DICT, IN_ARGS };

/* At most this much of the override is repeated in a message. */
#define TEXT_SHOWN 200

/* Lists, dicts and function calls nest; bounded like the YAML loader's
 * nesting so that a hostile override cannot exhaust the stack. */
#define MAX_DEPTH 256

#define SWEEPS_REFUSED                                                         \
	"sweeps (choice, range, interval, glob, shuffle, sort, tag, a,b) are " \
	"not supported: autoexp composes one job's config; give one value"

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	char msg[AE_ERROR_TEXT_LEN / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A long override is cut so that the message still fits; the column
	 * says where. */
	return ae_error_set(ps->err, "<override>", 1, (int)(at - ps->text) + 1,
	                    NULL, "in override '%.*s%s': %s", TEXT_SHOWN,
	                    ps->text,
	                    strlen(ps->text) > TEXT_SHOWN ? "..." : "", msg);
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t';
}

/* INT_UNSIGNED: '0' | [1-9] ('_'? DIGIT)* */
static size_t m_uint(const char *s)
{
	size_t n = 0;

	if (s[0] == '0')
		return 1;
	if (s[0] < '1' || s[0] > '9')
		return 0;
	n = 1;
	for (;;) {
		if (is_digit(s[n]))
			n++;
		else if (s[n] == '_' && is_digit(s[n + 1]))
			n += 2;
		else
			return n;
	}
}

/* DIGIT ('_'? DIGIT)* */
static size_t m_digits(const char *s)
{
	size_t n = 0;

	if (!is_digit(s[0]))
		return 0;
	n = 1;
	for (;;) {
		if (is_digit(s[n]))
			n++;
		else if (s[n] == '_' && is_digit(s[n + 1]))
			n += 2;
		else
			return n;
	}
}

static int word_ci(const char *s, const char *word)
{
	size_t n = strlen(word);

	return strncasecmp(s, word, n) == 0 ? (int)n : 0;
}

/* POINT_FLOAT: INT_UNSIGNED '.' | INT_UNSIGNED? '.' DIGIT ('_'? DIGIT)* */
static size_t m_point_float(const char *s)
{
	size_t i = m_uint(s), best = 0, d;

	if (s[i] == '.') {
		if (i > 0)
			best = i + 1;
		d = m_digits(s + i + 1);
		if (d > 0 && i + 1 + d > best)
			best = i + 1 + d;
	}
	return best;
}

static size_t m_exponent(const char *s)
{
	size_t n = 0, d;

	if (s[0] != 'e' && s[0] != 'E')
		return 0;
	n = 1;
	if (s[n] == '+' || s[n] == '-')
		n++;
	d = m_digits(s + n);
	return d ? n + d : 0;
}

static size_t m_float(const char *s)
{
	size_t sign = (s[0] == '+' || s[0] == '-') ? 1 : 0;
	const char *b = s + sign;
	size_t best = 0, pf, ui, e;

	pf = m_point_float(b);
	if (pf)
		best = pf;
	if (pf && (e = m_exponent(b + pf)) && pf + e > best)
		best = pf + e;
	ui = m_uint(b);
	if (ui && (e = m_exponent(b + ui)) && ui + e > best)
		best = ui + e;
	if (!best && (word_ci(b, "inf") || word_ci(b, "nan")))
		best = 3;
	return best ? sign + best : 0;
}

static size_t m_int(const char *s)
{
	size_t sign = (s[0] == '+' || s[0] == '-') ? 1 : 0;
	size_t n = m_uint(s + sign);

	return n ? sign + n : 0;
}

/* ID: (CHAR|'_') (CHAR|DIGIT|'_'|'-')*: a group "ab-c/d-ef" is IDs */
static size_t m_id(const char *s)
{
	size_t n = 0;

	if (!is_alpha(s[0]) && s[0] != '_')
		return 0;
	while (is_alpha(s[n]) || is_digit(s[n]) || s[n] == '_' || s[n] == '-')
		n++;
	return n;
}

static int is_esc_char(int c)
{
	return c && strchr("\\()[]{}:=, \t", c) != NULL;
}

/* INTERPOLATION: '${' ~('}')+ '}'. From "${" up to the first "}", whatever
 * is inside: quotes do not protect a brace and a nested "${a:${b}}" ends at
 * the inner "}", so that a nested interpolation needs quotes (or its closing
 * brace escaped), as in Hydra. 0 when there is no "}" or nothing before it. */
static size_t m_interp(const char *s)
{
	const char *close = strchr(s + 2, '}');

	if (!close || close == s + 2)
		return 0;
	return (size_t)(close - s) + 1;
}

/* One value-mode token at s. Returns its length (0 = none) and kind. */
static size_t next_token(const char *s, enum tok *kind)
{
	size_t best = 0, n;

	*kind = T_NONE;
	if (!s[0])
		return 0;
	if (is_ws(s[0])) {
		for (n = 0; is_ws(s[n]); n++)
			;
		*kind = T_WS;
		return n;
	}
	if (s[0] == '$' && s[1] == '{') {
		n = m_interp(s);
		*kind = n ? T_INTERP : T_NONE;
		return n;
	}
	if (s[0] == '\\' && is_esc_char(s[1])) {
		for (n = 0; s[n] == '\\' && is_esc_char(s[n + 1]); n += 2)
			;
		*kind = T_ESC;
		return n;
	}
	if (s[0] == ':') {
		*kind = T_COLON;
		return 1;
	}
	/* Longest match; on a tie the rule listed first in the lexer wins. */
	if ((n = m_float(s)) > best) {
		best = n;
		*kind = T_FLOAT;
	}
	if ((n = m_int(s)) > best) {
		best = n;
		*kind = T_INT;
	}
	if ((n = (size_t)(word_ci(s, "true")    ? 4
	                  : word_ci(s, "false") ? 5
	                                        : 0)) > best) {
		best = n;
		*kind = T_BOOL;
	}
	if ((n = (size_t)word_ci(s, "null")) > best) {
		best = n;
		*kind = T_NULL;
	}
	if (strchr("/-\\+.$%*@?|", s[0]) && best < 1) {
		best = 1;
		*kind = T_UNQUOTED;
	}
	if ((n = m_id(s)) > best) {
		best = n;
		*kind = T_ID;
	}
	return best;
}

static const char *const sweep_functions[] = {
    "choice", "range", "interval", "glob", "shuffle", "sort", "tag", NULL,
};

static int is_sweep_function(const char *name, size_t len)
{
	size_t i;

	for (i = 0; sweep_functions[i]; i++)
		if (strlen(sweep_functions[i]) == len &&
		    strncmp(sweep_functions[i], name, len) == 0)
			return 1;
	return 0;
}

static ae_node *mark(struct parser *ps, ae_node *node, const char *at)
{
	if (node)
		ae_node_set_mark(node, ps->src, 1, (int)(at - ps->text) + 1);
	return node;
}

static ae_node *parse_element(struct parser *ps, enum ctx ctx);

static void skip_ws(struct parser *ps)
{
	while (is_ws(*ps->p))
		ps->p++;
}

/* A quoted value (QUOTED_VALUE): a run of backslashes before the quote
 * character escapes the quote when odd and ends the string when even; its
 * backslashes are halved either way. Other backslashes are literal, and an
 * interpolation inside is text like the rest: '${a:\'b\'}' is ${a:'b'}
 * (Hydra's _unescape_quoted_string). */
static ae_node *parse_quoted(struct parser *ps)
{
	const char *start = ps->p, *s = ps->p + 1;
	char q = *start;
	char *buf = malloc(strlen(s) + 1);
	size_t n = 0, k;
	ae_node *node = NULL;

	if (!buf)
		goto nomem;
	for (;;) {
		if (!*s) {
			fail(ps, start, "unterminated quoted value");
			goto out;
		}
		if (*s == '\\') {
			for (k = 0; s[k] == '\\'; k++)
				;
			if (s[k] == q) {
				memset(buf + n, '\\', k / 2);
				n += k / 2;
				s += k + 1;
				if (k % 2 == 0)
					break;
				buf[n++] = q;
				continue;
			}
			memcpy(buf + n, s, k);
			n += k;
			s += k;
			continue;
		}
		if (*s == q) {
			s++;
			break;
		}
		buf[n++] = *s++;
	}
	node = ae_node_new_stringn(buf, n);
	if (!node)
		goto nomem;
	node->flags |= AE_NODE_QUOTED;
	mark(ps, node, start);
	ps->p = s;
	goto out;
nomem:
	fail(ps, start, "out of memory");
out:
	free(buf);
	return node;
}

static int is_terminator(enum ctx ctx, char c)
{
	switch (ctx) {
	case IN_TOP:
		return c == '\0' || c == ',';
	case IN_LIST:
		return c == ']' || c == ',';
	case IN_DICT:
		return c == '}' || c == ',';
	case IN_ARGS:
		return c == ')' || c == ',';
	}
	return 0;
}

/* Build a scalar from tokens [start, end) (leading/trailing WS trimmed). */
static ae_node *make_primitive(struct parser *ps, const char *start,
                               const char *end, enum tok single)
{
	size_t len = (size_t)(end - start), i, n = 0;
	char *buf, *endp;
	ae_node *node = NULL;

	buf = malloc(len + 1);
	if (!buf) {
		fail(ps, start, "out of memory");
		return NULL;
	}
	if (single == T_INT || single == T_FLOAT) {
		for (i = 0; i < len; i++)
			if (start[i] != '_')
				buf[n++] = start[i];
		buf[n] = '\0';
		errno = 0;
		if (single == T_INT) {
			long long v = strtoll(buf, &endp, 10);

			if (errno == ERANGE)
				fail(ps, start, "integer out of range: %s",
				     buf);
			else
				node = ae_node_new_int(v);
		} else {
			node = ae_node_new_float(strtod(buf, &endp));
		}
	} else if (single == T_BOOL) {
		node =
		    ae_node_new_bool(tolower((unsigned char)start[0]) == 't');
	} else if (single == T_NULL) {
		node = ae_node_new_null();
	} else {
		const char *s = start;

		while (s < end) {
			enum tok kind;
			size_t tl = next_token(s, &kind);

			if (kind == T_ESC) {
				for (i = 1; i < tl; i += 2)
					buf[n++] = s[i];
			} else {
				memcpy(buf + n, s, tl);
				n += tl;
			}
			s += tl;
		}
		node = ae_node_new_stringn(buf, n);
	}
	free(buf);
	if (!node) {
		if (!ae_error_isset(ps->err))
			fail(ps, start, "out of memory");
		return NULL;
	}
	return mark(ps, node, start);
}

/* The error for a character at s that no token of a primitive takes.
 * `interp`: the primitive has an interpolation before s. */
static void bad_char(struct parser *ps, enum ctx ctx, int key, const char *s,
                     int interp)
{
	char c = *s;

	if (c == '\0')
		fail(ps, s, "%s",
		     ctx == IN_LIST   ? "missing ']' to close the list"
		     : ctx == IN_ARGS ? "missing ')' to close the function call"
		                      : "missing '}' to close the dict");
	else if (c == '$' && s[1] == '{')
		fail(ps, s,
		     s[2] == '}' ? "empty interpolation '${}'"
		                 : "unterminated interpolation");
	else if ((c == '\'' || c == '"') && key)
		fail(ps, s,
		     "a dict key cannot be quoted (Hydra's grammar); escape "
		     "its special characters with '\\' instead");
	else if (c == '\'' || c == '"')
		fail(ps, s, "a quoted value must be the whole element");
	else if (c == '}' && interp)
		fail(ps, s,
		     "unbalanced '}': in an unquoted value an interpolation "
		     "ends at its first '}' (Hydra's grammar); quote a nested "
		     "interpolation ('${a:${b}}') or escape its closing brace "
		     "(\\})");
	else if (c == ']' || c == '}' || c == ')')
		fail(ps, s, "unbalanced '%c'", c);
	else if ((unsigned char)c >= 0x80)
		fail(ps, s,
		     "non-ASCII character in an unquoted value; quote the "
		     "value");
	else
		fail(ps, s,
		     "character '%c' is not allowed in an unquoted value; "
		     "quote the value or escape it",
		     c);
}

/* A primitive: tokens up to the context's terminator. `key` parses a dict
 * key, which stops at an unescaped ':' and may not hold interpolations. */
static ae_node *parse_primitive(struct parser *ps, enum ctx ctx, int key)
{
	const char *s = ps->p, *first = NULL, *last_end = NULL;
	enum tok kind, single = T_NONE;
	int count, interp = 0;
	size_t n;

	for (;;) {
		char c = *s;

		if (is_terminator(ctx, c) || (key && c == ':') ||
		    (!key && ctx == IN_TOP && c == '\0'))
			break;
		n = next_token(s, &kind);
		if (kind == T_NONE || n == 0) {
			bad_char(ps, ctx, key, s, interp);
			return NULL;
		}
		if (key && kind == T_INTERP) {
			fail(ps, s, "interpolations are not allowed in keys");
			return NULL;
		}
		interp |= kind == T_INTERP;
		if (kind == T_ID) {
			const char *after = s + n;

			while (is_ws(*after))
				after++;
			/* A call after other text (a calls f(1)): Hydra's
			 * function is an element of its own. */
			if (*after == '(') {
				fail(ps, s,
				     is_sweep_function(s, n)
				         ? SWEEPS_REFUSED
				         : "a function call must be the whole "
				           "value (or list item, dict value or "
				           "argument)");
				return NULL;
			}
		}
		if (kind != T_WS) {
			if (!first)
				first = s;
			last_end = s + n;
			single = kind;
		}
		s += n;
	}
	if (!first) {
		fail(ps, s, key ? "missing dict key" : "missing value");
		return NULL;
	}
	/* Outer whitespace is trimmed; inner whitespace is a token too. */
	{
		const char *t = first;

		count = 0;
		while (t < last_end) {
			n = next_token(t, &kind);
			count++;
			t += n;
		}
	}
	ps->p = s;
	if (count > 1 || single == T_ESC || single == T_ID ||
	    single == T_UNQUOTED || single == T_COLON || single == T_INTERP)
		return make_primitive(ps, first, last_end, T_NONE);
	return make_primitive(ps, first, last_end, single);
}

static ae_node *parse_list(struct parser *ps)
{
	const char *open = ps->p;
	ae_node *list = mark(ps, ae_node_new_seq(), open);

	if (!list) {
		fail(ps, open, "out of memory");
		return NULL;
	}
	ps->p++;
	skip_ws(ps);
	if (*ps->p == ']') {
		ps->p++;
		return list;
	}
	for (;;) {
		ae_node *item;

		skip_ws(ps);
		item = parse_element(ps, IN_LIST);
		if (!item || ae_seq_append(list, item) < 0)
			goto fail;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']') {
			ps->p++;
			return list;
		}
		fail(ps, ps->p,
		     *ps->p ? "expected ',' or ']'"
		            : "missing ']' to close the list");
		goto fail;
	}
fail:
	if (!ae_error_isset(ps->err))
		fail(ps, ps->p, "out of memory");
	ae_node_free(list);
	return NULL;
}

static ae_node *parse_dict(struct parser *ps)
{
	const char *open = ps->p;
	ae_node *dict = mark(ps, ae_node_new_map(), open);
	ae_node *key = NULL;

	if (!dict) {
		fail(ps, open, "out of memory");
		return NULL;
	}
	ps->p++;
	skip_ws(ps);
	if (*ps->p == '}') {
		ps->p++;
		return dict;
	}
	for (;;) {
		ae_node *val;
		const char *kat;

		skip_ws(ps);
		kat = ps->p;
		key = parse_primitive(ps, IN_DICT, 1);
		if (!key)
			goto fail;
		if (*ps->p != ':') {
			fail(ps, ps->p, "expected ':' after dict key");
			goto fail;
		}
		ps->p++;
		skip_ws(ps);
		if (key->type == AE_NULL) {
			/* Hydra makes it None, which OmegaConf refuses. */
			fail(ps, kat,
			     "null is not a valid dict key (OmegaConf refuses "
			     "it)");
			goto fail;
		}
		if (key->type != AE_STRING) {
			/* Hydra types the key (TRUE is True, 1_0 is 10, 1e3
			 * is 1000.0); keys are strings in our tree, written
			 * as for a YAML key of that type. */
			char *text = ae_yaml_key_string(key);
			ae_node *k2 = text ? ae_node_new_string(text) : NULL;

			free(text);
			ae_node_free(key);
			key = k2;
			if (!key)
				goto fail;
		}
		if (ae_map_get(dict, key->u.str.s)) {
			fail(ps, kat, "duplicate dict key '%s'", key->u.str.s);
			goto fail;
		}
		val = parse_element(ps, IN_DICT);
		if (!val || ae_map_set(dict, key->u.str.s, val) < 0)
			goto fail;
		ae_node_free(key);
		key = NULL;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}') {
			ps->p++;
			return dict;
		}
		fail(ps, ps->p,
		     *ps->p ? "expected ',' or '}'"
		            : "missing '}' to close the dict");
		goto fail;
	}
fail:
	if (!ae_error_isset(ps->err))
		fail(ps, ps->p, "out of memory");
	ae_node_free(key);
	ae_node_free(dict);
	return NULL;
}

/* function: ID POPEN (argName? element (COMMA argName? element)*)? PCLOSE,
 * argName: ID EQUAL. Only the casts are evaluated, with Hydra's argument
 * rules (_normalize_cast_value and Functions.eval): one positional value or
 * value=..., several values being a sweep. */
static ae_node *parse_function(struct parser *ps)
{
	const char *start = ps->p;
	size_t len = m_id(start);
	ae_node *value = NULL, *out = NULL;
	int cast = ae_override_cast_find(start, len), npos = 0, nkw = 0;
	char msg[AE_ERROR_TEXT_LEN / 4];

	if (is_sweep_function(start, len)) {
		fail(ps, start, SWEEPS_REFUSED);
		return NULL;
	}
	if (cast < 0) {
		if (len == 8 && strncmp(start, "json_str", len) == 0)
			fail(ps, start,
			     "json_str() is not a function of Hydra 1.3 (its "
			     "later versions add it as deprecated); the "
			     "functions are int(), float(), str(), bool()");
		else
			fail(ps, start,
			     "unknown function '%.*s' (the functions are "
			     "int(), float(), str(), bool())",
			     (int)len, start);
		return NULL;
	}
	ps->p += len;
	skip_ws(ps);
	ps->p++; /* '(' */
	skip_ws(ps);
	while (*ps->p != ')') {
		const char *at = ps->p;
		size_t idn = m_id(at);
		const char *eq = at + idn;
		ae_node *arg;
		int kw;

		while (is_ws(*eq))
			eq++;
		kw = idn && *eq == '=';
		if (kw && !(idn == 5 && strncmp(at, "value", 5) == 0)) {
			fail(ps, at, "unexpected keyword argument '%.*s'",
			     (int)idn, at);
			goto out;
		}
		if (!kw && nkw) {
			fail(ps, at,
			     "positional argument follows keyword argument");
			goto out;
		}
		if (kw) {
			ps->p = eq + 1;
			skip_ws(ps);
		}
		arg = parse_element(ps, IN_ARGS);
		if (!arg)
			goto out;
		/* value=1,value=2: Hydra keeps the last one. */
		ae_node_free(value);
		value = arg;
		npos += !kw;
		nkw += kw;
		if (*ps->p == ')')
			break;
		if (*ps->p != ',') {
			fail(ps, ps->p, "expected ',' or ')'");
			goto out;
		}
		ps->p++;
		skip_ws(ps);
		if (*ps->p == ')') { /* int(1,): an argument must follow */
			fail(ps, ps->p, "missing value");
			goto out;
		}
	}
	ps->p++; /* ')' */
	if (npos && nkw) {
		fail(ps, start, "cannot use both position and named arguments");
		goto out;
	}
	if (npos > 1) {
		/* int(1,2) casts the sweep 1,2 */
		fail(ps, start, SWEEPS_REFUSED);
		goto out;
	}
	if (!value) {
		fail(ps, start, "no value given: %.*s(x) or %.*s(value=x)",
		     (int)len, start, (int)len, start);
		goto out;
	}
	out = ae_override_cast((ae_override_cast_kind)cast, value, msg,
	                       sizeof(msg));
	if (!out)
		fail(ps, start, "cannot evaluate '%.*s%s': %s",
		     ps->p - start > 80 ? 80 : (int)(ps->p - start), start,
		     ps->p - start > 80 ? "..." : "",
		     msg[0] ? msg : "out of memory");
	else
		mark(ps, out, start);
out:
	ae_node_free(value);
	return out;
}

/* ID WS? '(' starts a function call. */
static int at_function(const char *s)
{
	size_t n = m_id(s);

	if (!n)
		return 0;
	while (is_ws(s[n]))
		n++;
	return s[n] == '(';
}

static ae_node *parse_element(struct parser *ps, enum ctx ctx)
{
	ae_node *node;
	const char *what;

	skip_ws(ps);
	if (ps->depth >= MAX_DEPTH) {
		fail(ps, ps->p, "nested deeper than %d levels", MAX_DEPTH);
		return NULL;
	}
	ps->depth++;
	switch (*ps->p) {
	case '[':
		node = parse_list(ps);
		what = "a list";
		break;
	case '{':
		node = parse_dict(ps);
		what = "a dict";
		break;
	case '\'':
	case '"':
		node = parse_quoted(ps);
		what = "a quoted value (a quote inside it is escaped: \\' "
		       "or \\\")";
		break;
	default:
		if (at_function(ps->p)) {
			node = parse_function(ps);
			what = "a function call";
			break;
		}
		node = parse_primitive(ps, ctx, 0);
		ps->depth--;
		return node;
	}
	ps->depth--;
	if (!node)
		return NULL;
	skip_ws(ps);
	if (!is_terminator(ctx, *ps->p)) {
		fail(ps, ps->p, "unexpected '%c' after %s", *ps->p, what);
		ae_node_free(node);
		return NULL;
	}
	return node;
}

/* key: packageOrGroup ('@' package)?; packageOrGroup: package | ID ('/' ID)+;
 * package: (nothing) | ID | KEY_SPECIAL | DOT_PATH. */
static size_t m_key_special(const char *s)
{
	size_t n = 0;

	if (!is_alpha(s[0]) && s[0] != '_' && s[0] != '$')
		return 0;
	while (is_alpha(s[n]) || is_digit(s[n]) || s[n] == '_' || s[n] == '-' ||
	       s[n] == '$')
		n++;
	return n;
}

static size_t m_package(const char *s)
{
	size_t n, total = 0, parts = 0;

	for (;;) {
		n = m_key_special(s + total);
		if (!n)
			n = m_uint(s + total);
		if (!n)
			break;
		total += n;
		parts++;
		if (s[total] != '.')
			break;
		if (!m_key_special(s + total + 1) && !m_uint(s + total + 1))
			break;
		total++;
	}
	/* A bare number is not a key; it only appears inside a dotted path. */
	if (parts == 1 && is_digit(s[0]))
		return 0;
	return total;
}

static size_t m_group(const char *s)
{
	size_t n = m_id(s), total;

	if (!n || s[n] != '/')
		return 0;
	total = n;
	while (s[total] == '/' && (n = m_id(s + total + 1)) > 0)
		total += 1 + n;
	return total;
}

static int parse_key(struct parser *ps, char **key)
{
	const char *start = ps->p;
	size_t n = m_group(start), pkg;

	if (!n || m_package(start) > n)
		n = m_package(start);
	if (!n)
		return fail(ps, start, "expected a key (a.b.c or group/name)");
	ps->p += n;
	if (*ps->p == '@') {
		ps->p++;
		pkg = m_package(ps->p);
		ps->p += pkg;
	}
	*key = strndup(start, (size_t)(ps->p - start));
	if (!*key)
		return fail(ps, start, "out of memory");
	return 0;
}

ae_override *ae_override_parse(const char *text, ae_error *err)
{
	struct parser ps = {text, text, NULL, err, 0};
	ae_override *ov = calloc(1, sizeof(*ov));

	if (!ov) {
		ae_error_set(err, "<override>", 0, 0, NULL, "out of memory");
		return NULL;
	}
	ps.src = ae_src_new("<override>");
	ov->text = strdup(text);
	if (!ps.src || !ov->text) {
		fail(&ps, text, "out of memory");
		goto fail;
	}
	ov->kind = AE_OVERRIDE_CHANGE;
	if (*ps.p == '~') {
		ov->kind = AE_OVERRIDE_DELETE;
		ps.p++;
	} else if (ps.p[0] == '+' && ps.p[1] == '+') {
		ov->kind = AE_OVERRIDE_FORCE;
		ps.p += 2;
	} else if (*ps.p == '+') {
		ov->kind = AE_OVERRIDE_ADD;
		ps.p++;
	}
	if (parse_key(&ps, &ov->key) < 0)
		goto fail;
	if (*ps.p == '\0' && ov->kind == AE_OVERRIDE_DELETE)
		goto done;
	if (*ps.p != '=') {
		fail(&ps, ps.p,
		     *ps.p ? "unexpected '%c' in key, expected '='"
		           : "missing '=value'",
		     *ps.p);
		goto fail;
	}
	ps.p++;
	skip_ws(&ps);
	if (*ps.p == '\0') {
		/* key= sets the empty string, as in Hydra. */
		ov->value = mark(&ps, ae_node_new_string(""), ps.p);
		if (!ov->value) {
			fail(&ps, ps.p, "out of memory");
			goto fail;
		}
		goto done;
	}
	ov->value = parse_element(&ps, IN_TOP);
	if (!ov->value)
		goto fail;
	if (*ps.p == ',') {
		fail(&ps, ps.p,
		     SWEEPS_REFUSED " (a comma that is part of the value is "
		                    "quoted or escaped: 'a,b' or a\\,b)");
		goto fail;
	}
	if (*ps.p) {
		fail(&ps, ps.p, "unexpected '%c'", *ps.p);
		goto fail;
	}
done:
	ae_src_unref(ps.src);
	return ov;
fail:
	ae_src_unref(ps.src);
	ae_override_free(ov);
	return NULL;
}

void ae_override_free(ae_override *ov)
{
	if (!ov)
		return;
	free(ov->key);
	ae_node_free(ov->value);
	free(ov->text);
	free(ov);
}
