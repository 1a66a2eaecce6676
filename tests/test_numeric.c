/* Numbers at the precision Elasticsearch stores a field mapped float, half_float or
 * scaled_float, as ES|QL reads them back (detect/numeric.h). Each answer is from Elasticsearch
 * or Lucene: floats.csv-spec (2.03 reads as 2.0299999713897705 in a float field, 2.029296875 in
 * a half_float), the mapper tests' out-of-range values (65520 is not a finite half_float,
 * 3.4028235E39 not a finite float), issue #122547 (0.3 in a scaled_float of factor 10 reads as
 * 0.3), Lucene's HalfFloatPoint (ties to even, subnormals) and Java's Math.round (ties up). */
#include "tests/testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect/numeric.h"

/* Whether two doubles are the same double (an infinity equals itself; -0.0 is not 0.0). */
static int same(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

static const struct {
	double in, want;
} floats[] = {
    {1.1, 1.100000023841858},              /* the example */
    {2.03, 2.0299999713897705},            /* floats.csv-spec */
    {0.1, 0.10000000149011612},            /* */
    {16777217, 16777216},                  /* 2^24 + 1: the tie goes to the even 2^24 */
    {16777219, 16777220},                  /* and up to the even one */
    {3.4028235e38, 3.4028234663852886e38}, /* FLT_MAX as Java writes it */
    {3.4028235e39, INFINITY},              /* the mapper tests' out-of-range float */
    {-3.4028235e39, -INFINITY},            /* */
    {1e-45, 1.401298464324817e-45},        /* the smallest float subnormal */
    {1e-46, 0},                            /* below half of it */
    {-2.5, -2.5},                          /* exact values stay */
};

static const struct {
	double in, want;
} halves[] = {
    {1.1, 1.099609375},           /* */
    {2.03, 2.029296875},          /* floats.csv-spec */
    {0.1, 0.0999755859375},       /* */
    {65504, 65504},               /* the largest half float */
    {65519, 65504},               /* below the halfway point to 2^16 */
    {65520, INFINITY},            /* the halfway point: ties to even, 2^16: refused by ES */
    {-65520, -INFINITY},          /* */
    {2049, 2048},                 /* ties to even: down */
    {2051, 2052},                 /* ties to even: up */
    {0x1p-24, 0x1p-24},           /* the smallest subnormal */
    {0x1p-25, 0},                 /* half of it: ties to even, zero */
    {0x3p-26, 0x1p-24},           /* three quarters of it: up */
    {1e-7, 0x2p-24},              /* a subnormal, rounded */
    {0x1p-14 - 0x1p-25, 0x1p-14}, /* halfway below the smallest normal: carries into it */
    {1e-10, 0},                   /* far below: zero */
    {1e-45, 0},                   /* a float subnormal: zero */
    {-1.5, -1.5},                 /* */
};

static const struct {
	double in, factor, want;
} scaled[] = {
    {2.03, 100, 2.03},                 /* 202.99999999999997 rounds to 203, divided by 100 (PR #122586) */
    {0.3, 10, 0.3},                    /* issue #122547: no longer 0.30000000000000004 */
    {79.99, 100, 79.99},               /* 7998.999999999999 rounds to 7999 */
    {0.125, 100, 0.13},                /* Math.round: 12.5 up */
    {-0.125, 100, -0.12},              /* -12.5 towards positive infinity */
    {123, 0.01, 100},                  /* a factor below 1 keeps hundreds */
    {1.23456, 1000, 1.235},            /* */
    {1e300, 1, 9223372036854775807.0}, /* Math.round stops at Long.MAX_VALUE */
    {-1e300, 1, -9223372036854775808.0},
};

static void test_float_half_float_and_scaled_float_values_are_elasticsearchs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++)
		if (!same(numeric_float(floats[i].in), floats[i].want))
			fail_msg("float %.17g: want %.17g, got %.17g", floats[i].in, floats[i].want,
			         numeric_float(floats[i].in));
	for (size_t i = 0; i < sizeof(halves) / sizeof(halves[0]); i++)
		if (!same(numeric_half_float(halves[i].in), halves[i].want))
			fail_msg("half_float %.17g: want %.17g, got %.17g", halves[i].in, halves[i].want,
			         numeric_half_float(halves[i].in));
	for (size_t i = 0; i < sizeof(scaled) / sizeof(scaled[0]); i++)
		if (!same(numeric_scaled_float(scaled[i].in, scaled[i].factor), scaled[i].want))
			fail_msg("scaled_float %.17g (factor %g): want %.17g, got %.17g", scaled[i].in,
			         scaled[i].factor, scaled[i].want,
			         numeric_scaled_float(scaled[i].in, scaled[i].factor));
}

