/* ae_compose: Hydra-style composition (defaults lists, config groups on a
 * search path). Merging is ae_merge's. */
#ifndef AE_COMPOSE_H
#define AE_COMPOSE_H

#include <stddef.h>

#include "ae_error.h"
#include "ae_merge.h" /* ae_compose_warning; merging, for callers */
#include "ae_node.h"

typedef struct ae_compose_opts {
	/* Config search path, in order, after the primary config's own
	 * directory: --config-dir entries, AUTOEXP_CONFIG_PATH entries, then
	 * the installed presets. Borrowed. */
	const char *const *search_path;
	size_t n_search_path;
	/* Overrides in Hydra's grammar, applied in order. Borrowed. */
	const char *const *overrides;
	size_t n_overrides;
	/* Warnings are appended here when not NULL (caller frees *warnings). */
	ae_compose_warning **warnings;
	size_t *n_warnings;
} ae_compose_opts;

/* Compose the primary config file `path` with its defaults lists and the
 * overrides. The result is unresolved (interpolations intact) and has no
 * `defaults` key. Returns a new tree (caller owns) or NULL with err set.
 *
 * Semantics are Hydra 1.1+'s: a defaults list without `_self_` has it
 * implicitly LAST (the file's own content overrides what its list pulls
 * in); group entries and packages are relative to the containing config's
 * group; `override` entries and command-line `group=option` choices replace
 * earlier choices (command line first, then the last one written);
 * `+group=option` appends to the primary's list, `~group` drops an entry.
 * Packages: `group@pkg`, and `# @package _global_|_group_|a.b` headers.
 * When the primary file has no defaults list (a captured config), a
 * `group=option` that matches no entry replaces the subtree at the group's
 * package by the option's content, and `~group` deletes that key. Values
 * keep their source marks. */
ae_node *ae_compose_file(const char *path, const ae_compose_opts *opts,
                         ae_error *err);

#endif /* AE_COMPOSE_H */
