/* ClickHouse literals and identifiers (cluster/quote.h): every byte goes in as a printable
 * escape that reads back as that byte, nothing a value holds can close the quote, and names
 * that are not plain identifiers are refused. The decoder here is written from ClickHouse's
 * string-literal grammar, not taken from cluster/quote.c. */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "cluster/quote.h"

struct literal_case {
	const char *in;
	size_t len;
	const char *out;
};

#define LIT(s, o)                                                                                                      \
	{                                                                                                              \
		s, sizeof(s) - 1, o                                                                                    \
	}

static const struct literal_case literals[] = {
    LIT("", "''"),
    LIT("mac-lisbon-01", "'mac-lisbon-01'"),
    LIT("it's", "'it\\'s'"),
    LIT("C:\\Users\\amara", "'C:\\\\Users\\\\amara'"),
    LIT("trailing\\", "'trailing\\\\'"),
    LIT("\\'", "'\\\\\\''"),
    LIT("x'; DROP TABLE casebook.events; --", "'x\\'; DROP TABLE casebook.events; --'"),
    LIT("x\\'; DROP TABLE t; --", "'x\\\\\\'; DROP TABLE t; --'"),
    LIT("a\0b", "'a\\x00b'"),
    LIT("line\nbreak\r\ttab", "'line\\x0Abreak\\x0D\\x09tab'"),
    LIT("\x1b[31mred\x1b[0m", "'\\x1B[31mred\\x1B[0m'"),
    LIT("del\x7f", "'del\\x7F'"),
    LIT("caf\xc3\xa9", "'caf\\xC3\\xA9'"),
    LIT("bad \xff\xfe utf-8", "'bad \\xFF\\xFE utf-8'"),
    LIT("\xe2\x80\xae"
        "evil",
        "'\\xE2\\x80\\xAEevil'"),
    LIT("`backtick` \"dq\" {x} ?", "'`backtick` \"dq\" {x} ?'"),
};

static void test_literals_escape_quote_backslash_and_every_unprintable_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(literals) / sizeof(*literals); i++) {
		struct strbuf sb;
		strbuf_init(&sb, 16);
		ch_quote_string(&sb, literals[i].in, literals[i].len);
		assert_string_equal(sb.buf, literals[i].out);
		strbuf_release(&sb);
	}
}

static void test_a_literal_appends_to_what_is_there(void **state)
{
	(void)state;
	struct strbuf sb;
	strbuf_init(&sb, 16);
	strbuf_addstr(&sb, "SELECT ");
	ch_quote_string(&sb, NULL, 0);
	strbuf_addstr(&sb, ", ");
	ch_quote_string(&sb, "a'b", 3);
	assert_string_equal(sb.buf, "SELECT '', 'a\\'b'");
	strbuf_release(&sb);
}

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

/* Reads a literal as ClickHouse's lexer does: from the opening quote to the first quote not
 * escaped by a backslash. Returns the bytes consumed (the literal must be all of lit), -1 when
 * it never closes. */
static long read_literal(const char *lit, size_t n, struct strbuf *value)
{
	if (n == 0 || lit[0] != '\'')
		return -1;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)lit[i];
		if (c < 0x20 || c > 0x7E)
			return -1; /* the literal is printable ASCII */
		if (c == '\'')
			return (long)i + 1;
		if (c != '\\') {
			strbuf_addch(value, (char)c);
			continue;
		}
		if (++i >= n)
			return -1;
		if (lit[i] == 'x') {
			if (i + 2 >= n || hexval(lit[i + 1]) < 0 || hexval(lit[i + 2]) < 0)
				return -1;
			strbuf_addch(value, (char)(hexval(lit[i + 1]) * 16 + hexval(lit[i + 2])));
			i += 2;
		} else {
			strbuf_addch(value, lit[i]);
		}
	}
	return -1;
}

static void test_every_byte_reads_back_and_ends_at_the_closing_quote(void **state)
{
	(void)state;
	char all[256 * 3];
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (char)(i % 256);
	struct strbuf sb, back;
	strbuf_init(&sb, 16);
	strbuf_init(&back, 16);
	ch_quote_string(&sb, all, sizeof(all));
	strbuf_addstr(&sb, " OR 1 = 1"); /* what follows is not part of the value */
	long used = read_literal(sb.buf, sb.len, &back);
	assert_int_equal(used, (long)sb.len - (long)strlen(" OR 1 = 1"));
	assert_int_equal(back.len, sizeof(all));
	assert_memory_equal(back.buf, all, sizeof(all));
	strbuf_release(&sb);
	strbuf_release(&back);
}

