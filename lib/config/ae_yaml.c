#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "ae_yaml_scalar.h"

/* The loader works on libyaml's event stream rather than its document API
 * so that limits are checked while parsing: a 10 000-deep file stops at the
 * 257th level, and an alias is priced before it is copied, in nodes and in
 * string bytes (ten aliases of a long string are ten copies of it). */

#define TAG_PREFIX "tag:yaml.org,2002:"
#define TAG_MAP    "tag:yaml.org,2002:map"
#define TAG_SEQ    "tag:yaml.org,2002:seq"
#define TAG_MERGE  "tag:yaml.org,2002:merge"
#define TAB_MESSAGE                                                            \
	"tab character: YAML as OmegaConf reads it allows tabs only inside "   \
	"quoted or block scalars and comments (indent with spaces)"

void ae_yaml_limits_default(ae_yaml_limits *limits)
{
	limits->max_bytes = 16u << 20;
	limits->max_depth = 256;
	limits->max_nodes = 1000000;
	limits->max_alias_refs = 10000;
	limits->max_alias_bytes = 16u << 20;
}

typedef struct anchor {
	char *name;
	const ae_node *node; /* borrowed; NULL while its node is being built */
	size_t nodes;  /* subtree size, to price an alias before copying */
	size_t bytes;  /* its strings and keys, likewise */
	size_t height; /* collection levels below and including node */
	int line, column;
} anchor;

typedef struct frame {
	ae_node *node; /* the mapping or sequence being built (owned) */
	size_t nodes;  /* nodes in this subtree so far, itself included */
	size_t bytes;  /* bytes of its strings and keys so far */
	size_t height; /* greatest height among the children */
	long anchor;   /* index into anchors, or -1 */
	/* mappings only */
	int have_key;  /* a key was read and waits for its value */
	int merge_key; /* ... and that key is "<<" */
	char *key;
	int key_line, key_column;
	int *key_lines; /* line of each explicit key, for duplicate errors */
	size_t key_lines_cap;
	ae_node **merges; /* "<<" values in order: mappings or lists of them */
	size_t nmerges, merges_cap;
} frame;

typedef struct loader {
	const ae_yaml_limits *lim;
	const char *text;
	size_t len;
	ae_src *src;
	ae_error *err;
	frame *frames;
	size_t depth, frames_cap;
	anchor *anchors;
	size_t nanchors, anchors_cap;
	size_t *slots; /* hash of anchor names: index + 1, 0 when free */
	size_t nslots;
	/* Nodes taken out of the tree (merge sources, anchored keys) that an
	 * anchor may still point into; freed with the loader. */
	ae_node *graveyard;
	ae_node *root;
	size_t nodes, alias_refs, alias_bytes;
	int docs;
	/* where the tab check has got to: byte offset, 0-based line/column */
	size_t pos, line, column;
	int in_comment;
	int has_tab; /* most files have none: then there is nothing to check */
} loader;

static const char *kind_name(const ae_node *node)
{
	return node->type == AE_MAP   ? "a mapping"
	       : node->type == AE_SEQ ? "a sequence"
	                              : "a scalar";
}

static void path_append(char *buf, size_t size, size_t *used, const char *key,
                        long index)
{
	int n;

	if (*used >= size)
		return;
	if (key)
		n = snprintf(buf + *used, size - *used, "%s%s",
		             *used ? "." : "", key);
	else
		n = snprintf(buf + *used, size - *used, "[%ld]", index);
	if (n > 0)
		*used += (size_t)n;
	if (*used >= size)
		*used = size;
}

/* The key path of the slot being filled ("a.b[2]"), plus `extra` when
 * given: the same form as ae_node_path(). */
static void current_path(const loader *ld, const char *extra, char *buf,
                         size_t size)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < ld->depth; i++) {
		const frame *f = &ld->frames[i];

		if (f->node->type == AE_SEQ)
			path_append(buf, size, &used, NULL,
			            (long)ae_seq_size(f->node));
		else if (f->have_key)
			path_append(buf, size, &used,
			            f->merge_key ? "<<" : f->key, 0);
	}
	if (extra)
		path_append(buf, size, &used, extra, 0);
}

