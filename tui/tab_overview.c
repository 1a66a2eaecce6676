/* The Overview tab: who, what and where, from the alert's document, then the rule, the
 * prevalence, a sequence's size and the related alerts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/rulefields.h"
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

static int is_set(const char *s)
{
	return s && *s;
}

/* "none recorded" when the event has no code signature at all: absent is not "unsigned". */
static void signature(struct text_out *o, char *const *f, int w)
{
	struct strbuf sig;
	strbuf_init(&sig, 128);
	if (!f[F_SIGNER] && !f[F_TRUSTED] && !f[F_TEAM] && !f[F_SIGSTATUS])
		strbuf_addstr(&sig, "none recorded (the event has no process.code_signature)");
	else
		strbuf_addf(&sig, "%s; %s%s%s; status %s", is_set(f[F_SIGNER]) ? f[F_SIGNER] : "unsigned",
		            f[F_TRUSTED] && !strcmp(f[F_TRUSTED], "true") ? "trusted" : "not trusted",
		            is_set(f[F_TEAM]) ? "; team " : "", f[F_TEAM] ? f[F_TEAM] : "", or_dash(f[F_SIGSTATUS]));
	field(o, "  signature", sig.buf, w);
	strbuf_release(&sig);
}

static void host_user_process(struct text_out *o, char *const *f, int w)
{
	struct strbuf sb;
	strbuf_init(&sb, 128);
	out_add(o, "Host", A_BOLD);
	field(o, "  name", f[F_HOST], w);
	field(o, "  id", f[F_HOST_ID], w);
	strbuf_addf(&sb, "%s%s", or_dash(f[F_OS]),
	            f[F_DERIVED] && strstr(f[F_DERIVED], "host.os.type") ? " (derived from host.os.platform)" : "");
	field(o, "  OS", sb.buf, w);
	field(o, "User", f[F_USER], w);
	out_add(o, "Process", A_BOLD);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s (pid %s)", or_dash(f[F_EXE]), or_dash(f[F_PID]));
	field(o, "  executable", sb.buf, w);
	field(o, "  command line", f[F_CMD], w);
	signature(o, f, w);
	strbuf_release(&sb);
}

static void file_event_rule(struct text_out *o, char *const *f, int w)
{
	out_add(o, "File", A_BOLD);
	field(o, "  path", f[F_PATH], w);
	field(o, "  SHA-256", f[F_SHA], w);
	field(o, "  size", f[F_SIZE], w);
	if (f[F_ORIG])
		field(o, "  renamed from", f[F_ORIG], w);
	field(o, "Event", f[F_ACTION], w);
	field(o, "  type", f[F_TYPE], w);
	out_add(o, "Rule", A_BOLD);
	out_wrapped(o, "  ", f[F_DESC], w, A_NORMAL, 0);
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
	const struct alertview *v = &a->av;
	const struct case_record *r = &v->rec;
	char line[200];
	snprintf(line, sizeof(line), "%lld other alert%s on this host; %lld host%s with an alert for this path",
	         (long long)r->same_host, r->same_host == 1 ? "" : "s", (long long)r->hosts_same_path,
	         r->hosts_same_path == 1 ? "" : "s");
	out_add(o, "Prevalence", A_BOLD);
	out_wrapped(o, "  ", line, w, A_NORMAL, 0);
	if (r->nmembers > 1) {
		snprintf(line, sizeof(line), "  a sequence of %zu events, marked ▶ on the Timeline tab", r->nmembers);
		out_add(o, "Sequence", A_BOLD);
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
 * status came to be (the audit trail's status entries). */
static void alert_lines(struct text_out *o, const struct case_record *r, int w)
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
		char t[TIME_ISO_LEN];
		time_format_iso8601(e->at_us, t);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s → %s, %s, %.19s", e->before ? e->before : "—", e->after ? e->after : "—",
		            e->analyst, t);
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
	int w = COLS - 2;
	investigation(o, a->av.rec.doc, w);
	alert_lines(o, &a->av.rec, w);
	host_user_process(o, a->av.fields, w);
	file_event_rule(o, a->av.fields, w);
	context(a, o, w);
}

const struct tab_ops tab_overview = {.name = "Overview",
                                     .draw = draw_text_tab,
                                     .text = overview_text,
                                     .hints = hints,
                                     .nhints = sizeof(hints) / sizeof(hints[0])};
