/* ae_sbatch: the argv (resources, extra options, script), the environment
 * (no SLURM_* but SLURM_CONF), the classification of failures, backoff. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "ae_sbatch.h"
#include "testutil.h"

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static int has(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static void test_argv(void)
{
	json_t *meta =
	    json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "job_name",
	              "train", "partition", "gpu", "account", "proj1", "qos",
	              "normal", "nodes", 2, "tasks", 8, "node_list", "n[1-2]");
	const char *extra[] = {"--time=00:30:00", "--qos=debug"};
	const char *want[] = {"sbatch",
	                      "--parsable",
	                      "--autoexp-config=/o/p/cooldowns/k/config.yaml",
	                      "--job-name=train_cd",
	                      "--partition=gpu",
	                      "--account=proj1",
	                      "--qos=normal",
	                      "--nodes=2",
	                      "--ntasks=8",
	                      "--time=00:30:00",
	                      "--qos=debug",
	                      "/o/p/job_script.sh",
	                      NULL};
	ae_sbatch_resources res;
	ae_error err;
	char **v;
	size_t i;

	ae_sbatch_resources_from_metadata(meta, &res);
	CHECK_STR(res.job_name, "train");
	CHECK_INT(res.nodes, 2);
	CHECK_INT(res.ntasks, 8);
	v = ae_sbatch_argv("sbatch", "/o/p/cooldowns/k/config.yaml", &res,
	                   "train_cd", extra, 2, "/o/p/job_script.sh", &err);
	CHECK(v != NULL);
	for (i = 0; v && want[i]; i++)
		CHECK_STR(v[i], want[i]);
	CHECK_INT(strv_len(v), i);
	ae_sbatch_strv_free(v);

	/* nothing known about the parent: no resource options at all */
	memset(&res, 0, sizeof(res));
	v = ae_sbatch_argv("/opt/slurm/bin/sbatch", "/c.yaml", &res, NULL, NULL,
	                   0, "/s.sh", &err);
	CHECK(v != NULL);
	CHECK_INT(strv_len(v), 4);
	CHECK_STR(v ? v[3] : NULL, "/s.sh");
	ae_sbatch_strv_free(v);

	/* a script that would be read as an option is refused */
	v = ae_sbatch_argv("sbatch", "/c.yaml", &res, NULL, NULL, 0, "-x.sh",
	                   &err);
	CHECK(v == NULL);
	CHECK(strstr(err.text, "starts with '-'") != NULL);

	/* counts given as strings, empty strings ignored */
	json_decref(meta);
	meta = json_pack("{s:s, s:s, s:s}", "nodes", "3", "tasks", "x",
	                 "partition", "");
	ae_sbatch_resources_from_metadata(meta, &res);
	CHECK_INT(res.nodes, 3);
	CHECK_INT(res.ntasks, 0);
	CHECK(res.partition == NULL);
	json_decref(meta);
}

/* A parent that recorded its request: the child asks for the carried
 * options, not for what the parent ran with; extra options still win. */
static void test_argv_request(void)
{
	json_t *meta = json_pack(
	    "{s:s, s:s, s:i, s:i, s:{s:[s,s,s,s,s,s,s]}}", "job_name", "train",
	    "partition", "debug", "nodes", 2, "tasks", 4, "request", "options",
	    "--nodes=2", "--ntasks-per-node=2", "--exclusive", "--gres=gpu:1",
	    "--job-name=train", "--array=0-1", "--time=10");
	const char *extra[] = {"--time=20"};
	const char *want[] = {"sbatch",
	                      "--parsable",
	                      "--autoexp-config=/c.yaml",
	                      "--job-name=train_cd",
	                      "--nodes=2",
	                      "--ntasks-per-node=2",
	                      "--exclusive",
	                      "--gres=gpu:1",
	                      "--time=10",
	                      "--time=20",
	                      "/s.sh",
	                      NULL};
	ae_sbatch_resources res;
	ae_error err;
	char **v;
	size_t i;

	ae_sbatch_resources_from_metadata(meta, &res);
	CHECK(res.options != NULL);
	v = ae_sbatch_argv("sbatch", "/c.yaml", &res, "train_cd", extra, 1,
	                   "/s.sh", &err);
	CHECK(v != NULL);
	for (i = 0; v && want[i]; i++)
		CHECK_STR(v[i], want[i]);
	CHECK_INT(strv_len(v), i);
	ae_sbatch_strv_free(v);
	json_decref(meta);
}

