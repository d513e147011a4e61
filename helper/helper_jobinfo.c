#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	ji->restarts = -1;
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

int helper_jobinfo_parse(const char *text, helper_jobinfo *ji, ae_error *err)
{
	const char *p = text, *k = NULL, *v = NULL;
	size_t kn = 0;

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
		if (ae_child_exited(c) && ae_child_exit_code(c) == 0 &&
		    helper_jobinfo_parse(out, ji, err) == 0) {
			ae_child_free(c);
			return 0;
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

/* Append n bytes to the growing string *buf. */
static int put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2;
		char *p = realloc(*buf, c);

		if (!p)
			return -1;
		*buf = p;
		*cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

/* Zero-padded to width when the value is all digits (as Slurm pads). */
static int put_value(char **buf, size_t *len, size_t *cap, const char *v,
                     int width)
{
	size_t n = strlen(v);
	int digits = n > 0;

	for (size_t i = 0; i < n; i++)
		digits = digits && isdigit((unsigned char)v[i]);
	for (int i = (int)n; digits && i < width; i++)
		if (put(buf, len, cap, "0", 1) < 0)
			return -1;
	return put(buf, len, cap, v, n);
}

char *helper_jobinfo_expand(const char *pattern, const helper_jobinfo *ji,
                            const char *job_id, ae_error *err)
{
	char host[256] = "", *buf = NULL, *dot;
	const char *user = ji && ji->user ? ji->user : getenv("USER");
	const char *jid = ji && ji->job_id ? ji->job_id : job_id;
	size_t len = 0, cap = 0;

	if (put(&buf, &len, &cap, "", 0) < 0)
		goto oom;
	if (ji && ji->node)
		snprintf(host, sizeof(host), "%s", ji->node);
	else if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if ((dot = strchr(host, '.')))
		*dot = '\0';
	for (const char *p = pattern; *p;) {
		const char *q = p + 1, *v = NULL;
		int width = 0;

		if (*p != '%') {
			size_t n = strcspn(p, "%");

			if (put(&buf, &len, &cap, p, n) < 0)
				goto oom;
			p += n;
			continue;
		}
		while (isdigit((unsigned char)*q) && width < 100)
			width = width * 10 + (*q++ - '0');
		switch (*q) {
		case '%':
			v = "%";
			width = 0;
			break;
		case 'j':
			v = jid;
			break;
		case 'A':
			v = ji && ji->array_job_id ? ji->array_job_id : jid;
			break;
		case 'a':
			v = ji && ji->array_task_id ? ji->array_task_id
			                            : "4294967294";
			break;
		case 'x':
			v = ji && ji->job_name ? ji->job_name : NULL;
			break;
		case 'u':
			v = user;
			break;
		case 'N':
			v = host;
			break;
		case 'n':
		case 't':
			v = "0";
			break;
		case 's':
			v = "batch";
			break;
		default:
			break;
		}
		if (!v) {
			/* unknown (or unknown value): kept as written */
			size_t n = (size_t)(q - p) + (*q ? 1 : 0);

			if (*q == 'x' || *q == 'j' || *q == 'u') {
				free(buf);
				ae_error_set(err, NULL, 0, 0, NULL,
				             "log path '%s': no value for %%%c",
				             pattern, *q);
				return NULL;
			}
			if (put(&buf, &len, &cap, p, n) < 0)
				goto oom;
			p += n;
			continue;
		}
		if (put_value(&buf, &len, &cap, v, width) < 0)
			goto oom;
		p = q + 1;
	}
	return buf;
oom:
	free(buf);
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return NULL;
}
