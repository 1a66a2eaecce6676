/* A case file from anyone is untrusted input. Each test makes one hostile variant of a real
 * case (planted SQL, triggers, views, extra objects, NULLs and wrong types where the schema
 * says otherwise, corrupt pages, a newer version, a stray WAL) and runs every command on it:
 * nothing crashes, nothing is executed, a reader never changes a byte of the file, and a
 * schema that is not casebook's is refused with a message naming the difference. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/digest.h"
#include "store/events.h"
#include "store/store.h"

static struct strbuf out, err;
static char uuid[80]; /* an alert of the base case, with notes, a check and a status */

static void exec_raw(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(db);
}

static void file_sha(const char *path, char hex[SHA256_HEX_LEN + 1])
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	struct strbuf sb;
	strbuf_init(&sb, 1 << 16);
	assert_int_equal(strbuf_read_stream(&sb, f), 0);
	fclose(f);
	sha256_hex(sb.buf, sb.len, hex);
	strbuf_release(&sb);
}

/* The command with "%s" replaced by the base case's alert. */
static void with_alert(char *args, size_t len, const char *cmd)
{
	const char *at = strstr(cmd, "%s");
	if (at)
		snprintf(args, len, "%.*s%s%s", (int)(at - cmd), cmd, uuid, at + 2);
	else
		snprintf(args, len, "%s", cmd);
}

static int CB(const char *db, const char *args)
{
	return tu_run(&out, &err, "%s --db '%s' %s", tu_casebook(), db, args);
}

/* A real case: events from the generator, the bundled rules' alerts, and triage on one. */
static int make_base(void **state)
{
	(void)state;
	strbuf_init(&out, 4096);
	strbuf_init(&err, 1024);
	char db[512], ev[512]; /* tu_path's buffer rotates */
	snprintf(db, sizeof(db), "%s", tu_path("base.db"));
	snprintf(ev, sizeof(ev), "%s", tu_path("base.ndjson"));
	if (tu_run(&out, &err, "{ build/release/gen-events --events 600 --hosts 3 > '%s'; }", ev)) {
		fprintf(stderr, "gen-events: %s\n", err.buf);
		return -1;
	}
	char cmd[2400];
	snprintf(cmd, sizeof(cmd), "ingest '%s'", ev);
	if (CB(db, cmd) || CB(db, "detect") || CB(db, "alerts --json")) {
		fprintf(stderr, "making the base case: %s\n", err.buf);
		return -1;
	}
	const char *u = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	if (!u) {
		fprintf(stderr, "no alert in the base case\n");
		return -1;
	}
	snprintf(uuid, sizeof(uuid), "%.64s", u + 21);
	snprintf(cmd, sizeof(cmd),
	         "note %s 'first look' && %s --db '%s' check %s 1 && %s --db '%s' status %s acknowledged", uuid,
	         tu_casebook(), db, uuid, tu_casebook(), db, uuid);
	if (CB(db, cmd)) {
		fprintf(stderr, "triage on the base case: %s%s\n", out.buf, err.buf);
		return -1;
	}
	exec_raw(db, "PRAGMA wal_checkpoint(TRUNCATE)");
	return 0;
}

static int release_all(void **state)
{
	(void)state;
	strbuf_release(&out);
	strbuf_release(&err);
	tu_cleanup();
	return 0;
}

/* A copy of the base case, as one file (no WAL beside it). */
static const char *variant(const char *name)
{
	static char paths[4][512];
	static int next;
	char *path = paths[next++ % 4];
	snprintf(path, 512, "%s", tu_path(name));
	char base[512], cmd[2400];
	snprintf(base, sizeof(base), "%s", tu_path("base.db"));
	snprintf(cmd, sizeof(cmd), "rm -f '%s' '%s-wal' '%s-shm' && cp '%s' '%s'", path, path, path, base, path);
	assert_int_equal(tu_run(&out, &err, "%s", cmd), 0);
	return path;
}

static void assert_no_crash(int rc, const char *what)
{
	if (rc >= 128 || strstr(err.buf, "AddressSanitizer") || strstr(err.buf, "runtime error:") ||
	    strstr(err.buf, "LeakSanitizer"))
		fail_msg("%s crashed (exit %d): %s", what, rc, err.buf);
	/* nothing from the file reaches the terminal raw */
	for (const char *p = err.buf; *p; p++)
		if (*p == 0x1b || *p == 0x07)
			fail_msg("%s wrote a raw control byte to stderr: %s", what, err.buf);
}

static const char *const readers[] = {
    "alerts",
    "alerts --json",
    "show %s",
    "show %s --json",
    "timeline %s",
    "events --limit 20",
    "events --json --limit 5",
    "rejects",
    "rules",
    "rules --json",
    "exception list",
    "audit",
    "audit --verify",
    "audit --head",
    "export %s",
    "export --all --format json",
    "export --all --format thehive",
    "export --all --format timesketch-csv",
    "export --all --format timesketch-jsonl",
    "cluster show",
};

/* Runs every reading command: none crashes, none changes a byte of the file. Returns how
 * many exited 0. */
