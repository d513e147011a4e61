#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ae_fsutil.h"
#include "ae_journal_lock.h"
#include "ae_json.h"

#define STATE_VERSION 1
#define STATE_MAX     (64 * 1024 * 1024)
/* The replay reads the journal in blocks of this size; a line longer than
 * RECORD_MAX is not a record of this journal's (they are bounded by the
 * log's line length and RESULT_STRING_MAX) and is skipped as bad. */
#define REPLAY_BLOCK (64 * 1024)
#define RECORD_MAX   (16 * 1024 * 1024)
/* A string of an action's result (a command's stdout and stderr, up to
 * 64 KiB each) keeps its last this many bytes in the journal. */
#define RESULT_STRING_MAX 4096

typedef struct khash khash;

struct ae_journal {
	int dirfd;
	int fd;
	int lease_fd; /* ae_journal_lock's lease, held while open */
	off_t size;   /* bytes of complete records; appends go after */
	int unsynced; /* records written since the last fdatasync */
	int uncut;    /* a failed append may have left bytes after size */
	khash *tab;   /* open addressing, cap a power of 2 (or 0) */
	size_t cap, used;
	struct openkey *open; /* keys started, not finished */
	size_t nopen, capopen;
	ae_journal_stats stats;
};

static const struct {
	const char *type;
	ae_journal_status status;
} keyed[] = {
    {"condition_pending", AE_JOURNAL_PENDING},
    {"condition_failed", AE_JOURNAL_FAILED},
    {"condition_met", AE_JOURNAL_MET},
    {"action_started", AE_JOURNAL_STARTED},
    {"action_finished", AE_JOURNAL_FINISHED},
    {"action_interrupted", AE_JOURNAL_INTERRUPTED},
};

static const char *type_of(ae_journal_status s)
{
	size_t i;

	for (i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++)
		if (keyed[i].status == s)
			return keyed[i].type;
	return NULL;
}

/* ---- the status of every key ----
 *
 * Kept as two 64-bit hashes of the key (the second one's low byte holds the
 * status): 16 bytes a slot, so a job with thousands of checkpoints costs
 * tens of KiB, not a copy of every key's text. Two keys would have to agree
 * in all 120 bits to be confused, and then the later one would only look
 * fired: at most once holds either way. The text is kept only while a key
 * is started and not finished (`open`): its action_started record, from
 * which the next open resumes it or writes its action_interrupted record. */

typedef struct khash {
	uint64_t h, g;
} khash;

typedef struct openkey {
	khash k;
	char
	    *text; /* its action_started record (JSON: event, action, key...) */
	int resumable; /* left open at open, not resumed yet */
} openkey;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* FNV-1a and a multiply-rotate hash over the parts, each preceded by its
 * length, so that no two different keys feed the same bytes. */
static void feed(khash *k, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	for (int i = 0; i < 8; i++) {
		k->h = (k->h ^ len[i]) * 0x100000001b3ULL;
		k->g = ((k->g ^ len[i]) * 0x9e3779b97f4a7c15ULL);
		k->g = k->g << 31 | k->g >> 33;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		k->h = (k->h ^ c) * 0x100000001b3ULL;
		k->g = ((k->g ^ c) * 0x9e3779b97f4a7c15ULL);
		k->g = k->g << 31 | k->g >> 33;
	}
}

static khash key_hash(const char *event, const char *action, const char *key)
{
	khash k = {0xcbf29ce484222325ULL, 0x2545f4914f6cdd1dULL};

	feed(&k, event);
	feed(&k, action);
	feed(&k, key);
	k.h = mix(k.h) | 1; /* 0 marks an empty slot */
	k.g = mix(k.g) & ~(uint64_t)0xff;
	return k;
}

/* The key as a JSON object (an open key's text when its action_started
 * record is not at hand). */
