/* ae_sharing: who besides the job user may read a run's provenance.
 *
 * Private by default. The provenance directory is created 0700, and all that
 * autoexp creates below it (config copies, metadata, the batch script, the
 * journal, the helper's log, cooldown and restart records, the run's lock)
 * gets no more than the directory it is in (ae_fsutil_limit_mode): 0600
 * files in 0700 directories. The job's umask opens it to the group only when
 * it says so: a umask that keeps everything from others and lets the group
 * read and search (027, 007) gives 0750 and 0640. The usual 022 is not taken
 * as a wish to share: it is nobody's choice, and on many clusters all users
 * share one primary group, so "the group" would be everyone. Nothing is ever
 * writable by the group or readable by others.
 *
 * The job's umask is the submitting shell's: sbatch passes it as SLURM_UMASK,
 * and slurmstepd sets it as its own before the plugin's job start (and drops
 * the variable from a batch job's environment): docs/provenance.md.
 */
#ifndef AE_SHARING_H
#define AE_SHARING_H

#include <sys/types.h>

/* Parse a umask as Slurm passes it ("0022": one to four octal digits) into
 * *mask. 0, or -1 when text is NULL or not such a number. */
int ae_sharing_umask(const char *text, mode_t *mask);

/* The mode of a new provenance directory for a job whose umask is mask (-1
 * when unknown): 0750 when it withholds every bit from others and neither
 * read nor search from the group, else 0700. */
mode_t ae_sharing_dir_mode(int mask);

#endif /* AE_SHARING_H */
