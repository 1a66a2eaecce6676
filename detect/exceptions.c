/* exceptions: Kibana rule exceptions (detect/exceptions.h): whether an item matches an event,
 * the exception builder's operators and items, its preview (what an item would match among
 * the rule's alerts and the case's events, and whether it is too broad), and adding and
 * removing items with their audit entries. */
#include "detect/exceptions.h"

#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "detect/wildcard.h"
#include "store/alerts.h"
#include "store/events.h"
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
	unsigned flags; /* a wildcard's: whether '?' is one */
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
		return cJSON_IsString(v) && wildcard_match(&p->pat, v->valuestring, strlen(v->valuestring), p->flags);
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
		int flags = wildcard_es_pattern(value ? value : "", &p.pat);
		p.flags = flags < 0 ? WILDCARD_QMARK : (unsigned)flags;
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
	const struct diag_sink *warn;
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
	if (has_list_entry(cJSON_GetObjectItemCaseSensitive(item, "entries")) && l->warn && l->warn->say)
		diag_say(l->warn,
		         "rule %s: exception item %s uses a value list, which casebook does not support; "
		         "it suppresses nothing\n",
		         l->rule, row->id);
	l->x->items = xrealloc(l->x->items, (l->x->n + 1) * sizeof(*l->x->items));
	l->x->items[l->x->n++] = item;
	return 0;
}

struct exception_set *exceptions_load(struct store *s, const struct rule *r, const struct diag_sink *warn)
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

/* ---- the builder's operators (Kibana's exception builder, in its order) ---- */

static const struct {
	const char *word, *type, *operator_;
} operators[] = {
    {"is", "match", "included"},
    {"is not", "match", "excluded"},
    {"is one of", "match_any", "included"},
    {"is not one of", "match_any", "excluded"},
    {"exists", "exists", "included"},
    {"does not exist", "exists", "excluded"},
    {"matches", "wildcard", "included"},
    {"does not match", "wildcard", "excluded"},
};
#define NOPERATORS (sizeof(operators) / sizeof(operators[0]))

const char *const exception_operators[] = {
    "is", "is not", "is one of", "is not one of", "exists", "does not exist", "matches", "does not match", NULL};

int exception_operator_parse(const char *word, const char **type, const char **operator_)
{
	for (size_t i = 0; i < NOPERATORS; i++)
		if (!strcmp(word, operators[i].word)) {
			*type = operators[i].type;
			*operator_ = operators[i].operator_;
			return 0;
		}
	return -1;
}

const char *exception_operator_name(const char *type, const char *operator_)
{
	const char *op = operator_ && !strcmp(operator_, "excluded") ? "excluded" : "included";
	for (size_t i = 0; type && i < NOPERATORS; i++)
		if (!strcmp(type, operators[i].type) && !strcmp(op, operators[i].operator_))
			return operators[i].word;
	return NULL;
}

/* The spec's entries: its own array, or the one entry its single fields describe. */
static const struct exception_entry_spec *spec_entries(const struct exception_spec *spec,
                                                       struct exception_entry_spec *one, size_t *n)
{
	if (spec->nentries) {
		*n = spec->nentries;
		return spec->entries;
	}
	*one = (struct exception_entry_spec){.field = spec->field,
	                                     .type = spec->type ? spec->type : "match",
	                                     .operator_ = spec->operator_,
	                                     .values = spec->values,
	                                     .nvalues = spec->nvalues};
	*n = 1;
	return one;
}

