#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_yaml_scalar.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

/* Scalars are short; a longer one is copied to the heap. */
#define SCRATCH 64

static int in_set(int c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Skip characters of `set` from i; returns the new position. */
static size_t span(const char *s, size_t i, size_t n, const char *set)
{
	while (i < n && in_set(s[i], set))
		i++;
	return i;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

#define DIGITS  "0123456789"
#define DIGITS_ "0123456789_"

static int is_one_of(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && memcmp(s, *words, n) == 0)
			return 1;
	return 0;
}

static const char *const null_words[] = {"~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"yes",  "Yes", "YES", "true", "True",
                                         "TRUE", "on",  "On",  "ON",   NULL};
static const char *const false_words[] = {
    "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL};

/* (:[0-5]?[0-9])+ from i. Taking two digits when they fit is never wrong:
 * what may follow a group (':', '.', the end) is not a digit. Returns the
 * position after the groups, or 0 when there is not one group. */
static size_t sexagesimal_tail(const char *s, size_t i, size_t n)
{
	size_t start = i;

	while (i < n && s[i] == ':') {
		if (i + 2 < n && s[i + 1] >= '0' && s[i + 1] <= '5' &&
		    is_digit(s[i + 2]))
			i += 3;
		else if (i + 1 < n && is_digit(s[i + 1]))
			i += 2;
		else
			return 0;
	}
	return i > start ? i : 0;
}

static size_t skip_sign(const char *s, size_t n)
{
	return n > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
}

static int match_int(const char *s, size_t n)
{
	size_t i = skip_sign(s, n), j;

	if (i >= n || !is_digit(s[i]))
		return 0;
	if (n - i > 2 && s[i] == '0' && s[i + 1] == 'b')
		return span(s, i + 2, n, "01_") == n;
	if (n - i > 2 && s[i] == '0' && s[i + 1] == 'x')
		return span(s, i + 2, n, "0123456789abcdefABCDEF_") == n;
	if (s[i] == '0')
		return n - i == 1 || span(s, i + 1, n, "01234567_") == n;
	j = span(s, i + 1, n, DIGITS_);
	if (j == n)
		return 1;
	return sexagesimal_tail(s, j, n) == n;
}

/* [eE][-+]?[0-9]+ at i, the sign optional or not; returns the end or 0. */
static size_t exponent(const char *s, size_t i, size_t n, int sign_required)
{
	size_t j;

	if (i >= n || (s[i] != 'e' && s[i] != 'E'))
		return 0;
	i++;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	else if (sign_required)
		return 0;
	j = span(s, i, n, DIGITS);
	return j > i ? j : 0;
}

static int match_float(const char *s, size_t n)
{
	size_t i = skip_sign(s, n), j;

	if (i < n && s[i] == '.') {
		const char *rest = s + i + 1;
		size_t m = n - i - 1;

		if (m == 3 &&
		    (!memcmp(rest, "inf", 3) || !memcmp(rest, "Inf", 3) ||
		     !memcmp(rest, "INF", 3)))
			return 1;
		if (i > 0) /* only .inf takes a sign */
			return 0;
		if (m == 3 &&
		    (!memcmp(rest, "nan", 3) || !memcmp(rest, "NaN", 3) ||
		     !memcmp(rest, "NAN", 3)))
			return 1;
		j = span(s, 1, n, DIGITS_);
		if (j == 1)
			return 0;
		return j == n || exponent(s, j, n, 1) == n;
	}
	if (i >= n || !is_digit(s[i]))
		return 0;
	j = span(s, i + 1, n, DIGITS_);
	if (j < n && s[j] == ':') {
		j = sexagesimal_tail(s, j, n);
		if (j == 0 || j >= n || s[j] != '.')
			return 0;
		return span(s, j + 1, n, DIGITS_) == n;
	}
	if (j < n && s[j] == '.') {
		j = span(s, j + 1, n, DIGITS_);
		return j == n || exponent(s, j, n, 0) == n;
	}
	return exponent(s, j, n, 0) == n;
}

ae_yaml_scalar_kind ae_yaml_scalar_classify(const char *s, size_t n)
{
	if (n == 0)
		return AE_YAML_SCALAR_NULL;
	/* PyYAML picks its candidate resolvers by the first character too */
	switch (s[0]) {
	case '~':
	case 'n':
	case 'N':
		if (is_one_of(s, n, null_words))
			return AE_YAML_SCALAR_NULL;
		/* no, No and NO are booleans */
		/* fall through */
	case 'y':
	case 'Y':
	case 't':
	case 'T':
	case 'f':
	case 'F':
	case 'o':
	case 'O':
		if (n <= 5 && (is_one_of(s, n, true_words) ||
		               is_one_of(s, n, false_words)))
			return AE_YAML_SCALAR_BOOL;
		return AE_YAML_SCALAR_STR;
	case '<':
		return n == 2 && s[1] == '<' ? AE_YAML_SCALAR_MERGE
		                             : AE_YAML_SCALAR_STR;
	case '=':
		return n == 1 ? AE_YAML_SCALAR_VALUE : AE_YAML_SCALAR_STR;
	case '-':
	case '+':
	case '.':
	case '0' ... '9':
		if (match_int(s, n))
			return AE_YAML_SCALAR_INT;
		if (match_float(s, n))
			return AE_YAML_SCALAR_FLOAT;
		return AE_YAML_SCALAR_STR;
	default:
		return AE_YAML_SCALAR_STR;
	}
}

/* Copy without underscores (PyYAML drops them all before converting),
 * optionally lowercased. Returns the copy (buf or malloc'ed) or NULL. */
static char *clean_copy(const char *s, size_t n, char *buf, int lower)
{
	char *out = n < SCRATCH ? buf : malloc(n + 1);
	size_t i, k = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		if (s[i] != '_')
			out[k++] =
			    lower ? (char)tolower((unsigned char)s[i]) : s[i];
	out[k] = '\0';
	return out;
}

static void free_copy(char *copy, char *buf)
{
	if (copy != buf)
		free(copy);
}

/* Digits of `base` into *out; the whole of s must be digits. */
static int parse_unsigned(const char *s, int base, unsigned long long *out,
                          int *overflow)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		int d;

		if (is_digit(*s))
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		if (d >= base)
			return -1;
		if (__builtin_mul_overflow(v, (unsigned long long)base, &v) ||
		    __builtin_add_overflow(v, (unsigned long long)d, &v))
			*overflow = 1;
	}
	*out = v;
	return 0;
}

