#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_request.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ae_secret.h"
#include "ae_strbuf.h"

enum { NO_ARG, REQ_ARG, OPT_ARG };

typedef struct sbatch_opt {
	const char *name; /* long name */
	char short_name;  /* 0 when none */
	unsigned char has_arg;
	unsigned char carried; /* a follow-up job asks for it too */
} sbatch_opt;

/* sbatch's options (src/common/slurm_opt.c, Slurm 20.11 to 26.05). Not
 * carried: what names this one submission (its name, array, dependency,
 * begin, hold), how sbatch itself behaves (parsable, wait, verbosity),
 * root-only identities, the working directory (the child is submitted from
 * the parent's working directory, so a relative --chdir would apply twice)
 * and autoexp's own option. */
static const sbatch_opt opts[] = {
    {"account", 'A', REQ_ARG, 1},
    {"acctg-freq", 0, REQ_ARG, 1},
    {"array", 'a', REQ_ARG, 0},
    {"autoexp-config", 0, REQ_ARG, 0},
    {"batch", 0, REQ_ARG, 1},
    {"bb", 0, REQ_ARG, 1},
    {"bbf", 0, REQ_ARG, 1},
    {"begin", 'b', REQ_ARG, 0},
    {"chdir", 'D', REQ_ARG, 0},
    {"cluster-constraint", 0, REQ_ARG, 1},
    {"clusters", 'M', REQ_ARG, 1},
    {"comment", 0, REQ_ARG, 1},
    {"constraint", 'C', REQ_ARG, 1},
    {"container", 0, REQ_ARG, 1},
    {"container-id", 0, REQ_ARG, 1},
    {"contiguous", 0, NO_ARG, 1},
    {"core-spec", 'S', REQ_ARG, 1},
    {"cores-per-socket", 0, REQ_ARG, 1},
    {"cpu-freq", 0, REQ_ARG, 1},
    {"cpus-per-gpu", 0, REQ_ARG, 1},
    {"cpus-per-task", 'c', REQ_ARG, 1},
    {"deadline", 0, REQ_ARG, 0},
    {"delay-boot", 0, REQ_ARG, 1},
    {"dependency", 'd', REQ_ARG, 0},
    {"distribution", 'm', REQ_ARG, 1},
    {"error", 'e', REQ_ARG, 1},
    {"exclude", 'x', REQ_ARG, 1},
    {"exclusive", 0, OPT_ARG, 1},
    {"export", 0, OPT_ARG, 1},
    {"export-file", 0, REQ_ARG, 1},
    {"extra", 0, REQ_ARG, 1},
    {"extra-node-info", 'B', REQ_ARG, 1},
    {"get-user-env", 0, OPT_ARG, 1},
    {"gid", 0, REQ_ARG, 0},
    {"gpu-bind", 0, REQ_ARG, 1},
    {"gpu-freq", 0, REQ_ARG, 1},
    {"gpus", 'G', REQ_ARG, 1},
    {"gpus-per-node", 0, REQ_ARG, 1},
    {"gpus-per-socket", 0, REQ_ARG, 1},
    {"gpus-per-task", 0, REQ_ARG, 1},
    {"gres", 0, REQ_ARG, 1},
    {"gres-flags", 0, REQ_ARG, 1},
    {"help", 'h', NO_ARG, 0},
    {"hint", 0, REQ_ARG, 1},
    {"hold", 'H', NO_ARG, 0},
    {"ignore-pbs", 0, NO_ARG, 1},
    {"input", 'i', REQ_ARG, 1},
    {"job-name", 'J', REQ_ARG, 0},
    {"kill-on-invalid-dep", 0, REQ_ARG, 0},
    {"licenses", 'L', REQ_ARG, 1},
    {"mail-type", 0, REQ_ARG, 1},
    {"mail-user", 0, REQ_ARG, 1},
    {"mcs-label", 0, REQ_ARG, 1},
    {"mem", 0, REQ_ARG, 1},
    {"mem-bind", 0, REQ_ARG, 1},
    {"mem-per-cpu", 0, REQ_ARG, 1},
    {"mem-per-gpu", 0, REQ_ARG, 1},
    {"mincpus", 0, REQ_ARG, 1},
    {"network", 0, REQ_ARG, 1},
    {"nice", 0, OPT_ARG, 1},
    {"no-kill", 'k', OPT_ARG, 1},
    {"no-requeue", 0, NO_ARG, 1},
    {"nodefile", 'F', REQ_ARG, 1},
    {"nodelist", 'w', REQ_ARG, 1},
    {"nodes", 'N', REQ_ARG, 1},
    {"ntasks", 'n', REQ_ARG, 1},
    {"ntasks-per-core", 0, REQ_ARG, 1},
    {"ntasks-per-gpu", 0, REQ_ARG, 1},
    {"ntasks-per-node", 0, REQ_ARG, 1},
    {"ntasks-per-socket", 0, REQ_ARG, 1},
    {"oom-kill-step", 0, OPT_ARG, 1},
    {"open-mode", 0, REQ_ARG, 1},
    {"output", 'o', REQ_ARG, 1},
    {"overcommit", 'O', NO_ARG, 1},
    {"oversubscribe", 's', NO_ARG, 1},
    {"parsable", 0, NO_ARG, 0},
    {"partition", 'p', REQ_ARG, 1},
    {"power", 0, REQ_ARG, 1},
    {"prefer", 0, REQ_ARG, 1},
    {"priority", 0, REQ_ARG, 1},
    {"profile", 0, REQ_ARG, 1},
    {"propagate", 0, OPT_ARG, 1},
    {"qos", 'q', REQ_ARG, 1},
    {"quiet", 'Q', NO_ARG, 0},
    {"reboot", 0, NO_ARG, 1},
    {"requeue", 0, NO_ARG, 1},
    {"reservation", 0, REQ_ARG, 1},
    {"resv-ports", 0, OPT_ARG, 1},
    {"segment", 0, REQ_ARG, 1},
    {"signal", 0, REQ_ARG, 1},
    {"sockets-per-node", 0, REQ_ARG, 1},
    {"spread-job", 0, NO_ARG, 1},
    {"switches", 0, REQ_ARG, 1},
    {"test-only", 0, NO_ARG, 0},
    {"thread-spec", 0, REQ_ARG, 1},
    {"threads-per-core", 0, REQ_ARG, 1},
    {"time", 't', REQ_ARG, 1},
    {"time-min", 0, REQ_ARG, 1},
    {"tmp", 0, REQ_ARG, 1},
    {"tres-bind", 0, REQ_ARG, 1},
    {"tres-per-task", 0, REQ_ARG, 1},
    {"uid", 0, REQ_ARG, 0},
    {"usage", 0, NO_ARG, 0},
    {"use-min-nodes", 0, NO_ARG, 1},
    {"verbose", 'v', NO_ARG, 0},
    {"version", 'V', NO_ARG, 0},
    {"wait", 'W', NO_ARG, 0},
    {"wait-all-nodes", 0, REQ_ARG, 1},
    {"wckey", 0, REQ_ARG, 1},
    {"wrap", 0, REQ_ARG, 0},
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* sbatch's input variables and the option each stands for. A boolean
 * variable gives the option without a value. */
static const struct {
	const char *var;
	const char *option;
	int boolean;
} input_vars[] = {
    {"SBATCH_ACCOUNT", "account", 0},
    {"SBATCH_ACCTG_FREQ", "acctg-freq", 0},
    {"SBATCH_ARRAY_INX", "array", 0},
    {"SBATCH_BATCH", "batch", 0},
    {"SBATCH_CLUSTER_CONSTRAINT", "cluster-constraint", 0},
    {"SBATCH_CLUSTERS", "clusters", 0},
    {"SBATCH_CONSTRAINT", "constraint", 0},
    {"SBATCH_CONTAINER", "container", 0},
    {"SBATCH_CORE_SPEC", "core-spec", 0},
    {"SBATCH_CPUS_PER_GPU", "cpus-per-gpu", 0},
    {"SBATCH_DISTRIBUTION", "distribution", 0},
    {"SBATCH_EXCLUSIVE", "exclusive", 0},
    {"SBATCH_EXPORT", "export", 0},
    {"SBATCH_GPU_BIND", "gpu-bind", 0},
    {"SBATCH_GPU_FREQ", "gpu-freq", 0},
    {"SBATCH_GPUS", "gpus", 0},
    {"SBATCH_GPUS_PER_NODE", "gpus-per-node", 0},
    {"SBATCH_GPUS_PER_TASK", "gpus-per-task", 0},
    {"SBATCH_GRES", "gres", 0},
    {"SBATCH_GRES_FLAGS", "gres-flags", 0},
    {"SBATCH_HINT", "hint", 0},
    {"SBATCH_MEM_BIND", "mem-bind", 0},
    {"SBATCH_MEM_PER_CPU", "mem-per-cpu", 0},
    {"SBATCH_MEM_PER_GPU", "mem-per-gpu", 0},
    {"SBATCH_MEM_PER_NODE", "mem", 0},
    {"SBATCH_NETWORK", "network", 0},
    {"SBATCH_NO_KILL", "no-kill", 1},
    {"SBATCH_NO_REQUEUE", "no-requeue", 1},
    {"SBATCH_OPEN_MODE", "open-mode", 0},
    {"SBATCH_OVERCOMMIT", "overcommit", 1},
    {"SBATCH_PARTITION", "partition", 0},
    {"SBATCH_POWER", "power", 0},
    {"SBATCH_PROFILE", "profile", 0},
    {"SBATCH_QOS", "qos", 0},
    {"SBATCH_REQ_SWITCH", "switches", 0},
    {"SBATCH_REQUEUE", "requeue", 1},
    {"SBATCH_RESERVATION", "reservation", 0},
    {"SBATCH_SIGNAL", "signal", 0},
    {"SBATCH_SPREAD_JOB", "spread-job", 1},
    {"SBATCH_THREAD_SPEC", "thread-spec", 0},
    {"SBATCH_TIMELIMIT", "time", 0},
    {"SBATCH_USE_MIN_NODES", "use-min-nodes", 1},
    {"SBATCH_WAIT_ALL_NODES", "wait-all-nodes", 0},
    {"SBATCH_WCKEY", "wckey", 0},
};

static const sbatch_opt *find_short(char c)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

/* getopt_long's rule: an exact name, else an unambiguous prefix. */
static const sbatch_opt *find_long(const char *name, size_t len)
{
	const sbatch_opt *found = NULL;

	for (size_t i = 0; i < N_OPTS; i++) {
		if (strncmp(opts[i].name, name, len) != 0)
			continue;
		if (opts[i].name[len] == '\0')
			return &opts[i];
		if (found)
			return NULL; /* ambiguous */
		found = &opts[i];
	}
	return found;
}

/* Append the elements of an --export value (comma-separated: ALL, NONE,
 * NAME, NAME=value) to b. For the record (for_followup 0) the value of each
 * secret-named variable (ae_secret) is replaced by AE_SECRET_REDACTED, so
 * the record can go into provenance; for a follow-up (1) the variables
 * whose value was redacted are left out: it cannot give them. */
static void rewrite_export(ae_strbuf *b, const char *value, int for_followup)
{
	const size_t rlen = strlen(AE_SECRET_REDACTED);
	const char *p = value;
	int first = 1;

	for (;;) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		size_t nlen = eq ? (size_t)(eq - p) : len;
		char *name = eq ? strndup(p, nlen) : NULL;
		int secret = name && ae_secret_name(name);
		int redacted = eq && len - nlen - 1 == rlen &&
		               !strncmp(eq + 1, AE_SECRET_REDACTED, rlen);

		if (eq && !name)
			b->oom = 1;
		if (!(for_followup && redacted)) {
			if (!first)
				ae_strbuf_add(b, ",", 1);
			first = 0;
			if (!for_followup && secret) {
				ae_strbuf_add(b, p, nlen + 1);
				ae_strbuf_puts(b, AE_SECRET_REDACTED);
			} else {
				ae_strbuf_add(b, p, len);
			}
		}
		free(name);
		if (!p[len])
			break;
		p += len + 1;
	}
}

