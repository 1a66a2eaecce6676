/* cJSON trees in an arena: what detect parses each candidate into. */
#include "tests/testutil.h"

#include <string.h>

#include "common/jsonarena.h"
#include "common/strbuf.h"

/* Trees parsed one after another, each read whole and dropped by a reset; a document larger
 * than a chunk; text that is not JSON; a string added to a tree of the arena. */
static void test_trees_live_until_reset(void **state)
{
	(void)state;
	struct json_arena *a = json_arena_new();
	char doc[128];
	for (int i = 0; i < 5000; i++) {
		snprintf(doc, sizeof(doc), "{\"n\":%d,\"s\":\"v%d\",\"a\":[1,{\"b\":true}]}", i, i);
		cJSON *t = json_arena_parse(a, doc, strlen(doc));
		assert_non_null(t);
		assert_int_equal(cJSON_GetObjectItem(t, "n")->valueint, i);
		char want[16];
		snprintf(want, sizeof(want), "v%d", i);
		assert_string_equal(cJSON_GetObjectItem(t, "s")->valuestring, want);
		if (i % 7 == 0) {
			json_arena_add_string(a, t, "host.os.type", "macos");
			assert_string_equal(cJSON_GetObjectItem(t, "host.os.type")->valuestring, "macos");
		}
		if (i % 3 == 0) /* some trees share the arena with the next ones */
			json_arena_reset(a);
	}
	json_arena_reset(a);
	struct strbuf big;
	strbuf_init(&big, 1 << 20);
	strbuf_addstr(&big, "{\"k\":\"");
	for (int i = 0; i < 300000; i++)
		strbuf_addch(&big, 'x');
	strbuf_addstr(&big, "\",\"z\":1}");
	cJSON *t = json_arena_parse(a, big.buf, big.len);
	assert_non_null(t);
	assert_int_equal(strlen(cJSON_GetObjectItem(t, "k")->valuestring), 300000);
	assert_null(json_arena_parse(a, "{\"k\":", 5));
	json_arena_reset(a);
	strbuf_release(&big);
	/* outside the arena cJSON allocates as usual again: a tree of its own is freed by Delete */
	cJSON *own = cJSON_Parse("{\"x\":[1,2,3]}");
	assert_non_null(own);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(own, "x")), 3);
	cJSON_Delete(own);
	json_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_trees_live_until_reset)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
