/* ae_provenance: the files under {output_dir}/provenance/ that record what a
 * run ran: the resolved and unresolved config, its reference, the run's
 * metadata (with its starts and their ends), and each start's own files
 * under jobs/ (docs/runs.md). Every file is written atomically
 * (temporary file, fsync, rename) relative to a directory fd that the caller
 * opened safely (ae_safedir), so no path is looked up twice. Job start adds
 * its files to one ae_fsbatch, run_metadata.json last: it is the record that
 * the provenance is complete.
 */
#ifndef AE_PROVENANCE_H
#define AE_PROVENANCE_H

#include <jansson.h>
#include <stddef.h>

#include "ae_capture.h"
#include "ae_error.h"
#include "ae_fsbatch.h"
#include "ae_node.h"
#include "ae_secret.h"

#define AE_PROV_RESOLVED_YAML   "resolved_config.yaml"
#define AE_PROV_RESOLVED_JSON   "resolved_config.json"
#define AE_PROV_UNRESOLVED_YAML "unresolved_config.yaml"
#define AE_PROV_REFERENCE       "config_reference.json"
#define AE_PROV_METADATA        "run_metadata.json"
#define AE_PROV_JOB_SCRIPT      "job_script.sh"
#define AE_PROV_JOBS_DIR        "jobs"
#define AE_PROV_JOB_METADATA    "job_metadata.json"

/* Pretty JSON (indent 2, trailing newline), atomically. */
int ae_provenance_write_json(int dirfd, const char *name, const json_t *obj,
                             ae_error *err);

/* The same JSON, added to a batch (written at ae_fsbatch_commit). */
int ae_provenance_add_json(ae_fsbatch *batch, const char *name,
                           const json_t *obj, ae_error *err);

/* The same into another directory of the batch (ae_fsbatch_add_at); dirfd
 * -1 is the batch's own. */
int ae_provenance_add_json_at(ae_fsbatch *batch, int dirfd, const char *name,
                              const json_t *obj, ae_error *err);

/* Read dirfd/name as JSON (new reference, caller decrefs); NULL with err set,
 * or NULL with err cleared when the file does not exist. */
json_t *ae_provenance_read_json(int dirfd, const char *name, ae_error *err);

/* sha256 (hex) of resolved_config.yaml and unresolved_config.yaml as
 * written: what run_metadata.json records, checkable with sha256sum. */
typedef struct ae_provenance_digests {
	char resolved[65];
	char unresolved[65];
} ae_provenance_digests;

/* resolved_config.yaml and resolved_config.json into each of the n_dirfds
 * directories (borrowed; a first start writes its own and the run's):
 * written into the first, linked into the others (ae_fsbatch_add_link); and,
 * when unresolved is not NULL, unresolved_config.yaml into the batch's own
 * directory; secrets redacted (ae_secret: secret-looking keys, URL
 * passwords, and in the resolved copies the values of `secrets`, which may
 * be NULL). unresolved_text (may be NULL) is the YAML the unresolved tree was
 * read from: written as it is when nothing in it needs redacting. The trees
 * are not modified. digests (may be NULL) receives the YAML files' sha256. */
int ae_provenance_add_configs(ae_fsbatch *batch, const int *dirfds,
                              size_t n_dirfds, const ae_node *resolved,
                              const ae_node *unresolved,
                              const char *unresolved_text,
                              const ae_secret_values *secrets,
                              ae_provenance_digests *digests, ae_error *err);

/* config_reference.json from the capture: config_name, config_dir,
 * config_path, search_path, overrides, timestring. */
int ae_provenance_add_reference(ae_fsbatch *batch, const ae_capture *cap,
                                ae_error *err);

/* The environment as a JSON object, without secret-looking names. envv is
 * NULL-ended "NAME=value" strings. New reference. */
json_t *ae_provenance_env_json(char *const *envv);

/* Append `entry` (reference stolen) to the array `key` of the JSON object
 * in dirfd/name (run_metadata.json or a start's job_metadata.json; created
 * when missing) and, when latest is not NULL, set the key latest to it as
 * well (the run's `ends` and `end`): one atomic rewrite, so the two never
 * disagree. */
int ae_provenance_metadata_append(int dirfd, const char *name, const char *key,
                                  const char *latest, json_t *entry,
                                  ae_error *err);

/* Set `key` of the JSON object in dirfd/name to `value` (reference
 * stolen). */
int ae_provenance_metadata_set(int dirfd, const char *name, const char *key,
                               json_t *value, ae_error *err);

#endif /* AE_PROVENANCE_H */
