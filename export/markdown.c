/* markdown: a report to paste into a ticket. One alert: its report (write_markdown_one), cut to
 * fit a ticket's comment (MD_MAX_BYTES).
 *
 * Several alerts: one case report. The case's overview (alerts by
 * severity and status, hosts, rules, the span of their events), a summary table with a row per
 * alert, then each alert's own report as a section (its headings one level down).
 *
 * The whole stays within a ticket's comment (MD_CASE_MAX_BYTES; Jira takes 32,767 characters):
 * the overview is never cut, and the summary lists the alerts that fit in MD_CASE_SUMMARY_MAX
 * bytes (some 200) and says how many more there are; each alert's section gets an even share of the room
 * left when it is written (what a short one leaves goes to those after it), and a longer one is
 * cut at a line with a marker that names the command giving its whole record. When even a
 * short section no longer fits, the rest are left out, and a line at the end says which. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonexact.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "export/format.h"
#include "triage/entities.h"

void markdown_escape_append(struct strbuf *out, const char *s)
{
	struct strbuf safe;
	strbuf_init(&safe, 64);
	sanitize_append(&safe, s ? s : "", strlen(s ? s : ""), 0);
	for (size_t i = 0; i < safe.len; i++) {
		char c = safe.buf[i];
		/* inline markup anywhere; block markup where a line could start */
		if (strchr("\\`*_[]<>|~&", c) || (i == 0 && strchr("#+-=!", c)))
			strbuf_addch(out, '\\');
		strbuf_addch(out, c);
	}
	strbuf_release(&safe);
}

static void md(struct strbuf *out, const char *s)
{
	markdown_escape_append(out, s ? s : "—");
}

/* A fenced code block whose fence is longer than any run of backticks in the text. */
static void md_code_block(struct strbuf *out, const char *lang, const char *text)
{
	size_t run = 0, longest = 0;
	for (const char *p = text; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	size_t fence = longest < 3 ? 3 : longest + 1;
	for (size_t i = 0; i < fence; i++)
		strbuf_addch(out, '`');
	strbuf_addf(out, "%s\n%s\n", lang, text);
	for (size_t i = 0; i < fence; i++)
		strbuf_addch(out, '`');
	strbuf_addch(out, '\n');
}

static void md_threat(struct strbuf *out, const cJSON *alert)
{
	const cJSON *threat = cJSON_GetObjectItemCaseSensitive(alert, "kibana.alert.rule.threat"), *t;
	int any = 0;
	cJSON_ArrayForEach(t, threat)
	{
		const cJSON *tactic = cJSON_GetObjectItemCaseSensitive(t, "tactic"), *tech;
		strbuf_addstr(out, any++ ? "; " : "");
		md(out, export_get_str(tactic, "id"));
		strbuf_addch(out, ' ');
		md(out, export_get_str(tactic, "name"));
		cJSON_ArrayForEach(tech, cJSON_GetObjectItemCaseSensitive(t, "technique"))
		{
			strbuf_addstr(out, " / ");
			md(out, export_get_str(tech, "id"));
			strbuf_addch(out, ' ');
			md(out, export_get_str(tech, "name"));
		}
	}
	if (!any)
		strbuf_addstr(out, "—");
}

static void md_row(struct strbuf *out, const char *label, const char *value)
{
	strbuf_addf(out, "| %s | ", label);
	md(out, value);
	strbuf_addstr(out, " |\n");
}

/* Who, what and where: the one entity list (triage/entities.h), in the console's words. */
static void md_entities(struct strbuf *out, const struct case_record *r)
{
	struct entity_list l;
	entities_read(r->event_doc, r->doc, &l);
	strbuf_addstr(out, "## Entities\n\n");
	for (size_t i = 0; i < l.n; i++) {
		strbuf_addf(out, "- **%s:** ", entity_label(l.v[i].kind));
		md(out, l.v[i].text);
		strbuf_addch(out, '\n');
	}
	if (!l.n)
		strbuf_addstr(out, "None recorded.\n");
	strbuf_addch(out, '\n');
	entities_release(&l);
}

/* A sequence alert's building blocks, each by its uuid, rule and time. */
static void md_blocks(struct strbuf *out, const struct case_record *r)
{
	if (!r->nblocks)
		return;
	strbuf_addstr(out, "## Building blocks\n\n");
	for (size_t i = 0; i < r->nblocks; i++) {
		const struct case_related *b = &r->blocks[i];
		char t[TIME_ISO_LEN];
		export_iso(b->ts, t);
		strbuf_addf(out, "%zu. `", i + 1);
		md(out, b->uuid);
		strbuf_addstr(out, "` ");
		md(out, b->rule);
		strbuf_addstr(out, ", ");
		md(out, b->severity);
		strbuf_addf(out, ", %s, ", t);
		md(out, b->status);
		strbuf_addch(out, '\n');
	}
	strbuf_addch(out, '\n');
}

static void md_items(struct strbuf *out, const struct case_record *r, const char *kind)
{
	int any = 0;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct case_item *it = &r->items[i];
		if (strcmp(it->kind, kind))
			continue;
		if (!any++ && it->from_default)
			strbuf_addstr(out,
			              "*The rule has no guide section for this; these are casebook's defaults.*\n\n");
		if (item_kind_from(kind) == ITEM_CHECK)
			strbuf_addf(out, "- [%c] %d. ", item_state_from(it->state) == STATE_CHECKED ? 'x' : ' ',
			            it->position);
		else
			strbuf_addf(out, "- **%s** %d. ", it->state, it->position);
		md(out, it->text);
		if (it->by) {
			char t[TIME_ISO_LEN];
			export_iso(it->at_us, t);
			strbuf_addstr(out, " — ");
			md(out, it->by);
			strbuf_addf(out, ", %s", t);
		}
		if (it->note) {
			strbuf_addstr(out, "; note: ");
			md(out, it->note);
		}
		strbuf_addch(out, '\n');
	}
	strbuf_addch(out, '\n');
}

