#include "detect/esql.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/number.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/eql.h"
#include "detect/field.h"
#include "detect/grok.h"
#include "detect/kql.h"
#include "detect/lucene.h"
#include "detect/regex.h"

#define ESQL_MAX_DEPTH 200  /* of nested expressions: the parser and the evaluator recurse */
#define ESQL_LIMIT     1000 /* ES|QL's implicit LIMIT */
/* What one event may turn into: MV_EXPAND's rows, and the groups of a row's multi-valued BY
 * fields (their combinations multiply). Beyond, the first ones count (esql_truncations says
 * how often), as threshold and new terms rules count an event's first 1,024 groups. */
#define ESQL_MAX_FANOUT 1024
/* What a query may make, so that no rule runs away (a hit limit stops the query with a fault,
 * esql_fault: its rows are dropped and the caller says why; never an abort, never a value cut
 * short). A function makes at most 1 MiB (Elasticsearch refuses CONCAT's and REPLACE's past
 * it too); the values made or read and the rows of one event at most 64 MiB in all, of one
 * execution's window 1 GiB (its rows included). */
#define ESQL_MAX_MADE         ((size_t)1 << 20)
#define ESQL_MAX_EVENT_BYTES  ((size_t)64 << 20)
#define ESQL_MAX_WINDOW_BYTES ((size_t)1 << 30)

/* ---- the pipeline ---- */

enum node_kind { N_LIT, N_FIELD, N_NOT, N_AND, N_OR, N_CMP, N_ARITH, N_NEG, N_IN, N_ISNULL, N_LIKE, N_RLIKE, N_CALL };
enum cmp_op { C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };

struct enode {
	enum node_kind kind;
	int op;     /* cmp_op, or '+', '-', '*', '/', '%'; for N_ISNULL and N_LIKE, negated */
	char *name; /* N_FIELD, N_CALL (upper-cased) */
	struct esql_value lit;
	struct enode **args;
	size_t nargs;
	struct kql_node *kql; /* KQL("..."), compiled */
	pcre2_code **res;     /* RLIKE's patterns, compiled */
	size_t nres;
	pcre2_code *replace; /* REPLACE's, compiled */
};

enum cmd_kind { K_WHERE, K_EVAL, K_KEEP, K_DROP, K_RENAME, K_MV_EXPAND, K_DISSECT, K_GROK, K_STATS, K_SORT, K_LIMIT };

/* DISSECT's pattern: a leading delimiter, then keys each followed by its delimiter. */
struct dissect_key {
	char *name;  /* NULL: skipped (%{} or %{?name}) */
	char *delim; /* what follows it ("" for the last: the rest of the input) */
	int pad;     /* -> : repeats of the delimiter are skipped */
	int append;  /* + : joined to the key's earlier values */
};

struct assign { /* EVAL name = expr; STATS name = AGG(expr); RENAME from AS to */
	char *name;
	struct enode *expr;
	char *from;
};

struct sort_key {
	char *field;
	int desc, nulls_first;
};

struct command {
	enum cmd_kind kind;
	struct enode *expr;    /* WHERE */
	struct assign *assign; /* EVAL, STATS (aggregates), RENAME */
	size_t nassign;
	char **names; /* KEEP, DROP patterns; MV_EXPAND's field */
	size_t nnames;
	struct assign *by; /* STATS's BY: [name =] expression */
	size_t nby;
	struct sort_key *keys;
	size_t nkeys;
	int64_t limit;
	/* DISSECT */
	struct enode *input;
	char *lead, *separator;
	struct dissect_key *dkeys;
	size_t ndkeys;
	struct grok *grok; /* GROK */
	int inline_stats;  /* INLINE STATS: the aggregates join each row of their group */
};

struct esql_query {
	char **indices;
	size_t nindices;
	int meta_id, meta_index, meta_version;
	struct command *cmds;
	size_t ncmds;
	size_t split;      /* the first command that works on a window's rows, not an event */
	char **referenced; /* the names the window's commands read */
	size_t nreferenced;
	size_t truncations;        /* rows or groups left out at ESQL_MAX_FANOUT */
	struct regex_budget regex; /* what its GROK and REPLACE spent (detect/regex.h) */
	/* the budget of the half that runs (see esql_rows_of, esql_finish): bytes spent so far */
	size_t spent, budget;
	const char *budget_of; /* "one event", "one execution's window" */
	int faulted;
	char fault[200];
	PCRE2_UCHAR *replaced; /* REPLACE's output, ESQL_MAX_MADE + 1 bytes, once one runs */
};

/* ---- lexing ---- */

struct parser {
	const char *s;
	size_t pos;
	struct esql_error *err;
	int failed;
	int depth;
};

static void fail(struct parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct parser *p, size_t at, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = 1;
	p->err->offset = at;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

/* Valid ES|QL that casebook does not evaluate: the rule is kept and said to be skipped. */
#define unsupported(p, ...) ((p)->err->unsupported = !(p)->failed, fail(p, __VA_ARGS__))

static void skip_space(struct parser *p)
{
	for (;;) {
		while (isspace((unsigned char)p->s[p->pos]))
			p->pos++;
		if (p->s[p->pos] == '/' && p->s[p->pos + 1] == '/') {
			while (p->s[p->pos] && p->s[p->pos] != '\n')
				p->pos++;
		} else if (p->s[p->pos] == '/' && p->s[p->pos + 1] == '*') {
			const char *end = strstr(p->s + p->pos + 2, "*/");
			p->pos = end ? (size_t)(end - p->s) + 2 : strlen(p->s);
		} else {
			return;
		}
	}
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '@';
}

/* The keyword kw (any case) next, as a whole word: consumed. */
static int accept_kw(struct parser *p, const char *kw)
{
	skip_space(p);
	size_t n = strlen(kw);
	if (strncasecmp(p->s + p->pos, kw, n) || ident_char(p->s[p->pos + n]))
		return 0;
	p->pos += n;
	return 1;
}

static int peek_kw(struct parser *p, const char *kw)
{
	size_t save = p->pos;
	int ok = accept_kw(p, kw);
	p->pos = save;
	return ok;
}

static int accept(struct parser *p, const char *op)
{
	skip_space(p);
	size_t n = strlen(op);
	if (strncmp(p->s + p->pos, op, n))
		return 0;
	p->pos += n;
	return 1;
}

static void expect(struct parser *p, const char *op)
{
	if (!accept(p, op))
		fail(p, p->pos, "expected %s", op);
}

/* A field or column name: letters, digits, _ . @ (and * where patterns are allowed), or
 * `quoted`. malloc'd, or NULL. */
static char *name_token(struct parser *p, int pattern)
{
	skip_space(p);
	size_t start = p->pos;
	if (p->s[p->pos] == '`') {
		struct strbuf b;
		strbuf_init(&b, 32);
		for (p->pos++; p->s[p->pos]; p->pos++) {
			if (p->s[p->pos] == '`' && p->s[p->pos + 1] == '`')
				strbuf_addch(&b, '`'), p->pos++;
			else if (p->s[p->pos] == '`')
				break;
			else
				strbuf_addch(&b, p->s[p->pos]);
		}
		if (p->s[p->pos] != '`') {
			fail(p, start, "a quoted name is not closed");
			strbuf_release(&b);
			return NULL;
		}
		p->pos++;
		return strbuf_detach(&b, NULL);
	}
	while (ident_char(p->s[p->pos]) || (pattern && p->s[p->pos] == '*'))
		p->pos++;
	if (p->pos == start || isdigit((unsigned char)p->s[start])) {
		p->pos = start;
		return NULL;
	}
	return xstrndup(p->s + start, p->pos - start);
}

/* A string literal: "..." with escapes, or """...""" taken as it is. */
static char *string_token(struct parser *p)
{
	skip_space(p);
	size_t start = p->pos;
	if (p->s[p->pos] != '"')
		return NULL;
	if (!strncmp(p->s + p->pos, "\"\"\"", 3)) {
		const char *end = strstr(p->s + p->pos + 3, "\"\"\"");
		if (!end) {
			fail(p, start, "a \"\"\" string is not closed");
			return NULL;
		}
		char *v = xstrndup(p->s + p->pos + 3, (size_t)(end - (p->s + p->pos + 3)));
		p->pos = (size_t)(end - p->s) + 3;
		return v;
	}
	struct strbuf b;
	strbuf_init(&b, 32);
	for (p->pos++; p->s[p->pos] && p->s[p->pos] != '"'; p->pos++) {
		char c = p->s[p->pos];
		if (c == '\\' && p->s[p->pos + 1]) {
			char e = p->s[++p->pos];
			c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
		}
		strbuf_addch(&b, c);
	}
	if (p->s[p->pos] != '"') {
		fail(p, start, "a string is not closed");
		strbuf_release(&b);
		return NULL;
	}
	p->pos++;
	return strbuf_detach(&b, NULL);
}

/* ---- values ---- */

static void value_free(struct esql_value *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].kind == EK_STR)
			free(v->v[i].s);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

/* Appends a scalar; the array doubles when its length reaches a power of two. */
static void value_add(struct esql_value *v, struct esql_scalar s)
{
	if (!(v->n & (v->n - 1)))
		v->v = xrealloc(v->v, (v->n ? v->n * 2 : 1) * sizeof(*v->v));
	v->v[v->n++] = s;
}

static struct esql_scalar scalar_copy(const struct esql_scalar *s)
{
	struct esql_scalar c = *s;
	if (c.kind == EK_STR)
		c.s = xstrdup(s->s);
	return c;
}

static struct esql_value value_copy(const struct esql_value *v)
{
	struct esql_value c = {NULL, 0};
	for (size_t i = 0; i < v->n; i++)
		value_add(&c, scalar_copy(&v->v[i]));
	return c;
}

static struct esql_value one(struct esql_scalar s)
{
	struct esql_value v = {NULL, 0};
	value_add(&v, s);
	return v;
}

static struct esql_value boolean(int b)
{
	return one((struct esql_scalar){.kind = EK_BOOL, .i = b != 0});
}

static struct esql_value integer(int64_t i)
{
	return one((struct esql_scalar){.kind = EK_INT, .i = i});
}

static struct esql_value text(const char *s, size_t len)
{
	return one((struct esql_scalar){.kind = EK_STR, .s = xstrndup(s, len)});
}

static const struct esql_value null_value = {NULL, 0};

/* ---- budgets ---- */

/* The query esql_rows_of or esql_finish is running (one at a time: detect is one thread), so
 * that evaluation deep in an expression can stop it. */
static struct esql_query *running;

static void fault(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fault(const char *fmt, ...)
{
	if (!running || running->faulted)
		return;
	running->faulted = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(running->fault, sizeof(running->fault), fmt, ap);
	va_end(ap);
}

static int faulted(void)
{
	return running && running->faulted;
}

/* Counts bytes made, read or copied against the running half's budget. */
static void charge(size_t bytes)
{
	if (!running || running->faulted)
		return;
	running->spent += bytes;
	if (running->spent > running->budget)
		fault("the values and rows of %s would take more than %zu MiB", running->budget_of,
		      running->budget >> 20);
}

static size_t value_bytes(const struct esql_value *v)
{
	size_t n = v->n * sizeof(*v->v);
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].kind == EK_STR)
			n += strlen(v->v[i].s) + 1;
	return n;
}

/* Whether what the function makes would be over ESQL_MAX_MADE (a string's bytes; SPLIT's
 * values, each counted with its 32 bytes): a fault if so. */
static int too_big(const char *function, size_t bytes)
{
	if (bytes <= ESQL_MAX_MADE)
		return 0;
	fault("%s would make a value over 1 MiB (1,048,576 bytes), the most a function makes", function);
	return 1;
}

/* ---- expressions ---- */

static struct enode *node(enum node_kind kind)
{
	struct enode *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	return n;
}

static void node_add(struct enode *n, struct enode *arg)
{
	n->args = xrealloc(n->args, (n->nargs + 1) * sizeof(*n->args));
	n->args[n->nargs++] = arg;
}

static void node_free(struct enode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nargs; i++)
		node_free(n->args[i]);
	free(n->args);
	free(n->name);
	value_free(&n->lit);
	kql_free(n->kql);
	for (size_t i = 0; i < n->nres; i++)
		pcre2_code_free(n->res[i]);
	free(n->res);
	pcre2_code_free(n->replace);
	free(n);
}

