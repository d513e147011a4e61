/* ae_proc: a process's start ticks, including for a command name that holds
 * spaces and parentheses, and 0 for a process that is gone. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ae_proc.h"
#include "testutil.h"

static int read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The start time as proc(5) documents it, parsed independently: fields 3 to
 * 21 skipped after the command name. */
static unsigned long long proc_says(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ticks = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
	                 " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u"
	                 " %*u %*d %*d %*d %*d %*d %*d %llu",
	                 &ticks) != 1)
		return 0;
	return ticks;
}

static void test_self(void)
{
	unsigned long long t = ae_proc_start_ticks(getpid());

	CHECK(t > 0);
	CHECK_INT(t, proc_says(getpid()));
}

static void test_absent(void)
{
	pid_t child = fork();
	int status;

	CHECK(child >= 0);
	if (child == 0)
		_exit(0);
	CHECK_INT(waitpid(child, &status, 0), child);
	/* reaped: its /proc entry is gone */
	CHECK_INT(ae_proc_start_ticks(child), 0);
	CHECK_INT(ae_proc_start_ticks(0), 0);
	CHECK_INT(ae_proc_start_ticks(-1), 0);
	CHECK_INT(ae_proc_start_ticks(0x7fffffff), 0);
}

/* A command name that fools a parser counting from the first ')'. */
static void test_odd_name(void)
{
	static const char name[] = "a) b (c";
	unsigned long long before = 0, after;
	int ready[2], hold[2], status;
	char path[64], comm[64];
	pid_t child;

	CHECK(pipe(ready) == 0 && pipe(hold) == 0);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char c;

		close(ready[0]);
		close(hold[1]);
		before = ae_proc_start_ticks(getpid());
		if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0 ||
		    write(ready[1], &before, sizeof(before)) != sizeof(before))
			_exit(1);
		/* stay alive until the parent has looked */
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	CHECK(read(ready[0], &before, sizeof(before)) == sizeof(before));
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)child);
	CHECK(read_file(path, comm, sizeof(comm)) == 0);
	CHECK_STR(comm, "a) b (c\n");
	after = ae_proc_start_ticks(child);
	CHECK(after > 0);
	CHECK_INT(after, before);
	CHECK_INT(after, proc_says(child));
	CHECK(after >= ae_proc_start_ticks(getpid()));
	close(hold[1]);
	close(ready[0]);
	CHECK_INT(waitpid(child, &status, 0), child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	test_self();
	test_absent();
	test_odd_name();
	TEST_MAIN_END();
}
