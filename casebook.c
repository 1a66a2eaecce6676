/* casebook: the command line. One function per command; the only file that sees every
 * module. Usage errors exit 64 (EX_USAGE) with a one-line message and the usage. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "ingest/ingest.h"
#include "store/events.h"
#include "store/store.h"

#define CASEBOOK_VERSION "0.1.0"
#define EXIT_USAGE 64

struct globals {
	const char *db;
	const char *analyst;
};

struct command {
	const char *name;
	int (*run)(struct globals *g, int argc, char **argv);
	const char *usage;
	const char *summary;
};

static int cmd_ingest(struct globals *g, int argc, char **argv);
static int cmd_rejects(struct globals *g, int argc, char **argv);
static int cmd_events(struct globals *g, int argc, char **argv);
static int cmd_help(struct globals *g, int argc, char **argv);

static const struct command commands[] = {
	{"ingest", cmd_ingest, "ingest FILE... | -", "load Elastic Defend events (NDJSON, JSON, search responses, gzip)"},
	{"events", cmd_events, "events [--host H] [--from T] [--to T] [--limit N] [--json]",
	 "list stored events in time order"},
	{"rejects", cmd_rejects, "rejects [--json]", "list damaged input kept by ingest, with where it was"},
	{"help", cmd_help, "help [COMMAND]", "show help for casebook or one command"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *to)
{
	fprintf(to, "usage: casebook [--db PATH] [--analyst NAME] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(to, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "\nglobal options:\n"
		    "  --db PATH       the case database (default $CASEBOOK_DB, else ./casebook.db)\n"
		    "  --analyst NAME  who is working (default $CASEBOOK_ANALYST, else the login name)\n"
		    "  --help, -h      this help;  --version  the version\n"
		    "\n'casebook help COMMAND' shows a command's options. Times are ISO 8601 (UTC unless an\n"
		    "offset is given), e.g. 2021-01-14T09:07:18Z.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Prints "casebook: what: arg" and the usage; returns the usage exit status. */
static int usage_error(const char *what, const char *arg)
{
	char *safe = sanitize_dup(arg, 0);
	fprintf(stderr, "casebook: %s: %s\n", what, safe);
	free(safe);
	print_usage(stderr);
	return EXIT_USAGE;
}

static int command_usage_error(const char *cmd, const char *msg)
{
	const struct command *c = find_command(cmd);
	fprintf(stderr, "casebook %s: %s\nusage: casebook %s\n", cmd, msg, c ? c->usage : cmd);
	return EXIT_USAGE;
}

static int cmd_help(struct globals *g, int argc, char **argv)
{
	(void)g;
	if (argc < 2) {
		print_usage(stdout);
		return 0;
	}
	const struct command *c = find_command(argv[1]);
	if (!c)
		return usage_error("no such command", argv[1]);
	printf("usage: casebook %s\n\n%s\n", c->usage, c->summary);
	return 0;
}

static int open_store(struct globals *g, unsigned flags, struct store **s)
{
	char *err = NULL;
	if (store_open(g->db, flags, s, &err)) {
		char *safe = sanitize_dup(err, 0);
		fprintf(stderr, "casebook: %s\n", safe);
		if (!(flags & STORE_CREATE) && access(g->db, F_OK) != 0)
			fprintf(stderr, "casebook: start a case with 'casebook ingest FILE' (or pass --db PATH)\n");
		free(safe);
		free(err);
		return -1;
	}
	return 0;
}

/* ---- ingest ---- */

static int cmd_ingest(struct globals *g, int argc, char **argv)
{
	if (argc < 2)
		return command_usage_error("ingest", "name at least one FILE, or - for standard input");
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			if (!strcmp(argv[i], "--"))
				break;
			return command_usage_error("ingest", "unknown option");
		}
	struct store *s;
	if (open_store(g, STORE_CREATE, &s))
		return 1;
	struct ingest_options o = {.analyst = g->analyst, .progress = isatty(STDERR_FILENO), .errors = stderr};
	struct ingest_counts c = {0};
	int unreadable = 0, failed = 0;
	for (int i = 1; i < argc && !failed; i++) {
		if (!strcmp(argv[i], "--"))
			continue;
		enum ingest_status st = ingest_path(s, argv[i], &o, &c);
		if (st == INGEST_UNREADABLE)
			unreadable++;
		else if (st == INGEST_STORE_FAILED)
			failed = 1;
	}
	printf("%llu documents: %llu added, %llu duplicate, %llu rejected\n", (unsigned long long)c.documents,
	       (unsigned long long)c.added, (unsigned long long)c.duplicates, (unsigned long long)c.rejected);
	if (c.rejected)
		printf("the damaged parts are kept: 'casebook rejects' lists them\n");
	store_close(s);
	if (failed || unreadable)
		return 1;
	return c.rejected ? 2 : 0;
}

/* ---- rejects ---- */

struct print_ctx {
	int json;
	struct strbuf line;
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
		sanitize_append(l, r->input, strlen(r->input), 0);
		strbuf_addf(l, ":%llu:%llu: ", (unsigned long long)r->line, (unsigned long long)r->col);
		sanitize_append(l, r->error, strlen(r->error), 0);
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

static int cmd_rejects(struct globals *g, int argc, char **argv)
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
	if (open_store(g, 0, &s))
		return 1;
	strbuf_init(&pc.line, 256);
	int rc = store_rejects_each(s, print_reject, &pc);
	if (rc)
		fprintf(stderr, "casebook: %s\n", store_errmsg(s));
	strbuf_release(&pc.line);
	store_close(s);
	return rc ? 1 : 0;
}