/* The functions casebook evaluates (aggregates only in STATS), and how many arguments each takes. */
static const struct function {
	const char *name;
	int min, max; /* max -1: any number */
	int aggregate;
} functions[] = {
    {"TO_LOWER", 1, 1, 0},    {"TO_UPPER", 1, 1, 0},    {"LENGTH", 1, 1, 0},
    {"STARTS_WITH", 2, 2, 0}, {"ENDS_WITH", 2, 2, 0},   {"CONCAT", 2, -1, 0},
    {"SUBSTRING", 2, 3, 0},   {"LOCATE", 2, 3, 0},      {"TRIM", 1, 1, 0},
    {"LTRIM", 1, 1, 0},       {"RTRIM", 1, 1, 0},       {"COALESCE", 1, -1, 0},
    {"CASE", 2, -1, 0},       {"MV_COUNT", 1, 1, 0},    {"MV_FIRST", 1, 1, 0},
    {"MV_LAST", 1, 1, 0},     {"MV_MIN", 1, 1, 0},      {"MV_MAX", 1, 1, 0},
    {"MV_CONCAT", 2, 2, 0},   {"MV_DEDUPE", 1, 1, 0},   {"MV_SLICE", 2, 3, 0},
    {"SPLIT", 2, 2, 0},       {"TO_STRING", 1, 1, 0},   {"TO_LONG", 1, 1, 0},
    {"TO_INTEGER", 1, 1, 0},  {"TO_DOUBLE", 1, 1, 0},   {"TO_BOOLEAN", 1, 1, 0},
    {"ABS", 1, 1, 0},         {"COUNT", 0, 1, 1},       {"COUNT_DISTINCT", 1, 2, 1},
    {"VALUES", 1, 1, 1},      {"MIN", 1, 1, 1},         {"MAX", 1, 1, 1},
    {"SUM", 1, 1, 1},         {"AVG", 1, 1, 1},         {"DATE_TRUNC", 2, 2, 0},
    {"KQL", 1, 1, 0},         {"CIDR_MATCH", 2, -1, 0}, {"TO_IP", 1, 1, 0},
    {"REPLACE", 3, 3, 0},
};

static const struct function *function_named(const char *name)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (!strcmp(functions[i].name, name))
			return &functions[i];
	return NULL;
}

static struct enode *parse_or(struct parser *p);

/* A number followed by a time unit is a time span (60 seconds, 1 hour, 5m). */
static void span_unit(struct parser *p, struct enode *n)
{
	static const struct {
		const char *name;
		int64_t us;
	} units[] = {{"ms", 1000},          {"millisecond", 1000}, {"milliseconds", 1000}, {"s", 1000000},
	             {"sec", 1000000},      {"second", 1000000},   {"seconds", 1000000},   {"min", 60000000},
	             {"minute", 60000000},  {"minutes", 60000000}, {"m", 60000000},        {"h", 3600000000},
	             {"hour", 3600000000},  {"hours", 3600000000}, {"d", 86400000000},     {"day", 86400000000},
	             {"days", 86400000000}, {"w", 604800000000},   {"week", 604800000000}, {"weeks", 604800000000}};
	static const char *const calendar[] = {"month", "months", "mo",    "quarter", "quarters",
	                                       "q",     "year",   "years", "yr",      "y"};
	size_t save = p->pos;
	skip_space(p);
	size_t at = p->pos;
	while (isalpha((unsigned char)p->s[p->pos]))
		p->pos++;
	size_t len = p->pos - at;
	if (!len || ident_char(p->s[p->pos]) || n->lit.n != 1 || n->lit.v[0].kind != EK_INT) {
		p->pos = save;
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len && !strncasecmp(p->s + at, units[i].name, len)) {
			int64_t us;
			if (__builtin_mul_overflow(n->lit.v[0].i, units[i].us, &us))
				fail(p, at, "the time span is too long");
			n->lit.v[0] = (struct esql_scalar){.kind = EK_SPAN, .i = us};
			return;
		}
	for (size_t i = 0; i < sizeof(calendar) / sizeof(calendar[0]); i++)
		if (strlen(calendar[i]) == len && !strncasecmp(p->s + at, calendar[i], len)) {
			unsupported(
			    p, at, "calendar time spans (months, quarters, years) are not ones casebook evaluates yet");
			return;
		}
	p->pos = save;
}

static struct enode *parse_number(struct parser *p)
{
	size_t start = p->pos;
	while (isdigit((unsigned char)p->s[p->pos]))
		p->pos++;
	int is_double = 0;
	if (p->s[p->pos] == '.' && isdigit((unsigned char)p->s[p->pos + 1])) {
		is_double = 1;
		for (p->pos++; isdigit((unsigned char)p->s[p->pos]); p->pos++)
			;
	}
	if (p->s[p->pos] == 'e' || p->s[p->pos] == 'E') {
		is_double = 1;
		p->pos++;
		if (p->s[p->pos] == '+' || p->s[p->pos] == '-')
			p->pos++;
		while (isdigit((unsigned char)p->s[p->pos]))
			p->pos++;
	}
	char *t = xstrndup(p->s + start, p->pos - start);
	struct enode *n = node(N_LIT);
	char *end;
	if (!is_double) {
		long long v = strtoll(t, &end, 10);
		if (*end || (v == LLONG_MAX && strcmp(t, "9223372036854775807")))
			is_double = 1;
		else
			n->lit = integer(v);
	}
	if (is_double)
		n->lit = one((struct esql_scalar){.kind = EK_DOUBLE, .d = strtod(t, NULL)});
	free(t);
	span_unit(p, n);
	return n;
}

