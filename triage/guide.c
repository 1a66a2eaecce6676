#include "triage/guide.h"

#include <cJSON.h>
#include <cmark.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "triage/guideplugins.h"

/* How deep the walks below recurse into cmark's tree. Deeper content (200,000 nested '>' or
 * '*' overflowed the stack) is still shown: flattened to text without recursion. */
#define GUIDE_MAX_DEPTH 64
/* Container markers one line may open before the rest of it is read as text: cmark's time
 * grows with the nesting (100,000 nested "- " took 84 s). */
#define GUIDE_MAX_LINE_NESTING 32

/* Grows an array whose capacity is implied by its count (a power of two, at least 8), so that
 * appending n items costs O(n), not a realloc of the whole array each time. */
static void *grow(void *items, size_t n, size_t size)
{
	if (n < 8)
		return n == 0 ? xrealloc(items, 8 * size) : items;
	return (n & (n - 1)) == 0 ? xrealloc(items, 2 * n * size) : items;
}

/* Inline content flattened to text, remembering styled spans. */
struct inline_text {
	struct strbuf sb;
	struct guide_span *spans;
	size_t n;
};

static void add_span(struct inline_text *t, size_t start, unsigned style)
{
	if (!style || t->sb.len == start)
		return;
	t->spans = grow(t->spans, t->n, sizeof(*t->spans));
	t->spans[t->n++] = (struct guide_span){.start = start, .len = t->sb.len - start, .style = style};
}

/* Every text under node, in order, through cmark's iterator (no recursion), as one span. */
static void flatten_flat(cmark_node *node, struct inline_text *t, unsigned style)
{
	size_t start = t->sb.len;
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *c = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER || c == node)
			continue;
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
		case CMARK_NODE_HTML_INLINE:
		case CMARK_NODE_CODE_BLOCK:
		case CMARK_NODE_HTML_BLOCK: strbuf_addstr(&t->sb, cmark_node_get_literal(c)); break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
		case CMARK_NODE_PARAGRAPH:
		case CMARK_NODE_HEADING:
		case CMARK_NODE_ITEM:
			if (t->sb.len > start && t->sb.buf[t->sb.len - 1] != ' ')
				strbuf_addch(&t->sb, ' ');
			break;
		default: break;
		}
	}
	cmark_iter_free(it);
	add_span(t, start, style);
}

static void flatten_nested(cmark_node *node, struct inline_text *t, unsigned style, int depth);

static void flatten_inlines(cmark_node *node, struct inline_text *t, unsigned style)
{
	flatten_nested(node, t, style, 0);
}

static void flatten_nested(cmark_node *node, struct inline_text *t, unsigned style, int depth)
{
	if (depth >= GUIDE_MAX_DEPTH) {
		flatten_flat(node, t, style);
		return;
	}
	for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c)) {
		size_t start = t->sb.len;
		switch (cmark_node_get_type(c)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_HTML_INLINE:
			strbuf_addstr(&t->sb, cmark_node_get_literal(c));
			add_span(t, start, style);
			break;
		case CMARK_NODE_CODE:
			strbuf_addstr(&t->sb, cmark_node_get_literal(c));
			add_span(t, start, style | GS_CODE);
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK: strbuf_addch(&t->sb, ' '); break;
		case CMARK_NODE_EMPH: flatten_nested(c, t, style | GS_EMPH, depth + 1); break;
		case CMARK_NODE_STRONG: flatten_nested(c, t, style | GS_STRONG, depth + 1); break;
		case CMARK_NODE_LINK:
		case CMARK_NODE_IMAGE: flatten_nested(c, t, style | GS_LINK, depth + 1); break;
		default: flatten_nested(c, t, style, depth + 1); break;
		}
	}
}

static void push_block(struct guide *g, enum guide_block_kind kind, int level, int number, struct inline_text *t)
{
	g->blocks = grow(g->blocks, g->nblocks, sizeof(*g->blocks));
	struct guide_block *b = &g->blocks[g->nblocks++];
	b->kind = kind;
	b->level = level;
	b->number = number;
	b->text = strbuf_detach(&t->sb, NULL);
	b->spans = t->spans;
	b->nspans = t->n;
	strbuf_init(&t->sb, 64);
	t->spans = NULL;
	t->n = 0;
}

static void list_add(struct guide_list *l, const char *text)
{
	l->items = grow(l->items, l->n, sizeof(*l->items));
	l->items[l->n++] = xstrdup(text);
}

enum section { SEC_OTHER, SEC_CHECKLIST, SEC_FALSE_POSITIVES, SEC_RESPONSE };

static enum section section_of(const char *heading)
{
	if (strcasestr(heading, "investigation steps"))
		return SEC_CHECKLIST;
	if (strcasestr(heading, "false positive"))
		return SEC_FALSE_POSITIVES;
	if (strcasestr(heading, "response and remediation") || strcasestr(heading, "remediation"))
		return SEC_RESPONSE;
	return SEC_OTHER;
}

