/* Starting and stopping the job-side helper (autoexp-helper).
 *
 * Started in user_init, where slurmstepd has only switched its effective ids:
 * a double fork and setsid detach it from the step (so it can drain after the
 * batch script ends), then it becomes the job user for good (all its groups,
 * gid, uid) and is exec'd with an argv and an environment built here, stdin
 * and stdout on /dev/null, stderr a pipe to slurmstepd, and no other
 * descriptor inherited. The helper writes there only what holds its work
 * back (a journal that cannot record: a full disk, where helper.log is most
 * likely too; helper_log_alert); the plugin reads it at job end into
 * slurmd's log.
 *
 * The grandchild reports through a close-on-exec pipe: its pid first; then
 * it waits until slurmstepd holds a pidfd of it; then either nothing (the
 * exec closed the pipe) or the step that failed and its errno, which fails
 * the job start with that reason. Everything between fork and exec is a
 * system call: slurmstepd is multithreaded. At job end, as root, SIGTERM
 * goes through the pidfd (a pid can be reused; a pidfd cannot); without
 * pidfds (Linux < 5.3), by pid after checking its start time. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_proc.h"
#include "ae_provenance.h"
#include "context.h"
#include "helper_launch.h"
#include "spank_api.h"

/* What the grandchild reports after its pid when it cannot become the
 * helper: the step that failed and its errno. */
enum {
	STEP_WAIT,
	STEP_ROOT,
	STEP_GROUPS,
	STEP_GID,
	STEP_UID,
	STEP_CHECK,
	STEP_CHDIR,
	STEP_NULL,
	STEP_FDS,
	STEP_EXEC,
};
static const char *const step_names[] = {
    "waiting for slurmstepd",
    "seteuid(0)",
    "setgroups",
    "setresgid",
    "setresuid",
    "checking the ids",
    "chdir",
    "the standard streams",
    "moving the report pipe",
    "execve",
};
/* What is read of the helper's stderr at job end, and how many of its
 * lines go to slurmd's log. */
#define HELPER_REPORT_MAX   8192
#define HELPER_REPORT_LINES 16

typedef struct launch_failure {
	int step;
	int err;
} launch_failure;

/* In the grandchild: report the failed step with errno, and end. */
static void fail_step(int report_fd, int step)
{
	launch_failure f = {step, errno};

	if (write(report_fd, &f, sizeof(f)) != sizeof(f))
		_exit(125); /* nobody to tell: the start says "no report" */
	_exit(126);
}

/* In the grandchild: never returns. report_fd, go_fd and err_fd (the
 * helper's stderr, or -1: /dev/null) are close-on-exec pipes to slurmstepd,
 * all above 2; only system calls from here to execve
 * (closefrom is close_range(2), or /proc/self/fd read without allocating on
 * kernels before 5.9). */
