/* alerts, show, timeline: reading what detection found. */
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/listing.h"
#include "cli/sources.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "common/status.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "detect/detect.h"
#include "detect/kql.h"
#include "detect/rulefields.h"
#include "export/export.h"
#include "store/alerts.h"
#include "store/triage.h"
#include "triage/case.h"
#include "triage/entities.h"
#include "triage/record.h"
#include "triage/tree.h"

struct alert_print {
	int json;
	struct strbuf line;
	struct listing table;
	struct listing_column zoned[8]; /* the columns with the zone's time column (zoned_columns) */
};

/* On a terminal the risk score goes first, then the status; below 100 columns the time loses
 * its year (listing_short_time). */
static const struct listing_column alert_columns[] = {
    {"ALERT", 12, 0, 0, 0},      {"STATUS", 12, 0, 2, 0}, {"SEVERITY", 8, 0, 0, 0}, {"RSK", 3, 0, 1, 0},
    {"TIME (UTC)", 20, 0, 0, 0}, {"HOST", 18, 12, 0, 0},  {"RULE", 40, 14, 0, 0},   {"FILE / PROCESS", 0, 10, 0, 1}};
static const struct listing_column alert_columns_short_time[] = {
    {"ALERT", 12, 0, 0, 0},      {"STATUS", 12, 0, 2, 0}, {"SEVERITY", 8, 0, 0, 0}, {"RSK", 3, 0, 1, 0},
    {"TIME (UTC)", 14, 0, 0, 0}, {"HOST", 18, 12, 0, 0},  {"RULE", 40, 14, 0, 0},   {"FILE / PROCESS", 0, 10, 0, 1}};

/* One alert as `alerts` prints it, into p->line. */
static void format_alert(struct alert_print *p, const struct alert_row *a)
{
	struct strbuf *l = &p->line;
	strbuf_reset(l);
	if (p->json) {
		sanitize_json_append(l, a->doc, strlen(a->doc));
		strbuf_addch(l, '\n');
	} else {
		char t[CLI_TIME_LEN], uuid[13], risk[24];
		format_cli_time(a->original_time, 0, p->table.short_time, t); /* to the second */
		snprintf(uuid, sizeof(uuid), "%.12s", a->uuid); /* a unique prefix, as git shortens hashes */
		snprintf(risk, sizeof(risk), "%3lld", (long long)a->risk_score);
		const char *cells[] = {uuid,
		                       a->status,
		                       a->severity,
		                       risk,
		                       t,
		                       a->host_name ? a->host_name : a->host_id,
		                       a->rule_name,
		                       a->file_path ? a->file_path : a->process_name};
		for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
			listing_cell(&p->table, i, l, cells[i]);
	}
}

static int print_alert(void *ctx, const struct alert_row *a)
{
	struct alert_print *p = ctx;
	format_alert(p, a);
	fwrite(p->line.buf, 1, p->line.len, stdout);
	return 0;
}

static int valid_status(const char *s)
{
	return alert_status_from(s) != STATUS_UNKNOWN;
}

/* What `alerts` keeps: the filters the store does not apply, and the rows when they are sorted
 * (else each is printed as it comes). */
struct alert_list {
	struct alert_print p;
	const char *host;
	int min_rank;        /* queue_severity_rank-like: low 1 .. critical 4; 0: any */
	int building_blocks; /* list building-block alerts too (Kibana hides them by default) */
	enum { BY_TIME, BY_NEWEST, BY_SEVERITY, BY_RISK, BY_HOST } sort;
	struct kept_alert {
		char *line; /* printed form */
		int64_t time, risk;
		int rank;
		char *host;
	} * kept;
	size_t n, cap;
	int failed;
};

static int severity_rank(const char *s)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};
	for (int i = 0; i < 4; i++)
		if (s && !strcmp(s, names[i]))
			return i + 1;
	return 0;
}

