#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* autoexp replay [--config FILE] [--json] [--config-dir DIR]...
 *                [--timestring TS] [--resolved] LOG
 *
 * Reads LOG with the helper's follower (same line rules), matches the rules
 * of the config's monitoring.log_events, and for every action that would
 * fire prints one line:
 *   <line_no> <event> <action class> key=<json value> ...
 * with the action's fields rendered for that event (templates filled in),
 * or with --json one object per line. The helper's engine decides, in its
 * dry run (ae_engine_opts.dry_run) over a journal in memory, so each
 * (event, dedup key, action) fires at most once exactly as in the helper.
 * Conditions are evaluated against the file system now (a CommandCondition
 * runs its command, waited for); a blocking condition that would still be
 * waiting is reported as waiting. Actions never run.
 *
 * The template variables are the helper's (ae_vars), from the environment
 * where the job's are not known: output_dir ($AUTOEXP_OUTPUT_DIR, else the
 * config's), job_id ($SLURM_JOB_ID, else 0), job_name ($SLURM_JOB_NAME,
 * else project.name, else "replay"), user ($USER), node ($SLURMD_NODENAME,
 * else this host), array_job_id and array_task_id ($SLURM_ARRAY_JOB_ID,
 * $SLURM_ARRAY_TASK_ID, else none), attempt ($SLURM_RESTART_COUNT + 1,
 * else 1) and log_path.
 *
 * The config is $AUTOEXP_CONFIG unless --config names one; it is composed
 * (defaults lists, searched in its own directory, --config-dir and the
 * presets) and, when it has interpolations and --resolved is not given,
 * resolved with a fixed ${oc.timestring:} (--timestring) so that the output
 * does not change from run to run. A file that is itself a monitoring
 * section (log_events at the top) works too.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_action.h"
#include "ae_compose.h"
#include "ae_cooldown.h"
#include "ae_engine.h"
#include "ae_engine_journal.h"
#include "ae_error.h"
#include "ae_follow.h"
#include "ae_interp.h"
#include "ae_journal.h"
#include "ae_json.h"
#include "ae_monitor_config.h"
#include "ae_node.h"
#include "ae_rules.h"
#include "ae_template.h"
#include "ae_vars.h"
#include "cmd_replay.h"

extern char **environ;

enum { EXIT_OK = 0, EXIT_CONFIG = 1, EXIT_USAGE = 2 };

#define DEFAULT_TIMESTRING "19700101_000000_000"

#ifdef AE_PRESETS_DIR
static const char *const replay_presets = AE_PRESETS_DIR;
#else
static const char *const replay_presets = NULL;
#endif

static const char replay_usage[] =
    "Usage: autoexp replay [--config FILE] [--json] [--config-dir DIR]...\n"
    "                      [--timestring TS] [--resolved] LOG\n"
    "\n"
    "Run the monitoring rules of a config over LOG and print each action\n"
    "that would fire, as '<line> <event> <class> key=value...' with its\n"
    "fields rendered; conditions are checked, actions are not run.\n"
    "\n"
    "  -c, --config FILE      the config (default $AUTOEXP_CONFIG)\n"
    "  -j, --json             one JSON object per line\n"
    "  -C, --config-dir DIR   search DIR for config groups (repeatable)\n"
    "  -t, --timestring TS    ${oc.timestring:} when resolving\n"
    "                         (default " DEFAULT_TIMESTRING ")\n"
    "  -r, --resolved         the config is resolved: do not resolve it\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 ok, 1 config error or unreadable log, 2 usage error.\n";

/* One action that would fire, as printed. */
typedef struct shown {
	unsigned binding;
	char *text;
} shown;

typedef struct replay {
	const ae_node *events_cfg; /* monitoring.log_events */
	ae_rules *rules;
	ae_node *vars;
	const char *log_path;
	int json;
	ae_journal *journal; /* in memory */
	ae_engine_journal *ej;
	ae_engine *engine;
	shown *shown; /* of the event being decided */
	size_t nshown, capshown;
	unsigned long long lines, events, fired_n, waiting;
	int failed; /* out of memory */
} replay;

static void print_error(const char *prefix, const ae_error *err)
{
	char
	    buf[AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN + AE_ERROR_TEXT_LEN + 64];

	ae_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "autoexp replay: %s%s\n", prefix, buf);
}

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The config node of rule `name`'s binding b: the action itself (inside an
 * EventAction) and the binding (for its conditions). */
