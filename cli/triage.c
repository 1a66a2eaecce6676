/* status, check, respond, note, audit, export: the triage record from the command line,
 * through the same functions the console calls (triage/record.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sources.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "common/vocab.h"
#include "detect/detect.h"
#include "detect/kql.h"
#include "export/export.h"
#include "store/alerts.h"
#include "store/triage.h"
#include "triage/record.h"

static int report(const char *cmd, const char *uuid, int rc, struct store *s)
{
	switch (rc) {
	case TRIAGE_OK: return 0;
	case TRIAGE_UNCHANGED: printf("%.12s: unchanged\n", uuid); return 0;
	case TRIAGE_NO_ITEM:
		diag("casebook %s: %.12s has no such item ('casebook show %.12s' lists them)\n", cmd, uuid, uuid);
		return 1;
	case TRIAGE_INVALID: return command_usage_error(cmd, cb_status_message(rc));
	case TRIAGE_OPEN_ITEMS: return 3;
	default: diag("casebook: %s\n", store_errmsg(s)); return 1;
	}
}

static struct actor actor_now(struct globals *g)
{
	struct actor a = {.analyst = g->analyst, .at_us = time_now_us()};
	return a;
}

/* ---- status ---- */

static void tell_refused(void *ctx, const char *uuid, int open_items)
{
	(void)ctx;
	diag("casebook status: %.12s has %d checklist item%s open; finish them, or close with --force to record "
	     "that they were left open\n",
	     uuid, open_items, open_items == 1 ? "" : "s");
}

struct query_match {
	struct kql_node *q;
	char **uuids;
	int64_t *ids;
	size_t n;
};

static int match_alert(void *ctx, const struct alert_row *a, int matches)
{
	struct query_match *m = ctx;
	if (matches) {
		m->uuids = xrealloc(m->uuids, (m->n + 1) * sizeof(*m->uuids));
		m->ids = xrealloc(m->ids, (m->n + 1) * sizeof(*m->ids));
		m->uuids[m->n] = xstrdup(a->uuid);
		m->ids[m->n++] = a->id;
	}
	return 0;
}

int cmd_status(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
	                                     {"comment", required_argument, NULL, 'c'},
	                                     {"force", no_argument, NULL, 'f'},
	                                     {"query", required_argument, NULL, 'q'},
	                                     {NULL, 0, NULL, 0}};
	const char *reason = NULL, *comment = NULL, *query = NULL;
	int force = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reason = optarg; break;
		case 'c': comment = optarg; break;
		case 'f': force = 1; break;
		case 'q': query = optarg; break;
		default: return option_error("status", argv);
		}
	}
	int nargs = argc - optind;
	if (nargs < 1)
		return command_usage_error("status", "name the new status (and the alerts, or --query)");
	const char *status = triage_canonical(argv[argc - 1]);
	int found = 0;
	for (const char *const *p = triage_statuses; *p; p++)
		found |= !strcmp(*p, status);
	if (!found)
		return command_usage_error("status", "the status is open, acknowledged or closed");
	if (alert_status_from(status) == STATUS_CLOSED) {
		int ok = 0;
		for (const char *const *p = triage_close_reasons; reason && *p; p++)
			ok |= !strcmp(*p, reason);
		if (!ok)
			return command_usage_error("status", "closing needs --reason false_positive, true_positive, "
			                                     "benign_positive, duplicate or other");
	} else if (reason) {
		return command_usage_error("status", "--reason goes with closed");
	}
	if ((nargs == 1) == !query)
		return command_usage_error("status", "name the alerts, or select them with --query KQL, not both");
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	struct query_match m = {0};
	int rc = 0;
	if (query) {
		if (!(m.q = parse_query_option("status", query))) {
			store_close(s);
			return EXIT_USAGE;
		}
		if (detect_alerts_kql(s, m.q, match_alert, &m))
			rc = 1;
	} else {
		for (int i = optind; i < argc - 1 && !rc; i++) {
			struct resolved r;
			if (resolve_alert(s, "status", argv[i], &r)) {
				rc = 1;
				break;
			}
			m.uuids = xrealloc(m.uuids, (m.n + 1) * sizeof(*m.uuids));
			m.ids = xrealloc(m.ids, (m.n + 1) * sizeof(*m.ids));
			m.uuids[m.n] = r.uuid;
			m.ids[m.n++] = r.id;
		}
	}
	/* all of them in one transaction: a bulk change happens whole or not at all */
	struct actor who = actor_now(g);
	struct status_outcome done = {0};
	if (!rc) {
		int r = triage_set_status_many(s, m.ids, m.uuids, m.n, status, reason, comment, force, &who, &done,
		                               tell_refused, NULL);
		rc = r == TRIAGE_OPEN_ITEMS ? 3 : report("status", "", r, s);
	}
	size_t changed = done.changed;
	if (rc == 0 && done.unchanged)
		printf("%zu alert%s %s, %zu already %s\n", changed, changed == 1 ? "" : "s", status, done.unchanged,
		       status);
	else if (rc == 0)
		printf("%zu alert%s %s\n", changed, changed == 1 ? "" : "s", status);
	else if (rc == 3)
		printf("nothing changed\n");
	for (size_t i = 0; i < m.n; i++)
		free(m.uuids[i]);
	free(m.uuids);
	free(m.ids);
	kql_free(m.q);
	store_close(s);
	return rc == 3 ? 1 : rc;
}

