/* Plugin options: --autoexp-config for sbatch and the plugstack.conf
 * arguments (key=value). */
#ifndef AE_SPANK_OPTIONS_H
#define AE_SPANK_OPTIONS_H

#include <slurm/spank.h>

#include "context.h"

/* init, every context with options (sbatch, salloc, srun, slurmstepd): parse
 * the plugstack.conf arguments into ae_plugin and register --autoexp-config.
 * Returns 0 or -1 (message logged). */
int ae_plug_options_init(spank_t sp, int ac, char **av);

/* sbatch, salloc and srun: drop the option's environment form
 * (SLURM_SPANK__SLURM_SPANK_OPTION_autoexp_autoexp_config), which every
 * process of an autoexp job inherits, so that only an option given on the
 * command line or in #SBATCH lines counts: a job submitted from inside an
 * autoexp job is an autoexp job only when it says so, and a step never
 * reads the config again. */
void ae_plug_options_forget_inherited(void);

/* Parse plugstack.conf arguments into st (key=value; an unknown key or a bad
 * value is an error, reported through slurm_error). Returns 0 or -1. */
int ae_plug_options_parse_args(ae_plugin_state *st, int ac, char **av);

#endif /* AE_SPANK_OPTIONS_H */
