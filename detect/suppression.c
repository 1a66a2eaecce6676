/* suppression: Kibana's alert suppression applied to a detect run's groups of events or
 * alerts (detect/suppression.h). */

#include "detect/suppression.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "detect/run.h"

/* Kibana's schema: group_by has 1 to 3 fields (AlertSuppressionGroupBy). */
#define SUPPRESSION_MAX_FIELDS 3
/* The groups one event falls in (its arrays' combinations): beyond, the first ones count, as
 * threshold and new terms groups do. */
#define SUPPRESSION_MAX_KEYS 1024

/* A type's group alert that later ones within the duration were folded into. */
struct folded {
	char *key;
	int64_t exec_t, start, end, count; /* count: the alerts it stands for besides its own */
};

/* A surviving alert of suppression_fold_alerts: the type's item and its fold. */
struct survivor {
	int64_t T;
	const void *item;
	size_t folded;
};

struct fold_call {
	int64_t (*execution)(const void *);
	alert_namer name;
	alert_maker make;
	const struct survivor *all;
};

/* A group's alert, while a later execution within the duration may still add to it. */
struct group {
	char *key;
	struct hit first; /* the alert's event: the group's earliest */
	int64_t exec_t, start, end, count;
};

struct suppression {
	char *fields[SUPPRESSION_MAX_FIELDS];
	size_t nfields;
	int64_t duration_us;    /* 0: each execution on its own */
	int alone_when_missing; /* missing_fields_strategy doNotSuppress */
	struct group *open;
	size_t nopen, cap;
	/* a type's own groups' alerts (suppression_fold_alerts) */
	int of_alerts;
	struct folded *folded; /* each group's latest surviving alert */
	size_t nfolded;
	const struct folded *current; /* the one being made, for suppression_annotate */
	const struct fold_call *call;
};

static int fail(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "alert_suppression: %s", msg);
	return -1;
}

/* duration {value, unit}: Kibana takes s, m and h. */
static int read_duration(const cJSON *d, int64_t *us, char *why, size_t whylen)
{
	*us = 0;
	if (!d || cJSON_IsNull(d))
		return 0;
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(d, "value");
	const char *unit = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "unit"));
	char text[64];
	if (!cJSON_IsNumber(value) || value->valuedouble < 1 || value->valuedouble > 1e6 || !unit ||
	    (strcmp(unit, "s") && strcmp(unit, "m") && strcmp(unit, "h")))
		return fail(why, whylen, "duration must be {\"value\": N, \"unit\": \"s\", \"m\" or \"h\"}");
	snprintf(text, sizeof(text), "%.0f%s", value->valuedouble, unit);
	if (time_parse_duration(text, us))
		return fail(why, whylen, "duration is out of range");
	return 0;
}

/* A type whose alerts are its own groups' (threshold): alert_suppression is only a duration,
 * which Kibana's schema requires (ThresholdAlertSuppression); group_by is the type's. */
static int alerts_suppression_new(const cJSON *as, struct suppression **out, char *why, size_t whylen)
{
	int64_t us;
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(as, "duration");
	if (!d || cJSON_IsNull(d))
		return fail(why, whylen, "this rule type suppresses within a duration, and none is given");
	if (read_duration(d, &us, why, whylen))
		return -1;
	struct suppression *sp = xcalloc(1, sizeof(*sp));
	sp->duration_us = us;
	sp->of_alerts = 1;
	*out = sp;
	return 0;
}