/* ---- check, respond, note ---- */

static int parse_number(const char *s, int *n)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 1 || v > 100000)
		return -1;
	*n = (int)v;
	return 0;
}

int cmd_check(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"undo", no_argument, NULL, 'u'}, {"note", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	int undo = 0, c, n;
	const char *note = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'u')
			undo = 1;
		else if (c == 'n')
			note = optarg;
		else
			return option_error("check", argv);
	}
	if (argc - optind != 2 || parse_number(argv[optind + 1], &n))
		return command_usage_error("check", "name the ALERT and the item's number");
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	struct resolved r;
	int rc = resolve_alert(s, "check", argv[optind], &r);
	if (!rc) {
		struct actor who = actor_now(g);
		rc = report("check", r.uuid, triage_check(s, r.id, r.uuid, n, undo, note, &who), s);
		if (!rc)
			printf("%.12s: checklist item %d %s\n", r.uuid, n, undo ? "unchecked" : "checked");
		free(r.uuid);
	}
	store_close(s);
	return rc;
}

int cmd_respond(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"note", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	int c, n;
	const char *note = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'n')
			note = optarg;
		else
			return option_error("respond", argv);
	}
	if (argc - optind != 3 || parse_number(argv[optind + 1], &n))
		return command_usage_error("respond",
		                           "name the ALERT, the step's number and done, skipped, na or pending");
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	struct resolved r;
	int rc = resolve_alert(s, "respond", argv[optind], &r);
	if (!rc) {
		struct actor who = actor_now(g);
		const char *state = triage_canonical(argv[optind + 2]);
		rc = report("respond", r.uuid, triage_respond(s, r.id, r.uuid, n, state, note, &who), s);
		if (!rc)
			printf("%.12s: response step %d %s\n", r.uuid, n, state);
		free(r.uuid);
	}
	store_close(s);
	return rc;
}

/* The note on standard input, or NULL with a message: a read error or a NUL byte (a note is
 * text; storing it up to the NUL would report a note added that is not the one given). */
static char *read_stdin(void)
{
	struct strbuf sb;
	strbuf_init(&sb, 1024);
	if (strbuf_read_stream(&sb, stdin)) {
		diag("casebook note: cannot read the note from standard input\n");
		strbuf_release(&sb);
		return NULL;
	}
	char why[64];
	if (strbuf_check_text(&sb, why, sizeof(why))) {
		diag("casebook note: the note has %s; a note is text, nothing was added\n", why);
		strbuf_release(&sb);
		return NULL;
	}
	while (sb.len && sb.buf[sb.len - 1] == '\n')
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb, NULL);
}

