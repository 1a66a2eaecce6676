/* jsonoutline: a JSON document as an outline for a foldable view. */
#ifndef CASEBOOK_JSONOUTLINE_H
#define CASEBOOK_JSONOUTLINE_H

#include <stddef.h>

/* A JSON document as an outline for a foldable view: one line per member or element, with
 * its depth; an object or array opens a line whose `end` is the index of its closing line. */
struct json_line {
	int depth;
	char *text; /* e.g. "\"host\": {" or "\"name\": \"mac1\"," (JSON, untrusted) */
	size_t end; /* for an opening line: its closing line; else the line itself */
	size_t children;
};
/* Returns the number of lines (0 when json is not valid); free with json_outline_free. */
size_t json_outline(const char *json, struct json_line **lines);
void json_outline_free(struct json_line *lines, size_t n);

#endif