/* "--name[=value]" onto out, an --export value redacted. */
static int push_option(json_t *out, const char *name, size_t len,
                       const char *value)
{
	ae_strbuf b = {0};
	char *s;
	int rc;

	ae_strbuf_puts(&b, "--");
	ae_strbuf_add(&b, name, len);
	if (value) {
		ae_strbuf_add(&b, "=", 1);
		if (len == 6 && !strncmp(name, "export", 6))
			rewrite_export(&b, value, 0);
		else
			ae_strbuf_puts(&b, value);
	}
	if (!(s = ae_strbuf_take(&b)))
		return -1;
	rc = json_array_append_new(out, json_string(s));
	free(s);
	return rc;
}

static int add_input_vars(json_t *out, char *const envp[])
{
	for (size_t i = 0; i < sizeof(input_vars) / sizeof(input_vars[0]);
	     i++) {
		size_t len = strlen(input_vars[i].var);
		const char *value = NULL;

		for (size_t k = 0; envp && envp[k]; k++)
			if (!strncmp(envp[k], input_vars[i].var, len) &&
			    envp[k][len] == '=')
				value = envp[k] + len + 1;
		if (!value || (!*value && !input_vars[i].boolean))
			continue;
		if (push_option(
		        out, input_vars[i].option, strlen(input_vars[i].option),
		        input_vars[i].boolean || !*value ? NULL : value) < 0)
			return -1;
	}
	return 0;
}

