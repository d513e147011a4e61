#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ae_endstate.h"

static const char *const state_names[] = {
    "", "success", "timeout", "crash", "cancelled", "stall", "requeued"};

const char *ae_endstate_name(ae_endstate_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(*state_names)
	           ? state_names[s]
	           : "";
}

ae_endstate_state ae_endstate_event_state(const char *name)
{
	for (int s = AE_ENDSTATE_SUCCESS; s <= AE_ENDSTATE_STALL; s++)
		if (name && !strcmp(name, state_names[s]))
			return (ae_endstate_state)s;
	return AE_ENDSTATE_NONE;
}

const char *ae_endstate_cancel_name(ae_endstate_cancel c)
{
	switch (c) {
	case AE_CANCEL_USER:
		return "user";
	case AE_CANCEL_TIME_LIMIT:
		return "time_limit";
	case AE_CANCEL_PREEMPTION:
		return "preemption";
	case AE_CANCEL_NODE_FAILURE:
		return "node_failure";
	case AE_CANCEL_REQUEUE:
		return "requeue";
	default:
		return NULL;
	}
}

const char *ae_endstate_early_name(ae_endstate_early e)
{
	switch (e) {
	case AE_EARLY_DURATION:
		return "exit_duration";
	case AE_EARLY_INTERVAL:
		return "exit_interval";
	case AE_EARLY_SIGNAL:
		return "exit_signal";
	default:
		return NULL;
	}
}

/* The Megatron flag behind an early exit, for reasons. */
static const char *early_flag(ae_endstate_early e)
{
	switch (e) {
	case AE_EARLY_DURATION:
		return "--exit-duration-in-mins";
	case AE_EARLY_INTERVAL:
		return "--exit-interval";
	default:
		return "--exit-signal-handler";
	}
}

int ae_endstate_complete(const ae_endstate_input *in)
{
	if (in->termination_configured && in->termination_seen)
		return 1;
	if (in->iteration >= 0 && in->train_iters > 0 &&
	    in->iteration >= in->train_iters)
		return 1;
	/* Megatron logs every log_interval iterations only, so the last
	 * iteration may never be logged; it prints this line when its loop
	 * reached train_iters (an early exit leaves the process first) */
	return in->training_done && in->early == AE_EARLY_NONE;
}

/* " (iteration N of M)", " (iteration N)" or "". */
static void progress(const ae_endstate_input *in, char *buf, size_t size)
{
	if (in->iteration >= 0 && in->train_iters > 0)
		snprintf(buf, size, " (iteration %lld of %lld)", in->iteration,
		         in->train_iters);
	else if (in->iteration >= 0)
		snprintf(buf, size, " (iteration %lld)", in->iteration);
	else
		buf[0] = '\0';
}

static void set(ae_endstate_result *out, ae_endstate_state s, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));

static void set(ae_endstate_result *out, ae_endstate_state s, const char *fmt,
                ...)
{
	va_list ap;

	out->state = s;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* Signal names for reasons (sigabbrev_np is glibc 2.32 and later). */
static const char *signame(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
	    {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
	    {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
	    {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
	    {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
	    {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
	    {SIGXCPU, "SIGXCPU"}};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}

/* The end of a start whose status reads as "it ended by itself": exit 0,
 * or unknown (then `unknown` is set). */
static void clean_end(const ae_endstate_input *in, ae_endstate_result *out,
                      const char *prog, int unknown)
{
	const char *status = unknown ? "exit status unknown" : "exit 0";

	if (out->complete) {
		set(out, AE_ENDSTATE_SUCCESS, "training complete%s%s",
		    in->termination_configured && in->termination_seen
		        ? ": termination string seen"
		        : "",
		    prog);
	} else if (in->early != AE_EARLY_NONE) {
		set(out, AE_ENDSTATE_TIMEOUT, "Megatron exited early (%s)%s",
		    early_flag(in->early), prog);
	} else if (in->error_event) {
		set(out, AE_ENDSTATE_CRASH, "%s", in->error_event);
	} else if (!unknown && in->iteration < 0 && in->train_iters <= 0 &&
	           !in->termination_configured) {
		/* nothing says that training was incomplete */
		set(out, AE_ENDSTATE_SUCCESS,
		    "exit 0, training progress unknown (no iteration line, "
		    "no train_iters)");
	} else if (!unknown && in->train_iters <= 0 &&
	           !in->termination_configured) {
		set(out, AE_ENDSTATE_SUCCESS, "exit 0, train_iters unknown%s",
		    prog);
	} else {
		set(out, AE_ENDSTATE_CRASH, "%s before training was complete%s",
		    status, prog);
	}
}

void ae_endstate_classify(const ae_endstate_input *in, ae_endstate_result *out)
{
	char prog[96], num[48];

	memset(out, 0, sizeof(*out));
	out->complete = ae_endstate_complete(in);
	progress(in, prog, sizeof(prog));
	switch (in->cancel) {
	case AE_CANCEL_USER:
		set(out, AE_ENDSTATE_CANCELLED, "cancelled by the user%s",
		    prog);
		out->no_restart = 1;
		return;
	case AE_CANCEL_TIME_LIMIT:
		set(out, AE_ENDSTATE_TIMEOUT, "time limit%s", prog);
		return;
	case AE_CANCEL_PREEMPTION:
		set(out, AE_ENDSTATE_TIMEOUT, "preempted%s", prog);
		return;
	case AE_CANCEL_NODE_FAILURE:
		set(out, AE_ENDSTATE_CRASH, "node failure%s", prog);
		return;
	case AE_CANCEL_REQUEUE:
		set(out, AE_ENDSTATE_REQUEUED, "requeued%s", prog);
		out->no_restart = 1;
		return;
	default:
		break;
	}
	if (in->how == AE_ENDSTATE_EXITED && in->exit_code == 0) {
		clean_end(in, out, prog, 0);
	} else if (in->how == AE_ENDSTATE_UNKNOWN) {
		clean_end(in, out, prog, 1);
	} else if (in->error_event) {
		set(out, AE_ENDSTATE_CRASH, "%s", in->error_event);
	} else if (in->how == AE_ENDSTATE_EXITED) {
		snprintf(num, sizeof(num), "%d", in->exit_code);
		set(out, AE_ENDSTATE_CRASH, "exit code %s%s", num, prog);
	} else {
		const char *name = signame(in->signal);

		snprintf(num, sizeof(num), "%d%s%s", in->signal,
		         name ? " " : "", name ? name : "");
		set(out, AE_ENDSTATE_CRASH, "killed by signal %s%s", num, prog);
	}
	if (in->how == AE_ENDSTATE_EXITED &&
	    in->exit_code == AE_ENDSTATE_NO_RESTART_CODE)
		out->no_restart = 1;
}

void ae_endstate_from_record(const json_t *end, ae_endstate_input *in)
{
	const char *state = json_string_value(json_object_get(end, "state"));
	json_t *code = json_object_get(end, "exit_code");
	json_t *sig = json_object_get(end, "signal");

	in->how = AE_ENDSTATE_UNKNOWN;
	in->exit_code = 0;
	in->signal = 0;
	if (json_is_integer(code) && (!state || !strcmp(state, "COMPLETED") ||
	                              !strcmp(state, "FAILED"))) {
		in->how = AE_ENDSTATE_EXITED;
		in->exit_code = (int)json_integer_value(code);
	} else if (json_is_integer(sig) &&
	           (!state || !strcmp(state, "SIGNALED"))) {
		in->how = AE_ENDSTATE_SIGNALED;
		in->signal = (int)json_integer_value(sig);
	}
}
