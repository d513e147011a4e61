/* ae_error: how the library reports what went wrong.
 *
 * The library never prints. Every fallible call takes an `ae_error *` (may be
 * NULL) and fills it on failure with where (file, line, column, key path) and
 * what. Callers decide how to show it; ae_error_format() gives the canonical
 * "file:line:col: key.path: message" form used by the CLI and the plugin.
 */
#ifndef AE_ERROR_H
#define AE_ERROR_H

#include <stddef.h>

#define AE_ERROR_FILE_LEN 1024
#define AE_ERROR_PATH_LEN 512
#define AE_ERROR_TEXT_LEN 1024

typedef struct ae_error {
	char file[AE_ERROR_FILE_LEN]; /* source file; "" when unknown */
	int line;                     /* 1-based; 0 when unknown */
	int column;                   /* 1-based; 0 when unknown */
	char path[AE_ERROR_PATH_LEN]; /* config key path; "" when none */
	char text[AE_ERROR_TEXT_LEN]; /* the message */
	int errnum; /* errno of the failed system call, 0 when none: lets a
	             * caller tell a full disk (ENOSPC) from other failures
	             * after errno itself has changed */
} ae_error;

/* Reset to "no error". Safe on NULL. */
void ae_error_clear(ae_error *err);

/* Fill err (when not NULL; errnum 0). file and path may be NULL. Returns -1
 * so that callers can write `return ae_error_set(...)`. */
int ae_error_set(ae_error *err, const char *file, int line, int column,
                 const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Prefix the existing message with context: "<context>: <old text>". */
void ae_error_prefix(ae_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True when err holds an error. */
int ae_error_isset(const ae_error *err);

/* Write "file:line:col: path: text" (parts that are unknown are left out)
 * into buf. Returns the length that the full message needs, like snprintf. */
int ae_error_format(const ae_error *err, char *buf, size_t size);

#endif /* AE_ERROR_H */
