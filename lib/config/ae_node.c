#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_node.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ae_src *ae_src_new(const char *name)
{
	size_t len = strlen(name);
	ae_src *src = malloc(sizeof(*src) + len + 1);

	if (!src)
		return NULL;
	src->refs = 1;
	memcpy(src->name, name, len + 1);
	return src;
}

ae_src *ae_src_ref(ae_src *src)
{
	if (src)
		src->refs++;
	return src;
}

void ae_src_unref(ae_src *src)
{
	if (src && --src->refs == 0)
		free(src);
}

static ae_node *node_alloc(ae_type type)
{
	ae_node *node = calloc(1, sizeof(*node));

	if (node)
		node->type = type;
	return node;
}

ae_node *ae_node_new_null(void)
{
	return node_alloc(AE_NULL);
}

ae_node *ae_node_new_bool(int b)
{
	ae_node *node = node_alloc(AE_BOOL);

	if (node)
		node->u.b = b ? 1 : 0;
	return node;
}

ae_node *ae_node_new_int(long long i)
{
	ae_node *node = node_alloc(AE_INT);

	if (node)
		node->u.i = i;
	return node;
}

ae_node *ae_node_new_float(double f)
{
	ae_node *node = node_alloc(AE_FLOAT);

	if (node)
		node->u.f = f;
	return node;
}

ae_node *ae_node_new_stringn(const char *s, size_t len)
{
	ae_node *node = node_alloc(AE_STRING);

	if (!node)
		return NULL;
	node->u.str.s = malloc(len + 1);
	if (!node->u.str.s) {
		free(node);
		return NULL;
	}
	memcpy(node->u.str.s, s, len);
	node->u.str.s[len] = '\0';
	node->u.str.len = len;
	return node;
}

ae_node *ae_node_new_string(const char *s)
{
	return ae_node_new_stringn(s, strlen(s));
}

ae_node *ae_node_new_map(void)
{
	return node_alloc(AE_MAP);
}

ae_node *ae_node_new_seq(void)
{
	return node_alloc(AE_SEQ);
}

static void node_clear(ae_node *node)
{
	size_t i;

	switch (node->type) {
	case AE_STRING:
		free(node->u.str.s);
		break;
	case AE_SEQ:
		for (i = 0; i < node->u.seq.n; i++)
			ae_node_free(node->u.seq.items[i]);
		free(node->u.seq.items);
		break;
	case AE_MAP:
		for (i = 0; i < node->u.map.n; i++) {
			free(node->u.map.keys[i]);
			ae_node_free(node->u.map.vals[i]);
		}
		free(node->u.map.keys);
		free(node->u.map.vals);
		free(node->u.map.index);
		break;
	default:
		break;
	}
	memset(&node->u, 0, sizeof(node->u));
}

void ae_node_free(ae_node *node)
{
	if (!node)
		return;
	node_clear(node);
	ae_src_unref(node->src);
	free(node);
}

ae_node *ae_node_copy(const ae_node *node)
{
	ae_node *copy = NULL;
	size_t i;

	switch (node->type) {
	case AE_NULL:
		copy = ae_node_new_null();
		break;
	case AE_BOOL:
		copy = ae_node_new_bool(node->u.b);
		break;
	case AE_INT:
		copy = ae_node_new_int(node->u.i);
		break;
	case AE_FLOAT:
		copy = ae_node_new_float(node->u.f);
		break;
	case AE_STRING:
		copy = ae_node_new_stringn(node->u.str.s, node->u.str.len);
		break;
	case AE_SEQ:
		copy = ae_node_new_seq();
		for (i = 0; copy && i < node->u.seq.n; i++) {
			ae_node *item = ae_node_copy(node->u.seq.items[i]);

			if (!item || ae_seq_append(copy, item) < 0) {
				ae_node_free(copy);
				return NULL;
			}
		}
		break;
	case AE_MAP:
		copy = ae_node_new_map();
		for (i = 0; copy && i < node->u.map.n; i++) {
			ae_node *val = ae_node_copy(node->u.map.vals[i]);

			if (!val ||
			    ae_map_set(copy, node->u.map.keys[i], val) < 0) {
				ae_node_free(copy);
				return NULL;
			}
		}
		break;
	}
	if (!copy)
		return NULL;
	copy->flags = node->flags;
	ae_node_copy_mark(copy, node);
	return copy;
}

