/* Job start without Slurm: a config prepared as sbatch does, then resolved
 * into provenance as the batch step does; restarts and reuse of an output
 * directory by another job. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ae_capture.h"
#include "ae_endrecord.h"
#include "ae_fsbatch.h"
#include "ae_jobstart.h"
#include "ae_provenance.h"
#include "ae_resume.h"
#include "ae_runlock.h"
#include "ae_taskdir.h"
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
	if (strcmp(name, "SLURM_ARRAY_TASK_ID") == 0)
		return "3";
	/* the review's reproduction */
	if (strcmp(name, "DB_PASSWORD") == 0)
		return "hunter2-db";
	if (strcmp(name, "MY_PASSWD") == 0)
		return "pw2-secret";
	if (strcmp(name, "GITLAB_PAT") == 0)
		return "glpat-xyz";
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

static int start_as(const char *cap, const char *job_id, const char *task,
                    ae_jobstart_result *res, ae_error *err)
{
	ae_jobstart_info info = {0};
	json_t *meta = json_pack("{s:s}", "job_id", job_id);
	int rv;

	info.uid = getuid();
	info.job_id = job_id;
	info.array_task_id = task;
	info.host = "node1";
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

static int start(const char *cap, const char *job_id, ae_jobstart_result *res,
                 ae_error *err)
{
	return start_as(cap, job_id, NULL, res, err);
}

static void close_all(ae_jobstart_result *res)
{
	close(res->prov_fd);
	close(res->job_fd);
	close(res->lock_fd); /* the job ends: the run is free */
}

static json_t *read_json(const char *dir, const char *name)
{
	ae_error err;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	json_t *obj =
	    dfd >= 0 ? ae_provenance_read_json(dfd, name, &err) : NULL;

	if (dfd >= 0)
		close(dfd);
	return obj;
}

static const char run_yaml[] =
    "project:\n"
    "  name: run\n"
    "  base_output_dir: ${oc.env:OUT}/${.name}_${oc.timestring:}\n"
    "data: ${oc.env:DATA_DIR}\n"
    "backend:\n"
    "  megatron:\n"
    "    save: ${project.base_output_dir}/checkpoints\n"
    "    api_token: s3cr3t\n";

static void test_first_start_and_restart(void)
{
	char *cap = prepare(run_yaml, "20250101_000000_000");
	char *other = prepare("project:\n  name: run\n  base_output_dir: "
	                      "${oc.env:OUT}/run_20250101_000000_000\n"
	                      "x: 1\n",
	                      NULL);
	char want[PATH_MAX + 16], first_prov[PATH_MAX];
	ae_jobstart_result res, res2;
	ae_error err;
	char *text;
	json_t *meta, *starts, *ends;

	CHECK(cap != NULL && other != NULL);
	if (!cap || !other)
		return;
	ae_error_clear(&err);
	CHECK_INT(start(cap, "11", &res, &err), 0);
	snprintf(want, sizeof(want), "%s/run_20250101_000000_000", base);
	CHECK_STR(res.output_dir, want);
	snprintf(want, sizeof(want),
	         "%s/run_20250101_000000_000/provenance/jobs/11", base);
	CHECK_STR(res.job_dir, want);
	CHECK_INT(res.start, 1);
	CHECK_INT(res.lock_held, 1);
	snprintf(first_prov, sizeof(first_prov), "%s", res.provenance_dir);

	/* while job 11 runs, job 12 of the same run is refused: the lock */
	CHECK_INT(start(cap, "12", &res2, &err), -1);
	CHECK(strstr(err.text, "in use by job 11") != NULL);
	CHECK(strstr(err.text, "on node1") != NULL);
	CHECK(strstr(err.text, "--dependency=singleton") != NULL);
	CHECK_INT(res2.prov_fd, -1);
	CHECK_INT(res2.lock_fd, -1);
	close_all(&res);

	text = slurp(first_prov, "resolved_config.yaml");
	CHECK(text && strstr(text, "/data/tokens"));
	CHECK(text && strstr(text, "run_20250101_000000_000/checkpoints"));
	CHECK(text && !strstr(text, "s3cr3t"));
	free(text);
	text = slurp(res.job_dir, "resolved_config.yaml");
	CHECK(text && strstr(text, "/data/tokens"));
	free(text);
	CHECK(strstr(res.config_file, "/provenance/jobs/11/resolved_config"));
	text = slurp(first_prov, "unresolved_config.yaml");
	CHECK(text && strstr(text, "${project.base_output_dir}/checkpoints"));
	free(text);
	text = slurp(first_prov, "job_script.sh");
	CHECK(text && strcmp(text, "#!/bin/sh\ntrue\n") == 0);
	free(text);
	meta = read_json(first_prov, "run_metadata.json");
	CHECK_STR(json_string_value(
	              json_object_get(json_object_get(meta, "run"), "id")),
	          "11");
	CHECK_INT((int)json_array_size(json_object_get(meta, "starts")), 1);
	CHECK(meta &&
	      strlen(json_string_value(json_object_get(
	          json_object_get(meta, "config_sha256"), "resolved"))) == 64);
	json_decref(meta);

	/* the same job again (requeue): a second start of the run, its own
	 * directory; the first start's files stay */
	CHECK_INT(start(cap, "11", &res, &err), 0);
	CHECK_INT(res.start, 2);
	CHECK(strstr(res.job_dir, "/jobs/11_start2") != NULL);
	close_all(&res);
	/* and again: a third start, never another's directory; this one
	 * records its end (the others never reach their exit here) */
	CHECK_INT(start(cap, "11", &res, &err), 0);
	CHECK(strstr(res.job_dir, "/jobs/11_start3") != NULL);
	CHECK_INT(ae_endrecord_write(res.prov_fd, res.job_fd,
	                             "{\"state\":\"COMPLETED\"}", 3, "11",
	                             &err),
	          0);
	close_all(&res);
	text = slurp(first_prov, "jobs/11/job_metadata.json");
	CHECK(text && strstr(text, "\"start\": 1"));
	free(text);
	/* another job of the same config continues the run */
	CHECK_INT(start(cap, "12", &res, &err), 0);
	CHECK_INT(res.start, 4);
	CHECK_STR(res.provenance_dir, first_prov);
	close_all(&res);
	meta = read_json(first_prov, "run_metadata.json");
	starts = json_object_get(meta, "starts");
	CHECK_INT((int)json_array_size(starts), 4);
	CHECK_STR(json_string_value(
	              json_object_get(json_array_get(starts, 1), "dir")),
	          "jobs/11_start2");
	CHECK_STR(json_string_value(
	              json_object_get(json_array_get(starts, 2), "dir")),
	          "jobs/11_start3");
	CHECK_STR(json_string_value(
	              json_object_get(json_array_get(starts, 3), "job_id")),
	          "12");
	CHECK_STR(json_string_value(json_object_get(meta, "job_id")), "11");
	/* lineage: each start names the one before and the one after */
	CHECK(json_object_get(json_array_get(starts, 0), "previous") == NULL);
	CHECK_INT(
	    (int)json_integer_value(json_object_get(
	        json_object_get(json_array_get(starts, 0), "next"), "start")),
	    2);
	CHECK_STR(
	    json_string_value(json_object_get(
	        json_object_get(json_array_get(starts, 2), "next"), "job_id")),
	    "12");
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(json_array_get(starts, 3), "previous"),
	              "job_id")),
	          "11");
	CHECK_INT((int)json_integer_value(json_object_get(
	              json_object_get(json_array_get(starts, 3), "previous"),
	              "start")),
	          3);
	CHECK(json_object_get(json_array_get(starts, 3), "next") == NULL);
	/* starts 1 and 2 never recorded an end (their batch host died, say):
	 * the next start noted each, UNKNOWN; start 3's own end stays the
	 * only one of start 3 */
	ends = json_object_get(meta, "ends");
	CHECK_INT((int)json_array_size(ends), 3);
	for (int i = 0; i < 2; i++) {
		json_t *e = json_array_get(ends, (size_t)i);

		CHECK_INT((int)json_integer_value(json_object_get(e, "start")),
		          i + 1);
		CHECK_STR(json_string_value(json_object_get(e, "state")),
		          "UNKNOWN");
		CHECK_INT((int)json_integer_value(
		              json_object_get(e, "noted_by_start")),
		          i + 2);
		CHECK_STR(json_string_value(json_object_get(e, "job_id")),
		          "11");
	}
	CHECK_STR(json_string_value(
	              json_object_get(json_array_get(ends, 2), "state")),
	          "COMPLETED");
	json_decref(meta);
	meta = read_json(res.job_dir, "job_metadata.json");
	CHECK_STR(json_string_value(json_object_get(meta, "run_id")), "11");
	CHECK_INT((int)json_integer_value(json_object_get(meta, "start")), 4);
	CHECK_INT((int)json_integer_value(json_object_get(
	              json_object_get(meta, "previous"), "start")),
	          3);
	json_decref(meta);

	/* a job of another config into the same directory: refused, nothing
	 * written for it */
	CHECK_INT(start(other, "13", &res, &err), -1);
	CHECK(strstr(err.text, "holds run 11") != NULL);
	snprintf(want, sizeof(want), "%s/jobs/13", first_prov);
	CHECK(access(want, F_OK) != 0);
	free(other);
	free(cap);
}

