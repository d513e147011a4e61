#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_strbuf.h"

typedef struct walk {
	ae_diff_fn fn;
	void *ctx;
	ae_strbuf path;
	long count;
} walk;

static int diff_node(walk *w, const ae_node *a, const ae_node *b);

static int report(walk *w, ae_diff_kind kind, const ae_node *a,
                  const ae_node *b)
{
	w->count++;
	return w->fn(w->ctx, kind, w->path.len ? w->path.s : "", a, b) ? -1 : 0;
}

/* Append ".key" (or "key" at the root) or "[i]" to the path, run, cut. */
static int descend(walk *w, const char *key, size_t index, const ae_node *a,
                   const ae_node *b)
{
	size_t mark = w->path.len;
	char idx[32];
	int rc;

	if (key) {
		if (mark)
			ae_strbuf_add(&w->path, ".", 1);
		ae_strbuf_puts(&w->path, key);
	} else {
		snprintf(idx, sizeof(idx), "[%zu]", index);
		ae_strbuf_puts(&w->path, idx);
	}
	if (w->path.oom)
		return -1;
	if (!a)
		rc = report(w, AE_DIFF_ADDED, NULL, b);
	else if (!b)
		rc = report(w, AE_DIFF_REMOVED, a, NULL);
	else
		rc = diff_node(w, a, b);
	w->path.len = mark;
	w->path.s[mark] = '\0';
	return rc;
}

static int diff_node(walk *w, const ae_node *a, const ae_node *b)
{
	size_t i, na, nb;

	if (a->type == AE_MAP && b->type == AE_MAP) {
		for (i = 0; i < ae_map_size(a); i++) {
			const char *k = ae_map_key(a, i);

			if (descend(w, k, 0, ae_map_value(a, i),
			            ae_map_get(b, k)) < 0)
				return -1;
		}
		for (i = 0; i < ae_map_size(b); i++) {
			const char *k = ae_map_key(b, i);

			if (!ae_map_get(a, k) &&
			    descend(w, k, 0, NULL, ae_map_value(b, i)) < 0)
				return -1;
		}
		return 0;
	}
	if (a->type == AE_SEQ && b->type == AE_SEQ) {
		na = ae_seq_size(a);
		nb = ae_seq_size(b);
		for (i = 0; i < na || i < nb; i++)
			if (descend(w, NULL, i,
			            i < na ? ae_seq_get(a, i) : NULL,
			            i < nb ? ae_seq_get(b, i) : NULL) < 0)
				return -1;
		return 0;
	}
	return ae_node_equal(a, b) ? 0 : report(w, AE_DIFF_CHANGED, a, b);
}

long ae_diff_walk(const ae_node *a, const ae_node *b, ae_diff_fn fn, void *ctx)
{
	walk w = {fn, ctx, {0}, 0};
	int rc = diff_node(&w, a, b);

	free(w.path.s);
	return rc < 0 ? -1 : w.count;
}