/* A stored value is finite or is none; a string is read as Elasticsearch coerces it; the type
 * names round-trip a scaled_float's factor. */
static const struct {
	const char *type, *text; /* text NULL: the number in */
	double in;
	int rc;
	double want;
} stored[] = {
    {"float", NULL, 1.1, 0, 1.100000023841858},
    {"float", NULL, 3.4028235e39, -1, 0},
    {"half_float", NULL, 65520, -1, 0},
    {"half_float", NULL, 65519, 0, 65504},
    {"scaled_float(100)", NULL, 2.03, 0, 2.03},
    {"scaled_float(10)", NULL, 0.3, 0, 0.3},
    {"scaled_float", NULL, 0.3, 0, 0.3}, /* no factor: as the document has it */
    {"double", NULL, 0.1, 0, 0.1},
    {"keyword", NULL, 0.1, 0, 0.1},
    {"float", "1.1", 0, 0, 1.100000023841858},
    {"float", " 2.5f ", 0, 0, 2.5}, /* Float.parseFloat trims and takes a suffix */
    {"half_float", "2.03", 0, 0, 2.029296875},
    {"half_float", "70000", 0, -1, 0},
    {"float", "1e39", 0, -1, 0},
    {"scaled_float(100)", "2.03", 0, 0, 2.03},
    {"double", "1e2", 0, 0, 100},
    {"float", "", 0, -1, 0},
    {"float", "1.1x", 0, -1, 0},
    {"float", "abc", 0, -1, 0},
    /* whole numbers (NumberFieldMapper with coerce, its default): Jackson's getLongValue and
     * getIntValue check the double against the long's or int's range, then truncate; SHORT and
     * BYTE.parse check the int they got; a string is Numbers.toLong's (long: Long.parseLong,
     * else a BigDecimal, no blanks) or Double.parseDouble's (the others) */
    {"long", NULL, 3.7, 0, 3},
    {"long", NULL, -3.7, 0, -3},
    {"long", NULL, 1e19, -1, 0},
    {"integer", NULL, 2147483647.0, 0, 2147483647},
    {"integer", NULL, 2147483647.5, -1, 0},
    {"integer", NULL, -2147483648.9, -1, 0},
    {"short", NULL, 32767.9, 0, 32767},
    {"short", NULL, 32768.5, -1, 0},
    {"byte", NULL, -128.9, 0, -128},
    {"byte", NULL, 128.2, -1, 0},
    {"long", "3.7", 0, 0, 3},
    {"long", "-3.7", 0, 0, -3},
    {"long", "1e3", 0, 0, 1000},
    {"long", "9007199254740993", 0, 0, 9007199254740992.0}, /* exact as a long, then a double */
    {"long", " 3", 0, -1, 0},
    {"long", "Infinity", 0, -1, 0},
    {"long", "0x10", 0, -1, 0},
    {"integer", " 42.9 ", 0, 0, 42},
    {"integer", "2.5f", 0, 0, 2},
    {"integer", "x", 0, -1, 0},
    {"short", "40000", 0, -1, 0},
};

