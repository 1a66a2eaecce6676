/* cluster: `casebook cluster init URL... [--cluster NAME]` - casebook's tables in a ClickHouse
 * cluster (cluster/cluster.h), which needs no case file; `cluster attach URL...`, `cluster
 * detach` and `cluster show` - the cluster a case reads its events from (its servers' URLs kept
 * in the case, never credentials); where `ingest --to URL`, and plain ingest in an attached case, load (cli/events.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sources.h"
#include "cluster/cluster.h"
#include "common/diag.h"
#include "common/sanitize.h"

static int cluster_init_command(int argc, char **argv)
{
	const char *name = CLUSTER_DEFAULT_NAME;
	const char *urls[CLUSTER_URLS_MAX];
	size_t n = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--cluster")) {
			if (++i >= argc)
				return command_usage_error("cluster",
				                           "--cluster takes the name of a remote_servers entry");
			name = argv[i];
		} else if (!strncmp(argv[i], "--cluster=", 10)) {
			name = argv[i] + 10;
		} else if (argv[i][0] == '-') {
			return command_usage_error("cluster", "unknown option");
		} else if (n == CLUSTER_URLS_MAX) {
			return command_usage_error("cluster", "at most 64 servers");
		} else {
			urls[n++] = argv[i];
		}
	}
	if (n == 0)
		return command_usage_error("cluster", "name each shard's HTTP URL (http://HOST:8123/)");
	struct diag_sink say = {diag_to_stream, stdout};
	struct strbuf err;
	strbuf_init(&err, 128);
	int rc = cluster_init(urls, n, name, NULL, &say, &err);
	if (rc != 0)
		diag("casebook cluster: %s\n", err.buf);
	strbuf_release(&err);
	return rc ? 1 : 0;
}

/* Whether every URL names a ClickHouse server casebook can reach as one (a scheme the cluster
 * source takes, a host and port, no credentials in it): says why not. */
static int urls_are_servers(char **urls, int n)
{
	for (int i = 0; i < n; i++) {
		const struct source_kind *k = source_kind_for(urls[i]);
		struct ch_conn *c = NULL;
		struct strbuf err;
		strbuf_init(&err, 128);
		int bad = !k || !k->foreign || ch_open(urls[i], NULL, &c, &err) != 0;
		if (bad && err.len) { /* ch_open's reason names the URL, its password hidden */
			diag("casebook cluster: %s\n", err.buf);
		} else if (bad) {
			char *safe = sanitize_dup(urls[i], 0);
			diag("casebook cluster: %s: not a ClickHouse server's HTTP URL (http://HOST:8123/)\n", safe);
			free(safe);
		}
		ch_close(c);
		strbuf_release(&err);
		if (bad)
			return 0;
	}
	return 1;
}

/* The events table answers through the servers, as the attached case will read it (the first
 * that answers; one that does not is named): the cluster is casebook's. */
static int cluster_answers(struct store *s, const char *const *urls, size_t n)
{
	struct event_source *src;
	const struct source_kind *k;
	struct strbuf err;
	strbuf_init(&err, 128);
	int64_t lo, hi;
	int rc = source_open_urls(urls, n, s, &src, &k, &err);
	if (rc == 0 && (rc = src->ops->time_bounds(src, 0, &lo, &hi)) != 0)
		strbuf_addstr(&err, source_errmsg(src));
	if (rc)
		diag("casebook cluster: %s (is it up, and made with 'casebook cluster init'?)\n", err.buf);
	else
		source_say_notice("cluster", src);
	source_close(src);
	strbuf_release(&err);
	return rc == 0;
}

