#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* Applying key overrides to an unresolved tree, as Hydra does after
 * composition (ConfigLoaderImpl._apply_overrides_to_config on a struct
 * config, through OmegaConf.update(merge=True)): a mapping value merges into
 * an existing mapping, anything else replaces the value in place. */

#include "ae_override.h"

#include "ae_merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ov_fail(ae_error *err, const ae_override *ov, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ov_fail(ae_error *err, const ae_override *ov, const char *fmt, ...)
{
	char msg[AE_ERROR_TEXT_LEN / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ae_error_set(err, "<override>", 1, 1, ov->key,
	                    "in override '%s': %s", ov->text, msg);
}

/* A sequence index written as a key part ("0", "12"); -1 otherwise. */
static long index_of(const char *part)
{
	char *end;
	long i;

	if (!*part || part[0] < '0' || part[0] > '9')
		return -1;
	i = strtol(part, &end, 10);
	return *end ? -1 : i;
}

static ae_node *child_of(ae_node *node, const char *part)
{
	long i;

	if (node->type == AE_MAP)
		return ae_map_get(node, part);
	if (node->type == AE_SEQ && (i = index_of(part)) >= 0)
		return ae_seq_get(node, (size_t)i);
	return NULL;
}

/* Set `part` of container `parent` to a copy of val (in place when the key
 * exists). */
static int set_child(ae_node *parent, const char *part, const ae_node *val,
                     const ae_override *ov, ae_error *err)
{
	ae_node *copy = ae_node_copy(val);
	ae_node *old;

	if (!copy)
		return ov_fail(err, ov, "out of memory");
	if (parent->type == AE_MAP) {
		if (ae_map_set(parent, part, copy) < 0)
			return ov_fail(err, ov, "out of memory");
		return 0;
	}
	old = child_of(parent, part);
	if (!old) {
		ae_node_free(copy);
		return ov_fail(err, ov, "index %s is out of range", part);
	}
	ae_node_replace(old, copy);
	return 0;
}

/* Split "a.b.c" into parts (in place in a copy owned by *buf). */
static size_t split_key(const char *key, char **buf, char **parts, size_t max)
{
	size_t n = 0;
	char *s = strdup(key), *dot;

	*buf = s;
	if (!s)
		return 0;
	while (n < max) {
		parts[n++] = s;
		dot = strchr(s, '.');
		if (!dot)
			break;
		*dot = '\0';
		s = dot + 1;
	}
	return n;
}

int ae_override_apply(ae_node *root, const ae_override *ov, ae_error *err)
{
	char *parts[128];
	char *buf = NULL;
	size_t n, i;
	ae_node *node = root, *target;
	int create =
	    ov->kind == AE_OVERRIDE_ADD || ov->kind == AE_OVERRIDE_FORCE;
	int rv = -1;

	if (strchr(ov->key, '@') || strchr(ov->key, '/')) {
		ov_fail(err, ov,
		        "looks like a config group override, but config group "
		        "'%.*s' does not exist",
		        (int)strcspn(ov->key, "@"), ov->key);
		goto out;
	}
	n = split_key(ov->key, &buf, parts, sizeof(parts) / sizeof(*parts));
	if (n == 0) {
		ov_fail(err, ov, "out of memory");
		goto out;
	}
	for (i = 0; i + 1 < n; i++) {
		ae_node *next = child_of(node, parts[i]);

		if (next && (next->type == AE_MAP || next->type == AE_SEQ)) {
			node = next;
			continue;
		}
		if (!create || (node->type == AE_SEQ && !next)) {
			if (ov->kind == AE_OVERRIDE_DELETE)
				ov_fail(err, ov, "key '%s' not found", ov->key);
			else if (next)
				ov_fail(err, ov, "'%s' is a %s, not a mapping",
				        parts[i], ae_type_name(next->type));
			else
				ov_fail(err, ov,
				        "key '%s' not found; to add "
				        "it use '+%s'",
				        ov->key, ov->text);
			goto out;
		}
		/* As OmegaConf.update: a scalar on the way becomes a mapping.
		 */
		{
			ae_node *map = ae_node_new_map();

			if (!map) {
				ov_fail(err, ov, "out of memory");
				goto out;
			}
			if (next) {
				ae_node_copy_mark(map, next);
				ae_node_replace(next, map);
			} else if (ae_map_set(node, parts[i], map) < 0) {
				ov_fail(err, ov, "out of memory");
				goto out;
			} else {
				next = map;
			}
		}
		node = next;
	}
	if (node->type == AE_SEQ && index_of(parts[n - 1]) < 0) {
		ov_fail(err, ov, "'%s' is not an index of a sequence",
		        parts[n - 1]);
		goto out;
	}
	target = child_of(node, parts[n - 1]);
	switch (ov->kind) {
	case AE_OVERRIDE_DELETE:
		if (!target) {
			ov_fail(err, ov, "cannot delete '%s': key not found",
			        ov->key);
			goto out;
		}
		if (ov->value && !ae_node_equal(target, ov->value)) {
			ov_fail(err, ov,
			        "cannot delete '%s': its value is not "
			        "the one given",
			        ov->key);
			goto out;
		}
		if (node->type == AE_MAP)
			ae_map_remove(node, parts[n - 1]);
		else
			ae_node_free(
			    ae_seq_take(node, (size_t)index_of(parts[n - 1])));
		rv = 0;
		goto out;
	case AE_OVERRIDE_CHANGE:
		if (!target) {
			ov_fail(err, ov,
			        "key '%s' not found; to add it use "
			        "'+%s'",
			        ov->key, ov->text);
			goto out;
		}
		break;
	case AE_OVERRIDE_ADD:
		if (target && target->type != AE_NULL &&
		    ov->value->type != AE_MAP && ov->value->type != AE_SEQ) {
			ov_fail(
			    err, ov,
			    "an item is already at '%s'; either "
			    "remove the + prefix ('%s') or use ++ to add or "
			    "override ('+%s')",
			    ov->key, ov->text + 1, ov->text);
			goto out;
		}
		break;
	case AE_OVERRIDE_FORCE:
		break;
	}
	if (target && (target->type == AE_MAP || target->type == AE_SEQ) &&
	    (ov->value->type == AE_MAP || ov->value->type == AE_SEQ)) {
		if (ae_compose_merge(target, ov->value, err) < 0) {
			ae_error_prefix(err, "in override '%s'", ov->text);
			goto out;
		}
		rv = 0;
		goto out;
	}
	if (set_child(node, parts[n - 1], ov->value, ov, err) < 0)
		goto out;
	rv = 0;
out:
	free(buf);
	return rv;
}
