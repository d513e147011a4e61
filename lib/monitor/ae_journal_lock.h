/* ae_journal_lock: one helper at a time per journal, also across nodes.
 *
 * The journal (ae_journal) is the run's, in its provenance directory, most
 * often on a shared file system. Two helpers appending to it would each
 * decide from their own table, so an action (a cooldown submission) could
 * run twice. The run's lock (ae_runlock, held by the plugin for the whole
 * job) keeps two jobs of a run apart, not two helpers: they meet when the
 * supervisor restarts its worker (same node, one after the other) and when
 * a requeued job's helper starts while the previous job's helper still
 * drains after its job ended (up to drain_timeout_seconds), maybe on
 * another node. Two guards, both required:
 *
 * - an exclusive flock(2) on events.jsonl: released by the kernel when its
 *   holder dies, and exclusive across nodes where the file system makes
 *   flock cluster-wide (local file systems, NFS, Lustre mounted with
 *   -o flock, GPFS, BeeGFS). "Held by another" (EWOULDBLOCK) means wait.
 *   Where the file system has no locks at all (ENOSYS: Lustre without
 *   -o flock; ENOLCK, EOPNOTSUPP, EINVAL) the lease below decides alone.
 *   Any other error refuses the journal: it fails closed.
 *
 * - a lease, journal.lease next to the journal: the holder's host, boot id,
 *   pid and process start time, and a heartbeat (wall clock) that the
 *   holder renews every AE_JOURNAL_LEASE_BEAT seconds and clears when it
 *   closes the journal. It covers what the lock cannot show: node-local
 *   locks (Lustre -o localflock, NFS local_lock=flock) and no locks. A
 *   lease of another host is held while its heartbeat is younger than
 *   AE_JOURNAL_LEASE_TTL (so nodes' clocks must agree to well within
 *   that); a lease of this host is held while its process runs.
 *
 * The lease is rewritten in place (same size, no new block: it can be
 * renewed on a full disk) and synced, so that another node reads it.
 * What neither guard covers: two helpers that find no live lease at the
 * same moment, on two nodes, on a file system without cluster-wide locks;
 * that is two jobs of one run at once, which the run's lock refuses where
 * it works (docs/runs.md). The file is opened with O_NOFOLLOW and must be
 * a regular file.
 */
#ifndef AE_JOURNAL_LOCK_H
#define AE_JOURNAL_LOCK_H

#include <stddef.h>

#include "ae_error.h"

#define AE_JOURNAL_LEASE_FILE "journal.lease"
/* Seconds between renewals of a lease, and the age after which a lease of
 * another host that was not renewed is taken as its holder's death. */
#define AE_JOURNAL_LEASE_BEAT 10
#define AE_JOURNAL_LEASE_TTL  60

/* Who holds (or wants) the journal. */
typedef struct ae_journal_holder {
	char host[128];                 /* gethostname() */
	char boot_id[48];               /* this boot of the host ("" unknown) */
	long long pid;                  /* the process holding it */
	unsigned long long start_ticks; /* its start (ae_proc), 0 unknown */
	long long heartbeat;            /* last renewal, wall clock seconds */
	int released;                   /* cleared by its holder at close */
} ae_journal_holder;

typedef enum ae_journal_lock_verdict {
	AE_JOURNAL_LOCK_FREE = 0, /* take it */
	AE_JOURNAL_LOCK_HELD,     /* another helper holds it: wait */
	AE_JOURNAL_LOCK_BROKEN,   /* the lock failed: refuse (fail closed) */
} ae_journal_lock_verdict;

/* The rule. flock_errno: 0 when the flock was taken, else its errno.
 * lease: the lease found (NULL: none, or not readable and old). self: this
 * process. alive: for a lease of this host (same host and boot id), 1 when
 * its process (pid and start ticks) still runs. now: wall clock. */
ae_journal_lock_verdict ae_journal_lock_decide(int flock_errno,
                                               const ae_journal_holder *lease,
                                               const ae_journal_holder *self,
                                               int alive, long long now);

/* 1 when flock_errno says the file system has no locks (the lease
 * decides alone), else 0. */
int ae_journal_lock_unsupported(int flock_errno);

/* This process as a holder at now. */
void ae_journal_holder_self(ae_journal_holder *self, long long now);

/* "node1 (pid 12, renewed 3 s ago)". */
void ae_journal_holder_describe(const ae_journal_holder *h, long long now,
                                char *buf, size_t size);

/* Take the journal in dirfd: fd is events.jsonl opened there (it gets the
 * flock). Returns the lease's descriptor (the lease written as this
 * process and synced; keep it open) or -1 with err set: *held is 1 when
 * another helper holds it (the text says who), 0 when the lock or the
 * lease failed. */
int ae_journal_lock_take(int dirfd, int fd, int *held, ae_error *err);

/* Renew the lease at now. 0; -1 with err set when it cannot be written
 * (a full disk: try again at the next beat); -2 with err set when another
 * helper took it over (it had not been renewed for AE_JOURNAL_LEASE_TTL):
 * then this process must stop deciding. */
int ae_journal_lock_renew(int lease_fd, long long now, ae_error *err);

/* Clear the lease (best effort) and close lease_fd. Safe on -1. */
void ae_journal_lock_release(int lease_fd);

/* Whether another helper holds the journal fd (events.jsonl, opened in
 * dirfd), without taking it: 1 (who says who), 0 (free), -1 with err set
 * (the lock failed). */
int ae_journal_lock_probe(int dirfd, int fd, char *who, size_t size,
                          ae_error *err);

#endif /* AE_JOURNAL_LOCK_H */
