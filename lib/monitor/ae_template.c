#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_interp.h"
#include "ae_template.h"
#include "ae_strbuf.h"

typedef struct spec {
	char fill[8]; /* one UTF-8 character */
	char align;   /* 0, '<', '>', '=', '^' */
	char sign;    /* 0, '+', '-', ' ' */
	int alt;      /* '#' */
	int zero;     /* '0' before the width */
	long width;   /* -1 when absent */
	char group;   /* 0, ',', '_' */
	long prec;    /* -1 when absent */
	char type;    /* 0 or the type letter */
} spec;

typedef struct seg {
	char *text; /* literal text, or the key of a field */
	int field;
	spec sp;
} seg;

struct ae_template {
	seg *segs;
	size_t n;
};

static void buf_rep(ae_strbuf *b, const char *s, long times)
{
	for (long i = 0; i < times; i++)
		ae_strbuf_puts(b, s);
}

void ae_template_free(ae_template *tpl)
{
	if (!tpl)
		return;
	for (size_t i = 0; i < tpl->n; i++)
		free(tpl->segs[i].text);
	free(tpl->segs);
	free(tpl);
}

static int tpl_err(ae_error *err, const char *text, size_t pos, const char *msg)
{
	return ae_error_set(err, NULL, 0, (int)pos + 1, NULL,
	                    "template \"%s\": %s (at character %zu)", text, msg,
	                    pos + 1);
}

static int add_seg(ae_template *tpl, const char *s, size_t n, int field,
                   const spec *sp)
{
	seg *segs;

	/* Merge adjacent literal text. */
	if (!field && tpl->n && !tpl->segs[tpl->n - 1].field) {
		seg *last = &tpl->segs[tpl->n - 1];
		size_t ol = strlen(last->text);
		char *p = realloc(last->text, ol + n + 1);

		if (!p)
			return -1;
		memcpy(p + ol, s, n);
		p[ol + n] = '\0';
		last->text = p;
		return 0;
	}
	segs = realloc(tpl->segs, (tpl->n + 1) * sizeof(*segs));
	if (!segs)
		return -1;
	tpl->segs = segs;
	memset(&segs[tpl->n], 0, sizeof(*segs));
	segs[tpl->n].text = strndup(s, n);
	if (!segs[tpl->n].text)
		return -1;
	segs[tpl->n].field = field;
	if (sp)
		segs[tpl->n].sp = *sp;
	tpl->n++;
	return 0;
}

static size_t utf8_len(const char *s)
{
	size_t n = 1;

	while (((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

static int parse_spec(const char *s, size_t n, spec *sp)
{
	size_t i = 0;

	memset(sp, 0, sizeof(*sp));
	sp->width = -1;
	sp->prec = -1;
	strcpy(sp->fill, " ");
	if (n > 0) {
		size_t cl = utf8_len(s);

		if (cl < n && strchr("<>=^", s[cl]) && cl < sizeof(sp->fill)) {
			memcpy(sp->fill, s, cl);
			sp->fill[cl] = '\0';
			sp->align = s[cl];
			i = cl + 1;
		} else if (strchr("<>=^", s[0])) {
			sp->align = s[0];
			i = 1;
		}
	}
	if (i < n && strchr("+- ", s[i]))
		sp->sign = s[i++];
	if (i < n && s[i] == 'z')
		i++;
	if (i < n && s[i] == '#') {
		sp->alt = 1;
		i++;
	}
	if (i < n && s[i] == '0') {
		sp->zero = 1;
		i++;
	}
	if (i < n && s[i] >= '0' && s[i] <= '9') {
		sp->width = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' &&
		       sp->width < 100000)
			sp->width = sp->width * 10 + (s[i++] - '0');
	}
	if (i < n && (s[i] == ',' || s[i] == '_'))
		sp->group = s[i++];
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		sp->prec = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && sp->prec < 1000)
			sp->prec = sp->prec * 10 + (s[i++] - '0');
	}
	if (i < n && strchr("sdxXobncfFeEgG%", s[i]))
		sp->type = s[i++];
	if (i != n)
		return -1;
	if (sp->zero && !sp->align) {
		strcpy(sp->fill, "0");
		sp->align = '=';
	}
	return 0;
}

/* Copy "${...}" verbatim; returns the length or 0 when unterminated. */
static size_t interp_len(const char *s)
{
	int depth = 0;

	for (size_t i = 1; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1]) {
			i++;
		} else if (s[i] == '{') {
			depth++;
		} else if (s[i] == '}') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return 0;
}

