/* rule: reads a Kibana detection rule (detect/rule.h) with Kibana's defaults, asking the rule
 * type table (detect/ruletype.h) for its language, checks and parse check; and the import. */

#include "detect/rule.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/number.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "detect/filters.h"
#include "detect/kql.h"
#include "detect/lucene_query.h"
#include "detect/pack.h"
#include "detect/rulefields.h"
#include "detect/ruletype.h"
#include "store/triage.h"

int64_t rule_window_from(const struct rule *r, int64_t T)
{
	return date_math_apply(&r->from_math, T, 0);
}

int64_t rule_window_to(const struct rule *r, int64_t T)
{
	return date_math_apply(&r->to_math, T, 1);
}

/* A member's text in a reason, " (TEXT) ", its first 40 bytes: for "%s%.40s%s". */
#define QUOTED_TEXT(t) (t) ? " (" : " ", (t) ? (t) : "", !(t) ? "" : strlen(t) > 40 ? "…) " : ") "

/* Reads a rule's date math member; the reason names it, its text and what is wrong. 0 or -1. */
static int date_math_field(const char *name, const char *text, const char *example, struct date_math *m, char *why,
                           size_t whylen)
{
	char dm_why[120];
	if (!date_math_parse(text, m, dm_why, sizeof(dm_why)))
		return 0;
	snprintf(why, whylen, "\"%s\"%s%.40s%smust be date math such as %s: %s", name, QUOTED_TEXT(text), example,
	         dm_why);
	return -1;
}

static char *dup_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

/* Fills a missing member with a default, as Kibana does. */
static void default_string(cJSON *obj, const char *key, const char *value)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_AddStringToObject(obj, key, value);
}

static void default_number(cJSON *obj, const char *key, double value)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_AddNumberToObject(obj, key, value);
}

