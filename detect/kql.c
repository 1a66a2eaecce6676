/* kql: Kibana Query Language (detect/kql.h): the parser, evaluation on an event, and what
 * the prefilters ask of a query (needles, required values). */

#include "detect/kql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/casemap.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "detect/needles.h"

/* ---- parser: a recursive-descent rendering of Kibana's kuery.peg ---- */

enum expect {
	EX_VALUE = 1 << 0,
	EX_RPAREN = 1 << 1,
	EX_RBRACE = 1 << 2,
	EX_QUOTE = 1 << 3,
	EX_KEYWORD = 1 << 4, /* and / or / end */
	EX_ESCAPE = 1 << 5,
	EX_QUERY = 1 << 6,
	EX_END = 1 << 7,
};

struct kp {
	const char *s;
	size_t len, pos;
	size_t far;      /* the furthest position a rule failed at */
	unsigned want;   /* what was expected there */
	const char *bad; /* a specific message for the furthest failure, if any */
	int depth;       /* of nested parentheses and braces: the parser recurses */
	int es_wildcard; /* kql_parse_filters: ~"pattern" is an Elasticsearch wildcard value */
};

#define KQL_MAX_DEPTH 200

static void expect(struct kp *p, size_t at, unsigned what, const char *bad)
{
	if (at > p->far || (at == p->far && p->want == 0)) {
		p->far = at;
		p->want = what;
		p->bad = bad;
	} else if (at == p->far) {
		p->want |= what;
		if (bad)
			p->bad = bad;
	}
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_space(struct kp *p)
{
	while (p->pos < p->len && is_space(p->s[p->pos]))
		p->pos++;
}

static int word_at(const struct kp *p, size_t at, const char *w)
{
	size_t n = strlen(w);
	return at + n <= p->len && !strncasecmp(p->s + at, w, n);
}

/* Space+ WORD Space+ at position at (WORD is "or" or "and"); returns the end or 0. */
static size_t binary_keyword_at(const struct kp *p, size_t at, const char *w)
{
	size_t i = at;
	while (i < p->len && is_space(p->s[i]))
		i++;
	if (i == at || !word_at(p, i, w))
		return 0;
	i += strlen(w);
	size_t j = i;
	while (j < p->len && is_space(p->s[j]))
		j++;
	return j > i ? j : 0;
}

/* "not" Space+ at position at; returns the end or 0. */
static size_t not_keyword_at(const struct kp *p, size_t at)
{
	if (!word_at(p, at, "not"))
		return 0;
	size_t j = at + 3;
	while (j < p->len && is_space(p->s[j]))
		j++;
	return j > at + 3 ? j : 0;
}

static int keyword_at(const struct kp *p, size_t at)
{
	return binary_keyword_at(p, at, "or") || binary_keyword_at(p, at, "and") || not_keyword_at(p, at);
}

static int is_special(char c)
{
	return strchr("\\():<>\"*{}", c) != NULL;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
	                              : -1;
}

static void add_codepoint(struct strbuf *sb, unsigned cp)
{
	char b[4];
	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		b[2] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(sb, b, 4);
	}
}

/* \uXXXX at pos (pointing at the backslash); returns 1 and advances, or 0. */
static int unicode_escape(struct kp *p, struct strbuf *sb)
{
	if (p->pos + 6 > p->len || p->s[p->pos + 1] != 'u')
		return 0;
	unsigned cp = 0;
	for (int i = 2; i < 6; i++) {
		int h = hexval(p->s[p->pos + (size_t)i]);
		if (h < 0)
			return 0;
		cp = cp * 16 + (unsigned)h;
	}
	p->pos += 6;
	/* a high surrogate and a low one are one code point, as the JavaScript string Kibana's
	 * grammar builds (String.fromCharCode of each) reaches Elasticsearch */
	if (cp >= 0xd800 && cp < 0xdc00 && p->pos + 6 <= p->len && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
		unsigned low = 0;
		int i;
		for (i = 2; i < 6 && hexval(p->s[p->pos + (size_t)i]) >= 0; i++)
			low = low * 16 + (unsigned)hexval(p->s[p->pos + (size_t)i]);
		if (i == 6 && low >= 0xdc00 && low < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
			p->pos += 6;
		}
	}
	add_codepoint(sb, cp);
	return 1;
}

static int whitespace_escape(struct kp *p, struct strbuf *sb)
{
	if (p->pos + 1 >= p->len)
		return 0;
	char e = p->s[p->pos + 1];
	char c = e == 't' ? '\t' : e == 'r' ? '\r' : e == 'n' ? '\n' : 0;
	if (!c)
		return 0;
	strbuf_addch(sb, c);
	p->pos += 2;
	return 1;
}

static void literal_release(struct kql_literal *l)
{
	wpat_release(&l->pat);
	if (l->lower)
		wpat_release(l->lower);
	free(l->lower);
	l->lower = NULL;
}

/* Sets l->lower: the pattern normalized piece by piece, as normalizeWildcardPattern normalizes
 * the text between wildcards (StringFieldType); a code point's lower case does not depend on its
 * neighbours (LowerCaseFilter), so pieces and whole text are alike. */
static void literal_lower(struct kql_literal *l)
{
	l->lower = NULL;
	size_t i;
	for (i = 0; i < l->pat.n && casemap_is_ascii(l->pat.piece[i], l->pat.len[i]); i++)
		;
	if (i == l->pat.n)
		return;
	l->lower = xmalloc(sizeof(*l->lower));
	wpat_init(l->lower);
	for (i = 0; i < l->pat.n; i++) {
		char *low = casemap_lower(l->pat.piece[i], l->pat.len[i]);
		wpat_add_piece(l->lower, low, strlen(low));
		free(low);
	}
}

