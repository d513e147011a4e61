#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "helper_classes.h"

#include "ae_cooldown.h"

int helper_register_classes(ae_error *err)
{
	/* RunAutoexpAction: automatic cooldown submissions (the library's
	 * table already holds it; registering again changes nothing) */
	return ae_cooldown_register(err);
}
