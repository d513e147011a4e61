/* The record of how a job start ended (ae_endrecord.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_endrecord.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ae_provenance.h"

char *ae_endrecord_text(int have_status, int status, long long end_time)
{
	json_t *end = json_object();
	char *text;

	json_object_set_new(end, "end_time", json_integer(end_time));
	if (!have_status) {
		json_object_set_new(end, "state", json_string("UNKNOWN"));
	} else if (WIFEXITED(status)) {
		json_object_set_new(end, "exit_code",
		                    json_integer(WEXITSTATUS(status)));
		json_object_set_new(end, "state",
		                    json_string(WEXITSTATUS(status) == 0
		                                    ? "COMPLETED"
		                                    : "FAILED"));
	} else if (WIFSIGNALED(status)) {
		json_object_set_new(end, "signal",
		                    json_integer(WTERMSIG(status)));
		json_object_set_new(end, "signal_name",
		                    json_string(strsignal(WTERMSIG(status))));
		json_object_set_new(end, "state", json_string("SIGNALED"));
	}
	text = end ? json_dumps(end, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(end);
	return text;
}

int ae_endrecord_write(int prov_fd, int job_fd, const char *text, long start,
                       const char *job_id, ae_error *err)
{
	json_error_t jerr;
	json_t *end = json_loads(text, 0, &jerr);

	if (!json_is_object(end)) {
		json_decref(end);
		return ae_error_set(err, NULL, 0, 0, NULL,
		                    "the end record is not a JSON object");
	}
	/* the start's own record first: the helper reads it there; then the
	 * run's list of ends (the lock is still held: slurmstepd closes it
	 * after this is done) */
	if (ae_provenance_metadata_set(job_fd, AE_PROV_JOB_METADATA, "end",
	                               json_deep_copy(end), err) < 0)
		goto fail;
	json_object_set_new(end, "start", json_integer(start));
	json_object_set_new(end, "job_id", json_string(job_id));
	/* `ends` and `end` in one rewrite: a failure leaves neither behind */
	return ae_provenance_metadata_append(prov_fd, AE_PROV_METADATA, "ends",
	                                     "end", end, err);
fail:
	json_decref(end);
	return -1;
}
