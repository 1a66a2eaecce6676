/* libFuzzer: the EQL parser, evaluator and sequence matcher. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/eql.h"
#include "detect/sequence.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int ignore(void *ctx, const int64_t *ids, size_t n)
{
	(void)ctx, (void)ids, (void)n;
	return 0;
}

/* Feeds the same few events through every stage, as detect does. */
static void run_sequence(const struct eql_query *q, cJSON *const *evs, size_t nev)
{
	size_t stages = eql_stage_count(q), all = stages + (eql_has_until(q) ? 1 : 0);
	struct seq_matcher *m = seq_new(stages, eql_maxspan_us(q));
	struct strbuf key;
	strbuf_init(&key, 64);
	for (size_t i = 0; i < nev; i++) {
		char *keys[EQL_MAX_STAGES + 1] = {0};
		uint64_t mask = 0;
		for (size_t s = 0; s < all; s++)
			if (eql_stage_match(q, s, evs[i])) {
				mask |= (uint64_t)1 << s;
				if (eql_stage_key(q, s, evs[i], &key) == 0)
					keys[s] = xstrdup(key.buf);
			}
		struct seq_input in = {
		    .id = (int64_t)i, .ts = (int64_t)i * 1000000, .stages = mask, .keys = (const char *const *)keys};
		seq_feed(m, &in, ignore, NULL);
		for (size_t s = 0; s < all; s++)
			free(keys[s]);
	}
	strbuf_release(&key);
	seq_free(m);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static cJSON *evs[3];
	if (!evs[0]) {
		evs[0] = cJSON_Parse(
		    "{\"event\":{\"category\":[\"file\"],\"type\":[\"change\"],\"action\":\"modification\"},"
		    "\"host\":{\"id\":\"h\",\"os\":{\"type\":\"macos\"}},\"file\":{\"path\":"
		    "\"/Library/DirectoryServices/PlugIns/X.dsplug/Contents/MacOS/X\",\"size\":12},"
		    "\"process\":{\"pid\":7,\"args\":[\"cp\",\"-R\"]},\"ip\":\"10.0.0.1\",\"n\":null,\"t\":true}");
		evs[1] =
		    cJSON_Parse("{\"event\":{\"category\":\"process\",\"type\":[\"start\"]},\"host\":{\"id\":\"h\"},"
		                "\"process\":{\"pid\":7,\"name\":\"sh\",\"parent\":{\"name\":\"dspluginhelperd\"}}}");
		evs[2] = cJSON_Parse("{}");
	}
	char *q = xstrndup((const char *)data, size);
	struct kql_error err;
	struct eql_query *n = eql_parse(q, &err);
	if (n) {
		if (eql_is_sequence(n))
			run_sequence(n, evs, 3);
		else
			for (size_t i = 0; i < 3; i++)
				eql_match(n, evs[i]);
		char *prefix;
		int exact;
		if (eql_required_prefix(n, "file.path", &prefix, &exact))
			free(prefix);
		eql_free(n);
	} else if (err.column < 1 || err.column > size + 1) {
		abort(); /* an error points inside the query */
	}
	free(q);
	return 0;
}