/* A child of test_concurrent_starts: start job `job` when told, report,
 * and keep the run (its lock) until the parent says both have tried. */
static void race_child(const char *cap, const char *job, int go, int tried,
                       int release)
{
	ae_jobstart_result res;
	ae_error err;
	char c;
	int rc;

	if (read(go, &c, 1) != 1)
		_exit(3);
	rc = start(cap, job, &res, &err);
	if (write(tried, "x", 1) != 1 || read(release, &c, 1) != 1)
		_exit(3);
	/* "in use by job N", or "by another job" when the holder had not
	 * written its name yet */
	_exit(rc == 0 ? 0 : strstr(err.text, "in use by ") ? 1 : 2);
}

/* Two processes start two jobs of one run at the same moment, many rounds:
 * exactly one starts and the other is refused with the lock's message, and
 * the run records exactly one complete start. */
static void test_concurrent_starts(void)
{
	int round, bad = 0;

	for (round = 0; round < 50; round++) {
		char yaml[128], dir[512], *cap, c[2];
		int go[2], tried[2], release[2], i, ok = 0, refused = 0;
		pid_t pid[2];
		json_t *meta;

		snprintf(yaml, sizeof(yaml),
		         "project:\n  base_output_dir: ${oc.env:OUT}/race%d\n",
		         round);
		cap = prepare(yaml, "20250101_000000_000");
		if (!cap || pipe(go) < 0 || pipe(tried) < 0 ||
		    pipe(release) < 0) {
			bad++;
			free(cap);
			break;
		}
		for (i = 0; i < 2; i++) {
			pid[i] = fork();
			if (pid[i] == 0)
				race_child(cap, i ? "201" : "200", go[0],
				           tried[1], release[0]);
		}
		/* both wait on one pipe: released together */
		if (write(go[1], "gg", 2) != 2 || read(tried[0], c, 1) != 1 ||
		    read(tried[0], c, 1) != 1 ||
		    write(release[1], "rr", 2) != 2)
			bad++;
		for (i = 0; i < 2; i++) {
			int st;

			waitpid(pid[i], &st, 0);
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				ok++;
			else if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
				refused++;
		}
		close(go[0]), close(go[1]), close(tried[0]), close(tried[1]);
		close(release[0]), close(release[1]);
		snprintf(dir, sizeof(dir), "%s/race%d/provenance", base, round);
		meta = read_json(dir, "run_metadata.json");
		if (ok != 1 || refused != 1 ||
		    json_array_size(json_object_get(meta, "starts")) != 1)
			bad++;
		json_decref(meta);
		free(cap);
	}
	CHECK_INT(bad, 0);
}

