/* Fuzz target: the capture, as slurmstepd reads it at job start. The
 * capture comes from the job's environment, which its user controls, and
 * is read in slurmstepd: the one place where a memory error would run as
 * root (review, finding 3).
 *
 * Input: either a header line "v1 <chunks> <bytes> <sha256>" followed by
 * one chunk per line (ae_capture_join with those as the environment), or
 * the capture JSON itself. JSON goes through what ae_jobstart_run does
 * before it touches the file system: ae_capture_decode, the YAML load,
 * resolution in a job's environment, the output directory, the monitoring
 * rules the helper will compile; then the provenance files are written
 * into a batch in a directory of our own (resolved and unresolved config,
 * the reference) that is never committed. Also: split and join give the
 * JSON back, and encode then decode gives the same capture. Every step
 * succeeds or fails with an error. The YAML limits are lowered (50000
 * nodes, 1000 alias references) so that one input stays fast. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ae_capture.h"
#include "ae_error.h"
#include "ae_fsbatch.h"
#include "ae_interp.h"
#include "ae_jobstart.h"
#include "ae_monitor_config.h"
#include "ae_node.h"
#include "ae_provenance.h"
#include "ae_rules.h"
#include "ae_yaml.h"
#include "fuzz.h"

#define MAX_CHUNKS 8

static char dir[PATH_MAX];
static int dirfds[2] = {-1, -1};

typedef struct chunks {
	const char *v[MAX_CHUNKS];
	size_t n;
} chunks;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_capture: %s\n", what);
	abort();
}

static const char *const subdirs[2] = {"run", "start"};

static void cleanup(void)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (int i = 0; i < 2; i++) {
		close(dirfds[i]);
		unlinkat(fd, subdirs[i], AT_REMOVEDIR);
	}
	close(fd);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz_capture.XXXXXX", fuzz_tmpdir());
	if (!mkdtemp(dir))
		die("mkdtemp");
	/* the run's and the start's provenance directory */
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		if (mkdir(path, 0700) < 0 ||
		    (dirfds[i] =
		         open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			die("mkdir");
	}
	atexit(cleanup);
	return 0;
}

static const char *job_env(const char *name, void *ctx)
{
	static const char *const vars[][2] = {
	    {"SLURM_JOB_ID", "7"},          {"SLURM_JOB_NAME", "fz"},
	    {"HOME", "/home/fz"},           {"USER", "fz"},
	    {"SLURM_ARRAY_TASK_ID", "3"},   {"SLURM_NNODES", "2"},
	    {"AUTOEXP_OUTPUT_DIR", "/out"}, {"FZ_JSON", "{a: [1, 2]}"},
	};

	(void)ctx;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(name, vars[i][0]))
			return vars[i][1];
	return NULL;
}

static char *get_chunk(const char *name, void *ctx)
{
	const chunks *c = ctx;
	size_t plen = strlen(AE_CAPTURE_VAR "_");
	char *end;
	unsigned long i;

	if (strncmp(name, AE_CAPTURE_VAR "_", plen))
		return NULL;
	i = strtoul(name + plen, &end, 10);
	return *end || i >= c->n ? NULL : strdup(c->v[i]);
}

