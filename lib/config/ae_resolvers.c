#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_resolvers.h"
#include "ae_strbuf.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Python formatting ---- */

void ae_py_float_repr(double d, char *buf, size_t size)
{
	char tmp[40], digits[24];
	int prec, exp10, decpt, nd = 0, neg;
	char *p, *o;
	ae_strbuf b = {0};

	if (isnan(d)) {
		snprintf(buf, size, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, size, "%s", d < 0 ? "-inf" : "inf");
		return;
	}
	if (d == 0) {
		snprintf(buf, size, "%s", signbit(d) ? "-0.0" : "0.0");
		return;
	}
	/* Shortest digit string that reads back as d: what Python's repr
	 * gives (correctly rounded at each precision, as glibc's printf is). */
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	neg = tmp[0] == '-';
	for (p = tmp + neg; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	digits[nd] = '\0';
	exp10 = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';
	decpt = exp10 + 1;
	if (neg)
		ae_strbuf_puts(&b, "-");
	if (decpt <= -4 || decpt > 16) {
		char e[16];

		ae_strbuf_add(&b, digits, 1);
		if (nd > 1) {
			ae_strbuf_puts(&b, ".");
			ae_strbuf_add(&b, digits + 1, (size_t)nd - 1);
		}
		snprintf(e, sizeof(e), "e%c%02d", exp10 < 0 ? '-' : '+',
		         abs(exp10));
		ae_strbuf_puts(&b, e);
	} else if (decpt <= 0) {
		ae_strbuf_puts(&b, "0.");
		for (; decpt < 0; decpt++)
			ae_strbuf_puts(&b, "0");
		ae_strbuf_add(&b, digits, (size_t)nd);
	} else if (decpt >= nd) {
		ae_strbuf_add(&b, digits, (size_t)nd);
		for (; decpt > nd; decpt--)
			ae_strbuf_puts(&b, "0");
		ae_strbuf_puts(&b, ".0");
	} else {
		ae_strbuf_add(&b, digits, (size_t)decpt);
		ae_strbuf_puts(&b, ".");
		ae_strbuf_add(&b, digits + decpt, (size_t)(nd - decpt));
	}
	o = ae_strbuf_take(&b);
	snprintf(buf, size, "%s", o ? o : "?");
	free(o);
}

/* Python's repr(str): single quotes unless the text has ' and no ".
 * Non-ASCII text is kept as is, except C1 controls and U+00A0/U+00AD,
 * which Python shows as \xNN (other non-printable code points are rare in
 * configs and are kept). */
static void repr_string(ae_strbuf *b, const char *s, size_t len)
{
	char q = '\'';
	size_t i;

	if (memchr(s, '\'', len) && !memchr(s, '"', len))
		q = '"';
	ae_strbuf_add(b, &q, 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];

		if (c == (unsigned char)q || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			ae_strbuf_add(b, esc, 2);
		} else if (c == '\n') {
			ae_strbuf_puts(b, "\\n");
		} else if (c == '\r') {
			ae_strbuf_puts(b, "\\r");
		} else if (c == '\t') {
			ae_strbuf_puts(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			ae_strbuf_puts(b, esc);
		} else if (c == 0xc2 && i + 1 < len &&
		           (((unsigned char)s[i + 1] >= 0x80 &&
		             (unsigned char)s[i + 1] <= 0xa0) ||
		            (unsigned char)s[i + 1] == 0xad)) {
			snprintf(esc, sizeof(esc), "\\x%02x",
			         (unsigned char)s[i + 1]);
			ae_strbuf_puts(b, esc);
			i++;
		} else {
			ae_strbuf_add(b, (const char *)&s[i], 1);
		}
	}
	ae_strbuf_add(b, &q, 1);
}

static void py_format(ae_strbuf *b, const ae_node *v, int repr)
{
	char num[40];
	size_t i;

	switch (v->type) {
	case AE_NULL:
		ae_strbuf_puts(b, "None");
		break;
	case AE_BOOL:
		ae_strbuf_puts(b, v->u.b ? "True" : "False");
		break;
	case AE_INT:
		snprintf(num, sizeof(num), "%lld", v->u.i);
		ae_strbuf_puts(b, num);
		break;
	case AE_FLOAT:
		ae_py_float_repr(v->u.f, num, sizeof(num));
		ae_strbuf_puts(b, num);
		break;
	case AE_STRING:
		if (repr)
			repr_string(b, v->u.str.s, v->u.str.len);
		else
			ae_strbuf_add(b, v->u.str.s, v->u.str.len);
		break;
	case AE_SEQ:
		ae_strbuf_puts(b, "[");
		for (i = 0; i < v->u.seq.n; i++) {
			if (i)
				ae_strbuf_puts(b, ", ");
			py_format(b, v->u.seq.items[i], 1);
		}
		ae_strbuf_puts(b, "]");
		break;
	case AE_MAP:
		ae_strbuf_puts(b, "{");
		for (i = 0; i < v->u.map.n; i++) {
			if (i)
				ae_strbuf_puts(b, ", ");
			repr_string(b, v->u.map.keys[i],
			            strlen(v->u.map.keys[i]));
			ae_strbuf_puts(b, ": ");
			py_format(b, v->u.map.vals[i], 1);
		}
		ae_strbuf_puts(b, "}");
		break;
	}
}

char *ae_py_str(const ae_node *v)
{
	ae_strbuf b = {0};

	py_format(&b, v, 0);
	return ae_strbuf_take(&b);
}

char *ae_py_repr(const ae_node *v)
{
	ae_strbuf b = {0};

	py_format(&b, v, 1);
	return ae_strbuf_take(&b);
}

int ae_py_truthy(const ae_node *v)
{
	switch (v->type) {
	case AE_NULL:
		return 0;
	case AE_BOOL:
		return v->u.b;
	case AE_INT:
		return v->u.i != 0;
	case AE_FLOAT:
		return v->u.f != 0; /* nan is true, as in Python */
	case AE_STRING:
		return v->u.str.len != 0;
	case AE_SEQ:
		return v->u.seq.n != 0;
	case AE_MAP:
		return v->u.map.n != 0;
	}
	return 0;
}

/* ---- Python float() / int() of strings ---- */

static int is_pyspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Copy s without surrounding whitespace and without the underscores that
 * Python allows between digits; -1 when an underscore is misplaced. */
static int strip_number(const char *s, char *out, size_t outsize)
{
	size_t i = 0, n = strlen(s), o = 0;

	while (i < n && is_pyspace((unsigned char)s[i]))
		i++;
	while (n > i && is_pyspace((unsigned char)s[n - 1]))
		n--;
	for (; i < n; i++) {
		if (s[i] == '_') {
			if (o == 0 || !(s[i - 1] >= '0' && s[i - 1] <= '9') ||
			    i + 1 >= n || !(s[i + 1] >= '0' && s[i + 1] <= '9'))
				return -1;
			continue;
		}
		if (o + 1 >= outsize)
			return -1;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return 0;
}

static int parse_py_float(const char *s, double *out)
{
	char buf[512], *end;
	const char *p;
	int digits = 0;

	if (strip_number(s, buf, sizeof(buf)) < 0 || !buf[0])
		return -1;
	p = buf + (buf[0] == '+' || buf[0] == '-');
	if (!strcasecmp(p, "inf") || !strcasecmp(p, "infinity") ||
	    !strcasecmp(p, "nan")) {
		double v = (p[0] | 0x20) == 'n' ? NAN : INFINITY;

		*out = buf[0] == '-' ? -v : v;
		return 0;
	}
	/* strtod also takes hex and "infinity" forms Python refuses: check
	 * the decimal shape first. */
	while (*p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			digits++;
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return -1;
	errno = 0;
	*out = strtod(buf, &end);
	return *end ? -1 : 0;
}

/* -1: not an int literal (ValueError); -2: out of our range. */
static int parse_py_int(const char *s, long long *out)
{
	char buf[512], *end;
	const char *p;

	if (strip_number(s, buf, sizeof(buf)) < 0 || !buf[0])
		return -1;
	p = buf + (buf[0] == '+' || buf[0] == '-');
	if (!*p)
		return -1;
	for (; *p; p++)
		if (!(*p >= '0' && *p <= '9'))
			return -1;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	if (errno == ERANGE)
		return -2;
	return 0;
}

static const char *py_type(const ae_node *v, int config)
{
	switch (v->type) {
	case AE_NULL:
		return "NoneType";
	case AE_BOOL:
		return "bool";
	case AE_INT:
		return "int";
	case AE_FLOAT:
		return "float";
	case AE_STRING:
		return "str";
	case AE_SEQ:
		return config ? "ListConfig" : "list";
	case AE_MAP:
		return config ? "DictConfig" : "dict";
	}
	return "?";
}

int ae_py_float(const ae_node *v, double *out, char *msg, size_t msgsize)
{
	switch (v->type) {
	case AE_BOOL:
		*out = v->u.b;
		return 0;
	case AE_INT:
		*out = (double)v->u.i;
		return 0;
	case AE_FLOAT:
		*out = v->u.f;
		return 0;
	case AE_STRING:
		/* "1\0x" is no number: the C string would read as 1 */
		if (!ae_node_has_nul(v) && parse_py_float(v->u.str.s, out) == 0)
			return 0;
		snprintf(msg, msgsize,
		         "could not convert string to float: '%s'", v->u.str.s);
		return -1;
	default:
		snprintf(msg, msgsize,
		         "float() argument must be a string or a "
		         "number, not '%s'",
		         py_type(v, 0));
		return -1;
	}
}

int ae_py_int(const ae_node *v, long long *out, char *msg, size_t msgsize)
{
	int rc;

	switch (v->type) {
	case AE_BOOL:
		*out = v->u.b;
		return 0;
	case AE_INT:
		*out = v->u.i;
		return 0;
	case AE_FLOAT:
		if (isnan(v->u.f)) {
			snprintf(msg, msgsize,
			         "cannot convert float NaN to integer");
			return -1;
		}
		if (isinf(v->u.f)) {
			snprintf(msg, msgsize,
			         "cannot convert float infinity to integer");
			return -2;
		}
		if (v->u.f >= 9223372036854775808.0 ||
		    v->u.f < -9223372036854775808.0) {
			snprintf(msg, msgsize, "integer out of range: %g",
			         v->u.f);
			return -2;
		}
		*out = (long long)v->u.f; /* truncation, like int() */
		return 0;
	case AE_STRING:
		rc = ae_node_has_nul(v) ? -1 : parse_py_int(v->u.str.s, out);
		if (rc == -1)
			snprintf(msg, msgsize,
			         "invalid literal for int() with "
			         "base 10: '%s'",
			         v->u.str.s);
		else if (rc == -2)
			snprintf(msg, msgsize, "integer out of range: '%s'",
			         v->u.str.s);
		return rc;
	default:
		snprintf(msg, msgsize,
		         "int() argument must be a string or a "
		         "number, not '%s'",
		         py_type(v, 0));
		return -1;
	}
}

/* ---- resolvers ---- */

#define ARG(i) (call->argv[i].node)

static int fail(char *msg, size_t msgsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t msgsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msgsize, fmt, ap);
	va_end(ap);
	return -1;
}

static int ret(ae_rval *out, ae_node *node, int config, char *msg,
               size_t msgsize)
{
	if (!node)
		return fail(msg, msgsize, "out of memory");
	out->node = node;
	out->config = config;
	return 0;
}

static int ret_int(ae_rval *out, long long i, char *msg, size_t msgsize)
{
	return ret(out, ae_node_new_int(i), 0, msg, msgsize);
}

static int ret_float(ae_rval *out, double f, char *msg, size_t msgsize)
{
	return ret(out, ae_node_new_float(f), 0, msg, msgsize);
}

static int overflow(char *msg, size_t msgsize, const char *name)
{
	return fail(msg, msgsize,
	            "%s: integer overflow (beyond 64 bits; Python would "
	            "give a big integer)",
	            name);
}

/* oc.mul / oc.add: float fold, arguments float() refuses are skipped. */
static int r_mul_add(const ae_resolver_call *call, ae_rval *out, char *msg,
                     size_t msgsize)
{
	int mul = !strcmp(call->name, "oc.mul");
	double acc = mul ? 1.0 : 0.0, x;
	size_t i;

	for (i = 0; i < call->argc; i++) {
		if (ae_py_float(ARG(i), &x, msg, msgsize) < 0)
			continue;
		acc = mul ? acc * x : acc + x;
	}
	return ret_float(out, acc, msg, msgsize);
}

/* oc.muli / oc.addi: int fold, arguments int() refuses are skipped. */
static int r_muli_addi(const ae_resolver_call *call, ae_rval *out, char *msg,
                       size_t msgsize)
{
	int mul = !strcmp(call->name, "oc.muli");
	long long acc = mul ? 1 : 0, x;
	size_t i;
	int rc;

	for (i = 0; i < call->argc; i++) {
		rc = ae_py_int(ARG(i), &x, msg, msgsize);
		if (rc == -2)
			return -1;
		if (rc < 0)
			continue;
		if (mul ? __builtin_mul_overflow(acc, x, &acc)
		        : __builtin_add_overflow(acc, x, &acc))
			return overflow(msg, msgsize, call->name);
	}
	return ret_int(out, acc, msg, msgsize);
}

static int r_sub(const ae_resolver_call *call, ae_rval *out, char *msg,
                 size_t msgsize)
{
	double a, b;

	if (ae_py_float(ARG(0), &a, msg, msgsize) < 0 ||
	    ae_py_float(ARG(1), &b, msg, msgsize) < 0)
		return ret_float(out, 0.0, msg, msgsize);
	return ret_float(out, a - b, msg, msgsize);
}

static int r_subi(const ae_resolver_call *call, ae_rval *out, char *msg,
                  size_t msgsize)
{
	long long a, b, r;
	int rc;

	rc = ae_py_int(ARG(0), &a, msg, msgsize);
	if (rc == 0)
		rc = ae_py_int(ARG(1), &b, msg, msgsize);
	if (rc == -2)
		return -1;
	if (rc < 0)
		return ret_int(out, 0, msg, msgsize);
	if (__builtin_sub_overflow(a, b, &r))
		return overflow(msg, msgsize, call->name);
	return ret_int(out, r, msg, msgsize);
}

/* Python's a // b (floor). b != 0. -1 on overflow. */
static int floordiv(long long a, long long b, long long *q)
{
	if (a == -9223372036854775807LL - 1 && b == -1)
		return -1;
	*q = a / b;
	if (a % b != 0 && ((a < 0) != (b < 0)))
		(*q)--;
	return 0;
}

static int div_one(const ae_rval *a, const ae_rval *b, int integer,
                   ae_node **res, char *msg, size_t msgsize);

/* oc.div / oc.divi on a ListConfig: elementwise, zipped with a ListConfig
 * divisor (shortest wins) or against a scalar divisor. */
static int div_list(const ae_rval *a, const ae_rval *b, int integer,
                    ae_node **res, char *msg, size_t msgsize)
{
	ae_node *list = ae_node_new_seq();
	size_t i, n = ae_seq_size(a->node);
	int zip = b->node->type == AE_SEQ && b->config;

	if (!list)
		return fail(msg, msgsize, "out of memory");
	if (zip && ae_seq_size(b->node) < n)
		n = ae_seq_size(b->node);
	for (i = 0; i < n; i++) {
		ae_rval ea = {ae_seq_get(a->node, i), 1, NULL};
		ae_rval eb = {zip ? ae_seq_get(b->node, i) : b->node,
		              zip ? 1 : b->config, NULL};
		ae_node *item;

		if (div_one(&ea, &eb, integer, &item, msg, msgsize) < 0 ||
		    ae_seq_append(list, item) < 0) {
			ae_node_free(list);
			return -1;
		}
	}
	*res = list;
	return 0;
}

static int div_one(const ae_rval *a, const ae_rval *b, int integer,
                   ae_node **res, char *msg, size_t msgsize)
{
	if (a->node->type == AE_SEQ && a->config)
		return div_list(a, b, integer, res, msg, msgsize);
	if (integer) {
		long long x = 0, y = 0, q = 0;
		int rc = ae_py_int(a->node, &x, msg, msgsize);

		if (rc == 0)
			rc = ae_py_int(b->node, &y, msg, msgsize);
		if (rc == -2)
			return -1;
		if (rc == 0 && y != 0 && floordiv(x, y, &q) < 0)
			return overflow(msg, msgsize, "oc.divi");
		*res = ae_node_new_int(rc == 0 && y != 0 ? q : 0);
	} else {
		double x = 0, y = 0;
		int ok = ae_py_float(a->node, &x, msg, msgsize) == 0 &&
		         ae_py_float(b->node, &y, msg, msgsize) == 0 && y != 0;

		*res = ae_node_new_float(ok ? x / y : 0.0);
	}
	return *res ? 0 : fail(msg, msgsize, "out of memory");
}

static int r_div(const ae_resolver_call *call, ae_rval *out, char *msg,
                 size_t msgsize)
{
	ae_node *res;
	int integer = !strcmp(call->name, "oc.divi");

	if (div_one(&call->argv[0], &call->argv[1], integer, &res, msg,
	            msgsize) < 0)
		return -1;
	return ret(out, res, res->type == AE_SEQ, msg, msgsize);
}

static int r_cdivi(const ae_resolver_call *call, ae_rval *out, char *msg,
                   size_t msgsize)
{
	long long a, b, na, q;
	int rc;

	rc = ae_py_int(ARG(0), &a, msg, msgsize);
	if (rc == 0)
		rc = ae_py_int(ARG(1), &b, msg, msgsize);
	if (rc == -2)
		return -1;
	if (rc < 0 || b == 0)
		return ret_int(out, 0, msg, msgsize);
	/* -(-a // b) */
	if (__builtin_sub_overflow(0LL, a, &na) || floordiv(na, b, &q) < 0 ||
	    __builtin_sub_overflow(0LL, q, &q))
		return overflow(msg, msgsize, call->name);
	return ret_int(out, q, msg, msgsize);
}

static int r_sqrt(const ae_resolver_call *call, ae_rval *out, char *msg,
                  size_t msgsize)
{
	double x;

	if (ae_py_float(ARG(0), &x, msg, msgsize) < 0)
		return -1;
	if (x < 0)
		return fail(msg, msgsize, "math domain error");
	return ret_float(out, sqrt(x), msg, msgsize);
}

/* int(round(a * b / m) * m), round() being round-half-even. */
static int r_mul_round_int(const ae_resolver_call *call, ae_rval *out,
                           char *msg, size_t msgsize)
{
	double a, b, m, r;
	ae_node tmp = {.type = AE_FLOAT};
	long long res;

	if (ae_py_float(ARG(0), &a, msg, msgsize) < 0 ||
	    ae_py_float(ARG(1), &b, msg, msgsize) < 0 ||
	    ae_py_float(ARG(2), &m, msg, msgsize) < 0)
		return -1;
	if (m == 0)
		return fail(msg, msgsize, "float division by zero");
	r = a * b / m;
	if (isnan(r))
		return fail(msg, msgsize,
		            "cannot convert float NaN to integer");
	tmp.u.f = nearbyint(r) * m; /* default rounding: half to even */
	if (ae_py_int(&tmp, &res, msg, msgsize) < 0)
		return -1;
	return ret_int(out, res, msg, msgsize);
}

static int is_number(const ae_node *v)
{
	return v->type == AE_BOOL || v->type == AE_INT || v->type == AE_FLOAT;
}

/* Python's l + r for the types a config can hold. */
static int r_concat(const ae_resolver_call *call, ae_rval *out, char *msg,
                    size_t msgsize)
{
	const ae_node *l = ARG(0), *r = ARG(1);
	ae_node *res = NULL;
	size_t i;

	if (is_number(l) && is_number(r)) {
		if (l->type == AE_FLOAT || r->type == AE_FLOAT) {
			double x, y;

			ae_py_float(l, &x, msg, msgsize);
			ae_py_float(r, &y, msg, msgsize);
			return ret_float(out, x + y, msg, msgsize);
		} else {
			long long x, y, s;

			ae_py_int(l, &x, msg, msgsize);
			ae_py_int(r, &y, msg, msgsize);
			if (__builtin_add_overflow(x, y, &s))
				return overflow(msg, msgsize, call->name);
			return ret_int(out, s, msg, msgsize);
		}
	}
	if (l->type == AE_STRING && r->type == AE_STRING) {
		char *s = malloc(l->u.str.len + r->u.str.len + 1);

		if (!s)
			return fail(msg, msgsize, "out of memory");
		memcpy(s, l->u.str.s, l->u.str.len);
		memcpy(s + l->u.str.len, r->u.str.s, r->u.str.len);
		res = ae_node_new_stringn(s, l->u.str.len + r->u.str.len);
		free(s);
		return ret(out, res, 0, msg, msgsize);
	}
	if (l->type == AE_SEQ && r->type == AE_SEQ) {
		res = ae_node_copy(l);
		for (i = 0; res && i < r->u.seq.n; i++)
			if (ae_seq_append(
			        res, ae_node_copy(r->u.seq.items[i])) < 0) {
				ae_node_free(res);
				res = NULL;
			}
		return ret(out, res,
		           call->argv[0].config || call->argv[1].config, msg,
		           msgsize);
	}
	if (l->type == AE_STRING || l->type == AE_SEQ)
		return fail(msg, msgsize,
		            "can only concatenate %s (not \"%s\") to %s",
		            py_type(l, 0), py_type(r, call->argv[1].config),
		            py_type(l, 0));
	return fail(
	    msg, msgsize, "unsupported operand type(s) for +: '%s' and '%s'",
	    py_type(l, call->argv[0].config), py_type(r, call->argv[1].config));
}

/* Number of code points in UTF-8 text, and the byte offset of the
 * cp-th one. */
static size_t utf8_len(const char *s, size_t n)
{
	size_t i, cps = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			cps++;
	return cps;
}

static size_t utf8_offset(const char *s, size_t n, size_t cp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (cp == 0)
				return i;
			cp--;
		}
	}
	return n;
}

