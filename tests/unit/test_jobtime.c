/* ae_jobtime: --time and --signal read as sbatch reads them, from #SBATCH
 * lines, input variables and the command line in sbatch's order. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "ae_jobtime.h"
#include "ae_request.h"
#include "testutil.h"

static void test_time_formats(void)
{
	/* Slurm's time_str2secs, format by format */
	static const struct {
		const char *text;
		long secs;
	} cases[] = {
	    {"90", 90 * 60},                 /* minutes */
	    {"0", 0},                        /* no limit to sbatch */
	    {"1:30", 90},                    /* minutes:seconds */
	    {"01:30:00", 5400},              /* hours:minutes:seconds */
	    {"1-0", 86400},                  /* days-hours */
	    {"2-12", 2 * 86400 + 12 * 3600}, /* days-hours */
	    {"1-2:30", 86400 + 7200 + 1800}, /* days-hours:minutes */
	    {"1-00:00:00", 86400},           /* days-hours:minutes:seconds */
	    {"0-0:0:59", 59},                /* sbatch then rounds up */
	    {"5-", 5 * 86400},               /* sscanf stops at the end */
	    {"-0", 0},                       /* a dash with a number */
	    {"INFINITE", AE_JOBTIME_UNLIMITED},
	    {"unlimited", AE_JOBTIME_UNLIMITED},
	    {"-1", AE_JOBTIME_UNLIMITED},
	    {"", AE_JOBTIME_INVALID},
	    {"1h", AE_JOBTIME_INVALID},      /* no units */
	    {" 60", AE_JOBTIME_INVALID},     /* no spaces */
	    {"1:2:3:4", AE_JOBTIME_INVALID}, /* three colons */
	    {"1-2-3", AE_JOBTIME_INVALID},   /* two dashes */
	    {"1:2-3", AE_JOBTIME_INVALID},   /* a dash after a colon */
	    {"5:", AE_JOBTIME_INVALID},      /* a colon needs two numbers */
	    {":5", AE_JOBTIME_INVALID},
	    {"1::", AE_JOBTIME_INVALID},  /* two colons need three */
	    {"1-2:", AE_JOBTIME_INVALID}, /* d-h: needs three numbers */
	    {"1-:5", AE_JOBTIME_INVALID},
	    {"-5", AE_JOBTIME_INVALID},         /* negative days */
	    {"9999999999", AE_JOBTIME_INVALID}, /* not an int to Slurm */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = ae_jobtime_parse_time(cases[i].text);

		if (got != cases[i].secs)
			fprintf(stderr, "time '%s'\n", cases[i].text);
		CHECK_INT(got, cases[i].secs);
	}
}

static void test_signal_formats(void)
{
	/* Slurm's get_signal_opts and sig_name2num */
	static const struct {
		const char *text;
		int rc, signal, secs, batch;
	} cases[] = {
	    {"TERM@120", 0, 15, 120, 0},
	    {"SIGTERM@120", 0, 15, 120, 0},
	    {"term", 0, 15, 60, 0},    /* no @: 60 s */
	    {"10@300", 0, 10, 300, 0}, /* a number */
	    {"USR1@90", 0, 10, 90, 0},
	    {"B:USR1@90", 0, 10, 90, 1}, /* the batch shell only */
	    {"b:TERM", 0, 15, 60, 1},
	    {"BTERM@5", 0, 15, 5, 1},    /* the ':' is optional */
	    {"R:TERM@60", 0, 15, 60, 0}, /* reservation overlap only */
	    {"RB:TERM@60", 0, 15, 60, 1},
	    {"BR:TERM@60", 0, 15, 60, 1},
	    {"TERM@0", 0, 15, 0, 0}, /* valid; Slurm sends nothing */
	    {"TERM@", 0, 15, 0, 0},  /* strtol of "" is 0 */
	    {"TERM@65535", 0, 15, 65535, 0},
	    {"-1@60", 0, 65535, 60, 0}, /* a uint16_t to Slurm */
	    {"TERM@65536", -1, 0, 0, 0},
	    {"TERM@-1", -1, 0, 0, 0},
	    {"TERM@5s", -1, 0, 0, 0},
	    {"0@60", -1, 0, 0, 0},
	    {"NOSUCH@60", -1, 0, 0, 0},
	    {"BUS@60", -1, 0, 0, 0}, /* "B", then "US" */
	    {"", -1, 0, 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int sig = 0, secs = 0, batch = 0;
		int rc =
		    ae_jobtime_parse_signal(cases[i].text, &sig, &secs, &batch);

		if (rc != cases[i].rc)
			fprintf(stderr, "signal '%s'\n", cases[i].text);
		CHECK_INT(rc, cases[i].rc);
		if (rc == 0) {
			CHECK_INT(sig, cases[i].signal);
			CHECK_INT(secs, cases[i].secs);
			CHECK_INT(batch, cases[i].batch);
		}
	}
	CHECK_INT(ae_jobtime_signal_number(" sigusr2 "), 12);
	CHECK_INT(ae_jobtime_signal_number("WINCH"), 0); /* not Slurm's */
	CHECK_STR(ae_jobtime_signal_name(15), "TERM");
	CHECK(ae_jobtime_signal_name(65535) == NULL);
}

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();

	while (*v)
		json_array_append_new(a, json_string(*v++));
	return a;
}