static int check_entry(const struct exception_entry_spec *e, char *err, size_t errlen)
{
	const char *t = e->type ? e->type : "match";
	if (!e->field || !*e->field) {
		snprintf(err, errlen, "each condition needs a --field");
		return -1;
	}
	if (strcmp(t, "match") && strcmp(t, "match_any") && strcmp(t, "wildcard") && strcmp(t, "exists")) {
		snprintf(err, errlen, "--type must be match, match_any, wildcard or exists");
		return -1;
	}
	if (!strcmp(t, "exists") ? e->nvalues != 0 : !strcmp(t, "match_any") ? e->nvalues == 0 : e->nvalues != 1) {
		snprintf(err, errlen, "%s",
		         !strcmp(t, "exists")      ? "--type exists takes no --value"
		         : !strcmp(t, "match_any") ? "--type match_any needs at least one --value"
		                                   : "this --type takes exactly one --value");
		return -1;
	}
	if (e->operator_ && strcmp(e->operator_, "included") && strcmp(e->operator_, "excluded")) {
		snprintf(err, errlen, "the operator must be included or excluded");
		return -1;
	}
	return 0;
}

int exception_spec_check(const struct exception_spec *spec, char *err, size_t errlen)
{
	struct exception_entry_spec one;
	size_t n;
	const struct exception_entry_spec *e = spec_entries(spec, &one, &n);
	for (size_t i = 0; i < n; i++)
		if (check_entry(&e[i], err, errlen))
			return -1;
	return 0;
}

static cJSON *entry_json(const struct exception_entry_spec *e)
{
	const char *type = e->type ? e->type : "match";
	cJSON *entry = cJSON_CreateObject();
	cJSON_AddStringToObject(entry, "field", e->field);
	cJSON_AddStringToObject(entry, "operator", e->operator_ ? e->operator_ : "included");
	cJSON_AddStringToObject(entry, "type", type);
	if (!strcmp(type, "match_any")) {
		cJSON *vals = cJSON_AddArrayToObject(entry, "value");
		for (size_t i = 0; i < e->nvalues; i++)
			cJSON_AddItemToArray(vals, cJSON_CreateString(e->values[i]));
	} else if (e->nvalues) {
		cJSON_AddStringToObject(entry, "value", e->values[0]);
	}
	return entry;
}

cJSON *exception_spec_item(const struct exception_spec *spec)
{
	struct exception_entry_spec one;
	size_t n;
	const struct exception_entry_spec *e = spec_entries(spec, &one, &n);
	cJSON *item = cJSON_CreateObject();
	cJSON *entries = cJSON_AddArrayToObject(item, "entries");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(entries, entry_json(&e[i]));
	return item;
}

static void describe_entry(const cJSON *e, struct strbuf *out)
{
	const char *field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "field"));
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
	const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "operator"));
	const char *word = exception_operator_name(type, op);
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(e, "value");
	strbuf_addf(out, "%s %s", field ? field : "?", word ? word : type ? type : "?");
	if (cJSON_IsString(value)) {
		strbuf_addf(out, " \"%s\"", value->valuestring);
	} else if (cJSON_IsArray(value)) {
		const cJSON *v;
		int first = 1;
		strbuf_addstr(out, " (");
		cJSON_ArrayForEach(v, value)
		{
			strbuf_addf(out, "%s\"%s\"", first ? "" : ", ", cJSON_IsString(v) ? v->valuestring : "?");
			first = 0;
		}
		strbuf_addch(out, ')');
	}
}

void exception_describe(const cJSON *item, struct strbuf *out)
{
	const cJSON *e;
	int first = 1;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(item, "entries"))
	{
		if (!first)
			strbuf_addstr(out, " AND ");
		describe_entry(e, out);
		first = 0;
	}
	if (first)
		strbuf_addstr(out, "(no conditions)");
}

/* ---- the preview: what the item would suppress in this case ---- */

/* Fields many processes share: an exception on them alone silences far more than the one
 * program an analyst has in mind (every Apple binary is signed "Software Signing"). */
static const char *const shared_fields[] = {"code_signature.subject_name",
                                            "code_signature.team_id",
                                            "code_signature.trusted",
                                            "code_signature.status",
                                            "code_signature.exists",
                                            "code_signature.signing_id_prefix",
                                            "host.",
                                            "user.",
                                            "agent.",
                                            "event.",
                                            "data_stream.",
                                            "ecs.",
                                            "os.",
                                            "elastic.",
                                            "cloud.",
                                            NULL};

