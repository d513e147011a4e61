#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr, when built without config.h */
#endif

#include "ae_follow.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_LINE    (1024 * 1024)
#define DEFAULT_BLOCK       (256 * 1024)
#define DEFAULT_INTERVAL_MS 1000
/* A leftover partial line up to this size is moved to the front of the
 * buffer after each block, so reading stays in the first block or so (warm
 * in cache, few resident pages) unless lines are really long. */
#define COMPACT_BELOW (64 * 1024)

struct ae_follow {
	char *path;
	char *dir;
	size_t max_line;
	size_t block;
	int interval_ms;

	int ifd;     /* inotify, or -1 */
	int dir_wd;  /* watch on the directory of path, or -1 */
	int file_wd; /* watch on the open file, or -1 */
	uint64_t last_check_ms;

	int fd; /* the file being read, or -1 while waiting */
	uint64_t dev, ino;
	int deleted; /* its deletion was counted */

	/* buf[start, end) is read but not consumed; lines are searched from
	 * scan on; buf[0] is at file offset buf_off. One byte past cap - 1 is
	 * kept free for the '\0' after a final line. */
	char *buf;
	size_t cap, start, scan, end;
	uint64_t buf_off;
	int skipping;      /* inside a line longer than max_line */
	uint64_t skip_off; /* where that line starts */
	uint64_t line_no;

