/* ae_follow: follow a growing log file (the job's Megatron log), line by
 * line, the way `tail -F` would, without threads: the caller polls
 * ae_follow_fd() (inotify) with ae_follow_timeout_ms() as the timeout and then
 * calls ae_follow_poll(), which reads whatever is there and hands each
 * complete line to a callback.
 *
 * A file is its inode. The follower
 * - waits for a file that does not exist yet (and for its directory);
 * - restarts at offset 0 when the file shrinks below what was read
 *   (truncation; a truncation followed by a rewrite past the old offset
 *   between two checks cannot be seen, as with every size-based follower);
 * - on rotation (another inode at the path) reads the old file to its end,
 *   delivers its last unfinished line, then switches to the new file at 0;
 * - on deletion (the open file has no links left) keeps reading the open fd
 *   and switches when a new file appears at the path;
 * - delivers a line only once its '\n' arrived (or at the end when draining
 *   or switching files), so a line written in pieces comes out whole;
 * - bounds line length (1 MiB by default): a longer line is skipped (counted
 *   in stats.long_lines and in the line numbers), never buffered whole.
 *
 * Line content. Lines are bytes with a length: NUL bytes and invalid UTF-8 are
 * passed on as they are (matching is the caller's business), and line[len] is
 * always '\0' for the convenience of C string users. The '\n' is removed, and
 * so is one '\r' before it (CRLF). A '\r' inside a line is a terminal redraw
 * (progress bars write "\r 10%\r 20%\r 30%\n"): only the text after the last
 * '\r' is delivered, since that is what a terminal would show and what the
 * program last meant. The offset given with a line is that of its first byte
 * in the file (before any redraw), and line numbers count '\n's.
 *
 * Cost: the file is read in large blocks (256 KiB by default) with pread,
 * lines are found with memchr and handed out from the read buffer without a
 * copy; memory stays at about max_line + block size, whatever the log size.
 * While the log is quiet the caller wakes up at most once per
 * stat_interval_ms (the periodic check, which also covers network file
 * systems where inotify says nothing); inotify watches the open file for
 * writes and its directory only for names appearing, moving and going.
 *
 * The path is opened like any file the job user names (a symlink to the log
 * is followed); only regular files are read.
 */
#ifndef AE_FOLLOW_H
#define AE_FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "ae_error.h"

/* Where the follower is: the file (dev, ino) and how far it has consumed it.
 * offset is the first byte not yet delivered (or skipped), line_no the number
 * of lines delivered or skipped in this file so far (the next line has
 * line_no + 1). Saved across helper restarts. */
typedef struct ae_follow_pos {
	uint64_t dev;
	uint64_t ino;
	uint64_t offset;
	uint64_t line_no;
} ae_follow_pos;

typedef struct ae_follow_opts {
	size_t max_line;      /* longest line delivered, bytes; 0: 1 MiB */
	size_t block_size;    /* read size; 0: 256 KiB */
	int stat_interval_ms; /* periodic check; 0: 1000 */
	int no_inotify;       /* rely on the periodic check only */
	/* Start at a saved position (copied; NULL: the start of the file).
	 * Used for the first file opened only: when the file at the path has
	 * the saved inode and is at least offset bytes long, reading resumes
	 * there; when it is shorter it is read from 0 and counted as a
	 * truncation; another inode is read from 0 and counted as a rotation.
	 * Only st_ino is compared: st_dev of the same file on a network file
	 * system differs between the nodes a requeued job may run on. */
	const ae_follow_pos *start;
} ae_follow_opts;

typedef struct ae_follow_stats {
	uint64_t lines;       /* lines delivered */
	uint64_t bytes;       /* bytes consumed (delivered or skipped) */
	uint64_t long_lines;  /* lines longer than max_line, skipped */
	uint64_t rotations;   /* switches to another inode at the path */
	uint64_t truncations; /* restarts at 0 because the file shrank */
	uint64_t deletions;   /* times the open file lost its last link */
	uint64_t opens;       /* files opened */
} ae_follow_stats;

typedef struct ae_follow ae_follow;

/* Called for each line: `line` (len bytes, line[len] == '\0') is valid only
 * during the call. offset is the file offset of the line's first byte,
 * line_no its 1-based number in the current file. Return 0 to go on; any
 * other value stops the delivery: the poll returns that value and the
 * position is just after this line, so the next poll goes on from there. */
typedef int (*ae_follow_line_fn)(const char *line, size_t len, uint64_t offset,
                                 uint64_t line_no, void *ctx);

/* Start following path (the file need not exist yet; nothing is read until
 * the first poll). opts may be NULL. Returns a new follower (caller frees
 * with ae_follow_free) or NULL with err set. */
ae_follow *ae_follow_new(const char *path, const ae_follow_opts *opts,
                         ae_error *err);

void ae_follow_free(ae_follow *f);

/* The inotify fd to poll for POLLIN, or -1 when inotify is not available (or
 * disabled): then poll on the timeout alone. */
int ae_follow_fd(const ae_follow *f);

/* The timeout for poll(), in ms, until the next periodic check is due. */
int ae_follow_timeout_ms(const ae_follow *f);

/* Read what is available (up to the current end of the file, following
 * truncation, rotation and deletion as described above) and call cb for each
 * complete line. Returns 0, the callback's non-zero value when it stopped,
 * or -1 with err set (an I/O error; the follower can be polled again). */
int ae_follow_poll(ae_follow *f, ae_follow_line_fn cb, void *ctx,
                   ae_error *err);

/* Like ae_follow_poll, then deliver the last line even without its '\n'
 * (job end). What is appended later is read as a new line. */
int ae_follow_drain(ae_follow *f, ae_follow_line_fn cb, void *ctx,
                    ae_error *err);

/* The position to save. Before the first file is opened this is the saved
 * start position (or zeros). */
ae_follow_pos ae_follow_position(const ae_follow *f);

ae_follow_stats ae_follow_stats_get(const ae_follow *f);

/* 1 while a file is open, 0 while waiting for one. */
int ae_follow_is_open(const ae_follow *f);

#endif /* AE_FOLLOW_H */
