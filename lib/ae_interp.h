/* ae_interp: OmegaConf 2.x interpolation and resolvers.
 *
 * Strings containing "${" are interpolations: node references (${a.b},
 * ${a.0}, ${a[0]}, relative ${.x} ${..x}) and resolver calls
 * (${oc.env:HOME,/tmp}). A string that is exactly one interpolation takes the
 * target's type (mappings and lists included); otherwise the result is a
 * string. Escapes follow OmegaConf (\${ and its backslash rules); in
 * addition, and unlike OmegaConf, "$${" is an escape too (see docs/config.md):
 * an escaped interpolation survives one resolution as literal "${...}".
 */
#ifndef AE_INTERP_H
#define AE_INTERP_H

#include "ae_error.h"
#include "ae_node.h"

/* Environment lookup used by oc.env: returns the value or NULL when unset.
 * The default (NULL callback) is getenv(). */
typedef const char *(*ae_env_fn)(const char *name, void *ctx);

typedef struct ae_resolve_opts {
	/* The value of ${oc.timestring:} for this resolution, e.g.
	 * "20251216_095550_123". NULL: take the current UTC time once, so every
	 * use within one resolution agrees. */
	const char *timestring;
	ae_env_fn env;
	void *env_ctx;
	/* When set, oc.env is not evaluated: it resolves to a placeholder and
	 * is only checked for grammar (submission-time checking, where the job's
	 * environment is not known yet). */
	int defer_env;
} ae_resolve_opts;

/* Resolve every interpolation in the tree rooted at `root`; returns a new
 * fully resolved tree (caller owns), with escapes turned into their literal
 * text. NULL with err set (file:line:col and key path of the failing node). */
ae_node *ae_interp_resolve(const ae_node *root, const ae_resolve_opts *opts,
			   ae_error *err);

/* Check every interpolation in the tree: grammar, target keys exist, resolver
 * names known, resolver arguments valid where they can be checked without the
 * job's environment. Returns 0 or -1 with err set. */
int ae_interp_check(const ae_node *root, const ae_resolve_opts *opts,
		    ae_error *err);

/* Fill buf (at least 24 bytes) with the current UTC time in the
 * oc.timestring format: %Y%m%d_%H%M%S_ plus milliseconds. */
void ae_interp_timestring_now(char *buf, size_t size);

#endif /* AE_INTERP_H */
