#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "helper_dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ae_fsutil.h"
#include "ae_safedir.h"

/* As ae_yaml's default input limit. */
#define CONFIG_MAX (16u * 1024u * 1024u)

static void reset(helper_dirs *d)
{
	memset(d, 0, sizeof(*d));
	d->run.prov_fd = d->run.job_fd = -1;
}

int helper_dirs_open(helper_dirs *d, const char *prov_dir, ae_error *err)
{
	size_t len = strlen(prov_dir);

	reset(d);
	/* no trailing '/': paths in it are recognized by their prefix */
	while (len > 1 && prov_dir[len - 1] == '/')
		len--;
	if (!(d->run.prov_dir = strndup(prov_dir, len)))
		return ae_error_set(err, prov_dir, 0, 0, NULL, "out of memory");
	d->run.prov_fd =
	    ae_safedir_open(d->run.prov_dir, getuid(), 0, AE_SAFEDIR_OWN, err);
	return d->run.prov_fd < 0 ? -1 : 0;
}

/* path absolute (relative ones are the working directory's), new string. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX], *abs;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, path) < 0)
		return NULL;
	return abs;
}

/* What follows the provenance directory's path in path ("" for itself), or
 * NULL when path is not in it (or leaves it again with ".."). */
static const char *below(const helper_dirs *d, const char *path)
{
	size_t len = strlen(d->run.prov_dir);

	if (strncmp(path, d->run.prov_dir, len) ||
	    (path[len] && path[len] != '/') || strstr(path + len, "/.."))
		return NULL;
	while (path[len] == '/')
		len++;
	return path + len;
}

/* Open the directory `dir` (absolute) with the rules of ae_safedir, from
 * the provenance directory's descriptor when it is in it. */
static int open_dir(const helper_dirs *d, const char *dir, int checks,
                    ae_error *err)
{
	const char *rest = below(d, dir);
	int fd;

	if (!rest)
		return ae_safedir_open(dir, getuid(), 0, checks, err);
	if (*rest)
		return ae_safedir_openat(d->run.prov_fd, rest, dir, getuid(), 0,
		                         checks, err);
	fd = fcntl(d->run.prov_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		ae_error_set(err, dir, 0, 0, NULL, "dup: %s", strerror(errno));
	return fd;
}

static void load_config(helper_dirs *d, const char *config_path)
{
	char *abs = absolute(config_path), real[PATH_MAX], *path = abs, *slash;
	ae_error *err = &d->config_err;
	int fd, rc, in_prov;

	d->config_name = strdup(config_path);
	if (!abs || !d->config_name) {
		ae_error_set(err, config_path, 0, 0, NULL, "out of memory");
		goto out;
	}
	/* a config elsewhere (by hand) is the user's choice: resolved once */
	in_prov = below(d, abs) != NULL;
	if (!in_prov) {
		if (!realpath(abs, real)) {
			ae_error_set(err, config_path, 0, 0, NULL,
			             "cannot open: %s", strerror(errno));
			goto out;
		}
		path = real;
	}
	slash = strrchr(path, '/');
	*slash = '\0';
	/* in the provenance directory: the plugin's, the user's own */
	fd = open_dir(d, *path ? path : "/", in_prov ? AE_SAFEDIR_OWN : 0, err);
	if (fd < 0)
		goto out;
	rc = ae_fsutil_read_file(fd, slash + 1, CONFIG_MAX, &d->config_text,
	                         &d->config_len, err);
	close(fd);
	if (rc == 0)
		ae_error_set(err, config_path, 0, 0, NULL,
		             "cannot open: No such file or directory");
	else if (rc < 0 && strcmp(err->file, config_path))
		snprintf(err->file, sizeof(err->file), "%s", config_path);
out:
	free(abs);
}

void helper_dirs_load(helper_dirs *d, const char *config_path,
                      const char *job_dir)
{
	char *abs;

	load_config(d, config_path);
	if (!job_dir || !*job_dir)
		return;
	if (!(abs = absolute(job_dir))) {
		ae_error_set(&d->job_err, job_dir, 0, 0, NULL, "out of memory");
		return;
	}
	d->run.job_fd = open_dir(d, abs, AE_SAFEDIR_OWN, &d->job_err);
	if (d->run.job_fd >= 0)
		d->run.job_dir = abs;
	else
		free(abs);
}

void helper_dirs_close(helper_dirs *d)
{
	if (d->run.prov_fd >= 0)
		close(d->run.prov_fd);
	if (d->run.job_fd >= 0)
		close(d->run.job_fd);
	free((char *)d->run.prov_dir);
	free((char *)d->run.job_dir);
	free(d->config_text);
	free(d->config_name);
	reset(d);
}
