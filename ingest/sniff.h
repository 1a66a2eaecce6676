/* sniff: tells input that is not JSON at all (an image, a program, an archive, a CSV or YAML
 * file) from JSON, damaged or not, by its first bytes.
 *
 * A file refused here is refused whole, with the type found, instead of being read as
 * thousands of damaged documents. Damaged JSON is never refused: as soon as a line of the
 * head starts with '{' or '[' (after blanks), the input is taken as JSON and the reader's
 * own forgiving framing reports each damaged document with its line and column. */
#ifndef CASEBOOK_SNIFF_H
#define CASEBOOK_SNIFF_H

#include <stddef.h>

#define SNIFF_HEAD (64u << 10) /* bytes of the (decompressed) input looked at */

/* Returns NULL when head[0..n) may be JSON documents (or is empty), else a static
 * description of what it is instead ("a PNG image", "CSV text", ...). */
const char *sniff_not_json(const unsigned char *head, size_t n);

#endif