static const ae_node *action_node(const replay *r, const char *name, size_t b)
{
	const ae_node *rule = NULL, *acts, *a, *cls;

	if (r->events_cfg->type == AE_MAP) {
		rule = ae_map_get(r->events_cfg, name);
	} else if (r->events_cfg->type == AE_SEQ) {
		for (size_t i = 0; i < ae_seq_size(r->events_cfg) && !rule;
		     i++) {
			const ae_node *it = ae_seq_get(r->events_cfg, i);
			const ae_node *n = ae_map_get(it, "name");

			if (n && n->type == AE_STRING &&
			    !strcmp(n->u.str.s, name))
				rule = it;
		}
	}
	acts = rule ? ae_map_get(rule, "actions") : NULL;
	if (!acts || acts->type != AE_SEQ || b >= ae_seq_size(acts))
		return NULL;
	a = ae_seq_get(acts, b);
	cls = ae_map_get(a, "class_name");
	if (cls && cls->type == AE_STRING &&
	    !strcmp(cls->u.str.s, "EventAction"))
		a = ae_map_get(a, "action");
	return a;
}

/* A copy of v with every string rendered as a template. */
static ae_node *render(const ae_node *v, const ae_template_ctx *ctx,
                       ae_error *err)
{
	ae_node *out = NULL;

	switch (v->type) {
	case AE_STRING: {
		char *s = ae_template_expand(v->u.str.s, ctx, err);

		if (!s)
			return NULL;
		out = ae_node_new_string(s);
		free(s);
		break;
	}
	case AE_SEQ:
		out = ae_node_new_seq();
		for (size_t i = 0; out && i < ae_seq_size(v); i++) {
			ae_node *c = render(ae_seq_get(v, i), ctx, err);

			if (!c || ae_seq_append(out, c) < 0) {
				ae_node_free(c);
				ae_node_free(out);
				return NULL;
			}
		}
		break;
	case AE_MAP:
		out = ae_node_new_map();
		for (size_t i = 0; out && i < ae_map_size(v); i++) {
			ae_node *c = render(ae_map_value(v, i), ctx, err);

			if (!c || ae_map_set(out, ae_map_key(v, i), c) < 0) {
				ae_node_free(c);
				ae_node_free(out);
				return NULL;
			}
		}
		break;
	default:
		out = ae_node_copy(v);
		break;
	}
	if (!out && !ae_error_isset(err))
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return out;
}

static void print_fired(const replay *r, FILE *out, const ae_event *ev,
                        size_t b, const ae_binding *bd, int waiting,
                        const ae_template_ctx *ctx)
{
	const char *cls = ae_action_class_name(bd->action);
	const ae_node *cfg = action_node(r, ev->name, b);
	json_t *fields = json_object(), *meta;
	char *text;
	ae_error err;

	ae_error_clear(&err);
	for (size_t i = 0; cfg && cfg->type == AE_MAP && i < ae_map_size(cfg);
	     i++) {
		const char *k = ae_map_key(cfg, i);
		ae_node *v;
		json_t *jv;

		if (!strcmp(k, "class_name"))
			continue;
		v = render(ae_map_value(cfg, i), ctx, &err);
		if (!v)
			break;
		jv = ae_json_from_node(v, &err);
		ae_node_free(v);
		if (!jv)
			break;
		json_object_set_new(fields, k, jv);
	}
	if (r->json) {
		json_t *o;

		meta =
		    ev->metadata ? ae_json_from_node(ev->metadata, NULL) : NULL;
		o = json_pack(
		    "{s:I, s:I, s:s, s:i, s:s, s:s, s:O, s:o}", "line",
		    (json_int_t)ev->line_no, "offset", (json_int_t)ev->offset,
		    "event", ev->name, "action", (int)b, "class", cls,
		    "conditions",
		    bd->conditions ? (waiting ? "waiting" : "pass") : "none",
		    "fields", fields, "metadata", meta ? meta : json_null());
		if (o && ae_error_isset(&err))
			json_object_set_new(o, "error", json_string(err.text));
		text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
		         : NULL;
		if (text)
			fprintf(out, "%s\n", text);
		free(text);
		json_decref(o);
	} else {
		const char *k;
		json_t *v;

		fprintf(out, "%llu %s %s", (unsigned long long)ev->line_no,
		        ev->name, cls);
		json_object_foreach(fields, k, v)
		{
			text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
			                         JSON_PRESERVE_ORDER);
			fprintf(out, " %s=%s", k, text ? text : "?");
			free(text);
		}
		if (waiting)
			fputs(" [waiting]", out);
		if (ae_error_isset(&err))
			fprintf(out, " [render error: %s]", err.text);
		fputc('\n', out);
	}
	json_decref(fields);
}

