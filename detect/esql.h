/* esql: the part of ES|QL that Elastic's detection rules use, evaluated over a case's events as
 * Elasticsearch would answer it.
 *
 * A query is a pipeline: FROM (index patterns, METADATA _id, _index, _version, _source, _ignored,
 * _score) or ROW, then WHERE,
 * EVAL, KEEP, DROP, RENAME, MV_EXPAND, STATS ... BY, SORT and LIMIT. A rule's pipeline runs in
 * two parts: the commands up to the first STATS, SORT or LIMIT work on one event at a time
 * (esql_rows_of, while detect reads the case), the rest on the rows of one execution's window
 * (esql_finish). An event yields at most 1,024 rows through MV_EXPAND, and a row falls in
 * at most 1,024 groups of its multi-valued BY fields. What a query makes is bounded (a
 * function's value 1 MiB; one event's values and rows 64 MiB; one window's 1 GiB): past a
 * bound the query stops with a fault that names it (esql_fault), and gives no rows. What casebook cannot evaluate
 * exactly — ENRICH, LOOKUP JOIN, COMPLETION, an unknown function or GROK pattern — is refused at
 * parse time, naming it, so a rule is run right or said to be skipped, never run half.
 *
 * Values follow ES|QL: a column holds null, one value or several (a multi-valued field); a
 * comparison or arithmetic on null or on several values is null, and WHERE keeps a row only
 * when its condition is true. */
#ifndef CASEBOOK_ESQL_H
#define CASEBOOK_ESQL_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/needles.h"

enum esql_kind { EK_BOOL, EK_INT, EK_DOUBLE, EK_STR, EK_DATE, EK_SPAN, EK_PERIOD, EK_GEO };

struct esql_scalar {
	enum esql_kind kind;
	int64_t i; /* EK_BOOL (0, 1), EK_INT, EK_DATE (UTC microseconds), EK_SPAN (microseconds),
	            EK_PERIOD (calendar months: 1 month, 1 quarter, 1 year) */
	union {
		double d; /* EK_DOUBLE; EK_GEO: a geo_point's x (longitude), its y (latitude) i's bits */
		/* EK_PERIOD: microseconds after its months (1 year + 2 weeks: casebook's day and week
		 * are spans), applied after them as Period.addTo applies its days */
		int64_t period_us;
	};
	char *s; /* EK_STR, malloc'd */
	/* EK_INT: ES|QL's long (0), integer (32 bits: arithmetic past it is null, with a warning)
	 * or unsigned_long (i holds its 64 bits, 0 to 2^64 - 1) */
	enum esql_width { EW_LONG, EW_INTEGER, EW_UNSIGNED } width;
	/* EK_STR: an ip (a field mapped ip, TO_IP, IP_PREFIX), its text as Elasticsearch writes
	 * it; it orders by its 16 bytes (v4 mapped into v6), as an ip's doc values do */
	unsigned char ip;
	/* EK_STR: a version (a field mapped version, TO_VERSION): it orders as one (version_order) */
	unsigned char version;
};

/* A column's value: n == 0 is null, n > 1 a multi-valued field. */
struct esql_value {
	struct esql_scalar *v;
	size_t n;
};

/* A row: named columns; a row read from an event also sees the event's fields (src) unless a
 * command hid them. */
struct esql_row {
	char **names;
	struct esql_value *vals;
	unsigned char *computed; /* the column came from EVAL, RENAME or STATS, not the event;
	                          * ESQL_RENAMED: an event's field renamed (it keeps the field's place) */
	size_t n, cap;
	const cJSON *src;
	char **hidden; /* DROP patterns and renamed names, over src */
	size_t nhidden;
	int64_t tag; /* the caller's (detect: the hit's index) */
};

#define ESQL_RENAMED 2

struct esql_query;

struct esql_error {
	size_t offset;
	char msg[200];
	int unsupported; /* valid ES|QL that casebook does not run (else a syntax error) */
};

struct esql_query *esql_parse(const char *text, struct esql_error *err);
/* As esql_parse, and ROW too (ROW a = 1, b = [2, 3] | ...), as Discover takes a query: its one
 * row comes from esql_rows_of with any event (not read). */
struct esql_query *esql_parse_query(const char *text, struct esql_error *err);
int esql_is_row(const struct esql_query *q);
void esql_free(struct esql_query *q);

/* FROM's index patterns (owned by the query). */
char *const *esql_indices(const struct esql_query *q, size_t *n);
/* The index the query's i-th LOOKUP JOIN reads, or NULL past the last; esql_lookup_add hands a
 * document of that index to every LOOKUP JOIN reading it (copied): -1 past casebook's bound on a
 * lookup index (64 MiB of JSON). The documents are added before the query runs. */
