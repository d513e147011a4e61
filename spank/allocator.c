/* ALLOCATOR context (sbatch, as the submitting user): refuse a job whose
 * config is wrong before it reaches the queue, and capture the config as
 * submitted so that later edits of the file change nothing. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ae_capture.h"
#include "ae_compose.h"
#include "ae_fdpath.h"
#include "ae_interp.h"
#include "ae_request.h"
#include "ae_taskdir.h"
#include "ae_searchpath.h"
#include "ae_submit.h"
#include "ae_timecheck.h"
#include "allocator.h"
#include "context.h"
#include "spank_api.h"

static int check_readable(const char *path)
{
	struct stat st;
	int fd;

	/* sbatch runs as the user: opening the user's file here is safe. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ae_spank_error("autoexp: --autoexp-config: cannot read %s: %s",
		               path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ae_spank_error(
		    "autoexp: --autoexp-config: %s is not a regular file",
		    path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A cooldown submitted by the helper fixes its timestring in advance
 * (AUTOEXP_TIMESTRING), so that it can record the child's output directory.
 * Only a value of the timestring's own shape is taken. */
static const char *fixed_timestring(void)
{
	const char *ts = getenv("AUTOEXP_TIMESTRING");

	return ae_capture_timestring_ok(ts) ? ts : NULL;
}

/* Largest sbatch command line recorded. */
#define AE_CMDLINE_MAX (1024u * 1024u)

/* What sbatch was asked, from its own command line and environment (this
 * process is the user's sbatch), as ae_request JSON (caller frees); NULL
 * when it cannot be read: the job then runs without the record, and a
 * follow-up falls back to the parent's resources. */
