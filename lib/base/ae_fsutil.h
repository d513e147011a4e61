/* ae_fsutil: small file-system helpers for files the job user's processes
 * keep in directories they write (provenance, journal, state).
 *
 * Everything works relative to a directory fd that the caller opened safely
 * (ae_safedir), so no path is looked up twice, and the last component is never
 * followed when it is a symlink (O_NOFOLLOW): a symlink planted where one of
 * our files goes is refused, not written through. Only regular files are
 * accepted, so a FIFO or device planted there cannot block or redirect us.
 */
#ifndef AE_FSUTIL_H
#define AE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "ae_error.h"

/* The most that autoexp lets others do with the files and directories it
 * keeps for a job (provenance, journal, records): the group may read, never
 * write; others get nothing. What is created here (and by ae_safedir for a
 * directory it must own) gets the mode asked for, limited by the directory
 * it is created in (ae_fsutil_limit_mode): the run's provenance directory,
 * made 0700 or 0750 at job start (ae_sharing), decides for all below it. */
#define AE_FSUTIL_FILE_MODE 0640
#define AE_FSUTIL_DIR_MODE  0750

/* `mode` limited by the mode of the directory dirfd (AT_FDCWD: the working
 * directory): the owner's bits are kept, the group's read and search bits
 * only where the directory has them, nothing else. Owner bits only when
 * the directory cannot be examined. */
mode_t ae_fsutil_limit_mode(int dirfd, mode_t mode);

/* Open dirfd/name with `flags` (O_RDONLY, O_WRONLY|O_APPEND|O_CREAT, ...;
 * O_NOFOLLOW and O_CLOEXEC are always added) and `mode` for a new file
 * (limited by the directory: ae_fsutil_limit_mode).
 * Refuses a symlink ("is a symlink: refused") and anything that is not a
 * regular file. Returns an fd (caller closes) or -1 with err set; errno is
 * kept from the failing call, so ENOENT can be told apart. */
int ae_fsutil_open(int dirfd, const char *name, int flags, mode_t mode,
                   ae_error *err);

/* write(2) all of buf, retrying on EINTR and short writes. 0 or -1 (errno). */
int ae_fsutil_write_all(int fd, const void *buf, size_t len);

/* Replace dirfd/name by `data` atomically: a new temporary file in the same
 * directory (O_EXCL, unique name), written, fsynced, renamed over name, then
 * the directory fsynced so the rename survives a crash. Readers see the old
 * or the new content, never a mix. `mode` is the new file's mode (limited
 * by the directory, minus umask). The temporary file is removed on failure. 0
 * or -1 with err set. */
int ae_fsutil_write_atomic(int dirfd, const char *name, const void *data,
                           size_t len, mode_t mode, ae_error *err);

/* Create a new temporary file for dirfd/name in dirfd (O_EXCL, a unique
 * dot-name written into tmp[size], `mode` limited by the directory), opened
 * for writing. fd or -1 with err. */
int ae_fsutil_create_temp(int dirfd, const char *name, mode_t mode, char *tmp,
                          size_t size, ae_error *err);

/* Read all of dirfd/name (no symlink, regular file, at most max bytes) into
 * a malloc'ed buffer with a NUL after the data (caller frees). Returns 1 with
 * *data and *len set, 0 when the file does not exist (err cleared), -1 with err
 * set. */
int ae_fsutil_read_file(int dirfd, const char *name, size_t max, char **data,
                        size_t *len, ae_error *err);

/* 1 when err is a write that failed for want of space (ENOSPC, or EDQUOT:
 * the user's quota), which room made later may cure; 0 otherwise. Only the
 * failures of these functions carry their errno (ae_error.errnum). */
int ae_fsutil_disk_full(const ae_error *err);

/* fsync a directory fd; file systems that cannot (EINVAL) are not an error. */
int ae_fsutil_fsync_dir(int dirfd, const char *display, ae_error *err);

#endif /* AE_FSUTIL_H */