/* Sets the typed fields of an unquoted literal from its text. */
static void classify(struct kql_literal *l)
{
	l->is_number = 0;
	if (wpat_has_wildcard(&l->pat))
		return;
	const char *t = l->pat.piece[0];
	if (!strcmp(t, "true"))
		l->kind = KQL_LIT_TRUE;
	else if (!strcmp(t, "false"))
		l->kind = KQL_LIT_FALSE;
	else if (!strcmp(t, "null"))
		l->kind = KQL_LIT_NULL;
	char *end;
	if (*t && !isspace((unsigned char)*t)) {
		double v = strtod(t, &end);
		if (*end == '\0' && strncasecmp(t, "nan", 3) && strncasecmp(t, "inf", 3) &&
		    strncasecmp(t + 1, "inf", 3) && strncasecmp(t, "0x", 2)) {
			l->is_number = 1;
			l->number = v;
		}
	}
}

/* QuotedString: '"' (escapes \" \\ \t \r \n \uXXXX; any other backslash is literal) '"' */
static int quoted_string(struct kp *p, struct kql_literal *out)
{
	size_t start = p->pos;
	struct strbuf sb;
	strbuf_init(&sb, 32);
	p->pos++;
	while (p->pos < p->len && p->s[p->pos] != '"') {
		if (p->s[p->pos] == '\\') {
			if (whitespace_escape(p, &sb) || unicode_escape(p, &sb))
				continue;
			char e = p->pos + 1 < p->len ? p->s[p->pos + 1] : 0;
			if (e == '"' || e == '\\') {
				strbuf_addch(&sb, e);
				p->pos += 2;
				continue;
			}
		}
		strbuf_addch(&sb, p->s[p->pos++]);
	}
	if (p->pos >= p->len) {
		expect(p, p->pos, EX_QUOTE, NULL);
		strbuf_release(&sb);
		p->pos = start;
		return 0;
	}
	p->pos++;
	out->kind = KQL_LIT_PHRASE;
	wpat_init(&out->pat);
	wpat_add_piece(&out->pat, sb.buf, sb.len);
	out->is_number = 0;
	char *end;
	out->number = strtod(sb.buf, &end);
	out->is_number = sb.len && *end == '\0';
	strbuf_release(&sb);
	return 1;
}

/* Trims ASCII whitespace from both ends of the literal's text. */
static void trim_pieces(struct kql_literal *l)
{
	struct wpat *w = &l->pat;
	char *first = w->piece[0];
	size_t lead = 0;
	while (lead < w->len[0] && is_space(first[lead]))
		lead++;
	memmove(first, first + lead, w->len[0] - lead + 1);
	w->len[0] -= lead;
	size_t last = w->n - 1;
	while (w->len[last] && is_space(w->piece[last][w->len[last] - 1]))
		w->piece[last][--w->len[last]] = '\0';
}

/* UnquotedLiteral: characters up to a special character or a keyword, with escapes. */
static int unquoted_literal(struct kp *p, struct kql_literal *out)
{
	size_t start = p->pos;
	struct strbuf sb;
	strbuf_init(&sb, 32);
	wpat_init(&out->pat);
	int chars = 0;
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c == '\\') {
			if (whitespace_escape(p, &sb) || unicode_escape(p, &sb)) {
				chars++;
				continue;
			}
			char e = p->pos + 1 < p->len ? p->s[p->pos + 1] : 0;
			if (e && is_special(e)) {
				strbuf_addch(&sb, e);
				p->pos += 2;
				chars++;
				continue;
			}
			const char *kw[] = {"and", "or", "not"};
			int done = 0;
			for (int i = 0; i < 3 && !done; i++)
				if (word_at(p, p->pos + 1, kw[i])) {
					strbuf_add(&sb, p->s + p->pos + 1, strlen(kw[i]));
					p->pos += 1 + strlen(kw[i]);
					done = 1;
				}
			if (done) {
				chars++;
				continue;
			}
			expect(p, p->pos, EX_ESCAPE,
			       "bad escape: '\\' must be followed by one of \\():<>\"*{} , "
			       "t r n, uXXXX, or a keyword");
			goto fail;
		}
		if (c == '*') {
			wpat_add_piece(&out->pat, sb.buf, sb.len);
			strbuf_reset(&sb);
			p->pos++;
			chars++;
			continue;
		}
		if (is_special(c) || keyword_at(p, p->pos))
			break;
		strbuf_addch(&sb, c);
		p->pos++;
		chars++;
	}
	if (!chars) {
		expect(p, p->pos, EX_VALUE, NULL);
		goto fail;
	}
	wpat_add_piece(&out->pat, sb.buf, sb.len);
	strbuf_release(&sb);
	out->kind = KQL_LIT_TEXT;
	trim_pieces(out);
	classify(out);
	return 1;
fail:
	strbuf_release(&sb);
	wpat_release(&out->pat);
	p->pos = start;
	return 0;
}

/* ~"pattern" or ~i"pattern" (kql_parse_filters only): an Elasticsearch wildcard query's value. */
static int es_wildcard(struct kp *p, struct kql_literal *out)
{
	size_t start = p->pos++;
	unsigned flags = 0;
	if (p->pos < p->len && p->s[p->pos] == 'i')
		flags |= WILDCARD_CASELESS, p->pos++;
	struct kql_literal phrase = {.lower = NULL};
	if (p->pos >= p->len || p->s[p->pos] != '"' || !quoted_string(p, &phrase)) {
		expect(p, p->pos, EX_QUOTE, "a wildcard filter's value must be a quoted pattern");
		p->pos = start;
		return 0;
	}
	wpat_init(&out->pat);
	int need = wildcard_es_pattern(phrase.pat.piece[0], &out->pat);
	literal_release(&phrase);
	if (need < 0) {
		expect(p, start, EX_VALUE,
		       "a wildcard filter's value with both an escaped and an unescaped '?' is not supported");
		wpat_release(&out->pat);
		p->pos = start;
		return 0;
	}
	out->kind = KQL_LIT_WILDCARD;
	out->flags = flags | (unsigned)need;
	out->is_number = 0;
	return 1;
}

