/* One reading of the record: the alert's entities as one typed list with one wording (the
 * Overview, the Markdown export and `show` print it), and the triage vocabulary (status,
 * severity, checklist kind and state) as enums with one ranking. */
#include "tests/testutil.h"

#include <string.h>

#include "common/vocab.h"
#include "triage/entities.h"

/* Elastic Defend's macOS process fields (ECS process.*, process.code_signature.*: exists,
 * subject_name, trusted, team_id, status as Endpoint writes them). */
static const struct entity_case {
	const char *name, *event, *alert;
	const char *want[ENTITY_COUNT]; /* the text of each kind, NULL when left out */
} entity_cases[] = {
    {"an unsigned binary (exists false, empty subject)",
     "{\"host\":{\"name\":\"mac-01\",\"id\":\"h1\",\"os\":{\"type\":\"macos\"}},\"user\":{\"name\":\"root\"},"
     "\"process\":{\"executable\":\"/tmp/ZoomUpdate\",\"name\":\"ZoomUpdate\",\"pid\":745,"
     "\"command_line\":\"/tmp/ZoomUpdate --silent\",\"parent\":{\"executable\":\"/System/Finder\",\"name\":"
     "\"Finder\",\"pid\":388},\"code_signature\":{\"exists\":false,\"subject_name\":\"\",\"trusted\":false,"
     "\"team_id\":\"\",\"status\":\"errorCodeSignature\"}}}",
     NULL,
     {[ENTITY_HOST] = "mac-01 (id h1, OS macos)",
      [ENTITY_USER] = "root",
      [ENTITY_PROCESS] = "/tmp/ZoomUpdate (pid 745)",
      [ENTITY_COMMAND_LINE] = "/tmp/ZoomUpdate --silent",
      [ENTITY_PARENT] = "/System/Finder (pid 388)",
      [ENTITY_SIGNATURE] = "unsigned; not trusted; status errorCodeSignature"}},
    {"a signed binary with its team",
     "{\"process\":{\"name\":\"zoom\",\"code_signature\":{\"exists\":true,\"subject_name\":\"Developer ID "
     "Application: Zoom\",\"trusted\":true,\"team_id\":\"BJ4HAAB9B3\",\"status\":\"trusted\"}}}",
     NULL,
     {[ENTITY_PROCESS] = "zoom",
      [ENTITY_SIGNATURE] = "Developer ID Application: Zoom; trusted; team BJ4HAAB9B3; status trusted"}},
    {"no code_signature at all: none recorded, not unsigned",
     "{\"process\":{\"executable\":\"/bin/sh\",\"pid\":1}}",
     NULL,
     {[ENTITY_PROCESS] = "/bin/sh (pid 1)",
      [ENTITY_SIGNATURE] = "none recorded (the event has no process.code_signature)"}},
    {"a parent known by its name only",
     "{\"process\":{\"name\":\"sh\",\"parent\":{\"name\":\"dspluginhelperd\"}}}",
     NULL,
     {[ENTITY_PROCESS] = "sh",
      [ENTITY_PARENT] = "dspluginhelperd",
      [ENTITY_SIGNATURE] = "none recorded (the event has no process.code_signature)"}},
    {"a renamed file with its hash, no process (its size is left out: cJSON would round 2^64-1)",
     "{\"file\":{\"path\":\"/a/b\",\"hash\":{\"sha256\":\"ab12\"},\"size\":46629,\"Ext\":{\"original\":{\"path\":"
     "\"/tmp/b\"}}}}",
     NULL,
     {[ENTITY_FILE] = "/a/b; SHA-256 ab12; renamed from /tmp/b"}},
    {"an IPv6 destination takes brackets before its port, then the domain",
     "{\"destination\":{\"ip\":\"2001:db8::1\",\"port\":443,\"domain\":\"evil.example\"}}",
     NULL,
     {[ENTITY_DESTINATION] = "[2001:db8::1]:443 (evil.example)"}},
    {"what the event lacks comes from the alert; a derived OS says so",
     "{\"host\":{\"name\":\"mac-02\"}}",
     "{\"host\":{\"name\":\"other\",\"os\":{\"type\":\"macos\"}},\"casebook\":{\"derived_fields\":[\"host.os.type\"]},"
     "\"user\":{\"name\":\"amara\"}}",
     {[ENTITY_HOST] = "mac-02 (OS macos, derived from host.os.platform)", [ENTITY_USER] = "amara"}},
    {"an imported alert whose event is not in the case", NULL, "{\"host\":{\"id\":\"h9\"}}", {[ENTITY_HOST] = "h9"}},
};

