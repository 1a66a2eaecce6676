/* type_eql: the EQL rule type (siem.eqlRule): an event query alerts on each execution's tail,
 * the most recent max_signals matches of its window, as Elasticsearch's EQL search answers;
 * a sequence query likewise on the max_signals sequences of the window that end latest
 * (matched as the events stream in @timestamp order, or at the end when missing-event stages
 * need the events around it), or, where a window fills Elasticsearch's pages, on the answer its
 * paging gives (detect/eqlpage.h); samples as Elasticsearch's.
 * Sequences with alert_suppression are folded by their shell alert's group at the end. */

#include "detect/run.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/eql.h"
#include "detect/eqlpage.h"
#include "detect/eventjson.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/needles.h"
#include "detect/plan.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "detect/sample.h"
#include "detect/scan.h"
#include "detect/sequence.h"
#include "detect/type_query.h"

struct found_seq {
	struct hit *hits; /* its events, in stage order (copies: keys still the run's, or NULL) */
	size_t n;
	int64_t exec_t; /* the execution that alerts on it */
	size_t rank;    /* its place in that execution's answer (a sequence's tail: latest first) */
	int offered;    /* a sequence: in an execution's answer already (alerted, or a duplicate) */
};

/* A sequence rule matched while the pass reads the case in @timestamp order: an event's data
 * is kept only while a pending sequence holds it (slots, reference-counted through the
 * matcher's hooks), so memory follows the open sequences, not the stage events. */
struct seq_stream {
	struct seq_matcher *m;
	struct stream_slot {
		struct hit h; /* its identity is the slot's own copy */
		size_t refs;
	} * slots;
	size_t nslots, cap;
	size_t *free; /* free slots */
	size_t nfree;
	const char **keys; /* scratch: the event's key per stage */
	size_t *key_at;    /* where each key starts in run->key_text */
	struct strbuf key_text;
};

/* An EQL rule's own state in a detect run (run->state). */
struct eql_state {
	struct eql_query *query;
	struct found_seq *seqs; /* sequences: what matched, before replay */
	size_t nseqs, seqs_alloc;
	struct seq_stream *stream; /* sequences matched during the pass (else from the hits) */
	struct strbuf key;         /* scratch: an event's join key for a stage */
	/* tiebreaker_field (Elasticsearch EQL's tiebreaker): a sequence's events of equal
	 * @timestamp are ordered by it; each hit keeps its value in keys[nkeys] (NULL: missing).
	 * NULL: none, ingest order alone */
	const char *tiebreaker;
	/* event queries: whether each of run->hits has been offered to an alert (parallel to
	 * them, noffered valid), so that a later execution's tail does not offer it again */
	unsigned char *offered;
	size_t noffered, offered_cap;
	size_t failed; /* sequences: executions whose search fails (failed_search) */
	/* sequences: whether some window may hold more than fetch_size events of one stage
	 * (stage_density), where Elasticsearch's paging can answer otherwise (paging_warning) */
	struct stage_density {
		int64_t *ring; /* per stage, the times of its latest EQL_FETCH_SIZE events */
		size_t *n, *at;
		size_t nstages;
		int64_t span; /* an execution's window */
		int dense;
	} density;
	int paging_warned;
	/* sequences Elasticsearch's paging may answer otherwise (paged_answer): the stage events of
	 * the windows still to answer, when they are not all in run->hits (a streamed sequence) */
	int pageable;
	struct page_buf {
		struct pbuf_ev {
			int64_t event_id, time, ts;
			const char *index; /* the run's */
			size_t off;        /* in text: its identity, then per stage a size_t (its key's length + 1;
			                    * 0: it does not pass the stage) and the key */
		} * ev;
		size_t head, n, cap; /* live: ev[head..n) */
		struct strbuf text;
		int64_t lost; /* the latest time of an event dropped unanswered: no window from then pages */
	} buf;
};

/* Elasticsearch's EqlSearchRequest fetch_size default, which Kibana's eql.ts leaves as it is:
 * each stage's search reads pages of this many events (TumblingWindow.windowSize). */
#define EQL_FETCH_SIZE 1000
/* At most this many stage events kept for paging a streamed sequence's windows (page_buf): a
 * window holding more (with the rows read before it is answered) is not paged, and said; nor is
 * a window of more stage events from a rule's hits (what paging costs grows as their square
 * over fetch_size when rounds of the first stage find few sequences). */
#define EQL_PAGE_BUFFER (64 * EQL_FETCH_SIZE)

static void buf_compact(struct page_buf *b)
{
	if (!b->head)
		return;
	size_t base = b->head < b->n ? b->ev[b->head].off : b->text.len;
	memmove(b->text.buf, b->text.buf + base, b->text.len - base);
	b->text.len -= base;
	b->text.buf[b->text.len] = '\0';
	for (size_t i = b->head; i < b->n; i++) {
		b->ev[i - b->head] = b->ev[i];
		b->ev[i - b->head].off -= base;
	}
	b->n -= b->head;
	b->head = 0;
}

/* Keeps a streamed stage event (its keys for the nstages stages) for paged_answer. */
static void buf_add(struct page_buf *b, const struct hit *h, const char *const *keys, size_t nstages)
{
	if (b->n - b->head == EQL_PAGE_BUFFER) { /* the oldest goes: its windows cannot page */
		b->lost = b->ev[b->head].time > b->lost ? b->ev[b->head].time : b->lost;
		b->head++;
	}
	if (b->n == b->cap) {
		if (b->head && (b->head * 2 >= b->n || b->n >= EQL_PAGE_BUFFER))
			buf_compact(b); /* the live events stay within EQL_PAGE_BUFFER: so does cap */
		else {
			b->cap = b->cap ? 2 * b->cap : 256;
			b->ev = xrealloc(b->ev, b->cap * sizeof(*b->ev));
		}
	}
	struct pbuf_ev *e = &b->ev[b->n++];
	*e = (struct pbuf_ev){h->event_id, h->time, h->ts, h->index, b->text.len};
	strbuf_add(&b->text, h->identity, strlen(h->identity) + 1);
	for (size_t s = 0; s < nstages; s++) {
		size_t len = keys[s] ? strlen(keys[s]) + 1 : 0;
		strbuf_add(&b->text, &len, sizeof(len));
		if (len)
			strbuf_add(&b->text, keys[s], len);
	}
}

/* Forgets the kept events before t (out of every window to come). */
static void buf_drop_before(struct page_buf *b, int64_t t)
{
	while (b->head < b->n && b->ev[b->head].time < t)
		b->head++;
	if (b->head == b->n) {
		b->head = b->n = 0;
		strbuf_reset(&b->text);
	} else if (b->head * 2 >= b->n) {
		buf_compact(b);
	}
}

/* Notes a stage event's time: a stage whose last EQL_FETCH_SIZE events and this one lie within
 * one window's span may hold more than a page in a window. Memory: a ring per stage. */
static void note_stage_event(struct stage_density *d, const char *const *keys, int64_t t)
{
	if (d->dense || !d->nstages)
		return;
	if (!d->ring) { /* on the first stage event: most rules never see one */
		d->ring = xmalloc(d->nstages * EQL_FETCH_SIZE * sizeof(*d->ring));
		d->n = xcalloc(d->nstages, sizeof(*d->n));
		d->at = xcalloc(d->nstages, sizeof(*d->at));
	}
	for (size_t k = 0; k < d->nstages; k++) {
		if (!keys[k])
			continue;
		int64_t *ring = d->ring + k * EQL_FETCH_SIZE;
		if (d->n[k] == EQL_FETCH_SIZE && t - ring[d->at[k]] <= d->span && t >= ring[d->at[k]]) {
			d->dense = 1; /* the oldest of the last page and this one: EQL_FETCH_SIZE + 1 */
			return;
		}
		ring[d->at[k]] = t;
		d->at[k] = (d->at[k] + 1) % EQL_FETCH_SIZE;
		if (d->n[k] < EQL_FETCH_SIZE)
			d->n[k]++;
	}
}