static int literal(struct kp *p, struct kql_literal *out)
{
	int ok;
	out->flags = 0;
	out->lower = NULL;
	if (p->es_wildcard && p->pos < p->len && p->s[p->pos] == '~')
		ok = es_wildcard(p, out);
	else if (p->pos < p->len && p->s[p->pos] == '"')
		ok = quoted_string(p, out);
	else
		ok = unquoted_literal(p, out);
	if (ok)
		literal_lower(out);
	return ok;
}

static struct kql_node *new_node(enum kql_kind kind)
{
	struct kql_node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	wpat_init(&n->field);
	return n;
}

static struct kql_values *new_values(enum kql_kind kind)
{
	struct kql_values *v = xcalloc(1, sizeof(*v));
	v->kind = kind;
	wpat_init(&v->lit.pat);
	return v;
}

static void values_free(struct kql_values *v)
{
	if (!v)
		return;
	values_free(v->left);
	values_free(v->right);
	literal_release(&v->lit);
	free(v);
}

void kql_free(struct kql_node *q)
{
	if (!q)
		return;
	kql_free(q->left);
	kql_free(q->right);
	wpat_release(&q->field);
	values_free(q->values);
	literal_release(&q->bound);
	free(q);
}

static struct kql_node *or_query(struct kp *p);
static struct kql_values *list_of_values(struct kp *p);

/* Or / And between two operands; returns 1 and moves past it. */
static int take_binary(struct kp *p, const char *w)
{
	size_t end = binary_keyword_at(p, p->pos, w);
	if (!end)
		return 0;
	p->pos = end;
	return 1;
}

static int take_not(struct kp *p)
{
	size_t end = not_keyword_at(p, p->pos);
	if (!end)
		return 0;
	p->pos = end;
	return 1;
}

static struct kql_values *or_values(struct kp *p);

static struct kql_values *not_values(struct kp *p)
{
	size_t save = p->pos;
	if (take_not(p)) {
		struct kql_values *child = list_of_values(p);
		if (child) {
			struct kql_values *v = new_values(KQL_NOT);
			v->left = child;
			return v;
		}
		p->pos = save;
	}
	return list_of_values(p);
}

/* The operands of one and/or chain, joined into a balanced tree: and/or are associative,
 * and a left-deep chain of n terms was n frames deep in every recursive walk (a 20,000-term
 * or overflowed the stack in kql_needles); balanced it is log2(n). Order stays left to right. */
struct chain {
	void **items;
	size_t n, cap;
};

static void chain_add(struct chain *c, void *item)
{
	if (c->n == c->cap)
		c->items = xrealloc(c->items, (c->cap = c->cap ? c->cap * 2 : 8) * sizeof(*c->items));
	c->items[c->n++] = item;
}

static struct kql_node *balanced_nodes(void **items, size_t lo, size_t hi, enum kql_kind kind)
{
	if (hi - lo == 1)
		return items[lo];
	size_t mid = lo + (hi - lo) / 2;
	struct kql_node *n = new_node(kind);
	n->left = balanced_nodes(items, lo, mid, kind);
	n->right = balanced_nodes(items, mid, hi, kind);
	return n;
}

static struct kql_values *balanced_values(void **items, size_t lo, size_t hi, enum kql_kind kind)
{
	if (hi - lo == 1)
		return items[lo];
	size_t mid = lo + (hi - lo) / 2;
	struct kql_values *v = new_values(kind);
	v->left = balanced_values(items, lo, mid, kind);
	v->right = balanced_values(items, mid, hi, kind);
	return v;
}

static struct kql_values *values_chain(struct kp *p, const char *w, enum kql_kind kind,
                                       struct kql_values *(*operand)(struct kp *))
{
	struct kql_values *first = operand(p);
	if (!first)
		return NULL;
	struct chain c = {0};
	chain_add(&c, first);
	for (;;) {
		size_t save = p->pos;
		if (!take_binary(p, w))
			break;
		struct kql_values *right = operand(p);
		if (!right) {
			p->pos = save;
			break;
		}
		chain_add(&c, right);
	}
	struct kql_values *v = balanced_values(c.items, 0, c.n, kind);
	free(c.items);
	return v;
}

static struct kql_values *and_values(struct kp *p)
{
	return values_chain(p, "and", KQL_AND, not_values);
}

static int too_deep(struct kp *p);

static struct kql_values *or_values_at_depth(struct kp *p);

static struct kql_values *or_values(struct kp *p)
{
	if (too_deep(p))
		return NULL;
	p->depth++;
	struct kql_values *v = or_values_at_depth(p);
	p->depth--;
	return v;
}

static struct kql_values *or_values_at_depth(struct kp *p)
{
	return values_chain(p, "or", KQL_OR, and_values);
}

/* ListOfValues: '(' Space* OrListOfValues Space* ')' | Value */
static struct kql_values *list_of_values(struct kp *p)
{
	size_t save = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '(') {
		p->pos++;
		skip_space(p);
		struct kql_values *v = or_values(p);
		if (v) {
			skip_space(p);
			if (p->pos < p->len && p->s[p->pos] == ')') {
				p->pos++;
				return v;
			}
			expect(p, p->pos, EX_RPAREN | EX_KEYWORD, NULL);
			values_free(v);
		}
		p->pos = save;
		return NULL;
	}
	struct kql_values *v = new_values(KQL_MATCH);
	if (literal(p, &v->lit))
		return v;
	free(v);
	return NULL;
}