int suppression_new(const struct run *run, struct suppression **out, char *why, size_t whylen)
{
	*out = NULL;
	const cJSON *as = cJSON_GetObjectItemCaseSensitive(run->rule.obj, "alert_suppression");
	enum suppression_kind kind = run->type->suppression;
	if (kind == SUPPRESSES_EVENTS && run->alerts_grouped) /* an EQL sequence's: its alerts, in memory */
		kind = SUPPRESSES_IN_MEMORY;
	if (!cJSON_IsObject(as) || kind == SUPPRESSES_NOTHING)
		return 0;
	if (kind == SUPPRESSES_ALERTS)
		return alerts_suppression_new(as, out, why, whylen);
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(as, "group_by"), *f;
	int n = cJSON_GetArraySize(by);
	if (!cJSON_IsArray(by) || n < 1 || n > SUPPRESSION_MAX_FIELDS)
		return fail(why, whylen, "group_by must list 1 to 3 fields");
	struct suppression *sp = xcalloc(1, sizeof(*sp));
	cJSON_ArrayForEach(f, by)
	{
		if (!cJSON_IsString(f) || !*f->valuestring) {
			suppression_free(sp);
			return fail(why, whylen, "group_by must list field names");
		}
		sp->fields[sp->nfields++] = xstrdup(f->valuestring);
	}
	const char *missing = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(as, "missing_fields_strategy"));
	if (missing && strcmp(missing, "suppress") && strcmp(missing, "doNotSuppress")) {
		suppression_free(sp);
		return fail(why, whylen, "missing_fields_strategy must be \"suppress\" or \"doNotSuppress\"");
	}
	sp->alone_when_missing = missing && !strcmp(missing, "doNotSuppress");
	if (read_duration(cJSON_GetObjectItemCaseSensitive(as, "duration"), &sp->duration_us, why, whylen)) {
		suppression_free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}

void suppression_free(struct suppression *sp)
{
	if (!sp)
		return;
	for (size_t i = 0; i < sp->nfields; i++)
		free(sp->fields[i]);
	for (size_t i = 0; i < sp->nopen; i++)
		free(sp->open[i].key);
	free(sp->open);
	for (size_t i = 0; i < sp->nfolded; i++)
		free(sp->folded[i].key);
	free(sp->folded);
	free(sp);
}

/* ---- keys ---- */

/* A value in a key: its type ('s'tring, 'n'umber, 'b'oolean; 'z' a missing field's null) and
 * its text, as a composite aggregation's key gives it. */
struct values {
	char **v;
	size_t n;
};

