/* helper_jobinfo: the job's facts from its start's job_metadata.json (no
 * slurmctld), `scontrol show job -o` parsing for a helper without one
 * (values with spaces, unset fields), and Slurm's filename patterns with
 * the helper's fallbacks. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper_jobinfo.h"
#include "testutil.h"

/* Write dir/job_metadata.json from JSON text. */
static void write_meta(const char *dir, const char *text)
{
	char path[PATH_MAX];
	json_t *j = json_loads(text, 0, NULL);

	CHECK(j != NULL);
	snprintf(path, sizeof(path), "%s/job_metadata.json", dir);
	CHECK_INT(json_dump_file(j, path, 0), 0);
	json_decref(j);
}

/* helper_jobinfo_load on the directory opened (-1 when it cannot be). */
static int load(const char *dir, helper_jobinfo *ji, ae_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	rc = helper_jobinfo_load(fd, dir, ji, err);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The facts of a start as the plugin records them: the log from the
 * request (the command line's --output over the script's -o, relative to
 * the --chdir of a #SBATCH line from the submission directory), the ids,
 * the run's start number, this host for %N. */
static void test_load(void)
{
	char dir[] = "/tmp/test_helper_jobinfo.XXXXXX", host[256], *dot;
	helper_jobinfo ji;
	ae_error err;

	memset(&ji, 0, sizeof(ji));
	CHECK(mkdtemp(dir) != NULL);
	write_meta(dir, "{\"job_id\": \"77\", \"array_job_id\": null, "
	                "\"array_task_id\": null, \"job_name\": \"train\", "
	                "\"user\": \"alice\", \"submit_dir\": \"/home/a/exp\", "
	                "\"start\": 3, \"request\": {\"options\": "
	                "[\"--parsable\", \"--output=logs/%x-%j.out\"], "
	                "\"script\": \"job.sh\", \"directives\": "
	                "[\"-o dir.log\", \"-D sub\", "
	                "\"--open-mode=append\"]}}");
	CHECK_INT(load(dir, &ji, &err), 0);
	CHECK_STR(ji.job_id, "77");
	CHECK(ji.array_job_id == NULL && ji.array_task_id == NULL);
	CHECK_STR(ji.job_name, "train");
	CHECK_STR(ji.user, "alice");
	CHECK_STR(ji.workdir, "/home/a/exp/sub");
	CHECK_STR(ji.std_out, "/home/a/exp/sub/logs/train-77.out");
	CHECK_INT(ji.append, 1);
	CHECK_INT(ji.start, 3);
	CHECK_INT(ji.restarts, -1);
	CHECK_INT(gethostname(host, sizeof(host) - 1), 0);
	host[sizeof(host) - 1] = '\0';
	if ((dot = strchr(host, '.')))
		*dot = '\0';
	CHECK_STR(ji.node, host);

	/* an array task without --output: Slurm's default, in the
	 * submission directory */
	write_meta(dir, "{\"job_id\": \"125\", \"array_job_id\": \"120\", "
	                "\"array_task_id\": \"3\", \"job_name\": \"s\", "
	                "\"user\": \"alice\", \"submit_dir\": \"/home/a\", "
	                "\"request\": {\"options\": [], \"script\": null}}");
	CHECK_INT(load(dir, &ji, &err), 0);
	CHECK_STR(ji.std_out, "/home/a/slurm-120_3.out");
	CHECK_INT(ji.append, 0);
	CHECK_INT(ji.start, -1);

	/* no request (an older autoexp): not guessed, scontrol knows */
	write_meta(dir, "{\"job_id\": \"5\", \"submit_dir\": \"/h\", "
	                "\"request\": null}");
	CHECK_INT(load(dir, &ji, &err), -1);
	CHECK(strstr(err.text, "request") != NULL);
	CHECK(ji.job_id == NULL && ji.std_out == NULL);
	/* no job id */
	write_meta(dir, "{\"submit_dir\": \"/h\", \"request\": {}}");
	CHECK_INT(load(dir, &ji, &err), -1);
	CHECK(strstr(err.text, "job_id") != NULL);
	/* a relative log without a known working directory */
	write_meta(dir, "{\"job_id\": \"5\", \"request\": {}}");
	CHECK_INT(load(dir, &ji, &err), -1);
	CHECK(strstr(err.text, "working directory") != NULL);
	/* no file, no directory */
	CHECK_INT(test_rmtree(dir), 0);
	CHECK_INT(mkdir(dir, 0700), 0);
	CHECK_INT(load(dir, &ji, &err), -1);
	CHECK(strstr(err.text, "job_metadata.json") != NULL);
	CHECK_INT(test_rmtree(dir), 0);
	CHECK_INT(load(dir, &ji, &err), -1);
	helper_jobinfo_clear(&ji);
}

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
	/* a job name or comment that looks like a field (scontrol escapes
	 * nothing): which StdOut or JobId is Slurm's is unknown, so none */
	CHECK_INT(helper_jobinfo_parse(
	              "JobId=5 JobName=x StdOut=/tmp/evil UserId=a(1) "
	              "WorkDir=/w StdOut=/w/slurm-5.out Power=",
	              &ji, &err),
	          -2);
	CHECK(ji.std_out == NULL && ji.job_id == NULL);
	CHECK(strstr(err.text, "StdOut= twice") != NULL);
	CHECK_INT(helper_jobinfo_parse("JobId=5 JobName=x JobId=6 UserId=a(1) "
	                               "Comment=a StdOut=/x StdOut=/w/o",
	                               &ji, &err),
	          -2);
	CHECK(strstr(err.text, "JobId= twice") != NULL);
	CHECK(strstr(err.text, "JobId") != NULL);
	helper_jobinfo_clear(&ji);
	test_load();
	TEST_MAIN_END();
}
