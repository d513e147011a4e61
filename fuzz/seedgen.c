/* seedgen: captures for the capture fuzz target's seeds, made as sbatch
 * makes them (ae_submit_prepare, the same as `autoexp check`).
 *
 *   seedgen OUTDIR PRESETS_DIR CONFIG...
 *
 * For each config that submits, writes OUTDIR/NAME.json (the capture) and
 * OUTDIR/NAME.split (its header line and chunks, one a line, as the job's
 * environment carries them). A config that does not submit is skipped with
 * a note: the seeds come from the test data, bad configs included. Exit
 * status 1 only when nothing could be written. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ae_capture.h"
#include "ae_error.h"
#include "ae_submit.h"

static int write_file(const char *path, const char *const *parts, size_t n)
{
	FILE *f = fopen(path, "w");
	int rv = 0;

	if (!f)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (fputs(parts[i], f) < 0 || (i + 1 < n && fputc('\n', f) < 0))
			rv = -1;
	if (fclose(f) != 0)
		rv = -1;
	return rv;
}

/* The capture of one config into OUTDIR/NAME.json and NAME.split. */
static int one(const char *outdir, const char *presets, const char *config)
{
	ae_submit_result res;
	char name[PATH_MAX], path[2 * PATH_MAX + 16], header[128], *copy;
	char **chunks = NULL;
	const char *parts[1 + 8];
	ae_error err;
	long n;
	int rv = -1;

	memset(&res, 0, sizeof(res));
	if (ae_submit_prepare(config, NULL, 0, NULL, presets, NULL,
	                      "20250101_000000_000", NULL, &res, &err) < 0) {
		fprintf(stderr, "seedgen: %s: skipped: %s\n", config, err.text);
		return -1;
	}
	copy = strdup(config);
	if (!copy)
		goto out;
	snprintf(name, sizeof(name), "%s", basename(copy));
	free(copy);
	if (strrchr(name, '.'))
		*strrchr(name, '.') = '\0';
	snprintf(path, sizeof(path), "%s/%s.json", outdir, name);
	parts[0] = res.capture;
	if (write_file(path, parts, 1) < 0)
		goto out;
	n = ae_capture_split(res.capture, &chunks, header, sizeof(header),
	                     &err);
	if (n > 0 && n <= 8) {
		parts[0] = header;
		for (long i = 0; i < n; i++)
			parts[1 + i] = chunks[i];
		snprintf(path, sizeof(path), "%s/%s.split", outdir, name);
		if (write_file(path, parts, (size_t)n + 1) < 0)
			goto out;
	}
	rv = 0;
out:
	for (long i = 0; chunks && chunks[i]; i++)
		free(chunks[i]);
	free(chunks);
	ae_submit_result_clear(&res);
	return rv;
}

int main(int argc, char **argv)
{
	int written = 0;

	if (argc < 4) {
		fprintf(stderr,
		        "usage: seedgen OUTDIR PRESETS_DIR CONFIG...\n");
		return 2;
	}
	for (int i = 3; i < argc; i++)
		written += one(argv[1], argv[2], argv[i]) == 0;
	printf("seedgen: %d captures\n", written);
	return written ? 0 : 1;
}
