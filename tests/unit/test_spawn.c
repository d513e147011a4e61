/* ae_spawn: argv without a shell, exact environment, cwd, bounded output,
 * timeouts that kill the whole group, no inherited descriptors. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "ae_spawn.h"
#include "testutil.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ae_child *run(const char *const *argv, const char *const *envp,
                     const char *cwd, double timeout, size_t max)
{
	ae_spawn_opts o = {0};
	ae_error err;
	ae_child *c;

	o.argv = argv;
	o.envp = envp;
	o.cwd = cwd;
	o.timeout = timeout;
	o.kill_grace = 0.5;
	o.max_output = max;
	c = ae_spawn_start(&o, mono(), &err);
	if (!c) {
		fprintf(stderr, "spawn: %s\n", err.text);
		return NULL;
	}
	ae_child_wait(c, mono);
	return c;
}

int main(void)
{
	char dir[256];
	char marker[300], path[800];
	const char *const env[] = {"PATH=/usr/bin:/bin", "ONLY=this one",
	                           "X=", NULL};
	struct stat st;
	ae_child *c;
	ae_error err;
	size_t len;
	int trunc;

	snprintf(dir, sizeof(dir), "%s/ae_spawn_XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(marker, sizeof(marker), "%s/x", dir);

	/* shell metacharacters are data: nothing extra runs */
	{
		char arg[700];
		const char *argv[] = {"echo",      arg,   "$(touch x)",
		                      "`touch x`", "a|b", NULL};

		snprintf(arg, sizeof(arg), "; touch %s", marker);
		c = run(argv, env, dir, 0, 0);
		CHECK(c != NULL);
		CHECK_INT(ae_child_exit_code(c), 0);
		snprintf(path, sizeof(path),
		         "; touch %s $(touch x) `touch x` a|b\n", marker);
		CHECK_STR(ae_child_stdout(c, NULL, NULL), path);
		CHECK(stat(marker, &st) != 0);
		ae_child_free(c);
	}

	/* the environment is exactly what was given, in order */
	{
		const char *argv[] = {"/usr/bin/env", NULL};

		c = run(argv, env, NULL, 0, 0);
		CHECK_STR(ae_child_stdout(c, NULL, NULL),
		          "PATH=/usr/bin:/bin\nONLY=this one\nX=\n");
		ae_child_free(c);
		c = run(argv, NULL, NULL, 0, 0);
		CHECK_STR(ae_child_stdout(c, &len, NULL), "");
		CHECK_INT(len, 0);
		ae_child_free(c);
	}

	/* PATH of the child's environment, not ours, finds the program */
	{
		const char *argv[] = {"env", NULL};
		const char *const noenv[] = {"PATH=/nonexistent", NULL};

		CHECK(ae_spawn_start(
		          &(ae_spawn_opts){.argv = argv, .envp = noenv}, 0,
		          &err) == NULL);
		CHECK(strstr(err.text, "not found") != NULL);
	}

	/* cwd, exit code, stderr */
	{
		const char *argv[] = {"sh", "-c", "pwd; echo oops >&2; exit 7",
		                      NULL};
		char want[800];

		c = run(argv, env, dir, 0, 0);
		snprintf(want, sizeof(want), "%s\n", dir);
		CHECK_STR(ae_child_stdout(c, NULL, NULL), want);
		CHECK_STR(ae_child_stderr(c, NULL, NULL), "oops\n");
		CHECK_INT(ae_child_exit_code(c), 7);
		CHECK(ae_child_exited(c));
		CHECK_INT(ae_child_timed_out(c), 0);
		ae_child_free(c);
		CHECK(
		    ae_spawn_start(&(ae_spawn_opts){.argv = argv,
		                                    .envp = env,
		                                    .cwd = "/nonexistent/dir"},
		                   0, &err) == NULL);
		CHECK(strstr(err.text, "/nonexistent/dir") != NULL);
	}

	/* output is bounded: the tail is kept */
	{
		const char *argv[] = {"sh", "-c",
		                      "i=0; while [ $i -lt 3000 ]; do echo "
		                      "line$i; i=$((i+1)); done",
		                      NULL};

		c = run(argv, env, NULL, 0, 100);
		ae_child_stdout(c, &len, &trunc);
		CHECK_INT(len, 100);
		CHECK(trunc);
		CHECK(strstr(ae_child_stdout(c, NULL, NULL), "line2999\n") !=
		      NULL);
		ae_child_free(c);
	}

	/* timeout kills the child and what it started (its process group),
	 * even when SIGTERM is ignored */
	{
		const char *argv[] = {
		    "sh", "-c", "trap '' TERM; sleep 30 & sleep 30", NULL};
		double t0 = mono();

		c = run(argv, env, NULL, 0.3, 0);
		CHECK(mono() - t0 < 5);
		CHECK(ae_child_timed_out(c));
		CHECK_INT(ae_child_signal(c), SIGKILL);
		CHECK_INT(ae_child_exit_code(c), -1);
		ae_child_free(c);
	}

	/* no inherited descriptors beyond 0-2 */
	{
		int fd = open("/dev/null", O_RDONLY); /* not O_CLOEXEC */
		const char *argv[] = {"ls", "/proc/self/fd", NULL};

		CHECK(fd > 2);
		c = run(argv, env, NULL, 0, 0);
		/* ls itself opens one more for the directory it lists */
		CHECK_STR(ae_child_stdout(c, NULL, NULL), "0\n1\n2\n3\n");
		ae_child_free(c);
		close(fd);
	}

	/* output to files */
	{
		const char *argv[] = {"sh", "-c", "echo out; echo err >&2",
		                      NULL};
		char outp[700], errp[700], buf[64] = {0};
		int fd;

		snprintf(outp, sizeof(outp), "%s/out.txt", dir);
		snprintf(errp, sizeof(errp), "%s/err.txt", dir);
		c = ae_spawn_start(&(ae_spawn_opts){.argv = argv,
		                                    .envp = env,
		                                    .stdout_path = outp,
		                                    .stderr_path = errp},
		                   mono(), &err);
		CHECK(c != NULL);
		ae_child_wait(c, NULL);
		CHECK_STR(ae_child_stdout(c, NULL, NULL), "");
		ae_child_free(c);
		fd = open(outp, O_RDONLY);
		CHECK(read(fd, buf, sizeof(buf) - 1) == 4);
		close(fd);
		CHECK_STR(buf, "out\n");
	}

	/* free kills a running child */
	{
		const char *argv[] = {"sleep", "30", NULL};
		double t0 = mono();
		int pid;

		c = ae_spawn_start(&(ae_spawn_opts){.argv = argv, .envp = env},
		                   mono(), &err);
		CHECK(c != NULL);
		CHECK_INT(ae_child_poll(c, mono()), 0);
		pid = ae_child_pid(c);
		ae_child_free(c);
		CHECK(kill(pid, 0) != 0);
		CHECK(mono() - t0 < 5);
	}

	/* a directory handed to the child as its fd 3: its paths through
	 * /proc/self/fd/3 reach that directory, whatever its name now */
	{
		char sub[300], moved[300], file[320];
		const char *argv[] = {"cat", "/proc/self/fd/3/f", NULL};
		ae_spawn_opts o = {0};
		FILE *f;
		int dfd;

		snprintf(sub, sizeof(sub), "%s/sub", dir);
		snprintf(moved, sizeof(moved), "%s/moved", dir);
		snprintf(file, sizeof(file), "%s/f", sub);
		CHECK(mkdir(sub, 0700) == 0);
		f = fopen(file, "w");
		CHECK(f != NULL);
		if (f) {
			fputs("through the fd\n", f);
			fclose(f);
		}
		dfd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		CHECK(dfd >= 0);
		CHECK(rename(sub, moved) == 0);
		o.argv = argv;
		o.envp = env;
		o.inherit_fd = dfd;
		c = ae_spawn_start(&o, mono(), &err);
		CHECK(c != NULL);
		if (c)
			ae_child_wait(c, NULL);
		CHECK_INT(c ? ae_child_exit_code(c) : -1, 0);
		CHECK_STR(c ? ae_child_stdout(c, NULL, NULL) : NULL,
		          "through the fd\n");
		ae_child_free(c);
		/* without it, the child has no fd 3 */
		o.inherit_fd = 0;
		c = ae_spawn_start(&o, mono(), &err);
		CHECK(c != NULL);
		if (c)
			ae_child_wait(c, NULL);
		CHECK(c && ae_child_exit_code(c) != 0);
		ae_child_free(c);
		close(dfd);
	}

	test_rmtree(dir);
	TEST_MAIN_END();
}
