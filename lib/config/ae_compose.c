#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* Hydra 1.1+ composition (hydra/_internal/defaults_list.py), reduced to
 * what a file-based config tree needs:
 *
 * - Every config's defaults list is walked LAST entry first, so that an
 *   `override` met later in depth-first order (e.g. in an experiment file)
 *   wins over an earlier one; command-line `group=option` choices are
 *   registered before the walk and win over all of them.
 * - A defaults list without `_self_` gets it appended: since Hydra 1.1 a
 *   config's own content is merged AFTER the configs its list names (1.0 did
 *   the opposite). A config without a defaults list is just its content.
 * - `+group=option` entries are appended to the primary's list after that
 *   implicit `_self_`; `~group[=option]` drops a group entry.
 * - Group entries are relative to the group of the config holding them
 *   (`- child: x` in db/mysql.yaml loads db/child/x.yaml) unless written
 *   `/abs/group`; packages are relative to the parent's package; a
 *   `# @package` header is absolute (`_global_` is the root, `_group_` the
 *   group path).
 * - The results are merged in depth-first order with OmegaConf semantics,
 *   then the key overrides are applied.
 *
 * One extension: when the primary file has no defaults list (a captured
 * unresolved_config.yaml), a `group=option` that matches no entry replaces
 * the whole subtree at the group's package by the option's content, and a
 * `~group` that matches no entry deletes that key. Hydra refuses both. */

#include "ae_compose.h"

#include "ae_override.h"
#include "ae_yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 64

struct entry {
	ae_node *content; /* borrowed from state.loaded */
	char *package;
};

struct elist {
	struct entry *items;
	size_t n, cap;
};

struct choice {
	char *key;            /* override key: group path[@package] */
	const ae_node *value; /* borrowed; NULL for "null" */
	int external;         /* from the command line */
	int used;
	const ae_override *ov; /* external: the override */
	const ae_node *where;  /* internal: the defaults entry */
};

struct deletion {
	char *key;
	const ae_node *value; /* NULL: any option */
	const ae_override *ov;
	int used;
};

struct seen {
	char *key;
	const ae_node *where;
	const ae_override *ov;
};

struct state {
	const char **dirs; /* search path: primary's dir, then opts' */
	size_t n_dirs;
	char *primary_dir;
	struct choice *choices;
	size_t n_choices;
	struct deletion *deletions;
	size_t n_deletions;
	const ae_override **appends; /* +group=option */
	size_t n_appends;
	struct seen *seen; /* group override keys met in the tree */
	size_t n_seen;
	const char *stack[MAX_DEPTH]; /* config paths being loaded */
	size_t depth;
	ae_node **loaded;
	size_t n_loaded;
	const ae_compose_opts *opts;
	ae_error *err;
};

/* One defaults entry, normalised. */
struct dflt {
	enum { D_SELF, D_GROUP, D_CONFIG } kind;
	int optional, override, external;
	char *group;           /* as written, may start with '/' (D_GROUP) */
	char *path;            /* as written (D_CONFIG) */
	char *package;         /* explicit @package or NULL */
	const ae_node *value;  /* option node (D_GROUP); NULL = null */
	const ae_node *where;  /* for errors */
	const ae_override *ov; /* external append */
};

/* What a child config needs from its parent. */
struct desc {
	char *config_path;      /* "db/mysql" */
	char *group_path;       /* base directory of its own entries */
	const char *parent_pkg; /* parent's final package */
	const char *explicit_pkg;
	char *default_rel_pkg; /* package when neither explicit nor header */
	const char *name;      /* option name (for _name_) */
	int optional;
	int primary;
	const char *stack_name; /* primary: its name without .yaml */
	const ae_node *where;
	const ae_override *ov;
};

static char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(s = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static char *join(const char *a, const char *b, char sep)
{
	if (!a[0])
		return strdup(b);
	if (!b[0])
		return strdup(a);
	return xasprintf("%s%c%s", a, sep, b);
}

static char *dots(const char *path)
{
	char *s = strdup(path), *p;

	for (p = s; p && *p; p++)
		if (*p == '/')
			*p = '.';
	return s;
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? strndup(path, (size_t)(slash - path)) : strdup("");
}

static int nomem(struct state *st)
{
	return ae_error_set(st->err, NULL, 0, 0, NULL, "out of memory");
}

/* Errors at a defaults entry, or at a command-line override. */
static int fail_at(struct state *st, const ae_node *where,
                   const ae_override *ov, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct state *st, const ae_node *where,
                   const ae_override *ov, const char *fmt, ...)
{
	char msg[AE_ERROR_TEXT_LEN - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (where)
		return ae_node_error(st->err, where, "%s", msg);
	if (ov)
		return ae_error_set(st->err, "<override>", 1, 1, NULL,
		                    "in override '%s': %s", ov->text, msg);
	return ae_error_set(st->err, NULL, 0, 0, NULL, "%s", msg);
}

/* ---- search path --------------------------------------------------- */

static int is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int group_exists(struct state *st, const char *group)
{
	size_t i;
	int found = 0;

	for (i = 0; i < st->n_dirs && !found; i++) {
		char *p = xasprintf("%s/%s", st->dirs[i], group);

		found = p && is_dir(p);
		free(p);
	}
	return found;
}

/* First <dir>/<config_path>.yaml on the search path (caller frees). */
static char *find_config(struct state *st, const char *config_path)
{
	size_t i;

	for (i = 0; i < st->n_dirs; i++) {
		char *p = xasprintf("%s/%s.yaml", st->dirs[i], config_path);

		if (p && is_file(p))
			return p;
		free(p);
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a, b, c" of the options of a group over the whole search path. */
static void list_options(struct state *st, const char *group, char *buf,
                         size_t size)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < st->n_dirs; i++) {
		char *p = xasprintf("%s/%s", st->dirs[i], group);
		DIR *d = p ? opendir(p) : NULL;
		struct dirent *de;

		free(p);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);

			if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml"))
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 16;
				char **grown =
				    realloc(names, nc * sizeof(*names));

				if (!grown)
					break;
				names = grown;
				cap = nc;
			}
			names[n] = strndup(de->d_name, len - 5);
			if (names[n])
				n++;
		}
		closedir(d);
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (used + 1 < size) {
			int w = snprintf(buf + used, size - used, "%s%s",
			                 used ? ", " : "", names[i]);

			if (w > 0)
				used += (size_t)w;
			if (used >= size)
				used = size - 1;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!buf[0])
		snprintf(buf, size, "(none)");
}

