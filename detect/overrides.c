#include "detect/overrides.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cJSON *overrides_get(const cJSON *source, const char *path)
{
	if (!cJSON_IsObject(source) || !path)
		return NULL;
	const cJSON *whole = cJSON_GetObjectItemCaseSensitive(source, path);
	if (whole) /* lodash's isKey: a member by that very name is the path */
		return whole;
	const cJSON *at = source;
	for (const char *p = path; at;) {
		size_t len = strcspn(p, ".");
		const cJSON *m = NULL;
		if (cJSON_IsObject(at))
			for (m = at->child; m && !(m->string && strlen(m->string) == len && !memcmp(m->string, p, len));
			     m = m->next)
				;
		at = m;
		if (!p[len])
			break;
		p += len + 1;
	}
	return at;
}

/* JavaScript's Number(text): blanks around, "" is 0; NaN when not a number. */
static double js_number(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n)
		return 0;
	char *copy = strndup(s, n), *end;
	if (!copy)
		return NAN;
	double v = strtod(copy, &end);
	int whole = *end == '\0' && !isalpha((unsigned char)copy[n - 1]); /* "inf", "nan": not JS */
	free(copy);
	return whole ? v : NAN;
}

/* A JSON number, parsed or kept as its text (common/jsonexact.h: a raw node). */
static int json_number(const cJSON *v, double *out)
{
	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 1;
	}
	if (!cJSON_IsRaw(v) || !v->valuestring)
		return 0;
	char *end;
	*out = strtod(v->valuestring, &end);
	return end != v->valuestring && *end == '\0';
}

/* JavaScript's Number.isSafeInteger. */
static int safe_integer(double v)
{
	return isfinite(v) && floor(v) == v && fabs(v) <= 9007199254740991.0;
}

static int severity_rank(const char *s)
{
	static const char *const ranks[] = {"low", "medium", "high", "critical"};
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, ranks[i]))
			return i;
	return -1;
}

/* Whether one of the event's values is the entry's: for event.severity (a long in ECS) the
 * entry's value as a whole number against the event's whole numbers; for another field the
 * entry's text against the event's strings and whole numbers as text. */
static int severity_value_matches(const cJSON *v, const char *field, const char *value)
{
	int ecs = !strcmp(field, "event.severity");
	double want = ecs ? floor(js_number(value)) : 0;
	const cJSON *one = cJSON_IsArray(v) ? v->child : v;
	for (; one; one = cJSON_IsArray(v) ? one->next : NULL) {
		double n;
		if (json_number(one, &n) && safe_integer(n)) {
			char text[32];
			snprintf(text, sizeof(text), "%.0f", n == 0 ? 0.0 : n); /* String(-0) is "0" */
			if (ecs ? n == want : !strcmp(text, value))
				return 1;
		} else if (!ecs && cJSON_IsString(one) && !strcmp(one->valuestring, value)) {
			return 1;
		}
	}
	return 0;
}

/* Kibana sorts the entries from low to high and keeps the last that matches: the highest
 * severity that matches, and of equal ones the last listed (Array.prototype.sort is stable). */
static const char *mapped_severity(const cJSON *mapping, const cJSON *ev)
{
	const char *best = NULL;
	int best_rank = -1;
	const cJSON *e;
	cJSON_ArrayForEach(e, mapping)
	{
		const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "field"));
		const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "value"));
		const char *severity = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "severity"));
		int rank = severity_rank(severity);
		if (!field || !value || rank < 0 || rank < best_rank)
			continue;
		const cJSON *v = overrides_get(ev, field);
		if (v && severity_value_matches(v, field, value)) {
			best = severity;
			best_rank = rank;
		}
	}
	return best;
}

/* A risk score from 0 to 100: a number, or a string JavaScript's Number reads as one. */
static int valid_risk(const cJSON *v, double *out)
{
	double n = NAN;
	if (!json_number(v, &n) && cJSON_IsString(v))
		n = js_number(v->valuestring);
	if (!isfinite(n) || n < 0 || n > 100)
		return 0;
	*out = n;
	return 1;
}

/* The first entry's field only (Kibana's "MVP"): its largest valid value. */
static int mapped_risk(const cJSON *mapping, const cJSON *ev, double *out)
{
	const cJSON *first = cJSON_IsArray(mapping) ? mapping->child : NULL;
	const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(first, "field"));
	const cJSON *v = field ? overrides_get(ev, field) : NULL;
	int found = 0;
	double n;
	const cJSON *one = cJSON_IsArray(v) ? v->child : v;
	for (; one; one = cJSON_IsArray(v) ? one->next : NULL)
		if (valid_risk(one, &n) && (!found || n > *out)) {
			*out = n;
			found = 1;
		}
	return found;
}

void overrides_compute(const cJSON *rule, const char *severity, double risk_score, const char *name, const cJSON *ev,
                       struct alert_overrides *o)
{
	*o = (struct alert_overrides){.severity = severity, .risk_score = risk_score, .name = name};
	const cJSON *sm = cJSON_GetObjectItemCaseSensitive(rule, "severity_mapping");
	const char *mapped = cJSON_IsArray(sm) ? mapped_severity(sm, ev) : NULL;
	if (mapped) {
		o->severity = mapped;
		o->severity_mapped = 1;
	}
	o->risk_mapped = mapped_risk(cJSON_GetObjectItemCaseSensitive(rule, "risk_score_mapping"), ev, &o->risk_score);
	const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "rule_name_override"));
	const cJSON *v = field ? overrides_get(ev, field) : NULL;
	if (cJSON_IsString(v)) { /* io-ts's t.string: "" too */
		o->name = v->valuestring;
		o->name_mapped = 1;
	}
}

