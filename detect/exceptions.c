#include "detect/exceptions.h"

#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "detect/wildcard.h"
#include "store/rules.h"
#include "store/triage.h"

struct exception_set {
	cJSON **items;
	size_t n;
};

/* Whether a field value equals an entry's value: strings exactly, numbers and booleans by
 * their text. */
static int value_equals(const cJSON *v, const char *want)
{
	if (cJSON_IsString(v))
		return !strcmp(v->valuestring, want);
	if (cJSON_IsNumber(v)) {
		char *end;
		double d = strtod(want, &end);
		return *want && *end == '\0' && d == v->valuedouble;
	}
	if (cJSON_IsBool(v))
		return !strcmp(want, cJSON_IsTrue(v) ? "true" : "false");
	return 0;
}

static int exception_entry_matches(const cJSON *entry, const cJSON *event);

struct entry_probe {
	const cJSON *entry;
	const char *type;
	struct wpat pat;
};

static int entry_value_hit(void *ctx, const cJSON *v)
{
	struct entry_probe *p = ctx;
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(p->entry, "value");
	if (!strcmp(p->type, "exists"))
		return !cJSON_IsNull(v);
	if (!strcmp(p->type, "match"))
		return cJSON_IsString(want) && value_equals(v, want->valuestring);
	if (!strcmp(p->type, "match_any")) {
		const cJSON *e;
		cJSON_ArrayForEach(e, want) if (cJSON_IsString(e) && value_equals(v, e->valuestring)) return 1;
		return 0;
	}
	if (!strcmp(p->type, "wildcard"))
		return cJSON_IsString(v) &&
		       wildcard_match(&p->pat, v->valuestring, strlen(v->valuestring), WILDCARD_QMARK);
	if (!strcmp(p->type, "nested")) {
		const cJSON *sub;
		if (!cJSON_IsObject(v))
			return 0;
		/* every sub-entry, relative to the same nested object */
		cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(
		                            p->entry, "entries")) if (!exception_entry_matches(sub, v)) return 0;
		return 1;
	}
	return 0;
}

/* An Elasticsearch wildcard value: '*' any run, '?' one character, '\' escapes. */
static void wildcard_pattern(const char *value, struct wpat *pat)
{
	struct strbuf piece;
	strbuf_init(&piece, 64);
	for (const char *c = value; *c; c++) {
		if (*c == '\\' && c[1]) {
			strbuf_addch(&piece, *++c);
		} else if (*c == '*') {
			wpat_add_piece(pat, piece.buf, piece.len);
			strbuf_reset(&piece);
		} else {
			strbuf_addch(&piece, *c);
		}
	}
	wpat_add_piece(pat, piece.buf, piece.len);
	strbuf_release(&piece);
}

static int exception_entry_matches(const cJSON *entry, const cJSON *event)
{
	const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "field"));
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "type"));
	const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "operator"));
	if (!field || !type || !strcmp(type, "list"))
		return 0; /* value lists are not supported: the item never matches */
	struct entry_probe p = {.entry = entry, .type = type};
	wpat_init(&p.pat);
	if (!strcmp(type, "wildcard")) {
		const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "value"));
		wildcard_pattern(value ? value : "", &p.pat);
	}
	int hit = field_each(event, field, strlen(field), entry_value_hit, &p) != 0;
	wpat_release(&p.pat);
	int excluded = op && !strcmp(op, "excluded");
	if (!strcmp(type, "nested"))
		return hit; /* Kibana gives nested entries no operator of their own */
	return excluded ? !hit : hit;
}

int exception_item_matches(const cJSON *item, const cJSON *event)
{
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(item, "entries");
	if (!cJSON_IsArray(entries) || cJSON_GetArraySize(entries) == 0)
		return 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, entries) if (!exception_entry_matches(e, event)) return 0;
	return 1;
}

struct load_ctx {
	struct exception_set *x;
	FILE *warn;
	const char *rule;
};

static int has_list_entry(const cJSON *entries)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, entries)
	{
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
		if (type && !strcmp(type, "list"))
			return 1;
		if (has_list_entry(cJSON_GetObjectItemCaseSensitive(e, "entries")))
			return 1;
	}
	return 0;
}

static int add_item(void *ctx, const struct exception_row *row)
{
	struct load_ctx *l = ctx;
	cJSON *item = cJSON_Parse(row->json);
	if (!item)
		return 0;
	if (has_list_entry(cJSON_GetObjectItemCaseSensitive(item, "entries")) && l->warn)
		diagf(l->warn,
		      "rule %s: exception item %s uses a value list, which casebook does not support; "
		      "it suppresses nothing\n",
		      l->rule, row->id);
	l->x->items = xrealloc(l->x->items, (l->x->n + 1) * sizeof(*l->x->items));
	l->x->items[l->x->n++] = item;
	return 0;
}

