#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_provenance.h"

#include <stdlib.h>
#include <string.h>

#include "ae_fsutil.h"
#include "ae_json.h"
#include "ae_secret.h"
#include "ae_sha256.h"
#include "ae_yaml.h"

/* run_metadata.json and friends are small; a huge one is not ours. */
#define AE_PROV_JSON_MAX (64u * 1024u * 1024u)

/* Pretty JSON with a trailing newline (malloc'ed, *len set), or NULL. */
static char *encode_json(const json_t *obj, const char *name, size_t *len,
                         ae_error *err)
{
	char *text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	                                 JSON_REAL_PRECISION(17));
	char *full;

	if (!text) {
		ae_error_set(err, name, 0, 0, NULL, "cannot encode JSON");
		return NULL;
	}
	*len = strlen(text);
	full = realloc(text, *len + 2);
	if (!full) {
		free(text);
		ae_error_set(err, name, 0, 0, NULL, "out of memory");
		return NULL;
	}
	full[(*len)++] = '\n';
	full[*len] = '\0';
	return full;
}

int ae_provenance_write_json(int dirfd, const char *name, const json_t *obj,
                             ae_error *err)
{
	size_t len;
	char *text = encode_json(obj, name, &len, err);
	int rv;

	if (!text)
		return -1;
	rv = ae_fsutil_write_atomic(dirfd, name, text, len, AE_FSUTIL_FILE_MODE,
	                            err);
	free(text);
	return rv;
}

int ae_provenance_add_json(ae_fsbatch *batch, const char *name,
                           const json_t *obj, ae_error *err)
{
	return ae_provenance_add_json_at(batch, -1, name, obj, err);
}

int ae_provenance_add_json_at(ae_fsbatch *batch, int dirfd, const char *name,
                              const json_t *obj, ae_error *err)
{
	size_t len;
	char *text = encode_json(obj, name, &len, err);
	int rv;

	if (!text)
		return -1;
	rv = dirfd < 0 ? ae_fsbatch_add(batch, name, text, len,
	                                AE_FSUTIL_FILE_MODE, err)
	               : ae_fsbatch_add_at(batch, dirfd, name, text, len,
	                                   AE_FSUTIL_FILE_MODE, err);
	free(text);
	return rv;
}

json_t *ae_provenance_read_json(int dirfd, const char *name, ae_error *err)
{
	json_error_t jerr;
	json_t *obj;
	char *data = NULL;
	size_t len = 0;

	if (ae_fsutil_read_file(dirfd, name, AE_PROV_JSON_MAX, &data, &len,
	                        err) <= 0)
		return NULL;
	obj = json_loadb(data, len, 0, &jerr);
	free(data);
	if (!obj)
		ae_error_set(err, name, jerr.line, jerr.column, NULL, "%s",
		             jerr.text);
	return obj;
}

/* The tree's YAML; when hex is given, its sha256 (of the bytes written, so
 * `sha256sum` of the file checks it). NULL with err set. */
static char *emit_yaml(const ae_node *tree, char hex[65], ae_error *err)
{
	char *text = ae_yaml_emit(tree, err);

	if (text && hex)
		ae_sha256_hex(text, strlen(text), hex);
	return text;
}