static int parse_base60(char *s, unsigned long long *out, int *overflow)
{
	unsigned long long v = 0;
	char *part = s, *colon;

	do {
		unsigned long long d;

		colon = strchr(part, ':');
		if (colon)
			*colon = '\0';
		if (parse_unsigned(part, 10, &d, overflow) < 0)
			return -1;
		if (__builtin_mul_overflow(v, 60ULL, &v) ||
		    __builtin_add_overflow(v, d, &v))
			*overflow = 1;
		part = colon ? colon + 1 : NULL; /* not NULL + 1: UB */
	} while (colon);
	*out = v;
	return 0;
}

static ae_node *checked(ae_node *node, ae_error *err)
{
	if (!node)
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return node;
}

/* PyYAML's construct_yaml_int. */
static ae_node *make_int(const char *s, size_t n, ae_error *err)
{
	char buf[SCRATCH], *copy = clean_copy(s, n, buf, 0), *v;
	unsigned long long mag = 0;
	int neg = 0, overflow = 0, rc;
	ae_node *node = NULL;

	if (!copy) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	v = copy;
	while (
	    isspace((unsigned char)*v)) /* int() allows it; tags reach here */
		v++;
	if (*v == '-' || *v == '+')
		neg = *v++ == '-';
	if (strchr(v, ':'))
		rc = parse_base60(v, &mag, &overflow);
	else if (v[0] == '0' && v[1] == 'b')
		rc = parse_unsigned(v + 2, 2, &mag, &overflow);
	else if (v[0] == '0' && v[1] == 'x')
		rc = parse_unsigned(v + 2, 16, &mag, &overflow);
	else if (v[0] == '0' && v[1] == 'o') /* int("0o17", 8) is 15 */
		rc = parse_unsigned(v + 2, 8, &mag, &overflow);
	else if (v[0] == '0')
		rc = parse_unsigned(v, 8, &mag, &overflow);
	else
		rc = parse_unsigned(v, 10, &mag, &overflow);
	if (rc < 0) {
		ae_error_set(err, NULL, 0, 0, NULL, "invalid integer '%.*s'",
		             (int)n, s);
		goto out;
	}
	if (overflow || mag > (neg ? 1ULL << 63 : (1ULL << 63) - 1)) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "integer '%.*s' does not fit in 64 bits", (int)n,
		             s);
		goto out;
	}
	node = checked(
	    ae_node_new_int(neg ? (long long)(0ULL - mag) : (long long)mag),
	    err);
