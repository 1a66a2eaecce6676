/* numeric: Elasticsearch's stored precision of float, half_float and scaled_float fields
 * (detect/numeric.h). */
#include "detect/numeric.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

size_t numeric_type_name_len(const char *type)
{
	return strcspn(type, " ");
}

struct numeric_type numeric_type_named(const char *text)
{
	struct numeric_type t = {.kind = NUMERIC_NONE};
	size_t len = numeric_type_name_len(text);
	char *type = xstrndup(text, len);
	if (!strcmp(type, "float"))
		t.kind = NUMERIC_FLOAT;
	else if (!strcmp(type, "half_float"))
		t.kind = NUMERIC_HALF_FLOAT;
	else if (!strcmp(type, "double"))
		t.kind = NUMERIC_DOUBLE;
	else if (!strcmp(type, "long"))
		t.kind = NUMERIC_LONG;
	else if (!strcmp(type, "integer"))
		t.kind = NUMERIC_INTEGER;
	else if (!strcmp(type, "short"))
		t.kind = NUMERIC_SHORT;
	else if (!strcmp(type, "byte"))
		t.kind = NUMERIC_BYTE;
	else if (!strcmp(type, "unsigned_long"))
		t.kind = NUMERIC_UNSIGNED_LONG;
	else if (!strcmp(type, "geo_point"))
		t.geo_point = 1;
	else if (!strcmp(type, "version"))
		t.version = 1;
	else if (!strncmp(type, "scaled_float(", 13)) {
		char *end;
		double f = strtod(type + 13, &end);
		if (end != type + 13 && !strcmp(end, ")") && isfinite(f) && f > 0)
			t = (struct numeric_type){.kind = NUMERIC_SCALED_FLOAT, .scaling_factor = f};
	}
	free(type);
	for (const char *p = text + len; *p == ' ';) {
		p++;
		size_t n = strcspn(p, " ");
		if (n == 12 && !strncmp(p, "coerce=false", n))
			t.no_coerce = 1;
		else if (n == 5 && !strncmp(p, "multi", n))
			t.multi = 1;
		else if (n == 20 && !strncmp(p, "normalizer=lowercase", n))
			t.lowercase = 1;
		else if (n > 13 && !strncmp(p, "ignore_above=", 13))
			t.ignores = 1, t.ignore_above = strtol(p + 13, NULL, 10);
		p += n;
	}
	return t;
}

char *numeric_type_text(const cJSON *def, int multi)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "type"));
	if (!type)
		return NULL;
	char text[64];
	const char *name = type;
	if (!strcmp(type, "scaled_float")) { /* its factor, a number or a string of one */
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(def, "scaling_factor");
		double factor = cJSON_IsNumber(f)   ? f->valuedouble
		                : cJSON_IsString(f) ? strtod(f->valuestring, NULL)
		                                    : 0;
		if (!numeric_scaled_type_text(factor, text, sizeof(text)))
			name = text;
	}
	/* coerce as Elasticsearch reads a boolean parameter: false or "false" */
	const cJSON *coerce = cJSON_GetObjectItemCaseSensitive(def, "coerce");
	int no_coerce = cJSON_IsFalse(coerce) || (cJSON_IsString(coerce) && !strcmp(coerce->valuestring, "false"));
	const char *normalizer = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "normalizer"));
	/* ignore_above, a number or a string of one, from 0 to Integer.MAX_VALUE */
	const cJSON *ia = cJSON_GetObjectItemCaseSensitive(def, "ignore_above");
	double above = cJSON_IsNumber(ia) ? ia->valuedouble : cJSON_IsString(ia) ? strtod(ia->valuestring, NULL) : -1;
	char above_text[32] = "";
	if (above >= 0 && above <= 2147483647.0)
		snprintf(above_text, sizeof(above_text), " ignore_above=%ld", (long)above);
	size_t len = strlen(name) + 96;
	char *out = xmalloc(len);
	snprintf(out, len, "%s%s%s%s%s", name, no_coerce ? " coerce=false" : "", multi ? " multi" : "",
	         normalizer && !strcmp(normalizer, "lowercase") ? " normalizer=lowercase" : "", above_text);
	return out;
}

int numeric_scaled_type_text(double factor, char *out, size_t len)
{
	if (!isfinite(factor) || factor <= 0)
		return -1;
	char num[32];
	if (factor == floor(factor) && factor < 1e17) /* a whole number as one: 100, not 1e+02 */
		snprintf(num, sizeof(num), "%.0f", factor);
	else
		for (int digits = 1; digits <= 17; digits++) { /* the shortest text that reads back */
			snprintf(num, sizeof(num), "%.*g", digits, factor);
			if (strtod(num, NULL) == factor)
				break;
		}
	snprintf(out, len, "scaled_float(%s)", num);
	return 0;
}

/* Halfway between FLT_MAX and 2^128: a double this large or larger rounds to an infinity as a
 * float (FLT_MAX's last bit is odd, so the tie goes up). */
#define FLOAT_OVERFLOW ((2.0 - 0x1p-24) * 0x1p127)