static json_t *sbatch_request(void)
{
	char *buf = malloc(AE_CMDLINE_MAX), **argv = NULL;
	size_t len = 0, i;
	int argc = 0, fd;
	ssize_t n;
	json_t *req = NULL;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0)
		goto out;
	while (len < AE_CMDLINE_MAX - 1 &&
	       (n = read(fd, buf + len, AE_CMDLINE_MAX - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	argv = calloc(len + 2, sizeof(*argv));
	if (!argv)
		goto out;
	for (i = 0; i < len; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	req = ae_request_from_sbatch(argc, argv, environ, NULL);
out:
	if (fd >= 0)
		close(fd);
	free(argv);
	free(buf);
	return req;
}

/* A path through a directory the submitting helper holds open
 * (/proc/self/fd/N/..., ae_fdpath.h) means nothing after sbatch: the
 * record gets the real path. 0, or -1 when memory runs out. */
static int shown_path(json_t *holder, const char *key, size_t index,
                      const char *prefix)
{
	json_t *v =
	    key ? json_object_get(holder, key) : json_array_get(holder, index);
	const char *s = json_string_value(v);
	size_t plen = prefix ? strlen(prefix) : 0;
	char *shown, *text;
	int rc;

	if (!s || (prefix && strncmp(s, prefix, plen)) ||
	    !ae_fdpath_is(s + plen))
		return 0;
	if (!(shown = ae_fdpath_display(s + plen)))
		return -1;
	if (asprintf(&text, "%s%s", prefix ? prefix : "", shown) < 0) {
		free(shown);
		return -1;
	}
	rc = key ? json_object_set_new(holder, key, json_string(text))
	         : json_array_set_new(holder, index, json_string(text));
	free(text);
	free(shown);
	return rc;
}

/* The request as recorded: a copy whose script and --autoexp-config name
 * their files' real paths (NULL when memory runs out). */
static json_t *recorded_request(const json_t *req)
{
	json_t *copy = json_deep_copy(req);
	json_t *options = json_object_get(copy, "options");
	size_t i;

	if (!copy || shown_path(copy, "script", 0, NULL) < 0)
		goto nomem;
	for (i = 0; i < json_array_size(options); i++)
		if (shown_path(options, NULL, i, "--autoexp-config=") < 0)
			goto nomem;
	return copy;
nomem:
	json_decref(copy);
	return NULL;
}

/* The capture with the request added (caller frees), or NULL. */
static char *with_request(const char *capture, const json_t *req, ae_error *err)
{
	ae_capture *cap = ae_capture_decode(capture, err);
	json_t *shown = req ? recorded_request(req) : NULL;
	char *out = NULL;

	if (!cap) {
		json_decref(shown);
		return NULL;
	}
	cap->request = shown ? json_dumps(shown, JSON_COMPACT) : NULL;
	json_decref(shown);
	out = ae_capture_encode(cap, err);
	ae_capture_free(cap);
	return out;
}

/* Largest batch script read for its #SBATCH lines (Slurm's default
 * max_script_size). */
#define AE_SCRIPT_MAX (4u * 1024u * 1024u)

/* The batch script's text into *text (caller frees; NULL for --wrap).
 * -1 when its #SBATCH lines cannot be known: a script on stdin (sbatch has
 * read it), or a file that is not a readable regular file. */
static int batch_script(const json_t *req, char **text)
{
	const char *path = json_string_value(json_object_get(req, "script"));
	const json_t *options = json_object_get(req, "options");
	struct stat st;
	size_t len = 0, i;
	ssize_t n;
	int fd;

	*text = NULL;
	if (!path) {
		for (i = 0; i < json_array_size(options); i++) {
			const char *o =
			    json_string_value(json_array_get(options, i));

			if (o && !strncmp(o, "--wrap=", 7))
				return 0;
		}
		return -1;
	}
	/* sbatch runs as the user and has read this file already */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size >= AE_SCRIPT_MAX ||
	    !(*text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size &&
	       (n = read(fd, *text + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	(*text)[len] = '\0';
	close(fd);
	return 0;
}

/* Warn, never refuse, when the job's --time and --signal leave Megatron no
 * time to save a checkpoint (lib/submit/ae_timecheck.c). Printed at info
 * level, as sbatch prints what is not an error (--quiet hides them). */
static void time_check(const json_t *req, const ae_submit_result *res)
{
	ae_compose_warning *w = NULL;
	char *script = NULL;
	size_t n = 0, i;

	if (!req || batch_script(req, &script) < 0)
		return; /* the job's --time and --signal are not known */
	if (ae_timecheck_run(json_object_get(req, "options"), script,
	                     res->unresolved, res->timestring, &w, &n,
	                     NULL) > 0)
		for (i = 0; i < n; i++)
			ae_spank_info("autoexp: warning: %s", w[i].text);
	free(w);
	free(script);
}

/* The submitting environment: oc.env at sbatch, for the array check. */
static const char *submit_env(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* An array job whose tasks would share their output or checkpoint
 * directory is refused here when that can be seen (ae_taskdir); what needs
 * the job's environment is checked again at job start. 0 or -1. */
static int array_check(const json_t *req, const ae_submit_result *res)
{
	char msg[AE_ERROR_TEXT_LEN + AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN];
	ae_resolve_opts opts = {0};
	char *script = NULL;
	ae_error err;
	int rv = 0;

	if (!req)
		return 0;
	/* a script on stdin: its #SBATCH lines are not known here */
	if (batch_script(req, &script) < 0)
		script = NULL;
	opts.timestring = res->timestring;
	opts.env = submit_env;
	ae_error_clear(&err);
	if (ae_taskdir_check_request(json_object_get(req, "options"), script,
	                             res->unresolved, &opts, &err) < 0) {
		ae_error_format(&err, msg, sizeof(msg));
		ae_spank_error("autoexp: --autoexp-config: %s", msg);
		rv = -1;
	}
	free(script);
	return rv;
}

int ae_plug_allocator_check_config(const char *path)
{
	const char *presets =
	    ae_plugin.presets_dir ? ae_plugin.presets_dir : AE_PRESETS_DIR;
	ae_submit_result res = {0};
	char msg[AE_ERROR_TEXT_LEN + AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN];
	json_t *req;
	ae_error err;
	size_t i;

	if (check_readable(path) < 0)
		return -1;
	ae_error_clear(&err);
	if (ae_submit_prepare(path, NULL, 0, getenv(AE_SEARCHPATH_ENV), presets,
	                      NULL, fixed_timestring(), NULL, &res, &err) < 0) {
		ae_error_format(&err, msg, sizeof(msg));
		ae_spank_error("autoexp: --autoexp-config: %s", msg);
		ae_submit_result_clear(&res);
		return -1;
	}
	for (i = 0; i < res.n_warnings; i++)
		ae_spank_error("autoexp: warning: %s", res.warnings[i].text);
	req = sbatch_request();
	if (array_check(req, &res) < 0) {
		json_decref(req);
		ae_submit_result_clear(&res);
		return -1;
	}
	time_check(req, &res);
	free(ae_plugin.capture);
	ae_plugin.capture = with_request(res.capture, req, &err);
	json_decref(req);
	ae_submit_result_clear(&res);
	if (!ae_plugin.capture) {
		ae_spank_error("autoexp: --autoexp-config: %s", err.text);
		return -1;
	}
	return 0;
}

int ae_plug_allocator_post_opt(spank_t sp)
{
	char header[128];
	char **chunks = NULL;
	ae_error err;
	long n, i;
	int rv = -1;

	if (!ae_plugin.capture)
		return 0;
	ae_error_clear(&err);
	n = ae_capture_split(ae_plugin.capture, &chunks, header, sizeof(header),
	                     &err);
	if (n < 0) {
		ae_spank_error("autoexp: --autoexp-config: %s", err.text);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s_%ld", AE_CAPTURE_VAR, i);
		if (ae_spank_control_setenv(sp, name, chunks[i]) < 0) {
			ae_spank_error(
			    "autoexp: cannot attach the config to the job (%s)",
			    name);
			goto out;
		}
	}
	/* the header last: a job that has it has every chunk */
	if (ae_spank_control_setenv(sp, AE_CAPTURE_VAR, header) < 0) {
		ae_spank_error("autoexp: cannot attach the config to the job");
		goto out;
	}
	rv = 0;
out:
	for (i = 0; i < n; i++)
		free(chunks[i]);
	free(chunks);
	return rv;
}
