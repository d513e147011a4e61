#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* megatron_sim: a stand-in for Megatron-LM's pretrain_gpt.py, for tests and
 * demos. It takes Megatron's flags, loads and saves checkpoints with
 * Megatron's layout and rules, and prints Megatron's log lines, a few
 * milliseconds per iteration. Nothing is learned; the loss is a formula.
 *
 * Faithful to NVIDIA/Megatron-LM (megatron/training/{training,checkpointing,
 * arguments}.py and megatron/core/optimizer_param_scheduler.py):
 *   - layout: {save}/iter_%07d/ and {save}/latest_checkpointed_iteration.txt,
 *     the tracker written before the success line, which names args.save;
 *   - load: the tracker gives the iteration, a non-zero --ckpt-step wins
 *     (also without a tracker); neither: a warning and a start from random,
 *     or, with --exit-on-missing-checkpoint, an exit;
 *   - the learning-rate schedule (warmup, constant/linear/cosine/
 *     inverse-square-root/WSD decay) and its checkpoint check: a resumed run
 *     whose schedule differs from the checkpoint's fails unless
 *     --override-opt-param-scheduler or --use-checkpoint-opt_param-scheduler;
 *   - --train-iters is absolute; --async-save finalizes iterations later;
 *   - ends of training (training.py): --exit-interval N exits after an
 *     iteration divisible by N, --exit-duration-in-mins M after an
 *     iteration that ends more than M minutes (wall time, a float) after
 *     the start, each saving a checkpoint first when --save is set (and
 *     none was saved at that iteration) and printing "[exiting program at
 *     iteration N] datetime: ..." or "[exiting program after M' minutes]
 *     datetime: ..." (M' the elapsed minutes, as Python prints a float);
 *     --exit-signal-handler catches SIGTERM, finishes the iteration, saves
 *     and prints "[exiting program after receiving SIGTERM.] datetime: ...";
 *     all three exit 0. Without the flag SIGTERM kills as by default.
 *   - ranks: under srun or torchrun every task runs the script; the rank
 *     (RANK, else SLURM_PROCID) and world size (WORLD_SIZE, else
 *     SLURM_NTASKS) come from the environment; only rank 0 prints (the
 *     training lines are print_rank_last in Megatron, the same file with
 *     one rank per node here) and writes the checkpoint and its tracker;
 *     the other ranks train silently with the same timing and faults.
 * Deliberate differences: --exit-on-missing-checkpoint exits with status 1
 * (Megatron's sys.exit() gives 0, which hides the failure from Slurm);
 * unknown flags are accepted and listed in the arguments dump (Megatron's
 * argparse rejects them); --log-interval defaults to 1 (Megatron: 100);
 * --lr defaults to 1e-4; the checkpoint files hold a few lines of text.
 *
 * Simulator options: --sim-ms-per-iter N (default 5), --sim-async-delay N
 * (async saves finalize N iterations later, default 2), --sim-save-sleep S
 * (a slow save: every save sleeps S seconds, a float, after its "saving
 * checkpoint at iteration" line and before "successfully saved" or, with
 * --async-save, "scheduled an async checkpoint save"; default 0), and
 * faults:
 *   --sim-fail-at N        crash during iteration N (it is never logged):
 *                          a Python traceback on stderr, then exit;
 *   --sim-fail-kind K      the error printed, as PyTorch prints it:
 *                          python (default) "RuntimeError: simulated
 *                          failure at iteration N"; nccl
 *                          "torch.distributed.DistBackendError: NCCL error
 *                          in: ...ProcessGroupNCCL.cpp:1275, unhandled
 *                          system error ..., NCCL version 2.19.3" and
 *                          "ncclSystemError: ..."; cuda "RuntimeError: CUDA
 *                          error: an illegal memory access was
 *                          encountered"; oom "torch.OutOfMemoryError: CUDA
 *                          out of memory. Tried to allocate 2.00 GiB. ...";
 *   --sim-fail-message T   the exception line instead of the kind's;
 *   --sim-fail-node NAME   name the failing node, in two shapes. For kind
 *                          nccl, NCCL's own warning before the traceback:
 *     NAME:PID:TID [0] misc/socket.cc:484 NCCL WARN socketStartConnect: ...
 *                          read by the PCRE2
 *     ^(?P<node>[^\s:]+):\d+:\d+ \[\d+\] \S+ NCCL WARN
 *                          and for every kind, after the traceback,
 *                          torchrun's ChildFailedError summary, whose line
 *     "  host      : NAME"
 *                          is read by
 *     ^\s+host\s+: (?P<node>\S+)$
 *                          (the summary also fires megatron_production's
 *                          child_failed event, as under torchrun);
 *   --sim-fail-exit-code K the crash's exit status (default 1, Python's for
 *                          an uncaught exception; another, e.g. 93, to test
 *                          rules on exit codes);
 *   --sim-hang-at N        stop printing during iteration N and keep
 *                          running, until killed: like a rank stuck in a
 *                          collective, also with --exit-signal-handler,
 *                          whose flag is only checked between iterations
 *                          (SIGKILL, or SIGTERM without the handler, ends
 *                          it);
 *   --sim-first-start-only the crash or hang only when the save directory
 *                          (--save, required) has no marker file
 *                          .megatron_sim_first_start_done; the fault writes
 *                          it before it happens, so the restarted job, the
 *                          same command, runs through (and resumes from the
 *                          tracker when --load is --save).
 */

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG    "pretrain_gpt.py"
#define TRACKER "latest_checkpointed_iteration.txt"

enum kind { K_INT, K_FLOAT, K_STR, K_FLAG };

struct sim {
	long long train_iters;
	char *save;
	char *load;
	long long save_interval;
	long long ckpt_step;
	int exit_on_missing_checkpoint;
	double lr;
	double min_lr;
	char *lr_decay_style;
	long long lr_decay_iters;
	long long lr_warmup_iters;
	double lr_warmup_init;
	char *lr_wsd_decay_style;
	long long lr_wsd_decay_iters;
	int override_opt_param_scheduler;
	int use_checkpoint_opt_param_scheduler;
	long long global_batch_size;
	long long micro_batch_size;
	long long log_interval;
	long long eval_interval;
	long long eval_iters;
	long long exit_interval;
	double exit_duration_in_mins;
	int exit_signal_handler;
	int async_save;
	char *ckpt_format;
	int finetune;
	int no_load_optim;
	long long seed;
	long long sim_ms_per_iter;
	long long sim_fail_at;
	char *sim_fail_message;
	char *sim_fail_kind;
	char *sim_fail_node;
	long long sim_fail_exit_code;
	long long sim_hang_at;
	int sim_first_start_only;
	long long sim_async_delay;
	double sim_save_sleep;
};

struct opt {
	const char *flag;
	const char *dest; /* argparse's attribute name, for the dump */
	enum kind kind;
	size_t off;
	int none_unless_given; /* dump shows None when not given */
};

#define O(flag, dest, kind, field, none)                                       \
	{                                                                      \
		flag, dest, kind, offsetof(struct sim, field), none            \
	}

static const struct opt opts[] = {
    O("--train-iters", "train_iters", K_INT, train_iters, 1),
    O("--save", "save", K_STR, save, 1),
    O("--load", "load", K_STR, load, 1),
    O("--save-interval", "save_interval", K_INT, save_interval, 1),
    O("--ckpt-step", "ckpt_step", K_INT, ckpt_step, 1),
    O("--exit-on-missing-checkpoint", "exit_on_missing_checkpoint", K_FLAG,
      exit_on_missing_checkpoint, 0),
    O("--lr", "lr", K_FLOAT, lr, 0),
    O("--min-lr", "min_lr", K_FLOAT, min_lr, 0),
    O("--lr-decay-style", "lr_decay_style", K_STR, lr_decay_style, 0),
    O("--lr-decay-iters", "lr_decay_iters", K_INT, lr_decay_iters, 1),
    O("--lr-warmup-iters", "lr_warmup_iters", K_INT, lr_warmup_iters, 0),
    O("--lr-warmup-init", "lr_warmup_init", K_FLOAT, lr_warmup_init, 0),
    O("--lr-wsd-decay-style", "lr_wsd_decay_style", K_STR, lr_wsd_decay_style,
      0),
    O("--lr-wsd-decay-iters", "lr_wsd_decay_iters", K_INT, lr_wsd_decay_iters,
      1),
    O("--override-opt-param-scheduler", "override_opt_param_scheduler", K_FLAG,
      override_opt_param_scheduler, 0),
    O("--override-opt_param-scheduler", "override_opt_param_scheduler", K_FLAG,
      override_opt_param_scheduler, 0),
    O("--use-checkpoint-opt_param-scheduler",
      "use_checkpoint_opt_param_scheduler", K_FLAG,
      use_checkpoint_opt_param_scheduler, 0),
    O("--use-checkpoint-opt-param-scheduler",
      "use_checkpoint_opt_param_scheduler", K_FLAG,
      use_checkpoint_opt_param_scheduler, 0),
    O("--global-batch-size", "global_batch_size", K_INT, global_batch_size, 0),
    O("--micro-batch-size", "micro_batch_size", K_INT, micro_batch_size, 0),
    O("--log-interval", "log_interval", K_INT, log_interval, 0),
    O("--eval-interval", "eval_interval", K_INT, eval_interval, 0),
    O("--eval-iters", "eval_iters", K_INT, eval_iters, 0),
    O("--exit-interval", "exit_interval", K_INT, exit_interval, 1),
    O("--exit-duration-in-mins", "exit_duration_in_mins", K_FLOAT,
      exit_duration_in_mins, 1),
    O("--exit-signal-handler", "exit_signal_handler", K_FLAG,
      exit_signal_handler, 0),
    O("--async-save", "async_save", K_FLAG, async_save, 0),
    O("--ckpt-format", "ckpt_format", K_STR, ckpt_format, 0),
    O("--finetune", "finetune", K_FLAG, finetune, 0),
    O("--no-load-optim", "no_load_optim", K_FLAG, no_load_optim, 0),
    O("--seed", "seed", K_INT, seed, 0),
    O("--sim-ms-per-iter", "sim_ms_per_iter", K_INT, sim_ms_per_iter, 0),
    O("--sim-fail-at", "sim_fail_at", K_INT, sim_fail_at, 1),
    O("--sim-fail-message", "sim_fail_message", K_STR, sim_fail_message, 1),
    O("--sim-fail-kind", "sim_fail_kind", K_STR, sim_fail_kind, 0),
    O("--sim-fail-node", "sim_fail_node", K_STR, sim_fail_node, 1),
    O("--sim-fail-exit-code", "sim_fail_exit_code", K_INT, sim_fail_exit_code,
      0),
    O("--sim-hang-at", "sim_hang_at", K_INT, sim_hang_at, 1),
    O("--sim-first-start-only", "sim_first_start_only", K_FLAG,
      sim_first_start_only, 0),
    O("--sim-async-delay", "sim_async_delay", K_INT, sim_async_delay, 0),
    O("--sim-save-sleep", "sim_save_sleep", K_FLOAT, sim_save_sleep, 0),
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* A flag we do not know, kept for the arguments dump. */
struct extra {
	char *dest;
	const char *value; /* NULL: a bare flag (True) */
};

/* The optimizer-parameter-scheduler state saved with a checkpoint; steps
 * are counted in iterations (Megatron counts samples, the ratio is the
 * constant global batch size). */
struct sched {
	double max_lr, min_lr, warmup_init;
	long long warmup, decay, wsd_decay;
	char style[32], wsd_style[32];
};

struct state {
	long long iteration;
	long long consumed;
	long long steps; /* scheduler steps taken */
	struct sched sched;
};

static volatile sig_atomic_t got_sigterm;
/* This process's rank and the world's size (RANK and WORLD_SIZE as torchrun
 * sets them, else SLURM_PROCID and SLURM_NTASKS as srun does): only rank 0
 * prints and writes checkpoints, as Megatron's print_rank_0 and its
 * rank-0 tracker; the other ranks train silently alongside. */
static long long sim_rank, sim_world = 1;
/* whether the marker of --sim-first-start-only was absent at the start:
 * every rank decides at its start, so all ranks of a start agree */
static int sim_first_start;
/* Megatron's _TRAIN_START_TIME, for --exit-duration-in-mins */
static double start_ms;

static void on_sigterm(int sig)
{
	(void)sig;
	got_sigterm = 1;
}

static void *field(struct sim *s, const struct opt *o)
{
	return (char *)s + o->off;
}

static void sim_defaults(struct sim *s)
{
	memset(s, 0, sizeof(*s));
	s->lr = 1e-4;
	s->lr_decay_style = "linear";
	s->lr_wsd_decay_style = "exponential";
	s->global_batch_size = 8;
	s->micro_batch_size = 1;
	s->log_interval = 1;
	s->eval_interval = 1000;
	s->eval_iters = 100;
	s->ckpt_format = "torch_dist";
	s->seed = 1234;
	s->sim_ms_per_iter = 5;
	s->sim_async_delay = 2;
	s->sim_fail_kind = "python";
	s->sim_fail_exit_code = 1;
}

/* Python's repr() of a float: the shortest digits that read back, fixed
 * notation for exponents -4..15, else d.dddde[+-]XX. */
static char *pyfloat(double f, char *buf, size_t size)
{
	char digits[40], *e, mant[40];
	int prec, exp10, n, i, pos;

	if (isnan(f)) {
		snprintf(buf, size, "nan");
		return buf;
	}
	if (isinf(f)) {
		snprintf(buf, size, f < 0 ? "-inf" : "inf");
		return buf;
	}
	for (prec = 0; prec < 17; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec, f);
		if (strtod(digits, NULL) == f)
			break;
	}
	snprintf(digits, sizeof(digits), "%.*e", prec, f);
	e = strchr(digits, 'e');
	exp10 = atoi(e + 1);
	*e = '\0';
	/* mant: the significant digits without sign and point */
	n = 0;
	for (i = 0; digits[i]; i++)
		if (digits[i] >= '0' && digits[i] <= '9')
			mant[n++] = digits[i];
	mant[n] = '\0';
	pos = 0;
	if (f < 0)
		pos += snprintf(buf + pos, size - pos, "-");
	if (exp10 < -4 || exp10 >= 16) {
		pos += snprintf(buf + pos, size - pos, "%c", mant[0]);
		if (n > 1)
			pos += snprintf(buf + pos, size - pos, ".%s", mant + 1);
		snprintf(buf + pos, size - pos, "e%c%02d",
		         exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (exp10 < 0) {
		pos += snprintf(buf + pos, size - pos, "0.");
		for (i = -1; i > exp10; i--)
			pos += snprintf(buf + pos, size - pos, "0");
		snprintf(buf + pos, size - pos, "%s", mant);
	} else {
		for (i = 0; i <= exp10; i++)
			pos += snprintf(buf + pos, size - pos, "%c",
			                i < n ? mant[i] : '0');
		if (n > exp10 + 1)
			snprintf(buf + pos, size - pos, ".%s",
			         mant + exp10 + 1);
		else
			snprintf(buf + pos, size - pos, ".0");
	}
	return buf;
}

static int usage_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* argparse's error exit: usage line, "error: ...", status 2. */
static int usage_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "usage: " PROG " [-h] [--train-iters TRAIN_ITERS] "
	                "[--save SAVE] [--load LOAD] ...\n" PROG ": error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static int parse_int(const char *text, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, 10);
	return (errno || end == text || *end) ? -1 : 0;
}

static int parse_float(const char *text, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(text, &end);
	return (errno == ERANGE || end == text || *end) ? -1 : 0;
}

/* A token that is a value, not a flag: anything not starting with "--",
 * and negative numbers. */
static int is_value(const char *arg)
{
	double d;

	return strncmp(arg, "--", 2) != 0 || parse_float(arg, &d) == 0;
}

static int set_opt(struct sim *s, const struct opt *o, const char *value)
{
	static const char *const type_name[] = {"int", "float"};
	void *dst = field(s, o);

	switch (o->kind) {
	case K_INT:
		if (parse_int(value, dst) < 0)
			goto bad;
		return 0;
	case K_FLOAT:
		if (parse_float(value, dst) < 0)
			goto bad;
		return 0;
	case K_STR:
		*(char **)dst = (char *)value;
		return 0;
	case K_FLAG:
		*(int *)dst = 1;
		return 0;
	}
	return 0;
bad:
	fprintf(stderr,
	        "usage: " PROG " [-h] ...\n" PROG
	        ": error: argument %s: invalid %s value: '%s'\n",
	        o->flag, type_name[o->kind], value);
	return -1;
}

static void dest_of(const char *flag, char *buf, size_t size)
{
	size_t i;

	while (*flag == '-')
		flag++;
	for (i = 0; flag[i] && i + 1 < size; i++)
		buf[i] = flag[i] == '-' ? '_' : flag[i];
	buf[i] = '\0';
}

/* Parse argv as argparse would, except that unknown flags are kept. */
static int parse_args(struct sim *s, int argc, char **argv,
                      unsigned char *given, struct extra *extras,
                      size_t *n_extras)
{
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		char name[256];
		const char *arg = argv[i], *value = NULL, *eq;
		const struct opt *o = NULL;

		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			printf(
			    "usage: megatron_sim --train-iters N [--save DIR] "
			    "[--load DIR] [--save-interval N]\n"
			    "       [--ckpt-step N] "
			    "[--exit-on-missing-checkpoint] [--lr LR] ...\n"
			    "       [--sim-ms-per-iter MS] [--sim-fail-at N] "
			    "[--sim-hang-at N]\n"
			    "       [--sim-fail-kind python|nccl|cuda|oom] "
			    "[--sim-fail-node NAME]\n"
			    "       [--sim-fail-exit-code K] "
			    "[--sim-first-start-only]\n"
			    "       [--sim-save-sleep SECONDS]\n"
			    "A Megatron-LM stand-in for tests; see the "
			    "comment at the top of megatron_sim.c.\n");
			exit(0);
		}
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
			return usage_fail("unrecognized arguments: %s", arg);
		eq = strchr(arg, '=');
		snprintf(name, sizeof(name), "%.*s",
		         (int)(eq ? (size_t)(eq - arg) : strlen(arg)), arg);
		for (k = 0; k < N_OPTS; k++)
			if (strcmp(opts[k].flag, name) == 0)
				o = &opts[k];
		if (eq)
			value = eq + 1;
		else if ((!o || o->kind != K_FLAG) && i + 1 < argc &&
		         is_value(argv[i + 1]))
			value = argv[++i];
		if (!o) {
			char dest[256];

			dest_of(name, dest, sizeof(dest));
			extras[*n_extras].dest = strdup(dest);
			if (!extras[*n_extras].dest)
				return 1;
			extras[(*n_extras)++].value = value;
			continue;
		}
		if (o->kind == K_FLAG && value)
			return usage_fail("argument %s: ignored explicit "
			                  "argument '%s'",
			                  name, value);
		if (o->kind != K_FLAG && !value)
			return usage_fail("argument %s: expected one "
			                  "argument",
			                  name);
		if (set_opt(s, o, value) < 0)
			return 2;
		given[o - opts] = 1;
	}
	return 0;
}

