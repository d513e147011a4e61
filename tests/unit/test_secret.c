/* Secret-looking names, secret values and URL passwords, and their
 * redaction from provenance copies. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>

#include "ae_node.h"
#include "ae_secret.h"
#include "testutil.h"

static void test_names(void)
{
	static const char *const secret[] = {
	    "WANDB_API_KEY", "aws_secret_access", "HF_TOKEN", "db_Password",
	    "GOOGLE_APPLICATION_CREDENTIALS", "hf_token", "ssh_keys",
	    /* the review's: MY_PASSWD, GITLAB_PAT reached the files */
	    "MY_PASSWD", "GITLAB_PAT", "DB_PWD", "MYSQL_PWD", "SMTP_PASS",
	    "auth", "HTTP_AUTH", "OAUTH", "SESSION_COOKIE", "ssh_private",
	    "RSA_PRIVATE_KEY", "AWS_ACCESS_KEY_ID", "apiKey", "gitlabPat",
	    "HFTOKEN", "DBPASSWORD", "db.password", "gpg-passphrase",
	    "ACCESS_TOKEN", "refresh_token", "token"};
	static const char *const plain[] = {
	    "HOME", "SLURM_JOB_ID", "train_iters", "",
	    /* the working directory and the one before */
	    "PWD", "OLDPWD", "pwd", "PATH", "LD_LIBRARY_PATH", "data_path",
	    /* Megatron's arguments, given to the job by `autoexp args` from
	     * the redacted copy */
	    "tokenizer_type", "tokenizer_model", "moe_token_dispatcher_type",
	    "apply_query_key_layer_scaling", "max_tokens", "pat",
	    "TOKENIZERS_PARALLELISM", "SSH_AUTH_SOCK", "KEY_FILE", "compat",
	    "num_passes", "patience", "pattern", "key_value", "passthrough",
	    /* a tokenizer's special tokens */
	    "eos_token", "pad_token", "fim_pad_token", "rl_skip_bos_token",
	    "drop_vision_class_token"};
	size_t i;

	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (!ae_secret_name(secret[i])) {
			fprintf(stderr, "not secret: %s\n", secret[i]);
			CHECK(0);
		}
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (ae_secret_name(plain[i])) {
			fprintf(stderr, "secret: %s\n", plain[i]);
			CHECK(0);
		}
}

/* ae_secret_scrub of s: the new string, or s itself when unchanged. */
static char *scrub(const char *s, const ae_secret_values *v, int keep)
{
	size_t len;
	int oom;
	char *out = ae_secret_scrub(s, strlen(s), v, keep, &len, &oom);

	CHECK_INT(oom, 0);
	CHECK(!out || strlen(out) == len);
	return out ? out : strdup(s);
}

#define CHECK_SCRUB(in, v, keep, want)                                         \
	do {                                                                   \
		char *got_ = scrub(in, v, keep);                               \
		CHECK_STR(got_, want);                                         \
		free(got_);                                                    \
	} while (0)