/* The nearest float; converting a double out of the float's range is left undefined by C, so
 * that case is decided here. */
static float to_float(double v)
{
	if (fabs(v) >= FLOAT_OVERFLOW)
		return v > 0 ? INFINITY : -INFINITY;
	return (float)v;
}

double numeric_float(double v)
{
	return to_float(v);
}

/* i / 2^shift rounded to the nearest integer, ties to even (shift 1-31). */
static uint32_t shift_to_nearest_even(uint32_t i, unsigned shift)
{
	uint32_t q = i >> shift, rem = i & ((UINT32_C(1) << shift) - 1), half = UINT32_C(1) << (shift - 1);
	if (rem > half || (rem == half && (q & 1)))
		q++;
	return q;
}

/* A float's bits as a half float's (1 sign, 5 exponent, 10 fraction bits). A float's own
 * subnormals are far below half of the smallest half subnormal: zero. A carry out of the
 * fraction goes into the exponent, and out of the largest exponent to the infinity. */
static uint16_t half_bits(float f)
{
	uint32_t b;
	memcpy(&b, &f, sizeof(b));
	uint32_t sign = (b >> 16) & 0x8000, exp = (b >> 23) & 0xff, frac = b & 0x7fffff;
	if (exp == 0xff) /* infinity, NaN */
		return (uint16_t)(sign | 0x7c00 | (frac ? 0x200 : 0));
	if (exp == 0)
		return (uint16_t)sign;
	int e = (int)exp - 127 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) { /* a half subnormal: the fraction with its leading 1, shifted further */
		unsigned shift = (unsigned)(14 - e);
		return (uint16_t)(sign | (shift >= 32 ? 0 : shift_to_nearest_even(frac | 0x800000, shift)));
	}
	return (uint16_t)(sign | shift_to_nearest_even(((uint32_t)e << 23) | frac, 13));
}

static double half_value(uint16_t h)
{
	int exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
	double v = exp == 0x1f ? (frac ? NAN : INFINITY) : exp ? ldexp(frac | 0x400, exp - 25) : ldexp(frac, -24);
	return h & 0x8000 ? -v : v;
}

double numeric_half_float(double v)
{
	return half_value(half_bits(to_float(v)));
}

/* Java's Math.round: the nearest long, ties towards positive infinity; NaN 0, and past the
 * long's range its end. x - floor(x) rounds exactly where it matters: 0.5 is a double. */
static int64_t java_round(double x)
{
	if (isnan(x))
		return 0;
	if (x >= 0x1p63)
		return INT64_MAX;
	if (x <= -0x1p63)
		return INT64_MIN;
	double f = floor(x);
	if (x - f >= 0.5)
		f += 1;
	return (int64_t)f;
}

double numeric_scaled_float(double v, double scaling_factor)
{
	if (!isfinite(v))
		return v;
	return (double)java_round(v * scaling_factor) / scaling_factor;
}

int numeric_stored(struct numeric_type t, double v, double *out)
{
	double d = v;
	switch (t.kind) {
	case NUMERIC_FLOAT: d = numeric_float(v); break;
	case NUMERIC_HALF_FLOAT: d = numeric_half_float(v); break;
	case NUMERIC_SCALED_FLOAT: d = numeric_scaled_float(v, t.scaling_factor); break;
	case NUMERIC_LONG:
	case NUMERIC_INTEGER:
	case NUMERIC_SHORT:
	case NUMERIC_BYTE: {
		int64_t i;
		if (numeric_whole(t, v, &i))
			return -1;
		d = (double)i;
		break;
	}
	case NUMERIC_UNSIGNED_LONG: {
		uint64_t u;
		if (numeric_unsigned(t, v, &u))
			return -1;
		d = (double)u;
		break;
	}
	case NUMERIC_DOUBLE:
	case NUMERIC_NONE: break;
	}
	if (!isfinite(d))
		return -1;
	*out = d;
	return 0;
}

/* Whether only blanks follow: Java's String.trim drops every character up to the space, and
 * its number syntax allows a type suffix (1.5f, 2d). */
static int only_blanks(const char *end, const char *start)
{
	if (end == start)
		return 0;
	if (*end == 'f' || *end == 'F' || *end == 'd' || *end == 'D')
		end++;
	while (*end && (unsigned char)*end <= ' ')
		end++;
	return !*end;
}

int numeric_stored_text(struct numeric_type t, const char *s, double *out)
{
	if (t.no_coerce)
		return -1; /* without coerce a string is refused */
	if (t.kind == NUMERIC_UNSIGNED_LONG) {
		uint64_t u;
		if (numeric_unsigned_text(t, s, &u))
			return -1;
		*out = (double)u;
		return 0;
	}
	if (numeric_is_whole(t)) {
		int64_t i;
		if (numeric_whole_text(t, s, &i))
			return -1;
		*out = (double)i;
		return 0;
	}
	while (*s && (unsigned char)*s <= ' ')
		s++;
	char *end;
	if (t.kind == NUMERIC_FLOAT || t.kind == NUMERIC_HALF_FLOAT) {
		float f = strtof(s, &end); /* the decimal to the nearest float at once, as Java does */
		if (!only_blanks(end, s) || !isfinite(f))
			return -1;
		*out = t.kind == NUMERIC_FLOAT ? (double)f : half_value(half_bits(f));
		return isfinite(*out) ? 0 : -1;
	}
	double d = strtod(s, &end);
	if (!only_blanks(end, s))
		return -1;
	return numeric_stored(t, d, out);
}