static int cmp_ci(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* "  dest ..... value" with the dots of Megatron's _print_args (48 -
 * len(dest), none when the name is longer). Caller frees. */
static char *arg_line(const char *dest, const char *value)
{
	int dots = 48 - (int)strlen(dest);
	size_t size = strlen(dest) + strlen(value) + 56;
	char *line = malloc(size);

	if (line)
		snprintf(line, size, "  %s %.*s %s", dest, dots > 0 ? dots : 0,
		         "................................................",
		         value);
	return line;
}

/* Megatron's _print_args: "  dest ..... value", sorted case-insensitively. */
static int print_args(struct sim *s, const unsigned char *given,
                      const struct extra *extras, size_t n_extras)
{
	char **lines;
	size_t n = 0, i, k;
	int rv = -1;

	lines = calloc(N_OPTS + n_extras, sizeof(*lines));
	if (!lines)
		return -1;
	for (k = 0; k < N_OPTS; k++) {
		const struct opt *o = &opts[k];
		char val[64];
		const char *v = val;
		int dup = 0;

		for (i = 0; i < k; i++)
			if (strcmp(opts[i].dest, o->dest) == 0)
				dup = 1;
		if (dup)
			continue;
		if (o->none_unless_given && !given[k]) {
			/* an alias may have been the one given */
			for (i = k + 1; i < N_OPTS; i++)
				if (strcmp(opts[i].dest, o->dest) == 0 &&
				    given[i])
					break;
			if (i == N_OPTS)
				v = "None";
		}
		if (v == val) {
			void *p = field(s, o);

			if (o->kind == K_INT)
				snprintf(val, sizeof(val), "%lld",
				         *(long long *)p);
			else if (o->kind == K_FLOAT)
				pyfloat(*(double *)p, val, sizeof(val));
			else if (o->kind == K_FLAG)
				v = *(int *)p ? "True" : "False";
			else
				v = *(char **)p;
		}
		lines[n] = arg_line(o->dest, v);
		if (!lines[n])
			goto out;
		n++;
	}
	for (i = 0; i < n_extras; i++) {
		lines[n] = arg_line(extras[i].dest,
		                    extras[i].value ? extras[i].value : "True");
		if (!lines[n])
			goto out;
		n++;
	}
	qsort(lines, n, sizeof(*lines), cmp_ci);
	printf("------------------------ arguments ------------------------\n");
	for (i = 0; i < n; i++)
		printf("%s\n", lines[i]);
	printf("-------------------- end of arguments ---------------------\n");
	rv = 0;
out:
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return rv;
}