static struct eql_state *eql_state(const struct run *run)
{
	return run->state;
}

/* For a sequence: which stages (and until) the event passes, with its join key for each in
 * keys (n slots; NULL: it does not pass, or has no key). Returns how many have a key. A key's
 * text lies in text, which the call resets. */
static size_t sequence_stages(struct run *run, const cJSON *ev, const char **keys, size_t *at, size_t n,
                              struct strbuf *text)
{
	size_t passed = 0;
	strbuf_reset(text);
	eql_event_begin(eql_state(run)->query); /* the stages share the event's steps */
	for (size_t i = 0; i < n; i++) {
		keys[i] = NULL;
		at[i] = SIZE_MAX;
		if (!eql_stage_match(eql_state(run)->query, i, ev))
			continue;
		if (eql_stage_key(eql_state(run)->query, i, ev, &eql_state(run)->key) == 0) {
			passed++;
			at[i] = text->len;
			strbuf_add(text, eql_state(run)->key.buf, eql_state(run)->key.len + 1);
		}
	}
	for (size_t i = 0; i < n; i++) /* text no longer moves */
		keys[i] = at[i] == SIZE_MAX ? NULL : text->buf + at[i];
	return passed;
}

/* The stages, until, then the missing-event stages (see eql_missing_position). */
static size_t sequence_slots(const struct run *run)
{
	return eql_stage_count(eql_state(run)->query) + 1 + eql_missing_count(eql_state(run)->query);
}

static void stream_feed(struct run *run, const struct candidate_row *c, size_t stages);

static int compare_tiebreaks(const char *x, const char *y);

/* An event's tiebreaker_field values: the largest, and how many (as the search's fields
 * option returns them from _source, equal ones included). */
struct tiebreaks {
	char *max;
	size_t n;
};

static int each_tiebreak(void *ctx, const cJSON *v)
{
	struct tiebreaks *t = ctx;
	char buf[40], *one = NULL;
	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "n%.17g", v->valuedouble);
		one = xstrdup(buf);
	} else if (cJSON_IsString(v)) {
		one = xmalloc(strlen(v->valuestring) + 2);
		one[0] = 's';
		strcpy(one + 1, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		one = xstrdup(cJSON_IsTrue(v) ? "strue" : "sfalse");
	}
	if (!one)
		return 0;
	t->n++;
	if (!t->max || compare_tiebreaks(one, t->max) > 0) {
		free(t->max);
		t->max = one;
	} else {
		free(one);
	}
	return 0;
}

/* The event's tiebreaker_field value, interned, or NULL. An event query's search sorts by it
 * descending, so a multi-valued field sorts by its largest value (the sort's default mode, max,
 * for a descending order). A sequence's reads each hit's value into its ordinal
 * (SequenceCriterion.ordinal), which refuses several values: the search fails with a bad
 * request, "Expected tiebreaker field [f] ..." (CriterionOrdinalExtractionTests
 * .testTiebreakerMultiValued; older versions' FieldHitExtractor: "Arrays (returned by [f]) are
 * not supported"). Such an event is marked 'x' (its largest value after it), and no execution
 * whose window holds it answers (sequence_replay). */
static const char *tiebreaker_value(struct run *run, const cJSON *ev)
{
	const char *field = eql_state(run)->tiebreaker;
	struct tiebreaks t = {NULL, 0};
	field_each(ev, field, strlen(field), each_tiebreak, &t);
	if (t.n > 1 && eql_is_sequence(eql_state(run)->query))
		t.max[0] = 'x';
	const char *kept = t.max ? run_intern(run, t.max) : NULL;
	free(t.max);
	return kept;
}

/* exceptions filter a sequence's events, as Kibana adds them to the EQL search */
/* An event query's match keeps its tiebreaker_field value past its keys (keys[nkeys]), as a
 * sequence's hits do, for the order of an execution's tail (event_tail). */
static void event_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	if (!eql_state(run)->tiebreaker) {
		query_consider(run, c, ev);
		return;
	}
	if (!run_matches(run, ev)) {
		run_query_gave_up(run, c);
		return;
	}
	size_t nkeys = 0;
	const char **groups = run->suppress ? suppression_keys(run, ev, &nkeys) : NULL;
	const char **keys = xrealloc(groups, (nkeys + 1) * sizeof(*keys));
	keys[nkeys] = tiebreaker_value(run, ev);
	run_add_hit(run, c, keys, nkeys);
}

static void eql_consider(struct run *run, const struct candidate_row *c, const cJSON *ev)
{
	if (!eql_is_sequence(eql_state(run)->query)) {
		event_consider(run, c, ev);
		return;
	}
	if ((run->filter && !kql_match(run->filter, ev)) || exceptions_match(run->exceptions, ev))
		return; /* filters and exceptions apply to each event the sequence's search returns */
	struct seq_stream *st = eql_state(run)->stream;
	size_t n = sequence_slots(run);
	if (st) {
		size_t stages = sequence_stages(run, ev, st->keys, st->key_at, n, &st->key_text);
		if (!run_query_gave_up(run, c) && stages)
			stream_feed(run, c, stages);
		return;
	}
	/* kept until the pass ends: the keys interned, an array per hit (and the tiebreaker) */
	const char **keys = xmalloc((n + 1) * sizeof(*keys));
	size_t *at = xmalloc(n * sizeof(*at));
	struct strbuf text;
	strbuf_init(&text, 64);
	size_t stages = sequence_stages(run, ev, keys, at, n, &text);
	if (run_query_gave_up(run, c))
		stages = 0; /* not evaluated: it joins no sequence */
	for (size_t i = 0; i < n; i++)
		keys[i] = keys[i] ? run_intern(run, keys[i]) : NULL;
	keys[n] = eql_state(run)->tiebreaker ? tiebreaker_value(run, ev) : NULL;
	strbuf_release(&text);
	free(at);
	if (stages)
		run_add_seldom_hit(run, c, keys, n)->stages = stages;
	else
		free(keys);
}

static int tiebreaking; /* the rule being sorted has a tiebreaker (qsort has no context) */

/* The hit's tiebreaker (keys[nkeys]): 'n' and a number, 's' and a string; NULL when missing. */
static const char *tiebreak_of(const struct hit *h)
{
	return tiebreaking && h->keys ? h->keys[h->nkeys] : NULL;
}

/* Elasticsearch's Ordinal.compareTo past the timestamp: a value before none, numbers as
 * numbers (a Long), strings by their characters (a String); then the implicit tiebreaker, the
 * document order, which ingest order stands for. */
static int compare_tiebreaks(const char *x, const char *y)
{
	if (!x || !y)
		return !x - !y;
	if (*x != *y)
		return *x == 'n' ? -1 : 1; /* one field holds one type: a number and a string do not meet */
	if (*x == 's')
		return strcmp(x + 1, y + 1) < 0 ? -1 : strcmp(x + 1, y + 1) > 0;
	double a = strtod(x + 1, NULL), b = strtod(y + 1, NULL);
	return (a > b) - (a < b);
}

static int by_event_time(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	int t = compare_tiebreaks(tiebreak_of(x), tiebreak_of(y));
	if (t)
		return t;
	return (x->event_id > y->event_id) - (x->event_id < y->event_id); /* ties: ingest order */
}

static struct found_seq *add_sequence(struct run *run, size_t n)
{
	if (eql_state(run)->nseqs == eql_state(run)->seqs_alloc) {
		eql_state(run)->seqs_alloc = eql_state(run)->seqs_alloc ? eql_state(run)->seqs_alloc * 2 : 16;
		eql_state(run)->seqs =
		    xrealloc(eql_state(run)->seqs, eql_state(run)->seqs_alloc * sizeof(*eql_state(run)->seqs));
	}
	struct found_seq *f = &eql_state(run)->seqs[eql_state(run)->nseqs++];
	f->hits = xmalloc(n * sizeof(*f->hits));
	f->n = n;
	f->exec_t = INT64_MIN;
	f->rank = 0;
	f->offered = 0;
	return f;
}

