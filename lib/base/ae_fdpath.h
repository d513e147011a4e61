/* ae_fdpath: paths that reach a file through a directory this process holds
 * open, /proc/self/fd/N/name, for programs that take paths (sbatch and the
 * plugin inside it).
 *
 * The kernel resolves /proc/self/fd/N to the open directory itself, not by
 * its name, so renaming the directory or one above it cannot change what
 * such a path reaches. A child gets the directory at a known number
 * (ae_spawn_opts.inherit_fd, AE_SPAWN_CHILD_DIRFD), and its paths name that
 * number. Such a path means nothing outside the process that holds the
 * descriptor: what is recorded is ae_fdpath_display's.
 */
#ifndef AE_FDPATH_H
#define AE_FDPATH_H

#include <stddef.h>

/* "/proc/self/fd/<fd>/<name>" into buf. 0, or -1 when it does not fit. */
int ae_fdpath_format(char *buf, size_t size, int fd, const char *name);

/* 1 when path reaches its file through /proc/self/fd/N/, else 0. */
int ae_fdpath_is(const char *path);

/* For messages and records: a path through /proc/self/fd/N with N replaced
 * by the directory's path as the kernel names it now (read, not looked
 * up); any other path as it is. New string (caller frees) or NULL when
 * memory runs out. */
char *ae_fdpath_display(const char *path);

#endif /* AE_FDPATH_H */
