#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_jobtime.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ae_request.h"

/* Slurm's signal names (src/common/proc_args.c signals_mapping), with the
 * numbers of Linux on x86 and arm. */
static const struct {
	const char *name;
	int num;
} signals[] = {
    {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ABRT", 6},  {"KILL", 9},
    {"ALRM", 14}, {"TERM", 15}, {"CHLD", 17}, {"USR1", 10}, {"USR2", 12},
    {"PIPE", 13}, {"URG", 23},  {"CONT", 18}, {"STOP", 19}, {"TSTP", 20},
    {"TTIN", 21}, {"TTOU", 22}, {"XCPU", 24},
};

#define N_SIGNALS (sizeof(signals) / sizeof(signals[0]))

/* Slurm's _is_valid_timespec: digits, at most one '-' (before any ':'),
 * at most two ':', and enough numbers for the separators. */
static int valid_timespec(const char *s)
{
	int digit = 0, dash = 0, colon = 0, in_digit = 0;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (!in_digit)
				digit++;
			in_digit = 1;
		} else if (*s == '-') {
			in_digit = 0;
			dash++;
			if (colon)
				return 0;
		} else if (*s == ':') {
			in_digit = 0;
			colon++;
		} else {
			return 0;
		}
	}
	if (!digit || dash > 1 || colon > 2)
		return 0;
	if (dash)
		return !(colon == 1 && digit < 3) && !(colon == 2 && digit < 4);
	return !(colon == 1 && digit < 2) && !(colon == 2 && digit < 3);
}

long ae_jobtime_parse_time(const char *text)
{
	int d = 0, h = 0, m = 0, s = 0;
	long total;
	size_t run = 0;

	if (!text || !*text)
		return AE_JOBTIME_INVALID;
	if (!strcmp(text, "-1") || !strcasecmp(text, "INFINITE") ||
	    !strcasecmp(text, "UNLIMITED"))
		return AE_JOBTIME_UNLIMITED;
	if (!valid_timespec(text))
		return AE_JOBTIME_INVALID;
	/* Slurm reads the numbers into ints with sscanf: a number that does
	 * not fit would give it garbage; call it invalid */
	for (const char *p = text; *p; p++) {
		run = isdigit((unsigned char)*p) ? run + 1 : 0;
		if (run > 9)
			return AE_JOBTIME_INVALID;
	}
	/* the same sscanf calls as Slurm, so that "5-", "1:2" and "-0" mean
	 * what they mean to sbatch */
	if (strchr(text, '-')) {
		sscanf(text, "%d-%d:%d:%d", &d, &h, &m, &s);
	} else if (sscanf(text, "%d:%d:%d", &h, &m, &s) != 3) {
		/* minutes[:seconds]: sscanf put them into h and m */
		s = m;
		m = h;
		h = 0;
	}
	total = d * 86400L + h * 3600L + m * 60L + s;
	if (total < 0 || total > INT_MAX)
		return AE_JOBTIME_INVALID; /* "-5": nonsense to sbatch too */
	return total;
}

static int all_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int ae_jobtime_signal_number(const char *name)
{
	char *end;
	long num = strtol(name, &end, 10);

	if (end != name)
		return all_space(end) ? (int)num : 0;
	while (isspace((unsigned char)*name))
		name++;
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < N_SIGNALS; i++) {
		size_t len = strlen(signals[i].name);

		if (!strncasecmp(name, signals[i].name, len) &&
		    all_space(name + len))
			return signals[i].num;
	}
	return 0;
}

const char *ae_jobtime_signal_name(int signal)
{
	for (size_t i = 0; i < N_SIGNALS; i++)
		if (signals[i].num == signal)
			return signals[i].name;
	return NULL;
}

int ae_jobtime_parse_signal(const char *text, int *signal, int *secs,
                            int *batch)
{
	char name[64];
	const char *at, *p = text;
	char *end;
	long num;
	size_t len;

	if (!text)
		return -1;
	/* "R", "B", "BR", "RB", each optional, then an optional ':' */
	if (*p == 'R' || *p == 'r')
		p++;
	if (*p == 'B' || *p == 'b') {
		*batch = 1;
		p++;
	}
	if (*p == 'R' || *p == 'r')
		p++;
	if (*p == ':')
		p++;
	at = strchr(p, '@');
	len = at ? (size_t)(at - p) : strlen(p);
	if (len >= sizeof(name))
		return -1;
	memcpy(name, p, len);
	name[len] = '\0';
	/* Slurm keeps the number as a uint16_t: -1 becomes 65535 */
	num = (uint16_t)ae_jobtime_signal_number(name);
	if (num < 1)
		return -1;
	*signal = (int)num;
	if (!at) {
		*secs = 60;
		return 0;
	}
	num = strtol(at + 1, &end, 10);
	if (num < 0 || num > 0xffff || *end)
		return -1;
	*secs = (int)num;
	return 0;
}

/* --time and --signal of one list of long options, in order. */
static void apply_options(ae_jobtime *job, const json_t *options)
{
	size_t i;

	for (i = 0; i < json_array_size(options); i++) {
		const char *o = json_string_value(json_array_get(options, i));
		int sig = 0, secs = 0, batch = job->signal_batch;
		long t;

		if (!o)
			continue;
		if (!strncmp(o, "--array=", 8)) {
			job->array = 1;
		} else if (!strncmp(o, "--time=", 7)) {
			t = ae_jobtime_parse_time(o + 7);
			if (t == AE_JOBTIME_INVALID)
				continue;
			/* sbatch: seconds round up, and 0 is no limit */
			job->limit_min = t == AE_JOBTIME_UNLIMITED || t == 0
			                     ? AE_JOBTIME_UNLIMITED
			                     : (t + 59) / 60;
			snprintf(job->limit_text, sizeof(job->limit_text), "%s",
			         o + 7);
		} else if (!strncmp(o, "--signal=", 9)) {
			if (ae_jobtime_parse_signal(o + 9, &sig, &secs,
			                            &batch) < 0)
				continue;
			job->signal = sig;
			job->signal_secs = secs;
			job->signal_batch = batch;
			snprintf(job->signal_text, sizeof(job->signal_text),
			         "%s", o + 9);
		}
	}
}

int ae_jobtime_from_request(ae_jobtime *job, const json_t *directives,
                            const json_t *options, ae_error *err)
{
	json_t *script_opts;

	memset(job, 0, sizeof(*job));
	script_opts = ae_request_directive_options(directives, err);
	if (!script_opts)
		return -1;
	apply_options(job, script_opts);
	apply_options(job, options);
	json_decref(script_opts);
	return 0;
}