/* Each sample alerts at the first execution whose window holds all its events; one that no
 * single window holds is not alerted on (Kibana's search would never see it whole). */
static void sequence_execution(const struct run *run, struct found_seq *f)
{
	const struct rule *r = &run->rule;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t j = 0; j < f->n; j++) {
		int64_t t = f->hits[j].time;
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	int64_t T = run_first_execution_seeing(run, hi);
	f->exec_t = T <= run->last_t && lo >= rule_window_from(r, T) ? T : INT64_MIN;
}

/* A sequence of run->hits (ids are their indexes). */
static int on_sequence(void *ctx, const int64_t *ids, size_t n)
{
	struct run *run = ctx;
	struct found_seq *f = add_sequence(run, n);
	for (size_t i = 0; i < n; i++)
		f->hits[i] = run->hits[ids[i]];
	if (eql_is_sample(eql_state(run)->query))
		sequence_execution(run, f); /* a sequence's: its executions' tails (sequence_replay) */
	return 0;
}

/* A sequence of stream slots (ids are the slots): copied out, its strings interned, since the
 * slots go when the matcher releases them. */
static int on_streamed_sequence(void *ctx, const int64_t *ids, size_t n)
{
	struct run *run = ctx;
	struct found_seq *f = add_sequence(run, n);
	for (size_t i = 0; i < n; i++) {
		f->hits[i] = eql_state(run)->stream->slots[ids[i]].h;
		f->hits[i].identity = run_intern(run, f->hits[i].identity);
		f->hits[i].keys = NULL; /* the event's keys were scratch */
		f->hits[i].nkeys = 0;
	}
	return 0;
}

static void slot_retain(void *ctx, int64_t id)
{
	((struct seq_stream *)ctx)->slots[id].refs++;
}

static void slot_release(void *ctx, int64_t id)
{
	struct seq_stream *st = ctx;
	struct stream_slot *slot = &st->slots[id];
	if (--slot->refs)
		return;
	free((char *)slot->h.identity);
	slot->h.identity = NULL;
	st->free[st->nfree++] = (size_t)id;
}

static size_t slot_take(struct seq_stream *st)
{
	if (st->nfree)
		return st->free[--st->nfree];
	if (st->nslots == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->slots = xrealloc(st->slots, st->cap * sizeof(*st->slots));
		st->free = xrealloc(st->free, st->cap * sizeof(*st->free));
	}
	return st->nslots++;
}

static void stream_start(struct run *run)
{
	struct seq_stream *st = xcalloc(1, sizeof(*st));
	size_t n = sequence_slots(run);
	st->m = seq_new(eql_stage_count(eql_state(run)->query), eql_maxspan_us(eql_state(run)->query));
	struct seq_hooks hooks = {slot_retain, slot_release, st};
	seq_set_hooks(st->m, &hooks);
	st->keys = xcalloc(n, sizeof(*st->keys));
	st->key_at = xcalloc(n, sizeof(*st->key_at));
	strbuf_init(&st->key_text, 64);
	eql_state(run)->stream = st;
}

static void stream_free(struct seq_stream *st)
{
	if (!st)
		return;
	seq_free(st->m); /* releases what the pending sequences held */
	free(st->slots);
	free(st->free);
	free(st->keys);
	free(st->key_at);
	strbuf_release(&st->key_text);
	free(st);
}

/* Whether key is one of the EQL_KEY_SEP-separated keys in list. */
static int has_key(const char *list, const char *key, size_t len)
{
	for (const char *k = list; k;) {
		const char *end = strchr(k, EQL_KEY_SEP);
		size_t n = end ? (size_t)(end - k) : strlen(k);
		if (n == len && !memcmp(k, key, len))
			return 1;
		k = end ? end + 1 : NULL;
	}
	return 0;
}

/* An event whose join fields hold arrays has a key per value: it is fed once per distinct key,
 * each time with the stages that have that key (a sequence joins on any of its values). */
static void feed_hit(struct run *run, struct seq_matcher *m, const struct hit *h, int64_t id, seq_fn fn)
{
	int several = 0;
	for (size_t k = 0; k < h->nkeys && !several; k++)
		several = h->keys[k] && strchr(h->keys[k], EQL_KEY_SEP);
	if (!several) {
		struct seq_input in = {.id = id, .ts = h->ts, .keys = h->keys};
		seq_feed(m, &in, fn, run);
		return;
	}
	struct strpool fed;
	strpool_init(&fed);
	const char **keys = xcalloc(h->nkeys, sizeof(*keys));
	for (size_t k = 0; k < h->nkeys; k++)
		for (const char *key = h->keys[k]; key;) {
			const char *end = strchr(key, EQL_KEY_SEP);
			char *one = end ? xstrndup(key, (size_t)(end - key)) : xstrdup(key);
			key = end ? end + 1 : NULL;
			if (strpool_find(&fed, one)) {
				free(one);
				continue;
			}
			strpool_intern(&fed, one, NULL);
			for (size_t j = 0; j < h->nkeys; j++)
				keys[j] = h->keys[j] && has_key(h->keys[j], one, strlen(one)) ? one : NULL;
			struct seq_input in = {.id = id, .ts = h->ts, .keys = keys};
			seq_feed(m, &in, fn, run);
			free(one);
		}
	free(keys);
	strpool_release(&fed);
}

/* An event that passes a stage, fed as it arrives (@timestamp order): it takes a slot for as
 * long as a pending sequence holds it. */
static void stream_feed(struct run *run, const struct candidate_row *c, size_t stages)
{
	struct seq_stream *st = eql_state(run)->stream;
	size_t id = slot_take(st);
	struct stream_slot *slot = &st->slots[id];
	slot->refs = 0;
	slot->h = (struct hit){.event_id = c->id,
	                       .time = c->time,
	                       .ts = c->ev.r.ts,
	                       .identity = xstrdup(c->ev.r.identity),
	                       .index = c->ev.r.index ? run_intern(run, c->ev.r.index) : NULL,
	                       .stages = stages,
	                       .keys = st->keys,
	                       .nkeys = sequence_slots(run)};
	slot->refs++; /* held while it is fed */
	note_stage_event(&eql_state(run)->density, st->keys, c->time);
	if (eql_state(run)->pageable)
		buf_add(&eql_state(run)->buf, &slot->h, st->keys, eql_stage_count(eql_state(run)->query));
	struct hit h = slot->h;
	feed_hit(run, st->m, &h, (int64_t)id, on_streamed_sequence);
	st->slots[id].h.keys = NULL; /* the scratch keys are the next event's */
	st->slots[id].h.nkeys = 0;
	slot_release(st, (int64_t)id);
}

/* The sequence's join key: one its first event has for its stage that every other event has
 * for its own (an array gives several), or NULL. */
