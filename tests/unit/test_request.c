/* ae_request: sbatch's command line and input variables as long options,
 * the script's #SBATCH lines, and which options a follow-up job carries. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "ae_request.h"
#include "testutil.h"

/* The options of a request, joined with spaces, for one comparison. */
static char *joined(const json_t *req, const char *key)
{
	const json_t *a = json_object_get(req, key);
	size_t size = 1, i;
	char *s;

	for (i = 0; i < json_array_size(a); i++)
		size += strlen(json_string_value(json_array_get(a, i))) + 1;
	s = calloc(1, size);
	for (i = 0; s && i < json_array_size(a); i++) {
		if (i)
			strcat(s, " ");
		strcat(s, json_string_value(json_array_get(a, i)));
	}
	return s;
}

static void check_parse(char *const *argv, char *const *envp,
                        const char *want_options, const char *want_script)
{
	int argc = 0;
	ae_error err;
	json_t *req;
	char *got;

	while (argv[argc])
		argc++;
	req = ae_request_from_sbatch(argc, argv, envp, &err);
	CHECK(req != NULL);
	got = joined(req, "options");
	CHECK_STR(got, want_options);
	if (want_script)
		CHECK_STR(json_string_value(json_object_get(req, "script")),
		          want_script);
	else
		CHECK(json_is_null(json_object_get(req, "script")));
	CHECK(json_object_get(req, "argv") == NULL); /* may hold secrets */
	free(got);
	json_decref(req);
}

static void test_parse(void)
{
	/* the parent: short options with separate and attached
	 * values, a flag, a long option with a separate value; the script's
	 * own arguments are not options */
	char *a1[] = {"sbatch",
	              "-N",
	              "2",
	              "--ntasks-per-node=2",
	              "--exclusive",
	              "--gres",
	              "gpu:1",
	              "-c4",
	              "-J",
	              "train",
	              "--autoexp-config=m6.yaml",
	              "train.sh",
	              "--nodes",
	              "9",
	              NULL};
	/* abbreviations as getopt_long takes them, -- before the script, a
	 * cluster of short flags, optional arguments only with '=' */
	char *a2[] = {"sbatch",  "--ntasks-per-n=2",
	              "-HQ",     "--exclusive=user",
	              "--time",  "1:00:00",
	              "-pgpu",   "--",
	              "-odd.sh", NULL};
	/* another plugin's option, stdin script, an unknown short option */
	char *a3[] = {
	    "sbatch", "--container-image=x.sqsh", "-Z", "--mem", "10G", NULL};
	/* a heterogeneous job: the first component's options */
	char *a4[] = {"sbatch", "-N1", ":", "-N2", "het.sh", NULL};
	/* --wrap: no script */
	char *a5[] = {"sbatch", "--wrap", "echo hi", "--qos=low", NULL};
	char *env[] = {
	    "SBATCH_PARTITION=debug", "SBATCH_REQUEUE=1", "SBATCH_ACCOUNT=",
	    "SBATCH_TIMELIMITX=5",    "HOME=/h",          NULL};

	check_parse(
	    a1, NULL,
	    "--nodes=2 --ntasks-per-node=2 --exclusive --gres=gpu:1 "
	    "--cpus-per-task=4 --job-name=train --autoexp-config=m6.yaml",
	    "train.sh");
	check_parse(a2, NULL,
	            "--ntasks-per-node=2 --hold --quiet --exclusive=user "
	            "--time=1:00:00 --partition=gpu",
	            "-odd.sh");
	check_parse(a3, NULL, "--container-image=x.sqsh -Z --mem=10G", NULL);
	check_parse(a4, NULL, "--nodes=1", NULL);
	check_parse(a5, NULL, "--wrap=echo hi --qos=low", NULL);
	/* input variables first (the command line wins over them), booleans
	 * without a value, empty values ignored */
	check_parse(a1 + 13, env, "--partition=debug --requeue", NULL);
	{
		/* an array asked for by variable: refused at sbatch like one
		 * on the command line when its tasks share a directory */
		char *aenv[] = {"SBATCH_ARRAY_INX=0-2", NULL};

		check_parse(a1 + 13, aenv, "--array=0-2", NULL);
	}
	{
		char *a6[] = {"sbatch", "-p", "gpu", "t.sh", NULL};

		check_parse(a6, env,
		            "--partition=debug --requeue --partition=gpu",
		            "t.sh");
	}
}

