/* pull: an alert's window copied from the attached cluster into the case (triage/pull.h). */
#include "triage/pull.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "ingest/keep.h"
#include "store/alerts.h"
#include "store/events.h"

/* The event the window is around: its time and host; with file_path, the window is that
 * path's events on every host instead. */
struct anchor {
	int found;
	int64_t ts;
	char *host_id, *host_name;
	const char *file_path;
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

/* The store's file pivot's events: file.path equal, on any host (a row whose columns may not
 * hold every value, irregular, is copied: the case's own columns decide whether it shows). */
static int in_the_window(const struct anchor *a, const struct event_record *r)
{
	if (a->file_path)
		return r->irregular || same_text(r->file_path, a->file_path);
	return on_the_host(a, r);
}

static int pull_row(void *ctx, const struct candidate_row *row)
{
	struct puller *p = ctx;
	if (!in_the_window(p->a, &row->ev.r))
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
	struct candidate_query q = {
	    .has_window = 1, .from = a->ts - before_us, .to = a->ts + after_us, .by_event_time = 1};
	struct strbuf hi;
	strbuf_init(&hi, 64);
	if (a->file_path) { /* [path, path "\001"): the one path (in_the_window tests it exactly) */
		strbuf_addstr(&hi, a->file_path);
		strbuf_addch(&hi, '\001');
		q.path_lo = a->file_path;
		q.path_hi = hi.buf;
	} else {
		q.host = a->host_id ? a->host_id : a->host_name;
	}
	int rc = source_candidates(src, &q, NULL, 0, pull_row, p);
	strbuf_release(&hi);
	if (rc && !p->failed)
		strbuf_addstr(p->err, source_errmsg(src));
	else if (p->failed && !p->err->len)
		strbuf_addstr(p->err, store_errmsg(s));
	return rc || p->failed ? -1 : 0;
}

/* Runs copy with a keeper open on the ingest record name, in one transaction with that record:
 * kept only when it added an event (what is looked at again leaves no trace), undone whole
 * when copy fails (0, or -1 with why in err). *added: the events new to the case. */
static int keep_in_transaction(struct store *s, const char *name, const char *analyst,
                               int (*copy)(struct event_keeper *k, void *ctx), void *ctx, uint64_t *added,
                               struct strbuf *err)
{
	*added = 0;
	if (store_begin(s)) {
		strbuf_addstr(err, store_errmsg(s));
		return -1;
	}
	struct event_keeper *k = NULL;
	int rc = event_keeper_open(s, name, analyst, &k);
	if (rc)
		strbuf_addstr(err, store_errmsg(s));
	else
		rc = copy(k, ctx);
	struct ingest_counts kc = {0};
	if (k)
		event_keeper_counts(k, &kc);
	if (event_keeper_close(k) && !rc) {
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
	*added = kc.added;
	return 0;
}

struct window_copy {
	struct store *s;
	struct event_source *src;
	int64_t before_us, after_us;
	struct puller p;
};

static int copy_window(struct event_keeper *k, void *ctx)
{
	struct window_copy *w = ctx;
	w->p.k = k;
	return pull_window(w->s, w->src, w->p.a, w->before_us, w->after_us, &w->p);
}

/* The window around event_id: its host's events, or with file_path that path's on every host. */
static int pull_around(struct store *s, struct event_source *src, const char *name, const char *analyst,
                       int64_t event_id, const char *file_path, int64_t before_us, int64_t after_us,
                       struct pull_counts *c, struct strbuf *err)
{
	memset(c, 0, sizeof(*c));
	struct anchor a = {.file_path = file_path};
	if (store_event_get(s, event_id, 0, take_anchor, &a)) {
		strbuf_addstr(err, store_errmsg(s));
		return -1;
	}
	int rc = 0;
	/* no host: the store's timeline has none either */
	if (a.found && (file_path || a.host_id || a.host_name)) {
		struct window_copy w = {s, src, before_us, after_us, {.a = &a, .c = c, .err = err}};
		rc = keep_in_transaction(s, name, analyst, copy_window, &w, &c->added, err);
	}
	free(a.host_id), free(a.host_name);
	return rc;
}

int pull_timeline(struct store *s, struct event_source *src, const char *name, const char *analyst, int64_t event_id,
                  int64_t before_us, int64_t after_us, struct pull_counts *c, struct strbuf *err)
{
	return pull_around(s, src, name, analyst, event_id, NULL, before_us, after_us, c, err);
}

static int take_event_id(void *ctx, const struct alert_row *a)
{
	*(int64_t *)ctx = a->event_id;
	return 0;
}

int pull_alert_window(struct store *s, struct event_source *src, const char *name, const char *analyst,
                      const char *uuid, const char *file_path, int64_t before_us, int64_t after_us,
                      struct pull_counts *c, struct strbuf *err)
{
	memset(c, 0, sizeof(*c));
	int64_t event_id = 0;
	struct alert_query q = {.uuid = uuid, .no_doc = 1};
	if (store_alerts_each(s, &q, take_event_id, &event_id)) {
		strbuf_addstr(err, store_errmsg(s));
		return -1;
	}
	return event_id ? pull_around(s, src, name, analyst, event_id, file_path, before_us, after_us, c, err) : 0;
}

int pull_alert_timeline(struct store *s, struct event_source *src, const char *name, const char *analyst,
                        const char *uuid, int64_t before_us, int64_t after_us, struct pull_counts *c,
                        struct strbuf *err)
{
	return pull_alert_window(s, src, name, analyst, uuid, NULL, before_us, after_us, c, err);
}

/* One event of the source into the case (the open keeper), its case id kept. */
struct one_event {
	struct store *s;
	struct event_source *src;
	int64_t source_id;
	struct event_keeper *k;
	int64_t id;
	struct strbuf *err;
	int found, failed;
};

static int keep_one(void *ctx, const struct event_row *row)
{
	struct one_event *o = ctx;
	o->found = 1;
	o->failed = event_keeper_add(o->k, row, &o->id, o->err) != 0;
	return o->failed;
}

static int copy_event(struct event_keeper *k, void *ctx)
{
	struct one_event *o = ctx;
	o->k = k;
	if (o->src->ops->event_get(o->src, o->source_id, 1, keep_one, o) && !o->failed) {
		strbuf_addstr(o->err, source_errmsg(o->src));
		return -1;
	}
	if (o->failed || !o->found) {
		if (!o->err->len)
			strbuf_addstr(o->err, o->found ? store_errmsg(o->s) : "the event is no longer there");
		return -1;
	}
	return 0;
}

int pull_event(struct store *s, struct event_source *src, const char *name, const char *analyst, int64_t source_id,
               int64_t *case_id, struct strbuf *err)
{
	struct one_event o = {.s = s, .src = src, .source_id = source_id, .err = err};
	uint64_t added;
	int rc = keep_in_transaction(s, name, analyst, copy_event, &o, &added, err);
	*case_id = rc ? 0 : o.id; /* held already (nothing added): the case's own id of it */
	return rc;
}