static struct enode *parse_call(struct parser *p, char *name, size_t at)
{
	for (char *c = name; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	const struct function *f = function_named(name);
	if (!f) {
		unsupported(p, at, "the function %s is not one casebook evaluates yet", name);
		free(name);
		return NULL;
	}
	struct enode *n = node(N_CALL);
	n->name = name;
	if (!accept(p, ")")) {
		do {
			if (!strcmp(name, "COUNT") && accept(p, "*")) {
				node_add(n, node(N_LIT)); /* COUNT(*): every row */
				continue;
			}
			struct enode *a = parse_or(p);
			if (!a)
				break;
			node_add(n, a);
		} while (accept(p, ","));
		expect(p, ")");
	}
	if (!p->failed && ((int)n->nargs < f->min || (f->max >= 0 && (int)n->nargs > f->max)))
		fail(p, at, "%s does not take %zu arguments", name, n->nargs);
	if (!p->failed && !strcmp(name, "REPLACE")) { /* a Java regular expression: PCRE2 reads its syntax */
		const struct enode *a = n->args[1];
		char msg[160];
		if (a->kind != N_LIT || a->lit.n != 1 || a->lit.v[0].kind != EK_STR)
			unsupported(p, at, "REPLACE's regular expression must be a string literal in casebook");
		else if (!(n->replace =
		               regex_compile(a->lit.v[0].s, strlen(a->lit.v[0].s), PCRE2_UTF, msg, sizeof(msg))))
			fail(p, at, "REPLACE: %s", msg);
	}
	if (!p->failed && !strcmp(name, "KQL")) { /* KQL("..."): casebook's own KQL engine, on the event */
		const struct enode *a = n->args[0];
		struct kql_error kerr;
		if (a->kind != N_LIT || a->lit.n != 1 || a->lit.v[0].kind != EK_STR)
			fail(p, at, "KQL takes a string");
		else if (!(n->kql = kql_parse(a->lit.v[0].s, &kerr)))
			fail(p, at, "the KQL in KQL() does not parse at column %zu: %s", kerr.column, kerr.msg);
	}
	if (p->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct enode *parse_primary(struct parser *p)
{
	skip_space(p);
	size_t at = p->pos;
	char c = p->s[p->pos];
	if (c == '(') {
		p->pos++;
		struct enode *n = parse_or(p);
		expect(p, ")");
		return n;
	}
	if (c == '"') {
		char *v = string_token(p);
		if (!v)
			return NULL;
		struct enode *n = node(N_LIT);
		n->lit = one((struct esql_scalar){.kind = EK_STR, .s = v});
		return n;
	}
	if (isdigit((unsigned char)c))
		return parse_number(p);
	if (accept_kw(p, "null"))
		return node(N_LIT);
	if (accept_kw(p, "true") || accept_kw(p, "false")) {
		struct enode *n = node(N_LIT);
		n->lit = boolean(tolower((unsigned char)p->s[at]) == 't');
		return n;
	}
	if (c == '?') {
		unsupported(p, at, "query parameters (?) are not supported in rules");
		return NULL;
	}
	char *name = name_token(p, 0);
	if (!name) {
		fail(p, at, "expected a value, a field or a function");
		return NULL;
	}
	if (accept(p, "("))
		return parse_call(p, name, at);
	struct enode *n = node(N_FIELD);
	n->name = name;
	return n;
}

/* Counts the nesting a node adds: beyond ESQL_MAX_DEPTH the query is refused. */
static int deeper(struct parser *p)
{
	if (++p->depth > ESQL_MAX_DEPTH) {
		fail(p, p->pos, "expressions nested deeper than %d levels", ESQL_MAX_DEPTH);
		return 0;
	}
	return 1;
}

/* -x, NOT x: an operator before its operand, a level deeper. */
static struct enode *prefix_op(struct parser *p, enum node_kind kind, struct enode *(*operand)(struct parser *))
{
	if (!deeper(p))
		return NULL;
	struct enode *a = operand(p);
	p->depth--;
	if (!a)
		return NULL;
	struct enode *n = node(kind);
	node_add(n, a);
	return n;
}

static struct enode *parse_unary(struct parser *p)
{
	if (accept(p, "-"))
		return prefix_op(p, N_NEG, parse_unary);
	if (!deeper(p))
		return NULL;
	struct enode *n = parse_primary(p);
	p->depth--;
	return n;
}

/* Left-associative arithmetic: each operator adds a level (the chain is the tree's depth). */
static struct enode *parse_arith(struct parser *p, int mul)
{
	struct enode *left = mul ? parse_unary(p) : parse_arith(p, 1);
	int levels = 0;
	while (left && !p->failed) {
		skip_space(p);
		char c = p->s[p->pos];
		int is_op =
		    mul ? (c == '*' || c == '/' || c == '%') : (c == '+' || (c == '-' && p->s[p->pos + 1] != '-'));
		if (!is_op || (c == '/' && (p->s[p->pos + 1] == '/' || p->s[p->pos + 1] == '*')))
			break;
		p->pos++;
		if (!deeper(p))
			break;
		levels++;
		struct enode *right = mul ? parse_unary(p) : parse_arith(p, 1);
		struct enode *n = node(N_ARITH);
		n->op = c;
		node_add(n, left);
		if (right)
			node_add(n, right);
		left = n;
		if (!right)
			break;
	}
	p->depth -= levels;
	if (p->failed) {
		node_free(left);
		return NULL;
	}
	return left;
}

static struct enode *parse_comparison(struct parser *p)
{
	struct enode *left = parse_arith(p, 0);
	if (!left)
		return NULL;
	static const struct {
		const char *op;
		enum cmp_op c;
	} ops[] = {{"==", C_EQ}, {"!=", C_NE}, {"<=", C_LE}, {">=", C_GE}, {"<", C_LT}, {">", C_GT}};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (accept(p, ops[i].op)) {
			struct enode *n = node(N_CMP);
			n->op = ops[i].c;
			node_add(n, left);
			struct enode *right = parse_arith(p, 0);
			if (!right) {
				node_free(n);
				return NULL;
			}
			node_add(n, right);
			return n;
		}
	size_t at = p->pos;
	int negated = accept_kw(p, "not");
	int rlike = accept_kw(p, "rlike");
	if (rlike || accept_kw(p, "like")) {
		struct enode *n = node(rlike ? N_RLIKE : N_LIKE); /* a pattern, or a list: literals after the value */
		n->op = negated;
		node_add(n, left);
		int list = accept(p, "(");
		do {
			char *pattern = string_token(p);
			if (!pattern) {
				fail(p, p->pos, "LIKE takes a string pattern");
				break;
			}
			struct enode *lit = node(N_LIT);
			lit->lit = one((struct esql_scalar){.kind = EK_STR, .s = pattern});
			node_add(n, lit);
			if (rlike) { /* Lucene's syntax, matched against the whole value, as EQL's regex */
				const char *why;
				n->res = xrealloc(n->res, (n->nres + 1) * sizeof(*n->res));
				if (!(n->res[n->nres] = lucene_regex_compile(pattern, strlen(pattern), 0, &why))) {
					if (!strcmp(why, "invalid regular expression"))
						fail(p, at, "RLIKE: %s", why);
					else /* valid, but beyond what casebook's regex engine takes safely */
						unsupported(p, at, "RLIKE: %s", why);
					break;
				}
				n->nres++;
			}
		} while (list && accept(p, ","));
		if (list)
			expect(p, ")");
		if (p->failed) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	if (accept_kw(p, "in")) {
		struct enode *n = node(N_IN);
		n->op = negated;
		node_add(n, left);
		expect(p, "(");
		do {
			struct enode *v = parse_arith(p, 0);
			if (!v)
				break;
			node_add(n, v);
		} while (accept(p, ","));
		expect(p, ")");
		if (p->failed) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	if (negated) {
		fail(p, at, "NOT here must be followed by LIKE or IN");
		node_free(left);
		return NULL;
	}
	if (accept_kw(p, "is")) {
		struct enode *n = node(N_ISNULL);
		n->op = accept_kw(p, "not");
		node_add(n, left);
		if (!accept_kw(p, "null"))
			fail(p, p->pos, "expected NULL after IS");
		return n;
	}
	return left;
}

static struct enode *parse_not(struct parser *p)
{
	if (accept_kw(p, "not"))
		return prefix_op(p, N_NOT, parse_not);
	return parse_comparison(p);
}

/* AND and OR are n-ary: a long chain is one wide node, not a deep one. */
static struct enode *parse_chain(struct parser *p, int is_or)
{
	struct enode *first = is_or ? parse_chain(p, 0) : parse_not(p);
	if (!first || !peek_kw(p, is_or ? "or" : "and"))
		return first;
	struct enode *n = node(is_or ? N_OR : N_AND);
	node_add(n, first);
	while (accept_kw(p, is_or ? "or" : "and")) {
		struct enode *next = is_or ? parse_chain(p, 0) : parse_not(p);
		if (!next) {
			node_free(n);
			return NULL;
		}
		node_add(n, next);
	}
	return n;
}

static struct enode *parse_or(struct parser *p)
{
	if (!deeper(p))
		return NULL;
	struct enode *n = parse_chain(p, 1);
	p->depth--;
	if (p->failed) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* ---- commands ---- */

static void command_free(struct command *c)
{
	node_free(c->expr);
	for (size_t i = 0; i < c->nassign; i++) {
		free(c->assign[i].name);
		free(c->assign[i].from);
		node_free(c->assign[i].expr);
	}
	free(c->assign);
	for (size_t i = 0; i < c->nby; i++) {
		free(c->by[i].name);
		node_free(c->by[i].expr);
	}
	free(c->by);
	for (size_t i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	for (size_t i = 0; i < c->nkeys; i++)
		free(c->keys[i].field);
	free(c->keys);
	node_free(c->input);
	free(c->lead);
	free(c->separator);
	for (size_t i = 0; i < c->ndkeys; i++) {
		free(c->dkeys[i].name);
		free(c->dkeys[i].delim);
	}
	free(c->dkeys);
	grok_free(c->grok);
}

static void add_name(char ***names, size_t *n, char *name)
{
	*names = xrealloc(*names, (*n + 1) * sizeof(**names));
	(*names)[(*n)++] = name;
}

static void add_assign(struct command *c, struct assign a)
{
	c->assign = xrealloc(c->assign, (c->nassign + 1) * sizeof(*c->assign));
	c->assign[c->nassign++] = a;
}

/* A list of names (patterns when allowed), comma separated. */
static void parse_names(struct parser *p, struct command *c, int patterns)
{
	do {
		char *n = name_token(p, patterns);
		if (!n) {
			fail(p, p->pos, "expected a field name");
			return;
		}
		add_name(&c->names, &c->nnames, n);
	} while (accept(p, ","));
}

/* The text of an expression as ES|QL names a column made without a name (EVAL x + 1). */
static char *expression_text(struct parser *p, size_t from)
{
	size_t end = p->pos;
	while (end > from && isspace((unsigned char)p->s[end - 1]))
		end--;
	while (from < end && isspace((unsigned char)p->s[from]))
		from++;
	return xstrndup(p->s + from, end - from);
}

/* EVAL, STATS and its BY: [name =] expression, comma separated. */
static void parse_assignments(struct parser *p, struct command *c, int aggregates, int by)
{
	do {
		skip_space(p);
		size_t start = p->pos;
		char *name = name_token(p, 0);
		if (!(name && accept(p, "=") && !(p->s[p->pos] == '='))) {
			free(name);
			name = NULL;
			p->pos = start;
		}
		struct enode *e = parse_or(p);
		if (!e) {
			free(name);
			return;
		}
		if (by) {
			if (e->kind == N_CALL && function_named(e->name)->aggregate)
				fail(p, start, "BY takes fields or expressions, not aggregates");
			c->by = xrealloc(c->by, (c->nby + 1) * sizeof(*c->by));
			c->by[c->nby++] = (struct assign){name                 ? name
			                                  : e->kind == N_FIELD ? xstrdup(e->name)
			                                                       : expression_text(p, start),
			                                  e, NULL};
			continue;
		}
		if (aggregates && (e->kind != N_CALL || !function_named(e->name)->aggregate)) {
			fail(p, start,
			     "STATS takes aggregate functions (COUNT, COUNT_DISTINCT, VALUES, MIN, MAX, SUM, AVG)");
			node_free(e);
			free(name);
			return;
		}
		add_assign(c, (struct assign){name ? name : expression_text(p, start), e, NULL});
	} while (accept(p, ","));
}

static int aggregate_inside(const struct enode *n)
{
	for (size_t i = 0; i < n->nargs; i++)
		if ((n->args[i]->kind == N_CALL && function_named(n->args[i]->name)->aggregate) ||
		    aggregate_inside(n->args[i]))
			return 1;
	return 0;
}

static void parse_sort(struct parser *p, struct command *c)
{
	do {
		char *f = name_token(p, 0);
		if (!f) {
			fail(p, p->pos, "SORT takes field names");
			return;
		}
		struct sort_key k = {f, 0, 0};
		if (accept_kw(p, "desc"))
			k.desc = 1;
		else
			accept_kw(p, "asc");
		k.nulls_first = k.desc; /* ES|QL: nulls last ascending, first descending */
		if (accept_kw(p, "nulls")) {
			if (accept_kw(p, "first"))
				k.nulls_first = 1;
			else if (accept_kw(p, "last"))
				k.nulls_first = 0;
			else
				fail(p, p->pos, "expected FIRST or LAST after NULLS");
		}
		c->keys = xrealloc(c->keys, (c->nkeys + 1) * sizeof(*c->keys));
		c->keys[c->nkeys++] = k;
	} while (accept(p, ","));
}

/* DISSECT input "pattern" [APPEND_SEPARATOR = "sep"]: %{key}, %{+key} (appended), %{?key} and
 * %{} (skipped), %{key->} (the delimiter's repeats skipped); references (%{*k} %{&k}) are refused. */
static void parse_dissect(struct parser *p, struct command *c)
{
	c->input = parse_primary(p);
	size_t at = (skip_space(p), p->pos);
	char *pat = c->input ? string_token(p) : NULL;
	if (!pat) {
		fail(p, at, "DISSECT takes a field and a pattern");
		return;
	}
	const char *q = pat;
	const char *open = strstr(q, "%{");
	c->lead = xstrndup(q, open ? (size_t)(open - q) : strlen(q));
	while (open && !p->failed) {
		const char *close = strchr(open, '}');
		if (!close) {
			fail(p, at, "DISSECT: a %%{ is not closed");
			break;
		}
		struct dissect_key k = {NULL, NULL, 0, 0};
		const char *n = open + 2, *end = close;
		if (end - n >= 2 && !strncmp(end - 2, "->", 2))
			k.pad = 1, end -= 2;
		if (*n == '+')
			k.append = 1, n++;
		if (*n == '*' || *n == '&') {
			unsupported(p, at,
			            "DISSECT reference keys (%%{*key}, %%{&key}) are not ones casebook evaluates yet");
			break;
		}
		if (*n != '?' && end > n)
			k.name = xstrndup(n, (size_t)(end - n));
		open = strstr(close + 1, "%{");
		k.delim = xstrndup(close + 1, open ? (size_t)(open - close - 1) : strlen(close + 1));
		if (open && !*k.delim)
			fail(p, at, "DISSECT: two keys need a delimiter between them");
		c->dkeys = xrealloc(c->dkeys, (c->ndkeys + 1) * sizeof(*c->dkeys));
		c->dkeys[c->ndkeys++] = k;
	}
	free(pat);
	if (!p->failed && !c->ndkeys)
		fail(p, at, "DISSECT's pattern names no key");
	if (!p->failed && accept_kw(p, "append_separator")) {
		expect(p, "=");
		if (!(c->separator = string_token(p)))
			fail(p, p->pos, "APPEND_SEPARATOR takes a string");
	}
}

static void parse_from(struct parser *p, struct esql_query *q)
{
	do {
		skip_space(p);
		size_t start = p->pos;
		char *s = p->s[p->pos] == '"' ? string_token(p) : NULL;
		if (!s) {
			while (p->s[p->pos] && !isspace((unsigned char)p->s[p->pos]) && p->s[p->pos] != ',' &&
			       p->s[p->pos] != '|')
				p->pos++;
			if (p->pos == start) {
				fail(p, start, "FROM takes index patterns");
				return;
			}
			s = xstrndup(p->s + start, p->pos - start);
		}
		add_name(&q->indices, &q->nindices, s);
	} while (accept(p, ","));
	if (accept_kw(p, "metadata"))
		do {
			char *m = name_token(p, 0);
			if (!m) {
				fail(p, p->pos, "METADATA takes _id, _index or _version");
				return;
			}
			if (!strcmp(m, "_id"))
				q->meta_id = 1;
			else if (!strcmp(m, "_index"))
				q->meta_index = 1;
			else if (!strcmp(m, "_version"))
				q->meta_version = 1;
			else
				unsupported(p, p->pos, "METADATA %s is not one casebook has (_id, _index, _version)",
				            m);
			free(m);
		} while (accept(p, ","));
}

/* What casebook does not run, said by name. */
static const char *const unsupported_commands[] = {"ENRICH", "LOOKUP", "COMPLETION", "CHANGE_POINT", "FORK",
                                                   "SAMPLE", "RERANK", "ROW",        "SHOW",         "FUSE"};

static void parse_command(struct parser *p, struct esql_query *q)
{
	skip_space(p);
	size_t at = p->pos;
	struct command c;
	memset(&c, 0, sizeof(c));
	if (accept_kw(p, "where")) {
		c.kind = K_WHERE;
		c.expr = parse_or(p);
	} else if (accept_kw(p, "eval")) {
		c.kind = K_EVAL;
		parse_assignments(p, &c, 0, 0);
		for (size_t i = 0; i < c.nassign && !p->failed; i++)
			if (c.assign[i].expr->kind == N_CALL && function_named(c.assign[i].expr->name)->aggregate)
				fail(p, at, "%s is an aggregate: it belongs in STATS", c.assign[i].expr->name);
	} else if (accept_kw(p, "keep")) {
		c.kind = K_KEEP;
		parse_names(p, &c, 1);
	} else if (accept_kw(p, "drop")) {
		c.kind = K_DROP;
		parse_names(p, &c, 1);
	} else if (accept_kw(p, "rename")) {
		c.kind = K_RENAME;
		do {
			char *from = name_token(p, 0), *to = NULL;
			if (from && accept_kw(p, "as"))
				to = name_token(p, 0);
			if (!to) {
				fail(p, p->pos, "RENAME takes old AS new");
				free(from);
				break;
			}
			add_assign(&c, (struct assign){to, NULL, from});
		} while (accept(p, ","));
	} else if (accept_kw(p, "grok")) {
		c.kind = K_GROK;
		c.input = parse_primary(p);
		size_t pat_at = (skip_space(p), p->pos);
		char *pat = c.input ? string_token(p) : NULL;
		char why[200];
		int unsup;
		if (!pat)
			fail(p, pat_at, "GROK takes a field and a pattern");
		else if (!(c.grok = grok_compile(pat, why, sizeof(why), &unsup)) && unsup)
			unsupported(p, pat_at, "%s", why);
		else if (!c.grok)
			fail(p, pat_at, "%s", why);
		free(pat);
	} else if (accept_kw(p, "dissect")) {
		c.kind = K_DISSECT;
		parse_dissect(p, &c);
	} else if (accept_kw(p, "mv_expand")) {
		c.kind = K_MV_EXPAND;
		char *f = name_token(p, 0);
		if (f)
			add_name(&c.names, &c.nnames, f);
		else
			fail(p, p->pos, "MV_EXPAND takes a field");
	} else if (accept_kw(p, "stats") ||
	           ((accept_kw(p, "inlinestats") || (accept_kw(p, "inline") && accept_kw(p, "stats"))) &&
	            (c.inline_stats = 1))) {
		c.kind = K_STATS;
		if (!peek_kw(p, "by"))
			parse_assignments(p, &c, 1, 0);
		for (size_t i = 0; i < c.nassign && !p->failed; i++)
			if (aggregate_inside(c.assign[i].expr))
				unsupported(p, at, "an aggregate inside another is not something casebook evaluates");
		if (!p->failed && accept_kw(p, "by"))
			parse_assignments(p, &c, 0, 1);
		if (!p->failed && !c.nassign && !c.nby)
			fail(p, at, "STATS takes aggregates, BY fields, or both");
	} else if (accept_kw(p, "sort")) {
		c.kind = K_SORT;
		parse_sort(p, &c);
	} else if (accept_kw(p, "limit")) {
		c.kind = K_LIMIT;
		skip_space(p);
		char *end;
		long long n = strtoll(p->s + p->pos, &end, 10);
		if (end == p->s + p->pos || n < 0)
			fail(p, p->pos, "LIMIT takes a whole number");
		p->pos = (size_t)(end - p->s);
		c.limit = n;
	} else {
		if (peek_kw(p, "COMPLETION")) {
			unsupported(p, at, "it calls COMPLETION, an LLM inference endpoint, which cannot run offline");
			return;
		}
		for (size_t i = 0; i < sizeof(unsupported_commands) / sizeof(unsupported_commands[0]); i++)
			if (peek_kw(p, unsupported_commands[i])) {
				unsupported(p, at, "the ES|QL command %s is not one casebook runs yet",
				            unsupported_commands[i]);
				return;
			}
		fail(p, at,
		     "expected an ES|QL command (WHERE, EVAL, STATS, KEEP, DROP, RENAME, SORT, LIMIT, MV_EXPAND)");
		return;
	}
	if (p->failed) {
		command_free(&c);
		return;
	}
	q->cmds = xrealloc(q->cmds, (q->ncmds + 1) * sizeof(*q->cmds));
	q->cmds[q->ncmds++] = c;
}

static void collect_fields(const struct enode *n, char ***names, size_t *count)
{
	if (!n)
		return;
	if (n->kind == N_FIELD)
		add_name(names, count, xstrdup(n->name));
	for (size_t i = 0; i < n->nargs; i++)
		collect_fields(n->args[i], names, count);
}

/* The names the window's commands read: what a row must carry out of its event. */
static void plan_split(struct esql_query *q)
{
	q->split = q->ncmds;
	for (size_t i = 0; i < q->ncmds; i++)
		if (q->cmds[i].kind == K_STATS || q->cmds[i].kind == K_SORT || q->cmds[i].kind == K_LIMIT) {
			q->split = i;
			break;
		}
	for (size_t i = q->split; i < q->ncmds; i++) {
		const struct command *c = &q->cmds[i];
		collect_fields(c->expr, &q->referenced, &q->nreferenced);
		collect_fields(c->input, &q->referenced, &q->nreferenced);
		for (size_t k = 0; k < c->nassign; k++) {
			collect_fields(c->assign[k].expr, &q->referenced, &q->nreferenced);
			if (c->assign[k].from)
				add_name(&q->referenced, &q->nreferenced, xstrdup(c->assign[k].from));
		}
		for (size_t k = 0; k < c->nby; k++)
			collect_fields(c->by[k].expr, &q->referenced, &q->nreferenced);
		for (size_t k = 0; k < c->nnames; k++)
			add_name(&q->referenced, &q->nreferenced, xstrdup(c->names[k]));
		for (size_t k = 0; k < c->nkeys; k++)
			add_name(&q->referenced, &q->nreferenced, xstrdup(c->keys[k].field));
	}
}

struct esql_query *esql_parse(const char *text, struct esql_error *err)
{
	memset(err, 0, sizeof(*err));
	struct parser p = {.s = text ? text : "", .err = err};
	struct esql_query *q = xcalloc(1, sizeof(*q));
	if (!accept_kw(&p, "from")) {
		fail(&p, p.pos, "an ES|QL rule starts with FROM");
	} else {
		parse_from(&p, q);
		while (!p.failed && accept(&p, "|"))
			parse_command(&p, q);
		skip_space(&p);
		if (!p.failed && p.s[p.pos])
			fail(&p, p.pos, "expected | and a command");
	}
	if (p.failed) {
		esql_free(q);
		return NULL;
	}
	plan_split(q);
	return q;
}

void esql_free(struct esql_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->ncmds; i++)
		command_free(&q->cmds[i]);
	free(q->cmds);
	for (size_t i = 0; i < q->nindices; i++)
		free(q->indices[i]);
	free(q->indices);
	for (size_t i = 0; i < q->nreferenced; i++)
		free(q->referenced[i]);
	free(q->referenced);
	free(q->replaced);
	free(q);
}

/* The leading WHERE commands' ANDed conditions, each offered to fn until it returns nonzero. */
static int each_leading_condition(const struct esql_query *q, int (*fn)(const struct enode *n, void *ctx), void *ctx)
{
	const struct enode *stack[ESQL_MAX_DEPTH];
	for (size_t i = 0; i < q->ncmds && q->cmds[i].kind == K_WHERE; i++) {
		size_t top = 0;
		stack[top++] = q->cmds[i].expr;
		while (top > 0) {
			const struct enode *n = stack[--top];
			if (n && n->kind == N_AND) {
				for (size_t k = 0; k < n->nargs && top < ESQL_MAX_DEPTH; k++)
					stack[top++] = n->args[k];
			} else if (n && fn(n, ctx))
				return 1;
		}
	}
	return 0;
}

/* `field == "string"`: the string, else NULL. */
static const char *equality_string(const struct enode *n, const char **field)
{
	if (n->kind != N_CMP || n->op != C_EQ || n->nargs != 2)
		return NULL;
	const struct enode *f = n->args[0], *v = n->args[1];
	if (f->kind == N_LIT)
		f = n->args[1], v = n->args[0];
	if (f->kind != N_FIELD || v->kind != N_LIT || v->lit.n != 1 || v->lit.v[0].kind != EK_STR || f->name[0] == '_')
		return NULL;
	*field = f->name;
	return v->lit.v[0].s;
}

struct required {
	const char *field, *value;
};

static int find_required(const struct enode *n, void *ctx)
{
	struct required *r = ctx;
	const char *field, *s = equality_string(n, &field);
	if (s && !strcmp(field, r->field))
		r->value = s;
	return r->value != NULL;
}

int esql_required_values(const struct esql_query *q, const char *field, char ***values, size_t *n)
{
	struct required r = {field, NULL};
	if (!each_leading_condition(q, find_required, &r))
		return 0;
	*values = xmalloc(sizeof(**values));
	(*values)[0] = xstrdup(r.value);
	*n = 1;
	return 1;
}

/* The most selective needles of the conditions seen so far and this one's (a keyword field
 * equal to a string holds it in the event's text; detect/needles.h says which qualify). */
static int keep_needles(const struct enode *n, void *ctx)
{
	struct needles *nd = ctx, one, best;
	const char *field, *s = equality_string(n, &field);
	needles_init(&one);
	if (s && needle_candidate(field, s, strlen(s)))
		needles_one(&one, s, strlen(s));
	needles_best(&best, nd, &one);
	*nd = best;
	return 0;
}

void esql_needles(const struct esql_query *q, struct needles *nd)
{
	needles_init(nd);
	each_leading_condition(q, keep_needles, nd);
}

char *const *esql_indices(const struct esql_query *q, size_t *n)
{
	*n = q->nindices;
	return q->indices;
}

int esql_aggregates(const struct esql_query *q)
{
	for (size_t i = 0; i < q->ncmds; i++)
		if (q->cmds[i].kind == K_STATS)
			return 1;
	return 0;
}

int esql_has_id_metadata(const struct esql_query *q)
{
	return q->meta_id;
}

size_t esql_truncations(const struct esql_query *q)
{
	return q->truncations;
}

const char *esql_fault(const struct esql_query *q)
{
	return q->faulted ? q->fault : NULL;
}

/* ---- rows ---- */

/* LIKE: * any characters, ? one, \ escapes; case-sensitive, over the whole value. KEEP's and
 * DROP's name patterns (only *) are read the same way. */
static int like_match(const char *pat, const char *s)
{
	const char *star = NULL, *after = NULL;
	while (*s) {
		if (*pat == '\\' && pat[1] && pat[1] == *s) {
			pat += 2, s++;
		} else if (*pat == '*') {
			star = pat++;
			after = s;
		} else if (*pat == '?' || (*pat == *s && *pat != '\\')) {
			/* one character: a whole UTF-8 sequence */
			s++;
			while (*pat == '?' && ((unsigned char)*s & 0xC0) == 0x80)
				s++;
			pat++;
		} else if (star) {
			pat = star + 1;
			s = ++after;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static long column_index(const struct esql_row *r, const char *name)
{
	for (size_t i = r->n; i-- > 0;)
		if (!strcmp(r->names[i], name))
			return (long)i;
	return -1;
}

/* Sets a column (the value passes to the row). */
static void set_column(struct esql_row *r, const char *name, struct esql_value v, int computed)
{
	long i = column_index(r, name);
	if (i >= 0) {
		value_free(&r->vals[i]);
		r->vals[i] = v;
		r->computed[i] = (unsigned char)computed;
		return;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->names = xrealloc(r->names, r->cap * sizeof(*r->names));
		r->vals = xrealloc(r->vals, r->cap * sizeof(*r->vals));
		r->computed = xrealloc(r->computed, r->cap);
	}
	r->names[r->n] = xstrdup(name);
	r->vals[r->n] = v;
	r->computed[r->n++] = (unsigned char)computed;
}

static void remove_column(struct esql_row *r, size_t i)
{
	free(r->names[i]);
	value_free(&r->vals[i]);
	memmove(r->names + i, r->names + i + 1, (r->n - i - 1) * sizeof(*r->names));
	memmove(r->vals + i, r->vals + i + 1, (r->n - i - 1) * sizeof(*r->vals));
	memmove(r->computed + i, r->computed + i + 1, r->n - i - 1);
	r->n--;
}

static int hidden(const struct esql_row *r, const char *name)
{
	for (size_t i = 0; i < r->nhidden; i++)
		if (like_match(r->hidden[i], name))
			return 1;
	return 0;
}

struct reading {
	struct esql_value *v;
	int date;
};

static int read_json_value(void *ctx, const cJSON *j)
{
	struct reading *rd = ctx;
	if (cJSON_IsString(j)) {
		int64_t us;
		if (rd->date && !field_date_text(j->valuestring, strlen(j->valuestring), &us))
			value_add(rd->v, (struct esql_scalar){.kind = EK_DATE, .i = us});
		else
			value_add(rd->v, (struct esql_scalar){.kind = EK_STR, .s = xstrdup(j->valuestring)});
	} else if (cJSON_IsBool(j)) {
		value_add(rd->v, (struct esql_scalar){.kind = EK_BOOL, .i = cJSON_IsTrue(j)});
	} else if (cJSON_IsNumber(j)) {
		double d = j->valuedouble;
		int64_t i;
		if (rd->date) { /* a date column holds dates: out of the years 0001-9999, null */
			if (!field_date_ms(d, &i))
				value_add(rd->v, (struct esql_scalar){.kind = EK_DATE, .i = i});
		} else if (!number_whole_int64(d, INT64_MIN, INT64_MAX, &i))
			value_add(rd->v, (struct esql_scalar){.kind = EK_INT, .i = i});
		else
			value_add(rd->v, (struct esql_scalar){.kind = EK_DOUBLE, .d = d});
	}
	return 0;
}

/* A column's value, or the event's field of that name (a copy: the caller frees it). */
static struct esql_value lookup(const struct esql_row *r, const char *name)
{
	long i = column_index(r, name);
	struct esql_value v = {NULL, 0};
	if (i >= 0) {
		v = value_copy(&r->vals[i]);
	} else if (r->src && !hidden(r, name)) {
		struct reading rd = {&v, field_type(name, strlen(name)) == FT_DATE};
		field_each(r->src, name, strlen(name), read_json_value, &rd);
	}
	charge(value_bytes(&v));
	return v;
}

void esql_row_release(struct esql_row *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->names[i]);
		value_free(&r->vals[i]);
	}
	free(r->names);
	free(r->vals);
	free(r->computed);
	for (size_t i = 0; i < r->nhidden; i++)
		free(r->hidden[i]);
	free(r->hidden);
	memset(r, 0, sizeof(*r));
}

size_t esql_row_bytes(const struct esql_row *r)
{
	size_t n = sizeof(*r) + r->cap * (sizeof(*r->names) + sizeof(*r->vals) + 1);
	for (size_t i = 0; i < r->n; i++)
		n += strlen(r->names[i]) + 1 + value_bytes(&r->vals[i]);
	for (size_t i = 0; i < r->nhidden; i++)
		n += sizeof(*r->hidden) + strlen(r->hidden[i]) + 1;
	return n;
}

void esql_row_copy(struct esql_row *to, const struct esql_row *from)
{
	memset(to, 0, sizeof(*to));
	for (size_t i = 0; i < from->n; i++)
		set_column(to, from->names[i], value_copy(&from->vals[i]), from->computed[i]);
	to->src = from->src;
	for (size_t i = 0; i < from->nhidden; i++)
		add_name(&to->hidden, &to->nhidden, xstrdup(from->hidden[i]));
	to->tag = from->tag;
}

static cJSON *scalar_json(const struct esql_scalar *s)
{
	char buf[40];
	switch (s->kind) {
	case EK_BOOL: return cJSON_CreateBool((int)s->i);
	case EK_INT: snprintf(buf, sizeof(buf), "%lld", (long long)s->i); return cJSON_CreateRaw(buf);
	case EK_DOUBLE: return isfinite(s->d) ? cJSON_CreateNumber(s->d) : cJSON_CreateNull();
	case EK_DATE: {
		char t[TIME_ISO_LEN];
		time_format_iso8601(s->i, t);
		return cJSON_CreateString(t);
	}
	case EK_SPAN: snprintf(buf, sizeof(buf), "%llds", (long long)(s->i / 1000000)); return cJSON_CreateString(buf);
	default: return cJSON_CreateString(s->s);
	}
}

void esql_row_to_json(const struct esql_row *r, cJSON *obj, int all)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!all && !r->computed[i])
			continue;
		const struct esql_value *v = &r->vals[i];
		cJSON *j;
		if (v->n == 0) {
			j = cJSON_CreateNull();
		} else if (v->n == 1) {
			j = scalar_json(&v->v[0]);
		} else {
			j = cJSON_CreateArray();
			for (size_t k = 0; k < v->n; k++)
				cJSON_AddItemToArray(j, scalar_json(&v->v[k]));
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, r->names[i]);
		cJSON_AddItemToObject(obj, r->names[i], j);
	}
}

/* ---- evaluation ---- */

static int is_number(const struct esql_scalar *s)
{
	return s->kind == EK_INT || s->kind == EK_DOUBLE;
}

static double as_double(const struct esql_scalar *s)
{
	return s->kind == EK_DOUBLE ? s->d : (double)s->i;
}

/* -1, 0 or 1 into *out; -1 when the two do not compare (ES|QL would refuse the query). */
static int compare_scalars(const struct esql_scalar *a, const struct esql_scalar *b, int *out)
{
	if (is_number(a) && is_number(b)) {
		if (a->kind == EK_INT && b->kind == EK_INT)
			*out = (a->i > b->i) - (a->i < b->i);
		else
			*out = (as_double(a) > as_double(b)) - (as_double(a) < as_double(b));
		return 0;
	}
	if (a->kind == EK_STR && b->kind == EK_STR) {
		int c = strcmp(a->s, b->s);
		*out = (c > 0) - (c < 0);
		return 0;
	}
	if ((a->kind == EK_DATE || b->kind == EK_DATE) && a->kind != EK_BOOL && b->kind != EK_BOOL &&
	    a->kind != EK_SPAN && b->kind != EK_SPAN) {
		int64_t x, y; /* a date compares with a date, an ISO 8601 string, or epoch milliseconds */
		const struct esql_scalar *s[2] = {a, b};
		int64_t *o[2] = {&x, &y};
		for (int k = 0; k < 2; k++) {
			if (s[k]->kind == EK_DATE)
				*o[k] = s[k]->i;
			else if (s[k]->kind == EK_STR && !field_date_text(s[k]->s, strlen(s[k]->s), o[k]))
				;
			else if (s[k]->kind == EK_INT)
				*o[k] = s[k]->i * 1000;
			else
				return -1;
		}
		*out = (x > y) - (x < y);
		return 0;
	}
	if ((a->kind == EK_BOOL && b->kind == EK_BOOL) || (a->kind == EK_SPAN && b->kind == EK_SPAN)) {
		*out = (a->i > b->i) - (a->i < b->i);
		return 0;
	}
	return -1;
}

static int single(const struct esql_value *v)
{
	return v->n == 1;
}

static struct esql_value eval(const struct enode *n, const struct esql_row *r);

static struct esql_value eval_logic(const struct enode *n, const struct esql_row *r)
{
	int any_null = 0, is_and = n->kind == N_AND;
	for (size_t i = 0; i < n->nargs; i++) {
		struct esql_value v = eval(n->args[i], r);
		int known = single(&v) && v.v[0].kind == EK_BOOL;
		int b = known && v.v[0].i;
		value_free(&v);
		if (!known)
			any_null = 1;
		else if (is_and ? !b : b)
			return boolean(!is_and);
	}
	return any_null ? null_value : boolean(is_and);
}

static struct esql_value eval_compare(const struct enode *n, const struct esql_row *r)
{
	struct esql_value a = eval(n->args[0], r), b = eval(n->args[1], r), out = null_value;
	int c;
	if (single(&a) && single(&b) && !compare_scalars(&a.v[0], &b.v[0], &c)) {
		static const int want[][3] = {{0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1}};
		out = boolean(want[n->op][c + 1]); /* [op][less, equal, greater] */
	}
	value_free(&a);
	value_free(&b);
	return out;
}

static struct esql_value eval_arith(const struct enode *n, const struct esql_row *r)
{
	struct esql_value a = eval(n->args[0], r), b = eval(n->args[1], r), out = null_value;
	int64_t us; /* a string beside a time span is a date, as ES|QL casts a literal */
	if (single(&a) && single(&b) && a.v[0].kind == EK_STR && b.v[0].kind == EK_SPAN &&
	    !field_date_text(a.v[0].s, strlen(a.v[0].s), &us)) {
		free(a.v[0].s);
		a.v[0] = (struct esql_scalar){.kind = EK_DATE, .i = us};
	}
	if (single(&a) && single(&b) && (n->op == '+' || n->op == '-') && a.v[0].kind == EK_DATE &&
	    b.v[0].kind == EK_SPAN) { /* a date moved by a time span */
		int64_t res;
		if (!(n->op == '+' ? __builtin_add_overflow(a.v[0].i, b.v[0].i, &res)
		                   : __builtin_sub_overflow(a.v[0].i, b.v[0].i, &res)))
			out = one((struct esql_scalar){.kind = EK_DATE, .i = res});
	} else if (single(&a) && single(&b) && n->op == '+' && a.v[0].kind == EK_SPAN && b.v[0].kind == EK_DATE) {
		int64_t res;
		if (!__builtin_add_overflow(a.v[0].i, b.v[0].i, &res))
			out = one((struct esql_scalar){.kind = EK_DATE, .i = res});
	} else if (single(&a) && single(&b) && is_number(&a.v[0]) && is_number(&b.v[0])) {
		const struct esql_scalar *x = &a.v[0], *y = &b.v[0];
		if (x->kind == EK_INT && y->kind == EK_INT) {
			int64_t res = 0;
			int bad = 0;
			switch (n->op) {
			case '+': bad = __builtin_add_overflow(x->i, y->i, &res); break;
			case '-': bad = __builtin_sub_overflow(x->i, y->i, &res); break;
			case '*': bad = __builtin_mul_overflow(x->i, y->i, &res); break;
			case '/':
				bad = y->i == 0 || (x->i == INT64_MIN && y->i == -1);
				res = bad ? 0 : x->i / y->i;
				break;
			default: bad = y->i == 0 || (x->i == INT64_MIN && y->i == -1); res = bad ? 0 : x->i % y->i;
			}
			if (!bad) /* an overflow or a division by zero is null, as ES|QL warns */
				out = integer(res);
		} else {
			double p = as_double(x), q = as_double(y), res;
			switch (n->op) {
			case '+': res = p + q; break;
			case '-': res = p - q; break;
			case '*': res = p * q; break;
			case '/': res = q == 0 ? NAN : p / q; break;
			default: res = q == 0 ? NAN : fmod(p, q);
			}
			if (isfinite(res))
				out = one((struct esql_scalar){.kind = EK_DOUBLE, .d = res});
		}
	}
	value_free(&a);
	value_free(&b);
	return out;
}

static struct esql_value eval_in(const struct enode *n, const struct esql_row *r)
{
	struct esql_value a = eval(n->args[0], r);
	if (!single(&a)) {
		value_free(&a);
		return null_value;
	}
	int found = 0, any_null = 0;
	for (size_t i = 1; i < n->nargs && !found; i++) {
		struct esql_value b = eval(n->args[i], r);
		int c;
		if (!single(&b))
			any_null = 1;
		else if (!compare_scalars(&a.v[0], &b.v[0], &c) && c == 0)
			found = 1;
		value_free(&b);
	}
	value_free(&a);
	if (found)
		return boolean(!n->op);
	return any_null ? null_value : boolean(n->op);
}

static struct esql_value eval_call(const struct enode *n, const struct esql_row *r);

static struct esql_value eval_node(const struct enode *n, const struct esql_row *r)
{
	switch (n->kind) {
	case N_LIT: return value_copy(&n->lit);
	case N_FIELD: return lookup(r, n->name);
	case N_NOT: {
		struct esql_value v = eval(n->args[0], r);
		struct esql_value out = single(&v) && v.v[0].kind == EK_BOOL ? boolean(!v.v[0].i) : null_value;
		value_free(&v);
		return out;
	}
	case N_AND:
	case N_OR: return eval_logic(n, r);
	case N_CMP: return eval_compare(n, r);
	case N_ARITH: return eval_arith(n, r);
	case N_NEG: {
		struct esql_value v = eval(n->args[0], r), out = null_value;
		if (single(&v) && v.v[0].kind == EK_INT && v.v[0].i != INT64_MIN)
			out = integer(-v.v[0].i);
		else if (single(&v) && v.v[0].kind == EK_DOUBLE)
			out = one((struct esql_scalar){.kind = EK_DOUBLE, .d = -v.v[0].d});
		value_free(&v);
		return out;
	}
	case N_IN: return eval_in(n, r);
	case N_ISNULL: {
		struct esql_value v = eval(n->args[0], r);
		int is_null = v.n == 0;
		value_free(&v);
		return boolean(n->op ? !is_null : is_null);
	}
	case N_LIKE: {
		struct esql_value v = eval(n->args[0], r), out = null_value;
		if (single(&v) && v.v[0].kind == EK_STR) {
			int hit = 0;
			for (size_t i = 1; i < n->nargs && !hit; i++)
				hit = like_match(n->args[i]->lit.v[0].s, v.v[0].s);
			out = boolean(hit != n->op);
		}
		value_free(&v);
		return out;
	}
	case N_RLIKE: {
		struct esql_value v = eval(n->args[0], r), out = null_value;
		if (single(&v) && v.v[0].kind == EK_STR) {
			int hit = 0;
			for (size_t i = 0; i < n->nres && !hit; i++)
				hit = regex_match_whole(n->res[i], v.v[0].s, strlen(v.v[0].s));
			/* a limit reached: null, and the event given up (esql_gave_up) */
			out = hit == REGEX_GAVE_UP ? null_value : boolean(hit != n->op);
		}
		value_free(&v);
		return out;
	}
	default: return eval_call(n, r);
	}
}

/* A fault stops the evaluation; what each node gives is charged to the budget. */
static struct esql_value eval(const struct enode *n, const struct esql_row *r)
{
	if (faulted())
		return null_value;
	struct esql_value v = eval_node(n, r);
	if (n->kind != N_FIELD) /* lookup charges its own */
		charge(value_bytes(&v));
	return v;
}

static int truthy(const struct esql_value *v)
{
	return single(v) && v->v[0].kind == EK_BOOL && v->v[0].i;
}

/* ---- functions ---- */

static char *scalar_text(const struct esql_scalar *s)
{
	char buf[64];
	switch (s->kind) {
	case EK_BOOL: return xstrdup(s->i ? "true" : "false");
	case EK_INT: snprintf(buf, sizeof(buf), "%lld", (long long)s->i); return xstrdup(buf);
	case EK_DOUBLE: snprintf(buf, sizeof(buf), "%.17g", s->d); return xstrdup(buf);
	case EK_DATE: {
		char t[TIME_ISO_LEN];
		time_format_iso8601(s->i, t);
		return xstrdup(t);
	}
	case EK_SPAN: snprintf(buf, sizeof(buf), "%llds", (long long)(s->i / 1000000)); return xstrdup(buf);
	default: return xstrdup(s->s);
	}
}

static size_t code_points(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The byte offset of code point k (the end when k is past it). */
static size_t offset_of(const char *s, size_t k)
{
	size_t i = 0;
	for (; s[i] && k; k--)
		for (i++; s[i] && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
			;
	return i;
}

/* A function of one single-valued string (null otherwise). */
static const char *string_arg(const struct esql_value *v)
{
	return single(v) && v->v[0].kind == EK_STR ? v->v[0].s : NULL;
}

static int int_arg(const struct esql_value *v, int64_t *out)
{
	if (!single(v) || v->v[0].kind != EK_INT)
		return -1;
	*out = v->v[0].i;
	return 0;
}

static struct esql_value case_change(const struct esql_value *v, int upper)
{
	struct esql_value out = null_value;
	for (size_t i = 0; i < v->n; i++) {
		if (v->v[i].kind != EK_STR)
			continue;
		char *s = xstrdup(v->v[i].s);
		for (char *c = s; *c; c++) /* ASCII: Elastic's rules compare lower-cased paths and names */
			*c = (char)(upper ? toupper((unsigned char)*c) : tolower((unsigned char)*c));
		value_add(&out, (struct esql_scalar){.kind = EK_STR, .s = s});
	}
	return out;
}

static struct esql_value trim(const char *s, int left, int right)
{
	size_t a = 0, b = strlen(s);
	while (left && a < b && isspace((unsigned char)s[a]))
		a++;
	while (right && b > a && isspace((unsigned char)s[b - 1]))
		b--;
	return text(s + a, b - a);
}

static struct esql_value substring(const char *s, int64_t start, int has_len, int64_t len)
{
	int64_t n = (int64_t)code_points(s);
	if (start < 0)
		start = n + start + 1;
	if (start < 1)
		start = 1;
	int64_t end = has_len ? (len < 0 ? start - 1 : start - 1 + len) : n;
	if (end > n)
		end = n;
	size_t a = offset_of(s, (size_t)(start - 1)), b = end > start - 1 ? offset_of(s, (size_t)end) : a;
	return text(s + a, b > a ? b - a : 0);
}

static struct esql_value mv_pick(const struct esql_value *v, int which) /* 0 first, 1 last, 2 min, 3 max */
{
	if (!v->n)
		return null_value;
	size_t best = which == 1 ? v->n - 1 : 0;
	for (size_t i = 1; which >= 2 && i < v->n; i++) {
		int c;
		if (!compare_scalars(&v->v[i], &v->v[best], &c) && (which == 2 ? c < 0 : c > 0))
			best = i;
	}
	return one(scalar_copy(&v->v[best]));
}

static int scalar_equal(const struct esql_scalar *a, const struct esql_scalar *b)
{
	int c;
	return a->kind == b->kind && !compare_scalars(a, b, &c) && c == 0;
}

static const struct esql_scalar *deduping; /* qsort has no context */

static int by_scalar_then_index(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct esql_scalar *x = &deduping[a], *y = &deduping[b];
	int c = 0;
	if (x->kind != y->kind)
		c = (x->kind > y->kind) - (x->kind < y->kind);
	else if (compare_scalars(x, y, &c))
		c = 0;
	return c ? c : (a > b) - (a < b);
}

/* The distinct values, each where it first occurs: sorted, not compared pairwise (VALUES and
 * COUNT_DISTINCT over a window of many values). */
static struct esql_value dedupe(const struct esql_value *v)
{
	size_t *order = xmalloc((v->n ? v->n : 1) * sizeof(*order));
	unsigned char *first = xcalloc(v->n ? v->n : 1, 1);
	for (size_t i = 0; i < v->n; i++)
		order[i] = i;
	deduping = v->v;
	qsort(order, v->n, sizeof(*order), by_scalar_then_index);
	for (size_t i = 0; i < v->n; i++)
		first[order[i]] = !i || !scalar_equal(&v->v[order[i]], &v->v[order[i - 1]]);
	struct esql_value out = null_value;
	for (size_t i = 0; i < v->n; i++)
		if (first[i])
			value_add(&out, scalar_copy(&v->v[i]));
	free(order);
	free(first);
	return out;
}

static struct esql_value to_number(const struct esql_value *v, int want_double)
{
	struct esql_value out = null_value;
	for (size_t i = 0; i < v->n; i++) {
		const struct esql_scalar *s = &v->v[i];
		double d;
		if (s->kind == EK_STR) {
			char *end;
			d = strtod(s->s, &end);
			if (end == s->s || *end)
				continue; /* not a number: null, as ES|QL warns */
		} else if (s->kind == EK_DATE) {
			d = (double)(s->i / 1000);
		} else {
			d = s->kind == EK_DOUBLE ? s->d : (double)s->i;
		}
		int64_t whole;
		if (want_double)
			value_add(&out, (struct esql_scalar){.kind = EK_DOUBLE, .d = d});
		else if (!number_to_int64(d, INT64_MIN, INT64_MAX, &whole))
			value_add(&out, (struct esql_scalar){.kind = EK_INT, .i = whole});
	}
	return out;
}

static struct esql_value mv_slice(const struct esql_value *v, int64_t start, int64_t end)
{
	int64_t n = (int64_t)v->n;
	if (start < 0)
		start += n;
	if (end < 0)
		end += n;
	struct esql_value out = null_value;
	for (int64_t i = start < 0 ? 0 : start; i <= end && i < n; i++)
		value_add(&out, scalar_copy(&v->v[i]));
	return out;
}

static struct esql_value split(const char *s, const char *delim)
{
	struct esql_value out = null_value;
	size_t dl = strlen(delim);
	if (!dl)
		return text(s, strlen(s));
	size_t bytes = 0;
	for (const char *p = s;;) {
		const char *hit = strstr(p, delim);
		size_t len = hit ? (size_t)(hit - p) : strlen(p);
		bytes += sizeof(*out.v) + len + 1;
		if (too_big("SPLIT", bytes)) {
			value_free(&out);
			break;
		}
		value_add(&out, (struct esql_scalar){.kind = EK_STR, .s = xstrndup(p, len)});
		if (!hit)
			break;
		p = hit + dl;
	}
	return out;
}

static struct esql_value eval_case(const struct enode *n, const struct esql_row *r)
{
	size_t i = 0;
	for (; i + 1 < n->nargs; i += 2) {
		struct esql_value c = eval(n->args[i], r);
		int yes = truthy(&c);
		value_free(&c);
		if (yes)
			return eval(n->args[i + 1], r);
	}
	return i < n->nargs ? eval(n->args[i], r) : null_value;
}

/* REPLACE: every match of the expression in s replaced ($1 and ${name} name groups), in one
 * pass into the query's buffer of ESQL_MAX_MADE (PCRE2 says the length it would need when that
 * is short: a fault). A match that reaches a regular-expression bound (detect/regex.h) gives
 * up its event; a subject that is not UTF-8 is null, as before. */
static struct esql_value replace(const pcre2_code *re, const char *s, const char *with)
{
	if (!running->replaced)
		running->replaced = xmalloc(ESQL_MAX_MADE + 1);
	PCRE2_SIZE outlen = ESQL_MAX_MADE + 1;
	int rc = regex_substitute(re, s, strlen(s), PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, with,
	                          running->replaced, &outlen);
	if (rc >= 0) {
		charge((size_t)rc * 2 * sizeof(PCRE2_SIZE)); /* each match is work (its offsets), output or not */
		return text((const char *)running->replaced, outlen);
	}
	if (rc == PCRE2_ERROR_NOMEMORY)
		too_big("REPLACE", outlen - 1); /* the length it needs, its terminating zero included */
	/* REGEX_GAVE_UP: null, and the event is given up (esql_gave_up says why) */
	return null_value;
}

/* Rounds down to a multiple of the span from the epoch; spans of whole weeks start on Monday
 * (1970-01-05), as Elasticsearch's date rounding does. */
static int64_t date_trunc(int64_t us, int64_t span)
{
	int64_t origin = span % 604800000000 == 0 ? 4 * 86400000000 : 0, t = us - origin;
	int64_t q = t / span;
	if (q * span > t)
		q--;
	return q * span + origin;
}

/* CIDR_MATCH(ip, block, ...): whether the address is in one of the blocks. */
static struct esql_value cidr_match(const struct enode *n, const struct esql_row *r)
{
	struct esql_value ip = eval(n->args[0], r), out = null_value;
	unsigned char addr[16];
	if (single(&ip) && ip.v[0].kind == EK_STR && !field_ip_parse(ip.v[0].s, strlen(ip.v[0].s), addr)) {
		int hit = 0;
		for (size_t i = 1; i < n->nargs && !hit; i++) {
			struct esql_value b = eval(n->args[i], r);
			for (size_t k = 0; k < b.n && !hit; k++)
				hit = b.v[k].kind == EK_STR && field_ip_in_cidr(addr, b.v[k].s, strlen(b.v[k].s)) == 1;
			value_free(&b);
		}
		out = boolean(hit);
	}
	value_free(&ip);
	return out;
}

static struct esql_value eval_call(const struct enode *n, const struct esql_row *r)
{
	const char *f = n->name;
	if (!strcmp(f, "CASE"))
		return eval_case(n, r);
	if (!strcmp(f, "COALESCE")) {
		for (size_t i = 0; i < n->nargs; i++) {
			struct esql_value v = eval(n->args[i], r);
			if (v.n)
				return v;
		}
		return null_value;
	}
	if (!strcmp(f, "KQL")) /* on the event the row came from: after STATS there is none */
		return r->src ? boolean(kql_match(n->kql, r->src)) : null_value;
	if (!strcmp(f, "CIDR_MATCH"))
		return cidr_match(n, r);
	struct esql_value a[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}}, out = null_value;
	size_t na = n->nargs < 3 ? n->nargs : 3;
	for (size_t i = 0; i < na; i++)
		a[i] = eval(n->args[i], r);
	const char *s = string_arg(&a[0]), *t = na > 1 ? string_arg(&a[1]) : NULL;
	int64_t x, y;
	if (!strcmp(f, "TO_LOWER") || !strcmp(f, "TO_UPPER")) {
		out = case_change(&a[0], f[3] == 'U');
	} else if (!strcmp(f, "LENGTH")) {
		if (s)
			out = integer((int64_t)code_points(s));
	} else if (!strcmp(f, "STARTS_WITH") || !strcmp(f, "ENDS_WITH")) {
		if (s && t) {
			size_t ls = strlen(s), lt = strlen(t);
			out = boolean(lt <= ls && !memcmp(f[0] == 'S' ? s : s + ls - lt, t, lt));
		}
	} else if (!strcmp(f, "CONCAT")) {
		struct strbuf b;
		strbuf_init(&b, 64);
		int ok = 1;
		for (size_t i = 0; i < n->nargs && ok; i++) {
			struct esql_value v = i < 3 ? value_copy(&a[i]) : eval(n->args[i], r);
			ok = single(&v);
			if (ok) {
				char *piece = scalar_text(&v.v[0]);
				ok = !too_big("CONCAT", b.len + strlen(piece));
				if (ok)
					strbuf_addstr(&b, piece);
				free(piece);
			}
			value_free(&v);
		}
		out = ok ? text(b.buf, b.len) : null_value;
		strbuf_release(&b);
	} else if (!strcmp(f, "SUBSTRING")) {
		if (s && !int_arg(&a[1], &x) && (na < 3 || !int_arg(&a[2], &y)))
			out = substring(s, x, na == 3, na == 3 ? y : 0);
	} else if (!strcmp(f, "LOCATE")) {
		if (s && t && (na < 3 || !int_arg(&a[2], &x))) {
			size_t from = na == 3 && x > 1 ? offset_of(s, (size_t)(x - 1)) : 0;
			const char *hit = strstr(s + from, t);
			if (hit) {
				char *head = xstrndup(s, (size_t)(hit - s));
				out = integer((int64_t)code_points(head) + 1);
				free(head);
			} else {
				out = integer(0);
			}
		}
	} else if (!strcmp(f, "TRIM") || !strcmp(f, "LTRIM") || !strcmp(f, "RTRIM")) {
		if (s)
			out = trim(s, f[0] != 'R', f[0] != 'L');
	} else if (!strcmp(f, "MV_COUNT")) {
		if (a[0].n)
			out = integer((int64_t)a[0].n);
	} else if (!strcmp(f, "MV_FIRST") || !strcmp(f, "MV_LAST") || !strcmp(f, "MV_MIN") || !strcmp(f, "MV_MAX")) {
		out = mv_pick(&a[0], !strcmp(f, "MV_FIRST")  ? 0
		                     : !strcmp(f, "MV_LAST") ? 1
		                     : !strcmp(f, "MV_MIN")  ? 2
		                                             : 3);
	} else if (!strcmp(f, "MV_CONCAT")) {
		if (a[0].n && t) {
			struct strbuf b;
			strbuf_init(&b, 64);
			int ok = 1;
			for (size_t i = 0; i < a[0].n && ok; i++) {
				char *piece = scalar_text(&a[0].v[i]);
				ok = !too_big("MV_CONCAT", b.len + (i ? strlen(t) : 0) + strlen(piece));
				if (ok)
					strbuf_addf(&b, "%s%s", i ? t : "", piece);
				free(piece);
			}
			out = ok ? text(b.buf, b.len) : null_value;
			strbuf_release(&b);
		}
	} else if (!strcmp(f, "MV_DEDUPE")) {
		out = dedupe(&a[0]);
	} else if (!strcmp(f, "MV_SLICE")) {
		if (!int_arg(&a[1], &x) && (na < 3 || !int_arg(&a[2], &y)))
			out = mv_slice(&a[0], x, na == 3 ? y : x);
	} else if (!strcmp(f, "SPLIT")) {
		if (s && t)
			out = split(s, t);
	} else if (!strcmp(f, "TO_STRING")) {
		for (size_t i = 0; i < a[0].n; i++)
			value_add(&out, (struct esql_scalar){.kind = EK_STR, .s = scalar_text(&a[0].v[i])});
	} else if (!strcmp(f, "TO_LONG") || !strcmp(f, "TO_INTEGER") || !strcmp(f, "TO_DOUBLE")) {
		out = to_number(&a[0], !strcmp(f, "TO_DOUBLE"));
	} else if (!strcmp(f, "TO_BOOLEAN")) {
		for (size_t i = 0; i < a[0].n; i++) {
			const struct esql_scalar *v = &a[0].v[i];
			int b = v->kind == EK_STR      ? !strcasecmp(v->s, "true")
			        : v->kind == EK_DOUBLE ? v->d != 0
			                               : v->i != 0;
			value_add(&out, (struct esql_scalar){.kind = EK_BOOL, .i = b});
		}
	} else if (!strcmp(f, "DATE_TRUNC")) {
		if (single(&a[0]) && a[0].v[0].kind == EK_SPAN && a[0].v[0].i > 0 && single(&a[1]) &&
		    a[1].v[0].kind == EK_DATE)
			out = one((struct esql_scalar){.kind = EK_DATE, .i = date_trunc(a[1].v[0].i, a[0].v[0].i)});
	} else if (!strcmp(f, "REPLACE")) {
		const char *with = na > 2 ? string_arg(&a[2]) : NULL;
		if (s && with)
			out = replace(n->replace, s, with);
	} else if (!strcmp(f, "TO_IP")) {
		unsigned char ip[16];
		if (s && !field_ip_parse(s, strlen(s), ip))
			out = text(s, strlen(s));
	} else if (!strcmp(f, "ABS")) {
		if (single(&a[0]) && a[0].v[0].kind == EK_INT && a[0].v[0].i != INT64_MIN)
			out = integer(a[0].v[0].i < 0 ? -a[0].v[0].i : a[0].v[0].i);
		else if (single(&a[0]) && a[0].v[0].kind == EK_DOUBLE)
			out = one((struct esql_scalar){.kind = EK_DOUBLE, .d = fabs(a[0].v[0].d)});
	}
	for (size_t i = 0; i < na; i++)
		value_free(&a[i]);
	return out;
}

/* ---- commands over rows ---- */

struct rows {
	struct esql_row *v;
	size_t n, cap;
};

static void rows_push(struct rows *rs, struct esql_row *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = *r;
	memset(r, 0, sizeof(*r));
}

static void hide(struct esql_row *r, const char *pattern)
{
	add_name(&r->hidden, &r->nhidden, xstrdup(pattern));
}

struct leaf_names {
	char **names;
	size_t n;
	const char *pattern;
};

static int collect_leaf(void *ctx, const char *name, size_t len, const cJSON *value)
{
	(void)value;
	struct leaf_names *ln = ctx;
	charge(ln->n * sizeof(*ln->names)); /* the names compared: a document of many fields is work */
	if (faulted())
		return 1;
	char *n = xstrndup(name, len);
	int seen = 0;
	for (size_t i = 0; i < ln->n && !seen; i++)
		seen = !strcmp(ln->names[i], n);
	if (!seen && like_match(ln->pattern, n))
		add_name(&ln->names, &ln->n, n);
	else
		free(n);
	return 0;
}

/* KEEP: the columns the patterns name, in their order; the event is no longer seen. */
static void keep(struct esql_row *r, char *const *patterns, size_t n)
{
	struct esql_row out;
	memset(&out, 0, sizeof(out));
	for (size_t p = 0; p < n; p++) {
		struct leaf_names ln = {NULL, 0, patterns[p]};
		for (size_t i = 0; i < r->n; i++)
			if (like_match(patterns[p], r->names[i]))
				add_name(&ln.names, &ln.n, xstrdup(r->names[i]));
		if (r->src && strchr(patterns[p], '*'))
			field_each_leaf(r->src, collect_leaf, &ln);
		else if (r->src && !ln.n && !hidden(r, patterns[p]))
			add_name(&ln.names, &ln.n, xstrdup(patterns[p]));
		for (size_t i = 0; i < ln.n; i++) {
			if (column_index(&out, ln.names[i]) < 0 &&
			    (column_index(r, ln.names[i]) >= 0 || !hidden(r, ln.names[i]))) {
				long k = column_index(r, ln.names[i]);
				set_column(&out, ln.names[i], lookup(r, ln.names[i]), k >= 0 ? r->computed[k] : 0);
			}
			free(ln.names[i]);
		}
		free(ln.names);
	}
	out.tag = r->tag;
	esql_row_release(r);
	*r = out;
}

static void drop(struct esql_row *r, char *const *patterns, size_t n)
{
	for (size_t p = 0; p < n; p++) {
		for (size_t i = r->n; i-- > 0;)
			if (like_match(patterns[p], r->names[i]))
				remove_column(r, i);
		if (r->src)
			hide(r, patterns[p]);
	}
}

/* DISSECT on a row: its keys as columns (all null when the input does not fit the pattern). */
static void dissect(const struct command *c, struct esql_row *r)
{
	struct esql_value in = eval(c->input, r);
	const char *s = single(&in) && in.v[0].kind == EK_STR ? in.v[0].s : NULL;
	char **got = xcalloc(c->ndkeys, sizeof(*got));
	size_t ll = strlen(c->lead);
	int ok = s && !strncmp(s, c->lead, ll);
	const char *at = ok ? s + ll : NULL;
	for (size_t i = 0; ok && i < c->ndkeys; i++) {
		const struct dissect_key *k = &c->dkeys[i];
		size_t dl = strlen(k->delim);
		const char *end = dl ? strstr(at, k->delim) : at + strlen(at);
		if (!end) {
			ok = 0;
			break;
		}
		got[i] = xstrndup(at, (size_t)(end - at));
		at = end + dl;
		while (k->pad && dl && !strncmp(at, k->delim, dl))
			at += dl;
	}
	for (size_t i = 0; i < c->ndkeys; i++) {
		const struct dissect_key *k = &c->dkeys[i];
		if (!k->name)
			continue;
		long prev = k->append ? column_index(r, k->name) : -1;
		if (!ok) {
			set_column(r, k->name, null_value, 1);
		} else if (prev >= 0 && k->append && r->vals[prev].n == 1 && r->vals[prev].v[0].kind == EK_STR) {
			const char *sep = c->separator ? c->separator : "";
			if (too_big("DISSECT", strlen(r->vals[prev].v[0].s) + strlen(sep) + strlen(got[i])))
				break;
			struct strbuf b; /* %{+key}: joined to what the key already holds */
			strbuf_init(&b, 64);
			strbuf_addf(&b, "%s%s%s", r->vals[prev].v[0].s, sep, got[i]);
			set_column(r, k->name, text(b.buf, b.len), 1);
			strbuf_release(&b);
		} else {
			set_column(r, k->name, text(got[i], strlen(got[i])), 1);
		}
	}
	for (size_t i = 0; i < c->ndkeys; i++)
		free(got[i]);
	free(got);
	value_free(&in);
}

/* GROK on a row: its fields as columns, typed as the pattern says (all null without a match). */
static void grok_row(const struct command *c, struct esql_row *r)
{
	struct esql_value in = eval(c->input, r);
	size_t n = grok_field_count(c->grok);
	char **got = xcalloc(n ? n : 1, sizeof(*got));
	/* a limit reached (-1): nulls, and the event is given up (esql_rows_of) */
	int ok = single(&in) && in.v[0].kind == EK_STR && grok_match(c->grok, in.v[0].s, got) > 0;
	for (size_t i = 0; i < n; i++) {
		struct esql_value v = null_value;
		if (ok && got[i]) {
			struct esql_value t = text(got[i], strlen(got[i]));
			enum grok_type type = grok_field_type(c->grok, i);
			v = type == GROK_STRING ? value_copy(&t) : to_number(&t, type == GROK_FLOAT);
			value_free(&t);
		}
		set_column(r, grok_field_name(c->grok, i), v, 1);
		free(got[i]);
	}
	free(got);
	value_free(&in);
}

/* A row-wise command on one row: the rows it gives are pushed on out. */
static void apply_row(const struct command *c, struct esql_row *r, struct rows *out, size_t *truncations)
{
	switch (c->kind) {
	case K_WHERE: {
		struct esql_value v = eval(c->expr, r);
		int yes = truthy(&v);
		value_free(&v);
		if (yes)
			rows_push(out, r);
		else
			esql_row_release(r);
		return;
	}
	case K_EVAL:
		for (size_t i = 0; i < c->nassign; i++) /* each sees the ones before it */
			set_column(r, c->assign[i].name, eval(c->assign[i].expr, r), 1);
		break;
	case K_KEEP: keep(r, c->names, c->nnames); break;
	case K_DROP: drop(r, c->names, c->nnames); break;
	case K_RENAME:
		for (size_t i = 0; i < c->nassign; i++) {
			struct esql_value v = lookup(r, c->assign[i].from);
			long k = column_index(r, c->assign[i].from);
			if (k >= 0)
				remove_column(r, (size_t)k);
			if (r->src)
				hide(r, c->assign[i].from);
			set_column(r, c->assign[i].name, v, 1);
		}
		break;
	case K_DISSECT: dissect(c, r); break;
	case K_GROK: grok_row(c, r); break;
	case K_MV_EXPAND: {
		struct esql_value v = lookup(r, c->names[0]);
		if (v.n <= 1) {
			set_column(r, c->names[0], v, 1);
			break;
		}
		size_t bytes = esql_row_bytes(r);
		for (size_t i = 0; i < v.n && i < ESQL_MAX_FANOUT; i++) {
			charge(bytes);
			if (faulted())
				break;
			struct esql_row copy;
			esql_row_copy(&copy, r);
			set_column(&copy, c->names[0], one(scalar_copy(&v.v[i])), 1);
			rows_push(out, &copy);
		}
		if (v.n > ESQL_MAX_FANOUT)
			(*truncations)++;
		value_free(&v);
		esql_row_release(r);
		return;
	}
	default: break;
	}
	rows_push(out, r);
}

static void apply_rowwise(const struct command *c, struct rows *rs, size_t *truncations)
{
	struct rows out = {NULL, 0, 0};
	for (size_t i = 0; i < rs->n; i++)
		if (faulted())
			esql_row_release(&rs->v[i]);
		else
			apply_row(c, &rs->v[i], &out, truncations);
	free(rs->v);
	*rs = out;
}

/* ---- STATS ---- */

/* A scalar as a key part: its kind, then its text, so 1 and "1" differ. */
static void key_add(struct strbuf *k, const struct esql_scalar *s)
{
	char *t = scalar_text(s);
	strbuf_addf(k, "%d:%zu:%s", (int)s->kind, strlen(t), t);
	free(t);
}

struct member {
	char *key;
	size_t row;
	struct esql_scalar *by; /* one value per BY field (kind -1: null) */
	int *by_null;
};

/* Every combination of the BY fields' values: a multi-valued field puts the row in each group
 * of its values; a null is a group of its own. */
static void group_members(const struct command *c, const struct rows *rs, struct member **out, size_t *n,
                          size_t *truncations)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	struct esql_value *vals = xcalloc(c->nby ? c->nby : 1, sizeof(*vals));
	size_t *at = xcalloc(c->nby ? c->nby : 1, sizeof(*at));
	for (size_t r = 0; r < rs->n && !faulted(); r++) {
		size_t combos = 0;
		for (size_t f = 0; f < c->nby; f++) {
			vals[f] = eval(c->by[f].expr, &rs->v[r]);
			at[f] = 0;
		}
		for (;;) {
			struct strbuf k;
			strbuf_init(&k, 64);
			struct member m = {NULL, r, xcalloc(c->nby ? c->nby : 1, sizeof(struct esql_scalar)),
			                   xcalloc(c->nby ? c->nby : 1, sizeof(int))};
			for (size_t f = 0; f < c->nby; f++) {
				if (!vals[f].n) {
					strbuf_addstr(&k, "N;");
					m.by_null[f] = 1;
				} else {
					key_add(&k, &vals[f].v[at[f]]);
					strbuf_addch(&k, ';');
					m.by[f] = scalar_copy(&vals[f].v[at[f]]);
				}
			}
			charge(sizeof(m) + k.len + 1 + c->nby * (sizeof(struct esql_scalar) + sizeof(int)));
			m.key = strbuf_detach(&k, NULL);
			if (*n == cap)
				*out = xrealloc(*out, (cap = cap ? cap * 2 : 64) * sizeof(**out));
			(*out)[(*n)++] = m;
			size_t f = 0; /* the next combination, like an odometer */
			while (f < c->nby && (vals[f].n <= 1 || ++at[f] == vals[f].n))
				at[f++] = 0;
			if (f == c->nby || faulted())
				break;
			if (++combos == ESQL_MAX_FANOUT) {
				(*truncations)++;
				break;
			}
		}
		for (size_t f = 0; f < c->nby; f++)
			value_free(&vals[f]);
	}
	free(vals);
	free(at);
}

static int by_key_then_row(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->row > y->row) - (x->row < y->row);
}

static struct esql_value aggregate(const struct enode *call, const struct rows *rs, const struct member *m, size_t n)
{
	const char *f = call->name;
	if (!strcmp(f, "COUNT") && (call->nargs == 0 || call->args[0]->kind == N_LIT))
		return integer((int64_t)n); /* COUNT(*) */
	struct esql_value all = null_value; /* every value of the argument over the group */
	for (size_t i = 0; i < n; i++) {
		struct esql_value v = eval(call->args[0], &rs->v[m[i].row]);
		for (size_t k = 0; k < v.n; k++)
			value_add(&all, scalar_copy(&v.v[k]));
		value_free(&v);
	}
	struct esql_value out = null_value;
	if (!strcmp(f, "COUNT")) {
		out = integer((int64_t)all.n);
	} else if (!strcmp(f, "COUNT_DISTINCT")) {
		struct esql_value d = dedupe(&all);
		out = integer((int64_t)d.n);
		value_free(&d);
	} else if (!strcmp(f, "VALUES")) {
		out = dedupe(&all);
	} else if (!strcmp(f, "MIN") || !strcmp(f, "MAX")) {
		out = mv_pick(&all, f[1] == 'I' ? 2 : 3);
	} else if (all.n) { /* SUM, AVG */
		int ints = 1;
		int64_t isum = 0;
		double dsum = 0;
		for (size_t k = 0; k < all.n; k++) {
			if (!is_number(&all.v[k]))
				continue;
			if (all.v[k].kind != EK_INT || __builtin_add_overflow(isum, all.v[k].i, &isum))
				ints = 0;
			dsum += as_double(&all.v[k]);
		}
		if (!strcmp(f, "AVG"))
			out = one((struct esql_scalar){.kind = EK_DOUBLE, .d = dsum / (double)all.n});
		else
			out = ints ? integer(isum) : one((struct esql_scalar){.kind = EK_DOUBLE, .d = dsum});
	}
	value_free(&all);
	return out;
}

struct group {
	size_t a, b, first; /* its members m[a, b), its first row */
};

/* INLINE STATS: each row keeps its columns and gains its group's aggregates, as a join of the
 * STATS result on the BY values; a row whose BY values are several (in several groups) joins
 * none and gets nulls, as a lookup join on a multi-valued key does. */
static void inline_aggregates(const struct command *c, struct rows *rs, const struct member *m, size_t n,
                              const struct group *groups, size_t ng)
{
	size_t *group_of = xmalloc((rs->n ? rs->n : 1) * sizeof(*group_of)),
	       *count = xcalloc(rs->n ? rs->n : 1, sizeof(*count));
	for (size_t g = 0; g < ng; g++)
		for (size_t i = groups[g].a; i < groups[g].b; i++) {
			group_of[m[i].row] = g;
			count[m[i].row]++;
		}
	struct esql_value *agg = xcalloc((ng ? ng : 1) * (c->nassign ? c->nassign : 1), sizeof(*agg));
	for (size_t g = 0; g < ng; g++)
		for (size_t k = 0; k < c->nassign; k++)
			agg[g * c->nassign + k] =
			    aggregate(c->assign[k].expr, rs, &m[groups[g].a], groups[g].b - groups[g].a);
	for (size_t r = 0; r < rs->n && !faulted(); r++)
		for (size_t k = 0; k < c->nassign; k++) {
			const struct esql_value *v = &agg[group_of[r] * c->nassign + k];
			if (count[r] == 1)
				charge(value_bytes(v)); /* each row holds a copy: VALUES over many rows is work */
			set_column(&rs->v[r], c->assign[k].name, count[r] == 1 ? value_copy(v) : null_value, 1);
		}
	for (size_t i = 0; i < ng * c->nassign; i++)
		value_free(&agg[i]);
	free(agg);
	free(group_of);
	free(count);
	(void)n;
}

static int by_first_row(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->first != y->first)
		return (x->first > y->first) - (x->first < y->first);
	return (x->a > y->a) - (x->a < y->a);
}

static void stats(const struct command *c, struct rows *rs, size_t *truncations)
{
	struct member *m;
	size_t n;
	group_members(c, rs, &m, &n, truncations);
	/* the groups in the order of their first row */
	if (n > 1)
		qsort(m, n, sizeof(*m), by_key_then_row);
	struct rows out = {NULL, 0, 0};
	struct group *groups = xmalloc((n ? n : 1) * sizeof(*groups));
	size_t ng = 0;
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && !strcmp(m[b].key, m[a].key))
			b++;
		groups[ng++] = (struct group){a, b, m[a].row};
		a = b;
	}
	if (ng > 1) /* by first row; groups of the same row stay in key order */
		qsort(groups, ng, sizeof(*groups), by_first_row);
	if (c->inline_stats) {
		inline_aggregates(c, rs, m, n, groups, ng);
		goto done;
	}
	if (!ng && !c->nby) { /* no BY: one row even over nothing (COUNT is 0) */
		struct esql_row r;
		memset(&r, 0, sizeof(r));
		for (size_t k = 0; k < c->nassign; k++)
			set_column(&r, c->assign[k].name, aggregate(c->assign[k].expr, rs, m, 0), 1);
		rows_push(&out, &r);
	}
	for (size_t g = 0; g < ng; g++) {
		struct esql_row r;
		memset(&r, 0, sizeof(r));
		const struct member *gm = &m[groups[g].a];
		size_t gn = groups[g].b - groups[g].a;
		for (size_t k = 0; k < c->nassign; k++)
			set_column(&r, c->assign[k].name, aggregate(c->assign[k].expr, rs, gm, gn), 1);
		for (size_t f = 0; f < c->nby; f++)
			set_column(&r, c->by[f].name, gm->by_null[f] ? null_value : one(scalar_copy(&gm->by[f])), 1);
		r.tag = rs->v[groups[g].first].tag;
		rows_push(&out, &r);
	}
	for (size_t i = 0; i < rs->n; i++)
		esql_row_release(&rs->v[i]);
	free(rs->v);
	*rs = out;
done:
	for (size_t i = 0; i < n; i++) {
		for (size_t f = 0; f < c->nby; f++)
			if (!m[i].by_null[f] && m[i].by[f].kind == EK_STR)
				free(m[i].by[f].s);
		free(m[i].by);
		free(m[i].by_null);
		free(m[i].key);
	}
	free(m);
	free(groups);
}

