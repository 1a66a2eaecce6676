/* pull: in a case attached to a cluster, the events an analyst looks at around an alert are
 * the cluster's; they are copied into the case (ingest/keep.h) before the case's own record of
 * the alert is read (triage/case.h), so that the timeline shown or exported is the case's, the
 * same after the cluster is detached or gone. Only the alert's host's events within the window
 * are copied: host.id as the store's timeline matches it (or host.name when the event has no
 * host.id), whatever else the source returns as candidates. The console's process tree reads
 * its window the same way (an hour each side of its event: tui/tree_view.c), and its file
 * pivot a path's events on every host within the timeline's window.
 *
 * The copy is one transaction with its ingest record (named after the source), kept only when
 * it added an event. A source that fails mid-read copies nothing (the transaction is rolled
 * back): the case keeps what it held, and the error names the server (source_errmsg). */
#ifndef CASEBOOK_TRIAGE_PULL_H
#define CASEBOOK_TRIAGE_PULL_H

#include <stdint.h>

#include "common/strbuf.h"
#include "detect/source.h"
#include "store/store.h"

struct pull_counts {
	uint64_t read, added; /* events of the window read from the source; new to the case */
};

/* Copies the events on event_id's host within [t - before_us, t + after_us] of its time from
 * src into s (a writable case), as one ingest record named name. 0, or -1 with why in err (the
 * source's error, naming the server, or the store's). */
int pull_timeline(struct store *s, struct event_source *src, const char *name, const char *analyst, int64_t event_id,
                  int64_t before_us, int64_t after_us, struct pull_counts *c, struct strbuf *err);

/* The same for the alert uuid (its event's window). */
int pull_alert_timeline(struct store *s, struct event_source *src, const char *name, const char *analyst,
                        const char *uuid, int64_t before_us, int64_t after_us, struct pull_counts *c,
                        struct strbuf *err);
/* The same, or with file_path (not NULL) the timeline's file pivot: that file.path's events on
 * every host within the window around the alert's event (the case's pivot then shows every
 * event of the path the case holds). */
int pull_alert_window(struct store *s, struct event_source *src, const char *name, const char *analyst,
                      const char *uuid, const char *file_path, int64_t before_us, int64_t after_us,
                      struct pull_counts *c, struct strbuf *err);

/* Copies the one event source_id of src (an id of the source's, as its candidates and the
 * event browser over it give) into s, or finds it there (the same identity): *case_id is its
 * id in the case, for what reads the case (the process tree). An ingest record named name is
 * kept only when the event was new. 0, or -1 with why in err (the source's error, naming the
 * server). */
int pull_event(struct store *s, struct event_source *src, const char *name, const char *analyst, int64_t source_id,
               int64_t *case_id, struct strbuf *err);

#endif