static char *composite(const char *event, const char *action, const char *key)
{
	json_t *a =
	    json_pack("{s:s, s:s, s:s}", "event", event ? event : "", "action",
	              action ? action : "", "key", key ? key : "");
	char *s;

	if (!a)
		return NULL;
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static khash *slot_of(const ae_journal *j, khash k)
{
	size_t mask = j->cap - 1, i;

	if (!j->cap)
		return NULL;
	for (i = (size_t)k.h & mask;; i = (i + 1) & mask) {
		khash *s = &j->tab[i];

		if (!s->h || (s->h == k.h && (s->g & ~(uint64_t)0xff) == k.g))
			return s;
	}
}

static ae_journal_status get_status(const ae_journal *j, khash k)
{
	const khash *s = slot_of(j, k);

	return s && s->h ? (ae_journal_status)(s->g & 0xff) : AE_JOURNAL_NONE;
}

static int grow(ae_journal *j)
{
	size_t cap = j->cap ? j->cap * 2 : 64;
	khash *old = j->tab, *tab = calloc(cap, sizeof(*tab));
	size_t ocap = j->cap;

	if (!tab)
		return -1;
	j->tab = tab;
	j->cap = cap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].h)
			*slot_of(
			    j, (khash){old[i].h, old[i].g & ~(uint64_t)0xff}) =
			    old[i];
	free(old);
	return 0;
}

/* Room for one more key and one more open key: done before a record is
 * written, recording it in memory afterwards needs no allocation. */
static int reserve(ae_journal *j)
{
	openkey *v;

	if ((j->used + 1) * 4 > j->cap * 3 && grow(j) < 0)
		return -1;
	if (j->nopen < j->capopen)
		return 0;
	v = realloc(j->open, (j->capopen + 8) * sizeof(*v));
	if (!v)
		return -1;
	j->open = v;
	j->capopen += 8;
	return 0;
}

static void open_del(ae_journal *j, khash k)
{
	for (size_t i = 0; i < j->nopen; i++) {
		if (j->open[i].k.h != k.h || j->open[i].k.g != k.g)
			continue;
		free(j->open[i].text);
		j->open[i] = j->open[--j->nopen];
		return;
	}
}

/* Later states win, but a condition record never undoes a start, and an
 * interruption never undoes a finish. text (owned, may be NULL: made here,
 * except in memory) is the key's action_started record, kept while it is
 * open. -1 when memory runs out, which cannot happen after reserve() with
 * text given. */
static int set_status(ae_journal *j, const char *event, const char *action,
                      const char *key, ae_journal_status s, char *text)
{
	khash k = key_hash(event, action, key), *slot;
	ae_journal_status cur = get_status(j, k);
	int opens = s == AE_JOURNAL_STARTED && cur != AE_JOURNAL_STARTED;

	if ((cur >= AE_JOURNAL_STARTED && s < AE_JOURNAL_STARTED) ||
	    (s == AE_JOURNAL_STARTED && cur > AE_JOURNAL_STARTED) ||
	    (s == AE_JOURNAL_INTERRUPTED && cur == AE_JOURNAL_FINISHED)) {
		free(text);
		return 0;
	}
	/* in memory no open key is ever settled: it needs no text */
	if (opens && !text && j->fd >= 0 &&
	    !(text = composite(event, action, key)))
		return -1;
	if (reserve(j) < 0) {
		free(text);
		return -1;
	}
	if (opens) {
		j->open[j->nopen].k = k;
		j->open[j->nopen].resumable = 0;
		j->open[j->nopen++].text = text;
	} else {
		free(text);
	}
	if (cur == AE_JOURNAL_STARTED && s != AE_JOURNAL_STARTED)
		open_del(j, k);
	slot = slot_of(j, k);
	if (cur == AE_JOURNAL_NONE) {
		j->stats.keys++;
		j->used++;
	}
	slot->h = k.h;
	slot->g = k.g | (uint64_t)s;
	return 0;
}

static void now_iso(char buf[32])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static json_t *new_record(const char *type)
{
	char ts[32];

	now_iso(ts);
	return json_pack("{s:s, s:s}", "type", type, "ts", ts);
}

/* One record, one write; with `sync` then fdatasync: when this returns 0 the
 * record (and every one before it) is on disk. Without, it is in the page
 * cache (a killed helper loses nothing) and on disk with the next synced
 * record. A failed write is cut off again so the next record does not get
 * glued to half of this one. */
static int append(ae_journal *j, json_t *rec, int sync, ae_error *err)
{
	char *text;
	size_t len;
	int rv = -1;

	if (j->fd < 0) { /* in memory: the record is only counted */
		j->stats.appended++;
		return 0;
	}
	/* what a failed append left must go first, or this record would be
	 * glued to half of that one */
	if (j->uncut) {
		if (ftruncate(j->fd, j->size) < 0)
			return ae_error_set(
			    err, AE_JOURNAL_FILE, 0, 0, NULL,
			    "cannot cut a failed record off: %s",
			    strerror(errno));
		j->uncut = 0;
	}
	text = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		                    "cannot encode a journal record");
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for its NUL */
	if (ae_fsutil_write_all(j->fd, text, len + 1) < 0) {
		ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		             "cannot append: %s", strerror(errno));
		goto out;
	}
	if (sync && fdatasync(j->fd) < 0) {
		ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		             "cannot fsync: %s", strerror(errno));
		goto out;
	}
	j->unsynced = !sync;
	j->size += (off_t)len + 1;
	j->stats.appended++;
	rv = 0;
