/* REMOTE context: starting and stopping the job-side helper
 * (autoexp-helper) for the batch step. */
#ifndef AE_SPANK_HELPER_LAUNCH_H
#define AE_SPANK_HELPER_LAUNCH_H

#include "ae_jobstart.h"

/* user_init: start autoexp-helper as the job user, detached from the step,
 * in workdir (the job's working directory, against which the job and
 * Megatron resolve relative paths; the output directory when NULL or not
 * reachable), for the start `res` describes; record its pid in the start's
 * job_metadata.json. Returns ae_plug_fail's 0. */
int ae_plug_helper_launch(const char *workdir, const ae_jobstart_result *res,
                          const char *job_id, char **job_env);

/* exit (root): what the helper wrote to its stderr while the job ran (what
 * held its work back, e.g. a full disk: helper_log_alert) goes to slurmd's
 * log, a line at a time, non-printable bytes replaced, at most 16 lines
 * of 8 KiB in all; the pipe is closed. */
void ae_plug_helper_report(void);

/* exit (root): SIGTERM to the helper, if it is still ours, then wait up to
 * drain_wait seconds (plugstack.conf) for it to finish its drain: a helper
 * that ends within the job leaves nothing behind (with proctrack/cgroup it
 * lives in the job's cgroup, which Slurm removes only when empty); a longer
 * drain goes on after the job, which is then reported. */
void ae_plug_helper_stop(void);

#endif /* AE_SPANK_HELPER_LAUNCH_H */
