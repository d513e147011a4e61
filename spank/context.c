/* The plugin's state and the job-start messages (context.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "context.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spank_api.h"

ae_plugin_state ae_plugin = {.on_error_fail = 1,
                             .drain_wait_s = 30,
                             .prov_fd = -1,
                             .job_fd = -1,
                             .lock_fd = -1,
                             .helper_pidfd = -1,
                             .helper_err_fd = -1};

/* Job-start problems for the job's stderr, written from task_init. Failing a
 * SPANK callback in slurmstepd would drain the node for what is the user's
 * problem (say, an unwritable output directory), so a fatal problem fails
 * the job's task instead. */
static char pending_messages[4096];
static int pending_fail;

int ae_plug_fail(const char *fmt, ...)
{
	char msg[2048];
	size_t used;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ae_spank_error("%s", msg);
	used = strlen(pending_messages);
	snprintf(pending_messages + used, sizeof(pending_messages) - used,
	         "%s%s\n", msg,
	         ae_plugin.on_error_fail ? ""
	                                 : " (on_error=warn: the job goes on)");
	if (ae_plugin.on_error_fail)
		pending_fail = 1;
	return 0;
}

int ae_plug_flush(void)
{
	size_t len = strlen(pending_messages);

	if (len == 0)
		return 0;
	if (write(STDERR_FILENO, pending_messages, len) < 0)
		len = 0; /* nowhere else to say it: slurmd's log has it */
	if (pending_fail)
		_exit(1); /* the batch script does not run: the job fails */
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void ae_plug_clear(void)
{
	close_fd(&ae_plugin.job_fd);
	close_fd(&ae_plugin.prov_fd);
	close_fd(&ae_plugin.lock_fd); /* the run is free for its next job */
	close_fd(&ae_plugin.helper_pidfd);
	close_fd(&ae_plugin.helper_err_fd);
	free(ae_plugin.config_path);
	free(ae_plugin.helper_path);
	free(ae_plugin.presets_dir);
	free(ae_plugin.capture);
	ae_plugin.config_path = ae_plugin.helper_path = NULL;
	ae_plugin.presets_dir = ae_plugin.capture = NULL;
}