static int take_value(void *ctx, const cJSON *v)
{
	struct values *l = ctx;
	char *text = NULL;
	if (cJSON_IsString(v)) {
		text = xmalloc(strlen(v->valuestring) + 2);
		sprintf(text, "s%s", v->valuestring);
	} else if (cJSON_IsRaw(v) && v->valuestring) {
		text = xmalloc(strlen(v->valuestring) + 2);
		sprintf(text, "n%s", v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		text = xmalloc(32);
		snprintf(text, 32, "n%.17g", v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		text = xstrdup(cJSON_IsTrue(v) ? "btrue" : "bfalse");
	}
	if (text) {
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = text;
	}
	return l->n >= SUPPRESSION_MAX_KEYS; /* enough: the combinations are capped anyway */
}

const char **suppression_keys(struct run *run, const cJSON *ev, size_t *nkeys)
{
	struct suppression *sp = run->suppress;
	struct values lists[SUPPRESSION_MAX_FIELDS] = {{0}};
	size_t total = 1;
	for (size_t i = 0; i < sp->nfields; i++) {
		field_each(ev, sp->fields[i], strlen(sp->fields[i]), take_value, &lists[i]);
		if (!lists[i].n && !sp->alone_when_missing) { /* missing_bucket: a null of its own */
			lists[i].v = xmalloc(sizeof(*lists[i].v));
			lists[i].v[lists[i].n++] = xstrdup("z");
		}
		total = lists[i].n ? total * lists[i].n : 0;
	}
	if (total > SUPPRESSION_MAX_KEYS)
		total = SUPPRESSION_MAX_KEYS;
	const char **keys = total ? xmalloc(total * sizeof(*keys)) : NULL;
	size_t at[SUPPRESSION_MAX_FIELDS] = {0};
	char *parts[SUPPRESSION_MAX_FIELDS];
	for (size_t k = 0; k < total; k++) { /* an odometer over the value lists */
		for (size_t i = 0; i < sp->nfields; i++)
			parts[i] = lists[i].v[at[i]];
		char *key = run_join_values(parts, sp->nfields);
		keys[k] = run_intern(run, key);
		free(key);
		for (size_t i = sp->nfields; i-- > 0;) {
			if (++at[i] < lists[i].n)
				break;
			at[i] = 0;
		}
	}
	for (size_t i = 0; i < sp->nfields; i++) {
		for (size_t j = 0; j < lists[i].n; j++)
			free(lists[i].v[j]);
		free(lists[i].v);
	}
	*nkeys = total;
	return keys;
}

/* The key's i-th value. */
static const char *key_part(const char *key, size_t i, size_t *len)
{
	while (i--) {
		key = strchr(key, '\x1f');
		if (!key)
			return NULL;
		key++;
	}
	*len = strcspn(key, "\x1f");
	return key;
}

/* A composite aggregation's order: field by field, numbers as numbers, nulls last. */
static int compare_keys(const char *a, const char *b, size_t nfields)
{
	for (size_t i = 0; i < nfields; i++) {
		size_t la, lb;
		const char *x = key_part(a, i, &la), *y = key_part(b, i, &lb);
		if (!x || !y)
			return !x - !y;
		if ((*x == 'z') != (*y == 'z'))
			return *x == 'z' ? 1 : -1;
		int c;
		if (*x == 'n' && *y == 'n') {
			double u = strtod(x + 1, NULL), v = strtod(y + 1, NULL);
			c = (u > v) - (u < v);
		} else {
			size_t m = la < lb ? la : lb;
			c = memcmp(x, y, m);
			if (!c)
				c = (la > lb) - (la < lb);
		}
		if (c)
			return c;
	}
	return 0;
}

/* ---- alerts ---- */

struct group_alert {
	const struct group *g;
	const struct suppression *sp;
	const char *rule_uuid;
};

/* kibana.alert.suppression.* and kibana.alert.instance.id, as wrap_suppressed_alerts.ts. */
static void add_suppression_fields(cJSON *doc, void *ctx)
{
	const struct group_alert *a = ctx;
	cJSON *terms = cJSON_AddArrayToObject(doc, "kibana.alert.suppression.terms");
	for (size_t i = 0; i < a->sp->nfields; i++) {
		size_t len;
		const char *v = key_part(a->g->key, i, &len);
		cJSON *term = cJSON_CreateObject();
		cJSON_AddStringToObject(term, "field", a->sp->fields[i]);
		char *text = v ? strndup(v + 1, len - 1) : NULL;
		if (!v || *v == 'z')
			cJSON_AddNullToObject(term, "value");
		else if (*v == 'n')
			cJSON_AddRawToObject(term, "value", text);
		else if (*v == 'b')
			cJSON_AddBoolToObject(term, "value", !strcmp(text, "true"));
		else
			cJSON_AddStringToObject(term, "value", text);
		free(text);
		cJSON_AddItemToArray(terms, term);
	}
	run_add_iso(doc, "kibana.alert.suppression.start", a->g->start);
	run_add_iso(doc, "kibana.alert.suppression.end", a->g->end);
	cJSON_AddNumberToObject(doc, "kibana.alert.suppression.docs_count", (double)(a->g->count - 1));
	/* Kibana hashes the terms, the rule and the space: the same group of the same rule */
	char id[SHA256_HEX_LEN + 1];
	struct sha256_ctx *h = sha256_begin();
	sha256_update(h, a->g->key, strlen(a->g->key));
	sha256_update(h, "\x1e", 1);
	sha256_update(h, a->rule_uuid, strlen(a->rule_uuid));
	sha256_update(h,
	              "\x1e"
	              "default",
	              8);
	sha256_finish(h, id);
	cJSON_AddStringToObject(doc, "kibana.alert.instance.id", id);
}

static int make_group_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	struct group_alert *a = ctx;
	const struct hit *h = &a->g->first;
	return run_create_event_alert(run, &h, 1, uuid, exec_t, add_suppression_fields, a);
}

static int make_lone_alert(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct hit *h = ctx;
	return run_create_event_alert(run, &h, 1, uuid, exec_t, NULL, NULL);
}

/* The group's alert, once (its uuid names its event, group and span, as Kibana's does). */
static int write_group(struct run *run, const struct group *g, int64_t *created)
{
	char salt[96], uuid[SHA256_HEX_LEN + 1];
	snprintf(salt, sizeof(salt), "suppressed:%lld:%lld:", (long long)g->start, (long long)g->end);
	struct strbuf s;
	strbuf_init(&s, 128);
	strbuf_addstr(&s, salt);
	strbuf_addstr(&s, g->key);
	const struct hit *h = &g->first;
	int rc = run_alert_uuid(run, &h, 1, s.buf, uuid);
	strbuf_release(&s);
	if (rc)
		return -1;
	struct group_alert a = {g, run->suppress, run->rule.uuid};
	run->totals->grouped += (uint64_t)(g->count - 1);
	return run_alert_once(run, uuid, g->exec_t, created, make_group_alert, &a) < 0 ? -1 : 0;
}

/* Writes the open groups no execution from T on may add to (all when T is INT64_MAX). */
static int close_groups(struct run *run, int64_t T)
{
	struct suppression *sp = run->suppress;
	size_t kept = 0;
	int rc = 0;
	for (size_t i = 0; i < sp->nopen; i++) {
		struct group *g = &sp->open[i];
		if (T != INT64_MAX && g->exec_t >= T - sp->duration_us) {
			sp->open[kept++] = *g;
			continue;
		}
		int64_t none = 0; /* counted against max_signals when it was opened */
		if (!rc)
			rc = write_group(run, g, &none);
		free(g->key);
	}
	sp->nopen = kept;
	return rc;
}

static struct group *open_group(struct suppression *sp, const char *key)
{
	for (size_t i = 0; i < sp->nopen; i++)
		if (!strcmp(sp->open[i].key, key))
			return &sp->open[i];
	return NULL;
}

struct bucket {
	const char *key;
	const struct hit *first;
	int64_t count, start, end;
};

static size_t sort_nfields;
static int by_key(const void *a, const void *b)
{
	return compare_keys(((const struct bucket *)a)->key, ((const struct bucket *)b)->key, sort_nfields);
}

/* The execution's groups, in the aggregation's order; lone hits (a missing field with
 * doNotSuppress) go to lone. */
static struct bucket *group_hits(struct suppression *sp, const struct hit *hits, size_t n, size_t *nbuckets,
                                 const struct hit ***lone, size_t *nlone)
{
	struct strpool ids;
	strpool_init(&ids);
	struct bucket *b = NULL;
	size_t nb = 0;
	*lone = NULL;
	*nlone = 0;
	for (size_t i = 0; i < n; i++) {
		const struct hit *h = &hits[i];
		if (!h->nkeys) {
			*lone = xrealloc(*lone, (*nlone + 1) * sizeof(**lone));
			(*lone)[(*nlone)++] = h;
			continue;
		}
		for (size_t k = 0; k < h->nkeys; k++) {
			size_t id;
			strpool_intern(&ids, h->keys[k], &id);
			if (id == nb) { /* hits come in time order: the first is the earliest */
				b = xrealloc(b, (nb + 1) * sizeof(*b));
				b[nb++] = (struct bucket){h->keys[k], h, 0, h->time, h->time};
			}
			struct bucket *x = &b[id];
			x->count++;
			x->start = h->time < x->start ? h->time : x->start;
			x->end = h->time > x->end ? h->time : x->end;
		}
	}
	strpool_release(&ids);
	sort_nfields = sp->nfields;
	if (nb > 1)
		qsort(b, nb, sizeof(*b), by_key);
	*nbuckets = nb;
	return b;
}

int suppression_execution(struct run *run, int64_t T, const struct hit *hits, size_t n)
{
	struct suppression *sp = run->suppress;
	if (sp->duration_us && close_groups(run, T))
		return -1;
	size_t nb, nlone;
	const struct hit **lone;
	struct bucket *b = group_hits(sp, hits, n, &nb, &lone, &nlone);
	int64_t created = 0, made = 0;
	int rc = 0, capped = 0;
	/* the events alone first, as many as leave room for the groups (bulkCreateUnsuppressedAlerts) */
	int64_t room = run->rule.max_signals - (int64_t)nb;
	for (size_t i = 0; i < nlone && !rc; i++) {
		if ((int64_t)i >= room) {
			capped = 1;
			break;
		}
		char uuid[SHA256_HEX_LEN + 1];
		rc = run_alert_uuid(run, &lone[i], 1, NULL, uuid) ||
		     run_alert_once(run, uuid, T, &created, make_lone_alert, (void *)lone[i]) < 0;
	}
	for (size_t i = 0; i < nb && !rc; i++) {
		struct group *g = sp->duration_us ? open_group(sp, b[i].key) : NULL;
		if (g) { /* an alert within the duration takes them */
			g->count += b[i].count;
			g->end = b[i].end > g->end ? b[i].end : g->end;
			continue;
		}
		if (made + created >= run->rule.max_signals) {
			capped = 1;
			break;
		}
		struct group fresh = {xstrdup(b[i].key), *b[i].first, T, b[i].start, b[i].end, b[i].count};
		fresh.first.keys = NULL;
		fresh.first.nkeys = 0;
		made++;
		if (!sp->duration_us) {
			int64_t none = 0;
			rc = write_group(run, &fresh, &none);
			free(fresh.key);
			continue;
		}
		if (sp->nopen == sp->cap) {
			sp->cap = sp->cap ? sp->cap * 2 : 16;
			sp->open = xrealloc(sp->open, sp->cap * sizeof(*sp->open));
		}
		sp->open[sp->nopen++] = fresh;
	}
	if (capped && !rc)
		run_warn_capped(run, T);
	free(b);
	free(lone);
	return rc ? -1 : 0;
}

int suppression_finish(struct run *run)
{
	return run->suppress ? close_groups(run, INT64_MAX) : 0;
}

/* ---- a type's own groups' alerts ---- */

/* The group's latest surviving alert, or NULL. */
static struct folded *latest_fold(struct suppression *sp, const char *key)
{
	for (size_t i = sp->nfolded; i-- > 0;)
		if (!strcmp(sp->folded[i].key, key))
			return &sp->folded[i];
	return NULL;
}

/* A new surviving alert of the group: its suppression spans its execution. */
static size_t new_fold(struct suppression *sp, const char *key, int64_t T, int64_t start, int64_t end)
{
	sp->folded = xrealloc(sp->folded, (sp->nfolded + 1) * sizeof(*sp->folded));
	sp->folded[sp->nfolded] = (struct folded){xstrdup(key), T, start, end, 0};
	return sp->nfolded++;
}

static int64_t survivor_execution(const void *item)
{
	return ((const struct survivor *)item)->T;
}

static int survivor_name(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1])
{
	return run->suppress->call->name(run, ((const struct survivor *)item)->item, uuid);
}

