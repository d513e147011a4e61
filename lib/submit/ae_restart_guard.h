/* ae_restart_guard: whether a RestartAction may restart the run, and why
 * not. Pure: the facts in, a decision and its reason out.
 *
 * Refused, in this order:
 *   - a state that is never restarted: cancelled (the user's scancel),
 *     success (nothing left to do), an unknown or empty state;
 *   - no_restart (exit code 93, NVIDIA's "do not requeue");
 *   - the budget: the run's start number (attempt, from 1) is not below
 *     max_attempts (0: no budget here), as MaxAttemptsCondition;
 *   - no progress: the run's highest saved checkpoint iteration after the
 *     current start is the same as it was N = no_progress_starts starts
 *     before (0: no guard). Before the run's first start the highest is
 *     "none", so two starts that saved nothing at all are no progress too.
 */
#ifndef AE_RESTART_GUARD_H
#define AE_RESTART_GUARD_H

#include <stddef.h>

typedef struct ae_restart_guard_in {
	const char *state; /* the state event's name: crash, stall, ... */
	int no_restart;    /* the classification's no_restart */
	int attempt;       /* the run's start number, from 1 (0 reads as 1) */
	long long max_attempts;
	long long no_progress_starts;
	/* the highest checkpoint iteration each start of the run saved, in
	 * order, the current start last (-1: none); borrowed */
	const long long *saved;
	size_t n_saved;
} ae_restart_guard_in;

/* 1: restart; 0: refused, why (size bytes) says why. */
int ae_restart_guard_decide(const ae_restart_guard_in *in, char *why,
                            size_t size);

/* The run's highest saved iteration over the first n starts (-1: none). */
long long ae_restart_guard_highest(const long long *saved, size_t n);

#endif /* AE_RESTART_GUARD_H */
