#include "common/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, unsigned m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits at *p (bounded by end). */
static int read_digits(const char **p, const char *end, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (*p >= end || !isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int parse_offset(const char **p, const char *end, int64_t *offset_s, const char **why)
{
	if (*p == end) {
		*offset_s = 0;
		return 0;
	}
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		*offset_s = 0;
		return 0;
	}
	if (**p != '+' && **p != '-') {
		*why = "expected 'Z' or a UTC offset such as +02:00";
		return -1;
	}
	int sign = **p == '-' ? -1 : 1, oh = 0, om = 0;
	(*p)++;
	if (read_digits(p, end, 2, &oh)) {
		*why = "bad UTC offset";
		return -1;
	}
	if (*p < end && **p == ':')
		(*p)++;
	if (*p < end && read_digits(p, end, 2, &om)) {
		*why = "bad UTC offset minutes";
		return -1;
	}
	if (oh > 23 || om > 59) {
		*why = "UTC offset out of range";
		return -1;
	}
	*offset_s = sign * (oh * 3600 + om * 60);
	return 0;
}

int time_parse_iso8601(const char *s, size_t len, int64_t *us, const char **why)
{
	const char *p = s, *end = s + len;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t frac_us = 0, offset_s = 0;
	const char *dummy;
	if (!why)
		why = &dummy;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	if (p - s != 4) {
		*why = p - s > 4 ? "year out of range (0001-9999)" : "expected a date YYYY-MM-DD";
		return -1;
	}
	p = s;
	if (read_digits(&p, end, 4, &y) || p >= end || *p++ != '-' || read_digits(&p, end, 2, &mo) || p >= end ||
	    *p++ != '-' || read_digits(&p, end, 2, &d)) {
		*why = "expected a date YYYY-MM-DD";
		return -1;
	}
	if (y < 1) {
		*why = "year out of range (0001-9999)";
		return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo)) {
		*why = "no such date";
		return -1;
	}
	if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
		p++;
		if (read_digits(&p, end, 2, &h) || p >= end || *p++ != ':' || read_digits(&p, end, 2, &mi)) {
			*why = "expected a time hh:mm";
			return -1;
		}
		if (p < end && *p == ':') {
			p++;
			if (read_digits(&p, end, 2, &sec)) {
				*why = "expected seconds ss";
				return -1;
			}
			if (p < end && (*p == '.' || *p == ',')) {
				p++;
				int digits = 0;
				int64_t scale = 100000;
				while (p < end && isdigit((unsigned char)*p)) {
					if (digits < 6)
						frac_us += (*p - '0') * scale, scale /= 10;
					digits++, p++;
				}
				if (!digits) {
					*why = "expected digits after the decimal point";
					return -1;
				}
			}
		}
		if (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec || frac_us))) {
			*why = "time of day out of range";
			return -1;
		}
	}
	if (parse_offset(&p, end, &offset_s, why))
		return -1;
	if (p != end) {
		*why = "unexpected characters after the time";
		return -1;
	}
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
	/* a leap second or an offset can carry the instant past the range the digits were in
	 * (9999-12-31T23:59:60.9999999Z is in year 10000): the instant itself must be in it */
	int64_t first = days_from_civil(1, 1, 1) * 86400, past = days_from_civil(10000, 1, 1) * 86400;
	if (secs < first || secs >= past) {
		*why = "year out of range (0001-9999)";
		return -1;
	}
	*us = secs * TIME_US_PER_SEC + frac_us;
	return 0;
}

void time_format_iso8601(int64_t us, char out[TIME_ISO_LEN])
{
	int64_t secs = us / TIME_US_PER_SEC, frac = us % TIME_US_PER_SEC;
	if (frac < 0)
		frac += TIME_US_PER_SEC, secs--;
	int64_t days = secs / 86400, rem = secs % 86400;
	if (rem < 0)
		rem += 86400, days--;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, TIME_ISO_LEN, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", y, m, d, (int)(rem / 3600),
	         (int)(rem / 60 % 60), (int)(rem % 60), (int)frac);
}

static char zone_name[128] = "UTC";
static int zone_utc = 1;

/* An IANA name as tzfile(5) stores zones: letters, digits and "-+_/", no "..", not absolute. */
static int zone_name_plausible(const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= sizeof(zone_name) || name[0] == '/' || strstr(name, ".."))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-+_/", name[i]))
			return 0;
	return 1;
}

/* Whether the zone's file is installed and is a TZif file; glibc would otherwise take an
 * unknown name silently as UTC under that name. */
static int zone_installed(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	FILE *f = fopen(path, "rb");
	char magic[4] = {0};
	int ok = f && fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
	if (f)
		fclose(f);
	return ok;
}

