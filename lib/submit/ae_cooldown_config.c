#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_cooldown_config.h"

#include <stdlib.h>
#include <string.h>

#include "ae_compose.h"
#include "ae_cooldown_spec.h"
#include "ae_json.h"

static int escape_tree(ae_node *n)
{
	if (n->type == AE_STRING && strstr(n->u.str.s, "${")) {
		char *e = ae_cooldown_spec_escape(n->u.str.s);

		if (!e)
			return -1;
		free(n->u.str.s);
		n->u.str.s = e;
		n->u.str.len = strlen(e);
	} else if (n->type == AE_MAP) {
		for (size_t i = 0; i < ae_map_size(n); i++)
			if (escape_tree(ae_map_value(n, i)) < 0)
				return -1;
	} else if (n->type == AE_SEQ) {
		for (size_t i = 0; i < ae_seq_size(n); i++)
			if (escape_tree(ae_seq_get(n, i)) < 0)
				return -1;
	}
	return 0;
}

static ae_node *escaped_copy(const ae_node *node)
{
	ae_node *c = ae_node_copy(node);

	if (c && escape_tree(c) < 0) {
		ae_node_free(c);
		c = NULL;
	}
	return c;
}

int ae_cooldown_config_escaped_ctx(const ae_template_ctx *t,
                                   ae_template_ctx *esc)
{
	*esc = (ae_template_ctx){0};
	esc->metadata = t->metadata ? escaped_copy(t->metadata) : NULL;
	esc->vars = t->vars ? escaped_copy(t->vars) : NULL;
	esc->config = t->config ? escaped_copy(t->config) : NULL;
	if ((t->metadata && !esc->metadata) || (t->vars && !esc->vars) ||
	    (t->config && !esc->config)) {
		ae_cooldown_config_escaped_ctx_free(esc);
		return -1;
	}
	return 0;
}

void ae_cooldown_config_escaped_ctx_free(ae_template_ctx *esc)
{
	ae_node_free((ae_node *)esc->metadata);
	ae_node_free((ae_node *)esc->vars);
	ae_node_free((ae_node *)esc->config);
	*esc = (ae_template_ctx){0};
}

ae_node *ae_cooldown_config_compose(const char *config_path,
                                    const char *const *search, size_t n_search,
                                    char *const *overrides, size_t n_overrides,
                                    json_t *warnings, ae_error *err)
{
	ae_compose_warning *w = NULL;
	size_t nw = 0;
	ae_compose_opts o = {
	    .search_path = search,
	    .n_search_path = n_search,
	    .overrides = (const char *const *)overrides,
	    .n_overrides = n_overrides,
	    .warnings = &w,
	    .n_warnings = &nw,
	};
	ae_node *root = ae_compose_file(config_path, &o, err);

	for (size_t i = 0; warnings && i < nw; i++)
		json_array_append_new(warnings, json_string(w[i].text));
	free(w);
	return root;
}

int ae_cooldown_config_set_parent(ae_node *root, const json_t *parent,
                                  ae_error *err)
{
	ae_node *rec = ae_json_to_node(parent, err), *holder;

	if (!rec)
		return -1;
	if (escape_tree(rec) < 0)
		goto nomem;
	holder = ae_map_get(root, AE_COOLDOWN_RESERVED_KEY);
	if (!holder || holder->type != AE_MAP) {
		holder = ae_node_new_map();
		if (!holder ||
		    ae_map_set(root, AE_COOLDOWN_RESERVED_KEY, holder) < 0) {
			holder = NULL;
			goto nomem;
		}
	}
	if (ae_map_set(holder, AE_COOLDOWN_PARENT_KEY, rec) < 0)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return 0;
nomem:
	ae_node_free(rec);
	return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
}