static void timestamp(char *buf, size_t size, int micro)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	if (micro && n < size)
		snprintf(buf + n, size - n, ".%06ld", ts.tv_nsec / 1000);
}

static void print_datetime(const char *what)
{
	char ts[64];

	timestamp(ts, sizeof(ts), 1);
	printf("[%s] datetime: %s \n", what, ts);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(long long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR &&
	       !got_sigterm)
		;
}

/* OptimizerParamScheduler.get_lr, with steps in iterations. */
static double sched_lr(const struct sched *sc, long long step)
{
	double ratio, coeff, delta = sc->max_lr - sc->min_lr;
	long long anneal_start;

	if (sc->warmup > 0 && step <= sc->warmup)
		return sc->warmup_init + (sc->max_lr - sc->warmup_init) *
		                             (double)step / (double)sc->warmup;
	if (strcmp(sc->style, "constant") == 0)
		return sc->max_lr;
	if (step > sc->decay)
		return sc->min_lr;
	if (strcmp(sc->style, "inverse-square-root") == 0) {
		long long w = sc->warmup > 1 ? sc->warmup : 1;
		double lr = sc->max_lr * sqrt((double)w) /
		            sqrt((double)(step > 1 ? step : 1));

		return lr > sc->min_lr ? lr : sc->min_lr;
	}
	ratio = (double)(step - sc->warmup) / (double)(sc->decay - sc->warmup);
	if (strcmp(sc->style, "linear") == 0) {
		coeff = 1.0 - ratio;
	} else if (strcmp(sc->style, "cosine") == 0) {
		coeff = 0.5 * (cos(M_PI * ratio) + 1.0);
	} else { /* WSD */
		anneal_start = sc->decay - sc->wsd_decay;
		if (step <= anneal_start) {
			coeff = 1.0;
		} else {
			ratio = (double)(step - anneal_start) /
			        (double)sc->wsd_decay;
			if (strcmp(sc->wsd_style, "linear") == 0)
				coeff = 1.0 - ratio;
			else if (strcmp(sc->wsd_style, "cosine") == 0)
				coeff = 0.5 * (cos(M_PI * ratio) + 1.0);
			else if (strcmp(sc->wsd_style, "minus_sqrt") == 0)
				coeff = 1.0 - sqrt(ratio);
			else
				coeff = 2.0 * pow(0.5, ratio) - 1.0;
		}
	}
	return sc->min_lr + coeff * delta;
}

