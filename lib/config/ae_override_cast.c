#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* Hydra 1.3's cast functions (ae_override_cast.h). The Python conversions
 * are ae_resolvers' (ae_py_int, ae_py_float, ae_py_truthy: the same int()
 * and float() the predecessor's resolvers use); what Hydra adds on top is
 * here: recursion into lists and mappings, lowercase booleans for str(), a
 * strict bool() of strings, and null refused by all but bool(). */

#include "ae_override_cast.h"

#include "ae_resolvers.h"
#include "ae_yaml_scalar.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const cast_names[] = {"int", "float", "str", "bool"};

int ae_override_cast_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(cast_names) / sizeof(*cast_names); i++)
		if (strlen(cast_names[i]) == len &&
		    strncmp(cast_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

/* str(): Python's str() of a scalar, booleans lowered (cast_str). */
static ae_node *to_str(const ae_node *v)
{
	char buf[48];

	switch (v->type) {
	case AE_BOOL:
		return ae_node_new_string(v->u.b ? "true" : "false");
	case AE_INT:
		snprintf(buf, sizeof(buf), "%lld", v->u.i);
		return ae_node_new_string(buf);
	case AE_FLOAT:
		return ae_node_new_string(
		    ae_yaml_float_repr(v->u.f, buf, sizeof(buf)));
	case AE_STRING:
		return ae_node_new_stringn(v->u.str.s, v->u.str.len);
	default:
		return NULL;
	}
}

/* bool(): a string only when it says true or false (cast_bool), anything
 * else by Python's truth. */
static int to_bool(const ae_node *v, int *out, char *msg, size_t msgsize)
{
	if (v->type != AE_STRING) {
		*out = ae_py_truthy(v);
		return 0;
	}
	if (strcasecmp(v->u.str.s, "true") == 0 ||
	    strcasecmp(v->u.str.s, "false") == 0) {
		*out = (v->u.str.s[0] | 0x20) == 't';
		return 0;
	}
	snprintf(msg, msgsize, "Cannot cast '%s' to bool", v->u.str.s);
	return -1;
}

static ae_node *cast_scalar(ae_override_cast_kind kind, const ae_node *v,
                            char *msg, size_t msgsize)
{
	long long i;
	double f;
	int b;

	/* cast_int/float/str assert a str, int, float or bool; bool(None) is
	 * Python's False. */
	if (v->type == AE_NULL && kind != AE_OVERRIDE_CAST_BOOL) {
		snprintf(msg, msgsize, "null cannot be cast with %s()",
		         cast_names[kind]);
		return NULL;
	}
	switch (kind) {
	case AE_OVERRIDE_CAST_INT:
		if (ae_py_int(v, &i, msg, msgsize) < 0)
			return NULL;
		return ae_node_new_int(i);
	case AE_OVERRIDE_CAST_FLOAT:
		if (ae_py_float(v, &f, msg, msgsize) < 0)
			return NULL;
		return ae_node_new_float(f);
	case AE_OVERRIDE_CAST_STR:
		return to_str(v);
	case AE_OVERRIDE_CAST_BOOL:
		if (to_bool(v, &b, msg, msgsize) < 0)
			return NULL;
		return ae_node_new_bool(b);
	}
	return NULL;
}

ae_node *ae_override_cast(ae_override_cast_kind kind, const ae_node *value,
                          char *msg, size_t msgsize)
{
	ae_node *out = NULL, *item;
	size_t i, n;

	msg[0] = '\0';
	switch (value->type) {
	case AE_SEQ:
		out = ae_node_new_seq();
		n = ae_seq_size(value);
		for (i = 0; out && i < n; i++) {
			item = ae_override_cast(kind, ae_seq_get(value, i), msg,
			                        msgsize);
			if (!item || ae_seq_append(out, item) < 0)
				goto fail;
		}
		break;
	case AE_MAP:
		out = ae_node_new_map();
		n = ae_map_size(value);
		for (i = 0; out && i < n; i++) {
			item = ae_override_cast(kind, ae_map_value(value, i),
			                        msg, msgsize);
			if (!item ||
			    ae_map_append(out, ae_map_key(value, i), item) < 0)
				goto fail;
		}
		break;
	default:
		out = cast_scalar(kind, value, msg, msgsize);
		break;
	}
	if (out)
		ae_node_copy_mark(out, value);
	return out;
fail:
	ae_node_free(out);
	return NULL;
}
