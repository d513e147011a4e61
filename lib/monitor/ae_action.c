#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_action.h"
#include "ae_cooldown_spec.h"
#include "ae_fields.h"
#include "ae_restart_spec.h"

#define MAX_CLASSES    32
#define RUN_OUTPUT_MAX (64u * 1024u)

struct ae_action {
	/* a copy: registering a class again later never changes the class
	 * of an action compiled before (its data belongs to this one) */
	ae_action_class cls;
	void *data;
};

struct ae_action_exec {
	const ae_action *action;
	ae_action_status status;
	char *message;
	json_t *result;
	ae_child *child;
	double wake;  /* timer for cls.wake; INFINITY when none */
	int stopping; /* ae_action_exec_request_stop was called */
	void *state;  /* the class's, per execution */
	void (*state_free)(void *);
};

/* ---- LogAction ---- */

static const char *const log_fields[] = {"class_name", "message", NULL};

static int log_compile(const ae_node *cfg, int unresolved, void **data,
                       ae_error *err)
{
	const ae_node *m = ae_map_get(cfg, "message");

	(void)unresolved;
	if (!m || m->type == AE_NULL)
		*data = ae_template_parse("", err);
	else
		*data = ae_template_from_node(m, err);
	return *data ? 0 : -1;
}

static void log_free(void *data)
{
	ae_template_free(data);
}

static int log_start(const void *data, const ae_eval_env *env,
                     ae_action_exec *x, ae_error *err)
{
	char *msg = ae_template_render(data, env->tmpl, err);

	if (!msg)
		return -1;
	ae_action_exec_finish(x, AE_ACTION_SUCCESS, "%s", msg);
	free(msg);
	return 0;
}

/* ---- RunCommandAction ---- */

static const char *const run_fields[] = {"class_name", "command",         "cwd",
                                         "env",        "timeout_seconds", NULL};

typedef struct run_cfg {
	ae_template **argv;
	size_t argc;
	ae_template *cwd;
	char **env_keys;
	ae_template **env_vals;
	size_t nenv;
	double timeout;
} run_cfg;

static void run_free(void *data)
{
	run_cfg *r = data;

	if (!r)
		return;
	for (size_t i = 0; i < r->argc; i++)
		ae_template_free(r->argv[i]);
	free(r->argv);
	ae_template_free(r->cwd);
	for (size_t i = 0; i < r->nenv; i++) {
		free(r->env_keys[i]);
		ae_template_free(r->env_vals[i]);
	}
	free(r->env_keys);
	free(r->env_vals);
	free(r);
}

static int run_compile(const ae_node *cfg, int unresolved, void **data,
                       ae_error *err)
{
	run_cfg *r = calloc(1, sizeof(*r));
	const ae_node *cmd, *v;
	int rc = -1;

	if (!r)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	r->timeout = 3600;
	if (ae_fields_argv(cfg, "command", 1, &cmd, err) < 0 ||
	    ae_fields_seconds(cfg, "timeout_seconds", unresolved, &r->timeout,
	                      err) < 0)
		goto out;
	r->argv = calloc(ae_seq_size(cmd), sizeof(*r->argv));
	if (!r->argv)
		goto nomem;
	for (; r->argc < ae_seq_size(cmd); r->argc++)
		if (!(r->argv[r->argc] =
		          ae_template_from_node(ae_seq_get(cmd, r->argc), err)))
			goto out;
	if ((v = ae_map_get(cfg, "cwd")) && v->type != AE_NULL &&
	    !(r->cwd = ae_template_from_node(v, err)))
		goto out;
	if ((v = ae_map_get(cfg, "env")) && v->type != AE_NULL) {
		if (v->type != AE_MAP) {
			ae_node_error(
			    err, v,
			    "'env' must be a mapping of names to values");
			goto out;
		}
		r->env_keys = calloc(ae_map_size(v) + 1, sizeof(*r->env_keys));
		r->env_vals = calloc(ae_map_size(v) + 1, sizeof(*r->env_vals));
		if (!r->env_keys || !r->env_vals)
			goto nomem;
		for (; r->nenv < ae_map_size(v); r->nenv++) {
			const char *k = ae_map_key(v, r->nenv);

			if (!*k || strchr(k, '=')) {
				ae_node_error(
				    err, ae_map_value(v, r->nenv),
				    "bad environment variable name '%s'", k);
				goto out;
			}
			r->env_keys[r->nenv] = strdup(k);
			if (!r->env_keys[r->nenv])
				goto nomem;
			r->env_vals[r->nenv] = ae_template_from_node(
			    ae_map_value(v, r->nenv), err);
			if (!r->env_vals[r->nenv]) {
				free(r->env_keys[r->nenv]);
				goto out;
			}
		}
	}
	*data = r;
	r = NULL;
	rc = 0;
	goto out;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	run_free(r);
	return rc;
}

