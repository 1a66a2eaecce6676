/* Numbers from documents and rules as integers: every conversion is range-checked, since a
 * double outside an integer's range converts with undefined behaviour (1e300 became
 * -9223372036854775808 as a Kibana alert's risk score). */
#include "tests/testutil.h"

#include <math.h>
#include <string.h>

#include "common/jsonexact.h"
#include "common/number.h"

static void test_doubles_outside_the_range_are_refused(void **state)
{
	(void)state;
	int64_t v = 42;
	const double refused[] = {1e300, -1e300, INFINITY, -INFINITY, NAN, 0x1p63, -0x1p63 * 2, 101, -1};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(number_to_int64(refused[i], 0, 100, &v), -1);
		assert_int_equal(v, 42); /* untouched */
	}
	assert_int_equal(number_to_int64(0x1p63, INT64_MIN, INT64_MAX, &v), -1);
	assert_int_equal(number_to_int64(-0x1p63, INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(number_to_int64(9223372036854774784.0, INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_C(9223372036854774784));
	assert_int_equal(number_to_int64(47.9, 0, 100, &v), 0);
	assert_int_equal(v, 47);
	assert_int_equal(number_whole_int64(47.5, 0, 100, &v), -1);
	assert_int_equal(number_whole_int64(NAN, 0, 100, &v), -1);
	assert_int_equal(number_whole_int64(100, 0, 100, &v), 0);
	assert_int_equal(v, 100);
}

static void test_text_is_read_whole_and_in_range(void **state)
{
	(void)state;
	int64_t v = 42;
	const char *refused[] = {"",    " 7",  "7 ",     "12abc", "1e300", "99999999999999999999", "-1", "0x10", "inf",
	                         "nan", "1.5", "1e-400", "--1",   NULL};
	for (size_t i = 0; refused[i]; i++) {
		if (number_text_int64(refused[i], 0, INT64_MAX, &v) != -1)
			fail_msg("\"%s\" was read as %lld", refused[i], (long long)v);
		assert_int_equal(v, 42);
	}
	assert_int_equal(number_text_int64("9223372036854775807", 0, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(number_text_int64("1e3", 0, INT64_MAX, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(number_text_int64("-7", INT64_MIN, INT64_MAX, &v), 0);
	assert_int_equal(v, -7);
}

/* An alert copies its event's numbers as written: each number keeps its text, and digits
 * inside strings (after escaped quotes and backslashes too) are not taken for numbers. */
static void test_numbers_keep_their_text_past_escaped_strings(void **state)
{
	(void)state;
	static const char doc[] = "{\"a\":\"x\\\"1\\\\\",\"b\":131762381484502110,\"c\":[\"\\\\\",1.50,"
	                          "\"q\\\"2\\\"3\"],\"d\":\"\\\\\\\"\",\"e\":-0e+0}";
	cJSON *j = json_parse_exact(doc, strlen(doc));
	assert_non_null(j);
	char *out = cJSON_PrintUnformatted(j);
	assert_string_equal(out, doc);
	cJSON_free(out);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "b");
	assert_true(cJSON_IsRaw(b));
	assert_string_equal(b->valuestring, "131762381484502110");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "c"), 1)->valuestring, "1.50");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "e")->valuestring, "-0e+0");
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doubles_outside_the_range_are_refused),
	    cmocka_unit_test(test_text_is_read_whole_and_in_range),
	    cmocka_unit_test(test_numbers_keep_their_text_past_escaped_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
