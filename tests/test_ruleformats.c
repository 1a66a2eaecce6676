/* The rule formats analysts have Elastic's rules in (detect/ruleimport.h): detection-rules
 * TOML (files and trees, version.lock.json, [metadata], [transform]), Kibana's Fleet package
 * zip and a folder of its saved objects; the TOML reader (detect/toml.h); and the guide's
 * investigate/osquery plugins rendered as text (triage/guideplugins.h). The rules under
 * tests/fixtures/rules-toml are casebook's own, written in those formats. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "detect/rule.h"
#include "detect/ruleimport.h"
#include "detect/toml.h"
#include "store/rules.h"
#include "triage/guide.h"
#include "triage/guideplugins.h"

#define FIX "tests/fixtures/rules-toml"

/* ---- the TOML reader ---- */

struct toml_case {
	const char *toml, *json; /* json NULL: an error, err its exact text */
	const char *err;
};

/* Expected values from the TOML 1.0.0 specification (toml.io/en/v1.0.0): integers are 64-bit
 * and exact; floats are IEEE 754 binary64; offset date-times, local date-times, dates and
 * times are RFC 3339 (a space may replace T; the fraction's precision is the writer's). Keys
 * of a table come out sorted (toml++ keeps tables in a std::map), as detection-rules' own
 * json.dumps(sort_keys=True) writes them. */
static const struct toml_case toml_cases[] = {
    {"a = 1\nb = -17\nc = 0x10\nd = 0o17\ne = 0b101\nf = 1_000",
     "{\"a\":1,\"b\":-17,\"c\":16,\"d\":15,\"e\":5,\"f\":1000}", NULL},
    /* past cJSON's 15 printed digits: raw, every digit */
    {"a = 9007199254740993\nb = -9223372036854775808", "{\"a\":9007199254740993,\"b\":-9223372036854775808}", NULL},
    {"a = 0.1\nb = 0.30000000000000004\nc = 1e300\nd = inf\ne = nan",
     "{\"a\":0.1,\"b\":0.30000000000000004,\"c\":1e+300,\"d\":null,\"e\":null}", NULL},
    {"d = 1979-05-27\nt = 07:32:00.500\nl = 1979-05-27T07:32:00",
     "{\"d\":\"1979-05-27\",\"l\":\"1979-05-27T07:32:00\","
     "\"t\":\"07:32:00.5\"}",
     NULL},
    {"z = 1979-05-27 07:32:00Z\no = 1979-05-27T00:32:00.999999-07:00\nu = 1979-05-27T07:32:00+00:00",
     "{\"o\":\"1979-05-27T00:32:00.999999-07:00\",\"u\":\"1979-05-27T07:32:00Z\",\"z\":\"1979-05-27T07:32:00Z\"}",
     NULL},
    {"s = '''\nline\\n'''\nb = \"tab\\there \\u00e9\"\nt = true",
     "{\"b\":\"tab\\there é\",\"s\":\"line\\\\n\",\"t\":true}", NULL},
    {"[rule]\nname = \"x\"\n[[rule.threat]]\nid = 1\n[[rule.threat.technique]]\nid = 2\n[[rule.threat]]\nid = 3",
     "{\"rule\":{\"name\":\"x\",\"threat\":[{\"id\":1,\"technique\":[{\"id\":2}]},{\"id\":3}]}}", NULL},
    {"p = [[{ a = 1 }, { b = [1, \"x\"] }], []]", "{\"p\":[[{\"a\":1},{\"b\":[1,\"x\"]}],[]]}", NULL},
    {"\"quoted key\" = 1\na.b.c = 2", "{\"a\":{\"b\":{\"c\":2}},\"quoted key\":1}", NULL},
    /* damaged: toml++'s message, at the line and column (1-based) where reading stopped */
    {"a = ", NULL, "1:5: Error while parsing key-value pair: encountered end-of-file"},
    /* columns count characters (code points), not bytes: the x is the 10th */
    {"a = \"\u00e9\u00e9\" x", NULL,
     "1:10: Error while parsing key-value pair: expected a comment or whitespace, saw 'x'"},
    {"a = 1\na = 2", NULL, "2:5: Error while parsing key-value pair: cannot redefine existing integer 'a'"},
    {"x = [1,\n 2,,]", NULL, "2:4: Error while parsing array: expected value or closing ']', saw comma"},
    {"a = 1979-13-01", NULL, "1:12: Error while parsing date: expected month between 1 and 12 (inclusive), saw 13"},
    {"a = 1\n[a]\nb = 1", NULL, "2:1: Error while parsing table header: cannot redefine existing integer 'a' as table"},
    /* a NUL cannot live in a C string: refused, never cut short */
    {"k = \"a\\u0000b\"", NULL, "1:5: a string holds a NUL character (\\u0000), which casebook cannot keep"},
};

static void test_toml_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(toml_cases) / sizeof(toml_cases[0]); i++) {
		const struct toml_case *t = &toml_cases[i];
		char err[300];
		cJSON *j = toml_to_cjson(t->toml, strlen(t->toml), err, sizeof(err));
		if (!t->json) {
			if (j || strcmp(err, t->err))
				fail_msg("case %zu: want error \"%s\", got \"%s\"", i, t->err, j ? "(parsed)" : err);
			continue;
		}
		if (!j)
			fail_msg("case %zu: %s", i, err);
		char *got = cJSON_PrintUnformatted(j);
		if (strcmp(got, t->json))
			fail_msg("case %zu:\nwant %s\ngot  %s", i, t->json, got);
		cJSON_free(got);
		cJSON_Delete(j);
	}
}

static void test_toml_depth_is_capped(void **state)
{
	(void)state;
	/* 70 nested tables: a.a.a... = 1 (dotted keys make tables without toml++'s inline cap) */
	struct strbuf t;
	strbuf_init(&t, 256);
	for (int i = 0; i < 70; i++)
		strbuf_addstr(&t, i ? ".a" : "a");
	strbuf_addstr(&t, " = 1\n");
	char err[300];
	cJSON *j = toml_to_cjson(t.buf, t.len, err, sizeof(err));
	assert_null(j);
	assert_non_null(strstr(err, "nest deeper than casebook reads (64 levels)"));
	strbuf_release(&t);
}

