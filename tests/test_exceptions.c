/* Exceptions as Kibana's builder makes them: each operator of the builder and the entry it
 * makes, AND between entries, case sensitivity (a match is a term query on a keyword field and
 * a wildcard a wildcard query, both case-sensitive: Kibana's build_exception_filter; the
 * exception item API says entries are ANDed), the preview's counts and its broad flag, the
 * audit entries of an added and a removed exception, and every export carrying them. */
#include "tests/testutil.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/exceptions.h"
#include "detect/rule.h"
#include "export/export.h"
#include "store/alerts.h"
#include "store/rules.h"
#include "store/triage.h"
#include "triage/case.h"

#define SEED "89fa6cb7-6b53-4de2-b604-648488841ab8"
#define NOW  INT64_C(1767225600000000) /* 2026-01-01T00:00:00Z */

/* ---- matching, one entry at a time ---- */

static const char EVENT[] = "{\"process\":{\"name\":\"mv\",\"executable\":\"/bin/mv\",\"pid\":740,"
                            "\"args\":[\"mv\",\"/tmp/a\",\"/tmp/b\"],\"code_signature\":{\"subject_name\":"
                            "\"Software Signing\",\"trusted\":true}},\"host\":{\"name\":\"Mac1\"}}";

static void test_each_operator_matches_as_kibana(void **state)
{
	(void)state;
	static const struct {
		const char *field, *op;
		const char *values[3];
		size_t nvalues;
		int want;
	} cases[] = {
	    {"process.name", "is", {"mv"}, 1, 1},
	    {"process.name", "is", {"MV"}, 1, 0}, /* a term query on a keyword: case counts */
	    {"process.name", "is", {"mv "}, 1, 0},
	    {"process.name", "is not", {"mv"}, 1, 0},
	    {"process.name", "is not", {"cp"}, 1, 1},
	    {"process.name", "is one of", {"cp", "mv"}, 2, 1},
	    {"process.name", "is one of", {"cp", "rm"}, 2, 0},
	    {"process.name", "is not one of", {"cp", "rm"}, 2, 1},
	    {"process.name", "is not one of", {"cp", "mv"}, 2, 0},
	    {"process.name", "exists", {NULL}, 0, 1},
	    {"process.parent.name", "exists", {NULL}, 0, 0},
	    {"process.parent.name", "does not exist", {NULL}, 0, 1},
	    {"process.name", "does not exist", {NULL}, 0, 0},
	    {"process.executable", "matches", {"/bin/*"}, 1, 1},
	    {"process.executable", "matches", {"/BIN/*"}, 1, 0}, /* a wildcard query: case counts */
	    {"process.executable", "matches", {"/bin/m?"}, 1, 1},
	    {"process.executable", "matches", {"/bin/?"}, 1, 0},
	    {"process.executable", "does not match", {"/usr/*"}, 1, 1},
	    {"process.executable", "does not match", {"*mv"}, 1, 0},
	    {"process.args", "is", {"/tmp/b"}, 1, 1}, /* an array matches when one element does */
	    {"process.pid", "is", {"740"}, 1, 1},     /* numbers by their text */
	    {"process.code_signature.trusted", "is", {"true"}, 1, 1},
	    {"host.name", "is", {"mac1"}, 1, 0},
	};
	cJSON *ev = cJSON_Parse(EVENT);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct exception_entry_spec e = {
		    .field = cases[i].field, .values = cases[i].values, .nvalues = cases[i].nvalues};
		assert_int_equal(exception_operator_parse(cases[i].op, &e.type, &e.operator_), 0);
		struct exception_spec spec = {.entries = &e, .nentries = 1};
		char err[200];
		assert_int_equal(exception_spec_check(&spec, err, sizeof(err)), 0);
		cJSON *item = exception_spec_item(&spec);
		if (exception_item_matches(item, ev) != cases[i].want)
			fail_msg("%s %s %s: want %d", cases[i].field, cases[i].op,
			         cases[i].values[0] ? cases[i].values[0] : "", cases[i].want);
		cJSON_Delete(item);
	}
	cJSON_Delete(ev);
}

