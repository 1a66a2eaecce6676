#include "detect/lucene_query.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"

/* The group being written: which binary operator it has used (0 none, 'a' and, 'o' or), and
 * whether the last thing written was an operand (so a following one needs an operator). */
struct group {
	char op;
	int operand;
	int negated; /* it holds a NOT clause */
};

struct lq {
	const char *q, *p;
	struct strbuf out;
	struct group stack[LUCENE_QUERY_MAX_DEPTH + 1];
	int depth;
	char *why;
	size_t whylen;
};

static int refuse(struct lq *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct lq *l, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->why, l->whylen, "column %zu: %s", (size_t)(l->p - l->q) + 1, msg);
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where a bare term ends: whitespace, a parenthesis, or an unescaped ':'. */
static int term_end(char c)
{
	return !c || is_space(c) || c == '(' || c == ')' || c == ':';
}

/* Whether the text at p is the keyword kw as a whole word. */
static int keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);
	return !strncmp(p, kw, n) && (term_end(p[n]) && p[n] != ':');
}

static int keyword_any_case(const char *p)
{
	static const char *const kws[] = {"and", "or", "not"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(kws[i]);
		if (!strncasecmp(p, kws[i], n) && term_end(p[n]))
			return 1;
	}
	return 0;
}

/* A bare term (a field name or a value) copied as KQL writes it: Lucene's escapes undone, KQL's
 * special characters escaped, an unescaped * kept as the wildcard when wild is set. */
static int copy_term(struct lq *l, int wild)
{
	const char *start = l->p;
	while (!term_end(*l->p)) {
		char c = *l->p;
		if (c == '\\') {
			if (!l->p[1])
				return refuse(l, "a trailing backslash");
			c = *++l->p;
			if (strchr("\\():<>\"*{} \t", c))
				strbuf_addch(&l->out, '\\');
			strbuf_addch(&l->out, c);
			l->p++;
			continue;
		}
		if (c == '*' && wild) {
			strbuf_addch(&l->out, '*');
			l->p++;
			continue;
		}
		if (strchr("?~^/[]{}\"!&|+<>=", c) || (c == '-' && l->p == start) || c == '*')
			return refuse(l, "'%c' is not supported in a term (KQL cannot say it)", c);
		strbuf_addch(&l->out, c);
		l->p++;
	}
	if (l->p == start)
		return refuse(l, "a term is expected");
	return 0;
}

static int copy_phrase(struct lq *l)
{
	strbuf_addch(&l->out, '"');
	for (l->p++; *l->p != '"'; l->p++) {
		if (!*l->p)
			return refuse(l, "an unterminated phrase");
		if (*l->p == '\\' && l->p[1])
			l->p++;
		if (*l->p == '"' || *l->p == '\\')
			strbuf_addch(&l->out, '\\');
		strbuf_addch(&l->out, *l->p);
	}
	strbuf_addch(&l->out, '"');
	l->p++;
	if (*l->p == '~' || *l->p == '^')
		return refuse(l, "'%c' after a phrase is not supported", *l->p);
	return 0;
}

/* One range bound, up to a space or the closing bracket; "*" is none (not written). */
static int range_bound(struct lq *l, const char *field, size_t flen, const char *op, int *n)
{
	while (is_space(*l->p))
		l->p++;
	const char *s = l->p;
	size_t len = 0;
	if (*s == '"') {
		const char *e = strchr(s + 1, '"');
		if (!e)
			return refuse(l, "an unterminated range bound");
		len = (size_t)(e - s) + 1;
	} else {
		while (s[len] && !is_space(s[len]) && s[len] != ']' && s[len] != '}')
			len++;
	}
	if (!len)
		return refuse(l, "a range needs two bounds");
	l->p = s + len;
	if (len == 1 && *s == '*')
		return 0;
	if ((*n)++)
		strbuf_addstr(&l->out, " and ");
	strbuf_add(&l->out, field, flen);
	strbuf_addf(&l->out, " %s ", op);
	if (*s == '"') {
		strbuf_add(&l->out, s, len);
		return 0;
	}
	strbuf_addch(&l->out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			strbuf_addch(&l->out, '\\');
		strbuf_addch(&l->out, s[i]);
	}
	strbuf_addch(&l->out, '"');
	return 0;
}

