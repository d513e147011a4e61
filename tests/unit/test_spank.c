/* The plugin's process work in slurmstepd, on this machine, with Slurm's
 * calls stubbed: the helper's launch (its groups, its descriptors, an exec
 * that fails), its stop at the job's end (by pidfd, also when its pid was
 * reused; waiting for its drain up to drain_wait), its command line
 * (log_follow), and the end record written by a child that only makes
 * system calls between fork and exec. Needs root (the launch drops to
 * `nobody`): skipped otherwise. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <limits.h>
#include <linux/sched.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ae_proc.h"
#include "ae_provenance.h"
#include "context.h"
#include "helper_launch.h"
#include "jobend.h"
#include "spank_api.h"
#include "testutil.h"

/* ---- Slurm's calls, stubbed ---- */

static char messages[8192];

static void note(const char *fmt, va_list ap)
{
	size_t used = strlen(messages);

	vsnprintf(messages + used, sizeof(messages) - used, fmt, ap);
	used = strlen(messages);
	snprintf(messages + used, sizeof(messages) - used, "\n");
}

void ae_spank_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(fmt, ap);
	va_end(ap);
}

void ae_spank_info(const char *fmt, ...)
{
	(void)fmt;
}

void ae_spank_debug(const char *fmt, ...)
{
	(void)fmt;
}

int ae_spank_is_batch_step(spank_t sp)
{
	(void)sp;
	return 1;
}

int ae_spank_task_exit_status(spank_t sp, int *status)
{
	(void)sp;
	*status = 0;
	return 0;
}

/* ---- the job user's groups: more than the 256 a fixed array held ---- */

#define MANY_GROUPS 300

int getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	int want = MANY_GROUPS, have = *ngroups;

	(void)user;
	*ngroups = want;
	if (have < want)
		return -1;
	groups[0] = group;
	for (int i = 1; i < want; i++)
		groups[i] = (gid_t)(40000 + i);
	return want;
}

/* ---- no allocation in a child of this process: the end record's child
 * would hang on a lock another slurmstepd thread held at the fork ---- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static pid_t watch_pid; /* set: a process other than this one may not */

static void allocation_check(void)
{
	static const char msg[] = "test_spank: malloc between fork and exec\n";

	if (watch_pid && getpid() != watch_pid) {
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(98);
		_exit(99);
	}
}

void *malloc(size_t n)
{
	allocation_check();
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	allocation_check();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	allocation_check();
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

/* ---- fixture ---- */

static char T[256]; /* short: the paths below fit */
static uid_t user_uid;
static gid_t user_gid;

static void put_file(const char *path, const char *text, size_t len,
                     mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0 && write(fd, text, len) == (ssize_t)len);
	close(fd);
	chmod(path, mode);
}

/* The built helper, where the job user can run it. */
static void copy_helper(const char *to)
{
	int in = open(AE_TEST_HELPER, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	ssize_t n;

	CHECK(in >= 0 && out >= 0);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(out, buf, (size_t)n) == n);
	close(in);
	close(out);
}

static ae_jobstart_result result(void)
{
	ae_jobstart_result r;

	memset(&r, 0, sizeof(r));
	snprintf(r.output_dir, sizeof(r.output_dir), "%s", T);
	snprintf(r.provenance_dir, sizeof(r.provenance_dir), "%s/prov", T);
	snprintf(r.job_dir, sizeof(r.job_dir), "%s/prov/jobs/42", T);
	snprintf(r.config_file, sizeof(r.config_file),
	         "%s/prov/jobs/42/resolved_config.yaml", T);
	r.prov_fd = r.job_fd = r.lock_fd = -1;
	return r;
}

static int count_words(const char *s)
{
	int n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '\n')
			break;
		n++;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
	}
	return n;
}

/* The number of supplementary groups of pid, from /proc; -1 unknown. */
static int groups_of(pid_t pid)
{
	char path[64], buf[16384], *g;
	int fd, n;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	g = strstr(buf, "\nGroups:");
	if (!g)
		return -1;
	n = count_words(g + 8);
	return n;
}

static int has_fd(pid_t pid, int fd)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	return lstat(path, &st) == 0;
}

/* Whether pid lets go of fd within 5 s. Right after its exec the new
 * program's loader has descriptors of its own open (ld.so.cache on 3); an
 * inherited descriptor stays for good. */
static int fd_goes(pid_t pid, int fd)
{
	for (int i = 0; i < 500; i++) {
		if (!has_fd(pid, fd))
			return 1;
		usleep(10000);
	}
	return 0;
}

