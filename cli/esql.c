/* esql: `casebook esql 'QUERY' [--json]`, an ES|QL query over the case as Discover runs one —
 * FROM reads the case's events whose index its patterns match, ROW starts from its own row —
 * printed as a table of its columns, or one JSON object a row. The evaluator is detect/esql.c,
 * the one ES|QL rules run on, so a hunt and a rule answer alike. */
#include <cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/listing.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "detect/detect.h"
#include "detect/esql.h"
#include "detect/esql_search.h"
#include "store/events.h"
#include "store/store.h"

#define ESQL_MAX_COLUMNS 1000 /* a table of more is printed with the first (JSON has them all) */
#define ESQL_CELL_WIDTH  60   /* on a terminal, the most a column takes but the last */

/* The document of an event whose row is in the answer, when the answer shows its fields (FROM
 * without KEEP or STATS): a row that went through SORT or LIMIT no longer holds its event, so
 * a second pass over the case reads the answer's events again (memory: the answer's, not the
 * window's). */
struct kept_doc {
	int64_t tag;
	char *doc;
	size_t len;
};

struct reading {
	struct esql_query *q;
	struct esql_row *rows;
	size_t nrows, cap, prefix;
	int64_t tag;
	int bad_documents;
	struct kept_doc *docs; /* by tag, ascending */
	size_t ndocs, dcap;
};

/* One event of the case: its rows, when FROM's patterns match its index. */
static int read_event(void *ctx, const struct event_row *row)
{
	struct reading *rd = ctx;
	size_t n;
	char *const *indices = esql_indices(rd->q, &n);
	if (!index_matches((const char *const *)indices, n, row->r.index))
		return 0;
	int64_t tag = rd->tag++; /* each event of the patterns has one, as keep_answer_doc counts */
	cJSON *ev = row->doc ? cJSON_ParseWithLength(row->doc, row->doc_len) : NULL;
	if (!ev) {
		rd->bad_documents++;
		return 0;
	}
	esql_rows_of(rd->q, ev, row->r.identity, row->r.index, tag, &rd->rows, &rd->nrows, &rd->cap);
	cJSON_Delete(ev);
	/* stop once what comes next cannot change the answer (LIMIT first, or no window command) */
	return esql_fault(rd->q) || rd->nrows >= rd->prefix;
}

struct doc_pass {
	struct reading *rd;
	int64_t *need; /* the answer's events' tags, ascending, each once */
	size_t nneed, at;
	int64_t tag;
};

/* The second pass: the events of the patterns counted as read_event counts them; those of the
 * answer's rows kept. Stops when the last is found. */
static int keep_answer_doc(void *ctx, const struct event_row *row)
{
	struct doc_pass *dp = ctx;
	struct reading *rd = dp->rd;
	size_t n;
	char *const *indices = esql_indices(rd->q, &n);
	if (!index_matches((const char *const *)indices, n, row->r.index))
		return 0;
	int64_t tag = dp->tag++;
	if (dp->at < dp->nneed && dp->need[dp->at] == tag) {
		if (rd->ndocs == rd->dcap)
			rd->docs = xrealloc(rd->docs, (rd->dcap = rd->dcap ? rd->dcap * 2 : 64) * sizeof(*rd->docs));
		rd->docs[rd->ndocs++] = (struct kept_doc){tag, xstrndup(row->doc, row->doc_len), row->doc_len};
		dp->at++;
	}
	return dp->at == dp->nneed;
}

