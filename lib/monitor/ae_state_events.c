#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_action.h"
#include "ae_fields.h"
#include "ae_state_events.h"

static const char *const entry_fields[] = {"name",     "class_name", "state",
                                           "metadata", "actions",    NULL};

/* The bindings of an entry's `actions` (a new array, *n of them), or NULL
 * with err set. An absent or null list gives an empty array. */
static ae_binding **compile_actions(const ae_node *v, int unresolved, size_t *n,
                                    ae_error *err)
{
	ae_binding **b;
	size_t count = v && v->type == AE_SEQ ? ae_seq_size(v) : 0;

	*n = 0;
	if (v && v->type != AE_NULL && v->type != AE_SEQ) {
		ae_node_error(err, v, "actions must be a list");
		return NULL;
	}
	b = calloc(count + 1, sizeof(*b));
	if (!b) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		b[i] = ae_binding_compile(ae_seq_get(v, i), unresolved, err);
		if (!b[i]) {
			for (size_t k = 0; k < i; k++)
				ae_binding_free(b[k]);
			free(b);
			return NULL;
		}
	}
	*n = count;
	return b;
}

static int compile_entry(ae_rules *rules, const ae_node *cfg,
                         const char *keyname, int unresolved, ae_error *err)
{
	const char *name, *cls;
	const ae_node *meta;
	ae_binding **b;
	char rule[64];
	size_t n;

	if (cfg->type != AE_MAP)
		return ae_node_error(err, cfg,
		                     "a state event must be a mapping");
	if (ae_fields_check(cfg, "a state event", entry_fields, err) < 0 ||
	    ae_fields_string(cfg, "name", !keyname, &name, err) < 0 ||
	    ae_fields_string(cfg, "class_name", 0, &cls, err) < 0)
		return -1;
	if (cls && strcmp(cls, "StateEvent"))
		return ae_node_error(
		    err, ae_map_get(cfg, "class_name"),
		    "a state event's class_name is StateEvent, "
		    "not '%s'",
		    cls);
	if (keyname && name && strcmp(name, keyname))
		return ae_node_error(err, ae_map_get(cfg, "name"),
		                     "name '%s' differs from its key '%s'",
		                     name, keyname);
	if (!name)
		name = keyname;
	if (ae_endstate_event_state(name) == AE_ENDSTATE_NONE)
		return ae_node_error(
		    err,
		    ae_map_get(cfg, "name") ? ae_map_get(cfg, "name") : cfg,
		    "unknown state event '%s' (known: success, timeout, "
		    "crash, cancelled, stall)",
		    name);
	snprintf(rule, sizeof(rule), AE_STATE_EVENTS_PREFIX "%s", name);
	if (ae_rules_find(rules, rule) >= 0)
		return ae_node_error(err, cfg, "duplicate state event '%s'",
		                     name);
	meta = ae_map_get(cfg, "metadata");
	if (meta && meta->type != AE_NULL && meta->type != AE_MAP &&
	    !(unresolved && ae_fields_deferred(meta)))
		return ae_node_error(err, meta, "metadata must be a mapping");
	b = compile_actions(ae_map_get(cfg, "actions"), unresolved, &n, err);
	if (!b)
		return -1;
	return ae_rules_add_unmatched(rules, rule, meta, b, n, cfg, err) < 0
	           ? -1
	           : 0;
}

int ae_state_events_compile(ae_rules *rules, const ae_node *se, int unresolved,
                            ae_error *err)
{
	size_t n;

	if (!se || se->type == AE_NULL)
		return 0;
	if (unresolved && ae_fields_deferred(se))
		return 0;
	if (se->type == AE_SEQ)
		n = ae_seq_size(se);
	else if (se->type == AE_MAP)
		n = ae_map_size(se);
	else
		return ae_node_error(
		    err, se,
		    "state_events must be a list of state "
		    "events or a mapping of names to them, not "
		    "%s",
		    ae_type_name(se->type));
	for (size_t i = 0; i < n; i++) {
		const ae_node *cfg = se->type == AE_SEQ ? ae_seq_get(se, i)
		                                        : ae_map_value(se, i);

		if (compile_entry(rules, cfg,
		                  se->type == AE_MAP ? ae_map_key(se, i) : NULL,
		                  unresolved, err) < 0)
			return -1;
	}
	return 0;
}

long ae_state_events_rule(const ae_rules *rules, ae_endstate_state state)
{
	char rule[64];

	if (state == AE_ENDSTATE_NONE || state == AE_ENDSTATE_REQUEUED)
		return -1;
	snprintf(rule, sizeof(rule), AE_STATE_EVENTS_PREFIX "%s",
	         ae_endstate_name(state));
	return ae_rules_find(rules, rule);
}

ae_event *ae_state_events_event(const ae_rules *rules, size_t rule,
                                const ae_node *fields, const char *dedup_key)
{
	const ae_node *meta = ae_rules_metadata(rules, rule);
	ae_event *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->name = strdup(ae_rules_name(rules, rule));
	ev->dedup_key = strdup(dedup_key);
	ev->metadata = meta ? ae_node_copy(meta) : ae_node_new_map();
	if (!ev->name || !ev->dedup_key || !ev->metadata)
		goto fail;
	for (size_t i = 0; fields && i < ae_map_size(fields); i++) {
		ae_node *v = ae_node_copy(ae_map_value(fields, i));

		if (!v ||
		    ae_map_set(ev->metadata, ae_map_key(fields, i), v) < 0)
			goto fail;
	}
	return ev;
fail:
	ae_event_free(ev);
	return NULL;
}
