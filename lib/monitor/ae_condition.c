#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#define PCRE2_CODE_UNIT_WIDTH 8

#include <glob.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ae_condition.h"
#include "ae_fields.h"
#include "ae_spawn.h"
#include "ae_strbuf.h"

#define MIN_POLL 0.1
/* Bounds a MetadataCondition regex on a hostile value. */
#define META_MATCH_LIMIT 1000000

typedef enum kind {
	K_METADATA,
	K_FILE,
	K_GLOB,
	K_MAX_ATTEMPTS,
	K_COMMAND,
	K_ALL,
	K_ANY,
	K_TRUE,
} kind;

struct ae_condition {
	kind kind;
	const char *class_name; /* static */
	/* Metadata */
	char *key;
	char *equals, *not_equals; /* str() forms, NULL when absent */
	char **in;                 /* NULL-ended, NULL when absent */
	pcre2_code *regex;
	/* File/glob/command */
	ae_template *path;
	long long min_matches;
	int blocking;
	double timeout, poll;
	ae_template **argv;
	size_t argc;
	ae_template *cwd;
	/* MaxAttempts */
	long long max_attempts;
	/* Composite */
	ae_condition **kids;
	size_t nkids;
};

typedef enum done_t { D_NONE = 0, D_PASS, D_FAIL } done_t;

struct ae_cond_state {
	done_t done;
	char *why;       /* the failure, kept with D_FAIL */
	double started;  /* first evaluation, -1 before */
	ae_child *child; /* running command */
	ae_cond_state **kids;
	size_t nkids;
};

static const char *const metadata_fields[] = {
    "class_name", "key", "equals", "not_equals", "in", "regex", NULL};
static const char *const file_fields[] = {"class_name",
                                          "path",
                                          "blocking",
                                          "timeout_seconds",
                                          "poll_interval_seconds",
                                          NULL};
static const char *const glob_fields[] = {"class_name",
                                          "pattern",
                                          "path",
                                          "min_matches",
                                          "blocking",
                                          "timeout_seconds",
                                          "poll_interval_seconds",
                                          NULL};
static const char *const max_attempts_fields[] = {"class_name", "max_attempts",
                                                  NULL};
static const char *const command_fields[] = {"class_name", "command", "cwd",
                                             "timeout_seconds", NULL};
static const char *const composite_fields[] = {"class_name", "mode",
                                               "conditions", NULL};
static const char *const true_fields[] = {"class_name", "message", NULL};

void ae_condition_free(ae_condition *c)
{
	if (!c)
		return;
	free(c->key);
	free(c->equals);
	free(c->not_equals);
	for (size_t i = 0; c->in && c->in[i]; i++)
		free(c->in[i]);
	free(c->in);
	pcre2_code_free(c->regex);
	ae_template_free(c->path);
	for (size_t i = 0; i < c->argc; i++)
		ae_template_free(c->argv[i]);
	free(c->argv);
	ae_template_free(c->cwd);
	for (size_t i = 0; i < c->nkids; i++)
		ae_condition_free(c->kids[i]);
	free(c->kids);
	free(c);
}

const char *ae_condition_class(const ae_condition *c)
{
	return c->class_name;
}

/* str() form of a scalar for comparison. */
static int str_form(const ae_node *v, char **out, ae_error *err)
{
	if (v->type == AE_MAP || v->type == AE_SEQ)
		return ae_node_error(err, v, "expected a scalar, not %s",
		                     ae_type_name(v->type));
	*out = ae_template_str(v);
	return *out ? 0 : ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
}

static int compile_metadata(ae_condition *c, const ae_node *cfg, ae_error *err)
{
	const char *key, *rx;
	const ae_node *v;

	if (ae_fields_string(cfg, "key", 1, &key, err) < 0)
		return -1;
	if (!(c->key = strdup(key)))
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	if ((v = ae_map_get(cfg, "equals")) && v->type != AE_NULL &&
	    str_form(v, &c->equals, err) < 0)
		return -1;
	if ((v = ae_map_get(cfg, "not_equals")) && v->type != AE_NULL &&
	    str_form(v, &c->not_equals, err) < 0)
		return -1;
	if ((v = ae_map_get(cfg, "in")) && v->type != AE_NULL) {
		if (v->type != AE_SEQ)
			return ae_node_error(err, v, "'in' must be a list");
		c->in = calloc(ae_seq_size(v) + 1, sizeof(*c->in));
		if (!c->in)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
		for (size_t i = 0; i < ae_seq_size(v); i++)
			if (str_form(ae_seq_get(v, i), &c->in[i], err) < 0)
				return -1;
	}
	if (ae_fields_string(cfg, "regex", 0, &rx, err) < 0)
		return -1;
	if (rx) {
		int code;
		PCRE2_SIZE off;

		c->regex = pcre2_compile((PCRE2_SPTR)rx, PCRE2_ZERO_TERMINATED,
		                         PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		                         &code, &off, NULL);
		if (!c->regex) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(code, msg, sizeof(msg));
			return ae_node_error(err, ae_map_get(cfg, "regex"),
			                     "bad regex at offset %zu: %s",
			                     (size_t)off, (char *)msg);
		}
	}
	return 0;
}

