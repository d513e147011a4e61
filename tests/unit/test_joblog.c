/* ae_joblog: a batch job's standard output from its request, as Slurm
 * names it: defaults, --output and -o from the command line and the
 * #SBATCH lines with sbatch's precedence, patterns and widths, relative and
 * absolute paths, --chdir, --open-mode. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "ae_joblog.h"
#include "ae_request.h"
#include "testutil.h"

static const ae_joblog_ids job = {
    .job_id = "123",
    .job_name = "train",
    .user = "alice",
    .node = "nid0012",
};

static const ae_joblog_ids task = {
    .job_id = "125",
    .array_job_id = "120",
    .array_task_id = "3",
    .job_name = "sweep",
    .user = "alice",
    .node = "nid0012",
};

/* A request of options and directives given as NULL-ended lists. */
static json_t *request(const char *const *options,
                       const char *const *directives)
{
	json_t *r =
	    json_pack("{s:[], s:[], s:n}", "options", "directives", "script");

	for (size_t i = 0; options && options[i]; i++)
		json_array_append_new(json_object_get(r, "options"),
		                      json_string(options[i]));
	for (size_t i = 0; directives && directives[i]; i++)
		json_array_append_new(json_object_get(r, "directives"),
		                      json_string(directives[i]));
	return r;
}

/* The stdout path of options/directives for ids in /scratch/exp; "" on error.
 */
static char *out(const char *const *options, const char *const *directives,
                 const ae_joblog_ids *ids, int *append)
{
	json_t *r = request(options, directives);
	ae_error err;
	char *s = ae_joblog_stdout(r, ids, "/scratch/exp", append, &err);

	json_decref(r);
	if (!s) {
		fprintf(stderr, "ae_joblog_stdout: %s\n", err.text);
		return strdup("");
	}
	return s;
}

#define CHECK_OUT(options, directives, ids, want)                              \
	do {                                                                   \
		char *got_ = out(options, directives, ids, NULL);              \
		CHECK_STR(got_, want);                                         \
		free(got_);                                                    \
	} while (0)

static void test_defaults(void)
{
	const char *none[] = {NULL};
	const char *other[] = {"--nodes=2", "--error=e.log", NULL};
	ae_error err;
	char *s;

	CHECK_OUT(none, none, &job, "/scratch/exp/slurm-123.out");
	CHECK_OUT(other, other, &job, "/scratch/exp/slurm-123.out");
	/* an array task: Slurm's default names the array job and the task */
	CHECK_OUT(none, none, &task, "/scratch/exp/slurm-120_3.out");
	/* no request recorded at all: the default */
	s = ae_joblog_stdout(NULL, &job, "/scratch/exp/", NULL, &err);
	CHECK_STR(s, "/scratch/exp/slurm-123.out");
	free(s);
}

static void test_output_options(void)
{
	const char *none[] = {NULL};
	const char *cli[] = {"--parsable", "--output=cli-%j.log", NULL};
	const char *sep[] = {"-o foo.log", NULL};
	const char *attached[] = {"-obar.log", NULL};
	const char *prefix[] = {"--out dir/x.log  # where it goes", NULL};
	const char *two[] = {"--output=first.log", "-N 2 -o second.log", NULL};
	const char *split[] = {"--job-name=t -o", "next-line.log", NULL};
	const char *quoted[] = {"-o \"my dir/%x.log\"", NULL};
	const char *devnull[] = {"--output=none", NULL};
	const char *hetjob[] = {"-o first.log", "hetjob", "-o second.log",
	                        NULL};

	/* the command line (as recorded: long form) */
	CHECK_OUT(cli, none, &job, "/scratch/exp/cli-123.log");
	/* #SBATCH lines: a separate argument, attached, a prefix of the long
	 * name with a comment after it, a value on the next line, quotes */
	CHECK_OUT(none, sep, &job, "/scratch/exp/foo.log");
	CHECK_OUT(none, attached, &job, "/scratch/exp/bar.log");
	CHECK_OUT(none, prefix, &job, "/scratch/exp/dir/x.log");
	CHECK_OUT(none, split, &job, "/scratch/exp/next-line.log");
	CHECK_OUT(none, quoted, &job, "/scratch/exp/my dir/train.log");
	/* the last #SBATCH line wins; the command line wins over them all */
	CHECK_OUT(none, two, &job, "/scratch/exp/second.log");
	CHECK_OUT(cli, two, &job, "/scratch/exp/cli-123.log");
	/* sbatch's "none" */
	CHECK_OUT(devnull, none, &job, "/dev/null");
	/* a heterogeneous job's first component is the batch step's */
	CHECK_OUT(none, hetjob, &job, "/scratch/exp/first.log");
}

