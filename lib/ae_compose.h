/* ae_compose: Hydra-style composition (defaults lists, config groups on a
 * search path) and OmegaConf merging. */
#ifndef AE_COMPOSE_H
#define AE_COMPOSE_H

#include <stddef.h>

#include "ae_error.h"
#include "ae_node.h"

/* A warning found while composing (e.g. a parent's monitoring.log_events
 * list replaced by a child's list). */
typedef struct ae_compose_warning {
	char text[1024]; /* "file:line:col: key.path: message" */
} ae_compose_warning;

typedef struct ae_compose_opts {
	/* Config search path, in order, after the primary config's own
	 * directory: --config-dir entries, AUTOEXP_CONFIG_PATH entries, then the
	 * installed presets. Borrowed. */
	const char *const *search_path;
	size_t n_search_path;
	/* Overrides in Hydra's grammar, applied in order. Borrowed. */
	const char *const *overrides;
	size_t n_overrides;
	/* Warnings are appended here when not NULL (caller frees *warnings). */
	ae_compose_warning **warnings;
	size_t *n_warnings;
} ae_compose_opts;

/* Merge src into dst as OmegaConf.merge does: mappings recursively, lists
 * and scalars replaced. src is not modified. Returns 0 or -1 with err. */
int ae_compose_merge(ae_node *dst, const ae_node *src, ae_error *err);

/* Compose the primary config file `path` with its defaults lists and the
 * overrides. The result is unresolved (interpolations intact) and has no
 * `defaults` key. Returns a new tree (caller owns) or NULL with err set. */
ae_node *ae_compose_file(const char *path, const ae_compose_opts *opts,
			 ae_error *err);

#endif /* AE_COMPOSE_H */