static const char *sequence_key(const struct found_seq *f, size_t *len)
{
	const char *list = f->hits[0].keys[0];
	for (const char *k = list; k;) {
		const char *end = strchr(k, EQL_KEY_SEP);
		*len = end ? (size_t)(end - k) : strlen(k);
		int all = 1;
		for (size_t j = 1; j < f->n && all; j++) {
			const struct hit *h = &f->hits[j];
			all = j < h->nkeys && h->keys[j] && has_key(h->keys[j], k, *len);
		}
		if (all)
			return k;
		k = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Whether an event of missing stage k with the sequence's key lies in (lo, hi), hits being in
 * @timestamp order: a binary search to lo, then a walk. */
static int missing_event_in(const struct run *run, size_t k, const char *key, size_t klen, int64_t lo, int64_t hi)
{
	size_t stage = eql_stage_count(eql_state(run)->query) + 1 + k, a = 0, b = run->nhits;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (run->hits[mid].ts <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (size_t i = a; i < run->nhits && run->hits[i].ts < hi; i++) {
		const struct hit *h = &run->hits[i];
		if (stage < h->nkeys && h->keys[stage] && has_key(h->keys[stage], key, klen))
			return 1;
	}
	return 0;
}

/* A sequence with a missing-event stage holds only when no such event, with its join key,
 * lies between the stages around it; one before the first stage or after the last looks as
 * far as maxspan reaches from the sequence's start (Elasticsearch 8.x). */
static void drop_missing_violations(struct run *run)
{
	int64_t maxspan = eql_maxspan_us(eql_state(run)->query);
	size_t kept = 0;
	for (size_t i = 0; i < eql_state(run)->nseqs; i++) {
		struct found_seq *f = &eql_state(run)->seqs[i];
		size_t klen = 0;
		const char *key = sequence_key(f, &klen);
		int64_t first = f->hits[0].ts, last = f->hits[f->n - 1].ts;
		int broken = !key;
		for (size_t k = 0; k < eql_missing_count(eql_state(run)->query) && !broken; k++) {
			size_t at = eql_missing_position(eql_state(run)->query, k);
			int64_t lo = at == 0 ? (maxspan ? last - maxspan - 1 : INT64_MIN) : f->hits[at - 1].ts;
			int64_t hi = at >= f->n ? (maxspan ? first + maxspan + 1 : INT64_MAX) : f->hits[at].ts;
			broken = missing_event_in(run, k, key, klen, lo, hi);
		}
		if (broken)
			free(f->hits);
		else
			eql_state(run)->seqs[kept++] = *f;
	}
	eql_state(run)->nseqs = kept;
}

/* Feeds the kept stage events to the sequence matcher in @timestamp order (a sequence with
 * missing-event stages, which looks at the events around each match). */
static void match_sequences(struct run *run)
{
	tiebreaking = eql_state(run)->tiebreaker != NULL;
	if (run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof(*run->hits), by_event_time);
	struct seq_matcher *m = seq_new(eql_stage_count(eql_state(run)->query), eql_maxspan_us(eql_state(run)->query));
	for (size_t i = 0; i < run->nhits; i++) {
		note_stage_event(&eql_state(run)->density, run->hits[i].keys, run->hits[i].time);
		feed_hit(run, m, &run->hits[i], (int64_t)i, on_sequence);
	}
	seq_free(m);
	if (eql_missing_count(eql_state(run)->query))
		drop_missing_violations(run);
}

/* A sample's events: each kept stage event offered to the sample matcher under each of its
 * keys (an array joins on each value), in ingest order as Elasticsearch reads its index. */
static void match_samples(struct run *run)
{
	size_t nfilters = eql_stage_count(eql_state(run)->query);
	struct sample_matcher *m = sample_new(nfilters, 1); /* Kibana never sets max_samples_per_key */
	for (size_t i = 0; i < run->nhits; i++) {
		const struct hit *h = &run->hits[i];
		for (size_t f = 0; f < nfilters && f < h->nkeys; f++)
			for (const char *key = h->keys[f]; key;) {
				const char *end = strchr(key, EQL_KEY_SEP);
				char *one = end ? xstrndup(key, (size_t)(end - key)) : xstrdup(key);
				sample_add(m, f, one, (int64_t)i, h->event_id);
				free(one);
				key = end ? end + 1 : NULL;
			}
	}
	sample_finish(m, on_sequence, run);
	sample_free(m);
}

/* By execution, then by the place in its answer, the first event's @timestamp and ingest order. */
static int by_execution(const void *a, const void *b)
{
	const struct found_seq *x = a, *y = b;
	if (x->exec_t != y->exec_t)
		return x->exec_t < y->exec_t ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return by_event_time(&x->hits[0], &y->hits[0]);
}

/* ---- alert_suppression of sequences (Kibana: bulkCreateSuppressedSequencesInMemory,
 * buildShellAlertSuppressionTermsAndFields) ---- */

static int64_t seq_execution(const void *item)
{
	return ((const struct found_seq *)item)->exec_t;
}

struct read_doc {
	cJSON *doc;
};

static int read_event(void *ctx, const struct event_row *row)
{
	((struct read_doc *)ctx)->doc = detect_event_json(row);
	return 1;
}

/* The sequence's shell alert's group_by values: those all its events hold (its fields are its
 * events' intersection, objectArrayIntersection). NULL: alone (doNotSuppress), or unreadable. */
static const char *seq_group(const struct run *run, const void *item)
{
	const struct found_seq *f = item;
	cJSON **evs = xcalloc(f->n ? f->n : 1, sizeof(*evs));
	int ok = f->n > 0;
	for (size_t i = 0; i < f->n && ok; i++) {
		struct read_doc r = {NULL};
		ok = !run->src->ops->event_get(run->src, f->hits[i].event_id, 1, read_event, &r) && r.doc;
		evs[i] = r.doc;
	}
	const char *key = ok ? suppression_events_key((struct run *)run, (const cJSON *const *)evs, f->n) : NULL;
	for (size_t i = 0; i < f->n; i++)
		cJSON_Delete(evs[i]);
	free(evs);
	return key;
}

/* The shell alert's time (its @timestamp, the alert's: the execution's in the replay; the
 * override the shell holds is the same for every event, so the execution stands for it too). */
static int64_t seq_time(const void *item)
{
	return ((const struct found_seq *)item)->exec_t;
}

static int seq_name(struct run *run, const void *item, char uuid[SHA256_HEX_LEN + 1])
{
	const struct found_seq *f = item;
	const struct hit **hits = xmalloc((f->n ? f->n : 1) * sizeof(*hits));
	for (size_t j = 0; j < f->n; j++)
		hits[j] = &f->hits[j];
	int rc = run_alert_uuid(run, hits, f->n, NULL, uuid);
	free(hits);
	return rc;
}

static void annotate(cJSON *doc, void *ctx)
{
	suppression_annotate(ctx, doc, NULL, 0);
}

static int seq_make(struct run *run, void *ctx, const char *uuid, int64_t exec_t)
{
	const struct found_seq *f = ctx;
	const struct hit **hits = xmalloc((f->n ? f->n : 1) * sizeof(*hits));
	for (size_t j = 0; j < f->n; j++)
		hits[j] = &f->hits[j];
	int rc = run_create_event_alert(run, hits, f->n, uuid, exec_t, annotate, run);
	free(hits);
	return rc;
}

/* The items (in execution order) folded by their shell alert's group. */
static int fold_sequences(struct run *run, const struct found_seq *all, size_t count)
{
	struct found_seq *items = xmalloc((count ? count : 1) * sizeof(*items));
	size_t n = 0;
	for (size_t i = 0; i < count; i++)
		if (all[i].exec_t != INT64_MIN)
			items[n++] = all[i];
	int rc = suppression_fold_alerts(run, items, n, sizeof(*items), seq_execution, seq_group, seq_time, seq_name,
	                                 seq_make);
	free(items);
	return rc;
}

/* The events of the items that alert, read together where the pass did not keep them
 * (run_add_seldom_hit). */
static int prefetch_sequences(struct run *run, const struct found_seq *items, size_t n)
{
	size_t nids = 0;
	for (size_t i = 0; i < n; i++)
		nids += items[i].exec_t != INT64_MIN ? items[i].n : 0;
	int64_t *ids = xmalloc((nids ? nids : 1) * sizeof(*ids));
	nids = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; items[i].exec_t != INT64_MIN && j < items[i].n; j++)
			ids[nids++] = items[i].hits[j].event_id;
	int rc = nids ? run_prefetch_events(run, ids, nids) : 0;
	free(ids);
	return rc;
}

/* Alerts on items, sorted by execution and each execution's answer (by_execution): each once,
 * max_signals an execution, or folded by alert_suppression's groups (sequences). */
static int alert_sequences(struct run *run, const struct found_seq *items, size_t n)
{
	if (prefetch_sequences(run, items, n))
		return -1;
	if (run->suppress && !eql_is_sample(eql_state(run)->query))
		return fold_sequences(run, items, n) < 0 ? -1 : 0;
	int64_t current = INT64_MIN, created = 0;
	int capped = 0, rc = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const struct found_seq *f = &items[i];
		if (f->exec_t == INT64_MIN)
			continue;
		if (f->exec_t != current) {
			current = f->exec_t;
			created = 0;
			capped = 0;
		}
		if (capped)
			continue;
		const struct hit **hits = xmalloc(f->n * sizeof(*hits));
		for (size_t j = 0; j < f->n; j++)
			hits[j] = &f->hits[j];
		rc = run_alert_on_events(run, hits, f->n, f->exec_t, &created);
		free(hits);
		capped = rc > 0;
	}
	return rc < 0 ? -1 : 0;
}

/* Alerts on the samples decided before execution limit, in execution order (max_signals
 * counts per execution, and an execution's samples are decided together), and forgets them. */
static int replay_samples(struct run *run, int64_t limit)
{
	struct eql_state *st = eql_state(run);
	size_t ready =
	    run_take_decided(st->seqs, st->nseqs, sizeof(*st->seqs), offsetof(struct found_seq, exec_t), limit);
	tiebreaking = st->tiebreaker != NULL;
	if (ready > 1)
		qsort(st->seqs, ready, sizeof(*st->seqs), by_execution);
	int rc = alert_sequences(run, st->seqs, ready);
	for (size_t i = 0; i < ready; i++)
		free(st->seqs[i].hits);
	if (ready)
		memmove(st->seqs, st->seqs + ready, (st->nseqs - ready) * sizeof(*st->seqs));
	st->nseqs -= ready;
	run->totals->matched += ready;
	return rc;
}

/* The execution after T whose answer may differ, next, kept below limit (undecided: what is
 * still to come may enter there) and past T; when T's answer left matches out (full), every
 * execution answering the same did, and counts among those that reached max_signals. */
static int64_t next_answer(struct run *run, int64_t T, int64_t next, int64_t limit, int full)
{
	const struct rule *r = &run->rule;
	if (next > limit)
		next = limit;
	if (next <= T)
		next = T + r->interval_us;
	if (full) {
		run_warn_capped(run, T);
		int64_t end = next > run->last_t ? run->last_t + r->interval_us : next;
		run->totals->capped += (uint64_t)((end - T) / r->interval_us) - 1;
	}
	return next;
}

/* ---- sequences: each execution's tail ----
 *
 * With result_position "tail" (Kibana sets none: EqlSearchRequest's default) and size
 * max_signals, Elasticsearch's sequence search (TumblingWindow, SequenceMatcher) runs its first
 * stage descending and the others ascending, keeps the completed sequences in a TreeSet ordered
 * by Sequence.compareTo, the ordinal of the sequence's last event (@timestamp, tiebreaker_field,
 * then the implicit _shard_doc tiebreaker), takes the last size of them (Limit.view with a
 * negative limit) and answers them reversed: the max_signals sequences whose last events are
 * the latest, latest first. An execution alerts on those of its answer not alerted yet; a
 * sequence never in an answer is never alerted on. Elasticsearch reads each stage in pages of
 * fetch_size, 1000, and stops after the page that completes max_signals sequences
 * (tailLimitReached): a full answer whose window holds a page of a stage's events is the one
 * eqlpage_tail gives over the window's stage events (paged_answer), kept for a streamed rule in
 * a bounded buffer (page_buf); otherwise it is the last max_signals of all the window's. */

static int64_t seq_first_time(const struct found_seq *f)
{
	int64_t t = INT64_MAX;
	for (size_t j = 0; j < f->n; j++)
		t = f->hits[j].time < t ? f->hits[j].time : t;
	return t;
}

static int64_t seq_last_time(const struct found_seq *f)
{
	int64_t t = INT64_MIN;
	for (size_t j = 0; j < f->n; j++)
		t = f->hits[j].time > t ? f->hits[j].time : t;
	return t;
}

/* By the time the sequence enters a window (its last event's), then by its ordinal. */
static int by_last_event(const void *a, const void *b)
{
	const struct found_seq *x = a, *y = b;
	int64_t tx = seq_last_time(x), ty = seq_last_time(y);
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return by_event_time(&x->hits[x->n - 1], &y->hits[y->n - 1]);
}

/* An answer's order (qsort over pointers): the latest last event first (Sequence.compareTo,
 * reversed). */
static int by_sequence_tail(const void *a, const void *b)
{
	const struct found_seq *x = *(const struct found_seq *const *)a, *y = *(const struct found_seq *const *)b;
	return by_event_time(&y->hits[y->n - 1], &x->hits[x->n - 1]);
}

static int by_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* An execution whose search Elasticsearch fails: said once a run (Kibana's rule shows the
 * execution failed, and it alerts on nothing). */
static void failed_search(struct run *run, int64_t T)
{
	struct eql_state *st = eql_state(run);
	if (st->failed++ || !run->opts->warn.say)
		return;
	char when[TIME_ISO_LEN];
	time_format_iso8601(T, when);
	diag_say(&run->opts->warn,
	         "warning: rule \"%s\": the execution at %s fails as Elasticsearch's EQL search would: an event's "
	         "tiebreaker_field \"%s\" holds several values (\"Expected tiebreaker field [%s] ...\"); such "
	         "executions alert on nothing\n",
	         run->rule.name, when, st->tiebreaker, st->tiebreaker);
}

/* A full answer where a window may hold more than a page of a stage's events and casebook cannot
 * page it as Elasticsearch does (paged_answer: until, missing events, a join field with several
 * values, timestamp_override, or more stage events than it keeps): said once a run. Its answer
 * is then the last max_signals of all the window's sequences. */
static void paging_warning(struct run *run)
{
	struct eql_state *st = eql_state(run);
	if (st->paging_warned++ || !run->opts->warn.say)
		return;
	diag_say(&run->opts->warn,
	         "warning: rule \"%s\": a window holds more than %d events of one stage of its sequence and "
	         "max_signals (%d) sequences: Elasticsearch reads each stage in pages of fetch_size %d and "
	         "stops at the page that completes max_signals sequences; casebook cannot page this rule's "
	         "window so (until, missing events, a join field with several values, timestamp_override, or "
	         "more than %d stage events to keep) and answers from all of the window's sequences, so Kibana "
	         "may alert on other sequences (docs/DETECTION.md, \"fetch_size\")\n",
	         run->rule.name, EQL_FETCH_SIZE, (int)run->rule.max_signals, EQL_FETCH_SIZE, EQL_PAGE_BUFFER);
}

/* The first of hits[0..n) (in time order) whose time is at least t. */
static size_t first_hit_at(const struct hit *hits, size_t n, int64_t t)
{
	size_t a = 0, b = n;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (hits[mid].time < t)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Execution's answer as Elasticsearch pages its window [from, to] (eqlpage_tail over the
 * window's stage events, in ordinal order): 1 with the answer's sequences, latest first, in *got
 * (their hits copied); 0 when no stage of the window fills a page of fetch_size, so that each
 * stage is read whole and the answer is all of the window's sequences' (the caller's); -1 when
 * casebook cannot page it (paging_warning). */
static int paged_answer(struct run *run, int64_t from, int64_t to, struct found_seq **got, size_t *ngot)
{
	struct eql_state *st = eql_state(run);
	size_t ns = eql_stage_count(st->query), n = 0;
	*got = NULL;
	*ngot = 0;
	if (!st->pageable)
		return -1;
	struct hit *win;
	const char **keys = NULL; /* a streamed window's: ns per event */
	if (st->stream) {
		struct page_buf *b = &st->buf;
		if (from <= b->lost)
			return -1; /* some of its events were not kept */
		size_t a = b->head;
		while (a < b->n && b->ev[a].time < from)
			a++;
		size_t z = a;
		while (z < b->n && b->ev[z].time <= to)
			z++;
		n = z - a;
		win = xmalloc((n ? n : 1) * sizeof(*win));
		keys = xmalloc((n ? n : 1) * ns * sizeof(*keys));
		for (size_t i = 0; i < n; i++) {
			const struct pbuf_ev *e = &b->ev[a + i];
			const char *p = b->text.buf + e->off;
			win[i] = (struct hit){.event_id = e->event_id,
			                      .time = e->time,
			                      .ts = e->ts,
			                      .identity = p,
			                      .index = e->index,
			                      .keys = keys + i * ns,
			                      .nkeys = ns};
			p += strlen(p) + 1;
			for (size_t s = 0; s < ns; s++) {
				size_t len;
				memcpy(&len, p, sizeof(len));
				p += sizeof(len);
				keys[i * ns + s] = len ? p : NULL;
				p += len;
			}
		}
		tiebreaking = 0;
		if (n > 1)
			qsort(win, n, sizeof(*win), by_event_time); /* the pass's order, ordinal order */
	} else {
		size_t a = first_hit_at(run->hits, run->nhits, from), z = first_hit_at(run->hits, run->nhits, to + 1);
		n = z - a;
		win = xmalloc((n ? n : 1) * sizeof(*win));
		memcpy(win, run->hits + a, n * sizeof(*win)); /* sorted by match_sequences: ordinal order */
	}
	if (n > EQL_PAGE_BUFFER) { /* its cost: (events / fetch_size) rounds over them, at worst */
		free(keys);
		free(win);
		return -1;
	}
	size_t *count = xcalloc(ns, sizeof(*count));
	int dense = 0, several = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < ns && s < win[i].nkeys; s++)
			if (win[i].keys[s]) {
				dense |= ++count[s] >= EQL_FETCH_SIZE;
				several |= strchr(win[i].keys[s], EQL_KEY_SEP) != NULL;
			}
	free(count);
	int rc = !dense ? 0 : several ? -1 : 1;
	long k = 0;
	size_t max = (size_t)run->rule.max_signals, *out = NULL;
	if (rc > 0) {
		struct eqlpage_event *ev = xmalloc((n ? n : 1) * sizeof(*ev));
		for (size_t i = 0; i < n; i++)
			ev[i] = (struct eqlpage_event){.ts = win[i].ts, .keys = win[i].keys};
		struct eqlpage_query q = {
		    .nstages = ns, .size = max, .fetch_size = EQL_FETCH_SIZE, .maxspan_us = eql_maxspan_us(st->query)};
		out = xmalloc(max * ns * sizeof(*out));
		k = eqlpage_tail(ev, n, &q, out);
		free(ev);
		rc = k < 0 ? -1 : 1;
	}
	if (rc > 0 && k > 0) {
		*got = xmalloc((size_t)k * sizeof(**got));
		for (long j = 0; j < k; j++) {
			struct found_seq *f = &(*got)[j];
			*f = (struct found_seq){.hits = xmalloc(ns * sizeof(*f->hits)), .n = ns};
			for (size_t s = 0; s < ns; s++) {
				struct hit h = win[out[(size_t)j * ns + s]];
				if (st->stream) { /* the kept text goes: the run's strings stay */
					h.identity = run_intern(run, h.identity);
					h.keys = NULL;
					h.nkeys = 0;
				}
				f->hits[s] = h;
			}
		}
		*ngot = (size_t)k;
	}
	free(out);
	free(keys);
	free(win);
	return rc;
}

/* The times of the stage events whose tiebreaker_field holds several values (tiebreaker_value's
 * 'x'), in order: a window holding one fails its search. */
static int64_t *failing_times(const struct run *run, size_t *n)
{
	int64_t *t = NULL;
	size_t cap = 0;
	*n = 0;
	if (!eql_state(run)->tiebreaker)
		return NULL;
	for (size_t i = 0; i < run->nhits; i++) {
		const struct hit *h = &run->hits[i];
		if (!h->keys || !h->keys[h->nkeys] || h->keys[h->nkeys][0] != 'x')
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			t = xrealloc(t, cap * sizeof(*t));
		}
		t[(*n)++] = h->time;
	}
	if (*n > 1)
		qsort(t, *n, sizeof(*t), by_int64);
	return t;
}

/* The executions from run->replay_t up to limit (not included) over the sequences found: each
 * answers with its window's tail, and alerts on its sequences not offered yet; sequences no
 * window to come holds are forgotten. Only executions where a sequence enters the window or
 * one of its answer (or the one next left out) leaves are looked at. */
static int sequence_replay(struct run *run, int64_t limit)
{
	struct eql_state *st = eql_state(run);
	const struct rule *r = &run->rule;
	size_t max = (size_t)r->max_signals;
	tiebreaking = st->tiebreaker != NULL;
	if (st->nseqs > 1)
		qsort(st->seqs, st->nseqs, sizeof(*st->seqs), by_last_event);
	/* when the window's time is @timestamp, the order above is the answer's, reversed */
	int ordered = !run->time_field && !run->cq.use_ingested;
	const struct found_seq **tail = xmalloc((st->nseqs + 1) * sizeof(*tail));
	struct found_seq *answers = NULL;
	size_t nanswers = 0, answers_cap = 0, lo = 0, hi = 0;
	struct hit **owned = NULL; /* the paged answers' hits */
	size_t nowned = 0, owned_cap = 0;
	size_t nfail = 0, flo = 0, fhi = 0;
	int64_t *fail = failing_times(run, &nfail);
	int64_t T = run->replay_t;
	while (T <= run->last_t && T < limit) {
		int64_t from = rule_window_from(r, T), to = rule_window_to(r, T);
		while (lo < st->nseqs && seq_last_time(&st->seqs[lo]) < from)
			lo++;
		if (hi < lo)
			hi = lo;
		while (hi < st->nseqs && seq_last_time(&st->seqs[hi]) <= to)
			hi++;
		while (flo < nfail && fail[flo] < from)
			flo++;
		if (fhi < flo)
			fhi = flo;
		while (fhi < nfail && fail[fhi] <= to)
			fhi++;
		if (flo < fhi) { /* the search fails: no answer, until that event leaves or another enters */
			failed_search(run, T);
			int64_t next = run_first_execution_past(run, T, fail[flo]);
			if (hi < st->nseqs) {
				int64_t enters = run_first_execution_seeing(run, seq_last_time(&st->seqs[hi]));
				next = enters < next ? enters : next;
			}
			T = next > limit ? limit : next > T ? next : T + r->interval_us;
			continue;
		}
		size_t ntail = 0;
		for (size_t i = hi; i > lo && (!ordered || ntail <= max); i--)
			if (seq_first_time(&st->seqs[i - 1]) >= from) /* the window holds it whole */
				tail[ntail++] = &st->seqs[i - 1];
		if (!ntail) { /* none in the window: on to the first that sees the next sequence */
			if (hi == st->nseqs) {
				T = limit;
				break;
			}
			int64_t at = run_first_execution_seeing(run, seq_last_time(&st->seqs[hi]));
			T = at > T ? at : T + r->interval_us;
			continue;
		}
		if (!ordered && ntail > 1)
			qsort(tail, ntail, sizeof(*tail), by_sequence_tail);
		/* a full answer is Kibana's max signals warning (eql.ts: hits.total, the answer's size
		 * (Results.fromPayload), at least max_signals) */
		int full = ntail >= max;
		if (full && st->density.dense) { /* a window that may fill a page: paged as Elasticsearch does */
			struct found_seq *paged;
			size_t npaged;
			int pg = paged_answer(run, from, to, &paged, &npaged);
			if (pg < 0)
				paging_warning(run);
			if (pg > 0) {
				if (nanswers + npaged > answers_cap) {
					answers_cap = 2 * (nanswers + npaged);
					answers = xrealloc(answers, answers_cap * sizeof(*answers));
				}
				if (nowned + npaged > owned_cap) {
					owned_cap = 2 * (nowned + npaged);
					owned = xrealloc(owned, owned_cap * sizeof(*owned));
				}
				for (size_t i = 0; i < npaged; i++) { /* offered or not: alerts are made once each */
					owned[nowned++] = paged[i].hits;
					answers[nanswers] = paged[i];
					answers[nanswers].exec_t = T;
					answers[nanswers++].rank = i;
				}
				free(paged);
				/* any event entering or leaving may change the pages: the next execution */
				T = next_answer(run, T, T + r->interval_us, limit, npaged >= max);
				continue;
			}
		}
		if (ntail > max)
			ntail = max + 1; /* the answer, and the next left out: while both stay, it stands */
		int64_t first = INT64_MAX;
		for (size_t i = 0; i < ntail; i++) {
			int64_t t = seq_first_time(tail[i]);
			first = t < first ? t : first;
			struct found_seq *f = (struct found_seq *)tail[i];
			if (i == max || f->offered)
				continue;
			f->offered = 1;
			if (nanswers == answers_cap) {
				answers_cap = answers_cap ? 2 * answers_cap : 16;
				answers = xrealloc(answers, answers_cap * sizeof(*answers));
			}
			answers[nanswers] = *f;
			answers[nanswers].exec_t = T;
			answers[nanswers++].rank = i;
		}
		int64_t next = run_first_execution_past(run, T, first); /* one of them leaves */
		if (hi < st->nseqs) {                                   /* or a sequence enters */
			int64_t enters = run_first_execution_seeing(run, seq_last_time(&st->seqs[hi]));
			next = enters < next ? enters : next;
		}
		if (fhi < nfail) { /* or an event that fails the search enters */
			int64_t enters = run_first_execution_seeing(run, fail[fhi]);
			next = enters < next ? enters : next;
		}
		if (full && st->density.dense && st->pageable && next > T + r->interval_us)
			next = T + r->interval_us; /* an event entering may make the next window page */
		T = next_answer(run, T, next, limit, full);
	}
	run->replay_t = T;
	free(tail);
	free(fail);
	int rc = alert_sequences(run, answers, nanswers); /* in execution order, each answer's */
	free(answers);
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	if (st->stream && st->pageable)
		buf_drop_before(&st->buf, T > run->last_t ? INT64_MAX : rule_window_from(r, T));
	int64_t from = T > run->last_t ? INT64_MAX : rule_window_from(r, T);
	size_t kept = 0;
	for (size_t i = 0; i < st->nseqs; i++)
		if (seq_first_time(&st->seqs[i]) < from) { /* out of every window to come */
			free(st->seqs[i].hits);
			run->totals->matched++;
		} else {
			st->seqs[kept++] = st->seqs[i];
		}
	st->nseqs = kept;
	return rc;
}

/* ---- event queries: each execution's tail ----
 *
 * Kibana's EQL search (eql.ts, build_eql_search_request.ts) asks for size max_signals and no
 * result_position, so Elasticsearch's default, "tail" (EqlSearchRequest), answers: the most
 * recent matches of the window, sorted by @timestamp then tiebreaker_field, both descending
 * with a missing value last (LogicalPlanBuilder's default order, SourceGenerator's missing),
 * then the point in time's implicit _shard_doc, ascending (document order: ingest order). An
 * execution alerts on those of its answer not alerted yet; a match never in a tail is never
 * alerted on. With at most max_signals matches in a window this is every match, at the first
 * execution that sees it. */

/* The tail's order (qsort over hit pointers): latest @timestamp first, then the larger
 * tiebreaker (a value before none), then ingest order. */
static int by_tail(const void *a, const void *b)
{
	const struct hit *x = *(const struct hit *const *)a, *y = *(const struct hit *const *)b;
	if (x->ts != y->ts)
		return x->ts > y->ts ? -1 : 1;
	const char *tx = tiebreak_of(x), *ty = tiebreak_of(y);
	int t = !tx || !ty ? !tx - !ty : -compare_tiebreaks(tx, ty);
	if (t)
		return t;
	return (x->event_id > y->event_id) - (x->event_id < y->event_id);
}

static int by_position(const void *a, const void *b)
{
	const struct hit *x = *(const struct hit *const *)a, *y = *(const struct hit *const *)b;
	return (x > y) - (x < y);
}

static void offered_sync(struct eql_state *st, size_t nhits)
{
	if (nhits > st->offered_cap) {
		st->offered_cap = nhits > 2 * st->offered_cap ? nhits : 2 * st->offered_cap;
		st->offered = xrealloc(st->offered, st->offered_cap);
	}
	if (nhits > st->noffered)
		memset(st->offered + st->noffered, 0, nhits - st->noffered);
	st->noffered = nhits;
}

/* Execution T's answer: the tail of hits[lo, hi) (its window's matches, in time order); its
 * matches not offered yet become alerts (or, with alert_suppression, its groups). 1 when the
 * answer is full, max_signals matches (Kibana's eql.ts warns when hits.total, the answer's size
 * in Results.fromPayload, is at least max_signals), 0, or -1 on a store error. */
static int event_tail(struct run *run, int64_t T, size_t lo, size_t hi)
{
	struct eql_state *st = eql_state(run);
	size_t n = hi - lo, max = (size_t)run->rule.max_signals, from = lo;
	/* in @timestamp order the tail is the last max hits, and those tied with the first of them */
	if (n > max && !run->time_field && !run->cq.use_ingested)
		for (from = hi - max; from > lo && run->hits[from - 1].ts == run->hits[from].ts; from--)
			;
	const struct hit **tail = xmalloc((hi - from) * sizeof(*tail));
	for (size_t i = from; i < hi; i++)
		tail[i - from] = &run->hits[i];
	size_t ntail = hi - from;
	if (ntail > max) {
		tiebreaking = st->tiebreaker != NULL;
		qsort(tail, ntail, sizeof(*tail), by_tail);
		ntail = max;
		qsort(tail, ntail, sizeof(*tail), by_position); /* alerted in time order */
	}
	size_t fresh = 0;
	for (size_t i = 0; i < ntail; i++)
		if (!st->offered[tail[i] - run->hits])
			tail[fresh++] = tail[i];
	int rc = 0;
	if (run->suppress && fresh) {
		struct hit *copies = xmalloc(fresh * sizeof(*copies));
		for (size_t i = 0; i < fresh; i++)
			copies[i] = *tail[i];
		rc = suppression_execution(run, T, copies, fresh);
		free(copies);
	}
	int64_t created = 0;
	for (size_t i = 0; i < fresh && !rc && !run->suppress; i++)
		rc = run_alert_on_events(run, &tail[i], 1, T, &created) < 0 ? -1 : 0;
	for (size_t i = 0; i < fresh; i++)
		st->offered[tail[i] - run->hits] = 1;
	free(tail);
	return rc ? rc : n >= max;
}

/* Forgets the hits before index n (out of every window to come); they count as matched. */
static void event_drop(struct run *run, size_t n)
{
	struct eql_state *st = eql_state(run);
	if (st->offered)
		memmove(st->offered, st->offered + n, st->noffered - n);
	st->noffered -= n;
	run->totals->matched += n;
	run_drop_hits(run, n);
}

/* The executions from run->replay_t up to limit (not included) over the hits (in time order):
 * an execution whose window holds the same hits as the one before answers the same, so only
 * those where a hit enters or leaves are looked at. */
static int event_replay(struct run *run, int64_t limit)
{
	const struct rule *r = &run->rule;
	offered_sync(eql_state(run), run->nhits);
	int64_t T = run->replay_t;
	size_t lo = 0, hi = 0;
	while (T <= run->last_t && T < limit) {
		int64_t from = rule_window_from(r, T), to = rule_window_to(r, T);
		while (lo < run->nhits && run->hits[lo].time < from)
			lo++;
		if (hi < lo)
			hi = lo;
		while (hi < run->nhits && run->hits[hi].time <= to)
			hi++;
		if (lo == hi) { /* an empty window: on to the first that sees the next hit */
			if (hi == run->nhits) {
				T = limit;
				break;
			}
			int64_t at = run_first_execution_seeing(run, run->hits[hi].time);
			T = at > T ? at : T + r->interval_us;
			continue;
		}
		int full = event_tail(run, T, lo, hi);
		if (full < 0)
			return -1;
		int64_t next = run_first_execution_past(run, T, run->hits[lo].time); /* its first hit leaves */
		if (hi < run->nhits) {                                               /* or a hit enters */
			int64_t enters = run_first_execution_seeing(run, run->hits[hi].time);
			next = enters < next ? enters : next;
		}
		T = next_answer(run, T, next, limit, full);
	}
	run->replay_t = T;
	if (T > run->last_t)
		lo = run->nhits; /* no window to come */
	else
		for (lo = 0; lo < run->nhits && run->hits[lo].time < rule_window_from(r, T);)
			lo++;
	event_drop(run, lo);
	return 0;
}

static int eql_flush(struct run *run, int64_t done)
{
	if (!eql_is_sequence(eql_state(run)->query))
		return event_replay(run, run_undecided(run, done));
	return eql_state(run)->stream ? sequence_replay(run, run_undecided(run, done)) : 0;
}

static int event_finish(struct run *run)
{
	if (!run->streaming && run->nhits > 1)
		qsort(run->hits, run->nhits, sizeof(*run->hits), by_rule_time);
	if (event_replay(run, INT64_MAX) || suppression_finish(run))
		return -1;
	event_drop(run, run->nhits);
	return 0;
}

static int eql_finish(struct run *run)
{
	if (!eql_is_sequence(eql_state(run)->query))
		return event_finish(run);
	if (eql_is_sample(eql_state(run)->query)) {
		match_samples(run);
		return replay_samples(run, INT64_MAX);
	}
	if (!eql_state(run)->stream)
		match_sequences(run);
	return sequence_replay(run, INT64_MAX);
}

/* ---- reading the rule (rule.c) ---- */

/* An EQL rule's language is "eql", and its events are ordered by @timestamp alone. */
static int eql_check(const struct rule *r, char *why, size_t whylen)
{
	const char *time_field = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->obj, "timestamp_field"));
	if (!r->language || strcmp(r->language, "eql"))
		snprintf(why, whylen, "an eql rule's language must be \"eql\", not \"%s\"",
		         r->language ? r->language : "");
	else if (time_field && strcmp(time_field, "@timestamp"))
		snprintf(why, whylen, "timestamp_field \"%.60s\" is not supported (@timestamp is)", time_field);
	else
		return 0;
	return -1;
}

