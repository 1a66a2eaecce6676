/* The process tree's model (triage/tree.h): parents by process.entity_id, a parent with no
 * event of its own described by what its child's event says (never by another child's word),
 * ancestors named only by process.Ext.ancestry, labels that are never a bare "?", sibling
 * guides, cycles, the node cap, and deep chains whose lines stay short. The shapes follow
 * Kibana's Analyzer (the resolver links nodes by process.entity_id and
 * process.parent.entity_id, and Elastic Defend's process.Ext.ancestry lists the ancestors'
 * entity ids, nearest first). */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/timeutil.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/store.h"
#include "triage/tree.h"

/* A process event at second sec of 2026-01-01 on host mac; process is the process object. */
static void add_event(struct strbuf *b, const char *id, int sec, const char *process)
{
	strbuf_addf(b,
	            "{\"@timestamp\":\"2026-01-01T00:00:%02dZ\",\"event\":{\"id\":\"%s\",\"category\":[\"process\"],"
	            "\"action\":\"exec\"},\"host\":{\"id\":\"H\",\"name\":\"mac\"},\"process\":%s}\n",
	            sec, id, process);
}

static int take_id(void *ctx, const struct event_row *row)
{
	*(int64_t *)ctx = row->id;
	return 0; /* one event: its identity */
}

static int64_t event_named(struct store *s, const char *id)
{
	int64_t event_id = 0;
	assert_int_equal(store_event_by_identity(s, id, take_id, &event_id), 0);
	assert_true(event_id > 0);
	return event_id;
}

struct tree_case {
	const char *name;
	const char *events[8]; /* "id|second|process object" */
	const char *start;     /* the event the tree is built around */
	size_t max_nodes;
	const char *want, *want_ascii;
	const char *sources; /* per node: o own, c its child's word, a ancestry only */
	size_t dropped;
};

#define P(entity, name, pid, rest) "{\"entity_id\":\"" entity "\",\"name\":\"" name "\",\"pid\":" #pid rest "}"
#define PARENT(entity, more)       ",\"parent\":{\"entity_id\":\"" entity "\"" more "}"

