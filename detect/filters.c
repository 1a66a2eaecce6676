#include "detect/filters.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "detect/lucene_query.h"

struct tr {
	struct strbuf *out;
	char *why;
	size_t whylen;
};

static int refuse(struct tr *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct tr *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->why, t->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A field name as KQL writes it: its special characters escaped. */
static void add_field(struct strbuf *out, const char *f)
{
	for (; *f; f++) {
		if (strchr("\\():<>\"{} \t", *f))
			strbuf_addch(out, '\\');
		strbuf_addch(out, *f);
	}
}

/* A value as a quoted KQL literal (a phrase: match_phrase; on a keyword, exactly the value). */
static int add_quoted(struct tr *t, const cJSON *v)
{
	struct strbuf *out = t->out;
	char num[64];
	const char *s = NULL;
	if (cJSON_IsString(v))
		s = v->valuestring;
	else if (cJSON_IsNumber(v))
		snprintf(num, sizeof(num), "%.17g", v->valuedouble), s = num;
	else if (cJSON_IsBool(v))
		s = cJSON_IsTrue(v) ? "true" : "false";
	if (!s)
		return refuse(t, "%s: a value must be a string, a number or a boolean", "value");
	strbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(out, '\\');
		strbuf_addch(out, *s);
	}
	strbuf_addch(out, '"');
	return 0;
}

/* A match query's text unquoted (words, as Kibana's match), its special characters escaped;
 * quoted when it holds a KQL keyword as a word. */
static int add_match_text(struct tr *t, const cJSON *v)
{
	if (!cJSON_IsString(v) || !*v->valuestring)
		return add_quoted(t, v);
	const char *s = v->valuestring;
	for (const char *w = s; *w;) {
		size_t n = strcspn(w, " \t\n");
		if ((n == 2 && !strncasecmp(w, "or", 2)) ||
		    (n == 3 && (!strncasecmp(w, "and", 3) || !strncasecmp(w, "not", 3))))
			return add_quoted(t, v);
		w += n;
		w += strspn(w, " \t\n");
	}
	for (; *s; s++) {
		if (strchr("\\():<>\"*{}", *s))
			strbuf_addch(t->out, '\\');
		strbuf_addch(t->out, *s);
	}
	return 0;
}

/* {"field": value} or {"field": {"query"|"value": value, ...}}: the field and the value. */
static int field_and_value(struct tr *t, const cJSON *body, const char *kind, const char *inner, const cJSON **value,
                           const cJSON **params)
{
	const cJSON *f = cJSON_IsObject(body) ? body->child : NULL;
	if (!f || f->next || !f->string)
		return refuse(t, "%s must name one field", kind);
	*params = cJSON_IsObject(f) ? f : NULL;
	*value = *params ? cJSON_GetObjectItemCaseSensitive(f, inner) : f;
	if (!*value)
		return refuse(t, "%s has no value", kind);
	strbuf_addch(t->out, '(');
	add_field(t->out, f->string);
	return 0;
}

static int translate(struct tr *t, const cJSON *q, int depth);

/* The clauses of a bool's occurrence (an object or an array of them), joined by op; negated
 * each when not is set. How many in *n. */
static int clauses(struct tr *t, const cJSON *c, const char *op, int negate, int depth, int *n)
{
	const cJSON *one = cJSON_IsArray(c) ? c->child : c;
	for (; one; one = cJSON_IsArray(c) ? one->next : NULL) {
		if ((*n)++)
			strbuf_addf(t->out, " %s ", op);
		if (negate)
			strbuf_addstr(t->out, "not ");
		strbuf_addch(t->out, '(');
		if (translate(t, one, depth + 1))
			return -1;
		strbuf_addch(t->out, ')');
	}
	return 0;
}

