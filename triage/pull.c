/* pull: an alert's window copied from the attached cluster into the case (triage/pull.h). */
#include "triage/pull.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "ingest/keep.h"
#include "store/alerts.h"
#include "store/events.h"

/* The event the window is around: its time and host. */
struct anchor {
	int found;
	int64_t ts;
	char *host_id, *host_name;
};

static int take_anchor(void *ctx, const struct event_row *row)
{
	struct anchor *a = ctx;
	a->found = 1;
	a->ts = row->r.ts;
	a->host_id = row->r.host_id ? xstrdup(row->r.host_id) : NULL;
	a->host_name = row->r.host_name ? xstrdup(row->r.host_name) : NULL;
	return 0;
}

struct puller {
	const struct anchor *a;
	struct event_keeper *k;
	struct pull_counts *c;
	struct strbuf *err;
	int failed;
};

static int same_text(const char *x, const char *y)
{
	return x && y && !strcmp(x, y);
}

/* The store's timeline's host: the same host.id, or with none the same host.name. */
static int on_the_host(const struct anchor *a, const struct event_record *r)
{
	if (a->host_id)
		return same_text(r->host_id, a->host_id);
	return !r->host_id && same_text(r->host_name, a->host_name);
}

static int pull_row(void *ctx, const struct candidate_row *row)
{
	struct puller *p = ctx;
	if (!on_the_host(p->a, &row->ev.r))
		return 0;
	int64_t id;
	if (event_keeper_add(p->k, &row->ev, &id, p->err)) {
		p->failed = 1;
		return 1;
	}
	p->c->read++;
	return 0;
}

/* Reads the window into the open keeper. 0, or -1 with why in p->err. */
static int pull_window(struct store *s, struct event_source *src, const struct anchor *a, int64_t before_us,
                       int64_t after_us, struct puller *p)
{
	struct candidate_query q = {.has_window = 1,
	                            .from = a->ts - before_us,
	                            .to = a->ts + after_us,
	                            .host = a->host_id ? a->host_id : a->host_name,
	                            .by_event_time = 1};
	int rc = source_candidates(src, &q, NULL, 0, pull_row, p);
	if (rc && !p->failed)
		strbuf_addstr(p->err, source_errmsg(src));
	else if (p->failed && !p->err->len)
		strbuf_addstr(p->err, store_errmsg(s));
	return rc || p->failed ? -1 : 0;
}

/* The copy and its ingest record, in one transaction: kept only when it added an event (a
 * window looked at again leaves no trace), undone whole when the read fails. */
static int pull_in_transaction(struct store *s, struct event_source *src, const char *name, const char *analyst,
                               const struct anchor *a, int64_t before_us, int64_t after_us, struct pull_counts *c,
                               struct strbuf *err)
{
	if (store_begin(s)) {
		strbuf_addstr(err, store_errmsg(s));
		return -1;
	}
	struct puller p = {.a = a, .c = c, .err = err};
	int rc = event_keeper_open(s, name, analyst, &p.k);
	if (rc)
		strbuf_addstr(err, store_errmsg(s));
	else
		rc = pull_window(s, src, a, before_us, after_us, &p);
	struct ingest_counts kc = {0};
	if (p.k)
		event_keeper_counts(p.k, &kc);
	if (event_keeper_close(p.k) && !rc) {
		strbuf_addstr(err, store_errmsg(s));
		rc = -1;
	}
	if (rc || kc.added == 0) {
		store_rollback(s);
		return rc;
	}
	if (store_commit(s)) {
		strbuf_addstr(err, store_errmsg(s));
		store_rollback(s);
		return -1;
	}
	c->added = kc.added;
	return 0;
}

int pull_timeline(struct store *s, struct event_source *src, const char *name, const char *analyst, int64_t event_id,
                  int64_t before_us, int64_t after_us, struct pull_counts *c, struct strbuf *err)
{
	memset(c, 0, sizeof(*c));
	struct anchor a = {0};
	if (store_event_get(s, event_id, 0, take_anchor, &a)) {
		strbuf_addstr(err, store_errmsg(s));
		return -1;
	}
	int rc = 0;
	if (a.found && (a.host_id || a.host_name)) /* no host: the store's timeline has none either */
		rc = pull_in_transaction(s, src, name, analyst, &a, before_us, after_us, c, err);
	free(a.host_id), free(a.host_name);
	return rc;
}

static int take_event_id(void *ctx, const struct alert_row *a)
{
	*(int64_t *)ctx = a->event_id;
	return 0;
}

int pull_alert_timeline(struct store *s, struct event_source *src, const char *name, const char *analyst,
                        const char *uuid, int64_t before_us, int64_t after_us, struct pull_counts *c,
                        struct strbuf *err)
{
	memset(c, 0, sizeof(*c));
	int64_t event_id = 0;
	struct alert_query q = {.uuid = uuid, .no_doc = 1};
	if (store_alerts_each(s, &q, take_event_id, &event_id)) {
		strbuf_addstr(err, store_errmsg(s));
		return -1;
	}
	return event_id ? pull_timeline(s, src, name, analyst, event_id, before_us, after_us, c, err) : 0;
}
