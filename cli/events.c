/* ingest, events, rejects: getting evidence in and looking at it. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/listing.h"
#include "cli/sources.h"
#include "cluster/load.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/kql.h"
#include "ingest/columns.h"
#include "ingest/ingest.h"
#include "ingest/walk.h"
#include "store/alerts.h"
#include "store/events.h"
#include "triage/evidence.h"
#include "triage/kibana.h"

static volatile sig_atomic_t ingest_interrupted;

/* Ctrl-C asks the ingest to stop where it is and keep what it read; SA_RESETHAND makes a
 * second Ctrl-C stop casebook at once (SQLite's journal keeps the committed part then too). */
static void on_interrupt(int sig)
{
	(void)sig;
	ingest_interrupted = 1;
}

/* The progress line ingest_path asks for on a terminal: carriage return, the line, erase to its
 * end; at NULL the line is taken away. */
static void draw_progress(void *ctx, const struct ingest_progress *at)
{
	(void)ctx;
	if (!at) {
		diag_progress_clear();
		return;
	}
	double el = at->elapsed;
	double rate = el > 0 ? (double)at->documents / el : 0;
	char of[40] = "", eta[40] = "";
	if (at->size)
		snprintf(of, sizeof(of), " of %.1f MB", (double)at->size / 1e6);
	if (at->size && at->bytes_read > 0 && el > 1)
		snprintf(eta, sizeof(eta), ", ETA %.0fs",
		         el * (double)(at->size - at->bytes_read) / (double)at->bytes_read);
	diag_progress("%s: %.1f MB%s, %llu documents, %.0f/s%s", at->name, (double)at->bytes_read / 1e6, of,
	              (unsigned long long)at->documents, rate, eta);
}

struct ingest_run {
	struct store *s; /* the case: the events go into it, or (with loader) its rejects keep the damage */
	struct cluster_loader *loader; /* NULL: the case's own ingest */
	struct strbuf err;             /* why the cluster or the case failed the loader */
	struct ingest_options o;
	struct ingest_counts c;
	int unreadable, failed, interrupted;
};

/* Ingests one file; a file found inside a directory that is not JSON is left out with its
 * note, not counted as a failure (a folder of exports holds screenshots and READMEs too). */
static void ingest_one(struct ingest_run *run, const char *path, int in_directory)
{
	enum ingest_status st = run->loader ? cluster_load_path(run->loader, path, &run->o, run->s, &run->c, &run->err)
	                                    : ingest_path(run->s, path, &run->o, &run->c);
	if (st == INGEST_UNREADABLE || (st == INGEST_NOT_JSON && !in_directory))
		run->unreadable++;
	else if (st == INGEST_STORE_FAILED)
		run->failed = 1;
	else if (st == INGEST_INTERRUPTED)
		run->interrupted = 1;
	if (st == INGEST_STORE_FAILED && run->loader) {
		char *safe = sanitize_dup(run->err.buf, 0);
		diag("casebook ingest: %s\n", safe);
		free(safe);
	}
}

/* A directory argument: every file under it, in a stable order (ingest/walk.h). */
static void ingest_directory(struct ingest_run *run, const char *dir)
{
	struct walk_list files = {0};
	char err[256];
	struct diag_sink errors = diag_stderr_sink();
	if (walk_directory(dir, &files, &errors, err, sizeof(err))) {
		char *safe = sanitize_dup(dir, 0);
		diag("%s: cannot read: %s\n", safe, err);
		free(safe);
		run->unreadable++;
	}
	for (size_t i = 0; i < files.n && !run->failed && !run->interrupted; i++)
		ingest_one(run, files.paths[i], 1);
	walk_list_release(&files);
}

