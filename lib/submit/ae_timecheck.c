#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_timecheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_args.h"
#include "ae_interp.h"
#include "ae_request.h"

/* SIGTERM: what Megatron's handler waits for unless exit_signal says. */
#define SIG_TERM 15

#define MEG "backend.megatron"

long ae_timecheck_margin_min(long limit_min)
{
	long m = (limit_min + 19) / 20; /* 5%, rounded up */

	if (m < 10)
		m = 10;
	if (m > 30)
		m = 30;
	/* a short test job still gets a usable value */
	return m > limit_min / 2 ? limit_min / 2 : m;
}

int ae_timecheck_lead_secs(long limit_min)
{
	if (limit_min > 0 && limit_min * 60 / 4 < 300)
		return (int)(limit_min * 60 / 4);
	return 300;
}

/* The resolved value of backend.megatron.key (caller frees), or NULL when
 * the key is missing. *unknown is set when it cannot be resolved now. */
static ae_node *value_of(const ae_node *root, const ae_node *meg,
                         const char *key, const ae_resolve_opts *opts,
                         int *unknown)
{
	const ae_node *n = ae_map_get(meg, key);
	ae_node *v;
	ae_error err;

	*unknown = 0;
	if (!n)
		return NULL;
	v = ae_interp_resolve_node(root, n, opts, &err);
	/* oc.env is deferred at submission: the value keeps its "${" */
	if (!v || (v->type == AE_STRING && strstr(v->u.str.s, "${"))) {
		ae_node_free(v);
		*unknown = 1;
		return NULL;
	}
	return v;
}

/* exit_duration_in_mins: Megatron's argparse takes an int; 0 is off. */
static long read_duration(const ae_node *v, int unknown)
{
	char *end;
	long long i;

	if (unknown)
		return -1;
	if (!v || v->type == AE_NULL)
		return 0;
	if (v->type == AE_INT)
		i = v->u.i;
	else if (v->type == AE_STRING && v->u.str.s[0])
		i = strtoll(v->u.str.s, &end, 10);
	else
		return -1;
	if (v->type == AE_STRING && *end)
		return -1;
	/* negative: Megatron stops at once, not a question of the limit */
	return i < 0 ? -1 : (long)i;
}

void ae_timecheck_megatron_read(ae_timecheck_megatron *mt, const ae_node *root,
                                const char *timestring)
{
	ae_resolve_opts opts = {0};
	const ae_node *meg;
	ae_node *resolved = NULL, *v;
	ae_error err;
	int unknown;

	memset(mt, 0, sizeof(*mt));
	opts.timestring = timestring;
	opts.defer_env = 1;
	meg = root ? ae_args_lookup(root, MEG, &err) : NULL;
	if (meg && meg->type != AE_MAP) {
		/* backend.megatron: ${...} as a whole */
		resolved = ae_interp_resolve_node(root, meg, &opts, &err);
		meg = resolved;
	}
	if (!meg || meg->type != AE_MAP)
		goto out;

	v = value_of(root, meg, "save", &opts, &unknown);
	mt->saves = unknown || (v && v->type != AE_NULL &&
	                        !(v->type == AE_STRING && !v->u.str.s[0]));
	ae_node_free(v);

	v = value_of(root, meg, "exit_duration_in_mins", &opts, &unknown);
	mt->exit_duration = read_duration(v, unknown);
	ae_node_free(v);

	v = value_of(root, meg, "exit_signal_handler", &opts, &unknown);
	if (unknown || (v && v->type != AE_NULL && v->type != AE_BOOL))
		mt->signal_handler = -1; /* "true" as a string: argparse
		                            refuses it */
	else
		mt->signal_handler = v && v->type == AE_BOOL && v->u.b;
	ae_node_free(v);

	/* exit_signal: a name of Python's signal.Signals, "SIGUSR1" */
	v = value_of(root, meg, "exit_signal", &opts, &unknown);
	if (!unknown && (!v || v->type == AE_NULL))
		mt->exit_signal = SIG_TERM;
	else if (v && v->type == AE_STRING)
		mt->exit_signal = ae_jobtime_signal_number(v->u.str.s);
	ae_node_free(v);

	v = value_of(root, meg, "save_interval", &opts, &unknown);
	if (v && v->type == AE_INT && v->u.i > 0)
		mt->save_interval = (long)v->u.i;
	ae_node_free(v);
out:
	ae_node_free(resolved);
}