static int range_operator(struct kp *p, enum kql_range_op *op)
{
	const char *s = p->s + p->pos;
	size_t left = p->len - p->pos;
	if (left >= 2 && s[1] == '=' && (s[0] == '<' || s[0] == '>')) {
		*op = s[0] == '<' ? KQL_LE : KQL_GE;
		p->pos += 2;
		return 1;
	}
	if (left >= 1 && (s[0] == '<' || s[0] == '>')) {
		*op = s[0] == '<' ? KQL_LT : KQL_GT;
		p->pos += 1;
		return 1;
	}
	return 0;
}

/* A single unquoted '*' on the right of "field:" asks whether the field exists. */
static int is_exists_value(const struct kql_values *v)
{
	return v->kind == KQL_MATCH && v->lit.kind == KQL_LIT_TEXT && v->lit.pat.n == 2 && v->lit.pat.len[0] == 0 &&
	       v->lit.pat.len[1] == 0;
}

/* The field literal's name becomes the node's (its normalized copy is not needed). */
static void take_field(struct kql_node *n, struct kql_literal *field)
{
	n->field = field->pat;
	if (field->lower)
		wpat_release(field->lower);
	free(field->lower);
	field->lower = NULL;
}

/* Expression after a field literal: range, nested, or field:values. NULL if none applies. */
static struct kql_node *field_expression(struct kp *p, struct kql_literal *field)
{
	skip_space(p);
	enum kql_range_op op;
	if (range_operator(p, &op)) {
		skip_space(p);
		struct kql_node *n = new_node(KQL_RANGE);
		if (!literal(p, &n->bound)) {
			free(n);
			return NULL;
		}
		n->op = op;
		take_field(n, field);
		return n;
	}
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return NULL;
	p->pos++;
	skip_space(p);
	if (p->pos < p->len && p->s[p->pos] == '{') {
		p->pos++;
		skip_space(p);
		struct kql_node *inner = or_query(p);
		if (!inner)
			return NULL;
		skip_space(p);
		if (p->pos >= p->len || p->s[p->pos] != '}') {
			expect(p, p->pos, EX_RBRACE | EX_KEYWORD, NULL);
			kql_free(inner);
			return NULL;
		}
		p->pos++;
		struct kql_node *n = new_node(KQL_NESTED);
		n->left = inner;
		take_field(n, field);
		return n;
	}
	struct kql_values *v = list_of_values(p);
	if (!v)
		return NULL;
	struct kql_node *n;
	if (is_exists_value(v)) {
		n = new_node(KQL_EXISTS);
		values_free(v);
	} else {
		n = new_node(KQL_MATCH);
		n->values = v;
	}
	take_field(n, field);
	return n;
}

/* Expression: FieldRangeExpression | FieldValueExpression | NestedQuery | ValueExpression */
static struct kql_node *expression(struct kp *p)
{
	size_t save = p->pos;
	struct kql_literal field;
	if (literal(p, &field)) {
		struct kql_node *n = field_expression(p, &field);
		if (n)
			return n;
		literal_release(&field);
		p->pos = save;
	}
	struct kql_values *v = new_values(KQL_MATCH);
	if (!literal(p, &v->lit)) {
		free(v);
		expect(p, p->pos, EX_QUERY, NULL);
		return NULL;
	}
	struct kql_node *n = new_node(KQL_MATCH); /* free text: no field */
	n->values = v;
	return n;
}

/* SubQuery: '(' Space* OrQuery Space* ')' | Expression */
static struct kql_node *sub_query(struct kp *p)
{
	if (p->pos < p->len && p->s[p->pos] == '(') {
		size_t save = p->pos;
		p->pos++;
		skip_space(p);
		struct kql_node *q = or_query(p);
		if (q) {
			skip_space(p);
			if (p->pos < p->len && p->s[p->pos] == ')') {
				p->pos++;
				return q;
			}
			expect(p, p->pos, EX_RPAREN | EX_KEYWORD, NULL);
			kql_free(q);
		}
		p->pos = save;
		return NULL;
	}
	return expression(p);
}

static struct kql_node *not_query(struct kp *p)
{
	size_t save = p->pos;
	if (take_not(p)) {
		struct kql_node *child = sub_query(p);
		if (child) {
			struct kql_node *n = new_node(KQL_NOT);
			n->left = child;
			return n;
		}
		p->pos = save;
		return NULL;
	}
	return sub_query(p);
}

static struct kql_node *binary_chain(struct kp *p, const char *w, enum kql_kind kind,
                                     struct kql_node *(*operand)(struct kp *))
{
	struct kql_node *first = operand(p);
	if (!first)
		return NULL;
	struct chain c = {0};
	chain_add(&c, first);
	for (;;) {
		size_t save = p->pos;
		if (!take_binary(p, w))
			break;
		struct kql_node *right = operand(p);
		if (!right) {
			p->pos = save; /* as PEG does: the operator was not one after all */
			break;
		}
		chain_add(&c, right);
	}
	struct kql_node *n = balanced_nodes(c.items, 0, c.n, kind);
	free(c.items);
	return n;
}

static struct kql_node *and_query(struct kp *p)
{
	return binary_chain(p, "and", KQL_AND, not_query);
}

/* Nesting is bounded, not left to the stack (a 50,000-deep query overflowed it). */
static int too_deep(struct kp *p)
{
	if (p->depth < KQL_MAX_DEPTH)
		return 0;
	expect(p, p->pos, 0, "queries nested deeper than 200 levels");
	return 1;
}

