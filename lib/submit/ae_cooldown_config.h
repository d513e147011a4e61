/* ae_cooldown_config: the config of a cooldown run, built from the parent's
 * recorded config with rendered overrides (internal to RunAutoexpAction;
 * see ae_cooldown.h for the rules). */
#ifndef AE_COOLDOWN_CONFIG_H
#define AE_COOLDOWN_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "ae_error.h"
#include "ae_node.h"

/* Top-level key and member of the parent record in a cooldown's config. */
#define AE_COOLDOWN_RESERVED_KEY "autoexp"
#define AE_COOLDOWN_PARENT_KEY   "parent"

/* A deep copy of a tree whose strings containing "${" are escaped
 * (ae_cooldown_spec_escape). NULL when memory runs out. */
ae_node *ae_cooldown_config_escaped_copy(const ae_node *node);

/* Compose config_path with the override texts against search (n_search
 * directories after the config's own). Warnings are appended to warnings
 * (a JSON array, may be NULL) as strings. New tree or NULL with err set. */
ae_node *ae_cooldown_config_compose(const char *config_path,
                                    const char *const *search, size_t n_search,
                                    char *const *overrides, size_t n_overrides,
                                    json_t *warnings, ae_error *err);

/* Set root.autoexp.parent to the JSON object parent, every string escaped
 * (a non-mapping `autoexp` is replaced). 0 or -1 with err set. */
int ae_cooldown_config_set_parent(ae_node *root, const json_t *parent,
                                  ae_error *err);

#endif /* AE_COOLDOWN_CONFIG_H */
