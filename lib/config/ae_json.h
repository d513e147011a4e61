/* ae_json: config tree to JSON and back, through Jansson. */
#ifndef AE_JSON_H
#define AE_JSON_H

#include <jansson.h>

#include "ae_error.h"
#include "ae_node.h"

/* Convert a tree to a new Jansson value (caller owns the reference).
 * Non-finite floats have no JSON form: they become strings "inf", "-inf",
 * "nan" (documented). Returns NULL with err set on failure. */
json_t *ae_json_from_node(const ae_node *node, ae_error *err);

/* Convert a Jansson value to a new tree (caller owns). */
ae_node *ae_json_to_node(const json_t *json, ae_error *err);

/* Pretty-printed JSON text, indent 2, keys in tree order, trailing newline.
 * malloc'ed; caller frees. NULL with err set on failure. */
char *ae_json_dump(const ae_node *node, ae_error *err);

/* Builders for the records written as JSON (capture, provenance,
 * submission). Each returns a new reference, or NULL when memory runs out
 * (json_pack's "o" then fails, as it should). */

/* s as a JSON string, or null when s is NULL. NULL also when s is not valid
 * UTF-8. */
json_t *ae_json_string_or_null(const char *s);
/* The NULL-terminated v (NULL: none) as an array, each string made by str
 * (NULL: ae_json_string_or_null). A string str gives no value for is left
 * out. */
json_t *ae_json_strv(char *const *v, json_t *(*str)(const char *s));

#endif /* AE_JSON_H */
