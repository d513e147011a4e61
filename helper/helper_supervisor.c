#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_fsutil.h"
#include "ae_journal.h"
#include "ae_proc.h"
#include "helper_log.h"
#include "helper_supervisor.h"

#define STATUS_FILE   "helper.json"
#define BACKOFF_MIN   0.1
#define HEALTHY_AFTER 60.0

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void helper_write_status(int provfd, const helper_opts *o, int worker_pid,
                         unsigned restarts, const char *state, int status)
{
	static time_t started;
	static unsigned long long ticks;
	char iso[32];
	struct tm tm;
	json_t *j;
	char *text;
	ae_error err;

	if (!started) {
		started = time(NULL);
		/* with the pid it names this process even after the pid is
		 * reused */
		ticks = ae_proc_start_ticks(getpid());
	}
	gmtime_r(&started, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = json_pack(
	    "{s:i, s:I, s:s, s:I, s:s, s:s, s:s, s:s?, s:i, s:i, s:s}", "pid",
	    (int)getpid(), "start_time", (json_int_t)started, "start_time_iso",
	    iso, "start_ticks", (json_int_t)ticks, "job_id", o->job_id,
	    "config", o->config_path, "provenance_dir", o->provenance_dir,
	    "log", o->log_path, "worker_pid", worker_pid, "restarts",
	    (int)restarts, "state", state);
	if (j && status >= 0)
		json_object_set_new(j, "exit_status", json_integer(status));
	text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (!text ||
	    ae_fsutil_write_atomic(provfd, STATUS_FILE, text, strlen(text),
	                           AE_FSUTIL_FILE_MODE, &err) < 0)
		helper_log("cannot write %s: %s", STATUS_FILE,
		           text ? err.text : "out of memory");
	free(text);
	json_decref(j);
}

static void describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d",
		         WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %d (%s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "stopped (status %#x)", status);
}

/* Wait for a signal until `until` (monotonic; < 0: no limit). Returns the
 * signal, or 0 at the time limit. */
static int wait_signal(const sigset_t *set, double until)
{
	siginfo_t si;
	int sig;

	for (;;) {
		if (until < 0) {
			sig = sigwaitinfo(set, &si);
		} else {
			double left = until - mono_now();
			struct timespec ts;

			if (left <= 0)
				return 0;
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			sig = sigtimedwait(set, &si, &ts);
			if (sig < 0 && errno == EAGAIN)
				return 0;
		}
		if (sig > 0)
			return sig;
		if (errno != EINTR)
			return 0;
	}
}

/* Wait until the worker exits, passing signals on. */
static int wait_worker(pid_t pid, const sigset_t *set, int *term)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		int sig;

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 0;
		if (r != 0)
			continue;
		sig = wait_signal(set, -1);
		if (sig == SIGTERM || sig == SIGINT) {
			if (!*term)
				helper_log(
				    "signal %d: telling worker %d to drain",
				    sig, (int)pid);
			*term = 1;
			kill(pid, SIGTERM);
		} else if (sig == SIGUSR1) {
			kill(pid, SIGUSR1);
		}
	}
}

/* A requeued job's helper can start while the previous run's helper still
 * drains (up to its drain_timeout_seconds) and holds the journal, maybe on
 * another node (ae_journal_lock: its lock, or its lease): wait for it
 * instead of spending the restart budget on "locked" failures. A SIGTERM
 * meanwhile (this run ended too) is remembered, so the worker then only
 * drains. A lock that fails is the worker's to report. */
static void wait_for_previous(int provfd, const sigset_t *set, int *term)
{
	char who[256], last[256] = "";
	ae_error err;
	int waited = 0, sig;

	while (ae_journal_busy(provfd, who, sizeof(who), &err) == 1) {
		/* the lease's age changes every second: said once per holder */
		if (strncmp(who, last, strcspn(who, "("))) {
			helper_log("another helper of this job holds the "
			           "journal (the previous run's, draining): "
			           "waiting for it; held by %s",
			           who);
			snprintf(last, sizeof(last), "%s", who);
		}
		waited++;
		sig = wait_signal(set, mono_now() + 1.0);
		if (sig == SIGTERM || sig == SIGINT)
			*term = 1;
	}
	if (waited)
		helper_log("the previous helper is gone after %d s", waited);
}

int helper_supervise(const helper_opts *o, const helper_dirs *d)
{
	int provfd = d->run.prov_fd;
	sigset_t set, old;
	unsigned in_row = 0, total = 0;
	double backoff = BACKOFF_MIN;
	int term = 0, rc = 1, max = o->max_restarts;
	pid_t self = getpid();

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	helper_log("supervisor started for job %s (config %s)", o->job_id,
	           o->config_path);
	wait_for_previous(provfd, &set, &term);
	for (;;) {
		double t0 = mono_now(), ran, until;
		char what[128];
		pid_t pid = fork();
		int status, sig;

		if (pid == 0) {
			int code;

			sigset_t chld;

			/* SIGTERM and friends stay blocked until the worker
			 * reads them from its signalfd: one sent right after
			 * the fork is not lost and does not kill it */
			sigemptyset(&chld);
			sigaddset(&chld, SIGCHLD);
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			code =
			    helper_worker_run(o, d, term || getppid() != self);
			exit(code);
		}
		if (pid < 0) {
			helper_log("cannot start the worker: fork: %s",
			           strerror(errno));
			status = 1 << 8; /* as an exit status of 1 */
		} else {
			helper_write_status(provfd, o, (int)pid, total,
			                    term ? "draining" : "running", -1);
			status = wait_worker(pid, &set, &term);
		}
		ran = mono_now() - t0;
		if (WIFEXITED(status) &&
		    (WEXITSTATUS(status) == 0 ||
		     WEXITSTATUS(status) == HELPER_EXIT_FATAL)) {
			rc = WEXITSTATUS(status);
			break;
		}
		describe(status, what, sizeof(what));
		if (ran >= HEALTHY_AFTER) {
			in_row = 0;
			backoff = BACKOFF_MIN;
		}
		if (in_row >= (unsigned)max) {
			helper_log(
			    "worker %d %s: %u restarts in a row, giving up",
			    (int)pid, what, in_row);
			rc = 1;
			break;
		}
		in_row++;
		total++;
		helper_log(
		    "worker %d %s after %.1f s: restart %u of %d in %.1f s",
		    (int)pid, what, ran, in_row, max, term ? 0.0 : backoff);
		/* when told to stop, the new worker only drains: no wait */
		until = term ? 0 : mono_now() + backoff;
		while (!term && (sig = wait_signal(&set, until)) != 0) {
			if (sig == SIGTERM || sig == SIGINT)
				term = 1;
		}
		backoff =
		    backoff * 2 > o->backoff_max ? o->backoff_max : backoff * 2;
	}
	helper_write_status(provfd, o, 0, total, "exited", rc);
	helper_log("supervisor exiting with status %d", rc);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