static void list_search_path(struct state *st, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < st->n_dirs && used + 1 < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
		                 st->dirs[i]);

		if (w > 0)
			used += (size_t)w;
	}
}

static int fail_missing(struct state *st, const struct desc *d,
                        const char *group)
{
	char options[400], sp[400];

	list_options(st, group, options, sizeof(options));
	list_search_path(st, sp, sizeof(sp));
	if (group[0] && !group_exists(st, group))
		return fail_at(st, d->where, d->ov,
		               "config group '%s' not found (option '%s'); "
		               "search path: %s",
		               group, d->name ? d->name : "", sp);
	return fail_at(st, d->where, d->ov,
	               "could not find config '%s'; available options in "
	               "group '%s': %s; search path: %s",
	               d->config_path, group, options, sp);
}

/* ---- package header ------------------------------------------------ */

/* The value of a "# @package X" line in the leading comments, or NULL. */
static char *read_package_header(const char *file)
{
	FILE *f = fopen(file, "r");
	char *line = NULL, *found = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) >= 0) {
		char *s = line, *e;

		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' ||
		                 e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s)
			continue;
		if (*s != '#')
			break;
		while (*s == '#' || *s == ' ' || *s == '\t')
			s++;
		if (strncmp(s, "@package", 8) == 0 &&
		    (s[8] == ' ' || s[8] == '\t')) {
			s += 8;
			while (*s == ' ' || *s == '\t')
				s++;
			free(found);
			found = strdup(s);
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* Replace every `what` in s by `with` (returns a new string). */
static char *replace_all(const char *s, const char *what, const char *with)
{
	size_t wl = strlen(what), n = 0;
	const char *p;
	char *out, *o;

	for (p = s; (p = strstr(p, what)); p += wl)
		n++;
	out = malloc(strlen(s) + n * strlen(with) + 1);
	if (!out)
		return NULL;
	for (o = out; *s;) {
		if (strncmp(s, what, wl) == 0) {
			o = stpcpy(o, with);
			s += wl;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* Hydra's _get_final_package: parent + relative, then whatever follows the
 * last _global_. */
static char *final_package(const char *parent, const char *rel)
{
	char *full = join(parent, rel, '.');
	char *g, *last = NULL, *ret;

	if (!full)
		return NULL;
	for (g = full; (g = strstr(g, "_global_")); g += 8)
		last = g;
	if (!last)
		return full;
	ret = strdup(last[8] == '.' ? last + 9 : last + 8);
	free(full);
	return ret;
}

/* ---- lists --------------------------------------------------------- */

static int elist_add(struct elist *l, ae_node *content, const char *package)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		struct entry *grown = realloc(l->items, nc * sizeof(*grown));

		if (!grown)
			return -1;
		l->items = grown;
		l->cap = nc;
	}
	l->items[l->n].content = content;
	l->items[l->n].package = strdup(package);
	if (!l->items[l->n].package)
		return -1;
	l->n++;
	return 0;
}

static void elist_clear(struct elist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i].package);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Move all of src to the end of dst. */
static int elist_move(struct elist *dst, struct elist *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		if (elist_add(dst, src->items[i].content,
		              src->items[i].package) < 0)
			return -1;
	}
	elist_clear(src);
	return 0;
}

static struct choice *find_choice(struct state *st, const char *key)
{
	size_t i;

	for (i = 0; i < st->n_choices; i++)
		if (strcmp(st->choices[i].key, key) == 0)
			return &st->choices[i];
	return NULL;
}

static int add_choice(struct state *st, const char *key, const ae_node *value,
                      int external, const ae_override *ov, const ae_node *where)
{
	struct choice *c = find_choice(st, key), *grown;

	if (c) {
		/* Command line: last wins. Defaults lists: registered in
		 * reverse, so the first registration is the last written. */
		if (external) {
			c->value = value;
			c->ov = ov;
		}
		return 0;
	}
	grown = realloc(st->choices, (st->n_choices + 1) * sizeof(*grown));
	if (!grown)
		return nomem(st);
	st->choices = grown;
	c = &grown[st->n_choices];
	memset(c, 0, sizeof(*c));
	c->key = strdup(key);
	if (!c->key)
		return nomem(st);
	st->n_choices++;
	c->value = value;
	c->external = external;
	c->ov = ov;
	c->where = where;
	return 0;
}