out:
	/* the record is not written: cut off what reached the file (a
	 * partial write, or a whole one whose sync failed), now or before
	 * the next append */
	if (rv < 0 && (ftruncate(j->fd, j->size) < 0 || fdatasync(j->fd) < 0))
		j->uncut = 1;
	free(text);
	return rv;
}

static json_t *event_record(const char *type, const ae_event *ev,
                            const char *action_id)
{
	json_t *rec = new_record(type);

	if (!rec)
		return NULL;
	if (json_object_set_new(rec, "event",
	                        json_string(ev->name ? ev->name : "")) ||
	    json_object_set_new(rec, "action",
	                        json_string(action_id ? action_id : "")) ||
	    json_object_set_new(
	        rec, "key", json_string(ev->dedup_key ? ev->dedup_key : "")) ||
	    json_object_set_new(rec, "offset",
	                        json_integer((json_int_t)ev->offset)) ||
	    json_object_set_new(rec, "line",
	                        json_integer((json_int_t)ev->line_no))) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* Replay one complete line. */
static void replay_line(ae_journal *j, const char *line, size_t len)
{
	json_t *rec = json_loadb(line, len, 0, NULL);
	const char *type, *ev, *act, *key;
	size_t i;

	if (!json_is_object(rec) ||
	    !(type = json_string_value(json_object_get(rec, "type")))) {
		j->stats.bad_lines++;
		goto out;
	}
	for (i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++)
		if (!strcmp(type, keyed[i].type))
			break;
	if (i == sizeof(keyed) / sizeof(keyed[0])) {
		j->stats.records++; /* a record without a key */
		goto out;
	}
	ev = json_string_value(json_object_get(rec, "event"));
	act = json_string_value(json_object_get(rec, "action"));
	key = json_string_value(json_object_get(rec, "key"));
	if (!ev || !act || !key) {
		j->stats.bad_lines++;
		goto out;
	}
	/* memory running out here costs a key, not the open */
	set_status(j, ev, act, key, keyed[i].status,
	           keyed[i].status == AE_JOURNAL_STARTED
	               ? json_dumps(rec, JSON_COMPACT)
	               : NULL);
	j->stats.records++;
out:
	json_decref(rec);
}

/* Replay the journal's complete lines, reading it block by block (memory
 * stays at about the longest record, whatever the journal's size); returns
 * the length of those lines. What follows the last newline is a torn tail
 * (counted in stats.torn_bytes). */
static int replay(ae_journal *j, off_t *complete, ae_error *err)
{
	size_t cap = REPLAY_BLOCK, have = 0;
	char *buf = malloc(cap), *nl;
	off_t base = 0;   /* file offset of buf[0] */
	off_t torn = 0;   /* where the line being read starts */
	int skipping = 0; /* in a line longer than RECORD_MAX */
	int rv = -1;

	if (!buf)
		return ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		                    "out of memory");
	for (;;) {
		size_t start = 0, scan = have;
		ssize_t n;

		if (have == cap && cap < RECORD_MAX) {
			char *p = realloc(buf, cap * 2);

			if (!p) {
				ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
				             "out of memory");
				goto out;
			}
			buf = p;
			cap *= 2;
		} else if (have == cap) {
			/* not a record: skip to its newline */
			skipping = 1;
			base += (off_t)have;
			have = scan = 0;
		}
		n = pread(j->fd, buf + have, cap - have, base + (off_t)have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
			             "cannot read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		while ((nl = memchr(buf + scan, '\n', have - scan))) {
			size_t end = (size_t)(nl - buf);

			if (skipping)
				j->stats.bad_lines++;
			else if (end > start)
				replay_line(j, buf + start, end - start);
			skipping = 0;
			start = scan = end + 1;
		}
		if (start > 0) {
			memmove(buf, buf + start, have - start);
			base += (off_t)start;
			have -= start;
		}
		if (!skipping)
			torn = base;
	}
	*complete = torn;
	j->stats.torn_bytes = (uint64_t)(base + (off_t)have - torn);
	rv = 0;
