#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_sbatch.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ae_request.h"

/* What sbatch prints when the controller cannot be reached or is busy;
 * matched case-insensitively anywhere in stderr. */
static const char *const transient_texts[] = {
    "unable to contact slurm controller",
    "socket timed out",
    "connection refused",
    "slurm temporarily unable",
    "zero bytes were transmitted or received",
    NULL,
};

void ae_sbatch_strv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static const char *meta_string(const json_t *meta, const char *key)
{
	const char *s = json_string_value(json_object_get(meta, key));

	return s && *s ? s : NULL;
}

static long long meta_count(const json_t *meta, const char *key)
{
	const json_t *v = json_object_get(meta, key);

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (long long)json_integer_value(v);
	if (json_is_string(v)) {
		char *end;
		long long n = strtoll(json_string_value(v), &end, 10);

		if (end != json_string_value(v) && !*end && n > 0)
			return n;
	}
	return 0;
}

void ae_sbatch_resources_from_metadata(const json_t *meta,
                                       ae_sbatch_resources *res)
{
	memset(res, 0, sizeof(*res));
	if (!json_is_object(meta))
		return;
	res->job_name = meta_string(meta, "job_name");
	res->partition = meta_string(meta, "partition");
	res->account = meta_string(meta, "account");
	res->qos = meta_string(meta, "qos");
	res->nodes = meta_count(meta, "nodes");
	res->ntasks = meta_count(meta, "tasks");
	res->options =
	    json_object_get(json_object_get(meta, "request"), "options");
	if (!json_is_array(res->options))
		res->options = NULL;
}

/* Append "opt=value" (or value alone when opt is NULL) to v at *n. */
static int push(char **v, size_t *n, const char *opt, const char *value)
{
	char *s;

	if (opt) {
		if (asprintf(&s, "%s=%s", opt, value) < 0)
			return -1;
	} else if (!(s = strdup(value))) {
		return -1;
	}
	v[(*n)++] = s;
	return 0;
}

static int push_count(char **v, size_t *n, const char *opt, long long count)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", count);
	return push(v, n, opt, buf);
}

/* What the parent asked for: its carried sbatch options, or for a parent
 * recorded without them, the resources it ran with. */
static int push_parent_request(char **v, size_t *n,
                               const ae_sbatch_resources *res)
{
	if (res->options) {
		for (size_t i = 0; i < json_array_size(res->options); i++) {
			const char *o =
			    json_string_value(json_array_get(res->options, i));

			char *carried = o ? ae_request_carry(o) : NULL;

			if (carried)
				v[(*n)++] = carried;
		}
		return 0;
	}
	if (res->partition && *res->partition &&
	    push(v, n, "--partition", res->partition) < 0)
		return -1;
	if (res->account && *res->account &&
	    push(v, n, "--account", res->account) < 0)
		return -1;
	if (res->qos && *res->qos && push(v, n, "--qos", res->qos) < 0)
		return -1;
	if (res->nodes > 0 && push_count(v, n, "--nodes", res->nodes) < 0)
		return -1;
	if (res->ntasks > 0 && push_count(v, n, "--ntasks", res->ntasks) < 0)
		return -1;
	return 0;
}

char **ae_sbatch_argv(const char *sbatch, const char *config_file,
                      const ae_sbatch_resources *res, const char *job_name,
                      const char *const *extra, size_t n_extra,
                      const char *script, ae_error *err)
{
	size_t n_options = json_array_size(res->options);
	char **v = calloc(n_extra + n_options + 12, sizeof(*v));
	size_t n = 0;

	if (!v)
		goto nomem;
	if (!sbatch || !*sbatch || !config_file || !script || !*script) {
		ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "sbatch needs a program, a config file and a script");
		goto fail;
	}
	if (push(v, &n, NULL, sbatch) < 0 ||
	    push(v, &n, NULL, "--parsable") < 0 ||
	    push(v, &n, "--autoexp-config", config_file) < 0)
		goto nomem;
	if (job_name && *job_name && push(v, &n, "--job-name", job_name) < 0)
		goto nomem;
	if (push_parent_request(v, &n, res) < 0)
		goto nomem;
	for (size_t i = 0; i < n_extra; i++)
		if (push(v, &n, NULL, extra[i]) < 0)
			goto nomem;
	/* a script name starting with '-' would be read as an option */
	if (script[0] == '-') {
		ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "script '%s' starts with '-'; give a path such as ./%s",
		    script, script);
		goto fail;
	}
	if (push(v, &n, NULL, script) < 0)
		goto nomem;
	return v;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
