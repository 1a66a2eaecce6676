#include "detect/datemath.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/timeutil.h"

#define US_MS INT64_C(1000)
#define US_S  TIME_US_PER_SEC
#define US_M  (60 * US_S)
#define US_H  (60 * US_M)
#define US_D  (24 * US_H)
#define US_W  (7 * US_D)

/* The fixed length of a unit, or 0 for the calendar ones (y, M). */
static int64_t unit_us(char unit)
{
	switch (unit) {
	case 'w': return US_W;
	case 'd': return US_D;
	case 'h': return US_H;
	case 'm': return US_M;
	case 's': return US_S;
	case 'u': return US_MS;
	default: return 0;
	}
}

/* Reads a unit at *p: y M w d h H m s ms. */
static int read_unit(const char **p, char *unit)
{
	const char *s = *p;
	if (!strncmp(s, "ms", 2)) {
		*unit = 'u';
		*p += 2;
		return 0;
	}
	if (!*s || !strchr("yMwdhHms", *s))
		return -1;
	*unit = *s == 'H' ? 'h' : *s;
	*p += 1;
	return 0;
}

/* How far an op can move an instant at most: a year as 366 days, a month as 31; a rounding
 * less than one unit. Past the reach allowed, just beyond it (10^7 years would overflow). */
static int64_t op_reach_us(const struct date_math_op *op)
{
	int64_t len = unit_us(op->unit) ? unit_us(op->unit) : op->unit == 'y' ? 366 * US_D : 31 * US_D;
	if (op->op == '/')
		return len;
	return op->amount > DATE_MATH_MAX_REACH_US / len ? DATE_MATH_MAX_REACH_US + 1 : op->amount * len;
}

int date_math_parse(const char *s, struct date_math *m, char *why, size_t whylen)
{
	memset(m, 0, sizeof(*m));
	if (!s || strncmp(s, "now", 3)) {
		snprintf(why, whylen, "date math starts with \"now\"");
		return -1;
	}
	const char *p = s + 3;
	int64_t reach_us = 0; /* of the ops so far, together */
	while (*p) {
		const char *op_text = p;
		if (m->n == DATE_MATH_MAX_OPS) {
			snprintf(why, whylen, "more than %d date math operations", DATE_MATH_MAX_OPS);
			return -1;
		}
		struct date_math_op *op = &m->ops[m->n];
		op->op = *p++;
		if (op->op == '/') {
			if (read_unit(&p, &op->unit)) {
				snprintf(why, whylen, "rounding takes a unit: y, M, w, d, h, m, s");
				return -1;
			}
		} else if (op->op == '+' || op->op == '-') {
			if (!isdigit((unsigned char)*p)) {
				snprintf(why, whylen, "expected a number after '%c'", op->op);
				return -1;
			}
			int64_t n = 0;
			while (isdigit((unsigned char)*p) && n < 10000000)
				n = n * 10 + (*p++ - '0');
			if (isdigit((unsigned char)*p) || read_unit(&p, &op->unit)) {
				snprintf(why, whylen,
				         "expected a number below 10^7 and a unit: y, M, w, d, h, m, s, ms");
				return -1;
			}
			op->amount = n;
		} else {
			snprintf(why, whylen, "unexpected '%c': date math is now, then +N, -N or / with a unit",
			         op->op);
			return -1;
		}
		/* every instant stays far inside int64_t: no step of the arithmetic can overflow */
		if ((reach_us += op_reach_us(op)) > DATE_MATH_MAX_REACH_US) {
			snprintf(why, whylen, "%.*s reaches beyond %d years from now", (int)(p - op_text), op_text,
			         DATE_MATH_MAX_YEARS);
			return -1;
		}
		m->n++;
	}
	return 0;
}

/* Adds months (negative: subtracts) in the calendar; the day is clamped to the month's end. */
static int64_t add_months(int64_t t, int64_t months)
{
	struct time_civil c;
	time_to_civil(t, &c);
	int64_t m0 = c.year * 12 + (c.month - 1) + months;
	c.year = m0 >= 0 ? m0 / 12 : -((-m0 + 11) / 12);
	c.month = (unsigned)(m0 - c.year * 12) + 1;
	return time_from_civil(&c);
}

static int64_t floor_to(int64_t t, int64_t len)
{
	int64_t r = t % len;
	return r < 0 ? t - r - len : t - r;
}

/* The start of the unit that holds t. */
static int64_t start_of(int64_t t, char unit)
{
	struct time_civil c;
	switch (unit) {
	case 'y':
	case 'M':
		time_to_civil(t, &c);
		c.month = unit == 'y' ? 1 : c.month;
		c.day = 1;
		c.us_of_day = 0;
		return time_from_civil(&c);
	case 'w':
		/* 1970-01-01 was a Thursday: Sunday starts are 3 days before the epoch's week */
		return floor_to(t + 4 * US_D, US_W) - 4 * US_D;
	default: return floor_to(t, unit_us(unit));
	}
}

static int64_t next_start(int64_t start, char unit)
{
	return unit == 'y' ? add_months(start, 12) : unit == 'M' ? add_months(start, 1) : start + unit_us(unit);
}

int64_t date_math_apply(const struct date_math *m, int64_t now_us, int round_up)
{
	int64_t t = now_us;
	for (size_t i = 0; i < m->n; i++) {
		const struct date_math_op *op = &m->ops[i];
		if (op->op == '/') {
			int64_t start = start_of(t, op->unit);
			t = round_up ? next_start(start, op->unit) - 1 : start;
			continue;
		}
		int64_t n = op->op == '-' ? -op->amount : op->amount;
		if (op->unit == 'y' || op->unit == 'M')
			t = add_months(t, op->unit == 'y' ? 12 * n : n);
		else
			t += n * unit_us(op->unit);
	}
	return t;
}

void date_math_bounds(const struct date_math *m, int round_up, int64_t *least, int64_t *most)
{
	int64_t lo = 0, hi = 0; /* of now - t */
	for (size_t i = 0; i < m->n; i++) {
		const struct date_math_op *op = &m->ops[i];
		int64_t fixed = unit_us(op->unit);
		int64_t shortest = fixed ? fixed : op->unit == 'y' ? 365 * US_D : 28 * US_D;
		int64_t longest = fixed ? fixed : op->unit == 'y' ? 366 * US_D : 31 * US_D;
		if (op->op == '/') {
			/* rounding moves t back (down) or forward (up) by less than one unit */
			if (round_up)
				lo -= longest;
			else
				hi += longest;
		} else if (op->op == '-') {
			lo += op->amount * shortest;
			hi += op->amount * longest;
		} else {
			lo -= op->amount * longest;
			hi -= op->amount * shortest;
		}
	}
	*least = lo;
	*most = hi;
}
