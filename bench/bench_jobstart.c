/* The plugin's work per job, without Slurm: submit-time checking
 * (ae_submit_prepare) and job start (ae_jobstart_run: resolve and write
 * provenance), for each config given, N times each; medians in ms, with a
 * baseline measured in the same run:
 *   submit baseline: libyaml parsing the same file (no tree, no checks);
 *   job-start baseline: writing the same provenance bytes as six plain files
 *   with fsync (the filesystem's floor for what job start must do).
 * Usage: bench_jobstart N CONFIG... */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "ae_jobstart.h"
#include "ae_submit.h"

static char base[] = "/tmp/ae_bench_XXXXXX";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	return t[n / 2];
}

/* Every variable names this run's own directory: a fresh output dir per
 * run, as for a new job. */
static const char *env(const char *name, void *ctx)
{
	(void)name;
	return ctx;
}

static void yaml_parse_only(const char *path)
{
	yaml_parser_t p;
	yaml_event_t ev;
	FILE *f = fopen(path, "r");
	int done = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!done && yaml_parser_parse(&p, &ev)) {
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	fclose(f);
}

static size_t dir_bytes(const char *dir, char **data)
{
	static const char *names[] = {
	    "resolved_config.yaml",   "resolved_config.json",
	    "unresolved_config.yaml", "config_reference.json",
	    "run_metadata.json",      "job_script.sh"};
	char path[PATH_MAX + 64];
	size_t total = 0, i;
	struct stat st;

	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0)
			total += (size_t)st.st_size;
	}
	*data = calloc(1, total / 6 + 1);
	memset(*data, 'x', total / 6);
	return total / 6;
}

static void write_plain(int run, const char *data, size_t len)
{
	char path[4096];
	int i, fd;

	snprintf(path, sizeof(path), "%s/plain_%d", base, run);
	mkdir(path, 0755);
	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "%s/plain_%d/f%d", base, run, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (write(fd, data, len) < 0)
			perror("write");
		fsync(fd);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	int n, a, i, worst = 0;

	if (argc < 3)
		return 2;
	n = atoi(argv[1]);
	if (!mkdtemp(base))
		return 1;
	printf("%-44s %10s %10s %7s %10s %10s %7s\n", "config", "submit ms",
	       "baseline", "ratio", "start ms", "baseline", "ratio");
	for (a = 2; a < argc; a++) {
		double *ts = calloc((size_t)n, sizeof(double));
		double *tb = calloc((size_t)n, sizeof(double));
		double *tj = calloc((size_t)n, sizeof(double));
		double *tw = calloc((size_t)n, sizeof(double));
		ae_jobstart_result res = {0};
		char *plain = NULL;
		size_t plain_len = 0;
		double ms, mb, mj, mw;

		for (i = 0; i < n; i++) {
			ae_submit_result sub;
			ae_jobstart_info info = {0};
			char stamp[32], job[16], rundir[PATH_MAX];
			ae_error err;
			double t0;

			t0 = now_ms();
			yaml_parse_only(argv[a]);
			tb[i] = now_ms() - t0;

			snprintf(stamp, sizeof(stamp), "20250101_000000_%03d",
			         i % 1000);
			t0 = now_ms();
			if (ae_submit_prepare(argv[a], NULL, 0, NULL,
			                      AE_PRESETS_SRC, NULL, stamp, NULL,
			                      &sub, &err) < 0) {
				fprintf(stderr, "%s: %s: %s\n", argv[a],
				        err.path, err.text);
				return 1;
			}
			ts[i] = now_ms() - t0;

			snprintf(job, sizeof(job), "%d", 1000 + i);
			snprintf(rundir, sizeof(rundir), "%s/run_%d", base, i);
			info.uid = getuid();
			info.job_id = job;
			info.workdir = rundir;
			info.env = env;
			info.env_ctx = rundir;
			info.start_time = 1700000000;
			info.job_script = "#!/bin/bash\nsrun python "
			                  "pretrain_gpt.py $(autoexp args)\n";
			info.job_script_len = strlen(info.job_script);
			t0 = now_ms();
			if (ae_jobstart_run(sub.capture, &info, &res, &err) <
			    0) {
				fprintf(stderr, "%s: job start: %s: %s\n",
				        argv[a], err.path, err.text);
				return 1;
			}
			tj[i] = now_ms() - t0;
			close(res.prov_fd);
			close(res.job_fd);
			close(res.lock_fd);
			ae_submit_result_clear(&sub);
			if (!plain)
				plain_len =
				    dir_bytes(res.provenance_dir, &plain);
			t0 = now_ms();
			write_plain(i, plain, plain_len);
			tw[i] = now_ms() - t0;
		}
		ms = median(ts, n), mb = median(tb, n);
		mj = median(tj, n), mw = median(tw, n);
		printf("%-44s %10.3f %10.3f %7.2f %10.3f %10.3f %7.2f\n",
		       strrchr(argv[a], '/') ? strrchr(argv[a], '/') + 1
		                             : argv[a],
		       ms, mb, ms / mb, mj, mw, mj / mw);
		if (ms > 20.0 || mj > 5.0)
			worst = 1;
		free(ts), free(tb), free(tj), free(tw), free(plain);
	}
	printf("budgets: submit <= 20 ms, job start <= 5 ms (median): %s\n",
	       worst ? "EXCEEDED" : "met");
	return 0;
}
