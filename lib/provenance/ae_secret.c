#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_secret.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ae_strbuf.h"

/* Secret wherever they appear inside a word (DBPASSWORD, client_secrets). */
static const char *const inner_words[] = {"SECRET",     "PASSWORD",   "PASSWD",
                                          "PASSPHRASE", "CREDENTIAL", "COOKIE",
                                          "PRIVATE"};
/* Secret at the end of the last word (WANDB_API_KEY, HFTOKEN, OAUTH); not
 * elsewhere: tokenizer_type, moe_token_dispatcher_type and
 * apply_query_key_layer_scaling are Megatron's arguments, KEY_FILE a path. */
static const char *const last_suffixes[] = {"KEY", "TOKEN", "AUTH"};
/* Roles of a tokenizer's special tokens: eos_token, fim_pad_token and
 * drop_vision_class_token are Megatron's and Hugging Face's settings. */
static const char *const token_roles[] = {
    "BOS",    "EOS",     "PAD",   "UNK", "SEP",    "CLS",
    "MASK",   "EOD",     "CLASS", "FIM", "PREFIX", "MIDDLE",
    "SUFFIX", "SPECIAL", "START", "END", "STOP",   "NEWLINE"};
/* Secret as the whole last word (ssh_keys, SMTP_PASS); not num_passes. */
static const char *const last_words[] = {"KEYS", "PASS"};
/* Secret as the whole last word after another (DB_PWD, GITLAB_PAT): PWD
 * alone is the working directory, and OLDPWD the one before. */
static const char *const after_words[] = {"PWD", "PAT"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The next word of *p (see ae_secret_name) into *w, *n; 0 at the end. */
static int next_word(const char **p, const char **w, size_t *n)
{
	const char *s = *p;

	while (*s && !isalnum((unsigned char)*s))
		s++;
	if (!*s)
		return 0;
	*w = s++;
	while (isalnum((unsigned char)*s) &&
	       !(islower((unsigned char)s[-1]) && isupper((unsigned char)*s)))
		s++;
	*n = (size_t)(s - *w);
	*p = s;
	return 1;
}

static int word_is(const char *w, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(w, word, n) == 0;
}

static int word_ends(const char *w, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && strncasecmp(w + n - m, suffix, m) == 0;
}

static int word_has(const char *w, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if (strncasecmp(w + i, needle, m) == 0)
			return 1;
	return 0;
}

static int is_token_role(const char *w, size_t n)
{
	size_t i;

	for (i = 0; w && i < COUNT(token_roles); i++)
		if (word_is(w, n, token_roles[i]))
			return 1;
	return 0;
}

int ae_secret_name(const char *name)
{
	const char *p = name, *w, *last = NULL, *prev = NULL;
	size_t n, last_n = 0, prev_n = 0, words = 0, i;

	while (next_word(&p, &w, &n)) {
		for (i = 0; i < COUNT(inner_words); i++)
			if (word_has(w, n, inner_words[i]))
				return 1;
		if (last && word_is(last, last_n, "ACCESS") &&
		    word_is(w, n, "KEY"))
			return 1;
		prev = last;
		prev_n = last_n;
		last = w;
		last_n = n;
		words++;
	}
	if (!last)
		return 0;
	if (word_is(last, last_n, "TOKEN") && is_token_role(prev, prev_n))
		return 0;
	for (i = 0; i < COUNT(last_suffixes); i++)
		if (word_ends(last, last_n, last_suffixes[i]))
			return 1;
	for (i = 0; i < COUNT(last_words); i++)
		if (word_is(last, last_n, last_words[i]))
			return 1;
	for (i = 0; words > 1 && i < COUNT(after_words); i++)
		if (word_is(last, last_n, after_words[i]))
			return 1;
	return 0;
}

struct ae_secret_values {
	char **v;
	size_t n, cap;
};

ae_secret_values *ae_secret_values_new(void)
{
	return calloc(1, sizeof(ae_secret_values));
}

void ae_secret_values_free(ae_secret_values *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	free(v);
}

/* Values that are flags, not secrets (YAML 1.1's booleans and null). */
static const char *const plain_values[] = {"true", "false", "yes",  "no",
                                           "on",   "off",   "null", "none"};

int ae_secret_values_add(ae_secret_values *v, const char *value)
{
	size_t i;

	if (strlen(value) < AE_SECRET_MIN_VALUE)
		return 0;
	for (i = 0; i < COUNT(plain_values); i++)
		if (strcasecmp(value, plain_values[i]) == 0)
			return 0;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i], value) == 0)
			return 0;
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 4;
		char **nv = realloc(v->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n] = strdup(value);
	if (!v->v[v->n])
		return -1;
	v->n++;
	return 0;
}

/* Mark mark[from..to) (allocated on first use, len bytes). 0 or -1. */
static int mark_range(unsigned char **mark, size_t len, size_t from, size_t to)
{
	if (!*mark) {
		*mark = calloc(len, 1);
		if (!*mark)
			return -1;
	}
	memset(*mark + from, 1, to - from);
	return 0;
}

/* Where a URL's authority (user:password@host:port) ends. */
static int authority_end(char c)
{
	return c == '\0' || strchr("/?#\"'` \t\r\n\\", c) != NULL;
}