static int translate_bool(struct tr *t, const cJSON *b, int depth)
{
	const cJSON *must = cJSON_GetObjectItemCaseSensitive(b, "must"),
	            *filter = cJSON_GetObjectItemCaseSensitive(b, "filter"),
	            *should = cJSON_GetObjectItemCaseSensitive(b, "should"),
	            *must_not = cJSON_GetObjectItemCaseSensitive(b, "must_not"),
	            *msm = cJSON_GetObjectItemCaseSensitive(b, "minimum_should_match");
	int n = 0;
	if (clauses(t, must, "and", 0, depth, &n) || clauses(t, filter, "and", 0, depth, &n) ||
	    clauses(t, must_not, "and", 1, depth, &n))
		return -1;
	int nshould = cJSON_IsArray(should) ? cJSON_GetArraySize(should) : should != NULL;
	/* Elasticsearch: should is required (one match) when the bool has no must or filter, or
	 * when minimum_should_match says so; else it only scores */
	int want = msm ? (cJSON_IsNumber(msm) ? (int)msm->valuedouble : -1) : (must || filter ? 0 : 1);
	if (want < 0 || want > 1)
		return refuse(t, "bool: minimum_should_match %s is not supported (0 or 1 are)", "");
	if (nshould && want) {
		if (n++)
			strbuf_addstr(t->out, " and ");
		strbuf_addch(t->out, '(');
		int k = 0;
		if (clauses(t, should, "or", 0, depth, &k))
			return -1;
		strbuf_addch(t->out, ')');
	}
	if (!n)
		strbuf_addstr(t->out, "*:*"); /* an empty bool matches every document */
	return 0;
}

static int translate_range(struct tr *t, const cJSON *body)
{
	const cJSON *f = cJSON_IsObject(body) ? body->child : NULL;
	if (!f || f->next || !f->string || !cJSON_IsObject(f))
		return refuse(t, "%s must name one field and its bounds", "range");
	static const struct {
		const char *key, *op;
	} ops[] = {{"gte", ">="}, {"gt", ">"}, {"lte", "<="}, {"lt", "<"}};
	int n = 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, ops[i].key);
		if (!v || cJSON_IsNull(v))
			continue;
		if (n++)
			strbuf_addstr(t->out, " and ");
		add_field(t->out, f->string);
		strbuf_addf(t->out, " %s ", ops[i].op);
		if (add_quoted(t, v))
			return -1;
	}
	if (!n)
		strbuf_addstr(t->out, "*:*");
	return 0;
}

