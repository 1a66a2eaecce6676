/* End to end: the built casebook in tmux on a demo case, driven with real keys (open the
 * first alert, Checklist, check item 1, close it with a reason, quit), reading the screen with
 * capture-pane and polling for what should appear; then the store is asked what happened. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char sock[64];
static struct strbuf out, err;

#define tmux(...)      tu_tmux(sock, &out, &err, __VA_ARGS__)
#define wait_for(text) tu_tmux_wait_for(sock, "e2e", &out, &err, text)

static void test_triage_in_the_real_console(void **state)
{
	(void)state;
	strbuf_init(&out, 8192);
	strbuf_init(&err, 1024);
	if (tu_run(&out, &err, "command -v tmux") != 0)
		skip();
	snprintf(sock, sizeof(sock), "casebook-e2e-%ld", (long)getpid());
	char db[512], events[512]; /* tu_path's buffers rotate: keep copies */
	snprintf(db, sizeof(db), "%s", tu_path("e2e.db"));
	snprintf(events, sizeof(events), "%s", tu_path("demo.ndjson"));
	assert_int_equal(tu_run(&out, &err, "{ build/release/gen-events --events 500 > '%s'; }", events), 0);
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' ingest '%s'", tu_casebook(), db, events), 0);
	tu_seed_rule_only_cli(db); /* the triage flow on the seed rule's three alerts */
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' detect", tu_casebook(), db), 0);
	assert_non_null(strstr(out.buf, "3 alerts created"));

	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	tmux("new-session -d -s e2e -x 132 -y 40 \"cd '%s' && TZ=UTC CASEBOOK_ANALYST=e2e %s --db '%s'; sleep 30\"",
	     cwd, tu_casebook(), db);
	wait_for("open 3 · ack 0 · closed 0");
	tmux("send-keys -t e2e Enter");
	wait_for(" 1 Overview  2 Guide  3 Timeline  4 Checklist  5 Response  6 Notes");
	tmux("send-keys -t e2e 4");
	wait_for("[ ]  1. Review the alert details");
	tmux("send-keys -t e2e Space");
	wait_for("checklist item 1 checked");
	wait_for("[x]  1. Review the alert details");
	tmux("send-keys -t e2e C");
	wait_for("Close: why?");
	tmux("send-keys -t e2e 3");
	wait_for("Comment (Enter for none):");
	tmux("send-keys -t e2e 'signed update' Enter");
	wait_for("checklist items are still open. Close anyway? (y/n)");
	tmux("send-keys -t e2e y");
	wait_for("1 alert closed");
	tmux("send-keys -t e2e q");
	wait_for("open 2 · ack 0 · closed 1");
	tmux("send-keys -t e2e q");
	tmux("kill-server");

	/* what the console did is in the store, under the analyst's name */
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' alerts --status closed --json", tu_casebook(), db), 0);
	assert_int_equal(tu_count(out.buf, "\n"), 1);
	const char *u = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	assert_non_null(u);
	char uuid[65];
	memcpy(uuid, u + 21, 64);
	uuid[64] = '\0';
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' show %s --json", tu_casebook(), db, uuid), 0);
	assert_non_null(strstr(out.buf, "\"status\":{\"workflow_status\":\"closed\",\"reason\":\"benign_positive\","
	                                "\"comment\":\"signed update\"}"));
	assert_non_null(strstr(out.buf, "\"checklist\":[{\"n\":1,"));
	assert_non_null(strstr(out.buf, "\"state\":\"checked\",\"note\":null,\"by\":\"e2e\""));
	/* every alert's anchor, then the 2 triage entries */
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' alerts --json", tu_casebook(), db), 0);
	int entries = tu_count(out.buf, "\n") + 2;
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' audit --verify", tu_casebook(), db), 0);
	char want[300];
	snprintf(want, sizeof(want),
	         "audit chain verified: %d entries, none changed, removed or inserted; alerts and exceptions are "
	         "what they anchored; notes, checklists and statuses are what they record\n",
	         entries);
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* The hostile alert (ESC, OSC title, CSI clear, CR, BS, C1, bidi in its fields) in a real
 * terminal: every tab shows the glyphs, the pane's title is untouched, nothing is cleared. */
