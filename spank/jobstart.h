/* REMOTE context, batch step, job start: the captured config resolved,
 * provenance written, the helper started. */
#ifndef AE_SPANK_JOBSTART_H
#define AE_SPANK_JOBSTART_H

#include <slurm/spank.h>

/* user_init (euid = the job user): resolve the captured config, write
 * provenance, export AUTOEXP_* to the job, start the helper when the config
 * asks for it. A job submitted without --autoexp-config is left alone.
 * Returns ae_plug_fail's 0. */
int ae_plug_jobstart(spank_t sp);

#endif /* AE_SPANK_JOBSTART_H */