ae_template *ae_template_parse(const char *text, ae_error *err)
{
	ae_template *tpl = calloc(1, sizeof(*tpl));
	size_t i = 0;

	if (!tpl)
		goto nomem;
	while (text[i]) {
		size_t start = i;

		if (text[i] == '$' && text[i + 1] == '{') {
			size_t n = interp_len(text + i);

			if (!n) {
				tpl_err(err, text, i, "unterminated '${'");
				goto fail;
			}
			if (add_seg(tpl, text + i, n, 0, NULL) < 0)
				goto nomem;
			i += n;
		} else if (text[i] == '{' && text[i + 1] == '{') {
			if (add_seg(tpl, "{", 1, 0, NULL) < 0)
				goto nomem;
			i += 2;
		} else if (text[i] == '}') {
			if (text[i + 1] != '}') {
				tpl_err(err, text, i,
				        "single '}' (write '}}' for a literal "
				        "brace)");
				goto fail;
			}
			if (add_seg(tpl, "}", 1, 0, NULL) < 0)
				goto nomem;
			i += 2;
		} else if (text[i] == '{') {
			size_t k = i + 1, kend, close;
			spec sp;

			close = k + strcspn(text + k, "{}");
			if (text[close] != '}') {
				tpl_err(err, text, i,
				        text[close]
				            ? "nested '{' in a field is not "
				              "supported"
				            : "unterminated '{' (write '{{' "
				              "for a literal brace)");
				goto fail;
			}
			kend = k + strcspn(text + k, "!:}");
			if (kend == k) {
				tpl_err(err, text, i,
				        "empty field '{}': name a key");
				goto fail;
			}
			if (text[kend] == '!') {
				if (text[kend + 1] != 's' ||
				    (text[kend + 2] != ':' &&
				     text[kend + 2] != '}')) {
					tpl_err(err, text, kend,
					        "only the conversion '!s' is "
					        "supported");
					goto fail;
				}
			}
			{
				const char *colon =
				    memchr(text + kend, ':', close - kend);
				size_t sstart =
				    colon ? (size_t)(colon - text) + 1 : close;

				if (parse_spec(text + sstart, close - sstart,
				               &sp) < 0) {
					tpl_err(err, text, sstart,
					        "invalid format spec");
					goto fail;
				}
			}
			if (add_seg(tpl, text + k, kend - k, 1, &sp) < 0)
				goto nomem;
			i = close + 1;
		} else {
			while (text[i] && text[i] != '{' && text[i] != '}' &&
			       !(text[i] == '$' && text[i + 1] == '{'))
				i++;
			/* A lone '$' not followed by '{' is plain text. */
			if (i == start)
				i++;
			if (add_seg(tpl, text + start, i - start, 0, NULL) < 0)
				goto nomem;
		}
	}
	return tpl;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
fail:
	ae_template_free(tpl);
	return NULL;
}

int ae_template_is_constant(const ae_template *tpl)
{
	for (size_t i = 0; i < tpl->n; i++)
		if (tpl->segs[i].field)
			return 0;
	return 1;
}