static int compile_template(const ae_node *cfg, const char *key, int required,
                            ae_template **out, ae_error *err)
{
	const ae_node *v = ae_map_get(cfg, key);

	if (!v || v->type == AE_NULL) {
		if (required)
			return ae_node_error(
			    err, cfg, "missing required field '%s'", key);
		return 0;
	}
	if (v->type != AE_STRING)
		return ae_node_error(err, v, "'%s' must be a string", key);
	*out = ae_template_from_node(v, err);
	return *out ? 0 : -1;
}

static int compile_wait(ae_condition *c, const ae_node *cfg, int unresolved,
                        ae_error *err)
{
	c->timeout = 600;
	c->poll = 5;
	if (ae_fields_bool(cfg, "blocking", unresolved, &c->blocking, err) <
	        0 ||
	    ae_fields_seconds(cfg, "timeout_seconds", unresolved, &c->timeout,
	                      err) < 0 ||
	    ae_fields_seconds(cfg, "poll_interval_seconds", unresolved,
	                      &c->poll, err) < 0)
		return -1;
	if (c->poll < MIN_POLL)
		c->poll = MIN_POLL;
	return 0;
}

static int compile_argv(const ae_node *cfg, ae_template ***argv, size_t *argc,
                        ae_error *err)
{
	const ae_node *cmd;

	if (ae_fields_argv(cfg, "command", 1, &cmd, err) < 0)
		return -1;
	*argc = ae_seq_size(cmd);
	*argv = calloc(*argc, sizeof(**argv));
	if (!*argv)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	for (size_t i = 0; i < *argc; i++)
		if (!((*argv)[i] =
		          ae_template_from_node(ae_seq_get(cmd, i), err)))
			return -1;
	return 0;
}

static int compile_kids(ae_condition *c, const ae_node *seq, int unresolved,
                        ae_error *err)
{
	if (!seq || seq->type != AE_SEQ)
		return ae_node_error(err, seq, "conditions must be a list");
	c->kids = calloc(ae_seq_size(seq) + 1, sizeof(*c->kids));
	if (!c->kids)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	for (size_t i = 0; i < ae_seq_size(seq); i++) {
		c->kids[i] =
		    ae_condition_compile(ae_seq_get(seq, i), unresolved, err);
		if (!c->kids[i])
			return -1;
		c->nkids++;
	}
	return 0;
}

