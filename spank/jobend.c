/* REMOTE context, end of the batch step. slurmstepd is root here again: the
 * end record is written by a child that has fully become the job user and
 * runs `autoexp-helper --end-record`, into the provenance directories opened
 * at job start, handed over as descriptors (no path is looked up). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ae_endrecord.h"
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

/* In the child: become the user for good and exec `autoexp-helper
 * --end-record` with the directories on 3 and 4. Only system calls between
 * fork and exec: slurmstepd is multithreaded, and a lock (malloc's, a
 * library's) another thread held at the fork would never be released here.
 * The helper's stderr is why_fd, for the parent's message. Exit 2: the ids;
 * 3: the descriptors; 127: the exec. */
static void write_end_as_user(const char *path, char *const argv[],
                              char *const envp[], int why_fd)
{
	int prov, job, why, null, sig;
	sigset_t none;

	if (setgroups(1, &ae_plugin.gid) < 0 ||
	    setresgid(ae_plugin.gid, ae_plugin.gid, ae_plugin.gid) < 0 ||
	    setresuid(ae_plugin.uid, ae_plugin.uid, ae_plugin.uid) < 0 ||
	    getuid() != ae_plugin.uid)
		_exit(2);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* above 4 first, so that none lands on another */
	prov = fcntl(ae_plugin.prov_fd, F_DUPFD, 10);
	job = fcntl(ae_plugin.job_fd, F_DUPFD, 10);
	why = why_fd >= 0 ? fcntl(why_fd, F_DUPFD, 10) : -1;
	null = open("/dev/null", O_RDWR);
	if (prov < 0 || job < 0 || null < 0 || dup2(null, 0) < 0 ||
	    dup2(null, 1) < 0 || dup2(why >= 0 ? why : null, 2) < 0 ||
	    dup2(prov, AE_ENDRECORD_PROV_FD) < 0 ||
	    dup2(job, AE_ENDRECORD_JOB_FD) < 0)
		_exit(3);
	closefrom(AE_ENDRECORD_JOB_FD + 1);
	execve(path, argv, envp);
	_exit(127);
}

int ae_plug_jobend_exit(void)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	const char *path =
	    ae_plugin.helper_path ? ae_plugin.helper_path : AE_HELPER_PATH;
	char start[32], why[512] = "", *text, *nl;
	char *argv[] = {(char *)path, "--end-record",   NULL,
	                start,        ae_plugin.job_id, NULL};
	char *envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", NULL};
	int status, waited, whyp[2] = {-1, -1};
	ssize_t n;
	pid_t pid;

	if (!ae_plugin.active || ae_plugin.prov_fd < 0 || ae_plugin.job_fd < 0)
		return 0;
	/* everything the child needs, made here */
	text = ae_endrecord_text(ae_plugin.have_exit_status,
	                         ae_plugin.exit_status, (long long)time(NULL));
	if (!text)
		return ae_plug_fail("autoexp: job end: out of memory");
	argv[2] = text;
	snprintf(start, sizeof(start), "%ld", ae_plugin.start);
	/* what the helper says when it cannot write (read once it is done) */
	if (pipe2(whyp, O_CLOEXEC) < 0)
		whyp[0] = whyp[1] = -1;
	/* the end is recorded before the helper is told to drain, so that it
	 * finds it */
	pid = fork();
	if (pid < 0) {
		free(text);
		if (whyp[0] >= 0) {
			close(whyp[0]);
			close(whyp[1]);
		}
		return ae_plug_fail("autoexp: job end: cannot fork: %s",
		                    strerror(errno));
	}
	if (pid == 0)
		write_end_as_user(path, argv, envp, whyp[1]);
	free(text);
	if (whyp[1] >= 0)
		close(whyp[1]);
	if (whyp[0] >= 0)
		fcntl(whyp[0], F_SETFL, O_NONBLOCK);
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
		ae_plug_helper_report();
		if (whyp[0] >= 0)
			close(whyp[0]);
		return ae_plug_fail(
		    "autoexp: job end: writing the end record timed out");
	}
	ae_plug_helper_stop();
	/* what the helper could not say in helper.log (a full disk), also
	 * while it drained */
	ae_plug_helper_report();
	n = whyp[0] >= 0 ? read(whyp[0], why, sizeof(why) - 1) : -1;
	why[n > 0 ? n : 0] = '\0';
	if ((nl = strchr(why, '\n')))
		*nl = '\0';
	/* the user's process wrote it: only printable bytes reach the log */
	for (char *c = why; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (whyp[0] >= 0)
		close(whyp[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ae_plug_fail(
		    "autoexp: job end: the end record could not be written "
		    "(%s %d)%s%s",
		    !WIFEXITED(status)           ? "signal"
		    : WEXITSTATUS(status) == 127 ? "cannot run the helper, exit"
		    : WEXITSTATUS(status) == 2 ? "cannot become the user, exit"
		                               : "exit",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		    why[0] ? ": " : "", why);
	return 0;
}
