#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_capture.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_json.h"
#include "ae_sha256.h"

static void free_strv(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int ae_capture_timestring_ok(const char *ts)
{
	const char *shape = "dddddddd_dddddd_ddd";
	size_t i;

	if (!ts || strlen(ts) != strlen(shape))
		return 0;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)ts[i])
		                    : ts[i] != '_')
			return 0;
	return 1;
}

void ae_capture_free(ae_capture *cap)
{
	if (!cap)
		return;
	free(cap->config_path);
	free(cap->config_name);
	free(cap->config_dir);
	free_strv(cap->search_path);
	free_strv(cap->overrides);
	free(cap->timestring);
	free(cap->unresolved);
	free(cap->parent);
	free(cap->request);
	free(cap);
}

/* obj[key] = the JSON document text, when there is one. */
static int set_json_member(json_t *obj, const char *key, const char *text,
                           ae_error *err)
{
	json_error_t jerr;
	json_t *v;

	if (!text)
		return 0;
	v = json_loads(text, 0, &jerr);
	if (!v)
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "%s record is not JSON: %s", key,
		                    jerr.text);
	return json_object_set_new(obj, key, v) == 0
	           ? 0
	           : ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
}

static char *json_member_text(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT) : NULL;
}

char *ae_capture_encode(const ae_capture *cap, ae_error *err)
{
	json_t *obj = json_pack(
	    "{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "version", 1,
	    "config_path", ae_json_string_or_null(cap->config_path),
	    "config_name", ae_json_string_or_null(cap->config_name),
	    "config_dir", ae_json_string_or_null(cap->config_dir),
	    "search_path", ae_json_strv(cap->search_path, NULL), "overrides",
	    ae_json_strv(cap->overrides, NULL), "timestring",
	    ae_json_string_or_null(cap->timestring), "unresolved",
	    ae_json_string_or_null(cap->unresolved), "submit_time",
	    (json_int_t)cap->submit_time);
	char *text = NULL;

	if (!obj) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "cannot encode the captured config");
		return NULL;
	}
	if (set_json_member(obj, "parent", cap->parent, err) < 0 ||
	    set_json_member(obj, "request", cap->request, err) < 0)
		goto out;
	text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		ae_error_set(err, NULL, 0, 0, NULL,
		             "cannot encode the captured config");
out:
	json_decref(obj);
	return text;
}

static char *dup_member(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? strdup(s) : NULL;
}

static char **dup_strv(json_t *arr)
{
	size_t i, n = json_array_size(arr);
	char **v = calloc(n + 1, sizeof(*v));

	for (i = 0; v && i < n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		v[i] = strdup(s ? s : "");
		if (!v[i]) {
			free_strv(v);
			return NULL;
		}
	}
	return v;
}

ae_capture *ae_capture_decode(const char *json, ae_error *err)
{
	json_error_t jerr;
	json_t *obj = json_loads(json, 0, &jerr);
	ae_capture *cap = NULL;

	if (!obj || !json_is_object(obj)) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "captured config is not valid JSON: %s",
		             obj ? "not an object" : jerr.text);
		goto out;
	}
	if (json_integer_value(json_object_get(obj, "version")) != 1) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "captured config has an unknown version "
		             "(submitted by another autoexp?)");
		goto out;
	}
	cap = calloc(1, sizeof(*cap));
	if (!cap)
		goto out;
	cap->config_path = dup_member(obj, "config_path");
	cap->config_name = dup_member(obj, "config_name");
	cap->config_dir = dup_member(obj, "config_dir");
	cap->search_path = dup_strv(json_object_get(obj, "search_path"));
	cap->overrides = dup_strv(json_object_get(obj, "overrides"));
	cap->timestring = dup_member(obj, "timestring");
	cap->unresolved = dup_member(obj, "unresolved");
	cap->submit_time =
	    json_integer_value(json_object_get(obj, "submit_time"));
	cap->parent = json_member_text(obj, "parent");
	cap->request = json_member_text(obj, "request");
	if (!cap->unresolved || !cap->timestring || !cap->search_path ||
	    !cap->overrides) {
		ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "captured config lacks its config text or timestring");
		ae_capture_free(cap);
		cap = NULL;
	}
out:
	json_decref(obj);
	return cap;
}

long ae_capture_split(const char *payload, char ***chunks, char *header,
                      size_t header_size, ae_error *err)
{
	size_t len = strlen(payload);
	size_t n = (len + AE_CAPTURE_CHUNK_BYTES - 1) / AE_CAPTURE_CHUNK_BYTES;
	char hex[65];
	char **v;
	size_t i;

	*chunks = NULL;
	if (len > AE_CAPTURE_MAX_BYTES) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "the composed config is %zu bytes; at most %u can "
		             "be carried with a job",
		             len, AE_CAPTURE_MAX_BYTES);
		return -1;
	}
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < n; i++) {
		size_t off = i * AE_CAPTURE_CHUNK_BYTES;
		size_t take = len - off < AE_CAPTURE_CHUNK_BYTES
		                  ? len - off
		                  : AE_CAPTURE_CHUNK_BYTES;

		v[i] = strndup(payload + off, take);
		if (!v[i]) {
			free_strv(v);
			return -1;
		}
	}
	ae_sha256_hex(payload, len, hex);
	snprintf(header, header_size, "v1 %zu %zu %s", n, len, hex);
	*chunks = v;
	return (long)n;
}

char *ae_capture_join(const char *header, ae_capture_get_fn get, void *ctx,
                      ae_error *err)
{
	size_t n, len, i, used = 0;
	char hex[65], want[65];
	char *buf = NULL;

	if (sscanf(header, "v1 %zu %zu %64s", &n, &len, want) != 3 ||
	    len > AE_CAPTURE_MAX_BYTES ||
	    n != (len + AE_CAPTURE_CHUNK_BYTES - 1) / AE_CAPTURE_CHUNK_BYTES) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "malformed %s header '%.60s'", AE_CAPTURE_VAR,
		             header);
		return NULL;
	}
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	for (i = 0; i < n; i++) {
		char name[64];
		char *part;
		size_t plen;

		snprintf(name, sizeof(name), "%s_%zu", AE_CAPTURE_VAR, i);
		part = get(name, ctx);
		if (!part) {
			ae_error_set(err, NULL, 0, 0, NULL,
			             "captured config chunk %s is missing",
			             name);
			goto fail;
		}
		plen = strlen(part);
		if (used + plen > len) {
			free(part);
			goto corrupt;
		}
		memcpy(buf + used, part, plen);
		used += plen;
		free(part);
	}
	if (used != len)
		goto corrupt;
	buf[len] = '\0';
	ae_sha256_hex(buf, len, hex);
	if (strcmp(hex, want) != 0)
		goto corrupt;
	return buf;
corrupt:
	ae_error_set(err, NULL, 0, 0, NULL,
	             "captured config is corrupt (length or sha256 differs "
	             "from what was submitted)");
fail:
	free(buf);
	return NULL;
}
