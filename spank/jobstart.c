/* REMOTE context, batch step, user_init: slurmstepd has switched its
 * effective ids to the job user. Everything written here is the user's. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ae_capture.h"
#include "ae_jobstart.h"
#include "ae_json.h"
#include "ae_proc.h"
#include "ae_provenance.h"
#include "ae_sharing.h"
#include "context.h"
#include "helper_launch.h"
#include "jobstart.h"
#include "spank_api.h"

/* Largest batch script copied into provenance. */
#define AE_SCRIPT_MAX (4u * 1024u * 1024u)

static char *get_env_copy(const char *name, void *ctx)
{
	char full[128];

	snprintf(full, sizeof(full), "SLURM_SPANK_%s", name);
	return ae_spank_getenv_dup(ctx, full);
}

/* oc.env at job start sees the job's environment. */
static const char *job_env(const char *name, void *ctx)
{
	char **envv = ctx;
	size_t len = strlen(name), i;

	for (i = 0; envv && envv[i]; i++)
		if (strncmp(envv[i], name, len) == 0 && envv[i][len] == '=')
			return envv[i] + len + 1;
	return NULL;
}

static void set_env_string(json_t *meta, const char *key, char **envv,
                           const char *var)
{
	const char *v = job_env(var, envv);

	json_object_set_new(meta, key, ae_json_string_or_null(v));
}

/* An integer variable as a JSON integer; null when unset or not a number
 * (SLURM_NTASKS is only set when the job asked for a task count). */
static void set_env_int(json_t *meta, const char *key, char **envv,
                        const char *var)
{
	const char *v = job_env(var, envv);
	char *end;
	long long n;

	errno = 0;
	n = v ? strtoll(v, &end, 10) : 0;
	if (!v || !*v || *end || errno)
		json_object_set_new(meta, key, json_null());
	else
		json_object_set_new(meta, key, json_integer(n));
}

static json_t *slurm_metadata(char **envv, uid_t uid, gid_t gid)
{
	json_t *meta = json_object();
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];

	if (!meta)
		return NULL;
	set_env_string(meta, "job_id", envv, "SLURM_JOB_ID");
	set_env_string(meta, "array_job_id", envv, "SLURM_ARRAY_JOB_ID");
	set_env_string(meta, "array_task_id", envv, "SLURM_ARRAY_TASK_ID");
	set_env_string(meta, "job_name", envv, "SLURM_JOB_NAME");
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp)
		json_object_set_new(meta, "user", json_string(pw.pw_name));
	else
		json_object_set_new(meta, "user", json_null());
	json_object_set_new(meta, "uid", json_integer(uid));
	json_object_set_new(meta, "gid", json_integer(gid));
	set_env_string(meta, "partition", envv, "SLURM_JOB_PARTITION");
	set_env_string(meta, "account", envv, "SLURM_JOB_ACCOUNT");
	set_env_string(meta, "qos", envv, "SLURM_JOB_QOS");
	set_env_string(meta, "node_list", envv, "SLURM_JOB_NODELIST");
	/* the job's, not the batch step's (one task on the first node) */
	set_env_int(meta, "nodes", envv, "SLURM_JOB_NUM_NODES");
	set_env_int(meta, "tasks", envv, "SLURM_NTASKS");
	set_env_string(meta, "submit_dir", envv, "SLURM_SUBMIT_DIR");
	set_env_string(meta, "submit_host", envv, "SLURM_SUBMIT_HOST");
	/* Slurm loads only plugins built for its own version. */
	ae_spank_slurm_version(pwbuf, sizeof(pwbuf));
	json_object_set_new(meta, "slurm_version", json_string(pwbuf));
	json_object_set_new(meta, "environment", ae_provenance_env_json(envv));
	return meta;
}

/* The batch script as it runs: slurmstepd passes its path as argv[0]. Read
 * with the user's ids, without following a symlink. */
static char *read_script(spank_t sp, size_t *len)
{
	const char *path = ae_spank_job_argv0(sp);
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	*len = 0;
	if (!path)
		return NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size <= AE_SCRIPT_MAX) {
		buf = malloc((size_t)st.st_size + 1);
		n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
		if (n >= 0) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	close(fd);
	return buf;
}

/* The job's working directory, against which the job (and Megatron)
 * resolve relative paths: slurmstepd has changed into it (--chdir, else
 * the submission directory) before user_init. The job's PWD is only what
 * sbatch's environment exported, unset under `env -i` and stale with
 * --chdir: a fallback, as the submission directory. */
static const char *job_workdir(char **envv, char *buf, size_t size)
{
	const char *pwd = job_env("PWD", envv);

	if (getcwd(buf, size) && buf[0] == '/' && strcmp(buf, "/"))
		return buf;
	if (pwd && pwd[0] == '/')
		return pwd;
	return job_env("SLURM_SUBMIT_DIR", envv);
}