static const struct tree_case cases[] = {
    {"the child's own event names its parent, not another child's",
     {"e1|1|" P("B", "bash", 500, PARENT("P", ",\"name\":\"zsh\",\"pid\":440,\"executable\":\"/bin/zsh\"")),
      "e2|2|" P("Z", "ZoomUpdate", 745,
                PARENT("P", ",\"name\":\"Finder\",\"pid\":388,\"executable\":\"/System/Finder\""))},
     "e2",
     0,
     "  Finder (pid 388)  /System/Finder\n"
     "▶ └─ ZoomUpdate (pid 745) 2026-01-01T00:00:02Z  \n",
     "  Finder (pid 388)  /System/Finder\n"
     "> `- ZoomUpdate (pid 745) 2026-01-01T00:00:02Z  \n",
     "co",
     0},
    {"a parent's own event wins over its child's word",
     {"e0|0|" P("P", "launchd", 1, ""),
      "e2|2|" P("Z", "ZoomUpdate", 745, PARENT("P", ",\"name\":\"Finder\",\"pid\":388"))},
     "e2",
     0,
     "  launchd (pid 1) 2026-01-01T00:00:00Z  \n"
     "▶ └─ ZoomUpdate (pid 745) 2026-01-01T00:00:02Z  \n",
     NULL,
     "oo",
     0},
    {"an own event without a name: the child's word fills what it leaves out",
     {"e0|0|{\"entity_id\":\"P\",\"pid\":1}",
      "e2|2|" P("Z", "ZoomUpdate", 745,
                PARENT("P", ",\"name\":\"launchd\",\"pid\":99,\"executable\":\"/sbin/launchd\""))},
     "e2",
     0,
     "  launchd (pid 1) 2026-01-01T00:00:00Z  /sbin/launchd\n"
     "▶ └─ ZoomUpdate (pid 745) 2026-01-01T00:00:02Z  \n",
     NULL,
     "oo",
     0},
    {"ancestors named only by process.Ext.ancestry",
     {"e1|1|" P(
         "C", "curl", 9,
         PARENT("S", ",\"name\":\"sh\",\"pid\":8,\"executable\":\"/bin/sh\"") ",\"Ext\":{\"ancestry\":[\"S\",\"L\"]}")},
     "e1",
     0,
     "  process L  \n"
     "  └─ sh (pid 8)  /bin/sh\n"
     "▶    └─ curl (pid 9) 2026-01-01T00:00:01Z  \n",
     NULL,
     "aco",
     0},
    {"a process without a name: its executable's base name, else its pid",
     {"e1|1|{\"entity_id\":\"X\",\"executable\":\"/usr/bin/python3\",\"pid\":70" PARENT("Q", ",\"pid\":69") "}"},
     "e1",
     0,
     "  pid 69  \n"
     "▶ └─ python3 (pid 70) 2026-01-01T00:00:01Z  /usr/bin/python3\n",
     NULL,
     "co",
     0},
    {"siblings: a branch and a continuing line",
     {"e1|1|" P("S", "s", 1, ""), "e2|2|" P("C1", "c1", 2, PARENT("S", "")), "e3|3|" P("G", "g", 3, PARENT("C1", "")),
      "e4|4|" P("C2", "c2", 4, PARENT("S", ""))},
     "e1",
     0,
     "▶ s (pid 1) 2026-01-01T00:00:01Z  \n"
     "  ├─ c1 (pid 2) 2026-01-01T00:00:02Z  \n"
     "  │  └─ g (pid 3) 2026-01-01T00:00:03Z  \n"
     "  └─ c2 (pid 4) 2026-01-01T00:00:04Z  \n",
     "> s (pid 1) 2026-01-01T00:00:01Z  \n"
     "  |- c1 (pid 2) 2026-01-01T00:00:02Z  \n"
     "  |  `- g (pid 3) 2026-01-01T00:00:03Z  \n"
     "  `- c2 (pid 4) 2026-01-01T00:00:04Z  \n",
     "oooo",
     0},
    {"a cycle in the data ends the walk",
     {"e1|1|" P("A", "a", 1, PARENT("B", "")), "e2|2|" P("B", "b", 2, PARENT("A", ""))},
     "e1",
     0,
     "  b (pid 2) 2026-01-01T00:00:02Z  \n"
     "▶ └─ a (pid 1) 2026-01-01T00:00:01Z  \n",
     NULL,
     "oo",
     0},
    {"a process that names itself its parent is a root",
     {"e1|1|" P("A", "a", 1, PARENT("A", ",\"name\":\"a\""))},
     "e1",
     0,
     "▶ a (pid 1) 2026-01-01T00:00:01Z  \n",
     NULL,
     "o",
     0},
    {"past the node cap the rest are counted, not kept",
     {"e1|1|" P("S", "s", 1, ""), "e2|2|" P("C1", "c1", 2, PARENT("S", "")), "e3|3|" P("C2", "c2", 3, PARENT("S", "")),
      "e4|4|" P("C3", "c3", 4, PARENT("S", "")), "e5|5|" P("C4", "c4", 5, PARENT("S", ""))},
     "e1",
     3,
     "▶ s (pid 1) 2026-01-01T00:00:01Z  \n"
     "  ├─ c1 (pid 2) 2026-01-01T00:00:02Z  \n"
     "  └─ c2 (pid 3) 2026-01-01T00:00:03Z  \n",
     NULL,
     "ooo",
     2},
};

static struct store *case_of(const struct tree_case *c)
{
	struct strbuf ev;
	strbuf_init(&ev, 4096);
	for (size_t k = 0; k < 8 && c->events[k]; k++) {
		char id[16];
		int sec, used = 0;
		assert_int_equal(sscanf(c->events[k], "%15[^|]|%d|%n", id, &sec, &used), 2);
		add_event(&ev, id, sec, c->events[k] + used);
	}
	struct store *s = tu_new_case("tree");
	tu_ingest_text(s, ev.buf);
	strbuf_release(&ev);
	return s;
}

static void test_tree_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tree_case *c = &cases[i];
		struct store *s = case_of(c);
		struct tree_options o = {.window_us = 3600 * TIME_US_PER_SEC, .max_nodes = c->max_nodes};
		struct process_tree t;
		if (tree_build_with(s, event_named(s, c->start), &o, &t))
			fail_msg("%s: %s", c->name, store_errmsg(s));
		struct strbuf text;
		strbuf_init(&text, 1024);
		tree_format_text(&t, 0, &text);
		if (strcmp(text.buf, c->want))
			fail_msg("%s: got\n%s\nwant\n%s", c->name, text.buf, c->want);
		if (c->want_ascii) {
			strbuf_reset(&text);
			tree_format_text(&t, 1, &text);
			if (strcmp(text.buf, c->want_ascii))
				fail_msg("%s (ASCII): got\n%s\nwant\n%s", c->name, text.buf, c->want_ascii);
		}
		char sources[16] = "";
		for (size_t k = 0; k < t.n && k < sizeof(sources) - 1; k++)
			sources[k] = "oca"[t.nodes[k].source];
		if (strcmp(sources, c->sources))
			fail_msg("%s: sources %s, want %s", c->name, sources, c->sources);
		if (t.dropped != c->dropped)
			fail_msg("%s: dropped %zu, want %zu", c->name, t.dropped, c->dropped);
		strbuf_release(&text);
		tree_release(&t);
		store_close(s);
	}
}

