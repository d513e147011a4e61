#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_restart_guard.h"

#include <stdio.h>
#include <string.h>

long long ae_restart_guard_highest(const long long *saved, size_t n)
{
	long long h = -1;

	for (size_t i = 0; i < n; i++)
		if (saved[i] > h)
			h = saved[i];
	return h;
}

static int restartable(const char *state)
{
	return state && (!strcmp(state, "crash") || !strcmp(state, "stall") ||
	                 !strcmp(state, "timeout"));
}

int ae_restart_guard_decide(const ae_restart_guard_in *in, char *why,
                            size_t size)
{
	int attempt = in->attempt > 0 ? in->attempt : 1;
	size_t n = in->n_saved, k = (size_t)in->no_progress_starts;
	long long now, before;

	if (in->state && !strcmp(in->state, "cancelled")) {
		snprintf(why, size,
		         "cancelled: a job the user cancelled is never "
		         "restarted");
		return 0;
	}
	if (!restartable(in->state)) {
		snprintf(why, size, "state '%s' is not restarted",
		         in->state ? in->state : "");
		return 0;
	}
	if (in->no_restart) {
		snprintf(why, size,
		         "exit code 93: the job asked not to be restarted");
		return 0;
	}
	if (in->max_attempts > 0 && attempt >= in->max_attempts) {
		snprintf(why, size, "restart budget used: attempt %d of %lld",
		         attempt, in->max_attempts);
		return 0;
	}
	if (k > 0 && n >= k) {
		now = ae_restart_guard_highest(in->saved, n);
		before = ae_restart_guard_highest(in->saved, n - k);
		if (now == before) {
			if (now < 0)
				snprintf(
				    why, size,
				    "no progress: the last %zu starts saved "
				    "no checkpoint",
				    k);
			else
				snprintf(
				    why, size,
				    "no progress: the last %zu starts saved "
				    "no checkpoint after iteration %lld",
				    k, now);
			return 0;
		}
	}
	snprintf(why, size, "%s at attempt %d", in->state, attempt);
	return 1;
}
