/* ISO 8601 timestamps to UTC microseconds, and back. */
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"

static int64_t parse_ok(const char *s)
{
	int64_t us = 0;
	const char *why = NULL;
	int rc = time_parse_iso8601(s, strlen(s), &us, &why);
	if (rc)
		fail_msg("%s: %s", s, why);
	return us;
}

static const char *parse_err(const char *s)
{
	int64_t us;
	const char *why = NULL;
	assert_int_equal(time_parse_iso8601(s, strlen(s), &us, &why), -1);
	return why;
}

static void test_forms(void **state)
{
	(void)state;
	const int64_t base = INT64_C(1610615238527691); /* 2021-01-14T09:07:18.527691Z */
	assert_int_equal(parse_ok("2021-01-14T09:07:18.527691Z"), base);
	assert_int_equal(parse_ok("2021-01-14T09:07:18.527691873Z"), base); /* nanoseconds truncated */
	assert_int_equal(parse_ok("2021-01-14T09:07:18.5276Z"), base - 91);
	assert_int_equal(parse_ok("2021-01-14T10:07:18.527691+01:00"), base);
	assert_int_equal(parse_ok("2021-01-14T04:07:18.527691-0500"), base);
	assert_int_equal(parse_ok("2021-01-14T11:07:18.527691+02"), base);
	assert_int_equal(parse_ok("2021-01-14 09:07:18,527691"), base);
	assert_int_equal(parse_ok("2021-01-14T09:07Z"), base - 18527691);
	assert_int_equal(parse_ok("2021-01-14"), INT64_C(1610582400000000));
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse_ok("1969-12-31T23:59:59.5Z"), -500000);
	assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), INT64_C(1483228800000000)); /* leap second */
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), INT64_C(951782400000000));
}

static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(parse_err("0000-01-01T00:00:00Z"), "year out of range (0001-9999)");
	assert_string_equal(parse_err("99999-01-01T00:00:00Z"), "year out of range (0001-9999)");
	assert_string_equal(parse_err("2021-02-29T00:00:00Z"), "no such date");
	assert_string_equal(parse_err("2021-13-01"), "no such date");
	assert_string_equal(parse_err("2021-01-14T25:00:00Z"), "time of day out of range");
	assert_string_equal(parse_err("2021-01-14T09:07:18.Z"), "expected digits after the decimal point");
	assert_string_equal(parse_err("2021-01-14T09:07:18Zjunk"), "unexpected characters after the time");
	assert_string_equal(parse_err("yesterday"), "expected a date YYYY-MM-DD");
	/* a leap second or an offset that carries the instant out of 0001-9999 */
	assert_string_equal(parse_err("9999-12-31T23:59:60.9999999Z"), "year out of range (0001-9999)");
	assert_string_equal(parse_err("0001-01-01T00:30:00+01:00"), "year out of range (0001-9999)");
	assert_string_equal(parse_err("9999-12-31T23:30:00-01:00"), "year out of range (0001-9999)");
	assert_string_equal(parse_err(""), "expected a date YYYY-MM-DD");
}

