/* ae_journal: the helper's at-most-once memory, in {output_dir}/provenance/.
 *
 * events.jsonl is an append-only write-ahead log, one JSON object per line,
 * each line written with one write(2) and, all but `action_finished`,
 * fdatasync'ed before the call returns. The rule: before an action starts,
 * `action_started` for its (event name, action id, dedup key) is on disk;
 * after it, `action_finished` with its status and result.
 *
 * `action_finished` gates nothing, so it is written without its own
 * fdatasync: it is in the page cache at once (a killed helper loses
 * nothing) and on disk with the next synced record, the next state save
 * (about once a second while lines come) or the close, whichever is first.
 * Only a crash of the machine in between can lose it, and then the start
 * without an end is marked interrupted at the next open and not run again
 * (below): at most once holds, only the recorded outcome is lost. This
 * halves the fsyncs per action, which bounded the helper's speed on logs
 * with many events. Condition evaluations leave `condition_pending`,
 * `condition_met` and `condition_failed` records. Opening the journal replays
 * it, which rebuilds the status of every key, so each (event, action, dedup
 * key) fires at most once per job across helper restarts, requeues and
 * rescans of the log, and nothing that fired is missing from the journal.
 *
 * At most once wins over at least once: an action whose `action_started` has
 * no `action_finished` (the helper died while it ran) is recorded as
 * `action_interrupted` at the next open and is NOT run again. Actions here
 * submit follow-up jobs and send notifications: a duplicate cooldown job
 * burns a node allocation and can race the first one for the same output
 * directory, while a missing one is visible in the journal and easy to
 * submit by hand. For the same reason a failure to write `action_started`
 * means the action must not start.
 *
 * The exception is an action that keeps its own record of how far it got
 * and can so be started again without doing anything twice (a cooldown
 * submission: ae_cooldown.h). The opener decides (ae_journal_resume_fn);
 * a resumed action stays started, its new start is recorded as
 * `action_resumed`, and it ends with `action_finished` as any other.
 *
 * monitor_state.json holds what a restart needs beyond the journal: the
 * follower position, the pending condition evaluations and the facts of the
 * log that the job-end classification needs. It is replaced
 * atomically (ae_fsutil_write_atomic) and may lag behind the journal; a
 * crash between an append and the state write re-reads some log lines, and
 * the journal stops them from firing again.
 *
 * A torn last line (the helper died inside a write, so no newline) is not a
 * record: it is counted, cut off and logged as `journal_repaired`. Complete
 * lines that are not valid records are counted and skipped. Both files are
 * opened with O_NOFOLLOW (a symlink there is refused) and must be regular
 * files, created AE_FSUTIL_FILE_MODE (as private as their directory).
 * A second helper of the run is kept out by the journal's lock and lease,
 * also on another node (ae_journal_lock.h).
 *
 * The replay reads the journal line by line (memory stays at about one
 * record, whatever the journal's size), and an action's result keeps a
 * string (a command's output) only up to its last 4 KiB, so a journal of
 * many chatty commands stays small and quick to open.
 *
 * A record that cannot be written (ENOSPC, EIO, EROFS) is cut off again,
 * now or before the next append, and the call fails: for action_started
 * the action must not start, and the caller keeps the trigger to try again
 * (ae_engine). The records of the opening itself (action_interrupted,
 * journal_repaired) do not fail it: the decision they note is taken again
 * from the same records at the next open.
 */
#ifndef AE_JOURNAL_H
#define AE_JOURNAL_H

#include <jansson.h>
#include <stdint.h>

#include "ae_error.h"
#include "ae_event.h"
#include "ae_follow.h"

#define AE_JOURNAL_FILE       "events.jsonl"
#define AE_JOURNAL_STATE_FILE "monitor_state.json"

/* Where a (event, action, dedup key) stands; later states win. */
typedef enum ae_journal_status {
	AE_JOURNAL_NONE = 0,   /* never seen */
	AE_JOURNAL_PENDING,    /* condition waiting */
	AE_JOURNAL_FAILED,     /* condition false or timed out: not run */
	AE_JOURNAL_MET,        /* condition true, action not started yet */
	AE_JOURNAL_STARTED,    /* action running (in this helper) */
	AE_JOURNAL_FINISHED,   /* action ended (any status) */
	AE_JOURNAL_INTERRUPTED /* started before a crash, never finished */
} ae_journal_status;

