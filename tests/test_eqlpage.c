/* eqlpage: Elasticsearch's paging of a tail EQL sequence search (TumblingWindow,
 * SequenceMatcher, BoxedQueryRequest), as (events, fetch_size, size, expected answer) cases
 * with small pages. Each case's expectation is traced through Elasticsearch's source in its
 * comment: the steps named are TumblingWindow's methods unless said otherwise. */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/eqlpage.h"
#include "detect/sequence.h"

#define MAXEV 300

/* Events as "a:h0 b:h0 c" (the stage's letter, then its join key; none: no `by`), one per
 * second in ordinal order. Answers as "0-3 1-2": each sequence's event indexes. */
struct evset {
	struct eqlpage_event ev[MAXEV];
	const char *keys[MAXEV][3];
	char text[MAXEV][16];
	size_t n;
};

static void add_event(struct evset *s, size_t stage, const char *key)
{
	size_t i = s->n++;
	assert_true(i < MAXEV);
	if (key)
		snprintf(s->text[i], sizeof(s->text[i]), "%s\x1f", key);
	else
		s->text[i][0] = '\0';
	for (size_t k = 0; k < 3; k++)
		s->keys[i][k] = k == stage ? s->text[i] : NULL;
	s->ev[i] = (struct eqlpage_event){.ts = (int64_t)i * 1000000, .keys = s->keys[i]};
}

static void parse_events(struct evset *s, const char *spec)
{
	s->n = 0;
	for (const char *p = spec; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t stage = (size_t)(*p++ - 'a');
		char key[16] = "";
		int has_key = *p == ':';
		if (has_key) {
			size_t k = 0;
			for (p++; *p && *p != ' ' && k + 1 < sizeof(key); p++)
				key[k++] = *p;
			key[k] = '\0';
		}
		add_event(s, stage, has_key ? key : NULL);
	}
}

static void answer_text(const size_t *out, long k, size_t ns, struct strbuf *sb)
{
	strbuf_reset(sb);
	for (long i = 0; i < k; i++) {
		if (i)
			strbuf_addch(sb, ' ');
		for (size_t s = 0; s < ns; s++)
			strbuf_addf(sb, s ? "-%zu" : "%zu", out[(size_t)i * ns + s]);
	}
}

static void check(const struct evset *s, size_t ns, size_t fetch, size_t size, int64_t maxspan, const char *want,
                  const char *name)
{
	struct eqlpage_query q = {.nstages = ns, .size = size, .fetch_size = fetch, .maxspan_us = maxspan};
	size_t *out = xmalloc(size * ns * sizeof(*out));
	long k = eqlpage_tail(s->ev, s->n, &q, out);
	struct strbuf sb;
	strbuf_init(&sb, 64);
	answer_text(out, k, ns, &sb);
	if (strcmp(sb.buf, want))
		fail_msg("%s: answer \"%s\", want \"%s\"", name, sb.buf, want);
	strbuf_release(&sb);
	free(out);
}

