#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* autoexp diff [--all] A B
 *
 * Prints what differs between two config files as dotted keys, one per
 * line: "~ key: old -> new", "+ key: new", "- key: old". Values are written
 * as JSON, so a string "20" and the integer 20 are told apart. A mapping or
 * sequence that only one side has is summarized (its size) unless it is
 * short or --all asks for it whole. Key order does not matter: a cooldown's
 * config, composed again, orders its keys differently from its parent's.
 *
 *   autoexp diff run/provenance/resolved_config.yaml \
 *                run_cooldown_20_TS/provenance/resolved_config.yaml
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ae_diff.h"
#include "ae_error.h"
#include "ae_json.h"
#include "ae_yaml.h"
#include "ae_yaml_scalar.h"
#include "cmd_diff.h"

enum { EXIT_OK = 0, EXIT_CONFIG = 1, EXIT_USAGE = 2 };

/* A subtree printed whole when its JSON is at most this long. */
#define SHORT_VALUE 72

static const char diff_usage[] =
    "Usage: autoexp diff [--all] A B\n"
    "\n"
    "Print what differs between the configs A and B (YAML files, as they\n"
    "are: no composition, no resolution), one dotted key per line:\n"
    "  ~ key: OLD -> NEW   changed\n"
    "  + key: NEW          only in B\n"
    "  - key: OLD          only in A\n"
    "Values are JSON. Key order does not count.\n"
    "\n"
    "Options:\n"
    "  -a, --all    print added and removed mappings and lists whole\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 ok (the configs may differ), 1 config error, 2 usage "
    "error.\n";

typedef struct printer {
	int all;
} printer;

/* Print a value as JSON, or as a size when it is a long collection. */
static void put_value(const printer *p, const ae_node *n)
{
	json_t *j;
	char *text, fbuf[64];

	if (n->type ==
	    AE_FLOAT) { /* as Python writes it: 0.0003, not 17 digits */
		fputs(ae_yaml_float_repr(n->u.f, fbuf, sizeof(fbuf)), stdout);
		return;
	}
	j = ae_json_from_node(n, NULL);
	text = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT |
	                             JSON_PRESERVE_ORDER)
	         : NULL;
	if (text && (p->all || strlen(text) <= SHORT_VALUE ||
	             (n->type != AE_MAP && n->type != AE_SEQ)))
		fputs(text, stdout);
	else if (n->type == AE_MAP)
		printf("{mapping of %zu key%s}", ae_map_size(n),
		       ae_map_size(n) == 1 ? "" : "s");
	else if (n->type == AE_SEQ)
		printf("[list of %zu item%s]", ae_seq_size(n),
		       ae_seq_size(n) == 1 ? "" : "s");
	else
		fputs("?", stdout);
	free(text);
	json_decref(j);
}

static int print_one(void *ctx, ae_diff_kind kind, const char *path,
                     const ae_node *old, const ae_node *new)
{
	const printer *p = ctx;
	static const char mark[] = {'+', '-', '~'};

	printf("%c %s: ", mark[kind], *path ? path : "(root)");
	if (kind == AE_DIFF_CHANGED) {
		put_value(p, old);
		fputs(" -> ", stdout);
		put_value(p, new);
	} else {
		put_value(p, kind == AE_DIFF_ADDED ? new : old);
	}
	putchar('\n');
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	printer p = {0};
	ae_node *a = NULL, *b = NULL;
	char msg[AE_ERROR_TEXT_LEN + AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN];
	ae_error err;
	int c, rc = EXIT_CONFIG;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			p.all = 1;
			break;
		case 'h':
			fputs(diff_usage, stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "autoexp diff: unknown option '%s'\n%s",
			        argv[optind - 1], diff_usage);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "autoexp diff: two files expected\n%s",
		        diff_usage);
		return EXIT_USAGE;
	}
	ae_error_clear(&err);
	a = ae_yaml_load_file(argv[optind], NULL, &err);
	b = a ? ae_yaml_load_file(argv[optind + 1], NULL, &err) : NULL;
	if (!a || !b) {
		ae_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "autoexp diff: %s\n", msg);
		goto out;
	}
	if (ae_diff_walk(a, b, print_one, &p) < 0) {
		fprintf(stderr, "autoexp diff: out of memory\n");
		goto out;
	}
	rc = EXIT_OK;
out:
	ae_node_free(a);
	ae_node_free(b);
	return rc;
}
