/* quote: ClickHouse string literals and identifiers (cluster/quote.h). */
#include "cluster/quote.h"

#include <string.h>

void ch_quote_string(struct strbuf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	strbuf_grow(out, len + 2);
	strbuf_addch(out, '\'');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\' || c == '\'') {
			strbuf_addch(out, '\\');
			strbuf_addch(out, (char)c);
		} else if (c >= 0x20 && c <= 0x7E) {
			strbuf_addch(out, (char)c);
		} else {
			char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			strbuf_add(out, esc, sizeof(esc));
		}
	}
	strbuf_addch(out, '\'');
}

void ch_rowbinary_uint(struct strbuf *out, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;
	do {
		b[n] = (unsigned char)(v & 0x7F);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	strbuf_add(out, b, n);
}

void ch_rowbinary_string(struct strbuf *out, const char *s, size_t len)
{
	ch_rowbinary_uint(out, len);
	if (len)
		strbuf_add(out, s, len);
}

void ch_rowbinary_int64(struct strbuf *out, int64_t v)
{
	uint64_t u = (uint64_t)v;
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (8 * i));
	strbuf_add(out, b, sizeof(b));
}

int ch_ident_valid(const char *name)
{
	if (!name || !name[0])
		return 0;
	size_t n = 0;
	for (const char *p = name; *p; p++, n++) {
		char c = *p;
		int letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
		int digit = c >= '0' && c <= '9';
		if (n >= CH_IDENT_MAX || !(letter || (digit && n > 0)))
			return 0;
	}
	return 1;
}

int ch_quote_ident(struct strbuf *out, const char *name)
{
	if (!ch_ident_valid(name))
		return -1;
	strbuf_addch(out, '`');
	strbuf_addstr(out, name);
	strbuf_addch(out, '`');
	return 0;
}
