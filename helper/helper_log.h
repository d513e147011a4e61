/* The helper's own log, {provenance}/helper.log: one timestamped line per
 * call, written with a single write(2) on an O_APPEND descriptor, so the
 * supervisor's and the worker's lines never interleave within a line. A
 * line that cannot be written (a full disk) is lost: helper_log_alert says
 * what matters on stderr as well. */
#ifndef HELPER_LOG_H
#define HELPER_LOG_H

#include "ae_error.h"

/* Open dirfd/helper.log for appending (created AE_FSUTIL_FILE_MODE, as
 * private as its directory). With to_stderr, every line is copied to stderr
 * too (--foreground). 0 or -1 with err set. */
int helper_log_open(int dirfd, int to_stderr, ae_error *err);
/* Use an already open descriptor (the worker inherits the supervisor's). */
void helper_log_set_fd(int fd, int to_stderr);
int helper_log_fd(void);
void helper_log_close(void);

/* "2026-01-01T10:00:00.123456Z autoexp-helper[pid]: text" */
void helper_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, for a condition that holds back the helper's work (its journal
 * or its state cannot be written: a full disk), also on stderr, since
 * helper.log is most likely on that same disk. Under the plugin stderr is
 * a pipe that the plugin reads at the job's end into slurmd's log
 * (spank/helper_launch.c); writes that would block are dropped. */
void helper_log_alert(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif /* HELPER_LOG_H */