/* ---- events ---- */

/* Appends s sanitized and cut or padded to width code points. */
static void add_cell(struct strbuf *l, const char *s, size_t width)
{
	struct strbuf tmp;
	strbuf_init(&tmp, 64);
	sanitize_append(&tmp, s ? s : "-", strlen(s ? s : "-"), 0);
	size_t cps = 0, i = 0;
	while (i < tmp.len && cps < width) {
		size_t n = 1;
		while (i + n < tmp.len && ((unsigned char)tmp.buf[i + n] & 0xC0) == 0x80)
			n++;
		if (cps == width - 1 && i + n < tmp.len) {
			strbuf_addstr(l, "…");
			cps++;
			i = tmp.len;
			break;
		}
		strbuf_add(l, tmp.buf + i, n);
		i += n;
		cps++;
	}
	for (; cps < width; cps++)
		strbuf_addch(l, ' ');
	strbuf_release(&tmp);
}

static int print_event(void *ctx, const struct event_row *row)
{
	struct print_ctx *pc = ctx;
	struct strbuf *l = &pc->line;
	const struct event_record *r = &row->r;
	strbuf_reset(l);
	if (pc->json) {
		sanitize_json_append(l, row->doc, row->doc_len);
		strbuf_addch(l, '\n');
	} else {
		char ts[TIME_ISO_LEN];
		time_format_iso8601(r->ts, ts);
		strbuf_addstr(l, ts);
		strbuf_addstr(l, "  ");
		add_cell(l, r->host_name ? r->host_name : r->host_id, 20);
		strbuf_addstr(l, "  ");
		struct strbuf what;
		strbuf_init(&what, 64);
		strbuf_addf(&what, "%s/%s", r->category ? r->category : "-", r->action ? r->action : "-");
		add_cell(l, what.buf, 24);
		strbuf_release(&what);
		strbuf_addstr(l, "  ");
		add_cell(l, r->process_name, 16);
		strbuf_addstr(l, "  ");
		const char *target = r->file_path ? r->file_path : r->executable;
		sanitize_append(l, target ? target : "-", strlen(target ? target : "-"), 0);
		strbuf_addch(l, '\n');
	}
	fwrite(l->buf, 1, l->len, stdout);
	return 0;
}

static int parse_time_arg(const char *cmd, const char *what, const char *arg, int64_t *us)
{
	const char *why;
	if (time_parse_iso8601(arg, strlen(arg), us, &why) == 0)
		return 0;
	char msg[200];
	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	return command_usage_error(cmd, msg);
}

static int cmd_events(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"host", required_argument, NULL, 'H'},
					     {"from", required_argument, NULL, 'f'},
					     {"to", required_argument, NULL, 't'},
					     {"limit", required_argument, NULL, 'n'},
					     {NULL, 0, NULL, 0}};
	struct event_query q = {0};
	struct print_ctx pc = {0};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j':
			pc.json = q.want_doc = 1;
			break;
		case 'H':
			q.host = optarg;
			break;
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
		default:
			return command_usage_error("events", optopt ? "an option is missing its value" : "unknown option");
		}
	}
	if (optind < argc)
		return command_usage_error("events", "takes no arguments");
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	strbuf_init(&pc.line, 256);
	int rc = store_events_each(s, &q, print_event, &pc);
	if (rc)
		fprintf(stderr, "casebook: %s\n", store_errmsg(s));
	strbuf_release(&pc.line);
	store_close(s);
	return rc ? 1 : 0;
}

/* ---- main ---- */

static const char *login_name(void)
{
	const char *n = getenv("USER");
	if (n && *n)
		return n;
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

/* Takes the global options out of argv (they may come before or after the command);
 * everything after "--" is left as it is. */
static int take_globals(struct globals *g, int *argc, char **argv)
{
	int out = 1, rest = 0;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		const char *val = NULL;
		if (!strcmp(a, "--"))
			rest = 1;
		if (rest) {
			argv[out++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--db") || !strcmp(a, "--analyst")) {
			slot = a[2] == 'd' ? &g->db : &g->analyst;
			if (i + 1 >= *argc)
				return usage_error("this option needs a value", a);
			val = argv[++i];
		} else if (!strncmp(a, "--db=", 5)) {
			slot = &g->db, val = a + 5;
		} else if (!strncmp(a, "--analyst=", 10)) {
			slot = &g->analyst, val = a + 10;
		}
		if (slot) {
			if (!*val)
				return usage_error("this option needs a value", a);
			*slot = val;
			continue;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	struct globals g = {.db = getenv("CASEBOOK_DB"), .analyst = getenv("CASEBOOK_ANALYST")};
	if (!g.db || !*g.db)
		g.db = "casebook.db";
	if (!g.analyst || !*g.analyst)
		g.analyst = login_name();
	int rc = take_globals(&g, &argc, argv);
	if (rc)
		return rc;
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("casebook %s (schema %d)\n", CASEBOOK_VERSION, store_schema_version());
		return 0;
	}
	if (cmd[0] == '-')
		return usage_error("unknown option", cmd);
	const struct command *c = find_command(cmd);
	if (!c)
		return usage_error("unknown command", cmd);
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cmd_help(&g, 2, (char *[]){"help", (char *)cmd, NULL});
	return c->run(&g, argc - 1, argv + 1);
}