/* A stable id for rules that come without one: a UUID-shaped SHA-256 of the rule_id. */
static void derived_uuid(const char *rule_id, char out[37])
{
	char hex[SHA256_HEX_LEN + 1];
	sha256_hex(rule_id, strlen(rule_id), hex);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static int fail_why(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -1;
}

/* A whole number within [min, max]; anything else (a string, 1e71, 2.5) is an error, since
 * converting an out-of-range double to an integer is undefined (found by fuzz_rule). */
static int integer_field(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out, char *why,
                         size_t whylen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (cJSON_IsNumber(v) && !number_whole_int64(v->valuedouble, min, max, out))
		return 0;
	snprintf(why, whylen, "\"%s\" must be a whole number from %lld to %lld", key, (long long)min, (long long)max);
	return -1;
}

/* Why a rule of a type detect has no row for does not run: the types that run, as the table
 * lists them. */
static void not_run_reason(const struct rule *r, char *reason, size_t len)
{
	struct strbuf types;
	strbuf_init(&types, 128);
	for (size_t i = 0; rule_type_at(i); i++)
		strbuf_addf(&types, "%s%s", i == 0 ? "" : rule_type_at(i + 1) ? ", " : " and ", rule_type_at(i)->name);
	snprintf(reason, len, "rules of type \"%.40s\" are not run (%s are)", r->type, types.buf);
	strbuf_release(&types);
}

/* Whether the rule's Kibana filters are what detect cannot apply: one it does not understand
 * (the reason in reason), or any on a type that does not apply them (ES|QL: it reads no KQL). */
static int filters_unsupported(const cJSON *obj, const struct rule_type *rt, char *reason, size_t len)
{
	char *kql = NULL, why[200];
	int bad = filters_to_kql(cJSON_GetObjectItemCaseSensitive(obj, "filters"), &kql, why, sizeof(why));
	if (bad)
		snprintf(reason, len, "\"filters\": %.200s", why);
	else if (kql && rt->filters_unapplied)
		snprintf(reason, len, "%s", rt->filters_unapplied);
	free(kql);
	return bad || reason[0];
}

/* A KQL type's rule in language lucene (Elasticsearch's query_string syntax): its query
 * rewritten as the KQL that says the same (detect/lucene_query.c), so the type runs it as
 * KQL; the rule's JSON keeps the Lucene text. -1 with the reason when KQL cannot say it. */
static int lucene_as_kql(struct rule *r, const struct rule_type *rt, char *reason, size_t len)
{
	if (!rt->language || strcmp(rt->language, "kuery") || !r->language || strcmp(r->language, "lucene") ||
	    !r->query)
		return 0;
	char why[120];
	char *kql = lucene_query_to_kql(r->query, why, sizeof(why));
	if (!kql) {
		snprintf(reason, len, "the lucene query: %.120s", why);
		return -1;
	}
	free(r->query);
	r->query = kql;
	free(r->language);
	r->language = xstrdup("kuery");
	return 0;
}

int rule_from_json(const cJSON *in, struct rule *r, char *why, size_t whylen)
{
	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(in))
		return fail_why(why, whylen, "a rule must be a JSON object");
	static const char *const required[] = {"name", "description", "risk_score", "severity", "type"};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!cJSON_GetObjectItemCaseSensitive(in, required[i])) {
			snprintf(why, whylen, "the rule has no \"%s\"", required[i]);
			return -1;
		}
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(in, "rule_id");
	if (!cJSON_IsString(rid) || !*rid->valuestring)
		return fail_why(why, whylen, "the rule has no \"rule_id\"");
	cJSON *obj = cJSON_Duplicate(in, 1);
	r->obj = obj;
	default_string(obj, "interval", "5m");
	default_string(obj, "from", "now-6m");
	default_string(obj, "to", "now");
	default_number(obj, "max_signals", 100);
	default_number(obj, "version", 1);
	if (!cJSON_GetObjectItemCaseSensitive(obj, "enabled"))
		cJSON_AddBoolToObject(obj, "enabled", 1);
	/* Kibana's default language: the one the type takes (KQL, "kuery", for most) */
	const struct rule_type *typed =
	    rule_type_find(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "type")));
	if (typed && typed->language)
		default_string(obj, "language", typed->language);
	if (!cJSON_GetObjectItemCaseSensitive(obj, "id")) {
		char id[37];
		derived_uuid(rid->valuestring, id);
		cJSON_AddStringToObject(obj, "id", id);
	}
	r->rule_id = dup_string(obj, "rule_id");
	r->uuid = dup_string(obj, "id");
	r->name = dup_string(obj, "name");
	r->type = dup_string(obj, "type");
	r->language = dup_string(obj, "language");
	r->query = dup_string(obj, "query");
	r->severity = dup_string(obj, "severity");
	r->timestamp_override = dup_string(obj, "timestamp_override");
	r->interval = dup_string(obj, "interval");
	r->from = dup_string(obj, "from");
	r->to = dup_string(obj, "to");
	if (!r->name || !r->type || !r->severity) {
		rule_release(r);
		return fail_why(why, whylen, "\"name\", \"type\" and \"severity\" must be strings");
	}
	const cJSON *v;
	/* Kibana's ranges: risk_score 0-100, version from 1; max_signals below 1 falls back to 100 */
	if (integer_field(obj, "version", 1, INT32_MAX, &r->version, why, whylen) ||
	    integer_field(obj, "risk_score", 0, 100, &r->risk_score, why, whylen) ||
	    integer_field(obj, "max_signals", INT32_MIN, INT32_MAX, &r->max_signals, why, whylen)) {
		rule_release(r);
		return -1;
	}
	r->enabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "enabled"));
	if (time_parse_duration(r->interval, &r->interval_us) || r->interval_us <= 0) {
		snprintf(
		    why, whylen,
		    "\"interval\"%s%.40s%smust be a duration such as 5m: a number up to 1000000 and a unit, ms, s, "
		    "m, h or d",
		    QUOTED_TEXT(r->interval));
		rule_release(r);
		return -1;
	}
	int64_t from_least; /* not needed: the window's start only bounds the candidates by its most */
	if (date_math_field("from", r->from, "now-6m", &r->from_math, why, whylen) ||
	    date_math_field("to", r->to, "now", &r->to_math, why, whylen)) {
		rule_release(r);
		return -1;
	}
	date_math_bounds(&r->from_math, 0, &from_least, &r->lookback_us);
	date_math_bounds(&r->to_math, 1, &r->to_offset_us, &r->to_offset_max_us);
	if (rule_window_from(r, 0) > rule_window_to(r, 0)) {
		rule_release(r);
		return fail_why(why, whylen, "\"from\" must not be after \"to\"");
	}
	if (r->max_signals <= 0)
		r->max_signals = 100;
	if (r->max_signals > RULE_MAX_ALERTS)
		r->max_signals = RULE_MAX_ALERTS; /* Kibana caps it at xpack.alerting.rules.run.alerts.max */
	r->unapplied = rulefields_unapplied(obj);
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "index")) && cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v) if (cJSON_IsString(e))
		{
			r->index = xrealloc(r->index, (r->nindex + 1) * sizeof(*r->index));
			r->index[r->nindex++] = xstrdup(e->valuestring);
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "exceptions_list")) && cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			char *list = dup_string(e, "list_id");
			if (!list)
				continue;
			char *ns = dup_string(e, "namespace_type");
			r->exceptions = xrealloc(r->exceptions, (r->nexceptions + 1) * sizeof(*r->exceptions));
			r->exceptions[r->nexceptions].list_id = list;
			r->exceptions[r->nexceptions].namespace_type = ns ? ns : xstrdup("single");
			r->nexceptions++;
		}
	}
	char reason[240] = "";
	const struct rule_type *rt = rule_type_find(r->type);
	if (!rt)
		not_run_reason(r, reason, sizeof(reason));
	else if (lucene_as_kql(r, rt, reason, sizeof(reason)))
		; /* the reason says what of the Lucene query KQL cannot say */
	else if (rt->language && !rt->checks_language && (!r->language || strcmp(r->language, rt->language)))
		snprintf(reason, sizeof(reason), "query language \"%s\" is not supported (KQL, \"kuery\", is)",
		         r->language ? r->language : "");
	else if (rt->check && rt->check(r, reason, sizeof(reason)))
		;                           /* the type said why */
	else if (rt->language && !r->query) /* a type without a language takes no query (machine_learning) */
		snprintf(reason, sizeof(reason), "the rule has no query");
	else
		filters_unsupported(obj, rt, reason, sizeof(reason)); /* says why */
	if (!reason[0] && rt->query_unsupported) /* a construct Elasticsearch runs and casebook cannot yet */
		rt->query_unsupported(r, reason, sizeof(reason));
	if (reason[0])
		r->unsupported = xstrdup(reason);
	return 0;
}

