#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "helper_catchup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ae_provenance.h"
#include "ae_restart_record.h"

/* More checkpoints than this between what was seen and the tracker are
 * not fed one by one (a run saving every few iterations): the newest are. */
#define CATCHUP_MAX 1000

/* The highest checkpoint the helpers of the run's earlier starts saw. */
static long long seen_before(int prov_fd, int start)
{
	json_t *meta = ae_restart_record_load(prov_fd, AE_PROV_METADATA);
	const json_t *s;
	long long seen = -1;
	size_t i;

	json_array_foreach(json_object_get(meta, "starts"), i, s)
	{
		const json_t *n = json_object_get(s, "start");
		const char *d = json_string_value(json_object_get(s, "dir"));
		ae_error err;
		long long v;
		int fd;

		if (!json_is_integer(n) || json_integer_value(n) >= start || !d)
			continue;
		fd = ae_restart_record_open_start(prov_fd, d, &err);
		if (fd < 0)
			continue;
		v = ae_restart_record_saved(fd);
		close(fd);
		if (v > seen)
			seen = v;
	}
	json_decref(meta);
	return seen;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The iter_NNNNNNN directories of dir in (after, upto]. */
static int scan(helper_catchup *c, long long after, long long upto,
                ae_error *err)
{
	DIR *d = opendir(c->save_dir);
	struct dirent *e;
	size_t cap = 0;

	if (!d)
		return ae_error_set(err, c->save_dir, 0, 0, NULL,
		                    "cannot read the save directory: %s",
		                    strerror(errno));
	while ((e = readdir(d))) {
		char *end;
		long long it;

		if (strncmp(e->d_name, "iter_", 5) || strlen(e->d_name) != 12)
			continue;
		it = strtoll(e->d_name + 5, &end, 10);
		if (*end || it <= after || it > upto)
			continue;
		if (c->n == cap) {
			long long *g;

			cap = cap ? 2 * cap : 16;
			g = realloc(c->iterations, cap * sizeof(*g));
			if (!g) {
				closedir(d);
				return ae_error_set(err, NULL, 0, 0, NULL,
				                    "out of memory");
			}
			c->iterations = g;
		}
		c->iterations[c->n++] = it;
	}
	closedir(d);
	qsort(c->iterations, c->n, sizeof(*c->iterations), cmp_ll);
	if (c->n > CATCHUP_MAX) {
		memmove(c->iterations, c->iterations + (c->n - CATCHUP_MAX),
		        CATCHUP_MAX * sizeof(*c->iterations));
		c->n = CATCHUP_MAX;
	}
	return 0;
}

int helper_catchup_find(int prov_fd, int job_fd, int start, helper_catchup *c,
                        ae_error *err)
{
	json_t *meta = NULL;
	const json_t *resumed;
	const char *load;
	long long upto, seen;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	ae_error_clear(err);
	if (start < 2 || prov_fd < 0 || job_fd < 0)
		return 0;
	meta = ae_restart_record_load(job_fd, AE_PROV_JOB_METADATA);
	resumed = json_object_get(meta, "resumed");
	load = json_string_value(json_object_get(resumed, "load"));
	upto = json_integer_value(json_object_get(resumed, "iteration"));
	if (!load || !*load ||
	    !json_is_integer(json_object_get(resumed, "iteration")))
		goto out; /* the run had saved nothing of its own */
	/* this start's own, when its helper was restarted or finished the
	 * previous job's log */
	seen = seen_before(prov_fd, start);
	if (ae_restart_record_saved(job_fd) > seen)
		seen = ae_restart_record_saved(job_fd);
	if (upto <= seen)
		goto out;
	if (!(c->save_dir = strdup(load))) {
		rc = ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	rc = scan(c, seen, upto, err) < 0 ? -1 : (int)c->n;
out:
	if (rc <= 0)
		helper_catchup_clear(c);
	json_decref(meta);
	return rc;
}

size_t helper_catchup_line(const helper_catchup *c, long long iteration,
                           char *buf, size_t size)
{
	/* checkpointing.py: f'  successfully saved checkpoint from iteration
	 * {iteration:7d} to {save_dir}' (then the parallel ranks, which a
	 * directory cannot tell) */
	int n = snprintf(buf, size,
	                 "  successfully saved checkpoint from iteration "
	                 "%7lld to %s",
	                 iteration, c->save_dir);

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

void helper_catchup_clear(helper_catchup *c)
{
	free(c->save_dir);
	free(c->iterations);
	memset(c, 0, sizeof(*c));
}
