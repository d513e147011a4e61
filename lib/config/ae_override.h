/* ae_override: a parsed Hydra override (ae_override_parse.h) applied to a
 * config tree. */
#ifndef AE_OVERRIDE_H
#define AE_OVERRIDE_H

#include "ae_error.h"
#include "ae_node.h"
#include "ae_override_parse.h" /* the grammar, for callers */

/* Apply a parsed non-group override to a config tree (unresolved). */
int ae_override_apply(ae_node *root, const ae_override *ov, ae_error *err);

#endif /* AE_OVERRIDE_H */
