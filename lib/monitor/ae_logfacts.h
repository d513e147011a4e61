/* ae_logfacts: what the helper learns from a job's log about how training
 * goes, for the job-end classification (ae_endstate) and the stall timer.
 * Pure: lines and events in, facts out; saved in monitor_state.json so a
 * restarted helper keeps them.
 *
 * Lines read (Megatron-LM's megatron/training/{training,checkpointing}.py and
 * Slurm's slurmstepd; a rank prefix such as "[default0]:" is fine):
 *   " [t] iteration   N/   M | ..."           training: iteration N of M
 *   "saving checkpoint at iteration N ..."     a save started (blocking)
 *   "successfully saved checkpoint from iteration N ..."   it ended
 *   "scheduled an async checkpoint save at iteration N ..." the blocking
 *                                              part of an async save ended
 *   "[after training is done] ..."             the loop reached train_iters
 *   "[exiting program after receiving SIGTERM.]"  --exit-signal-handler
 *   "[exiting program after X minutes]"        --exit-duration-in-mins
 *   "[exiting program at iteration N]"         --exit-interval
 *   "*** JOB N [ON host] CANCELLED AT t [DUE TO ...] ***"  Slurm's cancel:
 *       TIME LIMIT, PREEMPTION, NODE FAILURE, JOB REQUEUE; none (or a
 *       lower-case "DUE to ...", newer Slurm's signal) is the user's scancel
 *   a line containing the termination string (when one is configured).
 * The iteration is the highest N of iteration, save and exit lines. The
 * cost per line is a few memmem() calls.
 *
 * Error events: a matched log event whose metadata has `kind: error` or
 * `kind: stall` (as the shipped presets mark their failures) is kept as the
 * last error, with its metadata; one whose `error_type` is `exception` or
 * `crash` (a bare traceback header, torchrun's ChildFailedError summary,
 * both printed around the real error) replaces only another of those.
 * The field failed_node (an extract group naming the node that failed) is
 * kept across these: an error that names none takes it from the error it
 * replaces, and a generic one that does not replace adds it when the kept
 * error names none (RestartAction's exclude_failed_node reads it).
 */
#ifndef AE_LOGFACTS_H
#define AE_LOGFACTS_H

#include <jansson.h>
#include <stddef.h>

#include "ae_endstate.h"
#include "ae_event.h"
#include "ae_node.h"

#define AE_LOGFACTS_NODE_FIELD "failed_node"

typedef struct ae_logfacts ae_logfacts;

/* termination (copied; NULL or "": none). NULL when memory runs out. */
ae_logfacts *ae_logfacts_new(const char *termination);
void ae_logfacts_free(ae_logfacts *lf);

/* Forget every fact (a new job start). */
void ae_logfacts_reset(ae_logfacts *lf);

/* One line (a trailing newline is allowed). */
void ae_logfacts_line(ae_logfacts *lf, const char *line, size_t len);

/* A matched log event (borrowed): kept when it is an error event as above.
 * 0, or -1 when memory ran out (the previous error is kept). */
int ae_logfacts_event(ae_logfacts *lf, const ae_event *ev);

/* The facts as classification input; train_iters is the log's (from the
 * iteration lines) when known, else config_train_iters (-1: unknown). The
 * exit status fields are left unknown; in->error_event is borrowed from lf.
 */
void ae_logfacts_input(const ae_logfacts *lf, long long config_train_iters,
                       ae_endstate_input *in);

/* 1 while a checkpoint save is in progress. */
int ae_logfacts_saving(const ae_logfacts *lf);
/* Last iteration seen, -1 when none. */
long long ae_logfacts_iteration(const ae_logfacts *lf);
/* Highest iteration of a "successfully saved checkpoint" line (the tracker
 * is written before it), -1 when none: the no-progress guard's measure. */
long long ae_logfacts_saved(const ae_logfacts *lf);
/* The last error event's name and metadata (borrowed), NULL when none. */
const char *ae_logfacts_error_name(const ae_logfacts *lf);
const ae_node *ae_logfacts_error_fields(const ae_logfacts *lf);

/* As JSON for monitor_state.json (new reference, NULL when memory runs
 * out), and back (replaces the facts; a malformed object is ignored field
 * by field). */
json_t *ae_logfacts_save(const ae_logfacts *lf);
void ae_logfacts_load(ae_logfacts *lf, const json_t *saved);

#endif /* AE_LOGFACTS_H */
