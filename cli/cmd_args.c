#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* autoexp args [--config FILE] [--node PATH] [-0|--null|--shell] [--resolve]
 *
 * Prints the flags of one config node, Megatron's arguments by default, for
 * the batch script:
 *
 *   eval "set -- $(autoexp args)"; python pretrain_gpt.py "$@"
 *   readarray -d '' -t ARGS < <(autoexp args -0)
 *
 * The config is $AUTOEXP_CONFIG (the job's resolved_config.yaml, which the
 * plugin exports) unless --config names another. It is read as it is: a
 * resolved config has no interpolations left, and what looks like one is a
 * value that an escape made literal. --resolve resolves the node first, for
 * unresolved configs. The rules from config to flags are in
 * lib/config/ae_args.h; a nested mapping under the node is an error.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_args.h"
#include "ae_error.h"
#include "ae_interp.h"
#include "ae_node.h"
#include "ae_yaml.h"
#include "cmd_args.h"

enum { EXIT_OK = 0, EXIT_CONFIG = 1, EXIT_USAGE = 2 };

static const char args_usage[] =
    "Usage: autoexp args [--config FILE] [--node PATH] [-0|--shell] "
    "[--resolve]\n"
    "\n"
    "Print the flags of a config node (default backend.megatron) for a\n"
    "batch script: train_iters: 100 gives --train-iters 100, true a bare\n"
    "flag, false and null nothing, a list its values in order.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE   the config (default: $AUTOEXP_CONFIG)\n"
    "  -n, --node PATH     dotted key path of the node "
    "(default: backend.megatron)\n"
    "  -0, --null          end every word with a NUL byte\n"
    "  -s, --shell         one line of shell-quoted words (default)\n"
    "  -r, --resolve       resolve interpolations in the node first\n"
    "  -t, --timestring TS value of ${oc.timestring:} with --resolve\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 ok, 1 config error, 2 usage error.\n";

static int args_usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "autoexp args: %s%s\nTry 'autoexp args --help'.\n",
	        what, arg ? arg : "");
	return EXIT_USAGE;
}

static void args_print_error(const ae_error *err)
{
	char
	    buf[AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN + AE_ERROR_TEXT_LEN + 64];

	ae_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "autoexp args: %s\n", buf);
}

static int write_words(const ae_args *args, int nul, ae_error *err)
{
	size_t i;
	char *line;
	int rv = -1;

	if (nul) {
		for (i = 0; i < args->argc; i++)
			if (fwrite(args->argv[i], 1, strlen(args->argv[i]) + 1,
			           stdout) != strlen(args->argv[i]) + 1)
				goto out;
		rv = 0;
		goto out;
	}
	line = ae_args_shell_join(args, err);
	if (!line)
		return -1;
	if (printf("%s\n", line) >= 0)
		rv = 0;
	free(line);
out:
	if (fflush(stdout) != 0)
		rv = -1;
	if (rv < 0 && !ae_error_isset(err))
		ae_error_set(err, NULL, 0, 0, NULL,
		             "writing the output failed");
	return rv;
}

int cmd_args(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"node", required_argument, NULL, 'n'},
	    {"null", no_argument, NULL, '0'},
	    {"shell", no_argument, NULL, 's'},
	    {"resolve", no_argument, NULL, 'r'},
	    {"timestring", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = getenv("AUTOEXP_CONFIG");
	const char *path = "backend.megatron";
	ae_resolve_opts ropts = {0};
	ae_node *root = NULL, *resolved = NULL;
	const ae_node *node;
	ae_args *args = NULL;
	int nul = 0, resolve = 0, c, status = EXIT_CONFIG;
	ae_error err;

	ae_error_clear(&err);
	opterr = 0;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, ":c:n:0srt:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			path = optarg;
			break;
		case '0':
			nul = 1;
			break;
		case 's':
			nul = 0;
			break;
		case 'r':
			resolve = 1;
			break;
		case 't':
			ropts.timestring = optarg;
			break;
		case 'h':
			fputs(args_usage, stdout);
			return EXIT_OK;
		case ':':
			return args_usage_error("missing argument to ",
			                        argv[optind - 1]);
		default:
			return args_usage_error("unknown option ",
			                        argv[optind - 1]);
		}
	}
	if (optind < argc)
		return args_usage_error("unexpected argument ", argv[optind]);
	if (!config || !*config)
		return args_usage_error(
		    "no config: AUTOEXP_CONFIG is not set (the autoexp "
		    "plugin sets it in a job); give --config FILE",
		    NULL);
	root = ae_yaml_load_file(config, NULL, &err);
	if (!root)
		goto fail;
	node = ae_args_lookup(root, path, &err);
	if (!node)
		goto fail;
	if (resolve) {
		resolved = ae_interp_resolve_node(root, node, &ropts, &err);
		if (!resolved)
			goto fail;
		node = resolved;
	}
	args = ae_args_new();
	if (!args) {
		ae_error_set(&err, NULL, 0, 0, NULL, "out of memory");
		goto fail;
	}
	if (ae_args_from_node(args, node, &err) < 0 ||
	    write_words(args, nul, &err) < 0)
		goto fail;
	status = EXIT_OK;
	goto out;
fail:
	args_print_error(&err);
out:
	ae_args_free(args);
	ae_node_free(resolved);
	ae_node_free(root);
	return status;
}
