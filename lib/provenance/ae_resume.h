/* ae_resume: a later start of a run resumes from the run's own latest
 * checkpoint.
 *
 * A run's first start may load another run's checkpoint: a cooldown loads
 * its parent's, pinned with backend.megatron.ckpt_step, which Megatron
 * obeys over the tracker file. Once the run has saved a checkpoint of its
 * own, a requeue or a continuation must load that one, or a crashed
 * cooldown would start again from its parent's iteration and redo (and
 * overwrite) its own work. So at every start after the first, when the
 * directory of backend.megatron.save holds Megatron's tracker file
 * (latest_checkpointed_iteration.txt, written after a save completes),
 * the start's resolved config gets load = save and no ckpt_step. With no
 * checkpoint of its own yet, the start loads what the first start did.
 */
#ifndef AE_RESUME_H
#define AE_RESUME_H

#include <jansson.h>
#include <sys/types.h>

#include "ae_error.h"
#include "ae_node.h"

#define AE_RESUME_TRACKER "latest_checkpointed_iteration.txt"

/* Point `resolved` (modified in place) at the run's own latest checkpoint
 * when there is one. The save directory is opened with the user's ids
 * (uid: the owner symlinks may have), relative to workdir when relative.
 * Returns a new record of what was done ({"load", "iteration", "replaced":
 * {"load", "ckpt_step"}}), or NULL with err cleared when there is nothing
 * to resume from, or NULL with err set (the config is then unchanged). */
json_t *ae_resume_from_own(ae_node *resolved, const char *workdir, uid_t uid,
                           ae_error *err);

#endif /* AE_RESUME_H */
