/* The shared pass's rows handed to the rules' thread (detect/passqueue.h): every row arrives
 * once, in the order added, as a copy that outlives the reader's buffers, with its runs and
 * its parsed tree, whichever thread parsed it (the reader, or the rules' thread once that one
 * is behind); drain returns only once all have arrived. */
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "detect/passqueue.h"

struct received {
	struct strbuf log; /* one line a row: id, identity, runs, the tree's "n" or why none */
	size_t rows;
	size_t big; /* the length of the large document's "k" */
};

static void take_row(void *ctx, const struct candidate_row *c, cJSON *ev, const size_t *runs, size_t nruns)
{
	struct received *got = ctx;
	if (c->id <= 400) { /* slow at first: the reader gets ahead and leaves the parses here */
		struct timespec pause = {0, 200000};
		nanosleep(&pause, NULL);
	}
	got->rows++;
	strbuf_addf(&got->log, "%lld %s %s", (long long)c->id, c->ev.r.identity ? c->ev.r.identity : "(null)",
	            c->ev.r.process_name ? c->ev.r.process_name : "(null)");
	for (size_t i = 0; i < nruns; i++)
		strbuf_addf(&got->log, " r%zu", runs[i]);
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(ev, "n");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(ev, "k");
	if (cJSON_IsString(k))
		got->big = strlen(k->valuestring);
	if (!c->ev.doc)
		strbuf_addstr(&got->log, " no-doc");
	else if (!ev)
		strbuf_addstr(&got->log, " not-json");
	else
		strbuf_addf(&got->log, " n=%d", n ? n->valueint : -1);
	strbuf_addch(&got->log, '\n');
}

/* The row the reader hands over: its strings in a buffer overwritten after each add, as a
 * source's are valid during its callback only. */
static void add_row(struct passqueue *q, struct strbuf *scratch, int64_t id, const char *doc, size_t nruns)
{
	strbuf_reset(scratch);
	strbuf_addf(scratch, "id-%lld", (long long)id);
	size_t name_at = scratch->len + 1;
	strbuf_addch(scratch, '\0');
	strbuf_addf(scratch, "proc%lld", (long long)(id % 3));
	size_t doc_at = scratch->len + 1;
	strbuf_addch(scratch, '\0');
	if (doc)
		strbuf_addstr(scratch, doc);
	struct candidate_row c = {.id = id, .time = id};
	c.ev.id = id;
	c.ev.r.identity = scratch->buf;
	c.ev.r.process_name = id % 5 ? scratch->buf + name_at : NULL;
	c.ev.doc = doc ? scratch->buf + doc_at : NULL;
	c.ev.doc_len = doc ? strlen(doc) : 0;
	size_t runs[3] = {(size_t)id % 7, 7, 9};
	passqueue_add(q, &c, runs, nruns);
	memset(scratch->buf, 'X', scratch->len); /* the reader's buffer moves on */
}

static void test_rows_arrive_in_order_as_copies(void **state)
{
	(void)state;
	struct received got = {.rows = 0};
	strbuf_init(&got.log, 1 << 16);
	struct passqueue *q = passqueue_start(take_row, &got);
	assert_non_null(q);
	struct strbuf scratch, want, big;
	strbuf_init(&scratch, 64);
	strbuf_init(&want, 1 << 16);
	strbuf_init(&big, 1 << 20);
	strbuf_addstr(&big, "{\"k\":\"");
	for (int i = 0; i < 700000; i++) /* more than a batch's bytes: a batch of its own */
		strbuf_addch(&big, 'x');
	strbuf_addstr(&big, "\",\"n\":-7}");
	char doc[64];
	for (int64_t id = 1; id <= 1000; id++) {
		size_t nruns = (size_t)(id % 4);
		const char *d = doc;
		if (id == 500)
			d = big.buf;
		else if (id % 97 == 0)
			d = NULL;
		else if (id % 89 == 0)
			d = "{\"n\":";
		else
			snprintf(doc, sizeof(doc), "{\"n\":%d,\"s\":\"v\"}", (int)id);
		add_row(q, &scratch, id, d, nruns);
		strbuf_addf(&want, "%lld id-%lld ", (long long)id, (long long)id);
		if (id % 5)
			strbuf_addf(&want, "proc%lld", (long long)(id % 3));
		else
			strbuf_addstr(&want, "(null)");
		size_t runs[3] = {(size_t)id % 7, 7, 9};
		for (size_t i = 0; i < nruns; i++)
			strbuf_addf(&want, " r%zu", runs[i]);
		if (!d)
			strbuf_addstr(&want, " no-doc");
		else if (id % 89 == 0 && id != 500)
			strbuf_addstr(&want, " not-json");
		else
			strbuf_addf(&want, " n=%d", id == 500 ? -7 : (int)id);
		strbuf_addch(&want, '\n');
		if (id == 600) { /* drained mid-way, as before a flush: everything so far has arrived */
			passqueue_drain(q);
			assert_int_equal(got.rows, 600);
		}
	}
	passqueue_drain(q);
	assert_int_equal(got.rows, 1000);
	assert_int_equal(got.big, 700000);
	assert_string_equal(got.log.buf, want.buf);
	passqueue_stop(q);
	strbuf_release(&got.log);
	strbuf_release(&scratch);
	strbuf_release(&want);
	strbuf_release(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows_arrive_in_order_as_copies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