/* ---- transforms: detection-rules' note templates ---- */

struct transform_case {
	const char *note, *want;
};

/* detection-rules (rule.py, RuleTransform.render_investigate_osquery_to_string and
 * BaseRuleData.process_transforms): each entry becomes "!{" + plugin + json.dumps(entry,
 * sort_keys=True, separators=(",", ":")) + "}", put in place of $plugin_N by
 * string.Template.safe_substitute ("$$" is "$", ${name} works, an unknown name is kept). */
static const struct transform_case transform_cases[] = {
    {"see $investigate_0.", "see !{investigate{\"label\":\"L\",\"providers\":[[{\"field\":\"host.name\"}]]}}."},
    {"${osquery_0}x", "!{osquery{\"label\":\"Q\",\"query\":\"SELECT 1;\"}}x"},
    {"$$5 and $$investigate_0", "$5 and $investigate_0"},
    {"$investigate_1 $osquery_00 $unknown ${bad", "$investigate_1 $osquery_00 $unknown ${bad"},
    {"$investigate_0x stays", "$investigate_0x stays"}, /* the identifier is investigate_0x */
    {"trailing $", "trailing $"},
};

static void test_transforms_in_the_note(void **state)
{
	(void)state;
	const char *tr = "[[investigate]]\nlabel = \"L\"\nproviders = [[{field = \"host.name\"}]]\n"
	                 "[[osquery]]\nquery = \"SELECT 1;\"\nlabel = \"Q\"\n";
	char err[200];
	cJSON *transform = toml_to_cjson(tr, strlen(tr), err, sizeof(err));
	assert_non_null(transform);
	for (size_t i = 0; i < sizeof(transform_cases) / sizeof(transform_cases[0]); i++) {
		char *got = ruleimport_render_transforms(transform_cases[i].note, transform);
		if (strcmp(got, transform_cases[i].want))
			fail_msg("case %zu:\nwant %s\ngot  %s", i, transform_cases[i].want, got);
		free(got);
	}
	cJSON_Delete(transform);
}

/* ---- the guide's plugins as text ---- */

/* Kibana's markdown plugins (security_solution markdown_editor/plugins/insight and osquery):
 * investigate draws a button with its label that opens Timeline on its providers (the
 * entries of a group ANDed, the groups ORed, "excluded" negated, queryType "exists" a field
 * that exists) over relativeFrom..relativeTo; osquery a button with its label that runs its
 * query. casebook writes the label and the query. */
static const struct transform_case plugin_cases[] = {
    {"- !{investigate{\"label\":\"Same host\",\"providers\":[[{\"excluded\":false,\"field\":\"host.name\","
     "\"queryType\":\"phrase\",\"value\":\"{{host.name}}\",\"valueType\":\"string\"}]]}}\n",
     "- Investigate in Timeline: **Same host**, ` host.name: \"{{host.name}}\" `\n"},
    {"!{investigate{\"description\":\"d\",\"label\":\"Two\",\"providers\":[[{\"field\":\"a\",\"value\":\"1\"},"
     "{\"field\":\"b\",\"value\":\"2\"}],[{\"excluded\":true,\"field\":\"c\",\"queryType\":\"exists\"}]],"
     "\"relativeFrom\":\"now-48h/h\",\"relativeTo\":\"now\"}}",
     "Investigate in Timeline: **Two**, ` (a: \"1\" AND b: \"2\") OR NOT c: * ` from ` now-48h/h ` to ` now ` (d)"},
    {"Run !{osquery{\"label\":\"Apps_*\",\"query\":\"SELECT `x`\\nFROM apps;\"}} now",
     "Run Osquery: **Apps\\_\\***, `` SELECT `x` FROM apps; `` now"},
    {"!{osquery{not json}} and !{other{x}}",
     "(Osquery: the guide's settings for it could not be read) and !{other{x}}"},
    {"no plugins here", "no plugins here"},
};

static void test_guide_plugins_are_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(plugin_cases) / sizeof(plugin_cases[0]); i++) {
		char *got = guide_render_plugins(plugin_cases[i].note);
		if (strcmp(got, plugin_cases[i].want))
			fail_msg("case %zu:\nwant %s\ngot  %s", i, plugin_cases[i].want, got);
		free(got);
	}
	/* through the guide the console and the export read: a checklist item, no raw syntax */
	struct guide g;
	guide_parse(
	    "## Possible investigation steps\n\n- Look.\n- !{osquery{\"label\":\"Apps\",\"query\":\"SELECT 1;\"}}\n",
	    &g);
	assert_int_equal(g.checklist.n, 2);
	assert_string_equal(g.checklist.items[1], "Osquery: Apps, SELECT 1;");
	guide_release(&g);
}

/* Placeholders, as Kibana's replaceParamsQuery fills them (security_solution .../plugins/insight/
 * replace_params_query.ts and osquery/common/utils/replace_params_query.ts): every match of
 * /\{{([^}]+)\}}/ whose trimmed name the alert carries becomes the alert's first value
 * (values[0]); a name it lacks stays as written (Kibana's `skipped`); other braces are text. */
static const char fill_alert[] = "{\"host\":{\"name\":\"mac-01\",\"ip\":[\"10.0.0.5\",\"10.0.0.6\"]},"
                                 "\"process.pid\":4242,\"user\":{\"name\":\"\"}}";