ae_condition *ae_condition_compile(const ae_node *cfg, int unresolved,
                                   ae_error *err)
{
	ae_condition *c = calloc(1, sizeof(*c));
	const char *cls;
	int rc = -1;

	if (!c) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	if (!cfg || cfg->type != AE_MAP) {
		ae_node_error(
		    err, cfg,
		    "a condition must be a mapping with a class_name");
		goto out;
	}
	if (ae_fields_string(cfg, "class_name", 1, &cls, err) < 0)
		goto out;
	if (!strcmp(cls, "MetadataCondition")) {
		c->kind = K_METADATA;
		c->class_name = "MetadataCondition";
		rc = ae_fields_check(cfg, cls, metadata_fields, err);
		rc = rc ? rc : compile_metadata(c, cfg, err);
	} else if (!strcmp(cls, "FileExistsCondition")) {
		c->kind = K_FILE;
		c->class_name = "FileExistsCondition";
		rc = ae_fields_check(cfg, cls, file_fields, err);
		rc = rc ? rc : compile_template(cfg, "path", 1, &c->path, err);
		rc = rc ? rc : compile_wait(c, cfg, unresolved, err);
	} else if (!strcmp(cls, "GlobExistsCondition")) {
		c->kind = K_GLOB;
		c->class_name = "GlobExistsCondition";
		c->min_matches = 1;
		rc = ae_fields_check(cfg, cls, glob_fields, err);
		if (!rc && ae_map_get(cfg, "pattern") &&
		    ae_map_get(cfg, "path"))
			rc = ae_node_error(
			    err, cfg, "give 'pattern' or 'path', not both");
		rc = rc ? rc
		        : compile_template(
		              cfg, ae_map_get(cfg, "path") ? "path" : "pattern",
		              1, &c->path, err);
		rc = rc ? rc
		        : ae_fields_int(cfg, "min_matches", unresolved,
		                        &c->min_matches, err);
		rc = rc ? rc : compile_wait(c, cfg, unresolved, err);
	} else if (!strcmp(cls, "MaxAttemptsCondition")) {
		const ae_node *v = ae_map_get(cfg, "max_attempts");

		c->kind = K_MAX_ATTEMPTS;
		c->class_name = "MaxAttemptsCondition";
		c->max_attempts = -1;
		rc = ae_fields_check(cfg, cls, max_attempts_fields, err);
		rc = rc ? rc
		        : ae_fields_int(cfg, "max_attempts", unresolved,
		                        &c->max_attempts, err);
		if (!rc && !v)
			rc = ae_node_error(
			    err, cfg, "missing required field 'max_attempts'");
		if (!rc && c->max_attempts != -1 && c->max_attempts < 2)
			rc = ae_node_error(
			    err, v,
			    "max_attempts: %lld can never pass: the first "
			    "run is attempt 1 and the condition passes "
			    "while attempt < max_attempts",
			    c->max_attempts);
	} else if (!strcmp(cls, "CommandCondition")) {
		c->kind = K_COMMAND;
		c->class_name = "CommandCondition";
		c->timeout = 60;
		rc = ae_fields_check(cfg, cls, command_fields, err);
		rc = rc ? rc : compile_argv(cfg, &c->argv, &c->argc, err);
		rc = rc ? rc : compile_template(cfg, "cwd", 0, &c->cwd, err);
		rc = rc ? rc
		        : ae_fields_seconds(cfg, "timeout_seconds", unresolved,
		                            &c->timeout, err);
	} else if (!strcmp(cls, "CompositeCondition")) {
		const char *mode;

		c->class_name = "CompositeCondition";
		rc = ae_fields_check(cfg, cls, composite_fields, err);
		rc = rc ? rc : ae_fields_string(cfg, "mode", 0, &mode, err);
		if (!rc) {
			c->kind = K_ALL;
			if (mode && !strcmp(mode, "any"))
				c->kind = K_ANY;
			else if (mode && strcmp(mode, "all"))
				rc = ae_node_error(
				    err, ae_map_get(cfg, "mode"),
				    "mode must be 'all' or 'any', not '%s'",
				    mode);
		}
		if (!rc && !ae_map_get(cfg, "conditions"))
			rc = ae_node_error(
			    err, cfg, "missing required field 'conditions'");
		rc = rc ? rc
		        : compile_kids(c, ae_map_get(cfg, "conditions"),
		                       unresolved, err);
	} else if (!strcmp(cls, "AlwaysTrueCondition")) {
		c->kind = K_TRUE;
		c->class_name = "AlwaysTrueCondition";
		rc = ae_fields_check(cfg, cls, true_fields, err);
	} else {
		ae_node_error(err, ae_map_get(cfg, "class_name"),
		              "unknown condition class_name '%s' (known: "
		              "MetadataCondition, FileExistsCondition, "
		              "GlobExistsCondition, MaxAttemptsCondition, "
		              "CommandCondition, CompositeCondition, "
		              "AlwaysTrueCondition)",
		              cls);
	}
out:
	if (rc < 0) {
		ae_condition_free(c);
		return NULL;
	}
	return c;
}

ae_condition *ae_condition_compile_list(const ae_node *seq, int unresolved,
                                        ae_error *err)
{
	ae_condition *c = calloc(1, sizeof(*c));

	if (!c) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	c->kind = K_ALL;
	c->class_name = "conditions";
	if (compile_kids(c, seq, unresolved, err) < 0) {
		ae_condition_free(c);
		return NULL;
	}
	return c;
}

