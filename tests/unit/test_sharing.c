/* Who may read a run's provenance, from the job's umask (SLURM_UMASK). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>

#include "ae_proc.h"
#include "ae_sharing.h"
#include "testutil.h"

static void test_umask(void)
{
	mode_t m = 0;

	CHECK_INT(ae_sharing_umask("0022", &m), 0);
	CHECK_INT(m, 022);
	CHECK_INT(ae_sharing_umask("27", &m), 0);
	CHECK_INT(m, 027);
	CHECK_INT(ae_sharing_umask("7777", &m), 0);
	CHECK_INT(m, 0777);
	m = 1;
	CHECK_INT(ae_sharing_umask(NULL, &m), -1);
	CHECK_INT(ae_sharing_umask("", &m), -1);
	CHECK_INT(ae_sharing_umask("0028", &m), -1);
	CHECK_INT(ae_sharing_umask("00022", &m), -1);
	CHECK_INT(ae_sharing_umask("0x22", &m), -1);
	CHECK_INT(ae_sharing_umask(" 022", &m), -1);
	CHECK_INT(m, 1);
}

static void test_dir_mode(void)
{
	/* private unless the umask keeps others out and lets the group in */
	CHECK_INT(ae_sharing_dir_mode(-1), 0700);
	CHECK_INT(ae_sharing_dir_mode(022), 0700);
	CHECK_INT(ae_sharing_dir_mode(002), 0700);
	CHECK_INT(ae_sharing_dir_mode(0), 0700);
	CHECK_INT(ae_sharing_dir_mode(077), 0700);
	CHECK_INT(ae_sharing_dir_mode(037), 0700); /* no search */
	CHECK_INT(ae_sharing_dir_mode(047), 0700); /* no read */
	CHECK_INT(ae_sharing_dir_mode(026), 0700); /* others search */
	CHECK_INT(ae_sharing_dir_mode(027), 0750);
	CHECK_INT(ae_sharing_dir_mode(007), 0750);
	CHECK_INT(ae_sharing_dir_mode(0227), 0750);
}

/* what the plugin reads when slurmstepd has taken SLURM_UMASK away */
static void test_proc_umask(void)
{
	mode_t m = 0;

	umask(027);
	CHECK_INT(ae_proc_umask(&m), 0);
	CHECK_INT(m, 027);
	umask(022);
	CHECK_INT(ae_proc_umask(&m), 0);
	CHECK_INT(m, 022);
}

int main(void)
{
	test_umask();
	test_dir_mode();
	test_proc_umask();
	TEST_MAIN_END();
}
