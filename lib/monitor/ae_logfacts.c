#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "ae_json.h"
#include "ae_logfacts.h"

struct ae_logfacts {
	char *termination; /* NULL: none */
	size_t tlen;
	long long iteration;
	long long saved;       /* highest "successfully saved" iteration */
	long long train_iters; /* M of Megatron's "iteration N/M" */
	int saving;
	int training_done;
	int termination_seen;
	ae_endstate_cancel cancel;
	ae_endstate_early early;
	char *error_name;
	ae_node *error_fields;
	int error_generic; /* error_type exception or crash */
};

ae_logfacts *ae_logfacts_new(const char *termination)
{
	ae_logfacts *lf = calloc(1, sizeof(*lf));

	if (!lf)
		return NULL;
	if (termination && *termination) {
		lf->termination = strdup(termination);
		if (!lf->termination) {
			free(lf);
			return NULL;
		}
		lf->tlen = strlen(termination);
	}
	ae_logfacts_reset(lf);
	return lf;
}

static void clear_error(ae_logfacts *lf)
{
	free(lf->error_name);
	ae_node_free(lf->error_fields);
	lf->error_name = NULL;
	lf->error_fields = NULL;
	lf->error_generic = 0;
}

void ae_logfacts_free(ae_logfacts *lf)
{
	if (!lf)
		return;
	clear_error(lf);
	free(lf->termination);
	free(lf);
}

void ae_logfacts_reset(ae_logfacts *lf)
{
	clear_error(lf);
	lf->iteration = -1;
	lf->saved = -1;
	lf->train_iters = -1;
	lf->saving = 0;
	lf->training_done = 0;
	lf->termination_seen = 0;
	lf->cancel = AE_CANCEL_NONE;
	lf->early = AE_EARLY_NONE;
}

/* ---- lines ---- */

static const char *find(const char *s, const char *end, const char *lit)
{
	return end > s ? memmem(s, (size_t)(end - s), lit, strlen(lit)) : NULL;
}

static int ends_with(const char *s, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - s) >= n && !memcmp(end - n, lit, n);
}

static int starts_with(const char *s, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - s) >= n && !memcmp(s, lit, n);
}

/* Blanks, then a decimal number: its value, and *next after it; -1 when
 * there is none. */
static long long number(const char *s, const char *end, const char **next)
{
	long long v = 0;
	int digits = 0;

	while (s < end && *s == ' ')
		s++;
	for (; s < end && *s >= '0' && *s <= '9' && digits < 18; s++) {
		v = v * 10 + (*s - '0');
		digits++;
	}
	*next = s;
	return digits ? v : -1;
}

static void saw_iteration(ae_logfacts *lf, long long it)
{
	if (it > lf->iteration)
		lf->iteration = it;
}

/* p: the first "iteration" of the line. */
static void iteration_line(ae_logfacts *lf, const char *line, const char *p,
                           const char *end)
{
	const char *q;
	long long it = number(p + 9, end, &q), total;

	if (it < 0)
		return;
	if (ends_with(line, p, "saving checkpoint at ")) {
		lf->saving = 1;
		saw_iteration(lf, it);
	} else if (ends_with(line, p, "checkpoint from ")) {
		/* successfully saved [local] checkpoint from iteration N */
		lf->saving = 0;
		saw_iteration(lf, it);
		/* a local (non-persistent) save is lost with the node */
		if (it > lf->saved && !find(line, p, " local "))
			lf->saved = it;
	} else if (ends_with(line, p, "async checkpoint save at ")) {
		/* training goes on while the save is finalized */
		lf->saving = 0;
	} else if (q < end && *q == '/') {
		total = number(q + 1, end, &q);
		if (total > 0) {
			saw_iteration(lf, it);
			lf->train_iters = total;
		}
	}
}