static int sched_from_args(const struct sim *s, struct sched *sc)
{
	static const char *const styles[] = {"constant", "linear", "cosine",
	                                     "inverse-square-root", "WSD"};
	size_t i;

	memset(sc, 0, sizeof(*sc));
	sc->max_lr = s->lr;
	sc->min_lr = s->min_lr;
	sc->warmup_init = s->lr_warmup_init;
	sc->warmup = s->lr_warmup_iters;
	sc->decay = s->lr_decay_iters ? s->lr_decay_iters : s->train_iters;
	sc->wsd_decay = s->lr_wsd_decay_iters;
	snprintf(sc->style, sizeof(sc->style), "%s", s->lr_decay_style);
	snprintf(sc->wsd_style, sizeof(sc->wsd_style), "%s",
	         s->lr_wsd_decay_style);
	for (i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
		if (strcmp(styles[i], sc->style) == 0)
			break;
	if (i == sizeof(styles) / sizeof(styles[0]))
		return usage_fail("argument --lr-decay-style: invalid choice: "
		                  "'%s' (choose from 'constant', 'linear', "
		                  "'cosine', 'inverse-square-root', 'WSD')",
		                  sc->style);
	if (sc->decay <= sc->warmup && strcmp(sc->style, "constant") != 0 &&
	    strcmp(sc->style, "inverse-square-root") != 0) {
		printf("AssertionError: lr_decay_steps (%lld) must be larger "
		       "than lr_warmup_steps (%lld)\n",
		       sc->decay, sc->warmup);
		return 1;
	}
	if (strcmp(sc->style, "WSD") == 0 && sc->wsd_decay <= 0) {
		printf("AssertionError: WSD decay style needs "
		       "--lr-wsd-decay-iters\n");
		return 1;
	}
	return 0;
}

/* Training curves: deterministic, decreasing, slightly noisy. */
static double sim_loss(long long it)
{
	return 2.0 + 9.0 * exp(-(double)it / 40.0) + 0.02 * sin((double)it);
}

static double sim_grad_norm(long long it)
{
	return 0.8 + 4.0 * exp(-(double)it / 30.0);
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) < 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

/* Write a file through a temporary name, so readers never see half. */
static int write_file(const char *path, const char *text)
{
	char tmp[4200];
	FILE *f;
	int rv = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fputs(text, f) != EOF)
		rv = 0;
	if (fclose(f) != 0)
		rv = -1;
	if (rv == 0 && rename(tmp, path) < 0)
		rv = -1;
	if (rv < 0)
		unlink(tmp);
	return rv;
}

static void fail_errno(const char *what, const char *path)
{
	printf("Traceback (most recent call last):\n"
	       "  File \"" PROG "\", line 1, in <module>\n"
	       "%s: [Errno %d] %s: '%s'\n",
	       what, errno, strerror(errno), path);
	fflush(stdout);
	exit(1);
}

static void iter_dir(char *buf, size_t size, const char *root, long long it)
{
	snprintf(buf, size, "%s/iter_%07lld", root, it);
}

/* The checkpoint's state file: legacy "torch" format keeps it in
 * mp_rank_00/model_optim_rng.pt, torch_dist in common.pt. */
static void state_path(char *buf, size_t size, const char *dir,
                       const char *format)
{
	if (strcmp(format, "torch") == 0)
		snprintf(buf, size, "%s/mp_rank_00/model_optim_rng.pt", dir);
	else
		snprintf(buf, size, "%s/common.pt", dir);
}

