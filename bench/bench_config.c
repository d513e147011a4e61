/* Compose and resolve a config file N times; print the median milliseconds.
 * Usage: bench_config FILE N */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ae_compose.h"
#include "ae_interp.h"

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

int main(int argc, char **argv)
{
	ae_compose_opts copts = {0};
	ae_resolve_opts ropts = {.timestring = "20250101_000000_000"};
	double *t;
	int n, i;

	if (argc != 3)
		return 2;
	n = atoi(argv[2]);
	t = calloc((size_t)n, sizeof(*t));
	for (i = 0; i < n; i++) {
		ae_error err;
		double t0 = now_ms();
		ae_node *tree = ae_compose_file(argv[1], &copts, &err);
		ae_node *res =
		    tree ? ae_interp_resolve(tree, &ropts, &err) : NULL;

		t[i] = now_ms() - t0;
		if (!res) {
			fprintf(stderr, "bench_config: %s: %s\n", err.path,
			        err.text);
			return 1;
		}
		ae_node_free(res);
		ae_node_free(tree);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.3f\n", t[n / 2]);
	free(t);
	return 0;
}
