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
/* How long a start waits for a holder whose batch script has ended, and
 * how often it looks. */
#define ENDING_WAIT_MS 60000
#define ENDING_POLL_MS 100

/* The holder's record, or NULL when it cannot be read (it may be being
 * written). New reference. */
static json_t *read_holder(int fd)
{
	char text[HOLDER_MAX + 1];
	ssize_t n = pread(fd, text, HOLDER_MAX, 0);

	if (n <= 0)
		return NULL;
	text[n] = '\0';
	return json_loads(text, 0, NULL);
}

/* Whether the holder said its batch script has ended. */
static int holder_ending(int fd)
{
	json_t *rec = read_holder(fd);
	int ending = json_is_integer(json_object_get(rec, "ending_since"));

	json_decref(rec);
	return ending;
}

/* "job 12 (started 2026-12-03 10:00:00 UTC on node1)", from the holder's
 * record; "another job" when it cannot be read (it may be writing it). */
static void describe_holder(int fd, char *buf, size_t size)
{
	char when[64] = "";
	const char *job, *host;
	json_t *rec = read_holder(fd);
	time_t t;
	struct tm tm;

	snprintf(buf, size, "another job");
	if (!rec)
		return;
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

static int write_record(int fd, const json_t *rec)
{
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
	return rv;
}

static int write_holder(int fd, const char *job_id, long long now,
                        const char *host)
{
	json_t *rec = json_pack("{s:s?, s:I, s:s?}", "job_id", job_id,
	                        "start_time", (json_int_t)now, "host", host);
	int rv = write_record(fd, rec);

	json_decref(rec);
	return rv;
}

int ae_runlock_mark_ending(int lock_fd, long long now)
{
	json_t *rec = read_holder(lock_fd);
	int rv;

	if (!rec)
		rec = json_object();
	json_object_set_new(rec, "ending_since", json_integer(now));
	rv = write_record(lock_fd, rec);
	json_decref(rec);
	return rv;
}

/* Try the lock; while a holder whose batch script ended still has it,
 * try again for up to ENDING_WAIT_MS. 0, or -1 with errno. */
static int lock_waiting_for_ending(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct timespec poll = {0, ENDING_POLL_MS * 1000000L};
	int waited = 0;

	while (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		int e = errno;

		if ((e != EAGAIN && e != EACCES) || waited >= ENDING_WAIT_MS ||
		    !holder_ending(fd)) {
			errno = e;
			return -1;
		}
		nanosleep(&poll, NULL);
		waited += ENDING_POLL_MS;
	}
	return 0;
}

int ae_runlock_take(int prov_fd, const char *prov_dir, uid_t uid,
                    const char *job_id, long long now, const char *host,
                    int *held, ae_error *err)
{
	char holder[256];
	struct stat st;
	int fd;

	*held = 0;
	fd = ae_fsutil_open(prov_fd, AE_RUNLOCK_FILE, O_RDWR | O_CREAT,
	                    AE_FSUTIL_FILE_MODE, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != uid) {
		close(fd);
		return ae_error_set(err, prov_dir, 0, 0, NULL,
		                    "%s does not belong to the job's user: "
		                    "refused",
		                    AE_RUNLOCK_FILE);
	}
	if (lock_waiting_for_ending(fd) < 0) {
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
