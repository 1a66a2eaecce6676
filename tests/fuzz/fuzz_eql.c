/* libFuzzer: the EQL parser, evaluator and sequence matcher. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/eql.h"
#include "detect/sample.h"
#include "detect/sequence.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int ignore(void *ctx, const int64_t *ids, size_t n)
{
	(void)ctx, (void)ids, (void)n;
	return 0;
}

/* A sample's filters over the same few events, each under each of its keys. */
static void run_sample(const struct eql_query *q, cJSON *const *evs, size_t nev)
{
	size_t filters = eql_stage_count(q);
	struct sample_matcher *m = sample_new(filters, 2);
	struct strbuf key;
	strbuf_init(&key, 64);
	for (size_t i = 0; i < nev; i++)
		for (size_t f = 0; f < filters; f++)
			if (eql_stage_match(q, f, evs[i]) && eql_stage_key(q, f, evs[i], &key) == 0)
				sample_add(m, f, key.buf, (int64_t)i, (int64_t)i);
	sample_finish(m, ignore, NULL);
	strbuf_release(&key);
	sample_free(m);
}

/* Feeds the same few events through every stage, as detect does. */
static void run_sequence(const struct eql_query *q, cJSON *const *evs, size_t nev)
{
	size_t stages = eql_stage_count(q), all = stages + (eql_has_until(q) ? 1 : 0);
	struct seq_matcher *m = seq_new(stages, eql_maxspan_us(q));
	struct strbuf key;
	strbuf_init(&key, 64);
	for (size_t i = 0; i < nev; i++) {
		char **keys = xcalloc(stages + 1, sizeof(*keys)); /* until's slot too */
		for (size_t s = 0; s < all; s++)
			if (eql_stage_match(q, s, evs[i]) && eql_stage_key(q, s, evs[i], &key) == 0)
				keys[s] = xstrdup(key.buf);
		struct seq_input in = {.id = (int64_t)i, .ts = (int64_t)i * 1000000, .keys = (const char *const *)keys};
		seq_feed(m, &in, ignore, NULL);
		for (size_t s = 0; s < all; s++)
			free(keys[s]);
		free(keys);
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
		if (eql_is_sample(n))
			run_sample(n, evs, 3);
		else if (eql_is_sequence(n))
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