static int survivor_make(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	struct suppression *sp = run->suppress;
	const struct survivor *s = ctx;
	sp->current = s->folded == SIZE_MAX ? NULL : &sp->folded[s->folded];
	int rc = sp->call->make(run, (void *)s->item, uuid, exec_t);
	run->totals->grouped += rc || !sp->current ? 0 : (uint64_t)sp->current->count;
	sp->current = NULL;
	return rc;
}

int suppression_fold_alerts(struct run *run, const void *items, size_t n, size_t size,
                            int64_t (*execution)(const void *), const char *(*group)(const struct run *, const void *),
                            int64_t (*event_time)(const void *), alert_namer name, alert_maker make)
{
	struct suppression *sp = run->suppress;
	struct survivor *kept = xmalloc((n ? n : 1) * sizeof(*kept));
	size_t nkept = 0;
	for (size_t i = 0; i < n; i++) {
		const void *item = (const char *)items + i * size;
		int64_t T = execution(item), to = rule_window_to(&run->rule, T);
		int64_t start = event_time ? event_time(item) : T, end = event_time ? start : to;
		const char *key = group(run, item);
		if (!key) { /* a missing field with doNotSuppress: alone, without suppression fields */
			kept[nkept++] = (struct survivor){T, item, SIZE_MAX};
			continue;
		}
		struct folded *g = latest_fold(sp, key);
		/* the execution's own alerts of a group are one (suppressAlertsInMemory); a later
		 * execution's join the existing alert within the duration */
		if (g && (g->exec_t == T || (sp->duration_us && g->end >= T - sp->duration_us))) {
			g->count++;
			g->start = start < g->start ? start : g->start;
			g->end = end > g->end ? end : g->end;
			continue;
		}
		kept[nkept++] = (struct survivor){T, item, new_fold(sp, key, T, start, end)};
	}
	struct fold_call call = {execution, name, make, kept};
	sp->call = &call;
	int rc = run_alerts_in_order(run, kept, nkept, sizeof(*kept), survivor_execution, survivor_name, survivor_make);
	sp->call = NULL;
	free(kept);
	return rc;
}