static void test_urls(void)
{
	CHECK_SCRUB("https://u:hunter2@db.example/x", NULL, 0,
	            "https://u:<redacted>@db.example/x");
	/* an unencoded @ in the password: the last one ends it */
	CHECK_SCRUB("postgres://user:p@ss@host:5432/db?sslmode=require", NULL,
	            0,
	            "postgres://user:<redacted>@host:5432/db?sslmode=require");
	CHECK_SCRUB(
	    "git clone https://oauth2:glpat-xyz@gitlab.example/g/r.git "
	    "&& s3://AK:SK@bucket",
	    NULL, 0,
	    "git clone https://oauth2:<redacted>@gitlab.example/g/r.git "
	    "&& s3://AK:<redacted>@bucket");
	CHECK_SCRUB("{\"url\": \"redis://:pw123@cache:6379\"}", NULL, 0,
	            "{\"url\": \"redis://:<redacted>@cache:6379\"}");
	/* no password: a user name, a port, an @ in the path, no scheme */
	CHECK_SCRUB("ssh://git@github.com/o/r", NULL, 0,
	            "ssh://git@github.com/o/r");
	CHECK_SCRUB("http://host:8080/a", NULL, 0, "http://host:8080/a");
	CHECK_SCRUB("https://host/a:b@c", NULL, 0, "https://host/a:b@c");
	CHECK_SCRUB("user:pw@host and ://u:p@h", NULL, 0,
	            "user:pw@host and ://u:p@h");
	CHECK_SCRUB("https://u:@host", NULL, 0, "https://u:@host");
	/* the unresolved copy keeps what only names a secret */
	CHECK_SCRUB("https://u:${oc.env:DB_PASSWORD}@db", NULL, 1,
	            "https://u:${oc.env:DB_PASSWORD}@db");
	CHECK_SCRUB("https://u:${oc.env:DB_PASSWORD}@db", NULL, 0,
	            "https://u:<redacted>@db");
	CHECK_SCRUB("https://u:literal@db/${x}", NULL, 1,
	            "https://u:<redacted>@db/${x}");
	/* redacted once is redacted: no change the second time */
	{
		size_t len;
		int oom;

		CHECK(!ae_secret_scrub("https://u:<redacted>@h", 22, NULL, 0,
		                       &len, &oom) &&
		      !oom);
	}
}

static void test_values(void)
{
	ae_secret_values *v = ae_secret_values_new();

	CHECK_INT(ae_secret_values_add(v, "hunter2-db"), 0);
	CHECK_INT(ae_secret_values_add(v, "hunter2-db"), 0);
	CHECK_INT(ae_secret_values_add(v, "pw2"), 0);
	/* too short or a flag: they would be "found" everywhere */
	CHECK_INT(ae_secret_values_add(v, "1"), 0);
	CHECK_INT(ae_secret_values_add(v, "true"), 0);
	CHECK_INT(ae_secret_values_add(v, "None"), 0);
	CHECK_SCRUB("a hunter2-db b hunter2-dbhunter2-db", v, 0,
	            "a <redacted> b <redacted>");
	CHECK_SCRUB("login pw2", v, 0, "login <redacted>");
	CHECK_SCRUB("1 true None", v, 0, "1 true None");
	CHECK_SCRUB("nothing here", v, 0, "nothing here");
	ae_secret_values_free(v);
}

static void test_redact(void)
{
	ae_node *root = ae_node_new_map();
	ae_node *logging = ae_node_new_map();
	ae_node *keys = ae_node_new_seq();

	ae_map_set(logging, "wandb_api_key", ae_node_new_string("abc123"));
	ae_map_set(logging, "hf_token",
	           ae_node_new_string("${oc.env:HF_TOKEN}"));
	ae_map_set(logging, "project", ae_node_new_string("llm"));
	ae_seq_append(keys, ae_node_new_int(42));
	ae_seq_append(keys, ae_node_new_string("k2"));
	ae_map_set(logging, "ssh_keys", keys);
	ae_map_set(logging, "secret_unset", ae_node_new_null());
	/* MetadataCondition's `key` names an event key: not a secret */
	ae_map_set(logging, "key", ae_node_new_string("checkpoint_iteration"));
	ae_map_set(root, "logging", logging);
	ae_map_set(root, "lr", ae_node_new_float(0.1));

	/* the unresolved copy keeps interpolations: they hold no secret */
	CHECK_INT(ae_secret_redact(root, NULL, 1), 3);
	CHECK_STR(ae_map_get(logging, "wandb_api_key")->u.str.s,
	          AE_SECRET_REDACTED);
	CHECK_STR(ae_map_get(logging, "hf_token")->u.str.s,
	          "${oc.env:HF_TOKEN}");
	CHECK_STR(ae_map_get(logging, "project")->u.str.s, "llm");
	CHECK_STR(ae_seq_get(keys, 0)->u.str.s, AE_SECRET_REDACTED);
	CHECK_INT(ae_map_get(logging, "secret_unset")->type, AE_NULL);
	CHECK_INT(ae_map_get(root, "lr")->type, AE_FLOAT);
	CHECK_STR(ae_map_get(logging, "key")->u.str.s, "checkpoint_iteration");
	/* the resolved copy loses them all */
	CHECK_INT(ae_secret_redact(root, NULL, 0), 4);
	CHECK_STR(ae_map_get(logging, "hf_token")->u.str.s, AE_SECRET_REDACTED);
	ae_node_free(root);
}

