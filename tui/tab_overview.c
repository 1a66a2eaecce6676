/* The Overview tab: who, what and where, from the alert's document, then the rule, the
 * prevalence, a sequence's size and the related alerts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/rulefields.h"
#include "triage/entities.h"
#include "tui/view.h"

static const struct hint hints[] = {{ACT_NEXT_TAB, 0, "", "next tab"}, {ACT_ACK, 0, "", "ack"},
                                    {ACT_CLOSE, 0, "", "close"},       {ACT_REOPEN, 0, "", "reopen"},
                                    {ACT_EXPORT, 0, "", "export"},     {ACT_EXCEPTION, 0, "", "exception"},
                                    {ACT_HELP, 0, "", "help"},         {ACT_BACK, 0, "", "back"}};

static void field(struct text_out *o, const char *label, const char *value, int width)
{
	char prefix[40];
	snprintf(prefix, sizeof(prefix), "%-16s", label);
	out_wrapped(o, prefix, value ? value : "—", width, A_NORMAL, 0);
}

static const char *or_dash(const char *s)
{
	return s ? s : "—";
}

/* Who, what and where: the one list of entities (triage/entities.h) that the Markdown export
 * and `casebook show` print too, in the same words. */
static void entities(struct text_out *o, const struct case_record *r, int w)
{
	struct entity_list l;
	entities_read(r->event_doc, r->doc, &l);
	for (size_t i = 0; i < l.n; i++)
		field(o, entity_label(l.v[i].kind), l.v[i].text, w);
	entities_release(&l);
}

/* The event's action and type, then the rule: what it looks for (its description and query)
 * and its ATT&CK mapping. */
static void event_rule(struct text_out *o, char *const *f, int w)
{
	field(o, "Event", f[F_ACTION], w);
	field(o, "  type", f[F_TYPE], w);
	out_add(o, "Rule", A_BOLD);
	out_wrapped(o, "  ", f[F_DESC], w, A_NORMAL, 0);
	if (f[F_QUERY]) { /* as written: an EQL sequence keeps its lines */
		field(o, "  language", f[F_LANGUAGE], w);
		size_t len = strlen(f[F_QUERY]);
		while (len && strchr(" \t\r\n", f[F_QUERY][len - 1]))
			len--;
		char *query = xstrndup(f[F_QUERY], len);
		out_wrapped(o, "  query         ", query, w, A_NORMAL, 1);
		free(query);
	}
	struct strbuf attack;
	strbuf_init(&attack, 128);
	strbuf_addf(&attack, "%s %s / %s %s", or_dash(f[F_TACTIC_ID]), f[F_TACTIC] ? f[F_TACTIC] : "",
	            or_dash(f[F_TECHNIQUE_ID]), f[F_TECHNIQUE] ? f[F_TECHNIQUE] : "");
	field(o, "  ATT&CK", attack.buf, w);
	strbuf_release(&attack);
}

void related_line(struct app *a, const struct case_related *x, int with_uuid, struct strbuf *out)
{
	char t[32];
	ui_format_time(a, x->ts, t, sizeof(t), 0);
	strbuf_addf(out, "%s  ", t);
	if (with_uuid)
		strbuf_addf(out, "%.12s  ", x->uuid);
	strbuf_addf(out, "%-8s  %-12s  %s", x->severity, x->status, x->rule);
}