void suppression_annotate(const struct run *run, cJSON *doc, char *const *fields, size_t nfields)
{
	const struct suppression *sp = run->suppress;
	const struct folded *g = sp ? sp->current : NULL;
	if (!g)
		return;
	int typed = !fields; /* the values of suppression_event_key, else the type's own texts */
	if (typed) {
		fields = sp->fields;
		nfields = sp->nfields;
	}
	cJSON *terms = cJSON_AddArrayToObject(doc, "kibana.alert.suppression.terms");
	const char *k = g->key;
	for (size_t i = 0; i < nfields; i++) {
		size_t len = strcspn(k, "\x1f");
		cJSON *term = cJSON_CreateObject();
		cJSON_AddStringToObject(term, "field", fields[i]);
		if (typed && len && *k != 's') {
			char *raw = *k == 'z' ? xstrdup("null") : xstrndup(k + 1, len - 1);
			cJSON_AddRawToObject(term, "value", raw);
			free(raw);
		} else {
			char *value = typed ? xstrndup(k + 1, len ? len - 1 : 0) : xstrndup(k, len);
			cJSON_AddStringToObject(term, "value", value);
			free(value);
		}
		cJSON_AddItemToArray(terms, term);
		k += len + (k[len] != '\0');
	}
	run_add_iso(doc, "kibana.alert.suppression.start", g->start);
	run_add_iso(doc, "kibana.alert.suppression.end", g->end);
	cJSON_AddNumberToObject(doc, "kibana.alert.suppression.docs_count", (double)g->count);
	char id[SHA256_HEX_LEN + 1];
	struct sha256_ctx *h = sha256_begin();
	sha256_update(h, g->key, strlen(g->key));
	sha256_update(h, "\x1e", 1);
	sha256_update(h, run->rule.uuid, strlen(run->rule.uuid));
	sha256_update(h,
	              "\x1e"
	              "default",
	              8);
	sha256_finish(h, id);
	cJSON_AddStringToObject(doc, "kibana.alert.instance.id", id);
}

