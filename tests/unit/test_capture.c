/* The config captured at submission: digest, encoding, chunking, and the
 * checks that catch a damaged capture. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "ae_capture.h"
#include "ae_sha256.h"
#include "testutil.h"

static void test_sha256_vectors(void)
{
	char hex[65];
	char *million = malloc(1000000);

	ae_sha256_hex("", 0, hex);
	CHECK_STR(
	    hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ae_sha256_hex("abc", 3, hex);
	CHECK_STR(
	    hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ae_sha256_hex(
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    hex);
	CHECK_STR(
	    hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	ae_sha256_hex(million, 1000000, hex);
	CHECK_STR(
	    hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

struct chunks {
	char **v;
	long n;
	int drop;    /* index to report missing, or -1 */
	int corrupt; /* index to alter, or -1 */
};

static char *get_chunk(const char *name, void *ctx)
{
	struct chunks *c = ctx;
	const char *idx = strrchr(name, '_');
	long i = idx ? strtol(idx + 1, NULL, 10) : -1;
	char *copy;

	if (i < 0 || i >= c->n || i == c->drop)
		return NULL;
	copy = strdup(c->v[i]);
	if (i == c->corrupt)
		copy[0] ^= 1;
	return copy;
}

static void free_chunks(struct chunks *c)
{
	long i;

	for (i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
}

static void test_round_trip_large(void)
{
	size_t len = 300 * 1024, i;
	char *yaml = malloc(len + 1);
	char *search[] = {"/site/presets", NULL};
	char *over[] = {"a.b=1", NULL};
	ae_capture cap = {0}, *back;
	struct chunks c = {.drop = -1, .corrupt = -1};
	char header[128];
	char *json, *joined;
	ae_error err;

	for (i = 0; i < len; i++)
		yaml[i] = (char)('a' + i % 26);
	memcpy(yaml, "k: \"x\\ny\"\n", 10);
	yaml[len] = '\0';
	cap.config_path = "/home/u/exp.yaml";
	cap.config_name = "exp";
	cap.config_dir = "/home/u";
	cap.search_path = search;
	cap.overrides = over;
	cap.timestring = "20250101_000000_000";
	cap.unresolved = yaml;
	cap.submit_time = 1700000000;
	ae_error_clear(&err);
	json = ae_capture_encode(&cap, &err);
	CHECK(json != NULL);
	c.n = ae_capture_split(json, &c.v, header, sizeof(header), &err);
	CHECK(c.n >= 4); /* 300 KiB in 96 KiB chunks */
	for (i = 0; i < (size_t)c.n; i++)
		CHECK(strlen(c.v[i]) <= AE_CAPTURE_CHUNK_BYTES);
	joined = ae_capture_join(header, get_chunk, &c, &err);
	CHECK(joined && strcmp(joined, json) == 0);
	back = ae_capture_decode(joined, &err);
	CHECK(back != NULL);
	if (back) {
		CHECK_STR(back->unresolved, yaml);
		CHECK_STR(back->timestring, "20250101_000000_000");
		CHECK_STR(back->search_path[0], "/site/presets");
		CHECK(back->search_path[1] == NULL);
		CHECK_STR(back->overrides[0], "a.b=1");
		CHECK_INT(back->submit_time, 1700000000);
		CHECK(back->parent == NULL);
	}
	ae_capture_free(back);
	free(joined);

	/* a missing chunk and a changed byte are both caught */
	c.drop = 1;
	joined = ae_capture_join(header, get_chunk, &c, &err);
	CHECK(joined == NULL &&
	      strstr(err.text, "AUTOEXP_CAPTURE_1 is missing"));
	c.drop = -1;
	c.corrupt = 2;
	joined = ae_capture_join(header, get_chunk, &c, &err);
	CHECK(joined == NULL && strstr(err.text, "corrupt"));
	joined = ae_capture_join("v1 banana", get_chunk, &c, &err);
	CHECK(joined == NULL && strstr(err.text, "malformed"));
	free_chunks(&c);
	free(json);
	free(yaml);
}

static void test_too_large_refused(void)
{
	size_t len = AE_CAPTURE_MAX_BYTES + 1;
	char *big = malloc(len + 1);
	char header[128];
	char **v = NULL;
	ae_error err;

	memset(big, 'x', len);
	big[len] = '\0';
	ae_error_clear(&err);
	CHECK_INT(ae_capture_split(big, &v, header, sizeof(header), &err), -1);
	CHECK(v == NULL);
	CHECK(strstr(err.text, "at most") != NULL);
	free(big);
}

static void test_decode_rejects(void)
{
	ae_error err;

	ae_error_clear(&err);
	CHECK(ae_capture_decode("{", &err) == NULL);
	CHECK(ae_capture_decode("{\"version\": 2}", &err) == NULL);
	CHECK(strstr(err.text, "unknown version") != NULL);
	CHECK(ae_capture_decode("{\"version\": 1}", &err) == NULL);
}

static void test_parent_kept(void)
{
	char *empty[] = {NULL};
	ae_capture cap = {0}, *back;
	char *json;

	cap.search_path = empty;
	cap.overrides = empty;
	cap.timestring = "t";
	cap.unresolved = "a: 1\n";
	cap.parent = "{\"job_id\":\"12\",\"iteration\":100}";
	json = ae_capture_encode(&cap, NULL);
	back = ae_capture_decode(json, NULL);
	CHECK(back && back->parent &&
	      strstr(back->parent, "\"iteration\":100"));
	ae_capture_free(back);
	free(json);
	cap.parent = "not json";
	CHECK(ae_capture_encode(&cap, NULL) == NULL);
}

static void test_request_kept(void)
{
	char *empty[] = {NULL};
	ae_capture cap = {0}, *back;
	char *json;

	cap.search_path = empty;
	cap.overrides = empty;
	cap.timestring = "t";
	cap.unresolved = "a: 1\n";
	cap.request = "{\"options\":[\"--nodes=2\",\"--exclusive\"]}";
	json = ae_capture_encode(&cap, NULL);
	back = ae_capture_decode(json, NULL);
	CHECK(back && back->request &&
	      strstr(back->request, "\"--exclusive\"") && !back->parent);
	ae_capture_free(back);
	free(json);
	cap.request = "{";
	CHECK(ae_capture_encode(&cap, NULL) == NULL);
}

int main(void)
{
	test_sha256_vectors();
	test_round_trip_large();
	test_too_large_refused();
	test_decode_rejects();
	test_parent_kept();
	test_request_kept();
	TEST_MAIN_END();
}