static int keep_alert(void *ctx, const struct alert_row *a)
{
	struct alert_list *l = ctx;
	const char *host = a->host_name ? a->host_name : a->host_id;
	if (l->host &&
	    !((a->host_name && !strcmp(a->host_name, l->host)) || (a->host_id && !strcmp(a->host_id, l->host))))
		return 0;
	if (severity_rank(a->severity) < l->min_rank || (a->building_block && !l->building_blocks))
		return 0;
	if (l->sort == BY_TIME)
		return print_alert(&l->p, a);
	/* sorted: formatted now, printed at the end */
	struct alert_print fmt = {.json = l->p.json, .table = l->p.table};
	strbuf_init(&fmt.line, 256);
	format_alert(&fmt, a);
	if (l->n == l->cap)
		l->kept = xrealloc(l->kept, (l->cap = l->cap ? l->cap * 2 : 64) * sizeof(*l->kept));
	l->kept[l->n++] = (struct kept_alert){strbuf_detach(&fmt.line, NULL), a->original_time, a->risk_score,
	                                      severity_rank(a->severity), xstrdup(host ? host : "")};
	return 0;
}

/* --query sees every alert: the status and rule filters are applied here. */
struct kql_filter {
	struct alert_list *l;
	const struct alert_query *q;
};

static int keep_matching(void *ctx, const struct alert_row *a, int matches)
{
	const struct kql_filter *f = ctx;
	if (!matches || (f->q->status && strcmp(a->status, f->q->status)) ||
	    (f->q->rule_id && strcmp(a->rule_id, f->q->rule_id)) || (f->q->top_level && a->group_parent > 0))
		return 0;
	return keep_alert(f->l, a);
}

static int sort_key; /* for by_sort: qsort has no context */

static int by_sort(const void *x, const void *y)
{
	const struct kept_alert *a = x, *b = y;
	int c = 0;
	switch (sort_key) {
	case BY_NEWEST: c = (a->time < b->time) - (a->time > b->time); break;
	case BY_SEVERITY: c = (a->rank < b->rank) - (a->rank > b->rank); break;
	case BY_RISK: c = (a->risk < b->risk) - (a->risk > b->risk); break;
	case BY_HOST: c = strcmp(a->host, b->host); break;
	default: break;
	}
	return c ? c : (a->time > b->time) - (a->time < b->time);
}

static int parse_sort(const char *s, struct alert_list *l)
{
	static const char *const names[] = {"time", "newest", "severity", "risk", "host"};
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i])) {
			l->sort = i;
			return 0;
		}
	return -1;
}

int cmd_alerts(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"status", required_argument, NULL, 's'},
	                                     {"rule", required_argument, NULL, 'r'},
	                                     {"host", required_argument, NULL, 'H'},
	                                     {"severity", required_argument, NULL, 'S'},
	                                     {"query", required_argument, NULL, 'q'},
	                                     {"sort", required_argument, NULL, 'o'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {"building-blocks", no_argument, NULL, 'b'},
	                                     {NULL, 0, NULL, 0}};
	/* a sequence's building blocks are under its alert (show lists them), as Kibana's alerts
	 * table leaves them out, unless asked for */
	struct alert_query q = {.top_level = 1};
	struct alert_list l = {0};
	const char *kql_text = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!valid_status(optarg))
				return command_usage_error("alerts", "--status is open, acknowledged or closed");
			q.status = optarg;
			break;
		case 'r': q.rule_id = optarg; break;
		case 'H': l.host = optarg; break;
		case 'S':
			if (!(l.min_rank = severity_rank(optarg)))
				return command_usage_error(
				    "alerts", "--severity is low, medium, high or critical (that or higher)");
			break;
		case 'q': kql_text = optarg; break;
		case 'o':
			if (parse_sort(optarg, &l))
				return command_usage_error("alerts", "--sort is time, newest, severity, risk or host");
			break;
		case 'j': l.p.json = 1; break;
		case 'b':
			l.building_blocks = 1;
			q.top_level = 0;
			break;
		default: return option_error("alerts", argv);
		}
	}
	if (optind < argc)
		return command_usage_error("alerts", "takes no arguments");
	struct kql_node *kql = NULL;
	if (kql_text && !(kql = parse_query_option("alerts", kql_text)))
		return EXIT_USAGE;
	struct store *s;
	if (open_store(g, STORE_READONLY, &s)) {
		kql_free(kql);
		return 1;
	}
	strbuf_init(&l.p.line, 256);
	int width = listing_terminal_width();
	int short_time = listing_short_time(width);
	const size_t ncols = sizeof(alert_columns) / sizeof(alert_columns[0]);
	_Static_assert(sizeof(alert_columns) / sizeof(alert_columns[0]) == 8, "alert_print.zoned holds the columns");
	/* outside UTC the time says its zone's abbreviation: "2024-05-01 14:00:00 CEST" */
	listing_init(&l.p.table,
	             zoned_columns(short_time ? alert_columns_short_time : alert_columns, ncols, 4, 5, l.p.zoned),
	             ncols, width);
	l.p.table.short_time = short_time;
	if (!l.p.json) {
		listing_header(&l.p.table, &l.p.line);
		fwrite(l.p.line.buf, 1, l.p.line.len, stdout);
	}
	int rc;
	if (kql) {
		struct kql_filter f = {&l, &q};
		rc = detect_alerts_kql(s, kql, keep_matching, &f);
	} else {
		rc = store_alerts_each(s, &q, keep_alert, &l);
	}
	if (!rc && l.n) {
		sort_key = l.sort;
		qsort(l.kept, l.n, sizeof(*l.kept), by_sort);
		for (size_t i = 0; i < l.n; i++)
			fputs(l.kept[i].line, stdout);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.kept[i].line), free(l.kept[i].host);
	free(l.kept);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	strbuf_release(&l.p.line);
	listing_release(&l.p.table);
	kql_free(kql);
	store_close(s);
	return rc ? 1 : 0;
}

