#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_event.h"

#include <stdlib.h>

void ae_event_free(ae_event *ev)
{
	if (!ev)
		return;
	free(ev->name);
	ae_node_free(ev->metadata);
	free(ev->dedup_key);
	free(ev);
}
