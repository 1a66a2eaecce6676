/* eql: Elastic's Event Query Language (detect/eql.h): the parser, event queries evaluated on
 * one event, and what sequences, samples and the prefilters ask of a query. */

#include "detect/eql.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/casemap.h"
#include "common/number.h"
#include "common/timeutil.h"
#include "detect/field.h"
#include "detect/lucene.h"
#include "detect/needles.h"
#include "detect/wildcard.h"

/* ---- the tree ---- */

enum node_kind {
	N_AND,
	N_OR,
	N_NOT,
	N_CMP,   /* op: CMP_* */
	N_MATCH, /* ':', like, regex against a list of patterns */
	N_IN,    /* in, in~, not in */
	N_FIELD,
	N_STR,
	N_NUM,
	N_BOOL,
	N_NULL,
	N_FUNC,
	N_ARITH, /* op: '+', '-', '*', '/', '%' */
};

enum { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

struct func;

struct node {
	enum node_kind kind;
	int op;
	int caseless; /* ':', like~, regex~, in~, and functions called with '~' */
	int negate;   /* not in */
	struct node **kids;
	size_t nkids;
	char *text; /* field path or string literal */
	size_t len;
	double num;
	int optional; /* ?field */
	/* N_MATCH: the patterns, compiled */
	int is_regex;
	struct wpat *pats;
	pcre2_code **res;
	size_t npats;
	/* the same through the lowercase normalizer, for a field that has it (Elasticsearch
	 * normalizes a wildcard and a regexp query's text on such a keyword: lower_pattern):
	 * like's, built with pats when a pattern is not all ASCII (n == 0: none, ASCII's folding is
	 * the normalizer's); regex's, compiled from res_text on first use */
	struct wpat *lower_pats;
	char **res_text;
	pcre2_code **res_lower;
	int *res_lower_bad; /* lowered, the regex does not compile: it matches nothing */
	const struct func *fn;
	struct field_type_cache ftype; /* N_FIELD: its type, looked up once */
};

struct key_field {
	char *path;
	int optional;
	struct field_type_cache ftype; /* its type, looked up once */
};

struct stage {
	char *category; /* NULL: any */
	struct node *cond;
	struct key_field *keys;
	size_t nkeys;
	int shared; /* the filter is a copy made by runs=N: freed by the original */
};

struct eql_query {
	int sequence;           /* a sequence or a sample: stages with join keys */
	int sample;             /* sample by ...: unordered, no maxspan, runs, until or missing events */
	struct key_field *keys; /* sequence (sample) by ... */
	size_t nkeys;
	int64_t maxspan_us;
	/* grown as the query is parsed (at most EQL_MAX_STAGES); one slot more than the stages,
	 * for `until` when has_until */
	struct stage *stages;
	size_t nstages, stages_cap;
	int has_until;
	/* missing-event stages ![...]: each with the number of stages before it */
	struct stage *missing;
	size_t *missing_at;
	size_t nmissing, missing_cap;
	char *category_field;      /* event_category_override; NULL: event.category */
	struct regex_budget regex; /* what its regular expressions spent on the event (detect/regex.h) */
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	for (size_t i = 0; i < n->npats; i++) {
		if (n->is_regex) {
			pcre2_code_free(n->res[i]);
			pcre2_code_free(n->res_lower[i]);
			free(n->res_text[i]);
		} else {
			wpat_release(&n->pats[i]);
			if (n->lower_pats[i].n)
				wpat_release(&n->lower_pats[i]);
		}
	}
	free(n->pats);
	free(n->res);
	free(n->lower_pats);
	free(n->res_text);
	free(n->res_lower);
	free(n->res_lower_bad);
	free(n);
}

static void keys_free(struct key_field *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i].path);
	free(k);
}

void eql_free(struct eql_query *q)
{
	if (!q)
		return;
	keys_free(q->keys, q->nkeys);
	size_t total = q->nstages + (q->has_until ? 1 : 0);
	for (size_t i = 0; i < total; i++) {
		struct stage *s = &q->stages[i];
		if (!s->shared) {
			free(s->category);
			node_free(s->cond);
		}
		keys_free(s->keys, s->nkeys);
	}
	for (size_t i = 0; i < q->nmissing; i++) {
		free(q->missing[i].category);
		node_free(q->missing[i].cond);
		keys_free(q->missing[i].keys, q->missing[i].nkeys);
	}
	free(q->stages);
	free(q->missing);
	free(q->missing_at);
	free(q->category_field);
	free(q);
}

/* Room for stage q->nstages and the one after it (until), zeroed. */
static void stages_reserve(struct eql_query *q)
{
	if (q->nstages + 2 <= q->stages_cap)
		return;
	size_t cap = q->stages_cap ? q->stages_cap * 2 : 4;
	q->stages = xrealloc(q->stages, cap * sizeof(*q->stages));
	memset(q->stages + q->stages_cap, 0, (cap - q->stages_cap) * sizeof(*q->stages));
	q->stages_cap = cap;
}

static void missing_reserve(struct eql_query *q)
{
	if (q->nmissing + 1 <= q->missing_cap)
		return;
	size_t cap = q->missing_cap ? q->missing_cap * 2 : 2;
	q->missing = xrealloc(q->missing, cap * sizeof(*q->missing));
	memset(q->missing + q->missing_cap, 0, (cap - q->missing_cap) * sizeof(*q->missing));
	q->missing_at = xrealloc(q->missing_at, cap * sizeof(*q->missing_at));
	q->missing_cap = cap;
}

/* ---- the parser ---- */

struct ep {
	const char *s;
	size_t pos, len;
	struct kql_error *err;
	int failed;
	int depth; /* of nested expressions: the parser recurses */
};

#define EQL_MAX_DEPTH 200

static void fail_at(struct ep *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_at(struct ep *p, size_t at, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = 1;
	p->err->column = at + 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

static void skip_space(struct ep *p)
{
	for (;;) {
		while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
			p->pos++;
		if (p->pos + 1 < p->len && p->s[p->pos] == '/' && p->s[p->pos + 1] == '/') {
			while (p->pos < p->len && p->s[p->pos] != '\n')
				p->pos++;
		} else if (p->pos + 1 < p->len && p->s[p->pos] == '/' && p->s[p->pos + 1] == '*') {
			const char *end = strstr(p->s + p->pos + 2, "*/");
			if (!end) {
				fail_at(p, p->pos, "a comment is not closed with */");
				p->pos = p->len;
				return;
			}
			p->pos = (size_t)(end - p->s) + 2;
		} else {
			return;
		}
	}
}

static int ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '@';
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '@';
}

/* Whether the keyword w is next (a whole word); does not consume it. */
static int at_word(struct ep *p, const char *w)
{
	skip_space(p);
	size_t n = strlen(w);
	return p->pos + n <= p->len && !memcmp(p->s + p->pos, w, n) &&
	       (p->pos + n == p->len || !ident_char(p->s[p->pos + n]));
}

static int take_word(struct ep *p, const char *w)
{
	if (!at_word(p, w))
		return 0;
	p->pos += strlen(w);
	return 1;
}

static int at_char(struct ep *p, char c)
{
	skip_space(p);
	return p->pos < p->len && p->s[p->pos] == c;
}

static int take_char(struct ep *p, char c)
{
	if (!at_char(p, c))
		return 0;
	p->pos++;
	return 1;
}

static int take_op(struct ep *p, const char *op)
{
	skip_space(p);
	size_t n = strlen(op);
	if (p->pos + n > p->len || memcmp(p->s + p->pos, op, n))
		return 0;
	p->pos += n;
	return 1;
}

static void expect_char(struct ep *p, char c)
{
	if (!take_char(p, c)) {
		char what[4] = {'\'', c, '\'', 0};
		fail_at(p, p->pos, "expected %s", what);
	}
}

static const char *const reserved[] = {"and",      "or",    "not",  "in",    "like",    "regex", "where",
                                       "sequence", "by",    "with", "until", "maxspan", "runs",  "any",
                                       "true",     "false", "null", "join",  "sample",  "of",    NULL};

static int is_reserved(const char *w, size_t n)
{
	for (size_t i = 0; reserved[i]; i++)
		if (strlen(reserved[i]) == n && !memcmp(reserved[i], w, n))
			return 1;
	return 0;
}

/* One name segment: an identifier, or a `backquoted` name (`` is a backquote). */
static int name_segment(struct ep *p, struct strbuf *out)
{
	if (p->pos < p->len && p->s[p->pos] == '`') {
		size_t start = p->pos++;
		for (;;) {
			if (p->pos >= p->len) {
				fail_at(p, start, "a `quoted` field name is not closed");
				return -1;
			}
			if (p->s[p->pos] == '`') {
				if (p->pos + 1 < p->len && p->s[p->pos + 1] == '`') {
					strbuf_addch(out, '`');
					p->pos += 2;
					continue;
				}
				p->pos++;
				return 0;
			}
			strbuf_addch(out, p->s[p->pos++]);
		}
	}
	if (p->pos >= p->len || !ident_start(p->s[p->pos]))
		return -1;
	while (p->pos < p->len && ident_char(p->s[p->pos]))
		strbuf_addch(out, p->s[p->pos++]);
	return 0;
}

/* A field name: segments joined by '.'. Returns NULL (no error) when none is here. */
static char *field_name(struct ep *p)
{
	skip_space(p);
	size_t start = p->pos;
	struct strbuf sb;
	strbuf_init(&sb, 32);
	if (name_segment(p, &sb)) {
		strbuf_release(&sb);
		p->pos = start;
		return NULL;
	}
	while (p->pos + 1 < p->len && p->s[p->pos] == '.' &&
	       (ident_start(p->s[p->pos + 1]) || p->s[p->pos + 1] == '`' || isdigit((unsigned char)p->s[p->pos + 1]))) {
		p->pos++;
		strbuf_addch(&sb, '.');
		if (isdigit((unsigned char)p->s[p->pos])) { /* "a.0b" style segments */
			while (p->pos < p->len && ident_char(p->s[p->pos]))
				strbuf_addch(&sb, p->s[p->pos++]);
			continue;
		}
		if (name_segment(p, &sb))
			break;
	}
	if (p->pos < p->len && p->s[p->pos] == '[')
		fail_at(p, p->pos, "array indexes in field names (field[0]) are not supported");
	return strbuf_detach(&sb, NULL);
}

static int hexval(char c)
{
	return isdigit((unsigned char)c)    ? c - '0'
	       : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10)
	                                    : -1;
}

