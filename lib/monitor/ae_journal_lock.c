#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_journal_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ae_fsutil.h"
#include "ae_proc.h"

/* The lease on disk: one JSON object padded with spaces to this size and a
 * newline, always written whole at offset 0, so a renewal rewrites the
 * same bytes of the same block. */
#define LEASE_SIZE 512

int ae_journal_lock_unsupported(int e)
{
	return e == ENOSYS || e == ENOLCK || e == EOPNOTSUPP || e == EINVAL;
}

static int same_host(const ae_journal_holder *a, const ae_journal_holder *b)
{
	return a->host[0] && !strcmp(a->host, b->host) &&
	       !strcmp(a->boot_id, b->boot_id);
}

static int same_process(const ae_journal_holder *a, const ae_journal_holder *b)
{
	return same_host(a, b) && a->pid == b->pid &&
	       a->start_ticks == b->start_ticks;
}

ae_journal_lock_verdict ae_journal_lock_decide(int flock_errno,
                                               const ae_journal_holder *lease,
                                               const ae_journal_holder *self,
                                               int alive, long long now)
{
	if (flock_errno == EWOULDBLOCK || flock_errno == EAGAIN)
		return AE_JOURNAL_LOCK_HELD;
	if (flock_errno && !ae_journal_lock_unsupported(flock_errno))
		return AE_JOURNAL_LOCK_BROKEN;
	if (!lease || lease->released)
		return AE_JOURNAL_LOCK_FREE;
	/* this host: its process tells, whatever the clock says */
	if (same_host(lease, self))
		return alive ? AE_JOURNAL_LOCK_HELD : AE_JOURNAL_LOCK_FREE;
	/* this host before a reboot: nothing of it runs any more */
	if (lease->host[0] && !strcmp(lease->host, self->host) &&
	    lease->boot_id[0] && self->boot_id[0])
		return AE_JOURNAL_LOCK_FREE;
	/* another host: alive while it renews */
	return now - lease->heartbeat < AE_JOURNAL_LEASE_TTL
	           ? AE_JOURNAL_LOCK_HELD
	           : AE_JOURNAL_LOCK_FREE;
}

void ae_journal_holder_self(ae_journal_holder *self, long long now)
{
	char boot[64] = "";
	FILE *f;

	memset(self, 0, sizeof(*self));
	if (gethostname(self->host, sizeof(self->host) - 1) < 0)
		self->host[0] = '\0';
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		if (fgets(boot, sizeof(boot), f))
			boot[strcspn(boot, "\n")] = '\0';
		fclose(f);
	}
	snprintf(self->boot_id, sizeof(self->boot_id), "%s", boot);
	self->pid = (long long)getpid();
	self->start_ticks = ae_proc_start_ticks(getpid());
	self->heartbeat = now;
}

void ae_journal_holder_describe(const ae_journal_holder *h, long long now,
                                char *buf, size_t size)
{
	snprintf(buf, size, "%s (pid %lld, renewed %lld s ago)",
	         h->host[0] ? h->host : "an unknown host", h->pid,
	         now - h->heartbeat);
}

/* Whether the lease's process runs on this host. */
static int holder_alive(const ae_journal_holder *h)
{
	if (h->pid <= 0)
		return 0;
	if (h->start_ticks)
		return ae_proc_start_ticks((pid_t)h->pid) == h->start_ticks;
	return kill((pid_t)h->pid, 0) == 0 || errno == EPERM;
}

/* Read the lease: 1 with *h filled, 0 when there is none (empty, or
 * unreadable and older than the TTL), -1 with errno. An unreadable lease
 * that was written lately is someone's (a holder on another node may be
 * rewriting it): it counts as held by an unknown host, renewed then. */