/* At most once, defined once: what a key's records mean for its action.
 * The engine asks before it takes a trigger (ae_engine_journal), the
 * journal itself before it records a start and when it settles the starts
 * a dead helper left open, and a resumed cooldown reads its own
 * submission.json with the same rule (ae_journal_decision_of). Only an
 * undecided key is ever evaluated or started; "started" means in flight,
 * resumable or decided. */
typedef enum ae_journal_decision {
	AE_JOURNAL_UNDECIDED = 0, /* nothing yet, or its condition is open */
	AE_JOURNAL_SKIPPED,       /* its condition failed: never starts */
	AE_JOURNAL_IN_FLIGHT,     /* started in this run, its end not known */
	AE_JOURNAL_RESUMABLE,     /* started by a run that is gone; its own
	                           * record lets a new start go on from there */
	AE_JOURNAL_DECIDED,       /* ended (any outcome) or interrupted */
} ae_journal_decision;

typedef struct ae_journal_stats {
	uint64_t records;     /* valid records replayed at open */
	uint64_t bad_lines;   /* complete lines that were not valid records */
	uint64_t torn_bytes;  /* bytes of a torn last line cut off at open */
	uint64_t interrupted; /* actions marked interrupted at open */
	uint64_t resumable;   /* actions left started at open, to resume */
	uint64_t resumed;     /* action_resumed records written */
	uint64_t keys;        /* distinct (event, action, key) known */
	uint64_t appended;    /* records appended since open */
	uint64_t unrecorded;  /* records of the open (action_interrupted,
	                       * journal_repaired) that could not be written
	                       * (a full disk): their decisions stand, and the
	                       * next open takes them again */
} ae_journal_stats;

typedef struct ae_journal ae_journal;

/* Open (creating) dir/events.jsonl, lock it, replay it, repair a torn tail
 * and mark interrupted actions. dir must exist. Returns a journal (caller
 * frees) or NULL with err set. A record of the opening that cannot be
 * written (stats.unrecorded; a full disk) does not fail it: err then says
 * why. */
ae_journal *ae_journal_open(const char *dir, ae_error *err);

/* The same in an already opened directory (dirfd is duplicated, the caller
 * keeps its own). display names the directory in errors (may be NULL). */
ae_journal *ae_journal_openat(int dirfd, const char *display, ae_error *err);

/* Asked at open for each action found started and never finished: return 1
 * to resume it (it stays started; the caller starts it again and calls
 * ae_journal_record_resumed), anything else to have it recorded as
 * interrupted. started (borrowed) is its action_started record: event,
 * action, key, offset, line, action_name and metadata (when it had some). */
typedef int (*ae_journal_resume_fn)(void *ctx, const json_t *started);

/* ae_journal_openat, letting resume (may be NULL: nothing is resumed)
 * decide about the interrupted actions. */
ae_journal *ae_journal_openat_resuming(int dirfd, const char *display,
                                       ae_journal_resume_fn resume, void *ctx,
                                       ae_error *err);

/* A journal that keeps nothing on disk: the same keys, rules and
 * decisions, in memory only, for a dry run (`autoexp replay`). Records are
 * counted, not written; there is no state file (save fails, load finds
 * none). Returns a journal (caller frees) or NULL with err set. */
ae_journal *ae_journal_new_memory(ae_error *err);

/* Close and unlock. Safe on NULL. */
void ae_journal_free(ae_journal *j);

/* The status of a key. action_id is the caller's stable name of the action
 * within its rule (e.g. its index "0", or "0:cooldown"); it must not change
 * between helper runs of the same job. A NULL dedup key counts as "". */
ae_journal_status ae_journal_lookup(const ae_journal *j, const char *event,
                                    const char *action_id,
                                    const char *dedup_key);

/* The rule, for records kept anywhere. status: how far the key's records
 * got; restarted: a STARTED key was started by a run that is gone;
 * goes_on: the action's own record says a new start does nothing twice.
 *   NONE, PENDING, MET      undecided
 *   FAILED                  skipped
 *   STARTED                 in flight; after a restart resumable when
 *                           goes_on, else decided: interrupted, not run
 *                           again (at most once wins over at least once)
 *   FINISHED, INTERRUPTED   decided */
ae_journal_decision ae_journal_decision_of(ae_journal_status status,
                                           int restarted, int goes_on);

/* The decision on a key of this journal: its status, and for a started
 * key whether the open left it to be resumed (ae_journal_openat_resuming)
 * and ae_journal_record_resumed has not been called yet. */
