/* libFuzzer: ClickHouse literals (cluster/quote.h). Whatever the bytes, the literal is
 * printable ASCII, closes exactly at its end (nothing in the value closes the quote early),
 * and reads back, as ClickHouse's lexer reads it, as the same bytes; RowBinary's length and
 * bytes read back as the same bytes too; a name is taken as an identifier only when it is a
 * plain one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/quote.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct strbuf lit, back;
	strbuf_init(&lit, size * 4 + 2);
	strbuf_init(&back, size + 1);
	ch_quote_string(&lit, (const char *)data, size);
	if (lit.len < 2 || lit.buf[0] != '\'')
		abort();
	size_t i = 1;
	for (; i < lit.len; i++) {
		char c = lit.buf[i];
		if (c < 0x20 || c > 0x7E)
			abort();
		if (c == '\'')
			break;
		if (c != '\\') {
			strbuf_addch(&back, c);
			continue;
		}
		if (++i >= lit.len)
			abort();
		if (lit.buf[i] == 'x') {
			if (i + 2 >= lit.len || hexval(lit.buf[i + 1]) < 0 || hexval(lit.buf[i + 2]) < 0)
				abort();
			strbuf_addch(&back, (char)(hexval(lit.buf[i + 1]) * 16 + hexval(lit.buf[i + 2])));
			i += 2;
		} else if (lit.buf[i] == '\\' || lit.buf[i] == '\'') {
			strbuf_addch(&back, lit.buf[i]);
		} else {
			abort(); /* no other escape is written */
		}
	}
	if (i != lit.len - 1 || back.len != size || (size && memcmp(back.buf, data, size) != 0))
		abort();

	/* as RowBinary: a LEB128 length (no longer than it needs), then the same bytes, nothing
	 * after them; and the size itself as an Int64, eight bytes least significant first */
	struct strbuf rb;
	strbuf_init(&rb, size + 10);
	ch_rowbinary_string(&rb, (const char *)data, size);
	uint64_t len = 0;
	size_t at = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (at >= rb.len || shift > 63)
			abort();
		unsigned char b = (unsigned char)rb.buf[at++];
		len |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			if (b == 0 && at > 1) /* a last byte of 0 after others: not the shortest form */
				abort();
			break;
		}
	}
	if (len != size || rb.len != at + size || (size && memcmp(rb.buf + at, data, size) != 0))
		abort();
	strbuf_reset(&rb);
	ch_rowbinary_int64(&rb, -(int64_t)size);
	uint64_t u = 0;
	for (int k = 0; k < 8; k++)
		u |= (uint64_t)(unsigned char)rb.buf[k] << (8 * k);
	if (rb.len != 8 || (int64_t)u != -(int64_t)size)
		abort();
	strbuf_release(&rb);

	/* the same bytes as a name, up to the first NUL */
	char name[CH_IDENT_MAX + 2];
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, n);
	name[n] = '\0';
	int plain = name[0] != '\0' && strlen(name) <= CH_IDENT_MAX && !(name[0] >= '0' && name[0] <= '9');
	for (const char *p = name; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
	struct strbuf id;
	strbuf_init(&id, 8);
	int rc = ch_quote_ident(&id, name);
	if (plain ? (rc != 0 || id.len != strlen(name) + 2) : (rc != -1 || id.len != 0))
		abort();
	strbuf_release(&id);
	strbuf_release(&lit);
	strbuf_release(&back);
	return 0;
}
