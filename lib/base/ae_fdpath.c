#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_fdpath.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX "/proc/self/fd/"

int ae_fdpath_format(char *buf, size_t size, int fd, const char *name)
{
	int n = snprintf(buf, size, PREFIX "%d/%s", fd, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The length of "/proc/self/fd/N" in path, or 0. */
static size_t prefix_len(const char *path)
{
	size_t n = strlen(PREFIX), digits;

	if (strncmp(path, PREFIX, n))
		return 0;
	digits = strspn(path + n, "0123456789");
	if (!digits || path[n + digits] != '/')
		return 0;
	return n + digits;
}

int ae_fdpath_is(const char *path)
{
	return path && prefix_len(path) > 0;
}

char *ae_fdpath_display(const char *path)
{
	size_t plen = prefix_len(path);
	char link[64], dir[PATH_MAX], *out;
	ssize_t n;

	if (!plen || plen >= sizeof(link))
		return strdup(path);
	memcpy(link, path, plen);
	link[plen] = '\0';
	/* the magic link's text is the directory's path */
	n = readlink(link, dir, sizeof(dir) - 1);
	if (n <= 0 || dir[0] != '/')
		return strdup(path);
	dir[n] = '\0';
	if (asprintf(&out, "%s%s", dir, path + plen) < 0)
		return NULL;
	return out;
}