ae_journal_decision ae_journal_decide(const ae_journal *j, const char *event,
                                      const char *action_id,
                                      const char *dedup_key);

/* 1 when the action was started for this key (running, finished or
 * interrupted), else 0: ae_journal_decide() is at least in flight. */
int ae_journal_has_fired(const ae_journal *j, const char *event,
                         const char *action_id, const char *dedup_key);

/* Check and record in one step, before starting an action: returns 1 when
 * the key is not undecided (nothing written: do not run it), 0 when
 * `action_started` is durably recorded (run it now), -1 with err set when it
 * could not be recorded (do not run it). The event's offset, line and metadata
 * go into the record; action_name (may be NULL) is for readers. */
int ae_journal_record_started(ae_journal *j, const ae_event *ev,
                              const char *action_id, const char *action_name,
                              ae_error *err);

/* Before a resumed action (left started at open) starts again: records
 * `action_resumed`, durably; the key is in flight again. 0, or -1 with err
 * set when the key is not resumable or the record could not be written (do
 * not run it). */
int ae_journal_record_resumed(ae_journal *j, const ae_event *ev,
                              const char *action_id, ae_error *err);

/* After the action: status is "ok", "failed", "timeout"... result (borrowed,
 * may be NULL) any JSON the action produced (job id, exit status, message).
 * The key must have been started by this journal. 0 or -1. */
int ae_journal_record_finished(ae_journal *j, const ae_event *ev,
                               const char *action_id, const char *status,
                               const json_t *result, ae_error *err);

/* A condition evaluation of the action's `when`: what is AE_JOURNAL_PENDING,
 * AE_JOURNAL_MET or AE_JOURNAL_FAILED; detail (may be NULL) says why.
 * Ignored (returns 0, nothing written) when the key is not undecided.
 * 0 or -1. */
int ae_journal_record_condition(ae_journal *j, const ae_event *ev,
                                const char *action_id, ae_journal_status what,
                                const char *detail, ae_error *err);

/* Any other record (helper started, rule errors...): `fields` (borrowed, an
 * object, may be NULL) is copied after "type" and "ts". 0 or -1. */
int ae_journal_record(ae_journal *j, const char *type, const json_t *fields,
                      ae_error *err);

/* Make every record written so far durable (a no-op when all are).
 * 0 or -1. */
int ae_journal_sync(ae_journal *j, ae_error *err);

/* Renew this helper's hold on the journal (its lease, ae_journal_lock.h):
 * call it about every AE_JOURNAL_LEASE_BEAT seconds while the journal is
 * open. 0 (and for a journal in memory); -1 with err set when the lease
 * cannot be written (a full disk: try again at the next beat); -2 with err
 * set when another helper took the journal over: stop deciding. */
int ae_journal_heartbeat(ae_journal *j, ae_error *err);

/* Whether another helper holds the journal in dirfd, without opening it:
 * 1 (who: by whom), 0 (free, or no journal yet), -1 with err set (the
 * file system's lock failed: the journal cannot be opened either). */
int ae_journal_busy(int dirfd, char *who, size_t size, ae_error *err);

ae_journal_stats ae_journal_stats_get(const ae_journal *j);

/* What monitor_state.json holds. */
typedef struct ae_journal_state {
	char *log_path; /* owned; NULL when unknown */
	ae_follow_pos pos;
	json_t *pending; /* owned reference to an array of the rule engine's
	                  * pending evaluations (opaque here); NULL = none */
	json_t *facts;   /* owned reference to an object: what the helper
	                  * learnt from the log of this job start (opaque
	                  * here, ae_logfacts and the stall timer); NULL =
	                  * none */
} ae_journal_state;

/* Replace monitor_state.json atomically with st, after syncing the journal
 * (ae_journal_sync). 0 or -1. */
int ae_journal_state_save(ae_journal *j, const ae_journal_state *st,
                          ae_error *err);

/* Read monitor_state.json into st (cleared first; free with
 * ae_journal_state_clear). 1 when loaded, 0 when there is none, -1 with err
 * set (file:line:column for a parse error). */
int ae_journal_state_load(ae_journal *j, ae_journal_state *st, ae_error *err);

/* Free what st owns and zero it. Safe on NULL. */
void ae_journal_state_clear(ae_journal_state *st);

#endif /* AE_JOURNAL_H */
