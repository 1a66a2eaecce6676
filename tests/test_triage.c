/* The triage record, from the guide in to the export out: guides parsed with cmark, every
 * action and its audit entry, the audit chain catching edits, and one alert's exports against
 * expected files, with hostile fields inert and no file overwritten. */
#include "tests/testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "export/export.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/triage.h"
#include "triage/guide.h"
#include "triage/record.h"

#define T0   INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */
#define SEED "89fa6cb7-6b53-4de2-b604-648488841ab8"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, NULL);
}

/* ---- guides ---- */

static void test_seed_guide(void **state)
{
	(void)state;
	char *rule = slurp("rules/" SEED "_107.json");
	assert_non_null(rule);
	cJSON *obj = cJSON_Parse(rule);
	free(rule);
	struct guide g;
	guide_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "note")), &g);
	cJSON_Delete(obj);
	assert_int_equal(g.checklist.n, 6);
	assert_false(g.checklist.is_default);
	assert_string_equal(g.checklist.items[0],
	                    "Review the alert details to confirm the file path matches "
	                    "/Library/DirectoryServices/PlugIns/*.dsplug, indicating a potential "
	                    "unauthorized modification or creation of a DirectoryService plugin.");
	assert_int_equal(g.false_positives.n, 4);
	assert_int_equal(g.response.n, 7);
	assert_memory_equal(g.response.items[3], "Restart the DirectoryService daemon", 35);
	assert_int_equal(g.blocks[0].kind, GB_HEADING);
	assert_int_equal(g.blocks[0].level, 2);
	assert_string_equal(g.blocks[0].text, "Triage and analysis");
	assert_int_equal(g.blocks[1].kind, GB_QUOTE);
	guide_release(&g);
}

static void test_numbered_guide_with_wrapping_and_code(void **state)
{
	(void)state;
	char *md = slurp("tests/fixtures/guide_numbered.md");
	struct guide g;
	guide_parse(md, &g);
	free(md);
	assert_int_equal(g.checklist.n, 3);
	assert_string_equal(g.checklist.items[0], "Inspect the plist at file.path and the program it starts.");
	assert_string_equal(g.checklist.items[1],
	                    "Check whether the signer is trusted: run codesign -dv on the binary.");
	assert_string_equal(g.checklist.items[2], "Look for the same file on other hosts.");
	assert_int_equal(g.false_positives.n, 1);
	assert_int_equal(g.response.n, 2);
	assert_string_equal(g.response.items[0], "Unload the agent with launchctl bootout.");
	/* the blocks keep the styling for the console: code spans, emphasis, the item numbers */
	const struct guide_block *b = NULL;
	for (size_t i = 0; i < g.nblocks && !b; i++)
		if (g.blocks[i].kind == GB_ITEM && g.blocks[i].number == 2)
			b = &g.blocks[i];
	assert_non_null(b);
	assert_int_equal(b->nspans, 3);
	assert_int_equal(b->spans[0].style, GS_EMPH);
	assert_memory_equal(b->text + b->spans[0].start, "signer", 6);
	assert_int_equal(b->spans[1].style, GS_STRONG);
	assert_int_equal(b->spans[2].style, GS_CODE);
	assert_memory_equal(b->text + b->spans[2].start, "codesign -dv", 12);
	guide_release(&g);
}

static void test_nested_bullets_and_deeper_headings(void **state)
{
	(void)state;
	char *md = slurp("tests/fixtures/guide_nested.md");
	struct guide g;
	guide_parse(md, &g);
	free(md);
	assert_int_equal(g.checklist.n, 2);
	assert_string_equal(g.checklist.items[0], "Identify the user:; who ran it,; and from which terminal.");
	assert_string_equal(g.checklist.items[1], "Review the command line.");
	assert_int_equal(g.response.n, 1);
	assert_string_equal(g.response.items[0], "Isolate the host.");
	assert_int_equal(g.false_positives.n, 0);
	guide_release(&g);
}

static void test_no_guide_gets_defaults(void **state)
{
	(void)state;
	struct guide g;
	guide_parse(NULL, &g);
	assert_true(g.checklist.is_default);
	assert_int_equal(g.checklist.n, 3);
	assert_memory_equal(g.checklist.items[0], "Confirm the event", 17);
	assert_true(g.response.is_default);
	guide_release(&g);
	guide_parse("Just a paragraph, no sections.", &g);
	assert_true(g.checklist.is_default);
	assert_int_equal(g.nblocks, 1);
	guide_release(&g);
}

/* Nesting the input's length controls: 200,000 '>' or '- ' on one line, 200,000 '*' around a
 * word. Each used to overflow the stack (or take cmark 84 s); the text is still all shown. */