static int add(ae_compose_warning **warnings, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int add(ae_compose_warning **warnings, size_t *n, const char *fmt, ...)
{
	ae_compose_warning *w =
	    realloc(*warnings, (*n + 1) * sizeof(**warnings));
	va_list ap;

	if (!w)
		return -1;
	*warnings = w;
	va_start(ap, fmt);
	vsnprintf(w[*n].text, sizeof(w[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
	return 0;
}

/* "TERM@300": the --signal value that would work. */
static void good_signal(char *buf, size_t size, int signal, int secs)
{
	const char *name = ae_jobtime_signal_name(signal);

	if (name)
		snprintf(buf, size, "%s@%d", name, secs);
	else
		snprintf(buf, size, "%d@%d", signal, secs);
}

/* "SIGTERM", or "signal 65535" for a number Slurm has no name for. */
static void signal_words(char *buf, size_t size, int signal)
{
	const char *name = ae_jobtime_signal_name(signal);

	if (name)
		snprintf(buf, size, "SIG%s", name);
	else
		snprintf(buf, size, "signal %d", signal);
}

/* The Megatron side trusts exit_signal_handler: does --signal reach it in
 * time? One warning at most, whose advice fixes every problem at once. */
static int check_signal(const ae_jobtime *job, const ae_timecheck_megatron *mt,
                        ae_compose_warning **w, size_t *n)
{
	int want = ae_timecheck_lead_secs(job->limit_min);
	long limit_secs = job->limit_min > 0 ? job->limit_min * 60 : 0;
	int secs = job->signal_secs;
	char good[64], sent[32], waits[32];
	const char *srun = "srun steps get it; a Megatron started by the "
	                   "batch script itself needs B: and a trap";

	if (!mt->exit_signal)
		return 0; /* an exit_signal we cannot name: no advice */
	/* keep the user's lead when it is long enough and not too long */
	if (secs < want || (limit_secs && secs >= limit_secs))
		secs = want;
	good_signal(good, sizeof(good), mt->exit_signal, secs);
	signal_words(waits, sizeof(waits), mt->exit_signal);
	signal_words(sent, sizeof(sent), job->signal);

	if (!job->signal)
		return add(w, n,
		           MEG ".exit_signal_handler is true but sbatch has no "
		               "--signal: Slurm sends SIGTERM only at the time "
		               "limit and SIGKILL KillWait later (30 s by "
		               "default), too soon to save a checkpoint; add "
		               "--signal=%s (%s)",
		           good, srun);
	if (job->signal_secs == 0)
		return add(w, n,
		           "sbatch --signal=%s sends nothing (Slurm sends no "
		           "signal when sig_time is 0): " MEG
		           ".exit_signal_handler gets SIGTERM only at the time "
		           "limit, KillWait (30 s by default) before SIGKILL; "
		           "use --signal=%s (%s)",
		           job->signal_text, good, srun);
	if (job->signal_batch)
		return add(w, n,
		           "sbatch --signal=%s signals only the batch shell, "
		           "not Megatron's processes: unless the script traps "
		           "it and passes %s on to Megatron, " MEG
		           ".exit_signal_handler never sees it; use "
		           "--signal=%s for Megatron under srun",
		           job->signal_text, waits, good);
	if (job->signal != mt->exit_signal)
		return add(w, n,
		           "sbatch --signal=%s sends %s but " MEG
		           ".exit_signal_handler waits for %s: Megatron does "
		           "not save on it; use --signal=%s or set " MEG
		           ".exit_signal: %s",
		           job->signal_text, sent, waits, good, sent);
	if (limit_secs && job->signal_secs >= limit_secs)
		return add(w, n,
		           "sbatch --signal=%s comes %d s before the end of a "
		           "%ld min job, that is at its start: Megatron stops "
		           "after its first iteration; use --signal=%s",
		           job->signal_text, job->signal_secs, job->limit_min,
		           good);
	if (job->signal_secs < want)
		return add(
		    w, n,
		    "sbatch --signal=%s leaves Megatron %d s between the "
		    "signal and the time limit (then KillWait, 30 s by "
		    "default), too little to finish the iteration and "
		    "save a checkpoint; use --signal=%s",
		    job->signal_text, job->signal_secs, good);
	return 0;
}

/* exit_duration_in_mins against a known limit. 1 when it stops Megatron
 * in time, 0 when not (warned), -1 when memory runs out. */
static int check_duration(const ae_jobtime *job,
                          const ae_timecheck_megatron *mt,
                          ae_compose_warning **w, size_t *n)
{
	long limit = job->limit_min, d = mt->exit_duration;
	long best = limit - ae_timecheck_margin_min(limit);

	if (d <= best && d < limit)
		return 1;
	if (best < 1 || best >= limit)
		return add(w, n,
		           MEG
		           ".exit_duration_in_mins (%ld) does not leave "
		           "Megatron time to save before the time limit "
		           "(--time=%s, %ld min), which is too short for it "
		           "to stop and save by itself; ask for a longer "
		           "--time",
		           d, job->limit_text, limit);
	if (d >= limit)
		return add(w, n,
		           MEG ".exit_duration_in_mins (%ld) is not below the "
		               "time limit (--time=%s, %ld min): Megatron will "
		               "not save before Slurm kills the job; set it to "
		               "%ld or less",
		           d, job->limit_text, limit, best);
	return add(w, n,
	           MEG ".exit_duration_in_mins (%ld) leaves %ld min before the "
	               "time limit (--time=%s, %ld min), too little to start, "
	               "finish the iteration and save a checkpoint; set it to "
	               "%ld or less",
	           d, limit - d, job->limit_text, limit, best);
}

/* Neither way to stop is set, and the job has a limit. */
static int warn_no_stop(const ae_jobtime *job, const ae_timecheck_megatron *mt,
                        ae_compose_warning **w, size_t *n)
{
	long limit = job->limit_min;
	long best = limit - ae_timecheck_margin_min(limit);
	char interval[64] = "", good[64], duration[64] = "";

	good_signal(good, sizeof(good),
	            mt->exit_signal ? mt->exit_signal : SIG_TERM,
	            ae_timecheck_lead_secs(limit));
	if (mt->save_interval)
		snprintf(interval, sizeof(interval), " (save_interval %ld)",
		         mt->save_interval);
	if (best >= 1 && best < limit)
		snprintf(duration, sizeof(duration),
		         "exit_duration_in_mins: %ld, or ", best);
	return add(w, n,
	           MEG " sets neither exit_duration_in_mins nor "
	               "exit_signal_handler: at the time limit (--time=%s, %ld "
	               "min) Slurm kills Megatron without a final save, losing "
	               "the iterations since the last checkpoint%s; set %s"
	               "exit_signal_handler: true with sbatch --signal=%s",
	           job->limit_text, limit, interval, duration, good);
}

int ae_timecheck_warn(const ae_jobtime *job, const ae_timecheck_megatron *mt,
                      ae_compose_warning **warnings, size_t *n_warnings)
{
	size_t before = *n_warnings;
	int covered = 0, rc = 0;

	if (!mt->saves || job->limit_min == AE_JOBTIME_UNLIMITED)
		return 0; /* nothing to save, or no end */
	if (mt->exit_duration > 0) {
		/* without a known limit, trust that it was chosen for the
		 * partition's */
		covered = job->limit_min > 0
		              ? check_duration(job, mt, warnings, n_warnings)
		              : 1;
		if (covered < 0)
			return -1;
	}
	/* what cannot be known now decides nothing */
	if (covered || mt->exit_duration < 0 || mt->signal_handler < 0)
		return (int)(*n_warnings - before);
	if (mt->signal_handler)
		rc = check_signal(job, mt, warnings, n_warnings);
	else if (mt->exit_duration == 0 && job->limit_min > 0)
		rc = warn_no_stop(job, mt, warnings, n_warnings);
	return rc < 0 ? -1 : (int)(*n_warnings - before);
}

int ae_timecheck_run(const json_t *options, const char *script,
                     const ae_node *root, const char *timestring,
                     ae_compose_warning **warnings, size_t *n_warnings,
                     ae_error *err)
{
	ae_timecheck_megatron mt;
	json_t *directives = NULL;
	ae_jobtime job;
	int rv = -1;

	if (script && !(directives = ae_request_directives(script))) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return -1;
	}
	if (ae_jobtime_from_request(&job, directives, options, err) < 0)
		goto out;
	ae_timecheck_megatron_read(&mt, root, timestring);
	rv = ae_timecheck_warn(&job, &mt, warnings, n_warnings);
	if (rv < 0)
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	json_decref(directives);
	return rv;
}
