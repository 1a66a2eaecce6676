#include "triage/kibana.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/number.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "detect/field.h"
#include "detect/rule.h"
#include "store/alerts.h"
#include "triage/record.h"
#include "triage/signal.h"

struct importing {
	struct store *s;
	int64_t now;
	const struct diag_sink *warn;
	struct kibana_counts *c;
	int failed;
};

static int take_first(void *ctx, const cJSON *v)
{
	*(const cJSON **)ctx = v;
	return 1;
}

static const cJSON *first_at(const cJSON *doc, const char *path)
{
	const cJSON *v = NULL;
	field_each(doc, path, strlen(path), take_first, &v);
	return v;
}

static const char *text_at(const cJSON *doc, const char *path)
{
	const cJSON *v = first_at(doc, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A whole number in [min, max] at path, or fallback when the document has none: 0, or -1
 * with why (a number out of range, a fraction, or not a number at all). */
static int integer_at(const cJSON *doc, const char *path, int64_t min, int64_t max, int64_t fallback, int64_t *out,
                      char *why, size_t whylen)
{
	const cJSON *v = NULL;
	field_each(doc, path, strlen(path), take_first, &v);
	*out = fallback;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v) && !number_whole_int64(v->valuedouble, min, max, out))
		return 0;
	snprintf(why, whylen, "%s must be a whole number from %lld to %lld", path, (long long)min, (long long)max);
	return -1;
}

static int take_id(void *ctx, const struct event_row *row)
{
	*(int64_t *)ctx = row->id;
	return 0;
}

/* Kibana's alert ids are SHA-256 hex, and an _id Elasticsearch made is URL-safe base64: a
 * uuid of other bytes (or none, or of a size no id has) is not one. */
