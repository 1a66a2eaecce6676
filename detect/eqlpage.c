#include "detect/eqlpage.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/strbuf.h"

#define NONE SIZE_MAX

/* ---- interning the window's join keys and their fields' values ---- */

struct intern {
	struct islot {
		const char *p;
		size_t len, tag, id;
	} * slot;
	size_t cap, n;
};

static void intern_init(struct intern *t, size_t items)
{
	for (t->cap = 64; t->cap < items * 2; t->cap *= 2)
		;
	t->slot = xcalloc(t->cap, sizeof(*t->slot));
	t->n = 0;
}

/* The id of (tag, p[0..len)), a new one (the next) when it is new. */
static size_t intern_id(struct intern *t, const char *p, size_t len, size_t tag)
{
	size_t mask = t->cap - 1, i = (hash_keyed(p, len) ^ (tag * 0x9e3779b97f4a7c15u)) & mask;
	for (;; i = (i + 1) & mask) {
		struct islot *s = &t->slot[i];
		if (!s->p) {
			*s = (struct islot){p, len, tag, t->n++};
			return s->id;
		}
		if (s->tag == tag && s->len == len && !memcmp(s->p, p, len))
			return s->id;
	}
}

/* ---- the matcher's state (SequenceMatcher, KeyToSequences, StageToKeys) ---- */

struct glist { /* a SequenceGroup: a key's in-flight sequences at a stage, in insertion order */
	size_t *v, head, len, cap;
};

struct pager {
	const struct eqlpage_event *ev;
	size_t n, ns, nf, fetch, size;
	int64_t maxspan;
	size_t *ev_ent; /* n * ns: the event's key entry at each stage, or NONE */
	size_t nent;
	size_t *ent_val; /* nent * nf: each key's fields' value ids */
	size_t nval;
	unsigned *valmark; /* the key filter: a value in it holds the filter's stamp */
	unsigned stamp;
	int filtering;
	struct glist *lists;       /* nent * (ns - 1) */
	unsigned char *inkeys;     /* nent * (ns - 1): StageToKeys (not cleared with the groups) */
	size_t *count_in;          /* ns - 1: keys in StageToKeys per stage */
	size_t *keyset;            /* (ns - 1) * nent: each stage's keys, the first count_in of its row */
	size_t *keypos;            /* nent * (ns - 1): a key's place in its stage's row */
	size_t *seq_ev;            /* nseq * ns: a sequence's events */
	size_t *seq_ent, *seq_cur; /* its key entry, its current stage */
	size_t nseq;
	size_t *done_at; /* n: the completed sequence whose last event this is (a TreeSet by ordinal) */
	size_t ncompleted;
	size_t *hits; /* a page */
};

static struct glist *glist_of(struct pager *p, size_t e, size_t stage)
{
	return &p->lists[e * (p->ns - 1) + stage];
}

static void glist_add(struct glist *g, size_t sid)
{
	if (g->head && g->head == g->len)
		g->head = g->len = 0;
	if (g->len == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 4;
		g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
	}
	g->v[g->len++] = sid;
}

static size_t seq_ordinal(const struct pager *p, size_t sid)
{
	return p->seq_ev[sid * p->ns + p->seq_cur[sid]];
}

/* OrdinalGroup.findBefore: the position of the last element before ordinal, scanning from the
 * first and stopping at one that is not before it; NONE if there is none. */
static size_t find_before(const struct pager *p, const struct glist *g, size_t ordinal)
{
	size_t at = NONE;
	for (size_t i = g->head; i < g->len && seq_ordinal(p, g->v[i]) < ordinal; i++)
		at = i;
	return at;
}

static void key_flag(struct pager *p, size_t e, size_t stage, int on)
{
	size_t at = e * (p->ns - 1) + stage, *row = p->keyset + stage * p->nent;
	if (p->inkeys[at] == on)
		return;
	p->inkeys[at] = (unsigned char)on;
	if (on) {
		p->keypos[at] = p->count_in[stage];
		row[p->count_in[stage]++] = e;
		return;
	}
	size_t moved = row[--p->count_in[stage]]; /* the row's last takes its place */
	row[p->keypos[at]] = moved;
	p->keypos[moved * (p->ns - 1) + stage] = p->keypos[at];
}

/* SequenceMatcher.hasCandidates(start, stop) */
static int has_candidates(const struct pager *p, size_t start, size_t stop)
{
	for (size_t i = start; i < stop; i++)
		if (p->count_in[i])
			return 1;
	return 0;
}

