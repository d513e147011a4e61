/* ae_diff: what differs between two config trees, key by key (`autoexp
 * diff`, the demo's comparison of a run and its cooldown). Key order does
 * not count: composition may order a child's keys differently without
 * changing what it means. Sequences are compared element by element.
 */
#ifndef AE_DIFF_H
#define AE_DIFF_H

#include "ae_node.h"

typedef enum ae_diff_kind {
	AE_DIFF_ADDED,   /* only in b: old is NULL */
	AE_DIFF_REMOVED, /* only in a: new is NULL */
	AE_DIFF_CHANGED, /* in both, not equal, not both mappings/sequences */
} ae_diff_kind;

/* Called once per difference, in a's key order then b's new keys. path is
 * the dotted key path ("backend.megatron.lr", "tags[2]"; "" for the roots);
 * old and new are borrowed subtrees. Return non-zero to stop. */
typedef int (*ae_diff_fn)(void *ctx, ae_diff_kind kind, const char *path,
                          const ae_node *old, const ae_node *new);

/* Walk the differences of a and b (borrowed). Returns the number of
 * differences reported, or -1 when out of memory or when fn stopped. */
long ae_diff_walk(const ae_node *a, const ae_node *b, ae_diff_fn fn, void *ctx);

#endif /* AE_DIFF_H */
