/* helptext: what `casebook help COMMAND` (and COMMAND --help) prints after the usage: each
 * command's options and arguments, and two or three examples. docs/casebook.1's EXAMPLES
 * section holds the same examples; tests/test_cli.c checks both against this table. */
#include "cli/helptext.h"

#include <string.h>

static const struct command_help help[] = {
    {"ingest",
     "  FILE        NDJSON, JSON, a JSON array, search hits or responses; gzip or not\n"
     "  DIRECTORY   every file under it, recursively, in byte order of names (hidden names\n"
     "              left out; a file there that is not JSON is skipped with a note)\n"
     "  -           standard input\n"
     "  Ctrl-C      stops at the next document, keeps what was read, exits 130; the same\n"
     "              command run again loads the rest\n"
     "  --to URL    into the ClickHouse cluster at URL (made by casebook cluster init), not the\n"
     "              case: files, directories and -, read the same way (Ctrl-C too); a document\n"
     "              there already is skipped; damaged ones are said, not kept (no case)\n"
     "  In a case bound by `casebook cluster attach`, plain ingest loads into that cluster and\n"
     "  keeps the damaged documents in the case: 'casebook rejects' lists them\n",
     {"casebook ingest events.ndjson", "casebook ingest ./exports/", "zcat logs-*.json.gz | casebook ingest -"}},
    {"events",
     "  --host H     host.name or host.id\n"
     "  --from T     from this time (ISO 8601, inclusive); --to T until this time\n"
     "  --limit N    at most N events\n"
     "  --query KQL  the events a KQL query matches, with the detection engine's semantics\n"
     "  --json       each original document on one line (times as stored: UTC)\n"
     "  --local      in a case attached to a cluster: the case's own events (each alert's, and\n"
     "               the timelines read), not the cluster's; when the cluster is down, what\n"
     "               the case still lists\n"
     "  --tz ZONE    (global) times in ZONE, each labelled: Europe/Berlin, local, UTC (default)\n"
     "  DETAIL says what the event shows as the console's timeline does (command line, address,\n"
     "  path). In the console, `v` browses every event: \\ filters (KQL or ES|QL), /, n, N search,\n"
     "  s/S sort the page (docs/CONSOLE.md)\n",
     {"casebook events --host mac-lisbon-01 --from 2026-11-20T08:00:00Z --limit 50",
      "casebook events --query 'process.name : launchctl and event.type : start'",
      "casebook events --query 'file.path : /Library/DirectoryServices/*' --json"}},
    {"esql",
     "  QUERY   FROM PATTERN | ... over the stored events whose index PATTERN matches,\n"
     "          or ROW ... from its own row; fields are typed by the case's imported\n"
     "          mapping (casebook mapping import) as detect types them: dates, addresses,\n"
     "          text, float, half_float and scaled_float at their stored precision,\n"
     "          long, integer, short and byte as the whole numbers indexed (3.7 is 3);\n"
     "          LOOKUP JOIN INDEX ON FIELD joins the documents of an index the case holds\n"
     "  --json  one JSON object a row\n",
     {"casebook esql 'FROM logs-endpoint.events.* | STATS n = COUNT(*) BY host.name'",
      "casebook esql 'FROM logs-* | WHERE process.name == \"curl\" | KEEP @timestamp, process.command_line' --json"}},
    {"rejects",
     "  --json  one object per reject, with all of its raw bytes\n",
     {"casebook rejects", "casebook rejects --json"}},
    {"rules",
     "  (none)                    list the rules: rule_id, version, type, schedule, enabled\n"
     "  --json                    the same as JSON\n"
     "  import PATH...            Kibana rule JSON or NDJSON, detection-rules TOML files or\n"
     "                            folders, Kibana's prebuilt package zip or its saved objects\n"
     "  --version-lock FILE       the version.lock.json for TOML rules\n"
     "  enable|disable RULE_ID    choose which versions run; --version N picks one\n"
     "  enable|disable --all      every rule's newest version, or every version\n",
     {"casebook rules import detection-rules/rules/macos/", "casebook rules enable --all",
      "casebook rules disable 89fa6cb7-6b53-4de2-b604-648488841ab8"}},
    {"detect",
     "  --rule RULE_ID  only that rule's enabled versions\n"
     "  --version N     with --rule: that version, enabled or not\n"
     "  --from T --to T only executions in this range (ISO 8601)\n"
     "  --source URL    read the events of the ClickHouse cluster at URL (a case attached with\n"
     "                  cluster attach reads its cluster without it): each alert's events are\n"
     "                  copied into the case, and every run replays the cluster's whole range\n",
     {"casebook detect --rule 89fa6cb7-6b53-4de2-b604-648488841ab8",
      "casebook detect --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z",
      "casebook detect --source http://ch1:8123/"}},
    {"mapping",
     "  (none)         list the imported field types\n"
     "  --json         the same as JSON\n"
     "  import FILE... the response of GET INDEX/_mapping (or its mappings or properties)\n",
     {"casebook mapping import logs-endpoint-mapping.json", "casebook mapping --json"}},
    {"coverage",
     "  --all   every rule, not only the enabled ones\n"
     "  --json  the result as JSON\n",
     {"casebook coverage", "casebook coverage --all --json"}},
    {"alerts",
     "  --status S          open, acknowledged or closed\n"
     "  --rule RULE_ID      one rule's alerts\n"
     "  --host H            host.name or host.id\n"
     "  --severity S        S and above (low, medium, high, critical)\n"
     "  --query KQL         the alerts whose alert document the query matches\n"
     "  --sort ORDER        time (oldest first, the default), newest, severity, risk, host\n"
     "  --building-blocks   list building-block alerts too\n"
     "  --json              each alert document\n"
     "  --tz ZONE           (global) times in ZONE, labelled (IANA name, local; default UTC)\n",
     {"casebook alerts --status open --severity high", "casebook alerts --host mac-lisbon-01 --sort newest",
      "casebook alerts --query 'kibana.alert.rule.name : *Plugin*' --json"}},
    {"show",
     "  ALERT   its uuid, or a unique prefix of it (kibana:UUID for an imported one)\n"
     "  --json  the alert's record as JSON (times in UTC ISO 8601)\n"
     "  --tz ZONE  (global) times in ZONE, labelled (IANA name, local; default UTC)\n",
     {"casebook show 5b2d0cc8", "casebook show 5b2d0cc8 --json", "casebook show 5b2d0cc8 --tz Europe/Berlin"}},
    {"timeline",
     "  --before DUR  how far before the alert's event (default 10m; 90s, 5m, 2h)\n"
     "  --after DUR   how far after it (default 10m)\n"
     "  --json        each event's document\n"
     "  --tz ZONE     (global) times in ZONE, labelled (IANA name, local; default UTC)\n"
     "  In a case attached to a cluster the window's events are read from the cluster and\n"
     "  copied into the case first: the same timeline once the cluster is gone. A cluster that\n"
     "  fails is named, the case's own events are shown, and the exit status is 1\n",
     {"casebook timeline 5b2d0cc8", "casebook timeline 5b2d0cc8 --before 2h --after 30m",
      "casebook timeline 5b2d0cc8 --tz local"}},
    {"tree",
     "  ALERT|EVENT   the alert's event, or an event's id\n"
     "  --window DUR  the host's events this far each side (default 1h)\n"
     "  --json        one object per process\n"
     "  In a case attached to a cluster the window's events are copied from the cluster first,\n"
     "  as timeline does; a cluster that fails is named and the exit status is 1\n",
     {"casebook tree 5b2d0cc8", "casebook tree 5b2d0cc8 --window 6h --json"}},
    {"exception",
     "  add RULE_ID      add an item to the rule's own exception list\n"
     "  --field F        the field the entry compares\n"
     "  --value V        its value (repeat for match_any)\n"
     "  --type T         match (default), match_any, wildcard or exists\n"
     "  --excluded       the entry excludes (is not) rather than includes\n"
     "  --comment TEXT   why\n"
     "  list [--json]    the exception lists and items\n",
     {"casebook exception add 89fa6cb7-6b53-4de2-b604-648488841ab8 --field process.executable --value "
      "/usr/sbin/installer --comment 'Apple updates'",
      "casebook exception list"}},
    {"status",
     "  ALERT...       alerts by uuid or unique prefix; or --query KQL over alert documents\n"
     "  open|acknowledged|closed   the new status (ack for acknowledged)\n"
     "  --reason R     closing: false_positive, true_positive, benign_positive, duplicate, other\n"
     "  --comment TEXT why, kept in the audit trail\n"
     "  --force        close with checklist items still open (they are recorded)\n",
     {"casebook status 5b2d0cc8 ack",
      "casebook status 5b2d0cc8 closed --reason true_positive --comment 'dropper confirmed'",
      "casebook status --query 'host.name : mac-oslo-02' closed --reason benign_positive"}},
    {"check",
     "  N        the checklist item, numbered as show lists them\n"
     "  --undo   uncheck it\n"
     "  --note T a note on the item\n",
     {"casebook check 5b2d0cc8 1", "casebook check 5b2d0cc8 2 --note 'signed by Apple'"}},
    {"respond",
     "  N                         the response step, numbered as show lists them\n"
     "  done|skipped|na|pending   its new state\n"
     "  --note TEXT               a note on the step\n",
     {"casebook respond 5b2d0cc8 1 done --note 'host isolated'", "casebook respond 5b2d0cc8 3 na"}},
    {"note",
     "  TEXT   the note (Markdown); notes are never edited\n"
     "  -      read the note from standard input\n",
     {"casebook note 5b2d0cc8 'parent is Finder, not zsh'", "casebook note 5b2d0cc8 - < findings.md"}},
    {"audit",
     "  ALERT            one alert's entries\n"
     "  --json           the entries as JSON\n"
     "  --verify         check the SHA-256 chain and the state it records (exit 2 when not)\n"
     "  --expect N:HASH  with --verify: the anchor kept outside the case must still be there\n"
     "  --head           print that anchor\n",
     {"casebook audit 5b2d0cc8", "casebook audit --verify", "casebook audit --head > anchor.txt"}},
    {"export",
     "  ALERT... | --all | --status S   which alerts\n"
     "  --format F     markdown (default), json, thehive, thehive-case, timesketch-jsonl,\n"
     "                 timesketch-csv, kibana-status (else from -o's extension)\n"
     "  -o FILE        write atomically to FILE (never over a file without --force)\n"
     "  --force        replace FILE\n"
     "  --window DUR   the events this far around each alert (default 10m)\n"
     "  --source       include each event's original document\n"
     "  In a case attached to a cluster each alert's window is copied from the cluster into\n"
     "  the case first (as timeline does)\n",
     {"casebook export 5b2d0cc8 -o report.md", "casebook export --status closed --format thehive-case -o case.json",
      "casebook export --all --format timesketch-jsonl -o timeline.jsonl"}},
    {"cluster",
     "  init URL...     each shard's HTTP interface (http://HOST:8123/), one URL a shard: casebook\n"
     "                  creates database casebook, its events_local table on each and the\n"
     "                  Distributed table events over them; run again, it keeps what is there\n"
     "  --cluster NAME  the remote_servers entry to shard over (casebook by default)\n"
     "  attach URL...   bind the case to the cluster (its tables made by init): plain ingest\n"
     "                  loads into it, plain detect reads from it; the URLs are kept in the case,\n"
     "                  and a server that fails is left for the next (named on stderr)\n"
     "  detach          the case's own events again (what detect copied stays)\n"
     "  show            the attached servers' URLs, one a line\n"
     "  credentials     CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, else ~/.config/casebook/\n"
     "                  clickhouse.conf (user = NAME, password = SECRET; mode 600), never the URL\n",
     {"casebook cluster init http://ch1:8123/ http://ch2:8123/",
      "casebook cluster init http://127.0.0.1:8123/ --cluster fleet",
      "casebook cluster attach http://ch1:8123/ http://ch2:8123/"}},
    {"tui", "  (none)   the console on the case; ? lists its keys\n", {"casebook tui", "casebook --db case.db"}},
    {"help", "  COMMAND   that command's usage, options and examples\n", {"casebook help", "casebook help ingest"}},
};

const struct command_help *command_help_find(const char *name)
{
	for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		if (!strcmp(help[i].name, name))
			return &help[i];
	return NULL;
}