/* ---- an event's key, as the in-memory suppression takes it ---- */

static int compare_texts(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One field's value in the key: a single value typed as take_value has it ('n', 'b' become
 * raw JSON), several as a sorted JSON array ('a'), none a null ('z'). NULL: none, and
 * doNotSuppress. */
static char *field_value(const struct suppression *sp, const cJSON *const *evs, size_t nevs, const char *field)
{
	struct values l = {0};
	field_each(evs[0], field, strlen(field), take_value, &l);
	for (size_t e = 1; e < nevs && l.n; e++) { /* the values every event holds (a shell alert's) */
		struct values o = {0};
		field_each(evs[e], field, strlen(field), take_value, &o);
		size_t kept = 0;
		for (size_t i = 0; i < l.n; i++) {
			size_t k = 0;
			while (k < o.n && strcmp(o.v[k], l.v[i]))
				k++;
			if (k < o.n)
				l.v[kept++] = l.v[i];
			else
				free(l.v[i]);
		}
		l.n = kept;
		for (size_t k = 0; k < o.n; k++)
			free(o.v[k]);
		free(o.v);
	}
	if (!l.n) {
		free(l.v);
		return sp->alone_when_missing ? NULL : xstrdup("z");
	}
	if (l.n == 1) {
		char *v = l.v[0];
		free(l.v);
		return v;
	}
	qsort(l.v, l.n, sizeof(*l.v), compare_texts); /* getSuppressionTerms sorts an array */
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < l.n; i++) {
		const char *t = l.v[i];
		if (*t == 's')
			cJSON_AddItemToArray(arr, cJSON_CreateString(t + 1));
		else if (*t == 'b')
			cJSON_AddItemToArray(arr, cJSON_CreateBool(!strcmp(t + 1, "true")));
		else
			cJSON_AddItemToArray(arr, cJSON_CreateRaw(t + 1));
		free(l.v[i]);
	}
	free(l.v);
	char *json = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	char *v = xmalloc(strlen(json) + 2);
	sprintf(v, "a%s", json);
	cJSON_free(json);
	return v;
}

const char *suppression_event_key(struct run *run, const cJSON *ev)
{
	return suppression_events_key(run, &ev, 1);
}

const char *suppression_events_key(struct run *run, const cJSON *const *evs, size_t nevs)
{
	struct suppression *sp = run->suppress;
	char *parts[SUPPRESSION_MAX_FIELDS];
	size_t n = 0;
	const char *key = NULL;
	for (; n < sp->nfields; n++)
		if (!(parts[n] = field_value(sp, evs, nevs, sp->fields[n])))
			break;
	if (n == sp->nfields) {
		char *joined = run_join_values(parts, n);
		key = run_intern(run, joined);
		free(joined);
	}
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	return key;
}
