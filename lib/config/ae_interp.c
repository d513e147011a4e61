#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_interp.h"
#include "ae_strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ae_interp_parse.h"
#include "ae_resolvers.h"
#include "ae_yaml.h"

/* How resolution works.
 *
 * The input tree is never modified. Each string holding "${" is resolved
 * at most once per resolution; its result is kept in a memo keyed by the
 * node (with an in-progress mark that detects cycles). A result is either
 * a value of its own ("own": resolver results, strings built by string
 * interpolation) or a node of the tree ("ref": what ${a.b} points to),
 * which is resolved lazily: like OmegaConf, "x ${d}" shows d as written
 * (str() of the DictConfig) without resolving inside d, and only a
 * whole-value use copies d with its interpolations resolved. Containers made
 * by oc.create are kept in the context and treated as tree nodes placed
 * where the interpolation is (their relative keys start there).
 *
 * Budgets. Memoizing bounds the work per string, not the size of what is
 * made: ten references to a string of ten references to ... grow tenfold
 * per level (515 bytes of YAML gave 111 MB). So everything interpolations
 * create is counted against the budgets of ae_resolve_opts (charge): the
 * strings eval_text builds, checked against max_string while they grow,
 * every copy materialize makes (c->expanding marks resolved_copy's walk
 * below a reference), resolver results, oc.create's YAML and oc.decode's
 * containers. The top-level walk copying the config's own values is not
 * counted: it is bounded by the input.
 *
 * Intentional differences from OmegaConf 2.2 (for docs/config.md; the
 * differential tests leave these out):
 *  - "$${" is an escape: "x_$${oc.timestring:}" gives "x_${oc.timestring:}"
 *    (OmegaConf: "x_$" + timestamp). Also inside quoted resolver arguments;
 *    not in unquoted arguments, where OmegaConf has no "\${" escape either.
 *    An escaped interpolation survives one resolution and is resolved by
 *    the next.
 *  - oc.eval is refused (it evaluates Python code).
 *  - Integers are 64-bit: oc.muli/oc.addi/... overflowing that is an error
 *    where Python would give a big integer.
 *  - Mapping keys are strings: a resolver argument {1: a} has key "1".
 *  - Resolver arguments that are containers are passed resolved, so
 *    str() of oc.if/oc.dict.values results inside a string interpolation
 *    shows resolved values where OmegaConf would show the interpolations.
 *  - Mutually recursive mappings (a: {b: ${c}}, c: {d: ${a}}) are a
 *    "recursive interpolation" error (OmegaConf: RecursionError).
 */

enum { ST_NONE = 0, ST_BUSY, ST_DONE };

typedef struct ival {
	ae_node *own;       /* a value; NULL when ref is used */
	const ae_node *ref; /* a tree node, resolved lazily */
	int config;         /* own is a DictConfig/ListConfig (ae_rval) */
	int deferred;       /* depends on oc.env under defer_env */
	int borrowed;       /* own belongs to the memo */
} ival;

typedef struct memo_ent {
	const ae_node *key;
	int state;
	ival val;
} memo_ent;

/* Large mappings get a hash index so lookups stay O(1). */
typedef struct map_index {
	const ae_node *map;
	size_t n;    /* entries indexed (the map may not change meanwhile) */
	long *slots; /* -1 empty, else key index */
	size_t nslots;
} map_index;

typedef struct ctx {
	const ae_node *root;
	ae_resolve_opts opts;
	char timestring[32];
	ae_error *err;
	memo_ent *memo;
	size_t memo_n, memo_cap;
	const ae_node **stack; /* strings being resolved, for cycle messages */
	size_t nstack, capstack;
	ae_node **fresh; /* oc.create results, owned */
	const ae_node **fresh_site;
	size_t nfresh, capfresh;
	map_index *idx;
	size_t nidx, capidx;
	int depth;
	/* the budgets (defaults applied), what has been made so far, and
	 * whether resolved_copy is copying what a reference points to (then
	 * for the interpolation expand_site) */
	size_t max_bytes, max_string, max_nodes;
	size_t used_bytes, used_nodes;
	int expanding;
	const ae_node *expand_site;
} ctx;

#define MAX_DEPTH 200
#define INDEX_MIN 16

static int eval_text(ctx *c, const ae_ip_text *t, const ae_node *site,
                     ival *out);
static int eval_interp(ctx *c, const ae_ip_interp *ip, const ae_node *site,
                       ival *out);
static int eval_elem(ctx *c, const ae_ip_elem *e, const ae_node *site,
                     ival *out);
static int resolve_string(ctx *c, const ae_node *n, ival *out);
static ae_node *resolved_copy(ctx *c, const ae_node *n);

static void ival_free(ival *v)
{
	if (!v->borrowed)
		ae_node_free(v->own);
	memset(v, 0, sizeof(*v));
}

static int is_container(const ae_node *n)
{
	return n->type == AE_MAP || n->type == AE_SEQ;
}

static int is_missing(const ae_node *n)
{
	return n->type == AE_STRING && strcmp(n->u.str.s, "???") == 0;
}

static const ae_node *parent_of(const ctx *c, const ae_node *n)
{
	return n == c->root ? NULL : n->parent;
}

/* ---- errors ---- */

/* Nodes inside an oc.create result are reported at the interpolation that
 * made them: they have no place in any file. */
static const ae_node *err_site(const ctx *c, const ae_node *n)
{
	const ae_node *p;
	size_t i;

	for (p = n; p; p = p->parent)
		for (i = 0; i < c->nfresh; i++)
			if (c->fresh[i] == p)
				return err_site(c, c->fresh_site[i]);
	return n;
}