static void test_hostile_nesting_is_bounded_and_kept(void **state)
{
	(void)state;
	static const char *const markers[] = {"> ", "- ", "1. "};
	for (size_t m = 0; m < 3; m++) {
		struct strbuf md;
		strbuf_init(&md, 1 << 20);
		strbuf_addstr(&md, "### Possible investigation steps\n\n- first\n\n");
		for (int i = 0; i < 200000; i++)
			strbuf_addstr(&md, markers[m]);
		strbuf_addstr(&md, "deep text\n");
		struct guide g;
		guide_parse(md.buf, &g);
		int found = 0;
		for (size_t i = 0; i < g.nblocks; i++)
			found |= strstr(g.blocks[i].text, "deep text") != NULL;
		assert_true(found);
		assert_string_equal(g.checklist.items[0], "first");
		guide_release(&g);
		strbuf_release(&md);
	}
	struct strbuf md;
	strbuf_init(&md, 1 << 20);
	for (int i = 0; i < 100000; i++)
		strbuf_addstr(&md, "*_");
	strbuf_addstr(&md, "word");
	for (int i = 0; i < 100000; i++)
		strbuf_addstr(&md, "_*");
	struct guide g;
	guide_parse(md.buf, &g);
	assert_int_equal(g.nblocks, 1);
	assert_non_null(strstr(g.blocks[0].text, "word"));
	guide_release(&g);
	strbuf_release(&md);
}

/* ---- the record ---- */

static struct store *db;
static int case_no;

static int setup(void **state)
{
	(void)state;
	char name[64];
	snprintf(name, sizeof(name), "triage-%d.db", ++case_no);
	char *err = NULL;
	assert_int_equal(store_open(tu_path(name), STORE_CREATE, &db, &err), 0);
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	tu_seed_rule_only(db); /* the record of the seed rule's alerts; companions: test_detect */
	struct ingest_options o = {.analyst = "t", .errors = diag_stderr_sink()};
	struct ingest_counts c = {0};
	FILE *devnull = fopen("/dev/null", "w");
	o.errors = (struct diag_sink){diag_to_stream, devnull};
	assert_int_equal(ingest_path(db, "tests/fixtures/hostile.ndjson", &o, &c), INGEST_OK);
	fclose(devnull);
	assert_int_equal(c.added, 4);
	tu_detect_expect(db, T0, 2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	return 0;
}

struct pick {
	const char *host_prefix;
	int64_t id;
	char uuid[80];
};

static int pick_alert(void *ctx, const struct alert_row *a)
{
	struct pick *p = ctx;
	if (!strncmp(a->host_name, p->host_prefix, strlen(p->host_prefix))) {
		p->id = a->id;
		snprintf(p->uuid, sizeof(p->uuid), "%s", a->uuid);
	}
	return 0;
}

static struct pick alert_on(const char *host_prefix)
{
	struct pick p = {.host_prefix = host_prefix};
	struct alert_query q = {0};
	assert_int_equal(store_alerts_each(db, &q, pick_alert, &p), 0);
	assert_true(p.id > 0);
	return p;
}

static struct strbuf lines;

/* The triage entries, numbered from the first (the alerts' anchors before them are left out). */
static int audit_line(void *ctx, const struct audit_row *a)
{
	int64_t *first = ctx;
	if (!strcmp(a->action, "alert"))
		return 0;
	if (!*first)
		*first = a->id;
	strbuf_addf(&lines, "%lld|%s|%lld|%s|%s|%s|%s\n", (long long)(a->id - *first + 1), a->analyst,
	            (long long)(a->at_us - T0), a->action, a->target ? a->target : "-", a->before ? a->before : "-",
	            a->after ? a->after : "-");
	return 0;
}

static int count_anchor(void *ctx, const struct audit_row *a)
{
	*(int64_t *)ctx += !strcmp(a->action, "alert");
	return 0;
}

/* The entries anchoring the alerts: one per alert. */
static int64_t anchors(void)
{
	int64_t n = 0;
	assert_int_equal(store_audit_each(db, NULL, count_anchor, &n), 0);
	return n;
}

static const char *audit_text(void)
{
	strbuf_reset(&lines);
	int64_t first = 0;
	assert_int_equal(store_audit_each(db, NULL, audit_line, &first), 0);
	return lines.buf;
}

static int item_line(void *ctx, const struct triage_item *it)
{
	(void)ctx;
	strbuf_addf(&lines, "%s %d %s %s %s\n", it->kind, it->position, it->state, it->by ? it->by : "-",
	            it->note ? it->note : "-");
	return 0;
}

static void test_actions_and_their_audit_entries(void **state)
{
	(void)state;
	strbuf_init(&lines, 1024);
	struct pick a = alert_on("mac-good");
	struct actor amy = {.analyst = "amy", .at_us = T0 + 1};
	assert_int_equal(triage_check(db, a.id, a.uuid, 1, 0, "path confirmed", &amy), TRIAGE_OK);
	assert_int_equal(triage_check(db, a.id, a.uuid, 99, 0, NULL, &amy), TRIAGE_NO_ITEM);
	amy.at_us = T0 + 2;
	assert_int_equal(triage_respond(db, a.id, a.uuid, 2, "skipped", "no backup exists", &amy), TRIAGE_OK);
	assert_int_equal(triage_respond(db, a.id, a.uuid, 2, "maybe", NULL, &amy), TRIAGE_INVALID);
	amy.at_us = T0 + 3;
	assert_int_equal(triage_note(db, a.id, a.uuid, "two\nlines", &amy), TRIAGE_OK);
	assert_int_equal(triage_note(db, a.id, a.uuid, "", &amy), TRIAGE_INVALID);
	int open = 0;
	amy.at_us = T0 + 4;
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "acknowledged", NULL, NULL, 0, &amy, &open), TRIAGE_OK);
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "acknowledged", NULL, NULL, 0, &amy, &open),
	                 TRIAGE_UNCHANGED);
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "closed", NULL, NULL, 0, &amy, &open), TRIAGE_INVALID);
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "closed", "bogus", NULL, 0, &amy, &open), TRIAGE_INVALID);
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "open", "duplicate", NULL, 0, &amy, &open),
	                 TRIAGE_INVALID);
	/* closing with items open needs force, and then says which */
	amy.at_us = T0 + 5;
	assert_int_equal(
	    triage_set_status(db, a.id, a.uuid, "closed", "benign_positive", "signed update", 0, &amy, &open),
	    TRIAGE_OPEN_ITEMS);
	assert_int_equal(open, 5);
	assert_int_equal(
	    triage_set_status(db, a.id, a.uuid, "closed", "benign_positive", "signed update", 1, &amy, &open),
	    TRIAGE_OK);
	struct actor bob = {.analyst = "bob", .at_us = T0 + 6};
	assert_int_equal(triage_check(db, a.id, a.uuid, 1, 1, NULL, &bob), TRIAGE_OK);
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "open", NULL, NULL, 0, &bob, &open), TRIAGE_OK);
	assert_string_equal(
	    audit_text(),
	    "1|amy|1|check|check 1|open|checked (note: path confirmed)\n"
	    "2|amy|2|respond|response 2|pending|skipped (note: no backup exists)\n"
	    "3|amy|3|note|-|-|two\nlines\n"
	    "4|amy|4|status|-|open|acknowledged\n"
	    "5|amy|5|status|-|acknowledged|closed (benign_positive): signed update [closed with checklist "
	    "items open: 2, 3, 4, 5, 6]\n"
	    "6|bob|6|check|check 1|checked|open\n"
	    "7|bob|6|status|-|closed|open\n");
	strbuf_reset(&lines);
	assert_int_equal(store_triage_items_each(db, a.id, item_line, NULL), 0);
	assert_memory_equal(lines.buf, "check 1 open bob path confirmed\ncheck 2 open - -\n", 48);
	assert_non_null(strstr(lines.buf, "response 2 skipped amy no backup exists\n"));
	int64_t n, bad;
	char why[200];
	assert_int_equal(store_audit_verify(db, &n, &bad, why, sizeof(why)), 0);
	assert_int_equal(n, 7 + anchors());
	strbuf_release(&lines);
}