int time_zone_select(const char *name, const char **why)
{
	if (!strcmp(name, "UTC") || !strcmp(name, "utc")) {
		zone_utc = 1;
		snprintf(zone_name, sizeof(zone_name), "UTC");
		return 0;
	}
	if (!strcmp(name, "local")) {
		const char *tz = getenv("TZ");
		if (tz && *tz == ':')
			tz++;
		/* TZ may hold anything (a path, control bytes): it names the header only when it looks like a zone */
		snprintf(zone_name, sizeof(zone_name), "%s", tz && zone_name_plausible(tz) ? tz : "local");
	} else if (!zone_name_plausible(name)) {
		*why = "not a time zone name (an IANA name such as Europe/Berlin, UTC, or local)";
		return -1;
	} else if (!zone_installed(name)) {
		*why = "no such time zone (an IANA name such as Europe/Berlin, UTC, or local)";
		return -1;
	} else {
		setenv("TZ", name, 1);
		snprintf(zone_name, sizeof(zone_name), "%s", name);
	}
	tzset();
	zone_utc = 0;
	return 0;
}

int time_zone_is_utc(void)
{
	return zone_utc;
}

const char *time_zone_name(void)
{
	return zone_name;
}

void time_format_zoned(int64_t us, int digits, char out[TIME_ZONED_LEN])
{
	int64_t secs = us / TIME_US_PER_SEC, frac = us % TIME_US_PER_SEC;
	if (frac < 0)
		frac += TIME_US_PER_SEC, secs--;
	time_t t = (time_t)secs;
	struct tm tm;
	int ok = zone_utc ? gmtime_r(&t, &tm) != NULL : localtime_r(&t, &tm) != NULL;
	if (!ok) { /* beyond what struct tm holds: the UTC form, which is labelled too */
		time_format_iso8601(us, out);
		return;
	}
	char wall[32], zone[16] = "UTC";
	strftime(wall, sizeof(wall), "%Y-%m-%d %H:%M:%S", &tm);
	if (!zone_utc && (!strftime(zone, sizeof(zone), "%Z", &tm) || !zone[0]))
		strftime(zone, sizeof(zone), "%z", &tm);
	if (digits < 0)
		digits = 0;
	if (digits > 6)
		digits = 6;
	char fraction[16] = "";
	if (digits) {
		int div = 1;
		for (int i = digits; i < 6; i++)
			div *= 10;
		snprintf(fraction, sizeof(fraction), ".%0*d", digits, (int)(frac / div));
	}
	snprintf(out, TIME_ZONED_LEN, "%s%s %s", wall, fraction, zone);
}

int time_parse_duration(const char *s, int64_t *us)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	double v = strtod(s, &end);
	int64_t unit;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		unit = TIME_US_PER_SEC;
	else if (!strcmp(end, "ms"))
		unit = 1000;
	else if (!strcmp(end, "m"))
		unit = 60 * TIME_US_PER_SEC;
	else if (!strcmp(end, "h"))
		unit = 3600 * TIME_US_PER_SEC;
	else if (!strcmp(end, "d"))
		unit = 86400 * TIME_US_PER_SEC;
	else
		return -1;
	if (v < 0 || v > 1e6)
		return -1;
	*us = (int64_t)(v * (double)unit);
	return 0;
}

void time_format_span(int64_t us, char out[TIME_SPAN_LEN])
{
	static const struct {
		const char *name;
		uint64_t us;
	} units[] = {{"d", 86400000000u}, {"h", 3600000000u}, {"m", 60000000u}, {"s", 1000000u}, {"ms", 1000u}};
	/* the magnitude as unsigned: INT64_MIN has no positive int64_t */
	uint64_t left = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
	size_t n = 0, shown = 0;
	out[0] = '\0';
	if (us < 0)
		out[n++] = '-', out[n] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && shown < 2; i++) {
		uint64_t k = left / units[i].us;
		left %= units[i].us;
		if (!k) {
			if (shown) /* "1d 0h 5m" would say less than "1d": the second unit is the next one */
				break;
			continue;
		}
		n += (size_t)snprintf(out + n, TIME_SPAN_LEN - n, "%s%llu%s", shown ? " " : "", (unsigned long long)k,
		                      units[i].name);
		shown++;
	}
	if (!shown)
		snprintf(out, TIME_SPAN_LEN, us && left ? "%s<1ms" : "0s", us < 0 ? "-" : "");
}

void time_to_civil(int64_t us, struct time_civil *c)
{
	int64_t day_us = 86400 * TIME_US_PER_SEC;
	int64_t days = us >= 0 ? us / day_us : -((-us + day_us - 1) / day_us);
	int y;
	civil_from_days(days, &y, &c->month, &c->day);
	c->year = y;
	c->us_of_day = us - days * day_us;
}

unsigned time_days_in_month(int64_t year, unsigned month)
{
	return (unsigned)days_in_month((int)year, month);
}

int64_t time_from_civil(const struct time_civil *c)
{
	unsigned dim = time_days_in_month(c->year, c->month);
	unsigned d = c->day > dim ? dim : c->day;
	return days_from_civil(c->year, c->month, d) * 86400 * TIME_US_PER_SEC + c->us_of_day;
}

int64_t time_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * TIME_US_PER_SEC + ts.tv_nsec / 1000;
}

double time_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
