/* ae_capture: the config as submitted, carried with the job.
 *
 * At submission the composed, unresolved config and its reference are packed
 * into one JSON document; the plugin stores it in the job's control
 * environment (Slurm keeps it with the job, so requeues see it, and it does
 * not depend on --export), split into chunks small enough for execve. At job
 * start the chunks are joined and checked against their digest.
 */
#ifndef AE_CAPTURE_H
#define AE_CAPTURE_H

#include <stddef.h>

#include "ae_error.h"

/* Largest capture accepted (the job control environment also reaches the
 * prolog's execve, whose total is bounded by ARG_MAX). */
#define AE_CAPTURE_MAX_BYTES (512u * 1024u)
/* Chunk size: below execve's limit of 128 KiB per string. */
#define AE_CAPTURE_CHUNK_BYTES (96u * 1024u)
/* Name of the header variable; chunks are AE_CAPTURE_VAR "_0", "_1", ... */
#define AE_CAPTURE_VAR "AUTOEXP_CAPTURE"

typedef struct ae_capture {
	char *config_path;  /* absolute path of the file given to sbatch */
	char *config_name;  /* its base name without .yaml */
	char *config_dir;   /* its directory */
	char **search_path; /* the search path used to compose (NULL-ended) */
	char **overrides;   /* overrides applied (NULL-ended) */
	char *timestring;   /* oc.timestring, fixed at submission */
	char *
	    unresolved; /* the composed config as YAML, interpolations intact */
	long long submit_time; /* seconds since the epoch */
	char *
	    parent; /* JSON text of the parent record for a cooldown, or NULL */
	char *request; /* JSON text of what sbatch was asked (ae_request), or
	                  NULL */
} ae_capture;

/* 1 when ts has the shape of oc.timestring (YYYYmmdd_HHMMSS_mmm, digits),
 * the only timestring a submission takes from outside (AUTOEXP_TIMESTRING:
 * a cooldown or a resubmission fixes it in advance). */
int ae_capture_timestring_ok(const char *ts);

/* All members owned by the capture. Safe on NULL. */
void ae_capture_free(ae_capture *cap);

/* Serialize to a new JSON string (caller frees). NULL with err set. */
char *ae_capture_encode(const ae_capture *cap, ae_error *err);
/* Parse a JSON string made by ae_capture_encode (new capture, caller frees). */
ae_capture *ae_capture_decode(const char *json, ae_error *err);

/* Split a payload into chunks. *chunks receives a NULL-ended array of new
 * strings (caller frees each and the array); header (at least 100 bytes)
 * receives "v1 <chunks> <bytes> <sha256>". Fails when the payload exceeds
 * AE_CAPTURE_MAX_BYTES. Returns the number of chunks or -1. */
long ae_capture_split(const char *payload, char ***chunks, char *header,
                      size_t header_size, ae_error *err);

/* Fetch variable `name` into a new string; NULL when it does not exist. */
typedef char *(*ae_capture_get_fn)(const char *name, void *ctx);

/* Join the chunks described by header, fetched with get, and verify length
 * and digest. Returns the payload (caller frees) or NULL with err set. */
char *ae_capture_join(const char *header, ae_capture_get_fn get, void *ctx,
                      ae_error *err);

#endif /* AE_CAPTURE_H */
