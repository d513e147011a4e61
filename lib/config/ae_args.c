#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_yaml_scalar.h"

ae_args *ae_args_new(void)
{
	ae_args *args = calloc(1, sizeof(*args));

	if (!args)
		return NULL;
	args->argv = calloc(1, sizeof(*args->argv));
	if (!args->argv) {
		free(args);
		return NULL;
	}
	args->cap = 1;
	return args;
}

void ae_args_free(ae_args *args)
{
	size_t i;

	if (!args)
		return;
	for (i = 0; i < args->argc; i++)
		free(args->argv[i]);
	free(args->argv);
	free(args);
}

/* Take ownership of word (freed on failure). */
static int push_owned(ae_args *args, char *word, ae_error *err)
{
	if (!word)
		goto nomem;
	if (args->argc + 1 >= args->cap) {
		size_t cap = args->cap * 2 + 8;
		char **argv = realloc(args->argv, cap * sizeof(*argv));

		if (!argv)
			goto nomem;
		args->argv = argv;
		args->cap = cap;
	}
	args->argv[args->argc++] = word;
	args->argv[args->argc] = NULL;
	return 0;
nomem:
	free(word);
	return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
}

int ae_args_push(ae_args *args, const char *word, ae_error *err)
{
	return push_owned(args, strdup(word), err);
}

/* "--" + key with '_' -> '-'. */
static char *flag_name(const char *key)
{
	size_t i, len = strlen(key);
	char *flag = malloc(len + 3);

	if (!flag)
		return NULL;
	flag[0] = flag[1] = '-';
	for (i = 0; i <= len; i++)
		flag[i + 2] = key[i] == '_' ? '-' : key[i];
	return flag;
}

/* The word for a scalar: Python's str() for numbers and bools. */
static char *scalar_word(const ae_node *v)
{
	char buf[64];

	switch (v->type) {
	case AE_BOOL:
		return strdup(v->u.b ? "True" : "False");
	case AE_INT:
		snprintf(buf, sizeof(buf), "%lld", v->u.i);
		return strdup(buf);
	case AE_FLOAT:
		return strdup(ae_yaml_float_repr(v->u.f, buf, sizeof(buf)));
	case AE_STRING:
		return strdup(v->u.str.s);
	default:
		return NULL;
	}
}

static int push_scalar(ae_args *args, const ae_node *v, ae_error *err)
{
	if (ae_node_has_nul(v)) /* an argv word ends at its NUL */
		return ae_node_error(
		    err, v, "an argument cannot contain a NUL character");
	return push_owned(args, scalar_word(v), err);
}

static int push_list(ae_args *args, const char *key, const ae_node *seq,
                     ae_error *err)
{
	size_t i, n = ae_seq_size(seq);

	if (n == 0)
		return 0;
	if (push_owned(args, flag_name(key), err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const ae_node *item = ae_seq_get(seq, i);

		if (item->type == AE_NULL)
			return ae_node_error(err, item,
			                     "null in a list of arguments: a "
			                     "flag's values cannot express it");
		if (!ae_node_is_scalar(item))
			return ae_node_error(
			    err, item,
			    "a list of arguments may only hold scalars, "
			    "not a %s",
			    ae_type_name(item->type));
		if (push_scalar(args, item, err) < 0)
			return -1;
	}
	return 0;
}

int ae_args_from_node(ae_args *args, const ae_node *node, ae_error *err)
{
	size_t i;

	if (node->type == AE_NULL)
		return 0;
	if (node->type != AE_MAP)
		return ae_node_error(
		    err, node, "expected a mapping of arguments, got a %s",
		    ae_type_name(node->type));
	for (i = 0; i < ae_map_size(node); i++) {
		const char *key = ae_map_key(node, i);
		const ae_node *v = ae_map_value(node, i);

		if (key[0] == '\0')
			return ae_node_error(err, v,
			                     "an empty key cannot be a flag");
		switch (v->type) {
		case AE_NULL:
			break;
		case AE_BOOL:
			if (v->u.b && push_owned(args, flag_name(key), err) < 0)
				return -1;
			break;
		case AE_SEQ:
			if (push_list(args, key, v, err) < 0)
				return -1;
			break;
		case AE_MAP:
			return ae_node_error(
			    err, v,
			    "a nested mapping cannot be a command-line "
			    "flag; move it out of the arguments node or "
			    "flatten it");
		default:
			if (push_owned(args, flag_name(key), err) < 0 ||
			    push_scalar(args, v, err) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

const ae_node *ae_args_lookup(const ae_node *root, const char *path,
                              ae_error *err)
{
	const ae_node *cur = root;
	const char *p = path;

	while (*p) {
		size_t len = strcspn(p, ".");
		const ae_node *next = NULL;
		char key[256];

		/* "a..b", "a." and ".a" name no key */
		if (len == 0 || len >= sizeof(key) ||
		    (p[len] == '.' && p[len + 1] == '\0'))
			goto bad_path;
		memcpy(key, p, len);
		key[len] = '\0';
		if (cur->type == AE_MAP) {
			next = ae_map_get(cur, key);
		} else if (cur->type == AE_SEQ) {
			char *end;
			unsigned long idx = strtoul(key, &end, 10);

			if (*end == '\0' && idx < ae_seq_size(cur))
				next = ae_seq_get(cur, idx);
		}
		if (!next) {
			ae_node_error(err, cur,
			              "no key '%s' here (looking up %s)", key,
			              path);
			return NULL;
		}
		cur = next;
		p += len + (p[len] == '.');
	}
	return cur;
bad_path:
	ae_error_set(err, NULL, 0, 0, NULL, "invalid key path '%s'", path);
	return NULL;
}

static int shell_safe(const char *word)
{
	const char *p;

	if (*word == '\0')
		return 0;
	for (p = word; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("_@%+=:,./-", *p))
			continue;
		return 0;
	}
	return 1;
}

char *ae_args_shell_quote(const char *word)
{
	size_t n = 0, quotes = 0;
	const char *p;
	char *out;

	if (shell_safe(word))
		return strdup(word);
	for (p = word; *p; p++)
		quotes += *p == '\'';
	/* each ' becomes '\'' (4 bytes), plus the enclosing quotes and NUL */
	out = malloc(strlen(word) + 3 * quotes + 3);
	if (!out)
		return NULL;
	out[n++] = '\'';
	for (p = word; *p; p++) {
		if (*p == '\'') {
			memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			out[n++] = *p;
		}
	}
	out[n++] = '\'';
	out[n] = '\0';
	return out;
}

char *ae_args_shell_join(const ae_args *args, ae_error *err)
{
	size_t i, len = 0, cap = 64;
	char *out = malloc(cap);

	if (!out)
		goto nomem;
	out[0] = '\0';
	for (i = 0; i < args->argc; i++) {
		char *q = ae_args_shell_quote(args->argv[i]);
		size_t qlen;

		if (!q)
			goto nomem;
		qlen = strlen(q);
		if (len + qlen + 2 > cap) {
			char *bigger;

			while (len + qlen + 2 > cap)
				cap *= 2;
			bigger = realloc(out, cap);
			if (!bigger) {
				free(q);
				goto nomem;
			}
			out = bigger;
		}
		if (i > 0)
			out[len++] = ' ';
		memcpy(out + len, q, qlen + 1);
		len += qlen;
		free(q);
	}
	return out;
nomem:
	free(out);
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return NULL;
}
