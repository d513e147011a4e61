#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_safedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_fsutil.h"

static int check_owner(int fd, const char *display_path, uid_t uid,
                       ae_error *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return ae_error_set(err, display_path, 0, 0, NULL,
		                    "cannot stat: %s", strerror(errno));
	if (st.st_uid != uid)
		return ae_error_set(err, display_path, 0, 0, NULL,
		                    "directory is owned by uid %u, not by the "
		                    "job user (uid %u): refused",
		                    (unsigned)st.st_uid, (unsigned)uid);
	return 0;
}

int ae_safedir_openat(int dirfd, const char *name, const char *display_path,
                      uid_t uid, int create, int must_own, ae_error *err)
{
	struct stat st;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT || !create)
			return ae_error_set(err, display_path, 0, 0, NULL,
			                    "cannot access '%s': %s", name,
			                    strerror(errno));
		/* a directory of our own files is as private as its parent */
		if (mkdirat(dirfd, name,
		            must_own ? ae_fsutil_limit_mode(dirfd,
		                                            AE_FSUTIL_DIR_MODE)
		                     : 0755) < 0 &&
		    errno != EEXIST)
			return ae_error_set(err, display_path, 0, 0, NULL,
			                    "cannot create directory '%s': %s",
			                    name, strerror(errno));
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return ae_error_set(err, display_path, 0, 0, NULL,
			                    "cannot access '%s': %s", name,
			                    strerror(errno));
	}
	if (S_ISLNK(st.st_mode) && st.st_uid != uid && st.st_uid != 0)
		return ae_error_set(err, display_path, 0, 0, NULL,
		                    "'%s' is a symlink owned by uid %u, not by "
		                    "the job user (uid %u) or root: refused",
		                    name, (unsigned)st.st_uid, (unsigned)uid);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ae_error_set(err, display_path, 0, 0, NULL,
		                    "cannot open directory '%s': %s", name,
		                    strerror(errno));
	if (must_own && check_owner(fd, display_path, uid, err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int ae_safedir_open(const char *path, uid_t uid, int create, int must_own,
                    ae_error *err)
{
	char *copy = NULL, *comp, *save = NULL;
	int fd = -1, next;

	if (path[0] != '/')
		return ae_error_set(err, path, 0, 0, NULL,
		                    "directory must be an absolute path");
	copy = strdup(path);
	if (!copy)
		return ae_error_set(err, path, 0, 0, NULL, "out of memory");
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ae_error_set(err, path, 0, 0, NULL, "cannot open /: %s",
		             strerror(errno));
		goto out;
	}
	for (comp = strtok_r(copy, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		if (strcmp(comp, ".") == 0)
			continue;
		next = ae_safedir_openat(fd, comp, path, uid, create, 0, err);
		close(fd);
		fd = next;
		if (fd < 0)
			goto out;
	}
	if (must_own && check_owner(fd, path, uid, err) < 0) {
		close(fd);
		fd = -1;
	}
out:
	free(copy);
	return fd;
}