/* A construct Elasticsearch runs and casebook cannot yet. */
static int eql_unsupported(const struct rule *r, char *why, size_t whylen)
{
	if (!r->query)
		return 0;
	struct kql_error err = {.not_yet = 0};
	struct eql_query *q = eql_parse(r->query, &err);
	int not_yet = !q && err.not_yet;
	if (not_yet)
		snprintf(why, whylen, "%.150s", err.msg);
	eql_free(q);
	return not_yet;
}

static int eql_parses(const struct rule *r, char *why, size_t whylen)
{
	struct kql_error err = {.not_yet = 0};
	struct eql_query *q = eql_parse(r->query, &err);
	eql_free(q);
	if (q)
		return 1;
	snprintf(why, whylen, "the EQL query does not parse at column %zu: %s", err.column, err.msg);
	return 0;
}

/* ---- compiling it for a detect run ---- */

static int eql_test(const void *query, const cJSON *ev)
{
	return eql_match(query, ev);
}

static const char *eql_test_gave_up(const void *query)
{
	return eql_gave_up(query);
}

/* The column filters of an event query (stage SIZE_MAX) or of one stage of a sequence. */
struct stage_query {
	const struct eql_query *query;
	size_t stage;
};

static int stage_column_values(const void *ctx, const char *field, char ***values, size_t *n, int *caseless)
{
	const struct stage_query *sq = ctx;
	return sq->stage == SIZE_MAX ? eql_required_values(sq->query, field, values, n, caseless)
	                             : eql_stage_required_values(sq->query, sq->stage, field, values, n, caseless);
}