static void context(struct app *a, struct text_out *o, int w)
{
	const struct alertview *v = alert_of(a);
	const struct case_record *r = &v->rec;
	char line[200];
	snprintf(line, sizeof(line), "%lld other alert%s on this host; %lld host%s with an alert for this path",
	         (long long)r->same_host, r->same_host == 1 ? "" : "s", (long long)r->hosts_same_path,
	         r->hosts_same_path == 1 ? "" : "s");
	out_add(o, "Prevalence", A_BOLD);
	out_wrapped(o, "  ", line, w, A_NORMAL, 0);
	if (v->fleet_known) { /* attached to a cluster: the path over the fleet, not what was copied */
		snprintf(line, sizeof(line), "%lld host%s in the cluster with an event for this path",
		         (long long)v->fleet_hosts, v->fleet_hosts == 1 ? "" : "s");
		out_wrapped(o, "  ", line, w, A_NORMAL, 0);
	}
	if (r->nmembers > 1) {
		/* an alert Kibana groups (kibana.alert.group.id) is a sequence; a threshold's counted
		 * events are not one */
		int sequence = alert_of(a)->fields[F_GROUP] != NULL;
		snprintf(line, sizeof(line), "  %s %zu events, marked ▶ on the Timeline tab",
		         sequence ? "a sequence of" : "the alert stands on", r->nmembers);
		out_add(o, sequence ? "Sequence" : "Events", A_BOLD);
		out_add(o, line, A_NORMAL);
	}
	if (r->nblocks) {
		/* Kibana's sequence alert: its building blocks, left out of the queue as Kibana's
		 * alerts table leaves them; r opens one, as it opens a related alert */
		out_add(o, "Building blocks: r opens one", A_BOLD);
		for (size_t i = 0; i < r->nblocks; i++) {
			struct strbuf sb;
			strbuf_init(&sb, 128);
			strbuf_addstr(&sb, "  ");
			related_line(a, &r->blocks[i], 1, &sb);
			out_wrapped(o, "", sb.buf, w, A_NORMAL, 0);
			strbuf_release(&sb);
		}
	}
	snprintf(line, sizeof(line), "Related alerts (other rules, this host, ±%llds)%s",
	         (long long)(v->tl_before / TIME_US_PER_SEC), r->nrelated ? ": r opens one" : "");
	out_add(o, line, A_BOLD);
	for (size_t i = 0; i < r->nrelated; i++) {
		struct strbuf sb;
		strbuf_init(&sb, 128);
		strbuf_addstr(&sb, "  ");
		related_line(a, &r->related[i], 1, &sb);
		out_wrapped(o, "", sb.buf, w, A_NORMAL, 0);
		strbuf_release(&sb);
	}
	if (!r->nrelated)
		out_add(o, "  none", A_DIM);
}

/* The alert itself: its uuid, its status with the closing reason and comment, and how the
 * status came to be (the audit trail's status entries, their times in UTC or with `t` the
 * analyst's zone, labelled either way). */
static void alert_lines(const struct app *a, struct text_out *o, const struct case_record *r, int w)
{
	struct strbuf sb;
	strbuf_init(&sb, 128);
	strbuf_addf(&sb, "Alert %s", r->uuid); /* whole: 64 hex digits fit 80 columns this way */
	out_wrapped(o, "", sb.buf, w, A_BOLD, 0);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, r->status ? r->status : "—");
	if (r->closed_reason)
		strbuf_addf(&sb, " (%s)", r->closed_reason);
	if (r->comment)
		strbuf_addf(&sb, ": %s", r->comment);
	field(o, "  status", sb.buf, w);
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *e = &r->audit[i];
		if (strcmp(e->action, "status"))
			continue;
		char t[32], zone[16];
		ui_format_time(a, e->at_us, t, sizeof(t), 1);
		ui_zone_label(a, e->at_us, zone, sizeof(zone));
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s → %s, %s, %s %s", e->before ? e->before : "—", e->after ? e->after : "—",
		            e->analyst, t, zone);
		field(o, "  history", sb.buf, w);
	}
	strbuf_release(&sb);
}

/* The fields the rule's author asks to see first (investigation_fields), as Kibana's alert
 * flyout shows them at the top of its Overview. */
static void investigation(struct text_out *o, const char *doc, int w)
{
	cJSON *alert = doc ? cJSON_Parse(doc) : NULL;
	char **names, **values;
	size_t n = rulefields_investigation(alert, &names, &values);
	if (n)
		out_add(o, "Investigation fields (the rule's)", A_BOLD);
	for (size_t i = 0; i < n; i++) {
		char *safe = sanitize_dup(names[i], 0);
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "  %-28.28s  ", safe);
		out_wrapped(o, prefix, values[i] ? values[i] : "—", w, A_NORMAL, 0);
		free(safe);
		free(names[i]);
		free(values[i]);
	}
	free(names);
	free(values);
	cJSON_Delete(alert);
}

static void overview_text(struct app *a, struct text_out *o)
{
	int w = alert_text_width();
	investigation(o, alert_of(a)->rec.doc, w);
	alert_lines(a, o, &alert_of(a)->rec, w);
	entities(o, &alert_of(a)->rec, w);
	event_rule(o, alert_of(a)->fields, w);
	context(a, o, w);
}

const struct tab_ops tab_overview = {.name = "Overview",
                                     .draw = draw_text_tab,
                                     .text = overview_text,
                                     .hints = hints,
                                     .nhints = sizeof(hints) / sizeof(hints[0])};
