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

static void stopped(void *ctx, const char *key)
{
	helper_log_fn log = (helper_log_fn)ctx;

	log("cooldown %s was still in flight at the end of the drain: "
	    "recorded as stopped (a requeue of the job resumes it)", key);
}

int helper_stop_actions(int provfd, const char *prov_dir, helper_log_fn log,
			ae_error *err)
{
	static const char why[] =
	    "the helper's drain ended (monitoring.drain_timeout_seconds) "
	    "before this submission was done; nothing was submitted, a "
	    "requeue of the job resumes it";

	return ae_cooldown_stop_open(provfd, prov_dir, why, stopped,
				     (void *)log, err) < 0 ? -1 : 0;
}