/* A callback that notes what it is shown and returns status on its stop_at-th call. */
struct stopper {
	int calls, stop_at, status;
	struct strbuf seen;
};

static void stopper_reset(struct stopper *k, int stop_at, int status)
{
	k->calls = 0;
	k->stop_at = stop_at;
	k->status = status;
	strbuf_reset(&k->seen);
}

static int stop_on_item(void *ctx, const struct triage_item *it)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s %d, ", it->kind, it->position);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static int stop_on_note(void *ctx, const struct note_row *n)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s, ", n->text);
	return ++k->calls == k->stop_at ? k->status : 0;
}

static int stop_on_audit(void *ctx, const struct audit_row *a)
{
	struct stopper *k = ctx;
	strbuf_addf(&k->seen, "%s, ", a->action);
	return ++k->calls == k->stop_at ? k->status : 0;
}

/* Issue 25: the triage iterators hand their callback's status back, as sqlite3_exec does and
 * the exception iterators do (tests/test_store.c): they stop where the callback said so and
 * return exactly what it returned; triage_items_each too. */
static void test_triage_iterators_pass_the_callbacks_status_back(void **state)
{
	(void)state;
	struct pick a = alert_on("mac-good");
	struct actor amy = {.analyst = "amy", .at_us = T0 + 1};
	assert_int_equal(triage_check(db, a.id, a.uuid, 1, 0, NULL, &amy), TRIAGE_OK);
	assert_int_equal(triage_note(db, a.id, a.uuid, "one", &amy), TRIAGE_OK);
	assert_int_equal(triage_note(db, a.id, a.uuid, "two", &amy), TRIAGE_OK);
	assert_int_equal(triage_note(db, a.id, a.uuid, "three", &amy), TRIAGE_OK);
	struct stopper k;
	strbuf_init(&k.seen, 256);

	stopper_reset(&k, 0, 0); /* never stops: every row, and 0 */
	assert_int_equal(store_triage_items_each(db, a.id, stop_on_item, &k), CB_OK);
	int items = k.calls;
	assert_true(items > 2);
	stopper_reset(&k, 2, CB_NOT_FOUND);
	assert_int_equal(store_triage_items_each(db, a.id, stop_on_item, &k), CB_NOT_FOUND);
	assert_string_equal(k.seen.buf, "check 1, check 2, ");
	stopper_reset(&k, items, 42); /* stopped on the last row: still the callback's status */
	assert_int_equal(store_triage_items_each(db, a.id, stop_on_item, &k), 42);
	assert_int_equal(k.calls, items);
	stopper_reset(&k, 1, 7);
	assert_int_equal(triage_items_each(db, a.id, stop_on_item, &k), 7);
	assert_string_equal(k.seen.buf, "check 1, ");

	stopper_reset(&k, 0, 0);
	assert_int_equal(store_notes_each(db, a.id, stop_on_note, &k), CB_OK);
	assert_string_equal(k.seen.buf, "one, two, three, ");
	stopper_reset(&k, 2, CB_INVALID);
	assert_int_equal(store_notes_each(db, a.id, stop_on_note, &k), CB_INVALID);
	assert_string_equal(k.seen.buf, "one, two, ");

	stopper_reset(&k, 0, 0);
	assert_int_equal(store_audit_each(db, a.uuid, stop_on_audit, &k), CB_OK);
	assert_string_equal(k.seen.buf, "alert, check, note, note, note, ");
	stopper_reset(&k, 1, CB_ERROR);
	assert_int_equal(store_audit_each(db, a.uuid, stop_on_audit, &k), CB_ERROR);
	assert_string_equal(k.seen.buf, "alert, ");
	stopper_reset(&k, 3, CB_UNCHANGED);
	assert_int_equal(store_audit_each_for_alert(db, a.uuid, "no-such-rule", stop_on_audit, &k), CB_UNCHANGED);
	assert_string_equal(k.seen.buf, "alert, check, note, ");
	/* the reads ended cleanly: the store is ready for the next one */
	stopper_reset(&k, 0, 0);
	assert_int_equal(store_notes_each(db, a.id, stop_on_note, &k), CB_OK);
	assert_int_equal(k.calls, 3);
	strbuf_release(&k.seen);
}