/* The base environment with the action's variables set over it. */
static char **build_env(const run_cfg *r, const ae_eval_env *env, ae_error *err)
{
	size_t nbase = 0, n = 0;
	char **out;

	while (env->envp && env->envp[nbase])
		nbase++;
	out = calloc(nbase + r->nenv + 1, sizeof(*out));
	if (!out)
		goto nomem;
	for (size_t i = 0; i < nbase; i++) {
		size_t kl = strcspn(env->envp[i], "=");
		size_t k;

		for (k = 0; k < r->nenv; k++)
			if (strlen(r->env_keys[k]) == kl &&
			    !strncmp(r->env_keys[k], env->envp[i], kl))
				break;
		if (k < r->nenv)
			continue;
		if (!(out[n++] = strdup(env->envp[i])))
			goto nomem;
	}
	for (size_t k = 0; k < r->nenv; k++) {
		char *v = ae_template_render(r->env_vals[k], env->tmpl, err);

		if (!v)
			goto fail;
		if (asprintf(&out[n], "%s=%s", r->env_keys[k], v) < 0) {
			out[n] = NULL;
			free(v);
			goto nomem;
		}
		n++;
		free(v);
	}
	return out;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
fail:
	ae_template_argv_free(out);
	return NULL;
}

static json_t *argv_json(char *const *argv)
{
	json_t *a = json_array();

	for (size_t i = 0; a && argv[i]; i++) {
		char *s = ae_fields_utf8_dup(argv[i], strlen(argv[i]));

		json_array_append_new(a, json_string(s ? s : ""));
		free(s);
	}
	return a;
}

static int run_start(const void *data, const ae_eval_env *env,
                     ae_action_exec *x, ae_error *err)
{
	const run_cfg *r = data;
	char **argv = NULL, **envp = NULL, *cwd = NULL;
	ae_spawn_opts o = {0};
	ae_child *child;
	int rc = -1;

	argv = ae_template_render_argv(r->argv, r->argc, env->tmpl, err);
	if (!argv)
		goto out;
	ae_action_exec_set(x, "argv", argv_json(argv));
	if (r->cwd && !(cwd = ae_template_render(r->cwd, env->tmpl, err)))
		goto out;
	if (!(envp = build_env(r, env, err)))
		goto out;
	o.argv = (const char *const *)argv;
	o.envp = (const char *const *)envp;
	o.cwd = cwd ? cwd : env->cwd;
	o.timeout = r->timeout;
	o.max_output = RUN_OUTPUT_MAX;
	if (o.cwd)
		ae_action_exec_set(x, "cwd", json_string(o.cwd));
	child = ae_spawn_start(&o, env->now, err);
	if (!child)
		goto out;
	ae_action_exec_set(x, "pid", json_integer(ae_child_pid(child)));
	ae_action_exec_attach_child(x, child);
	rc = 0;
out:
	ae_template_argv_free(argv);
	ae_template_argv_free(envp);
	free(cwd);
	return rc;
}

