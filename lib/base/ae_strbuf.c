#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_strbuf.h"

#include <stdlib.h>
#include <string.h>

void ae_strbuf_add(ae_strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void ae_strbuf_puts(ae_strbuf *b, const char *s)
{
	ae_strbuf_add(b, s, strlen(s));
}

char *ae_strbuf_take(ae_strbuf *b)
{
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	if (!b->s)
		return strdup("");
	return b->s;
}