/* One long option at argv[*i]; may take argv[*i + 1]. */
static int long_option(json_t *out, int argc, char *const argv[], int *i)
{
	const char *body = argv[*i] + 2;
	const char *eq = strchr(body, '=');
	size_t len = eq ? (size_t)(eq - body) : strlen(body);
	const sbatch_opt *o = find_long(body, len);
	const char *name = o ? o->name : body;
	size_t nlen = o ? strlen(o->name) : len;

	if (eq)
		return push_option(out, name, nlen, eq + 1);
	if (o && o->has_arg == REQ_ARG && *i + 1 < argc)
		return push_option(out, name, nlen, argv[++*i]);
	return push_option(out, name, nlen, NULL);
}

/* A cluster of short options at argv[*i] ("-N2", "-Hv", "-N", "2"). */
static int short_options(json_t *out, int argc, char *const argv[], int *i)
{
	const char *p = argv[*i] + 1;
	char unknown[3] = {'-', 0, 0};

	for (; *p; p++) {
		const sbatch_opt *o = find_short(*p);

		if (!o) {
			unknown[1] = *p;
			if (json_array_append_new(out, json_string(unknown)) <
			    0)
				return -1;
			continue;
		}
		if (o->has_arg == NO_ARG) {
			if (push_option(out, o->name, strlen(o->name), NULL) <
			    0)
				return -1;
			continue;
		}
		if (p[1]) /* the rest of the word is the value */
			return push_option(out, o->name, strlen(o->name),
			                   p + 1);
		if (o->has_arg == REQ_ARG && *i + 1 < argc)
			return push_option(out, o->name, strlen(o->name),
			                   argv[++*i]);
		return push_option(out, o->name, strlen(o->name), NULL);
	}
	return 0;
}

