/* esql_search: an ES|QL query as the event browser's filter — the events whose rows the query
 * keeps, in the order its rows come (SORT, LIMIT), as KQL filters them. A query whose rows
 * have no event (STATS) is for `casebook esql`, which prints its columns. */
#include "detect/esql_search.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "detect/detect.h"
#include "detect/esql.h"
#include "store/alerts.h"
#include "store/events.h"

struct searching {
	struct esql_query *q;
	struct esql_row *rows;
	size_t nrows, cap, prefix;
	int bad;
};

static int read_event(void *ctx, const struct event_row *row)
{
	struct searching *sr = ctx;
	size_t n;
	char *const *indices = esql_indices(sr->q, &n);
	if (!index_matches((const char *const *)indices, n, row->r.index))
		return 0;
	cJSON *ev = row->doc ? cJSON_ParseWithLength(row->doc, row->doc_len) : NULL;
	if (!ev) {
		sr->bad++;
		return 0;
	}
	esql_rows_of(sr->q, ev, row->r.identity, row->r.index, row->id, &sr->rows, &sr->nrows, &sr->cap);
	cJSON_Delete(ev);
	return esql_fault(sr->q) || sr->nrows >= sr->prefix;
}

/* One LOOKUP JOIN's index: the case's events whose index is its name, handed to the query. */
struct lookup_load {
	struct esql_query *q;
	const char *index;
	size_t docs;
	int refused;
};

static int add_lookup_doc(void *ctx, const struct event_row *row)
{
	struct lookup_load *l = ctx;
	if (!row->r.index || strcmp(row->r.index, l->index))
		return 0;
	cJSON *doc = row->doc ? cJSON_ParseWithLength(row->doc, row->doc_len) : NULL;
	if (!doc)
		return 0; /* as FROM: a stored event that does not parse is none */
	l->refused = esql_lookup_add(l->q, l->index, doc) != 0;
	cJSON_Delete(doc);
	l->docs++;
	return l->refused;
}

int esql_load_lookups(struct store *s, struct esql_query *q, char *why, size_t whylen)
{
	const char *index;
	for (size_t i = 0; (index = esql_lookup_index(q, i)); i++) {
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(esql_lookup_index(q, k), index);
		if (seen)
			continue;
		struct lookup_load l = {q, index, 0, 0};
		struct event_query eq = {0};
		eq.want_doc = 1;
		if (store_events_each(s, &eq, add_lookup_doc, &l) < 0) {
			snprintf(why, whylen, "could not read the events: %.150s", store_errmsg(s));
			return -1;
		}
		if (l.refused || !l.docs) {
			snprintf(why, whylen,
			         l.refused
			             ? "LOOKUP JOIN: the index %.100s holds more than casebook joins (64 MiB)"
			             : "LOOKUP JOIN: the case holds no index named %.100s (ingest its documents, with "
			               "that _index, first)",
			         index);
			return -1;
		}
	}
	return 0;
}

int esql_search(struct store *s, const char *text, long limit, event_fn fn, void *ctx, char *why, size_t whylen)
{
	struct esql_error err;
	struct esql_query *q = esql_parse_query(text, &err); /* a hunt: NOW() is now */
	if (!q) {
		snprintf(why, whylen, "ES|QL %s at offset %zu: %s", err.unsupported ? "casebook does not run" : "error",
		         err.offset, err.msg);
		return -1;
	}
	if (esql_aggregates(q)) {
		snprintf(why, whylen, "STATS gives rows without events: run it with casebook esql");
		esql_free(q);
		return -1;
	}
	if (esql_load_lookups(s, q, why, whylen)) {
		esql_free(q);
		return -1;
	}
	struct searching sr = {q, NULL, 0, 0, esql_window_prefix(q), 0};
	struct event_query eq = {0};
	eq.want_doc = 1;
	/* typed as detect's; a positive status is read_event stopping the read */
	int rc = detect_load_field_types(s) || store_events_each(s, &eq, read_event, &sr) < 0;
	if (rc)
		snprintf(why, whylen, "could not read the events: %.150s", store_errmsg(s));
	if (!rc)
		esql_finish(q, &sr.rows, &sr.nrows);
	if (!rc && esql_fault(q)) {
		snprintf(why, whylen, "the query stopped: %.150s", esql_fault(q));
		rc = -1;
	}
	/* each row's event (MV_EXPAND's rows of one event show it once, where it first comes) */
	for (size_t i = 0; !rc && i < sr.nrows && (limit <= 0 || (long)i < limit); i++) {
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = sr.rows[k].tag == sr.rows[i].tag;
		if (!seen && store_event_get(s, sr.rows[i].tag, 1, fn, ctx) < 0) {
			snprintf(why, whylen, "could not read the events: %.150s", store_errmsg(s));
			rc = -1;
		}
	}
	for (size_t i = 0; i < sr.nrows; i++)
		esql_row_release(&sr.rows[i]);
	free(sr.rows);
	esql_free(q);
	return rc ? -1 : 0;
}

int esql_search_is_esql(const char *text)
{
	while (text && (*text == ' ' || *text == '\t' || *text == '\n'))
		text++;
	return text && !strncasecmp(text, "from", 4) && (text[4] == ' ' || text[4] == '\t' || text[4] == '\n');
}