static void test_directives(void)
{
	const char *script = "#!/bin/bash\n"
	                     "#SBATCH --nodes=2\n"
	                     "\n"
	                     "# a comment\n"
	                     "#SBATCH --gres=gpu:4   \r\n"
	                     "  #SBATCH\t--exclusive\n"
	                     "#SBATCHX --not-one\n"
	                     "srun train\n"
	                     "#SBATCH --after-the-first-command\n";
	json_t *d = ae_request_directives(script);
	char *got;
	json_t *wrap = json_pack("{s:O}", "d", d);

	got = joined(wrap, "d");
	CHECK_STR(got, "--nodes=2 --gres=gpu:4 --exclusive");
	free(got);
	json_decref(wrap);
	json_decref(d);
	d = ae_request_directives("");
	CHECK(json_is_array(d) && json_array_size(d) == 0);
	json_decref(d);
}

/* The #SBATCH lines' options in their long form, read as sbatch reads
 * them: a separate argument, an attached one, a prefix of a long name,
 * quotes, a trailing comment, a value on the next line, and nothing after
 * the first "hetjob" line. */
static void test_directive_options(void)
{
	json_t *d = json_pack(
	    "[s, s, s, s, s, s, s, s]", "-o foo.log", "-ebar.err -N 2",
	    "--out x.log --chdir=sub # the run's directory",
	    "-J \"my job\" --comment 'a # b'", "--open-mode=append -D", "/abs",
	    "hetjob", "--output=second.log");
	json_t *o = ae_request_directive_options(d, NULL);
	json_t *wrap = json_pack("{s:O}", "o", o);
	char *got = joined(wrap, "o");

	CHECK_STR(got, "--output=foo.log --error=bar.err --nodes=2 "
	               "--output=x.log --chdir=sub --job-name=my job "
	               "--comment=a # b --open-mode=append --chdir=/abs");
	free(got);
	json_decref(wrap);
	json_decref(o);
	json_decref(d);
	o = ae_request_directive_options(NULL, NULL);
	CHECK(json_is_array(o) && json_array_size(o) == 0);
	json_decref(o);
}

static void test_carried(void)
{
	const char *yes[] = {"--nodes=2",
	                     "--ntasks-per-node=2",
	                     "--exclusive",
	                     "--gres=gpu:1",
	                     "--gpus-per-node=4",
	                     "--mem=10G",
	                     "--time=1:00:00",
	                     "--account=a",
	                     "--qos=q",
	                     "--partition=p",
	                     "--constraint=c",
	                     "--reservation=r",
	                     "--open-mode=append",
	                     "--signal=B:USR1@90",
	                     "--requeue",
	                     "--cpus-per-task=4",
	                     "--container-image=x.sqsh",
	                     NULL};
	const char *no[] = {"--job-name=x",
	                    "--array=0-3",
	                    "--dependency=afterok:1",
	                    "--autoexp-config=a.yaml",
	                    "--parsable",
	                    "--wait",
	                    "--hold",
	                    "--chdir=sub",
	                    "--wrap=echo",
	                    "--begin=now",
	                    "-Z",
	                    NULL};

	char *c;

	for (size_t i = 0; yes[i]; i++) {
		c = ae_request_carry(yes[i]);
		CHECK_STR(c, yes[i]);
		free(c);
	}
	for (size_t i = 0; no[i]; i++) {
		c = ae_request_carry(no[i]);
		if (c)
			fprintf(stderr, "carried: %s\n", no[i]);
		CHECK(c == NULL);
		free(c);
	}
}

/* A secret passed with --export never reaches the record, and the child
 * is not given the placeholder. */
static void test_export_secret(void)
{
	char *a[] = {"sbatch",
	             "--export=ALL,HF_TOKEN=hf_abc,OUT=/o,MY_API_KEY=k", "t.sh",
	             NULL};
	ae_error err;
	json_t *req = ae_request_from_sbatch(3, a, NULL, &err);
	char *opts = joined(req, "options"), *c;

	CHECK_STR(
	    opts,
	    "--export=ALL,HF_TOKEN=<redacted>,OUT=/o,MY_API_KEY=<redacted>");
	c = ae_request_carry(opts);
	CHECK_STR(c, "--export=ALL,OUT=/o");
	free(c);
	/* a long name is still a name: redacted, not passed through */
	{
		char opt[400], *argv2[] = {"sbatch", opt, "t.sh", NULL};
		json_t *r2;
		char *o2;

		snprintf(opt, sizeof(opt), "--export=%0300d_TOKEN=v", 0);
		r2 = ae_request_from_sbatch(3, argv2, NULL, &err);
		o2 = joined(r2, "options");
		CHECK(o2 && strstr(o2, "_TOKEN=<redacted>") &&
		      !strstr(o2, "=v"));
		free(o2);
		json_decref(r2);
	}
	c = ae_request_carry("--export=NONE");
	CHECK_STR(c, "--export=NONE");
	free(c);
	c = ae_request_carry("--export");
	CHECK_STR(c, "--export");
	free(c);
	free(opts);
	json_decref(req);
}

int main(void)
{
	test_parse();
	test_directives();
	test_directive_options();
	test_carried();
	test_export_secret();
	TEST_MAIN_END();
}