/* What the pass may push down: an event query's columns, or each stage's (an event matters
 * when it may pass one of them). */
static void plan_stages(struct run *run, const struct eql_query *q)
{
	if (!eql_is_sequence(q)) {
		struct stage_query sq = {q, SIZE_MAX};
		run_plan_column_filters(stage_column_values, &sq, 0, &run->columns, &run->ncolumns);
		return;
	}
	size_t n = sequence_slots(run);
	run->stage_filters = xcalloc(n, sizeof(*run->stage_filters));
	for (size_t i = 0; i < n; i++) {
		if (i == eql_stage_count(q) && !eql_has_until(q))
			continue; /* no until: a slot no event passes */
		struct stage_filter *f = &run->stage_filters[run->nstage_filters++];
		f->category = eql_stage_category(q, i);
		struct stage_query sq = {q, i};
		run_plan_column_filters(stage_column_values, &sq, 0, &f->columns, &f->ncolumns);
		eql_stage_needles(q, i, &f->needles);
	}
}

static int eql_compile(struct run *run, struct strbuf *why)
{
	const struct rule *r = &run->rule;
	struct kql_error err;
	struct eql_query *q = eql_parse(r->query, &err);
	if (!q) {
		kql_error_format(r->query, &err, why);
		return -1;
	}
	/* Elasticsearch's event_category_field, as Kibana passes it */
	eql_set_category_field(
	    q, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->obj, "event_category_override")));
	struct eql_state *st = xcalloc(1, sizeof(*st));
	st->query = q;
	const char *tb = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->obj, "tiebreaker_field"));
	st->tiebreaker = tb && *tb ? tb : NULL; /* the rule's object outlives the run's state */
	strbuf_init(&st->key, 64);
	run->state = st;
	run->test = (struct event_test){.query = q, .matches = eql_test, .gave_up = eql_test_gave_up};
	eql_needles(q, &run->needles);
	plan_stages(run, q);
	plan_eql(q, &run->plan);
	run->once_per_hit = !eql_is_sequence(q);
	run->alerts_grouped = eql_is_sequence(q); /* [a] ![b]'s sequences have one event */
	return 0;
}

