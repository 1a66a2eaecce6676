/* grok: ES|QL's GROK — a pattern of %{NAME:field[:type]} references to named regular
 * expressions, matched anywhere in a value, each named reference giving a column. The common
 * part of Elastic's pattern library is built in (written for PCRE2, which the definitions'
 * syntax — lazy quantifiers, look-behind, atomic groups — needs); a pattern naming one that
 * is not is refused, saying which. */
#ifndef CASEBOOK_GROK_H
#define CASEBOOK_GROK_H

#include <stddef.h>

enum grok_type { GROK_STRING, GROK_INT, GROK_FLOAT, GROK_BOOLEAN };

struct grok;

/* Compiles pattern; NULL with a reason in why, and *unsupported set when the pattern is valid
 * but names a library pattern casebook does not have. */
struct grok *grok_compile(const char *pattern, char *why, size_t whylen, int *unsupported);
void grok_free(struct grok *g);

size_t grok_field_count(const struct grok *g);
const char *grok_field_name(const struct grok *g, size_t i);
enum grok_type grok_field_type(const struct grok *g, size_t i);

/* Matches subject within the bounds of detect/regex.h; on a match, values[i] is each field's
 * text (malloc'd, NULL when its part did not take part) and 1 is returned; 0 when the value
 * does not match; -1 when a limit was reached (the budget in use says which): unknown. */
int grok_match(const struct grok *g, const char *subject, char **values);

#endif