static void test_identifiers_are_plain_names_or_refused(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *out; /* NULL: refused */
	} idents[] = {
	    {"casebook", "`casebook`"},
	    {"events_local", "`events_local`"},
	    {"_x9", "`_x9`"},
	    {"Shard2", "`Shard2`"},
	    {"a234567890123456789012345678901234567890123456789012345678901234",
	     "`a234567890123456789012345678901234567890123456789012345678901234`"},
	    {"a2345678901234567890123456789012345678901234567890123456789012345", NULL},
	    {"", NULL},
	    {"9lives", NULL},
	    {"../etc", NULL},
	    {"db.table", NULL},
	    {"a`b", NULL},
	    {"a b", NULL},
	    {"x; DROP DATABASE y", NULL},
	    {"caf\xc3\xa9", NULL},
	    {"tab\t", NULL},
	    {"a-b", NULL},
	};
	for (size_t i = 0; i < sizeof(idents) / sizeof(*idents); i++) {
		struct strbuf sb;
		strbuf_init(&sb, 16);
		strbuf_addstr(&sb, "x");
		int rc = ch_quote_ident(&sb, idents[i].name);
		if (idents[i].out) {
			assert_int_equal(rc, 0);
			assert_string_equal(sb.buf + 1, idents[i].out);
			assert_int_equal(ch_ident_valid(idents[i].name), 1);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(sb.buf, "x");
			assert_int_equal(ch_ident_valid(idents[i].name), 0);
		}
		strbuf_release(&sb);
	}
	struct strbuf sb;
	strbuf_init(&sb, 16);
	assert_int_equal(ch_quote_ident(&sb, NULL), -1);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

/* RowBinary: a String is its length as LEB128 and then its bytes untouched, whatever they
 * are; an Int64 eight bytes, least significant first. Written from ClickHouse's format
 * (readVarUInt, readStringBinary, readPODBinary), not from cluster/quote.c. */
static void test_rowbinary_keeps_every_byte_after_its_length(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;
		const char *out;
		size_t out_len;
	} strings[] = {
#define RB(s, o) {s, sizeof(s) - 1, o, sizeof(o) - 1}
	    RB("", "\x00"),
	    RB("plain", "\x05plain"),
	    RB("tab\there\nnew", "\x0ctab\there\nnew"),
	    RB("a\0b\\c", "\x05"
	                  "a\0b\\c"),
	    RB("x'; DROP TABLE t; --\x1b[2J", "\x18x'; DROP TABLE t; --\x1b[2J"),
	    RB("bad \xff\xfe \xc3", "\x08"
	                            "bad \xff\xfe \xc3"),
#undef RB
	};
	for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++) {
		struct strbuf sb;
		strbuf_init(&sb, 16);
		ch_rowbinary_string(&sb, strings[i].in, strings[i].len);
		assert_int_equal(sb.len, strings[i].out_len);
		assert_memory_equal(sb.buf, strings[i].out, sb.len);
		strbuf_release(&sb);
	}
	/* lengths past one byte: 127 fits in one, 128 takes two, 300 is 0xAC 0x02 */
	static const struct {
		uint64_t v;
		const char *out;
		size_t len;
	} numbers[] = {
	    {0, "\x00", 1},
	    {1, "\x01", 1},
	    {127, "\x7f", 1},
	    {128, "\x80\x01", 2},
	    {300, "\xac\x02", 2},
	    {16384, "\x80\x80\x01", 3},
	    {UINT64_MAX, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10},
	};
	for (size_t i = 0; i < sizeof(numbers) / sizeof(*numbers); i++) {
		struct strbuf sb;
		strbuf_init(&sb, 16);
		ch_rowbinary_uint(&sb, numbers[i].v);
		assert_int_equal(sb.len, numbers[i].len);
		assert_memory_equal(sb.buf, numbers[i].out, sb.len);
		strbuf_release(&sb);
	}
	char big[300];
	memset(big, '\t', sizeof(big));
	struct strbuf sb;
	strbuf_init(&sb, 16);
	ch_rowbinary_string(&sb, big, sizeof(big));
	assert_int_equal(sb.len, 302);
	assert_memory_equal(sb.buf, "\xac\x02\t\t", 4);
	strbuf_reset(&sb);
	ch_rowbinary_int64(&sb, 1763625600123456);
	ch_rowbinary_int64(&sb, -2);
	ch_rowbinary_int64(&sb, INT64_MIN);
	assert_int_equal(sb.len, 24);
	assert_memory_equal(sb.buf,
	                    "\x40\x82\x69\x15\x02\x44\x06\x00"
	                    "\xfe\xff\xff\xff\xff\xff\xff\xff"
	                    "\x00\x00\x00\x00\x00\x00\x00\x80",
	                    24);
	strbuf_release(&sb);
}

