#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* autoexp: the command-line front end of the config engine.
 *
 *   autoexp check  [--config-dir DIR] [--script FILE] [--sbatch OPTION]...
 *                  CONFIG [OVERRIDE...]
 *   autoexp render [--resolve] [--format yaml|json] [--config-dir DIR]
 *                  [--timestring TS] CONFIG [OVERRIDE...]
 *
 * Exit codes: 0 ok, 1 config error, 2 usage error. All logic lives in lib/;
 * this file only parses arguments and prints.
 */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ae_compose.h"
#include "ae_error.h"
#include "ae_interp.h"
#include "ae_json.h"
#include "ae_node.h"
#include "ae_request.h"
#include "ae_searchpath.h"
#include "ae_taskdir.h"
#include "ae_submit.h"
#include "ae_timecheck.h"
#include "ae_yaml.h"
#include "cmd_args.h"
#include "cmd_diff.h"
#include "cmd_replay.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#ifdef AE_PRESETS_DIR
static const char *const presets_dir = AE_PRESETS_DIR;
#else
static const char *const presets_dir = NULL;
#endif

enum { EXIT_OK = 0, EXIT_CONFIG = 1, EXIT_USAGE = 2 };
enum format { FORMAT_YAML, FORMAT_JSON };
enum { OPT_SCRIPT = 256, OPT_SBATCH };

struct cli {
	const char *cmd;
	int resolve;
	enum format format;
	const char **config_dirs; /* into argv */
	size_t n_config_dirs;
	const char *timestring;
	const char *config;
	const char *const *overrides; /* into argv */
	size_t n_overrides;
	const char *script;  /* check: the batch script, for the time check */
	const char **sbatch; /* check: sbatch options, into argv */
	size_t n_sbatch;
};

static const char usage_text[] =
    "Usage: autoexp check [--config-dir DIR]... [--script FILE] "
    "[--sbatch OPTION]...\n"
    "                     CONFIG [OVERRIDE...]\n"
    "       autoexp render [--resolve] [--format yaml|json] "
    "[--config-dir DIR]...\n"
    "                      [--timestring TS] CONFIG [OVERRIDE...]\n"
    "       autoexp args [--node KEY] [-0|--shell] [--config FILE]\n"
    "       autoexp replay [--config FILE] [--json] LOG\n"
    "       autoexp diff [--all] A B\n"
    "       autoexp --help | --version\n"
    "\n"
    "Commands:\n"
    "  check    compose CONFIG with its defaults and the overrides, then\n"
    "           check every interpolation; errors go to stderr as\n"
    "           file:line:col: key.path: message\n"
    "  render   print the composed config (unresolved unless --resolve)\n"
    "  args     print Megatron flags from $AUTOEXP_CONFIG for a batch script\n"
    "  replay   run the monitoring rules over LOG and print what would fire\n"
    "  diff     print what differs between two configs, key by key\n"
    "\n"
    "Options:\n"
    "  -C, --config-dir DIR   search DIR for config groups (repeatable;\n"
    "                         before $" AE_SEARCHPATH_ENV " and the presets)\n"
    "  -r, --resolve          resolve interpolations (render)\n"
    "  -f, --format FMT       output format: yaml (default) or json\n"
    "  -t, --timestring TS    value of ${oc.timestring:} (render)\n"
    "      --script FILE      check: the batch script, whose #SBATCH lines\n"
    "                         the time check reads as sbatch would\n"
    "      --sbatch OPTION    check: one sbatch option (--time=1-0), as on\n"
    "                         sbatch's command line (repeatable); with\n"
    "                         either, check warns as sbatch does when\n"
    "                         --time and --signal leave Megatron no time\n"
    "                         to save a checkpoint\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n"
    "\n"
    "Exit status: 0 ok, 1 config error, 2 usage error.\n";

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("autoexp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'autoexp --help'.\n", stderr);
	return EXIT_USAGE;
}

static void print_error(const ae_error *err)
{
	char
	    buf[AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN + AE_ERROR_TEXT_LEN + 64];

	if (!ae_error_isset(err)) {
		fprintf(stderr, "autoexp: failed without a message\n");
		return;
	}
	ae_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "%s\n", buf);
}

/* Parse the options after the subcommand. Returns -1 when the program
 * should stop with *status (help, or a usage error). */
