/* ClickHouse literals and identifiers (cluster/quote.h): every byte goes in as a printable
 * escape that reads back as that byte, nothing a value holds can close the quote, and names
 * that are not plain identifiers are refused. The decoder here is written from ClickHouse's
 * string-literal grammar, not taken from cluster/quote.c. */
#include "tests/testutil.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_literals_escape_quote_backslash_and_every_unprintable_byte),
	    cmocka_unit_test(test_a_literal_appends_to_what_is_there),
	    cmocka_unit_test(test_every_byte_reads_back_and_ends_at_the_closing_quote),
	    cmocka_unit_test(test_identifiers_are_plain_names_or_refused),
	    cmocka_unit_test(test_rowbinary_keeps_every_byte_after_its_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