static const struct transform_case fill_cases[] = {
    {"WHERE name = '{{host.name}}'", "WHERE name = 'mac-01'"},
    {"{{ host.ip }} and {{host.ip}}", "10.0.0.5 and 10.0.0.5"}, /* trimmed; first value */
    {"pid={{process.pid}}", "pid=4242"},                        /* dotted key; a number as JSON */
    {"{{user.name}}|{{no.such}}", "{{user.name}}|{{no.such}}"}, /* empty and missing stay */
    /* the regex takes "{{{host.name}}" whole: the name "{host.name" is no field, so it stays */
    {"{{}} {x} {{a}b}} {{{host.name}}}", "{{}} {x} {{a}b}} {{{host.name}}}"},
};

static void test_guide_placeholders_filled(void **state)
{
	(void)state;
	cJSON *alert = cJSON_Parse(fill_alert);
	assert_non_null(alert);
	for (size_t i = 0; i < sizeof(fill_cases) / sizeof(fill_cases[0]); i++) {
		char *got = guide_fill_placeholders(fill_cases[i].note, alert);
		if (strcmp(got, fill_cases[i].want))
			fail_msg("case %zu:\nwant %s\ngot  %s", i, fill_cases[i].want, got);
		free(got);
		got = guide_fill_placeholders(fill_cases[i].note, NULL); /* no alert: as written */
		assert_string_equal(got, fill_cases[i].note);
		free(got);
	}
	/* in both plugins, and through the guide the console reads for one alert */
	char *got = guide_render_plugins_for(
	    "!{investigate{\"label\":\"L\",\"providers\":[[{\"field\":\"host.name\",\"value\":\"{{host.name}}\"},"
	    "{\"field\":\"user.name\",\"value\":\"{{user.name}}\"}]]}} "
	    "!{osquery{\"label\":\"Q\",\"query\":\"SELECT * FROM processes WHERE pid = {{process.pid}};\"}}",
	    alert);
	assert_string_equal(
	    got, "Investigate in Timeline: **L**, ` host.name: \"mac-01\" AND user.name: \"{{user.name}}\" ` "
	         "Osquery: **Q**, ` SELECT * FROM processes WHERE pid = 4242; `");
	free(got);
	struct guide g;
	guide_parse_for("## Possible investigation steps\n\n- !{osquery{\"label\":\"Apps\",\"query\":\"SELECT "
	                "'{{host.name}}';\"}}\n",
	                fill_alert, &g);
	assert_int_equal(g.checklist.n, 1);
	assert_string_equal(g.checklist.items[0], "Osquery: Apps, SELECT 'mac-01';");
	guide_release(&g);
	cJSON_Delete(alert);
}

/* ---- imports ---- */

static struct store *db;

static int setup(void **state)
{
	(void)state;
	db = tu_new_case("formats");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	return 0;
}

struct stored {
	int64_t version;
	int enabled, found;
	char *json, *metadata;
};

static int take(void *ctx, const struct rule_row *r)
{
	struct stored *s = ctx;
	s->version = r->version, s->enabled = r->enabled, s->found = 1;
	s->json = xstrdup(r->json);
	s->metadata = r->metadata ? xstrdup(r->metadata) : NULL;
	return 1;
}

static struct stored find(const char *rule_id)
{
	struct stored s = {.found = 0};
	assert_true(store_rule_find(db, rule_id, -1, take, &s) >= 0);
	return s;
}

static void release(struct stored *s)
{
	free(s->json), free(s->metadata);
}

static const char *json_str(const cJSON *o, const char *path)
{
	const cJSON *v = o;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok(buf, "."); k && v; k = strtok(NULL, "."))
		v = cJSON_GetObjectItemCaseSensitive(v, k);
	return cJSON_GetStringValue(v);
}

static int run_import(const char *path, const char *lock, struct import_counts *c, struct ruleimport_counts *rc)
{
	struct ruleimport_options o = {.version_lock = lock};
	memset(c, 0, sizeof(*c));
	memset(rc, 0, sizeof(*rc));
	return rules_import_path(db, path, &o, c, rc, NULL);
}

/* What each rule of a tree import is stored as. */
struct expect_rule {
	const char *rule_id;
	int64_t version; /* 0: not stored */
	const char *why; /* where the version comes from */
};