static int valid_uuid(const char *uuid)
{
	size_t n = strlen(uuid);
	return n >= 1 && n <= 128 &&
	       strspn(uuid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == n;
}

/* Kibana's workflow statuses as casebook's: "in-progress" (7.x, and the API's alias still) is
 * acknowledged work, which Kibana's alerts table labels "In progress". */
static const char *status_of(const char *s)
{
	if (!s)
		return alert_status_name(STATUS_OPEN);
	if (!strcmp(s, "in-progress"))
		return alert_status_name(STATUS_ACKNOWLEDGED);
	enum alert_status v = alert_status_from(s);
	return v == STATUS_UNKNOWN ? NULL : alert_status_name(v);
}

/* The workflow status as Kibana left it, through the one triage API, on the imported alert
 * alone: audited by the document's user marked as Kibana's ("kibana:jo", a name --analyst
 * cannot take), never as the analyst who ran the import. */
static int import_status(struct importing *im, const cJSON *doc, const char *uuid, int64_t alert_id)
{
	const char *status = status_of(text_at(doc, "kibana.alert.workflow_status"));
	if (!status || alert_status_from(status) == STATUS_OPEN)
		return 0;
	const char *user = text_at(doc, "kibana.alert.workflow_user");
	struct strbuf who;
	strbuf_init(&who, 64);
	strbuf_addf(&who, "%s%s", ALERT_IMPORTED_PREFIX, user ? user : "");
	struct actor a = {.analyst = who.buf, .at_us = im->now};
	/* closing needs a reason: Kibana's when it recorded one of them, else "other" */
	const char *reason = NULL;
	if (alert_status_from(status) == STATUS_CLOSED) {
		reason = text_at(doc, "kibana.alert.workflow_reason");
		reason = triage_reason_valid(reason, &a) ? reason : "other";
	}
	int open_items = 0;
	int rc =
	    triage_set_status(im->s, alert_id, uuid, status, reason, "status imported from Kibana", 1, &a, &open_items);
	strbuf_release(&who);
	return rc == TRIAGE_ERROR ? -1 : 0;
}

/* A rule needs a severity and a risk score; an alert that names neither for its rule (Discover's
 * fields, a trimmed export) lends its own, as the rule's defaults that Kibana applied to it. */
static void fill_rule_from_alert(cJSON *doc, int64_t risk)
{
	if (!first_at(doc, "kibana.alert.rule.risk_score") && !first_at(doc, "kibana.alert.rule.parameters.risk_score"))
		cJSON_AddNumberToObject(doc, "kibana.alert.rule.risk_score", (double)risk);
	const char *severity = text_at(doc, "kibana.alert.severity");
	if (severity && !first_at(doc, "kibana.alert.rule.severity") &&
	    !first_at(doc, "kibana.alert.rule.parameters.severity"))
		cJSON_AddStringToObject(doc, "kibana.alert.rule.severity", severity);
}

static void skip(struct importing *im, const char *uuid, const char *why)
{
	diag_say(im->warn, "Kibana alert %s: skipped: %s\n", uuid, why);
	im->c->skipped++;
}

/* The stored document with the 7.x signal's kibana.alert.* fields (added) put before its own,
 * which stay exactly as they came (numbers unrounded). */
static char *with_fields(const struct event_row *row, const cJSON *added)
{
	char *extra = added && added->child ? cJSON_PrintUnformatted(added) : NULL;
	if (!extra || row->doc_len < 2 || row->doc[0] != '{') {
		free(extra);
		return xstrndup(row->doc, row->doc_len);
	}
	struct strbuf sb;
	strbuf_init(&sb, strlen(extra) + row->doc_len + 2);
	strbuf_add(&sb, extra, strlen(extra) - 1); /* without its closing brace */
	if (row->doc[1] != '}')
		strbuf_addch(&sb, ',');
	strbuf_add(&sb, row->doc + 1, row->doc_len - 1);
	free(extra);
	return strbuf_detach(&sb, NULL);
}

static int import_alert(struct importing *im, const struct event_row *row, cJSON *doc, const char *uuid,
                        const cJSON *added)
{
	int64_t alert_id = 0;
	if (store_alert_id(im->s, uuid, &alert_id))
		return -1;
	if (alert_id) {
		im->c->known++;
		return 0;
	}
	char why[200];
	int64_t risk;
	/* the alert's own risk (a risk_score_mapping or an Endpoint promotion sets it), else its
	 * rule's, else Kibana's default 21 */
	if (integer_at(doc, "kibana.alert.rule.risk_score", 0, 100, 21, &risk, why, sizeof(why)) ||
	    integer_at(doc, "kibana.alert.risk_score", 0, 100, risk, &risk, why, sizeof(why))) {
		skip(im, uuid, why);
		return 0;
	}
	int64_t group_index = 0;
	int has_group_index = first_at(doc, "kibana.alert.group.index") != NULL;
	if (integer_at(doc, "kibana.alert.group.index", 0, INT32_MAX, 0, &group_index, why, sizeof(why))) {
		skip(im, uuid, why);
		return 0;
	}
	int64_t rule_key = 0;
	fill_rule_from_alert(doc, risk);
	if (rules_add_from_alert(im->s, doc, &rule_key, why, sizeof(why)) || !rule_key) {
		skip(im, uuid, why);
		return 0;
	}
	/* its source event when the case has it; else the alert document, which carries its fields */
	int64_t event_id = 0;
	/* the first ancestor is the event the chain began with (Kibana lists them from depth 0) */
	const char *source = text_at(doc, "kibana.alert.ancestors.id");
	if (source && store_event_by_identity(im->s, source, take_id, &event_id))
		return -1;
	if (!event_id)
		event_id = row->id;
	int64_t original = row->r.ts;
	const char *ot = text_at(doc, "kibana.alert.original_time");
	if (ot)
		time_parse_iso8601(ot, strlen(ot), &original, NULL);
	const char *severity = text_at(doc, "kibana.alert.severity");
	if (!severity)
		severity = text_at(doc, "kibana.alert.rule.severity");
	const char *reason = text_at(doc, "kibana.alert.reason");
	/* a 7.x signal is stored with the kibana.alert.* fields its signal.* ones stand for, so that
	 * every reader of the alert reads it as an 8.x alert */
	char *text = with_fields(row, added);
	const char *raw_status = text_at(doc, "kibana.alert.workflow_status");
	struct alert_record a = {.uuid = uuid,
	                         .rule_key = rule_key,
	                         .event_id = event_id,
	                         .original_time = original,
	                         .created_us = im->now,
	                         .execution_us = original,
	                         .severity = severity ? severity : "low",
	                         .risk_score = risk,
	                         .reason = reason ? reason : "an alert raised by Kibana",
	                         .doc = text,
	                         .events = &event_id,
	                         .nevents = 1,
	                         .origin = "kibana import",
	                         .imported = 1,
	                         .rule_name = text_at(doc, "kibana.alert.rule.name"),
	                         .acknowledged_as =
	                             raw_status && !strcmp(raw_status, "in-progress") ? "in-progress" : NULL,
	                         .group_id = text_at(doc, "kibana.alert.group.id"),
	                         .group_index = group_index,
	                         .has_group_index = has_group_index};
	int created = 0;
	int rc = store_alert_add(im->s, &a, &created) || store_alert_id(im->s, uuid, &alert_id);
	free(text);
	if (rc)
		return -1;
	if (!created || !alert_id) {
		skip(im, uuid, "the document is not JSON that SQLite reads");
		return 0;
	}
	im->c->added++;
	return import_status(im, doc, uuid, alert_id);
}

/* Imports one Kibana alert document as the alert ALERT_IMPORTED_PREFIX + its uuid: found by
 * that exact uuid, never a prefix, and apart from every alert detect raises. */
static int import_one(struct importing *im, const struct event_row *row, cJSON *doc)
{
	cJSON *added = NULL;
	if (signal_is_legacy(doc)) { /* read through its kibana.alert.* fields, as Kibana 8 reads it */
		added = cJSON_CreateObject();
		signal_alert_fields(doc, added);
		for (const cJSON *f = added->child; f; f = f->next)
			cJSON_AddItemToObject(doc, f->string, cJSON_Duplicate(f, 1));
	}
	const char *kibana_uuid = text_at(doc, "kibana.alert.uuid");
	if (!kibana_uuid)
		kibana_uuid = row->r.identity;
	if (!valid_uuid(kibana_uuid)) { /* named by the event it is stored as: its uuid is not printable */
		diag_say(im->warn,
		         "Kibana alert document (event %lld): skipped: kibana.alert.uuid must be 1 to 128 letters, "
		         "digits, '-', '_', '.' or ':'\n",
		         (long long)row->id);
		im->c->skipped++;
		cJSON_Delete(added);
		return 0;
	}
	struct strbuf uuid;
	strbuf_init(&uuid, 80);
	strbuf_addf(&uuid, "%s%s", ALERT_IMPORTED_PREFIX, kibana_uuid);
	int rc = import_alert(im, row, doc, uuid.buf, added);
	strbuf_release(&uuid);
	cJSON_Delete(added);
	return rc;
}

static int on_signal(void *ctx, const struct event_row *row)
{
	struct importing *im = ctx;
	cJSON *doc = cJSON_ParseWithLength(row->doc, row->doc_len);
	int rc = doc ? import_one(im, row, doc) : 0;
	if (!doc)
		im->c->skipped++;
	cJSON_Delete(doc);
	if (rc)
		im->failed = 1;
	return rc;
}

struct ids {
	int64_t *at;
	size_t n, cap;
};

static int collect_id(void *ctx, const struct event_row *row)
{
	struct ids *l = ctx;
	if (l->n == l->cap)
		l->at = xrealloc(l->at, (l->cap = l->cap ? l->cap * 2 : 16) * sizeof(*l->at));
	l->at[l->n++] = row->id;
	return 0;
}

int kibana_alerts_import(struct store *s, int64_t after_id, int64_t now_us, const struct diag_sink *warn,
                         struct kibana_counts *c)
{
	memset(c, 0, sizeof(*c));
	struct importing im = {.s = s, .now = now_us, .warn = warn, .c = c};
	/* the ids first: the alerts are written between reads, not while a read is open */
	struct ids l = {0};
	int64_t last_alert = store_max_alert_id(s);
	int rc = last_alert < 0 || store_signal_events_each(s, after_id, collect_id, &l);
	for (size_t i = 0; i < l.n && !rc && !im.failed; i++)
		rc = store_event_get(s, l.at[i], 1, on_signal, &im);
	free(l.at);
	/* a sequence's building blocks under its alert, whichever of them came first */
	if (!rc && !im.failed && c->added)
		rc = store_alert_groups_resolve(s, last_alert);
	return rc || im.failed ? -1 : 0;
}
