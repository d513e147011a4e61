/* ae_searchpath: the config search path, built the same way by the CLI and
 * the SPANK plugin.
 *
 * Order (first match wins): the explicit config directories (--config-dir,
 * in the order given), then the entries of AUTOEXP_CONFIG_PATH
 * (colon-separated, empty entries skipped), then the installed presets
 * directory. The primary config's own directory is searched before all of
 * these by ae_compose itself.
 *
 * The environment value is passed in, never read here: the plugin takes it
 * from the submitting user's environment, the CLI from its own.
 */
#ifndef AE_SEARCHPATH_H
#define AE_SEARCHPATH_H

#include <stddef.h>

#include "ae_error.h"

/* Name of the environment variable holding extra search directories. */
#define AE_SEARCHPATH_ENV "AUTOEXP_CONFIG_PATH"

typedef struct ae_searchpath {
	char **dirs; /* owned strings */
	size_t n, cap;
} ae_searchpath;

/* A new, empty search path (caller frees), or NULL when memory runs out. */
ae_searchpath *ae_searchpath_new(void);
/* Safe on NULL. */
void ae_searchpath_free(ae_searchpath *sp);

/* Append one directory (copied). An empty string is ignored. A directory
 * already on the path is not added again: the first position wins anyway.
 * Returns 0 or -1 with err set. */
int ae_searchpath_add(ae_searchpath *sp, const char *dir, ae_error *err);

/* Append each entry of a colon-separated list (NULL or "" adds nothing). */
int ae_searchpath_add_list(ae_searchpath *sp, const char *list, ae_error *err);

/* The whole path in the documented order: config_dirs[0..n_config_dirs),
 * then env_value (the value of AUTOEXP_CONFIG_PATH, may be NULL), then
 * presets_dir (may be NULL). Returns a new search path or NULL with err. */
ae_searchpath *ae_searchpath_build(const char *const *config_dirs,
                                   size_t n_config_dirs, const char *env_value,
                                   const char *presets_dir, ae_error *err);

/* The directories, borrowed, for ae_compose_opts.search_path. */
const char *const *ae_searchpath_dirs(const ae_searchpath *sp, size_t *n);

#endif /* AE_SEARCHPATH_H */