static int doc_of(void *ctx, const struct alert_row *a)
{
	*(char **)ctx = strdup(a->doc);
	return 0; /* one alert: its uuid */
}

static void test_closing_reason_on_the_alert_document(void **state)
{
	(void)state;
	struct pick a = alert_on("mac-good");
	struct actor amy = {.analyst = "amy", .at_us = T0};
	int open;
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "closed", "false_positive", NULL, 1, &amy, &open),
	                 TRIAGE_OK);
	char *doc = NULL;
	struct alert_query q = {.uuid_prefix = a.uuid};
	assert_int_equal(store_alerts_each(db, &q, doc_of, &doc), 0);
	assert_non_null(strstr(doc, "\"kibana.alert.workflow_status\":\"closed\""));
	assert_non_null(strstr(doc, "\"kibana.alert.workflow_reason\":\"false_positive\""));
	assert_non_null(strstr(doc, "\"kibana.alert.workflow_user\":\"amy\""));
	free(doc);
	assert_int_equal(triage_set_status(db, a.id, a.uuid, "open", NULL, NULL, 0, &amy, &open), TRIAGE_OK);
	assert_int_equal(store_alerts_each(db, &q, doc_of, &doc), 0);
	assert_non_null(strstr(doc, "\"kibana.alert.workflow_status\":\"open\""));
	assert_null(strstr(doc, "workflow_reason")); /* removed on reopening, as Kibana does */
	free(doc);
}