int rule_from_row(const struct rule_row *row, struct rule *r, char *why, size_t whylen)
{
	cJSON *obj = cJSON_Parse(row->json);
	if (!obj) {
		snprintf(why, whylen, "the stored rule %s is not valid JSON", row->rule_id);
		return -1;
	}
	int rc = rule_from_json(obj, r, why, whylen);
	cJSON_Delete(obj);
	if (rc == 0) {
		r->key = row->key;
		r->enabled = row->enabled;
	}
	return rc;
}

void rule_release(struct rule *r)
{
	free(r->rule_id);
	free(r->uuid);
	free(r->name);
	free(r->type);
	free(r->language);
	free(r->query);
	free(r->severity);
	free(r->timestamp_override);
	free(r->interval);
	free(r->from);
	free(r->to);
	for (size_t i = 0; i < r->nindex; i++)
		free(r->index[i]);
	free(r->index);
	for (size_t i = 0; i < r->nexceptions; i++) {
		free(r->exceptions[i].list_id);
		free(r->exceptions[i].namespace_type);
	}
	free(r->exceptions);
	free(r->unsupported);
	free(r->unapplied);
	cJSON_Delete(r->obj);
	memset(r, 0, sizeof(*r));
}

/* ---- import ---- */

/* How an import treats a rule the case already has (the same rule_id and version). */
enum on_existing {
	REPLACE_EXISTING, /* an analyst's import: the file's text replaces the stored one */
	KEEP_EXISTING,    /* the bundled pack: what the analyst set (exceptions, edits) is kept */
};

/* Whether a rule detect would run has a query its language parses; else the error, with the
 * column, in why (an import reports it: "process where (" used to import as valid). A query
 * Elasticsearch runs and casebook cannot yet (an EQL sample) is marked unsupported by
 * rule_from_json and kept. */
static int query_parses(const struct rule *r, char *why, size_t whylen)
{
	if (r->unsupported || !r->query)
		return 1;
	const struct rule_type *rt = rule_type_find(r->type);
	return !rt || !rt->query_parses || rt->query_parses(r, why, whylen);
}

