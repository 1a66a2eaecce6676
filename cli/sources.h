/* sources: the event sources a command can read from, one table row each (issue 25): the
 * case's own store, and a ClickHouse cluster reached by an http:// or https:// URL. A command
 * names a URL (or none: the case); the table picks the source by the URL's scheme. The core
 * (detect/) never names a source: it is handed one (detect/source.h). Adding a source is one
 * file (its struct source_ops, beside the code that reaches it) and one row here. */
#ifndef CASEBOOK_CLI_SOURCES_H
#define CASEBOOK_CLI_SOURCES_H

#include "cli/cli.h"
#include "cluster/cluster.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "detect/source.h"
#include "store/store.h"

struct source_kind {
	const char *name;           /* "store", "clickhouse" */
	const char *const *schemes; /* the URL prefixes it opens ({NULL}: none, the case itself) */
	/* Opens it: n URLs of one source's servers (read from the first, the next when one
	 * fails), none for the case's store (s). 0, or -1 with why in err. */
	int (*open)(const char *const *urls, size_t n, struct store *s, struct event_source **out, struct strbuf *err);
	/* Its events are not the case's: an alert's events are copied into the case
	 * (detect_options.keep), and every detect replays its whole time range. */
	int foreign;
};

/* The kind that opens url (NULL: the store); NULL when no row takes its scheme. */
const struct source_kind *source_kind_for(const char *url);

/* Opens the source url names (NULL: the case's store s). 0, or -1 with why in err (a URL no
 * source takes, or the source's own reason). */
int source_open_url(const char *url, struct store *s, struct event_source **out, const struct source_kind **kind,
                    struct strbuf *err);

/* The same over n URLs, all of one kind: the servers of one source (n 0: the store). */
int source_open_urls(const char *const *urls, size_t n, struct store *s, struct event_source **out,
                     const struct source_kind **kind, struct strbuf *err);

/* The URLs `cluster attach` recorded in the case, in their order (at most CLUSTER_URLS_MAX). */
struct cluster_servers {
	const char *url[CLUSTER_URLS_MAX];
	size_t n;
	struct strpool pool;
};
/* 0, or -1 (store_errmsg); release it either way. */
int case_cluster_servers(struct store *s, struct cluster_servers *out);
void cluster_servers_release(struct cluster_servers *c);

/* The source of the cluster the case s is attached to (casebook cluster attach), over every
 * server it recorded (a server that fails is left for the next), the first one's URL in url:
 * 0 with *out NULL when the case is attached to none; 0 with the source open; -1 with why in
 * err. */
int source_open_attached(struct store *s, struct strbuf *url, struct event_source **out, struct strbuf *err);

/* Says on standard error, after "casebook cmd: ", what src has to say though it did not fail
 * (a server that failed and the one it read from instead: source_take_notice), if anything. */
void source_say_notice(const char *cmd, struct event_source *src);

/* In a case attached to a cluster, copies each alert's timeline window ([t - before_us,
 * t + after_us] around its event) from the cluster into the case (triage/pull.h) before cmd
 * reads the case's record of it: what it shows or exports is then the cluster's, and stays
 * the case's once detached. A case attached to none is left as it is. 0; 1 after telling the
 * user what failed (naming the server) and that the case's own events are shown instead. */
int pull_attached_windows(struct globals *g, const char *cmd, char *const *uuids, size_t n, int64_t before_us,
                          int64_t after_us);
/* The same for the window around the case's event event_id (its host's events): what `tree`
 * builds its process tree from. */
int pull_attached_around(struct globals *g, const char *cmd, int64_t event_id, int64_t before_us, int64_t after_us);

#endif
