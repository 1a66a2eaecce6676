/* libFuzzer: the KQL parser and evaluator. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/kql.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static cJSON *ev;
	if (!ev)
		ev = cJSON_Parse(
		    "{\"event\":{\"category\":[\"file\"],\"type\":[\"change\",\"deletion\"]},\"host.os.type\":"
		    "\"macos\",\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\",\"size\":12},"
		    "\"users\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"n\":null,\"t\":true}");
	char *q = xstrndup((const char *)data, size);
	struct kql_error err;
	struct kql_node *n = kql_parse(q, &err);
	if (n) {
		kql_match(n, ev);
		struct strbuf sb;
		strbuf_init(&sb, 64);
		kql_to_string(n, &sb);
		strbuf_release(&sb);
		kql_free(n);
	} else if (err.column < 1 || err.column > size + 1) {
		abort(); /* an error points inside the query */
	}
	free(q);
	return 0;
}
