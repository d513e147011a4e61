/* ae_node: the config tree.
 *
 * A tree of mappings (ordered keys), sequences and typed scalars, with the
 * value types of OmegaConf: null, bool, int, float, string. A string that
 * contains "${" is an interpolation; the tree keeps it as text and the
 * interpolation module gives it meaning. Every node remembers where it came
 * from (file, line, column) so errors can point at the source.
 *
 * Ownership: a node owns its children. ae_map_set() and ae_seq_append() take
 * ownership of the value they are given. Getters return borrowed pointers.
 */
#ifndef AE_NODE_H
#define AE_NODE_H

#include <stddef.h>

#include "ae_error.h"

typedef enum ae_type {
	AE_NULL = 0,
	AE_BOOL,
	AE_INT,
	AE_FLOAT,
	AE_STRING,
	AE_MAP,
	AE_SEQ,
} ae_type;

/* Node flags. */
enum {
	/* The scalar was quoted in its source (YAML '...' or "..."); it is a
	 * string whatever it looks like. Emitters use it to keep quoting. */
	AE_NODE_QUOTED = 1u << 0,
};

/* A source file name shared by all nodes loaded from it (refcounted). */
typedef struct ae_src {
	unsigned refs;
	char name[];
} ae_src;

/* Returns a new source with one reference, or NULL on allocation failure. */
ae_src *ae_src_new(const char *name);
ae_src *ae_src_ref(ae_src *src);
void ae_src_unref(ae_src *src);

typedef struct ae_node ae_node;

struct ae_node {
	ae_type type;
	unsigned flags;
	ae_node *parent; /* borrowed; NULL for a root */
	ae_src *src;     /* owned reference; NULL when made in code */
	int line;        /* 1-based; 0 when unknown */
	int column;      /* 1-based; 0 when unknown */
	union {
		int b;
		long long i;
		double f;
		struct {
			char *s; /* NUL-terminated, owned */
			size_t len;
		} str;
		struct {
			ae_node **items;
			size_t n, cap;
		} seq;
		struct {
			char **keys; /* owned */
			ae_node **vals;
			size_t n, cap;
			/* Hash index of keys (slot = position + 1, 0 = free),
			 * built once a map is big enough; NULL otherwise. */
			unsigned *index;
			size_t index_cap;
		} map;
	} u;
};

/* Constructors. Each returns a new node owned by the caller, or NULL when
 * memory runs out. */
ae_node *ae_node_new_null(void);
ae_node *ae_node_new_bool(int b);
ae_node *ae_node_new_int(long long i);
ae_node *ae_node_new_float(double f);
ae_node *ae_node_new_string(const char *s);
ae_node *ae_node_new_stringn(const char *s, size_t len);
ae_node *ae_node_new_map(void);
ae_node *ae_node_new_seq(void);

/* Free a node and its children. Safe on NULL. Does not unlink it from its
 * parent: detach first (ae_map_take, ae_seq_take) or free the parent. */
void ae_node_free(ae_node *node);

/* Deep copy, keeping flags and source marks; the copy has no parent. */
ae_node *ae_node_copy(const ae_node *node);

/* Record where a node came from (takes a new reference on src). */
void ae_node_set_mark(ae_node *node, ae_src *src, int line, int column);
/* Copy the mark of `from` onto `node`. */
void ae_node_copy_mark(ae_node *node, const ae_node *from);
const char *ae_node_file(const ae_node *node); /* "" when unknown */

/* Replace the scalar/contents of dst by those of src (src is consumed and
 * freed); dst keeps its place in its parent. */
void ae_node_replace(ae_node *dst, ae_node *src);

const char *ae_type_name(ae_type type);
int ae_node_is_scalar(const ae_node *node);
/* True for a string containing an unescaped-looking "${" (quick test). */
int ae_node_is_interpolation(const ae_node *node);
/* True for a string with a NUL byte inside (YAML "\0"): its C string is
 * shorter than its value. Whoever needs a C string (a pattern, a path, a
 * template) refuses it rather than cut it. */
int ae_node_has_nul(const ae_node *node);

/* Mappings. Keys are unique; order is insertion order. */
size_t ae_map_size(const ae_node *map);
const char *ae_map_key(const ae_node *map, size_t i);
ae_node *ae_map_value(const ae_node *map, size_t i);
ae_node *ae_map_get(const ae_node *map, const char *key);
/* Index of key or -1. */
long ae_map_index(const ae_node *map, const char *key);
/* Set key to val (ownership of val taken, also on failure). An existing
 * value is freed and val takes its position. Returns 0 or -1 (ENOMEM). */
int ae_map_set(ae_node *map, const char *key, ae_node *val);
/* Add key, which the caller knows is not in map yet (copying another
 * mapping, say), at the end: ae_map_set without the lookup. Ownership of val
 * taken, also on failure. Returns 0 or -1 (ENOMEM). */
int ae_map_append(ae_node *map, const char *key, ae_node *val);
/* Remove key and return its value detached (caller owns), or NULL. */
ae_node *ae_map_take(ae_node *map, const char *key);
/* Remove and free; returns 0 when removed, -1 when absent. */
int ae_map_remove(ae_node *map, const char *key);

/* Sequences. */
size_t ae_seq_size(const ae_node *seq);
ae_node *ae_seq_get(const ae_node *seq, size_t i);
/* Append (ownership of item taken, also on failure). Returns 0 or -1. */
int ae_seq_append(ae_node *seq, ae_node *item);
/* Detach item i and return it (caller owns), or NULL when out of range. */
ae_node *ae_seq_take(ae_node *seq, size_t i);

/* The key path of a node from its root, OmegaConf style: "a.b[0].c".
 * Written into buf (always NUL-terminated). Returns buf. */
char *ae_node_path(const ae_node *node, char *buf, size_t size);

/* Fill err from a node: file, line, column and key path of `node`. Returns -1.
 */
int ae_node_error(ae_error *err, const ae_node *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Structural equality of values (types and contents, not marks). */
int ae_node_equal(const ae_node *a, const ae_node *b);

#endif /* AE_NODE_H */
