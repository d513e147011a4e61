/* ae_timecheck: the warnings at submission when --time, --signal and
 * backend.megatron leave no time to save a checkpoint, and none when they
 * do. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "ae_timecheck.h"
#include "ae_yaml.h"
#include "testutil.h"

/* A config with backend.megatron.save and the given extra lines under
 * backend.megatron (each "    key: value\n"). */
#define CONFIG(extra)                                                          \
	"project:\n  mins: 1440\n  meg:\n    save: /ckpt\n"                    \
	"backend:\n  megatron:\n    save: /ckpt\n    save_interval: "          \
	"1000\n" extra

typedef struct tcase {
	const char *name;
	const char *yaml;
	const char *script;           /* the batch script, or NULL */
	const char *const options[4]; /* sbatch's long options */
	const char *want[2];          /* a substring of each warning, or the
	                                 whole text; NULL: no more warnings */
} tcase;

static const tcase cases[] = {
    /* (a) exit_duration_in_mins not below the limit */
    {"duration at the limit",
     CONFIG("    exit_duration_in_mins: 1440\n"),
     NULL,
     {"--time=1-00:00:00"},
     {"backend.megatron.exit_duration_in_mins (1440) is not below the time "
      "limit (--time=1-00:00:00, 1440 min): Megatron will not save before "
      "Slurm kills the job; set it to 1410 or less"}},
    {"duration above the limit, from the script",
     CONFIG("    exit_duration_in_mins: 2000\n"),
     "#!/bin/bash\n#SBATCH --time=24:00:00\nsrun train\n",
     {NULL},
     {"(2000) is not below the time limit (--time=24:00:00, 1440 min)"}},
    {"duration too close to the limit",
     CONFIG("    exit_duration_in_mins: 1420\n"),
     NULL,
     {"--time=1-0"},
     {"backend.megatron.exit_duration_in_mins (1420) leaves 20 min before "
      "the time limit (--time=1-0, 1440 min), too little to start, finish "
      "the iteration and save a checkpoint; set it to 1410 or less"}},
    {"duration one minute over the margin",
     CONFIG("    exit_duration_in_mins: 1411\n"),
     NULL,
     {"--time=1440"},
     {"set it to 1410 or less"}},
    {"duration with the margin",
     CONFIG("    exit_duration_in_mins: 1410\n"),
     NULL,
     {"--time=1440"},
     {NULL}},
    {"duration of a 2 h job",
     CONFIG("    exit_duration_in_mins: 115\n"),
     NULL,
     {"--time=2:00:00"},
     {"set it to 110 or less"}},
    {"duration and no --time: the partition's limit is unknown",
     CONFIG("    exit_duration_in_mins: 100000\n"),
     NULL,
     {NULL},
     {NULL}},
    {"duration and an unlimited job",
     CONFIG("    exit_duration_in_mins: 1440\n"),
     NULL,
     {"--time=UNLIMITED"},
     {NULL}},
    {"a one-minute job cannot stop by itself",
     CONFIG("    exit_duration_in_mins: 1\n"),
     NULL,
     {"--time=1"},
     {"is too short for it to stop and save by itself; ask for a longer "
      "--time"}},
    {"duration from an interpolation resolved at submission",
     CONFIG("    exit_duration_in_mins: ${project.mins}\n"),
     NULL,
     {"--time=1440"},
     {"(1440) is not below"}},
    {"duration as a string Megatron's argparse reads",
     CONFIG("    exit_duration_in_mins: '1440'\n"),
     NULL,
     {"--time=1440"},
     {"(1440) is not below"}},
    {"duration from the job's environment: not known, nothing said",
     CONFIG("    exit_duration_in_mins: ${oc.env:MINS}\n"),
     NULL,
     {"--time=1440"},
     {NULL}},
    {"duration Megatron would refuse (a float): nothing said",
     CONFIG("    exit_duration_in_mins: 1440.0\n"),
     NULL,
     {"--time=1440"},
     {NULL}},

    /* (b) neither way to stop */
    {"neither, with a limit",
     CONFIG(""),
     NULL,
     {"--time=2:00:00"},
     {"backend.megatron sets neither exit_duration_in_mins nor "
      "exit_signal_handler: at the time limit (--time=2:00:00, 120 min) "
      "Slurm kills Megatron without a final save, losing the iterations "
      "since the last checkpoint (save_interval 1000); set "
      "exit_duration_in_mins: 110, or exit_signal_handler: true with sbatch "
      "--signal=TERM@300"}},
    {"neither, without a limit (e): nothing said",
     CONFIG(""),
     NULL,
     {NULL},
     {NULL}},
    {"neither, and --time=0 is no limit",
     CONFIG(""),
     NULL,
     {"--time=0"},
     {NULL}},
    {"neither, nothing saved anyway",
     "backend:\n  megatron:\n    train_iters: 10\n",
     NULL,
     {"--time=60"},
     {NULL}},
    {"not a Megatron config",
     "project:\n  name: x\n",
     NULL,
     {"--time=60"},
     {NULL}},

    /* (c) the handler without --signal */
    {"handler without --signal",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=1-0"},
     {"backend.megatron.exit_signal_handler is true but sbatch has no "
      "--signal: Slurm sends SIGTERM only at the time limit and SIGKILL "
      "KillWait later (30 s by default), too soon to save a checkpoint; add "
      "--signal=TERM@300 (srun steps get it; a Megatron started by the "
      "batch script itself needs B: and a trap)"}},
    {"handler without --signal or --time",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {NULL},
     {"has no --signal"}},
    {"handler without --signal, a short job",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=10"},
     {"add --signal=TERM@150 "}},
    {"handler and an exit_duration that covers the limit",
     CONFIG("    exit_signal_handler: true\n"
            "    exit_duration_in_mins: 1400\n"),
     NULL,
     {"--time=1-0"},
     {NULL}},
    {"handler and an exit_duration too late: both said",
     CONFIG("    exit_signal_handler: true\n"
            "    exit_duration_in_mins: 1440\n"),
     NULL,
     {"--time=1-0"},
     {"is not below the time limit", "has no --signal"}},
    {"handler, --signal=TERM@0 sends nothing",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=1-0", "--signal=TERM@0"},
     {"sbatch --signal=TERM@0 sends nothing (Slurm sends no signal when "
      "sig_time is 0)"}},

    /* (d) a --signal too late, to the wrong place or the wrong signal */
    {"handler, --signal without a time (60 s)",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=1-0", "--signal=TERM"},
     {"sbatch --signal=TERM leaves Megatron 60 s between the signal and the "
      "time limit (then KillWait, 30 s by default), too little to finish "
      "the iteration and save a checkpoint; use --signal=TERM@300"}},
    {"handler, --signal=TERM@300",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=1-0", "--signal=TERM@300"},
     {NULL}},
    {"handler, --signal=SIGTERM@900 in the script",
     CONFIG("    exit_signal_handler: true\n"),
     "#!/bin/sh\n#SBATCH --signal=SIGTERM@900 --time=1-0\nsrun x\n",
     {NULL},
     {NULL}},
    {"handler, --signal to the batch shell only",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=1-0", "--signal=B:TERM@600"},
     {"sbatch --signal=B:TERM@600 signals only the batch shell, not "
      "Megatron's processes: unless the script traps it and passes SIGTERM "
      "on to Megatron, backend.megatron.exit_signal_handler never sees it; "
      "use --signal=TERM@600 for Megatron under srun"}},
    {"handler, a B: in the script stays",
     CONFIG("    exit_signal_handler: true\n"),
     "#SBATCH --signal=B:USR1@600\n",
     {"--time=1-0", "--signal=TERM@600"},
     {"sbatch --signal=TERM@600 signals only the batch shell"}},
    {"handler, another signal",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=1-0", "--signal=USR1@600"},
     {"sbatch --signal=USR1@600 sends SIGUSR1 but "
      "backend.megatron.exit_signal_handler waits for SIGTERM: Megatron "
      "does not save on it; use --signal=TERM@600 or set "
      "backend.megatron.exit_signal: SIGUSR1"}},
    {"handler waiting for SIGUSR1, which --signal sends",
     CONFIG("    exit_signal_handler: true\n    exit_signal: SIGUSR1\n"),
     NULL,
     {"--time=1-0", "--signal=USR1@600"},
     {NULL}},
    {"handler waiting for SIGUSR1, no --signal",
     CONFIG("    exit_signal_handler: true\n    exit_signal: SIGUSR1\n"),
     NULL,
     {"--time=1-0"},
     {"add --signal=USR1@300 "}},
    {"handler, a signal as long as the job",
     CONFIG("    exit_signal_handler: true\n"),
     NULL,
     {"--time=10", "--signal=TERM@600"},
     {"sbatch --signal=TERM@600 comes 600 s before the end of a 10 min job, "
      "that is at its start: Megatron stops after its first iteration; use "
      "--signal=TERM@150"}},
    {"handler given as a string: argparse refuses it, nothing said",
     CONFIG("    exit_signal_handler: 'true'\n"),
     NULL,
     {"--time=1-0"},
     {NULL}},
    {"a whole backend.megatron from an interpolation",
     "project:\n  meg:\n    save: /ckpt\n    exit_duration_in_mins: 1440\n"
     "backend:\n  megatron: ${project.meg}\n",
     NULL,
     {"--time=1440"},
     {"(1440) is not below"}},
};

