#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_restart_record.h"

#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae_fsutil.h"
#include "ae_provenance.h"
#include "ae_safedir.h"

#define RECORD_MODE AE_FSUTIL_FILE_MODE

json_t *ae_restart_record_load(int dirfd, const char *name)
{
	ae_error err;

	if (dirfd < 0)
		return NULL;
	return ae_provenance_read_json(dirfd, name, &err);
}

int ae_restart_record_open_start(int prov_fd, const char *dir, ae_error *err)
{
	return ae_safedir_openat(prov_fd, dir, dir, getuid(), 0, AE_SAFEDIR_OWN,
	                         err);
}

static int write_json(int job_fd, const char *name, const json_t *j,
                      ae_error *err)
{
	char *text;
	int rc;

	if (job_fd < 0)
		return ae_error_set(err, name, 0, 0, NULL,
		                    "no start directory is known");
	text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	rc = ae_fsutil_write_atomic(job_fd, name, text, strlen(text),
	                            RECORD_MODE, err);
	free(text);
	return rc;
}

int ae_restart_record_progress(int job_fd, long long start, long long saved,
                               long long iteration, ae_error *err)
{
	json_t *j =
	    json_pack("{s:I, s:I, s:I, s:I}", "start", (json_int_t)start,
	              "saved_iteration", (json_int_t)saved, "iteration",
	              (json_int_t)iteration, "time", (json_int_t)time(NULL));
	int rc;

	if (!j)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	rc = write_json(job_fd, AE_RESTART_PROGRESS, j, err);
	json_decref(j);
	return rc;
}

long long ae_restart_record_saved(int job_fd)
{
	json_t *j = ae_restart_record_load(job_fd, AE_RESTART_PROGRESS);
	const json_t *v = json_object_get(j, "saved_iteration");
	long long saved = json_is_integer(v) ? json_integer_value(v) : -1;

	json_decref(j);
	return saved;
}

int ae_restart_record_append(int job_fd, const json_t *decision, ae_error *err)
{
	json_t *j = ae_restart_record_load(job_fd, AE_RESTART_DECISIONS);
	json_t *list;
	int rc = -1;

	if (!json_is_object(j)) {
		json_decref(j);
		j = json_object();
	}
	list = json_object_get(j, "decisions");
	if (!json_is_array(list)) {
		list = json_array();
		if (!j || !list ||
		    json_object_set_new(j, "decisions", list) < 0)
			goto nomem;
	}
	if (json_array_append(list, (json_t *)decision) < 0)
		goto nomem;
	rc = write_json(job_fd, AE_RESTART_DECISIONS, j, err);
	goto out;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
out:
	json_decref(j);
	return rc;
}

int ae_restart_record_start(int job_fd, int restart_count)
{
	json_t *meta = ae_restart_record_load(job_fd, AE_PROV_JOB_METADATA);
	const json_t *v = json_object_get(meta, "start");
	int n = restart_count >= 0 && restart_count < INT_MAX
	            ? restart_count + 1
	            : 1;

	if (json_is_integer(v) && json_integer_value(v) >= 1 &&
	    json_integer_value(v) < INT_MAX)
		n = (int)json_integer_value(v);
	json_decref(meta);
	return n;
}