void ae_node_set_mark(ae_node *node, ae_src *src, int line, int column)
{
	ae_src *old = node->src;

	node->src = ae_src_ref(src);
	ae_src_unref(old);
	node->line = line;
	node->column = column;
}

void ae_node_copy_mark(ae_node *node, const ae_node *from)
{
	ae_node_set_mark(node, from->src, from->line, from->column);
}

const char *ae_node_file(const ae_node *node)
{
	return node && node->src ? node->src->name : "";
}

static void reparent_children(ae_node *node)
{
	size_t i;

	if (node->type == AE_SEQ)
		for (i = 0; i < node->u.seq.n; i++)
			node->u.seq.items[i]->parent = node;
	else if (node->type == AE_MAP)
		for (i = 0; i < node->u.map.n; i++)
			node->u.map.vals[i]->parent = node;
}

void ae_node_replace(ae_node *dst, ae_node *src)
{
	node_clear(dst);
	dst->type = src->type;
	dst->flags = src->flags;
	dst->u = src->u;
	ae_node_copy_mark(dst, src);
	reparent_children(dst);
	memset(&src->u, 0, sizeof(src->u));
	src->type = AE_NULL;
	ae_node_free(src);
}

const char *ae_type_name(ae_type type)
{
	switch (type) {
	case AE_NULL:
		return "null";
	case AE_BOOL:
		return "bool";
	case AE_INT:
		return "int";
	case AE_FLOAT:
		return "float";
	case AE_STRING:
		return "string";
	case AE_MAP:
		return "mapping";
	case AE_SEQ:
		return "sequence";
	}
	return "?";
}

int ae_node_is_scalar(const ae_node *node)
{
	return node->type != AE_MAP && node->type != AE_SEQ;
}

int ae_node_is_interpolation(const ae_node *node)
{
	return node->type == AE_STRING && strstr(node->u.str.s, "${") != NULL;
}

int ae_node_has_nul(const ae_node *node)
{
	return node && node->type == AE_STRING &&
	       strlen(node->u.str.s) != node->u.str.len;
}

size_t ae_map_size(const ae_node *map)
{
	return map->type == AE_MAP ? map->u.map.n : 0;
}

const char *ae_map_key(const ae_node *map, size_t i)
{
	return i < ae_map_size(map) ? map->u.map.keys[i] : NULL;
}

ae_node *ae_map_value(const ae_node *map, size_t i)
{
	return i < ae_map_size(map) ? map->u.map.vals[i] : NULL;
}

/* Small maps are scanned; from this size on, keys are hashed, so that
 * building or looking up a 2 000-key mapping stays linear. */
#define MAP_INDEX_MIN 16

static size_t key_hash(const char *key)
{
	size_t h = 1469598103934665603ull; /* FNV-1a */

	while (*key)
		h = (h ^ (unsigned char)*key++) * 1099511628211ull;
	return h;
}

static void index_put(ae_node *map, size_t pos)
{
	size_t mask = map->u.map.index_cap - 1;
	size_t slot = key_hash(map->u.map.keys[pos]) & mask;

	while (map->u.map.index[slot])
		slot = (slot + 1) & mask;
	map->u.map.index[slot] = (unsigned)pos + 1;
}

/* (Re)build the index with room for twice the keys. On allocation failure
 * the map is left without an index: lookups fall back to scanning. */
static void index_build(ae_node *map)
{
	size_t cap = 32, i;

	while (cap < map->u.map.n * 2)
		cap *= 2;
	free(map->u.map.index);
	map->u.map.index = calloc(cap, sizeof(unsigned));
	map->u.map.index_cap = map->u.map.index ? cap : 0;
	for (i = 0; map->u.map.index && i < map->u.map.n; i++)
		index_put(map, i);
}