static void tamper(const char *sql)
{
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(store_path(db), &raw), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(raw, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(raw);
}

static int verify(int64_t *bad, char *why, size_t len)
{
	int64_t n;
	return store_audit_verify(db, &n, bad, why, len);
}

static void test_audit_chain_catches_edits(void **state)
{
	(void)state;
	struct pick a = alert_on("mac-good");
	struct actor amy = {.analyst = "amy", .at_us = T0};
	for (int i = 1; i <= 5; i++) {
		amy.at_us = T0 + i;
		assert_int_equal(triage_check(db, a.id, a.uuid, i, 0, NULL, &amy), TRIAGE_OK);
	}
	int64_t bad;
	char why[300];
	if (verify(&bad, why, sizeof(why)))
		fail_msg("%s", why);
	/* modified (entry 2 is an alert's anchor: every alert is anchored when it is made) */
	tamper("CREATE TABLE kept AS SELECT analyst FROM audit WHERE id = 2; "
	       "UPDATE audit SET analyst = 'mallory' WHERE id = 2");
	assert_int_equal(verify(&bad, why, sizeof(why)), 2);
	assert_int_equal(bad, 2);
	assert_string_equal(why, "entry 2 was changed after it was written");
	tamper("UPDATE audit SET analyst = (SELECT analyst FROM kept) WHERE id = 2; DROP TABLE kept");
	assert_int_equal(verify(&bad, why, sizeof(why)), 0);
	/* deleted in the middle */
	tamper("CREATE TABLE saved AS SELECT * FROM audit WHERE id = 3; DELETE FROM audit WHERE id = 3");
	assert_int_equal(verify(&bad, why, sizeof(why)), 2);
	assert_int_equal(bad, 4);
	assert_string_equal(why, "entry 4 follows entry 2: entries were deleted before it");
	tamper("INSERT INTO audit SELECT * FROM saved; DROP TABLE saved");
	assert_int_equal(verify(&bad, why, sizeof(why)), 0);
	/* inserted: renumbered to fit, but its hash and the next link cannot be forged without the chain */
	tamper("UPDATE audit SET id = -(id + 1) WHERE id >= 3; UPDATE audit SET id = -id WHERE id < 0;"
	       "INSERT INTO audit(id, alert_uuid, analyst, at_us, action, target, before, after, prev_hash, hash) "
	       "SELECT 3, alert_uuid, 'mallory', at_us, 'check', 'check 6', 'open', 'checked', hash, hash FROM audit "
	       "WHERE id = 2");
	assert_int_equal(verify(&bad, why, sizeof(why)), 2);
	assert_int_equal(bad, 3);
	assert_string_equal(why, "entry 3 was changed after it was written");
	tamper("DELETE FROM audit WHERE id = 3; UPDATE audit SET id = -(id - 1) WHERE id > 3;"
	       "UPDATE audit SET id = -id WHERE id < 0");
	assert_int_equal(verify(&bad, why, sizeof(why)), 0);
	/* the newest entry removed: only the head notices */
	int64_t newest;
	char head[65], want[200];
	assert_int_equal(store_audit_head(db, &newest, head), 0);
	tamper("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)");
	assert_int_equal(verify(&bad, why, sizeof(why)), 2);
	assert_int_equal(bad, 0);
	snprintf(want, sizeof(want),
	         "the chain ends at entry %lld but its head says %lld: the newest entries were removed or the head "
	         "was changed",
	         (long long)newest - 1, (long long)newest);
	assert_string_equal(why, want);
}

/* ---- exports ---- */

static void prepare_fixed_record(struct pick *good, struct pick *evil)
{
	*good = alert_on("mac-good");
	*evil = alert_on("mac|evil");
	struct actor amy = {.analyst = "amy", .at_us = T0 + 60 * TIME_US_PER_SEC};
	int open;
	assert_int_equal(triage_check(db, evil->id, evil->uuid, 1, 0, "path | confirmed `x`", &amy), TRIAGE_OK);
	assert_int_equal(triage_respond(db, evil->id, evil->uuid, 1, "done", NULL, &amy), TRIAGE_OK);
	assert_int_equal(triage_note(db, evil->id, evil->uuid, "# not a heading\n<b>not html</b> | \x1b[31mred", &amy),
	                 TRIAGE_OK);
	assert_int_equal(
	    triage_set_status(db, good->id, good->uuid, "closed", "benign_positive", "Apple update", 1, &amy, &open),
	    TRIAGE_OK);
}

static void compare_with_expected(const char *name, const struct strbuf *got)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/expected/%s", name);
	if (getenv("UPDATE_EXPECTED")) {
		tu_write(path, got->buf, got->len);
		return;
	}
	char *want = slurp(path);
	if (!want)
		fail_msg("%s is missing: run make update-expected and review it", path);
	if (strcmp(want, got->buf)) {
		tu_write(tu_path(name), got->buf, got->len);
		fail_msg("%s differs from %s (got it in %s)", name, path, tu_path(name));
	}
	free(want);
}

static void assert_no_raw_controls(const struct strbuf *b, const char *allowed)
{
	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->buf[i];
		if ((c < 0x20 && !strchr(allowed, c)) || c == 0x7f)
			fail_msg("raw control byte 0x%02x at %zu", c, i);
	}
	assert_null(strstr(b->buf, "\xc2\x9b"));     /* C1 CSI */
	assert_null(strstr(b->buf, "\xe2\x80\xae")); /* RLO */
	assert_null(strstr(b->buf, "\xff"));
}

static int with_source; /* Markdown with the source event's JSON (export --source) */

static void export_to(enum export_format f, char *const *uuids, size_t n, struct strbuf *out)
{
	struct export_options o = {.before_us = 60 * TIME_US_PER_SEC,
	                           .after_us = 60 * TIME_US_PER_SEC,
	                           .now_us = T0,
	                           .source_json = with_source};
	strbuf_reset(out);
	assert_int_equal(export_alerts(db, uuids, n, f, &o, out), 0);
}