/* p: just after "[exiting program ". */
static void exit_line(ae_logfacts *lf, const char *p, const char *end)
{
	const char *q;
	long long it;

	if (starts_with(p, end, "after receiving SIGTERM")) {
		lf->early = AE_EARLY_SIGNAL;
	} else if (starts_with(p, end, "after ")) {
		lf->early = AE_EARLY_DURATION;
	} else if (starts_with(p, end, "at iteration ")) {
		lf->early = AE_EARLY_INTERVAL;
		it = number(p + 13, end, &q);
		if (it >= 0)
			saw_iteration(lf, it);
	}
}

/* p: just after "*** JOB ". */
static void cancel_line(ae_logfacts *lf, const char *p, const char *end)
{
	static const struct {
		const char *due;
		ae_endstate_cancel cancel;
	} dues[] = {{" DUE TO TIME LIMIT", AE_CANCEL_TIME_LIMIT},
	            {" DUE TO PREEMPTION", AE_CANCEL_PREEMPTION},
	            {" DUE TO NODE FAILURE", AE_CANCEL_NODE_FAILURE},
	            {" DUE TO JOB REQUEUE", AE_CANCEL_REQUEUE}};
	const char *at = find(p, end, " CANCELLED AT ");

	if (!at)
		return; /* "FAILED (non-zero exit code ...)" and others */
	lf->cancel = AE_CANCEL_USER;
	for (size_t i = 0; i < sizeof(dues) / sizeof(*dues); i++)
		if (find(at, end, dues[i].due)) {
			lf->cancel = dues[i].cancel;
			break;
		}
}

void ae_logfacts_line(ae_logfacts *lf, const char *line, size_t len)
{
	const char *end = line + len, *p;

	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if ((p = find(line, end, "iteration")))
		iteration_line(lf, line, p, end);
	if ((p = find(line, end, "[exiting program ")))
		exit_line(lf, p + 17, end);
	if (find(line, end, "[after training is done]"))
		lf->training_done = 1;
	if ((p = find(line, end, "*** JOB ")))
		cancel_line(lf, p + 8, end);
	if (lf->termination &&
	    memmem(line, (size_t)(end - line), lf->termination, lf->tlen))
		lf->termination_seen = 1;
}

/* ---- error events ---- */

static const char *meta_string(const ae_node *meta, const char *key)
{
	const ae_node *v = meta ? ae_map_get(meta, key) : NULL;

	return v && v->type == AE_STRING ? v->u.str.s : NULL;
}

/* A failure's story names the node in one line (NCCL's warning, torchrun's
 * summary) and the error in another: AE_LOGFACTS_NODE_FIELD of from is
 * copied into to when to has none. 0 or -1 (memory). */
static int keep_node(ae_node *to, const ae_node *from)
{
	const ae_node *v =
	    from ? ae_map_get(from, AE_LOGFACTS_NODE_FIELD) : NULL;
	ae_node *c;

	if (!to || !v || v->type != AE_STRING ||
	    ae_map_get(to, AE_LOGFACTS_NODE_FIELD))
		return 0;
	c = ae_node_copy(v);
	return c ? ae_map_set(to, AE_LOGFACTS_NODE_FIELD, c) : -1;
}

int ae_logfacts_event(ae_logfacts *lf, const ae_event *ev)
{
	const char *kind = meta_string(ev->metadata, "kind");
	const char *type = meta_string(ev->metadata, "error_type");
	int generic;
	char *name;
	ae_node *fields;

	if (!kind || (strcmp(kind, "error") && strcmp(kind, "stall")))
		return 0;
	generic =
	    type && (!strcmp(type, "exception") || !strcmp(type, "crash"));
	if (generic && lf->error_name && !lf->error_generic)
		return keep_node(lf->error_fields, ev->metadata);
	name = strdup(ev->name);
	fields = ev->metadata ? ae_node_copy(ev->metadata) : ae_node_new_map();
	if (!name || !fields || keep_node(fields, lf->error_fields) < 0) {
		free(name);
		ae_node_free(fields);
		return -1;
	}
	clear_error(lf);
	lf->error_name = name;
	lf->error_fields = fields;
	lf->error_generic = generic;
	return 0;
}

