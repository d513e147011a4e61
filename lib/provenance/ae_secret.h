/* ae_secret: keep secrets out of provenance.
 *
 * Three ways a secret is recognised:
 *
 * - by its name (ae_secret_name), for environment variables (left out of
 *   job_metadata.json and run_metadata.json) and config keys (their values
 *   replaced by AE_SECRET_REDACTED in the provenance copies of the config);
 * - by its value: what `${oc.env:VAR}` read from a secret-named VAR at job
 *   start is remembered (ae_secret_values) and replaced wherever it turns
 *   up in a string of the resolved config or the metadata (a URL, a
 *   command line, another key that interpolates it);
 * - inside a URL: the password of scheme://user:password@host.
 *
 * Interpolations such as ${oc.env:WANDB_API_KEY} are kept in the unresolved
 * copy: they hold no secret and let a follow-up resolve it again from its own
 * environment. Config values are the user's, so the name rules are word
 * rules that leave Megatron's arguments alone (tokenizer_type,
 * moe_token_dispatcher_type, apply_query_key_layer_scaling, data_path).
 */
#ifndef AE_SECRET_H
#define AE_SECRET_H

#include <jansson.h>
#include <stddef.h>

#include "ae_node.h"

#define AE_SECRET_REDACTED "<redacted>"

/* 1 when name looks like it holds a secret. The name is read as words
 * (split at anything but letters and digits, and before an upper-case
 * letter that follows a lower-case one: apiKey): secret when a word contains
 * SECRET, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL, COOKIE or PRIVATE; when
 * the last word ends with KEY, TOKEN or AUTH (but a tokenizer's special
 * token such as eos_token is none), or is KEYS or PASS; when the last word is
 * PWD or PAT after another word (DB_PWD, GITLAB_PAT: PWD alone is the
 * working directory); and for ACCESS followed by KEY (AWS_ACCESS_KEY_ID).
 * Any case. */
int ae_secret_name(const char *name);

/* Values known to be secret, to be found again in strings. */
typedef struct ae_secret_values ae_secret_values;

/* Shortest value remembered: shorter ones would match everywhere. */
#define AE_SECRET_MIN_VALUE 3

/* An empty set; NULL when out of memory. */
ae_secret_values *ae_secret_values_new(void);

/* NULL is ignored. */
void ae_secret_values_free(ae_secret_values *v);

/* Remember a copy of value. A value shorter than AE_SECRET_MIN_VALUE, a
 * YAML boolean or null word (true, no, null, ...) or one already known is
 * not added: it is no secret worth hiding everything that contains it.
 * 0, or -1 when memory ran out. */
int ae_secret_values_add(ae_secret_values *v, const char *value);

/* s (len bytes) with every occurrence of a value of `values` (may be NULL)
 * and the password of every URL (scheme://user:password@host, up to the
 * first / ? # quote or blank) replaced by AE_SECRET_REDACTED. With
 * keep_interpolations, a password containing "${" is kept (it is not the
 * secret, it names one). Returns the new string (NUL-terminated, *out_len
 * set; caller frees) when something changed; NULL with *oom 0 when nothing
 * did; NULL with *oom 1 when memory ran out. */
char *ae_secret_scrub(const char *s, size_t len, const ae_secret_values *values,
                      int keep_interpolations, size_t *out_len, int *oom);

/* Replace every scalar but a boolean under a secret-looking key (at any
 * depth, including inside lists under that key) by AE_SECRET_REDACTED (a
 * flag is no secret: drop_vision_class_token: true), and scrub every other
 * string (ae_secret_scrub with values, which may be NULL). With
 * keep_interpolations, strings containing "${" under secret-looking keys are
 * left as they are. Returns how many values were changed, or -1 when memory
 * ran out. */
long ae_secret_redact(ae_node *tree, const ae_secret_values *values,
                      int keep_interpolations);

/* Scrub every string of a JSON value in place (ae_secret_scrub). Object
 * keys are kept. Returns how many strings changed, or -1 when memory ran
 * out. */
long ae_secret_redact_json(json_t *json, const ae_secret_values *values);

#endif /* AE_SECRET_H */
