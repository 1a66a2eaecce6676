#include "common/diag.h"

#include <stdarg.h>

#include "common/sanitize.h"
#include "common/strbuf.h"

static void vwrite(FILE *to, unsigned flags, const char *before, const char *after, const char *fmt, va_list ap)
{
	if (!to)
		return;
	struct strbuf raw, safe;
	strbuf_init(&raw, 256);
	strbuf_vaddf(&raw, fmt, ap);
	strbuf_init(&safe, raw.len + 16);
	strbuf_addstr(&safe, before);
	sanitize_append(&safe, raw.buf, raw.len, flags);
	strbuf_addstr(&safe, after);
	fwrite(safe.buf, 1, safe.len, to);
	fflush(to);
	strbuf_release(&raw);
	strbuf_release(&safe);
}

void diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwrite(stderr, SAN_MULTILINE, "", "", fmt, ap);
	va_end(ap);
}

void diag_progress(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwrite(stderr, 0, "\r", "\033[K", fmt, ap);
	va_end(ap);
}

void diag_progress_clear(void)
{
	fputs("\r\033[K", stderr);
}

void diag_say(const struct diag_sink *to, const char *fmt, ...)
{
	if (!to || !to->say)
		return;
	struct strbuf raw, safe;
	va_list ap;
	va_start(ap, fmt);
	strbuf_init(&raw, 256);
	strbuf_vaddf(&raw, fmt, ap);
	va_end(ap);
	strbuf_init(&safe, raw.len + 16);
	sanitize_append(&safe, raw.buf, raw.len, SAN_MULTILINE);
	to->say(to->ctx, safe.buf);
	strbuf_release(&raw);
	strbuf_release(&safe);
}

void diag_to_stream(void *file, const char *msg)
{
	FILE *f = file;
	fputs(msg, f);
	fflush(f);
}

struct diag_sink diag_stderr_sink(void)
{
	return (struct diag_sink){.say = diag_to_stream, .ctx = stderr};
}