/* ---- reading ---- */

void ae_logfacts_input(const ae_logfacts *lf, long long config_train_iters,
                       ae_endstate_input *in)
{
	memset(in, 0, sizeof(*in));
	in->how = AE_ENDSTATE_UNKNOWN;
	in->iteration = lf->iteration;
	/* Megatron's own count wins: a script may pass another --train-iters
	 * than the config says */
	in->train_iters =
	    lf->train_iters > 0 ? lf->train_iters : config_train_iters;
	in->training_done = lf->training_done;
	in->termination_configured = lf->termination != NULL;
	in->termination_seen = lf->termination_seen;
	in->cancel = lf->cancel;
	in->early = lf->early;
	in->error_event = lf->error_name;
}

int ae_logfacts_saving(const ae_logfacts *lf)
{
	return lf->saving;
}

long long ae_logfacts_iteration(const ae_logfacts *lf)
{
	return lf->iteration;
}

long long ae_logfacts_saved(const ae_logfacts *lf)
{
	return lf->saved;
}

const char *ae_logfacts_error_name(const ae_logfacts *lf)
{
	return lf->error_name;
}

const ae_node *ae_logfacts_error_fields(const ae_logfacts *lf)
{
	return lf->error_fields;
}

/* ---- state ---- */

static json_t *name_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *ae_logfacts_save(const ae_logfacts *lf)
{
	json_t *fields = NULL;
	ae_error err;

	if (lf->error_fields &&
	    !(fields = ae_json_from_node(lf->error_fields, &err)))
		return NULL;
	return json_pack(
	    "{s:I, s:I, s:I, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:b}",
	    "iteration", (json_int_t)lf->iteration, "saved",
	    (json_int_t)lf->saved, "train_iters", (json_int_t)lf->train_iters,
	    "saving", lf->saving, "training_done", lf->training_done,
	    "termination_seen", lf->termination_seen, "cancel",
	    name_or_null(ae_endstate_cancel_name(lf->cancel)), "early",
	    name_or_null(ae_endstate_early_name(lf->early)), "error_event",
	    name_or_null(lf->error_name), "error_fields",
	    fields ? fields : json_null(), "error_generic", lf->error_generic);
}

static long long int_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static int bool_of(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

void ae_logfacts_load(ae_logfacts *lf, const json_t *o)
{
	const char *c = json_string_value(json_object_get(o, "cancel"));
	const char *e = json_string_value(json_object_get(o, "early"));
	const char *name = json_string_value(json_object_get(o, "error_event"));
	const json_t *fields = json_object_get(o, "error_fields");
	ae_error err;

	ae_logfacts_reset(lf);
	if (!json_is_object(o))
		return;
	lf->iteration = int_of(o, "iteration");
	lf->saved = int_of(o, "saved");
	lf->train_iters = int_of(o, "train_iters");
	lf->saving = bool_of(o, "saving");
	lf->training_done = bool_of(o, "training_done");
	lf->termination_seen = bool_of(o, "termination_seen");
	for (int i = AE_CANCEL_USER; c && i <= AE_CANCEL_REQUEUE; i++)
		if (!strcmp(c, ae_endstate_cancel_name(i)))
			lf->cancel = (ae_endstate_cancel)i;
	for (int i = AE_EARLY_DURATION; e && i <= AE_EARLY_SIGNAL; i++)
		if (!strcmp(e, ae_endstate_early_name(i)))
			lf->early = (ae_endstate_early)i;
	if (name && json_is_object(fields)) {
		lf->error_name = strdup(name);
		lf->error_fields = ae_json_to_node(fields, &err);
		if (!lf->error_name || !lf->error_fields)
			clear_error(lf);
		lf->error_generic = bool_of(o, "error_generic");
	}
}