static struct kql_node *or_query(struct kp *p)
{
	if (too_deep(p))
		return NULL;
	p->depth++;
	struct kql_node *n = binary_chain(p, "or", KQL_OR, and_query);
	p->depth--;
	return n;
}

static void describe_expected(const struct kp *p, struct strbuf *sb)
{
	const char *names[8];
	int n = 0;
	if (p->want & (EX_QUERY | EX_VALUE))
		names[n++] = "a field or value";
	if (p->want & EX_RPAREN)
		names[n++] = "')'";
	if (p->want & EX_RBRACE)
		names[n++] = "'}'";
	if (p->want & EX_QUOTE)
		names[n++] = "a closing '\"'";
	if (p->want & EX_KEYWORD)
		names[n++] = "'and', 'or'";
	if (p->want & EX_END || !n)
		names[n++] = "the end of the query";
	for (int i = 0; i < n; i++)
		strbuf_addf(sb, "%s%s", i ? (i == n - 1 ? " or " : ", ") : "", names[i]);
}

static struct kql_node *parse(const char *query, struct kql_error *err, int es_wildcard)
{
	struct kp p = {.s = query, .len = strlen(query), .es_wildcard = es_wildcard};
	err->language = "KQL";
	skip_space(&p);
	if (p.pos == p.len)
		return new_node(KQL_ALL);
	struct kql_node *q = or_query(&p);
	if (q) {
		skip_space(&p);
		if (p.pos == p.len)
			return q;
		expect(&p, p.pos, EX_KEYWORD | EX_END, NULL);
		kql_free(q);
	}
	struct strbuf sb;
	strbuf_init(&sb, 128);
	if (p.bad) {
		strbuf_addstr(&sb, p.bad);
	} else {
		strbuf_addstr(&sb, "expected ");
		describe_expected(&p, &sb);
		if (p.far >= p.len)
			strbuf_addstr(&sb, " but the query ended");
		else
			strbuf_addf(&sb, " but found '%c'", p.s[p.far]);
	}
	err->column = p.far + 1;
	snprintf(err->msg, sizeof(err->msg), "%s", sb.buf);
	strbuf_release(&sb);
	return NULL;
}

struct kql_node *kql_parse(const char *query, struct kql_error *err)
{
	return parse(query, err, 0);
}

struct kql_node *kql_parse_filters(const char *query, struct kql_error *err)
{
	return parse(query, err, 1);
}

void kql_error_format(const char *query, const struct kql_error *err, struct strbuf *out)
{
	strbuf_addf(out, "%s syntax error at column %zu: %s\n", err->language ? err->language : "KQL", err->column,
	            err->msg);
	/* the query on one line (newlines shown as spaces) and a caret under the column */
	size_t len = strlen(query);
	strbuf_addstr(out, "    ");
	for (size_t i = 0; i < len; i++)
		strbuf_addch(out, (unsigned char)query[i] < 0x20 ? ' ' : query[i]);
	strbuf_addstr(out, "\n    ");
	for (size_t i = 1; i < err->column; i++)
		strbuf_addch(out, ' ');
	strbuf_addstr(out, "^\n");
}

/* ---- evaluation ---- */

static int json_time(const cJSON *v, int64_t *us)
{
	return cJSON_IsString(v) && time_parse_iso8601(v->valuestring, strlen(v->valuestring), us, NULL) == 0;
}

/* caseless: the field's lowercase normalizer, which Elasticsearch applies to the query's text
 * too (match and query_string queries on a keyword: field_normalizes_lowercase); the field's
 * values come normalized (field_each_indexed), the text is l->lower or, all ASCII, folded. */
static int literal_matches(const struct kql_literal *l, const cJSON *v, int caseless)
{
	const struct wpat *w = caseless && l->lower ? l->lower : &l->pat;
	int fold = caseless ? WILDCARD_CASELESS : 0;
	switch (l->kind) {
	case KQL_LIT_TRUE: return cJSON_IsTrue(v) || (cJSON_IsString(v) && !strcmp(v->valuestring, "true"));
	case KQL_LIT_FALSE: return cJSON_IsFalse(v) || (cJSON_IsString(v) && !strcmp(v->valuestring, "false"));
	case KQL_LIT_NULL: return cJSON_IsString(v) && !strcmp(v->valuestring, "null");
	case KQL_LIT_WILDCARD:
		return cJSON_IsString(v) && wildcard_match(w, v->valuestring, strlen(v->valuestring), l->flags | fold);
	case KQL_LIT_PHRASE:
	case KQL_LIT_TEXT: break;
	}
	if (cJSON_IsString(v))
		return wildcard_match(w, v->valuestring, strlen(v->valuestring), fold);
	if (cJSON_IsNumber(v))
		return l->is_number && v->valuedouble == l->number;
	if (cJSON_IsBool(v) && !wpat_has_wildcard(w))
		return !strcmp(w->piece[0], cJSON_IsTrue(v) ? "true" : "false");
	return 0;
}

/* A literal's whole text (a wildcard-free literal is one piece). */
static int literal_text(const struct kql_literal *l, const char **text, size_t *len)
{
	if (l->pat.n != 1)
		return 0;
	*text = l->pat.piece[0];
	*len = l->pat.len[0];
	return 1;
}

/* On an ip field a value matches an address or a CIDR block, however either is written. */
static int ip_matches(const struct kql_literal *l, const cJSON *v)
{
	const char *text;
	size_t len;
	unsigned char ip[16];
	if (!cJSON_IsString(v) || !literal_text(l, &text, &len) ||
	    field_ip_parse(v->valuestring, strlen(v->valuestring), ip))
		return 0;
	return field_ip_in_cidr(ip, text, len) == 1;
}

/* On a date field a value matches the same instant, written in any ISO 8601 form or as
 * epoch milliseconds. */
