/* commands: the command line's one table of commands, the global options, and the dispatch to
 * one function per command (the other files of cli/). --help and `casebook help` are printed
 * from the table. Usage errors exit 64 with a one-line message. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/helptext.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "store/alerts.h"
#include "store/store.h"

struct command {
	const char *name;
	int (*run)(struct globals *g, int argc, char **argv);
	const char *usage;
	const char *summary;
};

static int cmd_help(struct globals *g, int argc, char **argv);

static const struct command commands[] = {
    {"ingest", cmd_ingest, "ingest FILE|DIRECTORY... | -",
     "load Elastic Defend events (NDJSON, JSON, search responses, gzip; directories recursively)"},
    {"events", cmd_events, "events [--host H] [--from T] [--to T] [--limit N] [--query KQL] [--local] [--json]",
     "list stored events in time order, or those a KQL query matches"},
    {"esql", cmd_esql, "esql 'FROM PATTERN | ...' | esql 'ROW ...'  [--json]",
     "run an ES|QL query over the case's events, as Discover does (a table, or one JSON object a row)"},
    {"rejects", cmd_rejects, "rejects [--json]", "list damaged input kept by ingest, with where it was"},
    {"rules", cmd_rules,
     "rules [--json] | rules import [--version-lock FILE] PATH... | rules enable|disable RULE_ID [--version N] | "
     "rules enable|disable --all",
     "list detection rules; import Kibana rules, exception lists, detection-rules TOML and Kibana's prebuilt "
     "package; choose the versions that run"},
    {"detect", cmd_detect, "detect [--rule RULE_ID [--version N]] [--from T --to T] [--source URL]",
     "run the enabled rules (query, EQL, threshold, new terms, ES|QL, indicator match, machine learning) as "
     "Kibana's scheduler would"},
    {"mapping", cmd_mapping, "mapping [--json] | mapping import FILE...",
     "field types from an index mapping (GET INDEX/_mapping): dates, addresses and text compare as in Elasticsearch"},
    {"coverage", cmd_coverage, "coverage [--all] [--json]",
     "which plugin install techniques the enabled rules catch, run on synthetic events"},
    {"alerts", cmd_alerts,
     "alerts [--status open|acknowledged|closed] [--rule RULE_ID] [--host H] [--severity S] [--query KQL] "
     "[--sort time|newest|severity|risk|host] [--building-blocks] [--json]",
     "list alerts; --severity S keeps S and above, --query filters by KQL over the alert documents; "
     "building blocks (alerts of building-block rules, and a Kibana sequence's, which show lists under it) only "
     "with --building-blocks"},
    {"show", cmd_show, "show ALERT [--json]", "show one alert (its uuid or a unique prefix of it)"},
    {"timeline", cmd_timeline, "timeline ALERT [--before DUR] [--after DUR] [--json]",
     "the events on the alert's host around it (10m each side by default)"},
    {"tree", cmd_tree, "tree ALERT|EVENT [--window DUR] [--json]",
     "the process's ancestors and descendants on its host (1h each side by default)"},
    {"exception", cmd_exception,
     "exception add RULE_ID (--field F [--operator OP | --type match|match_any|wildcard|exists] [--excluded] "
     "[--value V]...)... [--comment TEXT] [--preview] [--confirm-broad] [--close-matching [--reason R]] "
     "[--alert ALERT] | exception remove ITEM_ID | exception list [--json]",
     "add a Kibana-style rule exception (each --field a condition, all must hold; OP is, 'is not', 'is one of', "
     "exists, matches...), preview what it would suppress, or remove or list them"},
    {"status", cmd_status,
     "status ALERT... | --query KQL  open|acknowledged|closed [--reason R] [--comment TEXT] [--force]",
     "set the workflow status (ack for acknowledged); closing takes a reason: false_positive, true_positive, "
     "benign_positive, duplicate, other"},
    {"check", cmd_check, "check ALERT N [--undo] [--note TEXT]", "check (or uncheck) checklist item N"},
    {"respond", cmd_respond, "respond ALERT N done|skipped|na|pending [--note TEXT]",
     "record response step N (n/a and skip as the console says them)"},
    {"note", cmd_note, "note ALERT TEXT | -", "add a note (- reads it from standard input)"},
    {"audit", cmd_audit, "audit [ALERT] [--json] | audit --verify [--expect ENTRIES:SHA256] | audit --head",
     "the audit trail; --verify checks its SHA-256 chain, that each alert and exception is what it "
     "anchored and that the triage state is what it records "
     "(exit 2 when not); --head prints the anchor to keep outside the case"},
    {"export", cmd_export,
     "export ALERT... | --all | [--status S] [--host H] [--rule R]  [--format "
     "markdown|json|thehive|thehive-case|timesketch-jsonl|timesketch-csv|kibana-status] "
     "[-o FILE] [--force] [--window DUR] [--source]",
     "write the triage record for a ticket, a case system, Timesketch, or Kibana's statuses; several "
     "alerts as markdown, thehive-case or kibana-status are one case"},
    {"cluster", cmd_cluster,
     "cluster init URL... [--cluster NAME] | cluster attach URL... | cluster detach | cluster show",
     "create casebook's tables in a ClickHouse cluster: on each server named (one HTTP URL per shard), "
     "sharded by host over the cluster's remote_servers entry NAME (casebook by default); attach the case to "
     "it (ingest loads into it, detect reads from it), detach, or show the attached servers"},
    {"tui", cmd_tui, "tui",
     "open the console (what casebook alone does on a terminal); notes in $VISUAL or $EDITOR if set"},
    {"help", cmd_help, "help [COMMAND]", "show help for casebook or one command"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *to)
{
	fprintf(to, "usage: casebook [--db PATH] [--analyst NAME] [--tz ZONE] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(to, "\nglobal options:\n"
	            "  --db PATH       the case database (default $CASEBOOK_DB, else ./casebook.db)\n"
	            "  --analyst NAME  who is working (default $CASEBOOK_ANALYST, else the login name)\n"
	            "  --tz ZONE       the zone alerts, show, timeline and events print times in, labelled:\n"
	            "                  an IANA name (Europe/Berlin), local, or UTC (the default); --json and\n"
	            "                  exports stay UTC ISO 8601\n"
	            "  --help, -h      this help;  --version  the version\n"
	            "\n'casebook help COMMAND' shows a command's options and examples. Times are ISO 8601 (UTC\n"
	            "unless an offset is given), e.g. 2021-01-14T09:07:18Z; durations look like 90s, 5m, 2h.\n");
}

/* Edit distance of a (its first 32 bytes) and b, for "did you mean": small strings only. */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(a) < 32 ? strlen(a) : 32, m = strlen(b) < 32 ? strlen(b) : 32;
	size_t row[33];
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			diag = up;
			row[j] = best;
		}
	}
	return row[m];
}