int cmd_note(struct globals *g, int argc, char **argv)
{
	if (argc != 3)
		return command_usage_error("note", "name the ALERT and the TEXT (or - to read it from standard input)");
	char *text = !strcmp(argv[2], "-") ? read_stdin() : xstrdup(argv[2]);
	if (!text)
		return 1;
	if (!*text) {
		free(text);
		return command_usage_error("note", "the note is empty");
	}
	struct store *s;
	if (open_store(g, 0, &s)) {
		free(text);
		return 1;
	}
	struct resolved r;
	int rc = resolve_alert(s, "note", argv[1], &r);
	if (!rc) {
		struct actor who = actor_now(g);
		rc = report("note", r.uuid, triage_note(s, r.id, r.uuid, text, &who), s);
		if (!rc)
			printf("%.12s: note added\n", r.uuid);
		free(r.uuid);
	}
	free(text);
	store_close(s);
	return rc;
}

/* ---- audit ---- */

struct audit_print {
	int json;
	struct strbuf line;
};

static int print_audit(void *ctx, const struct audit_row *a)
{
	struct audit_print *p = ctx;
	struct strbuf *l = &p->line;
	strbuf_reset(l);
	char t[TIME_ISO_LEN];
	time_format_iso8601(a->at_us, t);
	if (p->json) {
		strbuf_addf(l, "{\"id\":%lld,\"at\":\"%s\",\"alert\":", (long long)a->id, t);
		if (a->alert_uuid)
			json_quote_append(l, a->alert_uuid, strlen(a->alert_uuid));
		else
			strbuf_addstr(l, "null");
		const char *keys[] = {"analyst", "action", "target", "before", "after", "prev_hash", "hash"};
		const char *vals[] = {a->analyst, a->action, a->target, a->before, a->after, a->prev_hash, a->hash};
		for (size_t i = 0; i < 7; i++) {
			strbuf_addf(l, ",\"%s\":", keys[i]);
			if (vals[i])
				json_quote_append(l, vals[i], strlen(vals[i]));
			else
				strbuf_addstr(l, "null");
		}
		strbuf_addstr(l, "}\n");
	} else {
		strbuf_addf(l, "%5lld  %s  %.12s  ", (long long)a->id, t, a->alert_uuid ? a->alert_uuid : "-");
		add_cell(l, a->analyst, 12);
		strbuf_addstr(l, "  ");
		add_text(l, a->action);
		if (a->target) {
			strbuf_addch(l, ' ');
			add_text(l, a->target);
		}
		strbuf_addstr(l, ": ");
		if (a->before) {
			add_text(l, a->before);
			strbuf_addstr(l, " → ");
		}
		add_text(l, a->after);
		strbuf_addch(l, '\n');
	}
	fwrite(l->buf, 1, l->len, stdout);
	return 0;
}