static void become_helper(const char *path, char *const argv[],
                          char *const envp[], const gid_t *groups,
                          size_t ngroups, const char *cwd,
                          const char *fallback_cwd, int report_fd, int go_fd,
                          int err_fd)
{
	pid_t self = getpid();
	sigset_t none;
	int null, sig;
	char go;

	if (write(report_fd, &self, sizeof(self)) != sizeof(self))
		_exit(126);
	/* alive until slurmstepd has a pidfd of this process */
	if (read(go_fd, &go, 1) != 1)
		fail_step(report_fd, STEP_WAIT);
	close(go_fd);
	/* slurmstepd changed only the effective ids: take root back to be able
	 * to drop everything, then drop it for good. */
	if (seteuid(0) < 0)
		fail_step(report_fd, STEP_ROOT);
	if (setgroups(ngroups, groups) < 0)
		fail_step(report_fd, STEP_GROUPS);
	if (setresgid(ae_plugin.gid, ae_plugin.gid, ae_plugin.gid) < 0)
		fail_step(report_fd, STEP_GID);
	if (setresuid(ae_plugin.uid, ae_plugin.uid, ae_plugin.uid) < 0)
		fail_step(report_fd, STEP_UID);
	if (getuid() != ae_plugin.uid || geteuid() != ae_plugin.uid ||
	    setuid(0) == 0) {
		errno = EPERM;
		fail_step(report_fd, STEP_CHECK);
	}
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* the job's umask, which slurmstepd has set (SLURM_UMASK), so that what
	 * the helper starts (commands, the cooldown's sbatch, which hands it on
	 * to the next job) gets what the job would; never one that takes from
	 * the owner. Its own files take their modes from their directories. */
	umask(umask(0) & 0077);
	if ((!cwd || chdir(cwd) < 0) && chdir(fallback_cwd) < 0 &&
	    chdir("/") < 0)
		fail_step(report_fd, STEP_CHDIR);
	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(err_fd >= 0 ? err_fd : null, 2) < 0)
		fail_step(report_fd, STEP_NULL);
	/* the report pipe on 3, still close-on-exec; nothing above it */
	if (report_fd != 3) {
		if (dup3(report_fd, 3, O_CLOEXEC) < 0)
			fail_step(report_fd, STEP_FDS);
		report_fd = 3;
	}
	closefrom(4);
	execve(path, argv, envp);
	fail_step(report_fd, STEP_EXEC);
}

/* The job user's groups (getgrouplist, as many as there are; caller frees)
 * into *out, or NULL with ae_plug_fail's message. */
static gid_t *user_groups(const char *name, gid_t gid, size_t *n)
{
	long max = sysconf(_SC_NGROUPS_MAX);
	int ngroups = 64;
	gid_t *groups = NULL, *g;

	for (int tries = 0; tries < 4; tries++) {
		int want = ngroups;

		if (!(g = realloc(groups, (size_t)ngroups * sizeof(*groups))))
			break;
		groups = g;
		if (getgrouplist(name, gid, groups, &ngroups) >= 0) {
			if (max > 0 && ngroups > max) {
				ae_plug_fail(
				    "autoexp: job start: user %s is in "
				    "%d groups, more than the %ld a "
				    "process can have",
				    name, ngroups, max);
				free(groups);
				return NULL;
			}
			*n = (size_t)ngroups;
			return groups;
		}
		/* too small: ngroups now says how many there are */
		if (ngroups <= want)
			ngroups = want * 2;
	}
	free(groups);
	ae_plug_fail("autoexp: job start: cannot list the groups of user %s",
	             name);
	return NULL;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* read() of exactly n bytes within timeout_ms: 1, 0 at end of file, -1 on
 * timeout or error. */
static int read_full(int fd, void *buf, size_t n, int timeout_ms)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	size_t got = 0;

	while (got < n) {
		ssize_t r;

		int p = poll(&pfd, 1, timeout_ms);

		if (p < 0 && errno == EINTR)
			continue;
		if (p != 1)
			return -1;
		r = read(fd, (char *)buf + got, n - got);
		if (r == 0)
			return got ? -1 : 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			got += (size_t)r;
	}
	return 1;
}

/* NAME=value into envp if the job has it. */
static void env_pass(char **envp, int *n, char **job_env, const char *name)
{
	size_t len = strlen(name);
	int i;

	for (i = 0; job_env && job_env[i]; i++)
		if (strncmp(job_env[i], name, len) == 0 &&
		    job_env[i][len] == '=') {
			envp[(*n)++] = job_env[i];
			return;
		}
}

/* "NAME=value" into buf; -1 with ae_plug_fail's message when it does not
 * fit (a cut value would name something else). */
static int env_entry(char *buf, size_t size, const char *name,
                     const char *value)
{
	if (!value)
		value = "";
	if ((size_t)snprintf(buf, size, "%s=%s", name, value) < size)
		return 0;
	ae_plug_fail("autoexp: job start: %s for the helper is too long "
	             "(%zu bytes)",
	             name, strlen(value));
	return -1;
}