static void slice_bounds(long long len, long long *s, long long *e)
{
	if (*s < 0) {
		*s += len;
		if (*s < 0)
			*s = 0;
	} else if (*s > len) {
		*s = len;
	}
	if (*e < 0) {
		*e += len;
		if (*e < 0)
			*e = 0;
	} else if (*e > len) {
		*e = len;
	}
	if (*e < *s)
		*e = *s;
}

static int r_slice(const ae_resolver_call *call, ae_rval *out, char *msg,
                   size_t msgsize)
{
	const ae_node *v = ARG(0);
	long long s, e, i;
	ae_node *res;

	if (ae_py_int(ARG(1), &s, msg, msgsize) < 0 ||
	    ae_py_int(ARG(2), &e, msg, msgsize) < 0)
		return -1;
	if (v->type == AE_STRING) {
		size_t n = utf8_len(v->u.str.s, v->u.str.len), bs, be;

		slice_bounds((long long)n, &s, &e);
		bs = utf8_offset(v->u.str.s, v->u.str.len, (size_t)s);
		be = utf8_offset(v->u.str.s, v->u.str.len, (size_t)e);
		return ret(out, ae_node_new_stringn(v->u.str.s + bs, be - bs),
		           0, msg, msgsize);
	}
	if (v->type != AE_SEQ)
		return fail(msg, msgsize,
		            "'%s' object is not subscriptable "
		            "by a slice",
		            py_type(v, call->argv[0].config));
	slice_bounds((long long)v->u.seq.n, &s, &e);
	res = ae_node_new_seq();
	for (i = s; res && i < e; i++)
		if (ae_seq_append(res, ae_node_copy(v->u.seq.items[i])) < 0) {
			ae_node_free(res);
			res = NULL;
		}
	return ret(out, res, 0, msg, msgsize);
}

