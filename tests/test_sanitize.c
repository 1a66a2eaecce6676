/* The sanitizer: every control, bidi and invalid byte becomes a visible glyph, exactly. */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"

static void check(const char *in, size_t len, unsigned flags, const char *want)
{
	struct strbuf sb;
	strbuf_init(&sb, 16);
	sanitize_append(&sb, in, len, flags);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

#define CHECK(in, want) check(in, sizeof(in) - 1, 0, want)

static void test_plain_text_unchanged(void **state)
{
	(void)state;
	CHECK("/Library/DirectoryServices/PlugIns/x.dsplug", "/Library/DirectoryServices/PlugIns/x.dsplug");
	CHECK("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
	CHECK("", "");
}

static void test_c0_controls_become_control_pictures(void **state)
{
	(void)state;
	CHECK("\x1b[2J", "\xe2\x90\x9b[2J");       /* ESC -> U+241B */
	CHECK("HIGH\rLOW", "HIGH\xe2\x90\x8dLOW"); /* CR -> U+240D */
	CHECK("a\bb", "a\xe2\x90\x88"
	              "b");              /* BS -> U+2408 */
	CHECK("a\x7f", "a\xe2\x90\xa1"); /* DEL -> U+2421 */
	CHECK("a\nb", "a\xe2\x90\xa4"
	              "b"); /* LF -> U+2424 */
	CHECK("a\tb", "a b");
	check("a\0b", 3, 0,
	      "a\xe2\x90\x80"
	      "b"); /* NUL -> U+2400 */
	check("a\nb", 3, SAN_MULTILINE, "a\nb");
}

static void test_osc_title_sequence_is_inert(void **state)
{
	(void)state;
	CHECK("\x1b]0;pwned\x07", "\xe2\x90\x9b]0;pwned\xe2\x90\x87");
}

static void test_c1_and_bidi_are_escaped(void **state)
{
	(void)state;
	CHECK("\xc2\x9b"
	      "31m",
	      "\\u009B31m");                                    /* C1 CSI */
	CHECK("evil\xe2\x80\xaetxt.exe", "evil\\u202Etxt.exe"); /* RLO */
	CHECK("a\xe2\x81\xa6"
	      "b",
	      "a\\u2066b"); /* LRI */
	CHECK("a\xe2\x80\x8b"
	      "b",
	      "a\\u200Bb");                 /* zero-width space */
	CHECK("\xef\xbb\xbfx", "\\uFEFFx"); /* BOM */
	CHECK("a\xe2\x80\xa8"
	      "b",
	      "a\\u2028b"); /* line separator */
}

/* The code points a terminal draws as nothing (Unicode's format characters, category Cf, and
 * the default-ignorable ones), written out from the Unicode 15 tables here rather than taken
 * from the sanitizer: each must come out as its escape, never as itself. */
static const struct {
	unsigned lo, hi;
} invisible[] = {
    {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},
    {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x115F, 0x1160},   {0x17B4, 0x17B5},
    {0x180B, 0x180F},   {0x200B, 0x200F},   {0x202A, 0x202E},   {0x2060, 0x206F},   {0x3164, 0x3164},
    {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},   {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

static size_t utf8_encode(unsigned cp, char out[4])
{
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12), out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18), out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static void test_invisible_and_format_characters_are_shown(void **state)
{
	(void)state;
	/* a user name with TAG characters after it is not the user name */
	CHECK("mac-admin\xf3\xa0\x80\x81\xf3\xa0\x81\x81\xf3\xa0\x81\xbf",
	      "mac-admin\\U000E0001\\U000E0041\\U000E007F");
	CHECK("a\xe1\xa0\x8e"
	      "b",
	      "a\\u180Eb"); /* Mongolian vowel separator */
	CHECK("a\xcd\x8f"
	      "b",
	      "a\\u034Fb");                                       /* combining grapheme joiner */
	CHECK("\xe2\x9d\xa4\xef\xb8\x8f", "\xe2\x9d\xa4\\uFE0F"); /* variation selector 16 */
	CHECK("x\xf3\xa0\x84\x80", "x\\U000E0100");               /* variation selector 17 */
	CHECK("\xe3\x85\xa4", "\\u3164");                         /* Hangul filler */
	CHECK("\xef\xbe\xa0\xe1\x85\x9f\xe1\x85\xa0", "\\uFFA0\\u115F\\u1160");
	CHECK("a\xc2\xad"
	      "b",
	      "a\\u00ADb"); /* soft hyphen */
	/* noncharacters are never text either */
	CHECK("\xef\xbf\xbe\xef\xb7\x90\xf0\x9f\xbf\xbf", "\\uFFFE\\uFDD0\\U0001FFFF");
	/* their neighbours are ordinary characters, left as they are */
	CHECK("\xcd\x8e\xe3\x85\xa5\xef\xb9\x90\xe2\x80\x8a", "\xcd\x8e\xe3\x85\xa5\xef\xb9\x90\xe2\x80\x8a");
	/* every one of them, one at a time */
	struct strbuf out, want;
	strbuf_init(&out, 64);
	strbuf_init(&want, 64);
	size_t shown = 0;
	for (size_t r = 0; r < sizeof(invisible) / sizeof(invisible[0]); r++)
		for (unsigned cp = invisible[r].lo; cp <= invisible[r].hi; cp++) {
			char b[4];
			size_t n = utf8_encode(cp, b);
			strbuf_reset(&out);
			strbuf_reset(&want);
			sanitize_append(&out, b, n, 0);
			strbuf_addf(&want, cp < 0x10000 ? "\\u%04X" : "\\U%08X", cp);
			if (strcmp(out.buf, want.buf))
				fail_msg("U+%04X came out as %s", cp, out.buf);
			strbuf_reset(&out);
			json_quote_append(&out, b, n);
			if (memchr(out.buf, b[0], out.len))
				fail_msg("U+%04X reached JSON as itself: %s", cp, out.buf);
			shown++;
		}
	assert_int_equal(shown, 4206);
	strbuf_release(&out);
	strbuf_release(&want);
}

static void test_invalid_utf8_is_shown_as_hex(void **state)
{
	(void)state;
	CHECK("a\xff"
	      "b",
	      "a\\xFFb");
	CHECK("\xc0\xaf", "\\xC0\\xAF");                   /* overlong '/' */
	CHECK("\xed\xa0\x80", "\\xED\\xA0\\x80");          /* UTF-16 surrogate */
	CHECK("\xe6\x97", "\\xE6\\x97");                   /* truncated */
	CHECK("\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"); /* > U+10FFFF */
}

static void test_dup_handles_null(void **state)
{
	(void)state;
	char *s = sanitize_dup(NULL, 0);
	assert_string_equal(s, "");
	free(s);
}

static void json_check(const char *in, const char *want)
{
	struct strbuf sb;
	strbuf_init(&sb, 16);
	sanitize_json_append(&sb, in, strlen(in));
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_json_output_stays_equivalent_and_safe(void **state)
{
	(void)state;
	json_check("{\"a\":\"x\\u001b[31m\"}", "{\"a\":\"x\\u001b[31m\"}");
	json_check("{\"a\":\"\xe2\x80\xae\"}", "{\"a\":\"\\u202e\"}");
	json_check("{\"a\":\"\xc2\x9b\"}", "{\"a\":\"\\u009b\"}");
	json_check("{\"a\":\"\xff\"}", "{\"a\":\"\\ufffd\"}");
	/* a code point past U+FFFF is escaped as JSON spells it, a UTF-16 surrogate pair */
	json_check("{\"a\":\"x\xf3\xa0\x81\x81\"}", "{\"a\":\"x\\udb40\\udc41\"}");
	json_check("{\"a\":\"\xe3\x85\xa4\"}", "{\"a\":\"\\u3164\"}");
	json_check("{\"a\\\"b\":[1,true]}", "{\"a\\\"b\":[1,true]}");
	struct strbuf sb;
	strbuf_init(&sb, 16);
	json_quote_append(&sb, "q\"\\\n\x1b", 5);
	assert_string_equal(sb.buf, "\"q\\\"\\\\\\n\\u001b\"");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_text_unchanged),
	    cmocka_unit_test(test_c0_controls_become_control_pictures),
	    cmocka_unit_test(test_osc_title_sequence_is_inert),
	    cmocka_unit_test(test_c1_and_bidi_are_escaped),
	    cmocka_unit_test(test_invisible_and_format_characters_are_shown),
	    cmocka_unit_test(test_invalid_utf8_is_shown_as_hex),
	    cmocka_unit_test(test_dup_handles_null),
	    cmocka_unit_test(test_json_output_stays_equivalent_and_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