out:
	if (copy)
		free_copy(copy, buf);
	return node;
}

/* Python's float() on what PyYAML left: no hex, nothing left over. */
static int parse_double(const char *s, double *out)
{
	char *end;

	if (*s == '\0' || strpbrk(s, "xXpP"))
		return -1;
	errno = 0;
	*out = strtod(s, &end); /* ERANGE is fine: Python gives inf or 0 too */
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0' ? 0 : -1;
}

/* PyYAML's construct_yaml_float. */
static ae_node *make_float(const char *s, size_t n, ae_error *err)
{
	char buf[SCRATCH], *copy = clean_copy(s, n, buf, 1), *v;
	double f = 0, sign = 1;
	ae_node *node = NULL;
	int rc = 0;

	if (!copy) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	v = copy;
	while (isspace((unsigned char)*v))
		v++;
	if (*v == '-' || *v == '+')
		sign = *v++ == '-' ? -1 : 1;
	if (strcmp(v, ".inf") == 0) {
		f = INFINITY;
	} else if (strcmp(v, ".nan") == 0) {
		f = NAN;
	} else if (strchr(v, ':')) {
		/* Python sums the groups from the last one up, in doubles */
		double base = 1;
		char *part;

		while (rc == 0 && (part = strrchr(v, ':')) != NULL) {
			double d = 0; /* read below also when parsing fails */

			rc = parse_double(part + 1, &d);
			f += d * base;
			base *= 60;
			*part = '\0';
		}
		if (rc == 0) {
			double d = 0;

			rc = parse_double(v, &d);
			f += d * base;
		}
	} else {
		rc = parse_double(v, &f);
	}
	if (rc < 0) {
		ae_error_set(err, NULL, 0, 0, NULL, "invalid float '%.*s'",
		             (int)n, s);
		goto out;
	}
	node = checked(ae_node_new_float(sign * f), err);
out:
	if (copy)
		free_copy(copy, buf);
	return node;
}

ae_node *ae_yaml_scalar_node(const char *s, size_t n, ae_error *err)
{
	switch (ae_yaml_scalar_classify(s, n)) {
	case AE_YAML_SCALAR_NULL:
		return checked(ae_node_new_null(), err);
	case AE_YAML_SCALAR_BOOL:
		return checked(ae_node_new_bool(is_one_of(s, n, true_words)),
		               err);
	case AE_YAML_SCALAR_INT:
		return make_int(s, n, err);
	case AE_YAML_SCALAR_FLOAT:
		return make_float(s, n, err);
	case AE_YAML_SCALAR_MERGE:
		ae_error_set(err, NULL, 0, 0, NULL,
		             "'<<' is the merge key and cannot be a value "
		             "(quote it for a string)");
		return NULL;
	case AE_YAML_SCALAR_VALUE:
		ae_error_set(err, NULL, 0, 0, NULL,
		             "'=' is the YAML 1.1 value key and cannot be a "
		             "value (quote it for a string)");
		return NULL;
	case AE_YAML_SCALAR_STR:
		break;
	}
	return checked(ae_node_new_stringn(s, n), err);
}

/* PyYAML's construct_yaml_bool: the spelling, in any case. */
static ae_node *make_bool(const char *s, size_t n, ae_error *err)
{
	static const char *const words[] = {"yes", "true",  "on",
	                                    "no",  "false", "off"};
	size_t w, i;

	for (w = 0; w < 6; w++) {
		if (strlen(words[w]) != n)
			continue;
		for (i = 0; i < n; i++)
			if (tolower((unsigned char)s[i]) != words[w][i])
				break;
		if (i == n)
			return checked(ae_node_new_bool(w < 3), err);
	}
	ae_error_set(err, NULL, 0, 0, NULL, "invalid boolean '%.*s'", (int)n,
	             s);
	return NULL;
}