static void test_paging_cases(void **state)
{
	(void)state;
	static const struct {
		const char *name, *events;
		size_t stages, fetch, size;
		int64_t maxspan_us;
		const char *want;
	} cases[] = {
	    /* The write-up's example, small: the base search (stage a, descending) reads the last
	     * fetch_size a's, 1 and 2, not hA's 0; the page is full, so advance(1) reads the b's from
	     * 1 on, filtered on the keys in flight {h0, h1} (BoxedQueryRequest.keys): 3 and 4;
	     * SequenceMatcher.match completes 1-3 and 2-4, 2 >= size 1 (tailLimitReached), so
	     * payload answers the last by ordinal, 2-4. All the window's sequences would answer
	     * hA's 0-5, which ends last. */
	    {"stops at the first page", "a:hA a:h0 a:h1 b:h0 b:h1 b:hA", 2, 2, 1, 0, "2-4"},
	    /* The same with size 3: the b's page completes 2 < 3; it was full, so tumbleWindow(1):
	     * no key is in flight (hasCandidates false) and the base restarts (restartWindowFromTail
	     * Query): trim(null), the next descending page, hA's 0 (windowCompleted: the base is
	     * done), setupWindowFromTail(0), advance(1) from 0 filtered on {hA}: 5 completes 0-5;
	     * 3 >= 3: every sequence, latest first. */
	    {"reads earlier first-stage pages", "a:hA a:h0 a:h1 b:h0 b:h1 b:hA", 2, 2, 3, 0, "0-5 2-4 1-3"},
	    /* Without join keys no page is filtered: a's page 0, 3 (descending: 3 then 0); the b's
	     * page from 0 is 1, 2: 1 takes the group's last sequence before it, 0's
	     * (OrdinalGroup.trimBefore), 2 finds none before it (3's is after): 1 >= 1 completed,
	     * payload 0-1. All sequences: 0-1 and 3-4, 3-4 ending last. */
	    {"no keys, stops before a later sequence", "a b b a b", 2, 2, 1, 0, "0-1"},
	    /* The filter on the keys in flight keeps the b's of other keys out of the page: the
	     * page from 0 is 3 and 5 (2 and 4 are h9's and h8's), completing 0-3 and 1-5, whose
	     * last is 1-5. Unfiltered the page would be 2, 3 and answer 0-3. */
	    {"key filter fills the page", "a:h0 a:h1 b:h9 b:h0 b:h8 b:h1", 2, 2, 1, 0, "1-5"},
	    /* Three stages: the a's page is 1, 5 (full); advance(1) reads b's 2, 4 (full): 2 moves
	     * 1's sequence to stage b, 4 finds no a before it in flight (5 is after); boxQuery
	     * bounds stage c to the b page, from 2 to 4's @timestamp; secondaryCriterion finds c
	     * 3, completing 1-2-3: 1 >= 1, payload. 5-6-7, which ends last, is never read. */
	    {"three stages, the box", "a a b c b a b c", 3, 2, 1, 0, "1-2-3"},
	    /* Three stages where every stage fits a page: one page each (the a's windowCompleted,
	     * advance(1), the b's page full so secondaryCriterion(2) within it, then tumbleWindow(1)
	     * with nothing in flight: payload): the one sequence. */
	    {"three stages, one page each", "a b c b c c", 3, 2, 2, 0, "0-1-2"},
	    /* Rounds back to the oldest page: the a's pages from the end are k5, k4, then k3, k2 (no
	     * b after either: each round's b search is empty, the base page was full, so
	     * tumbleWindow(0): trim(null) and the next descending page), then k1, k0; from 0 the b
	     * search, filtered on k0..k5 (StageToKeys keeps k2..k5, never matched), finds 1:
	     * 0-1. */
	    {"rounds back to the oldest page", "a:k0 b:k0 a:k1 a:k2 a:k3 a:k4 a:k5", 2, 2, 1, 0, "0-1"},
	    /* Three stages, the second under a page: the a's (one) windowCompleted, advance(1): b 1
	     * (windowCompleted), boxQuery sets c's from to 1; b's sequence in flight
	     * (hasFollowingCandidates), so rebaseWindow(2): the c's from 1 unbounded, 2 and 3 (a
	     * full page): 2 completes 0-1-2; tumbleWindow(2): nothing in flight, payload. */
	    {"three stages, rebase", "a b c c", 3, 2, 5, 0, "0-1-2"},
	    /* maxspan (SequenceMatcher.match: exceedsMaxSpan): one page each; 2 completes 1-2 (1 s);
	     * 3 takes 0's sequence from its group (trimBefore) and drops it (3 s > 2 s); 4 finds
	     * h1's group empty. */
	    {"maxspan", "a:h0 a:h1 b:h1 b:h0 b:h1", 2, 10, 5, 2000000, "1-2"},
	};
	struct evset *s = xcalloc(1, sizeof(*s));
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		parse_events(s, cases[c].events);
		check(s, cases[c].stages, cases[c].fetch, cases[c].size, cases[c].maxspan_us, cases[c].want,
		      cases[c].name);
	}
	free(s);
}

/* More than MAX_TERMS (128) keys in flight: the b's search is not filtered on keys
 * (BoxedQueryRequest.keys drops the filter when a key field has more values), so other keys'
 * b's fill its page. 130 a's (k000..k129) with fetch_size 130: the base page is full, so
 * advance(1) reads the b's from the first a: k000's, 129 of zz, then k001's; the first page is
 * k000's and the zz's, completing 0-130: 1 >= size 1, payload 0-130 (all sequences: 1-260).
 * With 128 keys and fetch_size 128 the filter holds: the page is k000's and k001's, 1-258. */
