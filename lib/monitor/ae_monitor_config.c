#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "ae_fields.h"
#include "ae_monitor_config.h"
#include "ae_rules.h"

static const char *const monitor_fields[] = {
    "class_name", "log_path",   "drain_timeout_seconds",
    "metadata",   "log_events", NULL};

/* Keys of the predecessor's host-side monitor. */
static const char *const predecessor_fields[] = {
    "poll_interval_seconds",
    "check_interval_seconds",
    "inactivity_threshold_seconds",
    "termination_string",
    "termination_command",
    "log_path_template",
    "output_paths",
    "start_condition_cmd",
    "start_condition_interval_seconds",
    "state_events",
    "policies",
    "debug_sync",
    "monitoring_state_dir",
    NULL};

int ae_monitor_config_check(const ae_node *mon, int unresolved, ae_error *err)
{
	const char *cls, *log_path;
	const ae_node *v;
	double drain = 0;
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
	v = ae_map_get(mon, "log_events");
	if (unresolved && ae_fields_deferred(v))
		return 0;
	rules = ae_rules_compile(v, unresolved, err);
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