static int by_tag(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The documents of the answer's events, when it shows their fields; -1 when the case could not
 * be read. */
static int read_answer_docs(struct store *s, struct reading *rd)
{
	if (!esql_answer_reads_event(rd->q) || !rd->nrows)
		return 0;
	struct doc_pass dp = {rd, xmalloc(rd->nrows * sizeof(int64_t)), 0, 0, 0};
	for (size_t i = 0; i < rd->nrows; i++)
		dp.need[i] = rd->rows[i].tag;
	qsort(dp.need, rd->nrows, sizeof(int64_t), by_tag);
	for (size_t i = 0; i < rd->nrows; i++)
		if (!dp.nneed || dp.need[dp.nneed - 1] != dp.need[i])
			dp.need[dp.nneed++] = dp.need[i];
	struct event_query eq = {0};
	eq.want_doc = 1;
	int rc = store_events_each(s, &eq, keep_answer_doc, &dp) < 0 ? -1 : 0;
	free(dp.need);
	return rc;
}

static const struct kept_doc *kept_doc(const struct reading *rd, int64_t tag)
{
	size_t lo = 0, hi = rd->ndocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rd->docs[mid].tag < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rd->ndocs && rd->docs[lo].tag == tag ? &rd->docs[lo] : NULL;
}

/* The rows as JSON objects, every column: with their events' fields when the answer has them. */
static cJSON **rows_json(const struct reading *rd)
{
	cJSON **objs = xcalloc(rd->nrows ? rd->nrows : 1, sizeof(*objs));
	for (size_t i = 0; i < rd->nrows; i++) {
		const struct esql_row *r = &rd->rows[i];
		const struct kept_doc *d = kept_doc(rd, r->tag);
		cJSON *ev = d ? cJSON_ParseWithLength(d->doc, d->len) : NULL;
		objs[i] = cJSON_CreateObject();
		if (ev)
			esql_row_answer_json(rd->q, r, ev, objs[i]);
		else
			esql_row_to_json(r, objs[i], 1);
		cJSON_Delete(ev);
	}
	return objs;
}

/* A cell's text: a string as it is, anything else as JSON (numbers, arrays, null as "-"). */
static char *cell_text(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	char *t = cJSON_PrintUnformatted(v);
	char *out = xstrdup(t ? t : "");
	cJSON_free(t);
	return out;
}

/* The columns: every name the rows have, in the order first seen. */
static size_t column_names(cJSON **objs, size_t n, const char ***names)
{
	size_t count = 0, cap = 0;
	*names = NULL;
	for (size_t i = 0; i < n; i++) {
		const cJSON *m;
		cJSON_ArrayForEach(m, objs[i])
		{
			size_t k = 0;
			while (k < count && strcmp((*names)[k], m->string))
				k++;
			if (k < count || count == ESQL_MAX_COLUMNS)
				continue;
			if (count == cap)
				*names = xrealloc(*names, (cap = cap ? cap * 2 : 16) * sizeof(**names));
			(*names)[count++] = m->string;
		}
	}
	return count;
}

static void print_table(cJSON **objs, size_t n, struct strbuf *out)
{
	const char **names;
	size_t nc = column_names(objs, n, &names);
	if (!nc) {
		free(names);
		return;
	}
	struct listing_column *cols = xcalloc(nc, sizeof(*cols));
	for (size_t c = 0; c < nc; c++) {
		int w = (int)strlen(names[c]);
		for (size_t i = 0; i < n; i++) {
			char *t = cell_text(cJSON_GetObjectItemCaseSensitive(objs[i], names[c]));
			int len = t ? (int)strlen(t) : 1;
			if (len > w)
				w = len;
			free(t);
		}
		cols[c] =
		    (struct listing_column){names[c], w < ESQL_CELL_WIDTH ? w : ESQL_CELL_WIDTH, 0, (int)(nc - c), 0};
		if (c == nc - 1) /* the last takes the rest of the line */
			cols[c].width = 0, cols[c].min = 4, cols[c].priority = 0;
	}
	struct listing t;
	listing_init(&t, cols, nc, listing_terminal_width());
	listing_header(&t, out);
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < nc; c++) {
			char *text = cell_text(cJSON_GetObjectItemCaseSensitive(objs[i], names[c]));
			listing_cell(&t, c, out, text);
			free(text);
		}
	listing_release(&t);
	free(cols);
	free(names);
}