/* What the case holds of a rule_id before an import writes one of its versions. */
struct stored_rule {
	int64_t version; /* the version being written */
	int found;       /* that version is stored ... */
	int stand_in;    /* ... as the rule a Kibana alert brought */
	cJSON *same;     /* that version's stored JSON */
	cJSON *lists;    /* the exceptions_list entries of every stored version */
};

static int same_list(const cJSON *a, const cJSON *b)
{
	const char *id_a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "list_id"));
	const char *id_b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "list_id"));
	const char *ns_a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "namespace_type"));
	const char *ns_b = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "namespace_type"));
	return id_a && id_b && !strcmp(id_a, id_b) && !strcmp(ns_a ? ns_a : "single", ns_b ? ns_b : "single");
}

static int has_list(const cJSON *lists, const cJSON *ref)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, lists) if (same_list(e, ref)) return 1;
	return 0;
}

static int is_list_ref(const cJSON *e)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "list_id")) != NULL;
}

static int read_stored_version(void *ctx, const struct rule_row *row)
{
	struct stored_rule *v = ctx;
	cJSON *obj = cJSON_Parse(row->json);
	const cJSON *lists = cJSON_GetObjectItemCaseSensitive(obj, "exceptions_list"), *e;
	if (cJSON_IsArray(lists))
		cJSON_ArrayForEach(e, lists) if (is_list_ref(e) && !has_list(v->lists, e))
		    cJSON_AddItemToArray(v->lists, cJSON_Duplicate(e, 1));
	if (row->version == v->version) {
		v->found = 1;
		v->stand_in = !strcmp(row->source, RULE_SOURCE_ALERT);
		v->same = obj;
	} else {
		cJSON_Delete(obj);
	}
	return 0;
}

/* Attaches to the rule every exceptions list a stored version of it has (an analyst's
 * `exception add`, a list of an earlier import), naming in kept those the rule lacked. */
static void keep_lists(cJSON *rule, const cJSON *stored, struct strbuf *kept)
{
	cJSON *lists = cJSON_GetObjectItemCaseSensitive(rule, "exceptions_list");
	const cJSON *e;
	cJSON_ArrayForEach(e, stored)
	{
		if (cJSON_IsArray(lists) && has_list(lists, e))
			continue;
		if (!cJSON_IsArray(lists)) {
			cJSON_DeleteItemFromObjectCaseSensitive(rule, "exceptions_list");
			lists = cJSON_AddArrayToObject(rule, "exceptions_list");
		}
		cJSON_AddItemToArray(lists, cJSON_Duplicate(e, 1));
		strbuf_addf(kept, "%s%s", kept->len ? ", " : "",
		            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "list_id")));
	}
}

/* The members of `now` that differ from `was`: "query, severity changed; tags added". */
static void describe_changes(const cJSON *was, const cJSON *now, struct strbuf *out)
{
	static const char *const verbs[] = {"changed", "added", "removed"};
	size_t start = out->len;
	for (int kind = 0; kind < 3; kind++) {
		const cJSON *from = kind == 2 ? was : now, *other = kind == 2 ? now : was, *m;
		size_t before = out->len;
		cJSON_ArrayForEach(m, from)
		{
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(other, m->string);
			if (kind == 0 ? o && !cJSON_Compare(m, o, 1) : !o)
				strbuf_addf(out, "%s%s",
				            out->len > before ? ", "
				            : before > start  ? "; "
				                              : "",
				            m->string);
		}
		if (out->len > before)
			strbuf_addf(out, " %s", verbs[kind]);
	}
}

/* Stores a parsed rule (its JSON with the defaults filled) under source. Every exceptions list
 * a stored version of it has stays attached; what an analyst's import changed goes to said. */