static void field_line(struct strbuf *l, const char *label, const char *value)
{
	if (!value)
		return;
	strbuf_addf(l, "%-14s", label);
	add_text(l, value);
	strbuf_addch(l, '\n');
}

/* The rule's investigation_fields first, as Kibana's alert flyout shows them. */
static void investigation_lines(struct strbuf *l, const char *doc)
{
	cJSON *alert = doc ? cJSON_Parse(doc) : NULL;
	char **names, **values;
	size_t n = rulefields_investigation(alert, &names, &values);
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(l, i ? "              " : "investigate   ");
		add_text(l, names[i]);
		strbuf_addstr(l, ": ");
		add_text(l, values[i] ? values[i] : "-");
		strbuf_addch(l, '\n');
		free(names[i]);
		free(values[i]);
	}
	free(names);
	free(values);
	cJSON_Delete(alert);
}

/* The alert for people (show --json prints the export's record instead): what it is, then who,
 * what and where in the words of the console's Overview and the Markdown report
 * (triage/entities.h). */
static void show_summary(struct strbuf *l, const struct case_record *r)
{
	char t[CLI_TIME_LEN], created[CLI_TIME_LEN];
	format_cli_time(r->original_time, 6, 0, t);
	format_cli_time(r->created_us, 6, 0, created);
	strbuf_addstr(l, "alert ");
	add_text(l, r->uuid);
	strbuf_addch(l, '\n');
	investigation_lines(l, r->doc);
	field_line(l, "rule", r->rule_name);
	strbuf_addf(l, "%-14s", "severity");
	add_text(l, r->severity);
	strbuf_addf(l, " (risk %lld)\n", (long long)r->risk);
	field_line(l, "status", r->status);
	field_line(l, "event time", t);
	field_line(l, "detected", created);
	struct entity_list ents;
	entities_read(r->event_doc, r->doc, &ents);
	strbuf_addstr(l, "\nentities:\n");
	for (size_t i = 0; i < ents.n; i++) {
		strbuf_addf(l, "  %-16s", entity_label(ents.v[i].kind));
		add_text(l, ents.v[i].text);
		strbuf_addch(l, '\n');
	}
	if (!ents.n)
		strbuf_addstr(l, "  none recorded\n");
	entities_release(&ents);
	strbuf_addch(l, '\n');
	add_text(l, r->reason);
	strbuf_addch(l, '\n');
}