int overrides_wanted(const cJSON *rule)
{
	static const char *const names[] = {"severity_mapping", "risk_score_mapping", "rule_name_override"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(rule, names[i]);
		if (v && !cJSON_IsNull(v))
			return 1;
	}
	return 0;
}

/* The member of obj named by the len bytes at name. */
static cJSON *member_n(const cJSON *obj, const char *name, size_t len)
{
	for (cJSON *m = obj ? obj->child : NULL; m; m = m->next)
		if (m->string && !strncmp(m->string, name, len) && m->string[len] == '\0')
			return m;
	return NULL;
}

/* JavaScript's v != null. */
static int has_value(const cJSON *v)
{
	return v && !cJSON_IsNull(v);
}

/* JavaScript's truthiness: not undefined, null, false, 0, NaN or "". */
static int truthy(const cJSON *v)
{
	double n;
	if (!has_value(v) || cJSON_IsFalse(v))
		return 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (json_number(v, &n))
		return n != 0 && !isnan(n);
	return 1;
}

/* robust_field_access.ts's robustGet: the member named key when it has a value, else the first
 * of key's dotted prefixes that has one, read on with the rest of key when it is an object. */
static const cJSON *robust_get(const cJSON *doc, const char *key)
{
	for (;;) {
		const cJSON *v = member_n(doc, key, strlen(key)), *next = NULL;
		if (has_value(v))
			return v;
		const char *dot;
		for (dot = strchr(key, '.'); dot && !next; dot = next ? dot : strchr(dot + 1, '.')) {
			v = member_n(doc, key, (size_t)(dot - key));
			if (has_value(v) && !cJSON_IsObject(v))
				return NULL;
			if (has_value(v))
				next = v;
		}
		if (!next)
			return NULL;
		doc = next;
		key = dot + 1;
	}
}

/* robustUnset: the first of key's dotted prefixes whose value is an object is descended into
 * with the rest of key (an empty one ends it, removing nothing); where none is, the member
 * named by the rest is removed, and with it each object on the way that it leaves empty. */
static void robust_unset(cJSON *doc, const char *key)
{
	cJSON *top_parent = NULL, *top = NULL; /* the highest object on the way left empty */
	for (;;) {
		cJSON *next = NULL;
		const char *dot;
		for (dot = strchr(key, '.'); dot && !next; dot = next ? dot : strchr(dot + 1, '.')) {
			cJSON *v = member_n(doc, key, (size_t)(dot - key));
			if (has_value(v) && cJSON_IsObject(v)) {
				if (!v->child)
					return;
				next = v;
			}
		}
		if (!next)
			break;
		if (next->child->next)
			top = NULL; /* it keeps another member */
		else if (!top)
			top_parent = doc, top = next;
		doc = next;
		key = dot + 1;
	}
	cJSON *leaf = member_n(doc, key, strlen(key));
	if (leaf)
		cJSON_Delete(top ? cJSON_DetachItemViaPointer(top_parent, top) : cJSON_DetachItemViaPointer(doc, leaf));
}

/* Whether a column is one mergeEsqlResultInSource sets (rowToDocument drops nulls, esql.ts the
 * hit's own _id, _version and _index). */
static int merged_column(const cJSON *c)
{
	return c->string && !cJSON_IsNull(c) && strcmp(c->string, "_id") && strcmp(c->string, "_version") &&
	       strcmp(c->string, "_index");
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether one column's name is another's followed by a dot ("a.b" and "a.b.c"): then a column
 * set early is seen by a later one's robustGet, and the columns are merged one by one. */
static int names_nest(const cJSON *columns)
{
	size_t n = 0, k = 0;
	for (const cJSON *c = columns->child; c; c = c->next)
		n += merged_column(c);
	if (n < 2)
		return 0;
	const char **names = malloc(n * sizeof(*names));
	if (!names)
		return 1;
	for (const cJSON *c = columns->child; c; c = c->next)
		if (merged_column(c))
			names[k++] = c->string;
	qsort(names, n, sizeof(*names), by_string);
	int nest = 0;
	for (size_t i = 0; i < n && !nest; i++) {
		size_t len = strlen(names[i]);
		/* the names that start with names[i] follow it: look while they do */
		for (size_t j = i + 1; j < n && !strncmp(names[j], names[i], len) && !nest; j++)
			nest = names[j][len] == '.';
	}
	free(names);
	return nest;
}

void overrides_esql_merge(cJSON *doc, cJSON *columns)
{
	if (!doc || !columns)
		return;
	/* Kibana sets each column in turn (unset when truthy, then assign). When no name nests in
	 * another, no column set can change what a later one's robustGet and robustUnset see, so
	 * every unset goes first, over the event's own members, and the assignments after: the
	 * same document, without scanning the columns already set for each one. */
	int in_turn = names_nest(columns);
	for (cJSON *c = columns->child; c; c = c->next) {
		if (!merged_column(c))
			continue;
		if (truthy(robust_get(doc, c->string)))
			robust_unset(doc, c->string);
		cJSON_DeleteItemFromObjectCaseSensitive(doc, c->string);
		if (in_turn)
			cJSON_AddItemToObject(doc, c->string, cJSON_Duplicate(c, 1));
	}
	for (cJSON *c = columns->child, *next; c && !in_turn; c = next) {
		next = c->next;
		if (!merged_column(c))
			continue;
		cJSON *moved = cJSON_DetachItemViaPointer(columns, c);
		cJSON_AddItemToObject(doc, moved->string, moved);
	}
}

cJSON *overrides_esql_source(const cJSON *source, const cJSON *columns)
{
	cJSON *doc = source ? cJSON_Duplicate(source, 1) : cJSON_CreateObject();
	cJSON *copy = cJSON_Duplicate(columns, 1);
	overrides_esql_merge(doc, copy);
	cJSON_Delete(copy);
	return doc;
}
