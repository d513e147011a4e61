#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_fsbatch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_fsutil.h"

typedef struct fsbatch_file {
	char *name;
	char tmp[512];
	int fd;         /* -1 for a link */
	int dirfd;      /* its directory (borrowed) */
	int link_dirfd; /* a link: the file it names (added before) */
	char *link_name;
} fsbatch_file;

struct ae_fsbatch {
	int dirfd;
	fsbatch_file *files;
	size_t n, cap;
};

ae_fsbatch *ae_fsbatch_new(int dirfd)
{
	ae_fsbatch *b = calloc(1, sizeof(*b));

	if (b)
		b->dirfd = dirfd;
	return b;
}

static int fail(ae_error *err, const char *name, const char *what, int e)
{
	return ae_error_set(err, name, 0, 0, NULL, "%s: %s", what, strerror(e));
}

/* A cleared entry at the end of the batch (not counted yet), or NULL with
 * err set. */
static fsbatch_file *next_entry(ae_fsbatch *b, const char *name, ae_error *err)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		fsbatch_file *files = realloc(b->files, cap * sizeof(*files));

		if (!files) {
			ae_error_set(err, name, 0, 0, NULL, "out of memory");
			return NULL;
		}
		b->files = files;
		b->cap = cap;
	}
	memset(&b->files[b->n], 0, sizeof(b->files[b->n]));
	return &b->files[b->n];
}

int ae_fsbatch_add(ae_fsbatch *b, const char *name, const void *data,
                   size_t len, mode_t mode, ae_error *err)
{
	return ae_fsbatch_add_at(b, b->dirfd, name, data, len, mode, err);
}

int ae_fsbatch_add_at(ae_fsbatch *b, int dirfd, const char *name,
                      const void *data, size_t len, mode_t mode, ae_error *err)
{
	fsbatch_file *f;

	f = next_entry(b, name, err);
	if (!f)
		return -1;
	f->name = strdup(name);
	if (!f->name)
		return ae_error_set(err, name, 0, 0, NULL, "out of memory");
	f->dirfd = dirfd;
	f->fd = ae_fsutil_create_temp(dirfd, name, mode, f->tmp, sizeof(f->tmp),
	                              err);
	if (f->fd < 0) {
		free(f->name);
		return -1;
	}
	b->n++;
	if (ae_fsutil_write_all(f->fd, data, len) < 0)
		return fail(err, name, "cannot write", errno);
#ifdef SYNC_FILE_RANGE_WRITE
	/* only a hint that starts writeback now; durability is the fsync's */
	(void)sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
	return 0;
}

int ae_fsbatch_add_link(ae_fsbatch *b, int dirfd, const char *name,
                        int target_dirfd, const char *target_name,
                        ae_error *err)
{
	fsbatch_file *f;

	f = next_entry(b, name, err);
	if (!f)
		return -1;
	f->fd = -1;
	f->dirfd = dirfd;
	f->link_dirfd = target_dirfd;
	f->name = strdup(name);
	f->link_name = strdup(target_name);
	if (!f->name || !f->link_name) {
		free(f->name);
		free(f->link_name);
		return ae_error_set(err, name, 0, 0, NULL, "out of memory");
	}
	b->n++;
	return 0;
}

/* Largest file copied where a hard link cannot be made. */
#define FSBATCH_COPY_MAX (64u * 1024u * 1024u)

/* Put a link entry in place: a hard link to the file it names (in place by
 * now), over a name left by an earlier, unfinished batch. A file system
 * without hard links between directories (some parallel file systems) gets
 * a durable copy instead. */
static int place_link(const fsbatch_file *f, ae_error *err)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int rv;

	if (linkat(f->link_dirfd, f->link_name, f->dirfd, f->name, 0) == 0)
		return 0;
	if (errno == EEXIST && unlinkat(f->dirfd, f->name, 0) == 0 &&
	    linkat(f->link_dirfd, f->link_name, f->dirfd, f->name, 0) == 0)
		return 0;
	if (ae_fsutil_read_file(f->link_dirfd, f->link_name, FSBATCH_COPY_MAX,
	                        &data, &len, err) <= 0)
		return ae_error_isset(err)
		           ? -1
		           : fail(err, f->name, "cannot link into place",
		                  ENOENT);
	/* the copy is as private as the file it stands for (job_script.sh) */
	rv = ae_fsutil_write_atomic(
	    f->dirfd, f->name, data, len,
	    fstatat(f->link_dirfd, f->link_name, &st, AT_SYMLINK_NOFOLLOW) == 0
	        ? st.st_mode & 0777
	        : 0600,
	    err);
	free(data);
	return rv;
}

int ae_fsbatch_commit(ae_fsbatch *b, ae_error *err)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->files[i].fd >= 0 && fsync(b->files[i].fd) < 0)
			return fail(err, b->files[i].name, "cannot fsync",
			            errno);
	for (i = 0; i < b->n; i++) {
		fsbatch_file *f = &b->files[i];

		if (f->fd < 0) {
			if (place_link(f, err) < 0)
				return -1;
			continue;
		}
		if (renameat(f->dirfd, f->tmp, f->dirfd, f->name) < 0)
			return fail(err, f->name, "cannot rename into place",
			            errno);
		f->tmp[0] = '\0';
	}
	/* each directory once, the batch's own (holding the commit record)
	 * last */
	for (i = 0; i < b->n; i++) {
		fsbatch_file *f = &b->files[i];
		size_t j;

		for (j = i + 1; j < b->n; j++)
			if (b->files[j].dirfd == f->dirfd)
				break;
		if (j == b->n && f->dirfd != b->dirfd &&
		    ae_fsutil_fsync_dir(f->dirfd, f->name, err) < 0)
			return -1;
	}
	for (i = b->n; i-- > 0;)
		if (b->files[i].dirfd == b->dirfd)
			return ae_fsutil_fsync_dir(b->dirfd, b->files[i].name,
			                           err);
	return 0;
}

void ae_fsbatch_free(ae_fsbatch *b)
{
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->n; i++) {
		if (b->files[i].tmp[0])
			unlinkat(b->files[i].dirfd, b->files[i].tmp, 0);
		if (b->files[i].fd >= 0)
			close(b->files[i].fd);
		free(b->files[i].name);
		free(b->files[i].link_name);
	}
	free(b->files);
	free(b);
}