int numeric_is_whole(struct numeric_type t)
{
	return t.kind == NUMERIC_LONG || t.kind == NUMERIC_INTEGER || t.kind == NUMERIC_SHORT || t.kind == NUMERIC_BYTE;
}

/* The type's range (a long's as doubles: Jackson's MIN_LONG_D and MAX_LONG_D, 2^63). */
static void whole_range(struct numeric_type t, double *lo, double *hi)
{
	switch (t.kind) {
	case NUMERIC_INTEGER: *lo = -2147483648.0, *hi = 2147483647.0; break;
	case NUMERIC_SHORT: *lo = -32768.0, *hi = 32767.0; break;
	case NUMERIC_BYTE: *lo = -128.0, *hi = 127.0; break;
	default: *lo = -0x1p63, *hi = 0x1p63; break;
	}
}

int numeric_whole(struct numeric_type t, double v, int64_t *out)
{
	/* a long's value within the long's range, any other's within the int's (getIntValue);
	 * truncated; a short's or a byte's then within its own (NumberType.SHORT/BYTE.parse) */
	double lo, hi;
	whole_range(
	    (struct numeric_type){.kind = t.kind == NUMERIC_LONG ? NUMERIC_LONG : NUMERIC_INTEGER, .scaling_factor = 0},
	    &lo, &hi);
	if (!numeric_is_whole(t) || isnan(v) || v < lo || v > hi)
		return -1;
	double w = trunc(v);
	if (t.no_coerce && w != v) /* NumberType.parse: "Value [3.5] has a decimal part" */
		return -1;
	whole_range(t, &lo, &hi);
	if (t.kind != NUMERIC_LONG && (w < lo || w > hi))
		return -1;
	*out = w >= 0x1p63 ? INT64_MAX : (int64_t)w; /* Java's (long) saturates at 2^63 */
	return 0;
}

int numeric_whole_text(struct numeric_type t, const char *s, int64_t *out)
{
	if (!numeric_is_whole(t) || t.no_coerce) /* without coerce a string is refused */
		return -1;
	char *end;
	if (t.kind == NUMERIC_LONG) {
		/* Long.parseLong, else a BigDecimal (no blanks) strictly between MIN - 1 and MAX + 1,
		 * truncated; a decimal far past 2^53 is read at a double's precision */
		if (!*s || isspace((unsigned char)*s))
			return -1;
		errno = 0;
		long long whole = strtoll(s, &end, 10);
		if (!*end && errno != ERANGE) {
			*out = whole;
			return 0;
		}
		double d = strtod(s, &end);
		if (*end || isalpha((unsigned char)s[strspn(s, "+-")]) || strpbrk(s, "xX"))
			return -1; /* not BigDecimal's: inf, nan, hexadecimal */
		return numeric_whole(t, d, out);
	}
	while (*s && (unsigned char)*s <= ' ') /* Double.parseDouble, then the range, then (int) */
		s++;
	double d = strtod(s, &end);
	if (!only_blanks(end, s) || !isfinite(d))
		return -1;
	return numeric_whole(t, d, out);
}

int numeric_stored_json(struct numeric_type t, const cJSON *v, double *out)
{
	if (cJSON_IsNumber(v))
		return numeric_stored(t, v->valuedouble, out);
	if (cJSON_IsString(v))
		return numeric_stored_text(t, v->valuestring, out);
	return -1;
}

int numeric_unsigned(struct numeric_type t, double v, uint64_t *out)
{
	/* UnsignedLongFieldMapper: from 0 to 2^64 - 1, a decimal truncated (coerce) or refused */
	if (t.kind != NUMERIC_UNSIGNED_LONG || isnan(v) || v < 0 || v >= 0x1p64)
		return -1;
	double w = trunc(v);
	if (t.no_coerce && w != v)
		return -1;
	*out = (uint64_t)w;
	return 0;
}

int numeric_unsigned_text(struct numeric_type t, const char *s, uint64_t *out)
{
	if (t.kind != NUMERIC_UNSIGNED_LONG || t.no_coerce || !*s || isspace((unsigned char)*s) || *s == '-')
		return -1;
	char *end;
	errno = 0;
	unsigned long long whole = strtoull(s, &end, 10);
	if (!*end && errno != ERANGE && isdigit((unsigned char)s[*s == '+'])) {
		*out = whole;
		return 0;
	}
	double d = strtod(s, &end);
	if (*end || isalpha((unsigned char)s[strspn(s, "+-")]) || strpbrk(s, "xX"))
		return -1;
	return numeric_unsigned(t, d, out);
}