static void test_entities_read_one_wording(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(entity_cases) / sizeof(entity_cases[0]); c++) {
		const struct entity_case *t = &entity_cases[c];
		struct entity_list l;
		if (entities_read(t->event, t->alert, &l))
			fail_msg("%s: not read", t->name);
		size_t want_n = 0;
		for (int k = 0; k < ENTITY_COUNT; k++) {
			const struct entity *e = entities_find(&l, (enum entity_kind)k);
			if (!t->want[k] != !e)
				fail_msg("%s: %s %s", t->name, entity_label((enum entity_kind)k),
				         e ? "should be left out" : "missing");
			if (e && strcmp(e->text, t->want[k]))
				fail_msg("%s: %s is \"%s\", want \"%s\"", t->name, entity_label((enum entity_kind)k),
				         e->text, t->want[k]);
			want_n += t->want[k] != NULL;
		}
		assert_int_equal(l.n, want_n);
		for (size_t i = 1; i < l.n; i++) /* in ENTITY_KINDS order */
			assert_true(l.v[i - 1].kind < l.v[i].kind);
		entities_release(&l);
	}
}

static void test_entities_refuse_what_is_not_json(void **state)
{
	(void)state;
	struct entity_list l;
	assert_int_equal(entities_read("{not json", NULL, &l), -1);
	assert_int_equal(l.n, 0);
	entities_release(&l);
	assert_int_equal(entities_read(NULL, NULL, &l), -1);
	entities_release(&l);
	assert_string_equal(entity_label(ENTITY_PARENT), "Parent process");
	assert_string_equal(entity_label(ENTITY_SIGNATURE), "Code signature");
}

/* Kibana's words (kibana.alert.workflow_status, kibana.alert.severity) and casebook's item words,
 * each read and written through the one table; a word not in it is unknown, never a near one. */
static void test_vocabulary_round_trips_and_ranks(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int status, severity, kind, item_state;
	} words[] = {
	    {"open", STATUS_OPEN, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, STATE_OPEN},
	    {"acknowledged", STATUS_ACKNOWLEDGED, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, ITEM_STATE_UNKNOWN},
	    {"closed", STATUS_CLOSED, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, ITEM_STATE_UNKNOWN},
	    {"in-progress", STATUS_UNKNOWN, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, ITEM_STATE_UNKNOWN},
	    {"Open", STATUS_UNKNOWN, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, ITEM_STATE_UNKNOWN},
	    {"low", STATUS_UNKNOWN, SEVERITY_LOW, ITEM_KIND_UNKNOWN, ITEM_STATE_UNKNOWN},
	    {"critical", STATUS_UNKNOWN, SEVERITY_CRITICAL, ITEM_KIND_UNKNOWN, ITEM_STATE_UNKNOWN},
	    {"check", STATUS_UNKNOWN, SEVERITY_UNKNOWN, ITEM_CHECK, ITEM_STATE_UNKNOWN},
	    {"response", STATUS_UNKNOWN, SEVERITY_UNKNOWN, ITEM_RESPONSE, ITEM_STATE_UNKNOWN},
	    {"checked", STATUS_UNKNOWN, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, STATE_CHECKED},
	    {"na", STATUS_UNKNOWN, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, STATE_NA},
	    {"", STATUS_UNKNOWN, SEVERITY_UNKNOWN, ITEM_KIND_UNKNOWN, ITEM_STATE_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		const char *w = words[i].text;
		assert_int_equal(alert_status_from(w), words[i].status);
		assert_int_equal(severity_from(w), words[i].severity);
		assert_int_equal(item_kind_from(w), words[i].kind);
		assert_int_equal(item_state_from(w), words[i].item_state);
		if (words[i].status != STATUS_UNKNOWN)
			assert_string_equal(alert_status_name(words[i].status), w);
		if (words[i].severity != SEVERITY_UNKNOWN)
			assert_string_equal(severity_name(words[i].severity), w);
		if (words[i].kind != ITEM_KIND_UNKNOWN)
			assert_string_equal(item_kind_name(words[i].kind), w);
		if (words[i].item_state != ITEM_STATE_UNKNOWN)
			assert_string_equal(item_state_name(words[i].item_state), w);
	}
	assert_int_equal(alert_status_from(NULL), STATUS_UNKNOWN);
	assert_int_equal(severity_from(NULL), SEVERITY_UNKNOWN);
	/* one ranking: Kibana's alerts table sorts critical > high > medium > low, TheHive 4..1 */
	assert_int_equal(severity_from("low"), 1);
	assert_int_equal(severity_from("medium"), 2);
	assert_int_equal(severity_from("high"), 3);
	assert_int_equal(severity_from("critical"), 4);
	assert_string_equal(alert_status_name(STATUS_UNKNOWN), "?");
	assert_string_equal(severity_name(SEVERITY_UNKNOWN), "?");
	assert_int_equal(item_initial_state(ITEM_CHECK), STATE_OPEN);
	assert_int_equal(item_initial_state(ITEM_RESPONSE), STATE_PENDING);
	static const struct {
		int state, settled;
	} settled[] = {{STATE_OPEN, 0}, {STATE_CHECKED, 1}, {STATE_PENDING, 0},
	               {STATE_DONE, 1}, {STATE_SKIPPED, 1}, {STATE_NA, 1}};
	for (size_t i = 0; i < sizeof(settled) / sizeof(settled[0]); i++)
		assert_int_equal(item_state_settled(settled[i].state), settled[i].settled);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entities_read_one_wording),
	    cmocka_unit_test(test_entities_refuse_what_is_not_json),
	    cmocka_unit_test(test_vocabulary_round_trips_and_ranks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