static void test_format_round_trip(void **state)
{
	(void)state;
	char buf[TIME_ISO_LEN];
	time_format_iso8601(INT64_C(1610615238527691), buf);
	assert_string_equal(buf, "2021-01-14T09:07:18.527691Z");
	time_format_iso8601(-1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
	assert_int_equal(parse_ok(buf), -1);
}

static void test_durations(void **state)
{
	(void)state;
	int64_t us;
	assert_int_equal(time_parse_duration("90s", &us), 0);
	assert_int_equal(us, 90 * TIME_US_PER_SEC);
	assert_int_equal(time_parse_duration("5m", &us), 0);
	assert_int_equal(us, 300 * TIME_US_PER_SEC);
	assert_int_equal(time_parse_duration("2h", &us), 0);
	assert_int_equal(us, 7200 * TIME_US_PER_SEC);
	assert_int_equal(time_parse_duration("250ms", &us), 0);
	assert_int_equal(us, 250000);
	assert_int_equal(time_parse_duration("10", &us), 0);
	assert_int_equal(us, 10 * TIME_US_PER_SEC);
	assert_int_equal(time_parse_duration("5x", &us), -1);
	assert_int_equal(time_parse_duration("-5m", &us), -1);
	assert_int_equal(time_parse_duration("", &us), -1);
}

/* The timeline's heading says its window as people do ("±7d 2h", not "±614400s"): the two
 * largest units, truncated, the second only when it is the next unit down. */
static void test_spans_in_human_units(void **state)
{
	(void)state;
	static const struct {
		int64_t us;
		const char *want;
	} cases[] = {
	    {614400 * TIME_US_PER_SEC, "7d 2h"},
	    {600 * TIME_US_PER_SEC, "10m"},
	    {5400 * TIME_US_PER_SEC, "1h 30m"},
	    {86400 * TIME_US_PER_SEC, "1d"},
	    {(86400 + 300) * TIME_US_PER_SEC, "1d"}, /* not "1d 0h": 5 minutes are beneath a day's notice */
	    {90061 * TIME_US_PER_SEC, "1d 1h"},
	    {45 * TIME_US_PER_SEC, "45s"},
	    {1500000, "1s 500ms"},
	    {250000, "250ms"},
	    {999, "<1ms"},
	    {0, "0s"},
	    {-600 * TIME_US_PER_SEC, "-10m"},
	    {INT64_MIN, "-106751991d 4h"},
	    {INT64_MAX, "106751991d 4h"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[TIME_SPAN_LEN];
		time_format_span(cases[i].us, out);
		assert_string_equal(out, cases[i].want);
	}
}

/* Instants around each zone's daylight-saving changes, as the IANA database (tzdata) has them:
 * the EU changes at 01:00 UTC on the last Sundays of March and October, the US at 02:00 local
 * time on the second Sunday of March, Sydney in the southern summer; Kolkata has none. */
static void test_zoned_times(void **state)
{
	(void)state;
	static const struct {
		const char *zone, *utc;
		int digits;
		const char *want;
	} cases[] = {
	    {"UTC", "2021-01-14T09:07:18.527691Z", 3, "2021-01-14 09:07:18.527 UTC"},
	    {"UTC", "2021-01-14T09:07:18.527691Z", 0, "2021-01-14 09:07:18 UTC"},
	    {"Europe/Berlin", "2024-01-15T12:00:00Z", 0, "2024-01-15 13:00:00 CET"},
	    {"Europe/Berlin", "2024-05-01T10:00:00Z", 0, "2024-05-01 12:00:00 CEST"},
	    {"Europe/Berlin", "2024-03-31T00:59:59.999999Z", 6, "2024-03-31 01:59:59.999999 CET"},
	    {"Europe/Berlin", "2024-03-31T01:00:00Z", 0, "2024-03-31 03:00:00 CEST"},
	    {"Europe/Berlin", "2024-10-27T00:30:00Z", 0, "2024-10-27 02:30:00 CEST"},
	    {"Europe/Berlin", "2024-10-27T01:30:00Z", 0, "2024-10-27 02:30:00 CET"},
	    {"America/New_York", "2024-03-10T06:59:59Z", 0, "2024-03-10 01:59:59 EST"},
	    {"America/New_York", "2024-03-10T07:00:00Z", 0, "2024-03-10 03:00:00 EDT"},
	    {"Australia/Sydney", "2024-01-15T00:00:00Z", 0, "2024-01-15 11:00:00 AEDT"},
	    {"Australia/Sydney", "2024-07-01T00:00:00Z", 0, "2024-07-01 10:00:00 AEST"},
	    {"Asia/Kolkata", "2024-07-01T00:00:00.5Z", 1, "2024-07-01 05:30:00.5 IST"},
	    {"Europe/Berlin", "1969-12-31T23:59:59.250Z", 3, "1970-01-01 00:59:59.250 CET"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		assert_int_equal(time_zone_select(cases[i].zone, &why), 0);
		assert_int_equal(time_zone_is_utc(), !strcmp(cases[i].zone, "UTC"));
		assert_string_equal(time_zone_name(), cases[i].zone);
		char out[TIME_ZONED_LEN];
		time_format_zoned(parse_ok(cases[i].utc), cases[i].digits, out);
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(time_zone_select("UTC", &(const char *){NULL}), 0);
}

/* A name that is no zone is refused, and the zone in use stays. */
static void test_unknown_zones(void **state)
{
	(void)state;
	static const struct {
		const char *name, *why;
	} cases[] = {
	    {"Mars/Olympus_Mons", "no such time zone (an IANA name such as Europe/Berlin, UTC, or local)"},
	    {"Europe", "no such time zone (an IANA name such as Europe/Berlin, UTC, or local)"},
	    {"../../etc/passwd", "not a time zone name (an IANA name such as Europe/Berlin, UTC, or local)"},
	    {"/etc/localtime", "not a time zone name (an IANA name such as Europe/Berlin, UTC, or local)"},
	    {"Europe/Berlin\n", "not a time zone name (an IANA name such as Europe/Berlin, UTC, or local)"},
	    {"", "not a time zone name (an IANA name such as Europe/Berlin, UTC, or local)"},
	};
	const char *why = NULL;
	assert_int_equal(time_zone_select("Europe/Berlin", &why), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		assert_int_equal(time_zone_select(cases[i].name, &why), -1);
		assert_string_equal(why, cases[i].why);
		assert_string_equal(time_zone_name(), "Europe/Berlin");
	}
	/* local: the zone TZ names, said by that name */
	setenv("TZ", ":America/New_York", 1);
	assert_int_equal(time_zone_select("local", &why), 0);
	assert_string_equal(time_zone_name(), "America/New_York");
	char out[TIME_ZONED_LEN];
	time_format_zoned(parse_ok("2024-01-15T12:00:00Z"), 0, out);
	assert_string_equal(out, "2024-01-15 07:00:00 EST");
	assert_int_equal(time_zone_select("UTC", &why), 0);
	time_format_zoned(parse_ok("2024-01-15T12:00:00Z"), 0, out);
	assert_string_equal(out, "2024-01-15 12:00:00 UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_format_round_trip),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_spans_in_human_units),
	    cmocka_unit_test(test_zoned_times),
	    cmocka_unit_test(test_unknown_zones),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