static int run_readers(const char *db)
{
	char before[SHA256_HEX_LEN + 1], after[SHA256_HEX_LEN + 1];
	file_sha(db, before);
	int ok = 0;
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
		char args[300];
		with_alert(args, sizeof(args), readers[i]);
		int rc = CB(db, args);
		assert_no_crash(rc, args);
		ok += rc == 0;
		file_sha(db, after);
		if (strcmp(before, after))
			fail_msg("'%s' changed the case file", args);
	}
	return ok;
}

static const char *const writers[] = {"detect",
                                      "note %s 'second look'",
                                      "status %s closed --reason other --force",
                                      "check %s 2",
                                      "respond %s 1 done",
                                      "exception add planted-rule --field host.name --value x",
                                      "rules enable 89fa6cb7-6b53-4de2-b604-648488841ab8"};

static void run_writers(const char *db)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		char args[300];
		with_alert(args, sizeof(args), writers[i]);
		assert_no_crash(CB(db, args), args);
	}
}

/* Every command is refused with exactly this reason, and the file stays as it was. */
static void assert_refused_by_all(const char *db, const char *reason)
{
	char want[1200], before[SHA256_HEX_LEN + 1], after[SHA256_HEX_LEN + 1];
	const char *v = strstr(reason, "@V@"); /* the current schema version, so a new one changes no test */
	if (v)
		snprintf(want, sizeof(want), "casebook: refusing %s: %.*s%d%s; it was not changed\n", db,
		         (int)(v - reason), reason, store_schema_version(), v + 3);
	else
		snprintf(want, sizeof(want), "casebook: refusing %s: %s; it was not changed\n", db, reason);
	file_sha(db, before);
	assert_int_equal(run_readers(db), 0);
	assert_string_equal(err.buf, want);
	run_writers(db);
	assert_string_equal(err.buf, want);
	assert_int_not_equal(CB(db, "ingest /dev/null"), 0);
	assert_string_equal(err.buf, want);
	file_sha(db, after);
	assert_string_equal(before, after);
}

static void test_the_base_case_is_sound(void **state)
{
	(void)state;
	const char *db = variant("sound.db");
	assert_int_equal(run_readers(db), (int)(sizeof(readers) / sizeof(readers[0])));
	assert_int_equal(CB(db, "audit --verify"), 0);
}

static void run_console(const char *db);

/* 1. No SQL text is read out of the case and executed: a deferred index whose "definition"
 * ATTACHes a file and writes into it is built from casebook's own definition. */