static void md_notes(struct strbuf *out, const struct case_record *r)
{
	strbuf_addstr(out, "## Notes\n\n");
	if (!r->nnotes)
		strbuf_addstr(out, "None.\n\n");
	for (size_t i = 0; i < r->nnotes; i++) {
		char t[TIME_ISO_LEN];
		export_iso(r->notes[i].at_us, t);
		strbuf_addstr(out, "**");
		md(out, r->notes[i].by);
		strbuf_addf(out, "**, %s:\n\n", t);
		/* each line of the note as a quoted line, escaped */
		struct strbuf safe;
		strbuf_init(&safe, 128);
		sanitize_append(&safe, r->notes[i].text, strlen(r->notes[i].text), SAN_MULTILINE);
		char *line = safe.buf;
		while (line) {
			char *nl = strchr(line, '\n');
			if (nl)
				*nl = '\0';
			strbuf_addstr(out, "> ");
			markdown_escape_append(out, line);
			strbuf_addstr(out, "\n");
			line = nl ? nl + 1 : NULL;
		}
		strbuf_addch(out, '\n');
		strbuf_release(&safe);
	}
}

/* casebook's notes on the rule, quoted so that they stand apart from the rule author's text. */
static void md_rule_notes(struct strbuf *out, const struct case_record *r)
{
	if (!r->rule_notes)
		return;
	strbuf_addstr(out,
	              "## casebook's notes on this rule\n\n> *Written by casebook, not by the rule's author.*\n>\n");
	struct strbuf safe;
	strbuf_init(&safe, strlen(r->rule_notes) + 64);
	sanitize_append(&safe, r->rule_notes, strlen(r->rule_notes), SAN_MULTILINE);
	for (const char *p = safe.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_addstr(out, len ? "> " : ">");
		strbuf_add(out, p, len);
		strbuf_addch(out, '\n');
		p += len + (nl ? 1 : 0);
	}
	strbuf_addch(out, '\n');
	strbuf_release(&safe);
}