json_t *ae_request_from_sbatch(int argc, char *const argv[], char *const envp[],
                               ae_error *err)
{
	json_t *req = json_object(), *options = json_array();
	json_t *script = json_null();
	int i, rc = 0;

	if (!req || !options || !script)
		goto nomem;
	if (add_input_vars(options, envp) < 0)
		goto nomem;
	/* sbatch stops at the first word that is not an option ("+" in its
	 * getopt string): that is the script, the rest its arguments. */
	for (i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];

		if (!strcmp(a, ":")) {
			json_object_set_new(req, "heterogeneous", json_true());
			break;
		}
		if (!strcmp(a, "--")) {
			if (i + 1 < argc) {
				json_decref(script);
				script = json_string(argv[i + 1]);
			}
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			json_decref(script);
			script = json_string(a);
			break;
		}
		rc = a[1] == '-' ? long_option(options, argc, argv, &i)
		                 : short_options(options, argc, argv, &i);
	}
	if (rc < 0 || !script)
		goto nomem;
	if (json_object_set_new(req, "options", options) < 0 ||
	    json_object_set_new(req, "script", script) < 0) {
		options = script = NULL;
		goto nomem;
	}
	return req;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	json_decref(options);
	json_decref(script);
	json_decref(req);
	return NULL;
}