static void test_tree_import(void **state)
{
	(void)state;
	struct import_counts c;
	struct ruleimport_counts rc;
	assert_int_equal(run_import(FIX "/tree", NULL, &c, &rc), 0);
	assert_int_equal(rc.toml_files, 5); /* pyproject.toml is read, and passed over: no [rule] */
	assert_int_equal(rc.deprecated, 1);
	assert_int_equal(rc.locked, 2);
	assert_int_equal(c.rules_added, 3);
	assert_int_equal(c.rules_invalid, 0);
	static const struct expect_rule want[] = {
	    /* the lock's top-level version, not stack_emit's, nor the deeper decoy lock's 500 */
	    {"c0ffee00-0000-4000-8000-000000000001", 12, "version.lock.json"},
	    {"c0ffee00-0000-4000-8000-000000000002", 3, "version.lock.json"},
	    {"c0ffee00-0000-4000-8000-000000000003", 7, "not in the lock: the TOML's own"},
	    {"c0ffee00-0000-4000-8000-000000000004", 0, "deprecated: Kibana's package leaves it out"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct stored s = find(want[i].rule_id);
		if (s.found != (want[i].version > 0) || (s.found && s.version != want[i].version))
			fail_msg("%s: want version %lld (%s), got %lld", want[i].rule_id, (long long)want[i].version,
			         want[i].why, s.found ? (long long)s.version : 0LL);
		/* prebuilt rules are installed disabled, as Kibana installs them */
		if (s.found)
			assert_int_equal(s.enabled, 0);
		release(&s);
	}

	struct stored s = find("c0ffee00-0000-4000-8000-000000000001");
	cJSON *rule = cJSON_Parse(s.json), *meta = cJSON_Parse(s.metadata);
	assert_string_equal(json_str(meta, "maturity"), "production");
	/* shown by `casebook rules`, and as "metadata" by `rules --json` */
	char *summary = rule_metadata_summary(s.metadata);
	assert_string_equal(summary,
	                    "maturity production, created 2025/01/02, updated 2025/03/04, integration endpoint, "
	                    "min_stack_version 8.14.0");
	free(summary);
	struct rule_row row = {.json = s.json, .metadata = s.metadata};
	char *with = rule_json_with_metadata(&row);
	cJSON *w = cJSON_Parse(with);
	assert_string_equal(json_str(w, "metadata.creation_date"), "2025/01/02");
	cJSON_Delete(w);
	free(with);
	assert_string_equal(json_str(meta, "min_stack_version"), "8.14.0");
	assert_string_equal(json_str(meta, "updated_date"), "2025/03/04");
	assert_string_equal(json_str(rule, "type"), "query");
	assert_string_equal(json_str(rule, "timestamp_override"), "event.ingested");
	/* [[rule.threat]] with its nested technique, subtechnique and tactic tables */
	const cJSON *threat = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rule, "threat"), 0);
	assert_string_equal(json_str(threat, "tactic.id"), "TA0005");
	const cJSON *tech = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(threat, "technique"), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	                        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tech, "subtechnique"), 0), "id")),
	                    "T1564.001");
	/* the note's placeholders as detection-rules' build writes them, "$$" a dollar */
	const char *note = json_str(rule, "note");
	assert_non_null(
	    strstr(note, "  - !{investigate{\"description\":\"Everything the launcher did\",\"label\":\"Events of "
	                 "the same process\",\"providers\":[[{\"excluded\":false,\"field\":\"host.name\""));
	assert_non_null(
	    strstr(note, "- List launch agents: !{osquery{\"label\":\"Launch agents on the host\",\"query\":"));
	assert_non_null(strstr(note, "- Costs $5, and $unknown_1 stays.\n"));
	assert_null(strstr(note, "$investigate_0"));
	cJSON_Delete(rule), cJSON_Delete(meta), release(&s);

	/* [rule.new_terms] as Kibana's fields; filters and alert_suppression as written */
	s = find("c0ffee00-0000-4000-8000-000000000002");
	rule = cJSON_Parse(s.json);
	char *terms = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rule, "new_terms_fields"));
	assert_string_equal(terms, "[\"user.name\",\"process.name\"]");
	cJSON_free(terms);
	assert_string_equal(json_str(rule, "history_window_start"), "now-7d");
	assert_null(cJSON_GetObjectItemCaseSensitive(rule, "new_terms"));
	char *sup = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rule, "alert_suppression"));
	assert_string_equal(sup, "{\"duration\":{\"unit\":\"h\",\"value\":2},\"group_by\":[\"host.name\"],"
	                         "\"missing_fields_strategy\":\"suppress\"}");
	cJSON_free(sup);
	const cJSON *filter = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rule, "filters"), 0);
	assert_true(
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(filter, "meta"), "negate")));
	const cJSON *phrase = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(filter, "query"), "match_phrase"),
	    "user.name");
	assert_string_equal(cJSON_GetStringValue(phrase), "root");
	cJSON_Delete(rule), release(&s);

	/* enable --all: the newest version of each rule */
	int64_t changed;
	assert_int_equal(store_rules_set_enabled_all(db, 1, &changed), 0);
	assert_int_equal(changed, 3);
	s = find("c0ffee00-0000-4000-8000-000000000003");
	assert_int_equal(s.enabled, 1);
	release(&s);
	assert_int_equal(store_rules_set_enabled_all(db, 0, &changed), 0);
	assert_int_equal(changed, 3);
}

/* Which version.lock.json a file's version comes from. */
struct lock_case {
	const char *path, *lock, *rule_id;
	int64_t version;
};

static const struct lock_case lock_cases[] = {
    /* one file: the nearest lock above it, detection-rules' detection_rules/etc/ included */
    {FIX "/tree/rules/macos/hidden_launcher.toml", NULL, "c0ffee00-0000-4000-8000-000000000001", 12},
    /* --version-lock wins over any found */
    {FIX "/tree/rules/macos/hidden_launcher.toml", FIX "/other.lock.json", "c0ffee00-0000-4000-8000-000000000001", 40},
    {FIX "/tree/rules/linux/own_version.toml", FIX "/other.lock.json", "c0ffee00-0000-4000-8000-000000000003", 41},
    /* no lock has it, and the TOML names none: 1, Kibana's first version */
    {FIX "/damaged/fine.toml", FIX "/other.lock.json", "c0ffee00-0000-4000-8000-000000000002", 1},
};

static void test_version_locks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lock_cases) / sizeof(lock_cases[0]); i++) {
		const struct lock_case *l = &lock_cases[i];
		struct import_counts c;
		struct ruleimport_counts rc;
		assert_int_equal(run_import(l->path, l->lock, &c, &rc), 0);
		struct stored s = {.found = 0};
		assert_int_equal(store_rule_find(db, l->rule_id, l->version, take, &s), 1);
		release(&s);
	}
}

/* Imports path into db without a version lock, as rules import does, expecting it to report
 * damage (1): what it printed, to free. */
static char *import_diagnosing(const char *path, struct import_counts *c, struct ruleimport_counts *rc)
{
	char *errs = NULL;
	size_t errlen = 0;
	FILE *f = open_memstream(&errs, &errlen);
	struct ruleimport_options o = {.version_lock = NULL};
	assert_int_equal(rules_import_path(db, path, &o, c, rc, &(struct diag_sink){diag_to_stream, f}), 1);
	fclose(f);
	return errs;
}

static void test_damaged_toml_names_line_and_column(void **state)
{
	(void)state;
	struct import_counts c = {0};
	struct ruleimport_counts rc = {0};
	char *errs = import_diagnosing(FIX "/damaged", &c, &rc);
	/* line 6 "risk_score = 21," : the comma, column 16, ends what a key-value pair may hold */
	assert_non_null(strstr(errs, FIX "/damaged/broken.toml:6:16: Error while parsing key-value pair: expected a "
	                                 "comment or whitespace, saw ',' (not valid TOML; the file was skipped)\n"));
	assert_int_equal(tu_count(errs, "not valid TOML"), 1);
	assert_int_equal(rc.damaged_files, 1);
	assert_int_equal(c.rules_added, 1); /* fine.toml beside it */
	free(errs);
}