/* ---- SORT ---- */

static const struct command *sorting_by;
static struct esql_value *sort_vals; /* per row and key */

static int compare_rows(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb, nk = sorting_by->nkeys;
	for (size_t k = 0; k < nk; k++) {
		const struct sort_key *key = &sorting_by->keys[k];
		const struct esql_value *x = &sort_vals[a * nk + k], *y = &sort_vals[b * nk + k];
		if (!x->n || !y->n) {
			if (x->n != y->n)
				return (!x->n) == key->nulls_first ? -1 : 1;
			continue;
		}
		/* a multi-valued key sorts by its least value ascending, its greatest descending */
		struct esql_value ex = mv_pick(x, key->desc ? 3 : 2), ey = mv_pick(y, key->desc ? 3 : 2);
		int c = 0;
		if (compare_scalars(&ex.v[0], &ey.v[0], &c))
			c = 0;
		value_free(&ex);
		value_free(&ey);
		if (c)
			return key->desc ? -c : c;
	}
	return (a > b) - (a < b); /* stable */
}

static void sort_rows(const struct command *c, struct rows *rs)
{
	size_t nk = c->nkeys, *order = xmalloc((rs->n ? rs->n : 1) * sizeof(*order));
	sort_vals = xcalloc((rs->n ? rs->n : 1) * nk, sizeof(*sort_vals));
	for (size_t i = 0; i < rs->n; i++) {
		order[i] = i;
		for (size_t k = 0; k < nk; k++)
			sort_vals[i * nk + k] = lookup(&rs->v[i], c->keys[k].field);
	}
	sorting_by = c;
	qsort(order, rs->n, sizeof(*order), compare_rows);
	struct esql_row *sorted = xmalloc((rs->n ? rs->n : 1) * sizeof(*sorted));
	for (size_t i = 0; i < rs->n; i++)
		sorted[i] = rs->v[order[i]];
	for (size_t i = 0; i < rs->n * nk; i++)
		value_free(&sort_vals[i]);
	free(sort_vals);
	sort_vals = NULL;
	free(order);
	free(rs->v);
	rs->v = sorted;
	rs->cap = rs->n;
}