const ae_node *ae_template_lookup(const ae_template_ctx *ctx, const char *key)
{
	const ae_node *cur;
	const char *p = key;

	if (!ctx)
		return NULL;
	if (ctx->metadata && ctx->metadata->type == AE_MAP &&
	    (cur = ae_map_get(ctx->metadata, key)))
		return cur;
	if (ctx->vars && ctx->vars->type == AE_MAP &&
	    (cur = ae_map_get(ctx->vars, key)))
		return cur;
	cur = ctx->config;
	while (cur && *p) {
		size_t n = strcspn(p, ".");
		char part[256];

		if (n == 0 || n >= sizeof(part))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		if (cur->type == AE_MAP) {
			cur = ae_map_get(cur, part);
		} else if (cur->type == AE_SEQ &&
		           strspn(part, "0123456789") == n) {
			cur = ae_seq_get(cur, strtoul(part, NULL, 10));
		} else {
			return NULL;
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return cur;
}

char *ae_template_str(const ae_node *value)
{
	if (value->type == AE_STRING)
		return strdup(value->u.str.s);
	return ae_interp_to_string(value);
}

static size_t char_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Pad `prefix`+`body` (sign/base prefix and digits) to the spec's width. */
static void pad(ae_strbuf *out, const spec *sp, char def_align,
                const char *prefix, const char *body)
{
	long len = (long)(char_count(prefix) + char_count(body));
	long fill = sp->width > len ? sp->width - len : 0;
	char align = sp->align ? sp->align : def_align;

	switch (align) {
	case '<':
		ae_strbuf_puts(out, prefix);
		ae_strbuf_puts(out, body);
		buf_rep(out, sp->fill, fill);
		break;
	case '^':
		buf_rep(out, sp->fill, fill / 2);
		ae_strbuf_puts(out, prefix);
		ae_strbuf_puts(out, body);
		buf_rep(out, sp->fill, fill - fill / 2);
		break;
	case '=':
		ae_strbuf_puts(out, prefix);
		buf_rep(out, sp->fill, fill);
		ae_strbuf_puts(out, body);
		break;
	default:
		buf_rep(out, sp->fill, fill);
		ae_strbuf_puts(out, prefix);
		ae_strbuf_puts(out, body);
		break;
	}
}

/* Insert a separator every `every` digits from the right of s's first
 * `ndigits` characters. Returns a new string. */
static char *group_digits(const char *s, size_t ndigits, char sep, int every)
{
	size_t len = strlen(s);
	size_t extra = ndigits ? (ndigits - 1) / (size_t)every : 0;
	char *r = malloc(len + extra + 1);
	size_t o = 0;

	if (!r)
		return NULL;
	for (size_t i = 0; i < ndigits; i++) {
		if (i && (ndigits - i) % (size_t)every == 0)
			r[o++] = sep;
		r[o++] = s[i];
	}
	memcpy(r + o, s + ndigits, len - ndigits + 1);
	return r;
}

/* Python int(): optional whitespace and sign, digits with single
 * underscores between them. */
static int parse_int(const char *s, long long *out)
{
	char digits[64];
	size_t n = 0;
	int neg = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; (*s >= '0' && *s <= '9') || *s == '_'; s++) {
		if (*s == '_') {
			if (!n || s[1] < '0' || s[1] > '9')
				return -1;
			continue;
		}
		if (n + 1 >= sizeof(digits))
			return -1;
		digits[n++] = *s;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!n || *s)
		return -1;
	digits[n] = '\0';
	errno = 0;
	*out = strtoll(digits, NULL, 10);
	if (errno)
		return -1;
	if (neg)
		*out = -*out;
	return 0;
}

static int parse_float(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s)
		return -1;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	return *end ? -1 : 0;
}

static const char *sign_of(int neg, const spec *sp)
{
	if (neg)
		return "-";
	if (sp->sign == '+')
		return "+";
	if (sp->sign == ' ')
		return " ";
	return "";
}