/* The job from #SBATCH lines and options; both NULL-ended lists or NULL. */
static ae_jobtime job_of(const char *const *lines, const char *const *options)
{
	json_t *d = lines ? strings(lines) : NULL;
	json_t *o = options ? strings(options) : NULL;
	ae_jobtime job;
	ae_error err;

	CHECK_INT(ae_jobtime_from_request(&job, d, o, &err), 0);
	json_decref(d);
	json_decref(o);
	return job;
}

static void test_order(void)
{
	ae_jobtime job;

	/* nothing asked: the partition's default */
	job = job_of(NULL, NULL);
	CHECK_INT(job.limit_min, 0);
	CHECK_INT(job.signal, 0);

	/* #SBATCH lines first, then options (variables, command line) */
	job = job_of(
	    (const char *[]){"--time=2:00:00", "--signal=TERM@60", NULL}, NULL);
	CHECK_INT(job.limit_min, 120);
	CHECK_STR(job.limit_text, "2:00:00");
	CHECK_INT(job.signal_secs, 60);
	job = job_of((const char *[]){"--time=2:00:00", NULL},
	             (const char *[]){"--time=1-00:00:00", NULL});
	CHECK_INT(job.limit_min, 1440);
	CHECK_STR(job.limit_text, "1-00:00:00");

	/* seconds round up; 0 and UNLIMITED are no limit */
	job = job_of(NULL, (const char *[]){"--time=10:01", NULL});
	CHECK_INT(job.limit_min, 11);
	job = job_of(NULL, (const char *[]){"--time=0", NULL});
	CHECK_INT(job.limit_min, AE_JOBTIME_UNLIMITED);
	job = job_of((const char *[]){"--time=60", NULL},
	             (const char *[]){"--time=UNLIMITED", NULL});
	CHECK_INT(job.limit_min, AE_JOBTIME_UNLIMITED);

	/* an invalid value changes nothing (sbatch refuses the job) */
	job = job_of((const char *[]){"--time=60", NULL},
	             (const char *[]){"--time=1h", NULL});
	CHECK_INT(job.limit_min, 60);

	/* short options, separate values, several per line, values on the
	 * next line, quotes, comments: as sbatch's getopt sees the words */
	job = job_of((const char *[]){"-t 45 --signal 'USR1@90' # 2h?", NULL},
	             NULL);
	CHECK_INT(job.limit_min, 45);
	CHECK_INT(job.signal, 10);
	CHECK_INT(job.signal_secs, 90);
	job = job_of((const char *[]){"--time", "30", NULL}, NULL);
	CHECK_INT(job.limit_min, 30);
	job =
	    job_of((const char *[]){"-t45", "--nodes=2 #--time=5", NULL}, NULL);
	CHECK_INT(job.limit_min, 45);
	job = job_of((const char *[]){"--job-name=\"a # b\" --time=20", NULL},
	             NULL);
	CHECK_INT(job.limit_min, 20);

	job =
	    job_of((const char *[]){"--job-name=a\\ b --time=25", NULL}, NULL);
	CHECK_INT(job.limit_min, 25);
	/* "" is no word to sbatch: it ends the line */
	job = job_of((const char *[]){"\"\" --time=25", NULL}, NULL);
	CHECK_INT(job.limit_min, 0);

	/* only the first component of a heterogeneous job */
	job = job_of((const char *[]){"--time=20", "hetjob", "--time=50", NULL},
	             NULL);
	CHECK_INT(job.limit_min, 20);

	/* a B: given once stays, as in sbatch (a flag ORed in) */
	job = job_of((const char *[]){"--signal=B:USR1@60", NULL},
	             (const char *[]){"--signal=TERM@300", NULL});
	CHECK_INT(job.signal, 15);
	CHECK_INT(job.signal_secs, 300);
	CHECK_INT(job.signal_batch, 1);
	CHECK_STR(job.signal_text, "TERM@300");
}

/* The request of a real sbatch command line and environment, and a real
 * script, as the plugin sees them. */
static void test_from_sbatch(void)
{
	char *argv[] = {
	    "sbatch",   "-t",       "1-0", "--autoexp-config=exp.yaml",
	    "train.sh", "--time=5", NULL};
	char *envp[] = {"SBATCH_TIMELIMIT=10", "SBATCH_SIGNAL=USR2@100", NULL};
	const char *script = "#!/bin/bash\n"
	                     "#SBATCH --time=3:00:00\n"
	                     "#SBATCH --signal=TERM@600\n"
	                     "srun train\n"
	                     "#SBATCH --time=7\n";
	json_t *req = ae_request_from_sbatch(6, argv, envp, NULL);
	json_t *dirs = ae_request_directives(script);
	ae_jobtime job;

	CHECK(req && dirs);
	CHECK_INT(ae_jobtime_from_request(
	              &job, dirs, json_object_get(req, "options"), NULL),
	          0);
	/* the command line wins over SBATCH_TIMELIMIT and the script; the
	 * script's own argument --time=5 is not sbatch's */
	CHECK_INT(job.limit_min, 1440);
	/* SBATCH_SIGNAL wins over the script */
	CHECK_INT(job.signal, 12);
	CHECK_INT(job.signal_secs, 100);
	json_decref(req);
	json_decref(dirs);
}

int main(void)
{
	test_time_formats();
	test_signal_formats();
	test_order();
	test_from_sbatch();
	TEST_MAIN_END();
}
