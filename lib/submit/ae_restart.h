/* ae_restart: RestartAction, continuing a run after a crash, a stall or a
 * timeout by requeueing its job or submitting the run again as a new job
 * (fields and checks: ae_restart_spec.h).
 *
 * What a start does, for the state event that fired it:
 *  1. The facts: the event's state, no_restart (exit 93), the job id, the
 *     run's start number (ae_eval_env.attempt: job_metadata.json's
 *     `start`), and the highest checkpoint iteration each start of the run
 *     saved: the earlier starts' from progress.json in their directories
 *     (run_metadata.json `starts[].dir`, opened below the provenance
 *     directory the helper opened: ae_eval_env.dirs), this start's from the
 *     event's `saved_iteration` (else its own progress.json). No path of
 *     the run is looked up again after the helper's check.
 *  2. ae_restart_guard decides. Refused: the decision is recorded and the
 *     action fails with "not restarted: <why>"; a refused stall is first
 *     cancelled (scancel) with cancel_hung_job, recorded as hung_job.
 *  3. `scontrol requeue <job id>` (ae_spawn: argv, no shell; the helper's
 *     environment without SLURM_* but SLURM_CONF; timeout_seconds). A job
 *     that still runs (a stall) is requeued as well: Slurm ends it.
 *  4. With exclude_failed_node and a node in the event's failed_node_field
 *     (a plain host name), `scontrol update JobId=<id> ExcNodeList=<list>`
 *     after the requeue, while the job waits for its old credential to
 *     expire: <list> is the nodes the run's earlier restarts excluded
 *     (their restart.json) plus this one, at most max_excluded_nodes (a node
 *     beyond it is recorded as not excluded). Slurm takes ExcNodeList of a
 *     pending job only, hence after the requeue; a failed update is recorded
 *     and does not undo the requeue.
 *  4'. mode resubmit, instead of 3 and 4: sbatch of the run's own config after
 * this job (ae_resubmit.h: same run, --dependency=afterany, the nodes to
 *     exclude as --exclude, earlier restarts' included), retried with a
 *     backoff while the controller cannot be reached (retry_seconds; a
 *     sbatch killed by its timeout is not retried: it may have submitted).
 *     A job that still runs (a stall) is then cancelled (scancel), so that
 *     its successor can start. The new job's id is recorded (next_job_id).
 *     sbatch gets the provenance directory as its fd 3 and reads the
 *     run's files through it.
 *  5. Every decision goes to restart.json of this start's directory
 *     (AUTOEXP_JOB_DIR as the helper opened it; ae_restart_record.h): time,
 * job_id, start, state, event_reason, reason (the rendered `reason`), mode,
 * decision (requeued | resubmitted | refused | failed), why, next_job_id,
 *     saved_iterations, excluded_nodes, node, exclude (what happened to
 *     it), the outcomes of scontrol, sbatch and scancel. The action's
 *     result in the journal has decision, why and the record's path, and
 *     the helper logs its message.
 *
 * Not resumable: a helper that died while scontrol or sbatch ran does not
 * requeue or submit again (the journal records the action interrupted).
 */
#ifndef AE_RESTART_H
#define AE_RESTART_H

#include "ae_error.h"
#include "ae_restart_spec.h" /* the class's name, fields and checks */

/* Replace the check-only RestartAction in ae_action's table with the class
 * that runs. Call before compiling rules. Not thread-safe. 0 or -1 with err
 * set. */
int ae_restart_register(ae_error *err);

#endif /* AE_RESTART_H */
