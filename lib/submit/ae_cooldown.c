#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_cooldown.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ae_action.h"
#include "ae_cooldown_config.h"
#include "ae_fdpath.h"
#include "ae_fields.h"
#include "ae_fsutil.h"
#include "ae_interp.h"
#include "ae_jobstart.h"
#include "ae_journal.h"
#include "ae_json.h"
#include "ae_provenance.h"
#include "ae_safedir.h"
#include "ae_sbatch.h"
#include "ae_searchpath.h"
#include "ae_spawn.h"
#include "ae_submit.h"
#include "ae_yaml.h"

#define SBATCH_OUTPUT_MAX (16u * 1024u)
#define KEY_MAX           120
/* Largest batch script copied (Slurm's default max_script_size). */
#define SCRIPT_MAX (4u * 1024u * 1024u)
/* Modes of the files written into cooldowns/<key>/. */
#define SCRIPT_MODE 0600

/* Variables of the parent job that must not reach the child's job. */
static const char *const drop_env[] = {"AUTOEXP_CONFIG", "AUTOEXP_OUTPUT_DIR",
                                       "AUTOEXP_PROVENANCE_DIR",
                                       AE_COOLDOWN_TIMESTRING_ENV, NULL};

/* One execution: what is needed between attempts. */
typedef struct sub {
	int prov_fd, key_fd; /* the helper's provenance directory (a copy), and
	                      * cooldowns/<key>/ below it */
	char *prov_dir;      /* their paths, for records and messages */
	char *key_dir;
	char *key;
	char *config_file;
	char *submission;
	char **argv;
	char **base_env; /* sbatch's environment, minus the timestring */
	char **envp;     /* of the current attempt */
	char *cwd;
	char *search;   /* AUTOEXP_CONFIG_PATH=<recorded search path> or NULL */
	ae_node *child; /* the cooldown's config */
	json_t *rec;    /* submission.json */
	double deadline, timeout;
	unsigned attempts;
	int backoff_due; /* a transient failure waits for its backoff */
	long long attempt_start;
	char ts[32];
	/* What sbatch reads, kept until written into key_dir (put_files): a
	 * write refused for want of space is done again, nothing composed
	 * twice. NULL once written. */
	char *yaml, *script;
	size_t script_len;
	unsigned full_tries; /* writes refused for want of space */
	int full;            /* the last failure was one: its backoff */
	char full_why[AE_ERROR_TEXT_LEN + PATH_MAX];
} sub;

/* ---- helpers ---- */

static void sub_free(void *p)
{
	sub *s = p;

	if (!s)
		return;
	if (s->prov_fd >= 0)
		close(s->prov_fd);
	if (s->key_fd >= 0)
		close(s->key_fd);
	free(s->prov_dir);
	free(s->key_dir);
	free(s->key);
	free(s->config_file);
	free(s->submission);
	ae_sbatch_strv_free(s->argv);
	ae_sbatch_strv_free(s->base_env);
	ae_sbatch_strv_free(s->envp);
	free(s->cwd);
	free(s->search);
	ae_node_free(s->child);
	json_decref(s->rec);
	free(s->yaml);
	free(s->script);
	free(s);
}

/* A JSON string of any bytes (invalid UTF-8 dropped). */
static json_t *jstr(const char *s)
{
	char *clean;
	json_t *j;

	if (!s)
		return json_null();
	clean = ae_fields_utf8_dup(s, strlen(s));
	j = json_string(clean ? clean : "");
	free(clean);
	return j;
}

/* str() of a scalar member of a mapping, or NULL. New string. */
static char *var_text(const ae_node *map, const char *key)
{
	const ae_node *v =
	    map && map->type == AE_MAP ? ae_map_get(map, key) : NULL;

	if (!v || !ae_node_is_scalar(v) || v->type == AE_NULL)
		return NULL;
	return ae_template_str(v);
}

static void sanitize(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		unsigned char ch = (unsigned char)*in;

		if (!n && (ch == '.' || ch == '-'))
			continue; /* no hidden names, nothing option-like */
		out[n++] = isalnum(ch) || ch == '.' || ch == '_' || ch == '-'
		               ? (char)ch
		               : '_';
	}
	out[n] = '\0';
	if (!n)
		snprintf(out, size, "cooldown");
}

static int has_token(const char *s, const char *tok)
{
	size_t len = strlen(tok);

	for (const char *p = strstr(s, tok); p; p = strstr(p + 1, tok))
		if ((p == s || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[len]))
			return 1;
	return 0;
}

/* The name, file-name safe, with the checkpoint iteration when the name
 * does not show it: distinct per trigger and per strategy, the same after
 * a restart. */
static void make_key(const char *name, const ae_node *meta, char *key,
                     size_t size)
{
	char it[64];
	char *v = var_text(meta, "checkpoint_iteration");

	sanitize(name, key, KEY_MAX < size ? KEY_MAX : size);
	if (!v)
		return;
	sanitize(v, it, sizeof(it));
	free(v);
	if (!has_token(key, it)) {
		size_t len = strlen(key);

		snprintf(key + len, size - len, "_it%s", it);
	}
}

static const char *envp_get(const char *name, void *ctx)
{
	char **v = ctx;
	size_t len = strlen(name);

	for (size_t i = 0; v && v[i]; i++)
		if (!strncmp(v[i], name, len) && v[i][len] == '=')
			return v[i] + len + 1;
	return NULL;
}

static int rec_write(sub *s, ae_error *err)
{
	return ae_provenance_write_json(s->key_fd, AE_COOLDOWN_SUBMISSION,
	                                s->rec, err);
}

