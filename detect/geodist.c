/* geodist: ST_DISTANCE's metres between two geo_points, as Lucene's SloppyMath reckons them
 * (detect/geodist.h). */
#include "detect/geodist.h"

/* The tables' double-double arithmetic must round each operation alone (GCC's -std=c11 already
 * does not contract a * b + c into one fused operation). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

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

/* double-double: a value as hi + lo, |lo| <= ulp(hi) / 2 */
struct dd {
	double hi, lo;
};

static struct dd dd_quick(double a, double b) /* |a| >= |b| */
{
	double s = a + b;
	return (struct dd){s, b - (s - a)};
}

static struct dd dd_two_sum(double a, double b)
{
	double s = a + b, v = s - a;
	return (struct dd){s, (a - (s - v)) + (b - v)};
}

static struct dd dd_add(struct dd a, struct dd b)
{
	struct dd s = dd_two_sum(a.hi, b.hi), t = dd_two_sum(a.lo, b.lo);
	s.lo += t.hi;
	s = dd_quick(s.hi, s.lo);
	s.lo += t.lo;
	return dd_quick(s.hi, s.lo);
}

static struct dd dd_mul(struct dd a, struct dd b)
{
	double p = a.hi * b.hi, e = fma(a.hi, b.hi, -p);
	e += a.hi * b.lo + a.lo * b.hi;
	return dd_quick(p, e);
}

static struct dd dd_div_d(struct dd a, double b)
{
	double q1 = a.hi / b;
	double p = q1 * b, e = fma(q1, b, -p);
	struct dd r = dd_add(a, (struct dd){-p, -e});
	return dd_quick(q1, r.hi / b);
}

static struct dd dd_div(struct dd a, struct dd b)
{
	double q1 = a.hi / b.hi;
	struct dd r = dd_add(a, dd_mul((struct dd){-q1, 0}, b));
	double q2 = r.hi / b.hi;
	r = dd_add(r, dd_mul((struct dd){-q2, 0}, b));
	double q3 = r.hi / b.hi;
	struct dd q = dd_quick(q1, q2);
	return dd_add(q, (struct dd){q3, 0});
}

/* sin and cos of r, |r| <= pi/4 + a little, by their Taylor series */
static void dd_sincos_small(struct dd r, struct dd *s, struct dd *c)
{
	struct dd r2 = dd_mul(r, r), ts = r, tc = {1, 0};
	*s = r;
	*c = tc;
	for (int k = 1; k <= 16; k++) {
		ts = dd_div_d(dd_mul(ts, r2), -(double)((2 * k) * (2 * k + 1)));
		tc = dd_div_d(dd_mul(tc, r2), -(double)((2 * k - 1) * (2 * k)));
		*s = dd_add(*s, ts);
		*c = dd_add(*c, tc);
	}
}

/* sin and cos of a (0 <= a < 8), reduced by pi/2 in three parts */
static void dd_sincos(struct dd a, struct dd *s, struct dd *c)
{
	/* pi/2 as four doubles of 33, 33, 33 and 53 bits: k times each of the first three is exact */
	const double p1 = 0x1.921fb544p+0, p2 = 0x1.0b4611a6p-34, p3 = 0x1.3198a2ep-69, p4 = 0x1.b839a252049c1p-104;
	int k = (int)floor(a.hi / 1.5707963267948966 + 0.5);
	struct dd r = dd_two_sum(a.hi, -k * p1);
	r = dd_add(r, (struct dd){a.lo, 0});
	r = dd_add(r, (struct dd){-k * p2, 0});
	r = dd_add(r, (struct dd){-k * p3, 0});
	r = dd_add(r, (struct dd){-k * p4, 0});
	struct dd rs, rc;
	dd_sincos_small(r, &rs, &rc);
	switch (k & 3) {
	case 0: *s = rs, *c = rc; break;
	case 1: *s = rc, *c = (struct dd){-rs.hi, -rs.lo}; break;
	case 2: *s = (struct dd){-rs.hi, -rs.lo}, *c = (struct dd){-rc.hi, -rc.lo}; break;
	default: *s = (struct dd){-rc.hi, -rc.lo}, *c = rs; break;
	}
}

/* asin of x in [0, 1): Newton's step on sin(y) = x from the C library's asin */
static double dd_asin(double x)
{
	struct dd y = {asin(x), 0};
	for (int i = 0; i < 2; i++) {
		struct dd s, c;
		dd_sincos(y, &s, &c);
		y = dd_add(y, dd_div(dd_add((struct dd){x, 0}, (struct dd){-s.hi, -s.lo}), c));
	}
	return y.hi;
}

/* Where fdlibm (Java's StrictMath, which fills Lucene's tables) rounds sin, cos and asin of a
 * table's argument to the double next to the correctly rounded one: each entry's index,
 * negative when fdlibm's is the one nearer zero. Found by running StrictMath over every
 * argument the tables take and comparing with the values above (checked against 60-digit
 * decimal arithmetic): 161 of the 4,098 sine and cosine entries, 459 of the 8,193 arcsine. */
