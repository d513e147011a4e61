#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_safedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_fsutil.h"

/* As the kernel's own limit on symlinks in one lookup. */
#define MAX_LINKS 40

/* One walk: the rules and where it is, for messages. */
typedef struct walk {
	uid_t uid;
	int strict;
	int own_created; /* a created directory keeps autoexp's own files */
	int links;       /* symlinks followed so far */
	const char *display;
	ae_error *err;
	char where[PATH_MAX]; /* the directory reached, as walked */
} walk;

/* where += "/" + name, or where = its parent for "..". */
static void where_push(walk *w, const char *name)
{
	size_t len = strlen(w->where);

	if (!strcmp(name, "..")) {
		char *slash = strrchr(w->where, '/');

		if (slash && slash != w->where)
			*slash = '\0';
		else if (slash)
			slash[1] = '\0';
		return;
	}
	snprintf(w->where + len, sizeof(w->where) - len, "%s%s",
	         len && w->where[len - 1] == '/' ? "" : "/", name);
}

/* With AE_SAFEDIR_STRICT, a directory reached must let no one but the user
 * and root change what it holds. */
static int check_passage(int fd, walk *w)
{
	const char *who;
	struct stat st;

	if (!w->strict)
		return 0;
	if (fstat(fd, &st) < 0)
		return ae_error_set(w->err, w->display, 0, 0, NULL,
		                    "cannot stat %s: %s", w->where,
		                    strerror(errno));
	if (st.st_uid != w->uid && st.st_uid != 0)
		return ae_error_set(
		    w->err, w->display, 0, 0, NULL,
		    "%s is owned by uid %u, neither by the job user (uid %u) "
		    "nor by root: its owner can rename what it holds and put "
		    "a directory of theirs in the place of yours; refused. "
		    "Choose an output directory below directories that only "
		    "you and root can change",
		    w->where, (unsigned)st.st_uid, (unsigned)w->uid);
	if (!(st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_mode & S_ISVTX))
		return 0;
	who = (st.st_mode & S_IWGRP) && (st.st_mode & S_IWOTH)
	          ? "its group and by others"
	      : st.st_mode & S_IWGRP ? "its group"
	                             : "others";
	return ae_error_set(
	    w->err, w->display, 0, 0, NULL,
	    "%s is writable by %s without the sticky bit (mode %04o): "
	    "another user can rename what it holds and put a directory of "
	    "theirs in the place of yours; refused. Set the sticky bit "
	    "('chmod +t %s', by its owner), as shared directories such as "
	    "/tmp have, or choose an output directory below directories "
	    "that only you and root can change",
	    w->where, who, (unsigned)(st.st_mode & 07777), w->where);
}

static int walk_path(int startfd, const char *path, int create, walk *w);

/* The directory `name` of dirfd (an O_PATH fd, or -1 when the walk failed),
 * opened without following; a symlink the user or root owns is resolved by
 * walking its target. */
static int step(int dirfd, const char *name, int create, walk *w)
{
	struct stat st;
	char *target;
	ssize_t n;
	int fd, rv;

	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		/* a directory of our own files is as private as its parent */
		if (mkdirat(dirfd, name,
		            w->own_created ? ae_fsutil_limit_mode(
		                                 dirfd, AE_FSUTIL_DIR_MODE)
		                           : 0755) < 0 &&
		    errno != EEXIST)
			return ae_error_set(w->err, w->display, 0, 0, NULL,
			                    "cannot create directory '%s': %s",
			                    name, strerror(errno));
		fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return ae_error_set(w->err, w->display, 0, 0, NULL,
		                    "cannot access '%s': %s", name,
		                    strerror(errno));
	/* what is judged is what was opened */
	if (fstat(fd, &st) < 0) {
		ae_error_set(w->err, w->display, 0, 0, NULL,
		             "cannot stat '%s': %s", name, strerror(errno));
		goto bad;
	}
	if (S_ISDIR(st.st_mode)) {
		where_push(w, name);
		return fd;
	}
	if (!S_ISLNK(st.st_mode)) {
		ae_error_set(w->err, w->display, 0, 0, NULL,
		             "'%s' is not a directory", name);
		goto bad;
	}
	if (st.st_uid != w->uid && st.st_uid != 0) {
		ae_error_set(w->err, w->display, 0, 0, NULL,
		             "'%s' is a symlink owned by uid %u, not by the "
		             "job user (uid %u) or root: refused",
		             name, (unsigned)st.st_uid, (unsigned)w->uid);
		goto bad;
	}
	if (++w->links > MAX_LINKS) {
		ae_error_set(w->err, w->display, 0, 0, NULL,
		             "'%s': too many levels of symbolic links", name);
		goto bad;
	}
	/* the target of this link, not of whatever has its name by now
	 * (on the heap: a chain of links nests this call) */
	if (!(target = malloc(PATH_MAX))) {
		ae_error_set(w->err, w->display, 0, 0, NULL, "out of memory");
		goto bad;
	}
	n = readlinkat(fd, "", target, PATH_MAX);
	close(fd);
	if (n < 0 || n >= PATH_MAX) {
		ae_error_set(w->err, w->display, 0, 0, NULL,
		             "cannot read the symlink '%s': %s", name,
		             n < 0 ? strerror(errno) : "too long");
		free(target);
		return -1;
	}
	target[n] = '\0';
	rv = walk_path(dirfd, target, 0, w);
	free(target);
	return rv;
bad:
	close(fd);
	return -1;
}