/* Rows of the Markdown timeline on each side of the alert's events: a ticket holds a report,
 * not the whole window (a 300-row timeline passed Jira's 32,767-character comment limit). */
#define MD_TIMELINE_AROUND 12

/* Whether timeline row i is within MD_TIMELINE_AROUND rows of one of the alert's events. */
static int md_row_shown(const struct case_record *r, size_t i)
{
	size_t lo = i > MD_TIMELINE_AROUND ? i - MD_TIMELINE_AROUND : 0;
	size_t hi = i + MD_TIMELINE_AROUND < r->ntimeline ? i + MD_TIMELINE_AROUND : r->ntimeline - 1;
	for (size_t k = lo; k <= hi; k++)
		if (case_is_member(r, r->timeline[k].id))
			return 1;
	return 0;
}

static void md_timeline(struct strbuf *out, const struct case_record *r, const struct export_options *o)
{
	strbuf_addf(out, "## Timeline\n\nEvents on host ");
	md(out, r->host);
	strbuf_addf(out, ", %lld s before to %lld s after the alert's event (marked ▶%s).\n\n",
	            (long long)(o->before_us / TIME_US_PER_SEC), (long long)(o->after_us / TIME_US_PER_SEC),
	            r->nmembers > 1 ? "; a sequence: each of its events" : "");
	strbuf_addstr(out, "| | Time (UTC) | Event | Process | Target |\n| --- | --- | --- | --- | --- |\n");
	size_t left_out = 0;
	for (size_t i = 0; i < r->ntimeline; i++) {
		const struct case_event *e = &r->timeline[i];
		if (!md_row_shown(r, i)) {
			left_out++;
			continue;
		}
		char t[TIME_ISO_LEN];
		export_iso(e->ts, t);
		strbuf_addf(out, "| %s | %s | ", case_is_member(r, e->id) ? "▶" : "", t);
		md(out, e->category);
		strbuf_addstr(out, "/");
		md(out, e->action);
		strbuf_addstr(out, " | ");
		md(out, e->process);
		strbuf_addstr(out, " | ");
		md(out, e->evidence ? e->evidence : e->target);
		strbuf_addstr(out, " |\n");
	}
	if (left_out)
		strbuf_addf(out,
		            "\n%zu more event%s in the window, further from the alert's, are not shown: "
		            "`casebook timeline %.12s` lists them all.\n",
		            left_out, left_out == 1 ? "" : "s", r->uuid);
	strbuf_addch(out, '\n');
}

static void md_audit(struct strbuf *out, const struct case_record *r, const struct export_options *o)
{
	strbuf_addstr(
	    out, "## Audit trail\n\n| # | Time (UTC) | Analyst | Action | Change |\n| --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *a = &r->audit[i];
		char t[TIME_ISO_LEN];
		export_iso(a->at_us, t);
		strbuf_addf(out, "| %lld | %s | ", (long long)a->id, t);
		md(out, a->analyst);
		strbuf_addstr(out, " | ");
		md(out, a->action);
		if (a->target) {
			strbuf_addch(out, ' ');
			md(out, a->target);
		}
		strbuf_addstr(out, " | ");
		if (a->before) {
			md(out, a->before);
			strbuf_addstr(out, " → ");
		}
		md(out, a->after);
		strbuf_addstr(out, " |\n");
	}
	if (!r->naudit)
		strbuf_addstr(out, "| | | | no changes yet | |\n");
	strbuf_addf(out, "\nAudit anchor of the case (`casebook audit --verify --expect`): `%s`\n\n", o->audit_anchor);
}

