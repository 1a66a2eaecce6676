#include "tui/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/strbuf.h"
#include "tui/draw.h"

static attr_t span_attr(unsigned style)
{
	attr_t at = A_NORMAL;
	if (style & GS_STRONG)
		at |= A_BOLD;
	if (style & GS_EMPH)
		at |= A_ITALIC;
	if (style & GS_CODE)
		at |= A_REVERSE;
	if (style & GS_LINK)
		at |= A_UNDERLINE;
	return at;
}

/* Draws one line of a guide block with its emphasis, strong, code and link spans. */
static void draw_styled(int y, int x, int width, const char *line, attr_t base, const struct guide_block *b,
                        size_t offset, int prefix_cols)
{
	int px = 0;
	/* the prefix (spaces, a bullet or a number): up to prefix_cols columns of line */
	const char *p = line;
	while (*p && px < prefix_cols) {
		size_t k = 1;
		while (((unsigned char)p[k] & 0xC0) == 0x80)
			k++;
		char *chunk = xstrndup(p, k);
		px += draw_text(y, x + px, width - px, chunk, base, 0);
		free(chunk);
		p += k;
	}
	/* the text, cut where the style changes */
	size_t len = strlen(p), pos = 0;
	while (pos < len && px < width) {
		size_t at = offset + pos, end = len;
		unsigned style = 0;
		for (size_t i = 0; i < b->nspans; i++) {
			const struct guide_span *sp = &b->spans[i];
			if (at >= sp->start && at < sp->start + sp->len) {
				style = sp->style;
				if (sp->start + sp->len - offset < end)
					end = sp->start + sp->len - offset;
			} else if (sp->start > at && sp->start - offset < end) {
				end = sp->start - offset;
			}
		}
		char *chunk = xstrndup(p + pos, end - pos);
		px += draw_text(y, x + px, width - px, chunk, base | span_attr(style), 0);
		free(chunk);
		pos = end;
	}
	for (; px < width; px++)
		mvaddch(y, x + px, ' ');
}

void out_add(struct text_out *o, const char *line, attr_t at)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->lines = xrealloc(o->lines, o->cap * sizeof(*o->lines));
		o->attrs = xrealloc(o->attrs, o->cap * sizeof(*o->attrs));
		o->block = xrealloc(o->block, o->cap * sizeof(*o->block));
		o->offset = xrealloc(o->offset, o->cap * sizeof(*o->offset));
		o->prefix_cols = xrealloc(o->prefix_cols, o->cap * sizeof(*o->prefix_cols));
	}
	o->lines[o->n] = xstrdup(line);
	o->block[o->n] = NULL;
	o->offset[o->n] = 0;
	o->prefix_cols[o->n] = 0;
	o->attrs[o->n++] = at;
}

void out_wrapped(struct text_out *o, const char *prefix, const char *text, int width, attr_t at, int multiline)
{
	char **lines;
	int pw = text_width(prefix);
	size_t n = wrap_text(text ? text : "", width - pw, multiline, &lines);
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb;
		strbuf_init(&sb, 128);
		if (i == 0)
			strbuf_addstr(&sb, prefix);
		else
			for (int k = 0; k < pw; k++)
				strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, lines[i]);
		out_add(o, sb.buf, at);
		strbuf_release(&sb);
	}
	if (!n)
		out_add(o, prefix, at);
	free_lines(lines, n);
}

void out_free(struct text_out *o)
{
	free_lines(o->lines, o->n);
	free(o->attrs);
	free(o->block);
	free(o->offset);
	free(o->prefix_cols);
}

/* A guide block, wrapped, remembering where each line starts in the block's text so that its
 * spans can be styled (guide text is already plain: the sanitizer leaves it as it is, and a
 * block whose text it would change is drawn without styling). */
void out_block(struct text_out *o, const char *prefix, const struct guide_block *b, int width, attr_t at)
{
	size_t first = o->n;
	out_wrapped(o, prefix, b->text, width, at, b->kind == GB_CODE);
	char *safe = sanitize_dup(b->text, b->kind == GB_CODE ? SAN_MULTILINE : 0);
	int styled = !strcmp(safe, b->text);
	free(safe);
	if (!styled || b->kind == GB_CODE)
		return;
	int pw = text_width(prefix);
	size_t search = 0;
	for (size_t i = first; i < o->n; i++) {
		const char *text = o->lines[i];
		for (int c = 0; c < pw && *text; c++) /* skip the prefix columns (ASCII or one glyph) */
			text +=
			    *text == ' '
			        ? 1
			        : (size_t)(((unsigned char)*text >= 0xE0) ? 3 : ((unsigned char)*text >= 0xC0 ? 2 : 1));
		const char *found = *text ? strstr(b->text + search, text) : NULL;
		if (!found)
			continue;
		o->block[i] = b;
		o->offset[i] = (size_t)(found - b->text);
		o->prefix_cols[i] = pw;
		search = o->offset[i] + strlen(text);
	}
}

/* Wrapped lines continue under their prefix with spaces; put the margin back at their start
 * so that a set-apart block stays visibly set apart. */
static void keep_margin(struct text_out *o, size_t first, const char *margin)
{
	size_t cols = (size_t)text_width(margin);
	if (!cols)
		return;
	for (size_t i = first; i < o->n; i++) {
		char *line = o->lines[i];
		if (!strncmp(line, margin, strlen(margin)) || strspn(line, " ") < cols)
			continue;
		struct strbuf sb;
		strbuf_init(&sb, strlen(line) + 8);
		strbuf_addstr(&sb, margin);
		strbuf_addstr(&sb, line + cols);
		free(line);
		o->lines[i] = strbuf_detach(&sb, NULL);
	}
}

/* A parsed guide's blocks; margin starts every line (casebook's notes are set apart by it). */
void out_guide(struct text_out *o, const struct guide *g, const char *margin, int w)
{
	for (size_t i = 0; i < g->nblocks; i++) {
		const struct guide_block *b = &g->blocks[i];
		char prefix[48];
		snprintf(prefix, sizeof(prefix), "%s", margin);
		size_t m = strlen(prefix);
		attr_t at = A_NORMAL;
		switch (b->kind) {
		case GB_HEADING:
			if (o->n)
				out_add(o, margin, A_NORMAL);
			at = A_BOLD | (b->level <= 2 ? A_UNDERLINE : 0);
			break;
		case GB_ITEM:
			if (b->number)
				snprintf(prefix + m, sizeof(prefix) - m, "%*s%d. ", 2 * b->level - 2, "", b->number);
			else
				snprintf(prefix + m, sizeof(prefix) - m, "%*s• ", 2 * b->level - 2, "");
			break;
		case GB_QUOTE:
			snprintf(prefix + m, sizeof(prefix) - m, "│ ");
			at = A_DIM;
			break;
		case GB_CODE:
			snprintf(prefix + m, sizeof(prefix) - m, "    ");
			at = A_BOLD;
			break;
		case GB_RULE: out_add(o, "────", A_DIM); continue;
		case GB_PARAGRAPH:
			if (o->n)
				out_add(o, margin, A_NORMAL);
			break;
		}
		size_t first = o->n;
		out_block(o, prefix, b, w, at);
		keep_margin(o, first, margin);
	}
}

void text_draw_line(const struct text_out *o, size_t i, int y, int x, int width)
{
	if (o->block && o->block[i] && o->block[i]->nspans)
		draw_styled(y, x, width, o->lines[i], o->attrs[i], o->block[i], o->offset[i], o->prefix_cols[i]);
	else
		draw_text(y, x, width, o->lines[i], o->attrs ? o->attrs[i] : A_NORMAL, 1);
}
