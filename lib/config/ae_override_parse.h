/* ae_override_parse: Hydra's override grammar
 * (hydra/grammar/OverrideParser.g4).
 *
 *   key=value      change an existing key
 *   +key=value     add a key that must not exist
 *   ++key=value    add or change
 *   ~key[=value]   delete (when value given, only if it matches)
 *   group=option   select a config group option (handled by ae_compose)
 */
#ifndef AE_OVERRIDE_PARSE_H
#define AE_OVERRIDE_PARSE_H

#include "ae_error.h"
#include "ae_node.h"

typedef enum ae_override_kind {
	AE_OVERRIDE_CHANGE, /* key=value */
	AE_OVERRIDE_ADD,    /* +key=value */
	AE_OVERRIDE_FORCE,  /* ++key=value */
	AE_OVERRIDE_DELETE, /* ~key */
} ae_override_kind;

typedef struct ae_override {
	ae_override_kind kind;
	char *key;      /* dotted key path, owned; may carry "@package" */
	ae_node *value; /* parsed value, owned; NULL for a bare delete */
	char *text;     /* the override as written, owned */
} ae_override;

/* Parse one override. Returns a new override (free with ae_override_free) or
 * NULL with err set; err->file is "<override>" and err->column points into
 * the text. */
ae_override *ae_override_parse(const char *text, ae_error *err);
void ae_override_free(ae_override *ov);

#endif /* AE_OVERRIDE_PARSE_H */
