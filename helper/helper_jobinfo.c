#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae_joblog.h"
#include "ae_provenance.h"
#include "ae_spawn.h"
#include "helper_jobinfo.h"

#define SCONTROL_TIMEOUT 30.0

void helper_jobinfo_clear(helper_jobinfo *ji)
{
	if (!ji)
		return;
	free(ji->job_id);
	free(ji->array_job_id);
	free(ji->array_task_id);
	free(ji->job_name);
	free(ji->user);
	free(ji->node);
	free(ji->workdir);
	free(ji->std_out);
	memset(ji, 0, sizeof(*ji));
	ji->start = -1;
	ji->restarts = -1;
}

/* This host's name without its domain: what slurmstepd writes for %N
 * (slurmd's host name, measured on Slurm 22.05; not the node's NodeName).
 * The helper runs on the batch host. "" when unknown. */
static void short_host(char *host, size_t size)
{
	char *dot;

	if (gethostname(host, size - 1) < 0)
		host[0] = '\0';
	host[size - 1] = '\0';
	if ((dot = strchr(host, '.')))
		*dot = '\0';
}

/* A copy of meta's string `key` into *dst; 0, or -1 when out of memory. A
 * missing or null key leaves *dst NULL. */
static int copy(const json_t *meta, const char *key, char **dst)
{
	const char *v = json_string_value(json_object_get(meta, key));

	*dst = v && *v ? strdup(v) : NULL;
	return v && *v && !*dst ? -1 : 0;
}

int helper_jobinfo_load(int job_fd, const char *job_dir, helper_jobinfo *ji,
                        ae_error *err)
{
	json_t *meta = NULL, *start;
	const json_t *req;
	char host[256], *submit_dir = NULL;
	ae_joblog_ids ids;
	int rc = -1;

	helper_jobinfo_clear(ji);
	ae_error_clear(err);
	meta = ae_provenance_read_json(job_fd, AE_PROV_JOB_METADATA, err);
	if (!meta) {
		if (!ae_error_isset(err))
			ae_error_set(err, job_dir, 0, 0, NULL,
			             "no " AE_PROV_JOB_METADATA);
		goto out;
	}
	req = json_object_get(meta, "request");
	if (!json_is_object(req)) {
		/* without it --output is unknown: slurmctld knows it */
		ae_error_set(err, job_dir, 0, 0, NULL,
		             AE_PROV_JOB_METADATA " records no request");
		goto out;
	}
	short_host(host, sizeof(host));
	if (copy(meta, "job_id", &ji->job_id) < 0 ||
	    copy(meta, "array_job_id", &ji->array_job_id) < 0 ||
	    copy(meta, "array_task_id", &ji->array_task_id) < 0 ||
	    copy(meta, "job_name", &ji->job_name) < 0 ||
	    copy(meta, "user", &ji->user) < 0 ||
	    copy(meta, "submit_dir", &submit_dir) < 0 ||
	    (*host && !(ji->node = strdup(host)))) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	if (!ji->job_id) {
		ae_error_set(err, job_dir, 0, 0, NULL,
		             AE_PROV_JOB_METADATA " has no job_id");
		goto out;
	}
	start = json_object_get(meta, "start");
	if (json_is_integer(start) && json_integer_value(start) >= 1 &&
	    json_integer_value(start) < INT_MAX)
		ji->start = (int)json_integer_value(start);
	ids = (ae_joblog_ids){
	    .job_id = ji->job_id,
	    .array_job_id = ji->array_job_id,
	    .array_task_id = ji->array_task_id,
	    .job_name = ji->job_name,
	    .user = ji->user,
	    .node = ji->node,
	};
	ji->workdir = ae_joblog_workdir(req, submit_dir, err);
	if (!ji->workdir)
		goto out;
	ji->std_out =
	    ae_joblog_stdout(req, &ids, ji->workdir, &ji->append, err);
	if (!ji->std_out)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		helper_jobinfo_clear(ji);
	json_decref(meta);
	free(submit_dir);
	return rc;
}

/* Length of the "Key=" at p (Key: a letter, then letters, digits, '_', ':'),
 * 0 when p does not start one. */
static size_t key_len(const char *p)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == ':')
		n++;
	return p[n] == '=' ? n : 0;
}

static int set(char **dst, const char *v, size_t n)
{
	free(*dst);
	*dst = strndup(v, n);
	return *dst ? 0 : -1;
}

/* Fields that can be "(null)" or "N/A" are treated as unset. */
static int unset(const char *v, size_t n)
{
	return n == 0 || (n == 6 && !strncmp(v, "(null)", 6)) ||
	       (n == 3 && !strncmp(v, "N/A", 3));
}

static int field(helper_jobinfo *ji, const char *k, size_t kn, const char *v,
                 size_t vn)
{
#define IS(name) (kn == sizeof(name) - 1 && !strncmp(k, name, kn))
	if (IS("Restarts")) {
		ji->restarts = atoi(v);
		return 0;
	}
	if (unset(v, vn))
		return 0;
	if (IS("JobId"))
		return set(&ji->job_id, v, vn);
	if (IS("ArrayJobId"))
		return set(&ji->array_job_id, v, vn);
	if (IS("ArrayTaskId"))
		return set(&ji->array_task_id, v, vn);
	if (IS("JobName"))
		return set(&ji->job_name, v, vn);
	if (IS("BatchHost"))
		return set(&ji->node, v, vn);
	if (IS("WorkDir"))
		return set(&ji->workdir, v, vn);
	if (IS("StdOut"))
		return set(&ji->std_out, v, vn);
	if (IS("UserId")) {
		const char *paren = memchr(v, '(', vn);

		return set(&ji->user, v, paren ? (size_t)(paren - v) : vn);
	}
	return 0;
#undef IS
}