/* Array tasks: a directory that does not name the task is refused; one that
 * does is used as it is, without another level. */
static void test_array_task(void)
{
	char *shared = prepare("project:\n  base_output_dir: "
	                       "${oc.env:OUT}/arr\n",
	                       "20250101_000000_000");
	char *own = prepare("project:\n  base_output_dir: "
	                    "${oc.env:OUT}/arr_${oc.env:SLURM_ARRAY_TASK_ID}\n",
	                    "20250101_000000_000");
	char want[512];
	ae_jobstart_result res;
	ae_error err;

	CHECK(shared && own);
	if (!shared || !own)
		return;
	CHECK_INT(start_as(shared, "300", "3", &res, &err), -1);
	CHECK(strstr(err.text, "SLURM_ARRAY_TASK_ID") != NULL);
	CHECK_STR(err.path, "project.base_output_dir");
	/* the same config is fine for a job that is not an array task */
	CHECK_INT(start_as(shared, "301", NULL, &res, &err), 0);
	close_all(&res);
	CHECK_INT(start_as(own, "302", "3", &res, &err), 0);
	snprintf(want, sizeof(want), "%s/arr_3", base);
	CHECK_STR(res.output_dir, want);
	close_all(&res);
	free(shared);
	free(own);
}

/* ae_taskdir on its own: which paths tell tasks apart. */
static void test_taskdir(void)
{
	static const struct {
		const char *yaml;
		int want;
		const char *key;
	} cases[] = {
	    {"project:\n  base_output_dir: /r/${oc.env:SLURM_ARRAY_TASK_ID}\n",
	     0, NULL},
	    {"project:\n  base_output_dir: /r/j${oc.env:SLURM_JOB_ID}\n", 0,
	     NULL},
	    {"project:\n  base_output_dir: /r/x\n", -1,
	     "project.base_output_dir"},
	    /* output_dir wins over base_output_dir */
	    {"project:\n  base_output_dir: /r/${oc.env:SLURM_ARRAY_TASK_ID}\n"
	     "  output_dir: /r/same\n",
	     -1, "project.output_dir"},
	    /* own output directories, one checkpoint directory */
	    {"project:\n  base_output_dir: /r/${oc.env:SLURM_ARRAY_TASK_ID}\n"
	     "backend:\n  megatron:\n    save: /shared/ckpt\n",
	     -1, "backend.megatron.save"},
	    {"project:\n  base_output_dir: /r/${oc.env:SLURM_ARRAY_TASK_ID}\n"
	     "backend:\n  megatron:\n    save: ${project.base_output_dir}/c\n",
	     0, NULL},
	    /* needs the job's environment: told at job start */
	    {"project:\n  base_output_dir: ${oc.env:NOT_SET_HERE}/x\n", 1,
	     NULL},
	};
	ae_resolve_opts opts = {0};
	size_t i;

	opts.timestring = "20250101_000000_000";
	opts.env = fake_env;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ae_error err;
		ae_node *cfg = ae_yaml_load_string(
		    cases[i].yaml, strlen(cases[i].yaml), "t.yaml", NULL, &err);

		ae_error_clear(&err);
		CHECK(cfg != NULL);
		CHECK_INT(ae_taskdir_check(cfg, &opts, &err), cases[i].want);
		if (cases[i].key) {
			CHECK_STR(err.path, cases[i].key);
			CHECK_STR(err.file, "t.yaml");
			CHECK(err.line > 0);
		}
		ae_node_free(cfg);
	}
}

