/* Acceptance on real Elastic Endpoint data (../shared/corpus, when it is there): every file
 * read without a crash, at least 99 documents added, each damaged region rejected with its
 * location, and a second run adding nothing. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static struct strbuf out, err;

static int count_rows(const char *db, const char *sql)
{
	sqlite3 *raw;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return n;
}

static void test_corpus_loads_and_reports_its_damage(void **state)
{
	(void)state;
	const char *corpus = tu_corpus();
	if (!corpus)
		skip();
	strbuf_init(&out, 1024);
	strbuf_init(&err, 1024);
	const char *db = tu_path("corpus.db");
	int rc = tu_run(&out, &err, "%s --db '%s' ingest %s/*/*.json", tu_casebook(), db, corpus);
	assert_int_equal(rc, 2); /* some documents were rejected, the rest committed */
	assert_string_equal(out.buf, "111 documents: 105 added, 2 duplicate, 4 rejected\n"
	                             "the damaged parts are kept: 'casebook rejects' lists them\n");
	/* the four damaged regions, each with file, line and column */
	assert_non_null(strstr(err.buf,
	                       "defense-evasion/evasion_susp_zip_file_launchagent_for_office_sandbox_evasion.json:2:4: "
	                       "expected a member name in double quotes, found '{'\n"));
	assert_non_null(strstr(err.buf,
	                       "discovery/discovery_system_profile_sw_vers.json:131:1: the document is not closed "
	                       "before the next one starts here (expected ',' or '}', found end of input)\n"));
	assert_non_null(strstr(err.buf,
	                       "discovery/discovery_system_profile_sw_vers.json:164:26: control character 0x0D "
	                       "in string (unterminated string?)\n"));
	assert_non_null(strstr(err.buf, "lateral-movement/lateral_movement_ssh_from_python_procexec.json:28:4: "
	                                "trailing comma before ']'\n"));
	assert_int_equal(tu_count(err.buf, "\n"), 4);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM ingests WHERE finished_us IS NOT NULL"), 66);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM rejects"), 4);
	/* older agents: host.os.type derived from host.os.platform for every event */
	assert_int_equal(
	    count_rows(db, "SELECT count(*) FROM events WHERE os_type = 'macos' AND derived = 'host.os.type'"), 105);

	rc = tu_run(&out, &err, "%s --db '%s' ingest %s/*/*.json", tu_casebook(), db, corpus);
	assert_int_equal(rc, 2);
	assert_string_equal(out.buf, "111 documents: 0 added, 107 duplicate, 4 rejected\n"
	                             "the damaged parts are kept: 'casebook rejects' lists them\n");
	assert_int_equal(count_rows(db, "SELECT count(*) FROM events"), 105);
	assert_int_equal(count_rows(db, "SELECT count(*) FROM rejects"), 4);

	/* the corpus has no plug-in activity: the seed rule and the companions run over it and
	 * find nothing */
	rc = tu_run(&out, &err, "%s --db '%s' detect", tu_casebook(), db);
	assert_int_equal(rc, 0);
	assert_string_equal(err.buf, "");
	assert_memory_equal(out.buf, "5 rules: ", 9);
	assert_non_null(strstr(out.buf, " 0 alerts created, 0 duplicates skipped, 0 executions hit max_signals\n"));
	assert_int_equal(count_rows(db, "SELECT count(*) FROM alerts"), 0);
	/* but a hunt over it answers: the LaunchDaemon sudo moved into place, from where */
	rc = tu_run(&out, &err, "%s --db '%s' events --query 'file.path:/Library/LaunchDaemons/*'", tu_casebook(), db);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out.buf, "/Library/LaunchDaemons/com.apple.lauchd.plist ← "
	                                "/private/tmp/com.apple.launchd.Ipo2zxonA3\n"));
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_corpus_loads_and_reports_its_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