/* The command nearest to name, when it is near enough to be what was meant, else NULL. */
static const char *nearest_command(const char *name);

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Words analysts bring from other consoles, and the command that does it here. */
static const struct {
	const char *word, *command;
} synonyms[] = {{"close", "status ALERT closed --reason R"},
                {"ack", "status ALERT ack"},
                {"acknowledge", "status ALERT ack"},
                {"reopen", "status ALERT open"},
                {"list", "alerts"},
                {"search", "events --query KQL"},
                {"query", "events --query KQL"},
                {"import", "ingest FILE, or rules import FILE"},
                {"load", "ingest FILE"},
                {"comment", "note ALERT TEXT"}};

static const char *nearest_command(const char *name)
{
	for (size_t i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++)
		if (!strcmp(name, synonyms[i].word))
			return synonyms[i].command;
	const char *best = NULL;
	size_t best_d = 3; /* at most two edits away */
	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t d = distance(name, commands[i].name);
		if (d < best_d)
			best = commands[i].name, best_d = d;
	}
	return best;
}

/* The option of cmd's usage nearest to opt (--hots: --host), when near enough, into out. */
static int nearest_option(const char *cmd, const char *opt, char *out, size_t size)
{
	const struct command *c = find_command(cmd);
	size_t best_d = 3, len = strcspn(opt, "=");
	char given[64];
	snprintf(given, sizeof(given), "%.*s", (int)(len < 63 ? len : 63), opt);
	for (const char *p = c ? strstr(c->usage, "--") : NULL; p; p = strstr(p + 2, "--")) {
		size_t n = strspn(p, "-abcdefghijklmnopqrstuvwxyz");
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), p);
		size_t d = distance(given, name);
		if (n > 2 && d < best_d) {
			best_d = d;
			snprintf(out, size, "%s", name);
		}
	}
	return best_d < 3;
}

