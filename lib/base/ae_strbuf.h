/* ae_strbuf: a growable NUL-terminated string for building text. Allocation
 * failure is sticky (oom): callers append freely and check once at the end,
 * in ae_strbuf_take. Start from a zeroed struct. */
#ifndef AE_STRBUF_H
#define AE_STRBUF_H

#include <stddef.h>

typedef struct ae_strbuf {
	char *s; /* owned; NULL until something is added */
	size_t len, cap;
	int oom;
} ae_strbuf;

void ae_strbuf_add(ae_strbuf *b, const char *s, size_t n);
void ae_strbuf_puts(ae_strbuf *b, const char *s);
/* Hand over the string (caller frees; "" when nothing was added), or NULL
 * when memory ran out (the buffer is freed then). */
char *ae_strbuf_take(ae_strbuf *b);

#endif /* AE_STRBUF_H */
