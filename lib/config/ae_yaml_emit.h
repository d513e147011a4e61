/* ae_yaml_emit: config tree to YAML, through libyaml's emitter.
 *
 * Emitting writes what OmegaConf.save writes, byte for byte (checked in
 * tests/data/yaml/valid), except that a key which looks like a number or a
 * bool is quoted, since our keys are strings.
 */
#ifndef AE_YAML_EMIT_H
#define AE_YAML_EMIT_H

#include <stdio.h>

#include "ae_error.h"
#include "ae_node.h"

/* Emit a tree as block-style YAML. Strings that would read back as another
 * type are quoted; interpolations and escapes are written verbatim so that
 * loading the output gives an equal tree. Returns a malloc'ed NUL-terminated
 * string (caller frees) or NULL with err set. */
char *ae_yaml_emit(const ae_node *root, ae_error *err);
/* Same, to a stream. Returns 0 or -1. */
int ae_yaml_emit_file(const ae_node *root, FILE *out, ae_error *err);

#endif /* AE_YAML_EMIT_H */