/* A sequence without samples or missing-event stages is matched as the events arrive, in
 * @timestamp order (unless the source's ordered reads are costly: then at the end). */
static int eql_prepare(struct run *run)
{
	const struct eql_query *q = eql_state(run)->query;
	if (eql_is_sequence(q) && !eql_is_sample(q)) {
		struct stage_density *d = &eql_state(run)->density;
		d->nstages = eql_stage_count(q);
		d->span = rule_window_to(&run->rule, 0) - rule_window_from(&run->rule, 0);
		/* paged as Elasticsearch does (paged_answer): windows on @timestamp, the ordinal's time */
		eql_state(run)->pageable =
		    !eql_has_until(q) && !eql_missing_count(q) && !run->time_field && !run->cq.use_ingested;
		strbuf_init(&eql_state(run)->buf.text, 256);
		eql_state(run)->buf.lost = INT64_MIN;
	}
	/* a tiebreaker reorders events of equal @timestamp: matched at the end, from the sorted hits */
	if (eql_is_sequence(q) && !eql_is_sample(q) && !eql_missing_count(q) && !run->opts->no_prefilter &&
	    !eql_state(run)->tiebreaker && !source_reads_any_order(run->src)) {
		stream_start(run);
		run->cq.by_event_time = 1;
	}
	return 0;
}

static void eql_release(struct run *run)
{
	struct eql_state *st = eql_state(run);
	if (!st)
		return;
	for (size_t i = 0; i < st->nseqs; i++)
		free(st->seqs[i].hits);
	free(st->seqs);
	stream_free(st->stream);
	free(st->offered);
	free(st->density.ring), free(st->density.n), free(st->density.at);
	free(st->buf.ev);
	if (st->buf.text.buf)
		strbuf_release(&st->buf.text);
	strbuf_release(&st->key);
	eql_free(st->query);
	free(st);
	run->state = NULL;
}

const struct rule_type eql_type = {.name = "eql",
                                   .language = "eql",
                                   .category = "Event Correlation Rule",
                                   .type_id = "siem.eqlRule",
                                   .suppression = SUPPRESSES_EVENTS,
                                   .alerts_on_hit_events = 1,
                                   .checks_language = 1,
                                   .check = eql_check,
                                   .query_unsupported = eql_unsupported,
                                   .query_parses = eql_parses,
                                   .compile = eql_compile,
                                   .prepare = eql_prepare,
                                   .consider = eql_consider,
                                   .finish = eql_finish,
                                   .flush = eql_flush,
                                   .release = eql_release};