static int parse_args(struct cli *cli, int argc, char **argv, int *status)
{
	static const struct option longopts[] = {
	    {"config-dir", required_argument, NULL, 'C'},
	    {"resolve", no_argument, NULL, 'r'},
	    {"format", required_argument, NULL, 'f'},
	    {"timestring", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {"script", required_argument, NULL, OPT_SCRIPT},
	    {"sbatch", required_argument, NULL, OPT_SBATCH},
	    {NULL, 0, NULL, 0},
	};
	int is_render = strcmp(cli->cmd, "render") == 0;
	int c;

	opterr = 0;
	optind = 0; /* glibc: full re-initialisation after main's scan */
	while ((c = getopt_long(argc, argv, ":C:rf:t:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'C':
			cli->config_dirs[cli->n_config_dirs++] = optarg;
			break;
		case 'r':
		case 'f':
		case 't':
			if (!is_render) {
				*status = usage_error(
				    "%s: option not valid for check",
				    argv[optind - 1]);
				return -1;
			}
			if (c == 'r')
				cli->resolve = 1;
			else if (c == 't')
				cli->timestring = optarg;
			else if (strcmp(optarg, "yaml") == 0)
				cli->format = FORMAT_YAML;
			else if (strcmp(optarg, "json") == 0)
				cli->format = FORMAT_JSON;
			else {
				*status =
				    usage_error("--format: unknown format '%s' "
				                "(yaml or json)",
				                optarg);
				return -1;
			}
			break;
		case OPT_SCRIPT:
		case OPT_SBATCH:
			if (is_render) {
				*status = usage_error(
				    "%s: option not valid for render",
				    c == OPT_SCRIPT ? "--script" : "--sbatch");
				return -1;
			}
			if (c == OPT_SCRIPT)
				cli->script = optarg;
			else
				cli->sbatch[cli->n_sbatch++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			*status = EXIT_OK;
			return -1;
		case ':':
			*status = usage_error("%s: missing argument",
			                      argv[optind - 1]);
			return -1;
		default:
			*status = usage_error("unknown option '%s'",
			                      argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		*status = usage_error("%s: missing CONFIG", cli->cmd);
		return -1;
	}
	cli->config = argv[optind];
	cli->overrides = (const char *const *)argv + optind + 1;
	cli->n_overrides = (size_t)(argc - optind - 1);
	return 0;
}

/* Compose CONFIG with the search path and overrides; prints warnings. */
static ae_node *compose(const struct cli *cli, ae_error *err)
{
	ae_compose_warning *warnings = NULL;
	size_t n_warnings = 0;
	ae_compose_opts opts = {0};
	ae_searchpath *sp;
	ae_node *root = NULL;
	size_t i;

	sp = ae_searchpath_build(cli->config_dirs, cli->n_config_dirs,
	                         getenv(AE_SEARCHPATH_ENV), presets_dir, err);
	if (!sp)
		goto out;
	opts.search_path = ae_searchpath_dirs(sp, &opts.n_search_path);
	opts.overrides = cli->overrides;
	opts.n_overrides = cli->n_overrides;
	opts.warnings = &warnings;
	opts.n_warnings = &n_warnings;
	root = ae_compose_file(cli->config, &opts, err);
	for (i = 0; i < n_warnings; i++)
		fprintf(stderr, "warning: %s\n", warnings[i].text);
out:
	free(warnings);
	ae_searchpath_free(sp);
	return root;
}

/* Largest batch script read (Slurm's default max_script_size). */
#define SCRIPT_MAX (4L * 1024 * 1024)

/* The whole of a file (caller frees), or NULL with a message printed. */
static char *read_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	if (f) {
		text = malloc(SCRIPT_MAX + 1);
		if (text)
			len = fread(text, 1, SCRIPT_MAX + 1, f);
	}
	if (!f || !text || ferror(f) || len > SCRIPT_MAX) {
		fprintf(stderr, "autoexp: --script: cannot read %s: %s\n", path,
		        f && text && !ferror(f) ? "larger than 4 MiB"
		                                : strerror(errno));
		free(text);
		text = NULL;
	} else {
		text[len] = '\0';
	}
	if (f)
		fclose(f);
	return text;
}

/* sbatch's time check (ae_timecheck) for the options given with --sbatch
 * and the script given with --script, read as sbatch would read them, with
 * the SBATCH_* variables of this environment. 0 or -1 (message printed). */
/* oc.env for the array check: this process's environment, as sbatch's. */
static const char *cli_env(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* What sbatch says about the job's options: the time warnings, and an
 * array whose tasks would share a directory (an error, as sbatch refuses
 * it). 0 or -1. */
static int time_check(const struct cli *cli, const ae_submit_result *res)
{
	char **argv = calloc(cli->n_sbatch + 2, sizeof(*argv));
	ae_resolve_opts ropts = {0};
	ae_compose_warning *w = NULL;
	char *script = NULL;
	json_t *req = NULL;
	size_t n = 0, i;
	ae_error err;
	int rv = -1;

	ae_error_clear(&err);
	if (!argv) {
		fprintf(stderr, "autoexp: out of memory\n");
		return -1;
	}
	argv[0] = "sbatch";
	for (i = 0; i < cli->n_sbatch; i++)
		argv[i + 1] = (char *)cli->sbatch[i];
	if (cli->script && !(script = read_script(cli->script)))
		goto out;
	req =
	    ae_request_from_sbatch((int)cli->n_sbatch + 1, argv, environ, &err);
	if (!req || ae_timecheck_run(json_object_get(req, "options"), script,
	                             res->unresolved, res->timestring, &w, &n,
	                             &err) < 0) {
		print_error(&err);
		goto out;
	}
	/* as sbatch: an array whose tasks would share a directory */
	ropts.timestring = res->timestring;
	ropts.env = cli_env;
	if (ae_taskdir_check_request(json_object_get(req, "options"), script,
	                             res->unresolved, &ropts, &err) < 0) {
		print_error(&err);
		goto out;
	}
	for (i = 0; i < n; i++)
		fprintf(stderr, "warning: %s\n", w[i].text);
	rv = 0;
out:
	json_decref(req);
	free(script);
	free(argv);
	free(w);
	return rv;
}

/* Exactly what sbatch's plugin checks (ae_submit_prepare): composition,
 * interpolations (oc.env only for its grammar: the job's environment is
 * not known here) and the monitoring section with its actions. */
static int run_check(const struct cli *cli)
{
	ae_submit_result res = {0};
	const char **ovs;
	ae_error err;
	size_t i;
	int status = EXIT_CONFIG;

	ae_error_clear(&err);
	ovs = calloc(cli->n_overrides + 1, sizeof(*ovs));
	if (!ovs) {
		fprintf(stderr, "autoexp: out of memory\n");
		return EXIT_CONFIG;
	}
	for (i = 0; i < cli->n_overrides; i++)
		ovs[i] = cli->overrides[i];
	if (ae_submit_prepare(cli->config, cli->config_dirs, cli->n_config_dirs,
	                      getenv(AE_SEARCHPATH_ENV), presets_dir, ovs, NULL,
	                      NULL, &res, &err) < 0) {
		print_error(&err);
		goto out;
	}
	for (i = 0; i < res.n_warnings; i++)
		fprintf(stderr, "warning: %s\n", res.warnings[i].text);
	if ((cli->script || cli->n_sbatch) && time_check(cli, &res) < 0)
		goto out;
	status = EXIT_OK;
out:
	ae_submit_result_clear(&res);
	free(ovs);
	return status;
}

static int run_render(const struct cli *cli)
{
	ae_resolve_opts ropts = {0};
	ae_node *root, *resolved = NULL;
	const ae_node *out;
	char *text = NULL;
	ae_error err;
	int status = EXIT_CONFIG;

	ae_error_clear(&err);
	root = compose(cli, &err);
	if (!root)
		goto fail;
	out = root;
	if (cli->resolve) {
		ropts.timestring = cli->timestring;
		resolved = ae_interp_resolve(root, &ropts, &err);
		if (!resolved)
			goto fail;
		out = resolved;
	}
	if (cli->format == FORMAT_JSON)
		text = ae_json_dump(out, &err);
	else
		text = ae_yaml_emit(out, &err);
	if (!text)
		goto fail;
	if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
		fprintf(stderr, "autoexp: writing the output failed\n");
		status = EXIT_CONFIG;
		goto out;
	}
	status = EXIT_OK;
	goto out;
fail:
	print_error(&err);
out:
	free(text);
	ae_node_free(resolved);
	ae_node_free(root);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option topopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct cli cli = {0};
	int status = EXIT_USAGE;
	int c;

	opterr = 0;
	/* "+": stop at the subcommand; its own options are parsed after. */
	while ((c = getopt_long(argc, argv, "+hV", topopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("autoexp %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			return usage_error("unknown option '%s'",
			                   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("missing command (check or render)");
	cli.cmd = argv[optind];
	if (strcmp(cli.cmd, "args") == 0)
		return cmd_args(argc - optind, argv + optind);
	if (strcmp(cli.cmd, "replay") == 0)
		return cmd_replay(argc - optind, argv + optind);
	if (strcmp(cli.cmd, "diff") == 0)
		return cmd_diff(argc - optind, argv + optind);
	if (strcmp(cli.cmd, "check") != 0 && strcmp(cli.cmd, "render") != 0)
		return usage_error("unknown command '%s'", cli.cmd);
	/* At most one --config-dir per remaining argument. */
	cli.config_dirs = calloc((size_t)argc, sizeof(*cli.config_dirs));
	cli.sbatch = calloc((size_t)argc, sizeof(*cli.sbatch));
	if (!cli.config_dirs || !cli.sbatch) {
		free(cli.config_dirs);
		free(cli.sbatch);
		fprintf(stderr, "autoexp: out of memory\n");
		return EXIT_CONFIG;
	}
	if (parse_args(&cli, argc - optind, argv + optind, &status) == 0)
		status = strcmp(cli.cmd, "check") == 0 ? run_check(&cli)
		                                       : run_render(&cli);
	free(cli.config_dirs);
	free(cli.sbatch);
	return status;
}