static int is_directory(const char *path)
{
	struct stat st;
	return strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The inputs named (in *inputs, argv's order) and --to's URL (*to, NULL when not given). 0, or
 * a usage error's status. */
static int ingest_arguments(int argc, char **argv, char **inputs, int *n, const char **to)
{
	int dashdash = 0;
	*n = 0;
	*to = NULL;
	for (int i = 1; i < argc; i++) {
		if (!dashdash && !strcmp(argv[i], "--to")) {
			if (++i >= argc)
				return command_usage_error("ingest", "--to takes a ClickHouse server's HTTP URL");
			*to = argv[i];
		} else if (!dashdash && !strncmp(argv[i], "--to=", 5)) {
			*to = argv[i] + 5;
		} else if (!dashdash && !strcmp(argv[i], "--")) {
			dashdash = 1;
		} else if (!dashdash && argv[i][0] == '-' && argv[i][1] != '\0') {
			return command_usage_error("ingest", "unknown option");
		} else {
			inputs[(*n)++] = argv[i];
		}
	}
	if (*n == 0)
		return command_usage_error("ingest", "name at least one FILE or DIRECTORY, or - for standard input");
	return 0;
}

/* Where the inputs go: the cluster of --to or of the attached case (run->loader), else the case
 * itself. 0, or 1 (said). */
static int open_ingest_target(struct globals *g, const char *to, struct ingest_run *run)
{
	struct strbuf url;
	strbuf_init(&url, 64);
	int rc = ingest_cluster_target(g, to, &url, &run->s);
	if (!rc && url.len && cluster_loader_open(url.buf, NULL, &run->loader, &run->err) != 0) {
		char *safe = sanitize_dup(run->err.buf, 0);
		diag("casebook ingest: %s\n", safe);
		free(safe);
		rc = 1;
	} else if (!rc && !url.len) {
		rc = open_store(g, STORE_CREATE | OPEN_WITH_PACK, &run->s) != 0;
	}
	strbuf_release(&url);
	return rc;
}

/* The Kibana alerts among what a case's ingest stored are taken in now: an ingest run again
 * would skip their events as duplicates, and so never see them. 0, or -1 (said). */
static int import_kibana_alerts(struct store *s, int64_t before)
{
	struct kibana_counts k;
	struct diag_sink warn = diag_stderr_sink();
	if (kibana_alerts_import(s, before, time_now_us(), &warn, &k)) {
		char *safe = sanitize_dup(store_errmsg(s), 0);
		diag("casebook ingest: the Kibana alerts could not be stored: %s\n", safe);
		free(safe);
		return -1;
	}
	if (k.added || k.known || k.skipped)
		printf("%u Kibana alerts: %u added, %u known already, %u skipped\n", k.added + k.known + k.skipped,
		       k.added, k.known, k.skipped);
	return 0;
}

static void ingest_inputs(struct ingest_run *run, char **inputs, int n)
{
	for (int i = 0; i < n && !run->failed && !run->interrupted; i++) {
		if (is_directory(inputs[i]))
			ingest_directory(run, inputs[i]);
		else
			ingest_one(run, inputs[i], 0);
	}
}

int cmd_ingest(struct globals *g, int argc, char **argv)
{
	char **inputs = xcalloc((size_t)argc, sizeof(*inputs));
	int n;
	const char *to;
	struct ingest_run run = {0};
	int rc = ingest_arguments(argc, argv, inputs, &n, &to);
	strbuf_init(&run.err, 128);
	if (rc || open_ingest_target(g, to, &run)) {
		free(inputs);
		strbuf_release(&run.err);
		store_close(run.s);
		return rc ? rc : 1;
	}
	run.o = (struct ingest_options){.analyst = g->analyst,
	                                .errors = diag_stderr_sink(),
	                                .progress = isatty(STDERR_FILENO) ? draw_progress : NULL,
	                                .stop = &ingest_interrupted};
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	ingest_interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	struct store *s = run.s;
	int64_t before = run.loader ? 0 : store_max_event_id(s); /* Kibana alerts among what this ingest adds */
	ingest_inputs(&run, inputs, n);
	free(inputs);
	struct ingest_counts c = run.c;
	printf("%llu documents: %llu added, %llu duplicate, %llu rejected\n", (unsigned long long)c.documents,
	       (unsigned long long)c.added, (unsigned long long)c.duplicates, (unsigned long long)c.rejected);
	if (c.rejected && s)
		printf("the damaged parts are kept: 'casebook rejects' lists them\n");
	int failed = run.failed || (!run.loader && !run.failed && import_kibana_alerts(s, before));
	cluster_loader_close(run.loader);
	strbuf_release(&run.err);
	store_close(s);
	sigaction(SIGINT, &old, NULL);
	if (run.interrupted) {
		diag("casebook ingest: interrupted (Ctrl-C): the %llu events stored so far are kept and committed; "
		     "run the same command again to load the rest (the events already stored are skipped as "
		     "duplicates)\n",
		     (unsigned long long)c.added);
		return 130; /* as a shell reports a command SIGINT ended: 128 + 2 */
	}
	if (failed || run.unreadable)
		return 1;
	return c.rejected ? 2 : 0;
}

struct print_ctx {
	int json;
	struct strbuf line;
	struct listing table;
	/* over a cluster: the columns each row lacks, read from its document as the case's were */
	struct event_columns cols;
	struct strbuf why;
	const char *host; /* events --host over a cluster: the exact test of its candidates */
	long limit, shown;
	int bad_doc;
};

static int print_reject(void *ctx, const struct reject_row *r)
{
	struct print_ctx *pc = ctx;
	struct strbuf *l = &pc->line;
	strbuf_reset(l);
	if (pc->json) {
		strbuf_addstr(l, "{\"input\":");
		json_quote_append(l, r->input, strlen(r->input));
		strbuf_addf(l, ",\"line\":%llu,\"column\":%llu,\"offset\":%llu,\"error\":", (unsigned long long)r->line,
		            (unsigned long long)r->col, (unsigned long long)r->offset);
		json_quote_append(l, r->error, strlen(r->error));
		strbuf_addstr(l, ",\"raw\":");
		json_quote_append(l, r->raw, r->raw_len);
		strbuf_addf(l, ",\"raw_bytes\":%zu,\"raw_dropped\":%llu}\n", r->raw_len,
		            (unsigned long long)r->raw_dropped);
	} else {
		add_text(l, r->input);
		strbuf_addf(l, ":%llu:%llu: ", (unsigned long long)r->line, (unsigned long long)r->col);
		add_text(l, r->error);
		strbuf_addf(l, " (%zu bytes kept", r->raw_len);
		if (r->raw_dropped)
			strbuf_addf(l, ", %llu dropped", (unsigned long long)r->raw_dropped);
		strbuf_addstr(l, ")\n    ");
		size_t n = r->raw_len < 72 ? r->raw_len : 72;
		sanitize_append(l, r->raw, n, 0);
		strbuf_addstr(l, n < r->raw_len ? "…\n" : "\n");
	}
	fwrite(l->buf, 1, l->len, stdout);
	return 0;
}

int cmd_rejects(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	struct print_ctx pc = {0};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			pc.json = 1;
		else
			return command_usage_error("rejects", "unknown option");
	}
	if (optind < argc)
		return command_usage_error("rejects", "takes no arguments");
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	strbuf_init(&pc.line, 256);
	int rc = store_rejects_each(s, print_reject, &pc);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	strbuf_release(&pc.line);
	store_close(s);
	return rc ? 1 : 0;
}

/* time, host, category/action, process, what the event shows; the process goes first */
static const struct listing_column event_columns[] = {{"TIME (UTC)", 27, 0, 0, 0},
                                                      {"HOST", 20, 12, 0, 0},
                                                      {"EVENT", 24, 14, 0, 0},
                                                      {"PROCESS", 16, 10, 1, 0},
                                                      {"DETAIL", 0, 10, 0, 1}};
/* below 100 columns: 11-20 08:05:26.953 */
static const struct listing_column event_columns_short_time[] = {{"TIME (UTC)", 18, 0, 0, 0},
                                                                 {"HOST", 20, 12, 0, 0},
                                                                 {"EVENT", 24, 14, 0, 0},
                                                                 {"PROCESS", 16, 10, 1, 0},
                                                                 {"DETAIL", 0, 10, 0, 1}};

void event_listing_init(struct listing *t, const char *mark)
{
	int width = listing_terminal_width();
	if (width && mark)
		width = width > (int)strlen(mark) ? width - (int)strlen(mark) : 1;
	/* outside UTC the time says its zone's abbreviation: "2024-05-01 14:00:00.123456 CEST";
	 * one listing at a time, so one copy of the columns */
	static struct listing_column zoned[sizeof(event_columns) / sizeof(event_columns[0])];
	const size_t ncols = sizeof(event_columns) / sizeof(event_columns[0]);
	int short_time = listing_short_time(width);
	listing_init(
	    t,
	    zoned_columns(short_time ? event_columns_short_time : event_columns, ncols, 0, short_time ? 6 : 5, zoned),
	    ncols, width);
	t->short_time = short_time;
}

void event_listing_header(const struct listing *t, const char *mark)
{
	struct strbuf l;
	strbuf_init(&l, 128);
	for (size_t i = 0; mark && mark[i]; i++)
		strbuf_addch(&l, ' ');
	listing_header(t, &l);
	fwrite(l.buf, 1, l.len, stdout);
	strbuf_release(&l);
}

/* One event as a table row: time, host, category/action, process, what it shows. */
void format_event_row(struct strbuf *l, const struct listing *t, const struct event_row *row, const char *mark)
{
	const struct event_record *r = &row->r;
	char ts[CLI_TIME_LEN];
	format_cli_time(r->ts, t->short_time ? 3 : 6, t->short_time, ts);
	if (mark)
		strbuf_addstr(l, mark);
	struct strbuf what, detail;
	strbuf_init(&what, 64);
	strbuf_init(&detail, 128);
	strbuf_addf(&what, "%s/%s", r->category ? r->category : "-", r->action ? r->action : "-");
	struct evidence e = {0};
	if (row->doc && !evidence_read(row->doc, row->doc_len, &e)) {
		/* with the document: what the event shows (its command line, address, path) */
		evidence_line(&e, &detail);
		evidence_release(&e);
	} else {
		strbuf_addstr(&detail, r->file_path ? r->file_path : r->executable ? r->executable : "-");
	}
	const char *cells[] = {ts, r->host_name ? r->host_name : r->host_id, what.buf, r->process_name, detail.buf};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		listing_cell(t, i, l, cells[i]);
	strbuf_release(&what);
	strbuf_release(&detail);
}

static int print_event(void *ctx, const struct event_row *row)
{
	struct print_ctx *pc = ctx;
	struct strbuf *l = &pc->line;
	strbuf_reset(l);
	if (pc->json) {
		sanitize_json_append(l, row->doc, row->doc_len);
		strbuf_addch(l, '\n');
	} else {
		format_event_row(l, &pc->table, row, NULL);
	}
	fwrite(l->buf, 1, l->len, stdout);
	return 0;
}

#define OPEN_END_US (INT64_C(1) << 62) /* some 146,000 years from 1970 */

/* A cluster's event as the case lists one: its columns from its document. */
static int print_cluster_event(void *ctx, const struct event_row *row)
{
	struct print_ctx *pc = ctx;
	struct event_row full = *row;
	if (event_columns_read(&pc->cols, row->doc, row->doc_len, &full.r, &pc->why)) {
		pc->bad_doc = 1;
		return 1;
	}
	full.r.identity = row->r.identity;
	full.r.index = row->r.index;
	return print_event(pc, &full);
}

static int same_text(const char *x, const char *y)
{
	return x && y && !strcmp(x, y);
}

/* A candidate of a plain listing: the host's exactly (a source may hand out more), up to the
 * limit. */
static int print_cluster_candidate(void *ctx, const struct candidate_row *c)
{
	struct print_ctx *pc = ctx;
	if (pc->host && !same_text(c->ev.r.host_name, pc->host) && !same_text(c->ev.r.host_id, pc->host))
		return 0;
	if (print_cluster_event(pc, &c->ev))
		return 1;
	return pc->limit > 0 && ++pc->shown >= pc->limit;
}

/* events in a case attached to a cluster: the cluster's, in the order the case lists its own
 * (time, then the source's order among events of one instant). */
static int cluster_events(struct store *s, struct event_source *src, const struct event_query *q,
                          const struct kql_node *kql, struct print_ctx *pc)
{
	event_columns_init(&pc->cols);
	pc->host = q->host;
	pc->limit = q->limit;
	int rc;
	if (kql) {
		rc = detect_load_field_types(s) ? -1 : detect_search_in(src, kql, q->limit, print_cluster_event, pc);
	} else {
		struct candidate_query cq = {.by_event_time = 1, .host = q->host};
		/* an open end is one far beyond any event's time (a literal a server reads as a number) */
		cq.has_window = q->has_from || q->has_to;
		cq.from = q->has_from ? q->from : -OPEN_END_US;
		cq.to = q->has_to ? q->to : OPEN_END_US;
		rc = source_candidates(src, &cq, NULL, 0, print_cluster_candidate, pc);
	}
	event_columns_release(&pc->cols);
	if (pc->bad_doc)
		return -1;
	if (rc)
		strbuf_addstr(&pc->why, source_errmsg(src));
	return rc ? -1 : 0;
}

/* Reads the cluster the case is attached to; *attached 0 when it is attached to none. */
static int events_from_cluster(struct store *s, const struct event_query *q, const struct kql_node *kql,
                               struct print_ctx *pc, int *attached)
{
	struct strbuf url;
	strbuf_init(&url, 64);
	struct event_source *src = NULL;
	int rc = source_open_attached(s, &url, &src, &pc->why);
	*attached = rc || src;
	if (!rc && src) {
		event_listing_init(&pc->table, NULL);
		if (!pc->json)
			event_listing_header(&pc->table, NULL);
		rc = cluster_events(s, src, q, kql, pc);
		listing_release(&pc->table);
	}
	source_say_notice("events", src);
	source_close(src);
	if (rc) {
		char *safe = sanitize_dup(pc->why.buf, 0), *safe_url = sanitize_dup(url.buf, 0);
		diag("casebook events: %s\n", safe);
		diag("casebook events: the case is attached to the cluster at %s; the %lld events the case holds "
		     "itself (each alert's, and the timelines looked at) are listed with --local\n",
		     safe_url, (long long)store_event_count(s));
		free(safe), free(safe_url);
	}
	strbuf_release(&url);
	return rc;
}

int cmd_events(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},        {"host", required_argument, NULL, 'H'},
	    {"from", required_argument, NULL, 'f'},  {"to", required_argument, NULL, 't'},
	    {"limit", required_argument, NULL, 'n'}, {"query", required_argument, NULL, 'q'},
	    {"local", no_argument, NULL, 'L'},       {NULL, 0, NULL, 0}};
	/* the documents are read for the table too: its DETAIL column says what the event shows
	 * (a command line, an address, a path) in the words of the console's timeline */
	struct event_query q = {.want_doc = 1};
	struct print_ctx pc = {0};
	const char *kql_text = NULL;
	int c, local = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j': pc.json = 1; break;
		case 'H': q.host = optarg; break;
		case 'f':
			if (parse_time_arg("events", "--from", optarg, &q.from))
				return EXIT_USAGE;
			q.has_from = 1;
			break;
		case 't':
			if (parse_time_arg("events", "--to", optarg, &q.to))
				return EXIT_USAGE;
			q.has_to = 1;
			break;
		case 'n':
			errno = 0;
			q.limit = strtol(optarg, &end, 10);
			if (*end || errno || q.limit <= 0)
				return command_usage_error("events", "--limit takes a positive number");
			break;
		case 'q': kql_text = optarg; break;
		case 'L': local = 1; break;
		default: return option_error("events", argv);
		}
	}
	if (optind < argc)
		return command_usage_error("events", "takes no arguments");
	if (q.has_from && q.has_to && q.from > q.to)
		return command_usage_error("events", "--from is after --to");
	if (kql_text && (q.host || q.has_from || q.has_to))
		return command_usage_error("events", "--query takes the host and time conditions in KQL itself");
	struct kql_node *kql = NULL;
	if (kql_text && !(kql = parse_query_option("events", kql_text)))
		return EXIT_USAGE;
	struct store *s;
	if (open_store(g, STORE_READONLY, &s)) {
		kql_free(kql);
		return 1;
	}
	strbuf_init(&pc.line, 256);
	strbuf_init(&pc.why, 128);
	int attached = 0, rc = local ? 0 : events_from_cluster(s, &q, kql, &pc, &attached);
	if (!attached) { /* the case's own events */
		event_listing_init(&pc.table, NULL);
		if (!pc.json)
			event_listing_header(&pc.table, NULL);
		rc =
		    kql ? detect_search(s, kql, q.limit, print_event, &pc) : store_events_each(s, &q, print_event, &pc);
		if (rc)
			diag("casebook: %s\n", store_errmsg(s));
		listing_release(&pc.table);
	}
	strbuf_release(&pc.line);
	strbuf_release(&pc.why);
	kql_free(kql);
	store_close(s);
	return rc ? 1 : 0;
}