/* SequenceMatcher.match(stage, key, ordinal, hit) for a stage past the first. */
static void match_one(struct pager *p, size_t stage, size_t i)
{
	size_t e = p->ev_ent[i * p->ns + stage];
	struct glist *g = glist_of(p, e, stage - 1);
	size_t at = find_before(p, g, i); /* trimBefore: the match and all before it go */
	if (at == NONE)
		return;
	size_t sid = g->v[at];
	g->head = at + 1;
	if (g->head == g->len) /* an empty group: its key leaves the stage's keys */
		key_flag(p, e, stage - 1, 0);
	size_t first = p->seq_ev[sid * p->ns];
	if (p->maxspan && p->ev[i].ts - p->ev[first].ts > p->maxspan)
		return; /* exceedsMaxSpan */
	p->seq_ev[sid * p->ns + stage] = i;
	p->seq_cur[sid] = stage;
	if (stage + 1 < p->ns) {
		key_flag(p, e, stage, 1);
		glist_add(glist_of(p, e, stage), sid);
		return;
	}
	/* completed: a descending search drops one whose key and last ordinal a completed one has,
	 * and the TreeSet keeps one sequence per last ordinal */
	if (p->done_at[i] == NONE) {
		p->done_at[i] = sid;
		p->ncompleted++;
	}
}

/* SequenceMatcher.match(stage, hits), the hits in ascending order: 0 once size sequences are
 * completed (tailLimitReached), else 1. */
static int match_page(struct pager *p, size_t stage, const size_t *hits, size_t nh)
{
	for (size_t k = 0; k < nh; k++) {
		size_t i = hits[k];
		if (stage) {
			match_one(p, stage, i);
			continue;
		}
		size_t sid = p->nseq++, e = p->ev_ent[i * p->ns];
		p->seq_ev[sid * p->ns] = i;
		p->seq_ent[sid] = e;
		p->seq_cur[sid] = 0;
		key_flag(p, e, 0, 1); /* trackSequence */
		glist_add(glist_of(p, e, 0), sid);
	}
	return p->ncompleted < p->size;
}

/* KeyToSequences.clear (trim(null)): the groups go, StageToKeys stays. */
static void clear_groups(struct pager *p)
{
	for (size_t g = 0; g < p->nent * (p->ns - 1); g++)
		p->lists[g].head = p->lists[g].len = 0;
}

/* KeyToSequences.trimToTail: each group keeps its last sequence before ordinal and those after. */
static void trim_to_tail(struct pager *p, size_t ordinal)
{
	for (size_t g = 0; g < p->nent * (p->ns - 1); g++) {
		size_t at = find_before(p, &p->lists[g], ordinal);
		if (at != NONE)
			p->lists[g].head = at;
	}
}

/* BoxedQueryRequest.keys(matcher.keys(stage)): a filter on each key field's values in flight at
 * stage, none when there are none or a field has more than MAX_TERMS. */
static void key_filter(struct pager *p, size_t stage)
{
	p->filtering = 0;
	if (!p->nf || stage == NONE || !p->count_in[stage])
		return;
	p->stamp++;
	size_t *distinct = xcalloc(p->nf, sizeof(*distinct));
	int over = 0;
	const size_t *row = p->keyset + stage * p->nent;
	for (size_t k = 0; k < p->count_in[stage] && !over; k++) {
		size_t e = row[k];
		for (size_t f = 0; f < p->nf; f++) {
			unsigned *m = &p->valmark[p->ent_val[e * p->nf + f]];
			if (*m != p->stamp) {
				*m = p->stamp;
				over |= ++distinct[f] > EQLPAGE_MAX_TERMS;
			}
		}
	}
	free(distinct);
	p->filtering = !over;
}

static int passes_filter(const struct pager *p, size_t e)
{
	if (!p->filtering)
		return 1;
	for (size_t f = 0; f < p->nf; f++)
		if (p->valmark[p->ent_val[e * p->nf + f]] != p->stamp)
			return 0;
	return 1;
}

/* A stage's search: its events after `after`, ascending, with @timestamp up to to's (NONE: no
 * bound), on the key filter; at most fetch_size. */
static size_t search_asc(struct pager *p, size_t stage, size_t after, size_t to)
{
	size_t nh = 0;
	for (size_t i = after == NONE ? 0 : after + 1; i < p->n && nh < p->fetch; i++) {
		if (to != NONE && p->ev[i].ts > p->ev[to].ts)
			break;
		size_t e = p->ev_ent[i * p->ns + stage];
		if (e != NONE && passes_filter(p, e))
			p->hits[nh++] = i;
	}
	return nh;
}

/* The first stage's (tail) search: its events before `after`, descending; given back ascending,
 * as TumblingWindow.wrapValues reverses a descending page. */
static size_t search_desc(struct pager *p, size_t after)
{
	size_t nh = 0;
	for (size_t i = after == NONE ? p->n : after; i-- > 0 && nh < p->fetch;)
		if (p->ev_ent[i * p->ns] != NONE)
			p->hits[nh++] = i;
	for (size_t a = 0, b = nh; a + 1 < b; a++, b--) {
		size_t t = p->hits[a];
		p->hits[a] = p->hits[b - 1];
		p->hits[b - 1] = t;
	}
	return nh;
}