/* The engine's dry run: an action that would start. Kept until its
 * event is decided, then printed in the order of the rule's actions. */
static void report(void *ctx, const ae_fire_key *key, const ae_event *ev,
                   const ae_binding *b, int waiting, const ae_eval_env *env)
{
	replay *r = ctx;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (r->nshown == r->capshown) {
		size_t cap = r->capshown ? r->capshown * 2 : 8;
		shown *v = realloc(r->shown, cap * sizeof(*v));

		if (!v) {
			r->failed = 1;
			return;
		}
		r->shown = v;
		r->capshown = cap;
	}
	out = open_memstream(&text, &len);
	if (!out) {
		r->failed = 1;
		return;
	}
	print_fired(r, out, ev, key->binding, b, waiting, env->tmpl);
	if (fclose(out) != 0 || !text || !len) {
		free(text);
		r->failed = 1; /* out of memory */
		return;
	}
	r->shown[r->nshown].binding = key->binding;
	r->shown[r->nshown++].text = text;
	r->fired_n++;
	if (waiting)
		r->waiting++;
}

static int by_binding(const void *a, const void *b)
{
	const shown *x = a, *y = b;

	return x->binding < y->binding ? -1 : x->binding > y->binding;
}

/* Step the engine until the event is decided: commands of conditions are
 * waited for (a dry run never waits on time), then print what fired. */
static int settle(replay *r, ae_error *err)
{
	int rc = 0;

	for (;;) {
		struct pollfd pfd[16];
		int fds[16], n;
		double now = now_wall(), next;

		if (ae_engine_step(r->engine, now, err) < 0) {
			rc = -1;
			break;
		}
		if (ae_engine_pending(r->engine) == 0)
			break;
		n = ae_engine_fds(r->engine, fds, 16);
		next = ae_engine_next_time(r->engine, now_wall());
		if (n == 0 && !isfinite(next))
			break; /* nothing would wake it: cannot happen */
		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){fds[i], POLLIN, 0};
		(void)poll(pfd, (nfds_t)n,
		           isfinite(next)
		               ? (int)fmax(0, ceil((next - now_wall()) * 1000))
		               : -1);
	}
	qsort(r->shown, r->nshown, sizeof(*r->shown), by_binding);
	for (size_t i = 0; i < r->nshown; i++) {
		fputs(r->shown[i].text, stdout);
		free(r->shown[i].text);
	}
	r->nshown = 0;
	return rc;
}

/* As the helper's emit: the engine journal tracks the event, the engine
 * decides it. */
static int emit(void *ctx, size_t rule, ae_event *ev)
{
	replay *r = ctx;
	ae_error err;
	int n;

	r->events++;
	if (ae_rules_nbindings(r->rules, rule) == 0) {
		ae_event_free(ev);
		return 0;
	}
	n = ae_engine_journal_track(r->ej, rule, ev, &err);
	if (n <= 0) {
		ae_event_free(ev);
		if (n < 0)
			r->failed = 1;
		return n < 0 ? -1 : 0;
	}
	if (ae_engine_submit(r->engine, rule, ev, now_wall(), &err) < 0 ||
	    settle(r, &err) < 0) {
		if (!r->failed)
			print_error("", &err);
		r->failed = 1;
	}
	return r->failed ? -1 : 0;
}

static int on_line(const char *line, size_t len, uint64_t offset,
                   uint64_t line_no, void *ctx)
{
	replay *r = ctx;
	ae_error err;

	r->lines++;
	if (ae_rules_match_line(r->rules, line, len, offset, line_no,
	                        r->log_path, emit, r, &err) < 0) {
		if (!r->failed)
			print_error("", &err);
		r->failed = 1;
		return 1;
	}
	return 0;
}