static void write_checkpoint(const struct sim *s, const struct state *st)
{
	char dir[4096], path[4200], text[1024], lr[40], min_lr[40], init[40];

	iter_dir(dir, sizeof(dir), s->save, st->iteration);
	if (strcmp(s->ckpt_format, "torch") == 0) {
		snprintf(path, sizeof(path), "%s/mp_rank_00", dir);
		if (mkdir_p(path) < 0)
			fail_errno("OSError", path);
	} else if (mkdir_p(dir) < 0) {
		fail_errno("OSError", dir);
	}
	snprintf(text, sizeof(text),
	         "# megatron_sim checkpoint (text, not a PyTorch file)\n"
	         "iteration=%lld\nconsumed_samples=%lld\nsteps=%lld\n"
	         "max_lr=%s\nmin_lr=%s\nwarmup_init=%s\nwarmup_iters=%lld\n"
	         "decay_iters=%lld\nwsd_decay_iters=%lld\ndecay_style=%s\n"
	         "wsd_decay_style=%s\nloss=%.6E\n",
	         st->iteration, st->consumed, st->steps,
	         pyfloat(st->sched.max_lr, lr, sizeof(lr)),
	         pyfloat(st->sched.min_lr, min_lr, sizeof(min_lr)),
	         pyfloat(st->sched.warmup_init, init, sizeof(init)),
	         st->sched.warmup, st->sched.decay, st->sched.wsd_decay,
	         st->sched.style, st->sched.wsd_style, sim_loss(st->iteration));
	state_path(path, sizeof(path), dir, s->ckpt_format);
	if (write_file(path, text) < 0)
		fail_errno("OSError", path);
	if (strcmp(s->ckpt_format, "torch") != 0) {
		snprintf(path, sizeof(path), "%s/metadata.json", dir);
		if (write_file(path, "{\"sharded_backend\": \"torch_dist\", "
		                     "\"sharded_backend_version\": 1, "
		                     "\"common_backend\": \"torch\", "
		                     "\"common_backend_version\": 1}\n") < 0)
			fail_errno("OSError", path);
	}
}

/* iter_finalize_fn: the tracker first, then the line the monitor reads. */
static void finalize_save(const struct sim *s, long long it)
{
	char path[4200], text[32];

	snprintf(path, sizeof(path), "%s/" TRACKER, s->save);
	snprintf(text, sizeof(text), "%lld", it);
	if (sim_rank == 0 && write_file(path, text) < 0)
		fail_errno("OSError", path);
	printf("  successfully saved checkpoint from iteration %7lld to %s "
	       "[ t 1/1, p 1/1 ]\n",
	       it, s->save);
}

struct pending {
	long long *its; /* iterations whose async save is not finalized */
	size_t n, cap;
};

static void save_checkpoint(const struct sim *s, const struct state *st,
                            struct pending *pend, long long due)
{
	double t0 = now_ms();

	printf("saving checkpoint at iteration %7lld to %s in %s format\n",
	       st->iteration, s->save, s->ckpt_format);
	if (sim_rank == 0) {
		if (mkdir_p(s->save) < 0)
			fail_errno("OSError", s->save);
		write_checkpoint(s, st);
	}
	/* a slow file system: silent between the two lines */
	sleep_ms((long long)(s->sim_save_sleep * 1000.0));
	if (s->async_save) {
		if (pend->n == pend->cap) {
			size_t cap = pend->cap ? 2 * pend->cap : 8;
			long long *its =
			    realloc(pend->its, 2 * cap * sizeof(*its));

			if (!its) {
				printf("MemoryError\n");
				exit(1);
			}
			pend->its = its;
			pend->cap = cap;
		}
		/* pairs: iteration, iteration at which it completes */
		pend->its[2 * pend->n] = st->iteration;
		pend->its[2 * pend->n + 1] = due;
		pend->n++;
		printf("  scheduled an async checkpoint save at iteration "
		       "%7lld to %s\n",
		       st->iteration, s->save);
	} else {
		finalize_save(s, st->iteration);
	}
	printf("(min, max) time across ranks (ms):\n"
	       "    save-checkpoint ................................: "
	       "(%.2f, %.2f)\n",
	       now_ms() - t0, now_ms() - t0);
}

/* maybe_finalize_async_save: finalize the saves that are done (all of
 * them when blocking). */
static void finalize_async(const struct sim *s, struct pending *pend,
                           long long now_it, int blocking)
{
	size_t i, kept = 0;

	for (i = 0; i < pend->n; i++) {
		if (blocking || pend->its[2 * i + 1] <= now_it) {
			finalize_save(s, pend->its[2 * i]);
			continue;
		}
		pend->its[2 * kept] = pend->its[2 * i];
		pend->its[2 * kept + 1] = pend->its[2 * i + 1];
		kept++;
	}
	pend->n = kept;
}

/* Returns 0, -1 (cannot open, errno set) or -2 (not our format). */
static int read_state(const char *path, struct state *st)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v;

		if (!eq || line[0] == '#')
			continue;
		*eq = '\0';
		v = eq + 1;
		v[strcspn(v, "\n")] = '\0';
		if (strcmp(line, "iteration") == 0)
			st->iteration = atoll(v);
		else if (strcmp(line, "consumed_samples") == 0)
			st->consumed = atoll(v);
		else if (strcmp(line, "steps") == 0)
			st->steps = atoll(v);
		else if (strcmp(line, "max_lr") == 0)
			st->sched.max_lr = strtod(v, NULL);
		else if (strcmp(line, "min_lr") == 0)
			st->sched.min_lr = strtod(v, NULL);
		else if (strcmp(line, "warmup_init") == 0)
			st->sched.warmup_init = strtod(v, NULL);
		else if (strcmp(line, "warmup_iters") == 0)
			st->sched.warmup = atoll(v);
		else if (strcmp(line, "decay_iters") == 0)
			st->sched.decay = atoll(v);
		else if (strcmp(line, "wsd_decay_iters") == 0)
			st->sched.wsd_decay = atoll(v);
		else if (strcmp(line, "decay_style") == 0 && *v)
			snprintf(st->sched.style, sizeof(st->sched.style), "%s",
			         v);
		else if (strcmp(line, "wsd_decay_style") == 0)
			snprintf(st->sched.wsd_style,
			         sizeof(st->sched.wsd_style), "%s", v);
	}
	fclose(f);
	/* the schedule is always written: without it, this is not ours */
	return st->sched.style[0] ? 0 : -2;
}

/* OptimizerParamScheduler._check_and_set for one value, as text. */
static int check_and_set(const struct sim *s, const char *name, const char *cls,
                         const char *ckpt)
{
	if (s->override_opt_param_scheduler) {
		printf(" > overriding %s value to %s\n", name, cls);
		return 0;
	}
	if (!s->use_checkpoint_opt_param_scheduler && strcmp(cls, ckpt) != 0) {
		printf("Traceback (most recent call last):\n"
		       "  File \"" PROG "\", line 1, in <module>\n"
		       "AssertionError: OptimizerParamScheduler: class input "
		       "value %s and checkpoint value %s for %s do not "
		       "match\n",
		       cls, ckpt, name);
		return -1;
	}
	printf(" > using checkpoint value %s for %s\n", ckpt, name);
	return 0;
}