out:
	free(buf);
	return rv;
}

static int oom(ae_error *err)
{
	return ae_error_set(
	    err, AE_JOURNAL_FILE, 0, 0, NULL,
	    "cannot build a journal record (out of memory or invalid UTF-8)");
}

/* Mark the open key at index i interrupted (it leaves the open list). */
static int interrupt_open(ae_journal *j, size_t i, const json_t *started,
                          ae_error *err)
{
	const char *ev = json_string_value(json_object_get(started, "event"));
	const char *act = json_string_value(json_object_get(started, "action"));
	const char *key = json_string_value(json_object_get(started, "key"));
	json_t *rec = new_record("action_interrupted");
	int rv = -1;

	if (!ev || !act || !key) {
		/* not a key's text: cannot happen; drop it from the list */
		free(j->open[i].text);
		j->open[i] = j->open[--j->nopen];
		rv = 0;
		goto out;
	}
	if (!rec || json_object_set_new(rec, "event", json_string(ev)) ||
	    json_object_set_new(rec, "action", json_string(act)) ||
	    json_object_set_new(rec, "key", json_string(key)) ||
	    json_object_set_new(
	        rec, "reason",
	        json_string("started, never finished: the helper stopped while "
	                    "it ran; not run again"))) {
		oom(err);
		goto out;
	}
	/* not written (a full disk): the decision stands all the same, and
	 * the next open, finding the same start without an end, takes it
	 * again */
	if (append(j, rec, 1, err) < 0)
		j->stats.unrecorded++;
	set_status(j, ev, act, key, AE_JOURNAL_INTERRUPTED, NULL);
	j->stats.interrupted++;
	rv = 0;
out:
	json_decref(rec);
	return rv;
}

/* A start without an end is from a helper that died while the action ran:
 * resume it when `resume` says so (it stays started and open), else say so
 * once and never run it again (see the header). */
static int settle_open(ae_journal *j, ae_journal_resume_fn resume, void *ctx,
                       ae_error *err)
{
	/* downwards: interrupt_open moves the last key into the hole, one
	 * that was already looked at */
	for (size_t i = j->nopen; i-- > 0;) {
		json_t *started = json_loads(j->open[i].text, 0, NULL);
		int rc;

		if (!started)
			return oom(err);
		if (ae_journal_decision_of(AE_JOURNAL_STARTED, 1,
		                           resume &&
		                               resume(ctx, started) == 1) ==
		    AE_JOURNAL_RESUMABLE) {
			j->open[i].resumable = 1;
			j->stats.resumable++;
			rc = 0;
		} else {
			rc = interrupt_open(j, i, started, err);
		}
		json_decref(started);
		if (rc < 0)
			return -1;
	}
	return 0;
}

ae_journal *ae_journal_openat(int dirfd, const char *display, ae_error *err)
{
	return ae_journal_openat_resuming(dirfd, display, NULL, NULL, err);
}

ae_journal *ae_journal_openat_resuming(int dirfd, const char *display,
                                       ae_journal_resume_fn resume, void *ctx,
                                       ae_error *err)
{
	ae_journal *j = calloc(1, sizeof(*j));
	off_t complete = 0;
	int held;

	if (!j) {
		ae_error_set(err, display, 0, 0, NULL, "out of memory");
		return NULL;
	}
	j->fd = j->lease_fd = -1;
	j->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (j->dirfd < 0) {
		ae_error_set(err, display, 0, 0, NULL, "cannot open: %s",
		             strerror(errno));
		goto fail;
	}
	j->fd = ae_fsutil_open(j->dirfd, AE_JOURNAL_FILE,
	                       O_RDWR | O_APPEND | O_CREAT, AE_FSUTIL_FILE_MODE,
	                       err);
	if (j->fd < 0)
		goto fail;
	/* two helpers appending would each believe they alone decide */
	j->lease_fd = ae_journal_lock_take(j->dirfd, j->fd, &held, err);
	if (j->lease_fd < 0)
		goto fail;
	if (replay(j, &complete, err) < 0)
		goto fail;
	j->size = complete;
	if (j->stats.torn_bytes > 0) {
		json_t *rec;

		/* cut before anything is appended: the torn bytes were never
		 * a record (a record is durable only with its newline) */
		if (ftruncate(j->fd, complete) < 0) {
			ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
			             "cannot cut the torn last line: %s",
			             strerror(errno));
			goto fail;
		}
		rec = new_record("journal_repaired");
		json_object_set_new(
		    rec, "torn_bytes",
		    json_integer((json_int_t)j->stats.torn_bytes));
		/* the cut is what counts; its note can wait for room */
		if (append(j, rec, 1, err) < 0)
			j->stats.unrecorded++;
		json_decref(rec);
	}
	if (settle_open(j, resume, ctx, err) < 0)
		goto fail;
	/* the journal may be new: make its directory entry durable */
	if (ae_fsutil_fsync_dir(j->dirfd, display, err) < 0)
		goto fail;
	return j;
