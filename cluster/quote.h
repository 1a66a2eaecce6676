/* quote: the one way a value reaches ClickHouse query text.
 *
 * casebook never splices a value into a ClickHouse query by hand: a string goes through
 * ch_quote_string, a database, table or cluster name through ch_quote_ident, and the query
 * text around them is a literal. tests/test_sqlsafety.c holds cluster/ to it. Rows an INSERT
 * sends go as RowBinary (below): lengths and bytes, nothing for the server to unescape; the
 * rows a read of events gets back come the same way, read by ch_rowbinary_row. */
#ifndef CASEBOOK_CLUSTER_QUOTE_H
#define CASEBOOK_CLUSTER_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

/* The longest name ch_quote_ident takes. */
#define CH_IDENT_MAX 64

/* Appends the len bytes at s (any bytes, NUL included; s may be NULL when len is 0) as a
 * ClickHouse string literal in single quotes that the server reads back as exactly those
 * bytes: backslash and quote are escaped as \\ and \', every byte outside printable ASCII
 * (0x20..0x7E) - controls, NUL, DEL, UTF-8 - is written \xHH. The literal is printable ASCII
 * and never fails. */
void ch_quote_string(struct strbuf *out, const char *s, size_t len);

/* Appends name as a back-quoted ClickHouse identifier when it is a plain name: an ASCII
 * letter or underscore, then letters, digits or underscores, 1 to CH_IDENT_MAX bytes (names
 * become folders on the server's disk, so nothing else is taken). Returns 0, or -1 and
 * appends nothing when name is NULL or not such a name. */
int ch_quote_ident(struct strbuf *out, const char *name);

/* RowBinary, the rows of an INSERT ... FORMAT RowBinary: each column's value in the table's
 * binary form, nothing escaped, so the server reads every byte as it was sent and parses
 * nothing. A String is its length (ch_rowbinary_uint) and then its bytes, whatever they are
 * (NUL, tab, newline, backslash, invalid UTF-8); an Array its count and then its values; an
 * Int64 eight bytes, least significant first; a Nullable a byte, 1 for NULL (nothing follows)
 * or 0 and then the value. Data for the server, never text for a person. */
void ch_rowbinary_string(struct strbuf *out, const char *s, size_t len);
/* v as ClickHouse's variable-length unsigned number (LEB128: 7 bits a byte, the low ones
 * first, the high bit set on every byte but the last): lengths and counts. */
void ch_rowbinary_uint(struct strbuf *out, uint64_t v);
void ch_rowbinary_int64(struct strbuf *out, int64_t v);

/* Reading RowBinary: the rows of a SELECT ... FORMAT RowBinary, the same forms as above read
 * back. A row is read whole from bytes that may end anywhere (an HTTP answer arrives in pieces):
 * nothing is read past the end, every length is checked against the bytes there are, and no
 * byte is taken for anything but the form its column has. */
enum ch_rb_type {
	CH_RB_STRING,          /* String: a length, the bytes */
	CH_RB_NULLABLE_STRING, /* Nullable(String): a byte, 1 (NULL) or 0 and a String */
	CH_RB_INT64,           /* Int64: eight bytes, least significant first */
	CH_RB_NULLABLE_INT64,  /* Nullable(Int64) */
	CH_RB_UINT8            /* UInt8: one byte (a condition's value, a flag column) */
};
/* One column's value as read: s and len for a string, pointing into the bytes read (not
 * NUL-terminated); i for a number; null when a Nullable's flag said NULL. */
struct ch_rb_value {
	const char *s;
	size_t len;
	int64_t i;
	int null;
};
/* Reads one row of n columns of the given types from the len bytes at p into out[0..n-1].
 * Returns the row's length in bytes (> 0), 0 when the bytes end before the row does (read
 * again with more of them), or -1 when they are not such a row: a Nullable's flag that is
 * neither 0 nor 1, a length of more than ten bytes or past 64 bits. */
long ch_rowbinary_row(const void *p, size_t len, const enum ch_rb_type *types, size_t n, struct ch_rb_value *out);
/* Reads a variable-length unsigned number at *p (no further than end) into *v, moving *p past
 * it: 1, 0 when the bytes end inside it, -1 when it is longer than ten bytes or past 64 bits. */
int ch_rowbinary_read_uint(const unsigned char **p, const unsigned char *end, uint64_t *v);

/* Whether name is a name ch_quote_ident takes: 1 or 0. */
int ch_ident_valid(const char *name);

#endif