static void add_utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (char)(0xC0 | (cp >> 6)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (char)(0xE0 | (cp >> 12)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
	} else {
		strbuf_addch(sb, (char)(0xF0 | (cp >> 18)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
	}
}

/* \u{X...}: one to eight hex digits, a Unicode scalar value. */
static int unicode_escape(struct ep *p, struct strbuf *sb)
{
	size_t at = p->pos - 2; /* the backslash */
	if (p->pos >= p->len || p->s[p->pos] != '{') {
		fail_at(p, at, "a \\u escape is written \\u{XXXX}");
		return -1;
	}
	p->pos++;
	unsigned cp = 0;
	int digits = 0, h;
	while (p->pos < p->len && (h = hexval(p->s[p->pos])) >= 0 && digits < 8) {
		cp = cp * 16 + (unsigned)h;
		p->pos++, digits++;
	}
	if (!digits || p->pos >= p->len || p->s[p->pos] != '}' || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
	    cp == 0) {
		fail_at(p, at, "invalid \\u{...} escape (a Unicode code point other than 0 and the surrogates)");
		return -1;
	}
	p->pos++;
	add_utf8(sb, cp);
	return 0;
}

/* "text" with escapes, or """raw text""". Returns NULL (no error) when no string is here. */
static char *string_literal(struct ep *p, size_t *len)
{
	skip_space(p);
	size_t start = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '\'') {
		fail_at(p, start, "strings are written in double quotes (\"...\")");
		return NULL;
	}
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb, 32);
	if (p->pos + 2 < p->len && !strncmp(p->s + p->pos, "\"\"\"", 3)) {
		const char *end = strstr(p->s + p->pos + 3, "\"\"\"");
		if (!end) {
			fail_at(p, start, "a \"\"\"string\"\"\" is not closed");
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_add(&sb, p->s + p->pos + 3, (size_t)(end - (p->s + p->pos + 3)));
		p->pos = (size_t)(end - p->s) + 3;
		return strbuf_detach(&sb, len);
	}
	p->pos++;
	for (;;) {
		if (p->pos >= p->len || p->s[p->pos] == '\n') {
			fail_at(p, start, "a string is not closed with \"");
			strbuf_release(&sb);
			return NULL;
		}
		char c = p->s[p->pos++];
		if (c == '"')
			break;
		if (c != '\\') {
			strbuf_addch(&sb, c);
			continue;
		}
		char e = p->pos < p->len ? p->s[p->pos++] : '\0';
		switch (e) {
		case 'n': strbuf_addch(&sb, '\n'); break;
		case 'r': strbuf_addch(&sb, '\r'); break;
		case 't': strbuf_addch(&sb, '\t'); break;
		case 'f': strbuf_addch(&sb, '\f'); break;
		case 'b': strbuf_addch(&sb, '\b'); break;
		case '"': strbuf_addch(&sb, '"'); break;
		case '\'': strbuf_addch(&sb, '\''); break;
		case '\\': strbuf_addch(&sb, '\\'); break;
		case 'u':
			if (unicode_escape(p, &sb)) {
				strbuf_release(&sb);
				return NULL;
			}
			break;
		default:
			fail_at(p, p->pos - 2, "unknown escape sequence in a string");
			strbuf_release(&sb);
			return NULL;
		}
	}
	return strbuf_detach(&sb, len);
}

static struct node *new_node(enum node_kind kind)
{
	struct node *n = xmalloc(sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

static void add_kid(struct node *n, struct node *kid)
{
	n->kids = xrealloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
	n->kids[n->nkids++] = kid;
}

static struct node *binary(enum node_kind kind, int op, struct node *l, struct node *r)
{
	struct node *n = new_node(kind);
	n->op = op;
	add_kid(n, l);
	add_kid(n, r);
	return n;
}

struct eql_val;
typedef void (*func_impl)(struct eql_val *args, size_t n, int caseless, struct eql_val *out);
struct func {
	const char *name;
	size_t min, max; /* arguments */
	func_impl impl;
};
static const struct func *find_func(const char *name, size_t len);

static struct node *or_expr(struct ep *p);

typedef struct node *(*level_fn)(struct ep *p);

/* Parses one nesting level with fn ((...), not, -, a function's arguments all come through
 * here): a limit keeps the recursion off the end of the stack (found by fuzz_eql). */
#define EQL_MAX_ARITH_TERMS 256

static struct node *nested(struct ep *p, level_fn fn)
{
	if (p->depth >= EQL_MAX_DEPTH) {
		fail_at(p, p->pos, "expressions nested deeper than %d levels", EQL_MAX_DEPTH);
		return NULL;
	}
	p->depth++;
	struct node *n = fn(p);
	p->depth--;
	return n;
}

static struct node *number_literal(struct ep *p)
{
	size_t start = p->pos;
	char *end;
	double v = strtod(p->s + p->pos, &end);
	size_t used = (size_t)(end - (p->s + p->pos));
	if (!used || !isfinite(v)) {
		fail_at(p, start, "invalid number");
		return NULL;
	}
	p->pos += used;
	if (p->pos < p->len && ident_char(p->s[p->pos])) {
		fail_at(p, start, "invalid number");
		return NULL;
	}
	struct node *n = new_node(N_NUM);
	n->num = v;
	n->negate =
	    memchr(p->s + start, '.', used) || memchr(p->s + start, 'e', used) || memchr(p->s + start, 'E', used);
	return n;
}

static struct node *function_call(struct ep *p, const char *name, size_t name_at)
{
	const struct func *f = find_func(name, strlen(name));
	if (!f) {
		fail_at(p, name_at, "unknown function %s (docs/DETECTION.md lists the supported ones)", name);
		return NULL;
	}
	struct node *n = new_node(N_FUNC);
	n->fn = f;
	if (p->pos < p->len && p->s[p->pos] == '~') {
		n->caseless = 1;
		p->pos++;
	}
	expect_char(p, '(');
	if (!take_char(p, ')')) {
		do {
			struct node *a = or_expr(p);
			if (!a)
				break;
			add_kid(n, a);
		} while (take_char(p, ','));
		expect_char(p, ')');
	}
	if (!p->failed && (n->nkids < f->min || n->nkids > f->max)) {
		char msg[120];
		snprintf(msg, sizeof(msg), "%s takes %zu%s argument%s", f->name, f->min,
		         f->max == f->min ? ""
		         : f->max > 16    ? " or more"
		                          : " to more",
		         f->min == 1 && f->max == 1 ? "" : "s");
		fail_at(p, name_at, "%s", msg);
	}
	if (p->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* After a name: whether a call follows, `(` or `~(`, spaces and comments allowed before the
 * parenthesis as Elasticsearch's lexer skips them (`startsWith (x, "a")`); the `~` belongs to
 * the name. */
static int is_call(struct ep *p)
{
	size_t was = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '~')
		p->pos++;
	int call = at_char(p, '(');
	p->pos = was;
	return call;
}

static struct node *primary(struct ep *p)
{
	skip_space(p);
	if (p->failed)
		return NULL;
	size_t at = p->pos;
	if (p->pos >= p->len) {
		fail_at(p, at, "the query ends where a value was expected");
		return NULL;
	}
	char c = p->s[p->pos];
	if (c == '(') {
		p->pos++;
		struct node *n = or_expr(p);
		expect_char(p, ')');
		if (p->failed) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	if (isdigit((unsigned char)c) || (c == '.' && p->pos + 1 < p->len && isdigit((unsigned char)p->s[p->pos + 1])))
		return number_literal(p);
	/* EQL's lineage operators (descendant of, child of, event of [...]) are not in
	 * Elasticsearch's EQL: say so rather than "unexpected text" at "of" */
	static const char *const lineage[] = {"descendant", "child", "event"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(lineage[i]), k = p->pos + n;
		if (p->len - p->pos > n && !strncasecmp(p->s + p->pos, lineage[i], n) &&
		    isspace((unsigned char)p->s[k])) {
			while (k < p->len && isspace((unsigned char)p->s[k]))
				k++;
			if (k + 2 <= p->len && !strncasecmp(p->s + k, "of", 2) &&
			    (k + 2 == p->len || isspace((unsigned char)p->s[k + 2]) || p->s[k + 2] == '[')) {
				fail_at(p, at,
				        "%s of [...] is not supported: Elasticsearch's EQL has no lineage operators",
				        lineage[i]);
				return NULL;
			}
		}
	}
	if (c == '"' || c == '\'') {
		size_t len;
		char *text = string_literal(p, &len);
		if (!text)
			return NULL;
		struct node *n = new_node(N_STR);
		n->text = text;
		n->len = len;
		return n;
	}
	if (take_word(p, "true") || take_word(p, "false")) {
		struct node *n = new_node(N_BOOL);
		n->num = p->s[at] == 't';
		return n;
	}
	if (take_word(p, "null"))
		return new_node(N_NULL);
	int optional = 0;
	if (c == '?') {
		optional = 1;
		p->pos++;
	}
	size_t name_at = p->pos;
	char *name = field_name(p);
	if (!name) {
		fail_at(p, at, "expected a field, a value or '('");
		return NULL;
	}
	if (!optional && !strchr(name, '.') && is_reserved(name, strlen(name)) && p->s[name_at] != '`') {
		fail_at(p, name_at, "'%s' is a keyword here; quote a field of that name as `name`", name);
		free(name);
		return NULL;
	}
	if (!optional && is_call(p)) {
		struct node *n = function_call(p, name, name_at);
		free(name);
		return n;
	}
	struct node *n = new_node(N_FIELD);
	n->text = name;
	n->len = strlen(name);
	n->optional = optional;
	return n;
}

static struct node *unary(struct ep *p)
{
	if (take_char(p, '-')) {
		struct node *v = nested(p, unary);
		if (!v)
			return NULL;
		if (v->kind == N_NUM) {
			v->num = -v->num;
			return v;
		}
		struct node *zero = new_node(N_NUM);
		return binary(N_ARITH, '-', zero, v);
	}
	take_char(p, '+');
	return primary(p);
}

/* One left-associative level of arithmetic: operand (op operand)*, op one of ops. */
static struct node *arith_level(struct ep *p, level_fn operand, const char *ops)
{
	struct node *l = operand(p);
	size_t terms = 1;
	while (l && !p->failed) {
		skip_space(p);
		char c = p->pos < p->len ? p->s[p->pos] : 0;
		if (!c || !strchr(ops, c))
			break;
		/* left-associative, so not balanced like and/or: its length is its depth */
		if (++terms > EQL_MAX_ARITH_TERMS) {
			fail_at(p, p->pos, "an arithmetic chain of more than %d terms", EQL_MAX_ARITH_TERMS);
			node_free(l);
			return NULL;
		}
		p->pos++;
		struct node *r = operand(p);
		if (!r) {
			node_free(l);
			return NULL;
		}
		l = binary(N_ARITH, c, l, r);
	}
	return l;
}

static struct node *term(struct ep *p)
{
	return arith_level(p, unary, "*/%");
}

static struct node *arith(struct ep *p)
{
	return arith_level(p, term, "+-");
}

static void wildcard_pattern(const char *s, size_t len, struct wpat *w)
{
	wpat_init(w);
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '*') {
			wpat_add_piece(w, s + start, i - start);
			start = i + 1;
		}
	}
}

/* A like pattern through the lowercase normalizer (LowerCaseFilter), piece by piece as
 * normalizeWildcardPattern normalizes the text between wildcards (StringFieldType; a code point's
 * lower case does not depend on its neighbours): in *lower, or lower->n == 0 when the pattern is
 * all ASCII (ASCII's folding is then the normalizer's). */
static void lower_pattern(const struct wpat *w, struct wpat *lower)
{
	size_t i;
	memset(lower, 0, sizeof(*lower));
	for (i = 0; i < w->n && casemap_is_ascii(w->piece[i], w->len[i]); i++)
		;
	if (i == w->n)
		return;
	wpat_init(lower);
	for (i = 0; i < w->n; i++) {
		char *low = casemap_lower(w->piece[i], w->len[i]);
		wpat_add_piece(lower, low, strlen(low));
		free(low);
	}
}

/* The string constants after ':', like or regex: one, or a parenthesised list. */
static struct node *pattern_list(struct ep *p, struct node *left, int is_regex, int caseless)
{
	struct node *n = new_node(N_MATCH);
	add_kid(n, left);
	n->is_regex = is_regex;
	n->caseless = caseless;
	int list = take_char(p, '(');
	do {
		skip_space(p);
		size_t at = p->pos, len;
		char *text = string_literal(p, &len);
		if (!text) {
			fail_at(p, at, "expected a string pattern");
			break;
		}
		if (memchr(text, '\0', len)) {
			fail_at(p, at, "a pattern may not contain NUL");
			free(text);
			break;
		}
		if (is_regex) {
			n->res = xrealloc(n->res, (n->npats + 1) * sizeof(*n->res));
			const char *why;
			if (!(n->res[n->npats] = lucene_regex_compile(text, len, caseless, &why))) {
				fail_at(p, at, "%s", why);
				free(text);
				break;
			}
			n->res_text = xrealloc(n->res_text, (n->npats + 1) * sizeof(*n->res_text));
			n->res_lower = xrealloc(n->res_lower, (n->npats + 1) * sizeof(*n->res_lower));
			n->res_lower_bad = xrealloc(n->res_lower_bad, (n->npats + 1) * sizeof(*n->res_lower_bad));
			n->res_text[n->npats] = text, text = NULL;
			n->res_lower[n->npats] = NULL, n->res_lower_bad[n->npats] = 0;
		} else {
			n->pats = xrealloc(n->pats, (n->npats + 1) * sizeof(*n->pats));
			n->lower_pats = xrealloc(n->lower_pats, (n->npats + 1) * sizeof(*n->lower_pats));
			wildcard_pattern(text, len, &n->pats[n->npats]);
			lower_pattern(&n->pats[n->npats], &n->lower_pats[n->npats]);
		}
		n->npats++;
		free(text);
	} while (list && take_char(p, ','));
	if (list)
		expect_char(p, ')');
	if (p->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct node *in_list(struct ep *p, struct node *left, int caseless, int negate)
{
	struct node *n = new_node(N_IN);
	add_kid(n, left);
	n->caseless = caseless;
	n->negate = negate;
	expect_char(p, '(');
	if (!p->failed) {
		do {
			struct node *v = arith(p);
			if (!v)
				break;
			add_kid(n, v);
		} while (take_char(p, ','));
		expect_char(p, ')');
	}
	if (p->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* A keyword with an optional '~' right after it: "like~". */
static int take_keyword_tilde(struct ep *p, const char *w, int *tilde)
{
	skip_space(p);
	size_t n = strlen(w);
	if (p->pos + n > p->len || memcmp(p->s + p->pos, w, n))
		return 0;
	char next = p->pos + n < p->len ? p->s[p->pos + n] : 0;
	if (ident_char(next))
		return 0;
	p->pos += n;
	*tilde = next == '~';
	if (*tilde)
		p->pos++;
	return 1;
}

static struct node *predicate(struct ep *p)
{
	struct node *l = arith(p);
	if (!l || p->failed)
		return l;
	static const struct {
		const char *op;
		int cmp;
	} cmps[] = {{"==", CMP_EQ}, {"!=", CMP_NE}, {"<=", CMP_LE}, {">=", CMP_GE}, {"<", CMP_LT}, {">", CMP_GT}};
	for (size_t i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++)
		if (take_op(p, cmps[i].op)) {
			struct node *r = arith(p);
			if (!r) {
				node_free(l);
				return NULL;
			}
			return binary(N_CMP, cmps[i].cmp, l, r);
		}
	skip_space(p);
	if (p->pos < p->len && p->s[p->pos] == '=') {
		fail_at(p, p->pos, "use == to compare (= is not an operator)");
		node_free(l);
		return NULL;
	}
	if (take_op(p, ":"))
		return pattern_list(p, l, 0, 1);
	int tilde;
	if (take_keyword_tilde(p, "like", &tilde))
		return pattern_list(p, l, 0, tilde);
	if (take_keyword_tilde(p, "regex", &tilde))
		return pattern_list(p, l, 1, tilde);
	if (take_keyword_tilde(p, "in", &tilde))
		return in_list(p, l, tilde, 0);
	size_t save = p->pos;
	if (take_word(p, "not")) {
		if (take_keyword_tilde(p, "in", &tilde))
			return in_list(p, l, tilde, 1);
		p->pos = save;
	}
	return l;
}

static struct node *not_expr(struct ep *p)
{
	if (take_word(p, "not")) {
		struct node *inner = nested(p, not_expr);
		if (!inner)
			return NULL;
		struct node *n = new_node(N_NOT);
		add_kid(n, inner);
		return n;
	}
	return predicate(p);
}

/* items[lo..hi) joined by kind into a balanced tree: and/or are associative, and a chain of
 * n terms as a left-deep tree was n frames deep in every recursive walk (a 20,000-term or
 * overflowed the stack); balanced, it is log2(n). Evaluation order stays left to right. */
static struct node *balanced(struct node **items, size_t lo, size_t hi, enum node_kind kind)
{
	if (hi - lo == 1)
		return items[lo];
	size_t mid = lo + (hi - lo) / 2;
	return binary(kind, 0, balanced(items, lo, mid, kind), balanced(items, mid, hi, kind));
}

/* One level of and/or: operand (word operand)*. */
static struct node *logic_level(struct ep *p, level_fn operand, const char *word, enum node_kind kind)
{
	struct node *first = operand(p);
	if (!first)
		return NULL;
	struct node **items = xmalloc(sizeof(*items));
	size_t n = 1, cap = 1;
	items[0] = first;
	while (!p->failed && take_word(p, word)) {
		struct node *r = operand(p);
		if (!r)
			break;
		if (n == cap)
			items = xrealloc(items, (cap *= 2) * sizeof(*items));
		items[n++] = r;
	}
	struct node *l = NULL;
	if (p->failed) {
		for (size_t i = 0; i < n; i++)
			node_free(items[i]);
	} else {
		l = balanced(items, 0, n, kind);
	}
	free(items);
	return l;
}

static struct node *and_expr(struct ep *p)
{
	return logic_level(p, not_expr, "and", N_AND);
}

static struct node *or_level(struct ep *p)
{
	return logic_level(p, and_expr, "or", N_OR);
}

static struct node *or_expr(struct ep *p)
{
	return nested(p, or_level);
}

/* category where condition */
static int event_filter(struct ep *p, struct stage *st)
{
	skip_space(p);
	size_t at = p->pos;
	if (take_word(p, "any")) {
		st->category = NULL;
	} else if (at < p->len && p->s[at] == '"') {
		size_t len;
		st->category = string_literal(p, &len);
	} else {
		st->category = field_name(p);
		if (!st->category || strchr(st->category, '.')) {
			free(st->category);
			st->category = NULL;
			fail_at(p, at, "expected an event category (file, process, ... or any) before 'where'");
			return -1;
		}
	}
	if (p->failed)
		return -1;
	if (!take_word(p, "where")) {
		fail_at(p, p->pos, "expected 'where' after the event category");
		return -1;
	}
	st->cond = or_expr(p);
	return st->cond ? 0 : -1;
}

static int join_keys(struct ep *p, struct key_field **keys, size_t *n)
{
	do {
		skip_space(p);
		int optional = take_char(p, '?');
		size_t at = p->pos;
		char *name = field_name(p);
		if (!name) {
			fail_at(p, at, "expected a field name after 'by'");
			return -1;
		}
		*keys = xrealloc(*keys, (*n + 1) * sizeof(**keys));
		memset(&(*keys)[*n], 0, sizeof(**keys));
		(*keys)[*n].path = name;
		(*keys)[*n].optional = optional;
		(*n)++;
	} while (take_char(p, ','));
	return p->failed ? -1 : 0;
}

static int duration(struct ep *p, int64_t *us)
{
	skip_space(p);
	size_t at = p->pos;
	char buf[32];
	size_t n = 0;
	while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos]) && n < 20)
		buf[n++] = p->s[p->pos++];
	skip_space(p);
	while (p->pos < p->len && isalpha((unsigned char)p->s[p->pos]) && n < 30)
		buf[n++] = p->s[p->pos++];
	buf[n] = '\0';
	size_t digits = strspn(buf, "0123456789");
	if (!digits || digits == n || time_parse_duration(buf, us) || *us <= 0) {
		fail_at(p, at, "expected a duration such as 30s, 5m, 1h or 2d");
		return -1;
	}
	return 0;
}

/* [category where condition] [by keys] [with runs=N] */
static int sequence_stage(struct ep *p, struct eql_query *q, int is_until)
{
	skip_space(p);
	if (q->nstages + q->nmissing >= EQL_MAX_STAGES) {
		fail_at(p, p->pos, "a sequence may have at most %d stages", EQL_MAX_STAGES);
		return -1;
	}
	stages_reserve(q);
	missing_reserve(q);
	if (p->pos < p->len && p->s[p->pos] == '!') {
		/* a missing-event stage: no such event between its neighbours (Elasticsearch 8.x) */
		if (is_until) {
			fail_at(p, p->pos, "an until query cannot be a missing event");
			return -1;
		}
		p->pos++;
		struct stage *m = &q->missing[q->nmissing];
		expect_char(p, '[');
		if (p->failed || event_filter(p, m)) {
			q->nmissing++; /* freed with the query */
			return -1;
		}
		q->missing_at[q->nmissing++] = q->nstages;
		expect_char(p, ']');
		if (!p->failed && take_word(p, "by") && join_keys(p, &m->keys, &m->nkeys))
			return -1;
		return p->failed ? -1 : 0;
	}
	struct stage *st = &q->stages[q->nstages];
	expect_char(p, '[');
	if (p->failed || event_filter(p, st))
		return -1;
	expect_char(p, ']');
	if (!p->failed && take_word(p, "by") && join_keys(p, &st->keys, &st->nkeys))
		return -1;
	long runs = 1;
	size_t with_at = p->pos;
	if (!is_until && take_word(p, "with")) {
		if (!take_word(p, "runs") || !take_char(p, '=')) {
			fail_at(p, with_at, "expected 'with runs=N' after a sequence query");
			return -1;
		}
		skip_space(p);
		char *end;
		runs = strtol(p->s + p->pos, &end, 10);
		if (end == p->s + p->pos || runs < 1 || runs > 100) {
			fail_at(p, p->pos, "runs must be a whole number from 1 to 100");
			return -1;
		}
		p->pos = (size_t)(end - p->s);
	}
	if (p->failed)
		return -1;
	size_t original = q->nstages++;
	for (long r = 1; r < runs; r++) {
		if (q->nstages + q->nmissing >= EQL_MAX_STAGES) {
			fail_at(p, with_at, "a sequence may have at most %d stages (runs included)", EQL_MAX_STAGES);
			return -1;
		}
		stages_reserve(q);
		st = &q->stages[original]; /* the array may have moved */
		struct stage *copy = &q->stages[q->nstages++];
		*copy = *st;
		copy->shared = 1;
		copy->keys = xmalloc((st->nkeys ? st->nkeys : 1) * sizeof(*copy->keys));
		for (size_t k = 0; k < st->nkeys; k++) {
			memset(&copy->keys[k], 0, sizeof(copy->keys[k]));
			copy->keys[k].path = xstrdup(st->keys[k].path);
			copy->keys[k].optional = st->keys[k].optional;
		}
	}
	return 0;
}

static int sequence(struct ep *p, struct eql_query *q)
{
	q->sequence = 1;
	for (int i = 0; i < 2; i++) {
		if (!q->keys && take_word(p, "by")) {
			if (join_keys(p, &q->keys, &q->nkeys))
				return -1;
		} else if (!q->maxspan_us && at_word(p, "with")) {
			size_t at = p->pos;
			take_word(p, "with");
			if (!take_word(p, "maxspan") || !take_char(p, '=')) {
				fail_at(p, at, "expected 'with maxspan=DURATION'");
				return -1;
			}
			if (duration(p, &q->maxspan_us))
				return -1;
		}
	}
	while (at_char(p, '[') || at_char(p, '!'))
		if (sequence_stage(p, q, 0))
			return -1;
	/* Elasticsearch: two queries or more, missing events counted, one of them positive; a
	 * missing event needs maxspan (its reach before the first or after the last stage) */
	if (q->nstages + q->nmissing < 2) {
		fail_at(p, p->pos, "a sequence needs at least two queries in [brackets] (or one with runs=2 or more)");
		return -1;
	}
	if (!q->nstages) {
		fail_at(p, p->pos, "a sequence needs at least one query that is not a missing event ![...]");
		return -1;
	}
	if (take_word(p, "until")) {
		size_t n = q->nstages;
		if (sequence_stage(p, q, 1))
			return -1;
		q->nstages = n;
		q->has_until = 1;
	}
	size_t total = q->nstages + (q->has_until ? 1 : 0);
	for (size_t i = 1; i < total; i++)
		if (q->stages[i].nkeys != q->stages[0].nkeys) {
			fail_at(p, 0, "every query of a sequence needs the same number of 'by' fields");
			return -1;
		}
	for (size_t i = 0; i < q->nmissing; i++)
		if (q->missing[i].nkeys != q->stages[0].nkeys) {
			fail_at(p, 0, "every query of a sequence needs the same number of 'by' fields");
			return -1;
		}
	if (q->nmissing && !q->maxspan_us) {
		fail_at(p, 0, "a sequence with missing events ![...] needs 'with maxspan=DURATION'");
		return -1;
	}
	return 0;
}

/* sample [by keys] [filter] [by keys] ...: two to five filters (Elasticsearch's bounds), each
 * a [category where condition] with its own join keys; no maxspan, runs, until or missing
 * events, which Elasticsearch refuses in a sample too. */
static int sample(struct ep *p, struct eql_query *q)
{
	q->sequence = q->sample = 1;
	if (take_word(p, "by") && join_keys(p, &q->keys, &q->nkeys))
		return -1;
	while (at_char(p, '[')) {
		if (q->nstages == EQL_MAX_SAMPLE_FILTERS) {
			fail_at(p, p->pos, "a sample may have at most %d queries in [brackets]",
			        EQL_MAX_SAMPLE_FILTERS);
			return -1;
		}
		stages_reserve(q);
		struct stage *st = &q->stages[q->nstages];
		expect_char(p, '[');
		if (p->failed || event_filter(p, st))
			return -1;
		expect_char(p, ']');
		q->nstages++;
		if (!p->failed && take_word(p, "by") && join_keys(p, &st->keys, &st->nkeys))
			return -1;
		if (p->failed)
			return -1;
	}
	if (at_word(p, "with") || at_word(p, "until") || at_char(p, '!')) {
		fail_at(p, p->pos, "a sample takes no maxspan, runs, until or missing events");
		return -1;
	}
	if (q->nstages < 2) {
		fail_at(p, p->pos, "a sample needs at least two queries in [brackets]");
		return -1;
	}
	for (size_t i = 1; i < q->nstages; i++)
		if (q->stages[i].nkeys != q->stages[0].nkeys) {
			fail_at(p, 0, "every query of a sample needs the same number of 'by' fields");
			return -1;
		}
	if (!q->nkeys && !q->stages[0].nkeys) {
		fail_at(p, 0, "a sample needs join keys: sample by FIELD, or [...] by FIELD");
		return -1;
	}
	return 0;
}

struct eql_query *eql_parse(const char *text, struct kql_error *err)
{
	struct ep p = {.s = text, .len = strlen(text), .err = err};
	memset(err, 0, sizeof(*err));
	err->language = "EQL";
	struct eql_query *q = xmalloc(sizeof(*q));
	memset(q, 0, sizeof(*q));
	stages_reserve(q);
	skip_space(&p);
	size_t at = p.pos;
	if (take_word(&p, "sample"))
		sample(&p, q);
	else if (take_word(&p, "join"))
		fail_at(&p, at, "join is not supported: Elasticsearch's EQL has no join (sequences are its way)");
	else if (take_word(&p, "sequence"))
		sequence(&p, q);
	else if (!event_filter(&p, &q->stages[0]))
		q->nstages = 1;
	if (!p.failed) {
		skip_space(&p);
		if (p.pos < p.len && p.s[p.pos] == '|')
			fail_at(&p, p.pos, "pipes (| head, | tail, ...) are not supported in detection rules");
		else if (p.pos < p.len)
			fail_at(&p, p.pos, "unexpected text after the query");
	}
	if (p.failed) {
		if (!q->nstages && q->stages[0].cond == NULL) {
			free(q->stages[0].category);
			q->stages[0].category = NULL;
		}
		q->nstages += q->stages[q->nstages].cond || q->stages[q->nstages].category ? 1 : 0;
		eql_free(q);
		return NULL;
	}
	return q;
}

/* ---- values ---- */

enum vkind { V_NULL, V_BOOL, V_NUM, V_STR };

struct eql_val {
	enum vkind k;
	double n; /* V_NUM; V_BOOL: 0 or 1 */
	int real; /* V_NUM written with a fraction or exponent (7.0): divides as a double */
	const char *s;
	size_t len;
	char *own; /* s when the value owns it */
};

static void val_release(struct eql_val *v)
{
	free(v->own);
	v->own = NULL;
}

static void val_str_owned(struct eql_val *v, char *s, size_t len)
{
	v->k = V_STR;
	v->s = v->own = s;
	v->len = len;
}

static void val_from_json(const cJSON *j, struct eql_val *v)
{
	memset(v, 0, sizeof(*v));
	if (cJSON_IsString(j)) {
		v->k = V_STR;
		v->s = j->valuestring;
		v->len = strlen(j->valuestring);
	} else if (cJSON_IsNumber(j)) {
		v->k = V_NUM;
		v->n = j->valuedouble;
	} else if (cJSON_IsBool(j)) {
		v->k = V_BOOL;
		v->n = cJSON_IsTrue(j);
	}
}

/* A value as text: strings as they are, numbers without a needless fraction. */
static const char *val_text(const struct eql_val *v, char buf[64], size_t *len)
{
	switch (v->k) {
	case V_STR: *len = v->len; return v->s;
	case V_NUM:
		if (v->n == floor(v->n) && fabs(v->n) < 1e15)
			snprintf(buf, 64, "%lld", (long long)v->n);
		else
			snprintf(buf, 64, "%.17g", v->n);
		break;
	case V_BOOL: snprintf(buf, 64, "%s", v->n ? "true" : "false"); break;
	case V_NULL: return NULL;
	}
	*len = strlen(buf);
	return buf;
}

static int text_number(const char *s, size_t len, double *out)
{
	if (!len || len > 60)
		return 0;
	char buf[64];
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	*out = strtod(buf, &end);
	return *end == '\0' && !isspace((unsigned char)buf[0]) && isfinite(*out);
}

static int val_number(const struct eql_val *v, double *out)
{
	if (v->k == V_NUM) {
		*out = v->n;
		return 1;
	}
	return v->k == V_STR && text_number(v->s, v->len, out);
}

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen, int caseless)
{
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		int x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (caseless)
			x = tolower(x), y = tolower(y);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (alen > blen) - (alen < blen);
}

static int cmp_holds(int cmp, int op)
{
	switch (op) {
	case CMP_EQ: return cmp == 0;
	case CMP_NE: return cmp != 0;
	case CMP_LT: return cmp < 0;
	case CMP_LE: return cmp <= 0;
	case CMP_GT: return cmp > 0;
	case CMP_GE: return cmp >= 0;
	}
	return 0;
}

/* compare's caseless: EQL's own case-insensitive forms (':', '~') fold ASCII; a keyword's
 * lowercase normalizer maps both sides through LowerCaseFilter (Elasticsearch normalizes a term,
 * terms and range query's text: KeywordFieldType.indexedValueForSearch). */
enum { CASE_EXACT, CASE_ASCII, CASE_NORMALIZED };

/* Compares two values: 1 when the comparison holds. null equals only null and orders
 * against nothing; a number and a string compare as numbers when the string is one. */
static int compare(const struct eql_val *a, const struct eql_val *b, int op, int caseless)
{
	int cmp;
	double x, y;
	if (a->k == V_NULL || b->k == V_NULL) {
		int both = a->k == V_NULL && b->k == V_NULL;
		return op == CMP_EQ ? both : op == CMP_NE ? !both : 0;
	}
	if (a->k == V_STR && b->k == V_STR) {
		cmp = caseless == CASE_NORMALIZED ? casemap_lower_cmp(a->s, a->len, b->s, b->len)
		                                  : bytes_cmp(a->s, a->len, b->s, b->len, caseless);
	} else if ((a->k == V_NUM || b->k == V_NUM) && val_number(a, &x) && val_number(b, &y)) {
		cmp = (x > y) - (x < y);
	} else if (a->k == V_BOOL || b->k == V_BOOL) {
		char ba[64], bb[64];
		size_t la, lb;
		const char *ta = val_text(a, ba, &la), *tb = val_text(b, bb, &lb);
		cmp = bytes_cmp(ta, la, tb, lb, 0);
		if (op != CMP_EQ && op != CMP_NE)
			return 0;
	} else {
		return op == CMP_NE;
	}
	return cmp_holds(cmp, op);
}

static void eval(const struct node *n, const cJSON *ev, struct eql_val *out);
static int test(const struct node *n, const cJSON *ev);
static int ordering_is_null(const struct node *n, const cJSON *ev);

/* Reads a field's values; "x.caseless" is Elastic's lower-cased copy of keyword x. */
typedef int (*value_fn)(void *ctx, const struct eql_val *v);

struct each_ctx {
	value_fn fn;
	void *ctx;
	int seen;
	struct numeric_type num; /* the field's imported numeric type, or NUMERIC_NONE */
};

static int each_json(void *c, const cJSON *j)
{
	struct each_ctx *e = c;
	if (cJSON_IsObject(j))
		return 0;
	struct eql_val v;
	if (e->num.kind != NUMERIC_NONE) {
		/* a number field: what Elasticsearch indexed (a long's 3.7 is 3, a float's 1.1 is
		 * 1.100000023841858), which its term and range queries meet (a long's with the query's
		 * decimal as it is, a float's at the float's precision: cmp_right); a value the type
		 * refuses is none */
		double d;
		if (numeric_stored_json(e->num, j, &d))
			return 0;
		memset(&v, 0, sizeof(v));
		v.k = V_NUM;
		v.n = d;
	} else {
		val_from_json(j, &v);
	}
	e->seen = 1;
	return e->fn(e->ctx, &v);
}

/* Calls fn for each value of n: every value of a field (null once when it has none), or
 * the one value of any other expression. Returns what fn returned non-zero, else 0. */
static int each_value(const struct node *n, const cJSON *ev, value_fn fn, void *ctx)
{
	if (n->kind == N_FIELD) {
		struct each_ctx e = {.fn = fn, .ctx = ctx};
		field_type_cached(n->text, n->len, (struct field_type_cache *)&n->ftype);
		e.num = n->ftype.num;
		int rc = field_each_indexed(ev, n->text, n->len, &n->ftype, each_json, &e);
		if (rc || e.seen)
			return rc;
		struct eql_val null = {.k = V_NULL};
		return fn(ctx, &null);
	}
	struct eql_val v;
	eval(n, ev, &v);
	int rc = fn(ctx, &v);
	val_release(&v);
	return rc;
}

struct first_ctx {
	struct eql_val v;
};

static int take_first(void *c, const struct eql_val *v)
{
	struct first_ctx *f = c;
	f->v = *v;
	if (v->k == V_STR) /* a copy: a derived value (file.path.caseless) lives only during the call */
		val_str_owned(&f->v, xstrndup(v->s, v->len), v->len);
	return 1;
}

/* ---- functions ---- */

static int args_text(struct eql_val *args, size_t n, const char **t, size_t *len, char (*bufs)[64])
{
	for (size_t i = 0; i < n; i++)
		if (!(t[i] = val_text(&args[i], bufs[i], &len[i])))
			return 0;
	return 1;
}

static void set_bool(struct eql_val *out, int b)
{
	out->k = V_BOOL;
	out->n = b;
}

static void set_num(struct eql_val *out, double n)
{
	out->k = V_NUM;
	out->n = n;
}

static long find_sub(const char *s, size_t slen, const char *sub, size_t sublen, size_t from, int caseless)
{
	for (size_t i = from; i + sublen <= slen; i++)
		if (!bytes_cmp(s + i, sublen, sub, sublen, caseless))
			return (long)i;
	return -1;
}

static void fn_arith(struct eql_val *a, size_t n, int op, struct eql_val *out)
{
	double x, y;
	(void)n;
	if (!val_number(&a[0], &x) || !val_number(&a[1], &y))
		return;
	int ints = !a[0].real && !a[1].real && x == floor(x) && y == floor(y) && fabs(x) < 9e15 && fabs(y) < 9e15;
	switch (op) {
	case '+': set_num(out, x + y); break;
	case '-': set_num(out, x - y); break;
	case '*': set_num(out, x * y); break;
	case '/':
		if (y != 0)
			set_num(out, ints ? (double)((long long)x / (long long)y) : x / y);
		break;
	case '%':
		if (y != 0)
			set_num(out, ints ? (double)((long long)x % (long long)y) : fmod(x, y));
		break;
	}
}

/* add, subtract, multiply, divide, modulo: the operators under their function names */
#define MATH_FUNCTION(name, op)                                                                                        \
	static void name(struct eql_val *a, size_t n, int caseless, struct eql_val *out)                               \
	{                                                                                                              \
		(void)caseless;                                                                                        \
		fn_arith(a, n, op, out);                                                                               \
	}
MATH_FUNCTION(fn_add, '+')
MATH_FUNCTION(fn_subtract, '-')
MATH_FUNCTION(fn_multiply, '*')
MATH_FUNCTION(fn_divide, '/')
MATH_FUNCTION(fn_modulo, '%')

/* startsWith(s, prefix, ...) and endsWith: true when any of the others is its prefix (suffix),
 * among the first AFFIX_MAX_ARGS arguments. */
#define AFFIX_MAX_ARGS 32
static void affix(struct eql_val *a, size_t n, int caseless, struct eql_val *out, int at_end)
{
	char bufs[AFFIX_MAX_ARGS][64];
	if (n > AFFIX_MAX_ARGS)
		n = AFFIX_MAX_ARGS;
	const char *t[AFFIX_MAX_ARGS];
	size_t len[AFFIX_MAX_ARGS];
	if (!args_text(a, n, t, len, bufs))
		return;
	for (size_t i = 1; i < n; i++) {
		if (len[i] > len[0])
			continue;
		const char *s = at_end ? t[0] + len[0] - len[i] : t[0];
		if (!bytes_cmp(s, len[i], t[i], len[i], caseless)) {
			set_bool(out, 1);
			return;
		}
	}
	set_bool(out, 0);
}

static void fn_starts(struct eql_val *a, size_t n, int c, struct eql_val *o)
{
	affix(a, n, c, o, 0);
}
static void fn_ends(struct eql_val *a, size_t n, int c, struct eql_val *o)
{
	affix(a, n, c, o, 1);
}

static void fn_contains(struct eql_val *a, size_t n, int caseless, struct eql_val *out)
{
	char bufs[2][64];
	const char *t[2];
	size_t len[2];
	if (n == 2 && args_text(a, 2, t, len, bufs))
		set_bool(out, find_sub(t[0], len[0], t[1], len[1], 0, caseless) >= 0);
}

/* A position from a number: clamped, NaN as 0 (converting an out-of-range double to an
 * integer is undefined; found by fuzz_eql). */
static long position(double d)
{
	if (!(d == d))
		return 0;
	if (d > 1e15)
		return (long)1e15;
	if (d < -1e15)
		return (long)-1e15;
	return (long)d;
}

static void fn_index_of(struct eql_val *a, size_t n, int caseless, struct eql_val *out)
{
	char bufs[2][64];
	const char *t[2];
	size_t len[2];
	double start = 0;
	if (!args_text(a, 2, t, len, bufs) || (n == 3 && !val_number(&a[2], &start)))
		return;
	long from = position(start);
	if (from < 0)
		from = 0;
	if (from > (long)len[0])
		return;
	long at = find_sub(t[0], len[0], t[1], len[1], (size_t)from, caseless);
	if (at >= 0)
		set_num(out, (double)at);
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

static void fn_length(struct eql_val *a, size_t n, int c, struct eql_val *out)
{
	(void)n, (void)c;
	if (a[0].k == V_STR)
		set_num(out, (double)utf8_chars(a[0].s, a[0].len));
}

static void fn_concat(struct eql_val *a, size_t n, int c, struct eql_val *out)
{
	(void)c;
	struct strbuf sb;
	strbuf_init(&sb, 64);
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		size_t len;
		const char *t = val_text(&a[i], buf, &len);
		if (!t) {
			strbuf_release(&sb);
			return; /* a null argument makes the result null */
		}
		strbuf_add(&sb, t, len);
	}
	size_t len;
	char *s = strbuf_detach(&sb, &len);
	val_str_owned(out, s, len);
}

static void fn_string(struct eql_val *a, size_t n, int c, struct eql_val *out)
{
	(void)n, (void)c;
	char buf[64];
	size_t len;
	const char *t = val_text(&a[0], buf, &len);
	if (t)
		val_str_owned(out, xstrndup(t, len), len);
}

static void fn_number(struct eql_val *a, size_t n, int c, struct eql_val *out)
{
	(void)c;
	double base = 10, v;
	if (a[0].k == V_NUM) {
		set_num(out, a[0].n);
		return;
	}
	/* a null base is base 10, as Elasticsearch's number(s, null) */
	if (a[0].k != V_STR || (n == 2 && a[1].k != V_NULL && !val_number(&a[1], &base)))
		return;
	if (base == 10) {
		if (text_number(a[0].s, a[0].len, &v))
			set_num(out, v);
		return;
	}
	if (base < 2 || base > 36 || base != floor(base) || a[0].len == 0 || a[0].len > 60)
		return;
	char buf[64];
	memcpy(buf, a[0].s, a[0].len);
	buf[a[0].len] = '\0';
	char *end;
	long long x = strtoll(buf, &end, (int)base);
	if (*end == '\0' && !isspace((unsigned char)buf[0]))
		set_num(out, (double)x);
}

/* substring(s, start[, end]), with Python's negative indices, in characters. */
static void fn_substring(struct eql_val *a, size_t n, int c, struct eql_val *out)
{
	(void)c;
	double start, end;
	if (a[0].k != V_STR || !val_number(&a[1], &start) || (n == 3 && !val_number(&a[2], &end)))
		return;
	long chars = (long)utf8_chars(a[0].s, a[0].len);
	long s = position(start), e = n == 3 ? position(end) : chars;
	if (s < 0)
		s = s + chars < 0 ? 0 : s + chars;
	if (e < 0)
		e = e + chars < 0 ? 0 : e + chars;
	if (s > chars)
		s = chars;
	if (e > chars)
		e = chars;
	size_t from = 0, to = 0;
	long ch = -1;
	for (size_t i = 0; i <= a[0].len; i++) {
		if (i == a[0].len || ((unsigned char)a[0].s[i] & 0xC0) != 0x80) {
			ch++;
			if (ch == s)
				from = i;
			if (ch == e)
				to = i;
		}
	}
	if (e <= s)
		to = from;
	val_str_owned(out, xstrndup(a[0].s + from, to - from), to - from);
}

/* between(s, left, right[, greedy]): the text between left and right. */
static void fn_between(struct eql_val *a, size_t n, int caseless, struct eql_val *out)
{
	char bufs[3][64];
	const char *t[3];
	size_t len[3];
	if (!args_text(a, 3, t, len, bufs))
		return;
	int greedy = n == 4 && a[3].k == V_BOOL && a[3].n;
	long l = find_sub(t[0], len[0], t[1], len[1], 0, caseless);
	if (l < 0) {
		val_str_owned(out, xstrdup(""), 0);
		return;
	}
	size_t from = (size_t)l + len[1];
	long r = -1;
	for (long at = find_sub(t[0], len[0], t[2], len[2], from, caseless); at >= 0;
	     at = find_sub(t[0], len[0], t[2], len[2], (size_t)at + 1, caseless)) {
		r = at;
		if (!greedy)
			break;
	}
	if (r < 0) {
		val_str_owned(out, xstrdup(""), 0);
		return;
	}
	val_str_owned(out, xstrndup(t[0] + from, (size_t)r - from), (size_t)r - from);
}

static void fn_wildcard(struct eql_val *a, size_t n, int caseless, struct eql_val *out)
{
	if (a[0].k != V_STR)
		return;
	int hit = 0;
	for (size_t i = 1; i < n && !hit; i++) {
		if (a[i].k != V_STR)
			continue;
		struct wpat w;
		wildcard_pattern(a[i].s, a[i].len, &w);
		hit = wildcard_match(&w, a[0].s, a[0].len, WILDCARD_QMARK | (caseless ? WILDCARD_CASELESS : 0));
		wpat_release(&w);
	}
	set_bool(out, hit);
}

/* An address (IPv4 or IPv6) as 16 bytes, IPv4 mapped into ::ffff:0:0/96. */
static void fn_cidr(struct eql_val *a, size_t n, int c, struct eql_val *out)
{
	(void)c;
	unsigned char ip[16];
	if (a[0].k != V_STR)
		return;
	if (field_ip_parse(a[0].s, a[0].len, ip)) {
		set_bool(out, 0);
		return;
	}
	for (size_t i = 1; i < n; i++)
		if (a[i].k == V_STR && field_ip_in_cidr(ip, a[i].s, a[i].len) == 1) {
			set_bool(out, 1);
			return;
		}
	set_bool(out, 0);
}

#define MANY 64
static const struct func funcs[] = {
    {"add", 2, 2, fn_add},           {"between", 3, 4, fn_between},         {"cidrMatch", 2, MANY, fn_cidr},
    {"concat", 1, MANY, fn_concat},  {"divide", 2, 2, fn_divide},           {"endsWith", 2, MANY, fn_ends},
    {"indexOf", 2, 3, fn_index_of},  {"length", 1, 1, fn_length},           {"modulo", 2, 2, fn_modulo},
    {"multiply", 2, 2, fn_multiply}, {"number", 1, 2, fn_number},           {"startsWith", 2, MANY, fn_starts},
    {"string", 1, 1, fn_string},     {"stringContains", 2, 2, fn_contains}, {"substring", 2, 3, fn_substring},
    {"subtract", 2, 2, fn_subtract}, {"wildcard", 2, MANY, fn_wildcard},
};

static const struct func *find_func(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (strlen(funcs[i].name) == len && !strncasecmp(funcs[i].name, name, len))
			return &funcs[i];
	return NULL;
}

/* Calls n's function; first, when not NULL, stands for its first argument. */
static void call_with(const struct node *n, const cJSON *ev, const struct eql_val *first, struct eql_val *out)
{
	struct eql_val args[MANY];
	size_t na = n->nkids < MANY ? n->nkids : MANY;
	for (size_t i = 0; i < na; i++) {
		if (i == 0 && first) {
			args[0] = *first;
			args[0].own = NULL;
		} else {
			eval(n->kids[i], ev, &args[i]);
		}
	}
	n->fn->impl(args, na, n->caseless, out);
	for (size_t i = 0; i < na; i++)
		val_release(&args[i]);
}

static void call(const struct node *n, const cJSON *ev, struct eql_val *out)
{
	call_with(n, ev, NULL, out);
}

/* A condition such as startsWith(process.args, "-") holds when it holds for any value of
 * the field, as the Elasticsearch query it becomes (prefix, wildcard, term) does. */
static int call_any_value(void *c, const struct eql_val *v)
{
	const struct pair_ctx_fn {
		const struct node *n;
		const cJSON *ev;
	} *p = c;
	struct eql_val out = {.k = V_NULL};
	call_with(p->n, p->ev, v, &out);
	int truth = out.k == V_BOOL && out.n != 0;
	val_release(&out);
	return truth;
}

/* ---- evaluation ---- */

/* The value of an expression. A field gives its first value (null when it has none). */
static void eval(const struct node *n, const cJSON *ev, struct eql_val *out)
{
	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case N_FIELD: {
		struct first_ctx f = {.v = {.k = V_NULL}};
		each_value(n, ev, take_first, &f);
		*out = f.v;
		return;
	}
	case N_STR:
		out->k = V_STR;
		out->s = n->text;
		out->len = n->len;
		return;
	case N_NUM:
		set_num(out, n->num);
		out->real = n->negate; /* the literal had a fraction or exponent */
		return;
	case N_BOOL: set_bool(out, n->num != 0); return;
	case N_NULL: return;
	case N_FUNC: call(n, ev, out); return;
	case N_ARITH: {
		struct eql_val ab[2];
		eval(n->kids[0], ev, &ab[0]);
		eval(n->kids[1], ev, &ab[1]);
		fn_arith(ab, 2, n->op, out);
		val_release(&ab[0]);
		val_release(&ab[1]);
		return;
	}
	default:
		if (ordering_is_null(n, ev))
			return; /* null */
		set_bool(out, test(n, ev));
		return;
	}
}

struct pair_ctx {
	const struct node *n;
	const cJSON *ev;
	const struct eql_val *left;
	int date;                /* a side is a date field: both compare as instants */
	struct numeric_type num; /* a side is a float, half_float or scaled_float field: numbers
	                          * compare at its precision */
	int lowercase;           /* a side is a keyword with the lowercase normalizer: Elasticsearch's term,
	                          * terms and range queries normalize the query's text too */
};

static int lowercase_field(const struct node *n)
{
	if (n->kind != N_FIELD)
		return 0;
	field_type_cached(n->text, n->len, (struct field_type_cache *)&n->ftype);
	return n->ftype.lowercase;
}

static int is_date_field(const struct node *n)
{
	/* the cache is the node's own, filled on first use: evaluation is otherwise read-only */
	return n->kind == N_FIELD &&
	       field_type_cached(n->text, n->len, (struct field_type_cache *)&n->ftype) == FT_DATE;
}

/* A value as an instant: a date string, or a number of epoch milliseconds. */
static int val_date(const struct eql_val *v, int64_t *us)
{
	if (v->k == V_STR)
		return field_date_text(v->s, v->len, us) == 0;
	return v->k == V_NUM && field_date_ms(v->n, us) == 0;
}

/* The floating-point type of a field node as the imported mapping gives it, else none (a whole
 * number type is read as such already: each_json). */
static struct numeric_type float_field_type(const struct node *n)
{
	struct numeric_type none = {.kind = NUMERIC_NONE};
	if (n->kind != N_FIELD)
		return none;
	field_type_cached(n->text, n->len, (struct field_type_cache *)&n->ftype);
	return numeric_is_whole(n->ftype.num) ? none : n->ftype.num;
}

/* A number compared with a float field's value as Elasticsearch's term and range queries
 * compare it: converted to the field's type (NumberFieldMapper: 1.1 is 1.100000023841858 on
 * both sides of a float's comparison). Other values as they are. */
static struct eql_val at_precision(struct numeric_type num, const struct eql_val *v)
{
	struct eql_val out = *v;
	double d;
	if (num.kind != NUMERIC_NONE && v->k == V_NUM && !numeric_stored(num, v->n, &d))
		out.n = d;
	return out;
}

static int cmp_right(void *c, const struct eql_val *v)
{
	const struct pair_ctx *p = c;
	int op = p->n->op == CMP_NE ? CMP_EQ : p->n->op;
	int64_t x, y;
	if (p->date && val_date(p->left, &x) && val_date(v, &y))
		return cmp_holds((x > y) - (x < y), op);
	struct eql_val a = at_precision(p->num, p->left), b = at_precision(p->num, v);
	return compare(&a, &b, op, p->lowercase ? CASE_NORMALIZED : CASE_EXACT);
}

static int cmp_left(void *c, const struct eql_val *v)
{
	struct pair_ctx *p = c;
	struct pair_ctx inner = {
	    .n = p->n, .ev = p->ev, .left = v, .date = p->date, .num = p->num, .lowercase = p->lowercase};
	return each_value(p->n->kids[1], p->ev, cmp_right, &inner);
}

static int is_null_side(void *c, const struct eql_val *v)
{
	(void)c;
	return v->k == V_NULL;
}

/* An ordering comparison with a null side (a missing field) is null, not false: Elasticsearch's
 * three-valued logic, so that `null == (exit_code > -1)` holds when exit_code is missing. */
static int ordering_is_null(const struct node *n, const cJSON *ev)
{
	if (n->kind != N_CMP || n->op < CMP_LT)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		struct eql_val v;
		if (n->kids[i]->kind == N_FIELD) {
			if (each_value(n->kids[i], ev, is_null_side, NULL))
				return 1;
			continue;
		}
		eval(n->kids[i], ev, &v);
		int null = v.k == V_NULL;
		val_release(&v);
		if (null)
			return 1;
	}
	return 0;
}

/* The regex of pattern i through the lowercase normalizer, compiled on first use (the node's own
 * cache, as its field type's); NULL when it does not compile so. */
static pcre2_code *lower_regex(const struct node *n, size_t i)
{
	struct node *w = (struct node *)n;
	if (!w->res_lower[i] && !w->res_lower_bad[i]) {
		char *low = casemap_lower(n->res_text[i], strlen(n->res_text[i]));
		const char *why;
		w->res_lower[i] = lucene_regex_compile(low, strlen(low), n->caseless, &why);
		w->res_lower_bad[i] = !w->res_lower[i];
		free(low);
	}
	return w->res_lower[i];
}

/* like and regex. On a keyword with the lowercase normalizer the value comes normalized
 * (field_each_indexed) and so does the pattern: KeywordFieldType.wildcardQuery normalizes "regardless
 * of their case sensitivity option" (normalizeWildcardPattern), and StringFieldType.regexpQuery
 * takes the regex's text through indexedValueForSearch, which is the normalizer (so `[A-Z]` is
 * `[a-z]` there, and `\W` is `\w`). */
static int match_one(void *c, const struct eql_val *v)
{
	const struct pair_ctx *p = c;
	const struct node *n = p->n;
	char buf[64];
	size_t len;
	const char *t = val_text(v, buf, &len);
	if (!t)
		return 0;
	for (size_t i = 0; i < n->npats; i++) {
		if (n->is_regex) {
			pcre2_code *re = p->lowercase ? lower_regex(n, i) : n->res[i];
			int hit = re ? regex_match_whole(re, t, len) : 0;
			if (hit) /* a limit reached: the event is given up (eql_gave_up) */
				return hit == 1;
			continue;
		}
		const struct wpat *w = p->lowercase && n->lower_pats[i].n ? &n->lower_pats[i] : &n->pats[i];
		if (wildcard_match(w, t, len, WILDCARD_QMARK | (n->caseless || p->lowercase ? WILDCARD_CASELESS : 0)))
			return 1;
	}
	return 0;
}

static int in_one(void *c, const struct eql_val *v)
{
	struct pair_ctx *p = c;
	for (size_t i = 1; i < p->n->nkids; i++) {
		struct eql_val item;
		eval(p->n->kids[i], p->ev, &item);
		struct eql_val a = at_precision(p->num, v), b = at_precision(p->num, &item);
		int hit = compare(&a, &b, CMP_EQ,
		                  p->lowercase     ? CASE_NORMALIZED
		                  : p->n->caseless ? CASE_ASCII
		                                   : CASE_EXACT);
		val_release(&item);
		if (hit)
			return 1;
	}
	return 0;
}

static int test(const struct node *n, const cJSON *ev)
{
	struct pair_ctx pc = {.n = n, .ev = ev};
	switch (n->kind) {
	case N_AND: return test(n->kids[0], ev) && test(n->kids[1], ev);
	case N_OR: return test(n->kids[0], ev) || test(n->kids[1], ev);
	case N_NOT: return !test(n->kids[0], ev);
	case N_CMP: {
		/* any value pair; != is "no pair is equal", as Elasticsearch's not-term query */
		pc.date = is_date_field(n->kids[0]) || is_date_field(n->kids[1]);
		pc.num = float_field_type(n->kids[0]);
		if (pc.num.kind == NUMERIC_NONE)
			pc.num = float_field_type(n->kids[1]);
		pc.lowercase = lowercase_field(n->kids[0]) || lowercase_field(n->kids[1]);
		int hit = each_value(n->kids[0], ev, cmp_left, &pc) != 0;
		return n->op == CMP_NE ? !hit : hit;
	}
	case N_MATCH:
		pc.lowercase = lowercase_field(n->kids[0]);
		return each_value(n->kids[0], ev, match_one, &pc) != 0;
	case N_IN: {
		pc.num = float_field_type(n->kids[0]);
		pc.lowercase = lowercase_field(n->kids[0]);
		int hit = each_value(n->kids[0], ev, in_one, &pc) != 0;
		return n->negate ? !hit : hit;
	}
	default: {
		if (n->kind == N_FUNC && n->nkids && n->kids[0]->kind == N_FIELD) {
			struct {
				const struct node *n;
				const cJSON *ev;
			} fc = {n, ev};
			return each_value(n->kids[0], ev, call_any_value, &fc) != 0;
		}
		struct eql_val v;
		eval(n, ev, &v);
		int truth = v.k == V_BOOL && v.n != 0;
		val_release(&v);
		return truth;
	}
	}
}

static int category_hit(void *c, const cJSON *v)
{
	return cJSON_IsString(v) && !strcmp(v->valuestring, (const char *)c);
}

/* Stage i: the positive ones, then until, then the missing-event stages. */
static const struct stage *stage_at(const struct eql_query *q, size_t i)
{
	if (i < q->nstages || (i == q->nstages && q->has_until))
		return &q->stages[i];
	if (i > q->nstages && i - q->nstages - 1 < q->nmissing)
		return &q->missing[i - q->nstages - 1];
	return NULL;
}

size_t eql_missing_count(const struct eql_query *q)
{
	return q->nmissing;
}

size_t eql_missing_position(const struct eql_query *q, size_t k)
{
	return k < q->nmissing ? q->missing_at[k] : 0;
}

void eql_event_begin(const struct eql_query *q)
{
	regex_budget_event(&((struct eql_query *)q)->regex);
}

const char *eql_gave_up(const struct eql_query *q)
{
	return q->regex.exhausted ? q->regex.why : NULL;
}

int eql_stage_match(const struct eql_query *q, size_t stage, const cJSON *event)
{
	const struct stage *st = stage_at(q, stage);
	if (!st)
		return 0;
	const char *cf = q->category_field ? q->category_field : "event.category";
	if (st->category && !field_each(event, cf, strlen(cf), category_hit, st->category))
		return 0;
	struct regex_budget *was = regex_budget_use(&((struct eql_query *)q)->regex);
	int hit = test(st->cond, event);
	regex_budget_use(was);
	return hit && !q->regex.exhausted;
}

int eql_match(const struct eql_query *q, const cJSON *event)
{
	eql_event_begin(q);
	return eql_stage_match(q, 0, event);
}

const char *eql_stage_category(const struct eql_query *q, size_t stage)
{
	const struct stage *st = stage_at(q, stage);
	return st && !q->category_field ? st->category : NULL; /* the store indexes event.category */
}

void eql_set_category_field(struct eql_query *q, const char *field)
{
	free(q->category_field);
	q->category_field = field && strcmp(field, "event.category") ? xstrdup(field) : NULL;
}

int eql_is_sample(const struct eql_query *q)
{
	return q->sample;
}

int eql_is_sequence(const struct eql_query *q)
{
	return q->sequence;
}

size_t eql_stage_count(const struct eql_query *q)
{
	return q->nstages;
}

int eql_has_until(const struct eql_query *q)
{
	return q->has_until;
}

int64_t eql_maxspan_us(const struct eql_query *q)
{
	return q->maxspan_us;
}

/* A join field's values as JSON text (objects and nulls are no values). */
struct key_values {
	char **text;
	size_t n;
};

static int key_value(void *c, const cJSON *v)
{
	struct key_values *kv = c;
	if (cJSON_IsObject(v) || cJSON_IsNull(v))
		return 0;
	char *text = cJSON_PrintUnformatted(v);
	kv->text = xrealloc(kv->text, (kv->n + 1) * sizeof(*kv->text));
	kv->text[kv->n++] = xstrdup(text ? text : "null");
	cJSON_free(text);
	return 0;
}

/* Reads each join field's values into kv[]; -1 when a field that is not optional has none. */
static int read_key_fields(const struct key_field *k, size_t n, const cJSON *event, struct key_values *kv)
{
	for (size_t i = 0; i < n; i++) {
		/* the values Elasticsearch's fields API gives (KeywordFieldType's value fetcher applies
		 * ignore_above and the normalizer), which the next stages' terms queries meet */
		size_t len = strlen(k[i].path);
		field_type_cached(k[i].path, len, (struct field_type_cache *)&k[i].ftype);
		field_each_indexed(event, k[i].path, len, &k[i].ftype, key_value, &kv[i]);
		if (kv[i].n)
			continue;
		if (!k[i].optional)
			return -1;
		kv[i].text = xmalloc(sizeof(*kv[i].text));
		kv[i].text[kv[i].n++] = xstrdup("null");
	}
	return 0;
}

int eql_stage_key(const struct eql_query *q, size_t stage, const cJSON *event, struct strbuf *key)
{
	strbuf_reset(key);
	const struct stage *st = stage_at(q, stage);
	if (!st)
		return -1;
	size_t n = q->nkeys + st->nkeys;
	struct key_values *kv = xcalloc(n ? n : 1, sizeof(*kv));
	int rc =
	    read_key_fields(q->keys, q->nkeys, event, kv) || read_key_fields(st->keys, st->nkeys, event, kv + q->nkeys);
	/* every combination of the fields' values (an array joins on each of its values): an
	 * odometer, bounded by EQL_MAX_KEYS */
	size_t *at = xcalloc(n ? n : 1, sizeof(*at));
	for (size_t made = 0; !rc && made < EQL_MAX_KEYS; made++) {
		if (made)
			strbuf_addch(key, EQL_KEY_SEP);
		for (size_t i = 0; i < n; i++) {
			strbuf_addstr(key, kv[i].text[at[i]]);
			strbuf_addch(key, '\x1f');
		}
		size_t i = n;
		while (i-- > 0 && ++at[i] == kv[i].n)
			at[i] = 0;
		if (i == SIZE_MAX)
			break; /* every combination made */
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < kv[i].n; k++)
			free(kv[i].text[k]);
		free(kv[i].text);
	}
	free(kv);
	free(at);
	return rc ? -1 : 0;
}