struct exception_set *exceptions_load(struct store *s, const struct rule *r, FILE *warn)
{
	struct exception_set *x = xcalloc(1, sizeof(*x));
	struct load_ctx l = {.x = x, .warn = warn, .rule = r->rule_id};
	for (size_t i = 0; i < r->nexceptions; i++)
		if (store_exception_items_each(s, r->exceptions[i].list_id, r->exceptions[i].namespace_type, add_item,
		                               &l)) {
			exceptions_free(x);
			return NULL;
		}
	return x;
}

int exceptions_match(const struct exception_set *x, const cJSON *event)
{
	for (size_t i = 0; i < x->n; i++)
		if (exception_item_matches(x->items[i], event))
			return 1;
	return 0;
}

size_t exceptions_count(const struct exception_set *x)
{
	return x->n;
}

void exceptions_free(struct exception_set *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		cJSON_Delete(x->items[i]);
	free(x->items);
	free(x);
}

/* ---- creating exceptions ---- */

struct rule_versions {
	struct rule_rows l;
	const char *rule_id;
};

static int collect_version(void *ctx, const struct rule_row *r)
{
	struct rule_versions *v = ctx;
	if (!strcmp(r->rule_id, v->rule_id))
		rule_rows_add(&v->l, r);
	return 0;
}

/* Adds {list_id, ...} to the rule's exceptions_list unless it is there; stores the rule. */
static int attach_list(struct store *s, const struct rule_row *row, const char *list_id)
{
	cJSON *rule = cJSON_Parse(row->json);
	if (!rule)
		return -1;
	cJSON *lists = cJSON_GetObjectItemCaseSensitive(rule, "exceptions_list");
	if (!cJSON_IsArray(lists)) {
		cJSON_DeleteItemFromObjectCaseSensitive(rule, "exceptions_list");
		lists = cJSON_AddArrayToObject(rule, "exceptions_list");
	}
	const cJSON *e;
	int present = 0;
	cJSON_ArrayForEach(e, lists)
	{
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "list_id"));
		present |= id && !strcmp(id, list_id);
	}
	int rc = 0;
	if (!present) {
		cJSON *ref = cJSON_CreateObject();
		cJSON_AddStringToObject(ref, "id", list_id);
		cJSON_AddStringToObject(ref, "list_id", list_id);
		cJSON_AddStringToObject(ref, "type", "rule_default");
		cJSON_AddStringToObject(ref, "namespace_type", "single");
		cJSON_AddItemToArray(lists, ref);
		char *json = cJSON_PrintUnformatted(rule);
		struct rule_row updated = *row;
		updated.json = json;
		enum upsert_result res;
		rc = store_rule_put(s, &updated, &res);
		cJSON_free(json);
	}
	cJSON_Delete(rule);
	return rc;
}

static int validate_spec(const struct exception_spec *spec, char *err, size_t errlen)
{
	const char *t = spec->type;
	if (strcmp(t, "match") && strcmp(t, "match_any") && strcmp(t, "wildcard") && strcmp(t, "exists")) {
		snprintf(err, errlen, "--type must be match, match_any, wildcard or exists");
		return -1;
	}
	if (!strcmp(t, "exists")      ? spec->nvalues != 0
	    : !strcmp(t, "match_any") ? spec->nvalues == 0
	                              : spec->nvalues != 1) {
		snprintf(err, errlen, "%s",
		         !strcmp(t, "exists")      ? "--type exists takes no --value"
		         : !strcmp(t, "match_any") ? "--type match_any needs at least one --value"
		                                   : "this --type takes exactly one --value");
		return -1;
	}
	if (spec->operator_ && strcmp(spec->operator_, "included") && strcmp(spec->operator_, "excluded")) {
		snprintf(err, errlen, "the operator must be included or excluded");
		return -1;
	}
	return 0;
}

