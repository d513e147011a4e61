/* How a job start ended: a table of exit statuses and log lines, fed through
 * the same code as the helper (ae_logfacts for the lines, then
 * ae_endstate_classify), with the state, the reason and the flags
 * expected. Then the facts' own rules: saves, error events, persistence. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdlib.h>

#include "ae_endstate.h"
#include "ae_logfacts.h"
#include "testutil.h"

#define ITER(n, m)                                                             \
	" [2025-01-01 10:00:00] iteration " #n "/" #m                          \
	" | consumed samples: 12 | lm loss: 2.0E+00 |"
#define CANCEL(due)                                                            \
	"slurmstepd: error: *** JOB 42 ON node01 CANCELLED AT "                \
	"2025-01-01T10:00:00" due " ***"

/* An error event as the rules would emit it (kind and error_type). */
typedef struct err_ev {
	const char *name;
	const char *kind;
	const char *type;
} err_ev;

typedef struct row {
	const char *what;
	const char *end; /* the plugin's end record, JSON */
	const char *lines[6];
	err_ev errors[3];
	long long config_train_iters;
	const char *termination;
	ae_endstate_state state;
	const char *reason; /* a substring of it */
	int no_restart;
	int complete;
} row;

static const row rows[] = {
    {"complete, exit 0",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(90, 100), ITER(100, 100)},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_SUCCESS,
     "training complete (iteration 100 of 100)",
     0,
     1},
    {"last iteration not logged, loop done",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(100, 150), "[after training is done] datetime: 2025-01-01 "},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_SUCCESS,
     "training complete",
     0,
     1},
    {"final save names the last iteration",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(100, 150),
      "  successfully saved checkpoint from iteration     150 to /ck [ t "
      "1/1, p 1/1 ]"},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_SUCCESS,
     "(iteration 150 of 150)",
     0,
     1},
    {"termination string",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(10, 100), "all done: EVAL FINISHED"},
     {{0}},
     -1,
     "EVAL FINISHED",
     AE_ENDSTATE_SUCCESS,
     "termination string seen",
     0,
     1},
    {"termination configured, not seen",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {"some output"},
     {{0}},
     -1,
     "EVAL FINISHED",
     AE_ENDSTATE_CRASH,
     "exit 0 before training was complete",
     0,
     0},
    {"exit 0, nothing known",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {"hello"},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_SUCCESS,
     "training progress unknown",
     0,
     0},
    {"exit 0, config train_iters only, no iteration",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {"hello"},
     {{0}},
     100,
     NULL,
     AE_ENDSTATE_CRASH,
     "before training was complete",
     0,
     0},
    {"log's train_iters wins over the config's",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(50, 50)},
     {{0}},
     100,
     NULL,
     AE_ENDSTATE_SUCCESS,
     "iteration 50 of 50",
     0,
     1},
    {"exit 0 incomplete, no message",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(40, 100)},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "exit 0 before training was complete (iteration 40 of 100)",
     0,
     0},
    {"exit 0 with an error event",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {"no checkpoint"},
     {{"missing_checkpoint", "error", "missing_checkpoint"}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "missing_checkpoint",
     0,
     0},
    {"--exit-duration-in-mins",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(40, 100),
      "[exiting program after 1.0166 minutes] datetime: 2025-01-01 "},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_TIMEOUT,
     "--exit-duration-in-mins",
     0,
     0},
    {"--exit-interval",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(40, 100), "[exiting program at iteration 50] datetime: x "},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_TIMEOUT,
     "--exit-interval) (iteration 50 of 100)",
     0,
     0},
    {"--exit-signal-handler, rank prefix",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(40, 100),
      "[default0]:[exiting program after receiving SIGTERM.] datetime: "},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_TIMEOUT,
     "--exit-signal-handler",
     0,
     0},
    {"early exit at the last iteration is complete",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(99, 100), "[exiting program at iteration 100] datetime: x "},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_SUCCESS,
     "training complete",
     0,
     1},
    {"time limit, signalled",
     "{\"signal\": 15, \"state\": \"SIGNALED\"}",
     {ITER(40, 100), CANCEL(" DUE TO TIME LIMIT")},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_TIMEOUT,
     "time limit (iteration 40 of 100)",
     0,
     0},
    {"time limit, saved by the signal handler: exit 0",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {ITER(40, 100), CANCEL(" DUE TO TIME LIMIT"),
      "[exiting program after receiving SIGTERM.] datetime: x"},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_TIMEOUT,
     "time limit",
     0,
     0},
    {"time limit, old Slurm without ON host",
     "{\"signal\": 9, \"state\": \"SIGNALED\"}",
     {"slurmstepd: error: *** JOB 42 CANCELLED AT 2025-01-01T10:00:00 DUE "
      "TO TIME LIMIT ***"},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_TIMEOUT,
     "time limit",
     0,
     0},
    {"preemption",
     "{\"signal\": 15, \"state\": \"SIGNALED\"}",
     {CANCEL(" DUE TO PREEMPTION")},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_TIMEOUT,
     "preempted",
     0,
     0},
    {"user's scancel",
     "{\"signal\": 15, \"state\": \"SIGNALED\"}",
     {ITER(40, 100), CANCEL("")},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CANCELLED,
     "cancelled by the user",
     1,
     0},
    {"user's scancel, newer Slurm's signal suffix",
     "{\"exit_code\": 0, \"state\": \"COMPLETED\"}",
     {CANCEL(" DUE to SIGNAL Terminated")},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CANCELLED,
     "cancelled",
     1,
     0},
    {"requeue is not a user cancel",
     "{\"signal\": 15, \"state\": \"SIGNALED\"}",
     {CANCEL(" DUE TO JOB REQUEUE")},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_REQUEUED,
     "requeued",
     1,
     0},
    {"node failure",
     "{\"signal\": 9, \"state\": \"SIGNALED\"}",
     {CANCEL(" DUE TO NODE FAILURE, SEE SLURMCTLD LOG FOR DETAILS")},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "node failure",
     0,
     0},
    {"NCCL crash: the specific error outlives the traceback",
     "{\"exit_code\": 1, \"state\": \"FAILED\"}",
     {ITER(20, 100)},
     {{"nccl_error", "error", "nccl_error"},
      {"python_error", "error", "exception"},
      {"child_failed", "error", "crash"}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "nccl_error",
     0,
     0},
    {"a later specific error replaces an earlier one",
     "{\"exit_code\": 1, \"state\": \"FAILED\"}",
     {"x"},
     {{"python_error", "error", "exception"},
      {"cuda_oom", "error", "oom"},
      {"validation_loss", "progress", NULL}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "cuda_oom",
     0,
     0},
    {"exit 93: do not restart",
     "{\"exit_code\": 93, \"state\": \"FAILED\"}",
     {ITER(20, 100)},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "exit code 93",
     1,
     0},
    {"non-zero exit without an error event",
     "{\"exit_code\": 2, \"state\": \"FAILED\"}",
     {ITER(20, 100)},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "exit code 2 (iteration 20 of 100)",
     0,
     0},
    {"fatal signal",
     "{\"signal\": 11, \"state\": \"SIGNALED\"}",
     {"x"},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "killed by signal 11 SIGSEGV",
     0,
     0},
    {"non-zero exit after training completed",
     "{\"exit_code\": 1, \"state\": \"FAILED\"}",
     {ITER(100, 100)},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "exit code 1",
     0,
     1},
    {"unknown status, complete",
     "{\"state\": \"UNKNOWN\"}",
     {ITER(100, 100)},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_SUCCESS,
     "training complete",
     0,
     1},
    {"unknown status, nothing known",
     "{\"state\": \"UNKNOWN\"}",
     {"x"},
     {{0}},
     -1,
     NULL,
     AE_ENDSTATE_CRASH,
     "exit status unknown",
     0,
     0},
};

static void table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		const row *r = &rows[i];
		ae_logfacts *lf = ae_logfacts_new(r->termination);
		ae_endstate_input in;
		ae_endstate_result res;
		json_t *end = json_loads(r->end, 0, NULL);

		CHECK(lf && end);
		if (!lf || !end)
			continue;
		for (size_t k = 0; k < 6 && r->lines[k]; k++)
			ae_logfacts_line(lf, r->lines[k], strlen(r->lines[k]));
		for (size_t k = 0; k < 3 && r->errors[k].name; k++) {
			ae_event ev = {0};

			ev.name = (char *)r->errors[k].name;
			ev.metadata = ae_node_new_map();
			ae_map_set(ev.metadata, "kind",
			           ae_node_new_string(r->errors[k].kind));
			if (r->errors[k].type)
				ae_map_set(
				    ev.metadata, "error_type",
				    ae_node_new_string(r->errors[k].type));
			CHECK_INT(ae_logfacts_event(lf, &ev), 0);
			ae_node_free(ev.metadata);
		}
		ae_logfacts_input(lf, r->config_train_iters, &in);
		ae_endstate_from_record(end, &in);
		ae_endstate_classify(&in, &res);
		if (res.state != r->state || !strstr(res.reason, r->reason) ||
		    res.no_restart != r->no_restart ||
		    res.complete != r->complete)
			fprintf(stderr,
			        "row '%s': got %s '%s' no_restart=%d "
			        "complete=%d\n",
			        r->what, ae_endstate_name(res.state),
			        res.reason, res.no_restart, res.complete);
		CHECK_STR(ae_endstate_name(res.state),
		          ae_endstate_name(r->state));
		CHECK(strstr(res.reason, r->reason) != NULL);
		CHECK_INT(res.no_restart, r->no_restart);
		CHECK_INT(res.complete, r->complete);
		json_decref(end);
		ae_logfacts_free(lf);
	}
}

