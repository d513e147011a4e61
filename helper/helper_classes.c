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

static void concluded(void *ctx, const char *key, const char *was,
		      const char *now, const char *why)
{
	helper_log_fn log = (helper_log_fn)ctx;

	log("cooldown %s was left %s by the previous helper: now %s (%s)", key,
	    was, now, why);
}

int helper_conclude_actions(int provfd, const char *prov_dir, helper_log_fn log,
			    ae_error *err)
{
	return ae_cooldown_conclude(provfd, prov_dir, concluded, (void *)log,
				    err) < 0 ? -1 : 0;
}