/* 1 when the key k (kn bytes) is among the n keys seen before it. */
static int seen_before(const char *const *keys, const size_t *lens, size_t n,
                       const char *k, size_t kn)
{
	for (size_t i = 0; i < n; i++)
		if (lens[i] == kn && !strncmp(keys[i], k, kn))
			return 1;
	return 0;
}

int helper_jobinfo_parse(const char *text, helper_jobinfo *ji, ae_error *err)
{
	const char *p = text, *k = NULL, *v = NULL;
	const char *keys[512];
	size_t kn = 0, lens[512], nkeys = 0;

	helper_jobinfo_clear(ji);
	/* scontrol may print several lines (heterogeneous jobs): the first */
	for (;;) {
		size_t n;
		const char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		n = *p && *p != '\n' ? key_len(p) : 0;
		if (n || !*p || *p == '\n') {
			if (k) {
				end = p;
				while (end > v &&
				       isspace((unsigned char)end[-1]))
					end--;
				if (field(ji, k, kn, v, (size_t)(end - v)) < 0)
					goto oom;
			}
			if (!n)
				break;
			/* scontrol prints each key once and escapes nothing:
			 * a second one was in a value (a job name or comment
			 * " StdOut=/x"), and which is Slurm's is unknown */
			if (seen_before(keys, lens, nkeys, p, n)) {
				helper_jobinfo_clear(ji);
				ae_error_set(
				    err, NULL, 0, 0, NULL,
				    "scontrol output has %.*s= twice (a "
				    "job name or comment that looks like "
				    "it?): not trusted",
				    (int)(n > 64 ? 64 : n), p);
				return -2;
			}
			if (nkeys < sizeof(keys) / sizeof(keys[0])) {
				keys[nkeys] = p;
				lens[nkeys++] = n;
			}
			k = p;
			kn = n;
			v = p + n + 1;
		}
		/* to the end of this word */
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
	}
	if (!ji->job_id)
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "scontrol output has no JobId");
	return 0;
oom:
	return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep, or less when stop_fd becomes readable. 1 when it did. */
static int nap(double seconds, int stop_fd)
{
	struct pollfd p = {stop_fd, POLLIN, 0};
	double end = mono() + seconds, left;

	while ((left = end - mono()) > 0) {
		int r = poll(&p, stop_fd >= 0 ? 1 : 0, (int)(left * 1000) + 1);

		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			break;
	}
	return 0;
}

int helper_jobinfo_query(const char *job_id, const char *const *envp, int tries,
                         int stop_fd, helper_jobinfo *ji, ae_error *err)
{
	const char *argv[] = {"scontrol", "show", "job", "-o", job_id, NULL};
	ae_spawn_opts so;
	double wait = 0.5; /* doubled before each retry: 1, 2, 4 ... s */

	memset(&so, 0, sizeof(so));
	so.argv = argv;
	so.envp = envp;
	so.timeout = SCONTROL_TIMEOUT;
	so.max_output = 256 * 1024;
	for (int i = 0; i < (tries > 0 ? tries : 1); i++) {
		ae_child *c;
		const char *out, *errout;
		size_t len;
		int trunc;

		if (i > 0 && nap(wait, stop_fd))
			break;
		wait *= 2;
		c = ae_spawn_start(&so, mono(), err);
		if (!c)
			return -1; /* not there: retrying will not help */
		ae_child_wait(c, NULL);
		out = ae_child_stdout(c, &len, &trunc);
		if (ae_child_exited(c) && ae_child_exit_code(c) == 0) {
			int rc = helper_jobinfo_parse(out, ji, err);

			if (rc == 0 ||
			    rc == -2) { /* -2: asking again won't help */
				ae_child_free(c);
				return rc < 0 ? -1 : 0;
			}
		}
		errout = ae_child_stderr(c, &len, &trunc);
		ae_error_set(err, NULL, 0, 0, NULL,
		             "scontrol show job %s failed (exit %d): %.200s",
		             job_id, ae_child_exit_code(c),
		             errout && *errout ? errout : out);
		ae_child_free(c);
	}
	return -1;
}

char *helper_jobinfo_expand(const char *pattern, const helper_jobinfo *ji,
                            const char *job_id, ae_error *err)
{
	char host[256] = "", *dot;
	ae_joblog_ids ids = {
	    .job_id = ji && ji->job_id ? ji->job_id : job_id,
	    .array_job_id = ji ? ji->array_job_id : NULL,
	    .array_task_id = ji ? ji->array_task_id : NULL,
	    .job_name = ji ? ji->job_name : NULL,
	    .user = ji && ji->user ? ji->user : getenv("USER"),
	    .node = host,
	};

	if (ji && ji->node)
		snprintf(host, sizeof(host), "%s", ji->node);
	else
		short_host(host, sizeof(host));
	if ((dot = strchr(host, '.')))
		*dot = '\0';
	if (!*host)
		ids.node = NULL;
	return ae_joblog_expand(pattern, &ids, err);
}