static void test_stored_values_and_type_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(stored) / sizeof(stored[0]); i++) {
		struct numeric_type t = numeric_type_named(stored[i].type);
		double got = -42;
		int rc = stored[i].text ? numeric_stored_text(t, stored[i].text, &got)
		                        : numeric_stored(t, stored[i].in, &got);
		if (rc != stored[i].rc || (!rc && !same(got, stored[i].want)))
			fail_msg("case %zu (%s): want %d %.17g, got %d %.17g", i, stored[i].type, stored[i].rc,
			         stored[i].want, rc, got);
	}
	char text[64];
	assert_int_equal(numeric_scaled_type_text(100, text, sizeof(text)), 0);
	assert_string_equal(text, "scaled_float(100)");
	assert_int_equal(numeric_scaled_type_text(0.1, text, sizeof(text)), 0);
	assert_string_equal(text, "scaled_float(0.1)");
	struct numeric_type t = numeric_type_named(text);
	assert_int_equal(t.kind, NUMERIC_SCALED_FLOAT);
	assert_true(t.scaling_factor == 0.1);
	assert_int_equal(numeric_scaled_type_text(0, text, sizeof(text)), -1);
	assert_int_equal(numeric_scaled_type_text(-5, text, sizeof(text)), -1);
	assert_int_equal(numeric_scaled_type_text(INFINITY, text, sizeof(text)), -1);
	const char *none[] = {"scaled_float(0)", "scaled_float(-1)", "scaled_float()", "scaled_float(1", "text"};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_int_equal(numeric_type_named(none[i]).kind, NUMERIC_NONE);
	assert_int_equal(numeric_type_named("half_float").kind, NUMERIC_HALF_FLOAT);
	static const struct {
		const char *name;
		enum numeric_kind kind;
	} whole[] = {
	    {"long", NUMERIC_LONG}, {"integer", NUMERIC_INTEGER}, {"short", NUMERIC_SHORT}, {"byte", NUMERIC_BYTE}};
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		assert_int_equal(numeric_type_named(whole[i].name).kind, whole[i].kind);
		assert_true(numeric_is_whole(numeric_type_named(whole[i].name)));
	}
	assert_false(numeric_is_whole(numeric_type_named("float")));
}

/* unsigned_long (UnsignedLongFieldMapper: 0 to 2^64 - 1, a decimal truncated with coerce, a
 * string of digits exact), "coerce": false (NumberFieldMapper refuses a string, "[coerce] is set
 * to false", and a decimal in a whole type, NumberType.parse's "Value [3.5] has a decimal
 * part"; 3.0 is 3), and the type texts mapping import stores: the type, then its parameters. */