static void test_saved_object_folder(void **state)
{
	(void)state;
	struct import_counts c = {0};
	struct ruleimport_counts rc = {0};
	char *errs = import_diagnosing(FIX "/saved", &c, &rc);
	/* a missing comma: cJSON stops at the next member's opening quote, column 32 */
	assert_non_null(strstr(errs, "damaged.json:1:32: not valid JSON (the file was skipped)\n"));
	/* Kibana installs the newest version of each rule the package has */
	assert_int_equal(rc.package_rules, 2);
	assert_int_equal(rc.older_versions, 1);
	struct stored s = find("c0ffee00-0000-4000-8000-00000000000a");
	assert_int_equal(s.version, 2);
	assert_int_equal(s.enabled, 0); /* the file says enabled: Kibana installs prebuilt rules disabled */
	release(&s);
	free(errs);
}

/* Kibana's package as downloaded: security_detection_engine-VERSION/ at the top. */
static void build_package(const char *zip_path)
{
	int err;
	zip_t *z = zip_open(zip_path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(z);
	static const char *const files[] = {"c0ffee00-0000-4000-8000-00000000000a_1.json",
	                                    "c0ffee00-0000-4000-8000-00000000000a_2.json",
	                                    "c0ffee00-0000-4000-8000-00000000000b_5.json"};
	char src[512], dst[512];
	for (size_t i = 0; i < 3; i++) {
		snprintf(src, sizeof(src), FIX "/saved/kibana/security_rule/%s", files[i]);
		snprintf(dst, sizeof(dst), "security_detection_engine-9.9.9/kibana/security_rule/%s", files[i]);
		zip_source_t *zs = zip_source_file(z, src, 0, -1);
		assert_non_null(zs);
		assert_true(zip_file_add(z, dst, zs, ZIP_FL_OVERWRITE) >= 0);
	}
	static const char manifest[] = "name: security_detection_engine\nversion: 9.9.9\n";
	zip_source_t *m = zip_source_buffer(z, manifest, sizeof(manifest) - 1, 0);
	assert_true(zip_file_add(z, "security_detection_engine-9.9.9/manifest.yml", m, 0) >= 0);
	assert_int_equal(zip_close(z), 0);
}

static void test_fleet_package_zip(void **state)
{
	(void)state;
	const char *zip_path = tu_path("security_detection_engine-9.9.9.zip");
	build_package(zip_path);
	struct import_counts c;
	struct ruleimport_counts rc;
	assert_int_equal(run_import(zip_path, NULL, &c, &rc), 0);
	assert_int_equal(rc.package_rules, 2);
	assert_int_equal(rc.older_versions, 1);
	assert_int_equal(c.rules_added, 2);
	struct stored s = find("c0ffee00-0000-4000-8000-00000000000b");
	assert_int_equal(s.version, 5);
	assert_int_equal(s.enabled, 0);
	release(&s);
	/* the same package again changes nothing */
	assert_int_equal(run_import(zip_path, NULL, &c, &rc), 0);
	assert_int_equal(c.rules_unchanged, 2);
}

/* ---- packages built here, from casebook's own rules ---- */

#define PKG "security_detection_engine-8.99.1/"

/* One saved object as the package holds it (kibana/security_rule/RULEID_VERSION.json): the rule
 * under "attributes", the saved object's id RULEID_VERSION, type "security-rule". */
static char *saved_rule_json(const char *rule_id, int version, const char *type, const char *query)
{
	struct strbuf b;
	strbuf_init(&b, 512);
	strbuf_addf(&b,
	            "{\"attributes\":{\"rule_id\":\"%s\",\"version\":%d,\"name\":\"pkg %s v%d\",\"type\":\"%s\","
	            "\"language\":\"%s\",\"query\":\"%s\",\"index\":[\"logs-*\"],\"risk_score\":21,"
	            "\"severity\":\"low\",\"description\":\"casebook's own test rule\",\"enabled\":true,"
	            "\"author\":[\"casebook\"],\"license\":\"Apache-2.0\",\"from\":\"now-9m\",\"interval\":\"5m\"},"
	            "\"id\":\"%s_%d\",\"type\":\"security-rule\",\"references\":[],"
	            "\"coreMigrationVersion\":\"8.8.0\",\"typeMigrationVersion\":\"10.1.0\"}",
	            rule_id, version, rule_id, version, type, strcmp(type, "eql") ? "kuery" : "eql", query, rule_id,
	            version);
	return b.buf;
}

static void add_text(zip_t *z, const char *name, const char *text)
{
	char *copy = strdup(text);
	zip_source_t *zs = zip_source_buffer(z, copy, strlen(copy), 1);
	assert_non_null(zs);
	assert_true(zip_file_add(z, name, zs, ZIP_FL_OVERWRITE) >= 0);
}

static void add_rule(zip_t *z, const char *rule_id, int version, const char *type, const char *query)
{
	char name[256];
	snprintf(name, sizeof(name), PKG "kibana/security_rule/%s_%d.json", rule_id, version);
	char *json = saved_rule_json(rule_id, version, type, query);
	add_text(z, name, json);
	free(json);
}

/* The package's shape: a manifest, tags, and the rules with earlier versions beside them. */
static zip_t *new_package(const char *path)
{
	int err;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(z);
	add_text(z, PKG "manifest.yml", "format_version: 3.0.0\nname: security_detection_engine\nversion: 8.99.1\n");
	add_text(z, PKG "kibana/tag/security_detection_engine-tag-1.json", "{\"type\":\"tag\"}");
	add_rule(z, "cb000000-0000-4000-8000-0000000000a1", 1, "query", "process.name : sh");
	add_rule(z, "cb000000-0000-4000-8000-0000000000a1", 3, "query", "process.name : bash");
	add_rule(z, "cb000000-0000-4000-8000-0000000000a1", 2, "query", "process.name : zsh");
	add_rule(z, "cb000000-0000-4000-8000-0000000000b2", 7, "eql", "process where process.name == \\\"ls\\\"");
	return z;
}

static void test_built_package(void **state)
{
	(void)state;
	const char *path = tu_path("security_detection_engine-8.99.1.zip");
	assert_int_equal(zip_close(new_package(path)), 0);
	struct import_counts c;
	struct ruleimport_counts rc;
	assert_int_equal(run_import(path, NULL, &c, &rc), 0);
	assert_int_equal(rc.package_rules, 2);  /* the newest of each rule_id */
	assert_int_equal(rc.older_versions, 2); /* a1 v1 and v2 */
	assert_int_equal(rc.damaged_files, 0);
	assert_int_equal(c.rules_added, 2);
	struct stored a = find("cb000000-0000-4000-8000-0000000000a1"),
	              b = find("cb000000-0000-4000-8000-0000000000b2");
	assert_int_equal(a.version, 3);
	assert_int_equal(a.enabled, 0); /* the object says enabled: prebuilt rules install disabled */
	assert_int_equal(b.version, 7);
	assert_int_equal(b.enabled, 0);
	release(&a);
	release(&b);
}

/* A hostile package: each case adds its entries to a package whose good rule (b2 v7) still
 * installs; the import names the package and the entry, and fails (1), never crashes. */
struct hostile_zip {
	const char *what;
	void (*build)(zip_t *z);
	/* after zip_close: damage the file's bytes (NULL: none) */
	void (*damage)(const char *path);
	const char *err; /* the exact line, "%s" standing for the package's path */
	unsigned damaged, added;
};

static void build_bomb(zip_t *z)
{
	size_t n = 4u << 20;
	char *spaces = malloc(n + 1);
	memset(spaces, ' ', n);
	spaces[0] = '{', spaces[n - 1] = '}', spaces[n] = '\0';
	zip_source_t *zs = zip_source_buffer(z, spaces, n, 1);
	zip_int64_t i = zip_file_add(z, PKG "kibana/security_rule/bomb.json", zs, 0);
	assert_true(i >= 0);
	assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_DEFLATE, 9), 0);
}