json_t *ae_request_directives(const char *script)
{
	json_t *out = json_array();
	const char *line = script;

	while (out && line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *p = line;

		while (p < line + len && (*p == ' ' || *p == '\t'))
			p++;
		if (p == line + len || *p == '\r') {
			/* blank: keep looking */
		} else if (*p != '#') {
			break; /* the first command ends sbatch's directives */
		} else if (line + len - p > 7 && !strncmp(p, "#SBATCH", 7) &&
		           (p[7] == ' ' || p[7] == '\t')) {
			const char *d = p + 8;
			size_t dlen = (size_t)(line + len - d);

			while (dlen &&
			       (d[dlen - 1] == '\r' || d[dlen - 1] == ' '))
				dlen--;
			if (json_array_append_new(out, json_stringn(d, dlen)) <
			    0) {
				json_decref(out);
				return NULL;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return out;
}

/* The next word of a #SBATCH line as sbatch's get_argument reads it: quotes
 * group (and are dropped), a backslash keeps the next character, an
 * unquoted '#' ends the line. Sets *word (malloc'ed, or NULL at the end of
 * the line) and returns the position after it; NULL when out of memory. */
static const char *next_word(const char *p, char **word)
{
	ae_strbuf b = {0};
	char quote = 0;
	int any = 0; /* sbatch: a word of no characters ("") ends the line */

#define IN_WORD(c)                                                             \
	((c) && (c) != '\n' && (quote || !isspace((unsigned char)(c))))
	*word = NULL;
	while (isspace((unsigned char)*p))
		p++;
	while (IN_WORD(*p)) {
		if (*p == '\\') {
			/* an escaped space is kept; another escaped
			 * whitespace still ends the word */
			p++;
			if (*p != ' ' && !IN_WORD(*p))
				break;
		} else if (quote && *p == quote) {
			quote = 0;
			p++;
			continue;
		} else if (!quote && (*p == '"' || *p == '\'')) {
			quote = *p++;
			continue;
		} else if (!quote && *p == '#') {
			break;
		}
		ae_strbuf_add(&b, p++, 1);
		any = 1;
	}
#undef IN_WORD
	if (!any)
		return p;
	*word = ae_strbuf_take(&b);
	return *word ? p : NULL;
}

/* "hetjob" (or the old "packjob") alone on a line starts the next
 * component. */
static int component_line(const char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	return (!strncasecmp(line, "hetjob", 6) &&
	        (!line[6] || isspace((unsigned char)line[6]))) ||
	       (!strncasecmp(line, "packjob", 7) &&
	        (!line[7] || isspace((unsigned char)line[7])));
}

/* The words of the first component's #SBATCH lines. sbatch gives them to
 * getopt as one argv, so an option's value may be on the next line. */
static json_t *directive_words(const json_t *directives)
{
	json_t *words = json_array();
	size_t i;

	for (i = 0; words && i < json_array_size(directives); i++) {
		const char *p =
		    json_string_value(json_array_get(directives, i));
		char *word;

		if (!p)
			continue;
		if (component_line(p))
			break;
		while ((p = next_word(p, &word)) && word) {
			int rc =
			    json_array_append_new(words, json_string(word));

			free(word);
			if (rc < 0)
				p = NULL;
			if (!p)
				break;
		}
		if (!p) {
			json_decref(words);
			return NULL;
		}
	}
	return words;
}

json_t *ae_request_directive_options(const json_t *directives, ae_error *err)
{
	json_t *words = NULL, *req = NULL, *options = NULL;
	char **argv = NULL;
	size_t i, n;

	words = directive_words(directives);
	if (!words)
		goto nomem;
	n = json_array_size(words);
	argv = calloc(n + 2, sizeof(*argv));
	if (!argv)
		goto nomem;
	argv[0] = "sbatch";
	for (i = 0; i < n; i++)
		argv[i + 1] =
		    (char *)json_string_value(json_array_get(words, i));
	/* the long form of the script's options, as for the command line */
	req = ae_request_from_sbatch((int)n + 1, argv, NULL, err);
	if (!req)
		goto out;
	options = json_incref(json_object_get(req, "options"));
	goto out;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	json_decref(req);
	json_decref(words);
	free(argv);
	return options;
}

/* The option's table entry, or NULL for another plugin's. */
static const sbatch_opt *entry_of(const char *option)
{
	const char *body = option + 2;
	size_t len = strcspn(body, "=");

	for (size_t i = 0; i < N_OPTS; i++)
		if (strlen(opts[i].name) == len &&
		    !strncmp(opts[i].name, body, len))
			return &opts[i];
	return NULL;
}

char *ae_request_carry(const char *option)
{
	const sbatch_opt *o;

	if (!option || strncmp(option, "--", 2) != 0)
		return NULL; /* an unknown short option: its meaning is unknown
		              */
	o = entry_of(option);
	if (o && !o->carried)
		return NULL;
	if (o && !strcmp(o->name, "export") && strchr(option, '=')) {
		ae_strbuf b = {0};

		ae_strbuf_puts(&b, "--export=");
		rewrite_export(&b, strchr(option, '=') + 1, 1);
		return ae_strbuf_take(&b);
	}
	/* another plugin's option is part of what the job asked for */
	return strdup(option);
}
