/* ae_submit: everything done with a config when a job is submitted: compose
 * it, check it (everything that does not depend on the job's environment),
 * fix oc.timestring, and pack the unresolved result with its reference into
 * a capture (ae_capture). Shared by the SPANK plugin (sbatch) and the CLI
 * (autoexp check), so both accept and refuse exactly the same configs. */
#ifndef AE_SUBMIT_H
#define AE_SUBMIT_H

#include <stddef.h>

#include "ae_compose.h"
#include "ae_error.h"
#include "ae_node.h"

typedef struct ae_submit_result {
	ae_node *unresolved;          /* composed tree, owned */
	char *capture;                /* ae_capture JSON, owned */
	ae_compose_warning *warnings; /* owned array */
	size_t n_warnings;
	char timestring[32];
} ae_submit_result;

/* config_dirs: --config-dir entries; env_path: AUTOEXP_CONFIG_PATH's value;
 * presets_dir: installed presets (each may be NULL/0). overrides: NULL-ended
 * or NULL. timestring: NULL for now. parent_json: the parent record of a
 * cooldown, or NULL. On success fills res (free with ae_submit_result_clear).
 * The config is read at its real path, which the capture records
 * (config_path, config_dir); a path through a directory the process holds
 * open, /proc/self/fd/N/name (how the helper hands sbatch a cooldown's or
 * a resubmission's config: ae_fdpath.h), is read as given, and the real
 * path of that directory is recorded.
 */
int ae_submit_prepare(const char *config_path, const char *const *config_dirs,
                      size_t n_config_dirs, const char *env_path,
                      const char *presets_dir, const char *const *overrides,
                      const char *timestring, const char *parent_json,
                      ae_submit_result *res, ae_error *err);

void ae_submit_result_clear(ae_submit_result *res);

#endif /* AE_SUBMIT_H */
