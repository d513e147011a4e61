/* The main of a fuzz target when it is not built with libFuzzer (the normal
 * build): runs the target once on each file named on the command line, or
 * on each file in a named directory, as `fuzz_X FILE...` does with
 * libFuzzer. So the targets compile, and their seeds and the inputs of
 * fixed crashes (fuzz/regress) run, in every `make check`, under the
 * sanitizer build too. Exit status 0 when every input ran (a failing
 * property aborts). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Run the target on one file. 0, or -1 when it cannot be read. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;
	int rv = -1;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			uint8_t *p = realloc(data, ncap);

			if (!p)
				goto out;
			data = p;
			cap = ncap;
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		goto out;
	}
	/* an exact-size copy, so that ASan sees a read past the input */
	{
		uint8_t *copy = malloc(size ? size : 1);

		if (!copy)
			goto out;
		if (size)
			memcpy(copy, data, size);
		LLVMFuzzerTestOneInput(copy, size);
		free(copy);
	}
	rv = 0;
out:
	free(data);
	fclose(f);
	return rv;
}

int main(int argc, char **argv)
{
	unsigned long inputs = 0;
	int rv = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rv = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			rv |= run_file(argv[i]) < 0;
			inputs++;
			continue;
		}
		d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rv = 1;
			continue;
		}
		while ((e = readdir(d))) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			         e->d_name);
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			rv |= run_file(path) < 0;
			inputs++;
		}
		closedir(d);
	}
	printf("%s: %lu inputs\n", argv[0], inputs);
	return rv;
}