static int scheme_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* Mark the passwords of the URLs in s. 0 or -1. */
static int mark_urls(const char *s, size_t len, int keep_interp,
                     unsigned char **mark)
{
	const char *end = s + len, *p = s, *q;

	while ((q = memmem(p, (size_t)(end - p), "://", 3))) {
		const char *auth = q + 3, *stop = auth, *at, *colon;

		p = auth;
		if (q == s || !scheme_char(q[-1]))
			continue;
		while (stop < end && !authority_end(*stop))
			stop++;
		at = memrchr(auth, '@', (size_t)(stop - auth));
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (!colon || colon + 1 == at)
			continue;
		if (keep_interp &&
		    memmem(colon + 1, (size_t)(at - colon - 1), "${", 2))
			continue;
		if (mark_range(mark, len, (size_t)(colon + 1 - s),
		               (size_t)(at - s)) < 0)
			return -1;
	}
	return 0;
}

char *ae_secret_scrub(const char *s, size_t len, const ae_secret_values *values,
                      int keep_interpolations, size_t *out_len, int *oom)
{
	unsigned char *mark = NULL;
	ae_strbuf b = {0};
	size_t i, vi;
	char *out = NULL;

	*oom = 0;
	for (vi = 0; values && vi < values->n; vi++) {
		const char *v = values->v[vi], *p = s, *q;
		size_t vlen = strlen(v);

		while ((q = memmem(p, (size_t)(s + len - p), v, vlen))) {
			if (mark_range(&mark, len, (size_t)(q - s),
			               (size_t)(q - s) + vlen) < 0)
				goto nomem;
			p = q + 1;
		}
	}
	if (mark_urls(s, len, keep_interpolations, &mark) < 0)
		goto nomem;
	if (!mark)
		return NULL;
	for (i = 0; i < len;) {
		size_t j = i;

		if (mark[i]) {
			while (j < len && mark[j])
				j++;
			ae_strbuf_puts(&b, AE_SECRET_REDACTED);
		} else {
			while (j < len && !mark[j])
				j++;
			ae_strbuf_add(&b, s + i, j - i);
		}
		i = j;
	}
	free(mark);
	*out_len = b.len;
	out = ae_strbuf_take(&b);
	if (!out) {
		*oom = 1;
		return NULL;
	}
	/* already redacted: no change */
	if (*out_len == len && memcmp(out, s, len) == 0) {
		free(out);
		return NULL;
	}
	return out;
nomem:
	free(mark);
	*oom = 1;
	return NULL;
}

/* A config key named just "key" names another key (MetadataCondition's
 * `key: checkpoint_iteration`); redacting it would break the monitoring
 * rules that the helper reads from the provenance copy. */
static int config_secret(const char *name)
{
	return strcasecmp(name, "key") != 0 && ae_secret_name(name);
}

/* node replaced by a string (copied), keeping its place in the file. */
static int replace_string(ae_node *node, const char *s, size_t len)
{
	ae_node *r = ae_node_new_stringn(s, len);

	if (!r)
		return -1;
	ae_node_copy_mark(r, node);
	ae_node_replace(node, r);
	return 0;
}

/* A string that is not under a secret key, scrubbed. 1 changed, 0 not, -1 */
static int scrub_node(ae_node *node, const ae_secret_values *values,
                      int keep_interp)
{
	size_t len;
	int oom, rv;
	char *s;

	if (node->type != AE_STRING)
		return 0;
	s = ae_secret_scrub(node->u.str.s, node->u.str.len, values, keep_interp,
	                    &len, &oom);
	if (!s)
		return oom ? -1 : 0;
	rv = replace_string(node, s, len) < 0 ? -1 : 1;
	free(s);
	return rv;
}

static long redact(ae_node *node, int under_secret,
                   const ae_secret_values *values, int keep_interp)
{
	long count = 0, n;
	size_t i;

	switch (node->type) {
	case AE_MAP:
		for (i = 0; i < ae_map_size(node); i++) {
			n = redact(ae_map_value(node, i),
			           under_secret ||
			               config_secret(ae_map_key(node, i)),
			           values, keep_interp);
			if (n < 0)
				return -1;
			count += n;
		}
		return count;
	case AE_SEQ:
		for (i = 0; i < ae_seq_size(node); i++) {
			n = redact(ae_seq_get(node, i), under_secret, values,
			           keep_interp);
			if (n < 0)
				return -1;
			count += n;
		}
		return count;
	default:
		if (!under_secret)
			return scrub_node(node, values, keep_interp);
		/* a flag is no secret, whatever its name */
		if (node->type == AE_NULL || node->type == AE_BOOL ||
		    (keep_interp && ae_node_is_interpolation(node)))
			return 0;
		return replace_string(node, AE_SECRET_REDACTED,
		                      strlen(AE_SECRET_REDACTED)) < 0
		           ? -1
		           : 1;
	}
}

long ae_secret_redact(ae_node *tree, const ae_secret_values *values,
                      int keep_interpolations)
{
	return redact(tree, 0, values, keep_interpolations);
}

long ae_secret_redact_json(json_t *json, const ae_secret_values *values)
{
	long count = 0, n;
	const char *key;
	json_t *item;
	size_t i, len;
	char *s;
	int oom;

	switch (json_typeof(json)) {
	case JSON_OBJECT:
		json_object_foreach(json, key, item)
		{
			n = ae_secret_redact_json(item, values);
			if (n < 0)
				return -1;
			count += n;
		}
		return count;
	case JSON_ARRAY:
		json_array_foreach(json, i, item)
		{
			n = ae_secret_redact_json(item, values);
			if (n < 0)
				return -1;
			count += n;
		}
		return count;
	case JSON_STRING:
		s = ae_secret_scrub(json_string_value(json),
		                    json_string_length(json), values, 0, &len,
		                    &oom);
		if (!s)
			return oom ? -1 : 0;
		n = json_string_setn(json, s, len) < 0 ? -1 : 1;
		free(s);
		return n;
	default:
		return 0;
	}
}
