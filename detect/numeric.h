/* numeric: a number as Elasticsearch stores it in a field its mapping types float, half_float,
 * scaled_float or double, and as ES|QL reads it back (a double, from the stored precision).
 *
 * A float keeps the nearest 32-bit float (1.1 reads as 1.100000023841858), a half_float the
 * nearest 16-bit one (Lucene's HalfFloatPoint: ties to even, subnormals down to 2^-24, 65520
 * and beyond infinite), a scaled_float the long Math.round(value * scaling_factor) divided by
 * the factor (ScaledFloatFieldMapper's block loader since Elasticsearch 8.18, PR #122586: 0.3
 * with factor 10 reads as 0.3). A value that is not finite at that precision is refused by
 * Elasticsearch ("[half_float] supports only finite values"), so the field has no value. A
 * string is taken as Elasticsearch's default coerce takes it: "1.5" is 1.5, "" no value.
 * A long, integer, short or byte keeps a whole number (numeric_whole): 3.7 reads as 3, as
 * ES|QL reads its doc values and as a query meets its points. */
#ifndef CASEBOOK_NUMERIC_H
#define CASEBOOK_NUMERIC_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

enum numeric_kind {
	NUMERIC_NONE,
	NUMERIC_DOUBLE,
	NUMERIC_FLOAT,
	NUMERIC_HALF_FLOAT,
	NUMERIC_SCALED_FLOAT,
	/* whole numbers: a decimal is truncated towards zero (the mapping's default coerce), a
	 * value out of the type's range refused */
	NUMERIC_LONG,
	NUMERIC_INTEGER,
	NUMERIC_SHORT,
	NUMERIC_BYTE,
	/* 0 to 2^64 - 1 (numeric_unsigned): ES|QL's unsigned_long */
	NUMERIC_UNSIGNED_LONG
};

/* What an imported mapping says of how a field's values are kept; the stored type text is the
 * type, then parameters: "long coerce=false", "keyword multi normalizer=lowercase". */
struct numeric_type {
	enum numeric_kind kind;
	double scaling_factor; /* NUMERIC_SCALED_FLOAT: finite and positive */
	int no_coerce;         /* "coerce": false: a string, or a decimal for a whole type, is refused */
	int multi;             /* a multi-field ("fields"): its values are its parent's in _source */
	int lowercase;         /* a keyword with the built-in lowercase normalizer */
	int ignores;           /* a keyword's ignore_above is set: */
	long ignore_above;     /* values longer (in UTF-16 units) are not indexed */
	int geo_point;         /* a geo_point (ES|QL reads it from _source: detect/esql.c) */
	int version;           /* a version (ES|QL orders its values as versions: detect/esql.c) */
};

/* The numeric type a stored field type names: "float", "half_float", "double", "long",
 * "integer", "short", "byte", "unsigned_long", or
 * "scaled_float(F)" as mapping import stores a scaled_float with its scaling_factor F (see
 * numeric_scaled_type_text). Anything else, and a scaled_float without a factor, is
 * NUMERIC_NONE: the value is read as the document has it. Parameters after the type (a space
 * before each): "coerce=false", "multi", "normalizer=lowercase", "ignore_above=N". */
struct numeric_type numeric_type_named(const char *type);
/* The type text a mapping's field definition (its "type", "coerce", "normalizer",
 * "ignore_above", and whether it is a multi-field) is stored as: malloc'd, NULL when the
 * definition has no type. */
char *numeric_type_text(const cJSON *def, int multi);
/* The length of the type's name in a stored type text (up to its parameters). */
size_t numeric_type_name_len(const char *type);

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

/* Whether the type holds whole numbers (long, integer, short, byte). */
int numeric_is_whole(struct numeric_type t);
/* A whole number type's stored value: a JSON number as Jackson's getLongValue/getIntValue
 * take it with ES's coerce (the value within the long's or, for the others, the int's range,
 * then truncated towards zero: 3.7 is 3, -3.7 is -3; a short's or byte's then within its own), a string as
 * Numbers.toLong (long: digits, else a decimal truncated; no blanks) or Double.parseDouble (integer, short, byte:
 * blanks around and 1.5f allowed) read it. 0 with *out, or -1 when Elasticsearch refuses it (out of range, not a
 * number). */
int numeric_whole(struct numeric_type t, double v, int64_t *out);
int numeric_whole_text(struct numeric_type t, const char *s, int64_t *out);
/* A JSON value (number or string) of a field of type t as the field stores it, as a double:
 * numeric_stored, numeric_stored_text, numeric_whole or numeric_whole_text. 0 or -1. */
int numeric_stored_json(struct numeric_type t, const cJSON *v, double *out);
/* An unsigned_long's stored value: a JSON number from 0 to 2^64 - 1 (a decimal truncated, with
 * coerce), a string of digits exactly, or of a decimal at a double's precision. 0 or -1. */
int numeric_unsigned(struct numeric_type t, double v, uint64_t *out);
int numeric_unsigned_text(struct numeric_type t, const char *s, uint64_t *out);

/* The conversions themselves: the nearest float, the nearest half float (through the float, as
 * Elasticsearch parses the value), and a scaled_float's stored value. Not finite: an infinity. */
double numeric_float(double v);
double numeric_half_float(double v);
double numeric_scaled_float(double v, double scaling_factor);

#endif
