#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ae_spawn.h"

#define DEFAULT_MAX_OUTPUT (64u * 1024u)
#define DEFAULT_GRACE      5.0
/* Without a pidfd, the exit is noticed by polling this often. */
#define REAP_INTERVAL 0.05

typedef struct stream {
	int fd;    /* read end, -1 when closed or not captured */
	char *buf; /* max + 1 bytes */
	size_t len, max;
	int truncated;
} stream;

struct ae_child {
	pid_t pid;
	int pidfd;
	int reaped;
	int status;
	int timed_out;
	double deadline; /* INFINITY when no timeout */
	double term_at;  /* when SIGTERM was sent, or -1 */
	double grace;
	stream out, err;
};

static int high_fd(int fd)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	/* Keep our descriptors off 0-2 so the child's dup2s cannot clobber
	 * one another when the parent runs with stdio closed. */
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static const char *env_path(const char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], "PATH=", 5))
			return envp[i] + 5;
	return "/usr/bin:/bin";
}

/* Find argv0 in PATH, as execvpe would but with the child's PATH. Returns a
 * new string or NULL with errno set. */
static char *search_path(const char *name, const char *const *envp)
{
	const char *p = env_path(envp);
	int saved = ENOENT;

	if (strchr(name, '/'))
		return strdup(name);
	while (*p) {
		const char *end = strchrnul(p, ':');
		size_t dl = (size_t)(end - p);
		char *cand = malloc(dl + strlen(name) + 3);
		struct stat st;

		if (!cand)
			return NULL;
		if (dl)
			sprintf(cand, "%.*s/%s", (int)dl, p, name);
		else
			sprintf(cand, "./%s", name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		if (errno == EACCES)
			saved = EACCES;
		free(cand);
		p = *end ? end + 1 : end;
	}
	errno = saved;
	return NULL;
}

static int stream_init(stream *s, size_t max)
{
	s->fd = -1;
	s->len = 0;
	s->max = max;
	s->truncated = 0;
	s->buf = malloc(max + 1);
	if (!s->buf)
		return -1;
	s->buf[0] = '\0';
	return 0;
}

static void stream_append(stream *s, const char *data, size_t n)
{
	if (n >= s->max) {
		s->truncated |= (n > s->max || s->len > 0);
		memcpy(s->buf, data + (n - s->max), s->max);
		s->len = s->max;
	} else {
		if (s->len + n > s->max) {
			size_t drop = s->len + n - s->max;

			memmove(s->buf, s->buf + drop, s->len - drop);
			s->len -= drop;
			s->truncated = 1;
		}
		memcpy(s->buf + s->len, data, n);
		s->len += n;
	}
	s->buf[s->len] = '\0';
}

/* Read what is there; close at EOF or on error. */
static void stream_read(stream *s)
{
	char tmp[16384];

	while (s->fd >= 0) {
		ssize_t n = read(s->fd, tmp, sizeof(tmp));

		if (n > 0) {
			stream_append(s, tmp, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		close(s->fd);
		s->fd = -1;
	}
}

static void stream_close(stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Set up one output stream: a pipe (read end kept, non-blocking) or a file.
 * *child_fd receives the descriptor the child writes to. */
static int setup_stream(stream *s, const char *path, int *child_fd,
                        ae_error *err)
{
	int p[2];

	if (path) {
		int fd = open(
		    path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0600);

		if (fd < 0)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "cannot open '%s': %s", path,
			                    strerror(errno));
		*child_fd = high_fd(fd);
		return *child_fd < 0 ? ae_error_set(err, NULL, 0, 0, NULL,
		                                    "dup: %s", strerror(errno))
		                     : 0;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return ae_error_set(err, NULL, 0, 0, NULL, "pipe: %s",
		                    strerror(errno));
	p[0] = high_fd(p[0]);
	p[1] = high_fd(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return ae_error_set(err, NULL, 0, 0, NULL, "dup: %s",
		                    strerror(errno));
	}
	/* Only our end is non-blocking: the child's writes must block. */
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	s->fd = p[0];
	*child_fd = p[1];
	return 0;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

ae_child *ae_spawn_start(const ae_spawn_opts *opts, double now, ae_error *err)
{
	static const char *const empty_env[] = {NULL};
	static const int reset_signals[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGPIPE,
	                                    SIGALRM, SIGTERM, SIGUSR1, SIGUSR2,
	                                    SIGCHLD, SIGTTIN, SIGTTOU, SIGTSTP};
	const char *const *envp = opts->envp ? opts->envp : empty_env;
	size_t max = opts->max_output ? opts->max_output : DEFAULT_MAX_OUTPUT;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int fa_ok = 0, attr_ok = 0;
	int out_fd = -1, err_fd = -1, pass_fd = -1;
	char *path = NULL;
	sigset_t set;
	ae_child *c;
	int rc;

	if (!opts->argv || !opts->argv[0] || !opts->argv[0][0]) {
		ae_error_set(err, NULL, 0, 0, NULL, "empty command");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->pid = -1;
	c->pidfd = -1;
	c->out.fd = c->err.fd = -1;
	if (stream_init(&c->out, max) < 0 || stream_init(&c->err, max) < 0)
		goto nomem;
	c->term_at = -1;
	c->grace = opts->kill_grace > 0 ? opts->kill_grace : DEFAULT_GRACE;
	c->deadline = opts->timeout > 0 ? now + opts->timeout : INFINITY;

	path = search_path(opts->argv[0], envp);
	if (!path) {
		if (errno == ENOMEM)
			goto nomem;
		ae_error_set(err, NULL, 0, 0, NULL,
		             "cannot run '%s': not found in PATH",
		             opts->argv[0]);
		goto fail;
	}
	if (setup_stream(&c->out, opts->stdout_path, &out_fd, err) < 0 ||
	    setup_stream(&c->err, opts->stderr_path, &err_fd, err) < 0)
		goto fail;
	/* above the child's number: a dup2 onto the same number would keep
	 * close-on-exec with older C libraries */
	if (opts->inherit_fd > 2 &&
	    (pass_fd = fcntl(opts->inherit_fd, F_DUPFD_CLOEXEC,
	                     AE_SPAWN_CHILD_DIRFD + 1)) < 0) {
		ae_error_set(err, NULL, 0, 0, NULL, "dup: %s", strerror(errno));
		goto fail;
	}

	if (posix_spawn_file_actions_init(&fa))
		goto nomem;
	fa_ok = 1;
	if (posix_spawnattr_init(&attr))
		goto nomem;
	attr_ok = 1;
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	rc = rc ? rc : posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
	if (!rc && pass_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, pass_fd,
		                                      AE_SPAWN_CHILD_DIRFD);
	if (!rc && opts->cwd)
		rc = posix_spawn_file_actions_addchdir_np(&fa, opts->cwd);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* Descriptors the helper inherited without O_CLOEXEC. */
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(
		    &fa, pass_fd >= 0 ? AE_SPAWN_CHILD_DIRFD + 1 : 3);
#endif
	sigemptyset(&set);
	rc = rc ? rc : posix_spawnattr_setsigmask(&attr, &set);
	for (size_t i = 0; i < sizeof(reset_signals) / sizeof(*reset_signals);
	     i++)
		sigaddset(&set, reset_signals[i]);
	rc = rc ? rc : posix_spawnattr_setsigdefault(&attr, &set);
	rc = rc ? rc : posix_spawnattr_setpgroup(&attr, 0);
	rc = rc ? rc
	        : posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	                                              POSIX_SPAWN_SETSIGMASK |
	                                              POSIX_SPAWN_SETSIGDEF);
	if (rc) {
		ae_error_set(err, NULL, 0, 0, NULL, "posix_spawn setup: %s",
		             strerror(rc));
		goto fail;
	}
	rc = posix_spawn(&c->pid, path, &fa, &attr, (char *const *)opts->argv,
	                 (char *const *)envp);
	if (rc) {
		c->pid = -1;
		if (opts->cwd &&
		    (rc == ENOENT || rc == ENOTDIR || rc == EACCES) &&
		    access(opts->cwd, X_OK) != 0)
			ae_error_set(err, NULL, 0, 0, NULL,
			             "cannot run '%s' in '%s': %s",
			             opts->argv[0], opts->cwd, strerror(rc));
		else
			ae_error_set(err, NULL, 0, 0, NULL,
			             "cannot run '%s': %s", path, strerror(rc));
		goto fail;
	}
	c->pidfd = open_pidfd(c->pid);
	goto out;
nomem:
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
fail:
	ae_child_free(c);
	c = NULL;
out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_ok)
		posix_spawnattr_destroy(&attr);
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (pass_fd >= 0)
		close(pass_fd);
	free(path);
	return c;
}

int ae_child_poll(ae_child *c, double now)
{
	if (c->reaped)
		return 1;
	stream_read(&c->out);
	stream_read(&c->err);
	for (;;) {
		pid_t r = waitpid(c->pid, &c->status, WNOHANG);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == c->pid || (r < 0 && errno == ECHILD)) {
			if (r < 0)
				c->status = -1;
			c->reaped = 1;
		}
		break;
	}
	if (c->reaped) {
		/* What the child wrote is in the pipe now; a grandchild still
		 * holding the pipe does not keep us waiting. */
		stream_read(&c->out);
		stream_read(&c->err);
		stream_close(&c->out);
		stream_close(&c->err);
		if (c->pidfd >= 0)
			close(c->pidfd);
		c->pidfd = -1;
		if (c->timed_out)
			kill(-c->pid, SIGKILL);
		return 1;
	}
	if (now >= c->deadline && c->term_at < 0) {
		c->timed_out = 1;
		c->term_at = now;
		kill(-c->pid, SIGTERM);
	} else if (c->term_at >= 0 && now >= c->term_at + c->grace) {
		kill(-c->pid, SIGKILL);
	}
	return 0;
}

int ae_child_fds(const ae_child *c, int *fds, int max)
{
	int n = 0;

	if (c->reaped)
		return 0;
	if (c->out.fd >= 0 && n < max)
		fds[n++] = c->out.fd;
	if (c->err.fd >= 0 && n < max)
		fds[n++] = c->err.fd;
	if (c->pidfd >= 0 && n < max)
		fds[n++] = c->pidfd;
	return n;
}

double ae_child_next_time(const ae_child *c, double now)
{
	double t = INFINITY;

	if (c->reaped)
		return t;
	t = c->term_at >= 0 ? c->term_at + c->grace : c->deadline;
	if (c->pidfd < 0 && now + REAP_INTERVAL < t)
		t = now + REAP_INTERVAL;
	return t;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ae_child_wait(ae_child *c, double (*clock)(void))
{
	if (!clock)
		clock = mono_now;
	while (!ae_child_poll(c, clock())) {
		struct pollfd pfd[3];
		int fds[3];
		int n = ae_child_fds(c, fds, 3);
		double now = clock();
		double next = ae_child_next_time(c, now);
		int ms = -1;

		for (int i = 0; i < n; i++) {
			pfd[i].fd = fds[i];
			pfd[i].events = POLLIN;
		}
		if (isfinite(next))
			ms = next <= now ? 0 : (int)((next - now) * 1000) + 1;
		/* Pipes closed and no pidfd: fall back to a short sleep. */
		if (n == 0 && ms < 0)
			ms = (int)(REAP_INTERVAL * 1000);
		poll(pfd, (nfds_t)n, ms);
	}
}

int ae_child_exited(const ae_child *c)
{
	return c->reaped && c->status >= 0 && WIFEXITED(c->status);
}

int ae_child_exit_code(const ae_child *c)
{
	return ae_child_exited(c) ? WEXITSTATUS(c->status) : -1;
}

int ae_child_signal(const ae_child *c)
{
	return c->reaped && c->status >= 0 && WIFSIGNALED(c->status)
	           ? WTERMSIG(c->status)
	           : 0;
}

int ae_child_timed_out(const ae_child *c)
{
	return c->timed_out;
}

const char *ae_child_stdout(const ae_child *c, size_t *len, int *truncated)
{
	if (len)
		*len = c->out.len;
	if (truncated)
		*truncated = c->out.truncated;
	return c->out.buf;
}

const char *ae_child_stderr(const ae_child *c, size_t *len, int *truncated)
{
	if (len)
		*len = c->err.len;
	if (truncated)
		*truncated = c->err.truncated;
	return c->err.buf;
}

int ae_child_pid(const ae_child *c)
{
	return (int)c->pid;
}

void ae_child_free(ae_child *c)
{
	if (!c)
		return;
	if (c->pid > 0 && !c->reaped) {
		kill(-c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	stream_close(&c->out);
	stream_close(&c->err);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c->out.buf);
	free(c->err.buf);
	free(c);
}
