/* toml: a TOML document (as elastic/detection-rules writes its rules) read into the cJSON tree
 * the JSON path builds. The parsing is toml++ (Debian's libtomlplusplus), a TOML 1.0 parser
 * held to the toml-test suite; detect/toml.cpp is the one C++ file that speaks to it.
 *
 * Tables become objects, arrays (and arrays of tables) arrays, strings and booleans
 * themselves. Numbers stay exact: cJSON prints 15 significant digits, so an integer of up to 15
 * digits, or a float those digits give back exactly, is a JSON number, and any other a raw
 * JSON number with every digit (17 for a float). inf and nan, which JSON lacks, are null. Dates, times and date-times
 * are ISO 8601 strings (a space between date and time becomes T, an offset of zero Z, a fraction loses its trailing
 * zeros): "2024-09-12", "07:32:00", "1979-05-27T07:32:00Z", "1979-05-27T00:32:00.999-07:00". */
#ifndef CASEBOOK_TOML_H
#define CASEBOOK_TOML_H

#include <cJSON.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Tables and arrays nested deeper than this are refused (the conversion keeps an explicit
 * stack; toml++ has its own, lower, cap for inline values). */
#define TOML_DEPTH_MAX 64

/* text[0..len) as a JSON object, or NULL with "LINE:COLUMN: what is wrong" in err (1-based,
 * the column in characters (code points), as toml++ counts them). The caller frees the tree with cJSON_Delete. */
cJSON *toml_to_cjson(const char *text, size_t len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
