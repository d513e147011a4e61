#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "ae_fields.h"
#include "ae_monitor_config.h"
#include "ae_rules.h"
#include "ae_state_events.h"

static const char *const monitor_fields[] = {
    "class_name",
    "log_path",
    "drain_timeout_seconds",
    "metadata",
    "log_events",
    "state_events",
    "inactivity_threshold_seconds",
    "save_inactivity_threshold_seconds",
    "termination_string",
    NULL};

/* Keys of the predecessor's host-side monitor. */
static const char *const predecessor_fields[] = {
    "poll_interval_seconds",
    "check_interval_seconds",
    "termination_command",
    "log_path_template",
    "output_paths",
    "start_condition_cmd",
    "start_condition_interval_seconds",
    "policies",
    "debug_sync",
    "monitoring_state_dir",
    NULL};

/* A threshold: absent 0, else a number > 0. */
static int threshold(const ae_node *mon, const char *key, int unresolved,
                     double *out, ae_error *err)
{
	*out = 0;
	if (ae_fields_seconds(mon, key, unresolved, out, err) < 0)
		return -1;
	if (ae_map_get(mon, key) && ae_map_get(mon, key)->type != AE_NULL &&
	    *out == 0 &&
	    !(unresolved && ae_fields_deferred(ae_map_get(mon, key))))
		return ae_node_error(err, ae_map_get(mon, key),
		                     "'%s' must be more than 0 (leave it out "
		                     "for no stall detection)",
		                     key);
	return 0;
}

int ae_monitor_config_settings(const ae_node *mon, int unresolved,
                               ae_monitor_settings *out, ae_error *err)
{
	const char *save_key = "save_inactivity_threshold_seconds";
	const ae_node *v;
	double save;

	memset(out, 0, sizeof(*out));
	if (!mon || mon->type != AE_MAP)
		return 0;
	if (threshold(mon, "inactivity_threshold_seconds", unresolved,
	              &out->inactivity, err) < 0 ||
	    threshold(mon, save_key, unresolved, &save, err) < 0)
		return -1;
	if (save > 0 && out->inactivity > 0 && save < out->inactivity)
		return ae_node_error(
		    err, ae_map_get(mon, save_key),
		    "'%s' (%g) must not be less than "
		    "inactivity_threshold_seconds (%g): a save is a slow "
		    "phase",
		    save_key, save, out->inactivity);
	if (out->inactivity > 0)
		out->save_inactivity =
		    save > 0 ? save
		             : (out->inactivity > AE_MONITOR_SAVE_THRESHOLD_MIN
		                    ? out->inactivity
		                    : AE_MONITOR_SAVE_THRESHOLD_MIN);
	v = ae_map_get(mon, "termination_string");
	if (unresolved && ae_fields_deferred(v))
		return 0;
	if (ae_fields_string(mon, "termination_string", 0, &out->termination,
	                     err) < 0)
		return -1;
	if (out->termination && !*out->termination)
		return ae_node_error(err, v,
		                     "termination_string must not be empty");
	return 0;
}

ae_rules *ae_monitor_config_rules(const ae_node *mon, int unresolved,
                                  ae_error *err)
{
	const ae_node *le = ae_map_get(mon, "log_events");
	ae_rules *rules;

	/* a deferred list is only known at job start: nothing to check */
	rules = ae_rules_compile(
	    unresolved && ae_fields_deferred(le) ? NULL : le, unresolved, err);
	if (rules &&
	    ae_state_events_compile(rules, ae_map_get(mon, "state_events"),
	                            unresolved, err) < 0) {
		ae_rules_free(rules);
		rules = NULL;
	}
	return rules;
}

int ae_monitor_config_check(const ae_node *mon, int unresolved, ae_error *err)
{
	const char *cls, *log_path;
	const ae_node *v;
	double drain = 0;
	ae_monitor_settings set;
	ae_rules *rules;

	if (!mon || mon->type == AE_NULL)
		return 0;
	if (mon->type != AE_MAP)
		return ae_node_error(err, mon,
		                     "monitoring must be a mapping, not %s",
		                     ae_type_name(mon->type));
	if ((v = ae_map_get(mon, "log_signals")))
		return ae_node_error(err, v,
		                     "'log_signals' is the predecessor's name: "
		                     "write 'log_events'");
	for (size_t i = 0; predecessor_fields[i]; i++)
		if ((v = ae_map_get(mon, predecessor_fields[i])))
			return ae_node_error(
			    err, v,
			    "'%s' is a setting of the predecessor's "
			    "host-side monitor, which autoexp does not have "
			    "(the job-side helper follows the log)",
			    predecessor_fields[i]);
	if (ae_fields_check(mon, "monitoring", monitor_fields, err) < 0)
		return -1;
	v = ae_map_get(mon, "class_name");
	if (!(unresolved && ae_fields_deferred(v))) {
		if (ae_fields_string(mon, "class_name", 0, &cls, err) < 0)
			return -1;
		if (cls && strcmp(cls, "SlurmLogMonitor") &&
		    strcmp(cls, "NullMonitor"))
			return ae_node_error(
			    err, v,
			    "unknown monitoring class_name '%s' "
			    "(known: SlurmLogMonitor, NullMonitor)",
			    cls);
	}
	if (ae_fields_string(mon, "log_path", 0, &log_path, err) < 0 ||
	    ae_fields_seconds(mon, "drain_timeout_seconds", unresolved, &drain,
	                      err) < 0)
		return -1;
	v = ae_map_get(mon, "metadata");
	if (v && v->type != AE_NULL && v->type != AE_MAP &&
	    !(unresolved && ae_fields_deferred(v)))
		return ae_node_error(err, v, "metadata must be a mapping");
	if (ae_monitor_config_settings(mon, unresolved, &set, err) < 0)
		return -1;
	rules = ae_monitor_config_rules(mon, unresolved, err);
	if (!rules)
		return -1;
	ae_rules_free(rules);
	return 0;
}

int ae_monitor_config_check_root(const ae_node *root, int unresolved,
                                 ae_error *err)
{
	if (!root || root->type != AE_MAP)
		return 0;
	return ae_monitor_config_check(ae_map_get(root, "monitoring"),
	                               unresolved, err);
}