/* A name ending in '.' is a prefix (every host.* field), else a suffix (every signer). */
static int shared_field(const char *field)
{
	size_t len = strlen(field);
	for (size_t i = 0; shared_fields[i]; i++) {
		const char *f = shared_fields[i];
		size_t n = strlen(f);
		if (f[n - 1] == '.' ? !strncmp(field, f, n) : len >= n && !strcmp(field + len - n, f))
			return 1;
	}
	return 0;
}

/* Why the item is broad by its shape alone (NULL: it is not): no value an event must have, or
 * values only on fields many processes share. */
static const char *broad_by_shape(const cJSON *item, const char **field)
{
	const cJSON *e;
	int positive = 0, narrow = 0;
	*field = NULL;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(item, "entries"))
	{
		const char *f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "field"));
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
		const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "operator"));
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "value"));
		if ((op && !strcmp(op, "excluded")) || !type || !strcmp(type, "exists") || !f)
			continue;
		if (!strcmp(type, "wildcard") && v && strspn(v, "*?") == strlen(v))
			continue; /* "*" matches any value: as exists */
		positive = 1;
		if (shared_field(f))
			*field = *field ? *field : f;
		else
			narrow = 1;
	}
	if (!positive)
		return "it names no value an event must have (only exists, is not, does not match)";
	if (!narrow)
		return "its values are on fields many programs share";
	return NULL;
}

struct preview_ctx {
	struct exception_preview *p;
	const cJSON *item;
	char *programs[EXCEPTION_BROAD_PROGRAMS];
	size_t nprograms;
	int failed;
};

static void add_host(struct exception_preview *p, const char *host)
{
	if (!host || !*host)
		return;
	for (size_t i = 0; i < p->nhosts; i++)
		if (!strcmp(p->hosts[i], host))
			return;
	if (p->nhosts == EXCEPTION_PREVIEW_HOSTS) {
		p->more_hosts = 1;
		return;
	}
	p->hosts[p->nhosts++] = xstrdup(host);
}

static void add_program(struct preview_ctx *c, const char *exe)
{
	if (!exe || c->nprograms == EXCEPTION_BROAD_PROGRAMS)
		return;
	for (size_t i = 0; i < c->nprograms; i++)
		if (!strcmp(c->programs[i], exe))
			return;
	c->programs[c->nprograms++] = xstrdup(exe);
	c->p->programs = (int64_t)c->nprograms;
}

static int preview_event(void *ctx, const struct event_row *row)
{
	struct preview_ctx *c = ctx;
	c->p->case_events++;
	if (!row->doc)
		return 0;
	cJSON *ev = cJSON_ParseWithLength(row->doc, row->doc_len);
	if (ev && exception_item_matches(c->item, ev)) {
		c->p->events++;
		add_host(c->p, row->r.host_name ? row->r.host_name : row->r.host_id);
		add_program(c, row->r.executable);
	}
	cJSON_Delete(ev);
	return 0;
}

struct alert_ref {
	int64_t id;
	char *uuid, *host;
	int open;
};

struct alert_refs {
	struct alert_ref *a;
	size_t n;
};

static int collect_alert(void *ctx, const struct alert_row *a)
{
	struct alert_refs *l = ctx;
	l->a = xrealloc(l->a, (l->n + 1) * sizeof(*l->a));
	l->a[l->n++] = (struct alert_ref){.id = a->id,
	                                  .uuid = xstrdup(a->uuid),
	                                  .host = a->host_name ? xstrdup(a->host_name) : NULL,
	                                  .open = strcmp(a->status ? a->status : "open", "closed") != 0};
	return 0;
}

struct member_match {
	const cJSON *item;
	int hit;
};

