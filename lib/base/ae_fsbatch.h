/* ae_fsbatch: replace several files of one directory together, durably, for
 * the price of little more than one fsync.
 *
 * Each file is written to a temporary file when added and its writeback is
 * started at once (sync_file_range). The commit then fsyncs every temporary
 * file (by then the file system has usually made them durable in one journal
 * commit, so the later fsyncs are cheap), renames each over its name in the
 * order added, and fsyncs the directory once. Readers see each file old or
 * new, never a mix; a failure before the commit renames nothing, so a batch
 * whose last file is its commit record (run_metadata.json) is never seen half
 * written. As ae_fsutil: relative to a directory fd the caller opened safely,
 * temporary names created with O_EXCL|O_NOFOLLOW.
 */
#ifndef AE_FSBATCH_H
#define AE_FSBATCH_H

#include <stddef.h>
#include <sys/types.h>

#include "ae_error.h"

typedef struct ae_fsbatch ae_fsbatch;

/* A batch for files in dirfd (borrowed: it must stay open until the batch
 * is freed). NULL when out of memory. */
ae_fsbatch *ae_fsbatch_new(int dirfd);

/* Write `data` as the next content of dirfd/name (mode limited by the
 * directory, ae_fsutil_limit_mode, minus umask) into a temporary file. 0 or
 * -1 with err set; the batch stays usable for free. */
int ae_fsbatch_add(ae_fsbatch *b, const char *name, const void *data,
                   size_t len, mode_t mode, ae_error *err);

/* The same for a file of another directory (borrowed, open until the batch
 * is freed), e.g. a subdirectory made for this batch: its files are renamed
 * in the order added with the others, and each directory is fsynced once
 * at the commit, dirfd's last. */
int ae_fsbatch_add_at(ae_fsbatch *b, int dirfd, const char *name,
                      const void *data, size_t len, mode_t mode, ae_error *err);

/* A hard link dirfd/name to target_dirfd/target_name, a file added to this
 * batch before: the same bytes under a second name for the price of no
 * write and no fsync. It is put in place at the commit in the order added
 * (after its target); a name left there by an unfinished batch is
 * replaced. Both names must stay on one file system. 0 or -1 with err. */
int ae_fsbatch_add_link(ae_fsbatch *b, int dirfd, const char *name,
                        int target_dirfd, const char *target_name,
                        ae_error *err);

/* Make every added file durable and put it in place (see above). 0, or -1
 * with err set: files renamed before the failure stay renamed. */
int ae_fsbatch_commit(ae_fsbatch *b, ae_error *err);

/* Remove the temporary files not renamed, and free. NULL is ignored. */
void ae_fsbatch_free(ae_fsbatch *b);

#endif /* AE_FSBATCH_H */