fail:
	if (display)
		ae_error_prefix(err, "%s", display);
	ae_journal_free(j);
	return NULL;
}

ae_journal *ae_journal_new_memory(ae_error *err)
{
	ae_journal *j = calloc(1, sizeof(*j));

	if (!j) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	j->fd = j->dirfd = j->lease_fd = -1;
	return j;
}

ae_journal *ae_journal_open(const char *dir, ae_error *err)
{
	ae_journal *j;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		ae_error_set(err, dir, 0, 0, NULL, "cannot open directory: %s",
		             strerror(errno));
		return NULL;
	}
	j = ae_journal_openat(dfd, dir, err);
	close(dfd);
	return j;
}

void ae_journal_free(ae_journal *j)
{
	if (!j)
		return;
	/* an unsynced action_finished: best effort, a lost one reads as
	 * interrupted, never as not run */
	if (j->fd >= 0 && j->unsynced)
		fdatasync(j->fd);
	ae_journal_lock_release(j->lease_fd);
	if (j->fd >= 0)
		close(j->fd); /* drops the lock */
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->tab);
	for (size_t i = 0; i < j->nopen; i++)
		free(j->open[i].text);
	free(j->open);
	free(j);
}

ae_journal_status ae_journal_lookup(const ae_journal *j, const char *event,
                                    const char *action_id,
                                    const char *dedup_key)
{
	return get_status(j, key_hash(event, action_id, dedup_key));
}

ae_journal_decision ae_journal_decision_of(ae_journal_status status,
                                           int restarted, int goes_on)
{
	switch (status) {
	case AE_JOURNAL_NONE:
	case AE_JOURNAL_PENDING:
	case AE_JOURNAL_MET:
		return AE_JOURNAL_UNDECIDED;
	case AE_JOURNAL_FAILED:
		return AE_JOURNAL_SKIPPED;
	case AE_JOURNAL_STARTED:
		if (!restarted)
			return AE_JOURNAL_IN_FLIGHT;
		return goes_on ? AE_JOURNAL_RESUMABLE : AE_JOURNAL_DECIDED;
	case AE_JOURNAL_FINISHED:
	case AE_JOURNAL_INTERRUPTED:
	default:
		return AE_JOURNAL_DECIDED;
	}
}

/* The open key of k, or NULL. */
static openkey *open_find(const ae_journal *j, khash k)
{
	for (size_t i = 0; i < j->nopen; i++)
		if (j->open[i].k.h == k.h && j->open[i].k.g == k.g)
			return &j->open[i];
	return NULL;
}

static ae_journal_decision decide(const ae_journal *j, khash k)
{
	ae_journal_status s = get_status(j, k);
	const openkey *o;
	int left = 0;

	/* a key left open at open was kept because it goes on: its restart
	 * and its resumability are the same flag */
	if (s == AE_JOURNAL_STARTED && (o = open_find(j, k)))
		left = o->resumable;
	return ae_journal_decision_of(s, left, left);
}

ae_journal_decision ae_journal_decide(const ae_journal *j, const char *event,
                                      const char *action_id,
                                      const char *dedup_key)
{
	return decide(j, key_hash(event, action_id, dedup_key));
}

int ae_journal_has_fired(const ae_journal *j, const char *event,
                         const char *action_id, const char *dedup_key)
{
	return ae_journal_decide(j, event, action_id, dedup_key) >=
	       AE_JOURNAL_IN_FLIGHT;
}

