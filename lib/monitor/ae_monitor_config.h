/* ae_monitor_config: check the `monitoring` section of a config.
 *
 * Used at submission (the SPANK plugin, `autoexp check`) on the composed,
 * unresolved config, so that a mistake refuses the job instead of surfacing
 * in the helper hours later: every pattern compiles, every action and
 * condition class_name is known and has only known fields, every template
 * parses. Values that are interpolations (or ???) are accepted wherever a
 * type is checked: they are only known at job start.
 *
 * Keys of `monitoring`:
 *   class_name             SlurmLogMonitor (default) or NullMonitor
 *   log_path               the log to follow (Slurm filename patterns)
 *   drain_timeout_seconds  how long queued actions may run after the job
 *   metadata               free-form values for templates and conditions
 *   log_events             the rules (see ae_rules.h)
 *   state_events           actions when a job start ends or stalls (see
 *                          ae_state_events.h, ae_endstate.h)
 *   inactivity_threshold_seconds       a number > 0: the log silent this
 *                          long while the job runs is a stall (absent: no
 *                          stall detection)
 *   save_inactivity_threshold_seconds  the same while Megatron saves a
 *                          checkpoint (it printed "saving checkpoint at
 *                          iteration" and not yet "successfully saved");
 *                          default max(inactivity_threshold_seconds, 1800):
 *                          saves of large models on a parallel file system
 *                          take minutes; never below the first
 *   termination_string     a line containing it means training is complete
 *                          (decided at the job's end: success needs exit 0)
 * Settings of the predecessor's host-side monitor that make no sense job-side
 * (poll intervals, termination_command, debug_sync, monitoring_state_dir,
 * ...) are refused with a message that says so.
 */
#ifndef AE_MONITOR_CONFIG_H
#define AE_MONITOR_CONFIG_H

#include "ae_error.h"
#include "ae_node.h"
#include "ae_rules.h"

/* The save threshold's floor when it is not given, seconds. */
#define AE_MONITOR_SAVE_THRESHOLD_MIN 1800.0

/* The stall and completion settings of a checked `monitoring` mapping. */
typedef struct ae_monitor_settings {
	double inactivity;       /* seconds; 0: no stall detection */
	double save_inactivity;  /* seconds; 0 when inactivity is 0 */
	const char *termination; /* borrowed from the node; NULL: none */
} ae_monitor_settings;

/* Check a `monitoring` mapping (NULL or null: nothing to check). `unresolved`
 * as described above (0 for a resolved config at job start). Returns 0 or -1
 * with err set to the first problem (file:line:col, key path, message). */
int ae_monitor_config_check(const ae_node *monitoring, int unresolved,
                            ae_error *err);

/* Read the settings above (defaults applied). Values that are still
 * interpolations with `unresolved` read as absent. 0, or -1 with err set. */
int ae_monitor_config_settings(const ae_node *monitoring, int unresolved,
                               ae_monitor_settings *out, ae_error *err);

/* The rules of log_events and state_events together (ae_rules_compile,
 * then ae_state_events_compile). Caller frees; NULL with err set. */
ae_rules *ae_monitor_config_rules(const ae_node *monitoring, int unresolved,
                                  ae_error *err);

/* Same, for the `monitoring` key of a config root. */
int ae_monitor_config_check_root(const ae_node *root, int unresolved,
                                 ae_error *err);

#endif /* AE_MONITOR_CONFIG_H */
