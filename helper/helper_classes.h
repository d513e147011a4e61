/* Action classes the helper adds to the library's registry at start-up,
 * and what a new helper does about the work of its predecessor. */
#ifndef HELPER_CLASSES_H
#define HELPER_CLASSES_H

#include "ae_error.h"

/* Register RunAutoexpAction (cooldowns) and any other class that lives
 * outside ae_action.c. 0 or -1 with err set. */
int helper_register_classes(ae_error *err);

/* Conclude the cooldown submissions a previous helper of the job left
 * unfinished (ae_cooldown_conclude), logging each. Call once the journal
 * is open (it has marked their actions interrupted); log gets one line
 * per submission concluded. 0 or -1 with err set. */
typedef void (*helper_log_fn)(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
int helper_conclude_actions(int provfd, const char *prov_dir, helper_log_fn log,
			    ae_error *err);

#endif /* HELPER_CLASSES_H */