static const int16_t sin_fix[] = {
    18,    54,    146,   159,   -163,  -170,  209,   231,  257,   -271,  278,  287,   -288,  -298,  300,   -305,  317,
    329,   371,   386,   388,   -389,  -594,  -637,  -657, 687,   -697,  707,  -721,  -739,  -741,  -743,  -745,  -751,
    -762,  -769,  -774,  -777,  -779,  781,   -806,  -812, 847,   881,   885,  -908,  951,   -1136, -1149, -1159, 1167,
    1175,  -1186, -1202, -1227, -1239, -1288, -1346, 1352, -1358, 1405,  1589, -1602, 1611,  -1636, -1682, -1699, 1717,
    -1719, 1755,  1756,  -1757, 1767,  -1777, -1785, 1791, -1830, -1855, 1902, 1905,  -1945, -1949, -1958};
static const int16_t cos_fix[] = {
    -123,  -147, 167,   -172,  -173,  186,   199,   228,   -231, -235,  -242,  -253, 272,   278,   338,   -394,
    449,   651,  658,   668,   -688,  -771,  -777,  781,   -782, 783,   -789,  792,  -793,  823,   -854,  -879,
    -934,  943,  -954,  964,   -972,  -1126, 1149,  -1190, 1191, -1201, -1204, 1218, -1239, 1255,  -1258, 1261,
    -1295, 1376, -1431, -1438, 1485,  1498,  1582,  -1698, 1714, -1722, -1726, 1754, 1767,  -1780, -1781, -1786,
    1791,  1798, 1813,  1815,  -1824, -1826, -1831, -1844, 1850, 1862,  1876,  1910, 1911,  -1946};
static const int16_t asin_fix[] = {
    -1461, -1664, 1692,  2096,  -2220, -2307, -2420, -2580, 2612,  -2712, -2725, -2801, -2824, -2885, 2917,  3016,
    3062,  3168,  -3186, -3210, -3242, 3280,  3303,  -3358, -3363, -3370, -3382, 3417,  -3431, 3433,  -3489, -3548,
    -3556, 3645,  3672,  -3705, 3706,  -3711, -3715, 3720,  3752,  3782,  -3785, 3789,  3831,  3843,  3886,  3898,
    3934,  3945,  -3953, 3956,  4024,  -4032, 4039,  -4052, 4121,  4138,  4185,  -4292, -4293, -4302, -4303, 4308,
    4312,  4315,  4318,  -4324, 4327,  4331,  -4338, 4341,  -4350, -4356, -4374, -4380, -4391, -4402, -4419, 4420,
    4421,  -4440, -4441, -4456, -4460, 4463,  4464,  -4469, 4473,  -4479, -4488, 4520,  4528,  4531,  -4533, -4534,
    4535,  4544,  4559,  -4569, 4573,  -4591, 4617,  -4620, 4628,  4633,  -4648, 4655,  -4656, 4662,  4663,  4668,
    -4670, -4672, 4673,  -4679, -4680, -4692, 4695,  -4697, 4708,  -4710, -4723, -4725, -4731, 4747,  -4751, -4763,
    4777,  -4781, -4786, -4793, -4797, 4803,  -4812, -4822, 4823,  4826,  -4829, -4831, 4841,  4843,  4849,  -4850,
    -4851, -4852, -4860, -4877, -4879, 4890,  -4899, 4903,  -4911, 4913,  4925,  -4929, 4944,  4952,  4957,  -4967,
    -4974, 4977,  4986,  4995,  -4996, -5025, -5031, 5039,  -5044, 5048,  -5060, 5062,  5063,  5066,  -5067, 5073,
    -5083, 5087,  5089,  5095,  -5099, 5102,  5104,  -5105, -5106, 5116,  -5118, 5126,  -5141, -5146, -5151, -5169,
    5176,  5177,  -5181, 5184,  5186,  5202,  5210,  -5216, -5223, -5236, -5237, -5239, 5249,  5264,  -5271, 5282,
    5290,  5308,  5309,  -5320, 5327,  -5330, -5335, -5356, 5373,  -5376, -5377, 5380,  -5391, -5403, -5409, 5412,
    5424,  -5429, -5442, 5460,  5473,  -5479, -5483, -5500, 5516,  5523,  5535,  5567,  5600,  -5606, -5609, -5616,
    -5625, -5628, -5645, -5671, -5724, 5728,  -5748, 5779,  -5831, 5846,  5857,  -5867, -5891, -5920, 5988,  -6121,
    6123,  -6133, -6149, -6173, 6197,  6203,  -6263, 6266,  6273,  6299,  -6342, 6361,  -6369, 6398,  -6423, -6441,
    6479,  -6491, -6507, -6516, 6541,  6671,  -6681, 6685,  -6686, -6688, -6694, 6695,  6701,  -6713, -6732, 6777,
    6789,  -6798, 6804,  6819,  6822,  -6827, 6828,  6831,  -6833, -6836, 6841,  -6847, 6865,  -6884, -6895, -6903,
    -6906, 6909,  6910,  -6913, 6915,  6929,  6931,  6944,  -6952, 6967,  6988,  -6994, 7002,  7009,  -7013, -7015,
    7019,  7022,  7035,  7043,  7048,  -7057, -7073, 7079,  7080,  7084,  7086,  7088,  7107,  7108,  7109,  7112,
    -7135, 7137,  7139,  7141,  -7142, 7167,  7172,  7218,  7230,  -7233, 7241,  -7299, 7300,  7305,  -7316, 7318,
    7320,  -7325, 7327,  -7328, 7338,  -7343, -7349, -7358, 7361,  7369,  7371,  -7372, 7374,  7379,  7389,  -7394,
    7403,  7417,  -7427, -7429, -7444, -7447, -7463, 7469,  -7470, -7475, -7485, -7498, -7501, 7503,  -7507, -7509,
    7513,  7519,  7527,  7544,  -7559, 7565,  -7575, 7585,  -7634, 7637,  7647,  7655,  7658,  7669,  -7687, 7690,
    -7695, 7702,  -7710, 7713,  -7714, 7718,  -7743, 7751,  -7755, -7779, 7800,  7806,  7816,  -7818, 7826,  7829,
    -7837, -7849, -7852, 7859,  -7866, -7870, -7885, 7895,  7899,  -7908, 7914,  7926,  -7932, -7933, 7934,  7946,
    -7956, -7958, -7962, -7977, -7984, -7995, 8003,  -8016, -8038, -8050, -8056, 8071,  8075,  8076,  8079,  -8080,
    -8118, 8123,  -8127, 8132,  -8138, 8139,  8146,  8147,  8160,  -8168, -8175};