/* The header on the first line, a chunk on each further line. */
static void join(char *text)
{
	chunks c = {{0}, 0};
	char *p = strchr(text, '\n'), *payload;
	ae_error err;

	while (p && c.n < MAX_CHUNKS) {
		*p++ = '\0';
		c.v[c.n++] = p;
		p = strchr(p, '\n');
	}
	ae_error_clear(&err);
	payload = ae_capture_join(text, get_chunk, &c, &err);
	if (!payload)
		FUZZ_REJECTED(&err);
	free(payload);
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int same_strv(char **a, char **b)
{
	size_t i = 0;

	if (!a || !b)
		return a == b;
	for (; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return !a[i] && !b[i];
}

/* Encode, decode: the same capture. Split, join: the same JSON. */
static void round_trips(const char *json, const ae_capture *cap)
{
	ae_capture *again;
	chunks c = {{0}, 0};
	char **v = NULL, header[128], *enc, *joined;
	ae_error err;
	long n;

	enc = ae_capture_encode(cap, &err);
	if (!enc) /* a string that is not UTF-8 has no JSON form */
		return;
	again = ae_capture_decode(enc, &err);
	FUZZ_ASSERT(again);
	FUZZ_ASSERT(same(cap->config_path, again->config_path) &&
	            same(cap->config_name, again->config_name) &&
	            same(cap->config_dir, again->config_dir) &&
	            same(cap->timestring, again->timestring) &&
	            same(cap->unresolved, again->unresolved) &&
	            same_strv(cap->search_path, again->search_path) &&
	            same_strv(cap->overrides, again->overrides) &&
	            cap->submit_time == again->submit_time);
	ae_capture_free(again);
	free(enc);
	n = ae_capture_split(json, &v, header, sizeof(header), &err);
	if (n < 0)
		return; /* too long */
	for (; n > 0 && c.n < MAX_CHUNKS && c.n < (size_t)n; c.n++)
		c.v[c.n] = v[c.n];
	if ((size_t)n <= MAX_CHUNKS) {
		joined = ae_capture_join(header, get_chunk, &c, &err);
		FUZZ_ASSERT(joined && !strcmp(joined, json));
		free(joined);
	}
	for (long i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

/* What the job start does with a capture, short of the file system. */
static void start(const char *json)
{
	ae_capture *cap;
	ae_node *unresolved = NULL, *resolved = NULL;
	ae_resolve_opts ro = {0};
	ae_yaml_limits lim;
	ae_fsbatch *batch;
	ae_rules *rules;
	ae_error err;
	char out[PATH_MAX];

	ae_error_clear(&err);
	cap = ae_capture_decode(json, &err);
	if (!cap) {
		FUZZ_REJECTED(&err);
		return;
	}
	round_trips(json, cap);
	ae_yaml_limits_default(&lim);
	lim.max_nodes = 50000;
	lim.max_alias_refs = 1000;
	ae_error_clear(&err);
	unresolved = ae_yaml_load_string(
	    cap->unresolved, strlen(cap->unresolved), "<capture>", &lim, &err);
	if (!unresolved) {
		FUZZ_REJECTED(&err);
		goto out;
	}
	ro.timestring = cap->timestring;
	ro.env = job_env;
	resolved = ae_interp_resolve(unresolved, &ro, &err);
	if (!resolved) {
		FUZZ_REJECTED(&err);
		goto out;
	}
	(void)ae_jobstart_wants_helper(resolved);
	ae_error_clear(&err);
	if (ae_jobstart_output_dir(resolved, "/scratch/fz", out, sizeof(out),
	                           &err) < 0)
		FUZZ_REJECTED(&err);
	if (ae_map_get(resolved, "monitoring")) {
		ae_error_clear(&err);
		rules = ae_monitor_config_rules(
		    ae_map_get(resolved, "monitoring"), 0, &err);
		if (!rules)
			FUZZ_REJECTED(&err);
		ae_rules_free(rules);
	}
	batch = ae_fsbatch_new(dirfds[0]);
	FUZZ_ASSERT(batch);
	ae_error_clear(&err);
	if (ae_provenance_add_configs(batch, dirfds, 2, resolved, unresolved,
	                              cap->unresolved, NULL, NULL, &err) < 0 ||
	    ae_provenance_add_reference(batch, cap, &err) < 0)
		FUZZ_REJECTED(&err);
	ae_fsbatch_free(batch); /* never committed: removes its files */
out:
	ae_node_free(resolved);
	ae_node_free(unresolved);
	ae_capture_free(cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);

	if (!text)
		return 0;
	if (!strncmp(text, "v1 ", 3))
		join(text);
	else
		start(text);
	free(text);
	return 0;
}
