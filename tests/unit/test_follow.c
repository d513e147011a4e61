/* The log follower: driven synchronously (write, then poll) in a temporary
 * directory; no sleeping. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_follow.h"
#include "testutil.h"

#define MAXREC 4096

typedef struct rec {
	int n;
	char *text[MAXREC];
	size_t len[MAXREC];
	uint64_t off[MAXREC];
	uint64_t no[MAXREC];
	int stop_after; /* stop delivery after this many lines (0: never) */
	int nul_ok;     /* every line had line[len] == '\0' */
} rec;

static char dir[256];

static int collect(const char *line, size_t len, uint64_t off, uint64_t no,
                   void *ctx)
{
	rec *r = ctx;

	if (line[len] != '\0')
		r->nul_ok = 0;
	if (r->n < MAXREC) {
		r->text[r->n] = malloc(len + 1);
		memcpy(r->text[r->n], line, len + 1);
		r->len[r->n] = len;
		r->off[r->n] = off;
		r->no[r->n] = no;
	}
	r->n++;
	if (r->stop_after && r->n == r->stop_after)
		return 7;
	return 0;
}

static void rec_init(rec *r)
{
	memset(r, 0, sizeof(*r));
	r->nul_ok = 1;
}

static void rec_clear(rec *r)
{
	int i;

	for (i = 0; i < r->n && i < MAXREC; i++)
		free(r->text[i]);
	rec_init(r);
}