static void line(ae_logfacts *lf, const char *s)
{
	ae_logfacts_line(lf, s, strlen(s));
}

/* A blocking save is a slow phase until its success line; an async one
 * only until it is scheduled. */
static void saves(void)
{
	ae_logfacts *lf = ae_logfacts_new(NULL);

	CHECK_INT(ae_logfacts_saving(lf), 0);
	line(lf, "saving checkpoint at iteration      10 to /ck in torch_dist "
	         "format\n");
	CHECK_INT(ae_logfacts_saving(lf), 1);
	CHECK_INT(ae_logfacts_iteration(lf), 10);
	line(lf, ITER(11, 100)); /* not the end of the save */
	CHECK_INT(ae_logfacts_saving(lf), 1);
	line(lf, "  successfully saved checkpoint from iteration      10 to "
	         "/ck [ t 1/1, p 1/1 ]");
	CHECK_INT(ae_logfacts_saving(lf), 0);
	CHECK_INT(ae_logfacts_iteration(lf), 11);
	line(lf, "saving checkpoint at iteration      20 to /ck in torch_dist "
	         "format");
	line(lf, "  scheduled an async checkpoint save at iteration      20 "
	         "to /ck");
	CHECK_INT(ae_logfacts_saving(lf), 0);
	/* other lines with "iteration" are no training iterations */
	line(lf, " validation loss at iteration 500 on validation set | lm "
	         "loss value: 2.0 |");
	CHECK_INT(ae_logfacts_iteration(lf), 20);
	ae_logfacts_free(lf);
}

