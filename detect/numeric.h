/* numeric: a number as Elasticsearch stores it in a field its mapping types float, half_float,
 * scaled_float or double, and as ES|QL reads it back (a double, from the stored precision).
 *
 * A float keeps the nearest 32-bit float (1.1 reads as 1.100000023841858), a half_float the
 * nearest 16-bit one (Lucene's HalfFloatPoint: ties to even, subnormals down to 2^-24, 65520
 * and beyond infinite), a scaled_float the long Math.round(value * scaling_factor) divided by
 * the factor (ScaledFloatFieldMapper's block loader since Elasticsearch 8.18, PR #122586: 0.3
 * with factor 10 reads as 0.3). A value that is not finite at that precision is refused by
 * Elasticsearch ("[half_float] supports only finite values"), so the field has no value. A
 * string is taken as Elasticsearch's default coerce takes it: "1.5" is 1.5, "" no value. */
#ifndef CASEBOOK_NUMERIC_H
#define CASEBOOK_NUMERIC_H

#include <stddef.h>

enum numeric_kind { NUMERIC_NONE, NUMERIC_DOUBLE, NUMERIC_FLOAT, NUMERIC_HALF_FLOAT, NUMERIC_SCALED_FLOAT };

struct numeric_type {
	enum numeric_kind kind;
	double scaling_factor; /* NUMERIC_SCALED_FLOAT: finite and positive */
};

/* The numeric type a stored field type names: "float", "half_float", "double", or
 * "scaled_float(F)" as mapping import stores a scaled_float with its scaling_factor F (see
 * numeric_scaled_type_text). Anything else, and a scaled_float without a factor, is
 * NUMERIC_NONE: the value is read as the document has it. */
struct numeric_type numeric_type_named(const char *type);

/* The stored type text of a scaled_float whose mapping's scaling_factor is factor:
 * "scaled_float(100)", the factor in its shortest exact form. 0, or -1 when the factor is not
 * finite and positive (Elasticsearch refuses such a mapping). */
int numeric_scaled_type_text(double factor, char *out, size_t len);

/* The value v as the field stores it: 0 with *out, or -1 when it is not finite there (the
 * field then has no value). NUMERIC_NONE keeps v as it is. */
int numeric_stored(struct numeric_type t, double v, double *out);
/* The same for a string value, parsed as Java's Float.parseFloat (float, half_float) or
 * Double.parseDouble (double, scaled_float) parse it (blanks around it and a type suffix,
 * 1.5f, allowed): -1 also when the text is not a number ("" included). */
int numeric_stored_text(struct numeric_type t, const char *s, double *out);

/* The conversions themselves: the nearest float, the nearest half float (through the float, as
 * Elasticsearch parses the value), and a scaled_float's stored value. Not finite: an infinity. */
double numeric_float(double v);
double numeric_half_float(double v);
double numeric_scaled_float(double v, double scaling_factor);

#endif