/* Writes the answer; 0, or -1 when stdout would not take it. */
static int print_rows(const struct reading *rd, int json)
{
	size_t n = rd->nrows;
	cJSON **objs = rows_json(rd);
	struct strbuf out;
	strbuf_init(&out, 4096);
	if (json) {
		for (size_t i = 0; i < n; i++) {
			char *text = cJSON_PrintUnformatted(objs[i]);
			if (text)
				sanitize_json_append(&out, text, strlen(text));
			strbuf_addch(&out, '\n');
			cJSON_free(text);
		}
	} else {
		print_table(objs, n, &out);
	}
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(objs[i]);
	free(objs);
	int failed = fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout) != 0;
	strbuf_release(&out);
	return failed ? -1 : 0;
}

int cmd_esql(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	int json = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			return option_error("esql", argv);
	}
	if (optind + 1 != argc)
		return command_usage_error("esql", "takes one query (FROM ... or ROW ...)");
	struct esql_error err;
	struct esql_query *q = esql_parse_query(argv[optind], &err);
	if (!q) {
		char *msg = sanitize_dup(err.msg, 0);
		diag("casebook esql: %s at offset %zu: %s\n",
		     err.unsupported ? "casebook does not run this ES|QL" : "the query does not parse", err.offset,
		     msg);
		free(msg);
		return err.unsupported ? 1 : EXIT_USAGE;
	}
	struct reading rd = {q, NULL, 0, 0, esql_window_prefix(q), 0, 0, NULL, 0, 0};
	int rc = 0;
	struct store *s = NULL;
	if (!esql_is_row(q) || esql_lookup_index(q, 0)) { /* FROM, or a LOOKUP JOIN's index */
		if (open_store(g, STORE_READONLY, &s)) {
			esql_free(q);
			return 1;
		}
		/* the case's imported mapping types the fields, as detect's ES|QL rules see them */
		if (detect_load_field_types(s)) {
			diag("casebook: %s\n", store_errmsg(s));
			rc = 1;
		} else {
			char why[300];
			int lrc = esql_load_lookups(s, q, why, sizeof(why));
			if (lrc) {
				char *msg = sanitize_dup(why, 0);
				diag("casebook esql: %s\n", msg);
				free(msg);
				rc = 1;
			}
		}
	}
	if (!rc && esql_is_row(q)) {
		esql_rows_of(q, NULL, NULL, NULL, 0, &rd.rows, &rd.nrows, &rd.cap);
	} else if (!rc) {
		struct event_query eq = {0};
		eq.want_doc = 1;
		if (store_events_each(s, &eq, read_event, &rd) < 0) { /* > 0: read_event stopped */
			diag("casebook: %s\n", store_errmsg(s));
			rc = 1;
		}
	}
	if (!rc)
		esql_finish(q, &rd.rows, &rd.nrows);
	if (!rc && s && !esql_fault(q) && read_answer_docs(s, &rd)) {
		diag("casebook: %s\n", store_errmsg(s));
		rc = 1;
	}
	if (s)
		store_close(s);
	if (!rc && esql_fault(q)) {
		diag("casebook esql: the query stopped: %s\n", esql_fault(q));
		rc = 1;
	}
	if (!rc && print_rows(&rd, json))
		rc = 1; /* main says that standard output failed */
	size_t warnings;
	const char *w = esql_warning(q, &warnings);
	if (!rc && w)
		diag("casebook esql: warning: %zu value%s made null (the first: %s), as Elasticsearch warns\n",
		     warnings, warnings == 1 ? "" : "s", w);
	if (!rc && esql_given_up(q))
		diag("casebook esql: %zu event%s gave no rows: a regular expression reached a limit\n",
		     esql_given_up(q), esql_given_up(q) == 1 ? "" : "s");
	if (!rc && rd.bad_documents)
		diag("casebook esql: %d stored event%s could not be read\n", rd.bad_documents,
		     rd.bad_documents == 1 ? "" : "s");
	for (size_t i = 0; i < rd.nrows; i++)
		esql_row_release(&rd.rows[i]);
	free(rd.rows);
	for (size_t i = 0; i < rd.ndocs; i++)
		free(rd.docs[i].doc);
	free(rd.docs);
	esql_free(q);
	return rc;
}