static int fmt_int(ae_strbuf *out, long long v, const spec *sp, ae_error *err,
                   const char *key)
{
	unsigned long long u =
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	char digits[80], prefix[8];
	char type = sp->type ? sp->type : 'd';
	int base = 10, every = 3;
	char *grouped = NULL;
	size_t n = 0;

	if (type == 'c') {
		char ch[5] = {0};

		if (v < 0 || v > 0x10FFFF)
			return ae_error_set(
			    err, NULL, 0, 0, NULL,
			    "template field {%s}: %lld is out of range for 'c'",
			    key, v);
		if (v < 0x80) {
			ch[0] = (char)v;
		} else if (v < 0x800) {
			ch[0] = (char)(0xC0 | (v >> 6));
			ch[1] = (char)(0x80 | (v & 0x3F));
		} else if (v < 0x10000) {
			ch[0] = (char)(0xE0 | (v >> 12));
			ch[1] = (char)(0x80 | ((v >> 6) & 0x3F));
			ch[2] = (char)(0x80 | (v & 0x3F));
		} else {
			ch[0] = (char)(0xF0 | (v >> 18));
			ch[1] = (char)(0x80 | ((v >> 12) & 0x3F));
			ch[2] = (char)(0x80 | ((v >> 6) & 0x3F));
			ch[3] = (char)(0x80 | (v & 0x3F));
		}
		pad(out, sp, '<', "", ch);
		return 0;
	}
	if (type == 'x' || type == 'X')
		base = 16;
	else if (type == 'o')
		base = 8;
	else if (type == 'b')
		base = 2;
	if (base != 10)
		every = 4;
	if (sp->group == ',' && base != 10)
		return ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "template field {%s}: ',' needs a decimal type", key);
	do {
		int d = (int)(u % (unsigned)base);

		digits[n++] =
		    (char)(d < 10 ? '0' + d
		                  : (type == 'X' ? 'A' : 'a') + d - 10);
		u /= (unsigned)base;
	} while (u);
	for (size_t i = 0; i < n / 2; i++) {
		char t = digits[i];

		digits[i] = digits[n - 1 - i];
		digits[n - 1 - i] = t;
	}
	digits[n] = '\0';
	snprintf(prefix, sizeof(prefix), "%s%s", sign_of(v < 0, sp),
	         !sp->alt || base == 10 ? ""
	         : base == 16           ? (type == 'X' ? "0X" : "0x")
	         : base == 8            ? "0o"
	                                : "0b");
	if (sp->group) {
		grouped = group_digits(digits, n, sp->group, every);
		if (!grouped)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
	}
	pad(out, sp, '>', prefix, grouped ? grouped : digits);
	free(grouped);
	return 0;
}

/* printf of one float conversion, with literal formats (-Wformat=2). */
static int c_format(char *b, size_t n, char type, int alt, int prec, double a)
{
	switch (type) {
	case 'F':
		return alt ? snprintf(b, n, "%#.*F", prec, a)
		           : snprintf(b, n, "%.*F", prec, a);
	case 'e':
		return alt ? snprintf(b, n, "%#.*e", prec, a)
		           : snprintf(b, n, "%.*e", prec, a);
	case 'E':
		return alt ? snprintf(b, n, "%#.*E", prec, a)
		           : snprintf(b, n, "%.*E", prec, a);
	case 'g':
		return alt ? snprintf(b, n, "%#.*g", prec, a)
		           : snprintf(b, n, "%.*g", prec, a);
	case 'G':
		return alt ? snprintf(b, n, "%#.*G", prec, a)
		           : snprintf(b, n, "%.*G", prec, a);
	default:
		return alt ? snprintf(b, n, "%#.*f", prec, a)
		           : snprintf(b, n, "%.*f", prec, a);
	}
}

