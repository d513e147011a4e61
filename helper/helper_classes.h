/* Action classes the helper adds to the library's registry at start-up,
 * (RunAutoexpAction is resumable: a new helper starts again the
 * submissions its predecessor left unfinished, see ae_cooldown.h). */
#ifndef HELPER_CLASSES_H
#define HELPER_CLASSES_H

#include "ae_error.h"

/* Register RunAutoexpAction (cooldowns) and any other class that lives
 * outside ae_action.c. 0 or -1 with err set. */
int helper_register_classes(ae_error *err);

#endif /* HELPER_CLASSES_H */
