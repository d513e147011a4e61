/* ae_template: the `{key}` templates of monitoring actions and conditions.
 *
 * Python str.format rules, restricted to named fields:
 *   {key}  {key:spec}  {key!s:spec}    a value, formatted
 *   {{  }}                             literal braces
 *   ${...}                             left exactly as written (an OmegaConf
 *                                      interpolation for a later resolve;
 *                                      "$${x}" keeps both dollars)
 * A key is looked up, in order, in the event metadata (rule metadata and
 * extracted groups), the helper's variables (output_dir, job_id, ...), and
 * the resolved config by dotted path ("project.base_output_dir"; a numeric
 * part indexes a list). Values print as Python's str() does.
 * Format specs: [[fill]align][sign][#][0][width][,|_][.precision][type] with
 * types s, d, x, X, o, b, n, c, f, F, e, E, g, G, %. A string value is
 * converted for a numeric type ("100" with 07d gives 0000100).
 * An unknown key or a value that does not fit the spec is an error: the
 * text is never used with a literal {x} left in it.
 */
#ifndef AE_TEMPLATE_H
#define AE_TEMPLATE_H

#include "ae_error.h"
#include "ae_node.h"

typedef struct ae_template ae_template;

/* Where keys are looked up; every member may be NULL. All borrowed. */
typedef struct ae_template_ctx {
	const ae_node *metadata; /* mapping: the event's metadata */
	const ae_node *vars;   /* mapping: output_dir, job_id, job_name, ... */
	const ae_node *config; /* the resolved config root */
} ae_template_ctx;

/* Parse text. Returns a new template (caller frees) or NULL with err set;
 * err->column is the 1-based character position in text. */
ae_template *ae_template_parse(const char *text, ae_error *err);
void ae_template_free(ae_template *tpl);

/* True when the template has no fields (rendering gives back the text with
 * {{ }} unescaped). */
int ae_template_is_constant(const ae_template *tpl);

/* Render. Returns a new string (caller frees) or NULL with err set. */
char *ae_template_render(const ae_template *tpl, const ae_template_ctx *ctx,
                         ae_error *err);

/* Render for glob(3): the values put into the text have *, ?, [, ] and \
 * escaped, so that only the template's own text is a pattern (a path from a
 * log line matches itself only). */
char *ae_template_render_glob(const ae_template *tpl,
                              const ae_template_ctx *ctx, ae_error *err);

/* Parse and render in one go. */
char *ae_template_expand(const char *text, const ae_template_ctx *ctx,
                         ae_error *err);

/* The value a key names (borrowed), or NULL when unknown. */
const ae_node *ae_template_lookup(const ae_template_ctx *ctx, const char *key);

/* Python str() of a scalar value (strings as they are). New string, NULL
 * when memory runs out. */
char *ae_template_str(const ae_node *value);

/* Template from a config scalar: a string is parsed (errors carry the node's
 * file:line:col and key path), other scalars give their str() form. */
ae_template *ae_template_from_node(const ae_node *node, ae_error *err);

/* Render n templates into a new NULL-ended array of new strings (free with
 * ae_template_argv_free), or NULL with err set. */
char **ae_template_render_argv(ae_template *const *tpls, size_t n,
                               const ae_template_ctx *ctx, ae_error *err);
void ae_template_argv_free(char **argv);

#endif /* AE_TEMPLATE_H */