static int setup(struct pager *p, const struct eqlpage_event *ev, size_t n, const struct eqlpage_query *q)
{
	memset(p, 0, sizeof(*p));
	p->ev = ev, p->n = n, p->ns = q->nstages, p->fetch = q->fetch_size, p->size = q->size;
	p->maxspan = q->maxspan_us;
	if (p->ns < 2 || !p->fetch || !p->size)
		return -1;
	/* the key fields: each value of a key ends with '\x1f' */
	for (size_t i = 0; i < n && !p->nf; i++)
		for (size_t s = 0; s < p->ns; s++)
			if (ev[i].keys[s]) {
				for (const char *c = ev[i].keys[s]; *c; c++)
					p->nf += *c == '\x1f';
				break;
			}
	struct intern keys, vals;
	intern_init(&keys, n * p->ns);
	intern_init(&vals, n * p->ns * (p->nf ? p->nf : 1));
	p->ev_ent = xmalloc((n ? n : 1) * p->ns * sizeof(*p->ev_ent));
	size_t nfirst = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t s = 0; s < p->ns; s++) {
			const char *k = ev[i].keys[s];
			p->ev_ent[i * p->ns + s] = k ? intern_id(&keys, k, strlen(k), 0) : NONE;
			nfirst += s == 0 && k;
		}
	p->nent = keys.n;
	p->ent_val = xmalloc((p->nent ? p->nent : 1) * (p->nf ? p->nf : 1) * sizeof(*p->ent_val));
	for (size_t i = 0; i < keys.cap; i++) {
		const struct islot *s = &keys.slot[i];
		if (!s->p)
			continue;
		const char *c = s->p, *end = s->p + s->len;
		for (size_t f = 0; f < p->nf; f++) {
			const char *stop = memchr(c, '\x1f', (size_t)(end - c));
			if (!stop)
				stop = end;
			p->ent_val[s->id * p->nf + f] = intern_id(&vals, c, (size_t)(stop - c), f + 1);
			c = stop < end ? stop + 1 : end;
		}
	}
	p->nval = vals.n;
	free(keys.slot);
	free(vals.slot);
	p->valmark = xcalloc(p->nval ? p->nval : 1, sizeof(*p->valmark));
	p->lists = xcalloc((p->nent ? p->nent : 1) * (p->ns - 1), sizeof(*p->lists));
	p->inkeys = xcalloc((p->nent ? p->nent : 1) * (p->ns - 1), 1);
	p->count_in = xcalloc(p->ns - 1, sizeof(*p->count_in));
	p->keyset = xmalloc((p->nent ? p->nent : 1) * (p->ns - 1) * sizeof(*p->keyset));
	p->keypos = xmalloc((p->nent ? p->nent : 1) * (p->ns - 1) * sizeof(*p->keypos));
	p->seq_ev = xmalloc((nfirst ? nfirst : 1) * p->ns * sizeof(*p->seq_ev));
	p->seq_ent = xmalloc((nfirst ? nfirst : 1) * sizeof(*p->seq_ent));
	p->seq_cur = xmalloc((nfirst ? nfirst : 1) * sizeof(*p->seq_cur));
	p->done_at = xmalloc((n ? n : 1) * sizeof(*p->done_at));
	for (size_t i = 0; i < n; i++)
		p->done_at[i] = NONE;
	p->hits = xmalloc((p->fetch < n ? p->fetch : n ? n : 1) * sizeof(*p->hits));
	return 0;
}

static void release(struct pager *p)
{
	for (size_t g = 0; p->lists && g < p->nent * (p->ns - 1); g++)
		free(p->lists[g].v);
	free(p->ev_ent), free(p->ent_val), free(p->valmark), free(p->lists), free(p->inkeys);
	free(p->count_in), free(p->keyset), free(p->keypos), free(p->seq_ev), free(p->seq_ent), free(p->seq_cur),
	    free(p->done_at);
	free(p->hits);
}

/* A stage's BoxedQueryRequest: from, to, after (NONE: unset). */
struct request {
	size_t from, to, after;
};

enum step { TUMBLE, ADVANCE, SECONDARY, PAYLOAD };

