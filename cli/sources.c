/* sources: the table of event sources (cli/sources.h). */
#include "cli/sources.h"

#include <string.h>

#include "cluster/source_clickhouse.h"

static int open_store_source(const char *url, struct store *s, struct event_source **out, struct strbuf *err)
{
	(void)url, (void)err;
	*out = source_store_open(s);
	return 0;
}

static int open_clickhouse(const char *url, struct store *s, struct event_source **out, struct strbuf *err)
{
	(void)s; /* credentials come from the environment or a 0600 file (cluster/http.h) */
	return source_clickhouse_open(url, NULL, out, err);
}

static const char *const no_schemes[] = {NULL};
static const char *const http_schemes[] = {"http://", "https://", NULL};

static const struct source_kind source_kinds[] = {
    {"store", no_schemes, open_store_source, 0},
    {"clickhouse", http_schemes, open_clickhouse, 1},
};

const struct source_kind *source_kind_for(const char *url)
{
	for (size_t i = 0; i < sizeof(source_kinds) / sizeof(source_kinds[0]); i++) {
		const struct source_kind *k = &source_kinds[i];
		if (!url && !k->schemes[0])
			return k;
		for (size_t j = 0; url && k->schemes[j]; j++)
			if (!strncmp(url, k->schemes[j], strlen(k->schemes[j])))
				return k;
	}
	return NULL;
}

int source_open_url(const char *url, struct store *s, struct event_source **out, const struct source_kind **kind,
                    struct strbuf *err)
{
	*out = NULL;
	*kind = source_kind_for(url);
	if (!*kind) {
		strbuf_addstr(err, "no event source takes that URL (a ClickHouse server's is http://HOST:8123/)");
		return -1;
	}
	return (*kind)->open(url, s, out, err);
}
