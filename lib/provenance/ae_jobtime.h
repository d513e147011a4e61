/* ae_jobtime: the time limit and the warning signal a batch job asks for
 * (and whether it is an array, which decides how its directories are checked),
 * read from what sbatch was told (ae_request) exactly as sbatch reads them.
 *
 * sbatch applies its options in one pass: the script's #SBATCH lines, then
 * its input variables (SBATCH_TIMELIMIT, SBATCH_SIGNAL), then its command
 * line; a later --time or --signal replaces an earlier one. The values are
 * parsed as Slurm parses them (src/common/parse_time.c time_str2secs,
 * src/common/proc_args.c get_signal_opts), including their quirks: "0"
 * means no limit, seconds round up to a minute, a signal without @time is
 * sent 60 s before the end, and a "B:" once given stays (sbatch ORs the
 * flag into the job's and never clears it within the pass).
 *
 * The #SBATCH lines come from ae_request_directives and are read as sbatch
 * reads them by ae_request_directive_options (quotes, backslash escapes,
 * '#' starts a comment; the first "hetjob" line ends the first component's,
 * the only one read).
 */
#ifndef AE_JOBTIME_H
#define AE_JOBTIME_H

#include <jansson.h>

#include "ae_error.h"

/* ae_jobtime_parse_time: no limit (0, -1, INFINITE, UNLIMITED)... */
#define AE_JOBTIME_UNLIMITED (-2L)
/* ... and a value sbatch refuses. */
#define AE_JOBTIME_INVALID (-1L)

/* What the job asked for. */
typedef struct ae_jobtime {
	/* --time in minutes as sbatch sends it (> 0); AE_JOBTIME_UNLIMITED;
	 * 0 when no --time was given (the partition's default applies). */
	long limit_min;
	char limit_text[64];  /* the --time value as written */
	int signal;           /* --signal's number; 0 when none */
	int signal_secs;      /* seconds before the end (0: Slurm sends none) */
	int signal_batch;     /* "B:": only the batch shell is signalled */
	char signal_text[64]; /* the --signal value as written */
	int array;            /* --array: the job is an array (ae_taskdir) */
} ae_jobtime;

/* A --time value as Slurm's time_str2secs reads it: "minutes",
 * "minutes:seconds", "hours:minutes:seconds", "days-hours",
 * "days-hours:minutes", "days-hours:minutes:seconds". Returns seconds
 * (0 stays 0: sbatch turns it into no limit), AE_JOBTIME_UNLIMITED for
 * "-1", "INFINITE" and "UNLIMITED" (any case), AE_JOBTIME_INVALID for
 * anything else. */
long ae_jobtime_parse_time(const char *text);

/* A signal name or number as Slurm's sig_name2num reads it ("TERM",
 * "SIGTERM", "term", "15"). Returns the number, 0 when unknown. */
int ae_jobtime_signal_number(const char *name);

/* The name Slurm prints for a signal number ("TERM"), or NULL when it has
 * none (Slurm then prints the number). Static string. */
const char *ae_jobtime_signal_name(int signal);

/* A --signal value, [{R|B}:]<sig_num>[@sig_time], as Slurm's
 * get_signal_opts reads it. Sets *signal, *secs (60 without @) and sets
 * *batch to 1 when "B" is given (left as it was otherwise, as Slurm does).
 * Returns 0, or -1 when sbatch would refuse the value. */
int ae_jobtime_parse_signal(const char *text, int *signal, int *secs,
                            int *batch);

/* The time limit and signal of a job from its #SBATCH lines (an array of
 * strings as ae_request_directives returns, or NULL) and then its options
 * (ae_request "options": input variables, then the command line; or NULL).
 * An invalid value is skipped: sbatch refuses the job anyway. Returns 0,
 * or -1 with err set when memory runs out. */
int ae_jobtime_from_request(ae_jobtime *job, const json_t *directives,
                            const json_t *options, ae_error *err);

#endif /* AE_JOBTIME_H */