static void set_result(sub *s, ae_action_exec *x)
{
	const char *keys[] = {"key",        "job_id",     "config",
	                      "submission", "output_dir", NULL};

	for (size_t i = 0; keys[i]; i++) {
		json_t *v = s->rec ? json_object_get(s->rec, keys[i]) : NULL;

		if (v)
			ae_action_exec_set(x, keys[i], json_incref(v));
	}
	ae_action_exec_set(x, "attempts", json_integer(s->attempts));
}

/* Record a failure in submission.json and finish. */
static void fail_rec(sub *s, ae_action_exec *x, const char *status,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail_rec(sub *s, ae_action_exec *x, const char *status,
                     const char *fmt, ...)
{
	char msg[3072];
	ae_error werr;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(s->rec, "status", json_string(status));
	json_array_append_new(json_object_get(s->rec, "errors"), jstr(msg));
	set_result(s, x);
	if (rec_write(s, &werr) < 0)
		ae_action_exec_finish(x, AE_ACTION_FAILED,
		                      "%s (and %s not written: %s)", msg,
		                      AE_COOLDOWN_SUBMISSION, werr.text);
	else
		ae_action_exec_finish(x, AE_ACTION_FAILED, "%s", msg);
}

static const char *fmt_err(const ae_error *e, char *buf, size_t size)
{
	ae_error_format(e, buf, size);
	return buf;
}

/* A file the cooldown reads (the source config, the batch script): its
 * directory opened once, and its name there. A path in the provenance
 * directory is reached from the helper's descriptor of it (no name above
 * it is looked up again); any other path (the user chose it) is resolved
 * once, its directory opened with ae_safedir's rules. Everything after
 * reads through dir_fd. */
typedef struct source {
	int dir_fd;
	char *name;
	char display[PATH_MAX]; /* for records and messages */
	char path[PATH_MAX];    /* to read it by: /proc/self/fd/<dir_fd>/name */
} source;

static void source_clear(source *src)
{
	if (src->dir_fd >= 0)
		close(src->dir_fd);
	free(src->name);
	memset(src, 0, sizeof(*src));
	src->dir_fd = -1;
}

static int source_open(source *src, const char *path, int prov_fd,
                       const char *prov_dir, ae_error *err)
{
	size_t plen = strlen(prov_dir);
	char dir[PATH_MAX], *slash;
	const char *rest = NULL;

	memset(src, 0, sizeof(*src));
	src->dir_fd = -1;
	ae_error_clear(err);
	while (plen > 1 && prov_dir[plen - 1] == '/')
		plen--;
	if (!strncmp(path, prov_dir, plen) && path[plen] == '/' &&
	    path[plen + 1] != '/' && !strstr(path + plen, "/.."))
		rest = path + plen + 1;
	if (rest && *rest) {
		snprintf(src->display, sizeof(src->display), "%s", path);
		snprintf(dir, sizeof(dir), "%s", rest);
	} else if (!realpath(path, src->display)) {
		return ae_error_set(err, path, 0, 0, NULL, "cannot open: %s",
		                    strerror(errno));
	} else {
		snprintf(dir, sizeof(dir), "%s", src->display);
	}
	slash = strrchr(dir, '/');
	src->name = strdup(slash ? slash + 1 : dir);
	if (!src->name)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	if (slash)
		slash[slash == dir && !rest ? 1 : 0] = '\0';
	if (!rest || !*rest)
		src->dir_fd = ae_safedir_open(dir, getuid(), 0, 0, err);
	else if (slash)
		src->dir_fd =
		    ae_safedir_openat(prov_fd, dir, src->display, getuid(), 0,
		                      AE_SAFEDIR_OWN, err);
	else
		src->dir_fd = fcntl(prov_fd, F_DUPFD_CLOEXEC, 3);
	if (src->dir_fd < 0) {
		if (!ae_error_isset(err))
			ae_error_set(err, path, 0, 0, NULL, "dup: %s",
			             strerror(errno));
		source_clear(src);
		return -1;
	}
	if (ae_fdpath_format(src->path, sizeof(src->path), src->dir_fd,
	                     src->name) < 0) {
		source_clear(src);
		return ae_error_set(err, path, 0, 0, NULL, "path too long");
	}
	return 0;
}

/* An error about a file read through /proc/self/fd names its real path. */
static void name_real_file(ae_error *e)
{
	char *real;

	if (!ae_fdpath_is(e->file) || !(real = ae_fdpath_display(e->file)))
		return;
	snprintf(e->file, sizeof(e->file), "%s", real);
	free(real);
}

/* Open cooldowns/<key>[_N]: the first whose record is missing or belongs
 * to this event. *existing receives that record (new reference) or NULL. */
static int choose_key(sub *s, const char *prov_dir, const char *base,
                      const json_t *event, uid_t uid, json_t **existing,
                      ae_error *err)
{
	char display[PATH_MAX + 64], key[KEY_MAX + 32];
	int cds, rv = -1;

	*existing = NULL;
	snprintf(display, sizeof(display), "%s/cooldowns", prov_dir);
	cds =
	    ae_safedir_openat(s->prov_fd, "cooldowns", display, uid, 1, 1, err);
	if (cds < 0)
		return -1;
	for (int i = 1; i < 1000; i++) {
		ae_error rerr;
		json_t *old;
		int fd;

		int kn = i == 1 ? snprintf(key, sizeof(key), "%s", base)
		                : snprintf(key, sizeof(key), "%s_%d", base, i);
		if (kn < 0 || (size_t)kn >= sizeof(key)) {
			ae_error_set(err, prov_dir, 0, 0, NULL,
			             "cooldown key too long");
			goto out;
		}
		if ((size_t)snprintf(display, sizeof(display),
		                     "%s/cooldowns/%s", prov_dir,
		                     key) >= sizeof(display)) {
			ae_error_set(err, prov_dir, 0, 0, NULL,
			             "path too long");
			goto out;
		}
		fd = ae_safedir_openat(cds, key, display, uid, 1, 1, err);
		if (fd < 0)
			goto out;
		old =
		    ae_provenance_read_json(fd, AE_COOLDOWN_SUBMISSION, &rerr);
		if (!old && ae_error_isset(&rerr)) {
			*err = rerr;
			close(fd);
			goto out;
		}
		if (!old || json_equal(json_object_get(old, "event"), event)) {
			s->key_fd = fd;
			s->key = strdup(key);
			s->key_dir = strdup(display);
			if (asprintf(&s->config_file, "%s/%s", display,
			             AE_COOLDOWN_CONFIG) < 0)
				s->config_file = NULL;
			if (asprintf(&s->submission, "%s/%s", display,
			             AE_COOLDOWN_SUBMISSION) < 0)
				s->submission = NULL;
			if (!s->key || !s->key_dir || !s->config_file ||
			    !s->submission) {
				json_decref(old);
				ae_error_set(err, NULL, 0, 0, NULL,
				             "out of memory");
				goto out;
			}
			*existing = old;
			rv = 0;
			goto out;
		}
		json_decref(old);
		close(fd);
	}
	ae_error_set(err, display, 0, 0, NULL, "too many cooldowns named %s",
	             base);
out:
	close(cds);
	return rv;
}

/* The child's output directory with this attempt's timestring, or null. */
static json_t *child_output_dir(const sub *s)
{
	ae_resolve_opts o = {
	    .timestring = s->ts, .env = envp_get, .env_ctx = s->envp};
	char buf[PATH_MAX], cwd[PATH_MAX];
	const char *wd = s->cwd ? s->cwd : getcwd(cwd, sizeof(cwd));
	ae_node *r;
	ae_error e;
	json_t *j = json_null();

	r = ae_interp_resolve(s->child, &o, &e);
	if (r && ae_jobstart_output_dir(r, wd, buf, sizeof(buf), &e) == 0) {
		json_decref(j);
		j = jstr(buf);
	}
	ae_node_free(r);
	return j;
}

/* ---- attempts ---- */

static int attempt_start(sub *s, ae_action_exec *x, double now, ae_error *err)
{
	char var[64];
	const char *set[] = {var, NULL};
	ae_spawn_opts o = {0};
	ae_child *child;

	ae_interp_timestring_now(s->ts, sizeof(s->ts));
	snprintf(var, sizeof(var), "%s=%s", AE_COOLDOWN_TIMESTRING_ENV, s->ts);
	ae_sbatch_strv_free(s->envp);
	s->envp =
	    ae_sbatch_envp((const char *const *)s->base_env, NULL, set, err);
	if (!s->envp)
		return -1;
	json_object_set_new(s->rec, "status", json_string("submitting"));
	json_object_set_new(s->rec, "timestring", json_string(s->ts));
	/* durable before sbatch runs: a crash now leaves a trace; not
	 * written, sbatch does not run (the caller sees err: a full disk
	 * waits, go_on) and no attempt is counted */
	if (rec_write(s, err) < 0)
		return -1;
	s->attempts++;
	s->attempt_start = (long long)time(NULL);
	o.argv = (const char *const *)s->argv;
	o.envp = (const char *const *)s->envp;
	o.cwd = s->cwd;
	o.timeout = s->timeout;
	o.max_output = SBATCH_OUTPUT_MAX;
	/* the key directory: sbatch reads config and script through it */
	o.inherit_fd = s->key_fd;
	child = ae_spawn_start(&o, now, err);
	if (!child)
		return -1;
	ae_action_exec_attach_child(x, child);
	return 0;
}

static void submitted(sub *s, ae_action_exec *x, const char *job_id)
{
	ae_error e;

	json_object_set_new(s->rec, "status", json_string("submitted"));
	json_object_set_new(s->rec, "job_id", json_string(job_id));
	json_object_set_new(s->rec, "output_dir", child_output_dir(s));
	json_object_set_new(s->rec, "submitted_at", json_integer(time(NULL)));
	if (rec_write(s, &e) < 0)
		ae_action_exec_set(x, "record_error", jstr(e.text));
	set_result(s, x);
	ae_action_exec_finish(x, AE_ACTION_SUCCESS,
	                      "cooldown %s submitted as job %s", s->key,
	                      job_id);
}

/* A write before sbatch ran was refused for want of space (ENOSPC, EDQUOT):
 * nothing was submitted, so it is done again after sbatch's backoff until
 * retry_seconds have passed (cd_wake), since the disk may have room a
 * minute later. The record says so when it can be written; it is on the
 * same disk, so mostly it cannot, and the next write tries again. */
static void wait_for_space(sub *s, ae_action_exec *x, const char *file,
                           const ae_error *e)
{
	json_t *errs = json_object_get(s->rec, "errors");
	json_t *last = json_array_get(errs, json_array_size(errs) - 1);
	ae_error werr;

	snprintf(s->full_why, sizeof(s->full_why),
	         "the disk is full (or the quota used up): %s: %s", file,
	         e->text);
	s->full_tries++;
	s->full = 1;
	json_object_set_new(s->rec, "status", json_string("retrying"));
	/* a long full period adds one error, not one per try */
	if (!last ||
	    strcmp(json_string_value(last) ? json_string_value(last) : "",
	           s->full_why))
		json_array_append_new(errs, jstr(s->full_why));
	(void)rec_write(s, &werr);
	/* stopping (the helper's drain ended): as in cd_child_done */
	if (ae_action_exec_stopping(x))
		return;
	s->backoff_due = 1;
	ae_action_exec_wake_at(x, 0);
}

/* A failed write into key_dir: waits for space, else recorded failed. */
static void write_failed(sub *s, ae_action_exec *x, const char *file,
                         const ae_error *e)
{
	if (ae_fsutil_disk_full(e))
		wait_for_space(s, x, file, e);
	else
		fail_rec(s, x, "failed", "cannot write %s: %s", file, e->text);
}

/* Write what sbatch reads into key_dir: the config, checked as sbatch's
 * plugin will check it and read as it will read it (through the key
 * directory), and the script. 0 when all are there; 1 when x finished or
 * waits for space. */
static int put_files(sub *s, ae_action_exec *x)
{
	char ebuf[AE_ERROR_TEXT_LEN + AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN];
	char written[PATH_MAX], script[PATH_MAX + 64];
	ae_submit_result chk = {0};
	ae_error e;
	int rc;

	if (s->yaml) {
		if (ae_fsutil_write_atomic(s->key_fd, AE_COOLDOWN_CONFIG,
		                           s->yaml, strlen(s->yaml),
		                           AE_FSUTIL_FILE_MODE, &e) < 0) {
			write_failed(s, x, s->config_file, &e);
			return 1;
		}
		free(s->yaml);
		s->yaml = NULL;
		ae_fdpath_format(written, sizeof(written), s->key_fd,
		                 AE_COOLDOWN_CONFIG);
		rc = ae_submit_prepare(written, NULL, 0, NULL, NULL, NULL, NULL,
		                       NULL, &chk, &e);
		ae_submit_result_clear(&chk);
		if (rc < 0) {
			name_real_file(&e);
			fail_rec(s, x, "invalid",
			         "the cooldown config is invalid: %s",
			         fmt_err(&e, ebuf, sizeof(ebuf)));
			return 1;
		}
	}
	if (s->script) {
		if (ae_fsutil_write_atomic(s->key_fd, AE_COOLDOWN_SCRIPT,
		                           s->script, s->script_len,
		                           SCRIPT_MODE, &e) < 0) {
			snprintf(script, sizeof(script), "%s/%s", s->key_dir,
			         AE_COOLDOWN_SCRIPT);
			write_failed(s, x, script, &e);
			return 1;
		}
		free(s->script);
		s->script = NULL;
	}
	return 0;
}

/* The files, then an sbatch attempt; a full disk on the way waits. */
static void go_on(sub *s, ae_action_exec *x, double now)
{
	ae_error e;

	if (put_files(s, x))
		return;
	if (attempt_start(s, x, now, &e) == 0)
		return;
	if (ae_fsutil_disk_full(&e))
		wait_for_space(s, x, s->submission, &e);
	else
		fail_rec(s, x, "failed", "cannot run sbatch: %s", e.text);
}

static void cd_child_done(const void *data, ae_action_exec *x)
{
	sub *s = ae_action_exec_state(x);
	ae_child *c = ae_action_exec_child(x);
	size_t olen, elen;
	int otr, etr;
	const char *out = ae_child_stdout(c, &olen, &otr);
	const char *errs = ae_child_stderr(c, &elen, &etr);
	int code = ae_child_exit_code(c);
	char job_id[64], why[1024];
	ae_sbatch_outcome r;
	json_t *att;

	(void)data;
	r = ae_sbatch_classify(code, ae_child_timed_out(c), out, errs, job_id,
	                       sizeof(job_id), why, sizeof(why));
	att = json_pack(
	    "{s:i, s:I, s:I, s:s, s:o, s:i, s:b, s:o, s:o, s:s}", "attempt",
	    (int)s->attempts, "start", (json_int_t)s->attempt_start, "end",
	    (json_int_t)time(NULL), "timestring", s->ts, "exit_code",
	    code >= 0 ? json_integer(code) : json_null(), "signal",
	    ae_child_signal(c), "timed_out", ae_child_timed_out(c), "stdout",
	    jstr(out), "stderr", jstr(errs), "outcome",
	    r == AE_SBATCH_SUBMITTED   ? "submitted"
	    : r == AE_SBATCH_TRANSIENT ? "transient"
	                               : "permanent");
	json_array_append_new(json_object_get(s->rec, "attempts"), att);
	if (r == AE_SBATCH_SUBMITTED) {
		submitted(s, x, job_id);
	} else if (r == AE_SBATCH_TRANSIENT) {
		ae_error e;

		json_object_set_new(s->rec, "status", json_string("retrying"));
		json_array_append_new(json_object_get(s->rec, "errors"),
		                      jstr(why));
		/* nothing was submitted: on a full disk the retry goes on
		 * all the same, as the next attempt writes its record before
		 * its sbatch runs (attempt_start); until then a helper that
		 * dies leaves "submitting", which is never submitted again */
		if (rec_write(s, &e) < 0 && !ae_fsutil_disk_full(&e)) {
			fail_rec(s, x, "failed", "%s; %s", why, e.text);
			return;
		}
		s->full = 0;
		/* stopping (the helper's drain ended): no next attempt; the
		 * record stays "retrying" for the helper to mark stopped */
		if (ae_action_exec_stopping(x))
			return;
		/* child_done has no clock: the backoff is set at once by wake
		 */
		s->backoff_due = 1;
		ae_action_exec_wake_at(x, 0);
	} else {
		fail_rec(s, x, "failed", "%s", why);
	}
}

static void cd_wake(const void *data, ae_action_exec *x, double now)
{
	sub *s = ae_action_exec_state(x);

	(void)data;
	if (ae_action_exec_stopping(x))
		return; /* idle until freed: see cd_child_done */
	if (s->backoff_due) {
		double d =
		    ae_sbatch_backoff(s->full ? s->full_tries : s->attempts);

		s->backoff_due = 0;
		if (now + d > s->deadline && s->full) {
			fail_rec(s, x, "failed",
			         "%s; tried %u times, giving up within "
			         "retry_seconds: nothing was submitted",
			         s->full_why, s->full_tries);
			return;
		}
		if (now + d > s->deadline) {
			fail_rec(
			    s, x, "failed",
			    "sbatch failed %u times (transient), giving up "
			    "within retry_seconds",
			    s->attempts);
			return;
		}
		ae_action_exec_wake_at(x, now + d);
		return;
	}
	go_on(s, x, now);
}

/* ---- start ---- */

static json_t *parent_record(const sub *s, const ae_node *meta,
                             const json_t *event, const char *job_id,
                             const json_t *run_meta, const char *output_dir,
                             const char *prov_dir, const char *config)
{
	char *path = var_text(meta, "checkpoint_path");
	char *iter = var_text(meta, "checkpoint_iteration");
	json_t *it = json_null(), *rec;
	char *end;

	if (iter) {
		long long n = strtoll(iter, &end, 10);

		json_decref(it);
		it = *iter && !*end ? json_integer(n) : jstr(iter);
	}
	rec = json_pack("{s:o, s:O, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:O}",
	                "job_id", jstr(job_id), "job_name",
	                json_object_get(run_meta, "job_name")
	                    ? json_object_get(run_meta, "job_name")
	                    : json_null(),
	                "output_dir", jstr(output_dir), "provenance_dir",
	                jstr(prov_dir), "config", jstr(config), "cooldown",
	                jstr(s->key), "submission", jstr(s->submission),
	                "checkpoint_path", jstr(path), "checkpoint_iteration",
	                it, "event", event);
	free(path);
	free(iter);
	return rec;
}

/* The recorded search path as AUTOEXP_CONFIG_PATH=a:b (entries holding ':'
 * cannot be listed), or NULL when there is none. */
static char *search_var(const char *const *dirs, size_t n)
{
	size_t len = strlen(AE_SEARCHPATH_ENV) + 2;
	char *v;

	for (size_t i = 0; i < n; i++)
		len += strlen(dirs[i]) + 1;
	v = malloc(len);
	if (!v)
		return NULL;
	strcpy(v, AE_SEARCHPATH_ENV "=");
	for (size_t i = 0, first = 1; i < n; i++) {
		if (strchr(dirs[i], ':') || !dirs[i][0])
			continue;
		if (!first)
			strcat(v, ":");
		strcat(v, dirs[i]);
		first = 0;
	}
	return v;
}

/* The parent's working directory: the engine's (env->cwd), else the one
 * run_metadata.json records (work_dir, then submit_dir), else NULL (ours).
 * New string or NULL. */
static char *parent_workdir(const ae_eval_env *env, const json_t *meta)
{
	static const char *const keys[] = {"work_dir", "submit_dir", NULL};

	if (env->cwd && env->cwd[0] == '/')
		return strdup(env->cwd);
	for (size_t i = 0; keys[i]; i++) {
		const char *d =
		    json_string_value(json_object_get(meta, keys[i]));

		if (d && d[0] == '/')
			return strdup(d);
	}
	return NULL;
}

/* Megatron prints args.save as given: a relative checkpoint_path means the
 * parent's working directory. A copy of the event's metadata whose
 * checkpoint_path is absolute, so that the pinned load does not depend on
 * where the child runs (NULL metadata gives NULL; *out is NULL when memory
 * runs out). */
static int absolute_metadata(const ae_node *metadata, const char *workdir,
                             ae_node **out)
{
	const ae_node *cp;
	ae_node *copy, *abs;
	char *path;

	*out = NULL;
	if (!metadata)
		return 0;
	if (!(copy = ae_node_copy(metadata)))
		return -1;
	cp = copy->type == AE_MAP ? ae_map_get(copy, "checkpoint_path") : NULL;
	if (workdir && cp && cp->type == AE_STRING && cp->u.str.s[0] &&
	    cp->u.str.s[0] != '/') {
		const char *rel = cp->u.str.s;

		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		if (asprintf(&path, "%s%s%s", workdir,
		             workdir[strlen(workdir) - 1] == '/' ? "" : "/",
		             strcmp(rel, ".") ? rel : "") < 0) {
			ae_node_free(copy);
			return -1;
		}
		abs = ae_node_new_string(path);
		free(path);
		if (!abs || ae_map_set(copy, "checkpoint_path", abs) < 0) {
			ae_node_free(copy);
			return -1;
		}
	}
	*out = copy;
	return 0;
}

/* What the parent knows when it builds a cooldown. */
typedef struct origin {
	const char *output_dir, *prov_dir, *job_id;
	const json_t *run_meta, *event;
} origin;

/* Read the batch script, for its copy in the key directory (sbatch reads
 * it there, through the directory the helper holds: ae_fdpath.h; written
 * by put_files). 0; 1 when the failure is recorded (x finished). */
static int read_script(sub *s, const char *script, ae_action_exec *x)
{
	char ebuf[AE_ERROR_TEXT_LEN + AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN];
	char *text = NULL;
	source src;
	size_t len;
	ae_error e;
	int rc;

	if (source_open(&src, script, s->prov_fd, s->prov_dir, &e) < 0) {
		fail_rec(s, x, "invalid", "the batch script %s: %s", script,
		         fmt_err(&e, ebuf, sizeof(ebuf)));
		return 1;
	}
	rc = ae_fsutil_read_file(src.dir_fd, src.name, SCRIPT_MAX, &text, &len,
	                         &e);
	if (rc == 0)
		ae_error_set(&e, src.display, 0, 0, NULL, "no such file");
	if (rc <= 0) {
		name_real_file(&e);
		fail_rec(s, x, "invalid", "cannot read the batch script: %s",
		         fmt_err(&e, ebuf, sizeof(ebuf)));
		rc = 1;
	} else {
		s->script = text;
		s->script_len = len;
		text = NULL;
		rc = 0;
	}
	free(text);
	source_clear(&src);
	return rc;
}

/* Compose the cooldown's config from config_path with the overrides and
 * add the parent record (written and checked by put_files). Returns 0; 1
 * when the failure is recorded (x finished); -1 with err set otherwise.
 * Sets s->child, s->yaml and s->search (AUTOEXP_CONFIG_PATH=..., or
 * NULL). */
static int make_config(sub *s, const ae_cooldown_spec *c,
                       const ae_template_ctx *t, const char *config_path,
                       const origin *org, ae_action_exec *x, ae_error *err)
{
	ae_template_ctx esc = {0};
	char ebuf[AE_ERROR_TEXT_LEN + AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN];
	const char **search = NULL;
	char **ov_texts = NULL;
	json_t *ref = NULL, *parent = NULL, *sp;
	size_t n_search = 0;
	source src;
	ae_error e;
	int rv = 1;

	if (source_open(&src, config_path, s->prov_fd, s->prov_dir, &e) < 0) {
		fail_rec(s, x, "invalid", "cannot open the config %s: %s",
		         config_path, fmt_err(&e, ebuf, sizeof(ebuf)));
		return 1;
	}
	/* the config_reference.json next to the config (none: NULL) */
	ref = ae_provenance_read_json(src.dir_fd, AE_PROV_REFERENCE, &e);
	sp = json_object_get(ref, "search_path");
	search = calloc(json_array_size(sp) + 1, sizeof(*search));
	ov_texts = calloc(c->n_ovs + 1, sizeof(*ov_texts));
	if (!search || !ov_texts ||
	    ae_cooldown_config_escaped_ctx(t, &esc) < 0) {
		rv = ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(sp); i++)
		if (json_string_value(json_array_get(sp, i)))
			search[n_search++] =
			    json_string_value(json_array_get(sp, i));
	if (n_search && !(s->search = search_var(search, n_search))) {
		rv = ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->n_ovs; i++) {
		ov_texts[i] =
		    ae_cooldown_spec_override_render(c->ovs[i], t, &esc, &e);
		if (!ov_texts[i]) {
			fail_rec(s, x, "invalid", "override %zu: %s", i + 1,
			         fmt_err(&e, ebuf, sizeof(ebuf)));
			goto out;
		}
		json_array_append_new(json_object_get(s->rec, "overrides"),
		                      jstr(ov_texts[i]));
	}
	/* read through the directory opened above, never by its path */
	s->child = ae_cooldown_config_compose(
	    src.path, search, n_search, ov_texts, c->n_ovs,
	    json_object_get(s->rec, "warnings"), &e);
	if (!s->child) {
		name_real_file(&e);
		fail_rec(s, x, "invalid",
		         "cannot compose the cooldown config: %s",
		         fmt_err(&e, ebuf, sizeof(ebuf)));
		goto out;
	}
	parent = parent_record(s, t->metadata, org->event, org->job_id,
	                       org->run_meta, org->output_dir, org->prov_dir,
	                       src.display);
	if (!parent ||
	    ae_cooldown_config_set_parent(s->child, parent, &e) < 0 ||
	    !(s->yaml = ae_yaml_emit(s->child, &e))) {
		fail_rec(s, x, "failed", "cannot write %s: %s", s->config_file,
		         parent ? fmt_err(&e, ebuf, sizeof(ebuf))
		                : "out of memory");
		goto out;
	}
	rv = 0;
out:
	ae_cooldown_config_escaped_ctx_free(&esc);
	for (size_t i = 0; ov_texts && i < c->n_ovs; i++)
		free(ov_texts[i]);
	free(ov_texts);
	free(search);
	json_decref(parent);
	json_decref(ref);
	source_clear(&src);
	return rv;
}

/* How far an earlier start of this trigger got, in the journal's terms:
 * nothing submitted yet, so a new start does nothing twice (started, goes
 * on); sbatch was running, so the job may exist (started, does not go on);
 * or ended. */
static ae_journal_status record_status(const char *status, int *goes_on)
{
	*goes_on = 0;
	if (!status)
		return AE_JOURNAL_NONE;
	if (!strcmp(status, "preparing") || !strcmp(status, "retrying") ||
	    !strcmp(status, "stopped")) {
		*goes_on = 1;
		return AE_JOURNAL_STARTED;
	}
	if (!strcmp(status, "submitting"))
		return AE_JOURNAL_STARTED;
	return AE_JOURNAL_FINISHED; /* submitted, failed, invalid, unknown */
}

/* This event's record is there already: the journal resumed this action
 * after the helper died while it ran (or the journal was lost). The record
 * says how far the first start got, and the journal's rule
 * (ae_journal_decision_of) what that means. Returns 1 when that decides the
 * outcome (x finished), 0 to go on submitting: undecided or resumable
 * (nothing was submitted yet: "preparing", "retrying", "stopped"), and
 * *carry then gets a resumable record, whose attempts, errors and retry
 * window go on. */
static int settled_before(sub *s, json_t *existing, ae_action_exec *x,
                          json_t **carry)
{
	const char *status =
	    json_string_value(json_object_get(existing, "status"));
	const char *job_id =
	    json_string_value(json_object_get(existing, "job_id"));
	json_t *att = json_object_get(existing, "attempts");
	int goes_on;
	ae_journal_status st = record_status(status, &goes_on);

	*carry = NULL;
	switch (ae_journal_decision_of(st, 1, goes_on)) {
	case AE_JOURNAL_UNDECIDED:
		return 0;
	case AE_JOURNAL_RESUMABLE:
		*carry = existing;
		return 0;
	default:
		break;
	}
	s->rec = json_incref(existing);
	s->attempts = json_is_array(att) ? (unsigned)json_array_size(att) : 0;
	if (!strcmp(status, "submitted") && job_id) {
		set_result(s, x);
		ae_action_exec_finish(x, AE_ACTION_SUCCESS,
		                      "cooldown %s already submitted as job %s",
		                      s->key, job_id);
	} else if (st == AE_JOURNAL_STARTED) {
		/* interrupted: at most once, so not submitted again */
		fail_rec(s, x, "unknown",
		         "the helper stopped while sbatch ran: the job may or "
		         "may not have been submitted (look for its job name "
		         "in squeue); not submitted again");
	} else {
		set_result(s, x);
		ae_action_exec_finish(x, AE_ACTION_FAILED,
		                      "cooldown %s was already %s", s->key,
		                      status);
	}
	return 1;
}

/* Go on from the record of a start that submitted nothing: its attempts,
 * errors and retry window (a window that ran out while no helper ran still
 * gets one attempt now). */
static void carry_over(sub *s, const json_t *carry, double now)
{
	static const char *const keys[] = {
	    "attempts", "errors", "warnings", "created", "retry_until", NULL};
	json_t *until = json_object_get(carry, "retry_until");
	json_int_t resumed =
	    json_integer_value(json_object_get(carry, "resumed"));
	double left;

	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(carry, keys[i]);

		if (v && (!strcmp(keys[i], "created") ||
		          !strcmp(keys[i], "retry_until") || json_is_array(v)))
			json_object_set_new(s->rec, keys[i], json_deep_copy(v));
	}
	json_object_set_new(s->rec, "resumed", json_integer(resumed + 1));
	s->attempts =
	    (unsigned)json_array_size(json_object_get(s->rec, "attempts"));
	if (json_is_integer(until)) {
		left = (double)json_integer_value(until) - (double)time(NULL);
		s->deadline = now + (left > 0 ? left : 0);
	}
}

