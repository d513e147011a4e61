/* ae_endstate: how a job start ended, from the batch script's wait status
 * and the facts the helper gathered from the log (ae_logfacts). Pure: no
 * Slurm, no I/O.
 *
 * The states are the names of `monitoring.state_events`:
 *   success    exit 0 and training complete: the termination string was
 *              seen, or the last iteration reached train_iters, or Megatron
 *              printed "[after training is done]"; also exit 0 when nothing
 *              at all is known about training (no iteration line, no
 *              train_iters, no termination string, no error event): the
 *              script said it succeeded and nothing says otherwise;
 *   timeout    Slurm's "*** JOB N ON host CANCELLED AT t DUE TO TIME LIMIT
 *              ***" or "DUE TO PREEMPTION" (stopped from outside, not by a
 *              fault), or Megatron's own early exit before train_iters
 *              (--exit-duration-in-mins, --exit-interval,
 *              --exit-signal-handler) with exit 0 or an unknown status;
 *   crash      a non-zero exit or a fatal signal otherwise, "DUE TO NODE
 *              FAILURE", or exit 0 with training incomplete and no early
 *              exit message (or with an error event matched). The reason is
 *              the last matched error event's name when there is one. Exit
 *              code 93 sets no_restart (NVIDIA's resiliency tools: "do not
 *              restart");
 *   cancelled  the user's scancel ("*** JOB N ON host CANCELLED AT t ***",
 *              with or without a lower-case "DUE to ..."): never restarted;
 *   stall      fired while the job runs (no log output for the inactivity
 *              threshold), never by ae_endstate_classify.
 * A start that Slurm ended with "DUE TO JOB REQUEUE" is classified
 * `requeued`, which is not a state event: Slurm runs the job again under
 * its id, so a restart or a failure notice would be wrong (the requeue is
 * ours, a RestartAction's, or an admin's). It is recorded all the same.
 *
 * Order of the rules: a Slurm cancel line decides first (the user's cancel,
 * the time limit, preemption, node failure, requeue), then the exit status:
 * exit 0 complete -> success, exit 0 after an early exit -> timeout, other
 * exit 0 -> success only when nothing is known, else crash; non-zero or a
 * signal -> crash. An unknown status (the plugin recorded state UNKNOWN)
 * reads as exit 0 would when training is complete or exited early, else as
 * a crash.
 */
#ifndef AE_ENDSTATE_H
#define AE_ENDSTATE_H

#include <jansson.h>

typedef enum ae_endstate_state {
	AE_ENDSTATE_NONE = 0,
	AE_ENDSTATE_SUCCESS,
	AE_ENDSTATE_TIMEOUT,
	AE_ENDSTATE_CRASH,
	AE_ENDSTATE_CANCELLED,
	AE_ENDSTATE_STALL,
	AE_ENDSTATE_REQUEUED, /* recorded, not a state event */
} ae_endstate_state;

/* How the batch script ended (the plugin's end record). */
typedef enum ae_endstate_how {
	AE_ENDSTATE_UNKNOWN = 0,
	AE_ENDSTATE_EXITED,
	AE_ENDSTATE_SIGNALED,
} ae_endstate_how;

/* Slurm's "*** JOB ... CANCELLED AT ... ***" line, by its DUE TO part. */
typedef enum ae_endstate_cancel {
	AE_CANCEL_NONE = 0,
	AE_CANCEL_USER,
	AE_CANCEL_TIME_LIMIT,
	AE_CANCEL_PREEMPTION,
	AE_CANCEL_NODE_FAILURE,
	AE_CANCEL_REQUEUE,
} ae_endstate_cancel;

/* Megatron's own early exits ("[exiting program ...]"). */
typedef enum ae_endstate_early {
	AE_EARLY_NONE = 0,
	AE_EARLY_DURATION, /* after N minutes: --exit-duration-in-mins */
	AE_EARLY_INTERVAL, /* at iteration N: --exit-interval */
	AE_EARLY_SIGNAL,   /* after receiving SIGTERM: --exit-signal-handler */
} ae_endstate_early;

/* The exit code that asks not to restart. */
#define AE_ENDSTATE_NO_RESTART_CODE 93

typedef struct ae_endstate_input {
	ae_endstate_how how;
	int exit_code;         /* AE_ENDSTATE_EXITED */
	int signal;            /* AE_ENDSTATE_SIGNALED */
	long long iteration;   /* last iteration seen in the log, -1: none */
	long long train_iters; /* -1: unknown */
	int training_done;     /* "[after training is done]" seen */
	int termination_configured;
	int termination_seen;
	ae_endstate_cancel cancel;
	ae_endstate_early early;
	const char *error_event; /* last matched error event, NULL: none */
} ae_endstate_input;

typedef struct ae_endstate_result {
	ae_endstate_state state;
	int no_restart; /* exit 93, or a state that is never restarted */
	int complete;   /* training complete by the facts above */
	char reason[256];
} ae_endstate_result;

/* Classify. in is borrowed; out is filled. */
void ae_endstate_classify(const ae_endstate_input *in, ae_endstate_result *out);

/* 1 when training is complete by the facts in `in`. */
int ae_endstate_complete(const ae_endstate_input *in);

/* "success", "timeout", ... ("" for NONE). Static strings. */
const char *ae_endstate_name(ae_endstate_state state);
/* The state of a state_events name, or AE_ENDSTATE_NONE when name is not
 * one (requeued is not). */
ae_endstate_state ae_endstate_event_state(const char *name);
/* "user", "time_limit", "preemption", "node_failure", "requeue"; NULL for
 * NONE. */
const char *ae_endstate_cancel_name(ae_endstate_cancel cancel);
/* "exit_duration", "exit_interval", "exit_signal"; NULL for NONE. */
const char *ae_endstate_early_name(ae_endstate_early early);

/* Fill how/exit_code/signal of in from the plugin's end record (the JSON
 * object `end`: exit_code, or signal, and state COMPLETED / FAILED /
 * SIGNALED / UNKNOWN; borrowed). Anything else reads as unknown. */
void ae_endstate_from_record(const json_t *end, ae_endstate_input *in);

#endif /* AE_ENDSTATE_H */
