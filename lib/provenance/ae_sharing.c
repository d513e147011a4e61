#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_sharing.h"

#include <stdlib.h>
#include <string.h>

int ae_sharing_umask(const char *text, mode_t *mask)
{
	size_t len = text ? strlen(text) : 0;

	if (len == 0 || len > 4 || strspn(text, "01234567") != len)
		return -1;
	*mask = (mode_t)strtoul(text, NULL, 8) & 0777;
	return 0;
}

mode_t ae_sharing_dir_mode(int mask)
{
	if (mask < 0)
		return 0700;
	return (mask & 0007) == 0007 && (mask & 0050) == 0 ? 0750 : 0700;
}
