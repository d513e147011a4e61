#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_cooldown_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_compose.h"
#include "ae_cooldown.h"
#include "ae_json.h"
#include "ae_override.h"

struct ae_cd_override {
	ae_template *key;
	ae_template *value; /* NULL: no '=' (a delete) */
	char *text;         /* as written, for messages */
};

char *ae_cooldown_escape(const char *text)
{
	size_t len = strlen(text), o = 0, i = 0;
	/* worst case: every character a backslash before "${" */
	char *out = malloc(2 * len + len / 2 + 2);

	if (!out)
		return NULL;
	while (text[i]) {
		if (text[i] == '\\') {
			size_t k = 0;

			while (text[i + k] == '\\')
				k++;
			if (text[i + k] == '$' && text[i + k + 1] == '{') {
				memset(out + o, '\\', 2 * k + 1);
				o += 2 * k + 1;
				memcpy(out + o, "${", 2);
				o += 2;
				i += k + 2;
			} else {
				memset(out + o, '\\', k);
				o += k;
				i += k;
			}
		} else if (text[i] == '$' && text[i + 1] == '{') {
			memcpy(out + o, "\\${", 3);
			o += 3;
			i += 2;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	return out;
}

/* Hydra's quoted value: backslashes before the quote (or before the end)
 * are doubled and the quote escaped; other backslashes are literal. */
static char *quote_with(const char *text, char q)
{
	size_t len = strlen(text), o = 0, i = 0;
	char *out = malloc(2 * len + 3);

	if (!out)
		return NULL;
	out[o++] = q;
	while (text[i]) {
		if (text[i] == '\\') {
			size_t k = 0;

			while (text[i + k] == '\\')
				k++;
			if (text[i + k] == q || !text[i + k]) {
				memset(out + o, '\\', 2 * k);
				o += 2 * k;
			} else {
				memset(out + o, '\\', k);
				o += k;
			}
			i += k;
		} else if (text[i] == q) {
			out[o++] = '\\';
			out[o++] = q;
			i++;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o++] = q;
	out[o] = '\0';
	return out;
}

/* Does "k=<value>" parse to exactly the string text? */
static int gives_back(const char *value, const char *text)
{
	char *ov_text;
	ae_override *ov;
	ae_error err;
	int yes;

	if (asprintf(&ov_text, "k=%s", value) < 0)
		return 0;
	ov = ae_override_parse(ov_text, &err);
	free(ov_text);
	yes = ov && ov->value && ov->value->type == AE_STRING &&
	      !strcmp(ov->value->u.str.s, text);
	ae_override_free(ov);
	return yes;
}

char *ae_cooldown_quote_value(const char *text, ae_error *err)
{
	static const char quotes[] = { '\'', '"' };

	for (size_t i = 0; i < sizeof(quotes); i++) {
		char *q = quote_with(text, quotes[i]);

		if (!q) {
			ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
			return NULL;
		}
		if (gives_back(q, text))
			return q;
		free(q);
	}
	ae_error_set(err, NULL, 0, 0, NULL,
		     "the value '%s' cannot be written as an override value "
		     "(quotes inside an interpolation)", text);
	return NULL;
}

/* Position of the first '=' outside template braces, or -1. */
static long split_at(const char *s)
{
	int depth = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '{') {
			if (!depth && s[i + 1] == '{')
				i++;
			else
				depth++;
		} else if (s[i] == '}') {
			if (!depth && s[i + 1] == '}')
				i++;
			else if (depth)
				depth--;
		} else if (s[i] == '=' && !depth) {
			return (long)i;
		}
	}
	return -1;
}

void ae_cd_override_free(ae_cd_override *o)
{
	if (!o)
		return;
	ae_template_free(o->key);
	ae_template_free(o->value);
	free(o->text);
	free(o);
}

/* A template from part of a node's text; errors point at the node. */
static ae_template *part(const ae_node *node, const char *s, size_t len,
			 ae_error *err)
{
	char *text = strndup(s, len);
	ae_template *t;

	if (!text) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	t = ae_template_parse(text, err);
	if (!t) {
		char msg[AE_ERROR_TEXT_LEN];

		snprintf(msg, sizeof(msg), "%s", err->text);
		ae_node_error(err, node, "override '%s': %s", node->u.str.s, msg);
	}
	free(text);
	return t;
}

ae_cd_override *ae_cd_override_compile(const ae_node *node, int unresolved,
				       ae_error *err)
{
	ae_cd_override *o = NULL;
	const char *s;
	long eq;
	char *text = NULL;
	ae_override *ov = NULL;
	ae_error perr;

	if (!node || node->type != AE_STRING) {
		ae_node_error(err, node, "an override must be a string such as key=value");
		return NULL;
	}
	s = node->u.str.s;
	o = calloc(1, sizeof(*o));
	if (!o || !(o->text = strdup(s))) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto fail;
	}
	eq = split_at(s);
	if (!(o->key = part(node, s, eq < 0 ? strlen(s) : (size_t)eq, err)))
		goto fail;
	if (eq >= 0 && !(o->value = part(node, s + eq + 1, strlen(s + eq + 1), err)))
		goto fail;
	/* A constant override can be checked now, unless the config is not
	 * resolved yet and it still has interpolations to change. */
	if (ae_template_is_constant(o->key) &&
	    (!o->value || ae_template_is_constant(o->value)) &&
	    !(unresolved && strstr(s, "${"))) {
		ae_template_ctx none = { 0 };

		text = ae_cd_override_render(o, &none, &none, &perr);
		if (!text) {
			ae_node_error(err, node, "override '%s': %s", s, perr.text);
			goto fail;
		}
		ov = ae_override_parse(text, &perr);
		if (!ov) {
			ae_node_error(err, node, "override '%s': column %d: %s", s,
				      perr.column, perr.text);
			goto fail;
		}
	}
	ae_override_free(ov);
	free(text);
	return o;
fail:
	ae_override_free(ov);
	free(text);
	ae_cd_override_free(o);
	return NULL;
}