ae_cond_state *ae_cond_state_new(const ae_condition *c)
{
	ae_cond_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->started = -1;
	if (c->nkids) {
		st->kids = calloc(c->nkids, sizeof(*st->kids));
		if (!st->kids)
			goto fail;
		st->nkids = c->nkids;
		for (size_t i = 0; i < c->nkids; i++)
			if (!(st->kids[i] = ae_cond_state_new(c->kids[i])))
				goto fail;
	}
	return st;
fail:
	ae_cond_state_free(st);
	return NULL;
}

void ae_cond_state_free(ae_cond_state *st)
{
	if (!st)
		return;
	ae_child_free(st->child);
	for (size_t i = 0; i < st->nkids; i++)
		ae_cond_state_free(st->kids[i]);
	free(st->kids);
	free(st->why);
	free(st);
}

json_t *ae_cond_state_save(const ae_cond_state *st)
{
	json_t *o = json_object(), *kids = json_array();

	if (!o || !kids)
		goto fail;
	if (json_object_set_new(o, "done",
	                        st->done == D_PASS   ? json_string("pass")
	                        : st->done == D_FAIL ? json_string("fail")
	                                             : json_null()) ||
	    (st->why && json_object_set_new(o, "why", json_string(st->why))) ||
	    json_object_set_new(o, "started",
	                        st->started >= 0 ? json_real(st->started)
	                                         : json_null()))
		goto fail;
	for (size_t i = 0; i < st->nkids; i++)
		if (json_array_append_new(kids,
		                          ae_cond_state_save(st->kids[i])))
			goto fail;
	if (json_object_set_new(o, "children", kids))
		goto fail_o;
	return o;
fail:
	json_decref(kids);
fail_o:
	json_decref(o);
	return NULL;
}

ae_cond_state *ae_cond_state_load(const ae_condition *c, const json_t *j,
                                  ae_error *err)
{
	ae_cond_state *st = ae_cond_state_new(c);
	const json_t *done, *why, *started, *kids;

	if (!st) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		return NULL;
	}
	if (!json_is_object(j))
		goto bad;
	done = json_object_get(j, "done");
	why = json_object_get(j, "why");
	started = json_object_get(j, "started");
	kids = json_object_get(j, "children");
	if (json_is_string(done))
		st->done =
		    !strcmp(json_string_value(done), "pass") ? D_PASS : D_FAIL;
	if (json_is_string(why) && !(st->why = strdup(json_string_value(why))))
		goto bad;
	if (json_is_number(started))
		st->started = json_number_value(started);
	if (json_array_size(kids) != st->nkids)
		goto bad;
	for (size_t i = 0; i < st->nkids; i++) {
		ae_cond_state_free(st->kids[i]);
		st->kids[i] = ae_cond_state_load(c->kids[i],
		                                 json_array_get(kids, i), err);
		if (!st->kids[i])
			goto fail;
	}
	return st;
bad:
	ae_error_set(err, NULL, 0, 0, NULL,
	             "saved condition state does not fit the condition %s",
	             c->class_name);
fail:
	ae_cond_state_free(st);
	return NULL;
}

int ae_cond_state_fds(const ae_cond_state *st, int *fds, int max)
{
	int n = 0;

	if (st->child)
		n = ae_child_fds(st->child, fds, max);
	for (size_t i = 0; i < st->nkids && n < max; i++)
		n += ae_cond_state_fds(st->kids[i], fds + n, max - n);
	return n;
}

/* Render a path template and expand a leading ~. */
/* The path, or for a glob the pattern: there the values (from the log, the
 * config, the job) have glob's metacharacters escaped, so that a '*' in a
 * captured path neither widens the match nor walks the filesystem. */
static char *render_path(const ae_template *tpl, int glob,
                         const ae_eval_env *env, ae_error *why)
{
	char *p = glob ? ae_template_render_glob(tpl, env->tmpl, why)
	               : ae_template_render(tpl, env->tmpl, why);
	ae_strbuf x = {0};

	if (!p || p[0] != '~' || (p[1] && p[1] != '/') || !env->home)
		return p;
	for (const char *h = env->home; *h; h++) {
		if (glob && strchr("*?[]\\", *h))
			ae_strbuf_add(&x, "\\", 1);
		ae_strbuf_add(&x, h, 1);
	}
	ae_strbuf_puts(&x, p + 1);
	free(p);
	p = ae_strbuf_take(&x);
	if (!p)
		ae_error_set(why, NULL, 0, 0, NULL, "out of memory");
	return p;
}

