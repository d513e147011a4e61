/* ae_timecheck: at submission, does the job leave Megatron the time to save
 * a checkpoint before Slurm kills it?
 *
 * Slurm ends a job at its time limit with SIGTERM and, KillWait later (30 s
 * by default), SIGKILL: too soon to save a large model. Megatron saves and
 * stops in time by itself only with exit_duration_in_mins below the limit,
 * or with exit_signal_handler and a --signal that comes early enough. The
 * check compares the job's --time and --signal (ae_jobtime) with
 * backend.megatron and returns warnings; it never refuses a job. The rules
 * and their reasons are in docs/provenance.md ("Time limits"):
 *
 *  - exit_duration_in_mins must leave margin(limit) minutes: 5% of the
 *    limit, at least 10 and at most 30 (never more than half the limit).
 *    Megatron's clock starts after the job's (srun, imports), and after
 *    the deadline it still finishes the iteration (and an evaluation that
 *    falls due) before it saves.
 *  - Neither exit_duration_in_mins nor exit_signal_handler, with a limit:
 *    the job dies mid-training and loses what followed the last save.
 *  - exit_signal_handler without an exit_duration_in_mins that covers the
 *    limit: --signal must send Megatron's signal (exit_signal, SIGTERM by
 *    default) to the steps (not "B:", which reaches only the batch shell)
 *    at least lead(limit) seconds before the end: 300, at most a quarter
 *    of the limit.
 *  - No --time (the partition's default, unknown without asking slurmctld)
 *    or an unlimited one: no warning about the limit itself.
 *
 * A value that cannot be known at submission (an interpolation that needs
 * the job's environment, a type Megatron would refuse) skips the checks
 * that need it, silently. A config without backend.megatron.save saves
 * nothing and is not checked.
 */
#ifndef AE_TIMECHECK_H
#define AE_TIMECHECK_H

#include <jansson.h>
#include <stddef.h>

#include "ae_error.h"
#include "ae_jobtime.h"
#include "ae_merge.h" /* ae_compose_warning */
#include "ae_node.h"

/* What backend.megatron says about stopping in time. */
typedef struct ae_timecheck_megatron {
	int saves;          /* save is set: there is something to lose */
	long exit_duration; /* exit_duration_in_mins > 0; 0 unset; -1 unknown */
	int signal_handler; /* exit_signal_handler: 1 true, 0 not; -1 unknown */
	int exit_signal;    /* exit_signal's number (SIGTERM by default); 0
	                       unknown */
	long save_interval; /* > 0, or 0 unset or unknown */
} ae_timecheck_megatron;

/* The minutes exit_duration_in_mins must leave before a limit of limit_min
 * minutes (> 0). */
long ae_timecheck_margin_min(long limit_min);

/* The seconds --signal must come before the end of a job of limit_min
 * minutes (0 when the limit is not known). */
int ae_timecheck_lead_secs(long limit_min);

/* Read backend.megatron of the composed, unresolved config root, resolving
 * each value on its own as at submission (oc.env deferred, timestring the
 * job's ${oc.timestring:}). A config without backend.megatron gives
 * saves 0. Never fails. */
void ae_timecheck_megatron_read(ae_timecheck_megatron *mt, const ae_node *root,
                                const char *timestring);

/* Append the warnings for a job and its Megatron settings to *warnings
 * (caller frees). Each is one sentence naming the values, what goes wrong
 * and what to set. Returns the number appended, or -1 when memory runs
 * out. */
int ae_timecheck_warn(const ae_jobtime *job, const ae_timecheck_megatron *mt,
                      ae_compose_warning **warnings, size_t *n_warnings);

/* Both, for a submission: sbatch's options (ae_request "options", or
 * NULL), the batch script's text (its #SBATCH lines are read; NULL for
 * none, as with --wrap), the composed config and the job's timestring.
 * Returns the number of warnings appended, or -1 with err set. */
int ae_timecheck_run(const json_t *options, const char *script,
                     const ae_node *root, const char *timestring,
                     ae_compose_warning **warnings, size_t *n_warnings,
                     ae_error *err);

#endif /* AE_TIMECHECK_H */
