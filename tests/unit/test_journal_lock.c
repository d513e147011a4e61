/* The journal's lock decision (ae_journal_lock_decide): what flock(2) says
 * and the lease found, as another node, a dead process or a file system
 * without locks leave them. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>

#include "ae_journal_lock.h"
#include "testutil.h"

static ae_journal_holder holder(const char *host, const char *boot,
                                long long heartbeat)
{
	ae_journal_holder h;

	memset(&h, 0, sizeof(h));
	snprintf(h.host, sizeof(h.host), "%s", host);
	snprintf(h.boot_id, sizeof(h.boot_id), "%s", boot);
	h.pid = 4242;
	h.heartbeat = heartbeat;
	return h;
}

static void test_flock_answers(void)
{
	ae_journal_holder self = holder("node1", "b1", 1000);

	/* held on this node (or cluster-wide): wait */
	CHECK_INT(ae_journal_lock_decide(EWOULDBLOCK, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_HELD);
	/* taken, no lease: free */
	CHECK_INT(ae_journal_lock_decide(0, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	/* a file system without locks (Lustre without -o flock, NFS without
	 * lockd): the lease decides alone, and none is there */
	CHECK_INT(ae_journal_lock_decide(ENOSYS, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	CHECK_INT(ae_journal_lock_decide(ENOLCK, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	CHECK_INT(ae_journal_lock_decide(EOPNOTSUPP, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	CHECK_INT(ae_journal_lock_decide(EINVAL, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	CHECK(ae_journal_lock_unsupported(ENOSYS));
	CHECK(!ae_journal_lock_unsupported(EIO));
	/* any other failure: refused, never taken as held by us */
	CHECK_INT(ae_journal_lock_decide(EIO, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_BROKEN);
	CHECK_INT(ae_journal_lock_decide(EBADF, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_BROKEN);
	CHECK_INT(ae_journal_lock_decide(EACCES, NULL, &self, 0, 1000),
	          AE_JOURNAL_LOCK_BROKEN);
}

static void test_leases(void)
{
	ae_journal_holder self = holder("node1", "b1", 1000);
	ae_journal_holder other = holder("node2", "b2", 995);
	ae_journal_holder old = holder("node2", "b2", 1000 - 61);
	ae_journal_holder here = holder("node1", "b1", 900);
	ae_journal_holder rebooted = holder("node1", "b0", 999);
	ae_journal_holder unknown = holder("", "", 990);
	ae_journal_holder released = holder("node2", "b2", 999);

	released.released = 1;
	/* another node renewed lately: held, whatever flock said (a
	 * node-local lock succeeds here) */
	CHECK_INT(ae_journal_lock_decide(0, &other, &self, 0, 1000),
	          AE_JOURNAL_LOCK_HELD);
	CHECK_INT(ae_journal_lock_decide(ENOSYS, &other, &self, 0, 1000),
	          AE_JOURNAL_LOCK_HELD);
	/* silent for longer than the TTL: its node is gone */
	CHECK_INT(ae_journal_lock_decide(0, &old, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	CHECK_INT(ae_journal_lock_decide(0, &released, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	/* this node: its process decides, not the clock */
	CHECK_INT(ae_journal_lock_decide(ENOSYS, &here, &self, 1, 1000),
	          AE_JOURNAL_LOCK_HELD);
	CHECK_INT(ae_journal_lock_decide(0, &here, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	/* this node before a reboot: nothing of it runs */
	CHECK_INT(ae_journal_lock_decide(0, &rebooted, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	/* a lease that could not be read, written lately: someone's */
	CHECK_INT(ae_journal_lock_decide(0, &unknown, &self, 0, 1000),
	          AE_JOURNAL_LOCK_HELD);
	unknown.heartbeat = 900;
	CHECK_INT(ae_journal_lock_decide(0, &unknown, &self, 0, 1000),
	          AE_JOURNAL_LOCK_FREE);
	/* held on this node by the lock: held, lease or not */
	CHECK_INT(ae_journal_lock_decide(EWOULDBLOCK, &old, &self, 0, 1000),
	          AE_JOURNAL_LOCK_HELD);
}

static void test_self(void)
{
	ae_journal_holder self;
	char buf[256];

	ae_journal_holder_self(&self, 1234);
	CHECK(self.host[0] != '\0');
	CHECK_INT(self.pid, getpid());
	CHECK(self.start_ticks > 0);
	CHECK_INT(self.heartbeat, 1234);
	CHECK(!self.released);
	ae_journal_holder_describe(&self, 1240, buf, sizeof(buf));
	CHECK(strstr(buf, self.host) == buf);
	CHECK(strstr(buf, "renewed 6 s ago") != NULL);
}

int main(void)
{
	test_flock_answers();
	test_leases();
	test_self();
	TEST_MAIN_END();
}