static int r_int(const ae_resolver_call *call, ae_rval *out, char *msg,
                 size_t msgsize)
{
	long long i;
	int rc = ae_py_int(ARG(0), &i, msg, msgsize);

	if (rc == -2)
		return -1;
	if (rc < 0)
		i = ae_py_truthy(ARG(0));
	return ret_int(out, i, msg, msgsize);
}

static int r_len(const ae_resolver_call *call, ae_rval *out, char *msg,
                 size_t msgsize)
{
	const ae_node *v = ARG(0);

	switch (v->type) {
	case AE_STRING:
		return ret_int(out,
		               (long long)utf8_len(v->u.str.s, v->u.str.len),
		               msg, msgsize);
	case AE_SEQ:
	case AE_MAP:
		return ret_int(
		    out,
		    (long long)(v->type == AE_SEQ ? v->u.seq.n : v->u.map.n),
		    msg, msgsize);
	default:
		return fail(msg, msgsize, "object of type '%s' has no len()",
		            py_type(v, 0));
	}
}

static int r_if(const ae_resolver_call *call, ae_rval *out, char *msg,
                size_t msgsize)
{
	const ae_rval *pick = &call->argv[ae_py_truthy(ARG(0)) ? 1 : 2];

	out->orig = pick->orig; /* the same DictConfig, as in Python */
	return ret(out, ae_node_copy(pick->node), pick->config, msg, msgsize);
}

