/* guide: a rule's investigation guide (its `note` Markdown), parsed with cmark (CommonMark).
 *
 * From the guide come the blocks the console renders (headings, paragraphs, list items, code,
 * quotes, with emphasis and code spans), and the triage record's lists: the checklist (the
 * items under a heading "Possible investigation steps"), the false-positive considerations
 * ("False positive analysis") and the response steps ("Response and remediation"). Headings of
 * any level, '-', '*' and numbered lists, wrapped lines, emphasis and inline code all work.
 * A rule without a guide, or without those sections, gets a short default list, flagged. */
#ifndef CASEBOOK_GUIDE_H
#define CASEBOOK_GUIDE_H

#include <stddef.h>

enum guide_block_kind { GB_HEADING, GB_PARAGRAPH, GB_ITEM, GB_CODE, GB_QUOTE, GB_RULE };

enum guide_style { GS_PLAIN = 0, GS_EMPH = 1 << 0, GS_STRONG = 1 << 1, GS_CODE = 1 << 2, GS_LINK = 1 << 3 };

struct guide_span {
	size_t start, len; /* bytes of the block's text */
	unsigned style;    /* enum guide_style bits */
};

struct guide_block {
	enum guide_block_kind kind;
	int level;  /* heading level, or list depth (1 = top) for items */
	int number; /* the item's number in an ordered list, else 0 */
	char *text; /* plain UTF-8 (still untrusted: sanitize before display) */
	struct guide_span *spans;
	size_t nspans;
};

struct guide_list {
	char **items;
	size_t n;
	int is_default; /* the guide had no such section: casebook's default list */
};

struct guide {
	struct guide_block *blocks;
	size_t nblocks;
	struct guide_list checklist, false_positives, response;
};

/* Parses markdown (NULL or empty: no guide). Never fails; returns 0. */
int guide_parse(const char *markdown, struct guide *g);
/* The same for one alert: its investigate/osquery placeholders ({{field}}) filled from
 * alert_doc (the alert document as JSON text; NULL or unreadable: left as written), as Kibana
 * renders a guide in an alert's flyout (triage/guideplugins.h). */
int guide_parse_for(const char *markdown, const char *alert_doc, struct guide *g);
void guide_release(struct guide *g);

#endif
