/* libFuzzer: RowBinary rows read back (cluster/quote.h's ch_rowbinary_row), as a server's
 * answer reaches them: any bytes, cut anywhere. The first byte gives the number of columns,
 * the next that many bytes their types; the rest is read row after row, as the event source
 * reads an answer. Nothing is read past the bytes (an exact-size copy: the sanitizers see
 * it); a row read is within them and every cut of it asks for more; its values, written again
 * by the encoders, read back as the same values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/quote.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAX_COLUMNS 24

static void encode(struct strbuf *out, const enum ch_rb_type *t, const struct ch_rb_value *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (t[k] == CH_RB_NULLABLE_STRING || t[k] == CH_RB_NULLABLE_INT64) {
			strbuf_addch(out, (char)(v[k].null ? 1 : 0));
			if (v[k].null)
				continue;
		}
		if (t[k] == CH_RB_STRING || t[k] == CH_RB_NULLABLE_STRING)
			ch_rowbinary_string(out, v[k].s, v[k].len);
		else if (t[k] == CH_RB_UINT8)
			strbuf_addch(out, (char)v[k].i);
		else
			ch_rowbinary_int64(out, v[k].i);
	}
}

static int same(const enum ch_rb_type *t, const struct ch_rb_value *a, const struct ch_rb_value *b, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (a[k].null != b[k].null || a[k].i != b[k].i || a[k].len != b[k].len)
			return 0;
		if ((t[k] == CH_RB_STRING || t[k] == CH_RB_NULLABLE_STRING) && a[k].len &&
		    memcmp(a[k].s, b[k].s, a[k].len))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t n = data[0] % MAX_COLUMNS + 1;
	if (size < 1 + n)
		return 0;
	enum ch_rb_type types[MAX_COLUMNS];
	for (size_t k = 0; k < n; k++)
		types[k] = (enum ch_rb_type)(data[1 + k] % 5);
	size_t len = size - 1 - n;
	unsigned char *bytes = malloc(len ? len : 1);
	memcpy(bytes, data + 1 + n, len);
	size_t at = 0;
	struct ch_rb_value v[MAX_COLUMNS], w[MAX_COLUMNS];
	while (at < len) {
		long used = ch_rowbinary_row(bytes + at, len - at, types, n, v);
		if (used <= 0)
			break;
		if ((size_t)used > len - at)
			abort();
		for (size_t k = 0; k < n; k++) {
			const unsigned char *s = (const unsigned char *)v[k].s;
			if (v[k].len && (s < bytes + at || s + v[k].len > bytes + at + (size_t)used))
				abort();
			if (v[k].null && (types[k] != CH_RB_NULLABLE_STRING && types[k] != CH_RB_NULLABLE_INT64))
				abort();
		}
		/* cut short, in an exact-size copy: more is asked for */
		size_t cuts[3] = {0, (size_t)used / 2, (size_t)used - 1};
		for (int c = 0; c < 3; c++) {
			unsigned char *cut = malloc(cuts[c] ? cuts[c] : 1);
			memcpy(cut, bytes + at, cuts[c]);
			if (ch_rowbinary_row(cut, cuts[c], types, n, w) != 0)
				abort();
			free(cut);
		}
		/* written again, the same values */
		struct strbuf again;
		strbuf_init(&again, (size_t)used);
		encode(&again, types, v, n);
		if (ch_rowbinary_row(again.buf, again.len, types, n, w) != (long)again.len || !same(types, v, w, n))
			abort();
		strbuf_release(&again);
		at += (size_t)used;
	}
	free(bytes);
	return 0;
}
