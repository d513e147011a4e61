#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Fill err and leave errno as the failing call set it, so callers can test
 * errno == ENOENT after a -1; err keeps it too (ae_fsutil_disk_full). */
static int fail_errno(ae_error *err, const char *name, const char *what, int e)
{
	ae_error_set(err, name, 0, 0, NULL, "%s: %s", what, strerror(e));
	if (err)
		err->errnum = e;
	errno = e;
	return -1;
}

int ae_fsutil_disk_full(const ae_error *err)
{
	return err && (err->errnum == ENOSPC || err->errnum == EDQUOT);
}

mode_t ae_fsutil_limit_mode(int dirfd, mode_t mode)
{
	struct stat st;

	if (fstatat(dirfd, "", &st, AT_EMPTY_PATH) < 0)
		return mode & 0700;
	return mode & (0700 | (st.st_mode & 0050));
}

int ae_fsutil_open(int dirfd, const char *name, int flags, mode_t mode,
                   ae_error *err)
{
	struct stat st;
	int fd, e;

	if (flags & O_CREAT)
		mode = ae_fsutil_limit_mode(dirfd, mode);

	/* O_NONBLOCK so that opening a planted FIFO cannot hang us; it is
	 * cleared again once the file is known to be regular */
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
	            mode);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP &&
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			ae_error_set(err, name, 0, 0, NULL,
			             "is a symlink: refused");
			errno = ELOOP;
			return -1;
		}
		return fail_errno(err, name, "cannot open", e);
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return fail_errno(err, name, "cannot stat", e);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		ae_error_set(err, name, 0, 0, NULL,
		             "not a regular file: refused");
		errno = EINVAL;
		return -1;
	}
	if (!(flags & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		return fail_errno(err, name, "cannot set flags", e);
	}
	return fd;
}

int ae_fsutil_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ae_fsutil_fsync_dir(int dirfd, const char *display, ae_error *err)
{
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != EROFS)
		return fail_errno(err, display, "cannot fsync directory",
		                  errno);
	return 0;
}

/* A name no one else uses: O_EXCL makes a collision a retry, never a
 * clobber, and the dot keeps it out of casual listings. */
int ae_fsutil_create_temp(int dirfd, const char *name, mode_t mode, char *tmp,
                          size_t size, ae_error *err)
{
	static unsigned counter;
	struct timespec ts;
	int attempt, fd;

	mode = ae_fsutil_limit_mode(dirfd, mode);
	for (attempt = 0; attempt < 100; attempt++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((size_t)snprintf(tmp, size, ".%s.tmp.%ld.%u.%lx", name,
		                     (long)getpid(), counter++,
		                     (unsigned long)ts.tv_nsec) >= size)
			return ae_error_set(err, name, 0, 0, NULL,
			                    "file name too long");
		fd = openat(
		    dirfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return fail_errno(
			    err, name, "cannot create temporary file", errno);
	}
	return ae_error_set(
	    err, name, 0, 0, NULL,
	    "cannot create temporary file: too many collisions");
}

int ae_fsutil_write_atomic(int dirfd, const char *name, const void *data,
                           size_t len, mode_t mode, ae_error *err)
{
	char tmp[512];
	int fd, rv = -1;

	fd = ae_fsutil_create_temp(dirfd, name, mode, tmp, sizeof(tmp), err);
	if (fd < 0)
		return -1;
	if (ae_fsutil_write_all(fd, data, len) < 0) {
		fail_errno(err, name, "cannot write", errno);
		goto out;
	}
	if (fsync(fd) < 0) {
		fail_errno(err, name, "cannot fsync", errno);
		goto out;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		fail_errno(err, name, "cannot rename into place", errno);
		goto out;
	}
	tmp[0] = '\0';
	rv = ae_fsutil_fsync_dir(dirfd, name, err);
out:
	close(fd);
	if (tmp[0])
		unlinkat(dirfd, tmp, 0);
	return rv;
}

int ae_fsutil_read_file(int dirfd, const char *name, size_t max, char **data,
                        size_t *len, ae_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t cap, used = 0;
	int fd, rv = -1;

	*data = NULL;
	*len = 0;
	ae_error_clear(err);
	fd = ae_fsutil_open(dirfd, name, O_RDONLY, 0, err);
	if (fd < 0) {
		if (errno == ENOENT) {
			ae_error_clear(err);
			return 0;
		}
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		fail_errno(err, name, "cannot stat", errno);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		ae_error_set(err, name, 0, 0, NULL,
		             "file too large (%jd bytes, at most %zu)",
		             (intmax_t)st.st_size, max);
		goto out;
	}
	/* the size is a hint only: the file may grow while we read */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		ae_error_set(err, name, 0, 0, NULL, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (used == cap) {
			char *nb;

			if (cap > max) {
				ae_error_set(
				    err, name, 0, 0, NULL,
				    "file too large (at most %zu bytes)", max);
				goto out;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				ae_error_set(err, name, 0, 0, NULL,
				             "out of memory");
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail_errno(err, name, "cannot read", errno);
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		ae_error_set(err, name, 0, 0, NULL,
		             "file too large (at most %zu bytes)", max);
		goto out;
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	buf = NULL;
	rv = 1;
out:
	free(buf);
	close(fd);
	return rv;
}