const char *esql_lookup_index(const struct esql_query *q, size_t i);
int esql_lookup_add(struct esql_query *q, const char *index, const cJSON *doc);
/* Literals one of which every event the query keeps has in its text (detect/needles.h): from
 * the `field == "string"` conditions ANDed in its leading WHERE commands; nd unusable when none. */
void esql_needles(const struct esql_query *q, struct needles *nd);
/* A `field == "string"` condition ANDed in the leading WHERE commands: its string as the one
 * value (malloc'd) the field must equal exactly (ES|QL's == on a keyword is exact). 1, or 0
 * when there is none. */
int esql_required_values(const struct esql_query *q, const char *field, char ***values, size_t *n);
/* Whether the pipeline aggregates (has STATS): its rows then have no source event. */
int esql_aggregates(const struct esql_query *q);
/* Whether the answer's rows carry _id: FROM asks for METADATA _id and no KEEP, DROP, RENAME or
 * STATS takes the column away. Each row then stands for its source event (Kibana fetches the
 * documents of the rows' _ids); without, a row is an alert of its own, as an aggregate's. */
int esql_rows_keep_id(const struct esql_query *q);
/* How often an event's MV_EXPAND rows, or a row's groups, were more than 1,024 and the first
 * 1,024 counted (memory stays bounded by the batch, not by an array's length). */
size_t esql_truncations(const struct esql_query *q);
/* Why the query stopped (a bound it met, named), or NULL; once set, it gives no more rows. */
const char *esql_fault(const struct esql_query *q);
/* Whether a rule's window commands (after its first STATS, SORT or LIMIT) call NOW(), which is
 * each execution's time: the answer then changes with the execution, not only with its rows.
 * (esql_parse refuses a rule that calls it before: that half runs once an event.) */
int esql_uses_now(const struct esql_query *q);
/* What NOW() answers from here on (microseconds; Elasticsearch keeps milliseconds): an
 * execution's time. Unset, it is the clock's. */
void esql_set_now(struct esql_query *q, int64_t us);

/* How many of a window's first rows its answer depends on (its first window command is LIMIT,
 * or it has none: ES|QL's implicit 1,000); SIZE_MAX when every row counts. */
size_t esql_window_prefix(const struct esql_query *q);
/* Whether the pipeline has commands that run over a window's rows (STATS, SORT, LIMIT on):
 * without, the window's answer is its first rows as they are. */
int esql_window_commands(const struct esql_query *q);

/* Values made null where Elasticsearch warns (a SUM that overflows a long): the first
 * warning's text, and how many so far in *count; NULL when none. */
const char *esql_warning(const struct esql_query *q, size_t *count);

/* Whether the last esql_rows_of gave up on its event: a regular expression (GROK, REPLACE)
 * reached a limit of detect/regex.h, so the event gave no rows. NULL, or which limit. */
const char *esql_gave_up(const struct esql_query *q);
/* How many events (or windows, in esql_finish) reached such a limit so far. */
size_t esql_given_up(const struct esql_query *q);

/* The rows the event gives through the per-event commands (0, 1, or more after MV_EXPAND),
 * appended to *rows; metadata holds _id, _index and _version. Each row keeps only what the
 * rest of the pipeline reads, so that it outlives the event. Returns how many. */
size_t esql_rows_of(struct esql_query *q, const cJSON *ev, const char *id, const char *index, int64_t tag,
                    struct esql_row **rows, size_t *nrows, size_t *cap);
/* Runs the rest of the pipeline over rows (one execution's window, in time order); the result
 * replaces them. At most limit rows (ES|QL's own LIMIT, else 1,000) are kept. */
void esql_finish(struct esql_query *q, struct esql_row **rows, size_t *nrows);

void esql_row_release(struct esql_row *r);
void esql_row_copy(struct esql_row *to, const struct esql_row *from);
/* What the row holds in memory, roughly (its columns, names and arrays). */
size_t esql_row_bytes(const struct esql_row *r);
/* The columns of the row the pipeline computed (EVAL, RENAME, STATS), as JSON members of obj;
 * with all set, every column. */
void esql_row_to_json(const struct esql_row *r, cJSON *obj, int all);
/* The row as Elasticsearch's answer holds it when it stands for its source event ev (FROM ...
 * METADATA _id without STATS): unless a KEEP chose the columns, each field of ev that no DROP
 * or RENAME took away, read as ES|QL reads it (its mapping's type, doc values' order), by
 * name; then every column of the row (which wins). Null ones included: members of obj, which
 * holds none of the event's names before. */
void esql_row_answer_json(const struct esql_query *q, const struct esql_row *r, const cJSON *ev, cJSON *obj);
/* Whether the answer's columns include its source event's fields (FROM without KEEP or STATS):
 * esql_row_answer_json wants the row's event then. */
int esql_answer_reads_event(const struct esql_query *q);

#endif
