/* The validating JSON parser: spans, minified text, triple quotes, exact error offsets. */
#include "tests/testutil.h"

#include <string.h>

#include "ingest/jsontape.h"

static struct jtape tape;

static int setup(void **state)
{
	(void)state;
	jtape_init(&tape);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jtape_release(&tape);
	return 0;
}

static void parse_ok(const char *in, const char *minified)
{
	struct jt_error err;
	if (jtape_parse(&tape, in, strlen(in), &err))
		fail_msg("%s: %s at %zu", in, err.msg, err.offset);
	assert_string_equal(tape.text.buf, minified);
}

static void parse_err(const char *in, size_t offset, const char *msg)
{
	struct jt_error err;
	assert_int_equal(jtape_parse(&tape, in, strlen(in), &err), -1);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.offset, offset);
}

static void test_minifies_and_keeps_numbers_exact(void **state)
{
	(void)state;
	parse_ok(" {\n\t\"a\" : [ 1 , 2.50e+3, -0 ],\n \"b\": {\"c\": null, \"d\":true,\"e\":false}, \"n\": "
	         "123456789012345678901 } ",
	         "{\"a\":[1,2.50e+3,-0],\"b\":{\"c\":null,\"d\":true,\"e\":false},\"n\":123456789012345678901}");
	assert_int_equal(tape.tok[0].type, JT_OBJECT);
	assert_int_equal(tape.tok[0].next, tape.ntok);
	long b = jtape_member(&tape, 0, "b");
	assert_true(b > 0);
	assert_int_equal(tape.tok[b].type, JT_OBJECT);
	long d = jtape_member(&tape, (size_t)b, "d");
	assert_int_equal(tape.tok[d].type, JT_TRUE);
	assert_int_equal(jtape_member(&tape, 0, "zz"), -1);
}

static void test_strings_keep_escapes_and_unescape(void **state)
{
	(void)state;
	parse_ok("{\"p\":\"a\\\"b\\\\c\\/d\\u00e9\\ud83d\\ude00\\u0000\"}",
	         "{\"p\":\"a\\\"b\\\\c\\/d\\u00e9\\ud83d\\ude00\\u0000\"}");
	struct strbuf sb;
	strbuf_init(&sb, 16);
	jtape_unescape(&tape, (size_t)jtape_member(&tape, 0, "p"), &sb);
	assert_string_equal(sb.buf, "a\"b\\c/d\xc3\xa9\xf0\x9f\x98\x80\xe2\x90\x80");
	strbuf_reset(&sb);
	json_unescape_append(&sb, "\\ud800x", 7); /* lone surrogate */
	assert_string_equal(sb.buf, "\xef\xbf\xbdx");
	strbuf_release(&sb);
}

static void test_triple_quoted_strings(void **state)
{
	(void)state;
	parse_ok("{\"c\": \"\"\"python -c \"print('x')\"\n\\d\"\"\"}",
	         "{\"c\":\"python -c \\\"print('x')\\\"\\n\\\\d\"}");
	parse_err("{\"c\": \"\"\"never closed}", 22, "unterminated triple-quoted string");
}

static void test_error_positions(void **state)
{
	(void)state;
	parse_err("{\"a\":1,}", 7, "trailing comma before '}'");
	parse_err("{,}", 1, "expected a member name in double quotes, found ','");
	parse_err("[1,2,]", 5, "trailing comma before ']'");
	parse_err("{\"a\" 1}", 5, "expected ':' after the member name, found '1'");
	parse_err("{\"a\":\"x\ny\"}", 7, "control character 0x0A in string (unterminated string?)");
	parse_err("{\"a\":\"x", 7, "unterminated string");
	parse_err("{\"a\":01}", 6, "expected ',' or '}', found '1'");
	parse_err("{\"a\":1.}", 7, "expected a digit after the decimal point, found '}'");
	parse_err("{\"a\":tru}", 5, "expected a JSON value, found 't'");
	parse_err("{\"a\":\"\\x\"}", 6, "bad escape sequence in string");
	parse_err("{\"a\":\"\\u12g4\"}", 6, "bad \\u escape: expected four hex digits");
	parse_err("{\"a\":1} {", 8, "expected end of document, found '{'");
	parse_err("{\"a\":1", 6, "expected ',' or '}', found end of input");
	parse_err("", 0, "expected a JSON value, found end of input");
	parse_err("{\"a\":\x01}", 5, "expected a digit, found byte 0x01");
}

static void test_depth_limit(void **state)
{
	(void)state;
	char deep[2 * JT_MAX_DEPTH + 10];
	size_t n = 0;
	for (int i = 0; i < JT_MAX_DEPTH + 1; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	parse_err(deep, JT_MAX_DEPTH, "nesting deeper than 512 levels");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_minifies_and_keeps_numbers_exact, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_strings_keep_escapes_and_unescape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_triple_quoted_strings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_error_positions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