static int has_interpolation(const ae_node *n)
{
	if (ae_node_is_interpolation(n))
		return 1;
	if (n->type == AE_SEQ) {
		for (size_t i = 0; i < ae_seq_size(n); i++)
			if (has_interpolation(ae_seq_get(n, i)))
				return 1;
	} else if (n->type == AE_MAP) {
		for (size_t i = 0; i < ae_map_size(n); i++)
			if (has_interpolation(ae_map_value(n, i)))
				return 1;
	}
	return 0;
}

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* Template variables as the helper would have them (ae_vars), from the
 * environment where the job's are not known (see the top). */
static ae_node *make_vars(const ae_node *root, const char *log, int attempt,
                          ae_error *err)
{
	const ae_node *project = ae_map_get(root, "project");
	const ae_node *pname = project ? ae_map_get(project, "name") : NULL;
	char cwd[PATH_MAX], host[256];
	ae_vars_job job = {0};

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	job.output_dir = env_or("AUTOEXP_OUTPUT_DIR", NULL);
	job.workdir = cwd;
	job.job_id = env_or("SLURM_JOB_ID", "0");
	job.job_name = env_or("SLURM_JOB_NAME",
	                      pname && pname->type == AE_STRING ? pname->u.str.s
	                                                        : "replay");
	job.user = env_or("USER", "");
	job.node = env_or("SLURMD_NODENAME", host);
	job.array_job_id = env_or("SLURM_ARRAY_JOB_ID", NULL);
	job.array_task_id = env_or("SLURM_ARRAY_TASK_ID", NULL);
	job.log_path = log;
	job.attempt = attempt;
	return ae_vars_new(root, &job, err);
}

/* The job's attempt, as the helper counts it: Slurm's restarts + 1. */
static int job_attempt(void)
{
	const char *v = getenv("SLURM_RESTART_COUNT");
	char *end;
	long n;

	if (!v || !*v)
		return 1;
	n = strtol(v, &end, 10);
	return *end || n < 0 || n >= INT_MAX ? 1 : (int)n + 1;
}

typedef struct ropts {
	const char *config;
	const char *log;
	const char **dirs;
	size_t ndirs;
	const char *timestring;
	int json;
	int resolved;
} ropts;

static int parse(int argc, char **argv, ropts *o, int *status)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"config-dir", required_argument, NULL, 'C'},
	    {"timestring", required_argument, NULL, 't'},
	    {"resolved", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->config = getenv("AUTOEXP_CONFIG");
	o->timestring = DEFAULT_TIMESTRING;
	opterr = 0;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, ":c:jC:t:rh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'C':
			o->dirs[o->ndirs++] = optarg;
			break;
		case 't':
			o->timestring = optarg;
			break;
		case 'r':
			o->resolved = 1;
			break;
		case 'h':
			fputs(replay_usage, stdout);
			*status = EXIT_OK;
			return -1;
		case ':':
			fprintf(stderr, "autoexp replay: %s needs a value\n",
			        argv[optind - 1]);
			goto usage;
		default:
			fprintf(stderr, "autoexp replay: unknown option '%s'\n",
			        argv[optind - 1]);
			goto usage;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "autoexp replay: %s\n",
		        optind >= argc ? "missing LOG" : "more than one LOG");
		goto usage;
	}
	o->log = argv[optind];
	if (!o->config || !*o->config) {
		fprintf(stderr, "autoexp replay: no config: give --config or "
		                "set AUTOEXP_CONFIG\n");
		goto usage;
	}
	return 0;
usage:
	fputs("Try 'autoexp replay --help'.\n", stderr);
	*status = EXIT_USAGE;
	return -1;
}

/* Load, compose and (when needed) resolve the config. NULL on error. */
static ae_node *load(const ropts *o, ae_error *err)
{
	const char *search[64];
	ae_compose_opts co;
	ae_resolve_opts ro;
	ae_node *root, *res;
	size_t n = 0;

	for (size_t i = 0; i < o->ndirs && n < 62; i++)
		search[n++] = o->dirs[i];
	if (replay_presets)
		search[n++] = replay_presets;
	memset(&co, 0, sizeof(co));
	co.search_path = search;
	co.n_search_path = n;
	root = ae_compose_file(o->config, &co, err);
	if (!root || o->resolved || !has_interpolation(root))
		return root;
	memset(&ro, 0, sizeof(ro));
	ro.timestring = o->timestring;
	res = ae_interp_resolve(root, &ro, err);
	ae_node_free(root);
	return res;
}