/* Wait until pid runs `name` (its exec done), up to 5 s. The whole comm
 * is compared: "sleep" is a prefix of the script "sleeper", and while the
 * script's shell runs it holds the script open on a low descriptor. */
static int wait_exe(pid_t pid, const char *name)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (int i = 0; i < 500; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (!strcmp(buf, name))
				return 1;
		}
		usleep(10000);
	}
	return 0;
}

/* user_init: slurmstepd has the job user's effective ids (the helper's
 * record in job_metadata.json is the user's file) */
static void launch(ae_jobstart_result *r)
{
	CHECK(setegid(user_gid) == 0 && seteuid(user_uid) == 0);
	ae_plug_helper_launch(T, r, "42", NULL);
	CHECK(seteuid(0) == 0 && setegid(0) == 0);
}

/* ---- tests ---- */

/* An exec that fails after the fork is the job start's error, with errno,
 * not a helper that silently never ran. */
static void test_exec_failure(void)
{
	char bad[PATH_MAX + 16];
	ae_jobstart_result r = result();

	snprintf(bad, sizeof(bad), "%s/bin/empty", T);
	put_file(bad, "", 0, 0755); /* executable, no format: ENOEXEC */
	free(ae_plugin.helper_path);
	ae_plugin.helper_path = strdup(bad);
	messages[0] = '\0';
	launch(&r);
	CHECK_INT(ae_plugin.helper_pid, 0);
	CHECK(strstr(messages, "cannot run the helper") != NULL);
	CHECK(strstr(messages, "execve: Exec format error") != NULL);
	if (!strstr(messages, "Exec format error"))
		fprintf(stderr, "messages: %s\n", messages);
}

/* The helper gets all of the user's groups (300 here) and none of
 * slurmstepd's descriptors, also one above 65536 when the limit allows. */
static pid_t test_launch(void)
{
	char sleeper[PATH_MAX + 16];
	ae_jobstart_result r = result();
	struct rlimit rl;
	int high = -1, mid;
	pid_t pid;

	snprintf(sleeper, sizeof(sleeper), "%s/bin/sleeper", T);
	put_file(sleeper, "#!/bin/sh\nexec sleep 60\n", 24, 0755);
	free(ae_plugin.helper_path);
	ae_plugin.helper_path = strdup(sleeper);
	mid = dup2(open("/dev/null", O_RDONLY), 50);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max > 70000) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			high = dup2(mid, 70000);
	}
	if (high < 0)
		fprintf(stderr, "test_spank: no descriptor above 65536 here "
		                "(RLIMIT_NOFILE): not checked\n");
	messages[0] = '\0';
	launch(&r);
	pid = ae_plugin.helper_pid;
	CHECK(pid > 0);
	if (messages[0])
		fprintf(stderr, "messages: %s\n", messages);
	if (pid <= 0)
		return 0;
	CHECK(wait_exe(pid, "sleep"));
	CHECK_INT(groups_of(pid), MANY_GROUPS);
	CHECK(fd_goes(pid, 3) && fd_goes(pid, 50));
	if (high >= 0)
		CHECK(fd_goes(pid, high));
	CHECK(has_fd(pid, 0) && has_fd(pid, 2));
	close(mid);
	if (high >= 0)
		close(high);
	return pid;
}

/* clone3 with set_tid: a new process with the pid `want`. 0 in the child. */
static pid_t fork_as(pid_t want)
{
#if defined(SYS_clone3) && defined(CLONE_ARGS_SIZE_VER2)
	struct clone_args a;
	pid_t tid = want;

	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	a.set_tid = (uint64_t)(uintptr_t)&tid;
	a.set_tid_size = 1;
	return (pid_t)syscall(SYS_clone3, &a, sizeof(a));
#else
	(void)want;
	errno = ENOSYS;
	return -1;
#endif
}

/* At the job's end the helper's pid may be another process's, started in
 * the same clock tick (same start time): only the helper is signalled. */
static void test_stop_reused_pid(pid_t helper)
{
	pid_t impostor;
	int st;

	if (helper <= 0)
		return;
	/* the helper dies unseen and its pid goes to another process */
	kill(helper, SIGKILL);
	CHECK(waitpid(helper, &st, 0) == helper);
	impostor = fork_as(helper);
	if (impostor == 0) {
		pause();
		_exit(0);
	}
	if (impostor < 0) {
		fprintf(stderr,
		        "test_spank: clone3 set_tid: %s: pid reuse "
		        "not checked\n",
		        strerror(errno));
		ae_plug_helper_stop();
		return;
	}
	CHECK_INT(impostor, helper);
	/* the start-time check alone cannot tell them apart */
	ae_plugin.helper_start = ae_proc_start_ticks(impostor);
	ae_plug_helper_stop();
	usleep(200000);
	CHECK_INT(waitpid(impostor, &st, WNOHANG), 0);
	kill(impostor, SIGKILL);
	waitpid(impostor, &st, 0);
}