/* The alert's events mark their processes; each node holds its own events in time order, and
 * its parent index and sibling flags agree with the order. */
static void test_marks_events_and_links(void **state)
{
	(void)state;
	const struct tree_case *siblings = NULL;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strncmp(cases[i].name, "siblings", 8))
			siblings = &cases[i];
	assert_non_null(siblings);
	struct store *s = case_of(siblings); /* s, c1 (g under it), c2 */
	int64_t marked[] = {event_named(s, "e3"), event_named(s, "e4")};
	struct tree_options o = {.window_us = 3600 * TIME_US_PER_SEC, .marked = marked, .nmarked = 2};
	struct process_tree t;
	assert_int_equal(tree_build_with(s, event_named(s, "e1"), &o, &t), 0);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.start, 0);
	static const struct {
		const char *name;
		size_t parent;
		int last_child, marked;
		const char *event;
	} want[] = {{"s", SIZE_MAX, 1, 0, "e1"}, {"c1", 0, 0, 0, "e2"}, {"g", 1, 1, 1, "e3"}, {"c2", 0, 1, 1, "e4"}};
	for (size_t k = 0; k < 4; k++) {
		assert_string_equal(t.nodes[k].name, want[k].name);
		assert_int_equal(t.nodes[k].parent, want[k].parent);
		assert_int_equal(t.nodes[k].last_child, want[k].last_child);
		assert_int_equal(t.nodes[k].marked, want[k].marked);
		assert_int_equal(t.nodes[k].nevents, 1);
		assert_int_equal(t.events[t.nodes[k].first_event].id, event_named(s, want[k].event));
		assert_int_equal(t.nodes[k].first_event_id, event_named(s, want[k].event));
		assert_string_equal(t.events[t.nodes[k].first_event].what, "process/exec");
	}
	tree_release(&t);
	store_close(s);
}

enum { DEEP = 10000 };

/* A chain of DEEP processes on one host, each the child of the one before, 0.1 s apart. */
static struct store *deep_chain(void)
{
	struct strbuf ev;
	strbuf_init(&ev, (size_t)DEEP * 256);
	for (int i = 0; i < DEEP; i++) {
		char parent[64] = "";
		if (i)
			snprintf(parent, sizeof(parent), ",\"parent\":{\"entity_id\":\"p%d\"}", i - 1);
		strbuf_addf(
		    &ev,
		    "{\"@timestamp\":\"2026-01-01T00:%02d:%02d.%dZ\",\"event\":{\"id\":\"e%d\",\"category\":"
		    "[\"process\"]},\"host\":{\"id\":\"H\",\"name\":\"mac\"},\"process\":{\"entity_id\":\"p%d\","
		    "\"name\":\"sh\"%s}}\n",
		    i / 600, i / 10 % 60, i % 10, i, i, parent);
	}
	struct store *s = tu_new_case("deep");
	tu_ingest_text(s, ev.buf);
	strbuf_release(&ev);
	return s;
}

/* The bytes of the line of the process level steps below the root of the chain, as drawn:
 * "  └─ sh 2026-01-01T00:00:00Z  \n" indented; past TREE_DRAWN_LEVELS levels the first 5 and
 * last 6 levels' guides with "┄+N┄ " between. */
static size_t chain_line_bytes(int level)
{
	size_t text = strlen("sh 2026-01-01T00:00:00Z  \n");
	if (level == 0)
		return strlen("  ") + text;
	if (level <= TREE_DRAWN_LEVELS)
		return strlen("  ") + 3 * (size_t)(level - 1) + strlen("└─ ") + text;
	char mark[32];
	snprintf(mark, sizeof(mark), "┄+%d┄ ", level - TREE_DRAWN_LEVELS);
	return strlen("  ") + 3 * (TREE_DRAWN_LEVELS - 1) + strlen(mark) + strlen("└─ ") + text;
}

static size_t count_lines(const struct strbuf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < b->len; i++)
		n += b->buf[i] == '\n';
	return n;
}

/* 10,000 generations: each line keeps at most TREE_DRAWN_LEVELS levels' guides and elides
 * the middle with a count, so the text grows with the processes, not with their depth squared
 * (it was 150 MB here, 600 MB for 20,000). Both ways: the ancestry of the last, the
 * descendants of the first. */
