/* extract: finds the events in a parsed document and reads the fields the store indexes.
 *
 * A document is one of: an event; a search hit {_index, _id, _source}, or without _source its
 * "fields" (Discover's Inspect, a search with "fields": ["*"]); Kibana's archive record
 * {"type":"doc","value":{"index","id","source"}} (esArchiver; its "index" and "data_stream"
 * records hold no event); an Elasticsearch _search response (hits.hits[]); an EQL response
 * (hits.events[], hits.sequences[].events[]); or an array of any of these. Field names resolve through nested objects
 * and dotted keys alike ({"host":{"os":{"type":..}}} and {"host.os.type":..}). */
#ifndef CASEBOOK_EXTRACT_H
#define CASEBOOK_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "ingest/jsontape.h"

/* The string fields of an event, in the order struct extracted keeps them. */
enum ex_str {
	EX_IDENTITY,
	EX_INDEX,
	EX_HOST_ID,
	EX_HOST_NAME,
	EX_OS_TYPE,
	EX_KIND,
	EX_CATEGORY,
	EX_TYPE,
	EX_ACTION,
	EX_FILE_PATH,
	EX_ENTITY_ID,
	EX_EXECUTABLE,
	EX_PROCESS_NAME,
	EX_USER_NAME,
	EX_DERIVED,
	EX_STR_COUNT
};

#define EX_ABSENT ((size_t)-1)
/* The index of an ML anomaly result that came without one: Elastic ML's shared results index. */
#define ML_SHARED_RESULTS_INDEX ".ml-anomalies-shared"

/* An event read from a document. Strings are offsets into an arena (EX_ABSENT when the
 * field is missing) so that many events can share one growing buffer. */
struct extracted {
	size_t str[EX_STR_COUNT];
	int64_t ts, ingested, pid;
	int has_ingested, has_pid;
	int irregular;       /* file.path is not one string, or a field appeared twice */
	int names_exact;     /* process.name, event.action, user.name, process.executable: each absent,
	                      * null or one string (the columns hold their only values) */
	size_t doc, doc_len; /* the event's minified JSON, in the arena */
};

/* An event found in a document: the token of its object, and the _id/_index of the hit it
 * came in (-1 when it was not a hit). */
struct event_root {
	size_t tok;
	long id_tok, index_tok;
	int fields_form; /* tok is a hit's "fields" (every value an array): stored with one-value arrays
	                    unwrapped, as the _source it stands for would hold them */
};

typedef int (*root_fn)(void *ctx, const struct jtape *t, const struct event_root *root);
/* Calls fn for every event in the document at token 0, in document order; returns the
 * first non-zero value fn returns, or 0. */
int extract_roots(const struct jtape *t, root_fn fn, void *ctx);

/* Reads an event into ex, appending its strings to arena. Returns 0, or -1 with the reason
 * it is not a storable event in *why (static text, or built in why_buf). */
int extract_event(const struct jtape *t, const struct event_root *root, struct strbuf *arena, struct extracted *ex,
                  char *why_buf, size_t why_len);

/* host.os.type for a host.os.platform or host.os.family value ("darwin" -> "macos");
 * NULL when it has no mapping. */
const char *os_type_from_platform(const char *platform);

#endif