/* A row as ClickHouse 18.16 sends it, byte for byte: the answer to "SELECT toInt64(-2),
 * 'a\tb\0', CAST(NULL AS Nullable(String)), toNullable('x'), toUInt8(1), CAST(NULL AS
 * Nullable(Int64)), toNullable(toInt64(300)), if(1 = 1, NULL, 'y'), position('ab', 'b') > 0, 1,
 * 'e' FORMAT RowBinary" (tests/test_cluster.c asks the server and compares). */
static const char server_row[] = "\xfe\xff\xff\xff\xff\xff\xff\xff" /* toInt64(-2) */
                                 "\x04"
                                 "a\tb\0"                               /* 'a\tb\0' */
                                 "\x01"                                 /* CAST(NULL AS Nullable(String)) */
                                 "\x00\x01x"                            /* toNullable('x') */
                                 "\x01"                                 /* toUInt8(1) */
                                 "\x01"                                 /* CAST(NULL AS Nullable(Int64)) */
                                 "\x00\x2c\x01\x00\x00\x00\x00\x00\x00" /* toNullable(toInt64(300)) */
                                 "\x01"                                 /* if(1 = 1, NULL, 'y') */
                                 "\x01"                                 /* position('ab', 'b') > 0 */
                                 "\x01"                                 /* 1 */
                                 "\x01"
                                 "e"; /* 'e' */
static const enum ch_rb_type server_types[] = {CH_RB_INT64,           CH_RB_STRING,          CH_RB_NULLABLE_STRING,
                                               CH_RB_NULLABLE_STRING, CH_RB_UINT8,           CH_RB_NULLABLE_INT64,
                                               CH_RB_NULLABLE_INT64,  CH_RB_NULLABLE_STRING, CH_RB_UINT8,
                                               CH_RB_UINT8,           CH_RB_STRING};
#define SERVER_COLUMNS (sizeof(server_types) / sizeof(*server_types))

static void test_rowbinary_reads_a_servers_row_back_as_its_values(void **state)
{
	(void)state;
	size_t len = sizeof(server_row) - 1;
	struct ch_rb_value v[SERVER_COLUMNS];
	assert_int_equal(ch_rowbinary_row(server_row, len, server_types, SERVER_COLUMNS, v), (long)len);
	assert_int_equal(v[0].i, -2);
	assert_int_equal(v[1].len, 4);
	assert_memory_equal(v[1].s, "a\tb\0", 4);
	assert_true(v[2].null);
	assert_false(v[3].null);
	assert_int_equal(v[3].len, 1);
	assert_memory_equal(v[3].s, "x", 1);
	assert_int_equal(v[4].i, 1);
	assert_true(v[5].null);
	assert_false(v[6].null);
	assert_int_equal(v[6].i, 300);
	assert_true(v[7].null);
	assert_int_equal(v[8].i, 1);
	assert_int_equal(v[9].i, 1);
	assert_int_equal(v[10].len, 1);
	assert_memory_equal(v[10].s, "e", 1);
	/* two rows back to back: the first read alone, then the second from where it ended */
	char two[2 * sizeof(server_row)];
	memcpy(two, server_row, len);
	memcpy(two + len, server_row, len);
	assert_int_equal(ch_rowbinary_row(two, 2 * len, server_types, SERVER_COLUMNS, v), (long)len);
	assert_int_equal(ch_rowbinary_row(two + len, len, server_types, SERVER_COLUMNS, v), (long)len);
	assert_ptr_equal(v[1].s, two + len + 9);
}

/* Every cut of a row short of its end asks for more, from a buffer of exactly the bytes cut
 * (the sanitizers' builds see any read past them). */
