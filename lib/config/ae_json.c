#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Numbers: 17 significant digits always read back as the same double, in
 * Python's json.loads as anywhere else (Python itself writes the shortest
 * form, so the text may differ, the value does not). Non-finite floats have
 * no JSON form; Python's json.dumps writes NaN/Infinity, which is not JSON:
 * we write the strings "nan", "inf", "-inf" instead (see ae_json.h), and a
 * differential test must map those back. */
#define DUMP_FLAGS                                                             \
	(JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))

static json_t *from_scalar(const ae_node *node)
{
	switch (node->type) {
	case AE_NULL:
		return json_null();
	case AE_BOOL:
		return json_boolean(node->u.b);
	case AE_INT:
		return json_integer((json_int_t)node->u.i);
	case AE_FLOAT:
		if (isnan(node->u.f))
			return json_string("nan");
		if (isinf(node->u.f))
			return json_string(node->u.f > 0 ? "inf" : "-inf");
		return json_real(node->u.f);
	case AE_STRING:
		return json_stringn(node->u.str.s, node->u.str.len);
	default:
		return NULL;
	}
}

json_t *ae_json_from_node(const ae_node *node, ae_error *err)
{
	json_t *out = NULL, *child;
	size_t i;

	switch (node->type) {
	case AE_MAP:
		out = json_object();
		for (i = 0; out && i < ae_map_size(node); i++) {
			const ae_node *val = ae_map_value(node, i);

			child = ae_json_from_node(val, err);
			if (!child)
				goto fail; /* err is set */
			if (json_object_set_new(out, ae_map_key(node, i),
			                        child) < 0) {
				ae_node_error(err, val,
				              "key is not valid UTF-8");
				goto fail;
			}
		}
		break;
	case AE_SEQ:
		out = json_array();
		for (i = 0; out && i < ae_seq_size(node); i++) {
			child = ae_json_from_node(ae_seq_get(node, i), err);
			if (!child)
				goto fail;
			if (json_array_append_new(out, child) < 0) {
				ae_node_error(err, node, "out of memory");
				goto fail;
			}
		}
		break;
	default:
		out = from_scalar(node);
		break;
	}
	if (!out)
		ae_node_error(err, node,
		              node->type == AE_STRING
		                  ? "string is not valid UTF-8"
		                  : "out of memory");
	return out;
fail:
	json_decref(out);
	return NULL;
}

static ae_node *to_node(const json_t *json, ae_error *err)
{
	ae_node *out = NULL;
	const char *key;
	json_t *val;
	size_t i;

	switch (json_typeof(json)) {
	case JSON_NULL:
		out = ae_node_new_null();
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		out = ae_node_new_bool(json_is_true(json));
		break;
	case JSON_INTEGER:
		out = ae_node_new_int((long long)json_integer_value(json));
		break;
	case JSON_REAL:
		out = ae_node_new_float(json_real_value(json));
		break;
	case JSON_STRING:
		/* a JSON string is a string whatever it looks like */
		out = ae_node_new_stringn(json_string_value(json),
		                          json_string_length(json));
		if (out)
			out->flags |= AE_NODE_QUOTED;
		break;
	case JSON_ARRAY:
		out = ae_node_new_seq();
		json_array_foreach(json, i, val)
		{
			if (!out)
				break;
			if (ae_seq_append(out, to_node(val, err)) < 0)
				goto fail;
		}
		break;
	case JSON_OBJECT:
		out = ae_node_new_map();
		json_object_foreach((json_t *)json, key, val)
		{
			if (!out)
				break;
			if (ae_map_set(out, key, to_node(val, err)) < 0)
				goto fail;
		}
		break;
	}
	if (!out)
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return out;
fail:
	if (!ae_error_isset(err))
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	ae_node_free(out);
	return NULL;
}

ae_node *ae_json_to_node(const json_t *json, ae_error *err)
{
	ae_error_clear(err);
	return to_node(json, err);
}

char *ae_json_dump(const ae_node *node, ae_error *err)
{
	json_t *json = ae_json_from_node(node, err);
	char *text, *out = NULL;
	size_t len = 0;

	if (!json)
		return NULL;
	text = json_dumps(json, DUMP_FLAGS);
	json_decref(json);
	if (text) {
		len = strlen(text);
		out = malloc(len + 2);
	}
	if (out) {
		memcpy(out, text, len);
		out[len] = '\n';
		out[len + 1] = '\0';
	} else {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	}
	free(text);
	return out;
}

json_t *ae_json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *ae_json_strv(char *const *v, json_t *(*str)(const char *s))
{
	json_t *a = json_array();

	if (!str)
		str = ae_json_string_or_null;
	for (size_t i = 0; a && v && v[i]; i++)
		json_array_append_new(a, str(v[i]));
	return a;
}