/* nkeys a's (k000...), then the b's: k000's, 129 of zz, k001's */
static void add_keys_and_bs(struct evset *s, unsigned nkeys)
{
	char key[16];
	s->n = 0;
	for (unsigned i = 0; i < nkeys; i++) {
		snprintf(key, sizeof(key), "k%03u", i);
		add_event(s, 0, key);
	}
	add_event(s, 1, "k000");
	for (unsigned i = 0; i < 129; i++)
		add_event(s, 1, "zz");
	add_event(s, 1, "k001");
}

static void test_paging_unfiltered_past_max_terms(void **state)
{
	(void)state;
	struct evset *s = xcalloc(1, sizeof(*s));
	add_keys_and_bs(s, 130);
	check(s, 2, 130, 1, 0, "0-130", "130 keys in flight");
	/* 128 keys: the filter holds */
	add_keys_and_bs(s, 128);
	check(s, 2, 128, 1, 0, "1-258", "128 keys in flight");
	free(s);
}

struct found {
	size_t ids[8 * 3];
	size_t n;
	size_t ns;
};

static int on_found(void *ctx, const int64_t *ids, size_t n)
{
	struct found *f = ctx;
	assert_true(f->n < 8);
	for (size_t s = 0; s < n; s++)
		f->ids[f->n * f->ns + s] = (size_t)ids[s];
	f->n++;
	return 0;
}

/* Where no stage fills a page every search reads its stage whole and the answer is all of the
 * window's sequences, the last size by their last event (what casebook answers unpaged): 2,000
 * generated windows of up to 8 events (stages and keys drawn by a fixed linear congruential
 * sequence), each answered by eqlpage with a page of 64 and by detect/sequence.c's matcher. */
static void test_unpaged_windows_answer_all_sequences(void **state)
{
	(void)state;
	uint64_t r = 88172645463325252u;
#define NEXT() (r = r * 6364136223846793005u + 1442695040888963407u, (unsigned)(r >> 33))
	struct evset *s = xcalloc(1, sizeof(*s));
	for (int trial = 0; trial < 2000; trial++) {
		size_t ns = 2 + NEXT() % 2, n = 1 + NEXT() % 8, size = 1 + NEXT() % 3;
		s->n = 0;
		for (size_t i = 0; i < n; i++) {
			snprintf(s->text[i], sizeof(s->text[i]), "k%u\x1f", NEXT() % 3);
			unsigned mask = 1 + NEXT() % ((1u << ns) - 1); /* the stages it passes */
			for (size_t k = 0; k < 3; k++)
				s->keys[i][k] = k < ns && mask >> k & 1 ? s->text[i] : NULL;
			s->ev[i] = (struct eqlpage_event){.ts = (int64_t)i, .keys = s->keys[i]};
			s->n++;
		}
		struct found all = {.ns = ns};
		struct seq_matcher *m = seq_new(ns, 0);
		for (size_t i = 0; i < n; i++) {
			const char *keys[4] = {s->keys[i][0], s->keys[i][1], s->keys[i][2], NULL};
			if (ns == 2)
				keys[2] = NULL; /* until */
			struct seq_input in = {.id = (int64_t)i, .ts = (int64_t)i, .keys = keys};
			assert_int_equal(seq_feed(m, &in, on_found, &all), 0);
		}
		seq_free(m);
		/* all, completed in event order: the last size, latest first */
		struct strbuf want, got;
		strbuf_init(&want, 64);
		strbuf_init(&got, 64);
		size_t *tail = xmalloc(size * ns * sizeof(*tail));
		size_t k = 0;
		for (size_t j = all.n; j-- > 0 && k < size; k++)
			memcpy(tail + k * ns, all.ids + j * ns, ns * sizeof(*tail));
		answer_text(tail, (long)k, ns, &want);
		struct eqlpage_query q = {.nstages = ns, .size = size, .fetch_size = 64};
		long got_k = eqlpage_tail(s->ev, s->n, &q, tail);
		answer_text(tail, got_k, ns, &got);
		if (strcmp(want.buf, got.buf))
			fail_msg("trial %d: eqlpage \"%s\", all sequences \"%s\"", trial, got.buf, want.buf);
		free(tail);
		strbuf_release(&want);
		strbuf_release(&got);
	}
#undef NEXT
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paging_cases),
	    cmocka_unit_test(test_paging_unfiltered_past_max_terms),
	    cmocka_unit_test(test_unpaged_windows_answer_all_sequences),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