long ae_map_index(const ae_node *map, const char *key)
{
	size_t i, n = ae_map_size(map);

	if (n >= MAP_INDEX_MIN && !map->u.map.index)
		index_build((ae_node *)map); /* a cache: logically const */
	if (map->type == AE_MAP && map->u.map.index) {
		size_t mask = map->u.map.index_cap - 1;
		size_t slot = key_hash(key) & mask;
		unsigned pos;

		while ((pos = map->u.map.index[slot]) != 0) {
			if (strcmp(map->u.map.keys[pos - 1], key) == 0)
				return (long)pos - 1;
			slot = (slot + 1) & mask;
		}
		return -1;
	}
	for (i = 0; i < n; i++)
		if (strcmp(map->u.map.keys[i], key) == 0)
			return (long)i;
	return -1;
}

ae_node *ae_map_get(const ae_node *map, const char *key)
{
	long i = ae_map_index(map, key);

	return i < 0 ? NULL : map->u.map.vals[i];
}

int ae_map_set(ae_node *map, const char *key, ae_node *val)
{
	long i;

	if (!val)
		return -1;
	if (map->type != AE_MAP) {
		ae_node_free(val);
		return -1;
	}
	i = ae_map_index(map, key);
	if (i >= 0) {
		ae_node_free(map->u.map.vals[i]);
		map->u.map.vals[i] = val;
		val->parent = map;
		return 0;
	}
	return ae_map_append(map, key, val);
}

int ae_map_append(ae_node *map, const char *key, ae_node *val)
{
	char *kcopy;

	if (!val)
		return -1;
	if (map->type != AE_MAP) {
		ae_node_free(val);
		return -1;
	}
	if (map->u.map.n == map->u.map.cap) {
		size_t cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
		char **keys = realloc(map->u.map.keys, cap * sizeof(*keys));
		ae_node **vals;

		if (!keys)
			goto fail;
		map->u.map.keys = keys;
		vals = realloc(map->u.map.vals, cap * sizeof(*vals));
		if (!vals)
			goto fail;
		map->u.map.vals = vals;
		map->u.map.cap = cap;
	}
	kcopy = strdup(key);
	if (!kcopy)
		goto fail;
	map->u.map.keys[map->u.map.n] = kcopy;
	map->u.map.vals[map->u.map.n] = val;
	map->u.map.n++;
	val->parent = map;
	if (map->u.map.index) {
		if (map->u.map.n * 2 > map->u.map.index_cap)
			index_build(map);
		else
			index_put(map, map->u.map.n - 1);
	}
	return 0;
fail:
	ae_node_free(val);
	return -1;
}

ae_node *ae_map_take(ae_node *map, const char *key)
{
	long i = ae_map_index(map, key);
	ae_node *val;
	size_t rest;

	if (i < 0)
		return NULL;
	val = map->u.map.vals[i];
	free(map->u.map.keys[i]);
	rest = map->u.map.n - (size_t)i - 1;
	memmove(&map->u.map.keys[i], &map->u.map.keys[i + 1],
	        rest * sizeof(char *));
	memmove(&map->u.map.vals[i], &map->u.map.vals[i + 1],
	        rest * sizeof(ae_node *));
	map->u.map.n--;
	val->parent = NULL;
	/* positions moved: the index is rebuilt on the next lookup */
	free(map->u.map.index);
	map->u.map.index = NULL;
	map->u.map.index_cap = 0;
	return val;
}

int ae_map_remove(ae_node *map, const char *key)
{
	ae_node *val = ae_map_take(map, key);

	if (!val)
		return -1;
	ae_node_free(val);
	return 0;
}

size_t ae_seq_size(const ae_node *seq)
{
	return seq->type == AE_SEQ ? seq->u.seq.n : 0;
}

ae_node *ae_seq_get(const ae_node *seq, size_t i)
{
	return i < ae_seq_size(seq) ? seq->u.seq.items[i] : NULL;
}

