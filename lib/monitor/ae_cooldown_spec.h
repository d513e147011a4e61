/* ae_cooldown_spec: RunAutoexpAction as a config writes it (the fields are
 * described in ae_cooldown.h), compiled and checked.
 *
 * Checking needs no submission machinery, so it lives below the monitoring
 * rules: ae_action's table holds a class made of these fields, compile and
 * free, whose start fails. sbatch's plugin and `autoexp check` so refuse a
 * bad RunAutoexpAction without registering anything; the helper registers
 * the class that runs (ae_cooldown_register) before it compiles its rules.
 */
#ifndef AE_COOLDOWN_SPEC_H
#define AE_COOLDOWN_SPEC_H

#include <stddef.h>

#include "ae_condition.h"
#include "ae_error.h"
#include "ae_node.h"
#include "ae_template.h"

#define AE_COOLDOWN_CLASS "RunAutoexpAction"

/* One override template, split at its first '=' into key and value. */
typedef struct ae_cooldown_spec_override ae_cooldown_spec_override;

/* A compiled RunAutoexpAction (the data of its class; all members
 * owned). */
typedef struct ae_cooldown_spec {
	ae_template *name, *config_path, *script, *sbatch;
	ae_cooldown_spec_override **ovs;
	size_t n_ovs;
	ae_template **args; /* sbatch_args */
	size_t n_args;
	double timeout, retry; /* timeout_seconds, retry_seconds */
} ae_cooldown_spec;

/* The allowed keys, class_name included; NULL-ended. */
extern const char *const ae_cooldown_spec_fields[];

/* ae_action_class.compile: check cfg and set *data to a new
 * ae_cooldown_spec (free with ae_cooldown_spec_free). Returns 0 or -1 with
 * err set at the offending node. */
int ae_cooldown_spec_compile(const ae_node *cfg, int unresolved, void **data,
                             ae_error *err);
/* ae_action_class.free. Safe on NULL. */
void ae_cooldown_spec_free(void *data);

/* ae_action_class.start of the check-only class: fails with err set (the
 * action runs only in the helper). x is an ae_action_exec, declared here
 * by its tag because ae_action includes this header, not the reverse. */
struct ae_action_exec;
int ae_cooldown_spec_start(const void *data, const ae_eval_env *env,
                           struct ae_action_exec *x, ae_error *err);

/* Compile an override from a config scalar. Constant overrides are checked
 * against Hydra's grammar now, unless `unresolved` and they still hold "${"
 * (their text changes when the config is resolved). NULL with err set at
 * node. */
ae_cooldown_spec_override *
ae_cooldown_spec_override_compile(const ae_node *node, int unresolved,
                                  ae_error *err);
void ae_cooldown_spec_override_free(ae_cooldown_spec_override *o);

/* The override text for ae_compose. The key and a constant value are
 * rendered with plain; a value with template fields is rendered with
 * escaped (event values made interpolation-safe) and then written so that
 * Hydra's parser gives back exactly the rendered text (or its number, bool
 * or null). New string (caller frees) or NULL with err set. */
char *ae_cooldown_spec_override_render(const ae_cooldown_spec_override *o,
                                       const ae_template_ctx *plain,
                                       const ae_template_ctx *escaped,
                                       ae_error *err);

/* Escape text so that resolving it as a config string gives it back:
 * every "${" gets a backslash (and backslashes before it are doubled).
 * Returns a new string (caller frees) or NULL when memory runs out. */
char *ae_cooldown_spec_escape(const char *text);

/* Quote text as a Hydra override value that parses back to exactly the
 * string text. Returns a new string (caller frees) or NULL with err set
 * when no quoting gives text back (a quote inside an interpolation). */
char *ae_cooldown_spec_quote_value(const char *text, ae_error *err);

#endif /* AE_COOLDOWN_SPEC_H */