long eqlpage_tail(const struct eqlpage_event *ev, size_t n, const struct eqlpage_query *q, size_t *out)
{
	struct pager p;
	if (setup(&p, ev, n, q)) {
		release(&p);
		return -1;
	}
	size_t ns = p.ns, last = ns - 1;
	struct request *rq = xmalloc(ns * sizeof(*rq));
	for (size_t s = 0; s < ns; s++)
		rq[s] = (struct request){NONE, NONE, NONE};
	struct { /* WindowInfo */
		size_t base, begin, end;
	} win = {0, NONE, NONE};
	int restart = 1; /* restartWindowFromTailQuery: the base is descending */
	enum step step = TUMBLE;
	/* a bound on the steps: each round (a first-stage page) reads each later stage's pages once */
	size_t stage = 0, pages = n / p.fetch + 2;
	size_t budget = pages > 65536 ? SIZE_MAX : pages * pages * (ns + 1) * 4 + 64;
	while (step != PAYLOAD) {
		if (!budget--) {
			free(rq);
			release(&p);
			return -1;
		}
		if (step == TUMBLE) { /* TumblingWindow.tumbleWindow */
			if (stage > 0 && !has_candidates(&p, 0, last)) {
				if (!restart) {
					step = PAYLOAD;
					continue;
				}
				stage = 0;
			}
			if (restart) {
				if (stage == 0)
					clear_groups(&p);
			} else if (rq[stage].after != NONE) {
				trim_to_tail(&p, rq[stage].after);
			}
			step = ADVANCE;
			continue;
		}
		if (step == ADVANCE) { /* advance, then baseCriterion and completeBaseCriterion */
			size_t b = stage;
			rq[b].to = NONE;
			key_filter(&p, b ? b - 1 : NONE);
			size_t nh = b ? search_asc(&p, b, rq[b].after, NONE) : search_desc(&p, rq[0].after);
			int info = nh > 0;
			if (info) { /* the page's bounds: a descending page's end is its earliest event */
				win.base = b;
				win.begin = b ? p.hits[0] : p.hits[nh - 1];
				win.end = b ? p.hits[nh - 1] : p.hits[0];
				rq[b].after = win.end;
			}
			if (!match_page(&p, b, p.hits, nh)) {
				step = PAYLOAD;
				continue;
			}
			int completed = nh < p.fetch; /* windowCompleted */
			if (b == last) {
				if (completed) {
					step = restart ? TUMBLE : PAYLOAD;
					stage = 0;
				} else {
					step = TUMBLE; /* same base */
				}
				continue;
			}
			size_t next = b + 1;
			if (info) {
				if (b == 0) { /* setupWindowFromTail */
					if (rq[1].from != win.end) {
						rq[1].from = rq[1].after = win.end;
						for (size_t s = 2; s < ns; s++)
							rq[s].from = NONE;
					}
				} else { /* boxQuery */
					rq[next].to = win.end;
					if (rq[next].from == NONE)
						rq[next].from = rq[next].after = win.begin;
				}
			}
			if (completed) {
				if (b == 0) {
					if (!info) {
						step = PAYLOAD;
						continue;
					}
					restart = 0;
					stage = 1, step = ADVANCE;
				} else if (has_candidates(&p, b, last)) {
					stage = next, step = ADVANCE; /* rebaseWindow */
				} else if (!restart) {
					step = PAYLOAD;
				} else {
					stage = 0, step = TUMBLE;
				}
			} else {
				stage = b == 0 ? 1 : next;
				step = b == 0 ? ADVANCE : SECONDARY;
			}
			continue;
		}
		/* SECONDARY: secondaryCriterion, boxed to the window */
		size_t s = stage;
		rq[s].to = win.end;
		if (rq[s].from == NONE)
			rq[s].from = rq[s].after = win.begin;
		key_filter(&p, win.base);
		size_t nh = search_asc(&p, s, rq[s].after, win.end);
		while (nh && p.hits[nh - 1] > win.end) /* trim: past the window's end */
			nh--;
		size_t next = s < last ? s + 1 : NONE;
		if (nh) {
			size_t tail = p.hits[nh - 1] > win.end ? win.end : p.hits[nh - 1];
			rq[s].after = tail;
			if (!match_page(&p, s, p.hits, nh)) {
				step = PAYLOAD;
				continue;
			}
			if (next != NONE && (rq[next].from == NONE || rq[next].after == NONE))
				rq[next].from = rq[next].after = p.hits[0];
		}
		if (nh == p.fetch && rq[s].after < win.end)
			continue; /* the same stage's next page */
		if (next != NONE && has_candidates(&p, s, last)) {
			stage = next;
			continue;
		}
		stage = win.base, step = TUMBLE;
	}
	/* payload: the last size completed by ordinal (Limit.view), reversed for the tail */
	long k = 0;
	for (size_t i = n; i-- > 0 && (size_t)k < p.size;) {
		size_t sid = p.done_at[i];
		if (sid == NONE)
			continue;
		memcpy(out + (size_t)k * ns, p.seq_ev + sid * ns, ns * sizeof(*out));
		k++;
	}
	free(rq);
	release(&p);
	return k;
}