static int same_any(const char *v, char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(v, list[i]))
			return 1;
	return 0;
}

static ae_cond_result eval_metadata(const ae_condition *c,
                                    const ae_eval_env *env, ae_error *why)
{
	const ae_node *v = ae_template_lookup(env->tmpl, c->key);
	ae_cond_result r = AE_COND_FAIL;
	char *s;

	if (!v || v->type == AE_NULL) {
		ae_error_set(why, NULL, 0, 0, NULL,
		             "metadata key '%s' is not set", c->key);
		return AE_COND_FAIL;
	}
	if (!(s = ae_template_str(v))) {
		ae_error_set(why, NULL, 0, 0, NULL, "out of memory");
		return AE_COND_FAIL;
	}
	if (c->equals && strcmp(s, c->equals)) {
		ae_error_set(why, NULL, 0, 0, NULL, "%s is '%s', not '%s'",
		             c->key, s, c->equals);
	} else if (c->not_equals && !strcmp(s, c->not_equals)) {
		ae_error_set(why, NULL, 0, 0, NULL, "%s is '%s'", c->key, s);
	} else if (c->in && !same_any(s, c->in)) {
		ae_error_set(why, NULL, 0, 0, NULL,
		             "%s is '%s', not one of the list", c->key, s);
	} else if (c->regex) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		pcre2_match_context *mc = pcre2_match_context_create(NULL);
		int m = -1;

		if (md && mc) {
			pcre2_set_match_limit(mc, META_MATCH_LIMIT);
			m = pcre2_match(c->regex, (PCRE2_SPTR)s, strlen(s), 0,
			                0, md, mc);
		}
		if (m >= 0)
			r = AE_COND_PASS;
		else
			ae_error_set(
			    why, NULL, 0, 0, NULL,
			    "%s is '%s', which does not match the regex%s",
			    c->key, s,
			    m == PCRE2_ERROR_NOMATCH ? "" : " (match error)");
		pcre2_match_data_free(md);
		pcre2_match_context_free(mc);
	} else {
		r = AE_COND_PASS;
	}
	free(s);
	return r;
}

static int path_check(const ae_condition *c, const char *path)
{
	struct stat st;
	glob_t g;
	int n;

	if (c->kind == K_FILE)
		return stat(path, &st) == 0;
	if (glob(path, GLOB_NOSORT, NULL, &g) != 0)
		return 0;
	n = (long long)g.gl_pathc >= c->min_matches;
	globfree(&g);
	return n;
}

static ae_cond_result eval_wait(const ae_condition *c, ae_cond_state *st,
                                const ae_eval_env *env, double *next,
                                ae_error *why)
{
	char *path = render_path(c->path, c->kind == K_GLOB, env, why);
	ae_cond_result r;

	if (!path)
		return AE_COND_FAIL;
	if (path_check(c, path)) {
		r = AE_COND_PASS;
	} else if (!c->blocking) {
		ae_error_set(why, NULL, 0, 0, NULL, "%s '%s' %s",
		             c->kind == K_FILE ? "path" : "pattern", path,
		             c->kind == K_FILE ? "does not exist"
		                               : "has too few matches");
		r = AE_COND_FAIL;
	} else if (c->timeout > 0 && env->now - st->started >= c->timeout) {
		ae_error_set(why, NULL, 0, 0, NULL,
		             "timeout after %gs waiting for '%s'", c->timeout,
		             path);
		r = AE_COND_FAIL;
	} else {
		*next = env->now + c->poll;
		if (c->timeout > 0 && st->started + c->timeout < *next)
			*next = st->started + c->timeout;
		r = AE_COND_WAITING;
	}
	free(path);
	return r;
}

