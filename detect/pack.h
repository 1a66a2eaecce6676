/* The bundled rule pack: the JSON files in rules/, compiled in by the Makefile. */
#ifndef CASEBOOK_PACK_H
#define CASEBOOK_PACK_H

struct pack_rule {
	const char *name; /* the file it came from */
	const char *json;
};

extern const struct pack_rule rule_pack[]; /* ends with {NULL, NULL} */

#endif