void write_markdown_one(const struct case_record *r, const struct export_options *o, struct strbuf *out)
{
	cJSON *alert = cJSON_Parse(r->doc);
	char t[TIME_ISO_LEN];
	strbuf_addstr(out, "# ");
	md(out, r->rule_name);
	strbuf_addf(out, "\n\n| | |\n| --- | --- |\n");
	md_row(out, "Alert", r->uuid);
	strbuf_addf(out, "| Severity | %s, risk score %lld |\n", r->severity, (long long)r->risk);
	strbuf_addstr(out, "| Status | ");
	md(out, r->status);
	if (r->closed_reason) {
		strbuf_addstr(out, " (");
		md(out, r->closed_reason);
		strbuf_addstr(out, ")");
	}
	if (r->comment) {
		strbuf_addstr(out, ": ");
		md(out, r->comment);
	}
	strbuf_addstr(out, " |\n| ATT&CK | ");
	md_threat(out, alert);
	strbuf_addstr(out, " |\n");
	export_iso(r->original_time, t);
	md_row(out, "Event time (UTC)", t);
	md_row(out, "Host", r->host);
	char ver[32];
	snprintf(ver, sizeof(ver), "%lld", (long long)r->rule_version);
	strbuf_addstr(out, "| Rule | ");
	md(out, r->rule_id);
	strbuf_addf(out, ", version %s |\n\n", ver);
	strbuf_addstr(out, "> ");
	md(out, r->reason);
	strbuf_addstr(out, "\n\n");
	md_entities(out, r);
	md_blocks(out, r);
	strbuf_addstr(out, "## Checklist\n\n");
	md_items(out, r, "check");
	strbuf_addstr(out, "## Response\n\n");
	md_items(out, r, "response");
	md_rule_notes(out, r);
	md_notes(out, r);
	md_timeline(out, r, o);
	if (o->source_json) {
		strbuf_addstr(out, "## Source event\n\n");
		struct strbuf js;
		strbuf_init(&js, 1024);
		cJSON *exact = r->event_doc ? json_parse_exact(r->event_doc, strlen(r->event_doc)) : NULL;
		if (exact) {
			char *pretty = cJSON_Print(exact);
			sanitize_json_append(&js, pretty, strlen(pretty));
			cJSON_free(pretty);
			cJSON_Delete(exact);
		}
		md_code_block(out, "json", js.buf);
		strbuf_release(&js);
		strbuf_addch(out, '\n');
	}
	md_audit(out, r, o);
	cJSON_Delete(alert);
}

/* A report fits a ticket's comment: Jira takes 32,767 characters; past MD_MAX_BYTES the
 * report is cut at a line, saying where the whole record is. */
#define MD_MAX_BYTES 32000

static void markdown_one(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out)
{
	if (i)
		strbuf_addstr(out, "\n---\n\n");
	struct strbuf one;
	strbuf_init(&one, 8192);
	write_markdown_one(r, o, &one);
	if (one.len > MD_MAX_BYTES) {
		size_t cut = MD_MAX_BYTES - 400;
		while (cut > 0 && one.buf[cut - 1] != '\n')
			cut--;
		one.len = cut;
		one.buf[cut] = '\0';
		strbuf_addf(&one,
		            "\n*The report is cut here to fit a ticket: `casebook export %.12s --format json` has "
		            "the whole record.*\n",
		            r->uuid);
	}
	strbuf_add(out, one.buf, one.len);
	strbuf_release(&one);
}

/* ---- several alerts: one case report ---- */

#define MD_CASE_MAX_BYTES   32000
#define MD_CASE_SUMMARY_MAX 24000 /* the summary's rows: the overview and a footer fit beside */
#define MD_CASE_FOOTER      400   /* kept for the closing lines */
#define MD_CASE_MIN_SECTION 600   /* less room than this: the section is left out, not cut */
#define MD_CASE_NAMED_MAX   8     /* hosts and rules named in the overview */
#define AUDIT_ANCHOR_LINE   "Audit anchor of the case "