static int member_matches(void *ctx, const struct event_row *row)
{
	struct member_match *m = ctx;
	cJSON *ev = row->doc ? cJSON_ParseWithLength(row->doc, row->doc_len) : NULL;
	m->hit |= ev && exception_item_matches(m->item, ev);
	cJSON_Delete(ev);
	return 0;
}

/* Whether the item matches one of the alert's events (Kibana drops an event an exception
 * matches before the rule sees it: a sequence with one such event is not raised). */
static int alert_matches(struct store *s, const struct alert_ref *a, const cJSON *item, int *hit)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (store_alert_events(s, a->id, &ids, &n))
		return -1;
	struct member_match m = {.item = item};
	int rc = 0;
	for (size_t i = 0; i < n && !m.hit && !rc; i++)
		rc = store_event_get(s, ids[i], 1, member_matches, &m);
	free(ids);
	*hit = m.hit;
	return rc;
}

static int preview_alerts(struct store *s, const char *rule_id, const cJSON *item, struct exception_preview *p)
{
	struct alert_refs l = {0};
	struct alert_query q = {.rule_id = rule_id, .no_doc = 1};
	int rc = store_alerts_each(s, &q, collect_alert, &l);
	for (size_t i = 0; i < l.n && !rc; i++) {
		int hit = 0;
		rc = alert_matches(s, &l.a[i], item, &hit);
		if (!hit)
			continue;
		p->alerts++;
		add_host(p, l.a[i].host);
		if (l.a[i].open) {
			p->open_alerts++;
			p->open_ids = xrealloc(p->open_ids, (p->nopen + 1) * sizeof(*p->open_ids));
			p->open_uuids = xrealloc(p->open_uuids, (p->nopen + 1) * sizeof(*p->open_uuids));
			p->open_ids[p->nopen] = l.a[i].id;
			p->open_uuids[p->nopen++] = xstrdup(l.a[i].uuid);
		}
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.a[i].uuid), free(l.a[i].host);
	free(l.a);
	return rc;
}

static int host_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void judge_breadth(struct exception_preview *p, const cJSON *item)
{
	const char *field;
	const char *why = broad_by_shape(item, &field);
	if (why) {
		p->broad = 1;
		if (field)
			snprintf(p->broad_why, sizeof(p->broad_why), "%s (%s)", why, field);
		else
			snprintf(p->broad_why, sizeof(p->broad_why), "%s", why);
	} else if (p->programs >= EXCEPTION_BROAD_PROGRAMS) {
		p->broad = 1;
		snprintf(p->broad_why, sizeof(p->broad_why), "it matches the events of %d or more different programs",
		         EXCEPTION_BROAD_PROGRAMS);
	} else if (p->events >= EXCEPTION_BROAD_MIN_EVENTS &&
	           p->events * 100 >= p->case_events * EXCEPTION_BROAD_PERCENT) {
		p->broad = 1;
		snprintf(p->broad_why, sizeof(p->broad_why), "it matches %lld%% of the case's events (broad from %d%%)",
		         (long long)(p->events * 100 / p->case_events), EXCEPTION_BROAD_PERCENT);
	}
}

static int rule_exists(struct store *s, const char *rule_id, int *exists);

int exception_preview(struct store *s, const char *rule_id, const struct exception_spec *spec,
                      struct exception_preview *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (exception_spec_check(spec, err, errlen))
		return -1;
	int exists = 0;
	if (rule_exists(s, rule_id, &exists)) {
		snprintf(err, errlen, "%s", store_errmsg(s));
		return -1;
	}
	if (!exists)
		return 1;
	cJSON *item = exception_spec_item(spec);
	struct preview_ctx c = {.p = p, .item = item};
	struct event_query q = {.want_doc = 1};
	int rc = store_events_each(s, &q, preview_event, &c) || preview_alerts(s, rule_id, item, p);
	if (rc)
		snprintf(err, errlen, "%s", store_errmsg(s));
	else
		judge_breadth(p, item);
	qsort(p->hosts, p->nhosts, sizeof(*p->hosts), host_order);
	for (size_t i = 0; i < c.nprograms; i++)
		free(c.programs[i]);
	cJSON_Delete(item);
	return rc ? -1 : 0;
}