static int put_rule(struct store *s, struct rule *r, const char *source, const char *metadata, enum on_existing mode,
                    enum upsert_result *res, struct strbuf *said)
{
	struct stored_rule v = {.version = r->version, .lists = cJSON_CreateArray()};
	if (store_rule_versions_each(s, r->rule_id, read_stored_version, &v)) {
		cJSON_Delete(v.lists);
		cJSON_Delete(v.same);
		return -1;
	}
	struct strbuf kept;
	strbuf_init(&kept, 64);
	keep_lists(r->obj, v.lists, &kept);
	char *json = cJSON_PrintUnformatted(r->obj);
	struct rule_row row = {.rule_id = r->rule_id,
	                       .version = r->version,
	                       .uuid = r->uuid,
	                       .name = r->name,
	                       .type = r->type,
	                       .language = r->language,
	                       .enabled = r->enabled,
	                       .source = source,
	                       .json = json,
	                       .metadata = metadata};
	int rc = mode == KEEP_EXISTING ? store_rule_add_missing(s, &row, res) : store_rule_put(s, &row, res);
	cJSON_free(json);
	if (!rc && mode == REPLACE_EXISTING && *res == UPSERT_UPDATED) {
		strbuf_addstr(said, "updated: ");
		if (v.stand_in)
			strbuf_addf(said, "it replaces the rule a Kibana alert brought (stored disabled); %s",
			            r->enabled ? "enabled now" : "disabled, as the file says");
		else
			describe_changes(v.same, r->obj, said);
	}
	if (!rc && mode == REPLACE_EXISTING && kept.len)
		strbuf_addf(said, "%skeeps the exceptions list%s %s, which the file does not name",
		            said->len ? "; " : "", strchr(kept.buf, ',') ? "s" : "", kept.buf);
	strbuf_release(&kept);
	cJSON_Delete(v.lists);
	cJSON_Delete(v.same);
	return rc;
}

static int store_rule_meta(struct store *s, const cJSON *obj, const char *source, const char *metadata,
                           enum on_existing mode, struct import_counts *c, const struct diag_sink *errors,
                           const char *where)
{
	struct rule r;
	char why[300];
	if (rule_from_json(obj, &r, why, sizeof(why))) {
		diag_say(errors, "%s: skipped: %s\n", where, why);
		c->rules_invalid++;
		return 0;
	}
	if (!query_parses(&r, why, sizeof(why))) {
		diag_say(errors, "%s: skipped: rule \"%s\" (%s): %s\n", where, r.name, r.rule_id, why);
		c->rules_invalid++;
		rule_release(&r);
		return 0;
	}
	enum upsert_result res;
	struct strbuf said;
	strbuf_init(&said, 64);
	int rc = put_rule(s, &r, source, metadata, mode, &res, &said);
	if (rc == 0) {
		if (res == UPSERT_ADDED)
			c->rules_added++;
		else if (res == UPSERT_UPDATED)
			c->rules_updated++;
		else
			c->rules_unchanged++;
		if (said.len)
			diag_say(errors, "%s: rule \"%s\" (%s v%lld) %s\n", where, r.name, r.rule_id,
			         (long long)r.version, said.buf);
		if (r.unsupported) {
			diag_say(errors, "%s: rule \"%s\" (%s) stored but detect will skip it: %s\n", where, r.name,
			         r.rule_id, r.unsupported);
			c->unsupported++;
		} else if (r.unapplied) {
			diag_say(
			    errors,
			    "%s: rule \"%s\" (%s): casebook does not apply %s: its alerts will differ from Kibana's\n",
			    where, r.name, r.rule_id, r.unapplied);
			c->unapplied++;
		}
	}
	strbuf_release(&said);
	rule_release(&r);
	return rc;
}

static int store_rule(struct store *s, const cJSON *obj, const char *source, enum on_existing mode,
                      struct import_counts *c, const struct diag_sink *errors, const char *where)
{
	return store_rule_meta(s, obj, source, NULL, mode, c, errors, where);
}

int rules_import_rule(struct store *s, const cJSON *obj, const char *source, const char *metadata,
                      struct import_counts *c, const struct diag_sink *errors, const char *where)
{
	return store_rule_meta(s, obj, source, metadata, REPLACE_EXISTING, c, errors, where);
}

static int store_exception(struct store *s, const cJSON *obj, int is_item, struct import_counts *c,
                           const struct diag_sink *errors, const char *where)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, is_item ? "item_id" : "list_id"));
	const char *list = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "list_id"));
	const char *ns = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "namespace_type"));
	if (!id || !list) {
		diag_say(errors, "%s: skipped: an exception %s needs %s\n", where, is_item ? "item" : "list",
		         is_item ? "\"item_id\" and \"list_id\"" : "\"list_id\"");
		return 0;
	}
	char *json = cJSON_PrintUnformatted(obj);
	struct exception_row row = {.id = id, .list_id = list, .namespace_type = ns ? ns : "single", .json = json};
	enum upsert_result res;
	struct actor who = {.analyst = "rules import", .at_us = time_now_us()};
	int rc =
	    is_item ? store_exception_item_put(s, &row, &who, &res) : store_exception_list_put(s, &row, &who, &res);
	cJSON_free(json);
	if (rc == 0)
		(*(is_item ? &c->items : &c->lists))++;
	return rc;
}

