/* A stand-in for sbatch in unit tests only (integration tests use the real
 * Slurm). Selected explicitly through RunAutoexpAction's `sbatch` field.
 *
 * $SBATCH_STUB_DIR holds the script of its behaviour: `plan`, one line per
 * call (the last line repeats):
 *   ok JOBID          print JOBID (as --parsable does), exit 0
 *   transient         "Unable to contact slurm controller", exit 1
 *   fail TEXT         TEXT on stderr, exit 1
 *   hang              wait until killed
 * Call N writes `call<N>` there: its working directory, the directory it
 * got as fd 3 ("fd3:", empty when none), then every argv element and every
 * environment entry, one per line ("cwd:", "arg:", "env:"), and `count`
 * holds the number of calls. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, mode);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("SBATCH_STUB_DIR");
	char line[1024] = "", name[64], cwd[4096], fd3[4096];
	ssize_t len;
	int n = 0, i;
	FILE *f;

	if (!dir) {
		fprintf(stderr, "sbatch_stub: SBATCH_STUB_DIR is not set\n");
		return 2;
	}
	if ((f = open_in(dir, "count", "r"))) {
		if (fscanf(f, "%d", &n) != 1)
			n = 0;
		fclose(f);
	}
	n++;
	if (!(f = open_in(dir, "count", "w")))
		return 2;
	fprintf(f, "%d\n", n);
	fclose(f);

	snprintf(name, sizeof(name), "call%d", n);
	if (!(f = open_in(dir, name, "w")))
		return 2;
	fprintf(f, "cwd:%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	len = readlink("/proc/self/fd/3", fd3, sizeof(fd3) - 1);
	fd3[len > 0 ? len : 0] = '\0';
	fprintf(f, "fd3:%s\n", fd3);
	for (i = 0; i < argc; i++)
		fprintf(f, "arg:%s\n", argv[i]);
	for (i = 0; environ[i]; i++)
		fprintf(f, "env:%s\n", environ[i]);
	fclose(f);

	if ((f = open_in(dir, "plan", "r"))) {
		char buf[1024];

		for (i = 0; i < n && fgets(buf, sizeof(buf), f); i++)
			memcpy(line, buf, sizeof(line));
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	if (!strncmp(line, "ok ", 3)) {
		printf("%s\n", line + 3);
		return 0;
	}
	if (!strcmp(line, "transient")) {
		fprintf(
		    stderr,
		    "sbatch: error: Batch job submission failed: "
		    "Unable to contact slurm controller (connect failure)\n");
		return 1;
	}
	if (!strncmp(line, "fail ", 5)) {
		fprintf(stderr, "%s\n", line + 5);
		return 1;
	}
	if (!strcmp(line, "hang")) {
		for (;;)
			pause();
	}
	fprintf(stderr, "sbatch_stub: no plan for call %d\n", n);
	return 2;
}