	int have_start;
	ae_follow_pos start_pos;
	ae_follow_stats stats;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

ae_follow *ae_follow_new(const char *path, const ae_follow_opts *opts,
                         ae_error *err)
{
	ae_follow *f;
	char *copy = NULL;

	if (!path || !*path) {
		ae_error_set(err, NULL, 0, 0, NULL, "log path is empty");
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		goto oom;
	f->fd = -1;
	f->ifd = -1;
	f->dir_wd = -1;
	f->file_wd = -1;
	f->max_line =
	    opts && opts->max_line ? opts->max_line : DEFAULT_MAX_LINE;
	f->block = opts && opts->block_size ? opts->block_size : DEFAULT_BLOCK;
	f->interval_ms = opts && opts->stat_interval_ms > 0
	                     ? opts->stat_interval_ms
	                     : DEFAULT_INTERVAL_MS;
	if (opts && opts->start &&
	    (opts->start->ino || opts->start->offset || opts->start->line_no)) {
		f->have_start = 1;
		f->start_pos = *opts->start;
	}
	f->path = strdup(path);
	copy = strdup(path);
	if (!f->path || !copy)
		goto oom;
	f->dir = strdup(dirname(copy));
	if (!f->dir)
		goto oom;
	free(copy);
	/* Without inotify (no instances left, say) the periodic check alone
	 * still follows the file, one second late at worst. */
	if (!(opts && opts->no_inotify))
		f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	f->last_check_ms = now_ms();
	return f;
oom:
	free(copy);
	ae_follow_free(f);
	ae_error_set(err, path, 0, 0, NULL, "out of memory");
	return NULL;
}

void ae_follow_free(ae_follow *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	if (f->ifd >= 0)
		close(f->ifd);
	free(f->buf);
	free(f->path);
	free(f->dir);
	free(f);
}

int ae_follow_fd(const ae_follow *f)
{
	return f->ifd;
}

int ae_follow_timeout_ms(const ae_follow *f)
{
	uint64_t now = now_ms(),
	         due = f->last_check_ms + (uint64_t)f->interval_ms;

	return now >= due ? 0 : (int)(due - now);
}

int ae_follow_is_open(const ae_follow *f)
{
	return f->fd >= 0;
}

ae_follow_pos ae_follow_position(const ae_follow *f)
{
	ae_follow_pos pos = {0, 0, 0, 0};

	if (f->fd < 0) {
		if (f->have_start)
			pos = f->start_pos;
		return pos;
	}
	pos.dev = f->dev;
	pos.ino = f->ino;
	pos.offset = f->skipping ? f->skip_off : f->buf_off + f->start;
	pos.line_no = f->line_no;
	return pos;
}

ae_follow_stats ae_follow_stats_get(const ae_follow *f)
{
	return f->stats;
}

static void watch_dir(ae_follow *f)
{
	if (f->ifd < 0 || f->dir_wd >= 0)
		return;
	/* the directory may not exist yet: tried again at every check */
	f->dir_wd = inotify_add_watch(f->ifd, f->dir,
	                              IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
	                                  IN_DELETE | IN_DELETE_SELF |
	                                  IN_MOVE_SELF | IN_ONLYDIR);
}

static void watch_file(ae_follow *f)
{
	int wd;

	if (f->ifd < 0)
		return;
	wd = inotify_add_watch(f->ifd, f->path,
	                       IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF |
	                           IN_DELETE_SELF);
	if (f->file_wd >= 0 && f->file_wd != wd)
		inotify_rm_watch(f->ifd, f->file_wd);
	f->file_wd = wd;
}

/* The events only wake the caller up: every poll checks everything anyway,
 * so all that matters here is to empty the queue and notice lost watches. */
static void drain_inotify(ae_follow *f)
{
	char ebuf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (f->ifd < 0)
		return;
	while ((n = read(f->ifd, ebuf, sizeof(ebuf))) > 0) {
		char *p = ebuf;

		while (p < ebuf + n) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->mask & IN_IGNORED) {
				if (ev->wd == f->dir_wd)
					f->dir_wd = -1;
				if (ev->wd == f->file_wd)
					f->file_wd = -1;
			} else if (ev->wd == f->dir_wd &&
			           (ev->mask &
			            (IN_DELETE_SELF | IN_MOVE_SELF))) {
				/* the directory went away: watch the new
				 * one at the path when it comes */
				inotify_rm_watch(f->ifd, f->dir_wd);
				f->dir_wd = -1;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void reset_buffer(ae_follow *f, uint64_t off)
{
	f->buf_off = off;
	f->start = f->scan = f->end = 0;
	f->skipping = 0;
}

/* Open the file at the path. 1: opened; 0: not there (yet); -1: error. */
static int open_file(ae_follow *f, ae_error *err)
{
	struct stat st;
	int fd;

	if (!f->buf) {
		f->cap = f->max_line + f->block + 2;
		f->buf = malloc(f->cap);
		if (!f->buf)
			return ae_error_set(err, f->path, 0, 0, NULL,
			                    "out of memory");
	}
	/* O_NONBLOCK: a FIFO at the path must not hang the helper */
	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ae_error_set(err, f->path, 0, 0, NULL,
		                    "cannot open log: %s", strerror(errno));
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		return ae_error_set(err, f->path, 0, 0, NULL,
		                    "cannot stat log: %s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return ae_error_set(err, f->path, 0, 0, NULL,
		                    "log is not a regular file");
	}
	f->fd = fd;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->deleted = 0;
	f->line_no = 0;
	f->stats.opens++;
	reset_buffer(f, 0);
	if (f->have_start) {
		f->have_start = 0;
		if (f->start_pos.ino != f->ino)
			f->stats.rotations++;
		else if ((uint64_t)st.st_size < f->start_pos.offset)
			f->stats.truncations++;
		else {
			f->buf_off = f->start_pos.offset;
			f->line_no = f->start_pos.line_no;
		}
	}
	watch_file(f);
	return 1;
}

static void close_file(ae_follow *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* Hand out one line, buf[s, s + len), after the CR rules of the header. The
 * byte after the delivered text is overwritten with '\0': it is either the
 * '\r' or '\n' that ends it or the spare byte after the data. */
static int emit(ae_follow *f, size_t s, size_t len, size_t consumed,
                ae_follow_line_fn cb, void *ctx)
{
	char *p = f->buf + s, *e = p + len, *cr;
	uint64_t off = f->buf_off + s;

	if (e > p && e[-1] == '\r')
		e--;
	cr = e > p ? memrchr(p, '\r', (size_t)(e - p)) : NULL;
	if (cr)
		p = cr + 1;
	*e = '\0';
	f->line_no++;
	f->stats.lines++;
	f->stats.bytes += consumed;
	return cb(p, (size_t)(e - p), off, f->line_no, ctx);
}

/* Deliver every complete line in the buffer. */
static int deliver_lines(ae_follow *f, ae_follow_line_fn cb, void *ctx)
{
	for (;;) {
		char *nl = memchr(f->buf + f->scan, '\n', f->end - f->scan);
		size_t len, next;
		int rc;

		if (!nl) {
			if (f->skipping || f->end - f->start > f->max_line) {
				/* too long already: forget it, keep
				 * looking for its end */
				if (!f->skipping)
					f->skip_off = f->buf_off + f->start;
				f->skipping = 1;
				f->stats.bytes += f->end - f->start;
				f->buf_off += f->end;
				f->start = f->scan = f->end = 0;
			} else {
				f->scan = f->end;
			}
			return 0;
		}
		next = (size_t)(nl - f->buf) + 1;
		len = next - 1 - f->start;
		if (f->skipping || len > f->max_line) {
			f->skipping = 0;
			f->line_no++;
			f->stats.long_lines++;
			f->stats.bytes += next - f->start;
			f->start = f->scan = next;
			continue;
		}
		rc = emit(f, f->start, len, next - f->start, cb, ctx);
		f->start = f->scan = next;
		if (rc)
			return rc;
	}
}

/* The last line of a file that has no '\n' (drain, or the file was
 * replaced). */
static int flush_partial(ae_follow *f, ae_follow_line_fn cb, void *ctx)
{
	size_t len = f->end - f->start;
	int rc = 0;

	if (f->skipping) {
		f->skipping = 0;
		f->line_no++;
		f->stats.long_lines++;
		f->stats.bytes += len;
	} else if (len > 0) {
		rc = emit(f, f->start, len, len, cb, ctx);
	}
	f->buf_off += f->end;
	f->start = f->scan = f->end = 0;
	return rc;
}

/* Read the next block. >0: bytes read; 0: end of file; -1: error. */
static ssize_t read_block(ae_follow *f, ae_error *err)
{
	size_t keep = f->end - f->start;
	ssize_t n;

	if (f->start > 0 &&
	    (keep <= COMPACT_BELOW || f->cap - f->end < f->block + 1)) {
		memmove(f->buf, f->buf + f->start, keep);
		f->buf_off += f->start;
		f->scan -= f->start;
		f->end = keep;
		f->start = 0;
	}
	do
		n = pread(f->fd, f->buf + f->end, f->cap - 1 - f->end,
		          (off_t)(f->buf_off + f->end));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ae_error_set(err, f->path, 0, 0, NULL,
		                    "cannot read log: %s", strerror(errno));
	f->end += (size_t)n;
	return n;
}

static int step(ae_follow *f, int final, ae_follow_line_fn cb, void *ctx,
                ae_error *err)
{
	struct stat fst, pst;
	int rc;

	drain_inotify(f);
	watch_dir(f);
	f->last_check_ms = now_ms();
	if (f->fd < 0) {
		rc = open_file(f, err);
		if (rc <= 0)
			return rc;
	}
	for (;;) {
		ssize_t n;

		do {
			rc = deliver_lines(f, cb, ctx);
			if (rc)
				return rc;
			n = read_block(f, err);
			if (n < 0)
				return -1;
		} while (n > 0);

		if (fstat(f->fd, &fst) < 0)
			return ae_error_set(err, f->path, 0, 0, NULL,
			                    "cannot stat log: %s",
			                    strerror(errno));
		if ((uint64_t)fst.st_size < f->buf_off + f->end) {
			/* what was not delivered yet is gone with the
			 * old content */
			f->stats.truncations++;
			f->line_no = 0;
			reset_buffer(f, 0);
			continue;
		}
		if (fst.st_nlink == 0 && !f->deleted) {
			f->deleted = 1;
			f->stats.deletions++;
		}
		if (stat(f->path, &pst) < 0 || !S_ISREG(pst.st_mode) ||
		    ((uint64_t)pst.st_ino == f->ino &&
		     (uint64_t)pst.st_dev == f->dev))
			break;
		/* another file at the path: the old one was read to its
		 * end above, its last line is complete by now */
		rc = flush_partial(f, cb, ctx);
		if (rc)
			return rc;
		close_file(f);
		f->stats.rotations++;
		rc = open_file(f, err);
		if (rc <= 0)
			return rc;
	}
	if (final)
		return flush_partial(f, cb, ctx);
	return 0;
}

int ae_follow_poll(ae_follow *f, ae_follow_line_fn cb, void *ctx, ae_error *err)
{
	return step(f, 0, cb, ctx, err);
}

int ae_follow_drain(ae_follow *f, ae_follow_line_fn cb, void *ctx,
                    ae_error *err)
{
	return step(f, 1, cb, ctx, err);
}