/* Load the scheduler: the arguments' schedule (*cur) against the
 * checkpoint's (*ck); values in samples as Megatron prints them. */
static int load_sched(const struct sim *s, struct sched *cur,
                      const struct sched *ck)
{
	char a[48], b[48];
	long long g = s->global_batch_size;
	int rv = 0;

#define CHECK_F(name, fld)                                                     \
	rv |= check_and_set(s, name, pyfloat(cur->fld, a, sizeof(a)),          \
	                    pyfloat(ck->fld, b, sizeof(b)));                   \
	if (rv)                                                                \
		return -1;
#define CHECK_I(name, fld)                                                     \
	snprintf(a, sizeof(a), "%lld", cur->fld *g);                           \
	snprintf(b, sizeof(b), "%lld", ck->fld *g);                            \
	rv |= check_and_set(s, name, a, b);                                    \
	if (rv)                                                                \
		return -1;
	CHECK_F("learning rate", max_lr);
	CHECK_F("minimum learning rate", min_lr);
	CHECK_I("warmup iterations", warmup);
	CHECK_I("total number of iterations", decay);
	rv |= check_and_set(s, "learning rate decay style", cur->style,
	                    ck->style);
	if (rv)
		return -1;
#undef CHECK_F
#undef CHECK_I
	if (!s->override_opt_param_scheduler)
		*cur = *ck;
	return 0;
}

/* load_checkpoint up to the scheduler: st filled, or left empty (start
 * from random); a missing or bad checkpoint exits. */
static void load_checkpoint(const struct sim *s, struct state *st)
{
	char tracker[4200], dir[4200], path[8400], text[64];
	long long it = 0;
	int release = 0;
	FILE *f;

	snprintf(tracker, sizeof(tracker), "%s/" TRACKER, s->load);
	f = fopen(tracker, "r");
	if (!f && !s->ckpt_step) {
		printf("WARNING: could not find the metadata file %s\n",
		       tracker);
		printf("    will not load any checkpoints and will start from "
		       "random\n");
		if (s->exit_on_missing_checkpoint) {
			printf(">> '--exit-on-missing-checkpoint' set ... "
			       "exiting. <<\n");
			exit(1);
		}
		return;
	}
	if (f) {
		if (!fgets(text, sizeof(text), f))
			text[0] = '\0';
		fclose(f);
		text[strcspn(text, "\r\n")] = '\0';
		if (strcmp(text, "release") == 0) {
			release = 1;
		} else if (parse_int(text, &it) < 0 || it < 0) {
			printf("ERROR: Invalid metadata file %s. Exiting\n",
			       tracker);
			exit(1);
		}
	}
	/* Megatron tests `if args.ckpt_step:`, so 0 means "latest". */
	if (s->ckpt_step) {
		it = s->ckpt_step;
		release = 0;
	}
	if (release)
		snprintf(dir, sizeof(dir), "%s/release", s->load);
	else
		iter_dir(dir, sizeof(dir), s->load, it);
	printf(" loading checkpoint from %s at iteration %lld\n", s->load, it);
	state_path(path, sizeof(path), dir, s->ckpt_format);
	if (access(path, R_OK) < 0) {
		/* the other format's file, as Megatron detects the format */
		state_path(path, sizeof(path), dir,
		           strcmp(s->ckpt_format, "torch") == 0 ? "torch_dist"
		                                                : "torch");
	}
	switch (read_state(path, st)) {
	case 0:
		break;
	case -2:
		printf("RuntimeError: %s is not a megatron_sim checkpoint\n",
		       path);
		exit(1);
	default:
		fail_errno("FileNotFoundError", dir);
	}
	if (s->finetune || release) {
		st->iteration = 0;
		st->consumed = 0;
		st->steps = 0;
	} else {
		st->iteration = it;
	}
}

static void print_validation(const char *prefix, long long it)
{
	char line[512];
	double loss = sim_loss(it) + 0.05;
	int n;

	n = snprintf(line, sizeof(line),
	             " validation loss at %s | lm loss value: %.6E | "
	             "lm loss PPL: %.6E | ",
	             prefix, loss, exp(loss < 20 ? loss : 20));
	printf("%.*s\n%s\n%.*s\n", n + 1,
	       "------------------------------------------------------------"
	       "------------------------------------------------------------"
	       "------------------------------------------------------------",
	       line, n + 1,
	       "------------------------------------------------------------"
	       "------------------------------------------------------------"
	       "------------------------------------------------------------");
}

/* A crash as PyTorch reports it: the frames down to the failing call,
 * then the exception. Paths relative to Megatron's checkout. */
struct fail_kind {
	const char *name;
	const char *frames;
	const char *error; /* NULL: python's, which names the iteration */
};

#define TRAIN_FRAMES                                                           \
	"  File \"" PROG "\", line 309, in <module>\n"                         \
	"    pretrain(\n"                                                      \
	"  File \"megatron/training/training.py\", line 386, in pretrain\n"    \
	"    iteration, num_floating_point_operations_so_far = train(\n"       \
	"  File \"megatron/training/training.py\", line 1445, in train\n"      \
	"    train_step(forward_step_func,\n"                                  \
	"  File \"megatron/training/training.py\", line 754, in "              \
	"train_step\n"                                                         \
	"    losses_reduced = forward_backward_func(\n"
#define FORWARD_FRAMES                                                         \
	"  File \"megatron/core/pipeline_parallel/schedules.py\", line 275, "  \
	"in forward_step\n"                                                    \
	"    output_tensor, loss_func = forward_step_func(data_iterator, "     \
	"model)\n"                                                             \
	"  File \"megatron/core/transformer/transformer_layer.py\", line "     \
	"303, in forward\n"                                                    \
	"    attention_output_with_bias = self.self_attention(\n"