/* Under keys that are no secret: a secret's value, a URL's password, and
 * Megatron's arguments left as they are. */
static void test_redact_values(void)
{
	ae_secret_values *v = ae_secret_values_new();
	ae_node *root = ae_node_new_map();
	ae_node *meg = ae_node_new_map();
	ae_node *db = ae_node_new_map();

	ae_secret_values_add(v, "hunter2-db");
	ae_map_set(db, "url",
	           ae_node_new_string("https://u:hunter2-db@db.example/x"));
	ae_map_set(db, "login", ae_node_new_string("hunter2-db"));
	ae_map_set(db, "dsn", ae_node_new_string("https://u:lit@db/${x}"));
	ae_map_set(root, "db", db);
	ae_map_set(meg, "tokenizer_type", ae_node_new_string("GPT2BPE"));
	ae_map_set(meg, "moe_token_dispatcher_type",
	           ae_node_new_string("alltoall"));
	ae_map_set(meg, "apply_query_key_layer_scaling", ae_node_new_bool(1));
	ae_map_set(root, "megatron", meg);
	/* a flag is no secret, whatever its name */
	ae_map_set(root, "use_api_key", ae_node_new_bool(1));

	CHECK_INT(ae_secret_redact(root, v, 0), 3);
	CHECK_INT(ae_map_get(root, "use_api_key")->type, AE_BOOL);
	CHECK_STR(ae_map_get(db, "url")->u.str.s,
	          "https://u:<redacted>@db.example/x");
	CHECK_STR(ae_map_get(db, "login")->u.str.s, AE_SECRET_REDACTED);
	CHECK_STR(ae_map_get(db, "dsn")->u.str.s,
	          "https://u:<redacted>@db/${x}");
	CHECK_STR(ae_map_get(meg, "tokenizer_type")->u.str.s, "GPT2BPE");
	CHECK_STR(ae_map_get(meg, "moe_token_dispatcher_type")->u.str.s,
	          "alltoall");
	CHECK_INT(ae_map_get(meg, "apply_query_key_layer_scaling")->type,
	          AE_BOOL);
	ae_node_free(root);
	ae_secret_values_free(v);
}

static void test_redact_json(void)
{
	ae_secret_values *v = ae_secret_values_new();
	json_t *j = json_pack("{s:{s:s, s:s, s:s}, s:[s, i]}", "environment",
	                      "DATABASE_URL", "postgres://app:pw-in-url@h/db",
	                      "NOTE", "uses hunter2-db", "PWD", "/home/u",
	                      "request", "--export=ALL,X=hunter2-db", 3);

	ae_secret_values_add(v, "hunter2-db");
	CHECK_INT(ae_secret_redact_json(j, v), 3);
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(j, "environment"), "DATABASE_URL")),
	          "postgres://app:<redacted>@h/db");
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(j, "environment"), "NOTE")),
	          "uses <redacted>");
	CHECK_STR(json_string_value(json_object_get(
	              json_object_get(j, "environment"), "PWD")),
	          "/home/u");
	CHECK_STR(
	    json_string_value(json_array_get(json_object_get(j, "request"), 0)),
	    "--export=ALL,X=<redacted>");
	CHECK_INT(ae_secret_redact_json(j, v), 0);
	json_decref(j);
	ae_secret_values_free(v);
}

int main(void)
{
	test_names();
	test_urls();
	test_values();
	test_redact();
	test_redact_values();
	test_redact_json();
	TEST_MAIN_END();
}