static int fail(ctx *c, const ae_node *site, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(ctx *c, const ae_node *site, const char *fmt, ...)
{
	char msg[AE_ERROR_TEXT_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ae_node_error(c->err, err_site(c, site), "%s", msg);
	return -1;
}

static int oom(ctx *c, const ae_node *site)
{
	return fail(c, site, "out of memory");
}

/* ---- budgets ---- */

#define EXPANDS                                                                \
	"(the config expands without bound? references to values that "        \
	"repeat references multiply at each level)"

static const char *size_text(size_t n, char *buf, size_t size)
{
	if (n && n % ((size_t)1 << 20) == 0)
		snprintf(buf, size, "%zu MiB", n >> 20);
	else if (n && n % 1024 == 0)
		snprintf(buf, size, "%zu KiB", n >> 10);
	else
		snprintf(buf, size, "%zu bytes", n);
	return buf;
}

/* A string being built at site has reached len bytes. */
static int check_string(ctx *c, const ae_node *site, size_t len)
{
	char lim[32];

	if (len <= c->max_string)
		return 0;
	return fail(c, site,
	            "interpolation result exceeds %s, the limit for one "
	            "string " EXPANDS,
	            size_text(c->max_string, lim, sizeof(lim)));
}

/* Count what was made for the interpolation at site. */
static int charge(ctx *c, const ae_node *site, size_t nodes, size_t bytes)
{
	char lim[32];

	c->used_nodes += nodes;
	c->used_bytes += bytes;
	if (c->used_bytes > c->max_bytes)
		return fail(c, site,
		            "interpolation results exceed %s in total, the "
		            "limit of one resolution " EXPANDS,
		            size_text(c->max_bytes, lim, sizeof(lim)));
	if (c->used_nodes > c->max_nodes)
		return fail(c, site,
		            "interpolation results exceed %zu nodes in total, "
		            "the limit of one resolution " EXPANDS,
		            c->max_nodes);
	return 0;
}

static void tree_size(const ae_node *n, size_t *nodes, size_t *bytes)
{
	size_t i;

	++*nodes;
	if (n->type == AE_STRING)
		*bytes += n->u.str.len;
	else if (n->type == AE_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			tree_size(n->u.seq.items[i], nodes, bytes);
	else if (n->type == AE_MAP)
		for (i = 0; i < n->u.map.n; i++) {
			*bytes += strlen(n->u.map.keys[i]);
			tree_size(n->u.map.vals[i], nodes, bytes);
		}
}

/* Count a whole new tree made for the interpolation at site. */
static int charge_tree(ctx *c, const ae_node *site, const ae_node *n)
{
	size_t nodes = 0, bytes = 0;

	tree_size(n, &nodes, &bytes);
	return charge(c, site, nodes, bytes);
}

/* ---- memo ---- */

static size_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static memo_ent *memo_find(ctx *c, const ae_node *n)
{
	size_t i;

	if (!c->memo_cap)
		return NULL;
	for (i = ptr_hash(n) & (c->memo_cap - 1);;
	     i = (i + 1) & (c->memo_cap - 1)) {
		if (c->memo[i].key == n)
			return &c->memo[i];
		if (!c->memo[i].key)
			return NULL;
	}
}

static memo_ent *memo_add(ctx *c, const ae_node *n)
{
	size_t i;

	if ((c->memo_n + 1) * 2 > c->memo_cap) {
		size_t cap = c->memo_cap ? c->memo_cap * 2 : 64, k;
		memo_ent *old = c->memo, *nm = calloc(cap, sizeof(*nm));

		if (!nm)
			return NULL;
		for (k = 0; k < c->memo_cap; k++) {
			if (!old[k].key)
				continue;
			for (i = ptr_hash(old[k].key) & (cap - 1); nm[i].key;
			     i = (i + 1) & (cap - 1))
				;
			nm[i] = old[k];
		}
		free(old);
		c->memo = nm;
		c->memo_cap = cap;
	}
	for (i = ptr_hash(n) & (c->memo_cap - 1); c->memo[i].key;
	     i = (i + 1) & (c->memo_cap - 1))
		;
	c->memo[i].key = n;
	c->memo_n++;
	return &c->memo[i];
}

/* ---- mapping lookups ---- */

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static const map_index *index_for(ctx *c, const ae_node *map)
{
	map_index *mi;
	size_t i, k, n = map->u.map.n;

	for (i = 0; i < c->nidx; i++)
		if (c->idx[i].map == map && c->idx[i].n == n)
			return &c->idx[i];
	if (c->nidx == c->capidx) {
		size_t cap = c->capidx ? c->capidx * 2 : 8;
		map_index *ni = realloc(c->idx, cap * sizeof(*ni));

		if (!ni)
			return NULL;
		c->idx = ni;
		c->capidx = cap;
	}
	mi = &c->idx[c->nidx];
	mi->map = map;
	mi->n = n;
	for (mi->nslots = 16; mi->nslots < n * 2; mi->nslots *= 2)
		;
	mi->slots = malloc(mi->nslots * sizeof(*mi->slots));
	if (!mi->slots)
		return NULL;
	for (i = 0; i < mi->nslots; i++)
		mi->slots[i] = -1;
	for (k = 0; k < n; k++) {
		for (i = str_hash(map->u.map.keys[k]) & (mi->nslots - 1);
		     mi->slots[i] >= 0; i = (i + 1) & (mi->nslots - 1))
			;
		mi->slots[i] = (long)k;
	}
	c->nidx++;
	return mi;
}

static const ae_node *map_lookup(ctx *c, const ae_node *map, const char *key)
{
	const map_index *mi;
	size_t i;

	if (map->u.map.n < INDEX_MIN || !(mi = index_for(c, map)))
		return ae_map_get(map, key);
	for (i = str_hash(key) & (mi->nslots - 1); mi->slots[i] >= 0;
	     i = (i + 1) & (mi->nslots - 1))
		if (!strcmp(map->u.map.keys[mi->slots[i]], key))
			return map->u.map.vals[mi->slots[i]];
	return NULL;
}

/* ---- values ---- */

/* Python str() of a value, appended to b. */
static int ival_str(ctx *c, const ival *v, ae_strbuf *b, const ae_node *site)
{
	const ae_node *n = v->own ? v->own : v->ref;
	char *s;

	if (n->type == AE_STRING) {
		ae_strbuf_add(b, n->u.str.s, n->u.str.len);
		return 0;
	}
	s = ae_py_str(n);
	if (!s)
		return oom(c, site);
	ae_strbuf_add(b, s, strlen(s));
	free(s);
	return 0;
}

/* The value as a new node with everything resolved (caller owns), counted
 * against the budgets at site. NULL: out of memory, or err set. */
static ae_node *materialize(ctx *c, const ival *v, const ae_node *site)
{
	const ae_node *outer = c->expand_site;
	ae_node *copy;

	if (v->ref) {
		c->expanding++;
		c->expand_site = site;
		copy = resolved_copy(c, v->ref);
		c->expand_site = outer;
		c->expanding--;
		return copy;
	}
	copy = ae_node_copy(v->own);
	if (copy && charge_tree(c, site, copy) < 0) {
		ae_node_free(copy);
		return NULL;
	}
	return copy;
}

/* Store v as the result: own values are copied out of the memo. */
static int ival_take(ctx *c, ival *v, const ae_node *site)
{
	if (v->borrowed && v->own) {
		v->own = ae_node_copy(v->own);
		v->borrowed = 0;
		if (!v->own)
			return oom(c, site);
		if (charge_tree(c, site, v->own) < 0) {
			ae_node_free(v->own);
			v->own = NULL;
			return -1;
		}
	}
	v->borrowed = 0;
	return 0;
}

static int is_config(const ival *v)
{
	return v->ref ? is_container(v->ref) : v->config;
}

/* ---- key paths ---- */

/* OmegaConf's split_key: "a.b[0].c" -> a, b, 0, c (leading dots are
 * handled by the caller). The parts are written NUL-separated into buf
 * (at least strlen(key) + 1 bytes). Returns the number of parts or -1. */
static int split_key(const char *key, char *buf, char **parts, size_t max)
{
	const char *p = key;
	size_t n = 0, len;

	if (!*p)
		return 0;
	if (*p != '[') {
		len = strcspn(p, ".[");
		goto part;
	}
	for (;;) {
		if (*p == '.') {
			p++;
			len = strcspn(p, ".[");
		} else if (*p == '[') {
			const char *end = strchr(++p, ']');

			if (!end)
				return -1;
			len = (size_t)(end - p);
		} else {
			return -1;
		}
	part:
		if (n == max)
			return -1;
		memcpy(buf, p, len);
		buf[len] = '\0';
		parts[n++] = buf;
		buf += len + 1;
		p += len;
		if (*p == ']')
			p++;
		if (!*p)
			return (int)n;
	}
}

enum { SEL_THROW, SEL_SELECT };

/* The child `part` of a container: 1 found, 0 absent, -1 error. */
static int child(ctx *c, const ae_node *cont, const char *part,
                 const ae_node *site, const char *key, const ae_node **out)
{
	char *end;
	long long i;

	*out = NULL;
	if (cont->type == AE_MAP) {
		*out = map_lookup(c, cont, part);
		return *out != NULL;
	}
	i = strtoll(part, &end, 10);
	if (!*part || *end)
		return fail(c, site,
		            "error accessing %s: index '%s' of a "
		            "sequence is not an int",
		            key, part);
	if (i < 0 || (size_t)i >= cont->u.seq.n)
		return 0;
	*out = cont->u.seq.items[i];
	return 1;
}

/* The node or value at `key` (OmegaConf key syntax, relative when it
 * starts with a dot) seen from the interpolation at `site`. Returns 1 with
 * *out set, 0 when absent (and, in SEL_SELECT mode, when missing or below a
 * non-container, which oc.select treats as absent), -1 on error. */
static int select_key(ctx *c, const ae_node *site, const char *key, int mode,
                      ival *out)
{
	char *copy = NULL, *parts[128];
	const ae_node *cont, *next;
	const char *k = key;
	int n, i, rc = -1;
	ival v = {0};

	memset(out, 0, sizeof(*out));
	if (*k == '.') {
		cont = parent_of(c, site);
		for (k++; *k == '.'; k++) {
			cont = cont ? parent_of(c, cont) : NULL;
			if (!cont)
				return fail(c, site,
				            "error resolving key '%s': "
				            "it goes above the root",
				            key);
		}
	} else {
		cont = c->root;
	}
	if (!cont)
		cont = c->root;
	copy = malloc(strlen(k) + 1);
	if (!copy)
		return oom(c, site);
	n = split_key(k, copy, parts, sizeof(parts) / sizeof(parts[0]));
	if (n < 0) {
		fail(c, site, "invalid key '%s'", key);
		goto out;
	}
	if (n == 0) {
		out->ref = cont;
		rc = 1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		int last = i == n - 1;

		if (!is_container(cont)) {
			if (mode == SEL_SELECT) {
				rc = 0;
				goto out;
			}
			fail(c, site,
			     "error accessing %s: '%s' is not a "
			     "container and cannot contain '%s'",
			     key, i ? parts[i - 1] : "", parts[i]);
			goto out;
		}
		rc = child(c, cont, parts[i], site, key, &next);
		if (rc <= 0)
			goto out;
		rc = -1;
		if (is_missing(next)) {
			if (mode == SEL_SELECT) {
				rc = 0;
				goto out;
			}
			fail(c, site,
			     "interpolation to a missing value (\"???\"): "
			     "%s",
			     key);
			goto out;
		}
		if (ae_node_is_interpolation(next)) {
			if (resolve_string(c, next, &v) < 0)
				goto out;
			if (v.deferred || last) {
				*out = v;
				rc = 1;
				goto out;
			}
			next = v.own ? v.own : v.ref;
			memset(&v, 0, sizeof(v));
		} else if (last) {
			out->ref = next;
			rc = 1;
			goto out;
		}
		cont = next;
	}
out:
	free(copy);
	return rc;
}

/* The key (or resolver name) of an interpolation: literal parts and
 * nested interpolations, which must give strings. Returns a malloc'ed
 * string, or NULL (error set, or *deferred set). */
static char *build_key(ctx *c, const ae_ip_text *t, const ae_node *site,
                       int *deferred)
{
	ae_strbuf b = {0};
	size_t i;

	*deferred = 0;
	for (i = 0; i < t->n; i++) {
		const ae_ip_piece *pc = &t->pieces[i];
		ival v;
		const ae_node *n;

		if (!pc->interp) {
			ae_strbuf_add(&b, pc->lit, pc->len);
			continue;
		}
		if (eval_interp(c, pc->interp, site, &v) < 0)
			goto fail;
		if (v.deferred) {
			ival_free(&v);
			*deferred = 1;
			goto fail;
		}
		n = v.own ? v.own : v.ref;
		if (n->type != AE_STRING) {
			fail(c, site,
			     "the interpolation %s is used as a key "
			     "or resolver name and must give a string, not "
			     "%s",
			     pc->interp->src, ae_type_name(n->type));
			ival_free(&v);
			goto fail;
		}
		ae_strbuf_add(&b, n->u.str.s, n->u.str.len);
		ival_free(&v);
		if (check_string(c, site, b.len) < 0)
			goto fail;
	}
	ae_strbuf_add(&b, "", 0);
	if (b.oom) {
		oom(c, site);
		goto fail;
	}
	return b.s;
fail:
	free(b.s);
	return NULL;
}

/* Is `target` the container holding `site`, or above it? */
static int is_ancestor(const ctx *c, const ae_node *target, const ae_node *site)
{
	const ae_node *p;

	for (p = parent_of(c, site); p; p = parent_of(c, p))
		if (p == target)
			return 1;
	return 0;
}

static int eval_node_interp(ctx *c, const ae_ip_interp *ip, const ae_node *site,
                            ival *out)
{
	int deferred, rc;
	char *key = build_key(c, &ip->key, site, &deferred);

	memset(out, 0, sizeof(*out));
	if (!key) {
		out->deferred = deferred;
		return deferred ? 0 : -1;
	}
	rc = select_key(c, site, key, SEL_THROW, out);
	if (rc == 0)
		fail(c, site, "interpolation key '%s' not found", key);
	else if (rc > 0 && out->ref && is_ancestor(c, out->ref, site)) {
		fail(c, site,
		     "interpolation %s refers to a node that "
		     "contains it",
		     ip->src);
		rc = -1;
	}
	free(key);
	return rc < 0 || rc == 0 ? -1 : 0;
}

/* ---- resolvers needing the tree ---- */

static int need_string(ctx *c, const ae_node *site, const char *name,
                       const ival *v, const char **s)
{
	const ae_node *n = v->own ? v->own : v->ref;

	if (n->type != AE_STRING)
		return fail(c, site, "%s requires a string as input, not %s",
		            name, ae_type_name(n->type));
	*s = n->u.str.s;
	return 0;
}

static int r_select(ctx *c, const ae_node *site, ival *args, size_t n,
                    ival *out)
{
	const char *key = NULL;
	int rc;

	if (need_string(c, site, "oc.select", &args[0], &key) < 0)
		return -1;
	rc = select_key(c, site, key, SEL_SELECT, out);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (n > 1) {
		*out = args[1];
		memset(&args[1], 0, sizeof(args[1]));
		return 0;
	}
	if (charge(c, site, 1, 0) < 0)
		return -1;
	out->own = ae_node_new_null();
	return out->own ? 0 : oom(c, site);
}

static int r_dict(ctx *c, const ae_node *site, const char *name, ival *args,
                  ival *out)
{
	const ae_node *map;
	const char *key = NULL;
	ae_node *list = NULL;
	ival v = {0};
	int values = !strcmp(name, "oc.dict.values"), rc;
	size_t i;

	if (need_string(c, site, name, &args[0], &key) < 0)
		return -1;
	rc = select_key(c, site, key, SEL_THROW, &v);
	if (rc == 0)
		return fail(c, site, "%s: key not found: '%s'", name, key);
	if (rc < 0)
		return -1;
	if (v.deferred) {
		*out = v;
		return 0;
	}
	map = v.own ? v.own : v.ref;
	if (map->type != AE_MAP) {
		fail(c, site, "%s cannot be applied to %s", name,
		     ae_type_name(map->type));
		goto fail;
	}
	list = ae_node_new_seq();
	if (!list)
		goto nomem;
	if (charge(c, site, 1, 0) < 0)
		goto fail;
	for (i = 0; i < map->u.map.n; i++) {
		ae_node *item;

		if (!values) {
			item = ae_node_new_string(map->u.map.keys[i]);
			if (charge(c, site, 1, strlen(map->u.map.keys[i])) <
			    0) {
				ae_node_free(item);
				goto fail;
			}
		} else if (is_missing(map->u.map.vals[i])) {
			fail(c, site,
			     "%s: interpolation to a missing value "
			     "(\"???\"): %s.%s",
			     name, key, map->u.map.keys[i]);
			goto fail;
		} else {
			const ae_node *outer = c->expand_site;

			c->expanding++;
			c->expand_site = site;
			item = resolved_copy(c, map->u.map.vals[i]);
			c->expand_site = outer;
			c->expanding--;
			if (!item)
				goto fail;
		}
		if (ae_seq_append(list, item) < 0)
			goto nomem;
	}
	ival_free(&v);
	out->own = list;
	out->config = 1;
	return 0;
nomem:
	oom(c, site);
fail:
	ae_node_free(list);
	ival_free(&v);
	return -1;
}

static int r_decode(ctx *c, const ae_node *site, ival *args, ival *out)
{
	const ae_node *n = args[0].own ? args[0].own : args[0].ref;
	char msg[512];
	ae_ip_tree *tree;
	int rc;

	if (n->type == AE_NULL) {
		if (charge(c, site, 1, 0) < 0)
			return -1;
		out->own = ae_node_new_null();
		return out->own ? 0 : oom(c, site);
	}
	if (n->type != AE_STRING)
		return fail(c, site,
		            "oc.decode can only take strings or "
		            "null as input, not %s",
		            ae_type_name(n->type));
	tree = ae_ip_parse_element(n->u.str.s, n->u.str.len, msg, sizeof(msg));
	if (!tree)
		return fail(c, site, "oc.decode: %s", msg);
	rc = eval_elem(c, ae_ip_tree_elem(tree), site, out);
	if (rc == 0)
		rc = ival_take(c, out, site);
	ae_ip_tree_free(tree);
	return rc;
}

/* Any YAML document: ae_yaml only takes mappings at the root (config
 * files), so the text is loaded as the value of a key. */
static ae_node *load_yaml_value(const char *text, size_t len,
                                const ae_yaml_limits *lim, ae_error *err)
{
	ae_strbuf b = {0};
	ae_node *doc, *val = NULL;
	size_t i, start = 0;

	ae_error_clear(err);
	ae_strbuf_add(&b, "_:\n", 3);
	for (i = 0; i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		ae_strbuf_add(&b, "  ", 2);
		ae_strbuf_add(&b, text + start, i - start);
		ae_strbuf_add(&b, "\n", 1);
		start = i + 1;
	}
	if (b.oom) {
		free(b.s);
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	doc = ae_yaml_load_string(b.s, b.len, "<oc.create>", lim, err);
	free(b.s);
	if (doc)
		val = ae_map_take(doc, "_");
	ae_node_free(doc);
	if (doc && !val)
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return val;
}

static int r_create(ctx *c, const ae_node *site, ival *args, ival *out)
{
	const ae_node *n = args[0].own ? args[0].own : args[0].ref;
	ae_node *tree = NULL;
	ae_yaml_limits lim;
	ae_error yerr;

	if (n->type == AE_NULL) {
		if (charge(c, site, 1, 0) < 0)
			return -1;
		out->own = ae_node_new_null();
		return out->own ? 0 : oom(c, site);
	}
	if (n->type == AE_STRING) {
		/* OmegaConf.create(str): YAML text; empty or null is {}, a
		 * bare string s is the mapping {s: null}. The loader stops at
		 * the resolution's budgets (its aliases could expand), before
		 * charge does. */
		ae_yaml_limits_default(&lim);
		if (lim.max_nodes > c->max_nodes)
			lim.max_nodes = c->max_nodes;
		if (lim.max_alias_bytes > c->max_bytes)
			lim.max_alias_bytes = c->max_bytes;
		tree = load_yaml_value(n->u.str.s, n->u.str.len, &lim, &yerr);
		if (!tree)
			return fail(c, site, "oc.create: %s", yerr.text);
		if (tree->type == AE_NULL) {
			ae_node_free(tree);
			tree = ae_node_new_map();
			if (!tree)
				return oom(c, site);
		} else if (tree->type == AE_STRING) {
			ae_node *m = ae_node_new_map();

			if (!m || ae_map_set(m, tree->u.str.s,
			                     ae_node_new_null()) < 0) {
				ae_node_free(m);
				ae_node_free(tree);
				return oom(c, site);
			}
			ae_node_free(tree);
			tree = m;
		}
	} else if (is_container(n)) {
		tree = ae_node_copy(n);
		if (!tree)
			return oom(c, site);
	}
	if (!tree || !is_container(tree)) {
		ae_type t = tree ? tree->type : n->type;

		ae_node_free(tree);
		return fail(c, site,
		            "oc.create: object of unsupported type: "
		            "%s",
		            ae_type_name(t));
	}
	if (charge_tree(c, site, tree) < 0) {
		ae_node_free(tree);
		return -1;
	}
	if (c->nfresh == c->capfresh) {
		size_t cap = c->capfresh ? c->capfresh * 2 : 8;
		ae_node **f = realloc(c->fresh, cap * sizeof(*f));
		const ae_node **s;

		if (!f)
			goto nomem;
		c->fresh = f;
		s = realloc(c->fresh_site, cap * sizeof(*s));
		if (!s)
			goto nomem;
		c->fresh_site = s;
		c->capfresh = cap;
	}
	/* A borrowed link up, not down: relative keys inside the new config
	 * start where the interpolation is, as with OmegaConf's parent=. */
	tree->parent = (ae_node *)parent_of(c, site);
	c->fresh[c->nfresh] = tree;
	c->fresh_site[c->nfresh++] = site;
	out->ref = tree;
	return 0;
nomem:
	ae_node_free(tree);
	return oom(c, site);
}

static int call_tree_resolver(ctx *c, const ae_node *site, const char *name,
                              ival *args, size_t n, ival *out)
{
	if (!strcmp(name, "oc.select"))
		return r_select(c, site, args, n, out);
	if (!strcmp(name, "oc.decode"))
		return r_decode(c, site, args, out);
	if (!strcmp(name, "oc.create"))
		return r_create(c, site, args, out);
	return r_dict(c, site, name, args, out);
}

static int eval_resolver(ctx *c, const ae_ip_interp *ip, const ae_node *site,
                         ival *out)
{
	const ae_resolver *r;
	ival *args = NULL;
	ae_rval *rargs = NULL, res = {0};
	ae_resolver_call call;
	char msg[512];
	size_t i, done = 0;
	int deferred = 0, rc = -1;
	char *name = build_key(c, &ip->key, site, &deferred);

	memset(out, 0, sizeof(*out));
	if (!name) {
		out->deferred = deferred;
		return deferred ? 0 : -1;
	}
	r = ae_resolver_find(name);
	if (!r) {
		fail(c, site, "unknown resolver '%s' in %s", name, ip->src);
		goto out;
	}
	if (r->flags & AE_RESOLVER_UNSUPPORTED) {
		fail(c, site, "%s", r->why);
		goto out;
	}
	if (ae_resolver_check_argc(r, ip->nargs, msg, sizeof(msg)) < 0) {
		fail(c, site, "%s in %s", msg, ip->src);
		goto out;
	}
	args = calloc(ip->nargs + 1, sizeof(*args));
	if (!args) {
		oom(c, site);
		goto out;
	}
	for (done = 0; done < ip->nargs; done++) {
		if (eval_elem(c, ip->args[done], site, &args[done]) < 0)
			goto out;
		deferred |= args[done].deferred;
	}
	if (deferred || ((r->flags & AE_RESOLVER_ENV) && c->opts.defer_env)) {
		out->deferred = 1;
		rc = 0;
		goto out;
	}
	if (r->flags & AE_RESOLVER_TREE) {
		rc = call_tree_resolver(c, site, name, args, ip->nargs, out);
		if (rc == 0)
			rc = ival_take(c, out, site);
		goto out;
	}
	rargs = calloc(ip->nargs + 1, sizeof(*rargs));
	if (!rargs) {
		oom(c, site);
		goto out;
	}
	for (i = 0; i < ip->nargs; i++) {
		rargs[i].node = materialize(c, &args[i], site);
		if (!rargs[i].node) {
			if (!ae_error_isset(c->err))
				oom(c, site);
			goto out;
		}
		rargs[i].config = is_config(&args[i]);
		if (args[i].ref && is_container(args[i].ref))
			rargs[i].orig = args[i].ref;
	}
	call.name = r->name;
	call.argv = rargs;
	call.argc = ip->nargs;
	call.opts = &c->opts;
	call.timestring = c->timestring;
	if (r->fn(&call, &res, msg, sizeof(msg)) < 0) {
		fail(c, site, "%s: %s", ip->src, msg);
		goto out;
	}
	if (res.orig) {
		/* an argument handed back: keep it a node of the config */
		ae_node_free(res.node);
		out->ref = res.orig;
	} else {
		/* oc.concat, oc.env and the like make new values */
		if ((res.node->type == AE_STRING &&
		     check_string(c, site, res.node->u.str.len) < 0) ||
		    charge_tree(c, site, res.node) < 0) {
			ae_node_free(res.node);
			goto out;
		}
		out->own = res.node;
		out->config = res.config;
	}
	rc = 0;
out:
	for (i = 0; args && i < done; i++)
		ival_free(&args[i]);
	for (i = 0; rargs && i < ip->nargs; i++)
		ae_node_free(rargs[i].node);
	free(args);
	free(rargs);
	free(name);
	return rc;
}

static int eval_interp(ctx *c, const ae_ip_interp *ip, const ae_node *site,
                       ival *out)
{
	int rc;

	if (++c->depth > MAX_DEPTH) {
		c->depth--;
		return fail(c, site, "interpolations nested too deeply");
	}
	rc = ip->is_resolver ? eval_resolver(c, ip, site, out)
	                     : eval_node_interp(c, ip, site, out);
	c->depth--;
	return rc;
}

/* The grammar's text: one interpolation alone keeps its value; anything
 * else is a string. */
static int eval_text(ctx *c, const ae_ip_text *t, const ae_node *site,
                     ival *out)
{
	ae_strbuf b = {0};
	size_t i;

	memset(out, 0, sizeof(*out));
	if (t->n == 1 && t->pieces[0].interp)
		return eval_interp(c, t->pieces[0].interp, site, out);
	ae_strbuf_add(&b, "", 0);
	for (i = 0; i < t->n; i++) {
		const ae_ip_piece *pc = &t->pieces[i];
		ival v;
		int rc;

		if (!pc->interp) {
			ae_strbuf_add(&b, pc->lit, pc->len);
			continue;
		}
		if (eval_interp(c, pc->interp, site, &v) < 0)
			goto fail;
		if (v.deferred) {
			out->deferred = 1;
			ival_free(&v);
			continue;
		}
		rc = ival_str(c, &v, &b, site);
		ival_free(&v);
		if (rc < 0 || check_string(c, site, b.len) < 0)
			goto fail;
	}
	if (b.oom) {
		oom(c, site);
		goto fail;
	}
	if (!out->deferred) {
		if (charge(c, site, 1, b.len) < 0)
			goto fail;
		out->own = ae_node_new_stringn(b.s, b.len);
		if (!out->own) {
			oom(c, site);
			goto fail;
		}
	}
	free(b.s);
	return 0;
fail:
	free(b.s);
	return -1;
}

/* A single-token primitive, typed as OmegaConf's _createPrimitive does. */
static ae_node *typed_token(ctx *c, const ae_ip_piece *pc, const ae_node *site)
{
	ae_node tmp = {.type = AE_STRING};
	char msg[128];
	long long i;
	double f;

	tmp.u.str.s = (char *)pc->lit;
	tmp.u.str.len = pc->len;
	switch (pc->tok) {
	case AE_IP_TOK_NULL:
		return ae_node_new_null();
	case AE_IP_TOK_BOOL:
		return ae_node_new_bool((pc->lit[0] | 0x20) == 't');
	case AE_IP_TOK_INT:
		if (ae_py_int(&tmp, &i, msg, sizeof(msg)) == 0)
			return ae_node_new_int(i);
		fail(c, site, "%s", msg); /* beyond 64 bits */
		return NULL;
	case AE_IP_TOK_FLOAT:
		if (ae_py_float(&tmp, &f, msg, sizeof(msg)) == 0)
			return ae_node_new_float(f);
		break;
	case AE_IP_TOK_WS:
		/* OmegaConf fails an assertion here */
		fail(c, site, "a value cannot be only whitespace");
		return NULL;
	default:
		break;
	}
	return ae_node_new_stringn(pc->lit, pc->len);
}

static int eval_primitive(ctx *c, const ae_ip_text *t, const ae_node *site,
                          ival *out)
{
	memset(out, 0, sizeof(*out));
	if (t->n == 1 && !t->pieces[0].interp) {
		if (charge(c, site, 1, t->pieces[0].len) < 0)
			return -1;
		out->own = typed_token(c, &t->pieces[0], site);
		if (!out->own && !ae_error_isset(c->err))
			oom(c, site);
		return out->own ? 0 : -1;
	}
	/* several tokens: their text joined, interpolations as str() */
	return eval_text(c, t, site, out);
}

static int eval_elem(ctx *c, const ae_ip_elem *e, const ae_node *site,
                     ival *out)
{
	ae_node *cont = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	switch (e->kind) {
	case AE_IP_PRIMITIVE:
		return eval_primitive(c, &e->text, site, out);
	case AE_IP_QUOTED: {
		ival v;
		ae_strbuf b = {0};

		/* always a string: str() of a lone interpolation */
		if (eval_text(c, &e->text, site, &v) < 0)
			return -1;
		if (v.deferred) {
			*out = v;
			return 0;
		}
		ae_strbuf_add(&b, "", 0);
		rc = (v.own || v.ref) ? ival_str(c, &v, &b, site) : 0;
		ival_free(&v);
		if (rc == 0)
			rc = check_string(c, site, b.len);
		if (rc == 0)
			rc = charge(c, site, 1, b.len);
		if (rc == 0 && !b.oom)
			out->own = ae_node_new_stringn(b.s, b.len);
		free(b.s);
		if (rc < 0)
			return -1;
		return out->own ? 0 : oom(c, site);
	}
	case AE_IP_LIST:
	case AE_IP_DICT:
		if (charge(c, site, 1, 0) < 0)
			return -1;
		cont = e->kind == AE_IP_LIST ? ae_node_new_seq()
		                             : ae_node_new_map();
		if (!cont)
			return oom(c, site);
		for (i = 0; i < e->n; i++) {
			ival v;
			ae_node *item;

			if (eval_elem(c, e->items[i], site, &v) < 0)
				goto fail;
			if (v.deferred) {
				out->deferred = 1;
				ival_free(&v);
				continue;
			}
			item = materialize(c, &v, site);
			ival_free(&v);
			if (!item)
				goto fail_oom;
			if (e->kind == AE_IP_LIST) {
				rc = ae_seq_append(cont, item);
			} else {
				ival k;
				char *ks = NULL;

				if (eval_primitive(c, &e->keys[i], site, &k) <
				    0) {
					ae_node_free(item);
					goto fail;
				}
				ks = ae_py_str(k.own);
				ival_free(&k);
				if (ks && charge(c, site, 0, strlen(ks)) < 0) {
					free(ks);
					ae_node_free(item);
					goto fail;
				}
				rc = ks ? ae_map_set(cont, ks, item) : -1;
				if (!ks)
					ae_node_free(item);
				free(ks);
			}
			if (rc < 0)
				goto fail_oom;
		}
		if (out->deferred) {
			ae_node_free(cont);
			return 0;
		}
		out->own = cont;
		return 0;
	}
	return fail(c, site, "bad element");
fail_oom:
	if (!ae_error_isset(c->err))
		oom(c, site);
fail:
	ae_node_free(cont);
	return -1;
}

/* ---- resolution of tree nodes ---- */

static int cycle_error(ctx *c, const ae_node *n)
{
	char msg[AE_ERROR_TEXT_LEN], path[256];
	size_t i, len = 0;
	int from = -1;

	for (i = 0; i < c->nstack; i++)
		if (c->stack[i] == n)
			from = (int)i;
	msg[0] = '\0';
	for (i = from < 0 ? c->nstack : (size_t)from; i < c->nstack; i++) {
		ae_node_path(c->stack[i], path, sizeof(path));
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s -> ",
		                        path);
		if (len >= sizeof(msg))
			break;
	}
	if (len < sizeof(msg)) {
		ae_node_path(n, path, sizeof(path));
		snprintf(msg + len, sizeof(msg) - len, "%s", path);
	}
	return fail(c, n, "recursive interpolation: %s", msg);
}

/* Resolve the interpolation string n (memoized); *out borrows the memo. */
static int resolve_string(ctx *c, const ae_node *n, ival *out)
{
	memo_ent *m = memo_find(c, n);
	ae_ip_tree *tree;
	char msg[512];
	ival v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (m && m->state == ST_DONE) {
		*out = m->val;
		out->borrowed = 1;
		return 0;
	}
	if (m && m->state == ST_BUSY)
		return cycle_error(c, n);
	if (!m && !(m = memo_add(c, n)))
		return oom(c, n);
	m->state = ST_BUSY;
	if (c->nstack == c->capstack) {
		size_t cap = c->capstack ? c->capstack * 2 : 32;
		const ae_node **s = realloc(c->stack, cap * sizeof(*s));

		if (!s)
			return oom(c, n);
		c->stack = s;
		c->capstack = cap;
	}
	c->stack[c->nstack++] = n;
	tree = ae_ip_parse_value(n->u.str.s, n->u.str.len, msg, sizeof(msg));
	if (!tree)
		rc = fail(c, n, "interpolation syntax error: %s", msg);
	else
		rc = eval_text(c, ae_ip_tree_text(tree), n, &v);
	ae_ip_tree_free(tree);
	c->nstack--;
	if (rc == 0 && v.deferred) {
		/* kept as written, for a later resolution */
		ival_free(&v);
		v.own = ae_node_copy(n);
		v.deferred = 1;
		if (!v.own)
			rc = oom(c, n);
		else if (charge_tree(c, n, v.own) < 0) {
			ival_free(&v);
			rc = -1;
		}
	}
	if (rc == 0)
		rc = ival_take(c, &v, n);
	m = memo_find(c, n); /* the table may have grown */
	if (rc < 0) {
		m->state = ST_NONE;
		return -1;
	}
	m->state = ST_DONE;
	m->val = v;
	*out = v;
	out->borrowed = 1;
	return 0;
}

/* A copy of n with every interpolation resolved (caller owns). */
static ae_node *resolved_copy(ctx *c, const ae_node *n)
{
	ae_node *copy = NULL;
	memo_ent *m;
	size_t i;

	if (n->type == AE_STRING && ae_node_is_interpolation(n)) {
		ival v;

		if (resolve_string(c, n, &v) < 0)
			return NULL;
		copy = materialize(c, &v, n);
		if (!copy) {
			if (!ae_error_isset(c->err))
				oom(c, n);
			return NULL;
		}
		ae_node_copy_mark(copy, n);
		return copy;
	}
	if (!is_container(n)) {
		if (c->expanding &&
		    charge(c, c->expand_site, 1,
		           n->type == AE_STRING ? n->u.str.len : 0) < 0)
			return NULL;
		copy = ae_node_copy(n);
		if (!copy)
			oom(c, n);
		return copy;
	}
	/* a mapping being copied is met again: a ${} inside it points back
	 * to it through another mapping */
	m = memo_find(c, n);
	if (m && m->state == ST_BUSY) {
		char path[256];

		fail(c, n,
		     "recursive interpolation: %s contains a reference "
		     "to itself",
		     ae_node_path(n, path, sizeof(path)));
		return NULL;
	}
	if (!m && !(m = memo_add(c, n))) {
		oom(c, n);
		return NULL;
	}
	m->state = ST_BUSY;
	if (c->expanding && charge(c, c->expand_site, 1, 0) < 0)
		goto out;
	copy = n->type == AE_MAP ? ae_node_new_map() : ae_node_new_seq();
	if (!copy) {
		oom(c, n);
		goto out;
	}
	copy->flags = n->flags;
	ae_node_copy_mark(copy, n);
	for (i = 0; i < (n->type == AE_MAP ? n->u.map.n : n->u.seq.n); i++) {
		ae_node *item =
		    resolved_copy(c, n->type == AE_MAP ? n->u.map.vals[i]
		                                       : n->u.seq.items[i]);
		int rc;

		if (!item || (c->expanding && n->type == AE_MAP &&
		              charge(c, c->expand_site, 0,
		                     strlen(n->u.map.keys[i])) < 0)) {
			ae_node_free(item);
			ae_node_free(copy);
			copy = NULL;
			goto out;
		}
		rc = n->type == AE_MAP
		         ? ae_map_append(copy, n->u.map.keys[i], item)
		         : ae_seq_append(copy, item);
		if (rc < 0) {
			ae_node_free(copy);
			copy = NULL;
			oom(c, n);
			goto out;
		}
	}
out:
	m = memo_find(c, n);
	m->state = ST_NONE;
	return copy;
}

/* ---- contexts and public API ---- */

void ae_interp_timestring_now(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	if (size == 0)
		return;
	buf[0] = '\0';
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, size, "%Y%m%d_%H%M%S_", &tm);
	if (n && size - n >= 4)
		snprintf(buf + n, size - n, "%03u",
		         (unsigned)(tv.tv_usec / 1000) % 1000u);
}

static void ctx_init(ctx *c, const ae_node *root, const ae_resolve_opts *opts,
                     ae_error *err)
{
	memset(c, 0, sizeof(*c));
	c->root = root;
	if (opts)
		c->opts = *opts;
	c->err = err;
	c->max_bytes =
	    c->opts.max_bytes ? c->opts.max_bytes : AE_RESOLVE_MAX_BYTES;
	c->max_string =
	    c->opts.max_string ? c->opts.max_string : AE_RESOLVE_MAX_STRING;
	c->max_nodes =
	    c->opts.max_nodes ? c->opts.max_nodes : AE_RESOLVE_MAX_NODES;
	ae_error_clear(err); /* so that "already reported" can be told */
	if (c->opts.timestring)
		snprintf(c->timestring, sizeof(c->timestring), "%s",
		         c->opts.timestring);
	else
		ae_interp_timestring_now(c->timestring, sizeof(c->timestring));
}

static void ctx_free(ctx *c)
{
	size_t i;

	for (i = 0; i < c->memo_cap; i++)
		if (c->memo[i].key && !c->memo[i].val.borrowed)
			ae_node_free(c->memo[i].val.own);
	free(c->memo);
	free(c->stack);
	for (i = 0; i < c->nfresh; i++)
		ae_node_free(c->fresh[i]);
	free(c->fresh);
	free(c->fresh_site);
	for (i = 0; i < c->nidx; i++)
		free(c->idx[i].slots);
	free(c->idx);
}

ae_node *ae_interp_resolve(const ae_node *root, const ae_resolve_opts *opts,
                           ae_error *err)
{
	return ae_interp_resolve_node(root, root, opts, err);
}

ae_node *ae_interp_resolve_node(const ae_node *root, const ae_node *node,
                                const ae_resolve_opts *opts, ae_error *err)
{
	ctx c;
	ae_node *out;

	ctx_init(&c, root, opts, err);
	out = resolved_copy(&c, node);
	ctx_free(&c);
	return out;
}

ae_node *ae_interp_resolve_string(const ae_node *root, const ae_node *site,
                                  const char *text, const ae_resolve_opts *opts,
                                  ae_error *err)
{
	ctx c;
	ae_ip_tree *tree;
	ae_node *out = NULL;
	char msg[512];
	ival v;

	ctx_init(&c, root, opts, err);
	tree = ae_ip_parse_value(text, strlen(text), msg, sizeof(msg));
	if (!tree) {
		fail(&c, site, "interpolation syntax error: %s", msg);
		goto out;
	}
	if (eval_text(&c, ae_ip_tree_text(tree), site, &v) < 0)
		goto out;
	if (v.deferred)
		out = ae_node_new_string(text);
	else
		out = materialize(&c, &v, site);
	ival_free(&v);
	if (!out && !ae_error_isset(err))
		oom(&c, site);
out:
	ae_ip_tree_free(tree);
	ctx_free(&c);
	return out;
}

int ae_interp_check(const ae_node *root, const ae_resolve_opts *opts,
                    ae_error *err)
{
	ae_node *out = ae_interp_resolve(root, opts, err);

	ae_node_free(out);
	return out ? 0 : -1;
}

char *ae_interp_to_string(const ae_node *value)
{
	return ae_py_str(value);
}