static const struct fail_kind fail_kinds[] = {
    {"python",
     TRAIN_FRAMES "  File \"" PROG "\", line 160, in forward_step\n"
                  "    tokens, labels, loss_mask, attention_mask, "
                  "position_ids = get_batch(\n",
     NULL},
    {"nccl",
     TRAIN_FRAMES
     "  File \"megatron/core/distributed/finalize_model_grads.py\", line "
     "141, in finalize_model_grads\n"
     "    model_chunk.finish_grad_sync()\n"
     "  File \"torch/distributed/distributed_c10d.py\", line 2219, in "
     "all_reduce\n"
     "    work = group.allreduce([tensor], opts)\n",
     "torch.distributed.DistBackendError: NCCL error in: "
     "../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1275, unhandled "
     "system error (run with NCCL_DEBUG=INFO for details), NCCL version "
     "2.19.3\n"
     "ncclSystemError: System call (e.g. socket, malloc) or external "
     "library call failed or device error. \n"
     "Last error:\n"
     "socketStartConnect: Connect to 10.0.0.2<35813> failed : Software "
     "caused connection abort\n"},
    {"cuda", TRAIN_FRAMES FORWARD_FRAMES,
     "RuntimeError: CUDA error: an illegal memory access was encountered\n"
     "CUDA kernel errors might be asynchronously reported at some other "
     "API call, so the stacktrace below might be incorrect.\n"
     "For debugging consider passing CUDA_LAUNCH_BLOCKING=1\n"
     "Compile with `TORCH_USE_CUDA_DSA` to enable device-side "
     "assertions.\n"},
    {"oom", TRAIN_FRAMES FORWARD_FRAMES,
     "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 "
     "GiB. GPU 0 has a total capacity of 79.10 GiB of which 1.25 GiB is "
     "free. Including non-PyTorch memory, this process has 77.84 GiB "
     "memory in use. Of the allocated memory 74.12 GiB is allocated by "
     "PyTorch, and 2.10 GiB is reserved by PyTorch but unallocated. If "
     "reserved but unallocated memory is large try setting "
     "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid "
     "fragmentation.  See documentation for Memory Management  "
     "(https://pytorch.org/docs/stable/notes/cuda.html#environment-"
     "variables)\n"},
};
#define N_FAIL_KINDS (sizeof(fail_kinds) / sizeof(fail_kinds[0]))

static const struct fail_kind *find_fail_kind(const char *name)
{
	size_t i;

	for (i = 0; i < N_FAIL_KINDS; i++)
		if (strcmp(fail_kinds[i].name, name) == 0)
			return &fail_kinds[i];
	return NULL;
}

#define FIRST_START_MARKER ".megatron_sim_first_start_done"

/* Whether the fault planned for iteration `at` happens now. With
 * --sim-first-start-only the marker is written first (by rank 0), so the
 * restarted job runs through even when this one is killed while it hangs. */