struct md_case {
	const struct export_options *o;
	size_t n;
	struct strbuf summary; /* the summary table's rows */
	size_t unlisted;       /* alerts whose row did not fit in MD_CASE_SUMMARY_MAX */
	struct strpool hosts, rules;
	size_t by_severity[5], by_status[3];
	int64_t first_us, last_us;
	size_t used;          /* bytes written so far */
	size_t left_out_from; /* the first alert whose section is left out (n: none) */
};

static const char *const severities[] = {"critical", "high", "medium", "low", "other"};
static const char *const statuses[] = {"open", "acknowledged", "closed"};

static void *md_case_open(const struct export_options *o, size_t n)
{
	struct md_case *c = xcalloc(1, sizeof(*c));
	c->o = o;
	c->n = n;
	c->left_out_from = n;
	strbuf_init(&c->summary, 4096);
	strpool_init(&c->hosts);
	strpool_init(&c->rules);
	return c;
}

static size_t index_of(const char *const *names, size_t count, const char *s)
{
	size_t i = 0;
	while (i + 1 < count && strcmp(names[i], s))
		i++;
	return i; /* an unknown name is the last one */
}

static void md_status(struct strbuf *out, const struct case_record *r)
{
	markdown_escape_append(out, r->status);
	if (r->closed_reason) {
		strbuf_addstr(out, " (");
		markdown_escape_append(out, r->closed_reason);
		strbuf_addch(out, ')');
	}
}

static void md_case_survey(void *st, const struct case_record *r, size_t i)
{
	struct md_case *c = st;
	c->by_severity[index_of(severities, 5, r->severity)]++;
	c->by_status[index_of(statuses, 3, r->status)]++;
	strpool_intern(&c->hosts, r->host ? r->host : "—", NULL);
	strpool_intern(&c->rules, r->rule_name, NULL);
	if (!c->first_us || r->original_time < c->first_us)
		c->first_us = r->original_time;
	if (r->original_time > c->last_us)
		c->last_us = r->original_time;
	char t[TIME_ISO_LEN];
	time_format_iso8601(r->original_time, t);
	/* the uuid and severity of an alert Kibana raised are its document's: escaped like the rest */
	char id[13];
	snprintf(id, sizeof(id), "%.12s", r->uuid);
	struct strbuf row;
	strbuf_init(&row, 256);
	strbuf_addf(&row, "| %zu | ", i + 1);
	markdown_escape_append(&row, id);
	strbuf_addf(&row, " | %s | ", t);
	markdown_escape_append(&row, r->severity);
	strbuf_addstr(&row, " | ");
	markdown_escape_append(&row, r->rule_name);
	strbuf_addstr(&row, " | ");
	markdown_escape_append(&row, r->host ? r->host : "—");
	strbuf_addstr(&row, " | ");
	md_status(&row, r);
	strbuf_addstr(&row, " |\n");
	if (!c->unlisted && c->summary.len + row.len <= MD_CASE_SUMMARY_MAX) /* rows in order, no gaps */
		strbuf_add(&c->summary, row.buf, row.len);
	else
		c->unlisted++;
	strbuf_release(&row);
}

/* "3: 1 critical, 2 high" from counts by name. */
static void counts(struct strbuf *out, const char *const *names, const size_t *n, size_t count)
{
	const char *sep = "";
	for (size_t i = 0; i < count; i++)
		if (n[i]) {
			strbuf_addf(out, "%s%zu %s", sep, n[i], names[i]);
			sep = ", ";
		}
}

/* The first MD_CASE_NAMED_MAX names of a pool, then how many more. */
static void names(struct strbuf *out, const struct strpool *p)
{
	size_t n = strpool_count(p);
	for (size_t i = 0; i < n && i < MD_CASE_NAMED_MAX; i++) {
		strbuf_addstr(out, i ? ", " : "");
		markdown_escape_append(out, strpool_string(p, i));
	}
	if (n > MD_CASE_NAMED_MAX)
		strbuf_addf(out, " and %zu more", n - MD_CASE_NAMED_MAX);
}