/* A terminal the console cannot drive is refused with a message that says why. */
static void test_a_dumb_or_unknown_terminal_is_refused(void **state)
{
	(void)state;
	strbuf_init(&out, 8192);
	strbuf_init(&err, 1024);
	if (tu_run(&out, &err, "command -v tmux") != 0)
		skip();
	snprintf(sock, sizeof(sock), "casebook-e2e-t-%ld", (long)getpid());
	char cwd[512], db[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(db, sizeof(db), "%s", tu_path("term.db"));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' ingest /dev/null", tu_casebook(), db), 0);
	tmux("new-session -d -s e2e -x 400 -y 20 \"cd '%s' && TERM=dumb %s --db '%s'; TERM=nosuchterm %s --db '%s'; "
	     "echo DONE; sleep 30\"",
	     cwd, tu_casebook(), db, tu_casebook(), db);
	wait_for("DONE");
	assert_non_null(strstr(out.buf, "casebook tui: the console needs a terminal that can move the cursor, and TERM "
	                                "is dumb; 'casebook alerts' and 'casebook show' work on any terminal"));
	assert_non_null(strstr(out.buf, "casebook tui: this system has no description of the terminal "
	                                "TERM=nosuchterm (try TERM=xterm-256color)"));
	tmux("kill-server");
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_hostile_alert_in_a_real_terminal(void **state)
{
	(void)state;
	strbuf_init(&out, 8192);
	strbuf_init(&err, 1024);
	if (tu_run(&out, &err, "command -v tmux") != 0)
		skip();
	snprintf(sock, sizeof(sock), "casebook-e2e-h-%ld", (long)getpid());
	char db[512];
	snprintf(db, sizeof(db), "%s", tu_path("hostile.db"));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' ingest tests/fixtures/hostile.ndjson", tu_casebook(), db), 0);
	tu_seed_rule_only_cli(db);
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' detect", tu_casebook(), db), 0);
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	tmux("new-session -d -s e2e -x 132 -y 40 \"cd '%s' && TZ=UTC CASEBOOK_ANALYST=e2e %s --db '%s'; sleep 30\"",
	     cwd, tu_casebook(), db);
	tmux("select-pane -t e2e -T casebook-e2e");
	wait_for("open 2 · ack 0 · closed 0");
	wait_for("mac|evil␛]0;pwned␇");
	tmux("send-keys -t e2e j Enter"); /* the older alert: the hostile one */
	wait_for(" 1 Overview  2 Guide  3 Timeline  4 Checklist  5 Response  6 Notes");
	wait_for("/tmp/\\u202Eevil␈");
	tmux("send-keys -t e2e 2");
	wait_for("Investigating Persistence via DirectoryService Plugin Modification");
	tmux("send-keys -t e2e 3");
	wait_for("␛[2Jevil\\u009B.dsplug");
	tmux("send-keys -t e2e Enter");
	wait_for("\"name\": \"mac|evil\\u001b]0;pwned\\u0007\"");
	tmux("send-keys -t e2e q 4");
	wait_for("[ ]  1. Review the alert details");
	tmux("send-keys -t e2e 5");
	wait_for("1. Immediately isolate the affected macOS system");
	tmux("send-keys -t e2e 6");
	wait_for("No notes yet: press a to write one.");
	tmux("send-keys -t e2e 1");
	wait_for("ev`il`␍␤| x |");
	/* the header is still on the first line: nothing cleared or moved the screen */
	tmux("capture-pane -p -t e2e");
	assert_memory_equal(out.buf, "Persistence via DirectoryService Plugin Modification", 52);
	/* the OSC sequence in host.name never set the pane's title */
	tmux("display-message -p -t e2e '#{pane_title}'");
	assert_string_equal(out.buf, "casebook-e2e\n");
	tmux("send-keys -t e2e q q");
	tmux("kill-server");
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_triage_in_the_real_console),
	    cmocka_unit_test(test_hostile_alert_in_a_real_terminal),
	    cmocka_unit_test(test_a_dumb_or_unknown_terminal_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