ae_node *ae_yaml_scalar_tagged(const char *tag, const char *s, size_t n,
                               ae_error *err)
{
	size_t plen = strlen(TAG_PREFIX);
	const char *t = strncmp(tag, TAG_PREFIX, plen) == 0 ? tag + plen : "";
	ae_node *node;

	if (strcmp(t, "str") == 0) {
		node = checked(ae_node_new_stringn(s, n), err);
		if (node)
			node->flags |= AE_NODE_QUOTED;
		return node;
	}
	if (strcmp(t, "int") == 0)
		return make_int(s, n, err);
	if (strcmp(t, "float") == 0)
		return make_float(s, n, err);
	if (strcmp(t, "bool") == 0)
		return make_bool(s, n, err);
	if (strcmp(t, "null") == 0)
		return checked(ae_node_new_null(), err);
	ae_error_set(err, NULL, 0, 0, NULL,
	             "unsupported tag '%s%s' (only !!str, !!int, !!float, "
	             "!!bool, !!null)",
	             *t ? "!!" : "", *t ? t : tag);
	return NULL;
}

/* Python's str.strip() for ASCII. */
static void py_strip(const char **s, size_t *n)
{
	static const char ws[] = " \t\n\v\f\r\x1c\x1d\x1e\x1f";

	while (*n > 0 && in_set((*s)[0], ws)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && in_set((*s)[*n - 1], ws))
		(*n)--;
}

/* digit (['_'] digit)* at i; returns the end or 0. */
static size_t py_digitpart(const char *s, size_t i, size_t n)
{
	if (i >= n || !is_digit(s[i]))
		return 0;
	i++;
	while (i < n) {
		if (is_digit(s[i]))
			i++;
		else if (s[i] == '_' && i + 1 < n && is_digit(s[i + 1]))
			i += 2;
		else
			break;
	}
	return i;
}

static int py_int_ok(const char *s, size_t n)
{
	size_t i;

	py_strip(&s, &n);
	i = skip_sign(s, n);
	return py_digitpart(s, i, n) == n && n > i;
}

static int ci_equal(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}

static int py_float_ok(const char *s, size_t n)
{
	size_t i, j;

	py_strip(&s, &n);
	i = skip_sign(s, n);
	if (ci_equal(s + i, n - i, "inf") ||
	    ci_equal(s + i, n - i, "infinity") || ci_equal(s + i, n - i, "nan"))
		return 1;
	j = py_digitpart(s, i, n);
	if (j == 0) { /* '.' digitpart */
		if (i >= n || s[i] != '.')
			return 0;
		j = py_digitpart(s, i + 1, n);
		if (j == 0)
			return 0;
	} else if (j < n && s[j] == '.') {
		size_t k = py_digitpart(s, j + 1, n);

		j = k ? k : j + 1;
	}
	if (j == n)
		return 1;
	if (s[j] != 'e' && s[j] != 'E')
		return 0;
	j++;
	if (j < n && (s[j] == '-' || s[j] == '+'))
		j++;
	return py_digitpart(s, j, n) == n;
}

/* Exactly `count` digits at *i. */
static int digits(const char *s, size_t *i, size_t n, size_t count)
{
	size_t k;

	for (k = 0; k < count; k++)
		if (*i + k >= n || !is_digit(s[*i + k]))
			return 0;
	*i += count;
	return 1;
}

/* One or two digits at *i. */
static int digits12(const char *s, size_t *i, size_t n)
{
	if (!digits(s, i, n, 1))
		return 0;
	if (*i < n && is_digit(s[*i]))
		(*i)++;
	return 1;
}

static int expect(const char *s, size_t *i, size_t n, char c)
{
	if (*i < n && s[*i] == c) {
		(*i)++;
		return 1;
	}
	return 0;
}