static int fail_at(loader *ld, int line, int column, const char *extra,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail_at(loader *ld, int line, int column, const char *extra,
                   const char *fmt, ...)
{
	char path[AE_ERROR_PATH_LEN];
	va_list ap;

	if (!ld->err)
		return -1;
	current_path(ld, extra, path, sizeof(path));
	ae_error_set(ld->err, ld->src->name, line, column, path, "%s", "");
	va_start(ap, fmt);
	vsnprintf(ld->err->text, sizeof(ld->err->text), fmt, ap);
	va_end(ap);
	return -1;
}

static int nomem(loader *ld)
{
	return ae_error_set(ld->err, ld->src->name, 0, 0, NULL,
	                    "out of memory");
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* ---- anchors: a small open-addressing hash over the names ---- */

static size_t hash_name(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static anchor *anchor_find(const loader *ld, const char *name)
{
	size_t i;

	if (!ld->nslots)
		return NULL;
	for (i = hash_name(name) & (ld->nslots - 1); ld->slots[i];
	     i = (i + 1) & (ld->nslots - 1))
		if (strcmp(ld->anchors[ld->slots[i] - 1].name, name) == 0)
			return &ld->anchors[ld->slots[i] - 1];
	return NULL;
}

static int rehash(loader *ld)
{
	size_t n = ld->nslots ? ld->nslots * 2 : 16, a, i;
	size_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -1;
	for (a = 0; a < ld->nanchors; a++) {
		for (i = hash_name(ld->anchors[a].name) & (n - 1); slots[i];
		     i = (i + 1) & (n - 1))
			;
		slots[i] = a + 1;
	}
	free(ld->slots);
	ld->slots = slots;
	ld->nslots = n;
	return 0;
}

/* Declare an anchor (its node comes later). PyYAML refuses a second
 * anchor of the same name, so we do too. Returns its index or -1. */
static long anchor_begin(loader *ld, const char *name, int line, int column)
{
	const anchor *old = anchor_find(ld, name);
	anchor *a;

	if (old)
		return fail_at(ld, line, column, NULL,
		               "duplicate anchor '&%s' (first defined at line "
		               "%d)",
		               name, old->line);
	if (grow((void **)&ld->anchors, &ld->anchors_cap, ld->nanchors + 1,
	         sizeof(*ld->anchors)) < 0)
		return nomem(ld);
	a = &ld->anchors[ld->nanchors];
	memset(a, 0, sizeof(*a));
	a->name = strdup(name);
	if (!a->name)
		return nomem(ld);
	a->line = line;
	a->column = column;
	ld->nanchors++;
	if (ld->nanchors * 2 > ld->nslots) {
		if (rehash(ld) < 0)
			return nomem(ld);
	} else {
		size_t i;

		for (i = hash_name(name) & (ld->nslots - 1); ld->slots[i];
		     i = (i + 1) & (ld->nslots - 1))
			;
		ld->slots[i] = ld->nanchors;
	}
	return (long)ld->nanchors - 1;
}

static void anchor_end(loader *ld, long idx, const ae_node *node, size_t nodes,
                       size_t bytes, size_t height)
{
	if (idx < 0)
		return;
	ld->anchors[idx].node = node;
	ld->anchors[idx].nodes = nodes;
	ld->anchors[idx].bytes = bytes;
	ld->anchors[idx].height = height;
}

static size_t scalar_bytes(const ae_node *node)
{
	return node->type == AE_STRING ? node->u.str.len : 0;
}

/* ---- building ---- */

static int count_node(loader *ld, int line, int column)
{
	if (++ld->nodes > ld->lim->max_nodes)
		return fail_at(ld, line, column, NULL,
		               "more than %zu nodes (limit)",
		               ld->lim->max_nodes);
	return 0;
}

static int bury(loader *ld, ae_node *node)
{
	if (ae_seq_append(ld->graveyard, node) < 0)
		return nomem(ld);
	return 0;
}

/* Remember a "<<" value. PyYAML takes a mapping or a list of mappings. */
static int add_merge(loader *ld, frame *f, ae_node *node)
{
	size_t i;

	if (node->type == AE_SEQ) {
		for (i = 0; i < ae_seq_size(node); i++) {
			const ae_node *item = ae_seq_get(node, i);

			if (item->type != AE_MAP) {
				fail_at(ld, item->line, item->column, NULL,
				        "expected a mapping for merging, but "
				        "found %s",
				        kind_name(item));
				goto fail;
			}
		}
	} else if (node->type != AE_MAP) {
		fail_at(ld, node->line, node->column, NULL,
		        "expected a mapping or list of mappings for merging, "
		        "but found %s",
		        kind_name(node));
		goto fail;
	}
	if (grow((void **)&f->merges, &f->merges_cap, f->nmerges + 1,
	         sizeof(*f->merges)) < 0) {
		nomem(ld);
		goto fail;
	}
	f->merges[f->nmerges++] = node;
	f->have_key = 0;
	f->merge_key = 0;
	return 0;
fail:
	ae_node_free(node);
	return -1;
}

/* Hand a finished node to its parent (or make it the root). Takes node. */
static int deliver(loader *ld, ae_node *node, size_t nodes, size_t bytes,
                   size_t height)
{
	frame *f;

	if (ld->depth == 0) {
		ld->root = node;
		return 0;
	}
	f = &ld->frames[ld->depth - 1];
	f->nodes += nodes;
	f->bytes += bytes;
	if (height > f->height)
		f->height = height;
	if (f->node->type == AE_SEQ) {
		if (ae_seq_append(f->node, node) < 0)
			return nomem(ld);
		return 0;
	}
	if (f->merge_key)
		return add_merge(ld, f, node);
	if (grow((void **)&f->key_lines, &f->key_lines_cap,
	         ae_map_size(f->node) + 1, sizeof(int)) < 0) {
		ae_node_free(node);
		return nomem(ld);
	}
	f->key_lines[ae_map_size(f->node)] = f->key_line;
	if (ae_map_set(f->node, f->key, node) < 0)
		return nomem(ld);
	free(f->key);
	f->key = NULL;
	f->have_key = 0;
	return 0;
}

static int in_key_position(const loader *ld)
{
	const frame *f;

	if (ld->depth == 0)
		return 0;
	f = &ld->frames[ld->depth - 1];
	return f->node->type == AE_MAP && !f->have_key;
}

/* Take `key` (malloc'ed) as the pending key of the top mapping. */
static int set_key(loader *ld, char *key, int line, int column)
{
	frame *f = &ld->frames[ld->depth - 1];
	long i = ae_map_index(f->node, key);

	if (i >= 0) {
		fail_at(ld, line, column, key,
		        "duplicate key '%s' (first defined at line %d)", key,
		        f->key_lines[i]);
		free(key);
		return -1;
	}
	f->key = key;
	f->bytes += strlen(key);
	f->key_line = line;
	f->key_column = column;
	f->have_key = 1;
	return 0;
}

/* A scalar or alias in key position: keys are strings in our tree. */
static int key_from_node(loader *ld, const ae_node *node, int line, int column)
{
	char *key;

	if (!ae_node_is_scalar(node))
		return fail_at(ld, line, column, NULL,
		               "mapping keys must be scalars, not %s",
		               kind_name(node));
	if (node->type == AE_NULL)
		return fail_at(ld, line, column, NULL,
		               "null is not a valid mapping key");
	if (node->type == AE_STRING && strlen(node->u.str.s) != node->u.str.len)
		return fail_at(ld, line, column, NULL,
		               "a mapping key cannot contain a NUL character");
	key = ae_yaml_key_string(node);
	if (!key)
		return nomem(ld);
	return set_key(ld, key, line, column);
}

static ae_node *make_scalar(loader *ld, const yaml_event_t *ev, int line,
                            int column)
{
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	ae_error why; /* only text is used: the location is ours to add */
	ae_node *node;

	if (tag && strcmp(tag, "!") != 0) {
		node = ae_yaml_scalar_tagged(tag, text, len, &why);
	} else if (plain) {
		node = ae_yaml_scalar_node(text, len, &why);
	} else {
		node = ae_node_new_stringn(text, len);
		if (node)
			node->flags |= AE_NODE_QUOTED;
		else
			ae_error_set(&why, NULL, 0, 0, NULL, "out of memory");
	}
	if (!node) {
		fail_at(ld, line, column, NULL, "%s", why.text);
		return NULL;
	}
	ae_node_set_mark(node, ld->src, line, column);
	return node;
}

static int on_scalar(loader *ld, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	int column = (int)ev->start_mark.column + 1;
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *anchor_name = (const char *)ev->data.scalar.anchor;
	long idx = -1;
	ae_node *node;
	int rc;

	if (anchor_name) {
		idx = anchor_begin(ld, anchor_name, line, column);
		if (idx < 0)
			return -1;
	}
	if (in_key_position(ld)) {
		frame *f = &ld->frames[ld->depth - 1];
		int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		ae_yaml_scalar_kind kind =
		    ae_yaml_scalar_classify((const char *)ev->data.scalar.value,
		                            ev->data.scalar.length);

		if ((plain && !tag && kind == AE_YAML_SCALAR_MERGE) ||
		    (tag && strcmp(tag, TAG_MERGE) == 0)) {
			f->have_key = 1;
			f->merge_key = 1;
			return 0;
		}
		if (plain && !tag && kind == AE_YAML_SCALAR_VALUE) {
			/* PyYAML turns a "=" key into the string "=" */
			char *key = strdup("=");

			return key ? set_key(ld, key, line, column) : nomem(ld);
		}
		node = make_scalar(ld, ev, line, column);
		if (!node)
			return -1;
		rc = key_from_node(ld, node, line, column);
		if (rc == 0 && idx >= 0) {
			anchor_end(ld, idx, node, 1, scalar_bytes(node), 0);
			return bury(ld, node);
		}
		ae_node_free(node);
		return rc;
	}
	if (count_node(ld, line, column) < 0)
		return -1;
	node = make_scalar(ld, ev, line, column);
	if (!node)
		return -1;
	anchor_end(ld, idx, node, 1, scalar_bytes(node), 0);
	return deliver(ld, node, 1, scalar_bytes(node), 0);
}

static int on_alias(loader *ld, const yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	int column = (int)ev->start_mark.column + 1;
	const char *name = (const char *)ev->data.alias.anchor;
	const anchor *a = anchor_find(ld, name);
	ae_node *copy;

	if (!a)
		return fail_at(ld, line, column, NULL, "undefined alias '*%s'",
		               name);
	if (!a->node)
		return fail_at(ld, line, column, NULL,
		               "alias '*%s' is inside the node it refers to "
		               "(recursive)",
		               name);
	if (++ld->alias_refs > ld->lim->max_alias_refs)
		return fail_at(ld, line, column, NULL,
		               "more than %zu alias references (limit)",
		               ld->lim->max_alias_refs);
	if (a->bytes > ld->lim->max_alias_bytes - ld->alias_bytes)
		return fail_at(ld, line, column, NULL,
		               "alias '*%s' would expand the config past the "
		               "limit of %zu bytes copied by aliases (alias "
		               "bomb?)",
		               name, ld->lim->max_alias_bytes);
	ld->alias_bytes += a->bytes;
	if (in_key_position(ld))
		return key_from_node(ld, a->node, line, column);
	if (a->nodes > ld->lim->max_nodes - ld->nodes)
		return fail_at(ld, line, column, NULL,
		               "alias '*%s' would expand the config past the "
		               "limit of %zu nodes (alias bomb?)",
		               name, ld->lim->max_nodes);
	if (ld->depth + a->height > ld->lim->max_depth)
		return fail_at(ld, line, column, NULL,
		               "alias '*%s' would nest deeper than %zu levels "
		               "(limit)",
		               name, ld->lim->max_depth);
	copy = ae_node_copy(a->node);
	if (!copy)
		return nomem(ld);
	ld->nodes += a->nodes;
	/* The copy's own children keep their marks; the copy points here. */
	ae_node_set_mark(copy, ld->src, line, column);
	return deliver(ld, copy, a->nodes, a->bytes, a->height);
}

static int is_core_tag(const char *tag)
{
	return strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0;
}

static int on_start(loader *ld, const yaml_event_t *ev, int is_map)
{
	int line = (int)ev->start_mark.line + 1;
	int column = (int)ev->start_mark.column + 1;
	const char *tag = (const char *)(is_map ? ev->data.mapping_start.tag
	                                        : ev->data.sequence_start.tag);
	const char *anchor_name =
	    (const char *)(is_map ? ev->data.mapping_start.anchor
	                          : ev->data.sequence_start.anchor);
	frame *f;

	if (in_key_position(ld))
		return fail_at(ld, line, column, NULL,
		               "mapping keys must be scalars, not %s",
		               is_map ? "a mapping" : "a sequence");
	if (ld->depth >= ld->lim->max_depth)
		return fail_at(ld, line, column, NULL,
		               "nesting deeper than %zu levels (limit)",
		               ld->lim->max_depth);
	if (tag && strcmp(tag, "!") != 0 &&
	    strcmp(tag, is_map ? TAG_MAP : TAG_SEQ) != 0)
		return fail_at(
		    ld, line, column, NULL, "unsupported tag '%s%s' on a %s",
		    is_core_tag(tag) ? "!!" : "",
		    tag + (is_core_tag(tag) ? strlen(TAG_PREFIX) : 0),
		    is_map ? "mapping" : "sequence");
	if (count_node(ld, line, column) < 0)
		return -1;
	if (grow((void **)&ld->frames, &ld->frames_cap, ld->depth + 1,
	         sizeof(*ld->frames)) < 0)
		return nomem(ld);
	f = &ld->frames[ld->depth];
	memset(f, 0, sizeof(*f));
	f->anchor = -1;
	f->nodes = 1;
	f->node = is_map ? ae_node_new_map() : ae_node_new_seq();
	if (!f->node)
		return nomem(ld);
	ld->depth++;
	ae_node_set_mark(f->node, ld->src, line, column);
	if (anchor_name) {
		f->anchor = anchor_begin(ld, anchor_name, line, column);
		if (f->anchor < 0)
			return -1;
	}
	return 0;
}

static void frame_clear(frame *f)
{
	size_t i;

	ae_node_free(f->node);
	free(f->key);
	free(f->key_lines);
	for (i = 0; i < f->nmerges; i++)
		ae_node_free(f->merges[i]);
	free(f->merges);
	memset(f, 0, sizeof(*f));
}

static void measure(const ae_node *node, size_t *nodes, size_t *bytes,
                    size_t *height)
{
	size_t i, n, h = 0;

	*nodes = 1;
	*bytes = scalar_bytes(node);
	*height = 0;
	n = node->type == AE_MAP ? ae_map_size(node) : ae_seq_size(node);
	if (node->type != AE_MAP && node->type != AE_SEQ)
		return;
	for (i = 0; i < n; i++) {
		size_t cn, cb, ch;

		measure(node->type == AE_MAP ? ae_map_value(node, i)
		                             : ae_seq_get(node, i),
		        &cn, &cb, &ch);
		*nodes += cn;
		*bytes += cb;
		if (node->type == AE_MAP)
			*bytes += strlen(ae_map_key(node, i));
		if (ch > h)
			h = ch;
	}
	*height = h + 1;
}

static int merge_entries(loader *ld, ae_node *dst, const ae_node *src)
{
	size_t i;

	for (i = 0; i < ae_map_size(src); i++) {
		ae_node *copy = ae_node_copy(ae_map_value(src, i));

		if (!copy || ae_map_set(dst, ae_map_key(src, i), copy) < 0)
			return nomem(ld);
	}
	return 0;
}

/* PyYAML's flatten_mapping: the merged entries come first, in "<<" order,
 * a list of mappings taken last to first; then the explicit entries. A
 * later entry replaces an earlier one in place, so explicit keys win and
 * the first mapping of a list wins, while keys keep their first position. */
static ae_node *apply_merges(loader *ld, frame *f)
{
	ae_node *out = ae_node_new_map(), *old = f->node;
	size_t m, i;

	if (!out) {
		nomem(ld);
		goto fail;
	}
	ae_node_copy_mark(out, old);
	for (m = 0; m < f->nmerges; m++) {
		const ae_node *src = f->merges[m];

		if (src->type == AE_MAP) {
			if (merge_entries(ld, out, src) < 0)
				goto fail;
			continue;
		}
		for (i = ae_seq_size(src); i-- > 0;)
			if (merge_entries(ld, out, ae_seq_get(src, i)) < 0)
				goto fail;
	}
	while (ae_map_size(old) > 0) {
		char *key = strdup(ae_map_key(old, 0));
		ae_node *val;

		if (!key) {
			nomem(ld);
			goto fail;
		}
		val = ae_map_take(old, key);
		if (ae_map_set(out, key, val) < 0) {
			free(key);
			nomem(ld);
			goto fail;
		}
		free(key);
	}
	/* An anchor may point into a merge source: keep them alive. */
	for (m = 0; m < f->nmerges; m++) {
		ae_node *src = f->merges[m];

		f->merges[m] = NULL;
		if (bury(ld, src) < 0)
			goto fail;
	}
	f->nmerges = 0;
	ae_node_free(old);
	f->node = NULL;
	return out;
fail:
	ae_node_free(out);
	return NULL;
}

static int on_end(loader *ld)
{
	frame *f = &ld->frames[ld->depth - 1];
	size_t nodes = f->nodes, bytes = f->bytes, height = f->height + 1;
	long idx = f->anchor;
	ae_node *node;

	if (f->nmerges) {
		node = apply_merges(ld, f);
		if (!node)
			return -1;
		measure(node, &nodes, &bytes, &height);
	} else {
		node = f->node;
		f->node = NULL;
	}
	frame_clear(f);
	ld->depth--;
	anchor_end(ld, idx, node, nodes, bytes, height);
	return deliver(ld, node, nodes, bytes, height);
}

/* Byte offset of a 0-based line/column (columns count characters). */
static size_t offset_of(const loader *ld, size_t line, size_t column)
{
	size_t i = 0;

	while (line > 0 && i < ld->len)
		if (ld->text[i++] == '\n')
			line--;
	while (column > 0 && i < ld->len) {
		i++;
		while (i < ld->len &&
		       ((unsigned char)ld->text[i] & 0xC0) == 0x80)
			i++;
		column--;
	}
	return i;
}

static int syntax_error(loader *ld, const yaml_parser_t *p)
{
	size_t line = p->problem_mark.line, column = p->problem_mark.column;
	const char *problem = p->problem ? p->problem : "unknown error";
	char where[160] = "";
	size_t at;

	if (p->error == YAML_MEMORY_ERROR)
		return nomem(ld);
	if (p->error == YAML_READER_ERROR) {
		/* the reader gives a byte offset, not a mark */
		size_t i;

		line = column = 0;
		for (i = 0; i < p->problem_offset && i < ld->len; i++) {
			if (ld->text[i] == '\n') {
				line++;
				column = 0;
			} else if (((unsigned char)ld->text[i] & 0xC0) !=
			           0x80) {
				column++;
			}
		}
		return fail_at(ld, (int)line + 1, (int)column + 1, NULL,
		               "invalid input: %s (byte 0x%02x)", problem,
		               (unsigned)p->problem_value & 0xff);
	}
	at = offset_of(ld, line, column);
	if (at < ld->len && ld->text[at] == '\t')
		return fail_at(ld, (int)line + 1, (int)column + 1, NULL,
		               TAB_MESSAGE " (libyaml: %s)", problem);
	if (p->context)
		snprintf(where, sizeof(where), " (%s at line %d, column %d)",
		         p->context, (int)p->context_mark.line + 1,
		         (int)p->context_mark.column + 1);
	return fail_at(ld, (int)line + 1, (int)column + 1, NULL,
	               "YAML syntax error: %s%s", problem, where);
}

/* PyYAML, hence OmegaConf, refuses a tab anywhere but inside quoted and
 * block scalars and comments, where libyaml lets some through (after
 * "key:", inside a plain scalar). So we walk the text along the events:
 * between them (GAP: comments allowed), through plain scalars (PLAIN), and
 * over quoted and block scalars unchecked (SKIP). */
enum { TEXT_GAP, TEXT_PLAIN, TEXT_SKIP };

/* Length of the line break at p (as libyaml counts them), 0 if none. */
static size_t line_break(const unsigned char *p, size_t left)
{
	if (p[0] == '\r')
		return left > 1 && p[1] == '\n' ? 2 : 1;
	if (p[0] == '\n')
		return 1;
	if (left > 1 && p[0] == 0xC2 && p[1] == 0x85)
		return 2;
	if (left > 2 && p[0] == 0xE2 && p[1] == 0x80 &&
	    (p[2] == 0xA8 || p[2] == 0xA9))
		return 3;
	return 0;
}

static int follow_text(loader *ld, const yaml_mark_t *to, int mode)
{
	const unsigned char *text = (const unsigned char *)ld->text;

	while (ld->pos < ld->len &&
	       (ld->line < to->line ||
	        (ld->line == to->line && ld->column < to->column))) {
		size_t br = line_break(text + ld->pos, ld->len - ld->pos);

		if (br) {
			ld->pos += br;
			ld->line++;
			ld->column = 0;
			ld->in_comment = 0;
			continue;
		}
		if (text[ld->pos] == '#' && mode == TEXT_GAP)
			ld->in_comment = 1;
		if (text[ld->pos] == '\t' && mode != TEXT_SKIP &&
		    !ld->in_comment)
			return fail_at(ld, (int)ld->line + 1,
			               (int)ld->column + 1, NULL, TAB_MESSAGE);
		do
			ld->pos++;
		while (ld->pos < ld->len && (text[ld->pos] & 0xC0) == 0x80);
		ld->column++;
	}
	return 0;
}

static int follow_event(loader *ld, const yaml_event_t *ev)
{
	int mode = TEXT_GAP;

	if (!ld->has_tab)
		return 0;
	if (ev->type == YAML_SCALAR_EVENT)
		mode = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
		           ? TEXT_PLAIN
		           : TEXT_SKIP;
	if (follow_text(ld, &ev->start_mark, TEXT_GAP) < 0)
		return -1;
	return follow_text(ld, &ev->end_mark, mode);
}

static int on_event(loader *ld, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++ld->docs > 1)
			return fail_at(ld, (int)ev->start_mark.line + 1,
			               (int)ev->start_mark.column + 1, NULL,
			               "more than one YAML document in the "
			               "file (a config is one document)");
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(ld, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(ld, ev);
	case YAML_MAPPING_START_EVENT:
		return on_start(ld, ev, 1);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(ld, ev, 0);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		return on_end(ld);
	default:
		return 0;
	}
}

static int parse(loader *ld)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = -1, done = 0;

	if (!yaml_parser_initialize(&parser))
		return nomem(ld);
	yaml_parser_set_input_string(&parser, (const unsigned char *)ld->text,
	                             ld->len);
	ld->has_tab = memchr(ld->text, '\t', ld->len) != NULL;
	if (ld->len >= 3 && memcmp(ld->text, "\xEF\xBB\xBF", 3) == 0)
		ld->pos = 3; /* libyaml's marks start after a BOM */
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = syntax_error(ld, &parser);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = follow_event(ld, &ev);
		if (rc == 0)
			rc = on_event(ld, &ev);
		yaml_event_delete(&ev);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&parser);
	return rc;
}

