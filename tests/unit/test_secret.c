/* Secret-looking names and their redaction from provenance copies. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_node.h"
#include "ae_secret.h"
#include "testutil.h"

static void test_names(void)
{
	CHECK(ae_secret_name("WANDB_API_KEY"));
	CHECK(ae_secret_name("aws_secret_access"));
	CHECK(ae_secret_name("HF_TOKEN"));
	CHECK(ae_secret_name("db_Password"));
	CHECK(ae_secret_name("GOOGLE_APPLICATION_CREDENTIALS"));
	CHECK(!ae_secret_name("HOME"));
	CHECK(!ae_secret_name("SLURM_JOB_ID"));
	CHECK(!ae_secret_name("train_iters"));
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
	CHECK_INT(ae_secret_redact(root, 1), 3);
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
	CHECK_INT(ae_secret_redact(root, 0), 4);
	CHECK_STR(ae_map_get(logging, "hf_token")->u.str.s, AE_SECRET_REDACTED);
	ae_node_free(root);
}

int main(void)
{
	test_names();
	test_redact();
	TEST_MAIN_END();
}