/* At submission: only an array job is checked, whether --array comes from
 * the options or from an #SBATCH line. */
static void test_taskdir_request(void)
{
	static const char yaml[] = "project:\n  base_output_dir: /r/x\n";
	ae_node *cfg =
	    ae_yaml_load_string(yaml, strlen(yaml), "t.yaml", NULL, NULL);
	json_t *array = json_pack("[s]", "--array=0-2");
	json_t *plain = json_pack("[s]", "--nodes=2");
	ae_resolve_opts opts = {0};
	ae_error err;

	opts.env = fake_env;
	CHECK_INT(ae_taskdir_check_request(array, NULL, cfg, &opts, &err), -1);
	CHECK_INT(ae_taskdir_check_request(plain, NULL, cfg, &opts, &err), 0);
	CHECK_INT(
	    ae_taskdir_check_request(
	        plain, "#!/bin/bash\n#SBATCH -a 1-3\ntrue\n", cfg, &opts, &err),
	    -1);
	/* #SBATCH lines after the first command are not sbatch's */
	CHECK_INT(
	    ae_taskdir_check_request(
	        plain, "#!/bin/bash\ntrue\n#SBATCH -a 1-3\n", cfg, &opts, &err),
	    0);
	json_decref(array);
	json_decref(plain);
	ae_node_free(cfg);
}

/* A later start loads the run's own latest checkpoint, not the pinned
 * iteration of another run that its first start loaded. */