static int date_matches(const struct kql_literal *l, const cJSON *v)
{
	const char *text;
	size_t len;
	int64_t a, b;
	return literal_text(l, &text, &len) && field_date_json(v, &a) == 0 && field_date_text(text, len, &b) == 0 &&
	       a == b;
}

/* ---- text fields: matched by their words, as Elasticsearch's standard analyzer splits them ---- */

struct tokens {
	char **at;
	size_t n;
};

/* Lower-cased runs of letters and digits (bytes of 0x80 and up count as letters: UTF-8). */
static struct tokens tokenize(const char *s, size_t len)
{
	struct tokens t = {0};
	for (size_t i = 0; i < len;) {
		while (i < len && !isalnum((unsigned char)s[i]) && (unsigned char)s[i] < 0x80)
			i++;
		size_t start = i;
		while (i < len && (isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80))
			i++;
		if (i > start) {
			char *w = xstrndup(s + start, i - start);
			for (char *c = w; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			t.at = xrealloc(t.at, (t.n + 1) * sizeof(*t.at));
			t.at[t.n++] = w;
		}
	}
	return t;
}

static void tokens_free(struct tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->at[i]);
	free(t->at);
}

/* A phrase: its words in a row; a value: any of its words (Kibana's match query, OR); a
 * wildcard: a word the pattern matches. */
static int text_matches(const struct kql_literal *l, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return 0;
	struct tokens doc = tokenize(v->valuestring, strlen(v->valuestring));
	int hit = 0;
	if ((l->kind == KQL_LIT_TEXT && wpat_has_wildcard(&l->pat)) || l->kind == KQL_LIT_WILDCARD) {
		for (size_t i = 0; i < doc.n && !hit; i++)
			hit = wildcard_match(&l->pat, doc.at[i], strlen(doc.at[i]), WILDCARD_CASELESS | l->flags);
	} else {
		struct tokens want = tokenize(l->pat.piece[0], l->pat.len[0]);
		if (l->kind == KQL_LIT_PHRASE) {
			for (size_t i = 0; want.n && i + want.n <= doc.n && !hit; i++) {
				size_t k = 0;
				while (k < want.n && !strcmp(doc.at[i + k], want.at[k]))
					k++;
				hit = k == want.n;
			}
		} else {
			for (size_t i = 0; i < doc.n && !hit; i++)
				for (size_t k = 0; k < want.n && !hit; k++)
					hit = !strcmp(doc.at[i], want.at[k]);
		}
		tokens_free(&want);
	}
	tokens_free(&doc);
	return hit;
}

/* lowercase: the field is a keyword with the lowercase normalizer; its values come normalized
 * (field_each_indexed) and the bounds are normalized too (KeywordFieldType.rangeQuery through
 * indexedValueForSearch), compared as Lucene's TermRangeQuery compares terms: UTF-8 bytes. */
static int compare_range(const struct kql_literal *b, enum kql_range_op op, const cJSON *v, enum field_type type,
                         int lowercase)
{
	int cmp;
	int64_t tv, tb;
	const char *text = b->pat.piece[0];
	if (lowercase && type == FT_KEYWORD && cJSON_IsString(v)) {
		int c = casemap_lower_cmp(v->valuestring, strlen(v->valuestring), text, b->pat.len[0]);
		cmp = (c > 0) - (c < 0);
	} else if (type == FT_DATE) {
		if (field_date_json(v, &tv) || field_date_text(text, strlen(text), &tb))
			return 0;
		cmp = (tv > tb) - (tv < tb);
	} else if (cJSON_IsNumber(v) && b->is_number) {
		cmp = (v->valuedouble > b->number) - (v->valuedouble < b->number);
	} else if (json_time(v, &tv) && time_parse_iso8601(text, strlen(text), &tb, NULL) == 0) {
		cmp = (tv > tb) - (tv < tb);
	} else if (cJSON_IsString(v)) {
		int c = strcmp(v->valuestring, text);
		cmp = (c > 0) - (c < 0);
	} else {
		return 0;
	}
	switch (op) {
	case KQL_LT: return cmp < 0;
	case KQL_LE: return cmp <= 0;
	case KQL_GT: return cmp > 0;
	case KQL_GE: return cmp >= 0;
	}
	return 0;
}

static int leaf_exists(void *ctx, const char *name, size_t len, const cJSON *v)
{
	(void)ctx, (void)name, (void)len;
	return !cJSON_IsNull(v);
}

/* A test applied to each value of the field(s) a node names. */
struct probe {
	const struct kql_node *node;
	const struct kql_literal *lit;
	const struct wpat *field;
	enum field_type type;    /* of the field (a keyword for several fields) */
	struct numeric_type num; /* its imported numeric type (one field), or NUMERIC_NONE */
	int lowercase;           /* its lowercase normalizer (one field): the query's text too */
};

/* A value of a field the imported mapping types as a number meets the query as Elasticsearch's
 * index holds it (numeric_stored_json: a long's 3.7 is 3), and the query's number converted to
 * the field's type (NumberFieldMapper's termQuery and rangeQuery: a decimal bound on a long
 * field compares as the decimal it is, a float's bound is a float). A value the field refuses
 * is none; text that is no number matches nothing (Elasticsearch refuses the query). */
static int stored_number_hit(const struct probe *pr, const cJSON *v)
{
	double d, b;
	if (numeric_stored_json(pr->num, v, &d) || !pr->lit->is_number || wpat_has_wildcard(&pr->lit->pat))
		return 0;
	b = pr->lit->number;
	if (!numeric_is_whole(pr->num) && numeric_stored(pr->num, b, &b))
		return 0;
	int cmp = (d > b) - (d < b);
	if (pr->node->kind != KQL_RANGE)
		return cmp == 0;
	switch (pr->node->op) {
	case KQL_LT: return cmp < 0;
	case KQL_LE: return cmp <= 0;
	case KQL_GT: return cmp > 0;
	case KQL_GE: return cmp >= 0;
	}
	return 0;
}

