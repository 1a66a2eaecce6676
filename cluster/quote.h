/* quote: the one way a value reaches ClickHouse query text.
 *
 * casebook never splices a value into a ClickHouse query by hand: a string goes through
 * ch_quote_string, a database, table or cluster name through ch_quote_ident, and the query
 * text around them is a literal. tests/test_sqlsafety.c holds cluster/ to it. Rows an INSERT
 * sends go as RowBinary (below): lengths and bytes, nothing for the server to unescape. */
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

/* Whether name is a name ch_quote_ident takes: 1 or 0. */
int ch_ident_valid(const char *name);

#endif
