/* ae_secret: keep secrets out of provenance.
 *
 * A name is secret-looking when it contains KEY, SECRET, TOKEN, PASSWORD or
 * CREDENTIAL (any case). Environment variables with such names are left out
 * of run_metadata.json; config values under such keys are replaced by
 * AE_SECRET_REDACTED in the provenance copies of the config (interpolations
 * such as ${oc.env:WANDB_API_KEY} are kept in the unresolved copy: they hold
 * no secret and let a follow-up resolve it again from its own environment).
 */
#ifndef AE_SECRET_H
#define AE_SECRET_H

#include "ae_node.h"

#define AE_SECRET_REDACTED "<redacted>"

/* 1 when name looks like it holds a secret. */
int ae_secret_name(const char *name);

/* Replace every scalar under a secret-looking key (at any depth, including
 * inside lists under that key) by AE_SECRET_REDACTED. With keep_interpolations,
 * strings containing "${" are left as they are. Returns how many values were
 * replaced, or -1 when memory ran out. */
long ae_secret_redact(ae_node *tree, int keep_interpolations);

#endif /* AE_SECRET_H */