struct walker {
	struct guide *g;
	struct inline_text t;
	enum section section;
	int section_level;
	int nesting; /* how deep walk_blocks and walk_list are in cmark's tree */
};

static struct guide_list *current_list(struct walker *w)
{
	switch (w->section) {
	case SEC_CHECKLIST: return &w->g->checklist;
	case SEC_FALSE_POSITIVES: return &w->g->false_positives;
	case SEC_RESPONSE: return &w->g->response;
	default: return NULL;
	}
}

/* The text of a list item: its paragraphs, and nested items after "; ". */
static void item_text_nested(cmark_node *item, struct inline_text *t, int depth);

static void item_text(cmark_node *item, struct inline_text *t)
{
	item_text_nested(item, t, 0);
}

static void item_text_nested(cmark_node *item, struct inline_text *t, int depth)
{
	if (depth >= GUIDE_MAX_DEPTH) {
		flatten_flat(item, t, GS_PLAIN);
		return;
	}
	for (cmark_node *c = cmark_node_first_child(item); c; c = cmark_node_next(c)) {
		cmark_node_type type = cmark_node_get_type(c);
		if (type == CMARK_NODE_PARAGRAPH || type == CMARK_NODE_HEADING) {
			if (t->sb.len && t->sb.buf[t->sb.len - 1] != ' ')
				strbuf_addch(&t->sb, ' ');
			flatten_inlines(c, t, GS_PLAIN);
		} else if (type == CMARK_NODE_LIST) {
			for (cmark_node *sub = cmark_node_first_child(c); sub; sub = cmark_node_next(sub)) {
				strbuf_addstr(&t->sb, "; ");
				item_text_nested(sub, t, depth + 1);
			}
		}
	}
}

static void walk_blocks(struct walker *w, cmark_node *node, int depth);

static void walk_list(struct walker *w, cmark_node *list, int depth)
{
	int ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
	int number = cmark_node_get_list_start(list);
	for (cmark_node *item = cmark_node_first_child(list); item; item = cmark_node_next(item)) {
		struct inline_text t = {.n = 0};
		strbuf_init(&t.sb, 128);
		item_text(item, &t);
		struct guide_list *l = depth == 1 ? current_list(w) : NULL;
		if (l)
			list_add(l, t.sb.buf);
		strbuf_release(&t.sb);
		free(t.spans);
		/* for display: the item's own paragraphs as one block, nested lists below it */
		for (cmark_node *c = cmark_node_first_child(item); c; c = cmark_node_next(c)) {
			if (cmark_node_get_type(c) == CMARK_NODE_LIST) {
				walk_blocks(w, c, depth);
			} else if (cmark_node_get_type(c) == CMARK_NODE_PARAGRAPH) {
				flatten_inlines(c, &w->t, GS_PLAIN);
				push_block(w->g, GB_ITEM, depth, ordered ? number : 0, &w->t);
			} else {
				walk_blocks(w, c, depth);
			}
		}
		number++;
	}
}

static void walk_blocks_at(struct walker *w, cmark_node *node, int depth);

/* Beyond GUIDE_MAX_DEPTH a node is shown as one paragraph of its text. */
static void walk_blocks(struct walker *w, cmark_node *node, int depth)
{
	if (w->nesting >= GUIDE_MAX_DEPTH) {
		flatten_flat(node, &w->t, GS_PLAIN);
		push_block(w->g, GB_PARAGRAPH, 0, 0, &w->t);
		return;
	}
	w->nesting++;
	walk_blocks_at(w, node, depth);
	w->nesting--;
}

static void walk_blocks_at(struct walker *w, cmark_node *node, int depth)
{
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_DOCUMENT:
	case CMARK_NODE_BLOCK_QUOTE:
		for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c)) {
			if (cmark_node_get_type(node) == CMARK_NODE_BLOCK_QUOTE &&
			    cmark_node_get_type(c) == CMARK_NODE_PARAGRAPH) {
				flatten_inlines(c, &w->t, GS_EMPH);
				push_block(w->g, GB_QUOTE, 0, 0, &w->t);
			} else {
				walk_blocks(w, c, depth);
			}
		}
		break;
	case CMARK_NODE_HEADING: {
		int level = cmark_node_get_heading_level(node);
		flatten_inlines(node, &w->t, GS_STRONG);
		enum section sec = section_of(w->t.sb.buf);
		if (sec != SEC_OTHER || level <= w->section_level) {
			w->section = sec;
			w->section_level = sec == SEC_OTHER ? 0 : level;
		}
		push_block(w->g, GB_HEADING, level, 0, &w->t);
		break;
	}
	case CMARK_NODE_PARAGRAPH:
		flatten_inlines(node, &w->t, GS_PLAIN);
		push_block(w->g, GB_PARAGRAPH, 0, 0, &w->t);
		break;
	case CMARK_NODE_LIST: walk_list(w, node, depth + 1); break;
	case CMARK_NODE_CODE_BLOCK:
	case CMARK_NODE_HTML_BLOCK:
		strbuf_addstr(&w->t.sb, cmark_node_get_literal(node));
		while (w->t.sb.len && w->t.sb.buf[w->t.sb.len - 1] == '\n')
			w->t.sb.buf[--w->t.sb.len] = '\0';
		add_span(&w->t, 0, GS_CODE);
		push_block(w->g, GB_CODE, 0, 0, &w->t);
		break;
	case CMARK_NODE_THEMATIC_BREAK: push_block(w->g, GB_RULE, 0, 0, &w->t); break;
	default: break;
	}
}

