/* ae_yaml: YAML to config tree and back, through libyaml.
 *
 * Loading types plain scalars as OmegaConf does after PyYAML's YAML 1.1
 * resolver (null/~, every boolean spelling, ints in decimal/hex/octal with
 * underscores, floats including .inf/.nan and OmegaConf's float rule); quoted
 * scalars stay strings (AE_NODE_QUOTED). Merge keys (<<) follow PyYAML.
 * Duplicate keys, tabs in indentation, and anything past the limits are
 * errors with file:line:column.
 *
 * Where we differ from OmegaConf, on purpose (details in ae_yaml_scalar.h):
 * an int beyond 64 bits is an error, not a bigger int; keys are strings, so
 * a non-string key takes its JSON form (1 -> "1", true -> "true", 1.5 ->
 * "1.5"), a null key is an error as in OmegaConf, and '1' and 1 in one
 * mapping are a duplicate (OmegaConf keeps both; it also lets a repeated
 * int key replace the first, we refuse). Tags: !!str/!!int/!!float/!!bool/
 * !!null on scalars, !!map/!!seq on collections; others (!!binary,
 * !!timestamp, !foo) are errors. A tab is refused wherever PyYAML refuses
 * it: anywhere but inside quoted or block scalars and comments. Only one
 * document per file; an empty one (or "null") is an empty mapping; any
 * other non-mapping root is an error (OmegaConf.load takes a list).
 *
 * Emitting is ae_yaml_emit's (included here for callers).
 */
#ifndef AE_YAML_H
#define AE_YAML_H

#include <stddef.h>

#include "ae_error.h"
#include "ae_node.h"
#include "ae_yaml_emit.h"

typedef struct ae_yaml_limits {
	size_t max_bytes;      /* input size; default 16 MiB */
	size_t max_depth;      /* nesting depth; default 256 */
	size_t max_nodes;      /* nodes after alias expansion; default 1e6 */
	size_t max_alias_refs; /* alias dereferences; default 10000 */
	/* bytes of strings and keys that aliases copy, in all; default
	 * 16 MiB */
	size_t max_alias_bytes;
} ae_yaml_limits;

/* Defaults as documented above. */
void ae_yaml_limits_default(ae_yaml_limits *limits);

/* Load one YAML document. An empty document gives an empty mapping. `name`
 * is the file name recorded in marks and errors. limits may be NULL for the
 * defaults. Returns a new tree (caller owns) or NULL with err set. */
ae_node *ae_yaml_load_file(const char *path, const ae_yaml_limits *limits,
                           ae_error *err);
ae_node *ae_yaml_load_string(const char *text, size_t len, const char *name,
                             const ae_yaml_limits *limits, ae_error *err);

#endif /* AE_YAML_H */