static int fmt_float(ae_strbuf *out, double v, const spec *sp, ae_error *err,
                     const char *key)
{
	char type = sp->type ? sp->type : 'g';
	int prec = sp->prec >= 0 ? (int)sp->prec : 6;
	char body[512], *grouped = NULL;
	int neg = signbit(v) && !isnan(v);
	double a = fabs(v);
	char ctype = type == '%' ? 'f' : type;

	if (type == '%')
		a *= 100;
	if (prec > 300)
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "template field {%s}: precision too large",
		                    key);
	if (!sp->type && sp->prec < 0) {
		/* No type and no precision: Python's str(). */
		ae_node tmp = {.type = AE_FLOAT, .u.f = a};
		char *s = ae_interp_to_string(&tmp);

		if (!s)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
		snprintf(body, sizeof(body), "%s", s);
		free(s);
	} else {
		if (c_format(body, sizeof(body), ctype, sp->alt, prec, a) >=
		    (int)sizeof(body))
			return ae_error_set(
			    err, NULL, 0, 0, NULL,
			    "template field {%s}: number too long", key);
		if (type == '%')
			strcat(body, "%");
	}
	if (sp->group && isfinite(a)) {
		size_t nd = strspn(body, "0123456789");

		grouped = group_digits(body, nd, sp->group, 3);
		if (!grouped)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
	}
	pad(out, sp, '>', sign_of(neg, sp), grouped ? grouped : body);
	free(grouped);
	return 0;
}

static int fmt_string(ae_strbuf *out, const char *s, const spec *sp,
                      ae_error *err, const char *key)
{
	char *cut = NULL;

	if (sp->sign || sp->alt || sp->group || sp->align == '=')
		return ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "template field {%s}: the format spec does not "
		    "apply to the string '%s'",
		    key, s);
	if (sp->prec >= 0 && (long)char_count(s) > sp->prec) {
		size_t bytes = 0;

		for (long c = 0; c < sp->prec; c++)
			bytes += utf8_len(s + bytes);
		cut = strndup(s, bytes);
		if (!cut)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
		s = cut;
	}
	pad(out, sp, '<', "", s);
	free(cut);
	return 0;
}

static int render_field(ae_strbuf *out, const seg *sg, const ae_node *v,
                        ae_error *err)
{
	const spec *sp = &sg->sp;
	char t = sp->type;
	char *str = NULL;
	int rc = -1;

	if (t && strchr("dxXobnc", t)) {
		long long i;

		if (v->type == AE_INT) {
			i = v->u.i;
		} else if (v->type == AE_BOOL) {
			i = v->u.b;
		} else if (v->type == AE_STRING &&
		           parse_int(v->u.str.s, &i) == 0) {
			;
		} else {
			str = ae_template_str(v);
			ae_error_set(
			    err, NULL, 0, 0, NULL,
			    "template field {%s}: '%s' is not an integer "
			    "(format '%c')",
			    sg->text, str ? str : "?", t);
			goto out;
		}
		rc = fmt_int(out, i, sp, err, sg->text);
	} else if (t && strchr("fFeEgG%", t)) {
		double d;

		if (v->type == AE_INT) {
			d = (double)v->u.i;
		} else if (v->type == AE_FLOAT) {
			d = v->u.f;
		} else if (v->type == AE_BOOL) {
			d = v->u.b;
		} else if (v->type == AE_STRING &&
		           parse_float(v->u.str.s, &d) == 0) {
			;
		} else {
			str = ae_template_str(v);
			ae_error_set(
			    err, NULL, 0, 0, NULL,
			    "template field {%s}: '%s' is not a number "
			    "(format '%c')",
			    sg->text, str ? str : "?", t);
			goto out;
		}
		rc = fmt_float(out, d, sp, err, sg->text);
	} else if (!t && v->type == AE_INT &&
	           (sp->width >= 0 || sp->sign || sp->group || sp->alt)) {
		rc = fmt_int(out, v->u.i, sp, err, sg->text);
	} else if (!t && v->type == AE_FLOAT &&
	           (sp->width >= 0 || sp->sign || sp->prec >= 0 || sp->group)) {
		rc = fmt_float(out, v->u.f, sp, err, sg->text);
	} else {
		str = ae_template_str(v);
		if (!str) {
			ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
			goto out;
		}
		rc = fmt_string(out, str, sp, err, sg->text);
	}
out:
	free(str);
	return rc;
}