static void test_resume_from_own(void)
{
	char *cap = prepare("project:\n  base_output_dir: ${oc.env:OUT}/rs\n"
	                    "backend:\n  megatron:\n"
	                    "    save: ${project.base_output_dir}/ckpt\n"
	                    "    load: /parent/ckpt\n    ckpt_step: 50\n",
	                    "20250101_000000_000");
	char path[PATH_MAX + 64], *text;
	ae_jobstart_result res;
	ae_error err;
	json_t *meta;
	FILE *f;

	CHECK(cap != NULL);
	if (!cap)
		return;
	CHECK_INT(start(cap, "400", &res, &err), 0);
	close_all(&res);
	text = slurp(res.job_dir, "resolved_config.yaml");
	CHECK(text && strstr(text, "ckpt_step: 50"));
	free(text);
	/* a second start before any save of its own: as the first */
	CHECK_INT(start(cap, "401", &res, &err), 0);
	close_all(&res);
	text = slurp(res.job_dir, "resolved_config.yaml");
	CHECK(text && strstr(text, "load: /parent/ckpt") &&
	      strstr(text, "ckpt_step: 50"));
	free(text);
	/* Megatron saved iteration 20 of its own */
	snprintf(path, sizeof(path), "%s/rs/ckpt", base);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/rs/ckpt/%s", base, AE_RESUME_TRACKER);
	f = fopen(path, "w");
	fputs("20\n", f);
	fclose(f);
	CHECK_INT(start(cap, "402", &res, &err), 0);
	close_all(&res);
	text = slurp(res.job_dir, "resolved_config.yaml");
	snprintf(path, sizeof(path), "load: %s/rs/ckpt", base);
	CHECK(text && strstr(text, path) && !strstr(text, "ckpt_step"));
	free(text);
	meta = read_json(res.job_dir, "job_metadata.json");
	CHECK_INT((int)json_integer_value(json_object_get(
	              json_object_get(meta, "resumed"), "iteration")),
	          20);
	CHECK_INT(
	    (int)json_integer_value(json_object_get(
	        json_object_get(json_object_get(meta, "resumed"), "replaced"),
	        "ckpt_step")),
	    50);
	json_decref(meta);
	/* the run's own record keeps what the run was started with */
	text = slurp(res.provenance_dir, "resolved_config.yaml");
	CHECK(text && strstr(text, "ckpt_step: 50"));
	free(text);
	/* a converted checkpoint is no training state: not resumed */
	snprintf(path, sizeof(path), "%s/rs/ckpt/%s", base, AE_RESUME_TRACKER);
	f = fopen(path, "w");
	fputs("release\n", f);
	fclose(f);
	CHECK_INT(start(cap, "403", &res, &err), 0);
	close_all(&res);
	text = slurp(res.job_dir, "resolved_config.yaml");
	CHECK(text && strstr(text, "ckpt_step: 50"));
	free(text);
	free(cap);
	/* a save path cut at a NUL would name another directory (here the
	 * run's own, which has a checkpoint): refused */
	{
		char y[PATH_MAX + 128];
		ae_node *cfg;
		json_t *rec;

		snprintf(
		    y, sizeof(y),
		    "backend:\n  megatron:\n    save: \"%s/rs/ckpt\\0/new\"\n",
		    base);
		cfg = ae_yaml_load_string(y, strlen(y), "t.yaml", NULL, &err);
		CHECK(cfg != NULL);
		rec = cfg ? ae_resume_from_own(cfg, "/", getuid(), &err) : NULL;
		CHECK(rec == NULL);
		CHECK(strstr(err.text, "NUL character") != NULL);
		json_decref(rec);
		ae_node_free(cfg);
	}
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

/* Issue 17: an output directory below a directory that others can change
 * (here group-writable without the sticky bit) is refused at job start,
 * with the directory and the fix in the message, before anything is
 * created in it; with the sticky bit it starts. */
static void test_unsafe_parent(void)
{
	char shared[256], out[300], *cap;
	ae_jobstart_result res;
	ae_error err;

	snprintf(shared, sizeof(shared), "%s/project", base);
	CHECK(mkdir(shared, 0700) == 0);
	CHECK(chmod(shared, 02775) == 0);
	cap = prepare("project:\n  name: x\n  base_output_dir: project/x\n",
	              "20250101_000000_000");
	CHECK(cap != NULL);
	if (!cap)
		return;
	ae_error_clear(&err);
	CHECK_INT(start(cap, "16", &res, &err), -1);
	CHECK(strstr(err.text, "/project is writable by its group without "
	                       "the sticky bit") != NULL);
	CHECK(strstr(err.text, "chmod +t") != NULL);
	CHECK_INT(res.prov_fd, -1);
	snprintf(out, sizeof(out), "%s/x", shared);
	CHECK(access(out, F_OK) != 0);
	CHECK(chmod(shared, 03775) == 0);
	CHECK_INT(start(cap, "16", &res, &err), 0);
	if (res.prov_fd >= 0)
		close_all(&res);
	free(cap);
}

static void test_output_dir(void)
{
	static const struct {
		const char *dir, *workdir, *task, *want;
	} cases[] = {
	    {"./output/run", "/home/u/exp", NULL, "/home/u/exp/output/run"},
	    {"output//run/.", "/w/", NULL, "/w/output/run"},
	    {"/abs/./x/", "/w", NULL, "/abs/x"},
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
		CHECK_INT(ae_jobstart_output_dir(cfg, cases[i].workdir, buf,
		                                 sizeof(buf), &err),
		          0);
		CHECK_STR(buf, cases[i].want);
		ae_node_free(cfg);
	}
	/* near PATH_MAX: refused at once, not cut later into another
	 * directory's name (AUTOEXP_PROVENANCE_DIR, the start's files) */
	{
		static char y[PATH_MAX + 64];
		char dir[PATH_MAX];
		ae_node *cfg;

		for (size_t len = 4000; len <= 4050; len += 50) {
			memset(dir, 'd', len);
			for (size_t k = 0; k < len; k += 200)
				dir[k] = '/';
			dir[len] = '\0';
			snprintf(y, sizeof(y), "project:\n  output_dir: %s\n",
			         dir);
			cfg = ae_yaml_load_string(y, strlen(y), "t.yaml", NULL,
			                          &err);
			CHECK(cfg != NULL);
			CHECK_INT(ae_jobstart_output_dir(cfg, "/w", buf,
			                                 sizeof(buf), &err),
			          len == 4000 ? 0 : -1);
			if (len > 4000)
				CHECK(strstr(err.text, "PATH_MAX") != NULL);
			ae_node_free(cfg);
		}
	}
	/* a NUL inside would cut the path to another directory: refused */
	{
		static const char y[] =
		    "project:\n  output_dir: \"/w/run\\0/../other\"\n";
		ae_node *cfg =
		    ae_yaml_load_string(y, strlen(y), "t.yaml", NULL, &err);

		CHECK(cfg != NULL);
		CHECK_INT(
		    ae_jobstart_output_dir(cfg, "/w", buf, sizeof(buf), &err),
		    -1);
		CHECK(strstr(err.text, "NUL") != NULL);
		CHECK_INT(err.line, 2);
		ae_node_free(cfg);
	}
}

/* A holder whose batch script ended (ae_runlock_mark_ending): the next job
 * of the run waits for its lock instead of being refused; a holder that
 * still runs refuses at once. */
static void test_lock_of_ending_job(void)
{
	char dir[PATH_MAX];
	int dfd, fd, held = 0, st = 0, p[2];
	ae_error err;
	pid_t pid;
	char c;

	snprintf(dir, sizeof(dir), "%s/ending", base);
	mkdir(dir, 0755);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	fd = ae_runlock_take(dfd, dir, getuid(), "21", 1, "n1", &held, &err);
	CHECK(fd >= 0 && held == 1);
	/* still running: a second taker is refused at once */
	CHECK_INT(
	    ae_runlock_take(dfd, dir, getuid(), "22", 2, "n2", &held, &err),
	    -1);
	CHECK(strstr(err.text, "in use by job 21") != NULL);
	CHECK_INT(ae_runlock_mark_ending(fd, 3), 0);
	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int h = 0, f;

		close(p[0]);
		close(fd); /* the parent's open file, which holds the lock */
		f = ae_runlock_take(dfd, dir, getuid(), "22", 4, "n2", &h,
		                    &err);
		c = f >= 0 && h ? 'y' : 'n';
		_exit(write(p[1], &c, 1) == 1 ? 0 : 1);
	}
	close(p[1]);
	/* the taker waits while the ending holder keeps its lock */
	usleep(300000);
	CHECK(waitpid(pid, &st, WNOHANG) == 0);
	close(fd); /* slurmstepd ends */
	CHECK(read(p[0], &c, 1) == 1 && c == 'y');
	waitpid(pid, &st, 0);
	close(p[0]);
	close(dfd);
}

