/* ae_override_cast: the cast functions of Hydra 1.3's override grammar,
 * int(), float(), str() and bool() (hydra/_internal/grammar/
 * grammar_functions.py cast_*). A list is cast item by item and a mapping
 * value by value, at any depth; the keys stay. Scalars follow Python:
 *
 *   int()    int(x): floats truncate (int(-2.7) = -2), strings are decimal
 *            with optional blanks, sign and '_' between digits ('0x10' is
 *            an error), true/false are 1/0; inf, nan and null are errors
 *   float()  float(x): also 'inf', 'infinity', 'nan' in any case
 *   str()    str(x), except that booleans give "true"/"false" (Hydra lowers
 *            them) and floats are Python's repr ("1e-05", "1000000.0");
 *            null is an error
 *   bool()   a string must be "true" or "false" in any case (no blanks);
 *            numbers are true when not zero; null is false
 *
 * One difference, as everywhere in autoexp: an int beyond 64 bits (int(1e30))
 * is an error, not Python's unbounded int. */
#ifndef AE_OVERRIDE_CAST_H
#define AE_OVERRIDE_CAST_H

#include <stddef.h>

#include "ae_node.h"

typedef enum ae_override_cast_kind {
	AE_OVERRIDE_CAST_INT,
	AE_OVERRIDE_CAST_FLOAT,
	AE_OVERRIDE_CAST_STR,
	AE_OVERRIDE_CAST_BOOL,
} ae_override_cast_kind;

/* The cast function named by the len bytes at name ("int", "float", "str",
 * "bool": case matters, as in Hydra), or -1 when it is not one. */
int ae_override_cast_find(const char *name, size_t len);

/* value cast by kind: a new node (caller owns) carrying the source marks of
 * value's nodes, or NULL with the reason in msg, Python's words where Python
 * has them ("invalid literal for int() with base 10: 'a'"); msg is empty when
 * memory ran out. value is not changed. */
ae_node *ae_override_cast(ae_override_cast_kind kind, const ae_node *value,
                          char *msg, size_t msgsize);

#endif /* AE_OVERRIDE_CAST_H */