static void test_a_deep_tree_is_linear_text(void **state)
{
	(void)state;
	struct store *s = deep_chain();
	size_t want = 0;
	for (int level = 0; level < DEEP; level++)
		want += chain_line_bytes(level);
	want += strlen("▶ ") - strlen("  "); /* the process asked for */
	const char *start[] = {"e9999", "e0"};
	for (int k = 0; k < 2; k++) {
		struct process_tree t;
		assert_int_equal(tree_build(s, event_named(s, start[k]), 3600 * TIME_US_PER_SEC, &t), 0);
		assert_int_equal(t.n, DEEP);
		assert_int_equal(t.nodes[0].depth, k ? 0 : -(DEEP - 1));
		assert_int_equal(t.nodes[DEEP - 1].depth, k ? DEEP - 1 : 0);
		struct strbuf text;
		strbuf_init(&text, 1 << 20);
		tree_format_text(&t, 0, &text);
		assert_int_equal(count_lines(&text), DEEP);
		assert_int_equal(text.len, want);
		const char *marker = k ? "▶ sh 2026-01-01T00:00:00Z  \n"
		                       : "▶                ┄+9987┄                   └─ sh 2026-01-01T00:16:39Z  \n";
		assert_non_null(strstr(text.buf, marker));
		/* level 12 is the last drawn whole; 13 elides one level */
		assert_non_null(strstr(text.buf,
		                       "\n                                   └─ sh 2026-01-01T00:00:01Z  \n"
		                       "                 ┄+1┄                   └─ sh 2026-01-01T00:00:01Z  \n"));
		/* the same in ASCII (LANG=C) */
		strbuf_reset(&text);
		tree_format_text(&t, 1, &text);
		assert_int_equal(count_lines(&text), DEEP);
		assert_non_null(
		    strstr(text.buf, "\n                 ..+1..                   `- sh 2026-01-01T00:00:01Z  \n"));
		for (size_t i = 0; i < text.len; i++)
			assert_true((unsigned char)text.buf[i] < 0x80);
		strbuf_release(&text);
		tree_release(&t);
	}
	store_close(s);
}

/* An alert on an event with no process.entity_id: no process event of the window made a node,
 * and the alerts were looked up in an empty (NULL) list with bsearch, which UBSan stops
 * ("null pointer passed as argument 2"). The command says why there is no tree. */
static void test_an_alert_without_a_process_entity_is_no_tree(void **state)
{
	(void)state;
	tu_write_str(tu_path("noproc.ndjson"),
	             "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"np-1\",\"kind\":\"event\","
	             "\"category\":[\"process\"],\"type\":[\"start\"],\"action\":\"exec\"},\"host\":{\"id\":\"np\","
	             "\"name\":\"np\",\"os\":{\"type\":\"macos\"}},\"process\":{\"name\":\"p\",\"pid\":7}}\n");
	tu_write_str(tu_path("noproc.json"),
	             "{\"rule_id\":\"noproc\",\"name\":\"No process entity\",\"description\":\"d\",\"type\":\"query\","
	             "\"language\":\"kuery\",\"query\":\"host.id:np\",\"index\":[\"logs-*\"],\"interval\":\"5m\","
	             "\"from\":\"now-100y\",\"risk_score\":21,\"severity\":\"low\",\"version\":1}");
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	const char *db = tu_path("noproc.db");
	assert_int_equal(tu_run(&out, &err,
	                        "%s --db '%s' ingest '%s' && %s --db '%s' rules import '%s' && %s --db '%s' rules "
	                        "enable noproc && %s --db '%s' detect",
	                        tu_casebook(), db, tu_path("noproc.ndjson"), tu_casebook(), db, tu_path("noproc.json"),
	                        tu_casebook(), db, tu_casebook(), db),
	                 0);
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' alerts --json", tu_casebook(), db), 0);
	const char *uuid = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	assert_non_null(uuid);
	char id[13];
	snprintf(id, sizeof(id), "%s", uuid + strlen("\"kibana.alert.uuid\":\""));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' tree %s", tu_casebook(), db, id), 1);
	assert_string_equal(out.buf, "");
	assert_string_equal(err.buf, "casebook tree: the event has no process.entity_id to build a tree from\n");
	strbuf_release(&out);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_cases),
	    cmocka_unit_test(test_marks_events_and_links),
	    cmocka_unit_test(test_a_deep_tree_is_linear_text),
	    cmocka_unit_test(test_an_alert_without_a_process_entity_is_no_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