/* Prints "casebook: what: arg" and the usage; returns the usage exit status. */
static int usage_error(const char *what, const char *arg)
{
	char *safe = sanitize_dup(arg, 0);
	diag("casebook: %s: %s\n", what, safe);
	free(safe);
	print_usage(stderr);
	return EXIT_USAGE;
}

int option_error(const char *cmd, char **argv)
{
	/* getopt_long has just stepped over the option it could not take */
	const char *opt = optind > 0 ? argv[optind - 1] : "";
	char *safe = sanitize_dup(opt, 0);
	char msg[300], near[64];
	if (optopt && optopt != '?' && opt[0] == '-' && opt[1] != '-')
		snprintf(msg, sizeof(msg), "-%c needs a value", optopt);
	else if (strchr(opt, '=') == NULL && optopt)
		snprintf(msg, sizeof(msg), "%.200s needs a value", safe);
	else if (nearest_option(cmd, opt, near, sizeof(near)))
		snprintf(msg, sizeof(msg), "unknown option %.200s; did you mean %s?", safe, near);
	else
		snprintf(msg, sizeof(msg), "unknown option %.200s ('casebook help %s' lists them)", safe, cmd);
	free(safe);
	return command_usage_error(cmd, msg);
}

int command_usage_error(const char *cmd, const char *msg)
{
	const struct command *c = find_command(cmd);
	diag("casebook %s: %s\nusage: casebook %s\n", cmd, msg, c ? c->usage : cmd);
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
	const struct command_help *h = command_help_find(c->name);
	if (h) {
		printf("\noptions:\n%s\nexamples:\n", h->options);
		for (int i = 0; i < HELP_EXAMPLES && h->examples[i]; i++)
			printf("  %s\n", h->examples[i]);
	}
	printf("\n'man casebook' (docs/casebook.1) says more.\n");
	return 0;
}

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
		if (!strcmp(a, "--db") || !strcmp(a, "--analyst") || !strcmp(a, "--tz")) {
			slot = a[2] == 'd' ? &g->db : a[2] == 'a' ? &g->analyst : &g->tz;
			if (i + 1 >= *argc)
				return usage_error("this option needs a value", a);
			val = argv[++i];
		} else if (!strncmp(a, "--db=", 5)) {
			slot = &g->db, val = a + 5;
		} else if (!strncmp(a, "--analyst=", 10)) {
			slot = &g->analyst, val = a + 10;
		} else if (!strncmp(a, "--tz=", 5)) {
			slot = &g->tz, val = a + 5;
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

int cli_main(int argc, char **argv)
{
	struct globals g = {.db = getenv("CASEBOOK_DB"), .analyst = getenv("CASEBOOK_ANALYST")};
	if (!g.db || !*g.db)
		g.db = "casebook.db";
	if (!g.analyst || !*g.analyst)
		g.analyst = login_name();
	int rc = take_globals(&g, &argc, argv);
	if (rc)
		return rc;
	const char *why;
	if (g.tz && time_zone_select(g.tz, &why)) {
		char *safe = sanitize_dup(g.tz, 0);
		diag("casebook: --tz %s: %s\n", safe, why);
		free(safe);
		return EXIT_USAGE;
	}
	if (!strncmp(g.analyst, ALERT_IMPORTED_PREFIX, strlen(ALERT_IMPORTED_PREFIX)))
		return usage_error("an analyst's name may not start with " ALERT_IMPORTED_PREFIX
		                   " (it marks the statuses imported from Kibana)",
		                   g.analyst);
	if (argc < 2) {
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return cmd_tui(&g, 1, (char *[]){"tui", NULL});
		print_usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("casebook %s (schema %d)\n", CLI_VERSION, store_schema_version());
		return 0;
	}
	if (cmd[0] == '-')
		return usage_error("unknown option", cmd);
	const struct command *c = find_command(cmd);
	if (!c) {
		const char *near = nearest_command(cmd);
		if (near) {
			char *safe = sanitize_dup(cmd, 0);
			diag("casebook: unknown command: %s; did you mean '%s'? ('casebook help' lists them)\n", safe,
			     near);
			free(safe);
			return EXIT_USAGE;
		}
		return usage_error("unknown command", cmd);
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return cmd_help(&g, 2, (char *[]){"help", (char *)cmd, NULL});
	return c->run(&g, argc - 1, argv + 1);
}
