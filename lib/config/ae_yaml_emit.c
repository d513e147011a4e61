#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_yaml_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ae_strbuf.h"
#include "ae_yaml_scalar.h"

/* Output as OmegaConf.save writes it (PyYAML's emitter, of which libyaml is
 * the C twin): block style, 2-space indent, lists inside mappings not
 * indented, keys in tree order. We only ask for a quoted style when the
 * plain text would read back as something else (or OmegaConf would quote
 * it); libyaml itself moves to single or double quotes when a plain scalar
 * is not possible (": ", "#", leading "-", spaces at the ends, newlines),
 * and its quoting is exact, backslashes included. */

/* libyaml's output handler: 0 tells it that memory ran out. */
static int write_buf(void *data, unsigned char *bytes, size_t size)
{
	ae_strbuf *b = data;

	ae_strbuf_add(b, (const char *)bytes, size);
	return !b->oom;
}

/* The libyaml failure as an error at node. */
static int emit_failed(yaml_emitter_t *em, const ae_node *node, ae_error *err)
{
	if (em->error == YAML_MEMORY_ERROR)
		return ae_node_error(err, node, "out of memory");
	if (em->error == YAML_WRITER_ERROR)
		return ae_node_error(err, node, "write error: %s",
		                     em->problem ? em->problem : "?");
	return ae_node_error(err, node, "cannot emit YAML: %s",
	                     em->problem ? em->problem : "out of memory");
}

static int emit_scalar(yaml_emitter_t *em, const ae_node *node,
                       const char *text, size_t len, int quote, ae_error *err)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(
	        &ev, NULL, NULL, (yaml_char_t *)text, (int)len, 1, 1,
	        quote ? YAML_SINGLE_QUOTED_SCALAR_STYLE
	              : YAML_PLAIN_SCALAR_STYLE))
		return ae_node_error(err, node, "out of memory");
	if (!yaml_emitter_emit(em, &ev))
		return emit_failed(em, node, err);
	return 0;
}

/* Strict UTF-8: libyaml's own check lets surrogates and code points past
 * U+10FFFF through, which it then writes as escapes no reader accepts. */
static int utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, k, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

/* A string value, or a key (then node is the key's value, for the path). */
static int emit_string(yaml_emitter_t *em, const ae_node *node, const char *s,
                       size_t len, int is_key, ae_error *err)
{
	if (!utf8_ok((const unsigned char *)s, len))
		return ae_node_error(err, node, "%s is not valid UTF-8",
		                     is_key ? "key" : "string");
	return emit_scalar(em, node, s, len,
	                   ae_yaml_scalar_needs_quotes(s, len), err);
}

static int emit_node(yaml_emitter_t *em, const ae_node *node, ae_error *err)
{
	yaml_event_t ev;
	char buf[48];
	size_t i;

	switch (node->type) {
	case AE_NULL:
		return emit_scalar(em, node, "null", 4, 0, err);
	case AE_BOOL:
		return node->u.b ? emit_scalar(em, node, "true", 4, 0, err)
		                 : emit_scalar(em, node, "false", 5, 0, err);
	case AE_INT:
		snprintf(buf, sizeof(buf), "%lld", node->u.i);
		return emit_scalar(em, node, buf, strlen(buf), 0, err);
	case AE_FLOAT:
		ae_yaml_float_format(node->u.f, buf, sizeof(buf));
		return emit_scalar(em, node, buf, strlen(buf), 0, err);
	case AE_STRING:
		return emit_string(em, node, node->u.str.s, node->u.str.len, 0,
		                   err);
	case AE_MAP:
		if (!yaml_mapping_start_event_initialize(
		        &ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
			return ae_node_error(err, node, "out of memory");
		if (!yaml_emitter_emit(em, &ev))
			return emit_failed(em, node, err);
		for (i = 0; i < ae_map_size(node); i++) {
			const char *key = ae_map_key(node, i);
			const ae_node *val = ae_map_value(node, i);

			if (emit_string(em, val, key, strlen(key), 1, err) <
			        0 ||
			    emit_node(em, val, err) < 0)
				return -1;
		}
		yaml_mapping_end_event_initialize(&ev);
		break;
	case AE_SEQ:
		if (!yaml_sequence_start_event_initialize(
		        &ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE))
			return ae_node_error(err, node, "out of memory");
		if (!yaml_emitter_emit(em, &ev))
			return emit_failed(em, node, err);
		for (i = 0; i < ae_seq_size(node); i++)
			if (emit_node(em, ae_seq_get(node, i), err) < 0)
				return -1;
		yaml_sequence_end_event_initialize(&ev);
		break;
	}
	if (!yaml_emitter_emit(em, &ev))
		return emit_failed(em, node, err);
	return 0;
}

static int emit_document(yaml_emitter_t *em, const ae_node *root, ae_error *err)
{
	yaml_event_t ev;

	yaml_emitter_set_unicode(em, 1);
	yaml_emitter_set_indent(em, 2);
	yaml_emitter_set_break(em, YAML_LN_BREAK);
	if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
	    !yaml_emitter_emit(em, &ev))
		return emit_failed(em, root, err);
	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
	    !yaml_emitter_emit(em, &ev))
		return emit_failed(em, root, err);
	if (emit_node(em, root, err) < 0)
		return -1;
	if (!yaml_document_end_event_initialize(&ev, 1) ||
	    !yaml_emitter_emit(em, &ev))
		return emit_failed(em, root, err);
	if (!yaml_stream_end_event_initialize(&ev) ||
	    !yaml_emitter_emit(em, &ev) || !yaml_emitter_flush(em))
		return emit_failed(em, root, err);
	return 0;
}

char *ae_yaml_emit(const ae_node *root, ae_error *err)
{
	yaml_emitter_t em;
	ae_strbuf out = {0};
	char *text = NULL;

	if (!yaml_emitter_initialize(&em)) {
		ae_node_error(err, root, "out of memory");
		return NULL;
	}
	yaml_emitter_set_output(&em, write_buf, &out);
	if (emit_document(&em, root, err) < 0)
		free(out.s);
	else if (!(text = ae_strbuf_take(&out)))
		ae_node_error(err, root, "out of memory");
	yaml_emitter_delete(&em);
	return text;
}

int ae_yaml_emit_file(const ae_node *root, FILE *out, ae_error *err)
{
	yaml_emitter_t em;
	int rc;

	if (!yaml_emitter_initialize(&em))
		return ae_node_error(err, root, "out of memory");
	yaml_emitter_set_output_file(&em, out);
	rc = emit_document(&em, root, err);
	yaml_emitter_delete(&em);
	return rc;
}
