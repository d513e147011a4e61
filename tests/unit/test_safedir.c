/* Directories written on the job user's behalf: creation, and refusal of
 * symlinks planted by others and of directories the user does not own. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ae_safedir.h"
#include "testutil.h"

static char base[] = "/tmp/ae_safedir_XXXXXX";

static void path(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", base, rel);
}

static void test_create_nested(void)
{
	char p[256];
	ae_error err;
	struct stat st;
	int fd;

	path(p, sizeof(p), "out/run_1/provenance");
	ae_error_clear(&err);
	fd = ae_safedir_open(p, getuid(), 1, 1, &err);
	CHECK(fd >= 0);
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	if (fd >= 0)
		close(fd);
	/* without create, a missing directory is an error naming it */
	path(p, sizeof(p), "out/missing");
	CHECK_INT(ae_safedir_open(p, getuid(), 0, 0, &err), -1);
	CHECK(strstr(err.file, "out/missing") != NULL);
	CHECK_INT(ae_safedir_open("relative/dir", getuid(), 1, 0, &err), -1);
}

static void test_own_symlink_followed(void)
{
	char target[256], link[256];
	int fd;

	path(target, sizeof(target), "real");
	path(link, sizeof(link), "alias");
	CHECK(mkdir(target, 0755) == 0);
	CHECK(symlink(target, link) == 0);
	fd = ae_safedir_open(link, getuid(), 1, 1, NULL);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

static void test_foreign_owner_refused(void)
{
	char target[256], link[256], p[256];
	ae_error err;
	uid_t other = 65534;

	if (getuid() != 0) {
		fprintf(stderr, "not root: foreign-owner cases skipped\n");
		return;
	}
	/* a symlink owned by another user is not followed */
	path(target, sizeof(target), "victim");
	path(link, sizeof(link), "planted");
	CHECK(mkdir(target, 0755) == 0);
	CHECK(symlink(target, link) == 0);
	CHECK(lchown(link, other, other) == 0);
	path(p, sizeof(p), "planted/provenance");
	ae_error_clear(&err);
	CHECK_INT(ae_safedir_open(p, getuid(), 1, 1, &err), -1);
	CHECK(strstr(err.text, "symlink owned by uid 65534") != NULL);
	path(p, sizeof(p), "victim/provenance");
	CHECK(access(p, F_OK) != 0); /* nothing was created through it */

	/* a directory owned by someone else is refused when it must be ours */
	path(p, sizeof(p), "theirs");
	CHECK(mkdir(p, 0777) == 0);
	CHECK(chown(p, other, other) == 0);
	CHECK_INT(ae_safedir_open(p, getuid(), 1, 1, &err), -1);
	CHECK(strstr(err.text, "owned by uid 65534") != NULL);
	/* ... but may be passed through */
	path(p, sizeof(p), "theirs/mine");
	{
		int fd = ae_safedir_open(p, getuid(), 1, 1, &err);

		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
}

/* A directory autoexp keeps its files in (must_own) is as private as its
 * parent, at most 0750; an output directory is made as before, 0755. */
static void test_modes(void)
{
	char p[256];
	struct stat st;
	ae_error err;
	int parent, fd;

	path(p, sizeof(p), "modes/out");
	fd = ae_safedir_open(p, getuid(), 1, 0, &err);
	CHECK(fd >= 0 && stat(p, &st) == 0 && (st.st_mode & 0777) == 0755);
	CHECK_INT(mkdirat(fd, "prov", 0700), 0);
	parent = openat(fd, "prov", O_RDONLY | O_DIRECTORY);
	close(fd);
	fd = ae_safedir_openat(parent, "jobs", "prov/jobs", getuid(), 1, 1,
	                       &err);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0700);
	close(fd);
	CHECK_INT(fchmod(parent, 0755), 0);
	fd = ae_safedir_openat(parent, "cooldowns", "prov/cooldowns", getuid(),
	                       1, 1, &err);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0750);
	close(fd);
	close(parent);
}

/* Issue 17 (1): with AE_SAFEDIR_STRICT, a directory on the way that others
 * can change (writable by its group or by others without the sticky bit,
 * or owned by another user) refuses the path, naming it and the fix; the
 * sticky bit makes a shared directory acceptable. */