static int r_dict_merge(const ae_resolver_call *call, ae_rval *out, char *msg,
                        size_t msgsize)
{
	ae_node *res = ae_node_new_map();
	size_t i, k;

	for (i = 0; res && i < call->argc; i++) {
		const ae_node *m = ARG(i);

		if (m->type != AE_MAP)
			continue; /* None and non-mappings are skipped */
		for (k = 0; res && k < m->u.map.n; k++)
			if (ae_map_set(res, m->u.map.keys[k],
			               ae_node_copy(m->u.map.vals[k])) < 0) {
				ae_node_free(res);
				res = NULL;
			}
	}
	return ret(out, res, 0, msg, msgsize);
}

static int r_timestring(const ae_resolver_call *call, ae_rval *out, char *msg,
                        size_t msgsize)
{
	return ret(out, ae_node_new_string(call->timestring), 0, msg, msgsize);
}

/* OmegaConf 2.2's oc.env: the variable's value (a string); when unset the
 * default as str(default), or None for a null default; an error when unset
 * without a default. */
static int r_env(const ae_resolver_call *call, ae_rval *out, char *msg,
                 size_t msgsize)
{
	const ae_node *key = ARG(0);
	const char *val;
	char *s;

	if (key->type != AE_STRING)
		return fail(msg, msgsize, "str expected, not %s",
		            py_type(key, call->argv[0].config));
	if (ae_node_has_nul(key))
		return fail(msg, msgsize,
		            "a variable name cannot contain a NUL character");
	val = call->opts->env
	          ? call->opts->env(key->u.str.s, call->opts->env_ctx)
	          : getenv(key->u.str.s);
	if (val)
		return ret(out, ae_node_new_string(val), 0, msg, msgsize);
	if (call->argc < 2)
		return fail(msg, msgsize, "environment variable '%s' not found",
		            key->u.str.s);
	if (ARG(1)->type == AE_NULL)
		return ret(out, ae_node_new_null(), 0, msg, msgsize);
	s = ae_py_str(call->argv[1].orig ? call->argv[1].orig : ARG(1));
	if (!s)
		return fail(msg, msgsize, "out of memory");
	out->node = ae_node_new_string(s);
	free(s);
	return ret(out, out->node, 0, msg, msgsize);
}

