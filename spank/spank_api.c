#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "spank_api.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

void ae_spank_debug(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slurm_debug("%s", buf);
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
		snprintf(name, sizeof(name), "SLURM_SPANK_%s_%d", AE_CAPTURE_VAR, i);
		if (spank_unsetenv(sp, name) != ESPANK_SUCCESS)
			break;
	}
}

int ae_spank_task_exit_status(spank_t sp, int *status)
{
	return spank_get_item(sp, S_TASK_EXIT_STATUS, status) == ESPANK_SUCCESS ?
		       0 :
		       -1;
}