static void test_exports_match_expected_files(void **state)
{
	(void)state;
	struct pick good, evil;
	prepare_fixed_record(&good, &evil);
	char *both[] = {evil.uuid, good.uuid};
	struct strbuf out;
	strbuf_init(&out, 65536);
	static const struct {
		enum export_format f;
		const char *file;
	} formats[] = {{EXPORT_MARKDOWN, "export.md"},
	               {EXPORT_JSON, "export.json"},
	               {EXPORT_THEHIVE, "export.thehive.json"},
	               {EXPORT_THEHIVE_CASE, "export.thehive-case.json"},
	               {EXPORT_TIMESKETCH_JSONL, "export.jsonl"},
	               {EXPORT_TIMESKETCH_CSV, "export.csv"}};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		export_to(formats[i].f, both, 2, &out);
		compare_with_expected(formats[i].file, &out);
		/* streamed to a file, one alert at a time: the same bytes */
		struct export_options o = {
		    .before_us = 60 * TIME_US_PER_SEC, .after_us = 60 * TIME_US_PER_SEC, .now_us = T0};
		char path[512], err[600];
		snprintf(path, sizeof(path), "%s", tu_path(formats[i].file));
		assert_int_equal(export_to_file(db, both, 2, formats[i].f, &o, path, 0, err, sizeof(err)), 0);
		struct strbuf file;
		strbuf_init(&file, out.len + 1);
		FILE *in = fopen(path, "rb");
		assert_non_null(in);
		assert_int_equal(strbuf_read_stream(&file, in), 0);
		fclose(in);
		assert_int_equal(file.len, out.len);
		assert_memory_equal(file.buf, out.buf, out.len);
		strbuf_release(&file);
		/* an existing file is refused unless forced */
		assert_int_equal(export_to_file(db, both, 1, formats[i].f, &o, path, 0, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "exists; add --force to replace it"));
		assert_int_equal(export_to_file(db, both, 1, formats[i].f, &o, path, 1, err, sizeof(err)), 0);
	}
	strbuf_release(&out);
}

/* ---- the Timesketch CSV read back as Timesketch reads it ----
 * Timesketch's read_and_validate_csv calls pandas.read_csv with its defaults, turns the tag
 * cell into a list (_parse_tag_field: json.loads of a "[...]" cell), and drops NaN cells. This
 * reads the CSV the same way — RFC 4180 records, pandas' default NA strings, one type per
 * column (int64 when every cell is an integer and none is missing, float64 when some are,
 * bool, else strings) — and compares every row with the JSONL export of the same alerts. */

static const char *const pandas_na[] = {"",     "#N/A",   "#N/A N/A", "#NA",  "-1.#IND", "-1.#QNAN", "-NaN",
                                        "-nan", "1.#IND", "1.#QNAN",  "<NA>", "N/A",     "NA",       "NULL",
                                        "NaN",  "None",   "n/a",      "nan",  "null"};

static int pandas_is_na(const char *v)
{
	for (size_t i = 0; i < sizeof(pandas_na) / sizeof(pandas_na[0]); i++)
		if (!strcmp(v, pandas_na[i]))
			return 1;
	return 0;
}

struct csv_rows {
	char **cell; /* row-major */
	size_t nrows, ncols;
};

/* RFC 4180: one record per line, "" inside quotes is a quote; the header is row 0. */
static void csv_parse(const char *text, struct csv_rows *t)
{
	memset(t, 0, sizeof(*t));
	size_t cap = 0, ncells = 0, fields = 0;
	struct strbuf f;
	strbuf_init(&f, 64);
	const char *p = text;
	while (*p) {
		int quoted = *p == '"';
		strbuf_reset(&f);
		if (quoted) {
			for (p++; *p && !(p[0] == '"' && p[1] != '"'); p++) {
				if (p[0] == '"')
					p++;
				strbuf_addch(&f, *p);
			}
			assert_int_equal(*p, '"');
			p++;
		} else {
			while (*p && *p != ',' && *p != '\n')
				strbuf_addch(&f, *p++);
		}
		if (ncells == cap)
			t->cell = xrealloc(t->cell, (cap = cap ? cap * 2 : 64) * sizeof(*t->cell));
		t->cell[ncells++] = xstrdup(f.buf);
		fields++;
		assert_true(*p == ',' || *p == '\n');
		if (*p++ == '\n') {
			if (!t->ncols)
				t->ncols = fields;
			assert_int_equal(fields, t->ncols);
			fields = 0;
			t->nrows++;
		}
	}
	strbuf_release(&f);
}

enum pandas_type { PT_INT, PT_FLOAT, PT_BOOL, PT_STRING };