static void test_rowbinary_a_row_cut_anywhere_asks_for_the_rest(void **state)
{
	(void)state;
	size_t len = sizeof(server_row) - 1;
	for (size_t cut = 0; cut < len; cut++) {
		char *p = xmalloc(cut ? cut : 1);
		memcpy(p, server_row, cut);
		struct ch_rb_value v[SERVER_COLUMNS];
		assert_int_equal(ch_rowbinary_row(p, cut, server_types, SERVER_COLUMNS, v), 0);
		free(p);
	}
	/* a string whose length says more than there is asks for more, however large it says */
	static const enum ch_rb_type one_string[] = {CH_RB_STRING};
	struct ch_rb_value v[1];
	assert_int_equal(ch_rowbinary_row("\x05"
	                                  "abcd",
	                                  5, one_string, 1, v),
	                 0);
	assert_int_equal(ch_rowbinary_row("\xff\xff\xff\xff\xff\xff\xff\xff\x7f"
	                                  "ab",
	                                  11, one_string, 1, v),
	                 0);
	assert_int_equal(ch_rowbinary_row("\x80", 1, one_string, 1, v), 0); /* inside the length */
}

/* Bytes that are no such row are refused, not read as one: a Nullable's flag other than 0 or 1,
 * a length of eleven bytes or past 64 bits; numbers read back as the encoders wrote them. */
static void test_rowbinary_bytes_that_are_no_row_are_refused(void **state)
{
	(void)state;
	static const enum ch_rb_type nstring[] = {CH_RB_NULLABLE_STRING}, nint[] = {CH_RB_NULLABLE_INT64},
	                             string[] = {CH_RB_STRING};
	struct ch_rb_value v[1];
	assert_int_equal(ch_rowbinary_row("\x02\x00", 2, nstring, 1, v), -1);
	assert_int_equal(ch_rowbinary_row("Code: 241, e.displayText()", 26, nint, 1, v), -1);
	assert_int_equal(ch_rowbinary_row("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, string, 1, v), -1);
	assert_int_equal(ch_rowbinary_row("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, string, 1, v), -1);
	assert_int_equal(ch_rowbinary_row("", 0, string, 0, v), -1); /* a row of no columns */
	static const uint64_t lengths[] = {0, 1, 127, 128, 300, 16384, (uint64_t)1 << 35, UINT64_MAX};
	for (size_t i = 0; i < sizeof(lengths) / sizeof(*lengths); i++) {
		struct strbuf sb;
		strbuf_init(&sb, 16);
		ch_rowbinary_uint(&sb, lengths[i]);
		const unsigned char *p = (const unsigned char *)sb.buf;
		uint64_t back = 0;
		assert_int_equal(ch_rowbinary_read_uint(&p, p + sb.len, &back), 1);
		assert_int_equal(back, lengths[i]);
		assert_ptr_equal(p, (const unsigned char *)sb.buf + sb.len);
		strbuf_release(&sb);
	}
	static const enum ch_rb_type row[] = {CH_RB_INT64, CH_RB_STRING, CH_RB_NULLABLE_INT64};
	struct strbuf sb;
	strbuf_init(&sb, 16);
	ch_rowbinary_int64(&sb, INT64_MIN);
	ch_rowbinary_string(&sb, "tab\there\0", 9);
	strbuf_addch(&sb, 0);
	ch_rowbinary_int64(&sb, -1);
	struct ch_rb_value w[3];
	assert_int_equal(ch_rowbinary_row(sb.buf, sb.len, row, 3, w), (long)sb.len);
	assert_true(w[0].i == INT64_MIN);
	assert_int_equal(w[1].len, 9);
	assert_memory_equal(w[1].s, "tab\there\0", 9);
	assert_false(w[2].null);
	assert_int_equal(w[2].i, -1);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_literals_escape_quote_backslash_and_every_unprintable_byte),
	    cmocka_unit_test(test_a_literal_appends_to_what_is_there),
	    cmocka_unit_test(test_every_byte_reads_back_and_ends_at_the_closing_quote),
	    cmocka_unit_test(test_identifiers_are_plain_names_or_refused),
	    cmocka_unit_test(test_rowbinary_keeps_every_byte_after_its_length),
	    cmocka_unit_test(test_rowbinary_reads_a_servers_row_back_as_its_values),
	    cmocka_unit_test(test_rowbinary_a_row_cut_anywhere_asks_for_the_rest),
	    cmocka_unit_test(test_rowbinary_bytes_that_are_no_row_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