/* A sequence alert Kibana raised: its building-block alerts, in their order; a building block:
 * the sequence alert it is under. */
struct group_print {
	struct strbuf line;
	int n;
	const char *title;
};

static int print_group_member(void *ctx, const struct alert_row *a)
{
	struct group_print *p = ctx;
	char t[CLI_TIME_LEN];
	format_cli_time(a->original_time, 6, 0, t);
	strbuf_reset(&p->line);
	if (!p->n++)
		strbuf_addf(&p->line, "\n%s:\n", p->title);
	strbuf_addstr(&p->line, "  ");
	add_text(&p->line, a->uuid);
	strbuf_addf(&p->line, "  %s  %s  ", t, a->severity);
	add_text(&p->line, a->rule_name);
	strbuf_addch(&p->line, '\n');
	fwrite(p->line.buf, 1, p->line.len, stdout);
	return 0;
}

static int take_parent(void *ctx, const struct alert_row *a)
{
	*(int64_t *)ctx = a->group_parent;
	return 0;
}

static int show_group(struct store *s, int64_t alert_id)
{
	int64_t parent = 0;
	struct alert_query self = {.id = alert_id, .no_doc = 1};
	if (store_alerts_each(s, &self, take_parent, &parent))
		return -1;
	struct group_print p = {.title = parent ? "building block of the sequence alert" : "building blocks"};
	strbuf_init(&p.line, 256);
	struct alert_query q = {.no_doc = 1};
	if (parent)
		q.id = parent;
	else
		q.group_parent = alert_id;
	int rc = store_alerts_each(s, &q, print_group_member, &p);
	strbuf_release(&p.line);
	return rc;
}

struct sequence_print {
	struct strbuf line;
	struct listing table;
};

static int print_sequence_event(void *ctx, const struct event_row *row)
{
	struct sequence_print *p = ctx;
	strbuf_reset(&p->line);
	format_event_row(&p->line, &p->table, row, "  ");
	fwrite(p->line.buf, 1, p->line.len, stdout);
	return 0;
}

/* A sequence's alert stands on several events: list them in order. */
static int show_sequence(struct store *s, int64_t alert_id)
{
	int64_t *ids;
	size_t n;
	if (store_alert_events(s, alert_id, &ids, &n))
		return -1;
	int rc = 0;
	if (n > 1) {
		struct sequence_print p;
		strbuf_init(&p.line, 256);
		event_listing_init(&p.table, "  ");
		printf("\nsequence of %zu events:\n", n);
		for (size_t i = 0; i < n && !rc; i++)
			rc = store_event_get(s, ids[i], 1, print_sequence_event, &p);
		strbuf_release(&p.line);
		listing_release(&p.table);
	}
	free(ids);
	return rc;
}

static void show_item(struct strbuf *l, const struct case_item *it)
{
	if (item_kind_from(it->kind) == ITEM_CHECK)
		strbuf_addf(l, "  [%c] %2d. ", item_state_from(it->state) == STATE_CHECKED ? 'x' : ' ', it->position);
	else
		strbuf_addf(l, "  %-8s %2d. ", it->state, it->position);
	add_text(l, it->text);
	if (it->by) {
		char t[CLI_TIME_LEN];
		format_cli_time(it->at_us, 6, 0, t);
		strbuf_addstr(l, "\n           — ");
		add_text(l, it->by);
		strbuf_addf(l, ", %s", t);
		if (it->note) {
			strbuf_addstr(l, ": ");
			add_text(l, it->note);
		}
	}
	strbuf_addch(l, '\n');
}

static void show_note(struct strbuf *l, const struct case_note *n)
{
	char t[CLI_TIME_LEN];
	format_cli_time(n->at_us, 6, 0, t);
	strbuf_addstr(l, "  ");
	add_text(l, n->by);
	strbuf_addf(l, ", %s:\n", t);
	struct strbuf safe;
	strbuf_init(&safe, 128);
	sanitize_append(&safe, n->text, strlen(n->text), SAN_MULTILINE);
	for (char *line = safe.buf; line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		strbuf_addf(l, "    %s\n", line);
		line = nl ? nl + 1 : NULL;
	}
	strbuf_release(&safe);
}