/* field:[a TO b], {a TO b} (exclusive), or mixed; field is already KQL text. */
static int range(struct lq *l, const char *field, size_t flen)
{
	char open = *l->p++;
	int n = 0;
	strbuf_addch(&l->out, '(');
	if (range_bound(l, field, flen, open == '[' ? ">=" : ">", &n))
		return -1;
	while (is_space(*l->p))
		l->p++;
	if (strncmp(l->p, "TO", 2) || !is_space(l->p[2]))
		return refuse(l, "a range needs \"TO\" between its bounds");
	l->p += 2;
	/* the closing bracket decides the upper bound's operator: look ahead */
	const char *e = l->p;
	while (*e && *e != ']' && *e != '}')
		e++;
	if (!*e)
		return refuse(l, "an unterminated range");
	if (range_bound(l, field, flen, *e == ']' ? "<=" : "<", &n))
		return -1;
	while (is_space(*l->p))
		l->p++;
	if (*l->p != ']' && *l->p != '}')
		return refuse(l, "a range ends with ] or }");
	l->p++;
	if (!n)
		strbuf_addf(&l->out, "%.*s:*", (int)flen, field);
	strbuf_addch(&l->out, ')');
	return 0;
}

/* The value after "field:": a phrase, a range, a comparison, a group, or a term. */
static int field_value(struct lq *l, const char *field, size_t flen)
{
	const char *p = l->p;
	if (*p == '[' || *p == '{')
		return range(l, field, flen);
	if (*p == '>' || *p == '<') {
		const char *op = p[1] == '=' ? (*p == '>' ? ">=" : "<=") : (*p == '>' ? ">" : "<");
		l->p += strlen(op);
		strbuf_addch(&l->out, '(');
		const char *s = l->p;
		size_t len = 0;
		while (s[len] && !is_space(s[len]) && s[len] != ')')
			len++;
		if (!len)
			return refuse(l, "a comparison needs a value");
		strbuf_add(&l->out, field, flen);
		strbuf_addf(&l->out, " %s \"", op);
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '"' || s[i] == '\\')
				strbuf_addch(&l->out, '\\');
			strbuf_addch(&l->out, s[i]);
		}
		strbuf_addstr(&l->out, "\")");
		l->p = s + len;
		return 0;
	}
	strbuf_add(&l->out, field, flen);
	strbuf_addch(&l->out, ':');
	if (*p == '"')
		return copy_phrase(l);
	if (*p == '(')
		return 1; /* a group: the caller opens it, KQL's field:(a or b) */
	return copy_term(l, 1);
}

/* Lucene's parser makes a NOT clause must_not of its whole group, whatever OR stands beside it
 * ("a OR NOT b" is a and not b), which KQL's "or not" does not say. */
#define NOT_IN_OR "NOT in a group of OR: Lucene makes it exclude from the whole group; use AND NOT"

/* Before an operand: the operator the group implies when none was written (OR). */
static int before_operand(struct lq *l)
{
	struct group *g = &l->stack[l->depth];
	if (!g->operand)
		return 0;
	if (g->op == 'a')
		return refuse(l, "AND and OR mixed in one group: parenthesize");
	if (g->negated)
		return refuse(l, NOT_IN_OR);
	g->op = 'o';
	strbuf_addstr(&l->out, " or ");
	return 0;
}

static int binary(struct lq *l, char op, size_t skip)
{
	struct group *g = &l->stack[l->depth];
	if (!g->operand)
		return refuse(l, "%s needs a term before it", op == 'a' ? "AND" : "OR");
	if (g->op && g->op != op)
		return refuse(l, "AND and OR mixed in one group: parenthesize");
	if (op == 'o' && g->negated)
		return refuse(l, NOT_IN_OR);
	g->op = op;
	g->operand = 0;
	strbuf_addstr(&l->out, op == 'a' ? " and " : " or ");
	l->p += skip;
	return 0;
}