int ae_journal_record_started(ae_journal *j, const ae_event *ev,
                              const char *action_id, const char *action_name,
                              ae_error *err)
{
	khash ck = key_hash(ev->name, action_id, ev->dedup_key);
	json_t *rec = NULL, *meta = NULL;
	char *text = NULL;
	ae_error merr;
	int rv = -1;

	if (decide(j, ck) != AE_JOURNAL_UNDECIDED) {
		rv = 1;
		goto out;
	}
	if (j->fd < 0) { /* in memory nothing reads the record: the status */
		rv = set_status(j, ev->name, action_id, ev->dedup_key,
		                AE_JOURNAL_STARTED, NULL) < 0
		         ? oom(err)
		         : 0;
		goto out;
	}
	/* the memory to remember the start, before it is on disk: once it
	 * is, it must be remembered (a second start would run it twice) */
	rec = event_record("action_started", ev, action_id);
	if (!rec || reserve(j) < 0) {
		oom(err);
		goto out;
	}
	if (action_name)
		json_object_set_new(rec, "action_name",
		                    json_string(action_name));
	/* metadata is for readers and for a resume; one that JSON cannot
	 * hold (bytes that are not UTF-8) must not keep the start from being
	 * recorded */
	if (ev->metadata) {
		meta = ae_json_from_node(ev->metadata, &merr);
		if (meta)
			json_object_set_new(rec, "metadata", meta);
		else
			json_object_set_new(
			    rec, "metadata_error",
			    json_string("metadata not representable as JSON"));
	}
	text = json_dumps(rec, JSON_COMPACT);
	if (!text) {
		oom(err);
		goto out;
	}
	if (append(j, rec, 1, err) < 0)
		goto out;
	set_status(j, ev->name, action_id, ev->dedup_key, AE_JOURNAL_STARTED,
	           text);
	text = NULL;
	rv = 0;
out:
	free(text);
	json_decref(rec);
	return rv;
}

int ae_journal_record_resumed(ae_journal *j, const ae_event *ev,
                              const char *action_id, ae_error *err)
{
	khash ck = key_hash(ev->name, action_id, ev->dedup_key);
	json_t *rec = NULL;
	int rv = -1;

	if (decide(j, ck) != AE_JOURNAL_RESUMABLE) {
		ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		             "action '%s' of event '%s' was not left started: "
		             "not resumed",
		             action_id ? action_id : "",
		             ev->name ? ev->name : "");
		goto out;
	}
	rec = event_record("action_resumed", ev, action_id);
	if (!rec) {
		oom(err);
		goto out;
	}
	if (append(j, rec, 1, err) < 0)
		goto out;
	open_find(j, ck)->resumable = 0; /* in flight again */
	j->stats.resumed++;
	rv = 0;
out:
	json_decref(rec);
	return rv;
}

/* A copy of an action's result for its record: a string longer than
 * RESULT_STRING_MAX (a command's output) keeps its end, which says how the
 * command ended, after a note of how much was cut. A journal of chatty
 * commands then stays small and quick to replay. New reference or NULL. */
static json_t *result_for_journal(const json_t *v)
{
	const char *k, *s;
	json_t *x, *c;
	size_t i, len, from;
	char *buf;
	int n;

	if (json_is_object(v)) {
		c = json_object();
		json_object_foreach((json_t *)v, k, x)
		{
			if (!c || json_object_set_new(
			              c, k, result_for_journal(x)) < 0) {
				json_decref(c);
				return NULL;
			}
		}
		return c;
	}
	if (json_is_array(v)) {
		c = json_array();
		json_array_foreach(v, i, x)
		{
			if (!c || json_array_append_new(
			              c, result_for_journal(x)) < 0) {
				json_decref(c);
				return NULL;
			}
		}
		return c;
	}
	if (!json_is_string(v) || json_string_length(v) <= RESULT_STRING_MAX)
		return json_deep_copy(v);
	s = json_string_value(v);
	len = json_string_length(v);
	from = len - RESULT_STRING_MAX;
	while (from < len && ((unsigned char)s[from] & 0xc0) == 0x80)
		from++; /* not inside a UTF-8 sequence */
	buf = malloc(RESULT_STRING_MAX + 64);
	if (!buf)
		return NULL;
	n = snprintf(buf, 64, "[%zu bytes not kept in the journal] ", from);
	memcpy(buf + n, s + from, len - from);
	c = json_stringn(buf, (size_t)n + len - from);
	free(buf);
	return c;
}