static int fault_due(const struct sim *s, long long it, long long at)
{
	char path[4200];

	if (!at || it != at)
		return 0;
	if (!s->sim_first_start_only)
		return 1;
	if (!sim_first_start)
		return 0;
	if (sim_rank != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/" FIRST_START_MARKER, s->save);
	if (mkdir_p(s->save) < 0)
		fail_errno("OSError", s->save);
	if (write_file(path, "megatron_sim: the first start's fault is "
	                     "done\n") < 0)
		fail_errno("OSError", path);
	return 1;
}

/* torchrun's summary of a failed worker, the one place where a Python
 * crash names its host. */
static void print_child_failed(const struct sim *s, const char *node)
{
	char ts[64];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d_%H:%M:%S", &tm);
	fprintf(
	    stderr,
	    "Traceback (most recent call last):\n"
	    "  File \"/usr/local/bin/torchrun\", line 8, in <module>\n"
	    "    sys.exit(main())\n"
	    "  File \"torch/distributed/run.py\", line 892, in run\n"
	    "    elastic_launch(\n"
	    "torch.distributed.elastic.multiprocessing.errors."
	    "ChildFailedError: \n"
	    "============================================================"
	    "\n" PROG " FAILED\n"
	    "------------------------------------------------------------\n"
	    "Failures:\n"
	    "  <NO_OTHER_FAILURES>\n"
	    "------------------------------------------------------------\n"
	    "Root Cause (first observed failure):\n"
	    "[0]:\n"
	    "  time      : %s\n"
	    "  host      : %s\n"
	    "  rank      : 0 (local_rank: 0)\n"
	    "  exitcode  : %lld (pid: %ld)\n"
	    "  error_file: <N/A>\n"
	    "  traceback : To enable traceback see: "
	    "https://pytorch.org/docs/stable/elastic/errors.html\n"
	    "============================================================\n",
	    ts, node, s->sim_fail_exit_code, (long)getpid());
}

static void fail_now(const struct sim *s, long long it)
{
	const struct fail_kind *k = find_fail_kind(s->sim_fail_kind);

	fflush(stdout);
	if (s->sim_fail_node && strcmp(k->name, "nccl") == 0)
		fprintf(stderr,
		        "%s:%ld:%ld [0] misc/socket.cc:484 NCCL WARN "
		        "socketStartConnect: Connect to 10.0.0.2<35813> failed "
		        ": Software caused connection abort\n",
		        s->sim_fail_node, (long)getpid(), (long)getpid() + 53);
	fprintf(stderr, "Traceback (most recent call last):\n%s", k->frames);
	if (s->sim_fail_message)
		fprintf(stderr, "%s\n", s->sim_fail_message);
	else if (k->error)
		fputs(k->error, stderr);
	else
		fprintf(stderr,
		        "RuntimeError: simulated failure at iteration %lld\n",
		        it);
	if (s->sim_fail_node)
		print_child_failed(s, s->sim_fail_node);
	/* a crash: no atexit work (the sanitizers' leak check would count
	 * main's allocations, still in use, and change the exit code) */
	fflush(NULL);
	_exit((int)s->sim_fail_exit_code);
}

/* A rank stuck in a collective: no output, no exit. A SIGTERM handler
 * only sets a flag that the training loop never reaches again. */
static void hang(void)
{
	fflush(stdout);
	for (;;)
		pause();
}

/* The end-of-iteration exits of Megatron's checkpoint_and_decide_exit:
 * SIGTERM, the save interval, duration, iteration; 1 when exiting. */
static int decide_exit(const struct sim *s, const struct state *st,
                       struct pending *pend)
{
	long long it = st->iteration;
	int saved = 0;
	char what[128], mins_text[48];
	double mins;

	if (s->exit_signal_handler && got_sigterm) {
		if (s->save)
			save_checkpoint(s, st, pend, it);
		finalize_async(s, pend, it, 1);
		print_datetime("exiting program after receiving SIGTERM.");
		return 1;
	}
	if (s->save && s->save_interval && it % s->save_interval == 0) {
		save_checkpoint(s, st, pend, it + s->sim_async_delay);
		saved = 1;
	}
	mins = (now_ms() - start_ms) / 60000.0;
	if (s->exit_duration_in_mins > 0 && mins > s->exit_duration_in_mins) {
		if (s->save && !saved)
			save_checkpoint(s, st, pend, it);
		finalize_async(s, pend, it, 1);
		snprintf(what, sizeof(what), "exiting program after %s minutes",
		         pyfloat(mins, mins_text, sizeof(mins_text)));
		print_datetime(what);
		return 1;
	}
	if (s->exit_interval && it % s->exit_interval == 0) {
		if (s->save && !saved)
			save_checkpoint(s, st, pend, it);
		finalize_async(s, pend, it, 1);
		snprintf(what, sizeof(what),
		         "exiting program at iteration %lld", it);
		print_datetime(what);
		return 1;
	}
	return 0;
}

static int train(struct sim *s, struct state *st, struct sched *sc)
{
	struct pending pend = {0};
	long long start = st->iteration, last_log_it = st->iteration;
	double last_log = now_ms();
	char ts[64], prefix[64];

	print_datetime("before the start of training step");
	while (st->iteration < s->train_iters) {
		long long it = st->iteration + 1;

		finalize_async(s, &pend, st->iteration, 0);
		if (fault_due(s, it, s->sim_fail_at))
			fail_now(s, it);
		if (fault_due(s, it, s->sim_hang_at))
			hang();
		sleep_ms(s->sim_ms_per_iter);
		st->iteration = it;
		st->consumed += s->global_batch_size;
		st->steps++;
		if (it % s->log_interval == 0 || it == start + 1) {
			double t = now_ms();

			timestamp(ts, sizeof(ts), 1);
			printf(
			    " [%s] iteration %8lld/%8lld | consumed samples: "
			    "%12lld | elapsed time per iteration (ms): %.1f | "
			    "learning rate: %.6E | global batch size: %5lld | "
			    "lm loss: %.6E | loss scale: 1.0 | grad norm: "
			    "%.3f | number of skipped iterations:   0 | "
			    "number of nan iterations:   0 |\n",
			    ts, it, s->train_iters, st->consumed,
			    (t - last_log) / (double)(it - last_log_it),
			    sched_lr(sc, st->steps), s->global_batch_size,
			    sim_loss(it), sim_grad_norm(it));
			last_log = t;
			last_log_it = it;
		}
		if (s->eval_interval && s->eval_iters > 0 &&
		    it % s->eval_interval == 0) {
			snprintf(prefix, sizeof(prefix), "iteration %lld", it);
			print_validation(prefix, it);
		}
		if (decide_exit(s, st, &pend))
			goto out;
	}
	finalize_async(s, &pend, st->iteration, 1);
	print_datetime("after training is done");
	if (s->save && st->iteration != 0 &&
	    (!s->save_interval || st->iteration % s->save_interval != 0)) {
		save_checkpoint(s, st, &pend, st->iteration);
		finalize_async(s, &pend, st->iteration, 1);
	}
	if (s->eval_iters > 0) {
		snprintf(prefix, sizeof(prefix),
		         "iteration %lld on validation set", st->iteration);
		print_validation(prefix, st->iteration);
		snprintf(prefix, sizeof(prefix), "iteration %lld on test set",
		         st->iteration);
		print_validation(prefix, st->iteration);
	}
out:
	free(pend.its);
	return 0;
}

/* The first of the variables that is set, as a number in [min, max];
 * dflt when none is set. */
static int env_number(const char *a, const char *b, long long min,
                      long long max, long long dflt, long long *out)
{
	const char *name = getenv(a) ? a : b;
	const char *v = getenv(name);

	*out = dflt;
	if (!v)
		return 0;
	if (parse_int(v, out) < 0 || *out < min || *out > max) {
		fprintf(stderr,
		        PROG ": %s=%s is not a number from %lld to %lld\n",
		        name, v, min, max);
		return -1;
	}
	return 0;
}

/* sim_rank and sim_world; a rank other than 0 prints nothing on stdout. */
static int ranks_from_env(void)
{
	if (env_number("WORLD_SIZE", "SLURM_NTASKS", 1, 1 << 20, 1,
	               &sim_world) < 0 ||
	    env_number("RANK", "SLURM_PROCID", 0, sim_world - 1, 0, &sim_rank) <
	        0)
		return -1;
	if (sim_rank != 0 && !freopen("/dev/null", "w", stdout)) {
		perror(PROG ": /dev/null");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char given[N_OPTS] = {0};
	struct extra *extras;
	size_t n_extras = 0, i;
	struct sim s;
	struct state st = {0};
	struct sched args_sched;
	int rv;

	setvbuf(stdout, NULL, _IOLBF, 0);
	start_ms = now_ms();
	sim_defaults(&s);
	extras = calloc((size_t)argc, sizeof(*extras));
	if (!extras)
		return 1;
	rv = parse_args(&s, argc, argv, given, extras, &n_extras);
	if (rv)
		goto out;
	rv = 2;
	if (s.train_iters <= 0) {
		usage_fail("the following arguments are required: "
		           "--train-iters (a positive number)");
		goto out;
	}
	if (s.log_interval <= 0 || s.global_batch_size <= 0 ||
	    s.sim_ms_per_iter < 0 || s.eval_interval < 0 ||
	    s.save_interval < 0 || s.ckpt_step < 0 || s.sim_save_sleep < 0) {
		usage_fail("--log-interval and --global-batch-size must be "
		           "positive, intervals, --ckpt-step and "
		           "--sim-save-sleep not negative");
		goto out;
	}
	if (!find_fail_kind(s.sim_fail_kind)) {
		usage_fail("argument --sim-fail-kind: invalid choice: '%s' "
		           "(choose from 'python', 'nccl', 'cuda', 'oom')",
		           s.sim_fail_kind);
		goto out;
	}
	if (s.sim_fail_exit_code < 0 || s.sim_fail_exit_code > 255) {
		usage_fail("argument --sim-fail-exit-code: %lld is not an exit "
		           "status (0 to 255)",
		           s.sim_fail_exit_code);
		goto out;
	}
	/* the marker lives in the save directory */
	if (s.sim_first_start_only && !s.save) {
		usage_fail("--sim-first-start-only needs --save");
		goto out;
	}
	rv = sched_from_args(&s, &args_sched);
	if (rv)
		goto out;
	if (s.sim_first_start_only) {
		char marker[4200];

		snprintf(marker, sizeof(marker), "%s/" FIRST_START_MARKER,
		         s.save);
		sim_first_start = access(marker, F_OK) < 0;
	}
	rv = 1;
	if (ranks_from_env() < 0)
		goto out;
	if (s.exit_signal_handler) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigterm;
		sigaction(SIGTERM, &sa, NULL);
	}
	printf("using world size: %lld, data-parallel size: %lld, "
	       "context-parallel size: 1, tensor-model-parallel size: 1, "
	       "pipeline-model-parallel size: 1\n",
	       sim_world, sim_world);
	if (print_args(&s, given, extras, n_extras) < 0) {
		rv = 1;
		goto out;
	}
	rv = 1;
	st.sched = args_sched;
	if (s.load) {
		struct state loaded = {0};

		load_checkpoint(&s, &loaded);
		if (loaded.sched.style[0]) { /* a checkpoint was read */
			st.iteration = loaded.iteration;
			st.consumed = loaded.consumed;
			if (!s.finetune && !s.no_load_optim) {
				st.steps = loaded.steps;
				if (load_sched(&s, &st.sched, &loaded.sched) <
				    0)
					goto out;
			}
			printf("  successfully loaded checkpoint from %s "
			       "[ t 1/1, p 1/1 ] at iteration %lld\n",
			       s.load, st.iteration);
		}
	}
	rv = train(&s, &st, &st.sched);
out:
	for (i = 0; i < n_extras; i++)
		free(extras[i].dest);
	free(extras);
	return rv;
}
