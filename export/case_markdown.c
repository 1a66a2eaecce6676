/* markdown, several alerts: one case report for a ticket. The case's overview (alerts by
 * severity and status, hosts, rules, the span of their events), a summary table with a row per
 * alert, then each alert's own report as a section (its headings one level down).
 *
 * The whole stays within a ticket's comment (MD_CASE_MAX_BYTES; Jira takes 32,767 characters):
 * the overview is never cut, and the summary lists the alerts that fit in MD_CASE_SUMMARY_MAX
 * bytes (some 200) and says how many more there are; each alert's section gets an even share of the room
 * left when it is written (what a short one leaves goes to those after it), and a longer one is
 * cut at a line with a marker that names the command giving its whole record. When even a
 * short section no longer fits, the rest are left out, and a line at the end says which. */
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "export/format.h"

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
