/* REMOTE context, end of the batch step (root): how the job ended, recorded
 * in its provenance. */
#ifndef AE_SPANK_JOBEND_H
#define AE_SPANK_JOBEND_H

#include <slurm/spank.h>

/* task_exit: remember the batch script's wait status. Returns 0. */
int ae_plug_jobend_task_exit(spank_t sp);

/* exit: record how the job ended, as the user, then stop the helper.
 * Returns ae_plug_fail's 0. */
int ae_plug_jobend_exit(void);

#endif /* AE_SPANK_JOBEND_H */