/* OmegaConf reads an empty file, "null" or "~" as an empty config. */
static int check_root(loader *ld)
{
	ae_node *root = ld->root;

	if (root && root->type == AE_MAP)
		return 0;
	if (root && root->type != AE_NULL) {
		const char *what =
		    root->type == AE_SEQ ? "a sequence" : "a scalar";

		return fail_at(ld, root->line, root->column, NULL,
		               "config root must be a mapping, not %s", what);
	}
	ld->root = ae_node_new_map();
	if (!ld->root) {
		ld->root = root;
		return nomem(ld);
	}
	if (root)
		ae_node_copy_mark(ld->root, root);
	else
		ae_node_set_mark(ld->root, ld->src, 1, 1);
	ae_node_free(root);
	return 0;
}

ae_node *ae_yaml_load_string(const char *text, size_t len, const char *name,
                             const ae_yaml_limits *limits, ae_error *err)
{
	ae_yaml_limits defaults;
	loader ld;
	ae_node *out = NULL;
	size_t i, j;

	if (!limits) {
		ae_yaml_limits_default(&defaults);
		limits = &defaults;
	}
	memset(&ld, 0, sizeof(ld));
	ld.lim = limits;
	ld.text = text;
	ld.len = len;
	ld.err = err;
	ld.src = ae_src_new(name ? name : "<string>");
	ld.graveyard = ae_node_new_seq();
	if (!ld.src || !ld.graveyard) {
		ae_error_set(err, name, 0, 0, NULL, "out of memory");
		goto out;
	}
	if (len > limits->max_bytes) {
		ae_error_set(err, name, 0, 0, NULL,
		             "input is %zu bytes, over the limit of %zu bytes",
		             len, limits->max_bytes);
		goto out;
	}
	if (parse(&ld) < 0 || check_root(&ld) < 0)
		goto out;
	out = ld.root;
	ld.root = NULL;
out:
	for (i = ld.depth; i-- > 0;)
		frame_clear(&ld.frames[i]);
	free(ld.frames);
	for (j = 0; j < ld.nanchors; j++)
		free(ld.anchors[j].name);
	free(ld.anchors);
	free(ld.slots);
	ae_node_free(ld.graveyard);
	ae_node_free(ld.root);
	ae_src_unref(ld.src);
	return out;
}

