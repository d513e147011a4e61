#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ae_fsutil.h"
#include "helper_log.h"

#define LOG_FILE       "helper.log"
#define LINE_MAX_BYTES 4096

static int log_fd = -1;
static int log_stderr;

int helper_log_open(int dirfd, int to_stderr, ae_error *err)
{
	int fd = ae_fsutil_open(dirfd, LOG_FILE, O_WRONLY | O_APPEND | O_CREAT,
	                        AE_FSUTIL_FILE_MODE, err);

	if (fd < 0)
		return -1;
	helper_log_close();
	log_fd = fd;
	log_stderr = to_stderr;
	return 0;
}

void helper_log_set_fd(int fd, int to_stderr)
{
	log_fd = fd;
	log_stderr = to_stderr;
}

int helper_log_fd(void)
{
	return log_fd;
}

void helper_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

/* One line to helper.log, and to stderr when asked or when it is all
 * there is. */
static void emit(int to_stderr, const char *fmt, va_list ap)
{
	char line[LINE_MAX_BYTES];
	struct timeval tv;
	struct tm tm;
	size_t n;
	int k;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line + n, sizeof(line) - n,
	             ".%06ldZ autoexp-helper[%ld]: ", (long)tv.tv_usec,
	             (long)getpid());
	n += k > 0 ? (size_t)k : 0;
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (k < 0)
		k = 0;
	n = n + (size_t)k >= sizeof(line) - 1 ? sizeof(line) - 2
	                                      : n + (size_t)k;
	/* one record per line, whatever the message holds */
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n')
			line[i] = ' ';
	line[n++] = '\n';
	if (log_fd >= 0)
		(void)ae_fsutil_write_all(log_fd, line, n);
	if (to_stderr || log_stderr || log_fd < 0)
		(void)ae_fsutil_write_all(STDERR_FILENO, line, n);
}

void helper_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(0, fmt, ap);
	va_end(ap);
}

void helper_log_alert(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(1, fmt, ap);
	va_end(ap);
}