static void test_unsigned_long_coerce_and_type_texts(void **state)
{
	(void)state;
	static const struct {
		const char *type, *text;
		double in;
		int rc;
		uint64_t want;
	} cases[] = {
	    {"unsigned_long", "18446744073709551615", 0, 0, UINT64_MAX},
	    {"unsigned_long", "18446744073709551616", 0, -1, 0},
	    {"unsigned_long", "-1", 0, -1, 0},
	    {"unsigned_long", "12.9", 0, 0, 12},
	    {"unsigned_long", " 1", 0, -1, 0},
	    {"unsigned_long", NULL, 9007199254740992.0, 0, 9007199254740992u},
	    {"unsigned_long", NULL, 1.5, 0, 1},
	    {"unsigned_long", NULL, -0.5, -1, 0},
	    {"unsigned_long", NULL, 0x1p64, -1, 0},
	    {"unsigned_long coerce=false", NULL, 1.5, -1, 0},
	    {"unsigned_long coerce=false", NULL, 2.0, 0, 2},
	    {"unsigned_long coerce=false", "2", 0, -1, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct numeric_type t = numeric_type_named(cases[i].type);
		uint64_t got = 42;
		int rc = cases[i].text ? numeric_unsigned_text(t, cases[i].text, &got)
		                       : numeric_unsigned(t, cases[i].in, &got);
		if (rc != cases[i].rc || (!rc && got != cases[i].want))
			fail_msg("case %zu (%s): want %d %llu, got %d %llu", i, cases[i].type, cases[i].rc,
			         (unsigned long long)cases[i].want, rc, (unsigned long long)got);
	}
	static const struct {
		const char *type, *text;
		double in;
		int rc;
		double want;
	} coerce[] = {
	    {"long coerce=false", NULL, 3.7, -1, 0}, {"long coerce=false", NULL, 3.0, 0, 3},
	    {"long coerce=false", "3", 0, -1, 0},    {"integer coerce=false", NULL, -2.5, -1, 0},
	    {"float coerce=false", "1.5", 0, -1, 0}, {"float coerce=false", NULL, 1.5, 0, 1.5},
	    {"double coerce=false", NULL, 7, 0, 7},  {"long", "3", 0, 0, 3},
	};
	for (size_t i = 0; i < sizeof(coerce) / sizeof(coerce[0]); i++) {
		struct numeric_type t = numeric_type_named(coerce[i].type);
		double got = -42;
		int rc = coerce[i].text ? numeric_stored_text(t, coerce[i].text, &got)
		                        : numeric_stored(t, coerce[i].in, &got);
		if (rc != coerce[i].rc || (!rc && got != coerce[i].want))
			fail_msg("coerce case %zu (%s): want %d %g, got %d %g", i, coerce[i].type, coerce[i].rc,
			         coerce[i].want, rc, got);
	}
	/* the stored texts: a mapping's definitions as mapping import keeps them */
	static const struct {
		const char *def;
		int multi;
		const char *text;
	} texts[] = {
	    {"{\"type\":\"long\",\"coerce\":false}", 0, "long coerce=false"},
	    {"{\"type\":\"long\",\"coerce\":\"false\"}", 0, "long coerce=false"},
	    {"{\"type\":\"long\",\"coerce\":true}", 0, "long"},
	    {"{\"type\":\"scaled_float\",\"scaling_factor\":100}", 0, "scaled_float(100)"},
	    {"{\"type\":\"keyword\",\"normalizer\":\"lowercase\"}", 1, "keyword multi normalizer=lowercase"},
	    {"{\"type\":\"keyword\",\"normalizer\":\"my_own\"}", 1, "keyword multi"},
	    {"{\"type\":\"text\"}", 1, "text multi"},
	    {"{\"type\":\"keyword\",\"ignore_above\":1024}", 0, "keyword ignore_above=1024"},
	    {"{\"type\":\"keyword\",\"normalizer\":\"lowercase\",\"ignore_above\":\"256\"}", 1,
	     "keyword multi normalizer=lowercase ignore_above=256"},
	    {"{\"type\":\"keyword\",\"ignore_above\":-1}", 0, "keyword"},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		cJSON *def = cJSON_Parse(texts[i].def);
		char *text = numeric_type_text(def, texts[i].multi);
		assert_string_equal(text, texts[i].text);
		free(text);
		cJSON_Delete(def);
	}
	struct numeric_type t = numeric_type_named("keyword multi normalizer=lowercase");
	assert_int_equal(t.kind, NUMERIC_NONE);
	assert_true(t.multi && t.lowercase && !t.no_coerce && !t.ignores);
	t = numeric_type_named("keyword ignore_above=0");
	assert_true(t.ignores && t.ignore_above == 0);
	t = numeric_type_named("unsigned_long coerce=false");
	assert_int_equal(t.kind, NUMERIC_UNSIGNED_LONG);
	assert_true(t.no_coerce && !t.multi && !t.lowercase);
	assert_int_equal(numeric_type_named("scaled_float(10) coerce=false").scaling_factor, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_float_half_float_and_scaled_float_values_are_elasticsearchs),
	    cmocka_unit_test(test_stored_values_and_type_names),
	    cmocka_unit_test(test_unsigned_long_coerce_and_type_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