/* unresolved_config.yaml is the captured text as it is (a comment of it
 * survives), unless a value needs redacting: then it is emitted, redacted. */
static void test_unresolved_text(void)
{
	static const char plain[] = "# as captured\na: 1\nb: ${a}\n";
	static const char secret[] = "# as captured\napi_token: hunter2\n";
	const char *texts[] = {plain, secret};
	char dir[PATH_MAX], *text;
	ae_provenance_digests dg;
	ae_error err;

	snprintf(dir, sizeof(dir), "%s/unres", base);
	mkdir(dir, 0755);
	for (int i = 0; i < 2; i++) {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		ae_fsbatch *b = ae_fsbatch_new(dfd);
		ae_node *t = ae_yaml_load_string(texts[i], strlen(texts[i]),
		                                 "u.yaml", NULL, &err);

		CHECK(b && t);
		CHECK_INT(ae_provenance_add_configs(b, &dfd, 1, t, t, texts[i],
		                                    NULL, &dg, &err),
		          0);
		CHECK_INT(ae_fsbatch_commit(b, &err), 0);
		text = slurp(dir, "unresolved_config.yaml");
		if (i == 0) {
			CHECK_STR(text, plain);
		} else {
			CHECK(text && !strstr(text, "hunter2") &&
			      !strstr(text, "# as captured"));
		}
		free(text);
		ae_fsbatch_free(b);
		ae_node_free(t);
		close(dfd);
	}
}

/* A capture can be made without the sbatch check (another plugstack, the
 * REST API): in slurmstepd it is untrusted. The review's config whose
 * strings grow tenfold per level (a5 would be 10 MB, written twice) is
 * refused by the budgets of the resolution, before anything is written. */
static void test_expanding_capture(void)
{
	char *cap = prepare(run_yaml, "20250101_000000_000"), *json = NULL;
	char text[2048], dir[PATH_MAX], *p = text;
	ae_jobstart_result res;
	ae_capture *c = NULL;
	struct stat st;
	ae_error err;
	int i, k;

	CHECK(cap != NULL);
	if (cap)
		c = ae_capture_decode(cap, &err);
	CHECK(c != NULL);
	if (!c)
		goto out;
	p += sprintf(p, "project:\n  name: bomb\n"
	                "  base_output_dir: ${oc.env:OUT}/${.name}\na0: ");
	for (i = 0; i < 100; i++)
		*p++ = 'x';
	for (i = 1; i <= 5; i++) {
		p += sprintf(p, "\na%d: \"", i);
		for (k = 0; k < 10; k++)
			p += sprintf(p, "${a%d}", i - 1);
		*p++ = '"';
	}
	strcpy(p, "\n");
	free(c->unresolved);
	c->unresolved = strdup(text);
	json = ae_capture_encode(c, &err);
	CHECK(json != NULL);
	ae_error_clear(&err);
	CHECK_INT(start(json, "21", &res, &err), -1);
	CHECK(strstr(err.text, "interpolation result exceeds 1 MiB") != NULL);
	CHECK_STR(err.path, "a5");
	CHECK_INT(err.line, 9);
	CHECK_INT(res.prov_fd, -1);
	snprintf(dir, sizeof(dir), "%s/bomb", base);
	CHECK(stat(dir, &st) < 0);
out:
	ae_capture_free(c);
	free(json);
	free(cap);
}

/* Every file under dir (recursively) that contains needle; 0 when none. */
static const char *walk_needle;
static int walk_found;

static int has_needle(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
	char *text;

	(void)st;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	text = slurp("/", path);
	if (text && strstr(text, walk_needle)) {
		fprintf(stderr, "%s has %s\n", path, walk_needle);
		walk_found++;
	}
	free(text);
	return 0;
}

static int files_with(const char *dir, const char *needle)
{
	walk_needle = needle;
	walk_found = 0;
	nftw(dir, has_needle, 8, FTW_PHYS);
	return walk_found;
}

/* Secrets of the job's environment, read by oc.env, stay out of every file
 * of provenance: under a secret-looking key, under another key, in a URL,
 * through another interpolation, in the recorded environment. Megatron's
 * arguments stay as they are: the job reads them from AUTOEXP_CONFIG. */