static void show_status_change(struct strbuf *l, const struct case_audit *a)
{
	char t[CLI_TIME_LEN];
	format_cli_time(a->at_us, 6, 0, t);
	strbuf_addf(l, "  %s  ", t);
	add_text(l, a->analyst);
	strbuf_addstr(l, ": ");
	add_text(l, a->before);
	strbuf_addstr(l, " → ");
	add_text(l, a->after);
	strbuf_addch(l, '\n');
}

/* The exceptions added to and removed from the alert's rule, when there are any: they decide
 * what the rule raises, so they are part of the alert's record. */
static void show_exception_changes(struct strbuf *l, const struct case_record *rec)
{
	int any = 0;
	for (size_t i = 0; i < rec->naudit; i++) {
		const struct case_audit *a = &rec->audit[i];
		int added = !strcmp(a->action, AUDIT_EXCEPTION_ADDED);
		if (!added && strcmp(a->action, AUDIT_EXCEPTION_REMOVED))
			continue;
		if (!any++)
			strbuf_addstr(l, "\nrule exceptions (casebook exception list):\n");
		char t[CLI_TIME_LEN];
		format_cli_time(a->at_us, 6, 0, t);
		strbuf_addf(l, "  %s %s by ", added ? "added  " : "removed", t);
		add_text(l, a->analyst);
		strbuf_addstr(l, ": ");
		add_text(l, added ? a->after : a->before);
		strbuf_addch(l, '\n');
	}
}

/* The triage record after the summary: checklist, response steps, notes, status history, all
 * from the one record the exports read (triage/case.h). */
static void show_record(struct strbuf *l, const struct case_record *rec)
{
	static const enum item_kind kinds[] = {ITEM_CHECK, ITEM_RESPONSE};
	static const char *const heads[] = {"\nchecklist (casebook check ALERT N):\n",
	                                    "\nresponse steps (casebook respond ALERT N done|skipped|na|pending):\n"};
	for (int k = 0; k < 2; k++) {
		strbuf_addstr(l, heads[k]);
		for (size_t i = 0; i < rec->nitems; i++)
			if (item_kind_from(rec->items[i].kind) == kinds[k])
				show_item(l, &rec->items[i]);
	}
	strbuf_addstr(l, "\nnotes:\n");
	for (size_t i = 0; i < rec->nnotes; i++)
		show_note(l, &rec->notes[i]);
	if (!rec->nnotes)
		strbuf_addstr(l, "  none\n");
	strbuf_addstr(l, "\nstatus history:\n");
	int any = 0;
	for (size_t i = 0; i < rec->naudit; i++)
		if (!strcmp(rec->audit[i].action, "status")) {
			show_status_change(l, &rec->audit[i]);
			any = 1;
		}
	if (!any)
		strbuf_addstr(l, "  open since detection\n");
	show_exception_changes(l, rec);
}

int cmd_show(struct globals *g, int argc, char **argv)
{
	int json = 0;
	const char *id = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] == '-' || id)
			return command_usage_error("show", "takes one ALERT and --json");
		else
			id = argv[i];
	}
	if (!id || !*id)
		return command_usage_error("show", "name an ALERT (its uuid, or the start of it)");
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	struct resolved r;
	int rc = resolve_alert(s, "show", id, &r);
	if (!rc && json) {
		/* the whole record: the JSON export of this one alert */
		struct export_options o = {.before_us = 600 * TIME_US_PER_SEC, .after_us = 600 * TIME_US_PER_SEC};
		struct strbuf out;
		strbuf_init(&out, 8192);
		rc = export_alerts(s, &r.uuid, 1, EXPORT_JSON, &o, &out) ? 1 : 0;
		if (!rc)
			fwrite(out.buf, 1, out.len, stdout);
		strbuf_release(&out);
	} else if (!rc) {
		/* the one record the console and the exports read (triage/case.h) */
		struct case_record rec;
		struct case_options o = {.timeline = 0};
		rc = case_load(s, r.uuid, &o, &rec) ? 1 : 0;
		struct strbuf l;
		strbuf_init(&l, 2048);
		if (!rc) {
			show_summary(&l, &rec);
			fwrite(l.buf, 1, l.len, stdout); /* a failed write is said at exit (casebook.c) */
		}
		if (!rc)
			rc = show_sequence(s, r.id) || show_group(s, r.id) ? 1 : 0;
		if (!rc) {
			strbuf_reset(&l);
			show_record(&l, &rec);
			fwrite(l.buf, 1, l.len, stdout);
		}
		strbuf_release(&l);
		case_release(&rec);
	}
	if (rc && r.uuid)
		diag("casebook: %s\n", store_errmsg(s));
	free(r.uuid);
	store_close(s);
	return rc;
}

