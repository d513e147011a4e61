/* ae_cooldown_config: the config of a cooldown run, built from the parent's
 * recorded config with rendered overrides (internal to RunAutoexpAction;
 * see ae_cooldown.h for the rules). */
#ifndef AE_COOLDOWN_CONFIG_H
#define AE_COOLDOWN_CONFIG_H

#include <jansson.h>
#include <stddef.h>

#include "ae_error.h"
#include "ae_node.h"
#include "ae_template.h"

/* Top-level key and member of the parent record in a cooldown's config. */
#define AE_COOLDOWN_RESERVED_KEY "autoexp"
#define AE_COOLDOWN_PARENT_KEY   "parent"

/* The context override values are rendered with: t with deep copies of
 * its metadata, vars and config in which every string containing "${" is
 * escaped (ae_cooldown_spec_escape), so that what a value puts in (the
 * log's text, a job name, a "\\${...}" the parent's config resolved to a
 * literal "${...}") stays text in the child. 0, or -1 when memory runs out
 * (*esc then owns nothing). Free with ae_cooldown_config_escaped_ctx_free. */
int ae_cooldown_config_escaped_ctx(const ae_template_ctx *t,
                                   ae_template_ctx *esc);
void ae_cooldown_config_escaped_ctx_free(ae_template_ctx *esc);

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
