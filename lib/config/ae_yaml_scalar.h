/* ae_yaml_scalar: what a plain YAML scalar means, as OmegaConf reads it.
 *
 * OmegaConf 2.2 loads YAML with PyYAML's SafeLoader (YAML 1.1 implicit
 * resolvers) plus its own float rule that also takes "1e-4", and without the
 * timestamp resolver. The rules, in PyYAML's resolver order:
 *   null   ~ null Null NULL and the empty scalar
 *   bool   yes/no/true/false/on/off in lower, Capitalised and UPPER case
 *   int    [-+]? then 0b[01_]+ | 0[0-7_]+ | 0 | [1-9][0-9_]* | 0x[0-9a-fA-F_]+
 *          | [1-9][0-9_]*(:[0-5]?[0-9])+ (base 60)
 *   float  [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+]?[0-9]+)?
 *          | [-+]?[0-9][0-9_]*[eE][-+]?[0-9]+ | \.[0-9_]+([eE][-+][0-9]+)?
 *          | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF)
 *          | \.(nan|NaN|NAN)
 *   "<<" is the merge key and "=" the YAML 1.1 value key; anything else is a
 *   string. Underscores are dropped before conversion; "0x_" or "._" match
 *   the shapes but do not convert, and OmegaConf then fails: so do we.
 * One deliberate difference: OmegaConf ints are unbounded; ours are 64-bit
 * and a larger one is an error rather than a silent change of value.
 */
#ifndef AE_YAML_SCALAR_H
#define AE_YAML_SCALAR_H

#include <stddef.h>

#include "ae_error.h"
#include "ae_node.h"

typedef enum ae_yaml_scalar_kind {
	AE_YAML_SCALAR_STR = 0,
	AE_YAML_SCALAR_NULL,
	AE_YAML_SCALAR_BOOL,
	AE_YAML_SCALAR_INT,
	AE_YAML_SCALAR_FLOAT,
	AE_YAML_SCALAR_MERGE, /* "<<" */
	AE_YAML_SCALAR_VALUE, /* "=" */
} ae_yaml_scalar_kind;

/* The kind a plain scalar resolves to, by its shape alone (a shape that
 * does not convert, like "0x_", still reports INT). */
ae_yaml_scalar_kind ae_yaml_scalar_classify(const char *text, size_t len);

/* Type a plain scalar: a new node (caller owns) of the resolved type, or
 * NULL with err->text set (no location: the caller knows it) when the value
 * does not convert (int beyond 64 bits, "._", "=" or "<<" as a value) or
 * memory runs out. */
ae_node *ae_yaml_scalar_node(const char *text, size_t len, ae_error *err);

/* Build a scalar with an explicit YAML tag, as PyYAML's SafeConstructor
 * does: "tag:yaml.org,2002:" + str|int|float|bool|null. Other tags are an
 * error. Same ownership and errors as ae_yaml_scalar_node(). */
ae_node *ae_yaml_scalar_tagged(const char *tag, const char *text, size_t len,
                               ae_error *err);

/* True when a string must be quoted to read back as that same string, or
 * when OmegaConf.save would quote it (it quotes anything Python's int() or
 * float() accept, every YAML 1.1 bool spelling incl. y/n, and timestamps). */
int ae_yaml_scalar_needs_quotes(const char *text, size_t len);

/* Python's repr() of a double ("0.1", "1e-05", "inf", "nan"). buf should
 * hold at least 32 bytes. Returns buf. */
char *ae_yaml_float_repr(double f, char *buf, size_t size);

/* A double as PyYAML writes it, which reads back as the same float:
 * "1.0", "1.0e-05", ".inf", "-.inf", ".nan". Returns buf (>= 32 bytes). */
char *ae_yaml_float_format(double f, char *buf, size_t size);

/* The string form of a scalar used as a mapping key (keys are strings in
 * our tree): strings as they are, ints in decimal, bools "true"/"false",
 * floats as Python's repr -- what json.dumps writes for such keys. Returns
 * a malloc'ed string, or NULL for null (not a valid key in OmegaConf) or
 * a collection, or when memory runs out. */
char *ae_yaml_key_string(const ae_node *scalar);

#endif /* AE_YAML_SCALAR_H */