/* Decides what one JSON object from an import is and stores it. */
static int import_object(struct store *s, const cJSON *obj, const char *source, enum on_existing mode,
                         struct import_counts *c, const struct diag_sink *errors, const char *where)
{
	if (!cJSON_IsObject(obj)) {
		diag_say(errors, "%s: skipped: not a JSON object\n", where);
		c->rules_invalid++;
		return 0;
	}
	const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(obj, "attributes");
	if (cJSON_IsObject(attrs))
		return store_rule(s, attrs, source, mode, c, errors, where); /* a saved object */
	if (cJSON_GetObjectItemCaseSensitive(obj, "exported_count")) {
		c->summaries++;
		return 0;
	}
	if (cJSON_GetObjectItemCaseSensitive(obj, "entries") && cJSON_GetObjectItemCaseSensitive(obj, "item_id"))
		return store_exception(s, obj, 1, c, errors, where);
	if (cJSON_GetObjectItemCaseSensitive(obj, "list_id") && !cJSON_GetObjectItemCaseSensitive(obj, "rule_id"))
		return store_exception(s, obj, 0, c, errors, where);
	return store_rule(s, obj, source, mode, c, errors, where);
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	struct strbuf sb;
	strbuf_init(&sb, 65536);
	int bad = strbuf_read_stream(&sb, f);
	if (f != stdin)
		fclose(f);
	if (bad) {
		snprintf(err, errlen, "read error");
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, len);
}

static int import_text(struct store *s, const char *text, const char *name, const char *source, enum on_existing mode,
                       struct import_counts *c, const struct diag_sink *errors)
{
	cJSON *whole = cJSON_ParseWithOpts(text, NULL, 1); /* the whole text, or it is NDJSON */
	char where[600];
	int rc = 0;
	if (whole) {
		snprintf(where, sizeof(where), "%s", name);
		if (cJSON_IsArray(whole)) {
			const cJSON *e;
			cJSON_ArrayForEach(e, whole) if (!rc) rc = import_object(s, e, source, mode, c, errors, where);
		} else {
			rc = import_object(s, whole, source, mode, c, errors, where);
		}
		cJSON_Delete(whole);
		return rc;
	}
	/* NDJSON: one object per line */
	unsigned line = 0;
	for (const char *p = text; *p && !rc;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		snprintf(where, sizeof(where), "%s:%u", name, line);
		const char *q = p;
		while (q < p + len && isspace((unsigned char)*q))
			q++;
		if (q < p + len) {
			cJSON *obj = cJSON_ParseWithLength(p, len);
			if (!obj) {
				diag_say(errors, "%s: skipped: not valid JSON\n", where);
				c->rules_invalid++;
			} else {
				rc = import_object(s, obj, source, mode, c, errors, where);
				cJSON_Delete(obj);
			}
		}
		p += len + (nl ? 1 : 0);
	}
	return rc;
}

int rules_import_file(struct store *s, const char *path, const char *source, struct import_counts *c,
                      const struct diag_sink *errors)
{
	char err[200];
	size_t len;
	char *text = read_file(path, &len, err, sizeof(err));
	if (!text) {
		diag_say(errors, "%s: cannot read: %s\n", path, err);
		return 1;
	}
	int rc = store_begin(s) || import_text(s, text, path, source, REPLACE_EXISTING, c, errors) || store_commit(s);
	if (rc)
		store_rollback(s);
	free(text);
	return rc ? -1 : 0;
}

/* rules/notes/RULE_ID.md: casebook's notes on that rule. */
static int load_pack_notes(struct store *s, const struct pack_rule *p)
{
	const char *base = strrchr(p->name, '/');
	base = base ? base + 1 : p->name;
	char *rule_id = xstrndup(base, strlen(base) - 3);
	int rc = store_rule_notes_put(s, rule_id, p->json, "pack");
	free(rule_id);
	return rc;
}