static ae_cond_result eval_command(const ae_condition *c, ae_cond_state *st,
                                   const ae_eval_env *env, double *next,
                                   ae_error *why)
{
	ae_cond_result r = AE_COND_FAIL;

	if (!st->child) {
		char **argv =
		    ae_template_render_argv(c->argv, c->argc, env->tmpl, why);
		char *cwd = NULL;
		ae_spawn_opts o = {0};

		if (!argv)
			return AE_COND_FAIL;
		if (c->cwd && !(cwd = render_path(c->cwd, 0, env, why))) {
			ae_template_argv_free(argv);
			return AE_COND_FAIL;
		}
		o.argv = (const char *const *)argv;
		o.envp = env->envp;
		o.cwd = cwd ? cwd : env->cwd;
		o.timeout = c->timeout;
		o.max_output = 4096;
		st->child = ae_spawn_start(&o, env->now, why);
		ae_template_argv_free(argv);
		free(cwd);
		if (!st->child)
			return AE_COND_FAIL;
	}
	if (!ae_child_poll(st->child, env->now)) {
		*next = ae_child_next_time(st->child, env->now);
		return AE_COND_WAITING;
	}
	if (ae_child_exit_code(st->child) == 0) {
		r = AE_COND_PASS;
	} else if (ae_child_timed_out(st->child)) {
		ae_error_set(why, NULL, 0, 0, NULL,
		             "command timed out after %gs", c->timeout);
	} else if (ae_child_signal(st->child)) {
		ae_error_set(why, NULL, 0, 0, NULL,
		             "command killed by signal %d",
		             ae_child_signal(st->child));
	} else {
		ae_error_set(why, NULL, 0, 0, NULL, "command exited %d: %.300s",
		             ae_child_exit_code(st->child),
		             ae_child_stderr(st->child, NULL, NULL));
	}
	ae_child_free(st->child);
	st->child = NULL;
	return r;
}

static ae_cond_result eval_kids(const ae_condition *c, ae_cond_state *st,
                                const ae_eval_env *env, double *next,
                                ae_error *why)
{
	int waiting = 0, failed = 0;

	for (size_t i = 0; i < c->nkids; i++) {
		double kn = INFINITY;
		ae_cond_result r =
		    ae_condition_eval(c->kids[i], st->kids[i], env, &kn, why);

		if (r == AE_COND_WAITING) {
			waiting = 1;
			if (kn < *next)
				*next = kn;
			if (c->kind == K_ALL)
				return AE_COND_WAITING;
		} else if (r == AE_COND_FAIL) {
			failed = 1;
			if (c->kind == K_ALL)
				return AE_COND_FAIL;
		} else if (c->kind == K_ANY) {
			return AE_COND_PASS;
		}
	}
	if (waiting)
		return AE_COND_WAITING;
	if (c->kind == K_ANY) {
		if (!failed)
			ae_error_set(why, NULL, 0, 0, NULL,
			             "no conditions to pass");
		return AE_COND_FAIL;
	}
	return AE_COND_PASS;
}

ae_cond_result ae_condition_eval(const ae_condition *c, ae_cond_state *st,
                                 const ae_eval_env *env, double *next_check,
                                 ae_error *why)
{
	ae_cond_result r = AE_COND_FAIL;
	ae_error local;

	*next_check = INFINITY;
	if (!why)
		why = &local;
	ae_error_clear(why);
	if (st->done == D_PASS)
		return AE_COND_PASS;
	if (st->done == D_FAIL) {
		ae_error_set(why, NULL, 0, 0, NULL, "%s",
		             st->why ? st->why : "failed");
		return AE_COND_FAIL;
	}
	if (st->started < 0)
		st->started = env->now;
	switch (c->kind) {
	case K_METADATA:
		r = eval_metadata(c, env, why);
		break;
	case K_FILE:
	case K_GLOB:
		r = eval_wait(c, st, env, next_check, why);
		break;
	case K_MAX_ATTEMPTS:
		r = (env->attempt > 0 ? env->attempt : 1) < c->max_attempts
		        ? AE_COND_PASS
		        : AE_COND_FAIL;
		if (r == AE_COND_FAIL)
			ae_error_set(why, NULL, 0, 0, NULL,
			             "restart budget used: attempt %d of "
			             "%lld (max_attempts)",
			             env->attempt > 0 ? env->attempt : 1,
			             c->max_attempts);
		break;
	case K_COMMAND:
		r = eval_command(c, st, env, next_check, why);
		break;
	case K_ALL:
	case K_ANY:
		r = eval_kids(c, st, env, next_check, why);
		break;
	case K_TRUE:
		r = AE_COND_PASS;
		break;
	}
	if (r == AE_COND_PASS) {
		st->done = D_PASS;
	} else if (r == AE_COND_FAIL) {
		st->done = D_FAIL;
		free(st->why);
		st->why = strdup(why->text[0] ? why->text : "failed");
		if (!why->text[0])
			ae_error_set(why, NULL, 0, 0, NULL, "%s failed",
			             c->class_name);
	}
	return r;
}
