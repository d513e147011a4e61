#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_cooldown.h"
#include "helper_classes.h"

int helper_register_classes(ae_error *err)
{
	/* RunAutoexpAction: automatic cooldown submissions */
	return ae_cooldown_register(err);
}