/* A real sbatch command line with input variables and a real script: the
 * records made at submission give the path Slurm opens. */
static void test_recorded(void)
{
	char *argv[] = {"sbatch", "-J", "exp",          "-o", "logs/%x_%j.out",
	                "job.sh", "-o", "not-sbatch's", NULL};
	char *envp[] = {"SBATCH_OPEN_MODE=append", "HOME=/h", NULL};
	const char *script = "#!/bin/bash\n"
	                     "#SBATCH --output=slurm-%j.txt\n"
	                     "#SBATCH --open-mode=truncate\n"
	                     "#SBATCH -D /scratch/run\n"
	                     "srun train\n";
	json_t *req = ae_request_from_sbatch(8, argv, envp, NULL);
	ae_joblog_ids ids = job;
	ae_error err;
	char *dir, *s;
	int append = -1;

	json_object_set_new(req, "directives", ae_request_directives(script));
	dir = ae_joblog_workdir(req, "/home/alice/exp", &err);
	CHECK_STR(dir, "/scratch/run");
	ids.job_name = "exp";
	s = ae_joblog_stdout(req, &ids, dir, &append, &err);
	CHECK_STR(s, "/scratch/run/logs/exp_123.out");
	/* SBATCH_OPEN_MODE (an input variable) wins over the #SBATCH line */
	CHECK_INT(append, 1);
	free(s);
	free(dir);
	json_decref(req);
}

static void test_open_mode(void)
{
	const char *none[] = {NULL};
	const char *app[] = {"--open-mode=append", NULL};
	const char *a[] = {"--open-mode=a", NULL};
	const char *trunc[] = {"--open-mode=truncate", NULL};
	int append = -1;
	char *s;

	s = out(none, none, &job, &append);
	CHECK_INT(append, 0);
	free(s);
	s = out(app, none, &job, &append);
	CHECK_INT(append, 1);
	free(s);
	s = out(none, a, &job, &append);
	CHECK_INT(append, 1);
	free(s);
	/* the command line's truncate wins over the script's append */
	s = out(trunc, app, &job, &append);
	CHECK_INT(append, 0);
	free(s);
}