/* Parses "ENTRIES:SHA256" (what audit --head prints). */
static int parse_anchor(const char *arg, int64_t *entries, char hash[65])
{
	char *end;
	errno = 0;
	long long n = strtoll(arg, &end, 10);
	if (errno || end == arg || *end != ':' || n < 1 || strlen(end + 1) != 64)
		return -1;
	for (const char *p = end + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	*entries = n;
	memcpy(hash, end + 1, 65);
	return 0;
}

/* --expect: the entry the analyst wrote down elsewhere must still be at that position. */
static int check_anchor(struct store *s, int64_t entries, const char *hash)
{
	char have[65];
	int found;
	if (store_audit_entry_hash(s, entries, have, &found)) {
		diag("casebook: %s\n", store_errmsg(s));
		return 1;
	}
	if (!found) {
		printf(
		    "audit chain BROKEN: entry %lld of the anchor is no longer in the chain (entries were removed)\n",
		    (long long)entries);
		return 2;
	}
	if (strcmp(have, hash)) {
		printf("audit chain BROKEN: entry %lld is not the one the anchor names (the chain was rewritten)\n",
		       (long long)entries);
		return 2;
	}
	return 0;
}

static int audit_verify(struct store *s, const char *expect)
{
	int64_t entries, bad, anchor_n = 0;
	char why[300], anchor_hash[65];
	if (expect && parse_anchor(expect, &anchor_n, anchor_hash))
		return command_usage_error("audit",
		                           "--expect takes ENTRIES:SHA256, as 'casebook audit --head' prints it");
	int v = store_audit_verify(s, &entries, &bad, why, sizeof(why));
	if (v == 2) {
		char *safe = sanitize_dup(why, 0); /* it names uuids and exceptions read from the case */
		if (bad)
			printf("audit chain BROKEN at entry %lld: %s\n", (long long)bad, safe);
		else
			printf("audit chain BROKEN: %s\n", safe);
		free(safe);
		return 2;
	}
	if (v) {
		diag("casebook: %s\n", store_errmsg(s));
		return 1;
	}
	if (expect) {
		int rc = check_anchor(s, anchor_n, anchor_hash);
		if (rc)
			return rc;
	}
	printf("audit chain verified: %lld entries, none changed, removed or inserted; alerts and exceptions are "
	       "what they anchored; notes, checklists and statuses are what they record%s\n",
	       (long long)entries, expect ? "; the anchor is in place" : "");
	return 0;
}

int cmd_audit(struct globals *g, int argc, char **argv)
{
	int json = 0, verify = 0, head = 0;
	const char *alert = NULL, *expect = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--verify"))
			verify = 1;
		else if (!strcmp(argv[i], "--head"))
			head = 1;
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			expect = argv[++i];
		else if (argv[i][0] == '-' || alert)
			return command_usage_error(
			    "audit", "takes [ALERT] [--verify [--expect ENTRIES:SHA256]] [--head] [--json]");
		else
			alert = argv[i];
	}
	if (expect && !verify)
		return command_usage_error("audit", "--expect goes with --verify");
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	int rc = 0;
	struct resolved r = {0};
	if (alert && resolve_alert(s, "audit", alert, &r)) {
		store_close(s);
		return 1;
	}
	if (head) {
		int64_t n;
		char hash[65];
		if (store_audit_head(s, &n, hash)) {
			diag("casebook: %s\n", store_errmsg(s));
			rc = 1;
		} else {
			printf("%lld:%s\n", (long long)n, hash);
		}
	} else if (verify) {
		rc = audit_verify(s, expect);
	} else {
		struct audit_print p = {.json = json};
		strbuf_init(&p.line, 256);
		if (store_audit_each(s, r.uuid, print_audit, &p)) {
			diag("casebook: %s\n", store_errmsg(s));
			rc = 1;
		}
		strbuf_release(&p.line);
	}
	free(r.uuid);
	store_close(s);
	return rc;
}

/* ---- export ---- */

struct uuid_list {
	char **uuids;
	size_t n;
	const char *status;
	const char *host, *rule; /* --host (host.name or host.id), --rule (rule_id or name) */
};

static int collect_uuid(void *ctx, const struct alert_row *a)
{
	struct uuid_list *l = ctx;
	if (l->host &&
	    !((a->host_name && !strcmp(a->host_name, l->host)) || (a->host_id && !strcmp(a->host_id, l->host))))
		return 0;
	if (l->rule && strcmp(a->rule_id, l->rule) && strcmp(a->rule_name, l->rule))
		return 0;
	l->uuids = xrealloc(l->uuids, (l->n + 1) * sizeof(*l->uuids));
	l->uuids[l->n++] = xstrdup(a->uuid);
	return 0;
}