static int is_notes_file(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && !strcmp(name + n - 3, ".md");
}

int rules_load_pack(struct store *s, const struct diag_sink *warn)
{
	/* every pack rule the database lacks is added (a pack grows between releases); one it
	 * has is left exactly as it is: the analyst's exceptions, enabled choice and edits */
	struct import_counts c = {0};
	int rc = store_begin(s);
	for (const struct pack_rule *p = rule_pack; !rc && p->name; p++)
		rc = is_notes_file(p->name) ? load_pack_notes(s, p)
		                            : import_text(s, p->json, p->name, "pack", KEEP_EXISTING, &c, warn);
	if (rc) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

/* ---- the rule of a Kibana alert ---- */

static int take_first_json(void *ctx, const cJSON *v)
{
	*(const cJSON **)ctx = v;
	return 1;
}

static const cJSON *first_json(const cJSON *root, const char *path)
{
	const cJSON *v = NULL;
	field_each(root, path, strlen(path), take_first_json, &v);
	return v;
}

static int take_rule_key(void *ctx, const struct rule_row *r)
{
	*(int64_t *)ctx = r->key;
	return 0;
}

int rules_add_from_alert(struct store *s, const cJSON *alert, int64_t *key, char *why, size_t whylen)
{
	/* kibana.alert.rule.* as Kibana writes them (flattened or nested); the query from
	 * kibana.alert.rule.parameters when the alert has it */
	static const char *const copied[] = {
	    "rule_id",     "name",   "description", "risk_score",      "severity",           "type", "version",
	    "note",        "threat", "tags",        "references",      "interval",           "from", "to",
	    "max_signals", "author", "license",     "false_positives", "building_block_type"};
	static const char *const parameters[] = {"query",
	                                         "language",
	                                         "index",
	                                         "threshold",
	                                         "new_terms_fields",
	                                         "history_window_start",
	                                         "timestamp_override"};
	cJSON *obj = cJSON_CreateObject();
	char path[96];
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		snprintf(path, sizeof(path), "kibana.alert.rule.%s", copied[i]);
		const cJSON *v = first_json(alert, path);
		if (!v) {
			snprintf(path, sizeof(path), "kibana.alert.rule.parameters.%s", copied[i]);
			v = first_json(alert, path);
		}
		if (v)
			cJSON_AddItemToObject(obj, copied[i], cJSON_Duplicate(v, 1));
	}
	for (size_t i = 0; i < sizeof(parameters) / sizeof(parameters[0]); i++) {
		snprintf(path, sizeof(path), "kibana.alert.rule.parameters.%s", parameters[i]);
		const cJSON *v = first_json(alert, path);
		if (!v) {
			snprintf(path, sizeof(path), "kibana.alert.rule.%s", parameters[i]);
			v = first_json(alert, path);
		}
		if (v && !cJSON_GetObjectItemCaseSensitive(obj, parameters[i]))
			cJSON_AddItemToObject(obj, parameters[i], cJSON_Duplicate(v, 1));
	}
	/* the same rule, whatever Kibana left out: a description and a type are required */
	if (!cJSON_GetObjectItemCaseSensitive(obj, "description"))
		cJSON_AddStringToObject(obj, "description", "imported with a Kibana alert");
	if (!cJSON_GetObjectItemCaseSensitive(obj, "type"))
		cJSON_AddStringToObject(obj, "type", "query");
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "enabled");
	cJSON_AddBoolToObject(obj, "enabled", 0); /* Kibana ran it; detect does not run it again */
	struct rule r;
	int rc = -1;
	if (rule_from_json(obj, &r, why, whylen) == 0) {
		enum upsert_result res;
		*key = 0;
		struct strbuf said;
		strbuf_init(&said, 16);
		rc = put_rule(s, &r, RULE_SOURCE_ALERT, NULL, KEEP_EXISTING, &res, &said) ||
		             store_rule_find(s, r.rule_id, r.version, take_rule_key, key) < 0
		         ? -1
		         : 0;
		if (rc)
			snprintf(why, whylen, "%s", store_errmsg(s));
		strbuf_release(&said);
		rule_release(&r);
	}
	cJSON_Delete(obj);
	return rc;
}