static void test_patterns(void)
{
	ae_joblog_ids numeric = job;
	ae_error err;
	char *s;

	s = ae_joblog_expand("/o/%x-%j-%A_%a-%4a.%u.%N.%%.%s.%n%t.%q", &task,
	                     &err);
	CHECK_STR(s, "/o/sweep-125-120_3-0003.alice.nid0012.%.batch.00.%q");
	free(s);
	/* not an array: %A is the job id, %a what Slurm writes (NO_VAL) */
	s = ae_joblog_expand("slurm-%A_%a-%j.out", &job, &err);
	CHECK_STR(s, "slurm-123_4294967294-123.out");
	free(s);
	/* widths pad the numbers only, and at most to 10 digits */
	numeric.job_name = "42";
	s = ae_joblog_expand("%6j|%12j|%5x|%3u|%2%", &numeric, &err);
	CHECK_STR(s, "000123|0000000123|42|alice|%");
	free(s);
	/* a trailing percent, a width at the end, braces: kept */
	s = ae_joblog_expand("{output_dir}/x%", &job, &err);
	CHECK_STR(s, "{output_dir}/x%");
	free(s);
	s = ae_joblog_expand("x%5", &job, &err);
	CHECK_STR(s, "x%5");
	free(s);
	/* a backslash: taken as written, without the backslashes */
	s = ae_joblog_expand("/o/a\\%j_%x.log", &job, &err);
	CHECK_STR(s, "/o/a%j_%x.log");
	free(s);
	/* a value that is not known cannot be guessed */
	numeric.job_name = NULL;
	s = ae_joblog_expand("%x.out", &numeric, &err);
	CHECK(s == NULL);
	CHECK(strstr(err.text, "%x") != NULL);
	s = ae_joblog_expand("%N.out", NULL, &err);
	CHECK(s == NULL);
	CHECK(strstr(err.text, "%N") != NULL);
	/* the same through the default name of a job without ids */
	s = ae_joblog_stdout(NULL, NULL, "/scratch/exp", NULL, &err);
	CHECK(s == NULL);
	CHECK(strstr(err.text, "%j") != NULL);
}

static void test_paths(void)
{
	const char *absolute[] = {"--output=/logs/%j.log", NULL};
	const char *relative[] = {"--output=logs/%j.log", NULL};
	json_t *r;
	ae_error err;
	char *s;

	CHECK_OUT(absolute, NULL, &job, "/logs/123.log");
	CHECK_OUT(relative, NULL, &job, "/scratch/exp/logs/123.log");
	/* an absolute path needs no working directory, a relative one does */
	r = request(absolute, NULL);
	s = ae_joblog_stdout(r, &job, NULL, NULL, &err);
	CHECK_STR(s, "/logs/123.log");
	free(s);
	json_decref(r);
	r = request(relative, NULL);
	s = ae_joblog_stdout(r, &job, NULL, NULL, &err);
	CHECK(s == NULL);
	CHECK(strstr(err.text, "logs/123.log") != NULL);
	s = ae_joblog_stdout(r, &job, "work", NULL, &err);
	CHECK(s == NULL);
	json_decref(r);
}

static void test_workdir(void)
{
	const char *none[] = {NULL};
	const char *rel[] = {"--chdir=sub", NULL};
	const char *abs[] = {"-D /abs/dir", NULL};
	const char *cli_abs[] = {"--chdir=/cli", NULL};
	json_t *r;
	ae_error err;
	char *s;

	r = request(none, none);
	s = ae_joblog_workdir(r, "/home/alice", &err);
	CHECK_STR(s, "/home/alice");
	free(s);
	s = ae_joblog_workdir(NULL, "/home/alice/", &err);
	CHECK_STR(s, "/home/alice/");
	free(s);
	s = ae_joblog_workdir(r, NULL, &err);
	CHECK(s == NULL);
	CHECK(strstr(err.text, "working directory") != NULL);
	json_decref(r);
	/* a relative --chdir is from where sbatch ran */
	r = request(rel, none);
	s = ae_joblog_workdir(r, "/home/alice", &err);
	CHECK_STR(s, "/home/alice/sub");
	free(s);
	s = ae_joblog_workdir(r, "relative", &err);
	CHECK(s == NULL);
	CHECK(strstr(err.text, "sub") != NULL);
	json_decref(r);
	/* a #SBATCH line's; the command line wins over it */
	r = request(none, abs);
	s = ae_joblog_workdir(r, NULL, &err);
	CHECK_STR(s, "/abs/dir");
	free(s);
	json_decref(r);
	r = request(cli_abs, abs);
	s = ae_joblog_workdir(r, "/home/alice", &err);
	CHECK_STR(s, "/cli");
	free(s);
	json_decref(r);
}

int main(void)
{
	test_defaults();
	test_output_options();
	test_recorded();
	test_open_mode();
	test_patterns();
	test_paths();
	test_workdir();
	TEST_MAIN_END();
}