static void build_traversal(zip_t *z)
{
	add_text(z, "../kibana/security_rule/up.json", "{}");
	add_text(z, PKG "kibana/security_rule/../../../etc/x.json", "{}");
}

static void build_absolute(zip_t *z)
{
	add_text(z, "/tmp/kibana/security_rule/abs.json", "{}");
	add_text(z, PKG "kibana\\security_rule\\win.json", "{}");
}

static void build_symlink(zip_t *z)
{
	add_text(z, PKG "kibana/security_rule/link.json", "/etc/passwd");
	zip_int64_t i = zip_name_locate(z, PKG "kibana/security_rule/link.json", 0);
	assert_true(i >= 0);
	assert_int_equal(zip_file_set_external_attributes(z, (zip_uint64_t)i, 0, ZIP_OPSYS_UNIX, 0120777u << 16), 0);
}

static void build_many(zip_t *z)
{
	char name[64];
	for (unsigned i = 0; i < 200000; i++) { /* with the package's 6: 200,006, over 200,000 */
		snprintf(name, sizeof(name), PKG "x/%u", i);
		zip_source_t *zs = zip_source_buffer(z, NULL, 0, 0);
		zip_int64_t at = zip_file_add(z, name, zs, 0);
		assert_true(at >= 0);
		zip_set_file_compression(z, (zip_uint64_t)at, ZIP_CM_STORE, 0);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	char *buf = malloc(*len);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static void spill(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Every central directory header's signature (PK 1 2) broken. */
static void damage_directory(const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	for (size_t i = 0; i + 4 <= len; i++)
		if (!memcmp(buf + i, "PK\1\2", 4))
			buf[i + 2] = 9;
	spill(path, buf, len);
	free(buf);
}

/* Cut after the first half: no end of central directory. */
static void damage_truncate(const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	spill(path, buf, len / 2);
	free(buf);
}

/* One byte of the a1 v3 rule's deflated data changed: the stream no longer inflates. */
static void damage_entry(const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	const char *name = PKG "kibana/security_rule/cb000000-0000-4000-8000-0000000000a1_3.json";
	size_t nlen = strlen(name);
	for (size_t i = 0; i + 30 + nlen <= len; i++)
		if (!memcmp(buf + i, "PK\3\4", 4) && !memcmp(buf + i + 30, name, nlen)) {
			size_t extra = (unsigned char)buf[i + 28] | (size_t)(unsigned char)buf[i + 29] << 8;
			buf[i + 30 + nlen + extra + 5] ^= 0x55;
			break;
		}
	spill(path, buf, len);
	free(buf);
}

static const struct hostile_zip hostile_zips[] = {
    {"traversal", build_traversal, NULL,
     "%s:../kibana/security_rule/up.json: its name climbs out of the package with \"..\" (not read)\n"
     "%s:" PKG "kibana/security_rule/../../../etc/x.json: its name climbs out of the package with \"..\" "
     "(not read)\n",
     2, 2},
    {"absolute", build_absolute, NULL,
     "%s:/tmp/kibana/security_rule/abs.json: its name is absolute or holds a backslash (not read)\n"
     "%s:" PKG "kibana\\security_rule\\win.json: its name is absolute or holds a backslash (not read)\n",
     2, 2},
    {"symlink", build_symlink, NULL, "%s:" PKG "kibana/security_rule/link.json: a symbolic link (not read)\n", 1, 2},
    {"many entries", build_many, NULL,
     "%s: cannot read the package: 200006 entries, more than casebook reads (200000)\n", 1, 0},
    {"directory", NULL, damage_directory, "%s: cannot read the package: Not a zip archive\n", 1, 0},
    {"truncated", NULL, damage_truncate, "%s: cannot read the package: Not a zip archive\n", 1, 0},
    {"entry", NULL, damage_entry,
     "%s:" PKG "kibana/security_rule/cb000000-0000-4000-8000-0000000000a1_3.json: damaged in the package: "
     "Zlib error: data error\n",
     1, 2},
};

static void test_hostile_packages(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(hostile_zips) / sizeof(hostile_zips[0]); k++) {
		const struct hostile_zip *h = &hostile_zips[k];
		print_message("%s\n", h->what);
		char name[64];
		snprintf(name, sizeof(name), "hostile-%zu.zip", k);
		const char *path = tu_path(name);
		zip_t *z = new_package(path);
		if (h->build)
			h->build(z);
		assert_int_equal(zip_close(z), 0);
		if (h->damage)
			h->damage(path);
		struct import_counts c = {0};
		struct ruleimport_counts rc = {0};
		char *errs = import_diagnosing(path, &c, &rc);
		struct strbuf want; /* each "%s" of the expected text is the package's path */
		strbuf_init(&want, 512);
		for (const char *e = h->err; *e; e++)
			if (e[0] == '%' && e[1] == 's')
				strbuf_addstr(&want, path), e++;
			else
				strbuf_addch(&want, *e);
		assert_string_equal(errs, want.buf);
		strbuf_release(&want);
		assert_int_equal(rc.damaged_files, h->damaged);
		assert_int_equal(c.rules_added, h->added);
		free(errs);
		/* a fresh case for the next */
		store_close(db);
		snprintf(name, sizeof(name), "hostile-%zu", k);
		db = tu_new_case(name);
	}
}

/* A zip bomb: 4 MiB of JSON whitespace deflates some thousand to one; the entry is named and
 * left unread (its ratio from the package's own directory). */
static void test_zip_bomb(void **state)
{
	(void)state;
	const char *path = tu_path("bomb.zip");
	zip_t *z = new_package(path);
	build_bomb(z);
	assert_int_equal(zip_close(z), 0);
	int err;
	z = zip_open(path, ZIP_RDONLY, &err);
	zip_stat_t st;
	assert_int_equal(zip_stat(z, PKG "kibana/security_rule/bomb.json", 0, &st), 0);
	zip_discard(z);
	assert_true(st.size / st.comp_size > 100);
	struct import_counts c = {0};
	struct ruleimport_counts rc = {0};
	char *errs = import_diagnosing(path, &c, &rc);
	char want[512];
	snprintf(want, sizeof(want),
	         "%s:" PKG "kibana/security_rule/bomb.json: 4194304 bytes from %llu compressed, more than 100 to 1 (a "
	         "zip bomb?; not read)\n",
	         path, (unsigned long long)st.comp_size);
	assert_string_equal(errs, want);
	assert_int_equal(c.rules_added, 2);
	free(errs);
}

/* Many entries of 1 MiB of whitespace each (a thousand to one, none over the size an entry's
 * own ratio is checked from): 600 KB of package was 500 MB to inflate and parse, twice. Over
 * 64 MiB of rules, the package's rule entries together may deflate 100 to 1 at most: it is
 * named and nothing of it is read, its good rules neither. */
static void test_zip_bomb_of_many_entries(void **state)
{
	(void)state;
	const char *path = tu_path("many-bombs.zip");
	zip_t *z = new_package(path);
	size_t n = 1u << 20;
	char *spaces = malloc(n);
	memset(spaces, ' ', n);
	spaces[0] = '{', spaces[n - 1] = '}';
	for (int k = 0; k < 65; k++) {
		char name[128];
		snprintf(name, sizeof(name), PKG "kibana/security_rule/bomb-%d.json", k);
		zip_source_t *zs = zip_source_buffer(z, spaces, n, 0);
		zip_int64_t i = zip_file_add(z, name, zs, 0);
		assert_true(i >= 0);
		assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_DEFLATE, 9), 0);
	}
	assert_int_equal(zip_close(z), 0);
	free(spaces);
	/* the rule entries' sizes, as the package's directory has them */
	int err;
	z = zip_open(path, ZIP_RDONLY, &err);
	unsigned long long size = 0, comp = 0;
	for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); i++) {
		zip_stat_t st;
		assert_int_equal(zip_stat_index(z, (zip_uint64_t)i, 0, &st), 0);
		if (strstr(st.name, "kibana/security_rule/"))
			size += st.size, comp += st.comp_size;
	}
	zip_discard(z);
	assert_true(size > 65ull << 20 && size / comp > 100);
	struct import_counts c = {0};
	struct ruleimport_counts rc = {0};
	char *errs = import_diagnosing(path, &c, &rc);
	char want[512];
	snprintf(want, sizeof(want),
	         "%s: cannot read the package: its rules are %llu bytes from %llu compressed, more than 100 to 1 (a "
	         "zip bomb?)\n",
	         path, size, comp);
	assert_string_equal(errs, want);
	assert_int_equal(c.rules_added, 0);
	assert_int_equal(rc.damaged_files, 1);
	free(errs);
}