static int value_hit(void *ctx, const cJSON *v)
{
	const struct probe *pr = ctx;
	if (pr->num.kind != NUMERIC_NONE && pr->lit && (pr->node->kind == KQL_RANGE || pr->node->kind == KQL_MATCH))
		return stored_number_hit(pr, v);
	switch (pr->node->kind) {
	case KQL_EXISTS:
		/* on an object, Elasticsearch's exists asks whether any sub-field has a value */
		return cJSON_IsObject(v) ? field_each_leaf(v, leaf_exists, NULL) : !cJSON_IsNull(v);
	case KQL_RANGE: return compare_range(pr->lit, pr->node->op, v, pr->type, pr->lowercase);
	case KQL_NESTED: return cJSON_IsObject(v) && kql_match(pr->node->left, v);
	default:
		if (pr->type == FT_IP && ip_matches(pr->lit, v))
			return 1;
		if (pr->type == FT_DATE && date_matches(pr->lit, v))
			return 1;
		if (pr->type == FT_TEXT && (pr->lit->kind == KQL_LIT_TEXT || pr->lit->kind == KQL_LIT_PHRASE ||
		                            pr->lit->kind == KQL_LIT_WILDCARD))
			return text_matches(pr->lit, v);
		return literal_matches(pr->lit, v, pr->lowercase);
	}
}

static int leaf_hit(void *ctx, const char *name, size_t len, const cJSON *v)
{
	const struct probe *pr = ctx;
	if (pr->field->n && !wildcard_match(pr->field, name, len, 0))
		return 0;
	return value_hit(ctx, v);
}

/* Whether any value of the node's field (all fields for free text) passes the probe. */
static int any_value(const struct probe *pr, const cJSON *event)
{
	const struct wpat *f = pr->field;
	if (f->n == 1) {
		struct probe typed = *pr;
		typed.type = field_type_cached(f->piece[0], f->len[0], (struct field_type_cache *)&pr->node->ftype);
		typed.num = pr->node->ftype.num;
		typed.lowercase = pr->node->ftype.lowercase;
		return field_each_indexed(event, f->piece[0], f->len[0], &pr->node->ftype, value_hit, &typed);
	}
	if (pr->node->kind == KQL_NESTED && f->n > 1) {
		/* nested under a wildcard name: objects are not leaves, so look them up by name */
		return 0;
	}
	return field_each_leaf(event, leaf_hit, (void *)pr);
}

static int values_match(const struct kql_node *n, const struct kql_values *v, const cJSON *event)
{
	switch (v->kind) {
	case KQL_OR: return values_match(n, v->left, event) || values_match(n, v->right, event);
	case KQL_AND: return values_match(n, v->left, event) && values_match(n, v->right, event);
	case KQL_NOT: return !values_match(n, v->left, event);
	default: {
		struct probe pr = {.node = n, .lit = &v->lit, .field = &n->field};
		return any_value(&pr, event);
	}
	}
}

int kql_match(const struct kql_node *q, const cJSON *event)
{
	switch (q->kind) {
	case KQL_ALL: return 1;
	case KQL_OR: return kql_match(q->left, event) || kql_match(q->right, event);
	case KQL_AND: return kql_match(q->left, event) && kql_match(q->right, event);
	case KQL_NOT: return !kql_match(q->left, event);
	case KQL_MATCH: return values_match(q, q->values, event);
	case KQL_EXISTS:
	case KQL_NESTED: {
		struct probe pr = {.node = q, .field = &q->field};
		return any_value(&pr, event);
	}
	case KQL_RANGE: {
		struct probe pr = {.node = q, .lit = &q->bound, .field = &q->field};
		return any_value(&pr, event);
	}
	}
	return 0;
}

/* ---- printing ---- */

static void pattern_to_string(const struct wpat *w, struct strbuf *out)
{
	for (size_t i = 0; i < w->n; i++) {
		if (i)
			strbuf_addch(out, '*');
		for (size_t j = 0; j < w->len[i]; j++) {
			char c = w->piece[i][j];
			if (c == '*' || c == '\\')
				strbuf_addch(out, '\\');
			strbuf_addch(out, c);
		}
	}
}

static void literal_to_string(const struct kql_literal *l, struct strbuf *out)
{
	if (l->kind == KQL_LIT_WILDCARD) {
		strbuf_addf(out, "wildcard%s%s(", l->flags & WILDCARD_CASELESS ? "~i" : "",
		            l->flags & WILDCARD_QMARK ? "?" : "");
		pattern_to_string(&l->pat, out);
		strbuf_addch(out, ')');
		return;
	}
	if (l->kind == KQL_LIT_PHRASE) {
		strbuf_addch(out, '"');
		strbuf_add(out, l->pat.piece[0], l->pat.len[0]);
		strbuf_addch(out, '"');
		return;
	}
	pattern_to_string(&l->pat, out);
	if (l->is_number)
		strbuf_addstr(out, "#");
}

static void values_to_string(const struct kql_values *v, struct strbuf *out)
{
	switch (v->kind) {
	case KQL_OR:
	case KQL_AND:
		strbuf_addstr(out, v->kind == KQL_OR ? "or(" : "and(");
		values_to_string(v->left, out);
		strbuf_addstr(out, ", ");
		values_to_string(v->right, out);
		strbuf_addch(out, ')');
		return;
	case KQL_NOT:
		strbuf_addstr(out, "not(");
		values_to_string(v->left, out);
		strbuf_addch(out, ')');
		return;
	default: literal_to_string(&v->lit, out);
	}
}