static ae_action_class classes[MAX_CLASSES] = {
    /* not resumable: a command or message has no record of its own that
     * would keep a second start from doing it twice */
    {"LogAction", log_fields, log_compile, log_free, log_start, NULL, NULL, 0},
    {"LogMessageAction", log_fields, log_compile, log_free, log_start, NULL,
     NULL, 0},
    {"RunCommandAction", run_fields, run_compile, run_free, run_start, NULL,
     NULL, 0},
    /* these two check as the runnable classes do, so that sbatch's plugin
     * and `autoexp check` refuse what the helper would; the helper
     * replaces them (ae_restart_register, ae_cooldown_register) before it
     * compiles its rules */
    {AE_RESTART_CLASS, ae_restart_spec_fields, ae_restart_spec_compile,
     ae_restart_spec_free, ae_restart_spec_start, NULL, NULL, 0},
    {AE_COOLDOWN_CLASS, ae_cooldown_spec_fields, ae_cooldown_spec_compile,
     ae_cooldown_spec_free, ae_cooldown_spec_start, NULL, NULL, 0},
};

int ae_action_register(const ae_action_class *cls)
{
	for (size_t i = 0; i < MAX_CLASSES; i++) {
		if (!classes[i].name || !strcmp(classes[i].name, cls->name)) {
			classes[i] = *cls;
			return 0;
		}
	}
	return -1;
}

const ae_action_class *ae_action_find(const char *name)
{
	for (size_t i = 0; i < MAX_CLASSES && classes[i].name; i++)
		if (!strcmp(classes[i].name, name))
			return &classes[i];
	return NULL;
}

ae_action *ae_action_compile(const ae_node *cfg, int unresolved, ae_error *err)
{
	const ae_action_class *cls;
	const char *name;
	ae_action *a;
	char known[400];
	size_t used = 0;

	if (!cfg || cfg->type != AE_MAP) {
		ae_node_error(err, cfg,
		              "an action must be a mapping with a class_name");
		return NULL;
	}
	if (ae_fields_string(cfg, "class_name", 1, &name, err) < 0)
		return NULL;
	cls = ae_action_find(name);
	if (!cls) {
		known[0] = '\0';
		for (size_t i = 0;
		     i < MAX_CLASSES && classes[i].name && used < sizeof(known);
		     i++)
			used +=
			    (size_t)snprintf(known + used, sizeof(known) - used,
			                     "%s, ", classes[i].name);
		ae_node_error(
		    err, ae_map_get(cfg, "class_name"),
		    "unknown action class_name '%s' (known: %sEventAction)",
		    name, known);
		return NULL;
	}
	if (ae_fields_check(cfg, name, cls->fields, err) < 0)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	a->cls = *cls;
	if (cls->compile(cfg, unresolved, &a->data, err) < 0) {
		free(a);
		return NULL;
	}
	return a;
}

void ae_action_free(ae_action *a)
{
	if (!a)
		return;
	if (a->cls.free)
		a->cls.free(a->data);
	free(a);
}

const char *ae_action_class_name(const ae_action *a)
{
	return a->cls.name;
}

int ae_action_resumable(const ae_action *a)
{
	return a->cls.resumable ? 1 : 0;
}

/* ---- executions ---- */

void ae_action_exec_set(ae_action_exec *x, const char *key, json_t *value)
{
	if (value)
		json_object_set_new(x->result, key, value);
}

void ae_action_exec_finish(ae_action_exec *x, ae_action_status status,
                           const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL, *clean;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	clean = msg ? ae_fields_utf8_dup(msg, strlen(msg)) : NULL;
	free(msg);
	free(x->message);
	x->message = clean;
	x->status = status;
	ae_action_exec_set(
	    x, "status",
	    json_string(status == AE_ACTION_SUCCESS ? "success" : "failed"));
	ae_action_exec_set(x, "message", json_string(clean ? clean : ""));
}

void ae_action_exec_attach_child(ae_action_exec *x, ae_child *child)
{
	ae_child_free(x->child);
	x->child = child;
}

ae_child *ae_action_exec_child(const ae_action_exec *x)
{
	return x->child;
}

