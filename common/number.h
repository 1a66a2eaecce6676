/* number: a number from a document or a rule as an integer, range-checked. JSON numbers
 * arrive as doubles (cJSON's valuedouble, strtod), and converting a double outside the
 * integer's range to it is undefined behaviour in C (kibana.alert.risk_score 1e300 became
 * -9223372036854775808). Every such conversion goes through here. */
#ifndef CASEBOOK_NUMBER_H
#define CASEBOOK_NUMBER_H

#include <stdint.h>

/* Epoch milliseconds whose microseconds an int64 holds, either side of 1970 (past any date a
 * document means: year 291,000 or so). */
#define NUMBER_EPOCH_MS_MAX INT64_C(9200000000000000)

/* d truncated toward zero, when that is within [min, max]: 0 and *out set, or -1 (NaN, an
 * infinity, or out of range) with *out untouched. */
int number_to_int64(double d, int64_t min, int64_t max, int64_t *out);
/* The same for a whole number only: 2.5 is -1, as are all the cases above. */
int number_whole_int64(double d, int64_t min, int64_t max, int64_t *out);
/* Text that is an integer in [min, max]: decimal digits with an optional sign, or a JSON
 * number that is whole ("1e3"). 0 and *out set, or -1 (anything else, or out of range). */
int number_text_int64(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
