/* sources: the table of event sources (cli/sources.h). */
#include "cli/sources.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cluster/cluster.h"
#include "cluster/source_clickhouse.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "triage/pull.h"

static int open_store_source(const char *const *urls, size_t n, struct store *s, struct event_source **out,
                             struct strbuf *err)
{
	(void)urls, (void)n, (void)err;
	*out = source_store_open(s);
	return 0;
}

static int open_clickhouse(const char *const *urls, size_t n, struct store *s, struct event_source **out,
                           struct strbuf *err)
{
	(void)s; /* credentials come from the environment or a 0600 file (cluster/http.h) */
	return source_clickhouse_open_servers(urls, n, NULL, out, err);
}

static int add_server(void *ctx, const char *url)
{
	struct cluster_servers *c = ctx;
	if (c->n < CLUSTER_URLS_MAX)
		c->url[c->n++] = strpool_copy(&c->pool, url);
	return 0;
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

int source_open_urls(const char *const *urls, size_t n, struct store *s, struct event_source **out,
                     const struct source_kind **kind, struct strbuf *err)
{
	*out = NULL;
	*kind = source_kind_for(n ? urls[0] : NULL);
	for (size_t i = 1; *kind && i < n; i++)
		if (source_kind_for(urls[i]) != *kind)
			*kind = NULL;
	if (!*kind) {
		strbuf_addstr(err, "no event source takes that URL (a ClickHouse server's is http://HOST:8123/)");
		return -1;
	}
	return (*kind)->open(urls, n, s, out, err);
}

int source_open_url(const char *url, struct store *s, struct event_source **out, const struct source_kind **kind,
                    struct strbuf *err)
{
	return source_open_urls(&url, url ? 1 : 0, s, out, kind, err);
}

int case_cluster_servers(struct store *s, struct cluster_servers *out)
{
	memset(out, 0, sizeof(*out));
	strpool_init(&out->pool);
	return store_cluster_each(s, add_server, out) < 0 ? -1 : 0;
}

void cluster_servers_release(struct cluster_servers *c)
{
	strpool_release(&c->pool);
	memset(c, 0, sizeof(*c));
}

int source_open_attached(struct store *s, struct strbuf *url, struct event_source **out, struct strbuf *err)
{
	*out = NULL;
	strbuf_reset(url);
	struct cluster_servers c;
	if (case_cluster_servers(s, &c)) {
		strbuf_addstr(err, store_errmsg(s));
		cluster_servers_release(&c);
		return -1;
	}
	const struct source_kind *kind;
	int rc = 0;
	if (c.n) {
		strbuf_addstr(url, c.url[0]);
		rc = source_open_urls(c.url, c.n, s, out, &kind, err);
	}
	cluster_servers_release(&c);
	return rc;
}

void source_say_notice(const char *cmd, struct event_source *src)
{
	const char *notice = source_take_notice(src);
	if (!notice)
		return;
	char *safe = sanitize_dup(notice, 0);
	diag("casebook %s: %s\n", cmd, safe);
	free(safe);
}

/* What to copy: the windows of alerts (uuids), or the one around an event (event_id). */
struct pull_ask {
	char *const *uuids;
	size_t n;
	int64_t event_id;
	int64_t before_us, after_us;
};

/* The windows asked, from src; 0, or -1 with why in err. */
static int pull_each(struct globals *g, struct store *s, struct event_source *src, const char *url,
                     const struct pull_ask *ask, struct strbuf *err)
{
	struct pull_counts c;
	if (ask->event_id)
		return pull_timeline(s, src, url, g->analyst, ask->event_id, ask->before_us, ask->after_us, &c, err);
	for (size_t i = 0; i < ask->n; i++)
		if (pull_alert_timeline(s, src, url, g->analyst, ask->uuids[i], ask->before_us, ask->after_us, &c, err))
			return -1;
	return 0;
}

static int pull_attached(struct globals *g, const char *cmd, const struct pull_ask *ask)
{
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	struct strbuf url, err;
	strbuf_init(&url, 64);
	strbuf_init(&err, 128);
	struct event_source *src = NULL;
	int rc = source_open_attached(s, &url, &src, &err);
	if (!rc && src)
		rc = pull_each(g, s, src, url.buf, ask, &err);
	source_say_notice(cmd, src);
	source_close(src);
	store_close(s);
	if (rc) {
		char *safe = sanitize_dup(err.buf, 0);
		diag("casebook %s: %s\n", cmd, safe);
		diag("casebook %s: nothing more was copied from the cluster: what follows is the events the case "
		     "holds itself (each alert's own, and the windows read before)\n",
		     cmd);
		free(safe);
	}
	strbuf_release(&url);
	strbuf_release(&err);
	return rc ? 1 : 0;
}

int pull_attached_windows(struct globals *g, const char *cmd, char *const *uuids, size_t n, int64_t before_us,
                          int64_t after_us)
{
	struct pull_ask ask = {.uuids = uuids, .n = n, .before_us = before_us, .after_us = after_us};
	return pull_attached(g, cmd, &ask);
}

int pull_attached_around(struct globals *g, const char *cmd, int64_t event_id, int64_t before_us, int64_t after_us)
{
	struct pull_ask ask = {.event_id = event_id, .before_us = before_us, .after_us = after_us};
	return pull_attached(g, cmd, &ask);
}
