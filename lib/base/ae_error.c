#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ae_error_clear(ae_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int ae_error_set(ae_error *err, const char *file, int line, int column,
                 const char *path, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	err->errnum = 0;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -1;
}

void ae_error_prefix(ae_error *err, const char *fmt, ...)
{
	char ctx[AE_ERROR_TEXT_LEN];
	char old[AE_ERROR_TEXT_LEN];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->text, sizeof(old));
	if (snprintf(err->text, sizeof(err->text), "%s: %s", ctx, old) >=
	    (int)sizeof(err->text))
		err->text[sizeof(err->text) - 1] = '\0'; /* cut, on purpose */
}

int ae_error_isset(const ae_error *err)
{
	return err && err->text[0] != '\0';
}

int ae_error_format(const ae_error *err, char *buf, size_t size)
{
	char where[AE_ERROR_FILE_LEN + 32] = "";
	int n = 0;

	if (err->file[0] && err->line > 0 && err->column > 0)
		n = snprintf(where, sizeof(where), "%s:%d:%d: ", err->file,
		             err->line, err->column);
	else if (err->file[0] && err->line > 0)
		n = snprintf(where, sizeof(where), "%s:%d: ", err->file,
		             err->line);
	else if (err->file[0])
		n = snprintf(where, sizeof(where), "%s: ", err->file);
	(void)n;
	if (err->path[0])
		return snprintf(buf, size, "%s%s: %s", where, err->path,
		                err->text);
	return snprintf(buf, size, "%s%s", where, err->text);
}
