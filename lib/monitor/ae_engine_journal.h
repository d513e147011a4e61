/* ae_engine_journal: the rule engine's journal callbacks (ae_journal_ops) on
 * top of the real journal (ae_journal), plus the list of undecided work that
 * the helper saves in monitor_state.json so that a restart picks it up.
 *
 * The engine names a trigger (event, dedup key, binding index); the journal
 * keys it as (event, action id, dedup key) with the binding index in decimal
 * as the action id. A trigger counts as fired for the engine unless the
 * journal says it is undecided (ae_journal_decide, the one definition):
 * none of the others is ever evaluated or run again.
 *
 * The engine only reports waiting conditions, starts and decisions, so the
 * caller also announces each event before submitting it
 * (ae_engine_journal_track): that way work that was queued or ready but not
 * started yet when the helper died is in the saved list too, not only work
 * whose conditions were waiting.
 *
 * Records written: condition_pending (the first time a trigger waits),
 * action_started / action_finished (status "ok" or "failed", the action's
 * result), condition_failed (skipped, with the reason), action_not_started
 * (decided as failed before a start was recorded). A record that cannot be
 * written leaves its trigger in the list (undecided, saved with the
 * state): the engine tries it again (ae_engine.h).
 */
#ifndef AE_ENGINE_JOURNAL_H
#define AE_ENGINE_JOURNAL_H

#include <jansson.h>
#include <stddef.h>

#include "ae_engine.h"
#include "ae_error.h"
#include "ae_event.h"
#include "ae_journal.h"
#include "ae_rules.h"

typedef struct ae_engine_journal ae_engine_journal;

/* j and rules are borrowed and must outlive the adapter. NULL when memory
 * runs out. */
ae_engine_journal *ae_engine_journal_new(ae_journal *j, const ae_rules *rules);
void ae_engine_journal_free(ae_engine_journal *ej);

/* The callbacks; journal_ctx is the adapter. */
const ae_journal_ops *ae_engine_journal_ops(void);

/* Announce ev of rule `rule` before ae_engine_submit: the bindings that are
 * neither fired nor already undecided are added to the list. Returns how
 * many were added (0: the engine would do nothing, so the caller may drop
 * the event instead of submitting it), or -1 with err set. */
int ae_engine_journal_track(ae_engine_journal *ej, size_t rule,
                            const ae_event *ev, ae_error *err);

/* The undecided work as a JSON array (new reference; for
 * ae_journal_state.pending), NULL when memory runs out. Each element:
 * {event, binding, offset, line_no, dedup_key, metadata, state}. */
json_t *ae_engine_journal_pending(const ae_engine_journal *ej);

/* Re-create saved work in the engine. Entries whose rule or binding no
 * longer exists, that the journal decided since, or that are already known
 * are dropped and counted in *dropped (may be NULL); a condition state that
 * does not fit the current condition starts over. Returns the number
 * restored, or -1 with err set (memory). */
int ae_engine_journal_restore(ae_engine_journal *ej, ae_engine *e,
                              const json_t *pending, double now,
                              size_t *dropped, ae_error *err);

/* An ae_journal_resume_fn (ctx: the ae_rules): 1 when the started record
 * names an action of the rules whose class is resumable
 * (ae_action_resumable) and whose metadata was recorded, else 0. */
int ae_engine_journal_resumable(void *rules, const json_t *started);

/* Start again, through the engine, an action that the journal left started
 * at open because ae_engine_journal_resumable said so: started is its
 * action_started record (borrowed). Its conditions are not evaluated again;
 * its start is recorded as action_resumed. Returns 1 when resumed, 0 when
 * it was already known, -1 with err set (not in the rules, memory). */
int ae_engine_journal_resume(ae_engine_journal *ej, ae_engine *e,
                             const json_t *started, double now, ae_error *err);

/* Undecided triggers known (started ones included until they finish). */
size_t ae_engine_journal_count(const ae_engine_journal *ej);

/* 1 when the list changed since the last ae_engine_journal_clean (the state
 * needs saving). */
int ae_engine_journal_dirty(const ae_engine_journal *ej);
void ae_engine_journal_clean(ae_engine_journal *ej);

/* Journal write failures seen by the callbacks. */
unsigned long long ae_engine_journal_errors(const ae_engine_journal *ej);
/* The latest of them ("" when none). Borrowed. */
const char *ae_engine_journal_last_error(const ae_engine_journal *ej);

#endif /* AE_ENGINE_JOURNAL_H */