static void md_case_begin(void *st, struct strbuf *out)
{
	struct md_case *c = st;
	size_t start = out->len, nh = strpool_count(&c->hosts), nr = strpool_count(&c->rules);
	char first[TIME_ISO_LEN], last[TIME_ISO_LEN];
	time_format_iso8601(c->first_us, first);
	time_format_iso8601(c->last_us, last);
	strbuf_addf(out, "# Case: %zu alerts on %zu host%s\n\n| | |\n| --- | --- |\n", c->n, nh, nh == 1 ? "" : "s");
	strbuf_addf(out, "| Alerts | %zu: ", c->n);
	counts(out, severities, c->by_severity, 5);
	strbuf_addstr(out, " |\n| Status | ");
	counts(out, statuses, c->by_status, 3);
	strbuf_addf(out, " |\n| Hosts | ");
	names(out, &c->hosts);
	strbuf_addf(out, " |\n| Rules | %zu: ", nr);
	names(out, &c->rules);
	strbuf_addf(out, " |\n| Events (UTC) | %s to %s |\n\n", first, last);
	strbuf_addstr(out, "## Summary\n\n| # | Alert | Event time (UTC) | Severity | Rule | Host | Status |\n"
	                   "| --- | --- | --- | --- | --- | --- | --- |\n");
	strbuf_add(out, c->summary.buf, c->summary.len);
	if (c->unlisted)
		strbuf_addf(out,
		            "\n*%zu more alert%s not listed to fit a ticket: `casebook alerts` lists every "
		            "one.*\n",
		            c->unlisted, c->unlisted == 1 ? " is" : "s are");
	strbuf_addch(out, '\n');
	c->used += out->len - start;
}

/* The section's cut: the end of the last whole line within max bytes. */
static size_t cut_at_line(const struct strbuf *s, size_t max)
{
	size_t cut = max < s->len ? max : s->len;
	while (cut > 0 && s->buf[cut - 1] != '\n')
		cut--;
	return cut;
}

/* The start of the line that ends at len (text[len - 1] is its newline). */
static size_t line_start(const char *text, size_t len)
{
	size_t k = len ? len - 1 : 0;
	while (k > 0 && text[k - 1] != '\n')
		k--;
	return k;
}

/* A cut section does not end on what only introduces the text cut away: blank lines, headings,
 * or a table's header and separator with no rows. Returns the new length. */
static size_t trim_dangling(const char *text, size_t len)
{
	while (len > 0) {
		size_t k = line_start(text, len);
		if (text[k] == '\n' || text[k] == '#')
			len = k;
		else if (!strncmp(text + k, "| ---", 5))
			len = line_start(text, k); /* the separator and its header */
		else
			break;
	}
	return len;
}

/* The fence a cut at len leaves open ("```" or longer), or 0 when none is open. */
static size_t open_fence(const char *text, size_t len)
{
	size_t open = 0;
	for (size_t i = 0; i < len;) {
		size_t run = 0;
		while (i + run < len && text[i + run] == '`')
			run++;
		if (run >= 3 && (!open || run >= open))
			open = open ? 0 : run;
		const char *nl = memchr(text + i, '\n', len - i);
		i = nl ? (size_t)(nl - text) + 1 : len;
	}
	return open;
}

