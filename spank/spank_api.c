#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "spank_api.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <slurm/slurm_version.h>

#include "ae_capture.h"

/* Slurm's batch step id (SLURM_BATCH_SCRIPT in slurm.h). */
#define AE_BATCH_STEP_ID 0xfffffffbu

void ae_spank_error(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slurm_error("%s", buf);
}

void ae_spank_info(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slurm_info("%s", buf);
}

void ae_spank_debug(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slurm_debug("%s", buf);
}

spank_context_t ae_spank_context(void)
{
	return spank_context();
}

int ae_spank_option_register(spank_t sp, struct spank_option *opt)
{
	return spank_option_register(sp, opt) == ESPANK_SUCCESS ? 0 : -1;
}

void ae_spank_slurm_version(char *buf, size_t size)
{
	snprintf(buf, size, "%d.%02d.%d",
	         SLURM_VERSION_MAJOR(SLURM_VERSION_NUMBER),
	         SLURM_VERSION_MINOR(SLURM_VERSION_NUMBER),
	         SLURM_VERSION_MICRO(SLURM_VERSION_NUMBER));
}

int ae_spank_control_setenv(spank_t sp, const char *name, const char *value)
{
	return spank_job_control_setenv(sp, name, value, 1) == ESPANK_SUCCESS
	           ? 0
	           : -1;
}

int ae_spank_job_ids(spank_t sp, uid_t *uid, gid_t *gid)
{
	if (spank_get_item(sp, S_JOB_UID, uid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_GID, gid) != ESPANK_SUCCESS)
		return -1;
	return 0;
}

int ae_spank_job_id(spank_t sp, char *buf, size_t size)
{
	uint32_t id;

	if (spank_get_item(sp, S_JOB_ID, &id) != ESPANK_SUCCESS)
		return -1;
	snprintf(buf, size, "%u", (unsigned)id);
	return 0;
}

int ae_spank_job_env(spank_t sp, char ***env)
{
	return spank_get_item(sp, S_JOB_ENV, env) == ESPANK_SUCCESS ? 0 : -1;
}

const char *ae_spank_job_argv0(spank_t sp)
{
	int argc = 0;
	char **argv = NULL;

	if (spank_get_item(sp, S_JOB_ARGV, &argc, &argv) != ESPANK_SUCCESS ||
	    argc < 1 || !argv)
		return NULL;
	return argv[0];
}

int ae_spank_is_batch_step(spank_t sp)
{
	uint32_t stepid = 0;

	if (spank_get_item(sp, S_JOB_STEPID, &stepid) != ESPANK_SUCCESS)
		return 0;
	return stepid == AE_BATCH_STEP_ID;
}

int ae_spank_setenv(spank_t sp, const char *name, const char *value)
{
	return spank_setenv(sp, name, value, 1) == ESPANK_SUCCESS ? 0 : -1;
}

char *ae_spank_getenv_dup(spank_t sp, const char *name)
{
	size_t size = 4096;
	char *buf = NULL;

	for (;;) {
		char *bigger = realloc(buf, size);
		spank_err_t rc;

		if (!bigger) {
			free(buf);
			return NULL;
		}
		buf = bigger;
		rc = spank_getenv(sp, name, buf, (int)size);
		if (rc == ESPANK_SUCCESS)
			return buf;
		if (rc != ESPANK_NOSPACE || size >= 4u * 1024 * 1024) {
			free(buf);
			return NULL;
		}
		size *= 4;
	}
}

void ae_spank_unset_capture(spank_t sp)
{
	char name[96];
	int i;

	spank_unsetenv(sp, "SLURM_SPANK_" AE_CAPTURE_VAR);
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "SLURM_SPANK_%s_%d",
		         AE_CAPTURE_VAR, i);
		if (spank_unsetenv(sp, name) != ESPANK_SUCCESS)
			break;
	}
}

int ae_spank_task_exit_status(spank_t sp, int *status)
{
	return spank_get_item(sp, S_TASK_EXIT_STATUS, status) == ESPANK_SUCCESS
	           ? 0
	           : -1;
}