int ae_journal_record_finished(ae_journal *j, const ae_event *ev,
                               const char *action_id, const char *status,
                               const json_t *result, ae_error *err)
{
	khash ck = key_hash(ev->name, action_id, ev->dedup_key);
	ae_journal_decision d = decide(j, ck);
	json_t *rec = NULL;
	int rv = -1;

	/* a resumable key whose resume could not be recorded ends here too */
	if (d != AE_JOURNAL_IN_FLIGHT && d != AE_JOURNAL_RESUMABLE) {
		ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		             "action '%s' of event '%s' is not running: cannot "
		             "record its end",
		             action_id ? action_id : "",
		             ev->name ? ev->name : "");
		goto out;
	}
	if (j->fd < 0) { /* in memory: the status is all there is */
		set_status(j, ev->name, action_id, ev->dedup_key,
		           AE_JOURNAL_FINISHED, NULL);
		rv = 0;
		goto out;
	}
	rec = event_record("action_finished", ev, action_id);
	if (!rec ||
	    json_object_set_new(rec, "status",
	                        json_string(status ? status : "")) ||
	    json_object_set_new(rec, "result",
	                        result ? result_for_journal(result)
	                               : json_null())) {
		oom(err);
		goto out;
	}
	if (append(j, rec, 0, err) < 0)
		goto out;
	/* only ends an open key: needs no memory */
	set_status(j, ev->name, action_id, ev->dedup_key, AE_JOURNAL_FINISHED,
	           NULL);
	rv = 0;
out:
	json_decref(rec);
	return rv;
}

int ae_journal_record_condition(ae_journal *j, const ae_event *ev,
                                const char *action_id, ae_journal_status what,
                                const char *detail, ae_error *err)
{
	khash ck;
	json_t *rec = NULL;
	int rv = -1;

	if (what != AE_JOURNAL_PENDING && what != AE_JOURNAL_MET &&
	    what != AE_JOURNAL_FAILED)
		return ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		                    "not a condition outcome: %d", (int)what);
	ck = key_hash(ev->name, action_id, ev->dedup_key);
	if (decide(j, ck) != AE_JOURNAL_UNDECIDED) {
		rv = 0;
		goto out;
	}
	rec = event_record(type_of(what), ev, action_id);
	if (!rec || (detail &&
	             json_object_set_new(rec, "detail", json_string(detail)))) {
		oom(err);
		goto out;
	}
	if (append(j, rec, 1, err) < 0)
		goto out;
	if (set_status(j, ev->name, action_id, ev->dedup_key, what, NULL) < 0) {
		oom(err);
		goto out;
	}
	rv = 0;
out:
	json_decref(rec);
	return rv;
}

int ae_journal_record(ae_journal *j, const char *type, const json_t *fields,
                      ae_error *err)
{
	json_t *rec = new_record(type);
	const char *k;
	json_t *v;
	int rv = -1;

	if (!rec)
		return oom(err);
	if (fields && !json_is_object(fields)) {
		ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		             "record fields must be an object");
		goto out;
	}
	json_object_foreach((json_t *)fields, k, v)
	{
		if (strcmp(k, "type") && strcmp(k, "ts") &&
		    json_object_set(rec, k, v)) {
			oom(err);
			goto out;
		}
	}
	rv = append(j, rec, 1, err);
out:
	json_decref(rec);
	return rv;
}

int ae_journal_sync(ae_journal *j, ae_error *err)
{
	if (!j->unsynced)
		return 0;
	if (fdatasync(j->fd) < 0)
		return ae_error_set(err, AE_JOURNAL_FILE, 0, 0, NULL,
		                    "cannot fsync: %s", strerror(errno));
	j->unsynced = 0;
	return 0;
}

int ae_journal_heartbeat(ae_journal *j, ae_error *err)
{
	if (j->lease_fd < 0)
		return 0;
	return ae_journal_lock_renew(j->lease_fd, (long long)time(NULL), err);
}

int ae_journal_busy(int dirfd, char *who, size_t size, ae_error *err)
{
	ae_error oerr;
	int fd = ae_fsutil_open(dirfd, AE_JOURNAL_FILE, O_RDONLY, 0, &oerr);
	int rc;

	if (fd < 0 && errno == ENOENT)
		return 0; /* no journal yet: no helper before */
	if (fd < 0) {
		*err = oerr;
		return -1;
	}
	rc = ae_journal_lock_probe(dirfd, fd, who, size, err);
	close(fd);
	return rc;
}

ae_journal_stats ae_journal_stats_get(const ae_journal *j)
{
	return j->stats;
}