void kql_to_string(const struct kql_node *q, struct strbuf *out)
{
	static const char *const ops[] = {"<", "<=", ">", ">="};
	switch (q->kind) {
	case KQL_ALL: strbuf_addstr(out, "all"); return;
	case KQL_OR:
	case KQL_AND:
		strbuf_addstr(out, q->kind == KQL_OR ? "or(" : "and(");
		kql_to_string(q->left, out);
		strbuf_addstr(out, ", ");
		kql_to_string(q->right, out);
		strbuf_addch(out, ')');
		return;
	case KQL_NOT:
		strbuf_addstr(out, "not(");
		kql_to_string(q->left, out);
		strbuf_addch(out, ')');
		return;
	case KQL_MATCH:
		if (q->field.n) {
			strbuf_addstr(out, "is(");
			pattern_to_string(&q->field, out);
			strbuf_addstr(out, ", ");
		} else {
			strbuf_addstr(out, "text(");
		}
		values_to_string(q->values, out);
		strbuf_addch(out, ')');
		return;
	case KQL_EXISTS:
		strbuf_addstr(out, "exists(");
		pattern_to_string(&q->field, out);
		strbuf_addch(out, ')');
		return;
	case KQL_RANGE:
		strbuf_addstr(out, "range(");
		pattern_to_string(&q->field, out);
		strbuf_addf(out, " %s ", ops[q->op]);
		literal_to_string(&q->bound, out);
		strbuf_addch(out, ')');
		return;
	case KQL_NESTED:
		strbuf_addstr(out, "nested(");
		pattern_to_string(&q->field, out);
		strbuf_addstr(out, ", ");
		kql_to_string(q->left, out);
		strbuf_addch(out, ')');
		return;
	}
}

/* ---- needles ---- */

static void values_needles(const char *field, const struct kql_values *v, struct needles *out)
{
	struct needles a, b;
	needles_init(out);
	switch (v->kind) {
	case KQL_OR:
		values_needles(field, v->left, &a);
		values_needles(field, v->right, &b);
		needles_union(out, &a, &b);
		return;
	case KQL_AND:
		values_needles(field, v->left, &a);
		values_needles(field, v->right, &b);
		needles_best(out, &a, &b);
		return;
	case KQL_MATCH:
		if ((v->lit.kind == KQL_LIT_TEXT || v->lit.kind == KQL_LIT_PHRASE) && !v->lit.is_number)
			needles_from_pattern(out, field, (const char *const *)v->lit.pat.piece, v->lit.pat.len,
			                     v->lit.pat.n, 0);
		return;
	default: return;
	}
}

void kql_needles(const struct kql_node *q, struct needles *out)
{
	struct needles a, b;
	needles_init(out);
	switch (q->kind) {
	case KQL_AND:
		kql_needles(q->left, &a);
		kql_needles(q->right, &b);
		needles_best(out, &a, &b);
		return;
	case KQL_OR:
		kql_needles(q->left, &a);
		kql_needles(q->right, &b);
		needles_union(out, &a, &b);
		return;
	case KQL_MATCH:
		/* a named field (no wildcard in the name), or free text: any value holds the literal */
		if (q->field.n <= 1)
			values_needles(q->field.n ? q->field.piece[0] : "*", q->values, out);
		return;
	default: return;
	}
}

/* ---- the prefilter's required values ---- */

static int plain_literal(const struct kql_literal *l)
{
	return (l->kind == KQL_LIT_TEXT || l->kind == KQL_LIT_PHRASE) && l->pat.n == 1 && !wpat_has_wildcard(&l->pat);
}

/* A stack of nodes to visit, for walks whose depth the query decides (lists can be long). */
struct walk {
	const void **at;
	size_t depth, cap;
};

static void walk_push(struct walk *w, const void *node)
{
	if (w->depth == w->cap) {
		w->cap = w->cap * 2 + 2;
		w->at = xrealloc(w->at, w->cap * sizeof(*w->at));
	}
	w->at[w->depth++] = node;
}

/* The literals of an or-list of plain literals. */
static int or_of_literals(const struct kql_values *v, char ***values, size_t *n)
{
	struct walk w = {0};
	walk_push(&w, v);
	int ok = 1;
	*values = NULL;
	*n = 0;
	while (w.depth && ok) {
		const struct kql_values *at = w.at[--w.depth];
		if (at->kind == KQL_OR) {
			walk_push(&w, at->right);
			walk_push(&w, at->left); /* in the list's order */
		} else if (at->kind == KQL_MATCH && plain_literal(&at->lit)) {
			*values = xrealloc(*values, (*n + 1) * sizeof(**values));
			(*values)[(*n)++] = xstrndup(at->lit.pat.piece[0], at->lit.pat.len[0]);
		} else {
			ok = 0;
		}
	}
	free(w.at);
	if (!ok) {
		for (size_t i = 0; i < *n; i++)
			free((*values)[i]);
		free(*values);
		*values = NULL;
		*n = 0;
	}
	return ok;
}

int kql_required_values(const struct kql_node *q, const char *field, char ***values, size_t *n)
{
	struct walk w = {0}; /* the and-ed clauses */
	walk_push(&w, q);
	int found = 0;
	while (w.depth && !found) {
		const struct kql_node *at = w.at[--w.depth];
		if (at->kind == KQL_AND) {
			walk_push(&w, at->right);
			walk_push(&w, at->left);
		} else if (at->kind == KQL_MATCH && at->field.n == 1 && !strcmp(at->field.piece[0], field)) {
			found = or_of_literals(at->values, values, n);
		}
	}
	free(w.at);
	return found;
}