/* Move *fd above 2 (the grandchild puts /dev/null on 0, 1 and 2, which a
 * slurmstepd with closed standard streams hands out). 0 or -1. */
static int above2(int *fd)
{
	int moved;

	if (*fd > 2)
		return 0;
	moved = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	close(*fd);
	*fd = moved;
	return moved < 0 ? -1 : 0;
}

/* Fork the detached grandchild that becomes the helper. Returns its pid
 * (with *pidfd, or -1 without pidfds, and *err_fd, the read end of its
 * stderr, or -1 without) once it runs the helper, or 0 with ae_plug_fail's
 * message. */
static pid_t start_helper(const char *path, char *const argv[],
                          char *const envp[], const gid_t *groups,
                          size_t ngroups, const char *workdir,
                          const char *output_dir, int *pidfd, int *err_fd)
{
	int report[2] = {-1, -1}, go[2] = {-1, -1}, errpipe[2] = {-1, -1};
	int status, rc;
	pid_t child, helper = 0;
	launch_failure f;

	*pidfd = -1;
	*err_fd = -1;
	if (pipe2(report, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 ||
	    above2(&report[1]) < 0 || above2(&go[0]) < 0) {
		ae_plug_fail("autoexp: job start: pipe: %s", strerror(errno));
		goto out;
	}
	/* the helper's stderr, non-blocking both ways: the helper drops what
	 * does not fit, the plugin reads what is there; without it, /dev/null
	 */
	if (pipe2(errpipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    above2(&errpipe[1]) < 0) {
		if (errpipe[0] >= 0)
			close(errpipe[0]);
		if (errpipe[1] >= 0)
			close(errpipe[1]);
		errpipe[0] = errpipe[1] = -1;
	}
	child = fork();
	if (child < 0) {
		ae_plug_fail("autoexp: job start: fork: %s", strerror(errno));
		goto out;
	}
	if (child == 0) {
		close(report[0]);
		close(go[1]);
		if (errpipe[0] >= 0)
			close(errpipe[0]);
		if (setsid() < 0)
			_exit(126);
		child = fork();
		if (child == 0)
			become_helper(path, argv, envp, groups, ngroups,
			              workdir, output_dir, report[1], go[0],
			              errpipe[1]);
		_exit(child < 0 ? 126 : 0);
	}
	close(report[1]);
	close(go[0]);
	report[1] = go[0] = -1;
	if (errpipe[1] >= 0)
		close(errpipe[1]);
	errpipe[1] = -1;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (read_full(report[0], &helper, sizeof(helper), 5000) != 1 ||
	    helper <= 0) {
		ae_plug_fail("autoexp: job start: the helper did not start");
		helper = 0;
		goto out;
	}
	/* it waits for this: the pidfd is of this very process */
	*pidfd = pidfd_of(helper);
	if (write(go[1], "g", 1) != 1) {
		ae_plug_fail("autoexp: job start: the helper did not start");
		goto fail;
	}
	close(go[1]);
	go[1] = -1;
	/* end of file: the exec closed the pipe; else what failed */
	rc = read_full(report[0], &f, sizeof(f), 5000);
	if (rc == 0)
		goto out;
	if (rc < 0) {
		/* say so, and keep it: a slow chdir (a hung file system) may
		 * let it start later, and it is still to be stopped */
		ae_spank_error("autoexp: job start: the helper %s (pid %d) "
		               "did not confirm its start within 5 s",
		               path, (int)helper);
		goto out;
	}
	if (f.step >= 0 && f.step <= STEP_EXEC)
		ae_plug_fail("autoexp: job start: cannot run the helper %s: "
		             "%s: %s",
		             path, step_names[f.step], strerror(f.err));
	else
		ae_plug_fail("autoexp: job start: the helper %s failed to "
		             "start",
		             path);
fail:
	if (*pidfd >= 0)
		close(*pidfd);
	*pidfd = -1;
	helper = 0;
out:
	if (helper) { /* the plugin reads it at job end */
		*err_fd = errpipe[0];
		errpipe[0] = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (report[i] >= 0)
			close(report[i]);
		if (go[i] >= 0)
			close(go[i]);
		if (errpipe[i] >= 0)
			close(errpipe[i]);
	}
	return helper;
}

int ae_plug_helper_launch(const char *workdir, const ae_jobstart_result *res,
                          const char *job_id, char **job_env)
{
	const char *output_dir = res->output_dir;
	const char *provenance_dir = res->provenance_dir;
	const char *config_file = res->config_file;
	const char *path =
	    ae_plugin.helper_path ? ae_plugin.helper_path : AE_HELPER_PATH;
	char *argv[] = {(char *)path,
	                "--provenance-dir",
	                (char *)provenance_dir,
	                "--config",
	                (char *)config_file,
	                "--job-id",
	                (char *)job_id,
	                NULL,
	                NULL};
	char home[4200], user[4200], logname[4200], out[4200], prov[4200],
	    conf[4200], jobdir[4200], slurm_conf[4200], host[256];
	char *envp[24];
	gid_t *groups = NULL;
	size_t ngroups = 0;
	int n = 0, pidfd = -1, err_fd = -1;
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];
	pid_t helper;
	json_t *rec;
	ae_error err;

	if (access(path, X_OK) < 0)
		return ae_plug_fail(
		    "autoexp: job start: cannot run the helper %s: %s", path,
		    strerror(errno));
	if (getpwuid_r(ae_plugin.uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 ||
	    !pwp)
		return ae_plug_fail("autoexp: job start: unknown user id %u",
		                    (unsigned)ae_plugin.uid);
	groups = user_groups(pw.pw_name, ae_plugin.gid, &ngroups);
	if (!groups)
		return 0;

	/* The helper's environment: only what it needs, stated here. */
	envp[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	envp[n++] = "LANG=C.UTF-8";
	if (env_entry(home, sizeof(home), "HOME", pw.pw_dir) < 0 ||
	    env_entry(user, sizeof(user), "USER", pw.pw_name) < 0 ||
	    env_entry(logname, sizeof(logname), "LOGNAME", pw.pw_name) < 0 ||
	    env_entry(out, sizeof(out), "AUTOEXP_OUTPUT_DIR", output_dir) < 0 ||
	    env_entry(prov, sizeof(prov), "AUTOEXP_PROVENANCE_DIR",
	              provenance_dir) < 0 ||
	    env_entry(conf, sizeof(conf), "AUTOEXP_CONFIG", config_file) < 0 ||
	    env_entry(jobdir, sizeof(jobdir), "AUTOEXP_JOB_DIR", res->job_dir) <
	        0)
		goto out;
	envp[n++] = home;
	envp[n++] = user;
	envp[n++] = logname;
	envp[n++] = out;
	envp[n++] = prov;
	envp[n++] = conf;
	envp[n++] = jobdir;
	env_pass(envp, &n, job_env, "SLURM_JOB_ID");
	env_pass(envp, &n, job_env, "TZ");
	{
		int before = n;

		env_pass(envp, &n, job_env, "SLURM_CONF");
		if (n == before && getenv("SLURM_CONF")) {
			if (env_entry(slurm_conf, sizeof(slurm_conf),
			              "SLURM_CONF", getenv("SLURM_CONF")) < 0)
				goto out;
			envp[n++] = slurm_conf;
		}
	}
	envp[n] = NULL;
	if (ae_plugin.log_by_stat)
		argv[7] = "--no-inotify";

	helper = start_helper(path, argv, envp, groups, ngroups, workdir,
	                      output_dir, &pidfd, &err_fd);
	if (!helper)
		goto out;
	ae_plugin.helper_pid = helper;
	ae_plugin.helper_pidfd = pidfd;
	ae_plugin.helper_err_fd = err_fd;
	ae_plugin.helper_start = ae_proc_start_ticks(helper);
	/* where it runs: the batch host, one of a multi-node job's nodes */
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	rec = json_pack("{s:i, s:I, s:s, s:s?}", "pid", (int)helper,
	                "start_ticks", (json_int_t)ae_plugin.helper_start,
	                "path", path, "host", host[0] ? host : NULL);
	if (ae_provenance_metadata_set(ae_plugin.job_fd, AE_PROV_JOB_METADATA,
	                               "helper", rec, &err) < 0)
		ae_spank_error(
		    "autoexp: job start: cannot record the helper: %s",
		    err.text);
out:
	free(groups);
	return 0;
}

static int send_signal(int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#else
	(void)pidfd;
	(void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

void ae_plug_helper_report(void)
{
	char buf[HELPER_REPORT_MAX + 1], *line, *next;
	ssize_t n;
	int lines = 0;

	if (ae_plugin.helper_err_fd < 0)
		return;
	n = read(ae_plugin.helper_err_fd, buf, HELPER_REPORT_MAX);
	close(ae_plugin.helper_err_fd);
	ae_plugin.helper_err_fd = -1;
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* the user's process wrote it: only printable bytes reach the log */
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] != '\n' &&
		    ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f))
			buf[i] = '?';
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!*line)
			continue;
		if (lines++ == HELPER_REPORT_LINES) {
			ae_spank_error("autoexp: job %s: the helper said more "
			               "(its helper.log has it, if there was "
			               "room)",
			               ae_plugin.job_id);
			break;
		}
		ae_spank_error("autoexp: job %s: helper: %s", ae_plugin.job_id,
		               line);
	}
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the helper is still the process we started (without a pidfd: a
 * recycled pid has another start time, unless it was reused within the
 * same clock tick). */
static int helper_alive(void)
{
	struct pollfd pfd = {ae_plugin.helper_pidfd, POLLIN, 0};

	if (ae_plugin.helper_pidfd >= 0)
		return poll(&pfd, 1, 0) == 0;
	return ae_plugin.helper_start &&
	       ae_proc_start_ticks(ae_plugin.helper_pid) ==
	           ae_plugin.helper_start;
}

/* Until the helper has exited or timeout_ms passed; 1 when it exited. A
 * pidfd becomes readable when its process exits; without one, its start
 * time is looked at every 50 ms. */
static int wait_helper(int timeout_ms)
{
	long long deadline = mono_ms() + timeout_ms;

	for (;;) {
		long long left = deadline - mono_ms();
		struct pollfd pfd = {ae_plugin.helper_pidfd, POLLIN, 0};
		struct timespec nap = {0, 50 * 1000 * 1000};

		if (!helper_alive())
			return 1;
		if (left <= 0)
			return 0;
		if (ae_plugin.helper_pidfd >= 0)
			poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		else
			nanosleep(&nap, NULL);
	}
}

void ae_plug_helper_stop(void)
{
	long long t0 = mono_ms();
	int exited;

	if (ae_plugin.helper_pid <= 0)
		return;
	if (!helper_alive()) {
		exited = 1;
	} else {
		/* ESRCH: it has exited in between (a pidfd is never another
		 * process's) */
		if (ae_plugin.helper_pidfd >= 0)
			send_signal(ae_plugin.helper_pidfd, SIGTERM);
		else
			kill(ae_plugin.helper_pid, SIGTERM);
		exited = wait_helper(ae_plugin.drain_wait_s * 1000);
	}
	if (exited)
		ae_spank_debug("autoexp: job %s: the helper ended %lld ms "
		               "after the job's end",
		               ae_plugin.job_id, mono_ms() - t0);
	else
		ae_spank_info("autoexp: job %s: the helper still drains "
		              "after %d s (drain_wait): it goes on after the "
		              "job",
		              ae_plugin.job_id, ae_plugin.drain_wait_s);
	if (ae_plugin.helper_pidfd >= 0)
		close(ae_plugin.helper_pidfd);
	ae_plugin.helper_pidfd = -1;
	ae_plugin.helper_pid = 0;
}