/* One event of the record's timeline as `casebook events` lists one (cli/events.c), marked
 * when the alert stands on it. */
static void timeline_line(struct strbuf *l, const struct listing *t, int json, const struct case_record *r,
                          const struct case_event *e)
{
	size_t len = e->doc ? strlen(e->doc) : 0;
	if (json) {
		sanitize_json_append(l, e->doc ? e->doc : "{}", e->doc ? len : 2);
		strbuf_addch(l, '\n');
		return;
	}
	struct event_row row = {.id = e->id, .doc = e->doc, .doc_len = len};
	row.r.ts = e->ts;
	row.r.host_name = e->host;
	row.r.category = e->category;
	row.r.action = e->action;
	row.r.process_name = e->process;
	row.r.file_path = e->file_path;
	row.r.executable = e->executable;
	format_event_row(l, t, &row, case_is_member(r, e->id) ? "> " : "  ");
}

int cmd_timeline(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"before", required_argument, NULL, 'b'},
	                                     {"after", required_argument, NULL, 'a'},
	                                     {"json", no_argument, NULL, 'j'},
	                                     {NULL, 0, NULL, 0}};
	int64_t before = 600 * TIME_US_PER_SEC, after = 600 * TIME_US_PER_SEC;
	int json = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (time_parse_duration(optarg, &before))
				return command_usage_error("timeline",
				                           "--before takes a duration such as 90s, 5m or 2h");
			break;
		case 'a':
			if (time_parse_duration(optarg, &after))
				return command_usage_error("timeline",
				                           "--after takes a duration such as 90s, 5m or 2h");
			break;
		case 'j': json = 1; break;
		default: return option_error("timeline", argv);
		}
	}
	if (optind + 1 != argc || !*argv[optind])
		return command_usage_error("timeline", "name one ALERT");
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	struct resolved r;
	int rc = resolve_alert(s, "timeline", argv[optind], &r), pulled = 0;
	if (!rc) /* in a case attached to a cluster, the window is the cluster's, copied in */
		pulled = pull_attached_windows(g, "timeline", &r.uuid, 1, before, after);
	if (!rc) {
		/* the record the exports read: a sequence's events outside the window are in it too */
		struct case_record rec;
		struct case_options o = {.timeline = 1, .before_us = before, .after_us = after};
		rc = case_load(s, r.uuid, &o, &rec) ? 1 : 0;
		if (rc)
			diag("casebook: %s\n", store_errmsg(s));
		struct listing table;
		struct strbuf line;
		strbuf_init(&line, 256);
		event_listing_init(&table, "  ");
		if (!rc && !json)
			event_listing_header(&table, "  ");
		for (size_t i = 0; !rc && i < rec.ntimeline; i++) {
			strbuf_reset(&line);
			timeline_line(&line, &table, json, &rec, &rec.timeline[i]);
			fwrite(line.buf, 1, line.len, stdout);
		}
		case_release(&rec);
		strbuf_release(&line);
		listing_release(&table);
		free(r.uuid);
	}
	store_close(s);
	return rc ? rc : pulled;
}

/* ---- tree ---- */

static int take_event_id(void *ctx, const struct event_row *row)
{
	*(int64_t *)ctx = row->id;
	return 0;
}

static void json_field(struct strbuf *l, const char *key, const char *v, int comma)
{
	strbuf_addf(l, "%s\"%s\":", comma ? "," : "", key);
	if (v)
		json_quote_append(l, v, strlen(v));
	else
		strbuf_addstr(l, "null");
}

