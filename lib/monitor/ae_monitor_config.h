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
 * Settings of the predecessor's host-side monitor (poll intervals,
 * state_events, termination strings, ...) are refused with a message that
 * says so.
 */
#ifndef AE_MONITOR_CONFIG_H
#define AE_MONITOR_CONFIG_H

#include "ae_error.h"
#include "ae_node.h"

/* Check a `monitoring` mapping (NULL or null: nothing to check). `unresolved`
 * as described above (0 for a resolved config at job start). Returns 0 or -1
 * with err set to the first problem (file:line:col, key path, message). */
int ae_monitor_config_check(const ae_node *monitoring, int unresolved,
                            ae_error *err);

/* Same, for the `monitoring` key of a config root. */
int ae_monitor_config_check_root(const ae_node *root, int unresolved,
                                 ae_error *err);

#endif /* AE_MONITOR_CONFIG_H */