static int count_runnable(void *ctx, const struct rule_row *row)
{
	struct rule r;
	char why[300];
	if (rule_from_row(row, &r, why, sizeof(why)) == 0) {
		if (!r.unsupported)
			(*(unsigned *)ctx)++;
		else
			print_message("%s: %s\n", r.name, r.unsupported);
		rule_release(&r);
	}
	return 0;
}

/* The 97 real macOS rules of ../shared (read there, never copied): every one imports, with
 * the version version.lock.json gives it. */
static void test_shared_elastic_macos(void **state)
{
	(void)state;
	const char *dir = "../shared/rules/elastic-macos";
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		skip();
		return;
	}
	struct import_counts c;
	struct ruleimport_counts rc;
	assert_int_equal(run_import(dir, NULL, &c, &rc), 0);
	assert_int_equal(rc.toml_files, 97);
	assert_int_equal(c.rules_added, 97);
	assert_int_equal(c.rules_invalid, 0);
	assert_int_equal(rc.damaged_files, 0);
	assert_int_equal(rc.locked, 97);
	int64_t n;
	assert_int_equal(store_rule_count(db, NULL, &n), 0);
	assert_int_equal(n, 97);
	/* and detect runs every one of them: none is of a type, language or form it skips */
	unsigned runs = 0;
	assert_int_equal(store_rules_each(db, count_runnable, &runs), 0);
	assert_int_equal(runs, 97);
}

