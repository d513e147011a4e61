/* helper_dirs: what the helper reads and writes, opened once at its start:
 * the provenance directory (--provenance-dir: ae_safedir, the user's), this
 * start's directory (AUTOEXP_JOB_DIR, the user's) and the resolved config
 * (--config, read into memory).
 *
 * A path inside the provenance directory (the plugin's config and start
 * directory are) is reached from its descriptor and never looked up again:
 * someone who can rename a directory above it could otherwise swap in a
 * directory and config of their own after the check, and have the helper
 * run their commands. A path elsewhere (a helper run by hand) is resolved
 * once. The worker, restarted by the supervisor, loads the config from the
 * text read here, and the actions use the descriptors (ae_eval_dirs).
 */
#ifndef HELPER_DIRS_H
#define HELPER_DIRS_H

#include <stddef.h>

#include "ae_condition.h"
#include "ae_error.h"

typedef struct helper_dirs {
	ae_eval_dirs run;  /* prov_fd, job_fd and their paths (owned here) */
	char *config_text; /* the config as read, NUL-ended; NULL: see err */
	size_t config_len;
	char *config_name;   /* its path, for messages */
	ae_error config_err; /* why config_text is NULL */
	ae_error job_err;    /* why run.job_fd is -1 (when set) */
} helper_dirs;

/* Open the provenance directory prov_dir (absolute, the user's). Returns 0
 * or -1 with err set; d is ready for helper_dirs_close either way. */
int helper_dirs_open(helper_dirs *d, const char *prov_dir, ae_error *err);

/* Read the config at config_path and open the start's directory job_dir
 * (NULL or "": none), relative to the provenance directory when they are
 * in it. What fails is kept in config_err / job_err, for the worker to
 * report. */
void helper_dirs_load(helper_dirs *d, const char *config_path,
                      const char *job_dir);

void helper_dirs_close(helper_dirs *d);

#endif /* HELPER_DIRS_H */
