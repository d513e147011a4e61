/* RunAutoexpAction: a parent job is submitted and started for real
 * (ae_submit_prepare + ae_jobstart_run write its provenance), its resolved
 * config gives the action, which runs against sbatch_stub (selected by the
 * action's `sbatch` field) and writes the cooldown's config; that config is
 * then submitted and started as the child job, and may cool down again. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "ae_action.h"
#include "ae_cooldown.h"
#include "ae_interp.h"
#include "ae_jobstart.h"
#include "ae_provenance.h"
#include "ae_submit.h"
#include "ae_yaml.h"
#include "testutil.h"

#ifndef AE_SBATCH_STUB
#define AE_SBATCH_STUB "./sbatch_stub"
#endif

#define PARENT_TS "20250101_000000_000"
#define CHILD_TS  "20990101_120000_000"

static char T[1024];    /* scratch root */
static char stub[1024]; /* sbatch_stub */

static const char *srcdir(void)
{
	const char *s = getenv("srcdir");

	return s ? s : ".";
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static ae_node *load_yaml(const char *path)
{
	ae_error err;
	ae_node *n = ae_yaml_load_file(path, NULL, &err);

	if (!n)
		fprintf(stderr, "%s: %s\n", path, err.text);
	return n;
}

static json_t *load_json(const char *path)
{
	return json_load_file(path, 0, NULL);
}

/* Value at a dotted path ("a.b.c"), or NULL. */
static const ae_node *at(const ae_node *root, const char *path)
{
	char buf[512], *save = NULL, *tok;
	const ae_node *n = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); n && tok;
	     tok = strtok_r(NULL, ".", &save))
		n = n->type == AE_MAP ? ae_map_get(n, tok) : NULL;
	return n;
}

static const char *str_at(const ae_node *root, const char *path)
{
	const ae_node *n = at(root, path);

	return n && n->type == AE_STRING ? n->u.str.s : NULL;
}

/* ---- jobs ---- */

typedef struct job {
	char out[PATH_MAX];
	char prov[PATH_MAX];
	ae_node *resolved;
	const char *job_id;
} job;

static const char *job_env(const char *name, void *ctx)
{
	(void)ctx;
	if (!strcmp(name, "AUTOEXP_DEMO_OUTPUT")) {
		static char demo[PATH_MAX + 8];

		snprintf(demo, sizeof(demo), "%s/demo", T);
		return demo;
	}
	return NULL;
}

/* Submit config (as the plugin does) and start it as job job_id. */
static int start_job(const char *config, const char *const *dirs, size_t n,
                     const char *env_path, const char *ts, const char *job_id,
                     job *j)
{
	ae_submit_result res = {0};
	ae_jobstart_info info = {0};
	ae_jobstart_result jr;
	ae_error err;
	json_t *meta;
	const char *script = "#!/bin/sh\nexec train\n";
	int rc;

	memset(j, 0, sizeof(*j));
	j->job_id = job_id;
	if (ae_submit_prepare(config, dirs, n, env_path, NULL, NULL, ts, NULL,
	                      &res, &err) < 0) {
		fprintf(stderr, "submit %s: %s:%d:%d: %s: %s\n", config,
		        err.file, err.line, err.column, err.path, err.text);
		return -1;
	}
	meta = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "job_id",
	                 job_id, "job_name", "exp", "partition", "gpu",
	                 "account", "acct", "qos", "normal", "nodes", 2,
	                 "tasks", 8, "submit_dir", T);
	info.uid = getuid();
	info.job_id = job_id;
	info.workdir = T;
	info.env = job_env;
	info.metadata = meta;
	info.job_script = script;
	info.job_script_len = strlen(script);
	info.start_time = (long long)time(NULL);
	rc = ae_jobstart_run(res.capture, &info, &jr, &err);
	json_decref(meta);
	ae_submit_result_clear(&res);
	if (rc < 0) {
		fprintf(stderr, "jobstart: %s\n", err.text);
		return -1;
	}
	close(jr.prov_fd);
	snprintf(j->out, sizeof(j->out), "%s", jr.output_dir);
	snprintf(j->prov, sizeof(j->prov), "%s", jr.provenance_dir);
	j->resolved = load_yaml(jr.config_file);
	return j->resolved ? 0 : -1;
}

/* The plain action of a rule's actions[idx] (unwrapping EventAction). */
static ae_node *find_action(const ae_node *resolved, const char *event,
                            size_t idx)
{
	char path[256];
	const ae_node *acts, *a;

	snprintf(path, sizeof(path), "monitoring.log_events.%s.actions", event);
	acts = at(resolved, path);
	a = acts && acts->type == AE_SEQ ? ae_seq_get(acts, idx) : NULL;
	if (a && str_at(a, "class_name") &&
	    !strcmp(str_at(a, "class_name"), "EventAction"))
		a = ae_map_get(a, "action");
	return (ae_node *)a;
}

/* ---- running the action ---- */

typedef struct outcome {
	ae_action_status status;
	char message[2048];
	json_t *result;
	double seconds;
} outcome;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char stub_dirs[32][PATH_MAX];
static int n_stub_dirs;

/* A fresh directory for sbatch_stub with this plan. */
static const char *stub_dir(const char *plan)
{
	char *d, path[PATH_MAX + 8];

	if (n_stub_dirs == (int)(sizeof(stub_dirs) / sizeof(stub_dirs[0]))) {
		CHECK(!"more stub directories than stub_dirs holds");
		exit(1);
	}
	d = stub_dirs[n_stub_dirs++];

	snprintf(d, PATH_MAX, "%s/stub%d", T, n_stub_dirs);
	mkdir(d, 0700);
	snprintf(path, sizeof(path), "%s/plan", d);
	write_file(path, plan);
	return d;
}

static int stub_calls(const char *dir)
{
	char path[PATH_MAX + 8], *t;
	int n;

	snprintf(path, sizeof(path), "%s/count", dir);
	t = read_text(path);
	n = t ? atoi(t) : 0;
	free(t);
	return n;
}

/* Lines of call<n> with a prefix ("arg:", "env:", "cwd:"), NULL-ended. */
static char **stub_lines(const char *dir, int n, const char *prefix)
{
	char path[PATH_MAX + 16], *t, *save = NULL, *line;
	char **v = calloc(256, sizeof(*v));
	size_t k = 0, plen = strlen(prefix);

	snprintf(path, sizeof(path), "%s/call%d", dir, n);
	t = read_text(path);
	for (line = t ? strtok_r(t, "\n", &save) : NULL; line && k < 255;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, prefix, plen))
			v[k++] = strdup(line + plen);
	free(t);
	return v;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static const char *strv_get(char **v, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; v && v[i]; i++)
		if (!strncmp(v[i], name, len) && v[i][len] == '=')
			return v[i] + len + 1;
	return NULL;
}

static ae_node *event_meta(const char *iter, const char *ckpt)
{
	ae_node *m = ae_node_new_map();

	ae_map_set(m, "kind", ae_node_new_string("checkpoint"));
	ae_map_set(m, "checkpoint_iteration", ae_node_new_string(iter));
	ae_map_set(m, "checkpoint_path", ae_node_new_string(ckpt));
	ae_map_set(m, "source_path", ae_node_new_string("/log/slurm-100.out"));
	return m;
}

/* run_action asks the action to stop right after its start (the end of a
 * drain) and returns once it is idle. */
static int stop_after_start;
/* >= 0: the provenance directory the helper opened, for run_action (else
 * it opens the job's own). */
static int held_prov_fd = -1;