int ae_provenance_add_configs(ae_fsbatch *batch, const int *dirfds,
                              size_t n_dirfds, const ae_node *resolved,
                              const ae_node *unresolved,
                              const char *unresolved_text,
                              const ae_secret_values *secrets,
                              ae_provenance_digests *digests, ae_error *err)
{
	ae_node *res = ae_node_copy(resolved);
	ae_node *unres = unresolved ? ae_node_copy(unresolved) : NULL;
	char *yaml = NULL, *json = NULL, *unres_yaml = NULL;
	long unres_redacted = 0;
	size_t i;
	int rv = -1;

	/* the secrets' values are the job's: the unresolved copy holds none */
	if (!res || (unresolved && !unres) ||
	    ae_secret_redact(res, secrets, 0) < 0 ||
	    (unres &&
	     (unres_redacted = ae_secret_redact(unres, NULL, 1)) < 0)) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	yaml = emit_yaml(res, digests ? digests->resolved : NULL, err);
	json = yaml ? ae_json_dump(res, err) : NULL;
	if (!json)
		goto out;
	if (n_dirfds > 0 &&
	    (ae_fsbatch_add_at(batch, dirfds[0], AE_PROV_RESOLVED_YAML, yaml,
	                       strlen(yaml), AE_FSUTIL_FILE_MODE, err) < 0 ||
	     ae_fsbatch_add_at(batch, dirfds[0], AE_PROV_RESOLVED_JSON, json,
	                       strlen(json), AE_FSUTIL_FILE_MODE, err) < 0))
		goto out;
	/* the same bytes elsewhere: links, not another write and fsync */
	for (i = 1; i < n_dirfds; i++)
		if (ae_fsbatch_add_link(batch, dirfds[i], AE_PROV_RESOLVED_YAML,
		                        dirfds[0], AE_PROV_RESOLVED_YAML,
		                        err) < 0 ||
		    ae_fsbatch_add_link(batch, dirfds[i], AE_PROV_RESOLVED_JSON,
		                        dirfds[0], AE_PROV_RESOLVED_JSON,
		                        err) < 0)
			goto out;
	if (unres) {
		/* the captured text is this tree as emitted at submission:
		 * written as it is unless a value had to be redacted (emitting
		 * it again is a third of a job start's work) */
		if (unresolved_text && !unres_redacted) {
			unres_yaml = strdup(unresolved_text);
			if (unres_yaml && digests)
				ae_sha256_hex(unres_yaml, strlen(unres_yaml),
				              digests->unresolved);
			if (!unres_yaml)
				ae_error_set(err, NULL, 0, 0, NULL,
				             "out of memory");
		} else {
			unres_yaml = emit_yaml(
			    unres, digests ? digests->unresolved : NULL, err);
		}
		if (!unres_yaml ||
		    ae_fsbatch_add(batch, AE_PROV_UNRESOLVED_YAML, unres_yaml,
		                   strlen(unres_yaml), AE_FSUTIL_FILE_MODE,
		                   err) < 0)
			goto out;
	}
	rv = 0;
out:
	free(unres_yaml);
	free(json);
	free(yaml);
	ae_node_free(res);
	ae_node_free(unres);
	return rv;
}

int ae_provenance_add_reference(ae_fsbatch *batch, const ae_capture *cap,
                                ae_error *err)
{
	json_t *obj =
	    json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "config_name",
	              ae_json_string_or_null(cap->config_name), "config_dir",
	              ae_json_string_or_null(cap->config_dir), "config_path",
	              ae_json_string_or_null(cap->config_path), "search_path",
	              ae_json_strv(cap->search_path, NULL), "overrides",
	              ae_json_strv(cap->overrides, NULL), "timestring",
	              ae_json_string_or_null(cap->timestring));
	int rv;

	if (!obj)
		return ae_error_set(err, AE_PROV_REFERENCE, 0, 0, NULL,
		                    "cannot encode JSON");
	rv = ae_provenance_add_json(batch, AE_PROV_REFERENCE, obj, err);
	json_decref(obj);
	return rv;
}

json_t *ae_provenance_env_json(char *const *envv)
{
	json_t *obj = json_object();
	size_t i;

	for (i = 0; obj && envv && envv[i]; i++) {
		const char *eq = strchr(envv[i], '=');
		char name[256];
		size_t n;

		if (!eq)
			continue;
		n = (size_t)(eq - envv[i]);
		if (n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, envv[i], n);
		name[n] = '\0';
		if (ae_secret_name(name) ||
		    strncmp(name, "SLURM_SPANK_" AE_CAPTURE_VAR,
		            strlen("SLURM_SPANK_" AE_CAPTURE_VAR)) == 0)
			continue;
		json_object_set_new(obj, name, json_string(eq + 1));
	}
	return obj;
}

static json_t *load_metadata(int dirfd, const char *name, ae_error *err)
{
	json_t *meta = ae_provenance_read_json(dirfd, name, err);

	if (!meta && !ae_error_isset(err))
		meta = json_object();
	if (meta && !json_is_object(meta)) {
		json_decref(meta);
		ae_error_set(err, name, 0, 0, NULL, "not a JSON object");
		return NULL;
	}
	return meta;
}

int ae_provenance_metadata_append(int dirfd, const char *name, const char *key,
                                  const char *latest, json_t *entry,
                                  ae_error *err)
{
	json_t *meta = load_metadata(dirfd, name, err);
	json_t *arr;
	int rv = -1;

	if (!meta)
		goto out;
	arr = json_object_get(meta, key);
	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(meta, key, arr);
	}
	json_array_append(arr, entry);
	if (latest)
		json_object_set(meta, latest, entry);
	rv = ae_provenance_write_json(dirfd, name, meta, err);
out:
	json_decref(entry);
	json_decref(meta);
	return rv;
}

int ae_provenance_metadata_set(int dirfd, const char *name, const char *key,
                               json_t *value, ae_error *err)
{
	json_t *meta = load_metadata(dirfd, name, err);
	int rv = -1;

	if (!meta)
		goto out;
	json_object_set(meta, key, value);
	rv = ae_provenance_write_json(dirfd, name, meta, err);
out:
	json_decref(value);
	json_decref(meta);
	return rv;
}
