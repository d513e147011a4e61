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

/* One override template, split at its first '=' into key and value. */
typedef struct ae_cd_override ae_cd_override;

/* Compile from a config scalar. Constant overrides are checked against
 * Hydra's grammar now, unless `unresolved` and they still hold "${" (their
 * text changes when the config is resolved). NULL with err set at node. */
ae_cd_override *ae_cd_override_compile(const ae_node *node, int unresolved,
				       ae_error *err);
void ae_cd_override_free(ae_cd_override *o);

/* The override text for ae_compose. The key and a constant value are
 * rendered with plain; a value with template fields is rendered with
 * escaped (event values made interpolation-safe) and then written so that
 * Hydra's parser gives back exactly the rendered text (or its number, bool
 * or null). New string (caller frees) or NULL with err set. */
char *ae_cd_override_render(const ae_cd_override *o,
			    const ae_template_ctx *plain,
			    const ae_template_ctx *escaped, ae_error *err);

/* A deep copy of a tree whose strings containing "${" are escaped
 * (ae_cooldown_escape). NULL when memory runs out. */
ae_node *ae_cd_escaped_copy(const ae_node *node);

/* Compose config_path with the override texts against search (n_search
 * directories after the config's own). Warnings are appended to warnings
 * (a JSON array, may be NULL) as strings. New tree or NULL with err set. */
ae_node *ae_cd_compose(const char *config_path, const char *const *search,
		       size_t n_search, char *const *overrides,
		       size_t n_overrides, json_t *warnings, ae_error *err);

/* Set root.autoexp.parent to the JSON object parent, every string escaped
 * (a non-mapping `autoexp` is replaced). 0 or -1 with err set. */
int ae_cd_set_parent(ae_node *root, const json_t *parent, ae_error *err);

#endif /* AE_COOLDOWN_CONFIG_H */