int cmd_replay(int argc, char **argv)
{
	ropts o;
	replay r;
	ae_follow_opts fo;
	ae_follow *f = NULL;
	ae_node *root = NULL;
	const ae_node *mon;
	ae_template_ctx tctx;
	ae_engine_opts eo;
	ae_engine_stats es;
	ae_error err;
	struct stat st;
	char logabs[PATH_MAX];
	int status = EXIT_USAGE, attempt = job_attempt();

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.dirs = calloc((size_t)argc + 1, sizeof(*o.dirs));
	if (!o.dirs) {
		fprintf(stderr, "autoexp replay: out of memory\n");
		return EXIT_CONFIG;
	}
	if (parse(argc, argv, &o, &status) < 0)
		goto out;
	status = EXIT_CONFIG;
	if (ae_cooldown_register(&err) < 0) {
		print_error("", &err);
		goto out;
	}
	root = load(&o, &err);
	if (!root) {
		print_error("", &err);
		goto out;
	}
	mon = ae_map_get(root, "monitoring");
	if (!mon && ae_map_get(root, "log_events"))
		mon = root; /* a monitoring section on its own */
	if (!mon || mon->type != AE_MAP || !ae_map_get(mon, "log_events")) {
		fprintf(stderr,
		        "autoexp replay: %s: no monitoring.log_events\n",
		        o.config);
		goto out;
	}
	if (ae_monitor_config_check(mon, 0, &err) < 0) {
		print_error("", &err);
		goto out;
	}
	r.events_cfg = ae_map_get(mon, "log_events");
	r.rules = ae_rules_compile(r.events_cfg, 0, &err);
	if (!r.rules) {
		print_error("", &err);
		goto out;
	}
	if (stat(o.log, &st) < 0) {
		fprintf(stderr, "autoexp replay: %s: %s\n", o.log,
		        strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "autoexp replay: %s: not a regular file\n",
		        o.log);
		goto out;
	}
	if (!realpath(o.log, logabs))
		snprintf(logabs, sizeof(logabs), "%s", o.log);
	r.log_path = logabs;
	r.json = o.json;
	r.vars = make_vars(root, logabs, attempt, &err);
	if (!r.vars) {
		print_error("", &err);
		goto out;
	}
	tctx.metadata = NULL;
	tctx.vars = r.vars;
	tctx.config = root;
	ae_rules_set_context(r.rules, &tctx);
	/* the helper's engine and journal calls, the journal in memory */
	r.journal = ae_journal_new_memory(&err);
	r.ej = r.journal ? ae_engine_journal_new(r.journal, r.rules) : NULL;
	if (!r.ej) {
		fprintf(stderr, "autoexp replay: out of memory\n");
		goto out;
	}
	memset(&eo, 0, sizeof(eo));
	eo.journal = ae_engine_journal_ops();
	eo.journal_ctx = r.ej;
	eo.vars = r.vars;
	eo.config = root;
	eo.envp = (const char *const *)environ; /* for CommandCondition */
	eo.home = getenv("HOME");
	eo.attempt = attempt;
	eo.dry_run = report;
	eo.dry_run_ctx = &r;
	r.engine = ae_engine_new(r.rules, &eo, &err);
	if (!r.engine) {
		print_error("", &err);
		goto out;
	}
	memset(&fo, 0, sizeof(fo));
	fo.no_inotify = 1;
	f = ae_follow_new(logabs, &fo, &err);
	if (!f || ae_follow_drain(f, on_line, &r, &err) < 0) {
		print_error("", &err);
		goto out;
	}
	if (r.failed)
		goto out;
	ae_engine_get_stats(r.engine, &es);
	fflush(stdout);
	fprintf(stderr,
	        "autoexp replay: %llu lines, %llu events, %llu actions would "
	        "fire (%llu waiting on a blocking condition), %llu skipped by "
	        "conditions\n",
	        r.lines, r.events, r.fired_n, r.waiting, es.skipped);
	status = EXIT_OK;
out:
	ae_follow_free(f);
	ae_engine_free(r.engine);
	ae_engine_journal_free(r.ej);
	ae_journal_free(r.journal);
	for (size_t i = 0; i < r.nshown; i++)
		free(r.shown[i].text);
	free(r.shown);
	ae_rules_free(r.rules);
	ae_node_free(r.vars);
	ae_node_free(root);
	free(o.dirs);
	return status;
}