/* Walk `path` from startfd (an absolute path: from /). Returns an O_PATH
 * fd of the directory reached, or -1 with the error set. */
static int walk_path(int startfd, const char *path, int create, walk *w)
{
	char *copy, *comp, *save = NULL;
	int fd, next;

	if (path[0] == '/') {
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(w->where, sizeof(w->where), "/");
		if (fd >= 0 && check_passage(fd, w) < 0) {
			close(fd);
			return -1;
		}
	} else {
		fd = fcntl(startfd, F_DUPFD_CLOEXEC, 0);
	}
	if (fd < 0)
		return ae_error_set(
		    w->err, w->display, 0, 0, NULL, "cannot open %s: %s",
		    path[0] == '/' ? "/" : "the directory", strerror(errno));
	copy = strdup(path);
	if (!copy) {
		close(fd);
		return ae_error_set(w->err, w->display, 0, 0, NULL,
		                    "out of memory");
	}
	for (comp = strtok_r(copy, "/", &save); comp;
	     comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, "."))
			continue;
		next = step(fd, comp, create, w);
		close(fd);
		fd = next;
		if (fd < 0)
			break;
		if (check_passage(fd, w) < 0) {
			close(fd);
			fd = -1;
			break;
		}
	}
	free(copy);
	return fd;
}

/* The O_PATH fd of a walk opened for use, with the owner checked. */
static int finish(int pfd, int checks, walk *w)
{
	struct stat st;
	int fd;

	if (pfd < 0)
		return -1;
	/* the same directory: "." is no name anyone can swap */
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return ae_error_set(w->err, w->display, 0, 0, NULL,
		                    "cannot open directory %s: %s", w->where,
		                    strerror(errno));
	if (!(checks & AE_SAFEDIR_OWN))
		return fd;
	if (fstat(fd, &st) < 0) {
		ae_error_set(w->err, w->display, 0, 0, NULL, "cannot stat: %s",
		             strerror(errno));
		goto bad;
	}
	if (st.st_uid != w->uid) {
		ae_error_set(w->err, w->display, 0, 0, NULL,
		             "directory is owned by uid %u, not by the job "
		             "user (uid %u): refused",
		             (unsigned)st.st_uid, (unsigned)w->uid);
		goto bad;
	}
	return fd;
bad:
	close(fd);
	return -1;
}

static walk *walk_new(uid_t uid, int checks, const char *display, ae_error *err)
{
	walk *w = calloc(1, sizeof(*w));

	if (!w) {
		ae_error_set(err, display, 0, 0, NULL, "out of memory");
		return NULL;
	}
	w->uid = uid;
	w->strict = !!(checks & AE_SAFEDIR_STRICT);
	w->display = display;
	w->err = err;
	ae_error_clear(err);
	return w;
}

int ae_safedir_open(const char *path, uid_t uid, int create, int checks,
                    ae_error *err)
{
	walk *w;
	int fd, saved;

	if (path[0] != '/')
		return ae_error_set(err, path, 0, 0, NULL,
		                    "directory must be an absolute path");
	if (!(w = walk_new(uid, checks, path, err)))
		return -1;
	fd = finish(walk_path(-1, path, create, w), checks, w);
	saved = errno;
	free(w);
	errno = saved;
	return fd;
}

int ae_safedir_openat(int dirfd, const char *name, const char *display_path,
                      uid_t uid, int create, int checks, ae_error *err)
{
	const char *p;
	walk *w;
	int fd, saved;

	for (p = name; *p; p = *p ? p + 1 : p) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return ae_error_set(
			    err, display_path, 0, 0, NULL,
			    "'%s' leaves its directory: refused", name);
		p = strchrnul(p, '/');
	}
	if (name[0] == '/' || !name[0])
		return ae_error_set(err, display_path, 0, 0, NULL,
		                    "'%s' is not a relative path", name);
	if (!(w = walk_new(uid, checks, display_path, err)))
		return -1;
	/* below a directory of ours (openat), what we create is ours */
	w->own_created = !!(checks & AE_SAFEDIR_OWN);
	/* messages name the directories reached from display_path, which
	 * names the result: start from its parent's name */
	snprintf(w->where, sizeof(w->where), "%s", display_path);
	if (strlen(display_path) > strlen(name) + 1 &&
	    !strcmp(display_path + strlen(display_path) - strlen(name), name) &&
	    display_path[strlen(display_path) - strlen(name) - 1] == '/')
		w->where[strlen(display_path) - strlen(name) - 1] = '\0';
	fd = finish(walk_path(dirfd, name, create, w), checks, w);
	saved = errno;
	free(w);
	errno = saved;
	return fd;
}