void exception_preview_release(struct exception_preview *p)
{
	for (size_t i = 0; i < p->nhosts; i++)
		free(p->hosts[i]);
	for (size_t i = 0; i < p->nopen; i++)
		free(p->open_uuids[i]);
	free(p->open_uuids);
	free(p->open_ids);
	memset(p, 0, sizeof(*p));
}

void exception_preview_text(const struct exception_preview *p, struct strbuf *out)
{
	strbuf_addf(out,
	            "Would suppress %lld alert%s of this rule (%lld open) and match %lld of the case's %lld events",
	            (long long)p->alerts, p->alerts == 1 ? "" : "s", (long long)p->open_alerts, (long long)p->events,
	            (long long)p->case_events);
	if (p->nhosts) {
		strbuf_addstr(out, ", on ");
		for (size_t i = 0; i < p->nhosts; i++) {
			if (i)
				strbuf_addstr(out, ", ");
			sanitize_append(out, p->hosts[i], strlen(p->hosts[i]), 0);
		}
		if (p->more_hosts)
			strbuf_addstr(out, " and more hosts");
	}
	strbuf_addstr(out, ".\n");
	if (p->broad)
		strbuf_addf(out, "BROAD: %s.\n", p->broad_why);
}

/* ---- creating and removing exceptions ---- */

static int rule_exists(struct store *s, const char *rule_id, int *exists)
{
	struct rule_versions v = {.rule_id = rule_id};
	int rc = store_rule_versions_each(s, rule_id, collect_version, &v);
	*exists = v.l.n > 0;
	rule_rows_release(&v.l);
	return rc;
}

