/* Starting and stopping the job-side helper (autoexp-helper).
 *
 * Started in user_init, where slurmstepd has only switched its effective ids:
 * a double fork and setsid detach it from the step (so it can drain after the
 * batch script ends), then it becomes the job user for good (groups, gid, uid)
 * and is exec'd with an argv and an environment built here, stdin and
 * stdout on /dev/null, stderr a pipe to slurmstepd, and no other
 * descriptor inherited. The helper writes there only what holds its work
 * back (a journal that cannot record: a full disk, where helper.log is
 * most likely too; helper_log_alert); the plugin reads it at job end into
 * slurmd's log. At job end, as root, it is sent SIGTERM, but only after
 * checking that the pid still belongs to the process started here (same
 * start time), since pids are reused. */
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
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_proc.h"
#include "ae_provenance.h"
#include "context.h"
#include "helper_launch.h"
#include "spank_api.h"

#define MAX_GROUPS 256
/* What is read of the helper's stderr at job end, and how many of its
 * lines go to slurmd's log. */
#define HELPER_REPORT_MAX   8192
#define HELPER_REPORT_LINES 16

static void close_from(int lowest)
{
	int fd, max = (int)sysconf(_SC_OPEN_MAX);

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = lowest; fd < max; fd++)
		close(fd);
}

/* In the grandchild: never returns. */
static void become_helper(const char *path, char *const argv[],
                          char *const envp[], const gid_t *groups, int ngroups,
                          const char *cwd, const char *fallback_cwd,
                          int report_fd, int err_fd)
{
	pid_t self = getpid();
	sigset_t none;
	int null, sig;

	if (write(report_fd, &self, sizeof(self)) != sizeof(self))
		_exit(126);
	close(report_fd);
	/* slurmstepd changed only the effective ids: take root back to be able
	 * to drop everything, then drop it for good. */
	if (seteuid(0) < 0 || setgroups((size_t)ngroups, groups) < 0 ||
	    setresgid(ae_plugin.gid, ae_plugin.gid, ae_plugin.gid) < 0 ||
	    setresuid(ae_plugin.uid, ae_plugin.uid, ae_plugin.uid) < 0)
		_exit(126);
	if (getuid() != ae_plugin.uid || geteuid() != ae_plugin.uid ||
	    setuid(0) == 0)
		_exit(126);
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
		_exit(126);
	null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(err_fd >= 0 ? err_fd : null, 2) < 0)
		_exit(126);
	close_from(3);
	execve(path, argv, envp);
	_exit(127);
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

int ae_plug_helper_launch(const char *workdir, const ae_jobstart_result *res,
                          const char *job_id, char **job_env)
{
	const char *output_dir = res->output_dir;
	const char *provenance_dir = res->provenance_dir;
	const char *config_file = res->config_file;
	const char *path =
	    ae_plugin.helper_path ? ae_plugin.helper_path : AE_HELPER_PATH;
	char *argv[] = {(char *)path,           "--provenance-dir",
	                (char *)provenance_dir, "--config",
	                (char *)config_file,    "--job-id",
	                (char *)job_id,         NULL};
	char home[4200], user[300], logname[300], out[4200], prov[4200],
	    conf[4200], jobdir[4200], slurm_conf[4200];
	char *envp[24];
	gid_t groups[MAX_GROUPS];
	int ngroups = MAX_GROUPS, n = 0, report[2], errpipe[2], status;
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];
	struct pollfd pfd;
	pid_t child, helper = 0;
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
	if (getgrouplist(pw.pw_name, ae_plugin.gid, groups, &ngroups) < 0)
		ngroups = 1, groups[0] = ae_plugin.gid;

	/* The helper's environment: only what it needs, stated here. */
	envp[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	envp[n++] = "LANG=C.UTF-8";
	snprintf(home, sizeof(home), "HOME=%s", pw.pw_dir);
	snprintf(user, sizeof(user), "USER=%s", pw.pw_name);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", pw.pw_name);
	snprintf(out, sizeof(out), "AUTOEXP_OUTPUT_DIR=%s", output_dir);
	snprintf(prov, sizeof(prov), "AUTOEXP_PROVENANCE_DIR=%s",
	         provenance_dir);
	snprintf(conf, sizeof(conf), "AUTOEXP_CONFIG=%s", config_file);
	snprintf(jobdir, sizeof(jobdir), "AUTOEXP_JOB_DIR=%s", res->job_dir);
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
			snprintf(slurm_conf, sizeof(slurm_conf),
			         "SLURM_CONF=%s", getenv("SLURM_CONF"));
			envp[n++] = slurm_conf;
		}
	}
	envp[n] = NULL;

	if (pipe2(report, O_CLOEXEC) < 0)
		return ae_plug_fail("autoexp: job start: pipe: %s",
		                    strerror(errno));
	/* non-blocking both ways: the helper drops what does not fit, the
	 * plugin reads what is there */
	if (pipe2(errpipe, O_CLOEXEC | O_NONBLOCK) < 0)
		errpipe[0] = errpipe[1] = -1;
	child = fork();
	if (child < 0) {
		close(report[0]);
		close(report[1]);
		if (errpipe[0] >= 0) {
			close(errpipe[0]);
			close(errpipe[1]);
		}
		return ae_plug_fail("autoexp: job start: fork: %s",
		                    strerror(errno));
	}
	if (child == 0) {
		close(report[0]);
		if (setsid() < 0)
			_exit(126);
		child = fork();
		if (child == 0)
			become_helper(path, argv, envp, groups, ngroups,
			              workdir, output_dir, report[1],
			              errpipe[1]);
		_exit(child < 0 ? 126 : 0);
	}
	close(report[1]);
	if (errpipe[1] >= 0)
		close(errpipe[1]);
	ae_plugin.helper_err_fd = errpipe[0];
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	pfd.fd = report[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) == 1 &&
	    read(report[0], &helper, sizeof(helper)) != sizeof(helper))
		helper = 0;
	close(report[0]);
	if (helper <= 0)
		return ae_plug_fail(
		    "autoexp: job start: the helper did not start");
	ae_plugin.helper_pid = helper;
	ae_plugin.helper_start = ae_proc_start_ticks(helper);
	rec = json_pack("{s:i, s:I, s:s}", "pid", (int)helper, "start_ticks",
	                (json_int_t)ae_plugin.helper_start, "path", path);
	if (ae_provenance_metadata_set(ae_plugin.job_fd, AE_PROV_JOB_METADATA,
	                               "helper", rec, &err) < 0)
		ae_spank_error(
		    "autoexp: job start: cannot record the helper: %s",
		    err.text);
	return 0;
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

void ae_plug_helper_stop(void)
{
	if (ae_plugin.helper_pid <= 0)
		return;
	/* a recycled pid has another start time: leave that process alone */
	if (ae_plugin.helper_start &&
	    ae_proc_start_ticks(ae_plugin.helper_pid) == ae_plugin.helper_start)
		kill(ae_plugin.helper_pid, SIGTERM);
	ae_plugin.helper_pid = 0;
}