/* A wildcard filter as detection-rules writes it in TOML (a negated, case-insensitive Windows
 * path pattern under [rule.filters.query.wildcard."field"]): the rule imports and runs, its
 * filter read as Elasticsearch's wildcard query. */
static void test_toml_wildcard_filter_runs(void **state)
{
	(void)state;
	const char *path = tu_path("wildcard_filter.toml");
	tu_write_str(path, "[metadata]\nmaturity = \"production\"\n\n[rule]\n"
	                   "rule_id = \"c0ffee00-0000-4000-8000-0000000000f1\"\nname = \"Script written\"\n"
	                   "description = \"d\"\nrisk_score = 21\nseverity = \"low\"\ntype = \"query\"\n"
	                   "language = \"kuery\"\nquery = \"event.category:file\"\n\n"
	                   "[[rule.filters]]\n\n[rule.filters.meta]\nnegate = true\n"
	                   "[rule.filters.query.wildcard.\"file.path\"]\ncase_insensitive = true\n"
	                   "value = \"?:\\\\\\\\Temp\\\\\\\\SDIAG*\"\n");
	struct import_counts c;
	struct ruleimport_counts rc;
	assert_int_equal(run_import(path, NULL, &c, &rc), 0);
	assert_int_equal(c.rules_added, 1);
	assert_int_equal(c.unsupported, 0);
	struct stored st = find("c0ffee00-0000-4000-8000-0000000000f1");
	assert_true(st.found);
	cJSON *rule = cJSON_Parse(st.json);
	const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rule, "filters"), 0);
	/* TOML's "\\\\" is the two backslashes of the JSON rule: one escaped backslash */
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "query"), "wildcard"), "file.path");
	assert_string_equal(json_str(w, "value"), "?:\\\\Temp\\\\SDIAG*");
	cJSON_Delete(rule);
	unsigned runs = 0;
	assert_int_equal(store_rules_each(db, count_runnable, &runs), 0);
	assert_int_equal(runs, 1);
	release(&st);
}

/* The command line on a package built here: installed disabled, the earlier versions counted. */
static void test_package_import_command(void **state)
{
	(void)state;
	const char *path = tu_path("cli-security_detection_engine-8.99.1.zip");
	assert_int_equal(zip_close(new_package(path)), 0);
	struct strbuf out, err;
	strbuf_init(&out, 1024);
	strbuf_init(&err, 1024);
	const char *dbp = tu_path("cli-pkg.db");
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' rules import '%s'", tu_casebook(), dbp, path), 0);
	assert_string_equal(out.buf, "2 rules: 2 added, 0 updated, 0 unchanged, 0 invalid; 0 exception lists, 0 items\n"
	                             "prebuilt: 0 TOML files, 2 package rules (2 earlier versions left out), 0 "
	                             "deprecated left out, 0 versions from a version.lock.json, 0 damaged files\n"
	                             "prebuilt rules are installed disabled, as Kibana installs them: 'casebook rules "
	                             "enable --all' runs them\n");
	assert_string_equal(err.buf, "");
	strbuf_release(&out);
	strbuf_release(&err);
}

/* The command line: a tree and a damaged file in one import, then enable --all. */
static void test_rules_import_command(void **state)
{
	(void)state;
	struct strbuf out, err;
	strbuf_init(&out, 1024);
	strbuf_init(&err, 1024);
	const char *dbp = tu_path("cli.db");
	int rc = tu_run(&out, &err, "%s --db '%s' rules import " FIX "/tree " FIX "/damaged/broken.toml", tu_casebook(),
	                dbp);
	assert_int_equal(rc, 1); /* a damaged file: exit 1, the rest imported */
	assert_non_null(strstr(out.buf,
	                       "3 rules: 3 added, 0 updated, 0 unchanged, 0 invalid; 0 exception lists, 0 items\n"
	                       "prebuilt: 5 TOML files, 0 package rules (0 earlier versions left out), 1 deprecated "
	                       "left out, 2 versions from a version.lock.json, 1 damaged files\n"));
	assert_non_null(strstr(err.buf, FIX "/damaged/broken.toml:6:16: "));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' rules", tu_casebook(), dbp), 0);
	assert_non_null(strstr(out.buf,
	                       "    detection-rules: maturity production, created 2025/01/02, updated 2025/03/04, "
	                       "integration endpoint, min_stack_version 8.14.0\n"));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' rules enable --all", tu_casebook(), dbp), 0);
	assert_non_null(strstr(out.buf, "rule versions enabled (the newest version of each rule)\n"));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' rules import --version-lock", tu_casebook(), dbp), 64);
	strbuf_release(&out);
	strbuf_release(&err);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	tu_tmpdir();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_toml_values),
	    cmocka_unit_test(test_toml_depth_is_capped),
	    cmocka_unit_test(test_transforms_in_the_note),
	    cmocka_unit_test(test_guide_plugins_are_text),
	    cmocka_unit_test(test_guide_placeholders_filled),
	    T(test_tree_import),
	    T(test_version_locks),
	    T(test_damaged_toml_names_line_and_column),
	    T(test_saved_object_folder),
	    T(test_fleet_package_zip),
	    T(test_built_package),
	    T(test_hostile_packages),
	    T(test_zip_bomb),
	    T(test_zip_bomb_of_many_entries),
	    T(test_shared_elastic_macos),
	    T(test_toml_wildcard_filter_runs),
	    cmocka_unit_test(test_rules_import_command),
	    cmocka_unit_test(test_package_import_command),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tu_cleanup();
	return rc;
}
