/* ae_fields: reading typed fields of a config mapping (monitoring rules,
 * conditions, actions) with errors that point at the source.
 *
 * Used by the compile functions of the rule engine. When `unresolved` is set
 * (checking a config at submission, before interpolation), a field whose value
 * is an interpolation string is accepted for any type: its value is only known
 * at job start.
 */
#ifndef AE_FIELDS_H
#define AE_FIELDS_H

#include "ae_error.h"
#include "ae_node.h"

/* Fail when cfg is not a mapping or has a key not in `known` (NULL-ended).
 * The error names the unknown key, its place, and what is allowed. */
int ae_fields_check(const ae_node *cfg, const char *what,
                    const char *const *known, ae_error *err);

/* String field: *out borrowed (NULL when absent or null; an error when
 * `required`). Other types, and a string with a NUL inside, are refused.
 * Returns 0 or -1. */
int ae_fields_string(const ae_node *cfg, const char *key, int required,
                     const char **out, ae_error *err);

/* Optional number (int or float) >= 0; *out unchanged when absent. */
int ae_fields_seconds(const ae_node *cfg, const char *key, int unresolved,
                      double *out, ae_error *err);

/* Optional integer; *out unchanged when absent. */
int ae_fields_int(const ae_node *cfg, const char *key, int unresolved,
                  long long *out, ae_error *err);

/* Optional bool; *out unchanged when absent. */
int ae_fields_bool(const ae_node *cfg, const char *key, int unresolved,
                   int *out, ae_error *err);

/* Optional list of strings (the node itself, borrowed, or NULL when absent).
 * A plain string is refused with a message that no shell is used, and so is
 * an argument with a NUL inside (execve could not pass it). */
int ae_fields_argv(const ae_node *cfg, const char *key, int required,
                   const ae_node **out, ae_error *err);

/* True when node is a string containing "${" or the missing value "???":
 * its value is decided at job start. */
int ae_fields_deferred(const ae_node *node);

/* Copy n bytes of s into a new NUL-terminated string that is valid UTF-8:
 * invalid bytes are dropped (as Python's errors="ignore" does). NULL when
 * memory runs out. */
char *ae_fields_utf8_dup(const char *s, size_t n);

/* True when s[0, n) is valid UTF-8 (NUL included). */
int ae_fields_utf8_valid(const char *s, size_t n);

/* True when s[start, end) is whole text: valid UTF-8 without a NUL, with no
 * invalid byte just before or after it. A match of PCRE2_MATCH_INVALID_UTF
 * stops at an invalid byte, and ae_fields_utf8_dup drops it: a value
 * captured from a line that fails this is a cut (say, a path "/tmp/" out of
 * "/tmp/\xff..."), not the line's. */
int ae_fields_utf8_whole(const char *s, size_t n, size_t start, size_t end);

#endif /* AE_FIELDS_H */