/* ---- defaults list parsing ----------------------------------------- */

static void dflt_clear(struct dflt *d)
{
	free(d->group);
	free(d->path);
	free(d->package);
}

static void dflts_free(struct dflt *ds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dflt_clear(&ds[i]);
	free(ds);
}

/* "group@pkg" → group and package (NULL when absent). */
static int split_package(const char *s, char **group, char **package)
{
	const char *at = strchr(s, '@');

	*package = NULL;
	*group = at ? strndup(s, (size_t)(at - s)) : strdup(s);
	if (!*group)
		return -1;
	if (at) {
		*package = strdup(at + 1);
		if (!*package)
			return -1;
	}
	return 0;
}

static int parse_entry(struct state *st, const ae_node *item, struct dflt *d)
{
	const char *key;
	char *words, *w, *save = NULL, *last = NULL;
	int rv = -1;

	memset(d, 0, sizeof(*d));
	d->where = item;
	if (item->type == AE_STRING) {
		if (strcmp(item->u.str.s, "_self_") == 0) {
			d->kind = D_SELF;
			return 0;
		}
		d->kind = D_CONFIG;
		if (split_package(item->u.str.s, &d->path, &d->package) < 0)
			return nomem(st);
		if (!d->path[0] || strcmp(d->path, "/") == 0)
			return fail_at(st, item, NULL,
			               "empty config path in "
			               "defaults list");
		return 0;
	}
	if (item->type != AE_MAP || ae_map_size(item) != 1)
		return fail_at(
		    st, item, NULL,
		    "a defaults list entry must be '_self_', a config "
		    "path, or a single 'group: option' mapping");
	key = ae_map_key(item, 0);
	d->kind = D_GROUP;
	d->value = ae_map_value(item, 0);
	d->where = d->value;
	words = strdup(key);
	if (!words)
		return nomem(st);
	for (w = strtok_r(words, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (last) {
			if (strcmp(last, "optional") == 0) {
				d->optional = 1;
			} else if (strcmp(last, "override") == 0) {
				d->override = 1;
			} else {
				fail_at(st, item, NULL,
				        "unsupported keyword '%s' in defaults "
				        "list (expected optional or override)",
				        last);
				goto out;
			}
		}
		last = w;
	}
	if (!last) {
		fail_at(st, item, NULL, "empty group name in defaults list");
		goto out;
	}
	if (split_package(last, &d->group, &d->package) < 0) {
		nomem(st);
		goto out;
	}
	if (!d->group[0] || strcmp(d->group, "/") == 0) {
		fail_at(st, item, NULL, "empty group name in defaults list");
		goto out;
	}
	if (d->value->type == AE_NULL) {
		d->value = NULL;
	} else if (d->value->type == AE_SEQ) {
		fail_at(st, d->value, NULL,
		        "lists of options are not supported for group '%s'",
		        d->group);
		goto out;
	} else if (d->value->type != AE_STRING) {
		fail_at(st, d->value, NULL,
		        "the option of group '%s' must be a name, not a %s",
		        d->group, ae_type_name(d->value->type));
		goto out;
	} else if (ae_node_is_interpolation(d->value)) {
		fail_at(st, d->value, NULL,
		        "interpolations in defaults lists are not supported");
		goto out;
	}
	rv = 0;
out:
	free(words);
	return rv;
}

/* Take `defaults` out of a loaded config and normalise it. Adds the
 * implicit _self_ (last) and, for the primary, the +group appends. */
static int parse_defaults(struct state *st, ae_node *content, int primary,
                          int *had_defaults, struct dflt **out, size_t *n_out)
{
	/* Left in place until merging so that errors name "defaults[i]". */
	ae_node *list = ae_map_get(content, "defaults");
	struct dflt *ds = NULL;
	size_t n = 0, i, cap;
	int has_self = 0, seen_override = 0, rv = -1;

	*had_defaults = list != NULL;
	if (list && list->type != AE_SEQ) {
		fail_at(st, list, NULL, "'defaults' must be a list, not a %s",
		        ae_type_name(list->type));
		goto out;
	}
	cap =
	    (list ? ae_seq_size(list) : 0) + 1 + (primary ? st->n_appends : 0);
	ds = calloc(cap, sizeof(*ds));
	if (!ds) {
		nomem(st);
		goto out;
	}
	for (i = 0; list && i < ae_seq_size(list); i++) {
		struct dflt *d = &ds[n];

		if (parse_entry(st, ae_seq_get(list, i), d) < 0) {
			n++;
			goto out;
		}
		n++;
		if (d->kind == D_SELF) {
			if (has_self) {
				fail_at(st, d->where, NULL,
				        "duplicate _self_ in defaults list");
				goto out;
			}
			has_self = 1;
		}
		if (d->override) {
			seen_override = 1;
		} else if (seen_override && d->kind != D_SELF) {
			fail_at(st, d->where, NULL,
			        "overrides must be at the end of the defaults "
			        "list");
			goto out;
		}
	}
	/* Hydra 1.1+: without _self_, the config's own content comes last. */
	if (!has_self)
		ds[n++].kind = D_SELF;
	for (i = 0; primary && i < st->n_appends; i++) {
		const ae_override *ov = st->appends[i];
		struct dflt *d = &ds[n++];

		d->kind = D_GROUP;
		d->external = 1;
		d->ov = ov;
		d->value = ov->value;
		if (split_package(ov->key, &d->group, &d->package) < 0) {
			nomem(st);
			goto out;
		}
		/* Command-line groups are absolute. */
		if (d->group[0] != '/') {
			char *abs = xasprintf("/%s", d->group);

			if (!abs) {
				nomem(st);
				goto out;
			}
			free(d->group);
			d->group = abs;
		}
	}
	*out = ds;
	*n_out = n;
	ds = NULL;
	rv = 0;
out:
	if (ds)
		dflts_free(ds, n);
	return rv;
}

/* ---- the walk ------------------------------------------------------ */

static int keep_loaded(struct state *st, ae_node *node)
{
	ae_node **grown =
	    realloc(st->loaded, (st->n_loaded + 1) * sizeof(*grown));

	if (!grown) {
		ae_node_free(node);
		return nomem(st);
	}
	st->loaded = grown;
	st->loaded[st->n_loaded++] = node;
	return 0;
}

static struct deletion *find_deletion(struct state *st, const char *key,
                                      const char *name)
{
	size_t i;

	for (i = 0; i < st->n_deletions; i++) {
		struct deletion *dl = &st->deletions[i];

		if (strcmp(dl->key, key) != 0)
			continue;
		if (!dl->value || (dl->value->type == AE_STRING && name &&
		                   strcmp(dl->value->u.str.s, name) == 0))
			return dl;
	}
	return NULL;
}

static int build(struct state *st, const struct desc *d, struct elist *out,
                 char **final_pkg_out, int *had_defaults_out);

static int check_cycle(struct state *st, const struct desc *d, const char *name)
{
	char chain[600] = "";
	size_t used = 0, i, j;

	for (i = 0; i < st->depth; i++)
		if (strcmp(st->stack[i], name) == 0)
			break;
	if (i == st->depth)
		return 0;
	for (j = i; j < st->depth && used + 1 < sizeof(chain); j++) {
		int w = snprintf(chain + used, sizeof(chain) - used, "%s -> ",
		                 st->stack[j]);

		if (w > 0)
			used += (size_t)w;
	}
	return fail_at(st, d->where, d->ov, "cycle in defaults lists: %s%s",
	               chain, name);
}

static void desc_clear(struct desc *cd)
{
	free(cd->config_path);
	free(cd->group_path);
	free(cd->default_rel_pkg);
}

/* Fill the child description of a group or config entry. For a group entry
 * also compute the override key (group path, plus @package when the package
 * is not the group's own). */
static int child_desc(struct state *st, const struct desc *parent,
                      const char *parent_pkg, const struct dflt *e,
                      struct desc *cd, char **okey)
{
	const char *rel;
	char *stripped = NULL;
	int rv = -1;

	memset(cd, 0, sizeof(*cd));
	*okey = NULL;
	cd->parent_pkg = parent_pkg;
	cd->explicit_pkg = e->package;
	cd->optional = e->optional;
	cd->where = e->where;
	cd->ov = e->ov;
	if (e->kind == D_GROUP) {
		char *default_pkg, *final_nohdr, *rel_pkg;

		rel = e->group[0] == '/' ? e->group + 1 : e->group;
		cd->group_path = e->group[0] == '/'
		                     ? strdup(rel)
		                     : join(parent->group_path, rel, '/');
		cd->default_rel_pkg = dots(rel);
		if (!cd->group_path || !cd->default_rel_pkg)
			goto nomem;
		default_pkg = dots(cd->group_path);
		rel_pkg = e->package ? strdup(e->package)
		                     : strdup(cd->default_rel_pkg);
		final_nohdr =
		    rel_pkg ? final_package(parent_pkg, rel_pkg) : NULL;
		free(rel_pkg);
		if (!default_pkg || !final_nohdr) {
			free(default_pkg);
			free(final_nohdr);
			goto nomem;
		}
		if (strcmp(default_pkg, final_nohdr) != 0 && final_nohdr[0])
			*okey = xasprintf("%s@%s", cd->group_path, final_nohdr);
		else
			*okey = strdup(cd->group_path);
		free(default_pkg);
		free(final_nohdr);
		if (!*okey)
			goto nomem;
	} else {
		rel = e->path[0] == '/' ? e->path + 1 : e->path;
		stripped = strdup(rel);
		if (!stripped)
			goto nomem;
		if (strlen(stripped) > 5 &&
		    strcmp(stripped + strlen(stripped) - 5, ".yaml") == 0)
			stripped[strlen(stripped) - 5] = '\0';
		cd->config_path = e->path[0] == '/'
		                      ? strdup(stripped)
		                      : join(parent->group_path, stripped, '/');
		if (!cd->config_path)
			goto nomem;
		cd->group_path = dirname_of(cd->config_path);
		{
			char *dn = dirname_of(stripped);

			cd->default_rel_pkg = dn ? dots(dn) : NULL;
			free(dn);
		}
		if (!cd->group_path || !cd->default_rel_pkg)
			goto nomem;
	}
	rv = 0;
	goto out;
nomem:
	nomem(st);
out:
	free(stripped);
	return rv;
}

static int seen_key(struct state *st, const char *key, const ae_node *where,
                    const ae_override *ov)
{
	size_t i;
	struct seen *grown;

	for (i = 0; i < st->n_seen; i++) {
		const struct seen *other = &st->seen[i];
		char there[AE_ERROR_FILE_LEN + 64];

		if (strcmp(other->key, key) != 0)
			continue;
		if (other->ov)
			snprintf(there, sizeof(there), "override '%s'",
			         other->ov->text);
		else if (other->where)
			snprintf(there, sizeof(there), "%s:%d:%d",
			         ae_node_file(other->where), other->where->line,
			         other->where->column);
		else
			snprintf(there, sizeof(there), "another entry");
		return fail_at(st, where, ov,
		               "group '%s' appears more than once in the "
		               "defaults list (also chosen by %s); to change "
		               "an earlier choice write 'override %s: "
		               "<option>'",
		               key, there, key);
	}
	grown = realloc(st->seen, (st->n_seen + 1) * sizeof(*grown));
	if (!grown)
		return nomem(st);
	st->seen = grown;
	grown[st->n_seen].key = strdup(key);
	grown[st->n_seen].where = where;
	grown[st->n_seen].ov = ov;
	if (!grown[st->n_seen].key)
		return nomem(st);
	st->n_seen++;
	return 0;
}

/* Walk one child entry (group or config) of the config `parent`. */
static int walk_entry(struct state *st, const struct desc *parent,
                      const char *parent_pkg, struct dflt *e, struct elist *out)
{
	struct desc cd;
	char *okey = NULL;
	const ae_node *value = e->value;
	struct choice *c;
	struct deletion *dl;
	int rv = -1;

	if (child_desc(st, parent, parent_pkg, e, &cd, &okey) < 0)
		goto out;
	if (e->kind == D_GROUP) {
		if (e->override) {
			rv = add_choice(st, okey, value, 0, NULL, e->where);
			goto out;
		}
		if ((c = find_choice(st, okey))) {
			value = c->value;
			c->used = 1;
			if (c->external) {
				cd.where = NULL;
				cd.ov = c->ov;
			} else {
				cd.where = c->where;
			}
		}
		cd.config_path = xasprintf(
		    "%s/%s", cd.group_path,
		    value && value->type == AE_STRING ? value->u.str.s : "");
		if (!cd.config_path) {
			nomem(st);
			goto out;
		}
		if (value && check_cycle(st, &cd, cd.config_path) < 0)
			goto out;
		dl = find_deletion(
		    st, okey,
		    value && value->type == AE_STRING ? value->u.str.s : NULL);
		if (dl) {
			dl->used = 1;
			rv = 0;
			goto out;
		}
		if (seen_key(st, okey, cd.where, cd.ov) < 0)
			goto out;
		if (!value) {
			rv = 0; /* group: null disables it */
			goto out;
		}
		if (value->type != AE_STRING) {
			fail_at(
			    st, cd.where, cd.ov,
			    "the option of group '%s' must be a name, not a "
			    "%s",
			    okey, ae_type_name(value->type));
			goto out;
		}
		cd.name = value->u.str.s;
		if (strcmp(cd.name, "???") == 0) {
			char options[400];

			list_options(st, cd.group_path, options,
			             sizeof(options));
			fail_at(st, cd.where, cd.ov,
			        "you must choose an option for '%s', e.g. "
			        "%s=<option>; available options: %s",
			        okey, okey, options);
			goto out;
		}
		if (!cd.name[0] || strstr(cd.name, "..")) {
			fail_at(st, cd.where, cd.ov,
			        "invalid option name '%s' for group '%s'",
			        cd.name, okey);
			goto out;
		}
		free(cd.config_path);
		cd.config_path = xasprintf("%s/%s", cd.group_path, cd.name);
		if (!cd.config_path) {
			nomem(st);
			goto out;
		}
	} else if ((dl = find_deletion(st, cd.config_path, NULL))) {
		dl->used = 1;
		rv = 0;
		goto out;
	}
	rv = build(st, &cd, out, NULL, NULL);
out:
	free(okey);
	desc_clear(&cd);
	return rv;
}

/* Load the config of `d`, walk its defaults list last to first, and append
 * its merge entries (depth-first order) to out. */
static int build(struct state *st, const struct desc *d, struct elist *out,
                 char **final_pkg_out, int *had_defaults_out)
{
	struct dflt *ds = NULL;
	size_t n = 0, i;
	struct elist *parts = NULL;
	char *file = NULL, *header = NULL, *rel = NULL, *pkg = NULL;
	ae_node *content;
	struct desc self = *d;
	const char *sname = d->stack_name ? d->stack_name : d->config_path;
	int had_defaults = 0, rv = -1, pushed = 0;

	if (check_cycle(st, d, sname) < 0)
		return -1;
	if (st->depth >= MAX_DEPTH)
		return fail_at(st, d->where, d->ov,
		               "defaults lists nested too deeply");
	if (d->primary)
		file = strdup(d->config_path);
	else
		file = find_config(st, d->config_path);
	if (!file) {
		if (d->optional)
			return 0;
		return fail_missing(st, d, d->primary ? "" : d->group_path);
	}
	content = ae_yaml_load_file(file, NULL, st->err);
	if (!content)
		goto out;
	if (keep_loaded(st, content) < 0)
		goto out;
	if (content->type != AE_MAP) {
		ae_node_error(st->err, content,
		              "a config file must hold a mapping, not a %s",
		              ae_type_name(content->type));
		goto out;
	}
	/* Package: explicit in the entry, else the file's header (absolute),
	 * else the default relative one. */
	if (d->explicit_pkg) {
		rel =
		    replace_all(d->explicit_pkg, "_group_", d->default_rel_pkg);
	} else if ((header = read_package_header(file))) {
		char *gp = dots(d->group_path ? d->group_path : "");
		char *h = gp ? replace_all(header, "_group_", gp) : NULL;

		free(gp);
		if (h && strcmp(h, "_global_") != 0 &&
		    strncmp(h, "_global_.", 9) != 0) {
			rel = xasprintf("_global_%s%s", h[0] ? "." : "", h);
			free(h);
		} else {
			rel = h;
		}
	} else {
		rel = strdup(d->default_rel_pkg ? d->default_rel_pkg : "");
	}
	if (rel && d->name && strstr(rel, "_name_")) {
		char *r2 = replace_all(rel, "_name_", d->name);

		free(rel);
		rel = r2;
	}
	pkg =
	    rel ? final_package(d->parent_pkg ? d->parent_pkg : "", rel) : NULL;
	if (!pkg) {
		nomem(st);
		goto out;
	}
	if (parse_defaults(st, content, d->primary, &had_defaults, &ds, &n) < 0)
		goto out;
	parts = calloc(n, sizeof(*parts));
	if (!parts) {
		nomem(st);
		goto out;
	}
	st->stack[st->depth++] = sname;
	pushed = 1;
	self.group_path = d->group_path;
	for (i = n; i-- > 0;) {
		struct dflt *e = &ds[i];

		if (e->kind == D_SELF) {
			if (elist_add(&parts[i], content, pkg) < 0) {
				nomem(st);
				goto out;
			}
			continue;
		}
		if (walk_entry(st, &self, pkg, e, &parts[i]) < 0)
			goto out;
	}
	for (i = 0; i < n; i++)
		if (elist_move(out, &parts[i]) < 0) {
			nomem(st);
			goto out;
		}
	if (final_pkg_out) {
		*final_pkg_out = pkg;
		pkg = NULL;
	}
	if (had_defaults_out)
		*had_defaults_out = had_defaults;
	rv = 0;
out:
	if (pushed)
		st->depth--;
	for (i = 0; parts && i < n; i++)
		elist_clear(&parts[i]);
	free(parts);
	dflts_free(ds, n);
	free(file);
	free(header);
	free(rel);
	free(pkg);
	return rv;
}

/* ---- merging the list ---------------------------------------------- */

/* The container at a package path in root, created (as OmegaConf would when
 * merging {a: {b: ...}}) when absent or not a mapping. */
static ae_node *package_node(struct state *st, ae_node *root, const char *pkg,
                             const ae_node *mark_from)
{
	char *copy, *part, *save = NULL;
	ae_node *node = root;

	if (!pkg[0])
		return root;
	copy = strdup(pkg);
	if (!copy) {
		nomem(st);
		return NULL;
	}
	for (part = strtok_r(copy, ".", &save); part && node;
	     part = strtok_r(NULL, ".", &save)) {
		ae_node *next = ae_map_get(node, part);

		if (next && next->type == AE_MAP) {
			node = next;
			continue;
		}
		if (next && next->type == AE_SEQ) {
			ae_node_error(
			    st->err, mark_from,
			    "cannot merge a mapping into the sequence "
			    "at '%s'",
			    pkg);
			node = NULL;
			break;
		}
		next = ae_node_new_map();
		if (!next) {
			nomem(st);
			node = NULL;
			break;
		}
		ae_node_copy_mark(next, mark_from);
		if (ae_map_set(node, part, next) < 0) {
			nomem(st);
			node = NULL;
			break;
		}
		node = next;
	}
	free(copy);
	return node;
}

static int merge_list(struct state *st, ae_node *root, const struct elist *l)
{
	size_t i;
	ae_compose_warning **w = st->opts ? st->opts->warnings : NULL;
	size_t *nw = st->opts ? st->opts->n_warnings : NULL;

	for (i = 0; i < l->n; i++) {
		ae_node *at,
		    *list = ae_map_take(l->items[i].content, "defaults");

		/* Entries may still point into the list: keep it alive. */
		if (list && keep_loaded(st, list) < 0)
			return -1;
		at = package_node(st, root, l->items[i].package,
		                  l->items[i].content);

		if (!at || ae_compose_merge_warn(at, l->items[i].content, w, nw,
		                                 st->err) < 0)
			return -1;
	}
	return 0;
}

/* ---- overrides ----------------------------------------------------- */

static int is_group_key(struct state *st, const ae_override *ov)
{
	char *group;
	int yes;

	if (ov->value && ov->value->type == AE_MAP)
		return 0;
	group = strndup(ov->key, strcspn(ov->key, "@"));
	if (!group)
		return 0;
	yes = group[0] && !strchr(group, '.') && group_exists(st, group);
	free(group);
	return yes;
}

/* `group=option` for a group that no directory of the search path has:
 * when the key holds a mapping, the option was meant as a group (say
 * monitoring=megatron_basic with the presets missing), and silently
 * replacing the mapping by a string would lose the whole section. */
static int check_not_group(struct state *st, const ae_node *root,
                           const ae_override *ov)
{
	const ae_node *cur;
	char sp[400];

	if (ov->kind != AE_OVERRIDE_CHANGE || !ov->value ||
	    ov->value->type != AE_STRING || strchr(ov->key, '.') ||
	    strchr(ov->key, '@'))
		return 0;
	cur = ae_map_get(root, ov->key);
	if (!cur || cur->type != AE_MAP)
		return 0;
	list_search_path(st, sp, sizeof(sp));
	return fail_at(st, NULL, ov,
	               "config group '%s' not found (option '%s'), and '%s' "
	               "holds a mapping that a string would replace; add the "
	               "group's directory to the search path or set keys "
	               "inside it (%s.KEY=VALUE); search path: %s",
	               ov->key, ov->value->u.str.s, ov->key, ov->key, sp);
}

static int classify(struct state *st, const ae_override *const *ovs, size_t n,
                    const ae_override **config_ovs, size_t *n_config)
{
	size_t i;

	*n_config = 0;
	for (i = 0; i < n; i++) {
		const ae_override *ov = ovs[i];

		if (!is_group_key(st, ov)) {
			config_ovs[(*n_config)++] = ov;
			continue;
		}
		switch (ov->kind) {
		case AE_OVERRIDE_DELETE: {
			struct deletion *grown =
			    realloc(st->deletions,
			            (st->n_deletions + 1) * sizeof(*grown));

			if (!grown)
				return nomem(st);
			st->deletions = grown;
			memset(&grown[st->n_deletions], 0, sizeof(*grown));
			grown[st->n_deletions].key = strdup(ov->key);
			if (!grown[st->n_deletions].key)
				return nomem(st);
			grown[st->n_deletions].value = ov->value;
			grown[st->n_deletions].ov = ov;
			st->n_deletions++;
			break;
		}
		case AE_OVERRIDE_FORCE:
			return fail_at(st, NULL, ov,
			               "force-add (++) of config groups is not "
			               "supported");
		case AE_OVERRIDE_ADD: {
			const ae_override **grown;

			if (!ov->value || ov->value->type != AE_STRING)
				return fail_at(st, NULL, ov,
				               "a config group option must be "
				               "a name");
			grown = realloc(st->appends,
			                (st->n_appends + 1) * sizeof(*grown));
			if (!grown)
				return nomem(st);
			st->appends = grown;
			st->appends[st->n_appends++] = ov;
			break;
		}
		case AE_OVERRIDE_CHANGE:
			if (!ov->value || ov->value->type != AE_STRING)
				return fail_at(st, NULL, ov,
				               "a config group option must be "
				               "a name (to drop the group use "
				               "'~%s')",
				               ov->key);
			if (add_choice(st, ov->key, ov->value, 1, ov, NULL) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/* The captured-config extension: compose group=option on its own and put
 * its content in place of the subtree at its package. */
static int replace_group(struct state *st, ae_node *root, struct choice *c)
{
	struct dflt e;
	struct desc parent, cd;
	struct elist l = {0};
	char *okey = NULL, *pkg = NULL;
	ae_node *tmp = ae_node_new_map();
	int rv = -1;

	memset(&e, 0, sizeof(e));
	memset(&parent, 0, sizeof(parent));
	memset(&cd, 0, sizeof(cd));
	if (!tmp)
		return nomem(st);
	parent.group_path = (char *)"";
	e.kind = D_GROUP;
	e.value = c->value;
	e.ov = c->ov;
	if (split_package(c->key, &e.group, &e.package) < 0) {
		nomem(st);
		goto out;
	}
	if (child_desc(st, &parent, "", &e, &cd, &okey) < 0)
		goto out;
	cd.where = NULL;
	cd.name = c->value->u.str.s;
	cd.config_path = xasprintf("%s/%s", cd.group_path, cd.name);
	if (!cd.config_path) {
		nomem(st);
		goto out;
	}
	if (build(st, &cd, &l, &pkg, NULL) < 0 || merge_list(st, tmp, &l) < 0)
		goto out;
	if (pkg && pkg[0]) {
		char *parent_path = strdup(pkg), *dot;
		ae_node *holder = root;

		if (!parent_path) {
			nomem(st);
			goto out;
		}
		dot = strrchr(parent_path, '.');
		if (dot) {
			*dot = '\0';
			holder = package_node(st, root, parent_path, root);
		}
		if (holder)
			ae_map_remove(holder, dot ? dot + 1 : parent_path);
		free(parent_path);
		if (!holder)
			goto out;
	}
	rv = ae_compose_merge_warn(
	    root, tmp, st->opts ? st->opts->warnings : NULL,
	    st->opts ? st->opts->n_warnings : NULL, st->err);
	c->used = 1;
out:
	elist_clear(&l);
	dflt_clear(&e);
	desc_clear(&cd);
	free(okey);
	free(pkg);
	ae_node_free(tmp);
	return rv;
}

static int check_unused(struct state *st, ae_node *root, int plain,
                        const ae_override **key_deletes, size_t *n_key_deletes)
{
	size_t i;

	for (i = 0; i < st->n_choices; i++) {
		struct choice *c = &st->choices[i];

		if (c->used)
			continue;
		if (!c->external)
			return fail_at(st, c->where, NULL,
			               "invalid defaults list override of "
			               "'%s': no earlier entry for group '%s' "
			               "exists to override",
			               c->key, c->key);
		if (plain) {
			if (replace_group(st, root, c) < 0)
				return -1;
			continue;
		}
		return fail_at(st, NULL, c->ov,
		               "could not override '%s': no match in the "
		               "defaults list; to add it use '+%s'",
		               c->key, c->ov->text);
	}
	for (i = 0; i < st->n_deletions; i++) {
		struct deletion *dl = &st->deletions[i];

		if (dl->used)
			continue;
		if (plain) {
			key_deletes[(*n_key_deletes)++] = dl->ov;
			continue;
		}
		return fail_at(st, NULL, dl->ov,
		               "could not delete '%s': no match in the "
		               "defaults list",
		               dl->key);
	}
	return 0;
}

/* ---- entry point --------------------------------------------------- */

static void state_free(struct state *st)
{
	size_t i;

	for (i = 0; i < st->n_choices; i++)
		free(st->choices[i].key);
	free(st->choices);
	for (i = 0; i < st->n_deletions; i++)
		free(st->deletions[i].key);
	free(st->deletions);
	free(st->appends);
	for (i = 0; i < st->n_seen; i++)
		free(st->seen[i].key);
	free(st->seen);
	for (i = 0; i < st->n_loaded; i++)
		ae_node_free(st->loaded[i]);
	free(st->loaded);
	free(st->dirs);
	free(st->primary_dir);
}

ae_node *ae_compose_file(const char *path, const ae_compose_opts *opts,
                         ae_error *err)
{
	struct state st;
	ae_override **parsed = NULL;
	const ae_override **config_ovs = NULL, **key_deletes = NULL;
	size_t n_ovs = opts ? opts->n_overrides : 0, n_config = 0;
	size_t n_key_deletes = 0, i;
	struct elist l = {0};
	struct desc primary;
	ae_node *root = NULL;
	char *primary_name = NULL;
	int had_defaults = 0;

	memset(&st, 0, sizeof(st));
	memset(&primary, 0, sizeof(primary));
	st.opts = opts;
	st.err = err;
	st.primary_dir = dirname_of(path);
	st.dirs =
	    calloc(1 + (opts ? opts->n_search_path : 0), sizeof(*st.dirs));
	parsed = calloc(n_ovs + 1, sizeof(*parsed));
	config_ovs = calloc(n_ovs + 1, sizeof(*config_ovs));
	key_deletes = calloc(n_ovs + 1, sizeof(*key_deletes));
	if (!st.primary_dir || !st.dirs || !parsed || !config_ovs ||
	    !key_deletes) {
		nomem(&st);
		goto fail;
	}
	st.dirs[st.n_dirs++] = st.primary_dir[0] ? st.primary_dir : ".";
	for (i = 0; opts && i < opts->n_search_path; i++)
		st.dirs[st.n_dirs++] = opts->search_path[i];
	for (i = 0; i < n_ovs; i++) {
		parsed[i] = ae_override_parse(opts->overrides[i], err);
		if (!parsed[i])
			goto fail;
	}
	if (classify(&st, (const ae_override *const *)parsed, n_ovs, config_ovs,
	             &n_config) < 0)
		goto fail;
	primary.config_path = (char *)path;
	primary.group_path = (char *)"";
	primary.default_rel_pkg = (char *)"";
	primary.parent_pkg = "";
	primary.primary = 1;
	{
		const char *base = strrchr(path, '/');

		primary_name = strdup(base ? base + 1 : path);
		if (!primary_name) {
			nomem(&st);
			goto fail;
		}
		if (strlen(primary_name) > 5 &&
		    !strcmp(primary_name + strlen(primary_name) - 5, ".yaml"))
			primary_name[strlen(primary_name) - 5] = '\0';
		primary.stack_name = primary_name;
	}
	if (!is_file(path)) {
		struct stat sb;

		ae_error_set(err, path, 0, 0, NULL,
		             "cannot read the config file: %s",
		             stat(path, &sb) < 0 ? strerror(errno)
		                                 : "not a regular file");
		goto fail;
	}
	if (build(&st, &primary, &l, NULL, &had_defaults) < 0)
		goto fail;
	root = ae_node_new_map();
	if (!root) {
		nomem(&st);
		goto fail;
	}
	if (merge_list(&st, root, &l) < 0)
		goto fail;
	if (check_unused(&st, root, !had_defaults, key_deletes,
	                 &n_key_deletes) < 0)
		goto fail;
	for (i = 0; i < n_key_deletes; i++) {
		ae_override del = *key_deletes[i];

		del.kind = AE_OVERRIDE_DELETE;
		if (ae_override_apply(root, &del, err) < 0)
			goto fail;
	}
	for (i = 0; i < n_config; i++)
		if (check_not_group(&st, root, config_ovs[i]) < 0 ||
		    ae_override_apply(root, config_ovs[i], err) < 0)
			goto fail;
	goto out;
fail:
	ae_node_free(root);
	root = NULL;
out:
	elist_clear(&l);
	for (i = 0; parsed && i < n_ovs; i++)
		ae_override_free(parsed[i]);
	free(parsed);
	free(config_ovs);
	free(key_deletes);
	free(primary_name);
	state_free(&st);
	return root;
}
