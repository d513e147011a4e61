/* ae_safedir: open (and create) the directories the plugin writes into, on
 * the job user's behalf, without being led elsewhere by symlinks.
 *
 * Runs with the job user's effective ids, so the kernel already checks every
 * access as that user; on top of that, a path component that is a symlink is
 * followed only when the user or root owns it, and a directory the plugin
 * keeps its own files in must belong to the user. A symlink planted by someone
 * else, or a "provenance" symlink into a directory the user does not own, is
 * refused with the path in the message.
 */
#ifndef AE_SAFEDIR_H
#define AE_SAFEDIR_H

#include <sys/types.h>

#include "ae_error.h"

/* Open the absolute directory `path`, creating missing components with mode
 * 0755 (minus umask) when `create` is set; with `must_own`, the directory
 * itself must belong to uid. Returns a directory fd (O_CLOEXEC, caller
 * closes) or -1 with err set. */
int ae_safedir_open(const char *path, uid_t uid, int create, int must_own,
                    ae_error *err);

/* Open (creating when missing) the subdirectory `name` of dirfd with the same
 * rules, except that a directory created with `must_own` (one autoexp keeps
 * its own files in) gets AE_FSUTIL_DIR_MODE limited by dirfd's mode
 * (ae_fsutil_limit_mode); display_path names it in errors. Returns an fd or
 * -1. */
int ae_safedir_openat(int dirfd, const char *name, const char *display_path,
                      uid_t uid, int create, int must_own, ae_error *err);

#endif /* AE_SAFEDIR_H */
