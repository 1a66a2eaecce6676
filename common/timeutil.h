/* timeutil: UTC microsecond timestamps, ISO 8601 parsing and formatting, durations. */
#ifndef CASEBOOK_TIMEUTIL_H
#define CASEBOOK_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#define TIME_US_PER_SEC INT64_C(1000000)

/* Parses an ISO 8601 date-time of len bytes into UTC microseconds since the epoch.
 * Accepts YYYY-MM-DD[(T| )hh:mm[:ss[(.|,)fraction]]][Z|±hh[:mm]|±hhmm]; a missing offset
 * means UTC; fractions beyond microseconds are truncated; second 60 (a leap second) is
 * taken as the first instant of the next minute. Years 0001-9999 only.
 * Returns 0 on success, or -1 with a static reason in *why. */
int time_parse_iso8601(const char *s, size_t len, int64_t *us, const char **why);

/* Writes "YYYY-MM-DDThh:mm:ss.ffffffZ" (28 bytes + NUL) into out. */
#define TIME_ISO_LEN 48
void time_format_iso8601(int64_t us, char out[TIME_ISO_LEN]);

/* Parses a duration such as "90s", "5m", "2h", "1d", "500ms" or a plain number of seconds.
 * Returns 0 on success, -1 on error. */
int time_parse_duration(const char *s, int64_t *us);

/* A span in the two largest units it has, truncated, as people say it: "7d 2h" (614,400 s),
 * "10m", "1h 30m", "45s", "1s 500ms", "250ms", "0s"; whole units only, so the text reads back
 * through time_parse_duration one unit at a time. A negative span is written with its '-'.
 * TIME_SPAN_LEN holds the longest. */
#define TIME_SPAN_LEN 48
void time_format_span(int64_t us, char out[TIME_SPAN_LEN]);

/* A UTC instant as a calendar date and the microseconds into that day. */
struct time_civil {
	int64_t year;
	unsigned month, day; /* 1-12, 1-31 */
	int64_t us_of_day;
};
void time_to_civil(int64_t us, struct time_civil *c);
/* The instant of c; a day past the month's end is clamped to its last day. */
int64_t time_from_civil(const struct time_civil *c);
/* Days in a month of a year (proleptic Gregorian). */
unsigned time_days_in_month(int64_t year, unsigned month);

/* The zone times are shown to people in (JSON and exports stay UTC ISO 8601). "UTC" is the
 * default; "local" is the analyst's own (TZ, else the system's); any other name must be an
 * IANA zone installed under $TZDIR or /usr/share/zoneinfo ("Europe/Berlin"). Selecting a zone
 * sets TZ for the process. Returns 0, or -1 with a static reason in *why (the zone in use is
 * then unchanged). */
int time_zone_select(const char *name, const char **why);
/* Whether times are shown in UTC (the default). */
int time_zone_is_utc(void);
/* The selected zone's name, for headers: "UTC", "Europe/Berlin", or for "local" TZ's value
 * when it is set, else "local". */
const char *time_zone_name(void);

/* An instant as the wall clock of the selected zone, labelled with the zone's abbreviation at
 * that moment (its numeric offset where the zone has none): "2024-05-01 14:00:00 CEST", with
 * `digits` (0-6) digits of the second's fraction, truncated: "… 14:00:00.123 CEST". */
#define TIME_ZONED_LEN 64
void time_format_zoned(int64_t us, int digits, char out[TIME_ZONED_LEN]);

/* The current time in UTC microseconds. */
int64_t time_now_us(void);

/* Monotonic seconds, for rates and progress. */
double time_monotonic(void);

#endif