int ae_journal_state_save(ae_journal *j, const ae_journal_state *st,
                          ae_error *err)
{
	char ts[32], *text = NULL;
	json_t *obj;
	int rv = -1;

	if (j->dirfd < 0)
		return ae_error_set(err, AE_JOURNAL_STATE_FILE, 0, 0, NULL,
		                    "a journal in memory has no state file");
	/* the state is saved about once a second: it bounds how long an
	 * action_finished stays in the page cache only */
	if (ae_journal_sync(j, err) < 0)
		return -1;
	now_iso(ts);
	/* dev and ino are 64-bit unsigned; they go through json_int_t
	 * unchanged bit for bit (large ones show as negative numbers) */
	obj = json_pack(
	    "{s:i, s:s, s:{s:s?, s:I, s:I, s:I, s:I}, s:o}", "version",
	    STATE_VERSION, "updated", ts, "log", "path", st->log_path, "dev",
	    (json_int_t)st->pos.dev, "ino", (json_int_t)st->pos.ino, "offset",
	    (json_int_t)st->pos.offset, "line_no", (json_int_t)st->pos.line_no,
	    "pending", st->pending ? json_incref(st->pending) : json_array());
	if (obj && st->facts &&
	    json_object_set(obj, "facts", (json_t *)st->facts) < 0) {
		json_decref(obj);
		obj = NULL;
	}
	if (!obj) {
		oom(err);
		goto out;
	}
	text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text) {
		oom(err);
		goto out;
	}
	rv = ae_fsutil_write_atomic(j->dirfd, AE_JOURNAL_STATE_FILE, text,
	                            strlen(text), AE_FSUTIL_FILE_MODE, err);
out:
	free(text);
	json_decref(obj);
	return rv;
}

static int bad_state(ae_error *err, const char *what)
{
	return ae_error_set(err, AE_JOURNAL_STATE_FILE, 0, 0, what,
	                    "missing or of the wrong type");
}

int ae_journal_state_load(ae_journal *j, ae_journal_state *st, ae_error *err)
{
	char *data = NULL;
	size_t len;
	json_error_t jerr;
	json_t *obj = NULL, *log, *pending, *v;
	int rv;

	memset(st, 0, sizeof(*st));
	if (j->dirfd < 0)
		return 0; /* in memory: there is none */
	rv = ae_fsutil_read_file(j->dirfd, AE_JOURNAL_STATE_FILE, STATE_MAX,
	                         &data, &len, err);
	if (rv <= 0)
		return rv;
	rv = -1;
	obj = json_loadb(data, len, 0, &jerr);
	if (!obj) {
		ae_error_set(err, AE_JOURNAL_STATE_FILE, jerr.line, jerr.column,
		             NULL, "%s", jerr.text);
		goto out;
	}
	v = json_object_get(obj, "version");
	if (!json_is_integer(v)) {
		bad_state(err, "version");
		goto out;
	}
	if (json_integer_value(v) != STATE_VERSION) {
		ae_error_set(err, AE_JOURNAL_STATE_FILE, 0, 0, "version",
		             "unknown state version %lld",
		             (long long)json_integer_value(v));
		goto out;
	}
	log = json_object_get(obj, "log");
	if (!json_is_object(log)) {
		bad_state(err, "log");
		goto out;
	}
	v = json_object_get(log, "path");
	if (json_is_string(v) &&
	    !(st->log_path = strdup(json_string_value(v)))) {
		oom(err);
		goto out;
	}
#define FIELD(name)                                                            \
	v = json_object_get(log, #name);                                       \
	if (!json_is_integer(v)) {                                             \
		bad_state(err, "log." #name);                                  \
		goto out;                                                      \
	}                                                                      \
	st->pos.name = (uint64_t)json_integer_value(v);
	FIELD(dev)
	FIELD(ino)
	FIELD(offset)
	FIELD(line_no)
#undef FIELD
	pending = json_object_get(obj, "pending");
	if (pending && !json_is_array(pending)) {
		bad_state(err, "pending");
		goto out;
	}
	st->pending = pending ? json_incref(pending) : NULL;
	v = json_object_get(obj, "facts");
	st->facts = json_is_object(v) ? json_incref(v) : NULL;
	rv = 1;
out:
	if (rv < 0)
		ae_journal_state_clear(st);
	json_decref(obj);
	free(data);
	return rv;
}

void ae_journal_state_clear(ae_journal_state *st)
{
	if (!st)
		return;
	free(st->log_path);
	json_decref(st->pending);
	json_decref(st->facts);
	memset(st, 0, sizeof(*st));
}