static int translate(struct tr *t, const cJSON *q, int depth)
{
	if (depth > FILTERS_MAX_DEPTH)
		return refuse(t, "nested deeper than %s levels", "16");
	const cJSON *kind = cJSON_IsObject(q) ? q->child : NULL;
	if (!kind || !kind->string)
		return refuse(t, "%s: a query must be an object with one member", "filter");
	const char *k = kind->string;
	const cJSON *value, *params;
	if (!strcmp(k, "match_phrase") || !strcmp(k, "term")) {
		if (field_and_value(t, kind, k, !strcmp(k, "term") ? "value" : "query", &value, &params))
			return -1;
		strbuf_addch(t->out, ':');
		if (add_quoted(t, value))
			return -1;
	} else if (!strcmp(k, "match")) {
		if (field_and_value(t, kind, k, "query", &value, &params))
			return -1;
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "type"));
		strbuf_addch(t->out, ':');
		if (type && !strcmp(type, "phrase") ? add_quoted(t, value) : add_match_text(t, value))
			return -1;
	} else if (!strcmp(k, "terms")) {
		const cJSON *f = cJSON_IsObject(kind) ? kind->child : NULL;
		if (!f || f->next || !f->string || !cJSON_IsArray(f) || !f->child)
			return refuse(t, "%s must name one field and its values", "terms");
		strbuf_addch(t->out, '(');
		add_field(t->out, f->string);
		strbuf_addstr(t->out, ":(");
		for (const cJSON *v = f->child; v; v = v->next) {
			if (v != f->child)
				strbuf_addstr(t->out, " or ");
			if (add_quoted(t, v))
				return -1;
		}
		strbuf_addch(t->out, ')');
	} else if (!strcmp(k, "exists")) {
		const char *f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(kind, "field"));
		if (!f)
			return refuse(t, "%s needs a field", "exists");
		strbuf_addch(t->out, '(');
		add_field(t->out, f);
		strbuf_addstr(t->out, ":*");
	} else if (!strcmp(k, "range")) {
		strbuf_addch(t->out, '(');
		if (translate_range(t, kind))
			return -1;
	} else if (!strcmp(k, "bool")) {
		strbuf_addch(t->out, '(');
		if (translate_bool(t, kind, depth))
			return -1;
	} else if (!strcmp(k, "query_string")) {
		/* Kibana's custom DSL / saved Lucene query: {query_string: {query: "..."}} */
		const char *lq = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(kind, "query"));
		if (!lq)
			return refuse(t, "%s needs a query", "query_string");
		char reason[160];
		char *kql = lucene_query_to_kql(lq, reason, sizeof(reason));
		if (!kql)
			return refuse(t, "query_string: %s", reason);
		strbuf_addch(t->out, '(');
		strbuf_addstr(t->out, kql);
		free(kql);
	} else if (!strcmp(k, "wildcard")) {
		/* {"wildcard": {"field": {"value"|"wildcard": "pattern", "case_insensitive": bool}}}, or
		 * {"field": "pattern"}: Elasticsearch's wildcard query, as kql_parse_filters reads it */
		const cJSON *f = cJSON_IsObject(kind) ? kind->child : NULL;
		int alias = cJSON_IsObject(f) && !cJSON_GetObjectItemCaseSensitive(f, "value");
		if (field_and_value(t, kind, k, alias ? "wildcard" : "value", &value, &params))
			return -1;
		if (!cJSON_IsString(value))
			return refuse(t, "%s: the value must be a string pattern", "wildcard");
		strbuf_addstr(
		    t->out, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "case_insensitive")) ? ":~i" : ":~");
		if (add_quoted(t, value))
			return -1;
	} else if (!strcmp(k, "match_all")) {
		strbuf_addstr(t->out, "(*:*");
	} else {
		return refuse(
		    t,
		    "a \"%.40s\" filter is not supported (match_phrase, match, term, terms, wildcard, exists, "
		    "range, bool, query_string and match_all are)",
		    k);
	}
	strbuf_addch(t->out, ')');
	return 0;
}

/* A filter's query: its "query" (Kibana 7.x on), else the member beside meta and $state (the
 * older exists, range, match_all at the top). */
static const cJSON *filter_query(const cJSON *f, cJSON *holder)
{
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(f, "query");
	if (cJSON_IsObject(q))
		return q;
	for (const cJSON *m = f->child; m; m = m->next)
		if (m->string && strcmp(m->string, "meta") && strcmp(m->string, "$state")) {
			holder->child = (cJSON *)m; /* a one-member view of the filter, not owned */
			return holder;
		}
	return NULL;
}

int filters_to_kql(const cJSON *filters, char **kql, char *why, size_t whylen)
{
	*kql = NULL;
	if (!cJSON_IsArray(filters))
		return filters ? (snprintf(why, whylen, "\"filters\" must be an array"), -1) : 0;
	struct strbuf out;
	strbuf_init(&out, 128);
	int n = 0, i = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, filters)
	{
		i++;
		const cJSON *meta = cJSON_GetObjectItemCaseSensitive(f, "meta");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "disabled")))
			continue;
		cJSON holder = {0};
		holder.type = cJSON_Object;
		const cJSON *q = cJSON_IsObject(f) ? filter_query(f, &holder) : NULL;
		char reason[200] = "";
		struct tr t = {&out, reason, sizeof(reason)};
		if (n)
			strbuf_addstr(&out, " and ");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "negate")))
			strbuf_addstr(&out, "not ");
		if (!q || translate(&t, q, 0)) {
			snprintf(why, whylen, "filter %d: %s", i, reason[0] ? reason : "it has no query");
			strbuf_release(&out);
			return -1;
		}
		n++;
	}
	if (!n) {
		strbuf_release(&out);
		return 0;
	}
	*kql = strbuf_detach(&out, NULL);
	return 0;
}
