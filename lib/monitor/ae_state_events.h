/* ae_state_events: `monitoring.state_events`, the actions taken when a job
 * start ends (success, timeout, crash, cancelled; see ae_endstate) or
 * stalls (stall).
 *
 * The predecessor's shape: a list of {name, metadata, actions} (and its
 * `class_name: StateEvent` and `state`, accepted and unused), or a mapping
 * from name to {metadata, actions}, which configs composed on top of each
 * other merge by name. `name` is one of success, timeout, crash, cancelled,
 * stall, each at most once. `actions` are those of log_events (ae_binding:
 * plain actions or EventActions with conditions).
 *
 * Each state event becomes a rule without a pattern in the log_events'
 * rules (ae_rules_add_unmatched), named "state:" + name, so its actions go
 * through the same engine, journal and at-most-once keys as any other: the
 * helper makes the event (ae_state_events_event) when the state is known
 * and submits it. An action class added later (a restart) plugs in here as
 * in log_events.
 */
#ifndef AE_STATE_EVENTS_H
#define AE_STATE_EVENTS_H

#include "ae_endstate.h"
#include "ae_error.h"
#include "ae_event.h"
#include "ae_node.h"
#include "ae_rules.h"

/* The rule name of a state event: this prefix and the state's name. */
#define AE_STATE_EVENTS_PREFIX "state:"

/* Check state_events (NULL or null: none) and add its entries to rules.
 * `unresolved` as in ae_rules_compile. 0, or -1 with err set to the first
 * problem (file:line:col of the node, its key path). */
int ae_state_events_compile(ae_rules *rules, const ae_node *state_events,
                            int unresolved, ae_error *err);

/* The rule of a state's event, or -1 when state_events has none. */
long ae_state_events_rule(const ae_rules *rules, ae_endstate_state state);

/* A new event of rule `rule` (a state event's): its metadata is the rule's
 * static metadata overridden by `fields` (a mapping, borrowed), its dedup
 * key dedup_key (copied). NULL when memory runs out. */
ae_event *ae_state_events_event(const ae_rules *rules, size_t rule,
                                const ae_node *fields, const char *dedup_key);

#endif /* AE_STATE_EVENTS_H */