/* A helper that is still ours gets its SIGTERM. */
static void test_stop(void)
{
	pid_t pid = test_launch();
	int st;

	if (pid <= 0)
		return;
	ae_plug_helper_stop();
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

/* The helper's command line: with log_follow=stat (plugstack.conf) it has
 * --no-inotify, by default not. The helper here writes its arguments to
 * prov/args (the user's directory) and exits. */
static void test_log_follow(void)
{
	char helper[PATH_MAX + 16], args[PATH_MAX + 16], text[1024];
	static const char script[] = "#!/bin/sh\n"
	                             "echo \"$*\" >\"$2/args.tmp\"\n"
	                             "mv \"$2/args.tmp\" \"$2/args\"\n";

	snprintf(helper, sizeof(helper), "%s/bin/argv", T);
	snprintf(args, sizeof(args), "%s/prov/args", T);
	put_file(helper, script, sizeof(script) - 1, 0755);
	free(ae_plugin.helper_path);
	ae_plugin.helper_path = strdup(helper);
	for (int by_stat = 0; by_stat <= 1; by_stat++) {
		ae_jobstart_result r = result();
		int fd = -1, st;
		ssize_t n = -1;

		unlink(args);
		ae_plugin.log_by_stat = by_stat;
		launch(&r);
		CHECK(ae_plugin.helper_pid > 0);
		if (ae_plugin.helper_pid > 0)
			waitpid(ae_plugin.helper_pid, &st, 0);
		ae_plugin.helper_pid = 0;
		if (ae_plugin.helper_pidfd >= 0)
			close(ae_plugin.helper_pidfd);
		ae_plugin.helper_pidfd = -1;
		if (ae_plugin.helper_err_fd >= 0)
			close(ae_plugin.helper_err_fd);
		ae_plugin.helper_err_fd = -1;
		for (int i = 0; i < 500 && fd < 0; i++) {
			fd = open(args, O_RDONLY);
			if (fd < 0)
				usleep(10000);
		}
		if (fd >= 0)
			n = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		CHECK(n > 0 && strstr(text, "--job-id 42") != NULL);
		CHECK((strstr(text, "--no-inotify") != NULL) == by_stat);
		if (!n || (strstr(text, "--no-inotify") != NULL) != by_stat)
			fprintf(stderr, "log_by_stat %d: %s\n", by_stat, text);
	}
	ae_plugin.log_by_stat = 0;
}

/* Launch `script` as the helper (the job user's), for the stop tests. */
static pid_t launch_script(const char *name, const char *script)
{
	char path[PATH_MAX + 16];
	ae_jobstart_result r = result();

	snprintf(path, sizeof(path), "%s/bin/%s", T, name);
	put_file(path, script, strlen(script), 0755);
	free(ae_plugin.helper_path);
	ae_plugin.helper_path = strdup(path);
	launch(&r);
	CHECK(ae_plugin.helper_pid > 0);
	return ae_plugin.helper_pid;
}

/* The stop waits for the helper's drain, up to drain_wait: one that drains
 * for 0.5 s after SIGTERM has exited when the stop returns (with
 * proctrack/cgroup, Slurm can then remove the job's cgroup); one that
 * never ends is left to go on after drain_wait, not killed. */
static void test_stop_waits_for_drain(void)
{
	pid_t pid;
	int st;

	ae_plugin.drain_wait_s = 30;
	pid = launch_script("drains", "#!/bin/sh\n"
	                              "trap 'sleep 0.5; exit 3' TERM\n"
	                              "touch \"$2/started\"\n"
	                              "while :; do sleep 0.1; done\n");
	if (pid > 0) {
		char started[PATH_MAX + 32];

		snprintf(started, sizeof(started), "%s/prov/started", T);
		for (int i = 0; i < 500 && access(started, F_OK) < 0; i++)
			usleep(10000);
		ae_plug_helper_stop();
		CHECK(waitpid(pid, &st, WNOHANG) == pid);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
		if (!WIFEXITED(st))
			waitpid(pid, &st, 0);
	}
	ae_plugin.drain_wait_s = 1;
	pid = launch_script("endless", "#!/bin/sh\n"
	                               "trap '' TERM\n"
	                               "exec sleep 60\n");
	if (pid > 0) {
		CHECK(wait_exe(pid, "sleep"));
		messages[0] = '\0';
		ae_plug_helper_stop();
		CHECK(waitpid(pid, &st, WNOHANG) == 0); /* still draining */
		CHECK(kill(pid, SIGKILL) == 0);
		CHECK(waitpid(pid, &st, 0) == pid);
	}
	ae_plugin.drain_wait_s = 30;
}

static json_t *read_json(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return json_load_file(path, 0, NULL);
}

/* The end record: written by the user through the directories' fds, with
 * nothing allocated between fork and exec. */
static void test_end_record(void)
{
	char helper[PATH_MAX], prov[PATH_MAX], job[PATH_MAX];
	json_t *meta, *end;

	snprintf(helper, sizeof(helper), "%s/bin/autoexp-helper", T);
	copy_helper(helper);
	free(ae_plugin.helper_path);
	ae_plugin.helper_path = strdup(helper);
	snprintf(prov, sizeof(prov), "%s/prov", T);
	snprintf(job, sizeof(job), "%s/prov/jobs/42", T);
	ae_plugin.active = 1;
	ae_plugin.prov_fd = open(prov, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ae_plugin.job_fd = open(job, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ae_plugin.have_exit_status = 1;
	ae_plugin.exit_status = 3 << 8; /* exit 3 */
	ae_plugin.start = 1;
	snprintf(ae_plugin.job_id, sizeof(ae_plugin.job_id), "42");
	messages[0] = '\0';
	watch_pid = getpid();
	ae_plug_jobend_exit();
	watch_pid = 0;
	CHECK_STR(messages, "");
	meta = read_json(job, AE_PROV_JOB_METADATA);
	end = json_object_get(meta, "end");
	CHECK_STR(json_string_value(json_object_get(end, "state")), "FAILED");
	CHECK_INT(json_integer_value(json_object_get(end, "exit_code")), 3);
	json_decref(meta);
	meta = read_json(prov, AE_PROV_METADATA);
	end = json_array_get(json_object_get(meta, "ends"), 0);
	CHECK_STR(json_string_value(json_object_get(end, "job_id")), "42");
	CHECK_INT(json_integer_value(json_object_get(end, "start")), 1);
	CHECK_STR(json_string_value(
	              json_object_get(json_object_get(meta, "end"), "state")),
	          "FAILED");
	json_decref(meta);
	/* written by the user, not by root */
	{
		char path[PATH_MAX + 64];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", prov, AE_PROV_METADATA);
		CHECK(stat(path, &st) == 0 && st.st_uid == user_uid);
	}
	/* a record that cannot be written says why */
	chmod(job, 0555);
	ae_plugin.active = 1;
	messages[0] = '\0';
	ae_plug_jobend_exit();
	CHECK(strstr(messages, "could not be written (exit 1): "
	                       "autoexp-helper: end record: ") != NULL);
	if (!strstr(messages, "end record: "))
		fprintf(stderr, "messages: %s\n", messages);
	chmod(job, 0755);
}

int main(void)
{
	const struct passwd *pw = getpwnam("nobody");
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX + 32];

	if (geteuid() != 0 || !pw) {
		fprintf(stderr, "test_spank: needs root and a user 'nobody': "
		                "skipped\n");
		return 77;
	}
	user_uid = pw->pw_uid;
	user_gid = pw->pw_gid;
	/* the helper's grandparent exits: it comes back to this process */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	snprintf(T, sizeof(T), "%s/test_spank.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(T))
		return 99;
	chmod(T, 0755);
	snprintf(path, sizeof(path), "%s/bin", T);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/prov", T);
	mkdir(path, 0755);
	CHECK(chown(path, user_uid, user_gid) == 0);
	snprintf(path, sizeof(path), "%s/prov/jobs", T);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/prov/jobs/42", T);
	mkdir(path, 0755);
	CHECK(chown(path, user_uid, user_gid) == 0);
	ae_plugin.uid = user_uid;
	ae_plugin.gid = user_gid;
	snprintf(path, sizeof(path), "%s/prov/jobs/42", T);
	ae_plugin.job_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	test_exec_failure();
	test_stop();
	test_stop_waits_for_drain();
	test_stop_reused_pid(test_launch());
	test_log_follow();
	test_end_record();

	ae_plug_clear();
	if (!test_failures)
		test_rmtree(T);
	else
		fprintf(stderr, "kept %s\n", T);
	TEST_MAIN_END();
}