static int is_integer(const char *v)
{
	const char *q = v + (*v == '-' || *v == '+');
	if (!*q)
		return 0;
	for (; *q; q++)
		if (*q < '0' || *q > '9')
			return 0;
	return 1;
}

static enum pandas_type column_type(const struct csv_rows *t, size_t c)
{
	int ints = 1, floats = 1, bools = 1, missing = 0;
	for (size_t r = 1; r < t->nrows; r++) {
		const char *v = t->cell[r * t->ncols + c];
		if (pandas_is_na(v)) {
			missing = 1;
			continue;
		}
		char *end;
		strtod(v, &end);
		ints &= is_integer(v);
		floats &= *v && !*end;
		bools &= !strcmp(v, "True") || !strcmp(v, "False") || !strcmp(v, "TRUE") || !strcmp(v, "FALSE") ||
		         !strcmp(v, "true") || !strcmp(v, "false");
	}
	return ints ? (missing ? PT_FLOAT : PT_INT) : floats ? PT_FLOAT : bools ? PT_BOOL : PT_STRING;
}

/* The text a spreadsheet guard put a quote before: casebook's one deliberate difference. */
static const char *unguarded(const char *v)
{
	return v[0] == '\'' && v[1] && strchr("=+-@", v[1]) ? v + 1 : v;
}

static void assert_csv_reads_as_jsonl(const char *csv, const char *jsonl)
{
	struct csv_rows t;
	csv_parse(csv, &t);
	enum pandas_type *types = xmalloc(t.ncols * sizeof(*types));
	for (size_t c = 0; c < t.ncols; c++) {
		types[c] = column_type(&t, c);
		if (types[c] == PT_FLOAT || types[c] == PT_BOOL)
			fail_msg("pandas would read column %s as %s", t.cell[c],
			         types[c] == PT_FLOAT ? "floats" : "booleans");
	}
	const char *line = jsonl;
	for (size_t r = 1; r < t.nrows; r++) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		cJSON *want = cJSON_ParseWithLength(line, (size_t)(nl - line));
		assert_non_null(want);
		line = nl + 1;
		for (size_t c = 0; c < t.ncols; c++) {
			const char *name = t.cell[c], *v = t.cell[r * t.ncols + c];
			const cJSON *j = cJSON_GetObjectItemCaseSensitive(want, name);
			if (!strcmp(name, "tag")) {
				/* _parse_tag_field: a "[...]" cell is json.loads'ed; anything else is wrong */
				assert_true(v[0] == '[' && v[strlen(v) - 1] == ']');
				cJSON *tags = cJSON_Parse(v);
				assert_non_null(tags);
				assert_true(cJSON_Compare(tags, j, 1));
				cJSON_Delete(tags);
			} else if (pandas_is_na(v)) {
				if (j)
					fail_msg("row %zu: %s is %s in the JSONL but NaN (dropped) in the CSV", r, name,
					         cJSON_PrintUnformatted(j));
			} else if (types[c] == PT_INT) {
				assert_true(cJSON_IsNumber(j));
				assert_true(j->valuedouble == (double)strtoll(v, NULL, 10));
			} else {
				if (!cJSON_IsString(j) || strcmp(j->valuestring, unguarded(v)))
					fail_msg("row %zu: %s reads back as \"%s\", the JSONL has %s", r, name, v,
					         j ? cJSON_PrintUnformatted(j) : "nothing");
			}
		}
		cJSON_Delete(want);
	}
	assert_string_equal(line, "");
	for (size_t i = 0; i < t.nrows * t.ncols; i++)
		free(t.cell[i]);
	free(t.cell);
	free(types);
}

static void test_timesketch_csv_reads_back_as_the_jsonl(void **state)
{
	(void)state;
	struct pick good, evil;
	prepare_fixed_record(&good, &evil);
	char *both[] = {evil.uuid, good.uuid};
	struct strbuf csv, jsonl;
	strbuf_init(&csv, 8192);
	strbuf_init(&jsonl, 8192);
	export_to(EXPORT_TIMESKETCH_CSV, both, 2, &csv);
	export_to(EXPORT_TIMESKETCH_JSONL, both, 2, &jsonl);
	assert_csv_reads_as_jsonl(csv.buf, jsonl.buf);
	/* and the reader can fail: a pid column with an empty cell reads as floats */
	const char *floats = "message,process.pid\nx,66\ny,\n";
	struct csv_rows t;
	csv_parse(floats, &t);
	assert_int_equal(column_type(&t, 1), PT_FLOAT);
	assert_int_equal(column_type(&t, 0), PT_STRING);
	for (size_t i = 0; i < t.nrows * t.ncols; i++)
		free(t.cell[i]);
	free(t.cell);
	assert_int_equal(pandas_is_na("None"), 1);
	strbuf_release(&csv);
	strbuf_release(&jsonl);
}

