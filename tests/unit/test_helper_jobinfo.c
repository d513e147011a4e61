/* helper_jobinfo: `scontrol show job -o` parsing (values with spaces, unset
 * fields) and Slurm's filename patterns. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "helper_jobinfo.h"
#include "testutil.h"

int main(void)
{
	helper_jobinfo ji;
	ae_error err;
	char *s;

	memset(&ji, 0, sizeof(ji));
	CHECK_INT(
	    helper_jobinfo_parse(
	        "JobId=123 ArrayJobId=120 ArrayTaskId=3 JobName=my long job "
	        "UserId=alice(1000) GroupId=alice(1000) Restarts=2 "
	        "BatchHost=nid0012.cluster WorkDir=/home/alice "
	        "StdErr=/out dir/e.err StdIn=/dev/null "
	        "StdOut=/out dir/slurm-120_3.out Power= TresPerNode=(null)\n"
	        "JobId=999 JobName=second\n",
	        &ji, &err),
	    0);
	CHECK_STR(ji.job_id, "123");
	CHECK_STR(ji.array_job_id, "120");
	CHECK_STR(ji.array_task_id, "3");
	CHECK_STR(ji.job_name, "my long job");
	CHECK_STR(ji.user, "alice");
	CHECK_STR(ji.node, "nid0012.cluster");
	CHECK_STR(ji.workdir, "/home/alice");
	CHECK_STR(ji.std_out, "/out dir/slurm-120_3.out");
	CHECK_INT(ji.restarts, 2);

	s = helper_jobinfo_expand("/o/%x-%j-%A_%a-%4a.%u.%N.%%.%s.%q", &ji, "0",
	                          &err);
	CHECK_STR(s, "/o/my long job-123-120_3-0003.alice.nid0012.%.batch.%q");
	free(s);
	s = helper_jobinfo_expand("{output_dir}/x%", &ji, "0", &err);
	CHECK_STR(s, "{output_dir}/x%");
	free(s);

	/* not an array job; the job id from the caller when scontrol gave none
	 */
	CHECK_INT(helper_jobinfo_parse(
	              "JobId=77 JobName=t ArrayJobId=N/A StdOut=", &ji, &err),
	          0);
	CHECK(ji.array_job_id == NULL);
	CHECK(ji.std_out == NULL);
	CHECK_INT(ji.restarts, -1);
	s = helper_jobinfo_expand("slurm-%A_%a-%j.out", &ji, "0", &err);
	CHECK_STR(s, "slurm-77_4294967294-77.out");
	free(s);
	helper_jobinfo_clear(&ji);
	s = helper_jobinfo_expand("slurm-%j.out", NULL, "55", &err);
	CHECK_STR(s, "slurm-55.out");
	free(s);
	/* %x without a job name cannot be guessed */
	s = helper_jobinfo_expand("%x.out", &ji, "55", &err);
	CHECK(s == NULL);
	CHECK(strstr(err.text, "%x") != NULL);

	CHECK_INT(helper_jobinfo_parse("slurm_load_jobs error: Invalid job id",
	                               &ji, &err),
	          -1);
	CHECK(strstr(err.text, "JobId") != NULL);
	helper_jobinfo_clear(&ji);
	TEST_MAIN_END();
}