static char *path_of(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void append(const char *name, const void *data, size_t len)
{
	int fd = open(path_of(name), O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		perror("append");
	close(fd);
}

static void appends(const char *name, const char *s)
{
	append(name, s, strlen(s));
}

static void replace(const char *name, const char *s)
{
	int fd = open(path_of(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		perror("replace");
	close(fd);
}

static int poll_rec(ae_follow *f, rec *r)
{
	ae_error err;
	int rc = ae_follow_poll(f, collect, r, &err);

	if (rc < 0)
		fprintf(stderr, "poll: %s\n", err.text);
	return rc;
}

static ae_follow *follow(const char *name, const ae_follow_opts *o)
{
	ae_error err;
	ae_follow *f = ae_follow_new(path_of(name), o, &err);

	if (!f)
		fprintf(stderr, "new: %s\n", err.text);
	return f;
}

static void test_appears_later(void)
{
	rec r;
	ae_follow *f = follow("later/late.log", NULL);

	rec_init(&r);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 0);
	CHECK_INT(ae_follow_is_open(f), 0);
	CHECK(ae_follow_timeout_ms(f) <= 1000);
	mkdir(path_of("later"), 0755);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(ae_follow_is_open(f), 0);
	appends("later/late.log", "first\nsecond\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(ae_follow_is_open(f), 1);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[0], "first");
	CHECK_STR(r.text[1], "second");
	CHECK_INT(r.off[1], 6);
	CHECK_INT(r.no[1], 2);
	CHECK_INT(ae_follow_stats_get(f).opens, 1);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_pieces(void)
{
	rec r;
	ae_follow *f = follow("pieces.log", NULL);
	ae_follow_pos pos;

	rec_init(&r);
	appends("pieces.log", "hel");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 0);
	CHECK_INT(ae_follow_position(f).offset, 0);
	appends("pieces.log", "lo\nwor");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "hello");
	CHECK_INT(ae_follow_position(f).offset, 6);
	appends("pieces.log", "ld");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 1);
	appends("pieces.log", "\n\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.text[1], "world");
	CHECK_INT(r.off[1], 6);
	CHECK_INT(r.no[1], 2);
	CHECK_STR(r.text[2], "");
	CHECK_INT(r.no[2], 3);
	pos = ae_follow_position(f);
	CHECK_INT(pos.offset, 13);
	CHECK_INT(pos.line_no, 3);
	CHECK_INT(ae_follow_stats_get(f).lines, 3);
	CHECK_INT(ae_follow_stats_get(f).bytes, 13);
	/* the last line comes out at the end when draining */
	appends("pieces.log", "tail");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 3);
	CHECK_INT(ae_follow_drain(f, collect, &r, NULL), 0);
	CHECK_INT(r.n, 4);
	CHECK_STR(r.text[3], "tail");
	CHECK_INT(r.off[3], 13);
	CHECK_INT(ae_follow_position(f).offset, 17);
	CHECK(r.nul_ok);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_truncation(void)
{
	rec r;
	ae_follow *f = follow("trunc.log", NULL);

	rec_init(&r);
	appends("trunc.log", "one\ntwo\nthr");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 2);
	replace("trunc.log", "x\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.text[2], "x");
	CHECK_INT(r.off[2], 0);
	CHECK_INT(r.no[2], 1);
	CHECK_INT(ae_follow_stats_get(f).truncations, 1);
	CHECK_INT(ae_follow_stats_get(f).rotations, 0);
	appends("trunc.log", "y\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 4);
	CHECK_STR(r.text[3], "y");
	CHECK_INT(r.no[3], 2);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_rotation(void)
{
	rec r;
	ae_follow *f = follow("rot.log", NULL);
	ae_follow_pos pos;

	rec_init(&r);
	appends("rot.log", "a\n");
	CHECK_INT(poll_rec(f, &r), 0);
	pos = ae_follow_position(f);
	CHECK(rename(path_of("rot.log"), path_of("rot.log.1")) == 0);
	/* still written to after the rename, before the new file: kept */
	appends("rot.log.1", "late\nunfinished");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[1], "late");
	appends("rot.log", "new1\nnew2\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 5);
	CHECK_STR(r.text[2], "unfinished");
	CHECK_INT(r.no[2], 3);
	CHECK_STR(r.text[3], "new1");
	CHECK_INT(r.off[3], 0);
	CHECK_INT(r.no[3], 1);
	CHECK_STR(r.text[4], "new2");
	CHECK_INT(ae_follow_stats_get(f).rotations, 1);
	CHECK(ae_follow_position(f).ino != pos.ino);
	CHECK_INT(ae_follow_position(f).offset, 10);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_deletion(void)
{
	rec r;
	ae_follow *f = follow("del.log", NULL);
	int wfd;

	rec_init(&r);
	wfd = open(path_of("del.log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
	CHECK(write(wfd, "a\n", 2) == 2);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK(unlink(path_of("del.log")) == 0);
	CHECK(write(wfd, "b\n", 2) == 2);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[1], "b");
	CHECK_INT(ae_follow_stats_get(f).deletions, 1);
	CHECK_INT(ae_follow_is_open(f), 1);
	CHECK(write(wfd, "c\n", 2) == 2);
	close(wfd);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 3);
	CHECK_INT(ae_follow_stats_get(f).deletions, 1);
	appends("del.log", "fresh\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 4);
	CHECK_STR(r.text[3], "fresh");
	CHECK_INT(r.no[3], 1);
	CHECK_INT(ae_follow_stats_get(f).rotations, 1);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_cr_nul_utf8(void)
{
	rec r;
	ae_follow *f = follow("bytes.log", NULL);
	static const char data[] = "crlf\r\n"
	                           " 10%\r 20%\r 30%\n"
	                           "\r\n"
	                           "bar\r\r\n"
	                           "a\0b\n"
	                           "\xff\xfe\xc3(\n"
	                           "\r\r\r\n";

	rec_init(&r);
	append("bytes.log", data, sizeof(data) - 1);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 7);
	CHECK_STR(r.text[0], "crlf");
	CHECK_STR(r.text[1], " 30%");
	CHECK_INT(r.off[1], 6);
	CHECK_STR(r.text[2], "");
	CHECK_STR(r.text[3], "");
	CHECK_INT(r.len[4], 3);
	CHECK(memcmp(r.text[4], "a\0b", 3) == 0);
	CHECK_INT(r.len[5], 4);
	CHECK(memcmp(r.text[5], "\xff\xfe\xc3(", 4) == 0);
	CHECK_INT(r.len[6], 0);
	CHECK(r.nul_ok);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_long_line(void)
{
	rec r;
	ae_follow *f = follow("long.log", NULL);
	size_t big = 3 * 1024 * 1024, i;
	char *x = malloc(big);

	rec_init(&r);
	memset(x, 'x', big);
	appends("long.log", "before\n");
	/* written in pieces, so the follower meets it across polls */
	for (i = 0; i < 3; i++) {
		append("long.log", x, big / 3);
		CHECK_INT(poll_rec(f, &r), 0);
		/* the line is not buffered whole: the position stays at
		 * its start */
		CHECK_INT(ae_follow_position(f).offset, 7);
	}
	CHECK_INT(r.n, 1);
	appends("long.log", "\nafter\n");
	append("long.log", x, big); /* one read sees it whole */
	appends("long.log", "\nlast\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.text[1], "after");
	CHECK_INT(r.no[1], 3);
	CHECK_INT(r.off[1], 7 + big + 1);
	CHECK_STR(r.text[2], "last");
	CHECK_INT(r.no[2], 5);
	CHECK_INT(ae_follow_stats_get(f).long_lines, 2);
	CHECK_INT(ae_follow_stats_get(f).bytes, 7 + big + 1 + 6 + big + 1 + 5);
	/* exactly max_line is still delivered */
	append("long.log", x, 1024 * 1024);
	appends("long.log", "\n");
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 4);
	CHECK_INT(r.len[3], 1024 * 1024);
	/* a long last line when draining is counted, not delivered */
	append("long.log", x, big);
	CHECK_INT(ae_follow_drain(f, collect, &r, NULL), 0);
	CHECK_INT(r.n, 4);
	CHECK_INT(ae_follow_stats_get(f).long_lines, 3);
	free(x);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_restart(void)
{
	rec r;
	ae_follow_opts o = {0};
	ae_follow *f = follow("restart.log", NULL);
	ae_follow_pos pos;

	rec_init(&r);
	appends("restart.log", "a\nb\npart");
	CHECK_INT(poll_rec(f, &r), 0);
	pos = ae_follow_position(f);
	CHECK_INT(pos.offset, 4);
	CHECK_INT(pos.line_no, 2);
	ae_follow_free(f);
	rec_clear(&r);

	appends("restart.log", "ial\nc\n");
	o.start = &pos;
	f = follow("restart.log", &o);
	/* before the file is opened, the saved position is reported */
	CHECK_INT(ae_follow_position(f).offset, 4);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[0], "partial");
	CHECK_INT(r.off[0], 4);
	CHECK_INT(r.no[0], 3);
	CHECK_STR(r.text[1], "c");
	CHECK_INT(r.no[1], 4);
	CHECK_INT(ae_follow_stats_get(f).rotations, 0);
	CHECK_INT(ae_follow_stats_get(f).truncations, 0);
	pos = ae_follow_position(f);
	ae_follow_free(f);
	rec_clear(&r);

	/* the same inode, now shorter than the saved offset */
	replace("restart.log", "z\n");
	f = follow("restart.log", &o);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "z");
	CHECK_INT(r.no[0], 1);
	CHECK_INT(ae_follow_stats_get(f).truncations, 1);
	ae_follow_free(f);
	rec_clear(&r);
}

static void test_restart_after_rotation(void)
{
	rec r;
	ae_follow_opts o = {0};
	ae_follow *f = follow("rr.log", NULL);
	ae_follow_pos pos;

	rec_init(&r);
	appends("rr.log", "old1\nold2\n");
	CHECK_INT(poll_rec(f, &r), 0);
	pos = ae_follow_position(f);
	ae_follow_free(f);
	rec_clear(&r);
	/* rotated while the helper was down: the new file is longer than
	 * the saved offset, and must still be read from 0 */
	CHECK(rename(path_of("rr.log"), path_of("rr.log.1")) == 0);
	appends("rr.log", "new1\nnew2\nnew3\n");
	o.start = &pos;
	f = follow("rr.log", &o);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.text[0], "new1");
	CHECK_INT(r.off[0], 0);
	CHECK_INT(r.no[0], 1);
	CHECK_INT(ae_follow_stats_get(f).rotations, 1);
	CHECK(ae_follow_position(f).ino != pos.ino);
	ae_follow_free(f);
	rec_clear(&r);
}

static void test_stop_and_inotify(void)
{
	rec r;
	ae_follow *f = follow("stop.log", NULL);
	struct pollfd pfd;

	rec_init(&r);
	appends("stop.log", "1\n2\n3\n");
	r.stop_after = 1;
	CHECK_INT(poll_rec(f, &r), 7);
	CHECK_INT(r.n, 1);
	CHECK_INT(ae_follow_position(f).offset, 2);
	CHECK_INT(ae_follow_position(f).line_no, 1);
	r.stop_after = 0;
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.text[2], "3");

	/* a write wakes the caller through the inotify fd */
	pfd.fd = ae_follow_fd(f);
	pfd.events = POLLIN;
	CHECK(pfd.fd >= 0);
	CHECK_INT(poll(&pfd, 1, 0), 0);
	appends("stop.log", "4\n");
	CHECK_INT(poll(&pfd, 1, 0), 1);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 4);
	/* and the poll empties it */
	CHECK_INT(poll(&pfd, 1, 0), 0);
	/* a file appearing in the directory does too */
	appends("other-file", "x");
	CHECK_INT(poll(&pfd, 1, 0), 1);
	CHECK_INT(poll_rec(f, &r), 0);
	CHECK_INT(r.n, 4);
	rec_clear(&r);
	ae_follow_free(f);
}

/* Random lines written in random pieces through a tiny block and line limit,
 * so that every path of the buffer handling (compaction, lines across
 * blocks, skipping across blocks) is taken; the result must match. */
static void test_random(void)
{
	ae_follow_opts o = {0};
	rec r;
	ae_follow *f;
	char *data = malloc(200000), *exp[MAXREC];
	size_t len = 0, pos = 0, explen[MAXREC];
	unsigned seed = 12345;
	int nexp = 0, i, ok = 1, skipped = 0;

	o.block_size = 7;
	o.max_line = 40;
	o.no_inotify = 1;
	rec_init(&r);
	while (nexp < 2000) {
		size_t n, k;

		seed = seed * 1103515245 + 12345;
		n = (seed >> 16) % 60;
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			data[len + k] = (char)('a' + (seed >> 16) % 26);
		}
		data[len + n] = '\n';
		if (n <= 40) {
			exp[nexp] = data + len;
			explen[nexp] = n;
			nexp++;
		} else {
			skipped++;
		}
		len += n + 1;
	}
	f = follow("random.log", &o);
	CHECK(ae_follow_fd(f) < 0);
	while (pos < len) {
		size_t chunk;

		seed = seed * 1103515245 + 12345;
		chunk = 1 + (seed >> 16) % 97;
		if (chunk > len - pos)
			chunk = len - pos;
		append("random.log", data + pos, chunk);
		pos += chunk;
		CHECK_INT(poll_rec(f, &r), 0);
	}
	CHECK_INT(r.n, nexp);
	for (i = 0; i < nexp && i < r.n; i++)
		if (r.len[i] != explen[i] ||
		    memcmp(r.text[i], exp[i], explen[i]) != 0)
			ok = 0;
	CHECK(ok);
	CHECK_INT(ae_follow_stats_get(f).long_lines, skipped);
	CHECK_INT(ae_follow_stats_get(f).bytes, len);
	CHECK_INT(ae_follow_position(f).offset, len);
	CHECK_INT(ae_follow_position(f).line_no, nexp + skipped);
	CHECK(r.nul_ok);
	free(data);
	rec_clear(&r);
	ae_follow_free(f);
}

static void test_not_regular(void)
{
	rec r;
	ae_error err;
	ae_follow *f;

	rec_init(&r);
	CHECK(mkfifo(path_of("fifo.log"), 0600) == 0);
	f = follow("fifo.log", NULL);
	/* refused, not hung on */
	CHECK_INT(ae_follow_poll(f, collect, &r, &err), -1);
	CHECK(strstr(err.text, "not a regular file") != NULL);
	ae_follow_free(f);
	CHECK(ae_follow_new("", NULL, &err) == NULL);
	ae_follow_free(NULL);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/ae_follow.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_appears_later();
	test_pieces();
	test_truncation();
	test_rotation();
	test_deletion();
	test_cr_nul_utf8();
	test_long_line();
	test_restart();
	test_restart_after_rotation();
	test_stop_and_inotify();
	test_random();
	test_not_regular();
	test_rmtree(dir);
	TEST_MAIN_END();
}
