#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* OmegaConf.merge (2.2) on untyped configs: mappings merge key by key,
 * everything else is replaced by a copy of the source (so lists are replaced
 * whole), a source value of "???" keeps what the destination had, and a
 * mapping never merges with a sequence. Copies keep their source marks, so a
 * merged tree still says which file each value came from. */

#include "ae_merge.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct merge_ctx {
	ae_compose_warning **warnings;
	size_t *n_warnings;
};

static int add_warning(ae_compose_warning **warnings, size_t *n_warnings,
                       const char *file, int line, int column, const char *path,
                       const char *text)
{
	ae_compose_warning *grown;
	size_t size = sizeof(grown->text);
	int n = 0;

	if (!warnings || !n_warnings)
		return 0;
	grown = realloc(*warnings, (*n_warnings + 1) * sizeof(**warnings));
	if (!grown)
		return -1;
	*warnings = grown;
	grown = &(*warnings)[(*n_warnings)++];
	if (file[0])
		n = snprintf(grown->text, size, "%s:%d:%d: ", file, line,
		             column);
	if (n < 0 || (size_t)n >= size)
		n = 0;
	snprintf(grown->text + n, size - (size_t)n, "%s%s%s", path,
	         path[0] ? ": " : "", text);
	return 0;
}

int ae_compose_warn(ae_compose_warning **warnings, size_t *n_warnings,
                    const ae_node *where, const char *fmt, ...)
{
	char path[AE_ERROR_PATH_LEN];
	char text[AE_ERROR_TEXT_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ae_node_path(where, path, sizeof(path));
	return add_warning(warnings, n_warnings, ae_node_file(where),
	                   where->line, where->column, path, text);
}

static int is_missing(const ae_node *node)
{
	return node->type == AE_STRING && strcmp(node->u.str.s, "???") == 0;
}

static const char *event_name(const ae_node *item)
{
	const ae_node *name = ae_map_get(item, "name");

	return name && name->type == AE_STRING ? name->u.str.s : NULL;
}

static int seq_has_event(const ae_node *seq, const char *name)
{
	size_t i;

	for (i = 0; i < ae_seq_size(seq); i++) {
		const char *other = event_name(ae_seq_get(seq, i));

		if (other && strcmp(other, name) == 0)
			return 1;
	}
	return 0;
}

/* The predecessor lost its error-detection events this way (notes 2.1):
 * say which events a child's log_events list drops. */
static int check_log_events(struct merge_ctx *ctx, const char *key,
                            const ae_node *old, const ae_node *new)
{
	char dropped[600] = "";
	char path[AE_ERROR_PATH_LEN];
	char text[AE_ERROR_TEXT_LEN];
	size_t i, used = 0, n_dropped = 0;

	if (!ctx->warnings || strcmp(key, "log_events") != 0 ||
	    ae_seq_size(old) == 0)
		return 0;
	for (i = 0; i < ae_seq_size(old); i++) {
		const char *name = event_name(ae_seq_get(old, i));
		int n;

		if (name && seq_has_event(new, name))
			continue;
		n_dropped++;
		if (used + 1 >= sizeof(dropped))
			continue;
		n = snprintf(dropped + used, sizeof(dropped) - used, "%s%s",
		             used ? ", " : "", name ? name : "(unnamed)");
		if (n > 0)
			used += (size_t)n;
		if (used >= sizeof(dropped))
			used = sizeof(dropped) - 1;
	}
	if (n_dropped == 0)
		return 0;
	ae_node_path(old, path, sizeof(path));
	snprintf(
	    text, sizeof(text),
	    "this list replaces the log_events list from %s:%d:%d and "
	    "drops %zu event(s): %s (lists are replaced, not merged; write "
	    "log_events as a mapping keyed by event name to merge per event)",
	    ae_node_file(old), old->line, old->column, n_dropped, dropped);
	return add_warning(ctx->warnings, ctx->n_warnings, ae_node_file(new),
	                   new->line, new->column, path, text);
}

static int replace(ae_node *dst, const ae_node *src, ae_error *err)
{
	ae_node *copy = ae_node_copy(src);

	if (!copy)
		return ae_node_error(err, dst, "out of memory");
	ae_node_replace(dst, copy);
	return 0;
}

static int merge_map(struct merge_ctx *ctx, ae_node *dst, const ae_node *src,
                     ae_error *err);

static int merge_value(struct merge_ctx *ctx, ae_node *parent, const char *key,
                       const ae_node *sv, ae_error *err)
{
	ae_node *dv = ae_map_get(parent, key);
	ae_node *copy;

	if (!dv) {
		copy = ae_node_copy(sv);
		if (!copy || ae_map_set(parent, key, copy) < 0)
			return ae_node_error(err, parent, "out of memory");
		return 0;
	}
	if ((dv->type == AE_MAP && sv->type == AE_SEQ) ||
	    (dv->type == AE_SEQ && sv->type == AE_MAP))
		return ae_node_error(
		    err, sv, "cannot merge a %s into the %s from %s:%d:%d",
		    ae_type_name(sv->type), ae_type_name(dv->type),
		    ae_node_file(dv), dv->line, dv->column);
	if (dv->type == AE_MAP && sv->type == AE_MAP)
		return merge_map(ctx, dv, sv, err);
	/* "???" in the source means "not given here": keep the value. */
	if (is_missing(sv))
		return 0;
	if (dv->type == AE_SEQ && sv->type == AE_SEQ &&
	    check_log_events(ctx, key, dv, sv) < 0)
		return ae_node_error(err, dv, "out of memory");
	return replace(dv, sv, err);
}

static int merge_map(struct merge_ctx *ctx, ae_node *dst, const ae_node *src,
                     ae_error *err)
{
	size_t i;

	for (i = 0; i < ae_map_size(src); i++)
		if (merge_value(ctx, dst, ae_map_key(src, i),
		                ae_map_value(src, i), err) < 0)
			return -1;
	return 0;
}

int ae_compose_merge_warn(ae_node *dst, const ae_node *src,
                          ae_compose_warning **warnings, size_t *n_warnings,
                          ae_error *err)
{
	struct merge_ctx ctx = {warnings, n_warnings};

	if (dst->type == AE_MAP && src->type == AE_MAP)
		return merge_map(&ctx, dst, src, err);
	if (dst->type == AE_SEQ && src->type == AE_SEQ)
		return replace(dst, src, err);
	return ae_node_error(err, src, "cannot merge a %s into a %s",
	                     ae_type_name(src->type), ae_type_name(dst->type));
}

int ae_compose_merge(ae_node *dst, const ae_node *src, ae_error *err)
{
	return ae_compose_merge_warn(dst, src, NULL, NULL, err);
}