/* The alert's own report, its headings one level down and the first titled "N. ". */
static void section(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out)
{
	struct strbuf one;
	strbuf_init(&one, 8192);
	write_markdown_one(r, o, &one);
	size_t fence = 0;
	for (size_t k = 0; k < one.len;) {
		const char *nl = memchr(one.buf + k, '\n', one.len - k);
		size_t end = nl ? (size_t)(nl - one.buf) + 1 : one.len;
		size_t run = 0;
		while (k + run < end && one.buf[k + run] == '`')
			run++;
		if (run >= 3 && (!fence || run >= fence))
			fence = fence ? 0 : run;
		else if (!fence && !strncmp(one.buf + k, AUDIT_ANCHOR_LINE, strlen(AUDIT_ANCHOR_LINE))) {
			k = end; /* the case's anchor closes the report, once */
			if (k < one.len && one.buf[k] == '\n')
				k++;
			continue;
		} else if (!fence && one.buf[k] == '#') {
			strbuf_addch(out, '#');
			if (k == 0) {
				strbuf_addf(out, "# %zu.", i + 1);
				k++; /* "# Rule" is "## 1. Rule" */
			}
		}
		strbuf_add(out, one.buf + k, end - k);
		k = end;
	}
	strbuf_release(&one);
}

static void md_case_one(void *st, const struct case_record *r, size_t i, struct strbuf *out)
{
	struct md_case *c = st;
	if (c->left_out_from < c->n)
		return;
	size_t room = MD_CASE_MAX_BYTES - MD_CASE_FOOTER > c->used ? MD_CASE_MAX_BYTES - MD_CASE_FOOTER - c->used : 0;
	size_t share = room / (c->n - i);
	if (share < MD_CASE_MIN_SECTION) {
		c->left_out_from = i;
		return;
	}
	struct strbuf s;
	strbuf_init(&s, 8192);
	strbuf_addstr(&s, "---\n\n");
	section(r, i, c->o, &s);
	if (s.len > share) {
		struct strbuf marker;
		strbuf_init(&marker, 256);
		strbuf_addf(&marker,
		            "\n*Alert %zu's detail is cut here to fit a ticket: `casebook export %.12s --format json` "
		            "has its whole record.*\n\n",
		            i + 1, r->uuid);
		size_t cut = cut_at_line(&s, share - marker.len - 16);
		size_t fence = open_fence(s.buf, cut);
		if (!fence)
			cut = trim_dangling(s.buf, cut);
		s.len = cut;
		s.buf[cut] = '\0';
		for (size_t k = 0; k < fence; k++)
			strbuf_addch(&s, '`');
		if (fence)
			strbuf_addch(&s, '\n');
		strbuf_add(&s, marker.buf, marker.len);
		strbuf_release(&marker);
	}
	strbuf_add(out, s.buf, s.len);
	c->used += s.len;
	strbuf_release(&s);
}

static void md_case_end(void *st, struct strbuf *out)
{
	struct md_case *c = st;
	if (c->left_out_from + 1 == c->n)
		strbuf_addf(out,
		            "---\n\n*The detail of alert %zu is left out to fit a ticket: the summary lists it, and "
		            "`casebook export ALERT --format json` has its whole record.*\n\n",
		            c->n);
	else if (c->left_out_from < c->n)
		strbuf_addf(
		    out,
		    "---\n\n*The detail of alerts %zu to %zu is left out to fit a ticket: the summary lists them, "
		    "and `casebook export ALERT --format json` has each one's whole record.*\n\n",
		    c->left_out_from + 1, c->n);
	strbuf_addf(out, "---\n\n" AUDIT_ANCHOR_LINE "(`casebook audit --verify --expect`): `%s`\n",
	            c->o->audit_anchor);
}

static void md_case_close(void *st)
{
	struct md_case *c = st;
	strbuf_release(&c->summary);
	strpool_release(&c->hosts);
	strpool_release(&c->rules);
	free(c);
}

const struct export_case_ops case_markdown_ops = {
    md_case_open, md_case_survey, md_case_begin, md_case_one, md_case_end, md_case_close,
};

const struct export_format_ops markdown_format = {
    .info = {"markdown", "md", ""},
    .one = markdown_one,
    .as_case = &case_markdown_ops,
    .case_from = 2,
};