static int typed_scalar(const char *ov_text)
{
	ae_error err;
	ae_override *ov = ae_override_parse(ov_text, &err);
	int yes = ov && ov->value &&
		  (ov->value->type == AE_INT || ov->value->type == AE_FLOAT ||
		   ov->value->type == AE_BOOL || ov->value->type == AE_NULL);

	ae_override_free(ov);
	return yes;
}

char *ae_cd_override_render(const ae_cd_override *o,
			    const ae_template_ctx *plain,
			    const ae_template_ctx *escaped, ae_error *err)
{
	char *key = NULL, *value = NULL, *quoted = NULL, *out = NULL;

	key = ae_template_render(o->key, plain, err);
	if (!key)
		goto out;
	if (!o->value) {
		out = key;
		key = NULL;
		goto out;
	}
	if (ae_template_is_constant(o->value)) {
		value = ae_template_render(o->value, plain, err);
		if (value && asprintf(&out, "%s=%s", key, value) < 0)
			goto nomem;
		goto out;
	}
	value = ae_template_render(o->value, escaped, err);
	if (!value)
		goto out;
	if (asprintf(&out, "%s=%s", key, value) < 0)
		goto nomem;
	if (typed_scalar(out))
		goto out;
	free(out);
	out = NULL;
	quoted = ae_cooldown_quote_value(value, err);
	if (quoted && asprintf(&out, "%s=%s", key, quoted) < 0)
		goto nomem;
	goto out;
nomem:
	out = NULL;
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	free(key);
	free(value);
	free(quoted);
	return out;
}

static int escape_tree(ae_node *n)
{
	if (n->type == AE_STRING && strstr(n->u.str.s, "${")) {
		char *e = ae_cooldown_escape(n->u.str.s);

		if (!e)
			return -1;
		free(n->u.str.s);
		n->u.str.s = e;
		n->u.str.len = strlen(e);
	} else if (n->type == AE_MAP) {
		for (size_t i = 0; i < ae_map_size(n); i++)
			if (escape_tree(ae_map_value(n, i)) < 0)
				return -1;
	} else if (n->type == AE_SEQ) {
		for (size_t i = 0; i < ae_seq_size(n); i++)
			if (escape_tree(ae_seq_get(n, i)) < 0)
				return -1;
	}
	return 0;
}

ae_node *ae_cd_escaped_copy(const ae_node *node)
{
	ae_node *c = ae_node_copy(node);

	if (c && escape_tree(c) < 0) {
		ae_node_free(c);
		c = NULL;
	}
	return c;
}

ae_node *ae_cd_compose(const char *config_path, const char *const *search,
		       size_t n_search, char *const *overrides,
		       size_t n_overrides, json_t *warnings, ae_error *err)
{
	ae_compose_warning *w = NULL;
	size_t nw = 0;
	ae_compose_opts o = {
		.search_path = search,
		.n_search_path = n_search,
		.overrides = (const char *const *)overrides,
		.n_overrides = n_overrides,
		.warnings = &w,
		.n_warnings = &nw,
	};
	ae_node *root = ae_compose_file(config_path, &o, err);

	for (size_t i = 0; warnings && i < nw; i++)
		json_array_append_new(warnings, json_string(w[i].text));
	free(w);
	return root;
}

int ae_cd_set_parent(ae_node *root, const json_t *parent, ae_error *err)
{
	ae_node *rec = ae_json_to_node(parent, err), *holder;

	if (!rec)
		return -1;
	if (escape_tree(rec) < 0)
		goto nomem;
	holder = ae_map_get(root, AE_COOLDOWN_RESERVED_KEY);
	if (!holder || holder->type != AE_MAP) {
		holder = ae_node_new_map();
		if (!holder ||
		    ae_map_set(root, AE_COOLDOWN_RESERVED_KEY, holder) < 0) {
			holder = NULL;
			goto nomem;
		}
	}
	if (ae_map_set(holder, AE_COOLDOWN_PARENT_KEY, rec) < 0)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return 0;
nomem:
	ae_node_free(rec);
	return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
}