/* Moves v one double away from zero (up) or towards it. */
static double next_double(double v, int up)
{
	uint64_t b;
	memcpy(&b, &v, sizeof(b));
	b = up ? b + 1 : b - 1;
	memcpy(&v, &b, sizeof(v));
	return v;
}

static void apply_fixes(double *tab, const int16_t *fix, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tab[fix[i] < 0 ? -fix[i] : fix[i]] = next_double(tab[fix[i] < 0 ? -fix[i] : fix[i]], fix[i] > 0);
}

static struct {
	double sin_tab[SIN_COS_TABS], cos_tab[SIN_COS_TABS];
	double delta_hi, delta_lo, indexer, max_for_modulo;
	double asin_tab[ASIN_TABS], der1[ASIN_TABS], der2[ASIN_TABS], der3[ASIN_TABS], der4[ASIN_TABS];
	double asin_max, asin_delta, asin_indexer;
} t;

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* SloppyMath's static initializer, step by step, StrictMath's values as above. */
static void tables_init(void)
{
	double pio2_hi = bits_double(0x3FF921FB54400000ULL), pio2_lo = bits_double(0x3DD0B4611A626331ULL);
	t.delta_hi = 4 * pio2_hi / (SIN_COS_TABS - 1);
	t.delta_lo = 4 * pio2_lo / (SIN_COS_TABS - 1);
	t.indexer = 1 / (t.delta_hi + t.delta_lo);
	t.max_for_modulo = ((INT32_MAX >> 9) / t.indexer) * 0.99;
	for (int i = 0; i < SIN_COS_TABS; i++) {
		struct dd sn, cs;
		dd_sincos((struct dd){i * t.delta_hi + i * t.delta_lo, 0}, &sn, &cs);
		t.sin_tab[i] = sn.hi;
		t.cos_tab[i] = cs.hi;
	}
	apply_fixes(t.sin_tab, sin_fix, sizeof(sin_fix) / sizeof(sin_fix[0]));
	apply_fixes(t.cos_tab, cos_fix, sizeof(cos_fix) / sizeof(cos_fix[0]));
	int pi = (SIN_COS_TABS - 1) / 2; /* exact zeros where sine or cosine is null */
	t.sin_tab[pi] = t.sin_tab[2 * pi] = 0.0;
	t.cos_tab[pi / 2] = t.cos_tab[3 * pi / 2] = 0.0;
	struct dd sn, cs;
	dd_sincos((struct dd){73.0 * DEG_TO_RAD, 0}, &sn, &cs);
	t.asin_max = sn.hi; /* StrictMath.sin(Math.toRadians(73.0)), which fdlibm rounds so too */
	t.asin_delta = t.asin_max / (ASIN_TABS - 1);
	t.asin_indexer = 1 / t.asin_delta;
	for (int i = 0; i < ASIN_TABS; i++) {
		double x = i * t.asin_delta;
		t.asin_tab[i] = dd_asin(x);
		double inv = 1.0 / (1 - x * x), inv05 = sqrt(inv), inv15 = inv05 * inv, inv25 = inv15 * inv,
		       inv35 = inv25 * inv;
		t.der1[i] = inv05;
		t.der2[i] = (x * inv15) * (1 / 2.0);
		t.der3[i] = ((1 + 2 * x * x) * inv25) * (1 / 6.0);
		t.der4[i] = ((5 + 2 * x * (2 + x * (5 - 2 * x))) * inv35) * (1 / 24.0);
	}
	apply_fixes(t.asin_tab, asin_fix, sizeof(asin_fix) / sizeof(asin_fix[0]));
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