static void truncate_rows(struct rows *rs, size_t limit)
{
	for (size_t i = limit; i < rs->n; i++)
		esql_row_release(&rs->v[i]);
	if (rs->n > limit)
		rs->n = limit;
}

/* ---- the two halves of a run ---- */

/* Starts a half of a run: its budget, and where a fault goes. */
static void start_running(struct esql_query *q, size_t budget, const char *of)
{
	running = q;
	q->spent = 0;
	q->budget = budget;
	q->budget_of = of;
}

/* Ends it: after a fault, no row (the caller says why, never a part of an answer). */
static void stop_running(struct rows *rs)
{
	if (faulted()) {
		for (size_t i = 0; i < rs->n; i++)
			esql_row_release(&rs->v[i]);
		rs->n = 0;
	}
	running = NULL;
}

size_t esql_rows_of(struct esql_query *q, const cJSON *ev, const char *id, const char *index, int64_t tag,
                    struct esql_row **rows, size_t *nrows, size_t *cap)
{
	struct rows rs = {NULL, 0, 0};
	if (q->faulted)
		return 0;
	start_running(q, ESQL_MAX_EVENT_BYTES, "one event");
	struct esql_row r;
	memset(&r, 0, sizeof(r));
	r.src = ev;
	r.tag = tag;
	if (q->meta_id)
		set_column(&r, "_id", id ? text(id, strlen(id)) : null_value, 0);
	if (q->meta_index)
		set_column(&r, "_index", index ? text(index, strlen(index)) : null_value, 0);
	if (q->meta_version)
		set_column(&r, "_version", integer(1), 0);
	rows_push(&rs, &r);
	regex_budget_event(&q->regex);
	struct regex_budget *was = regex_budget_use(&q->regex);
	for (size_t i = 0; i < q->split && rs.n && !q->faulted; i++)
		apply_rowwise(&q->cmds[i], &rs, &q->truncations);
	regex_budget_use(was);
	if (q->regex.exhausted) { /* the event was not evaluated whole: no rows (esql_gave_up says why) */
		for (size_t i = 0; i < rs.n; i++)
			esql_row_release(&rs.v[i]);
		rs.n = 0;
	}
	/* what the window's commands read comes out of the event now: the row outlives it */
	for (size_t i = 0; i < rs.n && !q->faulted; i++) {
		struct esql_row *x = &rs.v[i];
		for (size_t k = 0; k < q->nreferenced && x->src; k++)
			if (column_index(x, q->referenced[k]) < 0 && !hidden(x, q->referenced[k]))
				set_column(x, q->referenced[k], lookup(x, q->referenced[k]), 0);
		x->src = NULL;
		for (size_t k = 0; k < x->nhidden; k++)
			free(x->hidden[k]);
		free(x->hidden);
		x->hidden = NULL;
		x->nhidden = 0;
		charge(esql_row_bytes(x));
	}
	stop_running(&rs);
	for (size_t i = 0; i < rs.n; i++) {
		if (*nrows == *cap)
			*rows = xrealloc(*rows, (*cap = *cap ? *cap * 2 : 64) * sizeof(**rows));
		(*rows)[(*nrows)++] = rs.v[i];
	}
	size_t n = rs.n;
	free(rs.v);
	return n;
}

