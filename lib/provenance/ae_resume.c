#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_resume.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ae_fsutil.h"
#include "ae_json.h"
#include "ae_safedir.h"

/* The tracker holds an iteration number, or "release" for a converted
 * checkpoint (no training state to resume): -1 then, or when unreadable. */
static long long tracker_iteration(const char *text)
{
	char *end;
	long long it;

	errno = 0;
	it = strtoll(text, &end, 10);
	while (*end == '\n' || *end == ' ' || *end == '\r')
		end++;
	return end == text || *end || errno || it < 0 ? -1 : it;
}

json_t *ae_resume_from_own(ae_node *resolved, const char *workdir, uid_t uid,
                           ae_error *err)
{
	ae_node *backend = ae_map_get(resolved, "backend");
	ae_node *mega = backend && backend->type == AE_MAP
	                    ? ae_map_get(backend, "megatron")
	                    : NULL;
	ae_node *save =
	    mega && mega->type == AE_MAP ? ae_map_get(mega, "save") : NULL;
	ae_node *load, *step, *new_load = NULL;
	json_t *rec = NULL, *replaced;
	char path[PATH_MAX], *text = NULL;
	size_t len;
	long long it;
	int fd, got;

	ae_error_clear(err);
	if (!save || save->type != AE_STRING || !save->u.str.len)
		return NULL;
	/* a cut path would name another directory, with its checkpoints */
	if (ae_node_has_nul(save)) {
		ae_node_error(err, save, "save cannot contain a NUL character");
		return NULL;
	}
	if ((save->u.str.s[0] == '/'
	         ? snprintf(path, sizeof(path), "%s", save->u.str.s)
	         : snprintf(path, sizeof(path), "%s/%s", workdir ? workdir : "",
	                    save->u.str.s)) >= (int)sizeof(path)) {
		ae_node_error(err, save, "save: the path is too long");
		return NULL;
	}
	fd = ae_safedir_open(path, uid, 0, 0, err);
	if (fd < 0) {
		if (errno == ENOENT)
			ae_error_clear(err); /* nothing saved yet */
		return NULL;
	}
	/* (errno is ae_safedir's: ae_error_set formats without touching it) */
	got = ae_fsutil_read_file(fd, AE_RESUME_TRACKER, 64, &text, &len, err);
	close(fd);
	if (got <= 0)
		return NULL;
	it = tracker_iteration(text);
	free(text);
	if (it < 0)
		return NULL;
	load = ae_map_get(mega, "load");
	step = ae_map_get(mega, "ckpt_step");
	replaced = json_object();
	rec = json_pack("{s:s, s:I, s:o}", "load", save->u.str.s, "iteration",
	                (json_int_t)it, "replaced", replaced);
	new_load = ae_node_new_string(save->u.str.s);
	if (!rec || !new_load)
		goto nomem;
	json_object_set_new(replaced, "load",
	                    load ? ae_json_from_node(load, NULL) : json_null());
	json_object_set_new(replaced, "ckpt_step",
	                    step ? ae_json_from_node(step, NULL) : json_null());
	if (ae_map_set(mega, "load", new_load) < 0) {
		new_load = NULL; /* taken */
		goto nomem;
	}
	if (step)
		ae_map_remove(mega, "ckpt_step");
	return rec;
nomem:
	ae_node_free(new_load);
	json_decref(rec);
	ae_error_set(err, NULL, 0, 0, NULL, "out of memory");
	return NULL;
}
