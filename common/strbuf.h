/* strbuf: a growable byte buffer that is always NUL-terminated.
 * Allocation failure aborts: casebook cannot do anything useful without memory. */
#ifndef CASEBOOK_STRBUF_H
#define CASEBOOK_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct strbuf {
	char *buf;    /* NUL-terminated; never NULL after strbuf_init */
	size_t len;   /* bytes in use, excluding the NUL */
	size_t alloc; /* bytes allocated */
};

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Appends everything left in f; returns 0, or -1 on a read error. */
int strbuf_read_stream(struct strbuf *sb, FILE *f);
/* Whether the buffer is text a C string holds whole: 0, or -1 when it has a NUL byte, which
 * would cut it short (why gets "a NUL byte at offset N"). Text read from a pipe or a file
 * (a note from standard input or from $EDITOR) is checked before it is used. */
int strbuf_check_text(const struct strbuf *sb, char *why, size_t whysize);
/* Detach the buffer; the caller frees it. The strbuf needs strbuf_init before reuse. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* Allocation helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
