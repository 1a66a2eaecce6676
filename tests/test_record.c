/* One reading of the record: the alert's entities as one typed list with one wording (the
 * Overview, the Markdown export and `show` print it), and the triage vocabulary (status,
 * severity, checklist kind and state) as enums with one ranking. */
#include "tests/testutil.h"

#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entities_read_one_wording),
	    cmocka_unit_test(test_entities_refuse_what_is_not_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
