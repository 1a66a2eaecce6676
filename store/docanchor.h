/* docanchor: the SHA-256 an alert's anchor takes of its document without the workflow fields,
 * computed from the text detect wrote instead of by SQLite parsing it again (json_remove parsed
 * every new alert's document: a sixth of detect). Only for text SQLite renders back byte for
 * byte; anything else is left to the SQL, which stays the definition (audit --verify uses it).
 *
 * Internal to store/. */
#ifndef CASEBOOK_DOCANCHOR_H
#define CASEBOOK_DOCANCHOR_H

#include <stddef.h>

#include "common/digest.h"

/* The hex SHA-256 of json_remove(doc, '$."K"' for each of the nkeys keys), as SQLite renders
 * it, when doc is a minified (no whitespace) RFC 8259 object whose top level holds at most one
 * member named by a key, no key with an escape, and nesting below 1,000: SQLite renders such a
 * text's members as they are written (strings and numbers verbatim), so the result is the text
 * with that member and one comma cut. 0 with hex; -1 when the text is not of that form. */
int doc_anchor_sha256(const char *doc, const char *const *keys, size_t nkeys, char hex[SHA256_HEX_LEN + 1]);

#endif