static int open_group(struct lq *l)
{
	if (l->depth >= LUCENE_QUERY_MAX_DEPTH)
		return refuse(l, "groups nested deeper than %d", LUCENE_QUERY_MAX_DEPTH);
	strbuf_addch(&l->out, '(');
	l->p++;
	l->stack[++l->depth] = (struct group){0, 0, 0};
	return 0;
}

static int step(struct lq *l)
{
	const char *p = l->p;
	if (keyword(p, "AND") || !strncmp(p, "&&", 2))
		return binary(l, 'a', *p == '&' ? 2 : 3);
	if (keyword(p, "OR") || !strncmp(p, "||", 2))
		return binary(l, 'o', *p == '|' ? 2 : 2);
	if (keyword(p, "NOT") || (*p == '!' && p[1] != '=')) {
		struct group *g = &l->stack[l->depth];
		if (g->op == 'o')
			return refuse(l, NOT_IN_OR);
		g->negated = 1;
		if (g->operand) { /* "a NOT b": b is must_not beside a */
			if (g->op == 'o')
				return refuse(l, "AND and OR mixed in one group: parenthesize");
			g->op = 'a';
			strbuf_addstr(&l->out, " and ");
			g->operand = 0;
		}
		strbuf_addstr(&l->out, "not ");
		l->p += *p == '!' ? 1 : 3;
		return 0;
	}
	if (*p == ')') {
		if (!l->depth)
			return refuse(l, "an unmatched ')'");
		if (!l->stack[l->depth].operand)
			return refuse(l, "a group ends without a term");
		l->depth--;
		strbuf_addch(&l->out, ')');
		l->p++;
		l->stack[l->depth].operand = 1;
		return 0;
	}
	if (before_operand(l))
		return -1;
	if (*p == '(')
		return open_group(l);
	if (*p == '"') {
		if (copy_phrase(l))
			return -1;
		l->stack[l->depth].operand = 1;
		return 0;
	}
	if (*p == '+' || *p == '-')
		return refuse(l, "'%c' before a term is not supported", *p);
	if (keyword_any_case(p))
		return refuse(l, "a lowercase and/or/not is a term in Lucene, an operator in KQL: quote it");
	/* a term, or field:value */
	size_t mark = l->out.len;
	int exists = !strncmp(p, "_exists_:", 9);
	if (exists)
		l->p += 9;
	if (copy_term(l, !exists))
		return -1;
	if (exists) {
		strbuf_addstr(&l->out, ":*");
	} else if (*l->p == ':') {
		l->p++;
		size_t flen = l->out.len - mark;
		char *field = malloc(flen + 1);
		memcpy(field, l->out.buf + mark, flen + 1);
		if (memchr(field, '*', flen) && strcmp(field, "*")) {
			free(field);
			return refuse(l, "a field name with a wildcard is not supported");
		}
		l->out.len = mark;
		l->out.buf[mark] = 0;
		int rc = field_value(l, field, flen);
		free(field);
		if (rc < 0)
			return -1;
		if (rc == 1)
			return open_group(l);
	}
	l->stack[l->depth].operand = 1;
	return 0;
}

char *lucene_query_to_kql(const char *q, char *why, size_t whylen)
{
	struct lq l = {.q = q, .p = q, .why = why, .whylen = whylen};
	strbuf_init(&l.out, strlen(q) + 16);
	for (;;) {
		while (is_space(*l.p))
			l.p++;
		if (!*l.p)
			break;
		if (step(&l)) {
			strbuf_release(&l.out);
			return NULL;
		}
	}
	if (l.depth || (!l.stack[0].operand && l.out.len)) {
		refuse(&l, l.depth ? "an unclosed '('" : "the query ends with an operator");
		strbuf_release(&l.out);
		return NULL;
	}
	if (!l.out.len)
		strbuf_addstr(&l.out, "*:*"); /* an empty query string matches every document */
	return strbuf_detach(&l.out, NULL);
}
