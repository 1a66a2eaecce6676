#include "common/number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int number_to_int64(double d, int64_t min, int64_t max, int64_t *out)
{
	/* [-2^63, 2^63) are the doubles whose truncation is an int64; NaN fails both tests */
	if (!(d >= -0x1p63 && d < 0x1p63))
		return -1;
	int64_t v = (int64_t)d;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int number_whole_int64(double d, int64_t min, int64_t max, int64_t *out)
{
	if (d != trunc(d))
		return -1; /* a fraction, or NaN */
	return number_to_int64(d, min, max, out);
}

int number_text_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*end == '\0') {
		if (errno || v < min || v > max)
			return -1;
		*out = v;
		return 0;
	}
	if (s[strspn(s, "0123456789+-.eE")] != '\0')
		return -1; /* strtod's hex, inf and nan are not JSON numbers */
	errno = 0;
	double d = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	return number_whole_int64(d, min, max, out);
}
