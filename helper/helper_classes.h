/* Action classes the helper adds to the library's registry at start-up,
 * (RunAutoexpAction is resumable: a new helper starts again the
 * submissions its predecessor left unfinished, see ae_cooldown.h). */
#ifndef HELPER_CLASSES_H
#define HELPER_CLASSES_H

#include "ae_error.h"

/* Register RunAutoexpAction (cooldowns) and any other class that lives
 * outside ae_action.c. 0 or -1 with err set. */
int helper_register_classes(ae_error *err);

/* The drain ended with cooldown submissions still in flight: mark their
 * records stopped (ae_cooldown_stop_open), logging each with log. Call
 * after the engine is freed (no action runs) and before the journal is
 * closed. 0 or -1 with err set. */
typedef void (*helper_log_fn)(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int helper_stop_actions(int provfd, const char *prov_dir, helper_log_fn log,
			ae_error *err);

#endif /* HELPER_CLASSES_H */