static void test_envp(void)
{
	const char *base[] = {"PATH=/usr/bin:/bin",
	                      "HOME=/home/u",
	                      "SLURM_JOB_ID=100",
	                      "SLURM_NTASKS=8",
	                      "SLURM_CONF=/etc/slurm/slurm.conf",
	                      "SLURMD_NODENAME=n1",
	                      "SLURM_CONFX=1",
	                      "AUTOEXP_CONFIG=/o/p/resolved_config.yaml",
	                      "AUTOEXP_CONFIG_PATH=/old",
	                      "NOEQUALS",
	                      NULL};
	const char *drop[] = {"AUTOEXP_CONFIG", NULL};
	const char *set[] = {"AUTOEXP_CONFIG_PATH=/a:/b", "X=1", NULL};
	ae_error err;
	char **v = ae_sbatch_envp(base, drop, set, &err);

	CHECK(v != NULL);
	CHECK(has(v, "PATH=/usr/bin:/bin"));
	CHECK(has(v, "HOME=/home/u"));
	CHECK(has(v, "SLURM_CONF=/etc/slurm/slurm.conf"));
	CHECK(!has(v, "SLURM_JOB_ID=100"));
	CHECK(!has(v, "SLURM_NTASKS=8"));
	CHECK(!has(v, "SLURM_CONFX=1"));
	/* SLURMD_ is not SLURM_: kept (sbatch ignores it) */
	CHECK(has(v, "SLURMD_NODENAME=n1"));
	CHECK(!has(v, "AUTOEXP_CONFIG=/o/p/resolved_config.yaml"));
	CHECK(!has(v, "AUTOEXP_CONFIG_PATH=/old"));
	CHECK(has(v, "AUTOEXP_CONFIG_PATH=/a:/b"));
	CHECK(has(v, "X=1"));
	CHECK(!has(v, "NOEQUALS"));
	CHECK_INT(strv_len(v), 6);
	ae_sbatch_strv_free(v);

	v = ae_sbatch_envp(NULL, NULL, NULL, &err);
	CHECK(v != NULL && v[0] == NULL);
	ae_sbatch_strv_free(v);
}

static void test_classify(void)
{
	char id[32], why[256];

	CHECK_INT(ae_sbatch_classify(0, 0, "12345\n", "", id, sizeof(id), why,
	                             sizeof(why)),
	          AE_SBATCH_SUBMITTED);
	CHECK_STR(id, "12345");
	CHECK_INT(ae_sbatch_classify(0, 0, "678;cluster2\n", "", id, sizeof(id),
	                             why, sizeof(why)),
	          AE_SBATCH_SUBMITTED);
	CHECK_STR(id, "678");
	CHECK_INT(ae_sbatch_classify(0, 0, "Submitted batch job 5\n", "", id,
	                             sizeof(id), why, sizeof(why)),
	          AE_SBATCH_PERMANENT);
	CHECK(strstr(why, "without a job id") != NULL);
	CHECK_INT(
	    ae_sbatch_classify(0, 0, "", "", id, sizeof(id), why, sizeof(why)),
	    AE_SBATCH_PERMANENT);

	CHECK_INT(ae_sbatch_classify(
	              1, 0, "",
	              "sbatch: error: Batch job submission failed: "
	              "Unable to contact slurm controller (connect failure)\n",
	              id, sizeof(id), why, sizeof(why)),
	          AE_SBATCH_TRANSIENT);
	CHECK(strstr(why, "transient") != NULL);
	CHECK_INT(ae_sbatch_classify(
	              1, 0, "",
	              "sbatch: error: Socket timed out on send/recv operation",
	              id, sizeof(id), why, sizeof(why)),
	          AE_SBATCH_TRANSIENT);
	CHECK_INT(ae_sbatch_classify(1, 0, "",
	                             "error: connect: Connection refused", id,
	                             sizeof(id), why, sizeof(why)),
	          AE_SBATCH_TRANSIENT);
	CHECK_INT(
	    ae_sbatch_classify(1, 0, "",
	                       "Batch job submission failed: Slurm temporarily "
	                       "unable to accept job, sleeping and retrying",
	                       id, sizeof(id), why, sizeof(why)),
	    AE_SBATCH_TRANSIENT);
	CHECK_INT(ae_sbatch_classify(
	              1, 0, "",
	              "sbatch: error: Batch job submission failed: Invalid "
	              "account or account/partition combination specified\n",
	              id, sizeof(id), why, sizeof(why)),
	          AE_SBATCH_PERMANENT);
	CHECK(strstr(why, "Invalid account") != NULL);
	CHECK(strstr(why, "exited 1") != NULL);
	/* a hung sbatch may have submitted: never retried */
	CHECK_INT(ae_sbatch_classify(-1, 1, "",
	                             "Unable to contact slurm controller", id,
	                             sizeof(id), why, sizeof(why)),
	          AE_SBATCH_PERMANENT);
	CHECK(strstr(why, "timed out") != NULL);
	/* why may be NULL */
	CHECK_INT(ae_sbatch_classify(2, 0, NULL, NULL, id, sizeof(id), NULL, 0),
	          AE_SBATCH_PERMANENT);
}

static void test_backoff(void)
{
	CHECK(ae_sbatch_backoff(1) == 1);
	CHECK(ae_sbatch_backoff(2) == 2);
	CHECK(ae_sbatch_backoff(3) == 4);
	CHECK(ae_sbatch_backoff(5) == 16);
	CHECK(ae_sbatch_backoff(6) == 30);
	CHECK(ae_sbatch_backoff(100) == 30);
}

int main(void)
{
	test_argv();
	test_argv_request();
	test_envp();
	test_classify();
	test_backoff();
	TEST_MAIN_END();
}
