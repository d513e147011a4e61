/* ae_merge: OmegaConf.merge on untyped configs, and the warnings that
 * composition collects (ae_compose). */
#ifndef AE_MERGE_H
#define AE_MERGE_H

#include <stddef.h>

#include "ae_error.h"
#include "ae_node.h"

/* A warning found while composing (e.g. a parent's monitoring.log_events
 * list replaced by a child's list). */
typedef struct ae_compose_warning {
	char text[1024]; /* "file:line:col: key.path: message" */
} ae_compose_warning;

/* Merge src into dst as OmegaConf.merge does: mappings recursively, lists
 * and scalars replaced. src is not modified. Returns 0 or -1 with err. */
int ae_compose_merge(ae_node *dst, const ae_node *src, ae_error *err);

/* Same, and append a warning to *warnings (when warnings is not NULL) each
 * time a non-empty sequence under a key named `log_events` is replaced by
 * another sequence: list replacement silently drops the earlier events. */
int ae_compose_merge_warn(ae_node *dst, const ae_node *src,
                          ae_compose_warning **warnings, size_t *n_warnings,
                          ae_error *err);

/* Append a warning "file:line:col: key.path: text" made from a node (marks
 * and key path of `where`). Returns 0 or -1 when memory runs out. */
int ae_compose_warn(ae_compose_warning **warnings, size_t *n_warnings,
                    const ae_node *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* AE_MERGE_H */
