/* datemath: Kibana's date math for a rule's "from" and "to" (@kbn/datemath, as the detection
 * engine applies it at each execution): "now" followed by any of +N<unit>, -N<unit> and
 * /<unit> (rounding), units y M w d h H m s ms. Years and months are calendar steps (a day past
 * the month's end is clamped, as moment does); rounding is down for "from" and up to the last
 * microsecond of the unit for "to" (Kibana parses "to" with roundUp); weeks start on Sunday
 * (moment's default locale). Everything is in UTC. */
#ifndef CASEBOOK_DATEMATH_H
#define CASEBOOK_DATEMATH_H

#include <stddef.h>
#include <stdint.h>

#define DATE_MATH_MAX_OPS 8
/* How far date math may reach from now, all its steps together (a year counted as 366 days):
 * beyond the years 0001-9999 an event can have, and far inside int64_t microseconds. */
#define DATE_MATH_MAX_YEARS    10000
#define DATE_MATH_MAX_REACH_US ((int64_t)DATE_MATH_MAX_YEARS * 366 * 86400 * 1000000)

struct date_math {
	size_t n;
	struct date_math_op {
		char op; /* '+', '-' or '/' */
		int64_t amount;
		char unit; /* y M w d h m s, or 'u' for ms (kept in microseconds) */
	} ops[DATE_MATH_MAX_OPS];
};

/* Parses s. Returns 0, or -1 with the reason in why (a step it cannot read, or steps that
 * together reach beyond DATE_MATH_MAX_YEARS from now). */
int date_math_parse(const char *s, struct date_math *m, char *why, size_t whylen);
/* The instant m names when now is now_us; round_up for "to". */
int64_t date_math_apply(const struct date_math *m, int64_t now_us, int round_up);
/* Bounds of now - apply(now) over every now: *least and *most (equal when only fixed-length
 * steps are used). */
void date_math_bounds(const struct date_math *m, int round_up, int64_t *least, int64_t *most);

#endif