static void test_hostile_fields_stay_inert_in_every_format(void **state)
{
	(void)state;
	struct pick good, evil;
	prepare_fixed_record(&good, &evil);
	char *one[] = {evil.uuid};
	struct strbuf out;
	strbuf_init(&out, 65536);

	with_source = 1; /* the source event's JSON too, where raw HTML may stand in a fence */
	export_to(EXPORT_MARKDOWN, one, 1, &out);
	with_source = 0;
	assert_no_raw_controls(&out, "\n");
	/* no heading, link, HTML or table cell came from the data */
	assert_non_null(strstr(out.buf, "- **User:** \\# root \\*bold\\* \\[link\\](http://x)"));
	assert_non_null(strstr(out.buf, "> \\# not a heading\n> \\<b\\>not html\\</b\\> \\| \xe2\x90\x9b\\[31mred\n"));
	/* raw HTML from the data only inside the fenced source-event block */
	char *fence = strstr(out.buf, "````json\n");
	assert_non_null(fence);
	*fence = '\0';
	assert_null(strstr(out.buf, "<script>"));
	*fence = '`';
	for (char *line = out.buf; (line = strstr(line, "\n| ")) != NULL; line++) {
		/* each table row has exactly its columns' unescaped pipes */
		char *end = strchr(line + 1, '\n');
		int pipes = 0;
		for (char *p = line + 1; p < end; p++)
			if (*p == '|' && p[-1] != '\\')
				pipes++;
		if (pipes != 3 && pipes != 6)
			fail_msg("a table row with %d cells: %.*s", pipes - 1, (int)(end - line - 1), line + 1);
	}

	export_to(EXPORT_JSON, one, 1, &out);
	assert_no_raw_controls(&out, "\n");
	cJSON *j = cJSON_Parse(out.buf);
	assert_non_null(j);
	cJSON_Delete(j);
	export_to(EXPORT_THEHIVE, one, 1, &out);
	assert_no_raw_controls(&out, "\n");
	j = cJSON_Parse(out.buf);
	assert_non_null(j);
	/* exactly the body of POST /api/v1/alert: no wrapper */
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "sourceRef")), evil.uuid);
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "alert"));
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "case_tasks"));
	cJSON_Delete(j);

	export_to(EXPORT_TIMESKETCH_JSONL, one, 1, &out);
	assert_no_raw_controls(&out, "\n");
	int rows = 0;
	for (char *line = out.buf; *line; line = strchr(line, '\n') + 1, rows++) {
		char *nl = strchr(line, '\n');
		cJSON *row = cJSON_ParseWithLength(line, (size_t)(nl - line));
		assert_non_null(row);
		assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "message")));
		assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "datetime")));
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "timestamp_desc")),
		                    "Event Time");
		cJSON_Delete(row);
	}
	assert_int_equal(rows, 3);

	export_to(EXPORT_TIMESKETCH_CSV, one, 1, &out);
	assert_no_raw_controls(&out, "\n");
	assert_memory_equal(out.buf, "message,datetime,timestamp,timestamp_desc,tag,", 46);
	/* a small RFC 4180 reader: every row has the header's 15 fields */
	int fields = 1, in_quotes = 0, lines_seen = 0;
	for (const char *p = out.buf; *p; p++) {
		if (*p == '"')
			in_quotes = !in_quotes;
		else if (*p == ',' && !in_quotes)
			fields++;
		else if (*p == '\n' && !in_quotes) {
			assert_int_equal(fields, 15);
			fields = 1;
			lines_seen++;
		}
	}
	assert_int_equal(lines_seen, 4);
	strbuf_release(&out);
}

static void test_atomic_write_refuses_to_overwrite(void **state)
{
	(void)state;
	char err[300];
	const char *path = tu_path("report.md");
	assert_int_equal(write_file_atomically(path, "one", 3, 0, err, sizeof(err)), 0);
	assert_int_equal(write_file_atomically(path, "two", 3, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exists; add --force to replace it"));
	char *got = slurp(path);
	assert_string_equal(got, "one");
	free(got);
	assert_int_equal(write_file_atomically(path, "two", 3, 1, err, sizeof(err)), 0);
	got = slurp(path);
	assert_string_equal(got, "two");
	free(got);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed_guide),
	    cmocka_unit_test(test_numbered_guide_with_wrapping_and_code),
	    cmocka_unit_test(test_nested_bullets_and_deeper_headings),
	    cmocka_unit_test(test_no_guide_gets_defaults),
	    cmocka_unit_test(test_hostile_nesting_is_bounded_and_kept),
	    T(test_actions_and_their_audit_entries),
	    T(test_triage_iterators_pass_the_callbacks_status_back),
	    T(test_closing_reason_on_the_alert_document),
	    T(test_audit_chain_catches_edits),
	    T(test_exports_match_expected_files),
	    T(test_timesketch_csv_reads_back_as_the_jsonl),
	    T(test_hostile_fields_stay_inert_in_every_format),
	    cmocka_unit_test(test_atomic_write_refuses_to_overwrite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