/* Read at most max + 1 bytes so that an over-size stream is noticed
 * without reading all of it. */
static char *read_all(int fd, size_t max, size_t *len)
{
	size_t cap = 0, used = 0;
	char *buf = NULL;
	int saved;

	for (;;) {
		ssize_t n;

		if (used == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *p;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= used)
				break;
			p = realloc(buf, ncap);
			if (!p)
				goto fail;
			buf = p;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	*len = used;
	return buf ? buf : malloc(1);
fail:
	saved = errno;
	free(buf);
	errno = saved;
	return NULL;
}

ae_node *ae_yaml_load_file(const char *path, const ae_yaml_limits *limits,
                           ae_error *err)
{
	ae_yaml_limits defaults;
	ae_node *out = NULL;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int fd;

	if (!limits) {
		ae_yaml_limits_default(&defaults);
		limits = &defaults;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ae_error_set(err, path, 0, 0, NULL, "cannot open: %s",
		             strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		ae_error_set(err, path, 0, 0, NULL, "cannot stat: %s",
		             strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		ae_error_set(err, path, 0, 0, NULL,
		             "is a directory, not a YAML file");
		goto out;
	}
	if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > limits->max_bytes) {
		ae_error_set(err, path, 0, 0, NULL,
		             "file is %jd bytes, over the limit of %zu bytes",
		             (intmax_t)st.st_size, limits->max_bytes);
		goto out;
	}
	text = read_all(fd, limits->max_bytes, &len);
	if (!text) {
		ae_error_set(err, path, 0, 0, NULL, "cannot read: %s",
		             strerror(errno));
		goto out;
	}
	if (len > limits->max_bytes) {
		ae_error_set(err, path, 0, 0, NULL,
		             "file is over the limit of %zu bytes",
		             limits->max_bytes);
		goto out;
	}
	out = ae_yaml_load_string(text, len, path, limits, err);
out:
	free(text);
	close(fd);
	return out;
}