static void test_entries_are_anded(void **state)
{
	(void)state;
	const char *mv[] = {"mv"}, *signer[] = {"Software Signing"}, *cp[] = {"cp"};
	static const struct {
		int second_is_cp, want;
	} cases[] = {{0, 1}, {1, 0}};
	cJSON *ev = cJSON_Parse(EVENT);
	for (size_t i = 0; i < 2; i++) {
		struct exception_entry_spec e[2] = {
		    {.field = "process.code_signature.subject_name", .type = "match", .values = signer, .nvalues = 1},
		    {.field = "process.name",
		     .type = "match",
		     .values = cases[i].second_is_cp ? cp : mv,
		     .nvalues = 1}};
		struct exception_spec spec = {.entries = e, .nentries = 2};
		cJSON *item = exception_spec_item(&spec);
		assert_int_equal(exception_item_matches(item, ev), cases[i].want);
		cJSON_Delete(item);
	}
	cJSON_Delete(ev);
}

static void test_operators_words_and_description(void **state)
{
	(void)state;
	for (size_t i = 0; exception_operators[i]; i++) {
		const char *type, *op;
		assert_int_equal(exception_operator_parse(exception_operators[i], &type, &op), 0);
		assert_string_equal(exception_operator_name(type, op), exception_operators[i]);
	}
	const char *type, *op;
	assert_int_equal(exception_operator_parse("contains", &type, &op), -1);
	const char *vals[] = {"a", "b"}, *pat[] = {"/tmp/x*"};
	struct exception_entry_spec e[3] = {
	    {.field = "user.name", .type = "match_any", .values = vals, .nvalues = 2},
	    {.field = "file.path", .type = "wildcard", .operator_ = "excluded", .values = pat, .nvalues = 1},
	    {.field = "process.parent.name", .type = "exists"}};
	struct exception_spec spec = {.entries = e, .nentries = 3};
	cJSON *item = exception_spec_item(&spec);
	struct strbuf d;
	strbuf_init(&d, 128);
	exception_describe(item, &d);
	assert_string_equal(d.buf, "user.name is one of (\"a\", \"b\") AND file.path does not match \"/tmp/x*\" AND "
	                           "process.parent.name exists");
	strbuf_release(&d);
	cJSON_Delete(item);
	/* what the builder refuses, with the CLI's words */
	const struct {
		struct exception_entry_spec e;
		const char *err;
	} bad[] = {
	    {{.field = "x", .type = "exists", .values = vals, .nvalues = 1}, "--type exists takes no --value"},
	    {{.field = "x", .type = "match_any"}, "--type match_any needs at least one --value"},
	    {{.field = "x", .type = "match", .values = vals, .nvalues = 2}, "this --type takes exactly one --value"},
	    {{.field = "x", .type = "regex", .values = vals, .nvalues = 1},
	     "--type must be match, match_any, wildcard or exists"},
	    {{.field = "", .type = "exists"}, "each condition needs a --field"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct exception_spec s = {.entries = &bad[i].e, .nentries = 1};
		char err[200] = "";
		assert_int_equal(exception_spec_check(&s, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].err);
	}
}

/* ---- a case: the preview, the record ---- */

static struct store *db;

/* One file event; ext and signer may be NULL. */
static void event(struct strbuf *sb, const char *id, const char *host, const char *path, const char *ext,
                  const char *exe, const char *signer)
{
	strbuf_addf(sb,
	            "{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"id\":\"%s\",\"category\":[\"file\"],"
	            "\"type\":[\"change\"]},\"host\":{\"id\":\"%s\",\"name\":\"%s\",\"os\":{\"type\":\"macos\"}},"
	            "\"file\":{\"path\":\"%s\"%s%s%s},\"process\":{\"name\":\"%s\",\"executable\":\"%s\"",
	            id, host, host, path, ext ? ",\"extension\":\"" : "", ext ? ext : "", ext ? "\"" : "",
	            strrchr(exe, '/') + 1, exe);
	if (signer)
		strbuf_addf(sb, ",\"code_signature\":{\"subject_name\":\"%s\"}", signer);
	strbuf_addstr(sb, "}}\n");
}

/* 27 events: two the seed rule alerts on (mac1 signed by Apple, mac2 not), 20 logs on mac1 by
 * two programs signed by Apple, 5 data files by five programs on mac2. */
static int setup(void **state)
{
	(void)state;
	db = tu_new_case("exceptions");
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	tu_seed_rule_only(db);
	struct strbuf sb;
	strbuf_init(&sb, 8192);
	event(&sb, "a1", "mac1", "/Library/DirectoryServices/PlugIns/a.dsplug", NULL, "/usr/sbin/installer",
	      "Software Signing");
	event(&sb, "a2", "mac2", "/Library/DirectoryServices/PlugIns/b.dsplug", NULL, "/bin/mv", NULL);
	for (int i = 0; i < 20; i++) {
		char id[16], path[32], exe[32];
		snprintf(id, sizeof(id), "log%d", i);
		snprintf(path, sizeof(path), "/var/log/l%d.log", i);
		snprintf(exe, sizeof(exe), "/usr/bin/p%d", i % 2);
		event(&sb, id, "mac1", path, "log", exe, "Software Signing");
	}
	for (int i = 0; i < 5; i++) {
		char id[16], path[32], exe[32];
		snprintf(id, sizeof(id), "dat%d", i);
		snprintf(path, sizeof(path), "/tmp/d%d.dat", i);
		snprintf(exe, sizeof(exe), "/opt/x%d", i);
		event(&sb, id, "mac2", path, "dat", exe, NULL);
	}
	tu_ingest_text(db, sb.buf);
	strbuf_release(&sb);
	tu_detect_expect(db, NOW, 2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	return 0;
}

static void test_preview_counts_and_broad_flag(void **state)
{
	(void)state;
	const char *signer[] = {"Software Signing"}, *b_plug[] = {"*b.dsplug"}, *mac2[] = {"mac2"}, *zzz[] = {"zzz"},
	           *log[] = {"log"}, *dat[] = {"dat"};
	struct exception_entry_spec signed_by_apple[] = {
	    {.field = "process.code_signature.subject_name", .type = "match", .values = signer, .nvalues = 1}};
	struct exception_entry_spec the_plugin[] = {
	    {.field = "file.path", .type = "wildcard", .values = b_plug, .nvalues = 1},
	    {.field = "host.name", .type = "match", .values = mac2, .nvalues = 1}};
	struct exception_entry_spec not_zzz[] = {
	    {.field = "process.name", .type = "match", .operator_ = "excluded", .values = zzz, .nvalues = 1}};
	struct exception_entry_spec logs[] = {
	    {.field = "file.extension", .type = "match", .values = log, .nvalues = 1}};
	struct exception_entry_spec dats[] = {
	    {.field = "file.extension", .type = "match", .values = dat, .nvalues = 1}};
	const struct {
		const char *name;
		const struct exception_entry_spec *e;
		size_t n;
		int64_t alerts, events, programs;
		const char *hosts, *broad_why;
	} cases[] = {
	    /* the example: every Apple binary, the attack's own tools included */
	    {"signer", signed_by_apple, 1, 1, 21, 3, "mac1",
	     "its values are on fields many programs share (process.code_signature.subject_name)"},
	    {"one plugin on one host", the_plugin, 2, 1, 1, 1, "mac2", ""},
	    {"only a negation", not_zzz, 1, 2, 27, 5, "mac1 mac2",
	     "it names no value an event must have (only exists, is not, does not match)"},
	    {"a share of the case", logs, 1, 0, 20, 2, "mac1", "it matches 74% of the case's events (broad from 20%)"},
	    {"many programs", dats, 1, 0, 5, 5, "mac2", "it matches the events of 5 or more different programs"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct exception_spec spec = {.entries = cases[i].e, .nentries = cases[i].n};
		struct exception_preview p;
		char err[200];
		assert_int_equal(exception_preview(db, SEED, &spec, &p, err, sizeof(err)), 0);
		struct strbuf hosts;
		strbuf_init(&hosts, 64);
		for (size_t h = 0; h < p.nhosts; h++)
			strbuf_addf(&hosts, "%s%s", h ? " " : "", p.hosts[h]);
		if (p.alerts != cases[i].alerts || p.open_alerts != cases[i].alerts || p.events != cases[i].events ||
		    p.case_events != 27 || p.programs != cases[i].programs || strcmp(hosts.buf, cases[i].hosts) ||
		    p.broad != (*cases[i].broad_why != 0) || strcmp(p.broad_why, cases[i].broad_why))
			fail_msg(
			    "%s: %lld alerts (%lld open), %lld/%lld events, %lld programs, hosts '%s', broad %d '%s'",
			    cases[i].name, (long long)p.alerts, (long long)p.open_alerts, (long long)p.events,
			    (long long)p.case_events, (long long)p.programs, hosts.buf, p.broad, p.broad_why);
		assert_int_equal(p.nopen, (size_t)cases[i].alerts);
		strbuf_release(&hosts);
		exception_preview_release(&p);
	}
	struct exception_spec spec = {.entries = signed_by_apple, .nentries = 1};
	struct exception_preview p;
	char err[200];
	assert_int_equal(exception_preview(db, "no-such-rule", &spec, &p, err, sizeof(err)), 1);
	exception_preview_release(&p);
	/* the text the console and --preview show */
	assert_int_equal(exception_preview(db, SEED, &spec, &p, err, sizeof(err)), 0);
	struct strbuf t;
	strbuf_init(&t, 256);
	exception_preview_text(&p, &t);
	assert_string_equal(t.buf, "Would suppress 1 alert of this rule (1 open) and match 21 of the case's 27 events, "
	                           "on mac1.\nBROAD: its values are on fields many programs share "
	                           "(process.code_signature.subject_name).\n");
	strbuf_release(&t);
	exception_preview_release(&p);
}

static int audit_line(void *ctx, const struct audit_row *a)
{
	struct strbuf *sb = ctx;
	if (strncmp(a->action, "exception", 9))
		return 0;
	strbuf_addf(sb, "%s|%s|%s|%s|%s\n", a->alert_uuid ? "alert" : "-", a->action, a->target ? a->target : "-",
	            a->before ? (a->action[9] == ' ' ? a->before : "anchor") : "-",
	            a->after ? (a->action[9] == ' ' ? a->after : "anchor") : "-");
	return 0;
}

static int first_uuid(void *ctx, const struct alert_row *a)
{
	snprintf(ctx, 80, "%s", a->uuid);
	return 1;
}

static void test_added_and_removed_exceptions_are_in_the_record(void **state)
{
	(void)state;
	char uuid[80] = "";
	struct alert_query q = {.rule_id = SEED, .no_doc = 1};
	assert_int_equal(store_alerts_each(db, &q, first_uuid, uuid), 1); /* first_uuid stopped it */
	const char *mv[] = {"/bin/mv"}, *mac2[] = {"mac2"};
	struct exception_entry_spec e[2] = {
	    {.field = "process.executable", .type = "match", .values = mv, .nvalues = 1},
	    {.field = "host.name", .type = "match", .values = mac2, .nvalues = 1}};
	struct exception_spec spec = {
	    .entries = e, .nentries = 2, .analyst = "amy", .now_us = NOW, .alert_uuid = uuid, .comment = "admin tool"};
	char item[40], err[200];
	assert_int_equal(exception_add(db, SEED, &spec, item, err, sizeof(err)), 0);
	assert_int_equal(exception_remove(db, item, "bob", NOW + 1, NULL, err, sizeof(err)), 0);
	assert_int_equal(exception_remove(db, item, "bob", NOW + 2, NULL, err, sizeof(err)), 1);
	int64_t entries, bad;
	char why[300];
	assert_int_equal(store_audit_verify(db, &entries, &bad, why, sizeof(why)), 0);

	struct strbuf got;
	strbuf_init(&got, 1024);
	assert_int_equal(store_audit_each(db, NULL, audit_line, &got), 0);
	struct strbuf want;
	strbuf_init(&want, 1024);
	strbuf_addf(&want,
	            "-|exception|[\"list\",\"single\",\"casebook-" SEED "\"]|-|anchor\n"
	            "-|exception|[\"item\",\"single\",\"%s\"]|-|anchor\n"
	            "alert|exception added|casebook-" SEED "|-|%s: process.executable is \"/bin/mv\" AND host.name is "
	            "\"mac2\"\n"
	            "-|exception|[\"item\",\"single\",\"%s\"]|anchor|-\n"
	            "-|exception removed|casebook-" SEED "|%s: process.executable is \"/bin/mv\" AND host.name is "
	            "\"mac2\"|-\n",
	            item, item, item, item);
	assert_string_equal(got.buf, want.buf);

	/* every alert of the rule carries both in its record, and so does each export */
	struct case_record r;
	struct case_options o = {.timeline = 0};
	assert_int_equal(case_load(db, uuid, &o, &r), 0);
	int added = 0, removed = 0;
	for (size_t i = 0; i < r.naudit; i++) {
		added += !strcmp(r.audit[i].action, AUDIT_EXCEPTION_ADDED);
		removed += !strcmp(r.audit[i].action, AUDIT_EXCEPTION_REMOVED);
	}
	assert_int_equal(added, 1);
	assert_int_equal(removed, 1);
	case_release(&r);
	char *uuids[] = {uuid};
	for (size_t f = 0; f < export_format_count(); f++) {
		if (f == EXPORT_KIBANA_STATUS) /* a status body for Kibana's API: no record in it */
			continue;
		struct strbuf out;
		strbuf_init(&out, 8192);
		struct export_options eo = {.now_us = NOW};
		assert_int_equal(export_alerts(db, uuids, 1, (enum export_format)f, &eo, &out), 0);
		if (!strstr(out.buf, "exception added") || !strstr(out.buf, "exception removed") ||
		    !strstr(out.buf, "process.executable is"))
			fail_msg("the %s export lacks the exception entries",
			         export_format_info((enum export_format)f)->name);
		strbuf_release(&out);
	}
	strbuf_release(&got);
	strbuf_release(&want);
}

/* ---- the command line ---- */

static struct strbuf cli_out, cli_err;

static int cb(const char *args)
{
	return tu_run(&cli_out, &cli_err, "%s --db '%s' %s", tu_casebook(), tu_path("cli.db"), args);
}

static void test_the_command_line(void **state)
{
	(void)state;
	strbuf_init(&cli_out, 1024);
	strbuf_init(&cli_err, 1024);
	assert_int_equal(cb("ingest tests/fixtures/hostile.ndjson"), 0);
	tu_seed_rule_only_cli(tu_path("cli.db"));
	assert_int_equal(cb("detect"), 0);
	/* two conditions, previewed: nothing is written */
	assert_int_equal(cb("exception add " SEED " --field file.path --operator matches --value '*good.dsplug' "
	                    "--field host.name --operator 'is one of' --value mac-good --value mac-other --preview"),
	                 0);
	assert_string_equal(cli_out.buf,
	                    "Exception: file.path matches \"*good.dsplug\" AND host.name is one of (\"mac-good\", "
	                    "\"mac-other\")\nWould suppress 1 alert of this rule (1 open) and match 1 of the case's 4 "
	                    "events, on mac-good.\n");
	assert_int_equal(cb("exception list"), 0);
	assert_string_equal(cli_out.buf, "");
	/* a broad one is refused unless confirmed */
	assert_int_equal(cb("exception add " SEED " --field host.name --value mac-good"), 1);
	assert_string_equal(cli_err.buf, "casebook exception: not added: the exception is broad: its values are on "
	                                 "fields many programs share (host.name); --preview shows what it matches, "
	                                 "--confirm-broad adds it all the same\n");
	assert_int_equal(cb("exception add " SEED " --value x"), 64);
	assert_int_equal(cb("exception add " SEED " --field process.name --operator contains --value x"), 64);
	/* added, and the open alert it matches closed, with a status entry */
	assert_int_equal(cb("exception add " SEED " --field file.path --operator matches --value '*good.dsplug' "
	                    "--field host.name --value mac-good --close-matching --reason benign_positive"),
	                 0);
	assert_non_null(strstr(cli_out.buf, "closed 1 matching alert\n"));
	char item[40];
	const char *p = strstr(cli_out.buf, "exception item ");
	assert_non_null(p);
	snprintf(item, sizeof(item), "%.36s", p + strlen("exception item "));
	assert_int_equal(cb("alerts --status closed"), 0);
	assert_int_equal(tu_count(cli_out.buf, "good.dsplug"), 1);
	assert_int_equal(cb("audit --verify"), 0);
	/* removed: its entry follows, and the chain still verifies */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "exception remove %s", item);
	assert_int_equal(cb(cmd), 0);
	assert_int_equal(cb(cmd), 1);
	assert_int_equal(cb("audit --verify"), 0);
	assert_int_equal(cb("audit"), 0);
	assert_int_equal(tu_count(cli_out.buf, "exception added casebook-" SEED), 1);
	assert_int_equal(tu_count(cli_out.buf, "exception removed casebook-" SEED), 1);
	assert_int_equal(tu_count(cli_out.buf, "closed (benign_positive): closed by exception"), 1);
	strbuf_release(&cli_out);
	strbuf_release(&cli_err);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_operator_matches_as_kibana), cmocka_unit_test(test_entries_are_anded),
	    cmocka_unit_test(test_operators_words_and_description), T(test_preview_counts_and_broad_flag),
	    T(test_added_and_removed_exceptions_are_in_the_record), cmocka_unit_test(test_the_command_line),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tu_cleanup();
	return rc;
}
