#include "triage/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/vocab.h"
#include "store/alerts.h"
#include "triage/guide.h"

const char *const triage_close_reasons[] = {"false_positive", "true_positive", "benign_positive",
                                            "duplicate",      "other",         NULL};
const char *const triage_statuses[] = {"open", "acknowledged", "closed", NULL};
const char *const triage_response_states[] = {"pending", "done", "skipped", "na", NULL};

const char *triage_canonical(const char *name)
{
	/* the console's words for them */
	static const char *const aliases[][2] = {{"ack", "acknowledged"}, {"acknowledge", "acknowledged"},
	                                         {"n/a", "na"},           {"N/A", "na"},
	                                         {"skip", "skipped"},     {"close", "closed"},
	                                         {"reopen", "open"}};
	for (size_t i = 0; name && i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(name, aliases[i][0]))
			return aliases[i][1];
	return name;
}

static int one_of(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (!strcmp(v, *set))
			return 1;
	return 0;
}

/* The guide of the alert's rule, parsed (empty when it has none). */
static int alert_guide(struct store *s, int64_t alert_id, struct guide *g)
{
	char *note;
	if (store_alert_rule_note(s, alert_id, &note))
		return -1;
	guide_parse(note, g);
	free(note);
	return 0;
}

int triage_prepare(struct store *s, int64_t alert_id)
{
	int has;
	if (store_triage_has_items(s, alert_id, &has))
		return TRIAGE_ERROR;
	if (has)
		return TRIAGE_OK;
	struct guide g;
	if (alert_guide(s, alert_id, &g))
		return TRIAGE_ERROR;
	int rc =
	    store_tx_begin(s) ||
	    store_triage_add_items(s, alert_id, "check", g.checklist.items, g.checklist.n, g.checklist.is_default) ||
	    store_triage_add_items(s, alert_id, "response", g.response.items, g.response.n, g.response.is_default);
	rc = store_tx_end(s, rc == 0) || rc;
	guide_release(&g);
	return rc ? TRIAGE_ERROR : TRIAGE_OK;
}

struct count_items {
	item_fn fn;
	void *ctx;
	int n, stop;
};

static int count_and_pass(void *ctx, const struct triage_item *it)
{
	struct count_items *c = ctx;
	c->n++;
	return c->stop = c->fn(c->ctx, it);
}

/* The items a first action would create, offered without storing them. */
static int each_item_of(const struct guide_list *l, const char *kind, item_fn fn, void *ctx)
{
	const char *initial = item_state_name(item_initial_state(item_kind_from(kind)));
	for (size_t i = 0; i < l->n; i++) {
		struct triage_item it = {.kind = kind,
		                         .position = (int)i + 1,
		                         .text = l->items[i],
		                         .state = initial,
		                         .from_default = l->is_default};
		int status = fn(ctx, &it);
		if (status)
			return status;
	}
	return 0;
}

int triage_items_each(struct store *s, int64_t alert_id, item_fn fn, void *ctx)
{
	struct count_items c = {.fn = fn, .ctx = ctx};
	int rc = store_triage_items_each(s, alert_id, count_and_pass, &c);
	if (rc && rc != c.stop) /* not fn's own status: the store failed */
		return TRIAGE_ERROR;
	if (c.n)
		return rc;
	struct guide g;
	if (alert_guide(s, alert_id, &g))
		return TRIAGE_ERROR;
	rc = each_item_of(&g.checklist, "check", fn, ctx);
	if (!rc)
		rc = each_item_of(&g.response, "response", fn, ctx);
	guide_release(&g);
	return rc;
}

struct status_now {
	char status[32];
	struct strbuf open;
	int nopen;
};

static int collect_open(void *ctx, const struct triage_item *it)
{
	struct status_now *n = ctx;
	if (item_kind_from(it->kind) == ITEM_CHECK && item_state_from(it->state) == STATE_OPEN) {
		strbuf_addf(&n->open, "%s%d", n->nopen ? ", " : "", it->position);
		n->nopen++;
	}
	return 0;
}

static int read_status(void *ctx, const struct alert_row *a)
{
	snprintf(((struct status_now *)ctx)->status, 32, "%s", a->status);
	return 0; /* one alert */
}

int triage_reason_valid(const char *reason, const struct actor *who)
{
	if (one_of(reason, triage_close_reasons))
		return 1;
	/* a custom closing reason Kibana recorded (kibana.alert.workflow_reason) is Kibana's, kept as
	 * it was: only the importer, acting as Kibana's user, brings one; an analyst's reason is one
	 * of the list (a typo is refused, not kept) */
	if (!reason || !who || !who->analyst ||
	    strncmp(who->analyst, ALERT_IMPORTED_PREFIX, strlen(ALERT_IMPORTED_PREFIX)))
		return 0;
	size_t n = strlen(reason);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
			return 0;
	return n >= 1 && n <= TRIAGE_REASON_MAX;
}