/* The job's umask, which decides who may read its provenance (ae_sharing):
 * SLURM_UMASK when the job still has it, else slurmstepd's own, which it
 * has set from SLURM_UMASK (and dropped the variable) before user_init;
 * read without umask(2), which other threads would see change. */
static int job_umask(char **envv)
{
	mode_t mask;

	if (ae_sharing_umask(job_env("SLURM_UMASK", envv), &mask) == 0 ||
	    ae_proc_umask(&mask) == 0)
		return (int)mask;
	return -1;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

int ae_plug_jobstart(spank_t sp)
{
	ae_jobstart_info info = {0};
	ae_jobstart_result res;
	char *header = NULL, *capture = NULL, *script = NULL;
	char msg[AE_ERROR_TEXT_LEN + AE_ERROR_FILE_LEN + AE_ERROR_PATH_LEN];
	char **envv = NULL, job_id[32], host[256] = "", cwd[PATH_MAX];
	const char *workdir;
	json_t *meta = NULL;
	struct timespec t0, t_prov, t1;
	ae_error err;
	int rv = 0;

	/* Slurm hands the job's control environment to the batch step as
	 * SLURM_SPANK_*: present only for jobs submitted with the option. */
	header = ae_spank_getenv_dup(sp, "SLURM_SPANK_" AE_CAPTURE_VAR);
	if (!header || !ae_spank_is_batch_step(sp))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ae_plugin.active = 1;
	ae_error_clear(&err);
	capture = ae_capture_join(header, get_env_copy, sp, &err);
	ae_spank_unset_capture(sp);
	if (!capture) {
		rv = ae_plug_fail("autoexp: job start: %s", err.text);
		goto out;
	}
	if (ae_spank_job_ids(sp, &ae_plugin.uid, &ae_plugin.gid) < 0 ||
	    ae_spank_job_env(sp, &envv) < 0) {
		rv = ae_plug_fail("autoexp: job start: cannot read the job's "
		                  "ids and environment");
		goto out;
	}
	meta = slurm_metadata(envv, ae_plugin.uid, ae_plugin.gid);
	script = read_script(sp, &info.job_script_len);
	workdir = job_workdir(envv, cwd, sizeof(cwd));
	info.uid = ae_plugin.uid;
	if (ae_spank_job_id(sp, job_id, sizeof(job_id)) < 0) {
		rv = ae_plug_fail("autoexp: job start: cannot read the job id");
		goto out;
	}
	info.job_id = job_id;
	info.host = gethostname(host, sizeof(host)) == 0 ? host : NULL;
	info.workdir = workdir;
	info.array_task_id = job_env("SLURM_ARRAY_TASK_ID", envv);
	info.env = job_env;
	info.env_ctx = envv;
	info.metadata = meta;
	info.job_script = script;
	info.umask = job_umask(envv);
	info.start_time = (long long)time(NULL);
	if (ae_jobstart_run(capture, &info, &res, &err) < 0) {
		ae_error_format(&err, msg, sizeof(msg));
		rv = ae_plug_fail("autoexp: job start: %s", msg);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_prov);
	/* slurmstepd keeps the run's lock until the job ends */
	ae_plugin.prov_fd = res.prov_fd;
	ae_plugin.job_fd = res.job_fd;
	ae_plugin.lock_fd = res.lock_fd;
	ae_plugin.start = res.start;
	snprintf(ae_plugin.job_id, sizeof(ae_plugin.job_id), "%s", job_id);
	if (!res.lock_held)
		ae_spank_error("autoexp: job start: %s: the run is not locked "
		               "against a second job",
		               err.text);
	if (ae_spank_setenv(sp, "AUTOEXP_OUTPUT_DIR", res.output_dir) < 0 ||
	    ae_spank_setenv(sp, "AUTOEXP_PROVENANCE_DIR", res.provenance_dir) <
	        0 ||
	    ae_spank_setenv(sp, "AUTOEXP_JOB_DIR", res.job_dir) < 0 ||
	    ae_spank_setenv(sp, "AUTOEXP_CONFIG", res.config_file) < 0)
		rv = ae_plug_fail(
		    "autoexp: job start: cannot export AUTOEXP_* to the job");
	if (res.want_helper)
		rv = ae_plug_helper_launch(workdir, &res, job_id, envv);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the job start's cost on the batch host (bench/bench_multinode.sh) */
	ae_spank_debug("autoexp: provenance in %s, start %ld of the run "
	               "(job start %.1f ms, of which the helper's launch "
	               "%.1f ms)",
	               res.job_dir, res.start, ms_between(&t0, &t1),
	               ms_between(&t_prov, &t1));
out:
	json_decref(meta);
	free(script);
	free(capture);
	free(header);
	return rv;
}
