/* cli: the command line. cli/commands.c holds the table of commands and cli_main, which
 * parses the global options and dispatches; each other file holds one family of commands. */
#ifndef CASEBOOK_CLI_H
#define CASEBOOK_CLI_H

#include <stdint.h>

#include "common/strbuf.h"
#include "store/store.h"

#define EXIT_USAGE  64
#define CLI_VERSION "0.9.0"

/* Runs the command line (argv[0] is the program's name) and returns the exit status; stdout
 * is flushed but not closed (main checks it). */
int cli_main(int argc, char **argv);

struct globals {
	const char *db;
	const char *analyst;
	const char *tz; /* --tz, or NULL: UTC */
};

/* After getopt_long (opterr 0) returned '?' or ':': names the option it could not take, then
 * as command_usage_error. */
int option_error(const char *cmd, char **argv);
/* Prints "casebook CMD: msg" and the command's usage; returns EXIT_USAGE. */
int command_usage_error(const char *cmd, const char *msg);
/* Besides store_open's flags: load the bundled rule pack (adding the rules the case lacks). */
#define OPEN_WITH_PACK (1u << 16)
/* Opens the case database (store_open), saying so when a writer migrated it; with
 * OPEN_WITH_PACK also loads the bundled rule pack. */
int open_store(struct globals *g, unsigned flags, struct store **s);
/* Parses a --query KQL option: the query, or NULL after saying where it does not parse (the
 * caller exits EXIT_USAGE). */
struct kql_node *parse_query_option(const char *cmd, const char *text);
/* Parses an ISO 8601 option value, or reports a usage error (returns EXIT_USAGE). */
int parse_time_arg(const char *cmd, const char *what, const char *arg, int64_t *us);
/* A time as the human-readable output prints it (JSON and exports stay UTC ISO 8601): with the
 * default zone (UTC, --tz) ISO 8601 with its Z and `digits` (0 or 6) of the second's fraction,
 * else the zone's wall clock and abbreviation ("2024-05-01 14:00:00 CEST"); `short_time`
 * leaves out the year (a narrow terminal's listing, whose header names the zone). */
#define CLI_TIME_LEN 64
void format_cli_time(int64_t us, int digits, int short_time, char out[CLI_TIME_LEN]);
struct listing_column;
/* The columns of a listing whose column `time_col` holds times: cols itself in UTC, else a
 * copy in `copy` (n columns, kept by the caller as long as the listing) whose time column is
 * titled with the zone ("TIME (Europe/Berlin)") and `extra` columns wider for its
 * abbreviation. */
const struct listing_column *zoned_columns(const struct listing_column *cols, size_t n, size_t time_col, int extra,
                                           struct listing_column *copy);
/* Appends s sanitized, cut or padded to width columns. */
void add_cell(struct strbuf *l, const char *s, size_t width);
/* Appends s sanitized. */
void add_text(struct strbuf *l, const char *s);
struct event_row;
struct listing;
/* The events' table (cli/listing.h) for stdout, its rows after mark (NULL: none). */
void event_listing_init(struct listing *t, const char *mark);
void event_listing_header(const struct listing *t, const char *mark);
/* One event as a table row (time, host, category/action, process, what it shows), after mark. */
void format_event_row(struct strbuf *l, const struct listing *t, const struct event_row *row, const char *mark);

/* An alert named on the command line: its uuid (malloc'd), row id and event. */
struct resolved {
	int64_t id, event_id;
	char *uuid;
};
/* Resolves a uuid or a unique prefix of one, as git does with hashes; an exact uuid wins over
 * longer ones it starts, and an imported alert is named by its Kibana uuid too (without
 * ALERT_IMPORTED_PREFIX). Returns 0, or 1 after telling the user what went wrong (no match,
 * or the candidates of an ambiguous prefix). */
int resolve_alert(struct store *s, const char *cmd, const char *arg, struct resolved *r);

int cmd_ingest(struct globals *g, int argc, char **argv);
int cmd_events(struct globals *g, int argc, char **argv);
int cmd_esql(struct globals *g, int argc, char **argv);
int cmd_rejects(struct globals *g, int argc, char **argv);
int cmd_rules(struct globals *g, int argc, char **argv);
int cmd_detect(struct globals *g, int argc, char **argv);
int cmd_exception(struct globals *g, int argc, char **argv);
int cmd_alerts(struct globals *g, int argc, char **argv);
int cmd_show(struct globals *g, int argc, char **argv);
int cmd_timeline(struct globals *g, int argc, char **argv);
int cmd_tree(struct globals *g, int argc, char **argv);
int cmd_mapping(struct globals *g, int argc, char **argv);
int cmd_status(struct globals *g, int argc, char **argv);
int cmd_check(struct globals *g, int argc, char **argv);
int cmd_respond(struct globals *g, int argc, char **argv);
int cmd_note(struct globals *g, int argc, char **argv);
int cmd_audit(struct globals *g, int argc, char **argv);
int cmd_export(struct globals *g, int argc, char **argv);
int cmd_tui(struct globals *g, int argc, char **argv);
int cmd_cluster(struct globals *g, int argc, char **argv);
struct store;
/* The cluster an ingest loads into, in url: to (ingest --to URL; no case), or the one the case
 * at g->db is attached to (the first of its servers that answers, those before it named),
 * whose store is then opened in *keep (its rejects keep the damaged
 * documents); url "" and *keep NULL: the case's own ingest. 0, or 1 (said). */
int ingest_cluster_target(struct globals *g, const char *to, struct strbuf *url, struct store **keep);
int cmd_coverage(struct globals *g, int argc, char **argv);

#endif