static int cd_start(const void *data, const ae_eval_env *env, ae_action_exec *x,
                    ae_error *err)
{
	const ae_cooldown_spec *c = data;
	const ae_template_ctx *t = env->tmpl;
	ae_sbatch_resources res;
	origin org = {0};
	sub *s = calloc(1, sizeof(*s));
	char *name = NULL, *config_path = NULL, *script = NULL, *sbatch = NULL;
	char *output_dir = NULL, *job_id = NULL, *job_name = NULL;
	char **args = NULL;
	char key[KEY_MAX + 32], sb_config[64], sb_script[64];
	json_t *meta = NULL, *event = NULL, *existing = NULL, *carry = NULL;
	ae_template_ctx tctx;
	ae_node *abs_meta = NULL;
	const char *meta_id;
	ae_error e;
	int rc = -1;

	if (!s)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	s->prov_fd = s->key_fd = -1;
	ae_action_exec_set_state(x, s, sub_free);
	s->timeout = c->timeout;
	s->deadline = env->now + c->retry;
	if (!t) {
		ae_error_set(err, NULL, 0, 0, NULL, "no template variables");
		goto out;
	}
	output_dir = var_text(t->vars, "output_dir");
	if (!output_dir || output_dir[0] != '/') {
		ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "no absolute output_dir among the helper's variables");
		goto out;
	}
	if (!(name = ae_template_render(c->name, t, err)) ||
	    !(config_path = ae_template_render(c->config_path, t, err)) ||
	    !(script = ae_template_render(c->script, t, err)) ||
	    !(sbatch = ae_template_render(c->sbatch, t, err)) ||
	    !(args = ae_template_render_argv(c->args, c->n_args, t, err)))
		goto out;
	event =
	    t->metadata ? ae_json_from_node(t->metadata, err) : json_object();
	if (!event)
		goto out;
	make_key(name, t->metadata, key, sizeof(key));
	/* the directory the helper opened: no path of it is looked up
	 * again (a directory above could have been swapped since) */
	if (!env->dirs || env->dirs->prov_fd < 0 || !env->dirs->prov_dir) {
		ae_error_set(err, NULL, 0, 0, NULL,
		             "the run's provenance directory is not open (a "
		             "cooldown is submitted by the helper)");
		goto out;
	}
	s->prov_fd = fcntl(env->dirs->prov_fd, F_DUPFD_CLOEXEC, 3);
	s->prov_dir = strdup(env->dirs->prov_dir);
	if (s->prov_fd < 0 || !s->prov_dir) {
		ae_error_set(err, NULL, 0, 0, NULL, "%s",
		             s->prov_dir ? strerror(errno) : "out of memory");
		goto out;
	}
	if (choose_key(s, s->prov_dir, key, event, getuid(), &existing, err) <
	    0)
		goto out;
	if (existing && settled_before(s, existing, x, &carry)) {
		rc = 0;
		goto out;
	}

	meta = ae_provenance_read_json(s->prov_fd, AE_PROV_METADATA, &e);
	job_id = var_text(t->vars, "job_id");
	meta_id = json_string_value(json_object_get(meta, "job_id"));
	if (!job_id && meta_id && !(job_id = strdup(meta_id))) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	s->rec = json_pack("{s:o, s:s, s:n, s:o, s:o, s:o, s:o, s:[], s:n, s:n,"
	                   " s:n, s:n, s:o, s:[], s:[], s:[], s:O, s:I}",
	                   "key", jstr(s->key), "status", "preparing", "job_id",
	                   "parent_job_id", jstr(job_id), "source_config",
	                   jstr(config_path), "config", jstr(s->config_file),
	                   "submission", jstr(s->submission), "overrides",
	                   "argv", "cwd", "output_dir", "timestring", "script",
	                   jstr(script), "attempts", "errors", "warnings",
	                   "event", event, "created", (json_int_t)time(NULL));
	if (s->rec)
		json_object_set_new(
		    s->rec, "retry_until",
		    json_integer((json_int_t)(time(NULL) + c->retry)));
	if (!s->rec) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto out;
	}
	if (carry)
		carry_over(s, carry, env->now);

	/* From here on failures are recorded in submission.json. */
	/* the parent's working directory: relative paths of the config mean
	 * the same for the child, and a relative checkpoint path is made
	 * absolute against it */
	s->cwd = parent_workdir(env, meta);
	json_object_set_new(s->rec, "cwd", jstr(s->cwd));
	if (absolute_metadata(t->metadata, s->cwd, &abs_meta) < 0) {
		fail_rec(s, x, "failed", "out of memory");
		rc = 0;
		goto out;
	}
	tctx = *t;
	tctx.metadata = abs_meta;
	org.output_dir = output_dir;
	org.prov_dir = s->prov_dir;
	org.job_id = job_id;
	org.run_meta = meta;
	org.event = event;
	switch (make_config(s, c, &tctx, config_path, &org, x, err)) {
	case 0:
		break;
	case 1:
		rc = 0;
		/* fall through */
	default:
		goto out;
	}
	if (read_script(s, script, x)) {
		rc = 0;
		goto out;
	}
	ae_sbatch_resources_from_metadata(meta, &res);
	if (res.job_name &&
	    asprintf(&job_name, "%s_%s", res.job_name, name) < 0)
		job_name = NULL;
	/* config and script as sbatch reaches them: through the key
	 * directory, its fd 3 (attempt_start) */
	ae_fdpath_format(sb_config, sizeof(sb_config), AE_SPAWN_CHILD_DIRFD,
	                 AE_COOLDOWN_CONFIG);
	ae_fdpath_format(sb_script, sizeof(sb_script), AE_SPAWN_CHILD_DIRFD,
	                 AE_COOLDOWN_SCRIPT);
	s->argv =
	    ae_sbatch_argv(sbatch, sb_config, &res, job_name ? job_name : name,
	                   (const char *const *)args, c->n_args, sb_script, &e);
	if (!s->argv) {
		fail_rec(s, x, "invalid", "%s", e.text);
		rc = 0;
		goto out;
	}
	json_object_set_new(s->rec, "argv", ae_json_strv(s->argv, jstr));
	json_object_set_new(s->rec, "argv_fd3", jstr(s->key_dir));
	{
		const char *set[] = {s->search, NULL};

		s->base_env = ae_sbatch_envp(env->envp, drop_env, set, &e);
	}
	if (!s->base_env) {
		fail_rec(s, x, "failed", "%s", e.text);
		rc = 0;
		goto out;
	}
	go_on(s, x, env->now);
	rc = 0;