static cJSON *build_item(const char *list_id, const char *rule_name, const struct exception_spec *spec,
                         char item_id[40])
{
	char when[TIME_ISO_LEN];
	time_format_iso8601(spec->now_us, when);
	cJSON *item = exception_spec_item(spec);
	struct exception_entry_spec one;
	size_t n;
	const struct exception_entry_spec *e = spec_entries(spec, &one, &n);
	/* the first entry hashes as a one-entry item always did, so that its id stays the same */
	struct sha256_ctx *h = sha256_begin();
	const char *parts[] = {list_id, e[0].field, e[0].type ? e[0].type : "match", when};
	for (size_t i = 0; i < 4; i++)
		sha256_update(h, parts[i], strlen(parts[i]) + 1);
	for (size_t k = 0; k < n; k++) {
		if (k) {
			const char *more[] = {e[k].field, e[k].type ? e[k].type : "match",
			                      e[k].operator_ ? e[k].operator_ : "included"};
			for (size_t i = 0; i < 3; i++)
				sha256_update(h, more[i], strlen(more[i]) + 1);
		}
		for (size_t i = 0; i < e[k].nvalues; i++)
			sha256_update(h, e[k].values[i], strlen(e[k].values[i]) + 1);
	}
	char hex[SHA256_HEX_LEN + 1];
	sha256_finish(h, hex);
	snprintf(item_id, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);

	/* Kibana's order of an item's fields: ids first, then what it is */
	cJSON *entries = cJSON_DetachItemFromObjectCaseSensitive(item, "entries");
	cJSON_AddStringToObject(item, "item_id", item_id);
	cJSON_AddStringToObject(item, "list_id", list_id);
	cJSON_AddStringToObject(item, "namespace_type", "single");
	cJSON_AddStringToObject(item, "type", "simple");
	struct strbuf name;
	strbuf_init(&name, 64);
	strbuf_addf(&name, "%s: %s %s", rule_name, e[0].field, e[0].type ? e[0].type : "match");
	if (n > 1)
		strbuf_addf(&name, " and %zu more", n - 1);
	cJSON_AddStringToObject(item, "name", name.buf);
	strbuf_release(&name);
	cJSON_AddStringToObject(item, "description", spec->comment ? spec->comment : "added with casebook");
	cJSON_AddItemToObject(item, "entries", entries);
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

/* The readable audit entry beside an item's anchor: "ITEM_ID: the entries in words". */
static int record_change(struct store *s, const char *action, const char *list_id, const char *item_id,
                         const cJSON *item, const struct actor *who, const char *alert_uuid)
{
	struct strbuf text;
	strbuf_init(&text, 128);
	strbuf_addf(&text, "%s: ", item_id);
	exception_describe(item, &text);
	int added = !strcmp(action, AUDIT_EXCEPTION_ADDED);
	int rc =
	    store_audit_append(s, alert_uuid, who, action, list_id, added ? NULL : text.buf, added ? text.buf : NULL);
	strbuf_release(&text);
	return rc;
}

int exception_add(struct store *s, const char *rule_id, const struct exception_spec *spec, char item_id[40], char *err,
                  size_t errlen)
{
	if (exception_spec_check(spec, err, errlen))
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
	int rc = store_tx_begin(s);
	struct actor who = {.analyst = spec->analyst, .at_us = spec->now_us};
	if (rc) {
		snprintf(err, errlen, "%s", store_errmsg(s));
	} else {
		rc = store_exception_list_put(s, &lrow, &who, &res) || store_exception_item_put(s, &irow, &who, &res);
		for (size_t i = 0; i < v.l.n && !rc; i++)
			rc = attach_list(s, &v.l.rows[i], list_id.buf);
		if (!rc)
			rc =
			    record_change(s, AUDIT_EXCEPTION_ADDED, list_id.buf, item_id, item, &who, spec->alert_uuid);
		if (rc)
			snprintf(err, errlen, "%s", store_errmsg(s));
		if (store_tx_end(s, rc == 0) && !rc) {
			snprintf(err, errlen, "%s", store_errmsg(s));
			rc = -1;
		}
	}
	cJSON_free(list_json);
	cJSON_free(item_json);
	cJSON_Delete(list);
	cJSON_Delete(item);
	strbuf_release(&list_id);
	rule_rows_release(&v.l);
	return rc ? -1 : 0;
}

struct found_item {
	char *list_id, *namespace_type;
	cJSON *item;
};

static int take_item(void *ctx, const struct exception_row *r)
{
	struct found_item *f = ctx;
	f->list_id = xstrdup(r->list_id);
	f->namespace_type = xstrdup(r->namespace_type);
	f->item = cJSON_Parse(r->json);
	return 0;
}

int exception_remove(struct store *s, const char *item_id, const char *analyst, int64_t now_us, const char *alert_uuid,
                     char *err, size_t errlen)
{
	struct found_item f = {0};
	int rc = store_exception_item_find(s, item_id, take_item, &f);
	if (rc) {
		if (rc < 0)
			snprintf(err, errlen, "%s", store_errmsg(s));
		return rc;
	}
	struct actor who = {.analyst = analyst, .at_us = now_us};
	cJSON *empty = f.item ? NULL : cJSON_CreateObject();
	rc = store_tx_begin(s);
	if (!rc) {
		rc = store_exception_item_delete(s, item_id, f.namespace_type, &who);
		if (!rc)
			rc = record_change(s, AUDIT_EXCEPTION_REMOVED, f.list_id, item_id, f.item ? f.item : empty,
			                   &who, alert_uuid);
		if (store_tx_end(s, rc == 0) && !rc)
			rc = -1;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", store_errmsg(s));
	cJSON_Delete(empty);
	cJSON_Delete(f.item);
	free(f.list_id);
	free(f.namespace_type);
	return rc;
}
