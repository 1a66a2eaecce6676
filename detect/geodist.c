/* geodist: ST_DISTANCE's metres between two geo_points, as Lucene's SloppyMath reckons them
 * (detect/geodist.h). */
#include "detect/geodist.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* Java's Math.toRadians (JDK 9 and later): the degrees times this double. */
#define DEG_TO_RAD 0.017453292519943295
/* SloppyMath.TO_METERS: the earth's mean radius */
#define EARTH_METERS 6371008.7714

#define SIN_COS_TABS 2049 /* (1 << 11) + 1 */
#define ASIN_TABS    8193 /* (1 << 13) + 1 */

static double bits_double(uint64_t b)
{
	double d;
	memcpy(&d, &b, sizeof(d));
	return d;
}

static struct {
	double sin_tab[SIN_COS_TABS], cos_tab[SIN_COS_TABS];
	double delta_hi, delta_lo, indexer, max_for_modulo;
	double asin_tab[ASIN_TABS], der1[ASIN_TABS], der2[ASIN_TABS], der3[ASIN_TABS], der4[ASIN_TABS];
	double asin_max, asin_delta, asin_indexer;
} t;

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* SloppyMath's static initializer, step by step. */
static void tables_init(void)
{
	double pio2_hi = bits_double(0x3FF921FB54400000ULL), pio2_lo = bits_double(0x3DD0B4611A626331ULL);
	t.delta_hi = 4 * pio2_hi / (SIN_COS_TABS - 1);
	t.delta_lo = 4 * pio2_lo / (SIN_COS_TABS - 1);
	t.indexer = 1 / (t.delta_hi + t.delta_lo);
	t.max_for_modulo = ((INT32_MAX >> 9) / t.indexer) * 0.99;
	int pi = (SIN_COS_TABS - 1) / 2;
	for (int i = 0; i < SIN_COS_TABS; i++) {
		double angle = i * t.delta_hi + i * t.delta_lo;
		double s = sin(angle), c = cos(angle);
		if (i == pi || i == 2 * pi) /* exact zeros where sine or cosine is null */
			s = 0.0;
		else if (i == pi / 2 || i == 3 * pi / 2)
			c = 0.0;
		t.sin_tab[i] = s;
		t.cos_tab[i] = c;
	}
	t.asin_max = sin(73.0 * DEG_TO_RAD);
	t.asin_delta = t.asin_max / (ASIN_TABS - 1);
	t.asin_indexer = 1 / t.asin_delta;
	for (int i = 0; i < ASIN_TABS; i++) {
		double x = i * t.asin_delta;
		t.asin_tab[i] = asin(x);
		double inv = 1.0 / (1 - x * x), inv05 = sqrt(inv), inv15 = inv05 * inv, inv25 = inv15 * inv,
		       inv35 = inv25 * inv;
		t.der1[i] = inv05;
		t.der2[i] = (x * inv15) * (1 / 2.0);
		t.der3[i] = ((1 + 2 * x * x) * inv25) * (1 / 6.0);
		t.der4[i] = ((5 + 2 * x * (2 + x * (5 - 2 * x))) * inv35) * (1 / 24.0);
	}
}

/* SloppyMath.cos: the table's nearest entry and four Taylor terms. */
static double sloppy_cos(double a)
{
	if (a < 0.0)
		a = -a;
	if (a > t.max_for_modulo)
		return cos(a);
	int index = (int)(a * t.indexer + 0.5);
	double delta = (a - index * t.delta_hi) - index * t.delta_lo;
	index &= SIN_COS_TABS - 2;
	double c = t.cos_tab[index], s = t.sin_tab[index];
	return c + delta * (-s + delta * (-c * (1 / 2.0) + delta * (s * (1 / 6.0) + delta * c * (1 / 24.0))));
}

/* SloppyMath.asin: the table below sin(73°), fdlibm's rational approximation above. */
static double sloppy_asin(double a)
{
	int negate = a < 0.0;
	if (negate)
		a = -a;
	double r;
	if (a <= t.asin_max) {
		int i = (int)(a * t.asin_indexer + 0.5);
		double delta = a - i * t.asin_delta;
		r = t.asin_tab[i] + delta * (t.der1[i] + delta * (t.der2[i] + delta * (t.der3[i] + delta * t.der4[i])));
	} else if (a < 1.0) {
		const double ps0 = bits_double(0x3fc5555555555555ULL), ps1 = bits_double(0xbfd4d61203eb6f7dULL),
		             ps2 = bits_double(0x3fc9c1550e884455ULL), ps3 = bits_double(0xbfa48228b5688f3bULL),
		             ps4 = bits_double(0x3f49efe07501b288ULL), ps5 = bits_double(0x3f023de10dfdf709ULL),
		             qs1 = bits_double(0xc0033a271c8a2d4bULL), qs2 = bits_double(0x40002ae59c598ac8ULL),
		             qs3 = bits_double(0xbfe6066c1b8d0159ULL), qs4 = bits_double(0x3fb3b8c5b12e9282ULL);
		double x = (1.0 - a) * 0.5;
		double p = x * (ps0 + x * (ps1 + x * (ps2 + x * (ps3 + x * (ps4 + x * ps5)))));
		double q = 1.0 + x * (qs1 + x * (qs2 + x * (qs3 + x * qs4)));
		double s = sqrt(x), z = s + s * (p / q);
		r = bits_double(0x3FF921FB54442D18ULL) - ((z + z) - bits_double(0x3C91A62633145C07ULL));
	} else if (a == 1.0) {
		r = bits_double(0x3FF921FB54442D18ULL); /* Math.PI / 2 */
	} else {
		return NAN;
	}
	return negate ? -r : r;
}

/* GeoUtils.quantizeLat/quantizeLon: GeoEncodingUtils' 32-bit cell (rounding down) and back;
 * -1 when out of range (checkLatitude, checkLongitude). */
static int quantize(double v, double limit, double *out)
{
	if (!(v >= -limit && v <= limit))
		return -1;
	double decode = 1 / (4294967296.0 / (2 * limit));
	if (v == limit) /* the maximum cannot be encoded without overflow */
		v = nextafter(v, 0);
	*out = (int32_t)floor(v / decode) * decode;
	return 0;
}

double geodist_meters(double lon1, double lat1, double lon2, double lat2)
{
	double y1, x1, y2, x2;
	if (quantize(lat1, 90, &y1) || quantize(lon1, 180, &x1) || quantize(lat2, 90, &y2) || quantize(lon2, 180, &x2))
		return -1;
	pthread_once(&tables_once, tables_init);
	/* SloppyMath.haversinSortKey */
	double r1 = y1 * DEG_TO_RAD, r2 = y2 * DEG_TO_RAD;
	double h1 = 1 - sloppy_cos(r1 - r2);
	double h2 = 1 - sloppy_cos((x1 - x2) * DEG_TO_RAD);
	double h = h1 + sloppy_cos(r1) * sloppy_cos(r2) * h2;
	uint64_t b;
	memcpy(&b, &h, sizeof(b));
	b &= 0xFFFFFFFFFFFFFFF8ULL; /* "clobber crazy precision so subsequent rounding does not create ties" */
	memcpy(&h, &b, sizeof(h));
	/* SloppyMath.haversinMeters(sortKey) */
	double root = sqrt(h * 0.5);
	return EARTH_METERS * 2 * sloppy_asin(root < 1 ? root : 1);
}