const char *esql_gave_up(const struct esql_query *q)
{
	return q->regex.exhausted ? q->regex.why : NULL;
}

size_t esql_given_up(const struct esql_query *q)
{
	return q->regex.gave_up;
}

void esql_finish(struct esql_query *q, struct esql_row **rows, size_t *nrows)
{
	struct rows rs = {*rows, *nrows, *nrows};
	int limited = 0;
	/* a window's matches share one event's budget; one that reaches it is null, and counted */
	regex_budget_event(&q->regex);
	struct regex_budget *was = regex_budget_use(&q->regex);
	start_running(q, ESQL_MAX_WINDOW_BYTES, "one execution's window");
	for (size_t i = 0; i < rs.n; i++)
		charge(esql_row_bytes(&rs.v[i]));
	for (size_t i = q->split; i < q->ncmds && !q->faulted; i++) {
		const struct command *c = &q->cmds[i];
		if (c->kind == K_STATS)
			stats(c, &rs, &q->truncations);
		else if (c->kind == K_SORT)
			sort_rows(c, &rs);
		else if (c->kind == K_LIMIT)
			truncate_rows(&rs, (size_t)c->limit), limited = 1;
		else
			apply_rowwise(c, &rs, &q->truncations);
	}
	if (!limited)
		truncate_rows(&rs, ESQL_LIMIT);
	regex_budget_use(was);
	stop_running(&rs);
	*rows = rs.v;
	*nrows = rs.n;
}

size_t esql_window_prefix(const struct esql_query *q)
{
	if (q->split == q->ncmds)
		return ESQL_LIMIT;
	return q->cmds[q->split].kind == K_LIMIT ? (size_t)q->cmds[q->split].limit : SIZE_MAX;
}

int esql_window_commands(const struct esql_query *q)
{
	return q->split < q->ncmds;
}
