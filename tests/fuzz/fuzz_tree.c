/* libFuzzer: the process tree (triage/tree.c) over events whose links are whatever the input
 * says: parents that are themselves, cycles, ancestry lists that contradict the parent
 * fields, chains past TREE_DRAWN_LEVELS, names with hostile bytes. The input is a name (up to
 * the first newline, used raw as process.name and command line) and then 3 bytes an event:
 * its entity (of 40), its parent (of 40; none when the flags say so), flags (bit 0: no parent,
 * bit 1: an ancestry list of the next flags >> 4 bytes, bit 2: a timestamp earlier than the
 * last). Each run adds its events on a host of its own, then builds the tree of a few of them:
 * every node once, the start at depth 0 and its ancestors just before it, each descendant
 * deeper than the start and at most one level below the line before it; the text a line a
 * node, its indentation bounded and no control byte in it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/store.h"
#include "triage/tree.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

enum { ENTITIES = 40, MAX_EVENTS = 400, TREES = 6 };

static void must(int ok)
{
	if (!ok)
		abort();
}

static unsigned run; /* each run's events are on a host of their own, in a case kept open */

static void add_event(struct strbuf *ev, int i, int64_t ms, const char *name, const unsigned char *e,
                      const unsigned char *ancestry, size_t nancestry)
{
	strbuf_addf(ev,
	            "{\"@timestamp\":\"2024-05-01T10:%02d:%02d.%03dZ\",\"event\":{\"id\":\"r%u-e%d\",\"category\":"
	            "[\"process\"]},\"host\":{\"id\":\"h%u\",\"name\":\"mac\"},\"process\":{\"entity_id\":\"p%d\","
	            "\"pid\":%d,\"name\":",
	            (int)(ms / 60000), (int)(ms / 1000 % 60), (int)(ms % 1000), run, i, run, e[0] % ENTITIES, i);
	json_quote_append(ev, name, strlen(name));
	strbuf_addstr(ev, ",\"command_line\":");
	json_quote_append(ev, name, strlen(name));
	if (!(e[2] & 1))
		strbuf_addf(ev, ",\"parent\":{\"entity_id\":\"p%d\"}", e[1] % ENTITIES);
	if (e[2] & 2) {
		strbuf_addstr(ev, ",\"Ext\":{\"ancestry\":[");
		for (size_t k = 0; k < nancestry; k++)
			strbuf_addf(ev, "%s\"p%d\"", k ? "," : "", ancestry[k] % ENTITIES);
		strbuf_addstr(ev, "]}");
	}
	strbuf_addstr(ev, "}}\n");
}

/* The events the input describes, as NDJSON; returns how many. */
static int events_of(const unsigned char *data, size_t size, struct strbuf *ev)
{
	const unsigned char *nl = memchr(data, '\n', size);
	size_t name_len = nl ? (size_t)(nl - data) : 0;
	char *name = xstrndup((const char *)data, name_len > 64 ? 64 : name_len);
	size_t at = nl ? name_len + 1 : 0;
	int n = 0;
	int64_t ms = 600000;
	while (at + 3 <= size && n < MAX_EVENTS) {
		const unsigned char *e = data + at;
		size_t nancestry = (e[2] & 2) ? (size_t)(e[2] >> 4) : 0;
		at += 3;
		if (nancestry > size - at)
			nancestry = size - at;
		ms += (e[2] & 4) ? -7 : 10;
		add_event(ev, n++, ms, name, e, data + at, nancestry);
		at += nancestry;
	}
	free(name);
	return n;
}

static int take_id(void *ctx, const struct event_row *row)
{
	*(int64_t *)ctx = row->id;
	return 0; /* one event: its identity */
}

static void check_layout(const struct process_tree *t)
{
	size_t start = SIZE_MAX;
	for (size_t i = 0; i < t->n; i++) {
		const struct tree_node *n = &t->nodes[i];
		for (size_t j = 0; j < i; j++) /* each process once */
			must(strcmp(n->entity_id, t->nodes[j].entity_id) != 0);
		if (n->depth == 0) {
			must(start == SIZE_MAX);
			start = i;
		}
		if (start == SIZE_MAX) /* the ancestors, root first, each the parent of the next */
			must(n->depth < 0 && (i == 0 || n->depth == t->nodes[i - 1].depth + 1));
		else if (i > start)
			must(n->depth > 0 && n->depth <= t->nodes[i - 1].depth + 1);
	}
	must(start != SIZE_MAX && t->nodes[start].depth == 0 && (start == 0 || t->nodes[start - 1].depth == -1));
}

static void check_text(const struct process_tree *t)
{
	struct strbuf text, guides;
	strbuf_init(&text, 4096);
	strbuf_init(&guides, 256);
	tree_format_text(t, 0, &text);
	size_t lines = 0;
	const char *line = text.buf;
	for (const char *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++) {
		for (const char *c = line; c < nl; c++)
			must((unsigned char)*c >= 0x20 && *c != 0x7F);
		/* "▶ " or "  ", then the guides: at most TREE_DRAWN_LEVELS levels of three columns
		 * (three bytes a box character) and the elided middle's count, whatever the depth */
		must(lines < t->n);
		strbuf_reset(&guides);
		tree_format_guides(t, lines, TREE_DRAWN_LEVELS, 0, &guides);
		must(guides.len <= 9 * TREE_DRAWN_LEVELS + 32);
		must(!strncmp(line + (strncmp(line, "▶ ", 4) ? 2 : 4), guides.buf, guides.len));
	}
	strbuf_release(&guides);
	must(lines == t->n && !*line);
	strbuf_release(&text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct store *s;
	if (run % 2000 == 0) { /* a fresh case now and then: memory stays bounded */
		char *err = NULL;
		store_close(s);
		must(store_open(":memory:", STORE_CREATE, &s, &err) == 0);
	}
	run++;
	struct strbuf ev;
	strbuf_init(&ev, 4096);
	int n = events_of(data, size, &ev);
	int fd = memfd_create("events", 0);
	must(fd >= 0 && write(fd, ev.buf, ev.len) == (ssize_t)ev.len);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	FILE *devnull = fopen("/dev/null", "w");
	struct ingest_options o = {.analyst = "fuzz", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	must(ingest_path(s, path, &o, &c) == INGEST_OK && c.added == (size_t)n);
	fclose(devnull);
	close(fd);
	for (int i = 0; i < n && i < TREES; i++) {
		char id[32];
		snprintf(id, sizeof(id), "r%u-e%d", run, i * (n / TREES + 1) % n);
		int64_t event_id = 0;
		must(store_event_by_identity(s, id, take_id, &event_id) == 0 && event_id > 0);
		struct process_tree t;
		must(tree_build(s, event_id, 3600 * INT64_C(1000000), &t) == 0);
		check_layout(&t);
		check_text(&t);
		tree_release(&t);
	}
	strbuf_release(&ev);
	return 0;
}