/* The facts survive a helper restart through monitor_state.json. */
static void persistence(void)
{
	ae_logfacts *lf = ae_logfacts_new("DONE"),
	            *back = ae_logfacts_new("DONE");
	ae_endstate_input a, b;
	ae_event ev = {0};
	json_t *saved;

	line(lf, ITER(30, 60));
	line(lf,
	     "saving checkpoint at iteration      30 to /ck in torch format");
	line(lf, "[exiting program at iteration 30] datetime: x");
	line(lf, CANCEL(" DUE TO PREEMPTION"));
	line(lf, "DONE");
	ev.name = "nccl_error";
	ev.metadata = ae_node_new_map();
	ae_map_set(ev.metadata, "kind", ae_node_new_string("error"));
	ae_map_set(ev.metadata, "node", ae_node_new_string("gpu07"));
	CHECK_INT(ae_logfacts_event(lf, &ev), 0);
	ae_node_free(ev.metadata);
	saved = ae_logfacts_save(lf);
	CHECK(saved != NULL);
	ae_logfacts_load(back, saved);
	ae_logfacts_input(lf, -1, &a);
	ae_logfacts_input(back, -1, &b);
	CHECK_INT(b.iteration, 30);
	CHECK_INT(b.train_iters, 60);
	CHECK_INT(b.cancel, AE_CANCEL_PREEMPTION);
	CHECK_INT(b.early, AE_EARLY_INTERVAL);
	CHECK_INT(b.termination_seen, 1);
	CHECK_INT(ae_logfacts_saving(back), 1);
	CHECK_STR(b.error_event, "nccl_error");
	CHECK_STR(ae_map_get(ae_logfacts_error_fields(back), "node")->u.str.s,
	          "gpu07");
	CHECK_INT(memcmp(&a.cancel, &b.cancel, sizeof(a.cancel)), 0);
	/* a new job start forgets them */
	ae_logfacts_reset(back);
	ae_logfacts_input(back, -1, &b);
	CHECK_INT(b.iteration, -1);
	CHECK(b.error_event == NULL);
	CHECK_INT(b.cancel, AE_CANCEL_NONE);
	json_decref(saved);
	ae_logfacts_free(lf);
	ae_logfacts_free(back);
}

static void names(void)
{
	CHECK_INT(ae_endstate_event_state("crash"), AE_ENDSTATE_CRASH);
	CHECK_INT(ae_endstate_event_state("stall"), AE_ENDSTATE_STALL);
	CHECK_INT(ae_endstate_event_state("cancelled"), AE_ENDSTATE_CANCELLED);
	CHECK_INT(ae_endstate_event_state("requeued"), AE_ENDSTATE_NONE);
	CHECK_INT(ae_endstate_event_state("Crash"), AE_ENDSTATE_NONE);
	CHECK_INT(ae_endstate_event_state(NULL), AE_ENDSTATE_NONE);
}

int main(void)
{
	table();
	saves();
	persistence();
	names();
	TEST_MAIN_END();
}