static const ae_resolver resolvers[] = {
    /* OmegaConf's own */
    {"oc.env", r_env, 1, 2, AE_RESOLVER_ENV, NULL},
    {"oc.select", NULL, 1, 2, AE_RESOLVER_TREE, NULL},
    {"oc.decode", NULL, 1, 1, AE_RESOLVER_TREE, NULL},
    {"oc.create", NULL, 1, 1, AE_RESOLVER_TREE, NULL},
    {"oc.dict.keys", NULL, 1, 1, AE_RESOLVER_TREE, NULL},
    {"oc.dict.values", NULL, 1, 1, AE_RESOLVER_TREE, NULL},
    /* the predecessor's (oellm-autoexp config/resolvers.py) */
    {"oc.mul", r_mul_add, 0, -1, 0, NULL},
    {"oc.muli", r_muli_addi, 0, -1, 0, NULL},
    {"oc.add", r_mul_add, 0, -1, 0, NULL},
    {"oc.addi", r_muli_addi, 0, -1, 0, NULL},
    {"oc.sub", r_sub, 2, 2, 0, NULL},
    {"oc.subi", r_subi, 2, 2, 0, NULL},
    {"oc.div", r_div, 2, 2, 0, NULL},
    {"oc.divi", r_div, 2, 2, 0, NULL},
    {"oc.cdivi", r_cdivi, 2, 2, 0, NULL},
    {"oc.sqrt", r_sqrt, 1, 1, 0, NULL},
    {"oc.slice", r_slice, 3, 3, 0, NULL},
    {"oc.mul_round_int", r_mul_round_int, 3, 3, 0, NULL},
    {"oc.concat", r_concat, 2, 2, 0, NULL},
    {"oc.int", r_int, 1, 1, 0, NULL},
    {"oc.dict_merge", r_dict_merge, 0, -1, 0, NULL},
    {"oc.timestring", r_timestring, 0, 0, 0, NULL},
    {"oc.len", r_len, 1, 1, 0, NULL},
    {"oc.if", r_if, 3, 3, 0, NULL},
    {"oc.eval", NULL, 0, -1, AE_RESOLVER_UNSUPPORTED,
     "oc.eval is not supported: it evaluates Python code"},
};

const ae_resolver *ae_resolver_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(resolvers) / sizeof(resolvers[0]); i++)
		if (!strcmp(resolvers[i].name, name))
			return &resolvers[i];
	return NULL;
}

int ae_resolver_check_argc(const ae_resolver *r, size_t argc, char *msg,
                           size_t msgsize)
{
	if ((int)argc >= r->min_args &&
	    (r->max_args < 0 || (int)argc <= r->max_args))
		return 0;
	if (r->min_args == r->max_args)
		return fail(msg, msgsize, "%s takes %d argument%s (%zu given)",
		            r->name, r->min_args, r->min_args == 1 ? "" : "s",
		            argc);
	return fail(msg, msgsize, "%s takes %d to %d arguments (%zu given)",
	            r->name, r->min_args, r->max_args, argc);
}