static cJSON *build_item(const char *list_id, const char *rule_name, const struct exception_spec *spec,
                         char item_id[40])
{
	char when[TIME_ISO_LEN];
	time_format_iso8601(spec->now_us, when);
	struct sha256_ctx *h = sha256_begin();
	const char *parts[] = {list_id, spec->field, spec->type, when};
	for (size_t i = 0; i < 4; i++)
		sha256_update(h, parts[i], strlen(parts[i]) + 1);
	for (size_t i = 0; i < spec->nvalues; i++)
		sha256_update(h, spec->values[i], strlen(spec->values[i]) + 1);
	char hex[SHA256_HEX_LEN + 1];
	sha256_finish(h, hex);
	snprintf(item_id, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);

	cJSON *item = cJSON_CreateObject();
	cJSON_AddStringToObject(item, "item_id", item_id);
	cJSON_AddStringToObject(item, "list_id", list_id);
	cJSON_AddStringToObject(item, "namespace_type", "single");
	cJSON_AddStringToObject(item, "type", "simple");
	struct strbuf name;
	strbuf_init(&name, 64);
	strbuf_addf(&name, "%s: %s %s", rule_name, spec->field, spec->type);
	cJSON_AddStringToObject(item, "name", name.buf);
	strbuf_release(&name);
	cJSON_AddStringToObject(item, "description", spec->comment ? spec->comment : "added with casebook");
	cJSON *entries = cJSON_AddArrayToObject(item, "entries");
	cJSON *entry = cJSON_CreateObject();
	cJSON_AddStringToObject(entry, "field", spec->field);
	cJSON_AddStringToObject(entry, "operator", spec->operator_ ? spec->operator_ : "included");
	cJSON_AddStringToObject(entry, "type", spec->type);
	if (!strcmp(spec->type, "match_any")) {
		cJSON *vals = cJSON_AddArrayToObject(entry, "value");
		for (size_t i = 0; i < spec->nvalues; i++)
			cJSON_AddItemToArray(vals, cJSON_CreateString(spec->values[i]));
	} else if (spec->nvalues) {
		cJSON_AddStringToObject(entry, "value", spec->values[0]);
	}
	cJSON_AddItemToArray(entries, entry);
	cJSON *comments = cJSON_AddArrayToObject(item, "comments");
	if (spec->comment) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "comment", spec->comment);
		cJSON_AddStringToObject(c, "created_by", spec->analyst);
		cJSON_AddStringToObject(c, "created_at", when);
		cJSON_AddItemToArray(comments, c);
	}
	cJSON_AddStringToObject(item, "created_by", spec->analyst);
	cJSON_AddStringToObject(item, "created_at", when);
	return item;
}

int exception_add(struct store *s, const char *rule_id, const struct exception_spec *spec, char item_id[40], char *err,
                  size_t errlen)
{
	if (validate_spec(spec, err, errlen))
		return -1;
	struct rule_versions v = {.rule_id = rule_id};
	if (store_rules_each(s, collect_version, &v)) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		return -1;
	}
	if (v.l.n == 0) {
		rule_rows_release(&v.l);
		return 1;
	}
	struct strbuf list_id;
	strbuf_init(&list_id, 64);
	strbuf_addf(&list_id, "casebook-%s", rule_id);
	cJSON *list = cJSON_CreateObject();
	cJSON_AddStringToObject(list, "list_id", list_id.buf);
	cJSON_AddStringToObject(list, "type", "rule_default");
	cJSON_AddStringToObject(list, "namespace_type", "single");
	struct strbuf name;
	strbuf_init(&name, 64);
	strbuf_addf(&name, "Exceptions for %s", v.l.rows[0].name);
	cJSON_AddStringToObject(list, "name", name.buf);
	cJSON_AddStringToObject(list, "description", "Exceptions added with casebook");
	strbuf_release(&name);
	char *list_json = cJSON_PrintUnformatted(list);
	cJSON *item = build_item(list_id.buf, v.l.rows[0].name, spec, item_id);
	char *item_json = cJSON_PrintUnformatted(item);
	struct exception_row lrow = {
	    .id = list_id.buf, .list_id = list_id.buf, .namespace_type = "single", .json = list_json};
	struct exception_row irow = {
	    .id = item_id, .list_id = list_id.buf, .namespace_type = "single", .json = item_json};
	enum upsert_result res;
	int rc = store_begin(s);
	struct actor who = {.analyst = spec->analyst, .at_us = spec->now_us};
	if (!rc && store_exception_list_put(s, &lrow, &who, &res) == 0 &&
	    store_exception_item_put(s, &irow, &who, &res) == 0) {
		for (size_t i = 0; i < v.l.n && !rc; i++)
			rc = attach_list(s, &v.l.rows[i], list_id.buf);
		rc = rc || store_commit(s);
	} else {
		rc = -1;
	}
	if (rc) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		store_rollback(s);
	}
	cJSON_free(list_json);
	cJSON_free(item_json);
	cJSON_Delete(list);
	cJSON_Delete(item);
	strbuf_release(&list_id);
	rule_rows_release(&v.l);
	return rc ? -1 : 0;
}