static void test_secrets(void)
{
	static const char yaml[] =
	    "project:\n"
	    "  name: sec\n"
	    "  base_output_dir: ${oc.env:OUT}/sec\n"
	    "backend:\n"
	    "  megatron:\n"
	    "    tokenizer_type: GPT2BPETokenizer\n"
	    "    moe_token_dispatcher_type: alltoall\n"
	    "    apply_query_key_layer_scaling: true\n"
	    "db:\n"
	    "  url: https://u:${oc.env:DB_PASSWORD}@db.example/x\n"
	    "  auth: ${oc.env:MY_PASSWD}\n"
	    "  login: ${oc.env:MY_PASSWD}\n"
	    "  copy: ${db.login}-2\n"
	    "git: ${oc.env:GITLAB_PAT}\n"
	    "mirror: https://bot:literal-pw@git.example/r\n";
	char *envv[] = {"MY_PASSWD=pw2-secret",
	                "GITLAB_PAT=glpat-xyz",
	                "DB_PASSWORD=hunter2-db",
	                "DATABASE_URL=postgres://app:hunter2-db@h/db",
	                "PWD=/home/u",
	                NULL};
	static const char *const leaks[] = {"hunter2-db", "pw2-secret",
	                                    "glpat-xyz", "literal-pw"};
	char *cap = prepare(yaml, NULL), dir[PATH_MAX], *text;
	json_t *meta = json_pack("{s:s, s:o}", "job_id", "301", "environment",
	                         ae_provenance_env_json(envv));
	json_t *env;
	ae_jobstart_info info = {0};
	ae_jobstart_result res;
	ae_error err;
	size_t i;

	info.uid = getuid();
	info.job_id = "301";
	info.workdir = base;
	info.env = fake_env;
	info.metadata = meta;
	info.start_time = 1700000000;
	CHECK(cap != NULL);
	CHECK_INT(ae_jobstart_run(cap, &info, &res, &err), 0);
	snprintf(dir, sizeof(dir), "%s/sec", base);
	for (i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++)
		CHECK_INT(files_with(dir, leaks[i]), 0);
	text = slurp(res.job_dir, "resolved_config.yaml");
	CHECK(text && strstr(text, "url: https://u:<redacted>@db.example/x") &&
	      strstr(text, "copy: <redacted>-2") &&
	      strstr(text, "tokenizer_type: GPT2BPETokenizer") &&
	      strstr(text, "moe_token_dispatcher_type: alltoall") &&
	      strstr(text, "apply_query_key_layer_scaling: true"));
	free(text);
	/* the unresolved copy names the secret: a follow-up resolves it */
	text = slurp(res.provenance_dir, "unresolved_config.yaml");
	CHECK(text && strstr(text, "${oc.env:DB_PASSWORD}"));
	free(text);
	json_decref(meta);
	meta = read_json(res.job_dir, "job_metadata.json");
	env = json_object_get(meta, "environment");
	CHECK_STR(json_string_value(json_object_get(env, "PWD")), "/home/u");
	CHECK_STR(json_string_value(json_object_get(env, "DATABASE_URL")),
	          "postgres://app:<redacted>@h/db");
	CHECK(!json_object_get(env, "MY_PASSWD") &&
	      !json_object_get(env, "GITLAB_PAT"));
	json_decref(meta);
	close_all(&res);
	free(cap);
}

/* What a job start writes (and what is written there later, such as the
 * end record) is the user's alone under the usual umask; a umask that
 * keeps others out and lets the group in shares it with the group, the
 * batch script excepted. */
static mode_t want_dir, want_file;
static int mode_errors;

static int check_mode(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
	const char *name = path + ftw->base;
	mode_t want = type == FTW_D                        ? want_dir
	              : strcmp(name, "job_script.sh") == 0 ? 0600
	                                                   : want_file;

	if (type != FTW_D && type != FTW_F)
		return 0;
	if ((st->st_mode & 0777) != want) {
		fprintf(stderr, "%s: mode %o, not %o\n", path,
		        (unsigned)(st->st_mode & 0777), (unsigned)want);
		mode_errors++;
	}
	return 0;
}

static void test_modes(void)
{
	static const struct {
		int umask;
		mode_t dir, file;
	} cases[] = {{-1, 0700, 0600},  {022, 0700, 0600}, {002, 0700, 0600},
	             {077, 0700, 0600}, {027, 0750, 0640}, {007, 0750, 0640}};
	ae_jobstart_info info = {0};
	ae_jobstart_result res;
	json_t *meta = json_pack("{s:s}", "job_id", "401");
	char yaml[256], *cap;
	struct stat st;
	ae_error err;
	size_t i;

	info.uid = getuid();
	info.job_id = "401";
	info.workdir = base;
	info.env = fake_env;
	info.metadata = meta;
	info.job_script = "#!/bin/sh\nexport HF_TOKEN=hf_x\n";
	info.job_script_len = strlen(info.job_script);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(yaml, sizeof(yaml),
		         "project:\n  name: modes%zu\n"
		         "  base_output_dir: ${oc.env:OUT}/${.name}\n"
		         "monitoring: {inactivity_threshold_seconds: 60}\n",
		         i);
		cap = prepare(yaml, NULL);
		info.umask = cases[i].umask;
		CHECK_INT(ae_jobstart_run(cap, &info, &res, &err), 0);
		/* the end record, written later through the same directory */
		CHECK_INT(ae_provenance_metadata_append(
		              res.prov_fd, AE_PROV_METADATA, "ends", "end",
		              json_object(), &err),
		          0);
		want_dir = cases[i].dir;
		want_file = cases[i].file;
		mode_errors = 0;
		nftw(res.provenance_dir, check_mode, 8, FTW_PHYS);
		CHECK_INT(mode_errors, 0);
		/* the output directory is the job's, made as before */
		CHECK(stat(res.output_dir, &st) == 0 &&
		      (st.st_mode & 0777) == 0755);
		close_all(&res);
		free(cap);
	}
	json_decref(meta);
}

