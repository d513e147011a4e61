/* Directories written on the job user's behalf: creation, and refusal of
 * symlinks planted by others and of directories the user does not own. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	if (test_rmtree(base) != 0)
		fprintf(stderr, "cleanup of %s failed\n", base);
	TEST_MAIN_END();
}