static int read_lease(int fd, ae_journal_holder *h)
{
	char text[LEASE_SIZE + 1];
	json_t *o;
	struct stat st;
	ssize_t n;

	memset(h, 0, sizeof(*h));
	do
		n = pread(fd, text, LEASE_SIZE, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	text[n] = '\0';
	o = json_loads(text, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		if (fstat(fd, &st) < 0)
			return -1;
		h->heartbeat = (long long)st.st_mtime;
		return 1;
	}
	snprintf(h->host, sizeof(h->host), "%s",
	         json_string_value(json_object_get(o, "host")) ?: "");
	snprintf(h->boot_id, sizeof(h->boot_id), "%s",
	         json_string_value(json_object_get(o, "boot_id")) ?: "");
	h->pid = json_integer_value(json_object_get(o, "pid"));
	h->start_ticks = (unsigned long long)json_integer_value(
	    json_object_get(o, "start_ticks"));
	h->heartbeat = json_integer_value(json_object_get(o, "heartbeat"));
	h->released = json_is_true(json_object_get(o, "released"));
	json_decref(o);
	return 1;
}

static int write_lease(int fd, const ae_journal_holder *h)
{
	char text[LEASE_SIZE];
	json_t *o =
	    json_pack("{s:s, s:s, s:I, s:I, s:I, s:b}", "host", h->host,
	              "boot_id", h->boot_id, "pid", (json_int_t)h->pid,
	              "start_ticks", (json_int_t)h->start_ticks, "heartbeat",
	              (json_int_t)h->heartbeat, "released", h->released);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	size_t len = s ? strlen(s) : 0;
	ssize_t n;
	int rv = -1;

	json_decref(o);
	if (!s || len >= sizeof(text)) {
		free(s);
		errno = ENOMEM;
		return -1;
	}
	memset(text, ' ', sizeof(text));
	memcpy(text, s, len);
	text[sizeof(text) - 1] = '\n';
	free(s);
	do
		n = pwrite(fd, text, sizeof(text), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(text) && fdatasync(fd) == 0)
		rv = 0;
	else if (n >= 0 && n != (ssize_t)sizeof(text))
		errno = ENOSPC;
	return rv;
}

/* flock's errno, 0 when taken. */
static int try_flock(int fd)
{
	int rc;

	do
		rc = flock(fd, LOCK_EX | LOCK_NB);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? errno : 0;
}

/* The verdict on the journal whose flock answered fe, from the lease in
 * lease_fd (-1: none); the holder found, when held, in *held. */
static ae_journal_lock_verdict judge(int fe, int lease_fd,
                                     const ae_journal_holder *self,
                                     ae_journal_holder *held)
{
	int have;

	/* the flock alone may decide: `held` is then described empty */
	memset(held, 0, sizeof(*held));
	have = lease_fd >= 0 ? read_lease(lease_fd, held) : 0;

	/* a lease that cannot be read (EIO) may be someone's: held */
	if (have < 0) {
		memset(held, 0, sizeof(*held));
		held->heartbeat = self->heartbeat;
		have = 1;
	}
	return ae_journal_lock_decide(fe, have > 0 ? held : NULL, self,
	                              have > 0 && same_host(held, self) &&
	                                  holder_alive(held),
	                              self->heartbeat);
}

static int refuse_broken(int fe, ae_error *err)
{
	return ae_error_set(err, "events.jsonl", 0, 0, NULL,
	                    "cannot lock: %s: refused, two helpers could run "
	                    "at once (the journal needs a file system whose "
	                    "locks work, or that has none)",
	                    strerror(fe));
}

int ae_journal_lock_take(int dirfd, int fd, int *held, ae_error *err)
{
	ae_journal_holder self, other;
	char who[256];
	int fe = try_flock(fd), lfd;

	*held = 0;
	/* the lock alone says "held" on this node: no lease is read */
	if (fe == EWOULDBLOCK || fe == EAGAIN) {
		*held = 1;
		return ae_error_set(
		    err, "events.jsonl", 0, 0, NULL,
		    "locked: another autoexp-helper of this job is running");
	}
	if (fe && !ae_journal_lock_unsupported(fe))
		return refuse_broken(fe, err);
	lfd = ae_fsutil_open(dirfd, AE_JOURNAL_LEASE_FILE, O_RDWR | O_CREAT,
	                     AE_FSUTIL_FILE_MODE, err);
	if (lfd < 0)
		return -1;
	ae_journal_holder_self(&self, (long long)time(NULL));
	if (judge(fe, lfd, &self, &other) != AE_JOURNAL_LOCK_FREE) {
		close(lfd);
		*held = 1;
		ae_journal_holder_describe(&other, self.heartbeat, who,
		                           sizeof(who));
		return ae_error_set(err, AE_JOURNAL_LEASE_FILE, 0, 0, NULL,
		                    "locked: another autoexp-helper of this "
		                    "job holds the journal: %s",
		                    who);
	}
	if (write_lease(lfd, &self) < 0) {
		int e = errno;

		/* with the lock taken a full disk does not stop the helper:
		 * its renewals write the lease once there is room; without
		 * one nothing would keep a second helper out */
		if (fe) {
			close(lfd);
			return ae_error_set(err, AE_JOURNAL_LEASE_FILE, 0, 0,
			                    NULL, "cannot write: %s",
			                    strerror(e));
		}
	}
	return lfd;
}

int ae_journal_lock_renew(int lease_fd, long long now, ae_error *err)
{
	ae_journal_holder self, found;
	char who[256];

	ae_journal_holder_self(&self, now);
	if (read_lease(lease_fd, &found) > 0 && found.host[0] &&
	    !found.released && !same_process(&found, &self)) {
		ae_journal_holder_describe(&found, now, who, sizeof(who));
		ae_error_set(err, AE_JOURNAL_LEASE_FILE, 0, 0, NULL,
		             "taken over by %s: this helper's renewals did not "
		             "reach it for %d s",
		             who, AE_JOURNAL_LEASE_TTL);
		return -2;
	}
	if (write_lease(lease_fd, &self) < 0)
		return ae_error_set(err, AE_JOURNAL_LEASE_FILE, 0, 0, NULL,
		                    "cannot renew: %s", strerror(errno));
	return 0;
}

void ae_journal_lock_release(int lease_fd)
{
	ae_journal_holder self, found;

	if (lease_fd < 0)
		return;
	ae_journal_holder_self(&self, (long long)time(NULL));
	/* only its own: a lease taken over stays its new holder's */
	if (read_lease(lease_fd, &found) > 0 && same_process(&found, &self)) {
		self.released = 1;
		(void)write_lease(lease_fd, &self);
	}
	close(lease_fd);
}

int ae_journal_lock_probe(int dirfd, int fd, char *who, size_t size,
                          ae_error *err)
{
	ae_journal_holder self, other;
	ae_journal_lock_verdict v;
	ae_error lerr;
	int fe = try_flock(fd), lfd;

	if (fe == EWOULDBLOCK || fe == EAGAIN) {
		snprintf(who, size,
		         "a helper on this node (it holds the lock)");
		return 1;
	}
	if (fe && !ae_journal_lock_unsupported(fe))
		return refuse_broken(fe, err);
	lfd = ae_fsutil_open(dirfd, AE_JOURNAL_LEASE_FILE, O_RDONLY, 0, &lerr);
	if (lfd < 0 && errno != ENOENT) {
		*err = lerr;
		if (!fe)
			flock(fd, LOCK_UN);
		return -1;
	}
	ae_journal_holder_self(&self, (long long)time(NULL));
	v = judge(fe, lfd, &self, &other);
	if (lfd >= 0)
		close(lfd);
	if (!fe)
		flock(fd, LOCK_UN);
	if (v != AE_JOURNAL_LOCK_HELD)
		return 0;
	ae_journal_holder_describe(&other, self.heartbeat, who, size);
	return 1;
}