int cmd_export(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
	    {"all", no_argument, NULL, 'a'},          {"status", required_argument, NULL, 's'},
	    {"window", required_argument, NULL, 'w'}, {"source", no_argument, NULL, 'S'},
	    {"force", no_argument, NULL, 'F'},        {"host", required_argument, NULL, 'H'},
	    {"rule", required_argument, NULL, 'r'},   {NULL, 0, NULL, 0}};
	enum export_format f = EXPORT_MARKDOWN;
	int format_given = 0;
	const char *output = NULL, *status = NULL, *host = NULL, *rule = NULL;
	int all = 0, force = 0, c;
	struct export_options o = {.before_us = 600 * TIME_US_PER_SEC, .after_us = 600 * TIME_US_PER_SEC};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format_given = 1;
			if (export_format_parse(optarg, &f)) {
				struct strbuf msg;
				strbuf_init(&msg, 128);
				strbuf_addstr(&msg, "--format is ");
				export_format_names(&msg, " or ");
				int rc = command_usage_error("export", msg.buf);
				strbuf_release(&msg);
				return rc;
			}
			break;
		case 'o': output = optarg; break;
		case 'a': all = 1; break;
		case 's': status = optarg; break;
		case 'H': host = optarg; break;
		case 'r': rule = optarg; break;
		case 'F': force = 1; break;
		case 'S': o.source_json = 1; break;
		case 'w': {
			int64_t w;
			if (time_parse_duration(optarg, &w))
				return command_usage_error("export", "--window takes a duration such as 10m");
			o.before_us = o.after_us = w;
			break;
		}
		default: return option_error("export", argv);
		}
	}
	int named = argc - optind;
	int selected = status || host || rule; /* --status, --host and --rule select together */
	if ((named > 0) + all + selected != 1)
		return command_usage_error("export",
		                           "name the alerts, or --all, or select them by --status, --host, --rule");
	if (output && !format_given)
		export_format_of_path(output, &f); /* -o x.json: the extension says json */
	if (output && format_given && export_path_contradicts(f, output)) {
		char msg[300];
		snprintf(msg, sizeof(msg),
		         "--format %s writes .%s files, not %.150s; name the file so, or leave out --format",
		         export_format_info(f)->name, export_format_info(f)->ext, strrchr(output, '.'));
		return command_usage_error("export", msg);
	}
	if (output && !export_path_fits(f, output)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Timesketch imports only files whose names end in %s",
		         export_format_info(f)->suffix);
		return command_usage_error("export", msg);
	}
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	struct uuid_list l = {0};
	int rc = 0;
	if (named) {
		for (int i = optind; i < argc && !rc; i++) {
			struct resolved r;
			rc = resolve_alert(s, "export", argv[i], &r);
			if (!rc) {
				l.uuids = xrealloc(l.uuids, (l.n + 1) * sizeof(*l.uuids));
				l.uuids[l.n++] = r.uuid;
			}
		}
	} else {
		struct alert_query q = {.status = status, .no_doc = 1};
		l.host = host;
		l.rule = rule;
		if (store_alerts_each(s, &q, collect_uuid, &l))
			rc = 1;
		else if (!l.n && (host || rule)) {
			diag("casebook export: no alert matches%s%s%s%s%s%s\n", status ? " --status " : "",
			     status ? status : "", host ? " --host " : "", host ? host : "", rule ? " --rule " : "",
			     rule ? rule : "");
			rc = 1;
		}
	}
	/* in a case attached to a cluster, each alert's window is the cluster's, copied in first:
	 * the export is the case's, and the case can export it again without the cluster */
	int pulled = rc ? 0 : pull_attached_windows(g, "export", l.uuids, l.n, o.before_us, o.after_us);
	char err[600], note[400] = "";
	o.note = note;
	o.note_len = sizeof(note);
	/* streamed, one alert at a time, to the file (written atomically) or to stdout */
	if (!rc && export_to_file(s, l.uuids, l.n, f, &o, output, force, err, sizeof(err))) {
		char *safe = sanitize_dup(err, 0);
		diag("casebook export: %s\n", safe);
		free(safe);
		rc = 1;
	} else if (!rc && output) {
		diag("%zu alert%s exported as %s\n", l.n, l.n == 1 ? "" : "s", export_format_info(f)->name);
	}
	if (!rc && note[0]) {
		char *safe = sanitize_dup(note, 0);
		diag("casebook export: %s\n", safe);
		free(safe);
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.uuids[i]);
	free(l.uuids);
	store_close(s);
	return rc ? rc : pulled;
}
