/* REMOTE context (slurmstepd): job-start work in the batch step. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "context.h"
#include "spank_api.h"

int ae_remote_user_init(spank_t sp)
{
	if (!ae_plugin.config_path || !ae_spank_is_batch_step(sp))
		return 0;
	/* Provenance and the helper come with the job-start issue; for now the
	 * job is told which plugin version took it. */
	if (ae_spank_setenv(sp, "AUTOEXP_PLUGIN_VERSION", PACKAGE_VERSION) < 0) {
		ae_spank_error("autoexp: cannot set AUTOEXP_PLUGIN_VERSION");
		return ae_plugin.on_error_fail ? -1 : 0;
	}
	return 0;
}
