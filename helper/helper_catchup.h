/* helper_catchup: checkpoints a later start finds saved that no helper of
 * the run saw.
 *
 * Slurm truncates a requeued job's log (its default open mode), so what the
 * previous start's helper never read of it (the helper died with its node,
 * or was killed before its drain) is gone, and with it maybe the line of
 * the checkpoint that triggers a cooldown. The checkpoints are still on
 * disk. At a later start the plugin recorded the run's latest checkpoint
 * (job_metadata.json `resumed`: load, iteration from the tracker); the
 * highest checkpoint a helper of the run saw is in the earlier starts'
 * progress.json (written as a save is seen, before its rules run). Every
 * checkpoint in between, the save directory's iter_NNNNNNN up to the
 * tracker's iteration, is fed to the rules as the line Megatron prints for
 * it (helper_worker.c), with the save directory as its source and the
 * iteration as its offset, so that the journal keeps it at most once. The
 * start's own progress is not counted from them: this start saved none.
 */
#ifndef HELPER_CATCHUP_H
#define HELPER_CATCHUP_H

#include <stddef.h>

#include "ae_error.h"

typedef struct helper_catchup {
	char *save_dir;        /* as the plugin recorded it */
	long long *iterations; /* ascending */
	size_t n;
} helper_catchup;

/* What start `start` (the run's start number; nothing for 1) of the run
 * whose provenance directory is prov_fd, whose own directory is job_fd (-1:
 * none, nothing to catch up), has to catch up (what this start's own
 * progress.json has counts as seen: its helper may have been restarted, or
 * have finished the previous job's log). The earlier starts' directories
 * are opened below prov_fd. Fills c (cleared first; free with
 * helper_catchup_clear). Returns c->n, or -1 with err set (nothing to catch
 * up then). */
int helper_catchup_find(int prov_fd, int job_fd, int start, helper_catchup *c,
                        ae_error *err);

/* Megatron's line for a saved checkpoint, into buf. Returns its length. */
size_t helper_catchup_line(const helper_catchup *c, long long iteration,
                           char *buf, size_t size);

void helper_catchup_clear(helper_catchup *c);

#endif /* HELPER_CATCHUP_H */
