#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "spank_api.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

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
