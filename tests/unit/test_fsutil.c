/* Atomic replacement, batches of replacements and symlink-refusing opens. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_fsbatch.h"
#include "ae_fsutil.h"
#include "testutil.h"

static char dir[256];
static int dfd;

/* Entries of the directory whose name contains ".tmp." (leftovers). */
static int count_temps(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strstr(e->d_name, ".tmp."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void test_atomic(void)
{
	ae_error err;
	char *data;
	size_t len;
	struct stat st;
	int fd;

	CHECK_INT(ae_fsutil_write_atomic(dfd, "a.json", "first", 5, 0600, &err),
	          0);
	CHECK_INT(ae_fsutil_read_file(dfd, "a.json", 100, &data, &len, &err),
	          1);
	CHECK_INT(len, 5);
	CHECK_STR(data, "first");
	free(data);
	CHECK(fstatat(dfd, "a.json", &st, 0) == 0);
	CHECK_INT(st.st_mode & 0777, 0600);

	/* a reader holding the old file keeps the old content: it was
	 * replaced, not rewritten in place */
	fd = openat(dfd, "a.json", O_RDONLY);
	CHECK_INT(
	    ae_fsutil_write_atomic(dfd, "a.json", "second!", 7, 0644, &err), 0);
	{
		char buf[16] = {0};

		CHECK(read(fd, buf, sizeof(buf)) == 5);
		CHECK_STR(buf, "first");
		close(fd);
	}
	CHECK_INT(ae_fsutil_read_file(dfd, "a.json", 100, &data, &len, &err),
	          1);
	CHECK_STR(data, "second!");
	free(data);
	CHECK(fstatat(dfd, "a.json", &st, 0) == 0);
	CHECK_INT(st.st_mode & 0777, 0600); /* no more than the 0700 dir */
	CHECK_INT(count_temps(), 0);

	/* empty content */
	CHECK_INT(ae_fsutil_write_atomic(dfd, "empty", "", 0, 0644, &err), 0);
	CHECK_INT(ae_fsutil_read_file(dfd, "empty", 100, &data, &len, &err), 1);
	CHECK_INT(len, 0);
	CHECK_STR(data, "");
	free(data);

	/* rename over a directory fails, and leaves no temporary behind */
	CHECK(mkdirat(dfd, "adir", 0755) == 0);
	CHECK_INT(ae_fsutil_write_atomic(dfd, "adir", "x", 1, 0644, &err), -1);
	CHECK_STR(err.file, "adir");
	CHECK(strstr(err.text, "rename") != NULL);
	CHECK_INT(count_temps(), 0);
}

static void test_symlinks(void)
{
	ae_error err;
	char *data;
	size_t len;
	int fd;

	CHECK_INT(ae_fsutil_write_atomic(dfd, "victim", "keep", 4, 0644, &err),
	          0);
	CHECK(symlinkat("victim", dfd, "link") == 0);
	fd = ae_fsutil_open(dfd, "link", O_RDONLY, 0, &err);
	CHECK_INT(fd, -1);
	CHECK_INT(errno, ELOOP);
	CHECK(strstr(err.text, "symlink") != NULL);
	CHECK_STR(err.file, "link");
	fd = ae_fsutil_open(dfd, "link", O_WRONLY | O_APPEND | O_CREAT, 0644,
	                    &err);
	CHECK_INT(fd, -1);
	CHECK_INT(ae_fsutil_read_file(dfd, "link", 100, &data, &len, &err), -1);
	CHECK(data == NULL);
	/* a dangling symlink is not created through either */
	CHECK(symlinkat("created-through", dfd, "dangling") == 0);
	CHECK_INT(
	    ae_fsutil_open(dfd, "dangling", O_WRONLY | O_CREAT, 0644, &err),
	    -1);
	CHECK(faccessat(dfd, "created-through", F_OK, 0) < 0);
	/* atomic replacement replaces the link itself */
	CHECK_INT(ae_fsutil_write_atomic(dfd, "link", "new", 3, 0644, &err), 0);
	CHECK_INT(ae_fsutil_read_file(dfd, "victim", 100, &data, &len, &err),
	          1);
	CHECK_STR(data, "keep");
	free(data);
	CHECK_INT(ae_fsutil_read_file(dfd, "link", 100, &data, &len, &err), 1);
	CHECK_STR(data, "new");
	free(data);
}

static void test_open_read(void)
{
	ae_error err;
	char *data = (char *)1;
	size_t len = 7;
	int fd;

	/* missing: 0 and a clear error */
	CHECK_INT(ae_fsutil_read_file(dfd, "nope", 100, &data, &len, &err), 0);
	CHECK(data == NULL);
	CHECK_INT(len, 0);
	CHECK(!ae_error_isset(&err));
	fd = ae_fsutil_open(dfd, "nope", O_RDONLY, 0, &err);
	CHECK_INT(fd, -1);
	CHECK_INT(errno, ENOENT);

	/* too large */
	CHECK_INT(
	    ae_fsutil_write_atomic(dfd, "big", "0123456789", 10, 0644, &err),
	    0);
	CHECK_INT(ae_fsutil_read_file(dfd, "big", 9, &data, &len, &err), -1);
	CHECK(strstr(err.text, "too large") != NULL);
	CHECK_INT(ae_fsutil_read_file(dfd, "big", 10, &data, &len, &err), 1);
	CHECK_INT(len, 10);
	free(data);

	/* a FIFO is refused at once, not waited on */
	CHECK(mkfifoat(dfd, "fifo", 0600) == 0);
	CHECK_INT(ae_fsutil_open(dfd, "fifo", O_RDONLY, 0, &err), -1);
	CHECK(strstr(err.text, "not a regular file") != NULL);

	/* an appending fd is blocking and close-on-exec */
	fd = ae_fsutil_open(dfd, "log", O_WRONLY | O_APPEND | O_CREAT, 0600,
	                    &err);
	CHECK(fd >= 0);
	CHECK(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_INT(ae_fsutil_write_all(fd, "abc", 3), 0);
	close(fd);
	CHECK_INT(ae_fsutil_read_file(dfd, "log", 10, &data, &len, &err), 1);
	CHECK_STR(data, "abc");
	free(data);
	CHECK_INT(ae_fsutil_fsync_dir(dfd, "dir", &err), 0);
}

static char *slurp(const char *name)
{
	ae_error err;
	char *data = NULL;
	size_t len;

	if (ae_fsutil_read_file(dfd, name, 1000, &data, &len, &err) != 1)
		return NULL;
	return data;
}

static void test_batch(void)
{
	ae_fsbatch *b;
	ae_error err;
	char *data;

	/* a batch freed before its commit changes nothing and leaves no
	 * temporary file behind */
	CHECK_INT(ae_fsutil_write_atomic(dfd, "b1", "old", 3, 0644, &err), 0);
	b = ae_fsbatch_new(dfd);
	CHECK(b != NULL);
	CHECK_INT(ae_fsbatch_add(b, "b1", "new1", 4, 0644, &err), 0);
	CHECK_INT(ae_fsbatch_add(b, "b2", "new2", 4, 0600, &err), 0);
	CHECK_INT(count_temps(), 2);
	ae_fsbatch_free(b);
	CHECK_INT(count_temps(), 0);
	data = slurp("b1");
	CHECK_STR(data, "old");
	free(data);
	CHECK(slurp("b2") == NULL);

	/* committed: every file in place with its mode, no leftovers */
	b = ae_fsbatch_new(dfd);
	CHECK_INT(ae_fsbatch_add(b, "b1", "new1", 4, 0644, &err), 0);
	CHECK_INT(ae_fsbatch_add(b, "b2", "new2", 4, 0600, &err), 0);
	CHECK_INT(ae_fsbatch_commit(b, &err), 0);
	ae_fsbatch_free(b);
	CHECK_INT(count_temps(), 0);
	data = slurp("b1");
	CHECK_STR(data, "new1");
	free(data);
	data = slurp("b2");
	CHECK_STR(data, "new2");
	free(data);
	{
		struct stat st;

		CHECK_INT(fstatat(dfd, "b2", &st, 0), 0);
		CHECK_INT(st.st_mode & 0777, 0600);
	}

	/* a rename that fails (a directory in the way) reports the name;
	 * the files added before it are in place, the rest are not */
	CHECK_INT(mkdirat(dfd, "b4", 0755), 0);
	b = ae_fsbatch_new(dfd);
	CHECK_INT(ae_fsbatch_add(b, "b3", "three", 5, 0644, &err), 0);
	CHECK_INT(ae_fsbatch_add(b, "b4", "four", 4, 0644, &err), 0);
	CHECK_INT(ae_fsbatch_add(b, "b5", "five", 4, 0644, &err), 0);
	CHECK_INT(ae_fsbatch_commit(b, &err), -1);
	CHECK_STR(err.file, "b4");
	CHECK(strstr(err.text, "rename") != NULL);
	ae_fsbatch_free(b);
	CHECK_INT(count_temps(), 0);
	data = slurp("b3");
	CHECK_STR(data, "three");
	free(data);
	CHECK(slurp("b5") == NULL);
	unlinkat(dfd, "b4", AT_REMOVEDIR);
}

/* A file of a subdirectory and a link to it in the batch's directory: one
 * inode under two names, the link over a leftover of an earlier batch. */
static void test_batch_subdir_link(void)
{
	struct stat a, l;
	ae_fsbatch *b;
	ae_error err;
	char *data;
	int sub;

	CHECK_INT(mkdirat(dfd, "sub", 0755), 0);
	sub = openat(dfd, "sub", O_RDONLY | O_DIRECTORY);
	CHECK(sub >= 0);
	CHECK_INT(ae_fsutil_write_atomic(dfd, "lnk", "stale", 5, 0644, &err),
	          0);
	b = ae_fsbatch_new(dfd);
	CHECK_INT(ae_fsbatch_add_at(b, sub, "own", "shared", 6, 0644, &err), 0);
	CHECK_INT(ae_fsbatch_add_link(b, dfd, "lnk", sub, "own", &err), 0);
	CHECK_INT(ae_fsbatch_add(b, "record", "done", 4, 0644, &err), 0);
	/* nothing under the final names before the commit */
	CHECK_INT(fstatat(sub, "own", &a, 0), -1);
	CHECK_INT(ae_fsbatch_commit(b, &err), 0);
	ae_fsbatch_free(b);
	data = slurp("lnk");
	CHECK_STR(data, "shared");
	free(data);
	CHECK_INT(fstatat(sub, "own", &a, 0), 0);
	CHECK_INT(fstatat(dfd, "lnk", &l, 0), 0);
	CHECK(a.st_ino == l.st_ino && a.st_nlink == 2);
	data = slurp("record");
	CHECK_STR(data, "done");
	free(data);
	unlinkat(sub, "own", 0);
	close(sub);
	unlinkat(dfd, "sub", AT_REMOVEDIR);
	unlinkat(dfd, "lnk", 0);
	unlinkat(dfd, "record", 0);
}

/* A file or directory is never more open than the directory it is made
 * in, and never writable by the group or open to others: what the run's
 * provenance directory allows decides for all below it (ae_sharing). */
static void test_modes(void)
{
	static const struct {
		mode_t dir, asked, got;
	} cases[] = {
	    {0700, AE_FSUTIL_FILE_MODE, 0600},
	    {0750, AE_FSUTIL_FILE_MODE, 0640},
	    {0755, AE_FSUTIL_FILE_MODE, 0640},
	    {0755, 0644, 0640},
	    {0775, 0666, 0640},
	    {0750, 0600, 0600},
	    {0700, AE_FSUTIL_DIR_MODE, 0700},
	    {0750, AE_FSUTIL_DIR_MODE, 0750},
	    {0777, 0777, 0750},
	};
	struct stat st;
	ae_error err;
	ae_fsbatch *b;
	size_t i;
	int sub, fd;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(mkdirat(dfd, "m", 0700), 0);
		CHECK_INT(fchmodat(dfd, "m", cases[i].dir, 0), 0);
		sub = openat(dfd, "m", O_RDONLY | O_DIRECTORY);
		CHECK_INT(ae_fsutil_limit_mode(sub, cases[i].asked),
		          cases[i].got);
		if (cases[i].asked & 0111) { /* a directory's mode */
			close(sub);
			unlinkat(dfd, "m", AT_REMOVEDIR);
			continue;
		}
		/* each way of making a file */
		CHECK_INT(ae_fsutil_write_atomic(sub, "atomic", "x", 1,
		                                 cases[i].asked, &err),
		          0);
		fd = ae_fsutil_open(sub, "opened", O_WRONLY | O_CREAT,
		                    cases[i].asked, &err);
		CHECK(fd >= 0);
		close(fd);
		b = ae_fsbatch_new(sub);
		CHECK_INT(
		    ae_fsbatch_add(b, "batched", "x", 1, cases[i].asked, &err),
		    0);
		CHECK_INT(ae_fsbatch_commit(b, &err), 0);
		ae_fsbatch_free(b);
		CHECK(fstatat(sub, "atomic", &st, 0) == 0 &&
		      (st.st_mode & 0777) == cases[i].got);
		CHECK(fstatat(sub, "opened", &st, 0) == 0 &&
		      (st.st_mode & 0777) == cases[i].got);
		CHECK(fstatat(sub, "batched", &st, 0) == 0 &&
		      (st.st_mode & 0777) == cases[i].got);
		unlinkat(sub, "atomic", 0);
		unlinkat(sub, "opened", 0);
		unlinkat(sub, "batched", 0);
		close(sub);
		unlinkat(dfd, "m", AT_REMOVEDIR);
	}
}

/* A failed write keeps its errno in the error (ae_error.errnum), and a full
 * disk is told from other failures by it. */
static void test_disk_full(void)
{
	char gone[300];
	ae_error err;
	int fd;

	ae_error_clear(&err);
	CHECK(!ae_fsutil_disk_full(&err));
	CHECK(!ae_fsutil_disk_full(NULL));
	err.errnum = ENOSPC;
	CHECK(ae_fsutil_disk_full(&err));
	err.errnum = EDQUOT;
	CHECK(ae_fsutil_disk_full(&err));
	err.errnum = EIO;
	CHECK(!ae_fsutil_disk_full(&err));
	/* a new error has no errno of its own */
	err.errnum = ENOSPC;
	ae_error_set(&err, NULL, 0, 0, NULL, "other");
	CHECK_INT(err.errnum, 0);
	/* a directory removed under us: ENOENT, kept with a prefix */
	snprintf(gone, sizeof(gone), "%s/gone", dir);
	CHECK(mkdir(gone, 0700) == 0);
	fd = open(gone, O_RDONLY | O_DIRECTORY);
	CHECK(rmdir(gone) == 0);
	CHECK(ae_fsutil_write_atomic(fd, "f", "x", 1, 0600, &err) < 0);
	ae_error_prefix(&err, "context");
	CHECK_INT(err.errnum, ENOENT);
	CHECK(!ae_fsutil_disk_full(&err));
	close(fd);
}

int main(void)
{
	umask(022);
	snprintf(dir, sizeof(dir), "%s/ae_fsutil.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	test_atomic();
	test_symlinks();
	test_batch();
	test_batch_subdir_link();
	test_open_read();
	test_modes();
	test_disk_full();
	close(dfd);
	test_rmtree(dir);
	TEST_MAIN_END();
}
