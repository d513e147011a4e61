#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* autoexp-helper: the job-side daemon that follows a job's log and runs the
 * monitoring actions of its config (see autoexp-helper(8)).
 *
 *   autoexp-helper --provenance-dir DIR --config RESOLVED_YAML
 *                  --job-id ID [--log PATH] [--foreground]
 *
 * Started by the SPANK plugin, which already detached it (double fork,
 * setsid), dropped privileges and chose the environment: this program does
 * not daemonize again. Exit status: 0 after a clean drain, 1 on failure,
 * 2 usage error, 3 when the config cannot be followed at all.
 *
 *   autoexp-helper --end-record TEXT START JOB_ID
 *
 * is what the plugin runs at the job's end, as the user, to write the end
 * record with the provenance directories on descriptors 3 and 4
 * (ae_endrecord.h).
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_endrecord.h"
#include "ae_error.h"
#include "helper_dirs.h"
#include "helper_log.h"
#include "helper_supervisor.h"
#include "helper_worker.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define DEFAULT_MAX_RESTARTS 10
#define DEFAULT_BACKOFF_MAX  5.0

static const char usage_text[] =
    "Usage: autoexp-helper --provenance-dir DIR --config FILE --job-id ID\n"
    "                      [--log PATH] [--foreground]\n"
    "\n"
    "Follow a Slurm job's log and run the actions of the config's\n"
    "monitoring.log_events; drain and exit 0 at SIGTERM.\n"
    "\n"
    "  -p, --provenance-dir DIR  journal, state and helper.log go here\n"
    "                            (default $AUTOEXP_PROVENANCE_DIR)\n"
    "  -c, --config FILE         the resolved config (default "
    "$AUTOEXP_CONFIG)\n"
    "  -j, --job-id ID           the job (default $SLURM_JOB_ID)\n"
    "  -l, --log PATH            follow PATH instead of monitoring.log_path\n"
    "                            or the job's StdOut\n"
    "  -f, --foreground          no supervisor; log to stderr as well\n"
    "      --max-restarts N      restarts of the worker in a row (10)\n"
    "      --backoff-max SEC     longest wait before a restart (5)\n"
    "      --stat-interval-ms MS periodic check of the log (1000)\n"
    "      --no-inotify          follow the log by the periodic check "
    "alone\n"
    "  -h, --help                show this help\n"
    "  -V, --version             show the version\n"
    "\n"
    "       autoexp-helper --end-record TEXT START JOB_ID\n"
    "is run by the plugin at a job's end (see autoexp-helper(8)).\n";

enum {
	OPT_MAX_RESTARTS = 256,
	OPT_BACKOFF_MAX,
	OPT_STAT_INTERVAL,
	OPT_NO_INOTIFY
};

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr,
	        "autoexp-helper: %s%s%s\nTry 'autoexp-helper --help'.\n", msg,
	        arg ? ": " : "", arg ? arg : "");
	return 2;
}

