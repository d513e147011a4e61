/* ae_safedir: open (and create) the directories the plugin and the helper
 * write into, on the job user's behalf, without being led elsewhere by
 * symlinks or by a swap between a check and its use.
 *
 * Runs with the job user's effective ids, so the kernel already checks every
 * access as that user; on top of that, a path component that is a symlink is
 * followed only when the user or root owns it, and a directory the plugin
 * keeps its own files in must belong to the user. A symlink planted by someone
 * else, or a "provenance" symlink into a directory the user does not own, is
 * refused with the path in the message.
 *
 * The path is walked one component at a time, each opened without following
 * (O_PATH | O_NOFOLLOW) and judged by fstat of what was opened: what is
 * checked is what is used. A symlink's own target is read from the opened
 * link and walked the same way (at most 40 symlinks). Once a directory is
 * open, the caller works relative to its descriptor (openat) and never looks
 * its path up again.
 *
 * AE_SAFEDIR_STRICT also refuses a directory on the way that someone other
 * than the user and root could change: one owned by another user, or one
 * writable by its group or by others without the sticky bit (ssh's
 * StrictModes, with the sticky bit of /tmp-like directories allowed). In
 * such a directory another user can rename what it holds, the user's
 * directories included, and swap in their own.
 */
#ifndef AE_SAFEDIR_H
#define AE_SAFEDIR_H

#include <sys/types.h>

#include "ae_error.h"

/* The `checks` of the functions below, or-ed. */
#define AE_SAFEDIR_OWN    1 /* the directory itself must belong to uid */
#define AE_SAFEDIR_STRICT 2 /* and no directory on the way is unsafe */

/* Open the absolute directory `path`, creating missing components with mode
 * 0755 (minus umask) when `create` is set (not in a symlink's target).
 * Returns a directory fd (O_RDONLY, O_CLOEXEC; caller closes) or -1 with err
 * set (the message of a strict refusal names the directory and the fix) and
 * errno that of the failing call (ENOENT: a component is missing). */
int ae_safedir_open(const char *path, uid_t uid, int create, int checks,
                    ae_error *err);

/* Open (creating when missing) `name`, a relative path of one or more
 * components below dirfd (none of them ".."), with the same rules; dirfd
 * itself is not checked again. display_path names the result in errors.
 * Returns an fd or -1. */
int ae_safedir_openat(int dirfd, const char *name, const char *display_path,
                      uid_t uid, int create, int checks, ae_error *err);

#endif /* AE_SAFEDIR_H */