/* The end record: its text (built by slurmstepd before its fork) and its
 * writing (by `autoexp-helper --end-record`, as the user). */
static void test_end_record(void)
{
	char prov[PATH_MAX], job[PATH_MAX + 16], *text;
	int pfd, jfd;
	ae_error err;
	json_t *meta;

	text = ae_endrecord_text(1, 9, 100); /* killed by SIGKILL */
	CHECK(text && strstr(text, "\"state\":\"SIGNALED\"") &&
	      strstr(text, "\"signal\":9") && strstr(text, "signal_name"));
	free(text);
	text = ae_endrecord_text(0, 0, 100);
	CHECK(text && strstr(text, "\"state\":\"UNKNOWN\""));
	free(text);
	text = ae_endrecord_text(1, 2 << 8, 123);
	CHECK_STR(text, "{\"end_time\":123,\"exit_code\":2,"
	                "\"state\":\"FAILED\"}");
	snprintf(prov, sizeof(prov), "%s/endrec", base);
	snprintf(job, sizeof(job), "%s/endrec/jobs7", base);
	mkdir(prov, 0755);
	mkdir(job, 0755);
	pfd = open(prov, O_RDONLY | O_DIRECTORY);
	jfd = open(job, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 2; i++)
		CHECK_INT(ae_endrecord_write(pfd, jfd, text, 3, "7", &err), 0);
	meta = read_json(job, AE_PROV_JOB_METADATA);
	CHECK_INT(json_integer_value(json_object_get(
	              json_object_get(meta, "end"), "exit_code")),
	          2);
	CHECK(!json_object_get(json_object_get(meta, "end"), "job_id"));
	json_decref(meta);
	meta = read_json(prov, AE_PROV_METADATA);
	CHECK_INT(json_array_size(json_object_get(meta, "ends")), 2);
	CHECK_STR(json_string_value(
	              json_object_get(json_object_get(meta, "end"), "job_id")),
	          "7");
	CHECK_INT(json_integer_value(
	              json_object_get(json_object_get(meta, "end"), "start")),
	          3);
	json_decref(meta);
	CHECK_INT(ae_endrecord_write(pfd, jfd, "[1]", 3, "7", &err), -1);
	CHECK(strstr(err.text, "not a JSON object") != NULL);
	free(text);
	close(pfd);
	close(jfd);
}

/* The job's end in run_metadata.json: appended to `ends` and set as `end`
 * in one rewrite, so the two never disagree. */
static void test_ends_in_one_rewrite(void)
{
	char dir[PATH_MAX];
	json_t *meta, *ends;
	ae_error err;
	int fd;

	snprintf(dir, sizeof(dir), "%s/ends1", base);
	CHECK(mkdir(dir, 0755) == 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK_INT(ae_provenance_metadata_append(
	              fd, AE_PROV_METADATA, "ends", "end",
	              json_pack("{s:i, s:s}", "start", 1, "state", "FAILED"),
	              &err),
	          0);
	CHECK_INT(ae_provenance_metadata_append(
	              fd, AE_PROV_METADATA, "ends", "end",
	              json_pack("{s:i, s:s}", "start", 2, "state", "COMPLETED"),
	              &err),
	          0);
	meta = ae_provenance_read_json(fd, AE_PROV_METADATA, &err);
	ends = json_object_get(meta, "ends");
	CHECK_INT(json_array_size(ends), 2);
	CHECK_STR(json_string_value(
	              json_object_get(json_array_get(ends, 1), "state")),
	          "COMPLETED");
	CHECK(
	    json_equal(json_object_get(meta, "end"), json_array_get(ends, 1)));
	json_decref(meta);
	close(fd);
}

int main(void)
{
	umask(022); /* slurmstepd's */
	if (!mkdtemp(base))
		return 1;
	chmod(base, 0755);
	test_first_start_and_restart();
	test_concurrent_starts();
	test_lock_of_ending_job();
	test_unresolved_text();
	test_array_task();
	test_taskdir();
	test_resume_from_own();
	test_taskdir_request();
	test_errors();
	test_expanding_capture();
	test_unsafe_parent();
	test_output_dir();
	test_secrets();
	test_modes();
	test_end_record();
	test_ends_in_one_rewrite();
	test_rmtree(base);
	TEST_MAIN_END();
}
