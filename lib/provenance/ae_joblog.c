#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_joblog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ae_request.h"
#include "ae_strbuf.h"

/* Slurm's widest zero-padding (slurmstepd's fname.c MAX_WIDTH). */
#define MAX_WIDTH 10
/* What Slurm writes for %a when the job is not an array (NO_VAL). */
#define NO_ARRAY_TASK "4294967294"

/* A value, zero-padded to width when numeric (Slurm prints the numbers
 * with %0*u and the names with %s). */
static void put_value(ae_strbuf *b, const char *v, int numeric, int width)
{
	for (int i = (int)strlen(v); numeric && i < width; i++)
		ae_strbuf_add(b, "0", 1);
	ae_strbuf_puts(b, v);
}

/* Slurm's is_path_escaped: a path with a backslash is taken as it is,
 * without its backslashes. */
static void put_unescaped(ae_strbuf *b, const char *pattern)
{
	for (const char *p = pattern; *p; p++)
		if (*p != '\\')
			ae_strbuf_add(b, p, 1);
}

char *ae_joblog_expand(const char *pattern, const ae_joblog_ids *ids,
                       ae_error *err)
{
	static const ae_joblog_ids none;
	ae_strbuf b = {0};
	char *s;

	if (!ids)
		ids = &none;
	ae_strbuf_puts(&b, "");
	if (strchr(pattern, '\\')) {
		put_unescaped(&b, pattern);
		goto done;
	}
	for (const char *p = pattern; *p;) {
		const char *q = p + 1, *v = NULL;
		int width = 0, numeric = 1;

		if (*p != '%') {
			size_t n = strcspn(p, "%");

			ae_strbuf_add(&b, p, n);
			p += n;
			continue;
		}
		while (isdigit((unsigned char)*q)) {
			if (width <= MAX_WIDTH)
				width = width * 10 + (*q - '0');
			q++;
		}
		if (width > MAX_WIDTH)
			width = MAX_WIDTH;
		switch (*q) {
		case '%':
			v = "%";
			numeric = 0;
			break;
		case 'j':
			v = ids->job_id;
			break;
		case 'A':
			v = ids->array_job_id ? ids->array_job_id : ids->job_id;
			break;
		case 'a':
			v = ids->array_task_id ? ids->array_task_id
			                       : NO_ARRAY_TASK;
			break;
		case 'x':
			v = ids->job_name;
			numeric = 0;
			break;
		case 'u':
			v = ids->user;
			numeric = 0;
			break;
		case 'N':
			v = ids->node;
			numeric = 0;
			break;
		case 'n':
		case 't':
			v = "0";
			break;
		case 's':
			v = "batch";
			numeric = 0;
			break;
		default:
			/* not a pattern of a batch step: kept as written */
			ae_strbuf_add(&b, p, (size_t)(q - p) + (*q ? 1 : 0));
			p = q + (*q ? 1 : 0);
			continue;
		}
		if (!v) {
			free(ae_strbuf_take(&b));
			ae_error_set(err, NULL, 0, 0, NULL,
			             "log path '%s': no value for %%%c",
			             pattern, *q);
			return NULL;
		}
		put_value(&b, v, numeric, width);
		p = q + 1;
	}
done:
	s = ae_strbuf_take(&b);
	if (!s)
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return s;
}

/* The value of the last "--name=value" of the #SBATCH lines' options, then
 * of the request's (sbatch's order: a later one replaces an earlier one);
 * NULL when none. */
static const char *last_value(const json_t *script_opts, const json_t *request,
                              const char *name)
{
	const json_t *lists[2] = {script_opts,
	                          json_object_get(request, "options")};
	const char *found = NULL;
	size_t len = strlen(name);

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < json_array_size(lists[l]); i++) {
			const char *o =
			    json_string_value(json_array_get(lists[l], i));

			if (o && !strncmp(o, "--", 2) &&
			    !strncmp(o + 2, name, len) && o[2 + len] == '=')
				found = o + 3 + len;
		}
	return found;
}

/* dir/path, or path when it is absolute; NULL when out of memory. */
static char *join(const char *dir, const char *path)
{
	ae_strbuf b = {0};

	if (path[0] != '/') {
		ae_strbuf_puts(&b, dir);
		if (*path && dir[strlen(dir) - 1] != '/')
			ae_strbuf_add(&b, "/", 1);
	}
	ae_strbuf_puts(&b, path);
	return ae_strbuf_take(&b);
}

static int absolute(const char *path)
{
	return path && path[0] == '/';
}

char *ae_joblog_workdir(const json_t *request, const char *submit_dir,
                        ae_error *err)
{
	json_t *script_opts = ae_request_directive_options(
	    json_object_get(request, "directives"), err);
	const char *dir = last_value(script_opts, request, "chdir");
	char *s = NULL;

	if (!script_opts)
		return NULL;
	if (!absolute(dir) && !absolute(submit_dir)) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "the job's working directory is unknown: %s%s%s "
		             "and no absolute submission directory",
		             dir ? "--chdir '" : "no --chdir", dir ? dir : "",
		             dir ? "' is relative" : "");
		goto out;
	}
	s = join(submit_dir, dir ? dir : "");
	if (!s)
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	json_decref(script_opts);
	return s;
}

char *ae_joblog_stdout(const json_t *request, const ae_joblog_ids *ids,
                       const char *workdir, int *append, ae_error *err)
{
	json_t *script_opts = ae_request_directive_options(
	    json_object_get(request, "directives"), err);
	const char *out = last_value(script_opts, request, "output");
	const char *mode = last_value(script_opts, request, "open-mode");
	char *expanded = NULL, *path = NULL;

	if (!script_opts)
		return NULL;
	if (append)
		*append = mode && (*mode == 'a' || *mode == 'A');
	if (!out)
		out = ids && ids->array_task_id ? "slurm-%A_%a.out"
		                                : "slurm-%j.out";
	else if (!strcasecmp(out, "none"))
		out = "/dev/null";
	expanded = ae_joblog_expand(out, ids, err);
	if (!expanded)
		goto out;
	if (!absolute(expanded) && !absolute(workdir)) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "log path '%s' is relative and the job's working "
		             "directory is unknown",
		             expanded);
		goto out;
	}
	path = join(workdir, expanded);
	if (!path)
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	free(expanded);
	json_decref(script_opts);
	return path;
}
