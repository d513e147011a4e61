/* ae_spawn: run a child program without a shell, without blocking.
 *
 * The child gets exactly the argv and environment given, stdin from
 * /dev/null, stdout and stderr into bounded buffers (the last max_output
 * bytes are kept) or into files, its own process group (so a timeout kills
 * everything it started), default signal dispositions, an empty signal mask,
 * and no other inherited file descriptor but the one directory it may be
 * handed (inherit_fd, as AE_SPAWN_CHILD_DIRFD: see ae_fdpath.h). argv[0]
 * without a '/' is looked up in the PATH of the given environment (or
 * /usr/bin:/bin when it has none).
 *
 * The parent never sleeps: ae_child_poll() reads what is available, reaps
 * the child when it has exited and enforces the timeout (SIGTERM to the
 * group, SIGKILL after a grace period). An event loop waits on the
 * descriptors from ae_child_fds() and on ae_child_next_time().
 *
 * The child is reaped with waitpid(pid): a program using this must not reap
 * all children itself (waitpid(-1), SIGCHLD set to SIG_IGN), or the exit
 * status is lost (the child then counts as failed).
 */
#ifndef AE_SPAWN_H
#define AE_SPAWN_H

#include <stddef.h>

#include "ae_error.h"

/* The child's number of the directory given as inherit_fd. */
#define AE_SPAWN_CHILD_DIRFD 3

typedef struct ae_spawn_opts {
	const char *const *argv; /* NULL-ended, argv[0] required */
	const char *const
	    *envp;         /* NULL-ended; NULL means an empty environment */
	const char *cwd;   /* NULL: the parent's */
	double timeout;    /* seconds from start; 0: none */
	double kill_grace; /* seconds between SIGTERM and SIGKILL; 0: 5 */
	size_t max_output; /* bytes kept per stream; 0: 64 KiB */
	/* When set, the stream goes to this file (created 0600 or truncated)
	 * instead of a buffer. */
	const char *stdout_path;
	const char *stderr_path;
	/* > 2: this descriptor (a directory the child reaches files through,
	 * /proc/self/fd/3/...) becomes the child's AE_SPAWN_CHILD_DIRFD;
	 * 0: none. */
	int inherit_fd;
} ae_spawn_opts;

typedef struct ae_child ae_child;

/* Start the child at time `now` (seconds, any clock the caller keeps using).
 * Returns a new child (caller frees) or NULL with err set (program not
 * found, cwd unusable, exec failure, no memory). */
ae_child *ae_spawn_start(const ae_spawn_opts *opts, double now, ae_error *err);

/* Read available output, reap and enforce the timeout at `now`. Returns 1
 * when the child has finished (reaped and its output collected), 0 while it
 * runs. Never blocks. */
int ae_child_poll(ae_child *c, double now);

/* Blocking convenience for callers outside an event loop (tests, the CLI):
 * poll() on the child's descriptors until it finishes. `clock` gives the
 * current time in the same unit as `now` above (NULL: CLOCK_MONOTONIC). */
void ae_child_wait(ae_child *c, double (*clock)(void));

/* Descriptors to wait on for readability (output pipes, and a pidfd that
 * becomes readable when the child exits, where the kernel has one). Returns
 * how many were written to fds (at most max). */
int ae_child_fds(const ae_child *c, int *fds, int max);

/* When the caller must poll again at the latest even if no descriptor is
 * ready: the timeout or kill deadline, or a short interval when the exit
 * cannot be waited for on a descriptor. Returns INFINITY when none. */
double ae_child_next_time(const ae_child *c, double now);

/* After completion: */
int ae_child_exited(const ae_child *c);    /* 1 when it exited normally */
int ae_child_exit_code(const ae_child *c); /* exit status, or -1 */
int ae_child_signal(const ae_child *c);    /* killing signal, or 0 */
int ae_child_timed_out(const ae_child *c); /* 1 when killed for the timeout */
/* The kept tail of a stream (NUL-terminated, borrowed) and whether bytes
 * were dropped. Empty when the stream went to a file. */
const char *ae_child_stdout(const ae_child *c, size_t *len, int *truncated);
const char *ae_child_stderr(const ae_child *c, size_t *len, int *truncated);
int ae_child_pid(const ae_child *c);

/* Kill a running child's process group with SIGKILL, reap it, free all.
 * Safe on NULL. */
void ae_child_free(ae_child *c);

#endif /* AE_SPAWN_H */
