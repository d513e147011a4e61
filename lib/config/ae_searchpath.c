#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_searchpath.h"

#include <stdlib.h>
#include <string.h>

ae_searchpath *ae_searchpath_new(void)
{
	return calloc(1, sizeof(ae_searchpath));
}

void ae_searchpath_free(ae_searchpath *sp)
{
	size_t i;

	if (!sp)
		return;
	for (i = 0; i < sp->n; i++)
		free(sp->dirs[i]);
	free(sp->dirs);
	free(sp);
}

static int contains(const ae_searchpath *sp, const char *dir, size_t len)
{
	size_t i;

	for (i = 0; i < sp->n; i++)
		if (strlen(sp->dirs[i]) == len &&
		    memcmp(sp->dirs[i], dir, len) == 0)
			return 1;
	return 0;
}

static int add_n(ae_searchpath *sp, const char *dir, size_t len, ae_error *err)
{
	char **grown;
	char *copy;

	if (len == 0 || contains(sp, dir, len))
		return 0;
	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? 2 * sp->cap : 4;

		grown = realloc(sp->dirs, cap * sizeof(*grown));
		if (!grown)
			return ae_error_set(err, NULL, 0, 0, NULL,
			                    "out of memory");
		sp->dirs = grown;
		sp->cap = cap;
	}
	copy = strndup(dir, len);
	if (!copy)
		return ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	sp->dirs[sp->n++] = copy;
	return 0;
}

int ae_searchpath_add(ae_searchpath *sp, const char *dir, ae_error *err)
{
	if (!dir)
		return 0;
	return add_n(sp, dir, strlen(dir), err);
}

int ae_searchpath_add_list(ae_searchpath *sp, const char *list, ae_error *err)
{
	const char *p = list;
	const char *colon;

	if (!list)
		return 0;
	for (;;) {
		colon = strchr(p, ':');
		if (!colon)
			return add_n(sp, p, strlen(p), err);
		if (add_n(sp, p, (size_t)(colon - p), err) < 0)
			return -1;
		p = colon + 1;
	}
}

ae_searchpath *ae_searchpath_build(const char *const *config_dirs,
                                   size_t n_config_dirs, const char *env_value,
                                   const char *presets_dir, ae_error *err)
{
	ae_searchpath *sp;
	size_t i;

	sp = ae_searchpath_new();
	if (!sp) {
		ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
		goto fail;
	}
	for (i = 0; i < n_config_dirs; i++)
		if (ae_searchpath_add(sp, config_dirs[i], err) < 0)
			goto fail;
	if (ae_searchpath_add_list(sp, env_value, err) < 0)
		goto fail;
	if (ae_searchpath_add(sp, presets_dir, err) < 0)
		goto fail;
	return sp;
fail:
	ae_searchpath_free(sp);
	return NULL;
}

const char *const *ae_searchpath_dirs(const ae_searchpath *sp, size_t *n)
{
	*n = sp->n;
	return (const char *const *)sp->dirs;
}
