#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ae_fsutil.h"

/* Largest holder record read back for a message. */
#define HOLDER_MAX 1024

/* "job 12 (started 2026-12-03 10:00:00 UTC on node1)", from the holder's
 * record; "another job" when it cannot be read (it may be writing it). */
static void describe_holder(int fd, char *buf, size_t size)
{
	char text[HOLDER_MAX + 1], when[64] = "";
	const char *job, *host;
	json_t *rec;
	ssize_t n = pread(fd, text, HOLDER_MAX, 0);
	time_t t;
	struct tm tm;

	snprintf(buf, size, "another job");
	if (n <= 0)
		return;
	text[n] = '\0';
	rec = json_loads(text, 0, NULL);
	job = json_string_value(json_object_get(rec, "job_id"));
	host = json_string_value(json_object_get(rec, "host"));
	t = (time_t)json_integer_value(json_object_get(rec, "start_time"));
	if (t > 0 && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (job)
		snprintf(buf, size, "job %.32s (started %s%s%.64s)", job,
		         when[0] ? when : "at an unknown time",
		         host ? " on " : "", host ? host : "");
	json_decref(rec);
}

static int write_holder(int fd, const char *job_id, long long now,
                        const char *host)
{
	json_t *rec = json_pack("{s:s?, s:I, s:s?}", "job_id", job_id,
	                        "start_time", (json_int_t)now, "host", host);
	char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	size_t len = text ? strlen(text) : 0;
	int rv = -1;

	/* not fsynced: the record only serves messages while the lock is
	 * held, and a crash releases the lock anyway */
	if (text && ftruncate(fd, 0) == 0 &&
	    pwrite(fd, text, len, 0) == (ssize_t)len &&
	    pwrite(fd, "\n", 1, (off_t)len) == 1)
		rv = 0;
	free(text);
	json_decref(rec);
	return rv;
}

int ae_runlock_take(int prov_fd, const char *prov_dir, uid_t uid,
                    const char *job_id, long long now, const char *host,
                    int *held, ae_error *err)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char holder[256];
	struct stat st;
	int fd;

	*held = 0;
	fd = ae_fsutil_open(prov_fd, AE_RUNLOCK_FILE, O_RDWR | O_CREAT, 0644,
	                    err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != uid) {
		close(fd);
		return ae_error_set(err, prov_dir, 0, 0, NULL,
		                    "%s does not belong to the job's user: "
		                    "refused",
		                    AE_RUNLOCK_FILE);
	}
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		int e = errno;

		if (e == EAGAIN || e == EACCES) {
			describe_holder(fd, holder, sizeof(holder));
			close(fd);
			return ae_error_set(
			    err, prov_dir, 0, 0, NULL,
			    "the run in this directory is in use "
			    "by %s",
			    holder);
		}
		if (e != ENOLCK && e != EOPNOTSUPP && e != ENOSYS &&
		    e != EINVAL) {
			close(fd);
			return ae_error_set(err, prov_dir, 0, 0, NULL,
			                    "cannot lock %s: %s",
			                    AE_RUNLOCK_FILE, strerror(e));
		}
		ae_error_set(err, prov_dir, 0, 0, NULL,
		             "the file system cannot lock %s (%s)",
		             AE_RUNLOCK_FILE, strerror(e));
		return fd;
	}
	*held = 1;
	if (write_holder(fd, job_id, now, host) < 0) {
		int e = errno;

		close(fd);
		return ae_error_set(err, prov_dir, 0, 0, NULL,
		                    "cannot write %s: %s", AE_RUNLOCK_FILE,
		                    strerror(e));
	}
	return fd;
}