out:
	ae_node_free(abs_meta);
	json_decref(meta);
	json_decref(event);
	json_decref(existing);
	ae_template_argv_free(args);
	free(name);
	free(config_path);
	free(script);
	free(sbatch);
	free(output_dir);
	free(job_id);
	free(job_name);
	return rc;
}

static const ae_action_class cooldown_class = {
    .name = AE_COOLDOWN_CLASS,
    /* checked as ae_action's check-only class checks it */
    .fields = ae_cooldown_spec_fields,
    .compile = ae_cooldown_spec_compile,
    .free = ae_cooldown_spec_free,
    .start = cd_start,
    .child_done = cd_child_done,
    .wake = cd_wake,
    /* submission.json says how far a start got (cd_start) */
    .resumable = 1,
};

int ae_cooldown_register(ae_error *err)
{
	if (ae_action_register(&cooldown_class) < 0)
		return ae_error_set(
		    err, NULL, 0, 0, NULL,
		    "cannot register %s: the action class table is full",
		    AE_COOLDOWN_CLASS);
	return 0;
}

/* ---- a helper that ends with submissions in flight ---- */

/* Mark one record stopped when it is "preparing" or "retrying". 1 marked, 0
 * not one to mark, -1 with err set. */
static int stop_one(int cds, const char *name, const char *why,
                    ae_cooldown_stopped cb, void *ctx, ae_error *err)
{
	const char *status;
	json_t *rec, *errs;
	ae_error e;
	int fd, rv = 0;

	fd = ae_safedir_openat(cds, name, name, getuid(), 0, 1, &e);
	if (fd < 0)
		return 0; /* not a cooldown's directory */
	rec = ae_provenance_read_json(fd, AE_COOLDOWN_SUBMISSION, &e);
	status = json_string_value(json_object_get(rec, "status"));
	if (!status ||
	    (strcmp(status, "preparing") && strcmp(status, "retrying")))
		goto out;
	errs = json_object_get(rec, "errors");
	if (!json_is_array(errs)) {
		errs = json_array();
		json_object_set_new(rec, "errors", errs);
	}
	json_array_append_new(errs, json_string(why));
	json_object_set_new(rec, "status", json_string("stopped"));
	json_object_set_new(rec, "stopped_at", json_integer(time(NULL)));
	if (ae_provenance_write_json(fd, AE_COOLDOWN_SUBMISSION, rec, err) <
	    0) {
		rv = -1;
		goto out;
	}
	if (cb)
		cb(ctx, name);
	rv = 1;
out:
	json_decref(rec);
	close(fd);
	return rv;
}

long ae_cooldown_stop_open(int prov_fd, const char *prov_dir, const char *why,
                           ae_cooldown_stopped cb, void *ctx, ae_error *err)
{
	char display[PATH_MAX + 16];
	struct dirent *d;
	long n = 0;
	DIR *dir;
	int cds, dfd;

	snprintf(display, sizeof(display), "%s/cooldowns", prov_dir);
	cds = ae_safedir_openat(prov_fd, "cooldowns", display, getuid(), 0, 1,
	                        err);
	if (cds < 0)
		return errno == ENOENT ? 0 : -1;
	dfd = dup(cds);
	dir = dfd < 0 ? NULL : fdopendir(dfd);
	if (!dir) {
		if (dfd >= 0)
			close(dfd);
		close(cds);
		return ae_error_set(err, display, 0, 0, NULL,
		                    "cannot list: %m");
	}
	while ((d = readdir(dir))) {
		int r;

		if (d->d_name[0] == '.')
			continue;
		r = stop_one(cds, d->d_name, why, cb, ctx, err);
		if (r < 0) {
			n = -1;
			break;
		}
		n += r;
	}
	closedir(dir);
	close(cds);
	return n;
}