void ae_action_exec_wake_at(ae_action_exec *x, double when)
{
	x->wake = when;
}

void ae_action_exec_request_stop(ae_action_exec *x)
{
	if (x)
		x->stopping = 1;
}

int ae_action_exec_stopping(const ae_action_exec *x)
{
	return x && x->stopping;
}

void ae_action_exec_set_state(ae_action_exec *x, void *state,
                              void (*free_fn)(void *))
{
	if (x->state_free && x->state != state)
		x->state_free(x->state);
	x->state = state;
	x->state_free = free_fn;
}

void *ae_action_exec_state(const ae_action_exec *x)
{
	return x->state;
}

static json_t *stream_json(const char *s, size_t len)
{
	char *clean = ae_fields_utf8_dup(s, len);
	json_t *j = json_string(clean ? clean : "");

	free(clean);
	return j;
}

void ae_action_exec_child_result(ae_action_exec *x, const char *what)
{
	ae_child *c = x->child;
	size_t olen, elen;
	int otr, etr;
	const char *out = ae_child_stdout(c, &olen, &otr);
	const char *errs = ae_child_stderr(c, &elen, &etr);
	int code = ae_child_exit_code(c);

	ae_action_exec_set(x, "exit_code",
	                   code >= 0 ? json_integer(code) : json_null());
	ae_action_exec_set(x, "signal", json_integer(ae_child_signal(c)));
	ae_action_exec_set(x, "timed_out", json_boolean(ae_child_timed_out(c)));
	ae_action_exec_set(x, "stdout", stream_json(out, olen));
	ae_action_exec_set(x, "stderr", stream_json(errs, elen));
	ae_action_exec_set(x, "output_truncated", json_boolean(otr || etr));
	if (code == 0)
		ae_action_exec_finish(x, AE_ACTION_SUCCESS, "%s exited 0",
		                      what);
	else if (ae_child_timed_out(c))
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s timed out",
		                      what);
	else if (ae_child_signal(c))
		ae_action_exec_finish(x, AE_ACTION_FAILED,
		                      "%s killed by signal %d", what,
		                      ae_child_signal(c));
	else
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s exited %d", what,
		                      code);
}

ae_action_exec *ae_action_start(const ae_action *a, const ae_eval_env *env)
{
	ae_action_exec *x = calloc(1, sizeof(*x));
	ae_error err;

	if (!x)
		return NULL;
	x->action = a;
	x->status = AE_ACTION_RUNNING;
	x->wake = INFINITY;
	x->result = json_object();
	if (!x->result) {
		free(x);
		return NULL;
	}
	ae_action_exec_set(x, "class_name", json_string(a->cls.name));
	ae_error_clear(&err);
	if (a->cls.start(a->data, env, x, &err) < 0) {
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s: %s",
		                      a->cls.name, err.text);
		ae_child_free(x->child);
		x->child = NULL;
	} else if (x->status == AE_ACTION_RUNNING && !x->child &&
	           isinf(x->wake)) {
		ae_action_exec_finish(x, AE_ACTION_FAILED,
		                      "%s: started nothing", a->cls.name);
	} else if (x->status == AE_ACTION_RUNNING) {
		ae_action_poll(x, env->now);
	}
	return x;
}

/* A running execution must have a child or a timer, or it never ends;
 * one asked to stop may instead wait idle to be freed. */
static void check_progress(ae_action_exec *x)
{
	if (x->status == AE_ACTION_RUNNING && !x->child && isinf(x->wake) &&
	    !x->stopping)
		ae_action_exec_finish(x, AE_ACTION_FAILED, "no result");
}