/* s with a backslash before each of glob(3)'s special characters. */
static void add_glob_escaped(ae_strbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] && strchr("*?[]\\", s[i]))
			ae_strbuf_add(b, "\\", 1);
		ae_strbuf_add(b, s + i, 1);
	}
}

static char *render(const ae_template *tpl, const ae_template_ctx *ctx,
                    int glob_escape, ae_error *err)
{
	ae_strbuf out = {0}, field = {0};

	for (size_t i = 0; i < tpl->n; i++) {
		const seg *sg = &tpl->segs[i];
		const ae_node *v;

		if (!sg->field) {
			ae_strbuf_puts(&out, sg->text);
			continue;
		}
		v = ae_template_lookup(ctx, sg->text);
		if (!v) {
			ae_error_set(err, NULL, 0, 0, NULL,
			             "unknown template key {%s}", sg->text);
			goto fail;
		}
		if (render_field(glob_escape ? &field : &out, sg, v, err) < 0)
			goto fail;
		if (glob_escape) {
			add_glob_escaped(&out, field.s ? field.s : "",
			                 field.len);
			out.oom |= field.oom;
			free(field.s);
			memset(&field, 0, sizeof(field));
		}
	}
	if (out.oom) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto fail;
	}
	return ae_strbuf_take(&out);
fail:
	free(field.s);
	free(out.s);
	return NULL;
}

char *ae_template_render(const ae_template *tpl, const ae_template_ctx *ctx,
                         ae_error *err)
{
	return render(tpl, ctx, 0, err);
}

char *ae_template_render_glob(const ae_template *tpl,
                              const ae_template_ctx *ctx, ae_error *err)
{
	return render(tpl, ctx, 1, err);
}

char *ae_template_expand(const char *text, const ae_template_ctx *ctx,
                         ae_error *err)
{
	ae_template *tpl = ae_template_parse(text, err);
	char *s;

	if (!tpl)
		return NULL;
	s = ae_template_render(tpl, ctx, err);
	ae_template_free(tpl);
	return s;
}

ae_template *ae_template_from_node(const ae_node *node, ae_error *err)
{
	ae_template *tpl;
	char *s, *esc;
	size_t o = 0;

	if (ae_node_has_nul(node)) {
		ae_node_error(err, node,
		              "a template cannot contain a NUL character");
		return NULL;
	}
	if (node->type == AE_STRING) {
		tpl = ae_template_parse(node->u.str.s, err);
		if (!tpl) {
			char text[AE_ERROR_TEXT_LEN];

			snprintf(text, sizeof(text), "%s",
			         err ? err->text : "");
			ae_node_error(err, node, "%s", text);
		}
		return tpl;
	}
	if (node->type == AE_MAP || node->type == AE_SEQ) {
		ae_node_error(err, node, "expected a string, not %s",
		              ae_type_name(node->type));
		return NULL;
	}
	s = ae_template_str(node);
	esc = s ? malloc(strlen(s) * 2 + 1) : NULL;
	if (!esc) {
		free(s);
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	/* str() of a scalar has no braces, but keep it literal regardless. */
	for (const char *p = s; *p; p++) {
		esc[o++] = *p;
		if (*p == '{' || *p == '}')
			esc[o++] = *p;
	}
	esc[o] = '\0';
	tpl = ae_template_parse(esc, err);
	free(s);
	free(esc);
	return tpl;
}

void ae_template_argv_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

char **ae_template_render_argv(ae_template *const *tpls, size_t n,
                               const ae_template_ctx *ctx, ae_error *err)
{
	char **argv = calloc(n + 1, sizeof(*argv));

	if (!argv) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		argv[i] = ae_template_render(tpls[i], ctx, err);
		if (!argv[i]) {
			ae_template_argv_free(argv);
			return NULL;
		}
	}
	return argv;
}
