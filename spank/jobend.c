/* REMOTE context, end of the batch step. slurmstepd is root here again: the
 * end record is written by a child that has fully become the job user, into
 * the provenance directory opened at job start (no path is looked up). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ae_provenance.h"
#include "ae_runlock.h"
#include "context.h"
#include "helper_launch.h"
#include "jobend.h"
#include "spank_api.h"

/* How long slurmstepd waits for the end record (a hung filesystem must not
 * hold the job's end). */
#define AE_END_TIMEOUT_MS 10000

int ae_plug_jobend_task_exit(spank_t sp)
{
	int status;

	if (!ae_plugin.active || !ae_spank_is_batch_step(sp))
		return 0;
	if (ae_spank_task_exit_status(sp, &status) == 0) {
		ae_plugin.exit_status = status;
		ae_plugin.have_exit_status = 1;
	}
	/* the run's next job may be let go before slurmstepd ends: it waits
	 * for a lock whose holder says it is ending */
	if (ae_plugin.lock_fd >= 0)
		ae_runlock_mark_ending(ae_plugin.lock_fd,
		                       (long long)time(NULL));
	return 0;
}

static json_t *end_record(void)
{
	json_t *end = json_object();
	int st = ae_plugin.exit_status;

	json_object_set_new(end, "end_time",
	                    json_integer((json_int_t)time(NULL)));
	if (!ae_plugin.have_exit_status) {
		json_object_set_new(end, "state", json_string("UNKNOWN"));
	} else if (WIFEXITED(st)) {
		json_object_set_new(end, "exit_code",
		                    json_integer(WEXITSTATUS(st)));
		json_object_set_new(
		    end, "state",
		    json_string(WEXITSTATUS(st) == 0 ? "COMPLETED" : "FAILED"));
	} else if (WIFSIGNALED(st)) {
		json_object_set_new(end, "signal", json_integer(WTERMSIG(st)));
		json_object_set_new(end, "signal_name",
		                    json_string(strsignal(WTERMSIG(st))));
		json_object_set_new(end, "state", json_string("SIGNALED"));
	}
	return end;
}

/* In the child: become the user for good, then write; why it failed goes
 * to why_fd for the parent's message. */
static void write_end_as_user(int why_fd)
{
	json_t *end;
	ae_error err;

	if (setgroups(1, &ae_plugin.gid) < 0 ||
	    setresgid(ae_plugin.gid, ae_plugin.gid, ae_plugin.gid) < 0 ||
	    setresuid(ae_plugin.uid, ae_plugin.uid, ae_plugin.uid) < 0 ||
	    getuid() != ae_plugin.uid)
		_exit(2);
	end = end_record();
	/* the start's own record first: the helper reads it there; then the
	 * run's list of ends and its last end, in one rewrite (the lock is
	 * still held: slurmstepd closes it after this child is done) */
	if (ae_provenance_metadata_set(ae_plugin.job_fd, AE_PROV_JOB_METADATA,
	                               "end", json_deep_copy(end), &err) < 0)
		goto fail;
	json_object_set_new(end, "start", json_integer(ae_plugin.start));
	json_object_set_new(end, "job_id", json_string(ae_plugin.job_id));
	if (ae_provenance_metadata_append(ae_plugin.prov_fd, AE_PROV_METADATA,
	                                  "ends", "end", end, &err) < 0)
		goto fail;
	_exit(0);
fail:
	if (write(why_fd, err.text, strnlen(err.text, sizeof(err.text))) < 0)
		_exit(1);
	_exit(1);
}

int ae_plug_jobend_exit(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	char why[AE_ERROR_TEXT_LEN + 1] = "";
	int status, waited, whyp[2];
	ssize_t n;
	pid_t pid;

	if (!ae_plugin.active || ae_plugin.prov_fd < 0 || ae_plugin.job_fd < 0)
		return 0;
	/* what the helper could not say in helper.log (a full disk) */
	ae_plug_helper_report();
	if (pipe2(whyp, O_CLOEXEC | O_NONBLOCK) < 0)
		whyp[0] = whyp[1] = -1;
	/* the end is recorded before the helper is told to drain, so that it
	 * finds it */
	pid = fork();
	if (pid < 0) {
		if (whyp[0] >= 0) {
			close(whyp[0]);
			close(whyp[1]);
		}
		return ae_plug_fail("autoexp: job end: cannot fork: %s",
		                    strerror(errno));
	}
	if (pid == 0)
		write_end_as_user(whyp[1]);
	if (whyp[1] >= 0)
		close(whyp[1]);
	for (waited = 0; waited < AE_END_TIMEOUT_MS; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		nanosleep(&ts, NULL);
	}
	if (waited >= AE_END_TIMEOUT_MS) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ae_plug_helper_stop();
		if (whyp[0] >= 0)
			close(whyp[0]);
		return ae_plug_fail(
		    "autoexp: job end: writing the end record timed out");
	}
	ae_plug_helper_stop();
	n = whyp[0] >= 0 ? read(whyp[0], why, sizeof(why) - 1) : -1;
	why[n > 0 ? n : 0] = '\0';
	if (whyp[0] >= 0)
		close(whyp[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ae_plug_fail(
		    "autoexp: job end: the end record could not be written%s%s",
		    why[0] ? ": " : "", why);
	return 0;
}