int ae_seq_append(ae_node *seq, ae_node *item)
{
	if (!item)
		return -1;
	if (seq->type != AE_SEQ)
		goto fail;
	if (seq->u.seq.n == seq->u.seq.cap) {
		size_t cap = seq->u.seq.cap ? seq->u.seq.cap * 2 : 4;
		ae_node **items =
		    realloc(seq->u.seq.items, cap * sizeof(*items));

		if (!items)
			goto fail;
		seq->u.seq.items = items;
		seq->u.seq.cap = cap;
	}
	seq->u.seq.items[seq->u.seq.n++] = item;
	item->parent = seq;
	return 0;
fail:
	ae_node_free(item);
	return -1;
}

ae_node *ae_seq_take(ae_node *seq, size_t i)
{
	ae_node *item;

	if (i >= ae_seq_size(seq))
		return NULL;
	item = seq->u.seq.items[i];
	memmove(&seq->u.seq.items[i], &seq->u.seq.items[i + 1],
	        (seq->u.seq.n - i - 1) * sizeof(ae_node *));
	seq->u.seq.n--;
	item->parent = NULL;
	return item;
}

/* Write the path of node into buf ending at *pos (built right to left). */
char *ae_node_path(const ae_node *node, char *buf, size_t size)
{
	const char *parts[256];
	char idx[256][24];
	int isidx[256];
	int depth = 0, d;
	size_t used = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	while (node && node->parent && depth < 256) {
		const ae_node *p = node->parent;
		size_t i;

		isidx[depth] = 0;
		parts[depth] = "?";
		if (p->type == AE_MAP) {
			for (i = 0; i < p->u.map.n; i++)
				if (p->u.map.vals[i] == node)
					parts[depth] = p->u.map.keys[i];
		} else if (p->type == AE_SEQ) {
			for (i = 0; i < p->u.seq.n; i++)
				if (p->u.seq.items[i] == node)
					break;
			snprintf(idx[depth], sizeof(idx[depth]), "[%zu]", i);
			parts[depth] = idx[depth];
			isidx[depth] = 1;
		}
		depth++;
		node = p;
	}
	for (d = depth - 1; d >= 0 && used + 1 < size; d--) {
		int n = snprintf(buf + used, size - used, "%s%s",
		                 (used > 0 && !isidx[d]) ? "." : "", parts[d]);

		if (n < 0)
			break;
		used += (size_t)n;
		if (used >= size) {
			buf[size - 1] = '\0';
			break;
		}
	}
	return buf;
}

int ae_node_error(ae_error *err, const ae_node *node, const char *fmt, ...)
{
	char path[AE_ERROR_PATH_LEN];
	va_list ap;

	if (!err)
		return -1;
	ae_node_path(node, path, sizeof(path));
	ae_error_set(err, ae_node_file(node), node->line, node->column, path,
	             "%s", "");
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -1;
}

int ae_node_equal(const ae_node *a, const ae_node *b)
{
	size_t i;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case AE_NULL:
		return 1;
	case AE_BOOL:
		return a->u.b == b->u.b;
	case AE_INT:
		return a->u.i == b->u.i;
	case AE_FLOAT:
		return a->u.f == b->u.f ||
		       (a->u.f != a->u.f && b->u.f != b->u.f);
	case AE_STRING:
		return a->u.str.len == b->u.str.len &&
		       memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case AE_SEQ:
		if (a->u.seq.n != b->u.seq.n)
			return 0;
		for (i = 0; i < a->u.seq.n; i++)
			if (!ae_node_equal(a->u.seq.items[i],
			                   b->u.seq.items[i]))
				return 0;
		return 1;
	case AE_MAP:
		if (a->u.map.n != b->u.map.n)
			return 0;
		for (i = 0; i < a->u.map.n; i++) {
			const ae_node *bv = ae_map_get(b, a->u.map.keys[i]);

			if (!bv || !ae_node_equal(a->u.map.vals[i], bv))
				return 0;
		}
		return 1;
	}
	return 0;
}