static void test_strict(void)
{
	const int strict = AE_SAFEDIR_OWN | AE_SAFEDIR_STRICT;
	char shared[256], p[256];
	ae_error err;
	int fd;

	path(shared, sizeof(shared), "project");
	CHECK(mkdir(shared, 0700) == 0);
	path(p, sizeof(p), "project/run/out");

	/* a group-writable project directory without the sticky bit */
	CHECK(chmod(shared, 02770) == 0);
	CHECK_INT(ae_safedir_open(p, getuid(), 1, strict, &err), -1);
	CHECK(strstr(err.text, "/project is writable by its group without "
	                       "the sticky bit (mode 2770)") != NULL);
	CHECK(strstr(err.text, "chmod +t ") != NULL);
	CHECK(strstr(err.file, "project/run/out") != NULL);
	path(p, sizeof(p), "project/run");
	CHECK(access(p, F_OK) != 0); /* nothing created below it */
	/* without the check (the old behaviour, and every other caller) */
	path(p, sizeof(p), "project/run/out");
	fd = ae_safedir_open(p, getuid(), 1, AE_SAFEDIR_OWN, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);

	/* writable by others */
	CHECK(chmod(shared, 0757) == 0);
	CHECK_INT(ae_safedir_open(p, getuid(), 0, strict, &err), -1);
	CHECK(strstr(err.text, "writable by others without") != NULL);
	CHECK(chmod(shared, 0777) == 0);
	CHECK_INT(ae_safedir_open(p, getuid(), 0, strict, &err), -1);
	CHECK(strstr(err.text, "by its group and by others") != NULL);

	/* the sticky bit: only an entry's owner may rename it */
	CHECK(chmod(shared, 03770) == 0);
	fd = ae_safedir_open(p, getuid(), 0, strict, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(chmod(shared, 0755) == 0);
	fd = ae_safedir_open(p, getuid(), 0, strict, &err);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);

	/* the directory itself too: its files could be swapped */
	path(p, sizeof(p), "project/run/out");
	CHECK(chmod(p, 0775) == 0);
	CHECK_INT(ae_safedir_open(p, getuid(), 0, strict, &err), -1);
	CHECK(strstr(err.text, "/project/run/out is writable by its group") !=
	      NULL);
	CHECK(chmod(p, 0755) == 0);

	/* a symlink's target is walked with the same rules */
	{
		char link[256], target[256];

		path(target, sizeof(target), "project/run");
		path(link, sizeof(link), "to_run");
		CHECK(symlink(target, link) == 0);
		path(p, sizeof(p), "to_run/out");
		fd = ae_safedir_open(p, getuid(), 0, strict, &err);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		CHECK(chmod(shared, 02775) == 0);
		CHECK_INT(ae_safedir_open(p, getuid(), 0, strict, &err), -1);
		CHECK(strstr(err.text, "/project is writable by its group") !=
		      NULL);
		CHECK(chmod(shared, 0755) == 0);
	}

	/* below an open directory: what is walked is checked */
	{
		int dfd = open(shared, O_RDONLY | O_DIRECTORY);

		CHECK(dfd >= 0);
		path(p, sizeof(p), "project/run");
		CHECK(chmod(p, 0777) == 0);
		path(p, sizeof(p), "project/run/out");
		CHECK_INT(ae_safedir_openat(dfd, "run/out", p, getuid(), 0,
		                            strict, &err),
		          -1);
		CHECK(strstr(err.text, "project/run is writable") != NULL);
		fd = ae_safedir_openat(dfd, "run/out", p, getuid(), 0,
		                       AE_SAFEDIR_OWN, &err);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
		CHECK_INT(ae_safedir_openat(dfd, "run/../run/out", p, getuid(),
		                            0, 0, &err),
		          -1);
		CHECK(strstr(err.text, "leaves its directory") != NULL);
		path(p, sizeof(p), "project/run");
		CHECK(chmod(p, 0755) == 0);
		close(dfd);
	}

	if (getuid() != 0) {
		fprintf(stderr, "not root: the foreign owner is skipped\n");
		return;
	}
	/* a directory on the way owned by another user: its owner could
	 * swap what it holds (not writable by anyone else) */
	CHECK(chown(shared, 65534, 65534) == 0);
	path(p, sizeof(p), "project/run/out");
	CHECK_INT(ae_safedir_open(p, getuid(), 0, strict, &err), -1);
	CHECK(strstr(err.text, "/project is owned by uid 65534, neither by "
	                       "the job user") != NULL);
	CHECK(chown(shared, 0, 0) == 0);
}

/* Issue 17 (7): the check and the open are one step. Another user's
 * process swaps, as fast as it can, a directory of ours and a symlink of
 * theirs (to a directory they chose) under the same name; whatever the
 * timing, the name is never opened through their symlink. */
static void test_swap_race(void)
{
	char d[256], spare[256], foreign[256], racedir[256];
	struct stat fst, st;
	ae_error err;
	pid_t swapper;
	int rfd, wins = 0, opened = 0;

	if (getuid() != 0) {
		fprintf(stderr, "not root: the swap race is skipped\n");
		return;
	}
	path(racedir, sizeof(racedir), "race");
	path(foreign, sizeof(foreign), "race_foreign");
	path(d, sizeof(d), "race/d");
	path(spare, sizeof(spare), "race/spare");
	CHECK(mkdir(racedir, 0755) == 0);
	CHECK(mkdir(foreign, 0755) == 0);
	CHECK(mkdir(d, 0755) == 0);
	CHECK(symlink(foreign, spare) == 0);
	CHECK(lchown(spare, 65534, 65534) == 0);
	CHECK(stat(foreign, &fst) == 0);
	rfd = open(racedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(rfd >= 0);
	swapper = fork();
	if (swapper == 0) {
		for (;;)
			renameat2(rfd, "d", rfd, "spare", RENAME_EXCHANGE);
	}
	for (int i = 0; i < 20000 && swapper > 0; i++) {
		int fd = ae_safedir_openat(rfd, "d", d, getuid(), 0, 0, &err);

		if (fd < 0)
			continue;
		opened++;
		if (fstat(fd, &st) == 0 && st.st_ino == fst.st_ino &&
		    st.st_dev == fst.st_dev)
			wins++;
		close(fd);
	}
	if (swapper > 0) {
		kill(swapper, SIGKILL);
		waitpid(swapper, NULL, 0);
	}
	close(rfd);
	fprintf(stderr, "swap race: %d opened, %d through the symlink\n",
	        opened, wins);
	CHECK(opened > 0);
	CHECK_INT(wins, 0);
}

int main(void)
{
	umask(022);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	test_create_nested();
	test_own_symlink_followed();
	test_foreign_owner_refused();
	test_modes();
	test_swap_race();
	test_strict();
	if (test_rmtree(base) != 0)
		fprintf(stderr, "cleanup of %s failed\n", base);
	TEST_MAIN_END();
}