/* ---- planning ---- */

static int prefix_of(const struct node *n, const char *field, char **prefix, int *exact)
{
	if (n->kind == N_AND)
		return prefix_of(n->kids[0], field, prefix, exact) || prefix_of(n->kids[1], field, prefix, exact);
	const struct node *f = n->nkids ? n->kids[0] : NULL;
	if (!f || f->kind != N_FIELD || strcmp(f->text, field))
		return 0;
	if (n->kind == N_CMP && n->op == CMP_EQ && n->kids[1]->kind == N_STR &&
	    !memchr(n->kids[1]->text, 0, n->kids[1]->len)) {
		*prefix = xstrdup(n->kids[1]->text);
		*exact = 1;
		return 1;
	}
	if (n->kind == N_MATCH && !n->is_regex && !n->caseless && n->npats == 1) {
		const struct wpat *w = &n->pats[0];
		size_t len = strcspn(w->piece[0], "?");
		*prefix = xstrndup(w->piece[0], len);
		*exact = w->n == 1 && len == w->len[0];
		return 1;
	}
	return 0;
}

/* A top-level condition that holds only when file.path, lower-cased, starts with a prefix:
 * file.path : "..." (or like~), or any match on file.path.caseless. */
static int caseless_prefix_of(const struct node *n, char **prefix)
{
	if (n->kind == N_AND)
		return caseless_prefix_of(n->kids[0], prefix) || caseless_prefix_of(n->kids[1], prefix);
	const struct node *f = n->nkids ? n->kids[0] : NULL;
	if (!f || f->kind != N_FIELD)
		return 0;
	int sub = !strcmp(f->text, "file.path.caseless");
	if (!sub && strcmp(f->text, "file.path"))
		return 0;
	const char *text = NULL;
	size_t len = 0;
	if (sub && n->kind == N_CMP && n->op == CMP_EQ && n->kids[1]->kind == N_STR) {
		text = n->kids[1]->text;
		len = strnlen(text, n->kids[1]->len);
	} else if (n->kind == N_MATCH && !n->is_regex && n->npats == 1 && (sub || n->caseless)) {
		text = n->pats[0].piece[0];
		len = strcspn(text, "?");
	}
	if (!text || !len)
		return 0;
	*prefix = xstrndup(text, len);
	for (char *c = *prefix; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return 1;
}

int eql_required_caseless_prefix(const struct eql_query *q, char **prefix)
{
	return !q->sequence && q->nstages == 1 && caseless_prefix_of(q->stages[0].cond, prefix);
}

/* A literal without wildcards: the whole value a pattern allows. */
static int whole_literal(const struct wpat *w, int qmark)
{
	return w->n == 1 && !(qmark && memchr(w->piece[0], '?', w->len[0]));
}

static int values_of(const struct node *n, const char *field, char ***values, size_t *nvalues, int *caseless)
{
	if (n->kind == N_AND)
		return values_of(n->kids[0], field, values, nvalues, caseless) ||
		       values_of(n->kids[1], field, values, nvalues, caseless);
	const struct node *f = n->nkids ? n->kids[0] : NULL;
	if (!f || f->kind != N_FIELD || strcmp(f->text, field))
		return 0;
	if (n->kind == N_CMP && n->op == CMP_EQ && n->kids[1]->kind == N_STR) {
		*values = xmalloc(sizeof(**values));
		(*values)[0] = xstrndup(n->kids[1]->text, n->kids[1]->len);
		*nvalues = 1;
		*caseless = lowercase_field(f); /* a term query: normalized as the field is */
		return 1;
	}
	if (n->kind == N_IN && !n->negate) {
		for (size_t i = 1; i < n->nkids; i++)
			if (n->kids[i]->kind != N_STR)
				return 0;
		*values = xmalloc((n->nkids - 1) * sizeof(**values));
		for (size_t i = 1; i < n->nkids; i++)
			(*values)[i - 1] = xstrndup(n->kids[i]->text, n->kids[i]->len);
		*nvalues = n->nkids - 1;
		*caseless = n->caseless || lowercase_field(f);
		return 1;
	}
	if (n->kind == N_MATCH && !n->is_regex) {
		for (size_t i = 0; i < n->npats; i++)
			if (!whole_literal(&n->pats[i], 1))
				return 0;
		*values = xmalloc((n->npats ? n->npats : 1) * sizeof(**values));
		for (size_t i = 0; i < n->npats; i++)
			(*values)[i] = xstrndup(n->pats[i].piece[0], n->pats[i].len[0]);
		*nvalues = n->npats;
		*caseless = n->caseless || lowercase_field(f); /* a wildcard query normalizes too */
		return 1;
	}
	return 0;
}

int eql_required_values(const struct eql_query *q, const char *field, char ***values, size_t *n, int *caseless)
{
	*values = NULL;
	*n = 0;
	if (q->sequence || q->nstages != 1)
		return 0;
	return values_of(q->stages[0].cond, field, values, n, caseless);
}

int eql_stage_required_values(const struct eql_query *q, size_t stage, const char *field, char ***values, size_t *n,
                              int *caseless)
{
	const struct stage *st = stage_at(q, stage);
	*values = NULL;
	*n = 0;
	return st && st->cond ? values_of(st->cond, field, values, n, caseless) : 0;
}

int eql_required_prefix(const struct eql_query *q, const char *field, char **prefix, int *exact)
{
	if (q->sequence || q->nstages != 1)
		return 0;
	return prefix_of(q->stages[0].cond, field, prefix, exact);
}

/* ---- needles ---- */

static const char *field_of(const struct node *n)
{
	return n && n->kind == N_FIELD ? n->text : NULL;
}

static void node_needles(const struct node *n, struct needles *out)
{
	struct needles a, b;
	needles_init(out);
	switch (n->kind) {
	case N_AND:
		node_needles(n->kids[0], &a);
		node_needles(n->kids[1], &b);
		needles_best(out, &a, &b);
		return;
	case N_OR:
		node_needles(n->kids[0], &a);
		node_needles(n->kids[1], &b);
		needles_union(out, &a, &b);
		return;
	case N_CMP: {
		const struct node *f = n->kids[0], *v = n->kids[1];
		if (f->kind != N_FIELD) {
			const struct node *t = f;
			f = v, v = t;
		}
		if (n->op == CMP_EQ && field_of(f) && v->kind == N_STR && needle_candidate(f->text, v->text, v->len))
			needles_one(out, v->text, v->len);
		return;
	}
	case N_MATCH:
		if (n->is_regex || !field_of(n->kids[0]))
			return;
		for (size_t i = 0; i < n->npats; i++) {
			needles_from_pattern(&a, n->kids[0]->text, (const char *const *)n->pats[i].piece,
			                     n->pats[i].len, n->pats[i].n, 1);
			if (i == 0) {
				*out = a;
			} else {
				b = *out;
				needles_union(out, &b, &a);
			}
			if (!out->usable)
				return;
		}
		return;
	case N_IN:
		if (n->negate || !field_of(n->kids[0]))
			return;
		for (size_t i = 1; i < n->nkids; i++) {
			const struct node *v = n->kids[i];
			if (v->kind != N_STR || !needle_candidate(n->kids[0]->text, v->text, v->len)) {
				needles_release(out);
				return;
			}
			needles_one(&a, v->text, v->len);
			if (i == 1) {
				*out = a;
			} else {
				b = *out;
				needles_union(out, &b, &a);
			}
		}
		return;
	case N_FUNC: {
		/* startsWith(field, "x", ...), endsWith, stringContains, wildcard: a value holds one */
		const char *name = n->fn->name;
		int affix = !strcmp(name, "startsWith") || !strcmp(name, "endsWith") || !strcmp(name, "stringContains");
		int glob = !strcmp(name, "wildcard");
		if ((!affix && !glob) || n->nkids < 2 || !field_of(n->kids[0]))
			return;
		for (size_t i = 1; i < n->nkids; i++) {
			const struct node *v = n->kids[i];
			if (v->kind != N_STR) {
				needles_release(out);
				return;
			}
			if (glob) {
				struct wpat w;
				wildcard_pattern(v->text, v->len, &w);
				needles_from_pattern(&a, n->kids[0]->text, (const char *const *)w.piece, w.len, w.n, 1);
				wpat_release(&w);
			} else if (needle_candidate(n->kids[0]->text, v->text, v->len)) {
				needles_one(&a, v->text, v->len);
			} else {
				needles_init(&a);
			}
			if (i == 1) {
				*out = a;
			} else {
				b = *out;
				needles_union(out, &b, &a);
			}
			if (!out->usable)
				return;
		}
		return;
	}
	default: return; /* not, comparisons of other kinds, bare values: no requirement */
	}
}

void eql_stage_needles(const struct eql_query *q, size_t stage, struct needles *out)
{
	const struct stage *st = stage_at(q, stage);
	if (st && st->cond) {
		node_needles(st->cond, out);
	} else {
		needles_init(out); /* unusable: no stage, nothing known */
	}
	needles_finish(out);
}

void eql_needles(const struct eql_query *q, struct needles *out)
{
	size_t total = q->nstages + (q->has_until ? 1 : 0);
	needles_init(out);
	for (size_t i = 0; i < total + q->nmissing; i++) {
		struct needles one; /* a missing event must be read too, to know it is there */
		node_needles(i < total ? q->stages[i].cond : q->missing[i - total].cond, &one);
		if (i == 0) {
			*out = one;
		} else {
			struct needles acc = *out;
			needles_union(out, &acc, &one); /* an event the sequence needs passes some stage */
		}
		if (!out->usable)
			return;
	}
}
