#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_secret.h"

#include <string.h>
#include <strings.h>

static const char *const secret_words[] = {"KEY", "SECRET", "TOKEN", "PASSWORD",
                                           "CREDENTIAL"};

int ae_secret_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++)
		if (strcasestr(name, secret_words[i]))
			return 1;
	return 0;
}

/* A config key named just "key" names another key (MetadataCondition's
 * `key: checkpoint_iteration`); redacting it would break the monitoring
 * rules that the helper reads from the provenance copy. */
static int config_secret(const char *name)
{
	return strcasecmp(name, "key") != 0 && ae_secret_name(name);
}

static long redact(ae_node *node, int under_secret, int keep_interp)
{
	long count = 0, n;
	size_t i;

	switch (node->type) {
	case AE_MAP:
		for (i = 0; i < ae_map_size(node); i++) {
			n = redact(ae_map_value(node, i),
			           under_secret ||
			               config_secret(ae_map_key(node, i)),
			           keep_interp);
			if (n < 0)
				return -1;
			count += n;
		}
		return count;
	case AE_SEQ:
		for (i = 0; i < ae_seq_size(node); i++) {
			n = redact(ae_seq_get(node, i), under_secret,
			           keep_interp);
			if (n < 0)
				return -1;
			count += n;
		}
		return count;
	default:
		if (!under_secret || node->type == AE_NULL)
			return 0;
		if (keep_interp && ae_node_is_interpolation(node))
			return 0;
		{
			ae_node *r = ae_node_new_string(AE_SECRET_REDACTED);

			if (!r)
				return -1;
			ae_node_copy_mark(r, node);
			ae_node_replace(node, r);
		}
		return 1;
	}
}

long ae_secret_redact(ae_node *tree, int keep_interpolations)
{
	return redact(tree, 0, keep_interpolations);
}