fail:
	ae_sbatch_strv_free(v);
	return NULL;
}

static int name_in(const char *entry, size_t len, const char *const *names)
{
	for (size_t i = 0; names && names[i]; i++)
		if (strlen(names[i]) == len && !strncmp(names[i], entry, len))
			return 1;
	return 0;
}

char **ae_sbatch_envp(const char *const *base, const char *const *drop,
                      const char *const *set, ae_error *err)
{
	size_t nb = 0, ns = 0, n = 0;
	char **v;

	while (base && base[nb])
		nb++;
	while (set && set[ns])
		ns++;
	v = calloc(nb + ns + 1, sizeof(*v));
	if (!v)
		goto nomem;
	for (size_t i = 0; i < nb; i++) {
		const char *e = base[i];
		size_t len = strcspn(e, "=");

		if (!e[len])
			continue; /* not NAME=value */
		if (len >= 6 && !strncmp(e, "SLURM_", 6) &&
		    !(len == 10 && !strncmp(e, "SLURM_CONF", 10)))
			continue;
		if (name_in(e, len, drop))
			continue;
		/* set wins over base */
		{
			size_t k;

			for (k = 0; k < ns; k++)
				if (strcspn(set[k], "=") == len &&
				    !strncmp(set[k], e, len))
					break;
			if (k < ns)
				continue;
		}
		if (!(v[n++] = strdup(e)))
			goto nomem;
	}
	for (size_t i = 0; i < ns; i++)
		if (!(v[n++] = strdup(set[i])))
			goto nomem;
	return v;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	ae_sbatch_strv_free(v);
	return NULL;
}

/* The job id of --parsable output: "123" or "123;cluster", maybe with a
 * trailing newline; an array or het job id has a '_' or '+'. */
static int parse_job_id(const char *out, char *buf, size_t size)
{
	size_t len;

	while (out && isspace((unsigned char)*out))
		out++;
	if (!out || !*out)
		return -1;
	len = strcspn(out, ";\r\n \t");
	if (!len || len >= size)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)out[i]) && out[i] != '_' &&
		    out[i] != '+')
			return -1;
	if (!isdigit((unsigned char)out[0]))
		return -1;
	memcpy(buf, out, len);
	buf[len] = '\0';
	return 0;
}

/* The last non-empty line of text, for a one-line reason. */
static void last_line(const char *text, char *buf, size_t size)
{
	const char *end = text + strlen(text), *start;

	while (end > text && isspace((unsigned char)end[-1]))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(buf, size, "%.*s", (int)(end - start), start);
}

ae_sbatch_outcome ae_sbatch_classify(int exit_code, int timed_out,
                                     const char *out, const char *errs,
                                     char *job_id, size_t job_id_size,
                                     char *why, size_t why_size)
{
	char line[512], tmp[8];

	if (!why) {
		why = tmp;
		why_size = sizeof(tmp);
	}
	why[0] = '\0';
	if (!errs)
		errs = "";
	if (timed_out) {
		snprintf(why, why_size,
		         "sbatch timed out (killed; the job may have been "
		         "submitted)");
		return AE_SBATCH_PERMANENT;
	}
	if (exit_code == 0) {
		if (job_id && parse_job_id(out, job_id, job_id_size) == 0)
			return AE_SBATCH_SUBMITTED;
		last_line(out ? out : "", line, sizeof(line));
		snprintf(why, why_size,
		         "sbatch exited 0 without a job id (stdout: '%s')",
		         line);
		return AE_SBATCH_PERMANENT;
	}
	last_line(errs, line, sizeof(line));
	for (size_t i = 0; transient_texts[i]; i++) {
		if (strcasestr(errs, transient_texts[i])) {
			snprintf(why, why_size,
			         "sbatch exited %d (transient): %s", exit_code,
			         line);
			return AE_SBATCH_TRANSIENT;
		}
	}
	if (exit_code < 0)
		snprintf(why, why_size, "sbatch was killed: %s", line);
	else
		snprintf(why, why_size, "sbatch exited %d: %s", exit_code,
		         line);
	return AE_SBATCH_PERMANENT;
}

double ae_sbatch_backoff(unsigned retry)
{
	double d = 1;

	for (unsigned i = 1; i < retry && d < 30; i++)
		d *= 2;
	return d < 30 ? d : 30;
}