static int number(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Returns -1 when the program should stop with *status. */
static int parse(int argc, char **argv, helper_opts *o, int *status)
{
	static const struct option longopts[] = {
	    {"provenance-dir", required_argument, NULL, 'p'},
	    {"config", required_argument, NULL, 'c'},
	    {"job-id", required_argument, NULL, 'j'},
	    {"log", required_argument, NULL, 'l'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"max-restarts", required_argument, NULL, OPT_MAX_RESTARTS},
	    {"backoff-max", required_argument, NULL, OPT_BACKOFF_MAX},
	    {"stat-interval-ms", required_argument, NULL, OPT_STAT_INTERVAL},
	    {"no-inotify", no_argument, NULL, OPT_NO_INOTIFY},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	double v;
	int c;

	o->provenance_dir = getenv("AUTOEXP_PROVENANCE_DIR");
	o->config_path = getenv("AUTOEXP_CONFIG");
	o->job_id = getenv("SLURM_JOB_ID");
	o->max_restarts = DEFAULT_MAX_RESTARTS;
	o->backoff_max = DEFAULT_BACKOFF_MAX;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:c:j:l:fhV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			o->provenance_dir = optarg;
			break;
		case 'c':
			o->config_path = optarg;
			break;
		case 'j':
			o->job_id = optarg;
			break;
		case 'l':
			o->log_path = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case OPT_MAX_RESTARTS:
			if (number(optarg, 0, 1000000, &v) < 0)
				goto bad_value;
			o->max_restarts = (int)v;
			break;
		case OPT_BACKOFF_MAX:
			if (number(optarg, 0.1, 3600, &v) < 0)
				goto bad_value;
			o->backoff_max = v;
			break;
		case OPT_STAT_INTERVAL:
			if (number(optarg, 1, 60000, &v) < 0)
				goto bad_value;
			o->stat_interval_ms = (int)v;
			break;
		case OPT_NO_INOTIFY:
			o->no_inotify = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			*status = 0;
			return -1;
		case 'V':
			printf("autoexp-helper %s\n", PACKAGE_VERSION);
			*status = 0;
			return -1;
		case ':':
			*status = usage_error("option needs a value",
			                      argv[optind - 1]);
			return -1;
		default:
			*status =
			    usage_error("unknown option", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		*status = usage_error("unexpected argument", argv[optind]);
		return -1;
	}
	if (!o->provenance_dir || !*o->provenance_dir) {
		*status = usage_error("--provenance-dir is required", NULL);
		return -1;
	}
	if (!o->config_path || !*o->config_path) {
		*status = usage_error("--config is required", NULL);
		return -1;
	}
	if (!o->job_id || !*o->job_id) {
		*status = usage_error("--job-id is required", NULL);
		return -1;
	}
	return 0;
bad_value:
	*status = usage_error("invalid value", argv[optind - 1]);
	return -1;
}

/* --end-record TEXT START JOB_ID, from the plugin at the job's end. */
static int end_record(int argc, char **argv)
{
	struct stat a, b;
	char *end;
	long start;
	ae_error err;

	if (argc != 5)
		return usage_error("--end-record takes TEXT START JOB_ID",
		                   NULL);
	errno = 0;
	start = strtol(argv[3], &end, 10);
	if (errno || end == argv[3] || *end || start < 0)
		return usage_error("invalid start", argv[3]);
	if (fstat(AE_ENDRECORD_PROV_FD, &a) < 0 || !S_ISDIR(a.st_mode) ||
	    fstat(AE_ENDRECORD_JOB_FD, &b) < 0 || !S_ISDIR(b.st_mode))
		return usage_error("--end-record needs the provenance "
		                   "directories on descriptors 3 and 4",
		                   NULL);
	if (ae_endrecord_write(AE_ENDRECORD_PROV_FD, AE_ENDRECORD_JOB_FD,
	                       argv[2], start, argv[4], &err) < 0) {
		fprintf(stderr, "autoexp-helper: end record: %s\n", err.text);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	helper_opts o;
	char prov[PATH_MAX], cwd[PATH_MAX];
	helper_dirs d;
	ae_error err;
	int status = 1, provfd;

	memset(&o, 0, sizeof(o));
	if (argc > 1 && !strcmp(argv[1], "--end-record"))
		return end_record(argc, argv);
	if (parse(argc, argv, &o, &status) < 0)
		return status;
	/* stderr may be a pipe whose reader is gone (the plugin's, after the
	 * job): a write then fails, it does not end the helper */
	signal(SIGPIPE, SIG_IGN);
	/* ae_safedir wants an absolute path */
	if (o.provenance_dir[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(prov, sizeof(prov), "%s/%s", cwd,
		             o.provenance_dir) >= (int)sizeof(prov)) {
			fprintf(stderr,
			        "autoexp-helper: provenance path too long\n");
			return 1;
		}
		o.provenance_dir = prov;
	}
	/* the only lookup of its path: from here on, everything in it is
	 * reached from this descriptor (helper_dirs.h) */
	if (helper_dirs_open(&d, o.provenance_dir, &err) < 0) {
		/* nowhere to log but stderr (/dev/null under the plugin) */
		fprintf(stderr, "autoexp-helper: %s: %s\n", o.provenance_dir,
		        err.text);
		helper_dirs_close(&d);
		return 1;
	}
	provfd = d.run.prov_fd;
	if (helper_log_open(provfd, o.foreground, &err) < 0) {
		fprintf(stderr, "autoexp-helper: helper.log: %s\n", err.text);
		helper_dirs_close(&d);
		return 1;
	}
	/* what fails is reported by the worker */
	helper_dirs_load(&d, o.config_path, getenv("AUTOEXP_JOB_DIR"));
	if (o.foreground) {
		helper_write_status(provfd, &o, (int)getpid(), 0, "running",
		                    -1);
		status = helper_worker_run(&o, &d, 0);
		helper_write_status(provfd, &o, 0, 0, "exited", status);
	} else {
		status = helper_supervise(&o, &d);
	}
	helper_log_close();
	helper_dirs_close(&d);
	return status;
}
