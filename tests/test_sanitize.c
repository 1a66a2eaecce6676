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
	    cmocka_unit_test(test_invalid_utf8_is_shown_as_hex),
	    cmocka_unit_test(test_dup_handles_null),
	    cmocka_unit_test(test_json_output_stays_equivalent_and_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
