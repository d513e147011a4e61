/* Job start without Slurm: a config prepared as sbatch does, then resolved
 * into provenance as the batch step does; restarts and reuse of an output
 * directory by another job. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_jobstart.h"
#include "ae_provenance.h"
#include "ae_yaml.h"
#include "ae_submit.h"
#include "testutil.h"

static char base[] = "/tmp/ae_jobstart_XXXXXX";

static const char *fake_env(const char *name, void *ctx)
{
	(void)ctx;
	if (strcmp(name, "OUT") == 0)
		return base;
	if (strcmp(name, "DATA_DIR") == 0)
		return "/data/tokens";
	return NULL;
}

static char *slurp(const char *dir, const char *name)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static char *prepare(const char *yaml, const char *ts)
{
	char path[512];
	ae_submit_result res;
	ae_error err;
	FILE *f;
	char *cap;

	snprintf(path, sizeof(path), "%s/exp.yaml", base);
	f = fopen(path, "w");
	fputs(yaml, f);
	fclose(f);
	ae_error_clear(&err);
	if (ae_submit_prepare(path, NULL, 0, NULL, NULL, NULL, ts, NULL, &res,
	                      &err) < 0) {
		fprintf(stderr, "prepare: %s\n", err.text);
		return NULL;
	}
	cap = res.capture;
	res.capture = NULL;
	ae_submit_result_clear(&res);
	/* the file can change or vanish now: the capture is what runs */
	unlink(path);
	return cap;
}

static int start(const char *cap, const char *job_id, ae_jobstart_result *res,
                 ae_error *err)
{
	ae_jobstart_info info = {0};
	json_t *meta = json_pack("{s:s}", "job_id", job_id);
	int rv;

	info.uid = getuid();
	info.job_id = job_id;
	info.workdir = base;
	info.env = fake_env;
	info.metadata = meta;
	info.job_script = "#!/bin/sh\ntrue\n";
	info.job_script_len = 15;
	info.start_time = 1700000000;
	rv = ae_jobstart_run(cap, &info, res, err);
	json_decref(meta);
	return rv;
}

static void test_first_start_and_restart(void)
{
	const char *yaml =
	    "project:\n"
	    "  name: run\n"
	    "  base_output_dir: ${oc.env:OUT}/${.name}_${oc.timestring:}\n"
	    "data: ${oc.env:DATA_DIR}\n"
	    "backend:\n"
	    "  megatron:\n"
	    "    save: ${project.base_output_dir}/checkpoints\n"
	    "    api_token: s3cr3t\n";
	char *cap = prepare(yaml, "20250101_000000_000");
	char want[512];
	ae_jobstart_result res;
	ae_error err;
	char *text;
	json_t *meta;
	int dfd;

	CHECK(cap != NULL);
	if (!cap)
		return;
	ae_error_clear(&err);
	CHECK_INT(start(cap, "11", &res, &err), 0);
	snprintf(want, sizeof(want), "%s/run_20250101_000000_000", base);
	CHECK_STR(res.output_dir, want);
	CHECK_INT(res.restarted, 0);
	close(res.prov_fd);
	text = slurp(res.provenance_dir, "resolved_config.yaml");
	CHECK(text && strstr(text, "/data/tokens"));
	CHECK(text && strstr(text, "run_20250101_000000_000/checkpoints"));
	CHECK(text && !strstr(text, "s3cr3t"));
	free(text);
	text = slurp(res.provenance_dir, "unresolved_config.yaml");
	CHECK(text && strstr(text, "${project.base_output_dir}/checkpoints"));
	free(text);
	text = slurp(res.provenance_dir, "job_script.sh");
	CHECK(text && strcmp(text, "#!/bin/sh\ntrue\n") == 0);
	free(text);
	dfd = open(res.provenance_dir, O_RDONLY | O_DIRECTORY);
	meta = ae_provenance_read_json(dfd, "run_metadata.json", &err);
	close(dfd);
	CHECK(meta && json_is_array(json_object_get(meta, "restarts")));
	CHECK(meta &&
	      strlen(json_string_value(json_object_get(
	          json_object_get(meta, "config_sha256"), "resolved"))) == 64);
	json_decref(meta);

	/* the same job again (requeue): provenance kept, restart recorded */
	CHECK_INT(start(cap, "11", &res, &err), 0);
	CHECK_INT(res.restarted, 1);
	close(res.prov_fd);
	text = slurp(res.provenance_dir, "run_metadata.json");
	CHECK(
	    text &&
	    strstr(text,
	           "\"restarts\": [\n    {\n      \"start_time\": 1700000000"));
	free(text);

	/* another job in the same output dir: the earlier provenance moves
	 * aside */
	CHECK_INT(start(cap, "12", &res, &err), 0);
	CHECK_INT(res.restarted, 0);
	close(res.prov_fd);
	snprintf(want, sizeof(want),
	         "%s/run_20250101_000000_000/provenance.11/run_metadata.json",
	         base);
	CHECK(access(want, F_OK) == 0);
	free(cap);
}

static void test_errors(void)
{
	char *cap = prepare(
	    "project:\n  name: x\n  base_output_dir: ${oc.env:NOPE}/x\n",
	    "20250101_000000_000");
	ae_jobstart_result res;
	ae_error err;

	CHECK(cap != NULL);
	if (!cap)
		return;
	ae_error_clear(&err);
	CHECK_INT(start(cap, "13", &res, &err), -1);
	CHECK(strstr(err.text, "NOPE") != NULL);
	CHECK_INT(res.prov_fd, -1);
	free(cap);
	cap = prepare("project:\n  name: x\n", NULL);
	CHECK_INT(start(cap, "14", &res, &err), -1);
	CHECK(strstr(err.path, "base_output_dir") != NULL);
	free(cap);
	CHECK_INT(start("{\"version\": 1}", "15", &res, &err), -1);
}

static void test_output_dir(void)
{
	static const struct {
		const char *dir, *workdir, *task, *want;
	} cases[] = {
	    {"./output/run", "/home/u/exp", NULL, "/home/u/exp/output/run"},
	    {"output//run/.", "/w/", NULL, "/w/output/run"},
	    {"/abs/./x/", "/w", "3", "/abs/x/array_task_3"},
	    {"../up/./x", "/w/sub", NULL, "/w/sub/../up/x"},
	    {"a.b/.c", "/w", NULL, "/w/a.b/.c"},
	};
	char buf[4096], yaml[256];
	ae_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ae_node *cfg;

		snprintf(yaml, sizeof(yaml),
		         "project:\n  base_output_dir: '%s'\n", cases[i].dir);
		cfg = ae_yaml_load_string(yaml, strlen(yaml), "t.yaml", NULL,
		                          &err);
		CHECK(cfg != NULL);
		CHECK_INT(ae_jobstart_output_dir(cfg, cases[i].workdir,
		                                 cases[i].task, buf,
		                                 sizeof(buf), &err),
		          0);
		CHECK_STR(buf, cases[i].want);
		ae_node_free(cfg);
	}
}

int main(void)
{
	if (!mkdtemp(base))
		return 1;
	chmod(base, 0755);
	test_first_start_and_restart();
	test_errors();
	test_output_dir();
	test_rmtree(base);
	TEST_MAIN_END();
}
