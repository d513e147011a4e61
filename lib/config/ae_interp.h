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
#include "ae_resolvers.h" /* ae_resolve_opts */

/* Resolve every interpolation in the tree rooted at `root`; returns a new
 * fully resolved tree (caller owns), with escapes turned into their literal
 * text. NULL with err set (file:line:col and key path of the failing node). */
ae_node *ae_interp_resolve(const ae_node *root, const ae_resolve_opts *opts,
                           ae_error *err);

/* Resolve one node of the tree rooted at `root` (relative interpolations
 * and absolute ones are seen from there): a new fully resolved copy of
 * `node` (caller owns), or NULL with err set. */
ae_node *ae_interp_resolve_node(const ae_node *root, const ae_node *node,
                                const ae_resolve_opts *opts, ae_error *err);

/* Resolve `text` as if it were the string value of `site`, a node of the
 * tree rooted at `root` (relative keys start at site's parent; errors name
 * site). Returns a new node (caller owns): the value for a lone
 * interpolation, else a string. NULL with err set. */
ae_node *ae_interp_resolve_string(const ae_node *root, const ae_node *site,
                                  const char *text, const ae_resolve_opts *opts,
                                  ae_error *err);

/* Python's str() of a resolved value, as string interpolation shows it:
 * None, True, 0.0001, 1e-05, [1, 'a'], {'k': 2}. Returns a malloc'ed
 * string (caller frees) or NULL when memory runs out. */
char *ae_interp_to_string(const ae_node *value);

/* Check every interpolation in the tree: grammar, target keys exist, resolver
 * names known, resolver arguments valid where they can be checked without the
 * job's environment. Returns 0 or -1 with err set. */
int ae_interp_check(const ae_node *root, const ae_resolve_opts *opts,
                    ae_error *err);

/* Fill buf (at least 24 bytes) with the current UTC time in the
 * oc.timestring format: %Y%m%d_%H%M%S_ plus milliseconds. */
void ae_interp_timestring_now(char *buf, size_t size);

#endif /* AE_INTERP_H */
