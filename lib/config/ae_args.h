/* ae_args: a config mapping as a program's command-line flags.
 *
 * `autoexp args` prints the Megatron flags of a job's config for its batch
 * script. Each key of the mapping becomes "--key" with underscores turned
 * into dashes (train_iters -> --train-iters), followed by its value:
 *   int          the decimal number                  --train-iters 100
 *   float        Python's repr                       --lr 0.0001, --min-lr
 * 1e-05 string       as it is (an empty string too)      --save /ckpt true the
 * bare flag                       --async-save false, null  nothing: the flag
 * is left out list         the flag, then each element --eval-iters-list 1 2
 *                (scalars; true/false as True/False, null refused);
 *                an empty list is left out
 * A nested mapping, or a list inside a list, is an error naming its place:
 * flags cannot express it, and dropping it silently would run the job with
 * settings the config does not show.
 */
#ifndef AE_ARGS_H
#define AE_ARGS_H

#include <stddef.h>

#include "ae_error.h"
#include "ae_node.h"

typedef struct ae_args {
	char **argv; /* NULL-terminated; words owned */
	size_t argc;
	size_t cap;
} ae_args;

/* An empty list, or NULL when memory runs out. */
ae_args *ae_args_new(void);
/* Free the list and its words. Safe on NULL. */
void ae_args_free(ae_args *args);

/* Append a copy of word. Returns 0 or -1 (ENOMEM, err set). */
int ae_args_push(ae_args *args, const char *word, ae_error *err);

/* Append the flags of `node`, a mapping (or null: no flags), by the rules
 * above. Returns 0, or -1 with err set at the offending node; on failure
 * args may hold part of the flags. */
int ae_args_from_node(ae_args *args, const ae_node *node, ae_error *err);

/* The node at a dotted key path ("backend.megatron"; list elements by
 * index), borrowed from root. NULL with err set (at the last node found)
 * when a key is missing or a scalar is in the way. "" is root itself. */
const ae_node *ae_args_lookup(const ae_node *root, const char *path,
                              ae_error *err);

/* One word quoted for a POSIX shell: returned unchanged when it only holds
 * characters no shell treats specially (letters, digits, and _ @ % + = : , .
 * / -) and is not empty; otherwise in single quotes, each ' written as
 * '\''. malloc'ed (caller frees), NULL when memory runs out. */
char *ae_args_shell_quote(const char *word);

/* All words shell-quoted and joined by single spaces (no newline).
 * malloc'ed (caller frees), NULL with err set when memory runs out. */
char *ae_args_shell_join(const ae_args *args, ae_error *err);

#endif /* AE_ARGS_H */