static void run_case(const tcase *c)
{
	ae_compose_warning *w = NULL;
	size_t n = 0, want = 0, i;
	json_t *options = json_array();
	ae_node *root;
	ae_error err;
	int rc;

	root = ae_yaml_load_string(c->yaml, strlen(c->yaml), "exp.yaml", NULL,
	                           &err);
	CHECK(root != NULL);
	for (i = 0; i < 4 && c->options[i]; i++)
		json_array_append_new(options, json_string(c->options[i]));
	rc = ae_timecheck_run(options, c->script, root, "20250101_000000_000",
	                      &w, &n, &err);
	while (want < 2 && c->want[want])
		want++;
	if ((size_t)rc != want || n != want) {
		fprintf(stderr, "case '%s': %d warnings\n", c->name, rc);
		for (i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", w[i].text);
	}
	CHECK_INT(rc, want);
	CHECK_INT(n, want);
	for (i = 0; i < n && i < want; i++) {
		if (!strstr(w[i].text, c->want[i]))
			fprintf(stderr, "case '%s':\n  got  %s\n  want %s\n",
			        c->name, w[i].text, c->want[i]);
		CHECK(strstr(w[i].text, c->want[i]) != NULL);
	}
	free(w);
	json_decref(options);
	ae_node_free(root);
}

static void test_rules(void)
{
	/* 5% of the limit, at least 10 and at most 30 minutes, never more
	 * than half the limit */
	CHECK_INT(ae_timecheck_margin_min(2880), 30);
	CHECK_INT(ae_timecheck_margin_min(1440), 30);
	CHECK_INT(ae_timecheck_margin_min(240), 12);
	CHECK_INT(ae_timecheck_margin_min(60), 10);
	CHECK_INT(ae_timecheck_margin_min(10), 5);
	CHECK_INT(ae_timecheck_margin_min(1), 0);
	/* 300 s, at most a quarter of the limit */
	CHECK_INT(ae_timecheck_lead_secs(0), 300);
	CHECK_INT(ae_timecheck_lead_secs(1440), 300);
	CHECK_INT(ae_timecheck_lead_secs(20), 300);
	CHECK_INT(ae_timecheck_lead_secs(10), 150);
}

/* Warnings are appended to what is there (the compose warnings). */
static void test_append(void)
{
	ae_compose_warning *w = calloc(1, sizeof(*w));
	ae_timecheck_megatron mt = {1, 0, 0, 15, 0};
	ae_jobtime job = {0};
	size_t n = 1;

	job.limit_min = 60;
	snprintf(job.limit_text, sizeof(job.limit_text), "60");
	snprintf(w[0].text, sizeof(w[0].text), "earlier");
	CHECK_INT(ae_timecheck_warn(&job, &mt, &w, &n), 1);
	CHECK_INT(n, 2);
	CHECK_STR(w[0].text, "earlier");
	CHECK(strstr(w[1].text, "(--time=60, 60 min)") != NULL);
	/* no save interval known: said without one */
	CHECK(strstr(w[1].text, "last checkpoint; set") != NULL);
	free(w);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_rules();
	test_append();
	TEST_MAIN_END();
}
