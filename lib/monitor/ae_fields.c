#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_fields.h"

int ae_fields_deferred(const ae_node *node)
{
	/* "???" is OmegaConf's missing value: set later, e.g. by an override.
	 */
	return node && node->type == AE_STRING &&
	       (strstr(node->u.str.s, "${") || !strcmp(node->u.str.s, "???"));
}

int ae_fields_check(const ae_node *cfg, const char *what,
                    const char *const *known, ae_error *err)
{
	char allowed[512];
	size_t used = 0;

	if (!cfg || cfg->type != AE_MAP)
		return ae_node_error(err, cfg, "%s must be a mapping, not %s",
		                     what,
		                     cfg ? ae_type_name(cfg->type) : "nothing");
	for (size_t i = 0; i < ae_map_size(cfg); i++) {
		const char *key = ae_map_key(cfg, i);
		size_t k;

		for (k = 0; known[k]; k++)
			if (!strcmp(known[k], key))
				break;
		if (known[k])
			continue;
		allowed[0] = '\0';
		for (k = 0; known[k] && used < sizeof(allowed); k++)
			used += (size_t)snprintf(allowed + used,
			                         sizeof(allowed) - used, "%s%s",
			                         k ? ", " : "", known[k]);
		return ae_node_error(err, ae_map_value(cfg, i),
		                     "unknown field '%s' in %s (known: %s)",
		                     key, what, allowed);
	}
	return 0;
}

int ae_fields_string(const ae_node *cfg, const char *key, int required,
                     const char **out, ae_error *err)
{
	const ae_node *v = ae_map_get(cfg, key);

	*out = NULL;
	if (!v || v->type == AE_NULL) {
		if (required)
			return ae_node_error(
			    err, cfg, "missing required field '%s'", key);
		return 0;
	}
	if (v->type != AE_STRING)
		return ae_node_error(err, v, "'%s' must be a string, not %s",
		                     key, ae_type_name(v->type));
	if (ae_node_has_nul(v))
		return ae_node_error(
		    err, v, "'%s' must not contain a NUL character", key);
	*out = v->u.str.s;
	return 0;
}

int ae_fields_seconds(const ae_node *cfg, const char *key, int unresolved,
                      double *out, ae_error *err)
{
	const ae_node *v = ae_map_get(cfg, key);
	double d;

	if (!v || v->type == AE_NULL)
		return 0;
	if (unresolved && ae_fields_deferred(v))
		return 0;
	if (v->type == AE_INT)
		d = (double)v->u.i;
	else if (v->type == AE_FLOAT)
		d = v->u.f;
	else
		return ae_node_error(err, v,
		                     "'%s' must be a number of seconds, not %s",
		                     key, ae_type_name(v->type));
	if (!isfinite(d) || d < 0)
		return ae_node_error(err, v, "'%s' must be a number >= 0", key);
	*out = d;
	return 0;
}

int ae_fields_int(const ae_node *cfg, const char *key, int unresolved,
                  long long *out, ae_error *err)
{
	const ae_node *v = ae_map_get(cfg, key);

	if (!v || v->type == AE_NULL)
		return 0;
	if (unresolved && ae_fields_deferred(v))
		return 0;
	if (v->type != AE_INT)
		return ae_node_error(err, v, "'%s' must be an integer, not %s",
		                     key, ae_type_name(v->type));
	*out = v->u.i;
	return 0;
}

int ae_fields_bool(const ae_node *cfg, const char *key, int unresolved,
                   int *out, ae_error *err)
{
	const ae_node *v = ae_map_get(cfg, key);

	if (!v || v->type == AE_NULL)
		return 0;
	if (unresolved && ae_fields_deferred(v))
		return 0;
	if (v->type != AE_BOOL)
		return ae_node_error(err, v,
		                     "'%s' must be true or false, not %s", key,
		                     ae_type_name(v->type));
	*out = v->u.b;
	return 0;
}

int ae_fields_argv(const ae_node *cfg, const char *key, int required,
                   const ae_node **out, ae_error *err)
{
	const ae_node *v = ae_map_get(cfg, key);

	*out = NULL;
	if (!v || v->type == AE_NULL) {
		if (required)
			return ae_node_error(
			    err, cfg, "missing required field '%s'", key);
		return 0;
	}
	if (v->type == AE_STRING)
		return ae_node_error(err, v,
		                     "'%s' must be a list of arguments (argv); "
		                     "no shell is used to split a string",
		                     key);
	if (v->type != AE_SEQ)
		return ae_node_error(err, v,
		                     "'%s' must be a list of strings, not %s",
		                     key, ae_type_name(v->type));
	if (required && ae_seq_size(v) == 0)
		return ae_node_error(err, v, "'%s' must not be empty", key);
	for (size_t i = 0; i < ae_seq_size(v); i++) {
		const ae_node *a = ae_seq_get(v, i);

		if (a->type == AE_MAP || a->type == AE_SEQ ||
		    a->type == AE_NULL)
			return ae_node_error(
			    err, a,
			    "arguments must be strings or numbers, not %s",
			    ae_type_name(a->type));
		if (ae_node_has_nul(a))
			return ae_node_error(
			    err, a,
			    "an argument cannot contain a NUL character");
	}
	*out = v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

char *ae_fields_utf8_dup(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t l = u[i] ? utf8_seq(u + i, n - i) : 0;

		if (!l) {
			i++;
			continue;
		}
		memcpy(out + o, s + i, l);
		o += l;
		i += l;
	}
	out[o] = '\0';
	return out;
}

/* 1 when the character that ends at `at` is invalid (a byte that is not
 * part of a valid sequence ending there). */
static int invalid_before(const unsigned char *u, size_t n, size_t at)
{
	size_t p = at - 1;

	while (p > 0 && at - p < 4 && (u[p] & 0xC0) == 0x80)
		p--;
	return utf8_seq(u + p, n - p) != at - p;
}

int ae_fields_utf8_whole(const char *s, size_t n, size_t start, size_t end)
{
	const unsigned char *u = (const unsigned char *)s;

	if (start > 0 && invalid_before(u, n, start))
		return 0;
	if (end < n && !utf8_seq(u + end, n - end))
		return 0;
	for (size_t i = start; i < end;) {
		size_t l = u[i] ? utf8_seq(u + i, end - i) : 0;

		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

int ae_fields_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		uint64_t w;
		size_t l;

		/* ASCII eight bytes at a time: most of a log */
		if (i + 8 <= n) {
			memcpy(&w, u + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		l = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}