static void defaults(struct guide *g)
{
	static const char *const checklist[] = {
	    "Confirm the event: check that the alert's event is what the rule describes.",
	    "Scope the host: review the timeline and other alerts on the host around the alert's time.",
	    "Decide: close it as a false or benign positive, or escalate it as a true positive.",
	};
	static const char *const response[] = {
	    "Contain the host if the activity is malicious.",
	    "Remove what the activity left behind and restore what it changed.",
	    "Record the outcome and escalate to incident response if other hosts are affected.",
	};
	if (g->checklist.n == 0) {
		for (size_t i = 0; i < 3; i++)
			list_add(&g->checklist, checklist[i]);
		g->checklist.is_default = 1;
	}
	if (g->response.n == 0) {
		for (size_t i = 0; i < 3; i++)
			list_add(&g->response, response[i]);
		g->response.is_default = 1;
	}
}

/* The length of a container marker at p ("> ", "- ", "* ", "+ ", "12. ", "3) "), or 0. */
static size_t container_marker(const char *p)
{
	if (*p == '>')
		return 1;
	if ((*p == '-' || *p == '*' || *p == '+') && (p[1] == ' ' || p[1] == '\t'))
		return 1;
	size_t d = 0;
	while (d < 9 && p[d] >= '0' && p[d] <= '9')
		d++;
	if (d && (p[d] == '.' || p[d] == ')') && (p[d + 1] == ' ' || p[d + 1] == '\t'))
		return d + 1;
	return 0;
}

/* A copy of markdown in which no line opens more than GUIDE_MAX_LINE_NESTING containers: the
 * marker past that is escaped with a backslash, so cmark reads the rest of the line as text
 * (shown, not dropped) and its time stays linear. */
static char *limit_nesting(const char *markdown)
{
	struct strbuf out;
	strbuf_init(&out, strlen(markdown) + 16);
	const char *p = markdown;
	while (*p) {
		int opened = 0;
		for (;;) {
			while (*p == ' ' || *p == '\t')
				strbuf_addch(&out, *p++);
			size_t m = container_marker(p);
			if (!m)
				break;
			if (++opened > GUIDE_MAX_LINE_NESTING) {
				strbuf_add(&out, p, m - 1);
				strbuf_addch(&out, '\\');
				strbuf_addch(&out, p[m - 1]);
				p += m;
				break;
			}
			strbuf_add(&out, p, m);
			p += m;
		}
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		strbuf_add(&out, p, len);
		p += len;
	}
	return strbuf_detach(&out, NULL);
}

int guide_parse(const char *markdown, struct guide *g)
{
	return guide_parse_for(markdown, NULL, g);
}

int guide_parse_for(const char *markdown, const char *alert_doc, struct guide *g)
{
	memset(g, 0, sizeof(*g));
	if (markdown && *markdown) {
		cJSON *alert = alert_doc ? cJSON_Parse(alert_doc) : NULL;
		char *readable = guide_render_plugins_for(markdown, alert); /* Kibana's buttons as what they do */
		cJSON_Delete(alert);
		char *limited = limit_nesting(readable);
		free(readable);
		cmark_node *doc = cmark_parse_document(limited, strlen(limited), CMARK_OPT_DEFAULT);
		free(limited);
		struct walker w = {.g = g};
		strbuf_init(&w.t.sb, 128);
		walk_blocks(&w, doc, 0);
		strbuf_release(&w.t.sb);
		free(w.t.spans);
		cmark_node_free(doc);
	}
	defaults(g);
	return 0;
}

static void list_release(struct guide_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
}

void guide_release(struct guide *g)
{
	for (size_t i = 0; i < g->nblocks; i++) {
		free(g->blocks[i].text);
		free(g->blocks[i].spans);
	}
	free(g->blocks);
	list_release(&g->checklist);
	list_release(&g->false_positives);
	list_release(&g->response);
	memset(g, 0, sizeof(*g));
}