int triage_set_status(struct store *s, int64_t alert_id, const char *uuid, const char *status, const char *reason,
                      const char *comment, int force, const struct actor *who, int *open_items)
{
	*open_items = 0;
	if (!one_of(status, triage_statuses))
		return TRIAGE_INVALID;
	int closing = alert_status_from(status) == STATUS_CLOSED;
	if (closing ? !triage_reason_valid(reason, who) : reason != NULL)
		return TRIAGE_INVALID;
	if (triage_prepare(s, alert_id))
		return TRIAGE_ERROR;
	struct status_now now = {.nopen = 0};
	strbuf_init(&now.open, 32);
	struct alert_query q = {.id = alert_id, .no_doc = 1}; /* this alert's, whatever uuids start with its */
	int rc = TRIAGE_OK;
	if (store_alerts_each(s, &q, read_status, &now) || store_triage_items_each(s, alert_id, collect_open, &now)) {
		rc = TRIAGE_ERROR;
	} else if (!strcmp(now.status, status)) { /* re-closing too: reopen to close with another reason */
		rc = TRIAGE_UNCHANGED;
	} else {
		char detail[200] = "";
		if (closing && now.nopen) {
			*open_items = now.nopen;
			if (!force)
				rc = TRIAGE_OPEN_ITEMS;
			else
				snprintf(detail, sizeof(detail), "closed with checklist items open: %s", now.open.buf);
		}
		if (rc == TRIAGE_OK &&
		    store_set_status(s, alert_id, uuid, status, reason, comment, detail[0] ? detail : NULL, who))
			rc = TRIAGE_ERROR;
	}
	strbuf_release(&now.open);
	return rc;
}

int triage_check(struct store *s, int64_t alert_id, const char *uuid, int n, int undo, const char *note,
                 const struct actor *who)
{
	if (triage_prepare(s, alert_id))
		return TRIAGE_ERROR;
	int rc = store_set_item(s, alert_id, uuid, "check", n, undo ? "open" : "checked", note, who);
	return rc < 0 ? TRIAGE_ERROR : rc ? TRIAGE_NO_ITEM : TRIAGE_OK;
}

int triage_respond(struct store *s, int64_t alert_id, const char *uuid, int n, const char *state, const char *note,
                   const struct actor *who)
{
	if (!one_of(state, triage_response_states))
		return TRIAGE_INVALID;
	if (triage_prepare(s, alert_id))
		return TRIAGE_ERROR;
	int rc = store_set_item(s, alert_id, uuid, "response", n, state, note, who);
	return rc < 0 ? TRIAGE_ERROR : rc ? TRIAGE_NO_ITEM : TRIAGE_OK;
}

int triage_note(struct store *s, int64_t alert_id, const char *uuid, const char *text, const struct actor *who)
{
	if (!text || !*text)
		return TRIAGE_INVALID;
	return store_add_note(s, alert_id, uuid, text, who) ? TRIAGE_ERROR : TRIAGE_OK;
}

int triage_open_checks(struct store *s, int64_t alert_id, int *open)
{
	struct status_now now = {.nopen = 0};
	strbuf_init(&now.open, 32);
	int rc = triage_items_each(s, alert_id, collect_open, &now);
	*open = now.nopen;
	strbuf_release(&now.open);
	return rc;
}

int triage_set_status_many(struct store *s, const int64_t *ids, char *const *uuids, size_t n, const char *status,
                           const char *reason, const char *comment, int force, const struct actor *who,
                           struct status_outcome *out, status_refused_fn refused, void *ctx)
{
	memset(out, 0, sizeof(*out));
	if (store_tx_begin(s))
		return TRIAGE_ERROR;
	int rc = TRIAGE_OK;
	for (size_t i = 0; i < n && rc != TRIAGE_ERROR && rc != TRIAGE_INVALID; i++) {
		int open = 0;
		int r = triage_set_status(s, ids[i], uuids[i], status, reason, comment, force, who, &open);
		if (r == TRIAGE_OK) {
			out->changed++;
		} else if (r == TRIAGE_UNCHANGED) {
			out->unchanged++;
		} else if (r == TRIAGE_OPEN_ITEMS) {
			out->refused++;
			out->open_items += (size_t)open;
			if (refused)
				refused(ctx, uuids[i], open);
			rc = TRIAGE_OPEN_ITEMS;
		} else {
			rc = r;
		}
	}
	int ended = store_tx_end(s, rc == TRIAGE_OK); /* -1 after a rollback too */
	if (rc == TRIAGE_OK)
		return ended ? TRIAGE_ERROR : TRIAGE_OK;
	out->changed = out->unchanged = 0; /* rolled back: nothing changed */
	return rc;
}
