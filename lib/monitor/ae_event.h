/* ae_event: one match of a monitoring rule in the log, as the rule engine
 * emits it and as conditions, templates, actions and the journal see it. */
#ifndef AE_EVENT_H
#define AE_EVENT_H

#include <stdint.h>

#include "ae_node.h"

typedef struct ae_event {
	char *name;       /* rule (event) name, owned */
	uint64_t offset;  /* byte offset of the matched line in the log */
	uint64_t line_no; /* 1-based line number in the log (since the start of
	                   * this inode), 0 when unknown */
	/* Event metadata, owned: a mapping of the rule's static `metadata`
	 * overridden by the extracted groups (strings; a group that did not
	 * participate is null), then `source_path`. */
	ae_node *metadata;
	/* The dedup key: the event's extracted values (or the rendered
	 * `once_per`), canonical JSON text, owned. Two events with equal name
	 * and key are the same trigger. */
	char *dedup_key;
} ae_event;

/* Free an event and what it owns. Safe on NULL. */
void ae_event_free(ae_event *ev);

#endif /* AE_EVENT_H */
