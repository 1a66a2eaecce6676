/* sources: the event sources a command can read from, one table row each (issue 25): the
 * case's own store, and a ClickHouse cluster reached by an http:// or https:// URL. A command
 * names a URL (or none: the case); the table picks the source by the URL's scheme. The core
 * (detect/) never names a source: it is handed one (detect/source.h). Adding a source is one
 * file (its struct source_ops, beside the code that reaches it) and one row here. */
#ifndef CASEBOOK_CLI_SOURCES_H
#define CASEBOOK_CLI_SOURCES_H

#include "common/strbuf.h"
#include "detect/source.h"
#include "store/store.h"

struct source_kind {
	const char *name;           /* "store", "clickhouse" */
	const char *const *schemes; /* the URL prefixes it opens ({NULL}: none, the case itself) */
	/* Opens it: url NULL for the case's store (s). 0, or -1 with why in err. */
	int (*open)(const char *url, struct store *s, struct event_source **out, struct strbuf *err);
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

#endif