static void run_action(const ae_node *cfg, const job *j, const ae_node *meta,
                       const char *stubdir, outcome *o)
{
	ae_action *a;
	ae_action_exec *x;
	ae_node *vars = ae_node_new_map();
	ae_template_ctx t = {0};
	ae_eval_env env = {0};
	char e_path[PATH_MAX + 8], e_conf[PATH_MAX + 16], e_stub[PATH_MAX + 20];
	char e_cfg[PATH_MAX + 40], work[PATH_MAX];
	const char *envp[] = {e_path,
	                      "HOME=/home/tester",
	                      "SLURM_JOB_ID=100",
	                      "SLURM_NTASKS=8",
	                      "SLURM_JOB_NAME=exp",
	                      e_conf,
	                      e_stub,
	                      e_cfg,
	                      "LANG=C",
	                      NULL};
	double t0 = mono();
	ae_eval_dirs dirs = {
	    .prov_fd = held_prov_fd, .prov_dir = j->prov, .job_fd = -1};
	ae_error err;

	memset(o, 0, sizeof(*o));
	o->status = AE_ACTION_FAILED;
	/* as the helper: opened once (helper_dirs) */
	if (held_prov_fd < 0)
		dirs.prov_fd =
		    open(j->prov, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(e_path, sizeof(e_path), "PATH=%s",
	         getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	snprintf(e_conf, sizeof(e_conf), "SLURM_CONF=%s/slurm.conf", T);
	snprintf(e_stub, sizeof(e_stub), "SBATCH_STUB_DIR=%s", stubdir);
	snprintf(e_cfg, sizeof(e_cfg), "AUTOEXP_CONFIG=%s/resolved_config.yaml",
	         j->prov);
	snprintf(work, sizeof(work), "%s/work", T);
	ae_map_set(vars, "output_dir", ae_node_new_string(j->out));
	ae_map_set(vars, "job_id", ae_node_new_string(j->job_id));
	t.metadata = meta;
	t.vars = vars;
	t.config = j->resolved;
	env.tmpl = &t;
	env.envp = envp;
	env.cwd = work;
	env.now = t0;
	env.dirs = &dirs;
	a = cfg ? ae_action_compile(cfg, 0, &err) : NULL;
	if (!a) {
		snprintf(o->message, sizeof(o->message), "compile: %s",
		         err.text);
		ae_node_free(vars);
		if (held_prov_fd < 0 && dirs.prov_fd >= 0)
			close(dirs.prov_fd);
		return;
	}
	x = ae_action_start(a, &env);
	if (stop_after_start)
		ae_action_exec_request_stop(x);
	while (x && ae_action_poll(x, mono()) == AE_ACTION_RUNNING) {
		struct pollfd pfd[8];
		int fds[8], n = ae_action_exec_fds(x, fds, 8);
		double next = ae_action_exec_next_time(x, mono());
		int ms = isinf(next) ? 200 : (int)((next - mono()) * 1000) + 1;

		/* stopped and idle: nothing will ever happen */
		if (stop_after_start && n == 0 && isinf(next))
			break;

		for (int i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		poll(pfd, (nfds_t)n, ms < 0 ? 0 : ms > 200 ? 200 : ms);
		if (mono() - t0 > 60)
			break;
	}
	if (x) {
		o->status = ae_action_exec_status(x);
		snprintf(o->message, sizeof(o->message), "%s",
		         ae_action_exec_message(x));
		o->result = json_deep_copy(ae_action_exec_result(x));
	}
	o->seconds = mono() - t0;
	ae_action_exec_free(x);
	ae_action_free(a);
	ae_node_free(vars);
	if (held_prov_fd < 0 && dirs.prov_fd >= 0)
		close(dirs.prov_fd);
}

/* ---- fixture ---- */

static char conf[PATH_MAX];

static void fixture(void)
{
	char path[PATH_MAX + 64], text[32768];

	snprintf(conf, sizeof(conf), "%s/conf", T);
	mkdir(conf, 0755);
	snprintf(path, sizeof(path), "%s/monitoring", conf);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/work", T);
	mkdir(path, 0755);

	snprintf(path, sizeof(path), "%s/exp.yaml", conf);
	snprintf(text, sizeof(text),
	         "defaults:\n"
	         "  - monitoring: cooldown\n"
	         "  - _self_\n"
	         "project:\n"
	         "  name: exp\n"
	         "  base_output_dir: %s/out/exp_${oc.timestring:}\n"
	         "backend:\n"
	         "  megatron:\n"
	         "    save: ${project.base_output_dir}/checkpoints\n"
	         "    load: ${project.base_output_dir}/checkpoints\n"
	         "    lr: 0.001\n"
	         "    train_iters: 100\n",
	         T);
	write_file(path, text);

	snprintf(path, sizeof(path), "%s/monitoring/basic.yaml", conf);
	write_file(path, "log_events:\n"
	                 "  progress:\n"
	                 "    pattern: 'iteration (?P<it>\\d+)'\n"
	                 "    metadata: {kind: progress}\n"
	                 "    actions:\n"
	                 "      - class_name: LogAction\n"
	                 "        message: 'at {it}'\n");

	/* Actions of the parent, one per scenario (all from one checkpoint
	 * event). The stub is named explicitly in each. */
	snprintf(path, sizeof(path), "%s/monitoring/cooldown.yaml", conf);
	snprintf(
	    text, sizeof(text),
	    "log_events:\n"
	    "  ckpt:\n"
	    "    pattern: 'saved checkpoint from "
	    "iteration\\s+(?P<iteration>\\d+) to (?P<path>\\S+)'\n"
	    "    metadata: {kind: checkpoint}\n"
	    "    extract_groups: {checkpoint_iteration: iteration, "
	    "checkpoint_path: path}\n"
	    "    actions:\n"
	    /* 0: the design's example */
	    "      - class_name: EventAction\n"
	    "        mode: queue\n"
	    "        action:\n"
	    "          class_name: RunAutoexpAction\n"
	    "          sbatch: %s\n"
	    "          sbatch_args: ['--time=00:10:00']\n"
	    "          overrides:\n"
	    "            - '++backend.megatron.load={checkpoint_path}'\n"
	    "            - "
	    "'project.base_output_dir={project.base_output_dir}_cooldown_{"
	    "checkpoint_iteration}_$${oc.timestring:}'\n"
	    "            - "
	    "'project.name={project.name}_cooldown_{checkpoint_iteration}'\n"
	    "            - 'backend.megatron.lr=0.0001'\n"
	    "            - "
	    "'++backend.megatron.ckpt_step={checkpoint_iteration}'\n"
	    "            - '++backend.megatron.extra=1'\n"
	    "            - 'backend.megatron.extra=2'\n"
	    "            - 'monitoring=basic'\n"
	    /* 1, 2: two strategies, the two escapes */
	    "      - class_name: RunAutoexpAction\n"
	    "        name: 'cd_a_{checkpoint_iteration}'\n"
	    "        sbatch: %s\n"
	    "        overrides:\n"
	    "          - "
	    "'project.base_output_dir={project.base_output_dir}_a_$${oc."
	    "timestring:}'\n"
	    "      - class_name: RunAutoexpAction\n"
	    "        name: 'cd_b'\n"
	    "        sbatch: %s\n"
	    "        overrides:\n"
	    "          - "
	    "\"project.base_output_dir={project.base_output_dir}_b_\\\\${oc."
	    "timestring:}\"\n"
	    /* 3: invalid result */
	    "      - class_name: RunAutoexpAction\n"
	    "        name: bad\n"
	    "        sbatch: %s\n"
	    "        overrides:\n"
	    "          - '++backend.megatron.lr=$${missing.key}'\n"
	    /* 4: a group that does not exist */
	    "      - class_name: RunAutoexpAction\n"
	    "        name: nogroup\n"
	    "        sbatch: %s\n"
	    "        overrides: ['monitoring=nonexistent']\n"
	    /* 5: retries, short window, short timeout */
	    "      - class_name: RunAutoexpAction\n"
	    "        name: retry\n"
	    "        sbatch: %s\n"
	    "        retry_seconds: 2\n"
	    "        timeout_seconds: 1\n"
	    "        overrides: ['project.name=r']\n"
	    /* 6: the default window */
	    "      - class_name: RunAutoexpAction\n"
	    "        name: patient\n"
	    "        sbatch: %s\n"
	    "        overrides: ['project.name=p']\n",
	    stub, stub, stub, stub, stub, stub, stub);
	write_file(path, text);
}

/* ---- tests ---- */

static job parent;

static void test_design_example(void)
{
	const char *sd = stub_dir("ok 4242\n");
	char ckpt[PATH_MAX + 32], path[PATH_MAX + 128], ts_dir[PATH_MAX + 64];
	ae_node *meta, *child, *res;
	ae_resolve_opts ro = {.timestring = CHILD_TS};
	json_t *sub, *rm;
	char **args, **env, **cwd;
	outcome o;
	ae_error err;
	const ae_node *n;

	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", parent.out);
	meta = event_meta("20", ckpt);
	run_action(find_action(parent.resolved, "ckpt", 0), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	CHECK_STR(json_string_value(json_object_get(o.result, "job_id")),
	          "4242");
	CHECK_STR(json_string_value(json_object_get(o.result, "key")),
	          "cooldown_it20");
	CHECK_INT(stub_calls(sd), 1);

	/* argv: resources of the parent, then sbatch_args, then the script */
	args = stub_lines(sd, 1, "arg:");
	{
		char a_cfg[PATH_MAX + 128], a_script[PATH_MAX + 64];
		const char *want[] = {stub,
		                      "--parsable",
		                      a_cfg,
		                      "--job-name=exp_cooldown",
		                      "--partition=gpu",
		                      "--account=acct",
		                      "--qos=normal",
		                      "--nodes=2",
		                      "--ntasks=8",
		                      "--time=00:10:00",
		                      a_script,
		                      NULL};
		size_t i;

		/* through the key directory, sbatch's fd 3 */
		snprintf(a_cfg, sizeof(a_cfg),
		         "--autoexp-config=/proc/self/fd/3/config.yaml");
		snprintf(a_script, sizeof(a_script),
		         "/proc/self/fd/3/job_script.sh");
		for (i = 0; want[i]; i++)
			CHECK_STR(args[i], want[i]);
		CHECK(args[i] == NULL);
	}
	strv_free(args);
	args = stub_lines(sd, 1, "fd3:");
	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_it20", parent.prov);
	CHECK_STR(args[0], path);
	strv_free(args);
	/* the script sbatch read: a copy of the parent's */
	{
		char *copy, *orig;

		snprintf(path, sizeof(path),
		         "%s/cooldowns/cooldown_it20/job_script.sh",
		         parent.prov);
		copy = read_text(path);
		snprintf(path, sizeof(path), "%s/job_script.sh", parent.prov);
		orig = read_text(path);
		CHECK(copy && orig && !strcmp(copy, orig));
		free(copy);
		free(orig);
	}

	/* environment: no SLURM_* but SLURM_CONF, not the parent's config */
	env = stub_lines(sd, 1, "env:");
	CHECK(strv_get(env, "SLURM_JOB_ID") == NULL);
	CHECK(strv_get(env, "SLURM_NTASKS") == NULL);
	CHECK(strv_get(env, "SLURM_JOB_NAME") == NULL);
	CHECK(strv_get(env, "SLURM_CONF") != NULL);
	CHECK(strv_get(env, "AUTOEXP_CONFIG") == NULL);
	CHECK_STR(strv_get(env, "AUTOEXP_CONFIG_PATH"), conf);
	CHECK_STR(strv_get(env, "HOME"), "/home/tester");
	CHECK(strv_get(env, "AUTOEXP_TIMESTRING") != NULL);
	cwd = stub_lines(sd, 1, "cwd:");
	snprintf(path, sizeof(path), "%s/work", T);
	CHECK_STR(cwd[0], path);
	strv_free(cwd);

	/* the child's config: load pinned, save follows the new base dir */
	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_it20/config.yaml",
	         parent.prov);
	child = load_yaml(path);
	CHECK(child != NULL);
	CHECK(at(child, "defaults") == NULL);
	CHECK_STR(str_at(child, "backend.megatron.load"), ckpt);
	CHECK_STR(str_at(child, "backend.megatron.save"),
	          "${project.base_output_dir}/checkpoints");
	snprintf(path, sizeof(path), "%s_cooldown_20_${oc.timestring:}",
	         parent.out);
	CHECK_STR(str_at(child, "project.base_output_dir"), path);
	CHECK_STR(str_at(child, "project.name"), "exp_cooldown_20");
	n = at(child, "backend.megatron.ckpt_step");
	CHECK(n && n->type == AE_INT && n->u.i == 20);
	n = at(child, "backend.megatron.lr");
	CHECK(n && n->type == AE_FLOAT && n->u.f == 0.0001);
	/* in order: ++extra=1 created the key that extra=2 then changed */
	n = at(child, "backend.megatron.extra");
	CHECK(n && n->type == AE_INT && n->u.i == 2);
	/* monitoring=basic from the recorded search path replaced the group */
	CHECK(at(child, "monitoring.log_events.progress") != NULL);
	CHECK(at(child, "monitoring.log_events.ckpt") == NULL);
	/* the parent record */
	CHECK_STR(str_at(child, "autoexp.parent.job_id"), "100");
	CHECK_STR(str_at(child, "autoexp.parent.output_dir"), parent.out);
	CHECK_STR(str_at(child, "autoexp.parent.checkpoint_path"), ckpt);
	n = at(child, "autoexp.parent.checkpoint_iteration");
	CHECK(n && n->type == AE_INT && n->u.i == 20);
	CHECK_STR(str_at(child, "autoexp.parent.cooldown"), "cooldown_it20");
	CHECK_STR(str_at(child, "autoexp.parent.event.source_path"),
	          "/log/slurm-100.out");

	res = child ? ae_interp_resolve(child, &ro, &err) : NULL;
	CHECK(res != NULL);
	snprintf(path, sizeof(path), "%s_cooldown_20_%s/checkpoints",
	         parent.out, CHILD_TS);
	CHECK_STR(str_at(res, "backend.megatron.save"), path);
	CHECK_STR(str_at(res, "backend.megatron.load"), ckpt);
	ae_node_free(res);

	/* the parent's provenance records the submission */
	snprintf(path, sizeof(path),
	         "%s/cooldowns/cooldown_it20/submission.json", parent.prov);
	sub = load_json(path);
	CHECK(sub != NULL);
	CHECK_STR(json_string_value(json_object_get(sub, "status")),
	          "submitted");
	CHECK_STR(json_string_value(json_object_get(sub, "job_id")), "4242");
	CHECK_INT(json_array_size(json_object_get(sub, "attempts")), 1);
	CHECK_INT(json_array_size(json_object_get(sub, "overrides")), 8);
	CHECK_STR(json_string_value(
	              json_array_get(json_object_get(sub, "overrides"), 3)),
	          "backend.megatron.lr=0.0001");
	CHECK_INT(json_array_size(json_object_get(sub, "argv")), 11);
	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_it20", parent.prov);
	CHECK_STR(json_string_value(json_object_get(sub, "argv_fd3")), path);
	snprintf(ts_dir, sizeof(ts_dir), "%s_cooldown_20_%s", parent.out,
	         strv_get(env, "AUTOEXP_TIMESTRING"));
	CHECK_STR(json_string_value(json_object_get(sub, "output_dir")),
	          ts_dir);
	CHECK_STR(json_string_value(json_object_get(o.result, "output_dir")),
	          ts_dir);
	/* run_metadata.json is the plugin's: left alone */
	snprintf(path, sizeof(path), "%s/run_metadata.json", parent.prov);
	rm = load_json(path);
	CHECK(rm != NULL && json_object_get(rm, "cooldowns") == NULL);
	json_decref(rm);
	json_decref(sub);
	strv_free(env);

	/* the same trigger again (a lost journal): not submitted twice */
	json_decref(o.result);
	run_action(find_action(parent.resolved, "ckpt", 0), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	CHECK(strstr(o.message, "already submitted") != NULL);
	CHECK_INT(stub_calls(sd), 1);
	json_decref(o.result);

	/* another iteration: another key */
	ae_node_free(meta);
	meta = event_meta("30", ckpt);
	sd = stub_dir("ok 4343\n");
	run_action(find_action(parent.resolved, "ckpt", 0), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	CHECK_STR(json_string_value(json_object_get(o.result, "key")),
	          "cooldown_it30");
	json_decref(o.result);
	ae_node_free(meta);
	ae_node_free(child);
}

/* The child as the plugin would submit and start it, then a cooldown of
 * that cooldown from the child's own provenance. */
/* Issue 17 (1): the helper opened the run's provenance directory; then
 * someone who can rename entries of a directory above it (a group-writable
 * project directory without the sticky bit) moved the output directory
 * away and put one of theirs in its place, with a config and a script of
 * their own. The cooldown still composes the run's own config, copies the
 * run's own script, and hands sbatch the directory the helper opened;
 * nothing is read from or written to theirs. */
static void test_swapped_output_dir(void)
{
	const char *sd = stub_dir("ok 7100\n");
	char moved[PATH_MAX + 16], path[PATH_MAX + 128], ckpt[PATH_MAX + 32];
	char exp[PATH_MAX + 16], *text;
	const char *dirs[1] = {conf};
	char **fd3;
	ae_node *meta, *child;
	outcome o;
	job j;

	snprintf(exp, sizeof(exp), "%s/exp.yaml", conf);
	if (start_job(exp, dirs, 1, NULL, "20250202_000000_000", "7000", &j) <
	    0) {
		CHECK(!"the job starts");
		return;
	}
	held_prov_fd = open(j.prov, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(held_prov_fd >= 0);
	snprintf(moved, sizeof(moved), "%s.moved", j.out);
	CHECK(rename(j.out, moved) == 0);
	CHECK(mkdir(j.out, 0755) == 0);
	CHECK(mkdir(j.prov, 0755) == 0);
	snprintf(path, sizeof(path), "%s/unresolved_config.yaml", j.prov);
	write_file(path, "project: {name: theirs}\n");
	snprintf(path, sizeof(path), "%s/job_script.sh", j.prov);
	write_file(path, "#!/bin/sh\necho theirs\n");

	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", j.out);
	meta = event_meta("20", ckpt);
	run_action(find_action(j.resolved, "ckpt", 0), &j, meta, sd, &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	if (o.status != AE_ACTION_SUCCESS)
		fprintf(stderr, "swapped: %s\n", o.message);
	fd3 = stub_lines(sd, 1, "fd3:");
	snprintf(path, sizeof(path), "%s/provenance/cooldowns/cooldown_it20",
	         moved);
	CHECK_STR(fd3[0], path);
	strv_free(fd3);
	snprintf(path, sizeof(path),
	         "%s/provenance/cooldowns/cooldown_it20/config.yaml", moved);
	child = load_yaml(path);
	CHECK_STR(str_at(child, "project.name"), "exp_cooldown_20");
	snprintf(path, sizeof(path),
	         "%s/provenance/cooldowns/cooldown_it20/job_script.sh", moved);
	text = read_text(path);
	CHECK_STR(text, "#!/bin/sh\nexec train\n");
	free(text);
	snprintf(path, sizeof(path), "%s/cooldowns", j.prov);
	CHECK(access(path, F_OK) != 0);
	close(held_prov_fd);
	held_prov_fd = -1;
	json_decref(o.result);
	ae_node_free(child);
	ae_node_free(meta);
	ae_node_free(j.resolved);
}

static void test_chain(void)
{
	char path[PATH_MAX + 128], ckpt[PATH_MAX + 32], want[PATH_MAX + 64];
	const char *sd = stub_dir("ok 5000\n");
	char **env;
	job child;
	ae_node *meta, *grand;
	outcome o;

	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_it20/config.yaml",
	         parent.prov);
	env = stub_lines(stub_dirs[0], 1, "env:");
	CHECK(start_job(path, NULL, 0, strv_get(env, "AUTOEXP_CONFIG_PATH"),
	                CHILD_TS, "4242", &child) == 0);
	strv_free(env);
	if (!child.resolved)
		return;
	/* its own timestamp, fixed at its submission */
	snprintf(want, sizeof(want), "%s_cooldown_20_%s", parent.out, CHILD_TS);
	CHECK_STR(child.out, want);
	/* the parent record survives the child's resolution verbatim */
	CHECK_STR(str_at(child.resolved, "autoexp.parent.job_id"), "100");
	CHECK_STR(str_at(child.resolved, "autoexp.parent.output_dir"),
	          parent.out);

	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", child.out);
	meta = event_meta("40", ckpt);
	/* the parent's action, as the child's helper would hold it */
	run_action(find_action(parent.resolved, "ckpt", 0), &child, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	if (o.status != AE_ACTION_SUCCESS)
		fprintf(stderr, "chain: %s\n", o.message);
	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_it40/config.yaml",
	         child.prov);
	grand = load_yaml(path);
	CHECK(grand != NULL);
	CHECK_STR(str_at(grand, "autoexp.parent.job_id"), "4242");
	CHECK_STR(str_at(grand, "backend.megatron.load"), ckpt);
	snprintf(want, sizeof(want), "%s_cooldown_40_${oc.timestring:}",
	         child.out);
	CHECK_STR(str_at(grand, "project.base_output_dir"), want);
	CHECK_STR(str_at(grand, "project.name"), "exp_cooldown_20_cooldown_40");
	CHECK(at(grand, "monitoring.log_events.progress") != NULL);
	json_decref(o.result);
	ae_node_free(grand);
	ae_node_free(meta);
	ae_node_free(child.resolved);
}

static void test_escapes(void)
{
	const char *letters[] = {"a", "b"};
	const char *keys[] = {"cd_a_20", "cd_b_it20"};
	char ckpt[PATH_MAX + 32];
	ae_node *meta;

	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", parent.out);
	meta = event_meta("20", ckpt);
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX + 128], want[PATH_MAX + 64];
		const char *sd = stub_dir("ok 6000\n");
		const ae_node *ov;
		ae_node *child, *res1, *res2;
		ae_resolve_opts r1 = {.timestring = CHILD_TS};
		ae_resolve_opts r2 = {.timestring = "20990202_000000_000"};
		ae_error err;
		job cj;
		outcome o;

		/* the parent's resolution consumed one level of escape */
		ov = ae_seq_get(ae_map_get(find_action(parent.resolved, "ckpt",
		                                       (size_t)i + 1),
		                           "overrides"),
		                0);
		snprintf(want, sizeof(want),
		         "project.base_output_dir={project.base_output_dir}_%s_"
		         "${oc.timestring:}",
		         letters[i]);
		CHECK_STR(ov ? ov->u.str.s : NULL, want);

		run_action(find_action(parent.resolved, "ckpt", (size_t)i + 1),
		           &parent, meta, sd, &o);
		CHECK_INT(o.status, AE_ACTION_SUCCESS);
		/* two strategies from one checkpoint: two keys */
		CHECK_STR(json_string_value(json_object_get(o.result, "key")),
		          keys[i]);
		json_decref(o.result);
		snprintf(path, sizeof(path), "%s/cooldowns/%s/config.yaml",
		         parent.prov, keys[i]);
		child = load_yaml(path);
		snprintf(want, sizeof(want), "%s_%s_${oc.timestring:}",
		         parent.out, letters[i]);
		CHECK_STR(str_at(child, "project.base_output_dir"), want);
		/* resolved when the child is: a different timestring each time
		 */
		res1 = child ? ae_interp_resolve(child, &r1, &err) : NULL;
		res2 = child ? ae_interp_resolve(child, &r2, &err) : NULL;
		snprintf(want, sizeof(want), "%s_%s_%s", parent.out, letters[i],
		         CHILD_TS);
		CHECK_STR(str_at(res1, "project.base_output_dir"), want);
		CHECK(res1 && res2 &&
		      strcmp(str_at(res1, "project.base_output_dir"),
		             str_at(res2, "project.base_output_dir")));
		/* and submitted: the child's output directory has its own time
		 */
		CHECK(start_job(path, NULL, 0, NULL, CHILD_TS, "6000", &cj) ==
		      0);
		CHECK_STR(cj.out, want);
		CHECK(strstr(cj.out, PARENT_TS "_") != NULL);
		ae_node_free(cj.resolved);
		ae_node_free(res1);
		ae_node_free(res2);
		ae_node_free(child);
	}
	ae_node_free(meta);
}

/* A "${" in the parent's resolved config (written "\\${...}" by the user)
 * or in a helper variable is text, not an interpolation: the child gets it
 * as text, as it gets the event's values. */
static void test_config_value_escaped(void)
{
	const char *sd = stub_dir("ok 6100\n");
	char ckpt[PATH_MAX + 32], path[PATH_MAX + 128];
	ae_node *meta, *act, *ovs, *child, *res;
	ae_resolve_opts ro = {.timestring = CHILD_TS};
	job j = parent;
	ae_error err;
	outcome o;

	j.resolved = ae_node_copy(parent.resolved);
	j.job_id = "7${oc.env:HOME}";
	ae_map_set(ae_map_get(j.resolved, "project"), "name",
	           ae_node_new_string("run_${oc.env:HOME}"));
	act = ae_node_copy(find_action(j.resolved, "ckpt", 0));
	ovs = ae_node_new_seq();
	ae_seq_append(ovs, ae_node_new_string("project.name={project.name}_"
	                                      "{job_id}_cooldown"));
	ae_map_set(act, "overrides", ovs);
	ae_map_set(act, "name", ae_node_new_string("escaped_cfg"));
	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", parent.out);
	meta = event_meta("65", ckpt);
	run_action(act, &j, meta, sd, &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	json_decref(o.result);
	snprintf(path, sizeof(path),
	         "%s/cooldowns/escaped_cfg_it65/config.yaml", parent.prov);
	child = load_yaml(path);
	res = child ? ae_interp_resolve(child, &ro, &err) : NULL;
	CHECK(res != NULL);
	CHECK_STR(str_at(res, "project.name"),
	          "run_${oc.env:HOME}_7${oc.env:HOME}_cooldown");
	ae_node_free(res);
	ae_node_free(child);
	ae_node_free(meta);
	ae_node_free(act);
	ae_node_free(j.resolved);
}

static void test_invalid(void)
{
	char ckpt[PATH_MAX + 32], path[PATH_MAX + 128];
	const char *sd = stub_dir("ok 1\n");
	ae_node *meta;
	json_t *sub;
	outcome o;

	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", parent.out);
	meta = event_meta("20", ckpt);
	run_action(find_action(parent.resolved, "ckpt", 3), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_FAILED);
	CHECK(strstr(o.message, "invalid") != NULL);
	CHECK(strstr(o.message, "missing") != NULL);
	CHECK_INT(stub_calls(sd), 0);
	json_decref(o.result);
	snprintf(path, sizeof(path), "%s/cooldowns/bad_it20/submission.json",
	         parent.prov);
	sub = load_json(path);
	CHECK_STR(json_string_value(json_object_get(sub, "status")), "invalid");
	CHECK(json_is_null(json_object_get(sub, "job_id")));
	CHECK_INT(json_array_size(json_object_get(sub, "errors")), 1);
	CHECK_INT(json_array_size(json_object_get(sub, "attempts")), 0);
	json_decref(sub);

	run_action(find_action(parent.resolved, "ckpt", 4), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_FAILED);
	CHECK(strstr(o.message, "nonexistent") != NULL);
	CHECK_INT(stub_calls(sd), 0);
	json_decref(o.result);
	ae_node_free(meta);
}

/* A checkpoint path with shell metacharacters, spaces, quotes, a comma and
 * "${": verbatim in the child, nothing executed. */
static void test_metacharacters(void)
{
	char ckpt[PATH_MAX + 64], path[PATH_MAX + 128], work_x[PATH_MAX + 16];
	const char *sd = stub_dir("ok 7000\n");
	ae_node *meta, *child, *res;
	ae_resolve_opts ro = {.timestring = CHILD_TS};
	struct stat st;
	ae_error err;
	outcome o;
	char **args;

	snprintf(ckpt, sizeof(ckpt),
	         "%s/a;touch x/ck pt,1 'q' \"d\" $(id) ${HOME} \\${x}", T);
	meta = event_meta("50", ckpt);
	run_action(find_action(parent.resolved, "ckpt", 0), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	if (o.status != AE_ACTION_SUCCESS)
		fprintf(stderr, "metachar: %s\n", o.message);
	json_decref(o.result);
	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_it50/config.yaml",
	         parent.prov);
	child = load_yaml(path);
	res = child ? ae_interp_resolve(child, &ro, &err) : NULL;
	CHECK(res != NULL);
	if (!res && child)
		fprintf(stderr, "metachar resolve: %s: %s\n", err.path,
		        err.text);
	CHECK_STR(str_at(res, "backend.megatron.load"), ckpt);
	CHECK_STR(str_at(res, "autoexp.parent.checkpoint_path"), ckpt);
	CHECK_STR(str_at(res, "autoexp.parent.event.checkpoint_path"), ckpt);
	/* nothing ran: no file x where sbatch ran or here */
	snprintf(work_x, sizeof(work_x), "%s/work/x", T);
	CHECK(stat(work_x, &st) < 0 && errno == ENOENT);
	CHECK(stat("x", &st) < 0);
	args = stub_lines(sd, 1, "arg:");
	for (size_t i = 0; args[i]; i++)
		CHECK(strstr(args[i], "touch") == NULL);
	strv_free(args);
	ae_node_free(res);
	ae_node_free(child);
	ae_node_free(meta);
}

static void test_retries(void)
{
	char ckpt[PATH_MAX + 32], path[PATH_MAX + 128];
	ae_node *meta;
	json_t *sub, *atts;
	const char *sd;
	outcome o;

	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", parent.out);

	/* transient twice, then submitted: 1 s + 2 s of backoff */
	meta = event_meta("60", ckpt);
	sd = stub_dir("transient\ntransient\nok 8000\n");
	run_action(find_action(parent.resolved, "ckpt", 6), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	CHECK_INT(stub_calls(sd), 3);
	CHECK(o.seconds >= 2.9 && o.seconds < 10);
	CHECK_STR(json_string_value(json_object_get(o.result, "job_id")),
	          "8000");
	CHECK_INT(json_integer_value(json_object_get(o.result, "attempts")), 3);
	json_decref(o.result);
	snprintf(path, sizeof(path),
	         "%s/cooldowns/patient_it60/submission.json", parent.prov);
	sub = load_json(path);
	atts = json_object_get(sub, "attempts");
	CHECK_INT(json_array_size(atts), 3);
	CHECK_STR(json_string_value(
	              json_object_get(json_array_get(atts, 0), "outcome")),
	          "transient");
	CHECK_STR(json_string_value(
	              json_object_get(json_array_get(atts, 2), "outcome")),
	          "submitted");
	CHECK_INT(json_array_size(json_object_get(sub, "errors")), 2);
	/* each attempt had a timestring of its own */
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(atts, 0),
	                                               "timestring")),
	             json_string_value(json_object_get(json_array_get(atts, 2),
	                                               "timestring"))));
	json_decref(sub);
	ae_node_free(meta);

	/* permanent: recorded at once, not retried */
	meta = event_meta("70", ckpt);
	sd =
	    stub_dir("fail sbatch: error: Batch job submission failed: Invalid "
	             "account or account/partition combination specified\n");
	run_action(find_action(parent.resolved, "ckpt", 6), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_FAILED);
	CHECK_INT(stub_calls(sd), 1);
	CHECK(strstr(o.message, "Invalid account") != NULL);
	json_decref(o.result);
	snprintf(path, sizeof(path),
	         "%s/cooldowns/patient_it70/submission.json", parent.prov);
	sub = load_json(path);
	CHECK_STR(json_string_value(json_object_get(sub, "status")), "failed");
	CHECK(strstr(json_string_value(
	                 json_array_get(json_object_get(sub, "errors"), 0)),
	             "Invalid account") != NULL);
	json_decref(sub);
	ae_node_free(meta);

	/* transient for longer than retry_seconds (2): attempts at 0 and 1 s,
	 * the next would come after 1 + 2 s */
	meta = event_meta("80", ckpt);
	sd = stub_dir("transient\n");
	run_action(find_action(parent.resolved, "ckpt", 5), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_FAILED);
	CHECK_INT(stub_calls(sd), 2);
	CHECK(strstr(o.message, "giving up") != NULL);
	CHECK(o.seconds < 2.5);
	json_decref(o.result);
	ae_node_free(meta);

	/* a hung sbatch is killed at timeout_seconds and not retried */
	meta = event_meta("90", ckpt);
	sd = stub_dir("hang\n");
	run_action(find_action(parent.resolved, "ckpt", 5), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_FAILED);
	CHECK(strstr(o.message, "timed out") != NULL);
	CHECK_INT(stub_calls(sd), 1);
	CHECK(o.seconds >= 0.9 && o.seconds < 8);
	json_decref(o.result);
	ae_node_free(meta);
}

/* A small tmpfs mounted on the key directory cooldowns/<key>, filled up:
 * a disk on which nothing more can be written. 0, or -1 when it cannot be
 * made (not root). */
static int full_key_dir(const char *key, char *fill, size_t size)
{
	char path[PATH_MAX + 64], page[4096] = {0};
	int fd;

	snprintf(path, sizeof(path), "%s/cooldowns/%s", parent.prov, key);
	if (mkdir(path, 0750) < 0 ||
	    mount("tmpfs", path, "tmpfs", 0, "size=64k,mode=0750") < 0)
		return -1;
	snprintf(fill, size, "%s/fill", path);
	fd = open(fill, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (write(fd, page, sizeof(page)) > 0)
		;
	while (write(fd, page, 1) > 0)
		;
	close(fd);
	return 0;
}

/* The key directory on a full disk (root only, in a mount namespace of the
 * test's own): while the cooldown's files cannot be written nothing is
 * submitted; a window that ends while the disk is full fails, saying so;
 * room within the window gets the cooldown submitted, once. */
static void test_full_disk(void)
{
	char ckpt[PATH_MAX + 32], path[PATH_MAX + 128], fill[PATH_MAX + 80];
	const char *sd, *err0;
	ae_node *meta;
	json_t *sub;
	outcome o;
	pid_t pid;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    full_key_dir("retry_it130", fill, sizeof(fill)) < 0) {
		fprintf(stderr, "test_full_disk skipped: needs root\n");
		return;
	}
	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", parent.out);

	/* full past retry_seconds (2): tries at 0 and 1 s, then failed */
	meta = event_meta("130", ckpt);
	sd = stub_dir("ok 8100\n");
	run_action(find_action(parent.resolved, "ckpt", 5), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_FAILED);
	CHECK_INT(stub_calls(sd), 0);
	CHECK(strstr(o.message, "the disk is full") != NULL);
	CHECK(strstr(o.message, "No space left on device") != NULL);
	CHECK(strstr(o.message, "nothing was submitted") != NULL);
	CHECK(o.seconds >= 0.9 && o.seconds < 4);
	json_decref(o.result);
	ae_node_free(meta);
	snprintf(path, sizeof(path), "%s/cooldowns/retry_it130", parent.prov);
	CHECK(umount2(path, MNT_DETACH) == 0);

	/* room again after 1.5 s, within the window: submitted once */
	CHECK(full_key_dir("patient_it140", fill, sizeof(fill)) == 0);
	meta = event_meta("140", ckpt);
	sd = stub_dir("ok 8200\n");
	pid = fork();
	if (pid == 0) {
		usleep(1500000);
		_exit(unlink(fill) == 0 ? 0 : 1);
	}
	run_action(find_action(parent.resolved, "ckpt", 6), &parent, meta, sd,
	           &o);
	CHECK(pid > 0 && waitpid(pid, NULL, 0) == pid);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	CHECK_INT(stub_calls(sd), 1);
	CHECK_STR(json_string_value(json_object_get(o.result, "job_id")),
	          "8200");
	CHECK_INT(json_integer_value(json_object_get(o.result, "attempts")), 1);
	CHECK(o.seconds >= 1.4 && o.seconds < 10);
	json_decref(o.result);
	snprintf(path, sizeof(path),
	         "%s/cooldowns/patient_it140/submission.json", parent.prov);
	sub = load_json(path);
	CHECK_STR(json_string_value(json_object_get(sub, "status")),
	          "submitted");
	CHECK_INT(json_array_size(json_object_get(sub, "attempts")), 1);
	/* one error for the whole full period */
	CHECK_INT(json_array_size(json_object_get(sub, "errors")), 1);
	err0 = json_string_value(
	    json_array_get(json_object_get(sub, "errors"), 0));
	CHECK(err0 && strstr(err0, "the disk is full") != NULL);
	json_decref(sub);
	ae_node_free(meta);
	snprintf(path, sizeof(path), "%s/cooldowns/patient_it140", parent.prov);
	CHECK(umount2(path, MNT_DETACH) == 0);
}

/* Start a parent from config (job id job_id) and run its preset's
 * cooldown_checkpoint action for the checkpoint of iteration 20 against the
 * sbatch stub in sd. Returns the action (inside j->resolved) and sets *meta
 * to the event (caller frees both), or NULL when the parent did not start
 * or has no such action. */
static ae_node *fire_preset_at_20(const char *config, const char *const *dirs,
                                  const char *job_id, const char *sd, job *j,
                                  ae_node **meta, outcome *o)
{
	char ckpt[PATH_MAX + 32];
	ae_node *action;

	*meta = NULL;
	if (start_job(config, dirs, 1, NULL, PARENT_TS, job_id, j) < 0) {
		CHECK(!"the parent starts");
		j->resolved = NULL;
		return NULL;
	}
	action = find_action(j->resolved, "cooldown_checkpoint", 0);
	CHECK(action != NULL);
	if (!action)
		return NULL;
	ae_map_set(action, "sbatch", ae_node_new_string(stub));
	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", j->out);
	*meta = event_meta("20", ckpt);
	run_action(action, j, *meta, sd, o);
	CHECK_INT(o->status, AE_ACTION_SUCCESS);
	if (o->status != AE_ACTION_SUCCESS)
		fprintf(stderr, "%s: %s\n", config, o->message);
	return action;
}

/* The shipped preset: megatron_cooldown_single through the example. */
static void test_shipped_preset(void)
{
	char cfgdir[PATH_MAX], example[PATH_MAX + 64], path[PATH_MAX + 128];
	char ckpt[PATH_MAX + 32], want[PATH_MAX + 64];
	const char *dirs[1] = {cfgdir};
	const char *sd = stub_dir("ok 9000\n");
	ae_node *action, *meta, *child;
	job j;
	outcome o;

	snprintf(cfgdir, sizeof(cfgdir), "%s/config", srcdir());
	snprintf(example, sizeof(example),
	         "%s/examples/megatron_single_cooldown.yaml", cfgdir);
	action = fire_preset_at_20(example, dirs, "300", sd, &j, &meta, &o);
	if (!action)
		goto out;
	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", j.out);
	/* `name` is a job-name suffix and the record's key */
	CHECK_STR(json_string_value(json_object_get(o.result, "key")),
	          "cooldown_20");
	{
		char **args = stub_lines(sd, 1, "arg:");

		CHECK_STR(strv_get(args, "--job-name"), "exp_cooldown_20");
		strv_free(args);
	}
	snprintf(path, sizeof(path), "%s/cooldowns/%s/config.yaml", j.prov,
	         json_string_value(json_object_get(o.result, "key"))
	             ? json_string_value(json_object_get(o.result, "key"))
	             : "?");
	json_decref(o.result);
	child = load_yaml(path);
	CHECK(child != NULL);
	CHECK_STR(str_at(child, "backend.megatron.load"), ckpt);
	snprintf(want, sizeof(want), "%s_cooldown_20_${oc.timestring:}", j.out);
	CHECK_STR(str_at(child, "project.base_output_dir"), want);
	CHECK(at(child, "monitoring.log_events.cooldown_checkpoint") == NULL);
	CHECK(at(child, "monitoring.log_events.checkpoint_saved") != NULL);
	{
		const ae_node *n = at(child, "backend.megatron.train_iters");

		CHECK(n && n->type == AE_INT && n->u.i == 30);
	}
	ae_node_free(child);
	ae_node_free(meta);
out:
	ae_node_free(j.resolved);
}

/* Issue 18: the child of a parent with its own log path, drain timeout and
 * an extra error rule keeps that whole monitoring section; only the event
 * that starts cooldowns is gone (megatron_cooldown_single deletes it). */
static void test_preset_keeps_monitoring(void)
{
	char cfgdir[PATH_MAX], path[PATH_MAX + 128];
	char want[PATH_MAX + 64], text[4096];
	const char *dirs[1] = {cfgdir};
	const char *sd = stub_dir("ok 9100\n");
	ae_node *action, *meta = NULL, *child = NULL;
	const ae_node *n;
	char **env;
	job j, cj;
	outcome o;

	memset(&cj, 0, sizeof(cj));
	snprintf(cfgdir, sizeof(cfgdir), "%s/config", srcdir());
	snprintf(path, sizeof(path), "%s/keep.yaml", conf);
	snprintf(text, sizeof(text),
	         "defaults:\n"
	         "  - monitoring: megatron_cooldown_single\n"
	         "  - _self_\n"
	         "project:\n"
	         "  name: keep\n"
	         "  base_output_dir: %s/out/keep\n"
	         "backend:\n"
	         "  megatron:\n"
	         "    train_iters: 60\n"
	         "    save: ${project.base_output_dir}/checkpoints\n"
	         "    load: ${project.base_output_dir}/checkpoints\n"
	         "    save_interval: 10\n"
	         "    lr: 3.0e-4\n"
	         "monitoring:\n"
	         "  log_path: ${project.base_output_dir}/train-%%j.log\n"
	         "  drain_timeout_seconds: 42\n"
	         "  metadata:\n"
	         "    cooldown: {iteration: 20, length: 10}\n"
	         "  log_events:\n"
	         "    widget_error:\n"
	         "      pattern: 'out of widgets'\n"
	         "      pattern_type: substring\n"
	         "      metadata: {kind: error, error_type: widgets, "
	         "subsystem: custom}\n"
	         "      actions:\n"
	         "        - class_name: LogAction\n"
	         "          message: 'the job ran out of widgets'\n",
	         T);
	write_file(path, text);
	action = fire_preset_at_20(path, dirs, "400", sd, &j, &meta, &o);
	if (!action)
		goto out;
	json_decref(o.result);
	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_20/config.yaml",
	         j.prov);
	child = load_yaml(path);
	CHECK(child != NULL);
	/* what describes the job is kept, unresolved as the parent wrote it */
	CHECK_STR(str_at(child, "monitoring.log_path"),
	          "${project.base_output_dir}/train-%j.log");
	n = at(child, "monitoring.drain_timeout_seconds");
	CHECK(n && n->type == AE_INT && n->u.i == 42);
	CHECK_STR(
	    str_at(child, "monitoring.log_events.widget_error.metadata.kind"),
	    "error");
	CHECK_STR(
	    str_at(child, "monitoring.log_events.python_error.metadata.kind"),
	    "error");
	CHECK_STR(
	    str_at(child, "monitoring.log_events.nccl_error.metadata.kind"),
	    "error");
	CHECK(at(child, "monitoring.log_events.checkpoint_saved") != NULL);
	/* what would start cooldowns is not */
	CHECK(at(child, "monitoring.log_events.cooldown_checkpoint") == NULL);

	/* the child as sbatch's plugin takes it: its log in its own directory
	 */
	env = stub_lines(sd, 1, "env:");
	CHECK(start_job(path, NULL, 0, strv_get(env, "AUTOEXP_CONFIG_PATH"),
	                CHILD_TS, "9100", &cj) == 0);
	strv_free(env);
	snprintf(want, sizeof(want), "%s_cooldown_20_%s", j.out, CHILD_TS);
	CHECK_STR(cj.out, want);
	snprintf(want, sizeof(want), "%s_cooldown_20_%s/train-%%j.log", j.out,
	         CHILD_TS);
	CHECK_STR(str_at(cj.resolved, "monitoring.log_path"), want);
	CHECK(at(cj.resolved, "monitoring.log_events.cooldown_checkpoint") ==
	      NULL);
	CHECK(at(cj.resolved, "monitoring.log_events.widget_error") != NULL);

	/* The delete is strict: a trigger under another name than the one
	 * deleted gives no child, and says why. */
	{
		const char *sd2 = stub_dir("ok 9101\n");
		ae_node *ovs = ae_map_get(action, "overrides");
		const char *e;
		json_t *sub;

		ae_map_set(action, "name", ae_node_new_string("renamed"));
		ae_seq_append(ovs, ae_node_new_string(
		                       "~monitoring.log_events.my_trigger"));
		run_action(action, &j, meta, sd2, &o);
		CHECK_INT(o.status, AE_ACTION_FAILED);
		CHECK_INT(stub_calls(sd2), 0);
		json_decref(o.result);
		snprintf(path, sizeof(path),
		         "%s/cooldowns/renamed_it20/submission.json", j.prov);
		sub = load_json(path);
		CHECK_STR(json_string_value(json_object_get(sub, "status")),
		          "invalid");
		e = json_string_value(
		    json_array_get(json_object_get(sub, "errors"), 0));
		CHECK(e && strstr(e, "cannot delete "
		                     "'monitoring.log_events.my_trigger': "
		                     "key not found"));
		json_decref(sub);
	}
out:
	ae_node_free(cj.resolved);
	ae_node_free(child);
	ae_node_free(meta);
	ae_node_free(j.resolved);
}

static void test_compile_errors(void)
{
	const char *bad[] = {
	    "{class_name: RunAutoexpAction, overrides: ['a=[']}",
	    "{class_name: RunAutoexpAction, overrides: 'a=1'}",
	    "{class_name: RunAutoexpAction, overrides: [{a: 1}]}",
	    "{class_name: RunAutoexpAction, sbatch_args: '--time=1'}",
	    "{class_name: RunAutoexpAction, bogus: 1}",
	    "{class_name: RunAutoexpAction, name: '{unclosed'}",
	    "{class_name: RunAutoexpAction, retry_seconds: -1}",
	    NULL};
	ae_error err;

	for (size_t i = 0; bad[i]; i++) {
		ae_node *n = ae_yaml_load_string(bad[i], strlen(bad[i]),
		                                 "act.yaml", NULL, &err);
		ae_action *a = n ? ae_action_compile(n, 0, &err) : NULL;

		CHECK(a == NULL);
		if (a)
			fprintf(stderr, "compiled: %s\n", bad[i]);
		else
			CHECK(!strcmp(err.file, "act.yaml") && err.line == 1);
		ae_action_free(a);
		ae_node_free(n);
	}
	/* at submission, an override that still has interpolations is not
	 * judged yet */
	{
		const char *ok =
		    "{class_name: RunAutoexpAction, overrides: ['a=[${b}'], "
		    "sbatch_args: ['--x={y}']}";
		ae_node *n =
		    ae_yaml_load_string(ok, strlen(ok), "act.yaml", NULL, &err);
		ae_action *a = ae_action_compile(n, 1, &err);

		CHECK(a != NULL);
		ae_action_free(a);
		/* resolved, the same override is judged: '[' is not closed */
		a = ae_action_compile(n, 0, &err);
		CHECK(a == NULL);
		ae_action_free(a);
		ae_node_free(n);
	}
}

static void test_quote_escape(void)
{
	const char *vals[] = {"plain", "a b",        "a;b",         "a,b",
	                      "it's",  "say \"hi\"", "back\\slash", "end\\",
	                      "q\\'",  "${x}",       "[1,2]",       "",
	                      "\\\\'", NULL};
	ae_error err;

	for (size_t i = 0; vals[i]; i++) {
		char *q = ae_cooldown_spec_quote_value(vals[i], &err);

		CHECK(q != NULL);
		free(q);
	}
	{
		char *e = ae_cooldown_spec_escape("a ${b} \\${c} $${d} x");

		CHECK_STR(e, "a \\${b} \\\\\\${c} $\\${d} x");
		free(e);
	}
}

/* Megatron prints args.save as given: a relative checkpoint path is the
 * parent's working directory's, and the child's load is made absolute
 * against it; sbatch runs there too. */
static void test_relative_checkpoint(void)
{
	const char *sd = stub_dir("ok 7100\n");
	char path[PATH_MAX + 128], want[PATH_MAX + 64];
	ae_node *meta, *child;
	char **cwd;
	json_t *sub;
	outcome o;

	meta = event_meta("40", "./output/exp/checkpoints");
	run_action(find_action(parent.resolved, "ckpt", 0), &parent, meta, sd,
	           &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	json_decref(o.result);
	snprintf(path, sizeof(path), "%s/cooldowns/cooldown_it40/config.yaml",
	         parent.prov);
	child = load_yaml(path);
	snprintf(want, sizeof(want), "%s/work/output/exp/checkpoints", T);
	CHECK_STR(str_at(child, "backend.megatron.load"), want);
	CHECK_STR(str_at(child, "autoexp.parent.checkpoint_path"), want);
	/* the event as the log had it */
	CHECK_STR(str_at(child, "autoexp.parent.event.checkpoint_path"),
	          "./output/exp/checkpoints");
	cwd = stub_lines(sd, 1, "cwd:");
	snprintf(want, sizeof(want), "%s/work", T);
	CHECK_STR(cwd[0], want);
	strv_free(cwd);
	snprintf(path, sizeof(path),
	         "%s/cooldowns/cooldown_it40/submission.json", parent.prov);
	sub = load_json(path);
	CHECK_STR(json_string_value(json_object_get(sub, "cwd")), want);
	CHECK(json_integer_value(json_object_get(sub, "retry_until")) >
	      (json_int_t)time(NULL));
	json_decref(sub);
	ae_node_free(child);
	ae_node_free(meta);
}

/* Set fields of a submission.json, as a helper that died would have left
 * it. */
static void doctor(const char *path, const char *status, json_int_t until)
{
	json_t *sub = load_json(path);

	CHECK(sub != NULL);
	if (!sub)
		return;
	json_object_set_new(sub, "status", json_string(status));
	json_object_set_new(sub, "job_id", json_null());
	if (until)
		json_object_set_new(sub, "retry_until", json_integer(until));
	CHECK_INT(json_dump_file(sub, path, JSON_INDENT(2)), 0);
	json_decref(sub);
}

/* The event of iteration iter for the "patient" action (default retry
 * window); path gets its submission.json. */
static ae_node *patient_event(const char *iter, char *path, size_t size)
{
	char ckpt[PATH_MAX + 32];

	snprintf(ckpt, sizeof(ckpt), "%s/checkpoints", parent.out);
	snprintf(path, size, "%s/cooldowns/patient_it%s/submission.json",
	         parent.prov, iter);
	return event_meta(iter, ckpt);
}

static void check_status(const char *path, const char *want)
{
	json_t *sub = load_json(path);

	CHECK_STR(json_string_value(json_object_get(sub, "status")), want);
	json_decref(sub);
}

/* The helper died while the action ran; the next one starts it again for
 * the same event (RunAutoexpAction is resumable) and the record decides.
 * Each step leaves the record as a dead helper would, starts the action
 * again against a stub with the plan, and checks the outcome, how often
 * sbatch ran and the record's status after. */
static void test_resume(void)
{
	static const struct {
		const char *left; /* status left behind (NULL: as it is) */
		int until;        /* retry_until, seconds from now (0: keep) */
		const char *plan;
		ae_action_status want;
		int calls;
		const char *says;  /* in the message */
		const char *after; /* the record's status */
	} steps[] = {
	    /* the first start: refused for good, recorded failed */
	    {NULL, 0,
	     "fail sbatch: error: Batch job submission failed: "
	     "Invalid account\n",
	     AE_ACTION_FAILED, 1, "Invalid account", "failed"},
	    /* left "retrying": goes on, attempts and errors kept */
	    {"retrying", 300, "ok 9100\n", AE_ACTION_SUCCESS, 1,
	     "submitted as job 9100", "submitted"},
	    /* submitted: the same job, sbatch not run */
	    {NULL, 0, "ok 9999\n", AE_ACTION_SUCCESS, 0,
	     "already submitted as job 9100", "submitted"},
	    /* left "submitting": the job may exist, never submitted again */
	    {"submitting", 0, "ok 9200\n", AE_ACTION_FAILED, 0,
	     "may or may not", "unknown"},
	    /* decided before: fails again without sbatch */
	    {NULL, 0, "ok 9300\n", AE_ACTION_FAILED, 0, "already unknown",
	     "unknown"},
	    /* "stopped" (a drain ended while it retried, the job was
	     * requeued): goes on like "retrying" */
	    {"stopped", 300, "ok 9400\n", AE_ACTION_SUCCESS, 1,
	     "submitted as job 9400", "submitted"},
	    /* "preparing" with the window run out while no helper ran: one
	     * more attempt, no retries after it */
	    {"preparing", -10, "transient\n", AE_ACTION_FAILED, 1, "giving up",
	     "failed"},
	};
	char path[PATH_MAX + 128];
	const ae_node *act = find_action(parent.resolved, "ckpt", 6);
	ae_node *meta = patient_event("110", path, sizeof(path));
	json_t *sub;
	outcome o;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const char *sd = stub_dir(steps[i].plan);

		if (steps[i].left)
			doctor(path, steps[i].left,
			       steps[i].until
			           ? (json_int_t)time(NULL) + steps[i].until
			           : 0);
		run_action(act, &parent, meta, sd, &o);
		CHECK_INT(o.status, steps[i].want);
		CHECK_INT(stub_calls(sd), steps[i].calls);
		CHECK(strstr(o.message, steps[i].says) != NULL);
		CHECK(o.seconds < 5);
		json_decref(o.result);
		check_status(path, steps[i].after);
		if (i == 1) {
			sub = load_json(path);
			CHECK_INT(
			    json_array_size(json_object_get(sub, "attempts")),
			    2);
			CHECK_INT(
			    json_array_size(json_object_get(sub, "errors")), 1);
			CHECK_INT(
			    json_integer_value(json_object_get(sub, "resumed")),
			    1);
			json_decref(sub);
		}
	}
	/* three resumed starts went on: retrying, stopped, preparing */
	sub = load_json(path);
	CHECK_INT(json_integer_value(json_object_get(sub, "resumed")), 3);
	json_decref(sub);
	ae_node_free(meta);
}

static int n_stopped;

static void on_stopped(void *ctx, const char *key)
{
	(void)ctx;
	n_stopped++;
	CHECK(!strcmp(key, "left_retrying") || !strcmp(key, "left_preparing"));
}

/* Asked to stop (the drain ended) while its sbatch runs: the sbatch ends,
 * no next attempt starts, the action stays idle; the helper then marks the
 * record stopped, and a later start (a requeue's helper) goes on. */
static void test_stop_request(void)
{
	char path[PATH_MAX + 128];
	const ae_node *act = find_action(parent.resolved, "ckpt", 6);
	ae_node *meta = patient_event("120", path, sizeof(path));
	const char *sd;
	outcome o;
	ae_error err;
	int fd;

	sd = stub_dir("transient\nok 9500\n");
	stop_after_start = 1;
	run_action(act, &parent, meta, sd, &o);
	stop_after_start = 0;
	CHECK_INT(o.status, AE_ACTION_RUNNING);
	CHECK_INT(stub_calls(sd), 1);
	CHECK(o.seconds < 5);
	json_decref(o.result);
	check_status(path, "retrying");
	fd = open(parent.prov, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(ae_cooldown_stop_open(fd, parent.prov, "drain ended", NULL, NULL,
	                            &err) >= 1);
	close(fd);
	check_status(path, "stopped");
	/* the requeued job's helper resumes it: the second line of the plan */
	run_action(act, &parent, meta, sd, &o);
	CHECK_INT(o.status, AE_ACTION_SUCCESS);
	CHECK_INT(stub_calls(sd), 2);
	CHECK_STR(json_string_value(json_object_get(o.result, "job_id")),
	          "9500");
	json_decref(o.result);
	ae_node_free(meta);
}

/* A drain that ends with submissions in flight marks them stopped; nothing
 * else is touched. */
static void test_stop_open(void)
{
	static const char *const left[][2] = {{"left_retrying", "retrying"},
	                                      {"left_preparing", "preparing"},
	                                      {"left_submitting", "submitting"},
	                                      {"left_done", "submitted"}};
	char path[PATH_MAX + 128];
	json_t *sub;
	ae_error err;
	int fd;

	for (size_t i = 0; i < 4; i++) {
		char text[256];

		snprintf(path, sizeof(path), "%s/cooldowns/%s", parent.prov,
		         left[i][0]);
		CHECK(mkdir(path, 0755) == 0);
		snprintf(path, sizeof(path), "%s/cooldowns/%s/submission.json",
		         parent.prov, left[i][0]);
		snprintf(text, sizeof(text),
		         "{\"status\": \"%s\", \"errors\": [\"x\"], "
		         "\"job_id\": null}\n",
		         left[i][1]);
		write_file(path, text);
	}
	fd = open(parent.prov, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT((int)ae_cooldown_stop_open(fd, parent.prov, "drain ended",
	                                     on_stopped, NULL, &err),
	          2);
	CHECK_INT(n_stopped, 2);
	/* done once: nothing left to mark */
	CHECK_INT((int)ae_cooldown_stop_open(fd, parent.prov, "again", NULL,
	                                     NULL, &err),
	          0);
	close(fd);
	snprintf(path, sizeof(path),
	         "%s/cooldowns/left_retrying/submission.json", parent.prov);
	sub = load_json(path);
	CHECK_STR(json_string_value(json_object_get(sub, "status")), "stopped");
	CHECK_INT(json_array_size(json_object_get(sub, "errors")), 2);
	CHECK_STR(json_string_value(
	              json_array_get(json_object_get(sub, "errors"), 1)),
	          "drain ended");
	json_decref(sub);
	snprintf(path, sizeof(path),
	         "%s/cooldowns/left_submitting/submission.json", parent.prov);
	sub = load_json(path);
	CHECK_STR(json_string_value(json_object_get(sub, "status")),
	          "submitting");
	CHECK_INT(json_array_size(json_object_get(sub, "errors")), 1);
	json_decref(sub);
	/* no cooldowns directory: nothing to do */
	fd = open(T, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT((int)ae_cooldown_stop_open(fd, T, "x", NULL, NULL, &err), 0);
	close(fd);
}

/* The real class is in the table before anyone registers it: sbatch's
 * plugin and `autoexp check` refuse what the helper would refuse. */
static void test_builtin_class(void)
{
	ae_node *n;
	ae_action *a;
	ae_error err;

	n = ae_yaml_load_string(
	    "{class_name: RunAutoexpAction, overrides: ['a={b']}", 51, "t.yaml",
	    NULL, &err);
	a = n ? ae_action_compile(n, 1, &err) : NULL;
	CHECK(a == NULL);
	CHECK(strstr(err.text, "unterminated") != NULL);
	ae_node_free(n);
	n = ae_yaml_load_string(
	    "{class_name: RunAutoexpAction, retry_seconds: soon}", 51, "t.yaml",
	    NULL, &err);
	a = n ? ae_action_compile(n, 1, &err) : NULL;
	CHECK(a == NULL);
	ae_node_free(n);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cwd[PATH_MAX];
	ae_error err;

	test_builtin_class();
	CHECK(ae_cooldown_register(&err) == 0);
	snprintf(T, sizeof(T), "%s/test_cooldown.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(T) || !realpath(T, cwd)) {
		perror("mkdtemp");
		return 1;
	}
	if (strlen(cwd) >= sizeof(T))
		return 1;
	memcpy(T, cwd, strlen(cwd) + 1);
	if (!realpath(AE_SBATCH_STUB, cwd) || strlen(cwd) >= sizeof(stub)) {
		fprintf(stderr, "no sbatch stub at %s\n", AE_SBATCH_STUB);
		return 1;
	}
	memcpy(stub, cwd, strlen(cwd) + 1);
	fixture();
	{
		char exp[PATH_MAX + 16];
		const char *dirs[1] = {conf};

		snprintf(exp, sizeof(exp), "%s/exp.yaml", conf);
		if (start_job(exp, dirs, 1, NULL, PARENT_TS, "100", &parent) <
		    0) {
			CHECK(!"the parent starts");
			TEST_MAIN_END();
		}
	}
	test_quote_escape();
	test_compile_errors();
	test_design_example();
	test_chain();
	test_escapes();
	test_config_value_escaped();
	test_invalid();
	test_metacharacters();
	test_retries();
	test_full_disk();
	test_shipped_preset();
	test_preset_keeps_monitoring();
	test_relative_checkpoint();
	test_resume();
	test_stop_open();
	test_stop_request();
	test_swapped_output_dir();
	ae_node_free(parent.resolved);
	if (!test_failures && !getenv("AE_TEST_KEEP"))
		test_rmtree(T);
	else
		fprintf(stderr, "kept %s\n", T);
	TEST_MAIN_END();
}
