/* Fuzz target: the YAML loader (ae_yaml), the emitter and the JSON form.
 *
 * Input: YAML text. Whatever the loader accepts must emit, load again to an
 * equal tree (ae_yaml_emit's promise) and convert to JSON or fail with an
 * error. The node and
 * alias limits are lowered from their defaults (1e6, 10000) so that one
 * input stays fast; the limits themselves are checked in test_yaml. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ae_error.h"
#include "ae_json.h"
#include "ae_node.h"
#include "ae_yaml.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ae_yaml_limits lim;
	ae_node *root, *again;
	ae_error err;
	char *text, *json;

	ae_error_clear(&err);
	ae_yaml_limits_default(&lim);
	lim.max_nodes = 20000;
	lim.max_alias_refs = 1000;
	root =
	    ae_yaml_load_string((const char *)data, size, "<fuzz>", &lim, &err);
	if (!root) {
		FUZZ_REJECTED(&err);
		return 0;
	}
	text = ae_yaml_emit(root, &err);
	FUZZ_ASSERT(text);
	/* the emitted text has no aliases: only its size can be larger */
	lim.max_bytes = strlen(text) + 1;
	again =
	    ae_yaml_load_string(text, strlen(text), "<emitted>", &lim, &err);
	if (!again)
		fprintf(stderr, "reload: %s\n--\n%s--\n", err.text, text);
	FUZZ_ASSERT(again);
	FUZZ_ASSERT(ae_node_equal(root, again));
	/* may fail: a \u escape can make a string that is not UTF-8 */
	ae_error_clear(&err);
	json = ae_json_dump(root, &err);
	if (!json)
		FUZZ_REJECTED(&err);
	free(json);
	free(text);
	ae_node_free(again);
	ae_node_free(root);
	return 0;
}
