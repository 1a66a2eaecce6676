/* quote: ClickHouse string literals and identifiers (cluster/quote.h). */
#include "cluster/quote.h"

#include <limits.h>
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

int ch_rowbinary_read_uint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	const unsigned char *q = *p;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (q >= end)
			return 0;
		unsigned char b = *q++;
		if (shift == 63 && (b & 0x7E)) /* the tenth byte holds the 64th bit alone */
			return -1;
		x |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*v = x;
			return 1;
		}
	}
	return -1;
}

long ch_rowbinary_row(const void *bytes, size_t len, const enum ch_rb_type *types, size_t n, struct ch_rb_value *out)
{
	const unsigned char *p = bytes, *start = bytes, *end = start + len;
	if (len > (size_t)LONG_MAX)
		return -1;
	for (size_t k = 0; k < n; k++) {
		struct ch_rb_value *v = &out[k];
		*v = (struct ch_rb_value){0};
		enum ch_rb_type t = types[k];
		if (t == CH_RB_NULLABLE_STRING || t == CH_RB_NULLABLE_INT64) {
			if (p >= end)
				return 0;
			if (*p > 1)
				return -1;
			v->null = *p++;
			if (v->null)
				continue;
		}
		if (t == CH_RB_STRING || t == CH_RB_NULLABLE_STRING) {
			uint64_t slen;
			int rc = ch_rowbinary_read_uint(&p, end, &slen);
			if (rc <= 0)
				return rc;
			if (slen > (uint64_t)(end - p))
				return 0;
			v->s = (const char *)p;
			v->len = (size_t)slen;
			p += slen;
		} else if (t == CH_RB_INT64 || t == CH_RB_NULLABLE_INT64) {
			if (end - p < 8)
				return 0;
			uint64_t u = 0;
			for (int i = 0; i < 8; i++)
				u |= (uint64_t)p[i] << (8 * i);
			v->i = (int64_t)u;
			p += 8;
		} else if (t == CH_RB_UINT8) {
			if (p >= end)
				return 0;
			v->i = *p++;
		} else {
			return -1;
		}
	}
	return p > start ? (long)(p - start) : -1; /* a row of nothing is no row */
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