/* PyYAML's timestamp resolver, which OmegaConf.save still applies. */
static int timestamp_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 10 && digits(s, &i, n, 4) && expect(s, &i, n, '-') &&
	    digits(s, &i, n, 2) && expect(s, &i, n, '-') && digits(s, &i, n, 2))
		return 1;
	i = 0;
	if (!(digits(s, &i, n, 4) && expect(s, &i, n, '-') &&
	      digits12(s, &i, n) && expect(s, &i, n, '-') &&
	      digits12(s, &i, n)))
		return 0;
	if (i < n && (s[i] == 'T' || s[i] == 't'))
		i++;
	else if (i < n && (s[i] == ' ' || s[i] == '\t'))
		i = span(s, i, n, " \t");
	else
		return 0;
	if (!(digits12(s, &i, n) && expect(s, &i, n, ':') &&
	      digits(s, &i, n, 2) && expect(s, &i, n, ':') &&
	      digits(s, &i, n, 2)))
		return 0;
	if (expect(s, &i, n, '.'))
		i = span(s, i, n, DIGITS);
	if (i == n)
		return 1;
	i = span(s, i, n, " \t");
	if (expect(s, &i, n, 'Z'))
		return i == n;
	if (i >= n || (s[i] != '-' && s[i] != '+'))
		return 0;
	i++;
	if (!digits12(s, &i, n))
		return 0;
	if (expect(s, &i, n, ':') && !digits(s, &i, n, 2))
		return 0;
	return i == n;
}

int ae_yaml_scalar_needs_quotes(const char *s, size_t n)
{
	static const char *const yn[] = {"y", "Y", "n", "N", NULL};

	return ae_yaml_scalar_classify(s, n) != AE_YAML_SCALAR_STR ||
	       is_one_of(s, n, yn) || py_int_ok(s, n) || py_float_ok(s, n) ||
	       timestamp_ok(s, n);
}

char *ae_yaml_float_repr(double f, char *buf, size_t size)
{
	char tmp[40], dig[20];
	int prec, exp10, nd = 0, neg;
	char *p;

	if (isnan(f)) {
		snprintf(buf, size, "nan");
		return buf;
	}
	if (isinf(f)) {
		snprintf(buf, size, f > 0 ? "inf" : "-inf");
		return buf;
	}
	/* The shortest digits that read back as f, as Python's repr does. */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	neg = tmp[0] == '-';
	for (p = tmp + neg; *p && *p != 'e'; p++)
		if (is_digit(*p))
			dig[nd++] = *p;
	exp10 = atoi(p + 1);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	dig[nd] = '\0';
	if (exp10 < -4 || exp10 >= 16) {
		snprintf(buf, size, "%s%c%s%se%c%02d", neg ? "-" : "", dig[0],
		         nd > 1 ? "." : "", dig + 1, exp10 < 0 ? '-' : '+',
		         abs(exp10));
	} else if (exp10 < 0) {
		snprintf(buf, size, "%s0.%.*s%s", neg ? "-" : "", -exp10 - 1,
		         "0000", dig);
	} else if (nd <= exp10 + 1) {
		snprintf(buf, size, "%s%s%.*s.0", neg ? "-" : "", dig,
		         exp10 + 1 - nd, "0000000000000000");
	} else {
		snprintf(buf, size, "%s%.*s.%s", neg ? "-" : "", exp10 + 1, dig,
		         dig + exp10 + 1);
	}
	return buf;
}

char *ae_yaml_float_format(double f, char *buf, size_t size)
{
	char repr[40];
	char *e;

	if (isnan(f)) {
		snprintf(buf, size, ".nan");
		return buf;
	}
	if (isinf(f)) {
		snprintf(buf, size, f > 0 ? ".inf" : "-.inf");
		return buf;
	}
	ae_yaml_float_repr(f, repr, sizeof(repr));
	e = strchr(repr, 'e');
	if (e && !strchr(repr, '.')) /* "1e-05" would read back as a string */
		snprintf(buf, size, "%.*s.0%s", (int)(e - repr), repr, e);
	else
		snprintf(buf, size, "%s", repr);
	return buf;
}

char *ae_yaml_key_string(const ae_node *scalar)
{
	char buf[48];

	switch (scalar->type) {
	case AE_STRING:
		return strdup(scalar->u.str.s);
	case AE_INT:
		snprintf(buf, sizeof(buf), "%lld", scalar->u.i);
		return strdup(buf);
	case AE_BOOL:
		return strdup(scalar->u.b ? "true" : "false");
	case AE_FLOAT:
		return strdup(
		    ae_yaml_float_repr(scalar->u.f, buf, sizeof(buf)));
	default:
		return NULL;
	}
}