static void tree_node_json(struct strbuf *l, const struct tree_node *n)
{
	char t[TIME_ISO_LEN] = "";
	if (n->ts)
		time_format_iso8601(n->ts, t);
	strbuf_addch(l, '{');
	json_field(l, "entity_id", n->entity_id, 0);
	json_field(l, "parent_entity_id", n->parent_entity_id, 1);
	strbuf_addf(l, ",\"depth\":%d,\"pid\":", n->depth);
	if (n->has_pid)
		strbuf_addf(l, "%lld", (long long)n->pid);
	else
		strbuf_addstr(l, "null");
	json_field(l, "name", n->name, 1);
	json_field(l, "executable", n->executable, 1);
	json_field(l, "command_line", n->command_line, 1);
	json_field(l, "user", n->user, 1);
	json_field(l, "@timestamp", n->ts ? t : NULL, 1);
	static const char *const sources[] = {[TREE_OWN] = "own", [TREE_CHILD] = "child", [TREE_ANCESTRY] = "ancestry"};
	json_field(l, "described_by", sources[n->source], 1);
	strbuf_addf(l, ",\"events\":%zu,\"alerts\":%zu}\n", n->nevents, n->alerts);
}

/* Whether the locale's character set is UTF-8 (LANG=C is not: the tree's lines are ASCII). */
static int locale_is_utf8(void)
{
	const char *was = setlocale(LC_CTYPE, NULL);
	char *saved = xstrdup(was ? was : "C");
	int utf8 = 0;
	if (setlocale(LC_CTYPE, "")) {
		const char *codeset = nl_langinfo(CODESET);
		utf8 = codeset && (!strcasecmp(codeset, "UTF-8") || !strcasecmp(codeset, "utf8"));
	}
	setlocale(LC_CTYPE, saved);
	free(saved);
	return utf8;
}

int cmd_tree(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"window", required_argument, NULL, 'w'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	int64_t window = 3600 * TIME_US_PER_SEC;
	int json = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (time_parse_duration(optarg, &window))
				return command_usage_error("tree", "--window takes a duration such as 30m, 2h or 1d");
			break;
		case 'j': json = 1; break;
		default: return option_error("tree", argv);
		}
	}
	if (optind + 1 != argc || !*argv[optind])
		return command_usage_error("tree", "name one ALERT or EVENT");
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	int64_t event_id = 0;
	int rc = store_event_by_identity(s, argv[optind], take_event_id, &event_id);
	if (!rc && !event_id) { /* not an event's id: an alert's uuid, or the start of one */
		struct resolved r;
		rc = resolve_alert(s, "tree", argv[optind], &r);
		event_id = r.event_id;
		free(r.uuid);
		if (rc) {
			store_close(s);
			return 1;
		}
	}
	struct process_tree t = {0};
	int pulled = 0;
	if (!rc) /* in a case attached to a cluster, the tree's window is the cluster's, copied in */
		pulled = pull_attached_around(g, "tree", event_id, window, window);
	if (!rc)
		rc = tree_build(s, event_id, window, &t);
	if (rc == CB_NOT_FOUND)
		diag("casebook tree: the event has no process.entity_id to build a tree from\n");
	else if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	if (!rc) { /* a line at a time: memory for one node, however large the tree */
		int ascii = !json && !locale_is_utf8();
		struct strbuf l;
		strbuf_init(&l, 4096);
		for (size_t i = 0; i < t.n; i++) {
			strbuf_reset(&l);
			if (json)
				tree_node_json(&l, &t.nodes[i]);
			else
				tree_format_line(&t, i, ascii, &l); /* sanitized field by field */
			fwrite(l.buf, 1, l.len, stdout);
		}
		strbuf_release(&l);
		if (t.dropped)
			diag("casebook tree: %zu more processes past the first %d were left out; narrow --window\n",
			     t.dropped, TREE_MAX_NODES);
	}
	tree_release(&t);
	store_close(s);
	return rc || pulled ? 1 : 0;
}
