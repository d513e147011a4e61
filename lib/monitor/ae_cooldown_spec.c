#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_cooldown_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_fields.h"
#include "ae_override_parse.h"
#include "ae_provenance.h"

const char *const ae_cooldown_spec_fields[] = {
    "class_name",  "name",   "config_path",     "overrides",     "script",
    "sbatch_args", "sbatch", "timeout_seconds", "retry_seconds", NULL};

/* ---- override templates ---- */

struct ae_cooldown_spec_override {
	ae_template *key;
	ae_template *value; /* NULL: no '=' (a delete) */
	char *text;         /* as written, for messages */
};

char *ae_cooldown_spec_escape(const char *text)
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

char *ae_cooldown_spec_quote_value(const char *text, ae_error *err)
{
	static const char quotes[] = {'\'', '"'};

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
	             "(quotes inside an interpolation)",
	             text);
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

void ae_cooldown_spec_override_free(ae_cooldown_spec_override *o)
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
		ae_node_error(err, node, "override '%s': %s", node->u.str.s,
		              msg);
	}
	free(text);
	return t;
}

ae_cooldown_spec_override *
ae_cooldown_spec_override_compile(const ae_node *node, int unresolved,
                                  ae_error *err)
{
	ae_cooldown_spec_override *o = NULL;
	const char *s;
	long eq;
	char *text = NULL;
	ae_override *ov = NULL;
	ae_error perr;

	if (!node || node->type != AE_STRING) {
		ae_node_error(err, node,
		              "an override must be a string such as key=value");
		return NULL;
	}
	if (ae_node_has_nul(node)) {
		ae_node_error(err, node,
		              "an override cannot contain a NUL character");
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
	if (eq >= 0 &&
	    !(o->value = part(node, s + eq + 1, strlen(s + eq + 1), err)))
		goto fail;
	/* A constant override can be checked now, unless the config is not
	 * resolved yet and it still has interpolations to change. */
	if (ae_template_is_constant(o->key) &&
	    (!o->value || ae_template_is_constant(o->value)) &&
	    !(unresolved && strstr(s, "${"))) {
		ae_template_ctx none = {0};

		text = ae_cooldown_spec_override_render(o, &none, &none, &perr);
		if (!text) {
			ae_node_error(err, node, "override '%s': %s", s,
			              perr.text);
			goto fail;
		}
		ov = ae_override_parse(text, &perr);
		if (!ov) {
			ae_node_error(err, node, "override '%s': column %d: %s",
			              s, perr.column, perr.text);
			goto fail;
		}
	}
	ae_override_free(ov);
	free(text);
	return o;
fail:
	ae_override_free(ov);
	free(text);
	ae_cooldown_spec_override_free(o);
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

char *ae_cooldown_spec_override_render(const ae_cooldown_spec_override *o,
                                       const ae_template_ctx *plain,
                                       const ae_template_ctx *escaped,
                                       ae_error *err)
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
	quoted = ae_cooldown_spec_quote_value(value, err);
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

/* ---- compile ---- */

void ae_cooldown_spec_free(void *data)
{
	ae_cooldown_spec *c = data;

	if (!c)
		return;
	ae_template_free(c->name);
	ae_template_free(c->config_path);
	ae_template_free(c->script);
	ae_template_free(c->sbatch);
	for (size_t i = 0; i < c->n_ovs; i++)
		ae_cooldown_spec_override_free(c->ovs[i]);
	free(c->ovs);
	for (size_t i = 0; i < c->n_args; i++)
		ae_template_free(c->args[i]);
	free(c->args);
	free(c);
}

static int opt_template(const ae_node *cfg, const char *key, const char *def,
                        ae_template **out, ae_error *err)
{
	const ae_node *v = ae_map_get(cfg, key);

	if (!v || v->type == AE_NULL)
		*out = ae_template_parse(def, err);
	else if (v->type == AE_MAP || v->type == AE_SEQ)
		return ae_node_error(err, v, "'%s' must be a string", key);
	else
		*out = ae_template_from_node(v, err);
	return *out ? 0 : -1;
}

int ae_cooldown_spec_compile(const ae_node *cfg, int unresolved, void **data,
                             ae_error *err)
{
	ae_cooldown_spec *c = calloc(1, sizeof(*c));
	const ae_node *ovs, *args;
	int rc = -1;

	if (!c)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	c->timeout = 120;
	c->retry = 600;
	if (opt_template(cfg, "name", "cooldown", &c->name, err) < 0 ||
	    opt_template(cfg, "config_path",
	                 "{output_dir}/provenance/" AE_PROV_UNRESOLVED_YAML,
	                 &c->config_path, err) < 0 ||
	    opt_template(cfg, "script",
	                 "{output_dir}/provenance/" AE_PROV_JOB_SCRIPT,
	                 &c->script, err) < 0 ||
	    opt_template(cfg, "sbatch", "sbatch", &c->sbatch, err) < 0 ||
	    ae_fields_seconds(cfg, "timeout_seconds", unresolved, &c->timeout,
	                      err) < 0 ||
	    ae_fields_seconds(cfg, "retry_seconds", unresolved, &c->retry,
	                      err) < 0)
		goto out;
	ovs = ae_map_get(cfg, "overrides");
	if (ovs && ovs->type != AE_NULL && ovs->type != AE_SEQ) {
		ae_node_error(
		    err, ovs,
		    "'overrides' must be a list of key=value strings");
		goto out;
	}
	if (ovs && ovs->type == AE_SEQ) {
		c->ovs = calloc(ae_seq_size(ovs) + 1, sizeof(*c->ovs));
		if (!c->ovs)
			goto nomem;
		for (; c->n_ovs < ae_seq_size(ovs); c->n_ovs++)
			if (!(c->ovs[c->n_ovs] =
			          ae_cooldown_spec_override_compile(
			              ae_seq_get(ovs, c->n_ovs), unresolved,
			              err)))
				goto out;
	}
	if (ae_fields_argv(cfg, "sbatch_args", 0, &args, err) < 0)
		goto out;
	if (args) {
		c->args = calloc(ae_seq_size(args) + 1, sizeof(*c->args));
		if (!c->args)
			goto nomem;
		for (; c->n_args < ae_seq_size(args); c->n_args++)
			if (!(c->args[c->n_args] = ae_template_from_node(
			          ae_seq_get(args, c->n_args), err)))
				goto out;
	}
	*data = c;
	c = NULL;
	rc = 0;
	goto out;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	ae_cooldown_spec_free(c);
	return rc;
}

/* ---- the class that only checks ---- */

int ae_cooldown_spec_start(const void *data, const ae_eval_env *env,
                           struct ae_action_exec *x, ae_error *err)
{
	(void)data;
	(void)env;
	(void)x;
	return ae_error_set(err, NULL, 0, 0, NULL,
	                    "%s runs only in the helper (autoexp-helper)",
	                    AE_COOLDOWN_CLASS);
}
