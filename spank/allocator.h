/* ALLOCATOR context (sbatch, as the submitting user): the config is checked
 * and captured here, the one place its file is read. */
#ifndef AE_SPANK_ALLOCATOR_H
#define AE_SPANK_ALLOCATOR_H

#include <slurm/spank.h>

/* --autoexp-config callback: load, compose and check the config at path and
 * keep its capture in ae_plugin. 0 accepts, -1 refuses (message printed). */
int ae_plug_allocator_check_config(const char *path);

/* init_post_opt, after all options: hand the capture to Slurm with the job.
 * Returns 0 or -1 (sbatch refuses the job). */
int ae_plug_allocator_post_opt(spank_t sp);

#endif /* AE_SPANK_ALLOCATOR_H */