static int cluster_attach_command(struct globals *g, int argc, char **argv)
{
	if (argc < 3)
		return command_usage_error("cluster", "attach takes each server's HTTP URL (http://HOST:8123/)");
	for (int i = 2; i < argc; i++)
		if (argv[i][0] == '-')
			return command_usage_error("cluster", "attach takes URLs, no options");
	if (argc - 2 > CLUSTER_URLS_MAX)
		return command_usage_error("cluster", "at most 64 servers");
	if (!urls_are_servers(argv + 2, argc - 2))
		return 1;
	struct store *s;
	if (open_store(g, STORE_CREATE, &s))
		return 1;
	int rc = !cluster_answers(s, (const char *const *)(argv + 2), (size_t)(argc - 2));
	if (!rc && store_cluster_set(s, (const char *const *)(argv + 2), (size_t)(argc - 2))) {
		diag("casebook: %s\n", store_errmsg(s));
		rc = 1;
	}
	if (!rc) {
		char *safe = sanitize_dup(argv[2], 0);
		printf("attached the case to the cluster at %s: ingest loads into it, detect reads from it\n", safe);
		free(safe);
	}
	store_close(s);
	return rc;
}

static int cluster_detach_command(struct globals *g, int argc)
{
	if (argc != 2)
		return command_usage_error("cluster", "detach takes no arguments");
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	int rc = store_cluster_set(s, NULL, 0);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	else
		printf("detached: ingest and detect use the case's own events again\n");
	store_close(s);
	return rc ? 1 : 0;
}

static int print_url(void *ctx, const char *url)
{
	(void)ctx;
	char *safe = sanitize_dup(url, 0);
	printf("%s\n", safe);
	free(safe);
	return 0;
}

static int cluster_show_command(struct globals *g, int argc)
{
	if (argc != 2)
		return command_usage_error("cluster", "show takes no arguments");
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	int rc = store_cluster_each(s, print_url, NULL);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	store_close(s);
	return rc ? 1 : 0;
}

int cmd_cluster(struct globals *g, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "init"))
		return cluster_init_command(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "attach"))
		return cluster_attach_command(g, argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "detach"))
		return cluster_detach_command(g, argc);
	if (argc >= 2 && !strcmp(argv[1], "show"))
		return cluster_show_command(g, argc);
	return command_usage_error("cluster", "say init, attach, detach or show");
}

/* In url, the first of the attached servers that answers, as reads fall over (cli/sources.h):
 * each one before it is named with why; with none answering, the first (the load then fails
 * naming it). Nothing when the case is attached to none. */
static void first_answering(const struct cluster_servers *c, struct strbuf *url)
{
	strbuf_reset(url);
	struct strbuf failed, answer, err;
	strbuf_init(&failed, 0);
	strbuf_init(&answer, 16);
	strbuf_init(&err, 128);
	for (size_t i = 0; i < c->n && !url->len; i++) {
		struct ch_conn *conn = NULL;
		strbuf_reset(&err);
		if (ch_open(c->url[i], NULL, &conn, &err) == 0 && ch_query(conn, "SELECT 1", &answer) == 0)
			strbuf_addstr(url, c->url[i]);
		else
			strbuf_addf(&failed, "%s%s", failed.len ? "; " : "", conn ? ch_errmsg(conn) : err.buf);
		ch_close(conn);
	}
	if (url->len && failed.len) {
		char *safe = sanitize_dup(failed.buf, 0), *safe_url = sanitize_dup(url->buf, 0);
		diag("casebook ingest: %s: loading through %s instead\n", safe, safe_url);
		free(safe), free(safe_url);
	} else if (!url->len && c->n) {
		strbuf_addstr(url, c->url[0]);
	}
	strbuf_release(&failed);
	strbuf_release(&answer);
	strbuf_release(&err);
}

int ingest_cluster_target(struct globals *g, const char *to, struct strbuf *url, struct store **keep)
{
	*keep = NULL;
	strbuf_reset(url);
	if (to) {
		strbuf_addstr(url, to); /* no case: the damaged documents are said, not kept */
		return 0;
	}
	if (access(g->db, F_OK) != 0)
		return 0; /* no case yet: none is attached */
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	struct cluster_servers c;
	if (case_cluster_servers(s, &c)) {
		diag("casebook: %s\n", store_errmsg(s));
		cluster_servers_release(&c);
		store_close(s);
		return 1;
	}
	first_answering(&c, url);
	cluster_servers_release(&c);
	if (url->len)
		*keep = s;
	else
		store_close(s);
	return 0;
}