static void test_planted_index_sql_is_never_executed(void **state)
{
	(void)state;
	const char *db = variant("planted.db");
	char sql[1200];
	snprintf(
	    sql, sizeof(sql),
	    "DROP INDEX events_identity; INSERT INTO deferred_indexes(name, sql) VALUES ('events_identity', "
	    "'ATTACH ''%s'' AS pwn; CREATE TABLE pwn.owned(x); UPDATE main.alerts SET workflow_status = ''closed''')",
	    tu_path("pwned.db"));
	exec_raw(db, sql);
	run_readers(db);
	assert_int_equal(CB(db, "ingest /dev/null"), 0);
	struct stat st;
	assert_int_not_equal(stat(tu_path("pwned.db"), &st), 0);
	assert_int_equal(CB(db, "alerts --status closed"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 1); /* the header alone: the planted UPDATE never ran */
	/* the index is casebook's again, and the case is sound */
	exec_raw(db, "SELECT 1"); /* still a database */
	assert_int_equal(CB(db, "audit --verify"), 0);
	/* a name casebook never defers is refused, not run */
	db = variant("planted2.db");
	exec_raw(db, "INSERT INTO deferred_indexes(name, sql) VALUES ('evil', 'DELETE FROM notes')");
	assert_int_equal(CB(db, "ingest /dev/null"), 1);
	assert_non_null(strstr(err.buf, "deferred_indexes names an index casebook does not defer"));
	assert_int_equal(CB(db, "show"), 64);
}

/* 2. Objects casebook did not make: refused by every command, the file untouched. */
static void test_a_planted_trigger_is_refused(void **state)
{
	(void)state;
	const char *db = variant("trigger.db");
	exec_raw(db, "CREATE TRIGGER keep_quiet AFTER INSERT ON notes BEGIN DELETE FROM notes WHERE id = new.id; END");
	assert_refused_by_all(db, "it has a trigger \"keep_quiet\" that casebook's schema (version @V@) does not");
	run_console(db);
}

static void test_a_view_or_extra_table_is_refused(void **state)
{
	(void)state;
	const char *db = variant("view.db");
	exec_raw(db, "CREATE VIEW alerts_v AS SELECT * FROM alerts");
	assert_refused_by_all(db, "it has a view \"alerts_v\" that casebook's schema (version @V@) does not");
	db = variant("table.db");
	exec_raw(db, "CREATE TABLE aaa(x)");
	assert_refused_by_all(db, "it has a table \"aaa\" that casebook's schema (version @V@) does not");
	db = variant("index.db");
	exec_raw(db, "CREATE INDEX zz ON alerts(severity)");
	assert_refused_by_all(db, "it has a index \"zz\" that casebook's schema (version @V@) does not");
}

static void test_a_rebuilt_table_or_missing_index_is_refused(void **state)
{
	(void)state;
	const char *db = variant("rebuilt.db");
	exec_raw(db, "CREATE TABLE r2 AS SELECT * FROM rules; DROP TABLE rules; ALTER TABLE r2 RENAME TO rules; "
	             "UPDATE rules SET json = NULL");
	assert_refused_by_all(db, "its table \"rules\" is not defined as casebook defines it (schema version @V@)");
	db = variant("noindex.db");
	exec_raw(db, "DROP INDEX alerts_queue");
	assert_refused_by_all(db, "its index \"alerts_queue\" is missing (schema version @V@)");
}

/* Only the indexes a bulk load or a first detect defers may be missing, and only while
 * deferred_indexes names them: naming any other index there (a UNIQUE one, the notes', the
 * alert groups', an event index kept live) does not excuse its absence, and a deferred one
 * dropped without its marker is missing too. */
static void test_only_a_deferred_event_index_may_be_missing(void **state)
{
	(void)state;
	static const char *const never_deferred[] = {"rejects_once", "alerts_group", "events_host_ts", "notes_alert"};
	for (size_t i = 0; i < sizeof(never_deferred) / sizeof(never_deferred[0]); i++) {
		char name[64], sql[300], reason[200];
		snprintf(name, sizeof(name), "excused%zu.db", i);
		const char *db = variant(name);
		snprintf(sql, sizeof(sql), "DROP INDEX %s; INSERT INTO deferred_indexes(name, sql) VALUES ('%s', 'x')",
		         never_deferred[i], never_deferred[i]);
		exec_raw(db, sql);
		snprintf(reason, sizeof(reason), "its index \"%s\" is missing (schema version %d)", never_deferred[i],
		         store_schema_version());
		if (i == 0) { /* every command once; a reader, a triage writer and detect for the others */
			assert_refused_by_all(db, reason);
			continue;
		}
		static const char *const some[] = {"alerts --status open", "note %s 'excused'", "detect"};
		char want[400], args[300];
		snprintf(want, sizeof(want), "casebook: refusing %s: %s; it was not changed\n", db, reason);
		for (size_t k = 0; k < sizeof(some) / sizeof(some[0]); k++) {
			with_alert(args, sizeof(args), some[k]);
			assert_int_not_equal(CB(db, args), 0);
			assert_string_equal(err.buf, want);
		}
	}
	const char *db = variant("unmarked.db");
	exec_raw(db, "DROP INDEX events_identity");
	char reason[200];
	snprintf(reason, sizeof(reason), "its index \"events_identity\" is missing (schema version %d)",
	         store_schema_version());
	assert_refused_by_all(db, reason);
	/* with its marker, the load is pending: readers go on, the next writer builds it */
	db = variant("marked.db");
	exec_raw(db,
	         "DROP INDEX events_identity; INSERT INTO deferred_indexes(name, sql) VALUES ('events_identity', 'x')");
	assert_int_equal(CB(db, "alerts"), 0);
	assert_int_equal(CB(db, "ingest /dev/null"), 0);
	assert_int_equal(CB(db, "audit --verify"), 0);
}

/* The first column of the first row of sql on db, into buf. */
static void query_text(const char *db, const char *sql, char *buf, size_t len)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* Takes the index copy out of the schema (writable_schema), so that no later write keeps it up
 * to date; its b-tree stays in the file, and its root page is returned in root. */
static void detach_copy(const char *db, const char *copy, char root[32])
{
	char sql[300];
	snprintf(sql, sizeof(sql), "SELECT rootpage FROM sqlite_schema WHERE name = '%s'", copy);
	query_text(db, sql, root, 32);
	snprintf(sql, sizeof(sql), "PRAGMA writable_schema = ON; DELETE FROM sqlite_schema WHERE name = '%s'", copy);
	exec_raw(db, sql);
}

/* Points index at a detached copy's b-tree: the schema text stays casebook's, the index is
 * stale. */
static void point_index_at(const char *db, const char *index, const char *root)
{
	char sql[300];
	snprintf(sql, sizeof(sql),
	         "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET rootpage = %s WHERE name = '%s'", root, index);
	exec_raw(db, sql);
}

/* 3. An index whose b-tree is a stale copy: the queue and --status read it, show and the audit
 * read the table, so the case would say two things. Every command refuses it, naming the index. */
static void test_an_index_that_disagrees_with_its_table_is_refused(void **state)
{
	(void)state;
	const char *db = variant("stale.db");
	char open_alert[80], sql[600], reason[300], queue_root[32], status_root[32];
	query_text(db, "SELECT uuid FROM alerts WHERE workflow_status = 'open' ORDER BY risk_score DESC, uuid LIMIT 1",
	           open_alert, sizeof(open_alert));
	/* copies of the queue's and the status index taken while the alert was closed, then reopened */
	snprintf(sql, sizeof(sql),
	         "UPDATE alerts SET workflow_status = 'closed' WHERE uuid = '%s'; "
	         "CREATE INDEX stale_queue ON alerts(original_time, uuid, workflow_status, severity, risk_score, "
	         "rule_key, host_key, event_id, target); "
	         "CREATE INDEX stale_status ON alerts(workflow_status, original_time)",
	         open_alert);
	exec_raw(db, sql);
	detach_copy(db, "stale_queue", queue_root);
	detach_copy(db, "stale_status", status_root);
	snprintf(sql, sizeof(sql), "UPDATE alerts SET workflow_status = 'open' WHERE uuid = '%s'", open_alert);
	exec_raw(db, sql);
	point_index_at(db, "alerts_queue", queue_root);
	point_index_at(db, "alerts_status_time", status_root);
	snprintf(reason, sizeof(reason),
	         "its index \"alerts_status_time\" does not hold what its table \"alerts\" holds (the file "
	         "was altered or damaged)");
	assert_refused_by_all(db, reason);
	/* the queue's alone */
	db = variant("stale2.db");
	char severity[32];
	snprintf(sql, sizeof(sql), "SELECT severity FROM alerts WHERE uuid = '%s'", open_alert);
	query_text(db, sql, severity, sizeof(severity));
	snprintf(sql, sizeof(sql),
	         "UPDATE alerts SET severity = 'low' WHERE uuid = '%s'; "
	         "CREATE INDEX stale_queue ON alerts(original_time, uuid, workflow_status, severity, risk_score, "
	         "rule_key, host_key, event_id, target)",
	         open_alert);
	exec_raw(db, sql);
	detach_copy(db, "stale_queue", queue_root);
	snprintf(sql, sizeof(sql), "UPDATE alerts SET severity = '%s' WHERE uuid = '%s'", severity, open_alert);
	exec_raw(db, sql);
	point_index_at(db, "alerts_queue", queue_root);
	snprintf(reason, sizeof(reason),
	         "casebook: refusing %s: its index \"alerts_queue\" does not hold what its table \"alerts\" "
	         "holds (the file was altered or damaged); it was not changed\n",
	         db);
	assert_int_equal(CB(db, "alerts"), 1);
	assert_string_equal(err.buf, reason);
	/* an audit index that lacks the newest entries hides them from an alert's trail */
	db = variant("stale3.db");
	char audit_root[32], cmd[300];
	exec_raw(db, "CREATE INDEX stale_audit ON audit(alert_uuid, id)");
	detach_copy(db, "stale_audit", audit_root);
	with_alert(cmd, sizeof(cmd), "note %s 'hidden by a stale index'");
	assert_int_equal(CB(db, cmd), 0);
	point_index_at(db, "audit_alert", audit_root);
	with_alert(cmd, sizeof(cmd), "show %s");
	assert_int_equal(CB(db, cmd), 1);
	assert_non_null(strstr(err.buf, "its index \"audit_alert\" does not hold what its table \"audit\" holds"));
}

/* The six alert indexes and the audit's by alert a first detect defers (store/events.c) */
static const char *const alert_deferred[] = {"alerts_event", "alerts_file_path",   "alerts_host_time",
                                             "alerts_queue", "alerts_status_time", "alerts_rule",
                                             "audit_alert"};
#define NALERT_DEFERRED (sizeof(alert_deferred) / sizeof(alert_deferred[0]))

/* How many of the seven are in the case, and how many deferred_indexes names, as "present/named". */
static void alert_indexes_state(const char *db, char *buf, size_t len)
{
	query_text(db,
	           "SELECT (SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN ('alerts_event', "
	           "'alerts_file_path', 'alerts_host_time', 'alerts_queue', 'alerts_status_time', 'alerts_rule', "
	           "'audit_alert')) || "
	           "'/' || (SELECT count(*) FROM deferred_indexes)",
	           buf, len);
}

/* The state a detect killed after writing its alerts leaves: the seven dropped and named. */
static void leave_alert_indexes_pending(const char *db)
{
	char sql[1200];
	size_t n = 0;
	for (size_t i = 0; i < NALERT_DEFERRED; i++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n,
		                      "DROP INDEX %s; INSERT INTO deferred_indexes(name, sql) VALUES ('%s', 'x'); ",
		                      alert_deferred[i], alert_deferred[i]);
	exec_raw(db, sql);
}

/* A first detect drops seven indexes and names them in deferred_indexes; killed mid-way,
 * it leaves a case every reader opens (the record check compares the indexes that are there),
 * and the next writer builds them again. */
static void test_a_killed_detect_is_finished_by_the_next_writer(void **state)
{
	(void)state;
	char got[32], base_alerts[16384];
	/* the base case was made by a first detect: its indexes were built again at its end */
	const char *db = variant("detected.db");
	alert_indexes_state(db, got, sizeof(got));
	assert_string_equal(got, "7/0");
	assert_int_equal(CB(db, "alerts --status open"), 0);
	assert_true(out.len < sizeof(base_alerts));
	snprintf(base_alerts, sizeof(base_alerts), "%s", out.buf);

	const char *const next_writers[] = {"detect", "ingest /dev/null"};
	for (size_t w = 0; w < 2; w++) {
		char name[64];
		snprintf(name, sizeof(name), "killed-detect%zu.db", w);
		db = variant(name);
		leave_alert_indexes_pending(db);
		alert_indexes_state(db, got, sizeof(got));
		assert_string_equal(got, "0/7");
		/* every reader opens it and changes nothing; the queue reads as before */
		assert_int_equal(run_readers(db), (int)(sizeof(readers) / sizeof(readers[0])));
		assert_int_equal(CB(db, "alerts --status open"), 0);
		assert_string_equal(out.buf, base_alerts);
		assert_int_equal(CB(db, next_writers[w]), 0);
		alert_indexes_state(db, got, sizeof(got));
		assert_string_equal(got, "7/0");
		assert_int_equal(CB(db, "alerts --status open"), 0);
		assert_string_equal(out.buf, base_alerts);
		assert_int_equal(CB(db, "audit --verify"), 0);
	}

	/* killed right after the drop, before any alert: the next detect builds them, defers them
	 * again (no alert yet) and builds them at its end, with the alerts a detect makes */
	db = variant("killed-early.db");
	exec_raw(db, "DELETE FROM triage_items; DELETE FROM notes; DELETE FROM alert_events; DELETE FROM alerts; "
	             "DELETE FROM detection_state");
	struct store *s;
	char *msg = NULL;
	assert_int_equal(store_open(db, 0, &s, &msg), 0);
	int deferred = 0;
	assert_int_equal(store_defer_alert_indexes(s, &deferred), 0);
	assert_int_equal(deferred, 1);
	store_close(s);
	alert_indexes_state(db, got, sizeof(got));
	assert_string_equal(got, "0/7");
	assert_int_equal(CB(db, "alerts"), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 1); /* the header alone */
	assert_int_equal(CB(db, "detect"), 0);
	alert_indexes_state(db, got, sizeof(got));
	assert_string_equal(got, "7/0");
	assert_int_equal(CB(db, "alerts --status open"), 0);
	assert_true(tu_count(out.buf, "\n") > 1);
	/* with alerts in the case, nothing is deferred */
	assert_int_equal(store_open(db, 0, &s, &msg), 0);
	deferred = 1;
	assert_int_equal(store_defer_alert_indexes(s, &deferred), 0);
	assert_int_equal(deferred, 0);
	store_close(s);
	alert_indexes_state(db, got, sizeof(got));
	assert_string_equal(got, "7/0");

	/* one of them dropped without its marker is missing; one named while present is compared */
	db = variant("unmarked-alerts.db");
	exec_raw(db, "DROP INDEX alerts_host_time");
	char reason[300];
	snprintf(reason, sizeof(reason), "its index \"alerts_host_time\" is missing (schema version %d)",
	         store_schema_version());
	assert_refused_by_all(db, reason);
	db = variant("named-stale.db");
	char root[32], sql[600], alert[80];
	query_text(db, "SELECT uuid FROM alerts ORDER BY uuid LIMIT 1", alert, sizeof(alert));
	exec_raw(db, "CREATE INDEX stale_rule ON alerts(rule_key)");
	detach_copy(db, "stale_rule", root);
	snprintf(
	    sql, sizeof(sql),
	    "UPDATE alerts SET rule_key = (SELECT min(key) FROM rules WHERE key != alerts.rule_key) WHERE uuid = '%s'",
	    alert);
	exec_raw(db, sql);
	point_index_at(db, "alerts_rule", root);
	exec_raw(db, "INSERT INTO deferred_indexes(name, sql) VALUES ('alerts_rule', 'x')");
	assert_refused_by_all(db, "its index \"alerts_rule\" does not hold what its table \"alerts\" holds (the file "
	                          "was altered or damaged)");
}

/* The case's anchor (audit --head) into buf. */
static void take_anchor(const char *db, char *buf, size_t len)
{
	assert_int_equal(CB(db, "audit --head"), 0);
	snprintf(buf, len, "%.*s", (int)strcspn(out.buf, "\n"), out.buf);
}

/* tmpl with @CLOSED@ and @OPEN@ replaced by the two alerts' uuids. */
static void fill_in(char *buf, size_t len, const char *tmpl, const char *closed, const char *open_alert)
{
	struct strbuf sb;
	strbuf_init(&sb, 512);
	for (const char *p = tmpl; *p;) {
		if (!strncmp(p, "@CLOSED@", 8))
			strbuf_addstr(&sb, closed), p += 8;
		else if (!strncmp(p, "@OPEN@", 6))
			strbuf_addstr(&sb, open_alert), p += 6;
		else
			strbuf_addch(&sb, *p++);
	}
	assert_true(sb.len < len);
	memcpy(buf, sb.buf, sb.len + 1);
	strbuf_release(&sb);
}

/* audit --verify --expect fails (exit 2), printing want. */
static void assert_verify_fails(const char *db, const char *anchor, const char *want)
{
	char args[200];
	snprintf(args, sizeof(args), "audit --verify --expect %s", anchor);
	int rc = CB(db, args);
	if (rc != 2 || !strstr(out.buf, want))
		fail_msg("verify of %s exited %d with \"%s\"; wanted \"%s\"", db, rc, out.buf, want);
}

/* 4. What an alert is (its rule, severity, events, document) is anchored in the chain when it
 * is made, and so is every exception: swapping any of it under a closed alert, deleting an open
 * alert, or removing or planting an exception fails verify --expect. */
static void test_alert_content_and_exceptions_are_in_the_chain(void **state)
{
	(void)state;
	char anchor[120], sql[800], closed[80], open_alert[80], cmd[1200];
	const char *db = variant("content.db");
	query_text(db, "SELECT uuid FROM alerts WHERE workflow_status = 'open' ORDER BY uuid LIMIT 1", closed,
	           sizeof(closed));
	query_text(db, "SELECT uuid FROM alerts WHERE workflow_status = 'open' ORDER BY uuid DESC LIMIT 1", open_alert,
	           sizeof(open_alert));
	snprintf(cmd, sizeof(cmd), "status %s closed --reason false_positive --force", closed);
	assert_int_equal(CB(db, cmd), 0);
	assert_int_equal(
	    CB(db, "exception add 89fa6cb7-6b53-4de2-b604-648488841ab8 --field host.name --value x --confirm-broad"),
	    0);
	take_anchor(db, anchor, sizeof(anchor));
	assert_int_equal(CB(db, "audit --verify"), 0);
	char base[256];
	snprintf(base, sizeof(base), "%s", db);
	static const struct {
		const char *what, *sql, *want;
	} cases[] = {
	    {"event",
	     "UPDATE alerts SET event_id = (SELECT max(id) FROM events) WHERE uuid = '@CLOSED@'; "
	     "UPDATE alert_events SET event_id = (SELECT max(id) FROM events) WHERE alert_id = "
	     "(SELECT id FROM alerts WHERE uuid = '@CLOSED@')",
	     "is not what audit entry"},
	    {"event doc",
	     "UPDATE docs SET doc = (SELECT doc FROM docs WHERE id = (SELECT max(id) FROM events)) "
	     "WHERE id = (SELECT event_id FROM alerts WHERE uuid = '@CLOSED@')",
	     "is not what audit entry"},
	    {"rule",
	     "UPDATE alerts SET rule_key = (SELECT max(key) FROM rules WHERE key != alerts.rule_key) "
	     "WHERE uuid = '@CLOSED@'",
	     "is not what audit entry"},
	    {"severity", "UPDATE alerts SET severity = 'low', risk_score = 21 WHERE uuid = '@CLOSED@'",
	     "is not what audit entry"},
	    {"document",
	     "UPDATE alert_docs SET doc = json_set(doc, '$.\"kibana.alert.rule.name\"', 'benign') "
	     "WHERE id = (SELECT id FROM alerts WHERE uuid = '@CLOSED@')",
	     "is not what audit entry"},
	    {"deleted",
	     "DELETE FROM alert_events WHERE alert_id = (SELECT id FROM alerts WHERE uuid = '@OPEN@'); "
	     "DELETE FROM alerts WHERE uuid = '@OPEN@'",
	     "that is not in the case: it was deleted"},
	    {"planted",
	     "INSERT INTO alerts(uuid, rule_key, event_id, original_time, created_us, execution_us, "
	     "severity, risk_score, reason) SELECT 'planted', rule_key, event_id, original_time, "
	     "created_us, execution_us, severity, risk_score, reason FROM alerts WHERE uuid = '@OPEN@'; "
	     "INSERT INTO alert_docs(id, doc) SELECT (SELECT id FROM alerts WHERE uuid = 'planted'), doc FROM "
	     "alert_docs "
	     "WHERE id = (SELECT id FROM alerts WHERE uuid = '@OPEN@')",
	     "alert planted has no audit entry anchoring it"},
	    {"exception gone", "DELETE FROM exception_items", "that is not in the case: it was removed"},
	    {"exception planted",
	     "INSERT INTO exception_items(item_id, list_id, namespace_type, json) VALUES "
	     "('planted', 'casebook-x', 'single', '{}')",
	     "has no audit entry: it was added outside casebook"},
	    {"exception changed", "UPDATE exception_items SET json = replace(json, '\"x\"', '\"y\"')",
	     "is not what audit entry"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "content%zu.db", i);
		const char *copy = tu_path(name);
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", base, copy);
		assert_int_equal(tu_run(&out, &err, "%s", cmd), 0);
		fill_in(sql, sizeof(sql), cases[i].sql, closed, open_alert);
		exec_raw(copy, sql);
		assert_verify_fails(copy, anchor, cases[i].want);
	}
}

/* 5. NULL where the schema says NOT NULL (written through writable_schema, so the schema
 * text is casebook's again afterwards), and values of the wrong type: no crash anywhere. */
static void force_values(const char *db, const char *table, const char *update)
{
	char sql[2000];
	snprintf(sql, sizeof(sql),
	         "PRAGMA writable_schema = ON;"
	         "UPDATE sqlite_schema SET sql = replace(sql, 'NOT NULL', '') WHERE name = '%s';",
	         table);
	exec_raw(db, sql);
	exec_raw(db, update);
}

static void restore_schema(const char *db, const char *table)
{
	/* the original text, taken from a sound copy */
	sqlite3 *src;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(tu_path("base.db"), &src), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(src, "SELECT sql FROM sqlite_schema WHERE name = ?1", -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	char *orig = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(src);
	char *sql = sqlite3_mprintf("PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = %Q WHERE name = %Q;",
	                            orig, table);
	exec_raw(db, sql);
	sqlite3_free(sql);
	sqlite3_free(orig);
}

/* The console on the case in a real terminal (tmux): open the first alert, every tab, quit.
 * Its stderr goes to a file, read for sanitizer reports; a refused case exits 1 with the
 * message. Skipped where tmux is missing. */
static void run_console(const char *db)
{
	if (tu_run(&out, &err, "command -v tmux") != 0)
		return;
	char sock[64], cwd[512], errfile[512], cmd[2400];
	snprintf(sock, sizeof(sock), "casebook-hostile-%ld", (long)getpid());
	snprintf(errfile, sizeof(errfile), "%s", tu_path("console.err"));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(cmd, sizeof(cmd),
	         "new-session -d -s hc -x 120 -y 40 \"cd '%s' && TZ=UTC %s --db '%s' 2>'%s'; echo EXIT=$?; sleep 30\"",
	         cwd, tu_casebook(), db, errfile);
	tu_tmux(sock, &out, &err, "%s", cmd);
	static const char *const keys[] = {"Enter", "2", "3", "4", "5", "6", "j", "J", "q", "q", "q"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		usleep(150000);
		tu_tmux(sock, &out, &err, "send-keys -t hc %s", keys[i]);
	}
	tu_tmux_wait_for(sock, "hc", &out, &err, "EXIT=");
	tu_tmux(sock, &out, &err, "kill-server");
	struct strbuf e;
	strbuf_init(&e, 1024);
	FILE *f = fopen(errfile, "r");
	assert_non_null(f);
	assert_int_equal(strbuf_read_stream(&e, f), 0);
	fclose(f);
	if (strstr(e.buf, "AddressSanitizer") || strstr(e.buf, "runtime error:") || strstr(e.buf, "LeakSanitizer"))
		fail_msg("the console crashed on %s: %s", db, e.buf);
	strbuf_release(&e);
}

static void test_nulls_and_wrong_types_never_crash(void **state)
{
	(void)state;
	static const struct {
		const char *table, *update;
	} cases[] = {
	    {"rules", "UPDATE rules SET json = NULL, name = NULL, rule_id = NULL, type = NULL"},
	    {"alerts", "UPDATE alerts SET severity = NULL, workflow_status = NULL, reason = NULL, uuid = "
	               "CASE WHEN id = 1 THEN uuid END"},
	    {"alert_docs", "UPDATE alert_docs SET doc = NULL"},
	    /* an alert whose document is missing reads as one whose document is NULL */
	    {"alert_docs", "DELETE FROM alert_docs WHERE id % 2 = 0"},
	    {"notes", "UPDATE notes SET text = NULL, by = NULL"},
	    {"audit", "UPDATE audit SET action = NULL, analyst = NULL, hash = NULL, prev_hash = NULL"},
	    {"triage_items", "UPDATE triage_items SET state = NULL, text = NULL, kind = NULL"},
	    {"events", "UPDATE events SET identity = NULL WHERE id % 2 = 0"},
	    {"docs", "UPDATE docs SET doc = NULL WHERE id % 3 = 0"},
	    {"ingests", "UPDATE ingests SET name = NULL"},
	    {"hosts", "UPDATE hosts SET host_id = x'1b5b324a00ff', name = 7 WHERE key = (SELECT min(key) FROM hosts)"},
	    {"alerts", "UPDATE alerts SET risk_score = 'high', original_time = 'x', severity = x'1b5d303b07'"},
	    {"alert_docs", "UPDATE alert_docs SET doc = x'00ff7b'"},
	    {"docs", "UPDATE docs SET doc = 'not zstd', dict_id = 99"},
	    {"doc_dicts", "UPDATE doc_dicts SET dict = 'not a dictionary'"},
	    /* the attached cluster: URLs that are not text, hold credentials or control bytes, or name no
	     * source; readers say so, detect and ingest refuse them, nothing reaches the terminal raw */
	    {"cluster_servers", "INSERT INTO cluster_servers(position, url) VALUES (1, x'1b5b324a07'), (2, NULL)"},
	    {"cluster_servers", "INSERT INTO cluster_servers(position, url) VALUES (1, NULL), (2, 'http://h:1/')"},
	    {"cluster_servers", "INSERT INTO cluster_servers(position, url) VALUES (1, 'http://u:p@127.0.0.1:1/'), "
	                        "(2, 7)"},
	    {"cluster_servers", "INSERT INTO cluster_servers(position, url) VALUES (1, 'http://127.0.0.1:1/' || "
	                        "char(27) || '[2J' || char(7)), (2, 'ftp://h/' || char(27))"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "null%zu.db", i);
		const char *db = variant(name);
		force_values(db, cases[i].table, cases[i].update);
		restore_schema(db, cases[i].table);
		run_readers(db);
		run_console(db);
		run_writers(db);
	}
}

/* The attached cluster's URLs are read as untrusted: one that is not text is named as such by
 * every command that reads them, and one with credentials is refused before any connection. */
static void test_a_planted_cluster_url_is_refused(void **state)
{
	(void)state;
	const char *db = variant("cluster.db");
	exec_raw(db, "INSERT INTO cluster_servers(position, url) VALUES (1, x'1b5b324a07')");
	assert_int_equal(CB(db, "cluster show"), 1);
	assert_string_equal(err.buf, "casebook: the case's cluster_servers table holds a URL that is not text\n");
	assert_int_equal(CB(db, "detect"), 1);
	assert_string_equal(err.buf, "casebook: the case's cluster_servers table holds a URL that is not text\n");
	db = variant("cluster2.db");
	exec_raw(db, "INSERT INTO cluster_servers(position, url) VALUES (1, 'http://analyst:pw@127.0.0.1:1/')");
	assert_int_equal(CB(db, "detect"), 1);
	assert_string_equal(err.buf, "casebook: http://analyst:***@127.0.0.1:1/: credentials in the URL (set "
	                             "CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, or use the config file)\n");
}

/* Damaged pages: SQLite reports corruption; casebook says so and stops, without a crash. */
static void test_corrupt_pages_never_crash(void **state)
{
	(void)state;
	const char *db = variant("corrupt.db");
	struct stat st;
	assert_int_equal(stat(db, &st), 0);
	FILE *f = fopen(db, "r+b");
	assert_non_null(f);
	unsigned seed = 7;
	for (long off = 16384 * 2; off < st.st_size; off += 16384 * 3) { /* every third page from the third */
		fseek(f, off + 100, SEEK_SET);
		for (int k = 0; k < 64; k++) {
			seed = seed * 1103515245u + 12345u;
			fputc((int)(seed >> 16) & 0xff, f);
		}
	}
	fclose(f);
	run_readers(db);
	run_writers(db);
}

/* A newer version and a damaged header: refused without a byte changed. */
static void test_a_newer_case_is_refused_untouched(void **state)
{
	(void)state;
	const char *db = variant("newer.db");
	exec_raw(db, "PRAGMA user_version = 99");
	char before[SHA256_HEX_LEN + 1], after[SHA256_HEX_LEN + 1];
	file_sha(db, before);
	assert_int_equal(run_readers(db), 0);
	run_writers(db);
	char want[200];
	snprintf(want, sizeof(want),
	         "casebook: the database has schema version 99, newer than this casebook understands (%d); upgrade "
	         "casebook, the database was not changed\n",
	         store_schema_version());
	assert_string_equal(err.buf, want);
	file_sha(db, after);
	assert_string_equal(before, after);
	db = variant("notsqlite.db");
	tu_write_str(db, "this is not a database at all, just text that someone named .db\n");
	assert_int_equal(run_readers(db), 0);
	run_writers(db);
}

/* A WAL file that does not belong to the case (garbage, or another case's) is ignored by
 * SQLite; the readers still change nothing in the case file. */
static void test_a_stray_wal_beside_the_case(void **state)
{
	(void)state;
	const char *db = variant("wal.db");
	char wal[600];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	tu_write(wal, junk, sizeof(junk));
	assert_int_equal(run_readers(db), (int)(sizeof(readers) / sizeof(readers[0])));
	run_writers(db);
}

/* A rollback-journal case (as sqlite3's VACUUM INTO makes) stays one: header bytes 18-19
 * are the journal mode, and a reader used to switch it to WAL. */
static void test_a_rollback_journal_case_stays_as_it_is(void **state)
{
	(void)state;
	const char *db = variant("journal.db");
	exec_raw(db, "PRAGMA journal_mode = DELETE");
	run_readers(db);
	FILE *f = fopen(db, "rb");
	assert_non_null(f);
	unsigned char h[20];
	assert_int_equal(fread(h, 1, 20, f), 20);
	fclose(f);
	assert_int_equal(h[18], 1);
	assert_int_equal(h[19], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_base_case_is_sound),
	    cmocka_unit_test(test_planted_index_sql_is_never_executed),
	    cmocka_unit_test(test_a_planted_trigger_is_refused),
	    cmocka_unit_test(test_a_view_or_extra_table_is_refused),
	    cmocka_unit_test(test_a_rebuilt_table_or_missing_index_is_refused),
	    cmocka_unit_test(test_only_a_deferred_event_index_may_be_missing),
	    cmocka_unit_test(test_an_index_that_disagrees_with_its_table_is_refused),
	    cmocka_unit_test(test_a_killed_detect_is_finished_by_the_next_writer),
	    cmocka_unit_test(test_alert_content_and_exceptions_are_in_the_chain),
	    cmocka_unit_test(test_nulls_and_wrong_types_never_crash),
	    cmocka_unit_test(test_a_planted_cluster_url_is_refused),
	    cmocka_unit_test(test_corrupt_pages_never_crash),
	    cmocka_unit_test(test_a_newer_case_is_refused_untouched),
	    cmocka_unit_test(test_a_stray_wal_beside_the_case),
	    cmocka_unit_test(test_a_rollback_journal_case_stays_as_it_is),
	};
	if (getenv("TEST_FILTER")) /* e.g. TEST_FILTER='*stale*': one test without the whole round */
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, make_base, release_all);
}