ae_action_status ae_action_poll(ae_action_exec *x, double now)
{
	ae_child *done;

	if (x->status != AE_ACTION_RUNNING)
		return x->status;
	if (!x->child) {
		if (isinf(x->wake) || now < x->wake)
			return x->status;
		x->wake = INFINITY;
		if (x->action->cls.wake)
			x->action->cls.wake(x->action->data, x, now);
		check_progress(x);
		if (x->status != AE_ACTION_RUNNING || !x->child)
			return x->status;
	}
	if (!ae_child_poll(x->child, now))
		return AE_ACTION_RUNNING;
	done = x->child;
	if (x->action->cls.child_done)
		x->action->cls.child_done(x->action->data, x);
	else
		ae_action_exec_child_result(x, "command");
	/* child_done may have attached the next child (which freed this one) */
	if (x->child == done) {
		ae_child_free(x->child);
		x->child = NULL;
	}
	check_progress(x);
	return x->status;
}

ae_action_status ae_action_exec_status(const ae_action_exec *x)
{
	return x->status;
}

const char *ae_action_exec_message(const ae_action_exec *x)
{
	return x->message ? x->message : "";
}

json_t *ae_action_exec_result(const ae_action_exec *x)
{
	return x->result;
}

int ae_action_exec_fds(const ae_action_exec *x, int *fds, int max)
{
	return x->child ? ae_child_fds(x->child, fds, max) : 0;
}

double ae_action_exec_next_time(const ae_action_exec *x, double now)
{
	if (x->status != AE_ACTION_RUNNING)
		return INFINITY;
	return x->child ? ae_child_next_time(x->child, now) : x->wake;
}

void ae_action_exec_free(ae_action_exec *x)
{
	if (!x)
		return;
	ae_child_free(x->child);
	if (x->state_free)
		x->state_free(x->state);
	json_decref(x->result);
	free(x->message);
	free(x);
}

/* ---- bindings ---- */

static const char *const event_fields[] = {"class_name", "mode", "conditions",
                                           "action", NULL};

void ae_binding_free(ae_binding *b)
{
	if (!b)
		return;
	ae_condition_free(b->conditions);
	ae_action_free(b->action);
	free(b);
}

ae_binding *ae_binding_compile(const ae_node *cfg, int unresolved,
                               ae_error *err)
{
	ae_binding *b = calloc(1, sizeof(*b));
	const ae_node *act, *conds;
	const char *cls, *mode;

	if (!b) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	if (!cfg || cfg->type != AE_MAP) {
		ae_node_error(err, cfg,
		              "an action must be a mapping with a class_name");
		goto fail;
	}
	if (ae_fields_string(cfg, "class_name", 1, &cls, err) < 0)
		goto fail;
	if (strcmp(cls, "EventAction")) {
		b->action = ae_action_compile(cfg, unresolved, err);
		if (!b->action)
			goto fail;
		return b;
	}
	if (ae_fields_check(cfg, cls, event_fields, err) < 0 ||
	    ae_fields_string(cfg, "mode", 0, &mode, err) < 0)
		goto fail;
	if (mode && !strcmp(mode, "queue")) {
		b->mode = AE_MODE_QUEUE;
	} else if (mode && strcmp(mode, "inline")) {
		ae_node_error(err, ae_map_get(cfg, "mode"),
		              "mode must be 'inline' or 'queue', not '%s'",
		              mode);
		goto fail;
	}
	conds = ae_map_get(cfg, "conditions");
	if (conds && conds->type != AE_NULL &&
	    !(conds->type == AE_SEQ && ae_seq_size(conds) == 0)) {
		b->conditions =
		    ae_condition_compile_list(conds, unresolved, err);
		if (!b->conditions)
			goto fail;
	}
	act = ae_map_get(cfg, "action");
	if (!act || act->type == AE_NULL) {
		ae_node_error(err, cfg, "EventAction needs an 'action'");
		goto fail;
	}
	if (act->type == AE_MAP && ae_map_get(act, "class_name") &&
	    ae_map_get(act, "class_name")->type == AE_STRING &&
	    !strcmp(ae_map_get(act, "class_name")->u.str.s, "EventAction")) {
		ae_node_error(err, act,
		              "an EventAction cannot wrap another EventAction");
		goto fail;
	}
	b->action = ae_action_compile(act, unresolved, err);
	if (!b->action)
		goto fail;
	return b;
fail:
	ae_binding_free(b);
	return NULL;
}
