/* The job's states in the helper: the facts of the log (ae_logfacts), the
 * stall timer, and, when the job ends, the end record read, classified
 * (ae_endstate) and recorded. Each state becomes the event of its
 * `monitoring.state_events` entry (ae_state_events), handed to the engine
 * like a log event, so the journal keeps it at most once:
 *   the end    key {"job_id": ID, "restart_count": N}: one end per start;
 *   a stall    key {"job_id", "offset", "restart_count"}: the log's offset
 *              where it went silent names the episode, so a restarted
 *              helper that finds the same silence does not fire it again,
 *              and output after it starts a new one.
 * Both are also recorded in the journal (`job_end`, `stall_detected`) and in
 * helper.log, whether state_events has an entry for them or not.
 *
 * A stall is the log not growing for monitoring.inactivity_threshold_seconds
 * (save_inactivity_threshold_seconds while a checkpoint save is in
 * progress) while the job runs: it is not looked for before the log has
 * any content, after training is complete (a hang at shutdown is left to
 * the time limit: a restart would have nothing to do) or during the drain.
 * The clock starts with the helper and is reset by every growth. */
#ifndef HELPER_STATES_H
#define HELPER_STATES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ae_engine.h"
#include "ae_engine_journal.h"
#include "ae_event.h"
#include "ae_journal.h"
#include "ae_monitor_config.h"
#include "ae_rules.h"
#include "helper_dirs.h"

typedef struct helper_states helper_states;

typedef struct helper_states_opts {
	ae_monitor_settings settings;
	long long config_train_iters; /* -1: not in the config */
	const char *job_id;
	int restart_count; /* names this start in the keys: SLURM_RESTART_COUNT,
	                    * else the run's start number - 1 (helper_worker's
	                    * restart_count) */
	int attempt;       /* the run's start number (job_metadata.json), else
	                    * restart_count + 1 */
	/* borrowed, must outlive the states */
	const helper_dirs *dirs; /* the end record and progress.json */
	const ae_rules *rules;
	ae_engine *engine;
	ae_engine_journal *ej;
	ae_journal *journal;
} helper_states_opts;

/* saved: the facts from monitor_state.json (borrowed, may be NULL); they are
 * kept when they belong to this job start (same restart count). now: wall
 * clock, mono: monotonic. NULL when memory runs out. */
helper_states *helper_states_new(const helper_states_opts *o,
                                 const json_t *saved, double now, double mono);
void helper_states_free(helper_states *hs);

/* For monitor_state.json (new reference, NULL when memory runs out). */
json_t *helper_states_save(const helper_states *hs);

/* A log line; a matched log event (borrowed: error events are kept). */
void helper_states_line(helper_states *hs, const char *line, size_t len);
void helper_states_event(helper_states *hs, const ae_event *ev);

/* After each read of the log: `signature` changes whenever the log grew (or
 * was rotated or truncated), has_content once it has any. */
void helper_states_activity(helper_states *hs, uint64_t signature,
                            int has_content, double mono);

/* Milliseconds until a stall is due (0: now), -1 when none can be. */
int helper_states_timeout_ms(const helper_states *hs, double mono);

/* Fire the stall when it is due (once per episode); offset: the follower's.
 */
void helper_states_check_stall(helper_states *hs, uint64_t offset, double mono);

/* The job ended (the drain began, the log read to its end): read the end
 * record, classify, record and fire. Once per helper; nothing is fired
 * without an end record of this job start. */
void helper_states_end(helper_states *hs);

#endif /* HELPER_STATES_H */
