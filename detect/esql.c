/* esql: ES|QL as Elastic's detection rules use it (detect/esql.h): the parser, the pipeline's
 * commands and the functions, evaluated over a case's events as Elasticsearch answers. */

#include "detect/esql.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/casemap.h"
#include "common/digest.h"
#include "common/number.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/eql.h"
#include "detect/field.h"
#include "detect/geodist.h"
#include "detect/grok.h"
#include "detect/jsondoc.h"
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
#define ESQL_MAX_MADE          ((size_t)1 << 20)
#define ESQL_MAX_EVENT_BYTES   ((size_t)64 << 20)
#define ESQL_MAX_WINDOW_BYTES  ((size_t)1 << 30)
#define ESQL_MAX_LOOKUP_BYTES  ((size_t)64 << 20) /* a LOOKUP JOIN's index, as parsed and read */
#define ESQL_MAX_LOOKUP_FIELDS 1000               /* Elasticsearch's index.mapping.total_fields.limit */

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
	int matches_all;             /* LIKE or RLIKE with a literal pattern every string matches: IS NOT NULL */
	pcre2_code *replace;         /* REPLACE's, compiled */
	struct match_options *match; /* MATCH's options map, when it has one */
	/* TO_IP's option: how an IPv4 part with a leading zero reads */
	enum leading_zeros { LZ_REJECT, LZ_DECIMAL, LZ_OCTAL } leading_zeros;
};

/* MATCH(field, "query", {options}): those of Match.java's that change which documents match a
 * keyword or text field (the others are read and have no effect on the answer). */
struct match_options {
	int fuzziness;        /* the edits allowed (0 to 2), or -1 for AUTO */
	int auto_lo, auto_hi; /* AUTO:lo,hi (3, 6 by default) */
	int transpositions;   /* fuzzy_transpositions: a swap of two neighbours is one edit */
	int prefix_length;    /* code points at the start that must be the same */
	int and_op;           /* operator AND: every word of the query (a text field) */
	int zero_all;         /* zero_terms_query "all": a query of no words matches every document */
};

enum cmd_kind {
	K_WHERE,
	K_EVAL,
	K_KEEP,
	K_DROP,
	K_RENAME,
	K_MV_EXPAND,
	K_DISSECT,
	K_GROK,
	K_STATS,
	K_SORT,
	K_LIMIT,
	K_LOOKUP
};

/* DISSECT's pattern: a leading delimiter, then keys each followed by its delimiter. */
struct dissect_key {
	char *name;  /* NULL: skipped (%{} or %{?name}) */
	char *delim; /* what follows it ("" for the last: the rest of the input) */
	int pad;     /* -> : repeats of the delimiter are skipped */
	int append;  /* + : joined to the key's earlier values */
	long order;  /* +key/N: where among the key's values it is joined (0: as written) */
};

struct assign { /* EVAL name = expr; STATS name = AGG(expr) [WHERE filter]; RENAME from AS to */
	char *name;
	struct enode *expr;
	char *from;
	struct enode *filter;
	size_t at; /* where it begins in the query */
};

struct sort_key {
	struct enode *expr;
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
	struct grok *grok;           /* GROK */
	int inline_stats;            /* INLINE STATS: the aggregates join each row of their group */
	struct lookup_table *lookup; /* LOOKUP JOIN: names[0] the index, names[1..] the ON fields;
	                              * the query's table of that index (one for each index and ON) */
};

/* A lookup index's documents, as the caller hands them over (esql_lookup_add), and once the
 * first row is joined, their keys sorted and their fields' names, sorted as FROM lists them. */
struct lookup_key {
	char *key;
	size_t doc;
};

struct lookup_table {
	char *index;
	cJSON **docs;
	size_t ndocs, cap, bytes; /* bytes: what the documents and their values hold, about */
	char *on_key;             /* the ON fields the keys were built for, joined by ',' */
	int built, failed;
	struct lookup_key *keys;
	size_t nkeys;
	char **fields; /* every field of the documents but the ON ones, at most ESQL_MAX_LOOKUP_FIELDS */
	size_t nfields;
	struct esql_value *values; /* ndocs x nfields: each document's value of each field */
};

struct esql_query {
	char **indices;
	size_t nindices;
	int meta_id, meta_index, meta_version, meta_source, meta_ignored, meta_score;
	struct command *row; /* ROW a = 1, ...: the one row the query starts from (no FROM) */
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
	PCRE2_UCHAR *replaced;         /* REPLACE's output, ESQL_MAX_MADE + 1 bytes, once one runs */
	size_t warnings;               /* values made null as Elasticsearch warns (an overflow): how many */
	char warning[200];             /* the first */
	int uses_now;                  /* a rule's window commands call NOW(): each execution answers alone */
	int64_t now_us;                /* what NOW() is (esql_set_now), when now_set */
	size_t kept;                   /* what the rows handed out since the last window hold (esql_rows_of) */
	int hunt;                      /* casebook esql or the console's filter (a rule bounds what it holds) */
	struct lookup_table **lookups; /* LOOKUP JOIN's, each index once */
	size_t nlookups;
	int now_set;
};

/* ---- lexing ---- */

struct parser {
	const char *s;
	size_t pos;
	struct esql_error *err;
	int failed;
	int depth;
	int rule;       /* a rule's query (esql_parse), not a hunt's */
	size_t cmd;     /* the index of the command being parsed */
	size_t now_cmd; /* the command the first NOW() of the rule is in */
	int now_seen;
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
	struct strbuf b;
	strbuf_init(&b, 32);
	/* parts, plain or `quoted` (`` is a backquote), joined as one name: source.`as`.org */
	for (;;) {
		if (p->s[p->pos] == '`') {
			size_t open = p->pos;
			for (p->pos++; p->s[p->pos]; p->pos++) {
				if (p->s[p->pos] == '`' && p->s[p->pos + 1] == '`')
					strbuf_addch(&b, '`'), p->pos++;
				else if (p->s[p->pos] == '`')
					break;
				else
					strbuf_addch(&b, p->s[p->pos]);
			}
			if (p->s[p->pos] != '`') {
				fail(p, open, "a quoted name is not closed");
				strbuf_release(&b);
				return NULL;
			}
			p->pos++;
			continue;
		}
		size_t at = p->pos;
		while (ident_char(p->s[p->pos]) || (pattern && p->s[p->pos] == '*'))
			p->pos++;
		if (p->pos == at)
			break;
		if (at == start && isdigit((unsigned char)p->s[start])) {
			p->pos = start;
			strbuf_release(&b);
			return NULL;
		}
		strbuf_add(&b, p->s + at, p->pos - at);
	}
	if (p->pos == start) {
		strbuf_release(&b);
		return NULL;
	}
	return strbuf_detach(&b, NULL);
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

/* ---- geo_point ---- */

static void java_double(double d, char *out, size_t len);
static struct esql_scalar ip_scalar(const unsigned char ip[16]);

static struct esql_scalar geo_scalar(double x, double y)
{
	struct esql_scalar g = {.kind = EK_GEO, .d = x};
	memcpy(&g.i, &y, sizeof(y));
	return g;
}

static double geo_y(const struct esql_scalar *g)
{
	double y;
	memcpy(&y, &g->i, sizeof(y));
	return y;
}

/* A number as WKT and the point parsers read one (Double.parseDouble of the token): decimal
 * digits, a sign, a point, an exponent; never hex, infinity or NaN. */
static int geo_number(const char **s, double *out)
{
	const char *p = *s;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	const char *start = p;
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -1;
	while (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' ||
	       ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E')))
		p++;
	/* the token holds only those characters, so strtod reads it as Java does, however many
	 * digits it has; a malformed one (1e, 1.2.3) ends early */
	char *end;
	*out = strtod(start, &end);
	if (end != p || !isfinite(*out))
		return -1;
	*s = p;
	return 0;
}

static void geo_space(const char **s)
{
	while (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')
		++*s;
}

/* WKT "POINT (x y)" or "POINT(x y z)", any case (WellKnownText.fromWKT of a point; z
 * ignored, ignore_z_value's default). */
static int geo_wkt(const char *s, double *x, double *y)
{
	geo_space(&s);
	if (strncasecmp(s, "point", 5))
		return -1;
	s += 5;
	geo_space(&s);
	if (*s++ != '(' || geo_number(&s, x) || geo_number(&s, y))
		return -1;
	double z;
	geo_space(&s);
	if (*s != ')' && geo_number(&s, &z))
		return -1;
	geo_space(&s);
	if (*s++ != ')')
		return -1;
	geo_space(&s);
	return *s ? -1 : 0;
}

/* A geohash as Elasticsearch's GeoPoint.resetFromGeoHash reads it for a mapping
 * (EffectivePoint.BOTTOM_LEFT): its cell's south-west corner; bits alternate from longitude. */
static int geo_hash(const char *s, double *x, double *y)
{
	static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
	size_t n = strlen(s);
	if (!n || n > 12)
		return -1;
	double lon[2] = {-180, 180}, lat[2] = {-90, 90};
	int even = 1;
	for (size_t i = 0; i < n; i++) {
		const char *c = strchr(alphabet, s[i]);
		if (!c || !s[i])
			return -1;
		int v = (int)(c - alphabet);
		for (int b = 4; b >= 0; b--, even = !even) {
			double *r = even ? lon : lat, mid = (r[0] + r[1]) / 2;
			r[(v >> b & 1) ? 0 : 1] = mid;
		}
	}
	*x = lon[0];
	*y = lat[0];
	return 0;
}

/* A geo_point of a document's _source, as GeoUtils.parseGeoPoint reads one: a string is WKT
 * when it starts with "point", "lat,lon[,z]" when it holds a comma, else a geohash; an object
 * {"lat": …, "lon": …} (numbers or numeric strings) or GeoJSON {"type": "Point",
 * "coordinates": [lon, lat]}; [lon, lat] as an array (read_json_value pairs its numbers). A
 * latitude past ±90 or a longitude past ±180 is malformed (the document is refused unless
 * ignore_malformed): no value. */
static int geo_valid(double x, double y)
{
	return y >= -90 && y <= 90 && x >= -180 && x <= 180 ? 0 : -1;
}

static int geo_text(const char *s, double *x, double *y)
{
	const char *t = s;
	geo_space(&t);
	if (!strncasecmp(t, "point", 5))
		return geo_wkt(s, x, y);
	if (strchr(s, ',')) {
		double z;
		if (geo_number(&t, y))
			return -1;
		geo_space(&t);
		if (*t++ != ',' || geo_number(&t, x))
			return -1;
		geo_space(&t);
		if (*t == ',' && (t++, geo_number(&t, &z)))
			return -1;
		geo_space(&t);
		return *t ? -1 : 0;
	}
	return geo_hash(s, x, y);
}

static int geo_coordinate(const cJSON *j, double *out)
{
	if (cJSON_IsNumber(j)) {
		*out = j->valuedouble;
		return isfinite(*out) ? 0 : -1;
	}
	const char *s = cJSON_GetStringValue(j);
	return s && !geo_number(&s, out) && (geo_space(&s), !*s) ? 0 : -1;
}

static int geo_json(const cJSON *j, double *x, double *y)
{
	if (cJSON_IsString(j))
		return geo_text(j->valuestring, x, y) || geo_valid(*x, *y);
	if (!cJSON_IsObject(j))
		return -1;
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(j, "lat"),
	            *lon = cJSON_GetObjectItemCaseSensitive(j, "lon");
	if (lat && lon)
		return geo_coordinate(lon, x) || geo_coordinate(lat, y) || geo_valid(*x, *y);
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "type"));
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "coordinates");
	if (type && !strcasecmp(type, "point") && cJSON_GetArraySize(c) >= 2 && cJSON_GetArraySize(c) <= 3)
		return geo_coordinate(cJSON_GetArrayItem(c, 0), x) || geo_coordinate(cJSON_GetArrayItem(c, 1), y) ||
		       geo_valid(*x, *y);
	return -1;
}

/* A geo_point as ES|QL writes it: WKT, "POINT (x y)", each coordinate in Java's form
 * (WellKnownText.toWKT: StringBuilder.append(double)). */
static char *geo_wkt_text(const struct esql_scalar *g)
{
	char x[40], y[40], out[100];
	java_double(g->d, x, sizeof(x));
	java_double(geo_y(g), y, sizeof(y));
	snprintf(out, sizeof(out), "POINT (%s %s)", x, y);
	return xstrdup(out);
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

/* An ES|QL integer (32 bits): what LENGTH, LOCATE, MV_COUNT, DATE_DIFF and TO_INTEGER give. */
static struct esql_value int32_value(int64_t i)
{
	return one((struct esql_scalar){.kind = EK_INT, .i = i, .width = EW_INTEGER});
}

/* A whole number in its width's range: an integer's 32 bits, a long's or an unsigned_long's 64
 * (for an unsigned_long, i's bits). */
static int fits_width(enum esql_width w, int64_t i)
{
	return w != EW_INTEGER || (i >= INT32_MIN && i <= INT32_MAX);
}

static struct esql_value text(const char *s, size_t len)
{
	return one((struct esql_scalar){.kind = EK_STR, .s = xstrndup(s, len)});
}

static const struct esql_value null_value = {NULL, 0};

static int is_number_kind(enum esql_kind k)
{
	return k == EK_INT || k == EK_DOUBLE;
}

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

/* A value made null where Elasticsearch answers with a warning header: counted, the first kept. */
static void warn(const char *what)
{
	if (!running)
		return;
	if (!running->warnings++)
		snprintf(running->warning, sizeof(running->warning), "%s", what);
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
	/* doubling: a chain of 100,000 ANDs is one node, and growing it by one copied it each time */
	if (!(n->nargs & (n->nargs - 1)))
		n->args = xrealloc(n->args, (n->nargs ? n->nargs * 2 : 1) * sizeof(*n->args));
	n->args[n->nargs++] = arg;
}

static void node_free(struct enode *n)
{
	if (!n)
		return;
	free(n->match);
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

/* The functions casebook evaluates (aggregates only in STATS), and how many arguments each takes.
 * casts: the type a string literal in each argument is cast to before the query runs, as
 * Elasticsearch's Analyzer.ImplicitCasting does with EsqlFunctionRegistry's target types (of a
 * parameter's declared types the first in DATA_TYPE_CASTING_PRIORITY; none where it takes a
 * keyword or text). One letter an argument, the last for any more: 't' datetime, 'p' a date
 * period or time duration, 'd' double, 'l' long, 'i' integer, 'a' ip, 'g' geo_point,
 * 'b' boolean, '-' none. Aggregates cast nothing, as ImplicitCasting leaves them, nor does
 * ST_DISTANCE (a BinarySpatialFunction is no EsqlScalarFunction). */
static const struct function {
	const char *name;
	int min, max; /* max -1: any number */
	int aggregate;
	const char *casts;
} functions[] = {
    {"TO_LOWER", 1, 1, 0, NULL},
    {"TO_UPPER", 1, 1, 0, NULL},
    {"LENGTH", 1, 1, 0, NULL},
    {"STARTS_WITH", 2, 2, 0, NULL},
    {"ENDS_WITH", 2, 2, 0, NULL},
    {"CONCAT", 2, -1, 0, NULL},
    {"SUBSTRING", 2, 3, 0, "-ii"},
    {"LOCATE", 2, 3, 0, "--i"},
    {"TRIM", 1, 1, 0, NULL},
    {"LTRIM", 1, 1, 0, NULL},
    {"RTRIM", 1, 1, 0, NULL},
    {"COALESCE", 1, -1, 0, NULL},
    {"CASE", 2, -1, 0, "b-"},
    {"MV_COUNT", 1, 1, 0, NULL},
    {"MV_FIRST", 1, 1, 0, NULL},
    {"MV_LAST", 1, 1, 0, NULL},
    {"MV_MIN", 1, 1, 0, NULL},
    {"MV_MAX", 1, 1, 0, NULL},
    {"MV_CONCAT", 2, 2, 0, NULL},
    {"MV_DEDUPE", 1, 1, 0, NULL},
    {"MV_SLICE", 2, 3, 0, "-ii"},
    {"MV_CONTAINS", 2, 2, 0, NULL},
    {"MV_INTERSECTION", 2, 2, 0, NULL},
    {"SPLIT", 2, 2, 0, NULL},
    {"TO_STRING", 1, 1, 0, NULL},
    {"TO_LONG", 1, 1, 0, NULL},
    {"TO_INTEGER", 1, 1, 0, NULL},
    {"TO_DOUBLE", 1, 1, 0, NULL},
    {"TO_AGGREGATE_METRIC_DOUBLE", 1, 1, 0, NULL},
    {"TO_BOOLEAN", 1, 1, 0, NULL},
    {"ABS", 1, 1, 0, "d"},
    {"COUNT", 0, 1, 1, NULL},
    {"COUNT_DISTINCT", 1, 2, 1, NULL},
    {"VALUES", 1, 1, 1, NULL},
    {"MIN", 1, 1, 1, NULL},
    {"MAX", 1, 1, 1, NULL},
    {"SUM", 1, 1, 1, NULL},
    {"AVG", 1, 1, 1, NULL},
    {"DATE_TRUNC", 2, 2, 0, "pt"},
    {"KQL", 1, 1, 0, NULL},
    {"CIDR_MATCH", 2, -1, 0, "a-"},
    {"TO_IP", 1, 1, 0, NULL},
    {"TO_VERSION", 1, 1, 0, NULL},
    {"IS_NULL", 1, 1, 0, NULL},
    {"TO_VER", 1, 1, 0, NULL},
    {"REPLACE", 3, 3, 0, NULL},
    /* aggregates */
    {"MEDIAN", 1, 1, 1, NULL},
    {"PERCENTILE", 2, 2, 1, NULL},
    {"STD_DEV", 1, 1, 1, NULL},
    {"VARIANCE", 1, 1, 1, NULL},
    {"MEDIAN_ABSOLUTE_DEVIATION", 1, 1, 1, NULL},
    {"WEIGHTED_AVG", 2, 2, 1, NULL},
    {"TOP", 3, 3, 1, NULL},
    {"PRESENT", 1, 1, 1, NULL},
    {"ABSENT", 1, 1, 1, NULL},
    /* conversions */
    {"TO_TEXT", 1, 1, 0, NULL},
    {"TO_DATETIME", 1, 1, 0, NULL},
    {"TO_STR", 1, 1, 0, NULL},
    {"TO_DBL", 1, 1, 0, NULL},
    {"TO_INT", 1, 1, 0, NULL},
    {"TO_UNSIGNED_LONG", 1, 1, 0, NULL},
    {"TO_UL", 1, 1, 0, NULL},
    {"TO_ULONG", 1, 1, 0, NULL},
    {"TO_BOOL", 1, 1, 0, NULL},
    {"TO_DT", 1, 1, 0, NULL},
    {"TO_DEGREES", 1, 1, 0, "d"},
    {"TO_RADIANS", 1, 1, 0, "d"},
    /* strings */
    {"CONTAINS", 2, 2, 0, NULL},
    {"JSON_EXTRACT", 2, 2, 0, NULL},
    {"SPACE", 1, 1, 0, "i"},
    {"REPEAT", 2, 2, 0, "-i"},
    {"REVERSE", 1, 1, 0, NULL},
    {"LEFT", 2, 2, 0, "-i"},
    {"RIGHT", 2, 2, 0, "-i"},
    {"BIT_LENGTH", 1, 1, 0, NULL},
    {"BYTE_LENGTH", 1, 1, 0, NULL},
    {"URL_DECODE", 1, 1, 0, NULL},
    {"URL_ENCODE", 1, 1, 0, NULL},
    {"URL_ENCODE_COMPONENT", 1, 1, 0, NULL},
    {"TO_BASE64", 1, 1, 0, NULL},
    {"FROM_BASE64", 1, 1, 0, NULL},
    {"MATCH", 2, 2, 0, NULL},
    {"HASH", 2, 2, 0, NULL},
    {"MD5", 1, 1, 0, NULL},
    {"SHA1", 1, 1, 0, NULL},
    {"SHA256", 1, 1, 0, NULL},
    /* math */
    {"ROUND", 1, 2, 0, "di"},
    {"CEIL", 1, 1, 0, "d"},
    {"FLOOR", 1, 1, 0, "d"},
    {"POW", 2, 2, 0, "dd"},
    {"SQRT", 1, 1, 0, "d"},
    {"CBRT", 1, 1, 0, "d"},
    {"LOG10", 1, 1, 0, "d"},
    {"LOG", 1, 2, 0, "dd"},
    {"EXP", 1, 1, 0, "d"},
    {"SIGNUM", 1, 1, 0, "d"},
    {"PI", 0, 0, 0, NULL},
    {"E", 0, 0, 0, NULL},
    {"TAU", 0, 0, 0, NULL},
    {"SIN", 1, 1, 0, "d"},
    {"COS", 1, 1, 0, "d"},
    {"TAN", 1, 1, 0, "d"},
    {"ASIN", 1, 1, 0, "d"},
    {"ACOS", 1, 1, 0, "d"},
    {"ATAN", 1, 1, 0, "d"},
    {"ATAN2", 2, 2, 0, "dd"},
    {"HYPOT", 2, 2, 0, "dd"},
    {"COPY_SIGN", 2, 2, 0, "dd"},
    {"SINH", 1, 1, 0, "d"},
    {"COSH", 1, 1, 0, "d"},
    {"TANH", 1, 1, 0, "d"},
    {"GREATEST", 1, -1, 0, NULL},
    {"LEAST", 1, -1, 0, NULL},
    {"CLAMP", 3, 3, 0, NULL},
    {"BUCKET", 2, 4, 0, NULL},
    {"CLAMP_MIN", 2, 2, 0, NULL},
    {"CLAMP_MAX", 2, 2, 0, NULL},
    /* multi-values */
    {"MV_SORT", 1, 2, 0, NULL},
    {"MV_SUM", 1, 1, 0, "d"},
    {"MV_AVG", 1, 1, 0, "d"},
    {"MV_MEDIAN", 1, 1, 0, "d"},
    {"MV_PERCENTILE", 2, 2, 0, NULL},
    {"MV_APPEND", 2, 2, 0, NULL},
    {"MV_ZIP", 2, 3, 0, NULL},
    {"MV_MEDIAN_ABSOLUTE_DEVIATION", 1, 1, 0, "d"},
    /* dates and addresses */
    {"NOW", 0, 0, 0, NULL},
    {"DATE_DIFF", 3, 3, 0, "-tt"},
    {"DATE_FORMAT", 1, 2, 0, "-t"},
    {"DATE_PARSE", 1, 2, 0, NULL},
    {"DATE_EXTRACT", 2, 2, 0, "-t"},
    {"DATE_UNIT_COUNT", 3, 3, 0, "--t"},
    {"DAY_NAME", 1, 1, 0, "t"},
    {"MONTH_NAME", 1, 1, 0, "t"},
    {"IP_PREFIX", 3, 3, 0, "aii"},
    /* geo_point */
    {"TO_GEOPOINT", 1, 1, 0, NULL},
    {"ST_X", 1, 1, 0, "g"},
    {"ST_Y", 1, 1, 0, "g"},
    {"ST_DISTANCE", 2, 2, 0, NULL},
    /* aggregates by a sort field */
    {"FIRST", 2, 2, 1, NULL},
    {"LAST", 2, 2, 1, NULL},
    {"EARLIEST", 1, 1, 1, NULL},
    {"LATEST", 1, 1, 1, NULL},
};

static const struct function *function_named(const char *name)
{
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (!strcmp(functions[i].name, name))
			return &functions[i];
	return NULL;
}

/* ---- implicit casting of string literals (Analyzer.ImplicitCasting) ---- */

static int ip_parse_leading_zeros(const char *s, enum leading_zeros lz, unsigned char out[16]);

/* Whether n is a string literal: what ImplicitCasting casts (a foldable keyword that is not a
 * function's result). A list of strings is left as it is. */
static int is_string_literal(const struct enode *n)
{
	return n && n->kind == N_LIT && n->lit.n == 1 && n->lit.v[0].kind == EK_STR && !n->lit.v[0].ip;
}

/* Java's Math.round of d, within [lo, hi] as safeToInt and safeDoubleToLong check it (2^63
 * itself passes, and rounds to the long's greatest, as Math.round saturates): 0, or -1. */
static int java_round(double d, int64_t lo, int64_t hi, int64_t *out)
{
	if (isnan(d) || d > (double)hi || d < (double)lo)
		return -1;
	double r = floor(d);
	if (d - r >= 0.5)
		r += 1;
	*out = r >= 9223372036854775808.0 ? INT64_MAX : (int64_t)r;
	return 0;
}

/* Text as StringUtils.parseDouble reads it with Java's Double.parseDouble: control characters
 * and spaces around it, a sign, digits with a point and an exponent, a suffix f or d (Java's
 * hexadecimal form is not read). 0 and *out, or -1 and why, the exception's message. */
static int java_double_text(const char *s, double *out, char *why, size_t whylen)
{
	size_t a = 0, b = strlen(s), digits = 0;
	while (a < b && (unsigned char)s[a] <= ' ')
		a++;
	while (b > a && (unsigned char)s[b - 1] <= ' ')
		b--;
	size_t j = a + (a < b && (s[a] == '+' || s[a] == '-'));
	if ((b - j == 3 && !strncmp(s + j, "NaN", 3)) || (b - j == 8 && !strncmp(s + j, "Infinity", 8))) {
		snprintf(why, whylen,
		         s[j] == 'N' ? "[%s] cannot be parsed as a number (NaN)" : "Number [%s] is too large", s);
		return -1;
	}
	for (; j < b && isdigit((unsigned char)s[j]); j++)
		digits++;
	if (j < b && s[j] == '.')
		for (j++; j < b && isdigit((unsigned char)s[j]); j++)
			digits++;
	if (digits && j < b && (s[j] == 'e' || s[j] == 'E')) {
		size_t k = j + 1 + (j + 1 < b && (s[j + 1] == '+' || s[j + 1] == '-')), e = k;
		while (k < b && isdigit((unsigned char)s[k]))
			k++;
		digits = k > e ? digits : 0;
		j = k;
	}
	if (j < b && strchr("fFdD", s[j]))
		j++;
	if (!digits || j != b) {
		snprintf(why, whylen, "Cannot parse number [%s]", s);
		return -1;
	}
	*out = strtod(s + a, NULL); /* what was checked above is what it reads */
	if (isinf(*out)) {
		snprintf(why, whylen, "Number [%s] is too large", s);
		return -1;
	}
	return 0;
}

/* Text as Integer.parseInt or Long.parseLong reads it (a sign, then digits), within [lo, hi]:
 * 0, or -1. */
static int java_integer_text(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	const char *d = s + (*s == '+' || *s == '-');
	if (!*d || strspn(d, "0123456789") != strlen(d))
		return -1;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno == ERANGE || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* A string literal where a date period or a time duration goes (DATE_TRUNC's interval), as
 * castStringLiteralToTemporalAmount reads it (maybeParseTemporalAmount): stripped, a whole
 * number and one of EsqlDataTypeConverter.INTERVALS's units in any case, apart by spaces. Text
 * of one part is left a string (Elasticsearch then refuses its type); a third part, a number
 * that is no int or an unknown unit fail the query with Elasticsearch's message. Days and weeks
 * are spans, as casebook's `1 day` literal is. */
static void cast_temporal(struct parser *p, struct enode *a, size_t at)
{
	static const struct {
		const char *name;
		int64_t us; /* 0: months, per */
		int per;
	} units[] = {{"millisecond", 1000, 0},
	             {"milliseconds", 1000, 0},
	             {"ms", 1000, 0},
	             {"second", 1000000, 0},
	             {"seconds", 1000000, 0},
	             {"sec", 1000000, 0},
	             {"s", 1000000, 0},
	             {"minute", 60000000, 0},
	             {"minutes", 60000000, 0},
	             {"min", 60000000, 0},
	             {"hour", 3600000000, 0},
	             {"hours", 3600000000, 0},
	             {"h", 3600000000, 0},
	             {"day", 86400000000, 0},
	             {"days", 86400000000, 0},
	             {"d", 86400000000, 0},
	             {"week", 604800000000, 0},
	             {"weeks", 604800000000, 0},
	             {"w", 604800000000, 0},
	             {"month", 0, 1},
	             {"months", 0, 1},
	             {"mo", 0, 1},
	             {"quarter", 0, 3},
	             {"quarters", 0, 3},
	             {"q", 0, 3},
	             {"year", 0, 12},
	             {"years", 0, 12},
	             {"yr", 0, 12},
	             {"y", 0, 12}};
	const char *s = a->lit.v[0].s;
	const char *type = "DATE_PERIOD or TIME_DURATION";
	size_t b = 0, e = strlen(s);
	while (b < e && isspace((unsigned char)s[b]))
		b++;
	while (e > b && isspace((unsigned char)s[e - 1]))
		e--;
	size_t start[3] = {0}, len[3] = {0}, parts = 0;
	for (size_t i = b; i < e; i++) {
		if (s[i] == ' ')
			continue;
		if (i == b || s[i - 1] == ' ') {
			if (parts == 2) {
				fail(p, at, "Cannot convert string [%s] to [%s], error [Cannot parse [%.*s] to %s]", s,
				     type, (int)(e - b), s + b, type);
				return;
			}
			start[parts++] = i;
		}
		len[parts - 1]++;
	}
	if (parts < 2)
		return;
	char num[16];
	int64_t v, amount;
	snprintf(num, sizeof(num), "%.*s", (int)(len[0] < sizeof(num) ? len[0] : sizeof(num) - 1), s + start[0]);
	if (len[0] >= sizeof(num) || java_integer_text(num, INT32_MIN, INT32_MAX, &v)) {
		fail(p, at, "Cannot convert string [%s] to [%s], error [Cannot parse [%.*s] to %s]", s, type,
		     (int)(e - b), s + b, type);
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) != len[1] || strncasecmp(units[i].name, s + start[1], len[1]))
			continue;
		if (__builtin_mul_overflow(v, units[i].us ? units[i].us : units[i].per, &amount)) {
			fail(p, at, "the time span is too long");
			return;
		}
		value_free(&a->lit);
		a->lit = one((struct esql_scalar){.kind = units[i].us ? EK_SPAN : EK_PERIOD, .i = amount});
		return;
	}
	fail(p, at, "Cannot convert string [%s] to [%s], error [Unexpected temporal unit: '%.*s']", s, type,
	     (int)len[1], s + start[1]);
}

/* A string literal cast to the type target names (struct function's casts), as
 * EsqlDataTypeConverter.convert reads a string: a datetime as strict_date_optional_time, a
 * number as StringUtils (an integer or a long as Java's parseInt or parseLong, else a double
 * rounded), an ip as InetAddresses, a boolean as Boolean.parseBoolean (anything but "true" is
 * false), a geo_point as WKT. One that does not read as its type fails the query with
 * Elasticsearch's message ("Cannot convert string [x] to [DOUBLE], error [...]"). */
static void cast_literal(struct parser *p, struct enode *a, char target, size_t at)
{
	if (p->failed || !is_string_literal(a) || target == '-')
		return;
	if (target == 'p') {
		cast_temporal(p, a, at);
		return;
	}
	const char *s = a->lit.v[0].s, *type = "";
	char why[160] = "";
	struct esql_scalar v = {.kind = EK_STR};
	int64_t lo = target == 'i' ? INT32_MIN : INT64_MIN, hi = target == 'i' ? INT32_MAX : INT64_MAX;
	double d, gx, gy;
	unsigned char ip[16];
	switch (target) {
	case 't':
		type = "DATETIME";
		if (field_date_text(s, strlen(s), &v.i))
			snprintf(why, sizeof(why),
			         "failed to parse date field [%s] with format [strict_date_optional_time]", s);
		else
			v.kind = EK_DATE;
		break;
	case 'd':
		type = "DOUBLE";
		if (!java_double_text(s, &d, why, sizeof(why)))
			v = (struct esql_scalar){.kind = EK_DOUBLE, .d = d};
		break;
	case 'i':
	case 'l':
		type = target == 'i' ? "INTEGER" : "LONG";
		if (!java_integer_text(s, lo, hi, &v.i) ||
		    (!java_double_text(s, &d, why, sizeof(why)) && !java_round(d, lo, hi, &v.i)))
			v.kind = EK_INT, v.width = target == 'i' ? EW_INTEGER : EW_LONG;
		else /* stringToInt and stringToLong say only this, whatever failed */
			snprintf(why, sizeof(why), "Cannot parse number [%s]", s);
		break;
	case 'a':
		type = "IP";
		if (ip_parse_leading_zeros(s, LZ_REJECT, ip))
			snprintf(why, sizeof(why), "'%s' is not an IP string literal.", s);
		else
			v = ip_scalar(ip);
		break;
	case 'g':
		type = "GEO_POINT";
		if (geo_wkt(s, &gx, &gy))
			snprintf(why, sizeof(why), "[%s] is not a WKT point", s);
		else
			v = geo_scalar(gx, gy);
		break;
	case 'b':
		type = "BOOLEAN";
		v = (struct esql_scalar){.kind = EK_BOOL, .i = !strcasecmp(s, "true")};
		break;
	}
	if (why[0]) {
		fail(p, at, "Cannot convert string [%s] to [%s], error [%s]", s, type, why);
		return;
	}
	if (v.kind == EK_STR && !v.ip)
		return; /* a target casebook does not name */
	value_free(&a->lit);
	a->lit = one(v);
}

/* The string literals among a function's arguments, cast to its parameters' types. */
static void cast_arguments(struct parser *p, const struct function *f, struct enode *n, size_t at)
{
	size_t k = f->casts ? strlen(f->casts) : 0;
	for (size_t i = 0; k && i < n->nargs && !p->failed; i++)
		cast_literal(p, n->args[i], f->casts[i < k ? i : k - 1], at);
}

/* "2024-08-21" + 3 days: a string literal that a date period or a time duration is added to or
 * taken from (or that is added to one) is a datetime (processBinaryOperator's
 * supportsImplicitTemporalCasting, for DateTimeArithmeticOperation). */
static void cast_date_operand(struct parser *p, struct enode *n, size_t at)
{
	for (size_t k = 0; n->nargs == 2 && k < 2; k++) {
		const struct enode *other = n->args[1 - k];
		if (other->kind == N_LIT && other->lit.n == 1 &&
		    (other->lit.v[0].kind == EK_SPAN || other->lit.v[0].kind == EK_PERIOD))
			cast_literal(p, n->args[k], 't', at);
	}
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
			int64_t
			    months; /* a calendar span: months, moved on the calendar (1 month from Jan 31: Feb 29) */
			int per = i < 3 ? 1 : i < 6 ? 3 : 12;
			if (__builtin_mul_overflow(n->lit.v[0].i, per, &months))
				fail(p, at, "the time span is too long");
			n->lit.v[0] = (struct esql_scalar){.kind = EK_PERIOD, .i = months};
			return;
		}
	p->pos = save;
}

/* A number literal; negative: a minus sign before it is the literal's own (the grammar's
 * integerValue and decimalValue take a sign: -2147483648 is an integer, and its negation
 * overflows as Math.negateExact does). */
static struct enode *parse_number(struct parser *p, int negative)
{
	size_t start = p->pos;
	while (isdigit((unsigned char)p->s[p->pos]))
		p->pos++;
	int is_double = 0;
	/* DECIMAL_LITERAL: DIGIT+ DOT DIGIT* | DOT DIGIT+ (1. and .9), an exponent after either */
	const char *after = p->s[p->pos] ? p->s + p->pos + 1 : p->s + p->pos; /* never past the end */
	int exponent = (after[0] == 'e' || after[0] == 'E') &&
	               (isdigit((unsigned char)after[1]) ||
	                ((after[1] == '+' || after[1] == '-') && isdigit((unsigned char)after[2])));
	if (p->s[p->pos] == '.' && (isdigit((unsigned char)after[0]) ||
	                            (p->pos > start && (exponent || (!ident_char(after[0]) && after[0] != '*'))))) {
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
	struct strbuf tb;
	strbuf_init(&tb, 32);
	strbuf_addf(&tb, "%s%.*s", negative ? "-" : "", (int)(p->pos - start), p->s + start);
	char *t = strbuf_detach(&tb, NULL);
	struct enode *n = node(N_LIT);
	char *end;
	if (!is_double) { /* an integer when it fits, else a long, else an unsigned_long (the parser's
		           * visitIntegerValue), else a double */
		errno = 0;
		long long v = strtoll(t, &end, 10);
		int range = errno == ERANGE;
		errno = 0;
		unsigned long long u = strtoull(t, NULL, 10);
		if (*end || range) {
			if (!*end && errno != ERANGE && !negative)
				n->lit =
				    one((struct esql_scalar){.kind = EK_INT, .i = (int64_t)u, .width = EW_UNSIGNED});
			else
				is_double = 1;
		} else {
			n->lit = one((struct esql_scalar){
			    .kind = EK_INT, .i = v, .width = v >= INT32_MIN && v <= INT32_MAX ? EW_INTEGER : EW_LONG});
		}
	}
	if (is_double)
		n->lit = one((struct esql_scalar){.kind = EK_DOUBLE, .d = strtod(t, NULL)});
	free(t);
	span_unit(p, n);
	return n;
}

static struct enode *parse_unary(struct parser *p);

/* One bound of AUTO:lo,hi, as Integer.parseInt reads it: digits that fit an int (sscanf's %d
 * took spaces and signs, and a number past INT_MAX is undefined behaviour for it). */
static int auto_bound(const char **p, int *out)
{
	long v = 0;
	const char *s = *p;
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++)
		if ((v = v * 10 + (*s - '0')) > INT_MAX)
			return -1;
	*out = (int)v, *p = s;
	return 0;
}

/* A Fuzziness as Elasticsearch reads one (Fuzziness.parse): 0, 1 or 2, as a number or a
 * string, "AUTO" or "AUTO:lo,hi". 0, or -1 when it is none of them. */
static int fuzziness_of(const struct esql_scalar *v, struct match_options *o)
{
	char buf[32];
	if (v->kind == EK_INT && v->i >= 0 && v->i <= 2)
		return o->fuzziness = (int)v->i, 0;
	if (v->kind != EK_STR || strlen(v->s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", v->s);
	if (!strcmp(buf, "0") || !strcmp(buf, "1") || !strcmp(buf, "2"))
		return o->fuzziness = buf[0] - '0', 0;
	if (!strcasecmp(buf, "auto"))
		return o->fuzziness = -1, 0;
	int lo, hi;
	const char *p = buf + 5;
	if (!strncasecmp(buf, "auto:", 5) && !auto_bound(&p, &lo) && *p++ == ',' && !auto_bound(&p, &hi) && !*p &&
	    hi >= lo) {
		o->fuzziness = -1, o->auto_lo = lo, o->auto_hi = hi;
		return 0;
	}
	return -1;
}

/* MATCH's {"name": value, ...} (Match.java's ALLOWED_OPTIONS). */
static struct match_options *parse_match_options(struct parser *p)
{
	struct match_options *o = xmalloc(sizeof(*o));
	*o = (struct match_options){.fuzziness = 0, .auto_lo = 3, .auto_hi = 6, .transpositions = 1};
	expect(p, "{");
	do {
		size_t at = p->pos;
		char *key = string_token(p);
		if (!key) {
			fail(p, p->pos, "expected an option name in quotes");
			break;
		}
		expect(p, ":");
		skip_space(p);
		size_t vat = p->pos;
		struct enode *v = p->failed ? NULL : parse_unary(p);
		const struct esql_scalar *x = v && v->kind == N_LIT && v->lit.n == 1 ? &v->lit.v[0] : NULL;
		int is_int = x && x->kind == EK_INT, is_bool = x && x->kind == EK_BOOL;
		const char *str = x && x->kind == EK_STR ? x->s : NULL;
		if (p->failed) {
			;
		} else if (!x) {
			fail(p, vat, "MATCH's option [%s] takes a constant", key);
		} else if (!strcmp(key, "fuzziness")) {
			if (fuzziness_of(x, o))
				fail(p, vat, "MATCH's fuzziness is 0, 1, 2, AUTO or AUTO:lo,hi");
		} else if (!strcmp(key, "fuzzy_transpositions") || !strcmp(key, "lenient") ||
		           !strcmp(key, "auto_generate_synonyms_phrase_query")) {
			if (!is_bool)
				fail(p, vat, "MATCH's option [%s] is true or false", key);
			else if (key[0] == 'f')
				o->transpositions = (int)x->i;
		} else if (!strcmp(key, "prefix_length") || !strcmp(key, "max_expansions")) {
			if (!is_int || x->i < (key[0] == 'p' ? 0 : 1))
				fail(p, vat, "MATCH's option [%s] is a whole number", key);
			else if (key[0] == 'p')
				o->prefix_length = x->i > 1000000 ? 1000000 : (int)x->i;
		} else if (!strcmp(key, "boost")) {
			if (!x || (x->kind != EK_INT && x->kind != EK_DOUBLE))
				fail(p, vat, "MATCH's option [boost] is a number");
		} else if (!strcmp(key, "operator")) {
			if (!str || (strcasecmp(str, "or") && strcasecmp(str, "and")))
				fail(p, vat, "MATCH's operator is OR or AND");
			else
				o->and_op = !strcasecmp(str, "and");
		} else if (!strcmp(key, "zero_terms_query")) {
			if (!str || (strcasecmp(str, "none") && strcasecmp(str, "all")))
				fail(p, vat, "MATCH's zero_terms_query is none or all");
			else
				o->zero_all = !strcasecmp(str, "all");
		} else if (!strcmp(key, "fuzzy_rewrite")) {
			if (!str)
				fail(p, vat, "MATCH's option [fuzzy_rewrite] is a string");
		} else if (!strcmp(key, "analyzer") || !strcmp(key, "minimum_should_match")) {
			unsupported(p, at, "MATCH's option [%s] is not one casebook applies yet", key);
		} else {
			fail(p, at, "Invalid option [%s] in MATCH (docs/DETECTION.md lists MATCH's options)", key);
		}
		node_free(v);
		free(key);
	} while (!p->failed && accept(p, ","));
	expect(p, "}");
	return o;
}

/* TO_IP(s, {"leading_zeros": "reject"|"decimal"|"octal"}): how an IPv4 part written with a
 * leading zero reads (ToIp's one option; reject, the default, makes it no address). */
static void parse_to_ip_options(struct parser *p, struct enode *n)
{
	expect(p, "{");
	do {
		size_t at = p->pos;
		char *key = string_token(p);
		if (!key) {
			fail(p, p->pos, "expected an option name in quotes");
			break;
		}
		expect(p, ":");
		skip_space(p);
		size_t vat = p->pos;
		char *v = p->failed ? NULL : string_token(p);
		if (p->failed) {
			;
		} else if (strcmp(key, "leading_zeros")) {
			fail(p, at, "Invalid option [%s] in TO_IP, expected one of [leading_zeros]", key);
		} else if (v && !strcmp(v, "reject")) {
			n->leading_zeros = LZ_REJECT;
		} else if (v && !strcmp(v, "decimal")) {
			n->leading_zeros = LZ_DECIMAL;
		} else if (v && !strcmp(v, "octal")) {
			n->leading_zeros = LZ_OCTAL;
		} else {
			fail(p, vat, "TO_IP's leading_zeros is reject, decimal or octal");
		}
		free(v);
		free(key);
	} while (!p->failed && accept(p, ","));
	expect(p, "}");
}

/* HASH's algorithms: the names Java's MessageDigest.getInstance takes in Elasticsearch's JVM
 * (the SUN provider's, their aliases and object identifiers, "OID." before one or not; any
 * case, as the provider looks names up upper-cased), each with libcrypto's name. MD2's is
 * NULL: libcrypto's default provider has none, and casebook does not compute it. */
static const struct hash_algorithm {
	const char *java, *evp;
} hash_algorithms[] = {
    {"MD2", NULL},
    {"1.2.840.113549.2.2", NULL},
    {"MD5", "MD5"},
    {"1.2.840.113549.2.5", "MD5"},
    {"SHA-1", "SHA1"},
    {"SHA", "SHA1"},
    {"SHA1", "SHA1"},
    {"1.3.14.3.2.26", "SHA1"},
    {"SHA-224", "SHA224"},
    {"SHA224", "SHA224"},
    {"2.16.840.1.101.3.4.2.4", "SHA224"},
    {"SHA-256", "SHA256"},
    {"SHA256", "SHA256"},
    {"2.16.840.1.101.3.4.2.1", "SHA256"},
    {"SHA-384", "SHA384"},
    {"SHA384", "SHA384"},
    {"2.16.840.1.101.3.4.2.2", "SHA384"},
    {"SHA-512", "SHA512"},
    {"SHA512", "SHA512"},
    {"2.16.840.1.101.3.4.2.3", "SHA512"},
    {"SHA-512/224", "SHA512-224"},
    {"SHA512/224", "SHA512-224"},
    {"2.16.840.1.101.3.4.2.5", "SHA512-224"},
    {"SHA-512/256", "SHA512-256"},
    {"SHA512/256", "SHA512-256"},
    {"2.16.840.1.101.3.4.2.6", "SHA512-256"},
    {"SHA3-224", "SHA3-224"},
    {"2.16.840.1.101.3.4.2.7", "SHA3-224"},
    {"SHA3-256", "SHA3-256"},
    {"2.16.840.1.101.3.4.2.8", "SHA3-256"},
    {"SHA3-384", "SHA3-384"},
    {"2.16.840.1.101.3.4.2.9", "SHA3-384"},
    {"SHA3-512", "SHA3-512"},
    {"2.16.840.1.101.3.4.2.10", "SHA3-512"},
};

/* The algorithm Java's MessageDigest knows by this name, or NULL (NoSuchAlgorithmException). */
static const struct hash_algorithm *hash_algorithm(const char *name)
{
	const char *bare = strncasecmp(name, "OID.", 4) ? name : name + 4;
	for (size_t i = 0; i < sizeof(hash_algorithms) / sizeof(hash_algorithms[0]); i++) {
		const char *j = hash_algorithms[i].java;
		if (!strcasecmp(name, j) || (bare != name && isdigit((unsigned char)j[0]) && !strcmp(bare, j)))
			return &hash_algorithms[i];
	}
	return NULL;
}

static char *expression_text(struct parser *p, size_t from);

static struct enode *parse_call(struct parser *p, char *name, size_t at)
{
	for (char *c = name; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	/* other names of a function (FunctionDefinition: "variance", "std_var"; "bucket", "bin";
	 * AUTO_BUCKET is 8.13's BUCKET) */
	if (!strcmp(name, "STD_VAR") || !strcmp(name, "AUTO_BUCKET") || !strcmp(name, "BIN")) {
		char *canonical = xstrdup(name[0] == 'S' ? "VARIANCE" : "BUCKET");
		free(name);
		name = canonical;
	}
	const struct function *f = function_named(name);
	if (!f) {
		unsupported(p, at, "the function %s is not one casebook evaluates yet", name);
		free(name);
		return NULL;
	}
	if (p->rule && !strcmp(name, "NOW") && !p->now_seen) {
		/* Kibana evaluates it at each execution: parse_query sees which half it is in */
		p->now_seen = 1;
		p->now_cmd = p->cmd;
	}
	struct enode *n = node(N_CALL);
	n->name = name;
	if (!accept(p, ")")) {
		do {
			if (!strcmp(name, "COUNT") && accept(p, "*")) {
				struct enode *star = node(N_LIT); /* COUNT(*): every row */
				star->op = 1;
				node_add(n, star);
				continue;
			}
			skip_space(p);
			if (p->s[p->pos] == '{' && !strcmp(name, "MATCH") && n->nargs == 2 && !n->match) {
				n->match = parse_match_options(p); /* MATCH(f, "x", {"fuzziness": 1}) */
				continue;
			}
			if (p->s[p->pos] == '{' && !strcmp(name, "TO_IP") && n->nargs == 1) {
				parse_to_ip_options(p, n);
				continue;
			}
			if (p->s[p->pos] == '{') { /* another function's named parameters */
				unsupported(p, p->pos, "%s's options ({...}) are not ones casebook reads yet", name);
				break;
			}
			struct enode *a = parse_or(p);
			if (!a)
				break;
			node_add(n, a);
		} while (accept(p, ","));
		expect(p, ")");
	}
	if (!p->failed && ((int)n->nargs < f->min || (f->max >= 0 && (int)n->nargs > f->max)))
		fail(p, at, "%s does not take %zu arguments", name, n->nargs + (n->match != NULL));
	if (!p->failed)
		cast_arguments(p, f, n, at);
	if (!p->failed && (!strcmp(name, "EARLIEST") || !strcmp(name, "LATEST"))) {
		/* Earliest, Latest: FIRST and LAST with @timestamp the sort field */
		struct enode *ts = node(N_FIELD);
		ts->name = xstrdup("@timestamp");
		node_add(n, ts);
		n->name = xstrdup(name[0] == 'E' ? "FIRST" : "LAST");
		free(name);
		name = n->name;
	}
	if (!p->failed && !strcmp(name, "REPLACE")) { /* a Java regular expression: PCRE2 reads its syntax */
		const struct enode *a = n->args[1];
		char msg[160];
		if (a->kind != N_LIT || a->lit.n != 1 || a->lit.v[0].kind != EK_STR)
			unsupported(p, at, "REPLACE's regular expression must be a string literal in casebook");
		else if (!(n->replace =
		               regex_compile(a->lit.v[0].s, strlen(a->lit.v[0].s), PCRE2_UTF, msg, sizeof(msg))))
			fail(p, at, "REPLACE: %s", msg);
	}
	if (!p->failed && !strcmp(name, "HASH") && n->args[0]->kind == N_LIT && n->args[0]->lit.n == 1 &&
	    n->args[0]->lit.v[0].kind == EK_STR) {
		/* a literal algorithm is checked before the query runs, as Hash.toEvaluator does */
		const char *algo = n->args[0]->lit.v[0].s;
		const struct hash_algorithm *h = hash_algorithm(algo);
		if (!h) {
			char *src = expression_text(p, at);
			fail(p, at, "invalid algorithm for [%s]: %s MessageDigest not available", src, algo);
			free(src);
		} else if (!h->evp) {
			unsupported(p, at, "HASH: casebook does not compute %s", h->java);
		}
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

static struct enode *parse_unary(struct parser *p);

/* A list of numbers is of one type, as visitNumericArrayLiteral makes it: double when one is,
 * else unsigned_long when one is (a negative one refused), else long when one is, else
 * integer. */
static void unify_numbers(struct parser *p, size_t at, struct esql_value *l)
{
	int dbl = 0, uns = 0, lng = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (!is_number_kind(l->v[i].kind))
			return;
		dbl |= l->v[i].kind == EK_DOUBLE;
		uns |= l->v[i].kind == EK_INT && l->v[i].width == EW_UNSIGNED;
		lng |= l->v[i].kind == EK_INT && l->v[i].width == EW_LONG;
	}
	for (size_t i = 0; i < l->n; i++) {
		struct esql_scalar *x = &l->v[i];
		if (dbl && x->kind == EK_INT) {
			*x = (struct esql_scalar){.kind = EK_DOUBLE,
			                          .d = x->width == EW_UNSIGNED ? (double)(uint64_t)x->i : (double)x->i};
		} else if (uns && x->width != EW_UNSIGNED) {
			if (x->i < 0) {
				fail(p, at, "[%" PRId64 "] out of [unsigned_long] range", x->i);
				return;
			}
			x->width = EW_UNSIGNED;
		} else if (lng && x->width == EW_INTEGER) {
			x->width = EW_LONG;
		}
	}
}

/* [1, 2, 3]: a multi-valued literal, its values as written (ES|QL keeps a literal's order). */
static struct enode *parse_list(struct parser *p)
{
	size_t at = p->pos++;
	struct enode *n = node(N_LIT);
	if (accept(p, "]"))
		return n;
	do {
		struct enode *v = parse_unary(p);
		if (v && v->kind == N_NEG && v->args[0]->kind == N_LIT && v->args[0]->lit.n == 1 &&
		    is_number_kind(v->args[0]->lit.v[0].kind)) {
			struct esql_scalar *x = &v->args[0]->lit.v[0];
			if (x->kind == EK_INT)
				x->i = -x->i;
			else
				x->d = -x->d;
			value_add(&n->lit, scalar_copy(x));
		} else if (v && v->kind == N_LIT) {
			for (size_t i = 0; i < v->lit.n; i++)
				value_add(&n->lit, scalar_copy(&v->lit.v[i]));
		} else if (v) {
			fail(p, at, "a list [...] holds literals");
		}
		node_free(v);
		if (!v || p->failed)
			break;
	} while (accept(p, ","));
	expect(p, "]");
	if (!p->failed)
		unify_numbers(p, at, &n->lit);
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
	if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p->s[p->pos + 1])))
		return parse_number(p, 0); /* DECIMAL_LITERAL: .9 too */
	if (c == '[')
		return parse_list(p);
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

/* x::type, ES|QL's inline cast: the conversion function of the type. */
static const char *cast_function(const char *type)
{
	static const struct {
		const char *type, *function;
	} casts[] = {{"integer", "TO_INTEGER"},
	             {"int", "TO_INTEGER"},
	             {"long", "TO_LONG"},
	             {"double", "TO_DOUBLE"},
	             {"float", "TO_DOUBLE"},
	             {"keyword", "TO_STRING"},
	             {"string", "TO_STRING"},
	             {"text", "TO_TEXT"},
	             {"boolean", "TO_BOOLEAN"},
	             {"bool", "TO_BOOLEAN"},
	             {"datetime", "TO_DATETIME"},
	             {"date", "TO_DATETIME"},
	             {"ip", "TO_IP"},
	             {"version", "TO_VERSION"},
	             {"unsigned_long", "TO_UNSIGNED_LONG"},
	             {"version", "TO_VERSION"},
	             {"date_nanos", "TO_DATE_NANOS"},
	             {"geo_point", "TO_GEOPOINT"},
	             {"cartesian_point", "TO_CARTESIANPOINT"},
	             {"geo_shape", "TO_GEOSHAPE"},
	             {"cartesian_shape", "TO_CARTESIANSHAPE"},
	             {"time_duration", "TO_TIMEDURATION"},
	             {"date_period", "TO_DATEPERIOD"}};
	for (size_t i = 0; i < sizeof(casts) / sizeof(casts[0]); i++)
		if (!strcasecmp(casts[i].type, type))
			return casts[i].function;
	return NULL;
}

/* GROK field "p1", "p2", ...: one pattern of alternatives, (?:p1)|(?:p2), as Elasticsearch's
 * Grok combines them (the first that matches gives the columns; each pattern's fields are
 * columns). first is the first pattern, the comma after it read; NULL when one is missing. */
static char *grok_patterns(struct parser *p, char *first)
{
	struct strbuf b;
	strbuf_init(&b, 128);
	strbuf_addf(&b, "(?:%s)", first);
	free(first);
	do {
		size_t at = (skip_space(p), p->pos);
		char *next = string_token(p);
		if (!next) {
			fail(p, at, "GROK: a pattern after the comma");
			strbuf_release(&b);
			return NULL;
		}
		strbuf_addf(&b, "|(?:%s)", next);
		free(next);
	} while (accept(p, ","));
	return strbuf_detach(&b, NULL);
}

static struct enode *parse_unary(struct parser *p)
{
	/* a unary plus changes nothing (-+-+-1 is -1): skipped, without a level */
	while (accept(p, "+"))
		;
	int negative = 0;
	if (accept(p, "-")) {
		skip_space(p);
		if (!isdigit((unsigned char)p->s[p->pos]) &&
		    !(p->s[p->pos] == '.' && isdigit((unsigned char)p->s[p->pos + 1])))
			return prefix_op(p, N_NEG, parse_unary);
		negative = 1; /* a signed literal: -5 is one constant, as the grammar reads it */
	}
	if (!deeper(p))
		return NULL;
	struct enode *n = negative ? parse_number(p, 1) : parse_primary(p);
	int levels = 1;
	while (n && !p->failed && accept(p, "::")) {
		size_t at = (skip_space(p), p->pos);
		char *type = name_token(p, 0);
		const char *f = type ? cast_function(type) : NULL;
		if (!f) {
			fail(p, at, "%s is not an ES|QL type to cast to", type ? type : "that");
			free(type);
			break;
		}
		free(type);
		if (!deeper(p))
			break;
		levels++;
		/* as TO_x(n): the function checks its arguments */
		struct enode *call = node(N_CALL);
		call->name = xstrdup(f);
		node_add(call, n);
		n = call;
		if (!function_named(f)) {
			unsupported(p, at, "the function %s is not one casebook evaluates yet", f);
			break;
		}
	}
	p->depth -= levels;
	if (p->failed) {
		node_free(n);
		return NULL;
	}
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
		size_t at = p->pos++;
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
		if (!mul)
			cast_date_operand(p, n, at);
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

/* Whether a literal LIKE (wildcard) or RLIKE (Lucene regex) pattern matches every string, as
 * StringPattern.matchesAll finds ("*", ".*", "(.*)", "(?i).*"): Elasticsearch's optimizer
 * (ReplaceRegexMatch) then replaces the match by IS NOT NULL, so a multi-value is true, and
 * NOT ... LIKE "*" keeps the rows where the field is null. */
static int pattern_matches_all(const char *pattern, int rlike)
{
	const char *p = pattern + (strncmp(pattern, "(?i)", 4) ? 0 : 4);
	if (!*p)
		return 0;
	if (!rlike)
		return strspn(p, "*") == strlen(p);
	int any = 0;
	while (*p) {
		if (*p == '(' || *p == ')') {
			p++;
			continue;
		}
		if (p[0] != '.' || p[1] != '*')
			return 0;
		any = 1;
		p += 2;
	}
	return any;
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
			skip_space(p);
			if (p->s[p->pos] != '"') { /* a pattern computed from the row: compiled when matched */
				struct enode *e = parse_arith(p, 0);
				if (!e)
					break;
				node_add(n, e);
				n->res = xrealloc(n->res, (n->nargs - 1) * sizeof(*n->res));
				n->res[n->nargs - 2] = NULL;
				n->nres = n->nargs - 1;
				continue;
			}
			char *pattern = string_token(p);
			if (!pattern) {
				fail(p, p->pos, "LIKE takes a string pattern");
				break;
			}
			n->matches_all |= pattern_matches_all(pattern, rlike);
			struct enode *lit = node(N_LIT);
			lit->lit = one((struct esql_scalar){.kind = EK_STR, .s = pattern});
			node_add(n, lit);
			n->res = xrealloc(n->res, (n->nargs - 1) * sizeof(*n->res));
			n->res[n->nargs - 2] = NULL;
			n->nres = n->nargs - 1;
			if (rlike) { /* Lucene's syntax, matched against the whole value, as EQL's regex */
				const char *why;
				int caseless = !strncmp(pattern, "(?i)", 4);
				const char *body = pattern + (caseless ? 4 : 0);
				if (!(n->res[n->nargs - 2] =
				          lucene_regex_compile(body, strlen(body), caseless, &why))) {
					if (!strcmp(why, "invalid regular expression"))
						fail(p, at, "RLIKE: %s", why);
					else /* valid, but beyond what casebook's regex engine takes safely */
						unsupported(p, at, "RLIKE: %s", why);
					break;
				}
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
	skip_space(p);
	if (p->s[p->pos] == ':' && p->s[p->pos + 1] != ':') { /* field : "text", the full-text MATCH */
		p->pos++;
		struct enode *right = parse_arith(p, 0);
		if (!right) {
			node_free(left);
			return NULL;
		}
		struct enode *n = node(N_CALL);
		n->name = xstrdup("MATCH");
		node_add(n, left);
		node_add(n, right);
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

static void lookup_table_free(struct lookup_table *t)
{
	if (!t)
		return;
	if (t->values)
		for (size_t i = 0; i < t->ndocs * t->nfields; i++)
			value_free(&t->values[i]);
	free(t->values);
	free(t->index);
	free(t->on_key);
	for (size_t i = 0; i < t->ndocs; i++)
		cJSON_Delete(t->docs[i]);
	free(t->docs);
	for (size_t i = 0; i < t->nkeys; i++)
		free(t->keys[i].key);
	free(t->keys);
	for (size_t i = 0; i < t->nfields; i++)
		free(t->fields[i]);
	free(t->fields);
	free(t);
}

static void command_free(struct command *c)
{
	node_free(c->expr);
	for (size_t i = 0; i < c->nassign; i++) {
		free(c->assign[i].name);
		free(c->assign[i].from);
		node_free(c->assign[i].expr);
		node_free(c->assign[i].filter);
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
		node_free(c->keys[i].expr);
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
	if (!(*n & (*n - 1))) /* doubling (node_add says why) */
		*names = xrealloc(*names, (*n ? *n * 2 : 1) * sizeof(**names));
	(*names)[(*n)++] = name;
}

static void add_assign(struct command *c, struct assign a)
{
	if (!(c->nassign & (c->nassign - 1)))
		c->assign = xrealloc(c->assign, (c->nassign ? c->nassign * 2 : 1) * sizeof(*c->assign));
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

static int is_aggregate(const struct enode *n)
{
	return n->kind == N_CALL && function_named(n->name)->aggregate;
}

static int aggregate_inside(const struct enode *n)
{
	for (size_t i = 0; i < n->nargs; i++)
		if (is_aggregate(n->args[i]) || aggregate_inside(n->args[i]))
			return 1;
	return 0;
}

/* An aggregate over another (MAX(COUNT(x))), which ES|QL refuses too. */
static int nested_aggregate(const struct enode *n)
{
	if (is_aggregate(n))
		return aggregate_inside(n);
	for (size_t i = 0; i < n->nargs; i++)
		if (nested_aggregate(n->args[i]))
			return 1;
	return 0;
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

/* The first field an expression reads outside any aggregate that is not one of STATS's BY
 * columns, or NULL. */
static const char *outside_by(const struct enode *n, const struct command *c)
{
	if (is_aggregate(n))
		return NULL;
	if (n->kind == N_FIELD) {
		for (size_t i = 0; i < c->nby; i++)
			if (!strcmp(c->by[i].name, n->name))
				return NULL;
		return n->name;
	}
	for (size_t i = 0; i < n->nargs; i++) {
		const char *name = outside_by(n->args[i], c);
		if (name)
			return name;
	}
	return NULL;
}

/* Whether an expression reads one of STATS's BY columns. */
static int reads_by(const struct enode *n, const struct command *c)
{
	if (n->kind == N_FIELD)
		return !outside_by(n, c);
	for (size_t i = 0; i < n->nargs; i++)
		if (reads_by(n->args[i], c))
			return 1;
	return 0;
}

static void assign_free(struct assign *a)
{
	free(a->name);
	free(a->from);
	node_free(a->expr);
	node_free(a->filter);
}

static int compare_scalars(const struct esql_scalar *a, const struct esql_scalar *b, int *out);

/* The end of dot-separated identifiers made of chars from s + i, or 0 when one is empty or, with
 * numbers_plain, when one is all digits with a leading zero (semver's 01). */
static size_t dotted_end(const char *s, size_t i, const char *chars, int numbers_plain)
{
	for (;;) {
		size_t d = strspn(s + i, chars);
		if (!d || (numbers_plain && d > 1 && s[i] == '0' && strspn(s + i, "0123456789") >= d))
			return 0;
		i += d;
		if (s[i] != '.')
			return i;
		i++;
	}
}

/* Whether s is a valid version, as VersionEncoder's pattern takes it: numbers without leading
 * zeros, an optional -pre-release and an optional +build of non-empty identifiers. */
static int version_valid(const char *s, size_t *main_end, size_t *pre_end)
{
	static const char word[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
	size_t i = dotted_end(s, 0, "0123456789", 1);
	if (!i)
		return 0;
	*main_end = i;
	if (s[i] == '-' && !(i = dotted_end(s, i + 1, word, 1)))
		return 0;
	*pre_end = i;
	if (s[i] == '+' && !(i = dotted_end(s, i + 1, word, 0)))
		return 0;
	return s[i] == '\0';
}

/* Dot-separated identifiers compared one by one: numbers (leading zeros aside) by value and
 * before words, words as text; a list that is the other's start sorts first. */
static int identifiers_order(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;
	while (i < alen && j < blen) {
		size_t la = strcspn(a + i, "."), lb = strcspn(b + j, ".");
		la = la < alen - i ? la : alen - i, lb = lb < blen - j ? lb : blen - j;
		int na = strspn(a + i, "0123456789") >= la, nb = strspn(b + j, "0123456789") >= lb;
		int c;
		if (na && nb) {
			size_t za = 0, zb = 0; /* leading zeros do not count */
			while (za + 1 < la && a[i + za] == '0')
				za++;
			while (zb + 1 < lb && b[j + zb] == '0')
				zb++;
			c = la - za != lb - zb ? (la - za > lb - zb ? 1 : -1) : memcmp(a + i + za, b + j + zb, la - za);
		} else if (na != nb) {
			c = na ? -1 : 1;
		} else {
			c = memcmp(a + i, b + j, la < lb ? la : lb);
			if (!c)
				c = la != lb ? (la > lb ? 1 : -1) : 0;
		}
		if (c)
			return c;
		i += la + 1, j += lb + 1;
	}
	return (i < alen) - (j < blen);
}

/* Semantic version precedence, as the version field keeps it: valid versions by their numbers,
 * a pre-release before its release, then by its identifiers, then by the build text; an invalid
 * one after every valid one, as text. */
static int version_order(const char *a, const char *b)
{
	size_t am, ap, bm, bp;
	int va = version_valid(a, &am, &ap), vb = version_valid(b, &bm, &bp);
	if (va != vb)
		return va ? -1 : 1;
	if (!va)
		return strcmp(a, b);
	int c = identifiers_order(a, am, b, bm);
	if (c)
		return c;
	int pa = ap > am, pb = bp > bm; /* a pre-release comes before the release */
	if (pa != pb)
		return pa ? -1 : 1;
	if (pa && (c = identifiers_order(a + am + 1, ap - am - 1, b + bm + 1, bp - bm - 1)))
		return c;
	return strcmp(a + ap, b + bp);
}

/* Whether two expressions are the same: the same node kinds, operators, names, literals and
 * arguments. */
static int same_expression(const struct enode *a, const struct enode *b)
{
	if (a->kind != b->kind || a->op != b->op || a->nargs != b->nargs || !a->name != !b->name ||
	    (a->name && strcmp(a->name, b->name)) || a->lit.n != b->lit.n)
		return 0;
	for (size_t i = 0; i < a->lit.n; i++) {
		int c;
		if (a->lit.v[i].kind != b->lit.v[i].kind || compare_scalars(&a->lit.v[i], &b->lit.v[i], &c) || c)
			return 0;
	}
	for (size_t i = 0; i < a->nargs; i++)
		if (!same_expression(a->args[i], b->args[i]))
			return 0;
	return 1;
}

/* A part of a STATS expression outside its aggregates that is one of the BY expressions reads
 * that BY column (STATS s = 1 + BUCKET(salary, 1000.) BY b = BUCKET(salary, 1000.)). */
static void read_by_columns(struct enode **slot, const struct command *c)
{
	if (is_aggregate(*slot))
		return;
	for (size_t i = 0; i < c->nby; i++)
		if ((*slot)->kind != N_FIELD && same_expression(*slot, c->by[i].expr)) {
			node_free(*slot);
			*slot = node(N_FIELD);
			(*slot)->name = xstrdup(c->by[i].name);
			return;
		}
	for (size_t i = 0; i < (*slot)->nargs; i++)
		read_by_columns(&(*slot)->args[i], c);
}

/* Whether a later column of STATS (an aggregate, then a BY column) takes name i's place. */
static int shadowed(const struct command *c, size_t i)
{
	const char *name = i < c->nassign ? c->assign[i].name : c->by[i - c->nassign].name;
	for (size_t j = i + 1; j < c->nassign + c->nby; j++)
		if (!strcmp(name, j < c->nassign ? c->assign[j].name : c->by[j - c->nassign].name))
			return 1;
	return 0;
}

/* STATS's columns as Elasticsearch resolves them: a name given again later (an aggregate's by
 * a BY column's, a BY column's by a later one's) is that later column alone, in its place
 * (stats.csv-spec shadowingInternalWithGroup2: x = MAX(emp_no) … BY x = emp_no, x = gender is
 * grouped by gender); an expression outside aggregates reads only BY columns (e = LENGTH(f) + 1
 * BY f = first_name). */
static void stats_columns(struct parser *p, struct command *c)
{
	size_t na = 0, nb = 0, total = c->nassign + c->nby;
	unsigned char *drop = xcalloc(total ? total : 1, 1);
	for (size_t i = 0; i < total; i++)
		drop[i] = (unsigned char)shadowed(c, i);
	for (size_t i = 0; i < c->nassign; i++)
		if (drop[i])
			assign_free(&c->assign[i]);
		else
			c->assign[na++] = c->assign[i];
	for (size_t i = 0; i < c->nby; i++)
		if (drop[c->nassign + i])
			assign_free(&c->by[i]);
		else
			c->by[nb++] = c->by[i];
	c->nassign = na, c->nby = nb;
	free(drop);
	for (size_t i = 0; i < c->nassign && !p->failed; i++) {
		struct assign *a = &c->assign[i];
		read_by_columns(&a->expr, c);
		const char *name = outside_by(a->expr, c);
		if (name)
			fail(
			    p, a->at,
			    "STATS: column [%s] must appear in the STATS BY clause or be used in an aggregate function",
			    name);
		else if (a->expr->kind == N_FIELD) /* Aggregate.checkInvalidNamedExpressionUsage */
			fail(p, a->at,
			     "STATS: grouping key [%s] cannot be used as an aggregate once declared in the STATS BY "
			     "clause",
			     a->expr->name);
		else if (!is_aggregate(a->expr) && !aggregate_inside(a->expr) && !reads_by(a->expr, c))
			fail(p, a->at, "STATS: expected an aggregate function but found [%s]", a->name);
	}
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
			                                  e, NULL, NULL, start};
			continue;
		}
		if (!aggregates && (is_aggregate(e) || aggregate_inside(e))) {
			fail(p, start, "an aggregate belongs in STATS");
			node_free(e);
			free(name);
			return;
		}
		struct assign a = {name ? name : expression_text(p, start), e, NULL, NULL, start};
		if (aggregates && accept_kw(p, "where") && !(a.filter = parse_or(p))) { /* STATS agg WHERE cond */
			free(a.name);
			node_free(e);
			return;
		}
		add_assign(c, a);
	} while (accept(p, ","));
}

static void parse_sort(struct parser *p, struct command *c)
{
	do {
		struct enode *e = parse_or(p); /* a field, or an expression over the row */
		if (!e)
			return;
		struct sort_key k = {e, 0, 0};
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

/* The end of an append key's name without its /N order suffix, the order in *order. */
static const char *append_order(const char *name, const char *end, long *order)
{
	const char *slash = end;
	while (slash > name && isdigit((unsigned char)slash[-1]))
		slash--;
	if (slash == end || slash == name || slash[-1] != '/' || end - slash > 9)
		return end;
	*order = strtol(slash, NULL, 10);
	return slash - 1;
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
		struct dissect_key k = {NULL, NULL, 0, 0, 0};
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
		if (k.append) /* %{+key/N}: the Nth of the key's values joined */
			end = append_order(n, end, &k.order);
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
			else if (!strcmp(m, "_source"))
				q->meta_source = 1;
			else if (!strcmp(m, "_ignored"))
				q->meta_ignored = 1;
			else if (!strcmp(m, "_score"))
				q->meta_score = 1;
			else
				unsupported(
				    p, p->pos,
				    "METADATA %s is not one casebook has (_id, _index, _version, _source, _ignored, "
				    "_score)",
				    m);
			free(m);
		} while (accept(p, ","));
}

/* What casebook does not run, said by name. */
static const char *const unsupported_commands[] = {"ENRICH", "COMPLETION", "CHANGE_POINT", "FORK",
                                                   "SAMPLE", "RERANK",     "SHOW",         "FUSE"};

/* LOOKUP JOIN index ON field[, field...] (LookupJoin): the index's documents whose ON fields
 * equal the row's. A rule has no lookup index to read yet: there it is refused. */
static void parse_lookup_join(struct parser *p, struct command *c)
{
	size_t at = p->pos;
	accept_kw(p, "lookup");
	if (!accept_kw(p, "join")) {
		fail(p, p->pos, "LOOKUP takes JOIN index ON field");
		return;
	}
	if (p->rule) {
		unsupported(p, at,
		            "LOOKUP JOIN reads a lookup index: casebook runs it in `casebook esql`, not yet in a rule");
		return;
	}
	c->kind = K_LOOKUP;
	skip_space(p);
	size_t start = p->pos; /* an index name as FROM takes one: up to a space, '|' or ',' */
	while (p->s[p->pos] && !isspace((unsigned char)p->s[p->pos]) && p->s[p->pos] != '|' && p->s[p->pos] != ',')
		p->pos++;
	char *index = p->pos > start ? xstrndup(p->s + start, p->pos - start) : NULL;
	if (!index || !accept_kw(p, "on")) {
		free(index);
		fail(p, p->pos, "LOOKUP JOIN takes an index, ON and the fields to join on");
		return;
	}
	add_name(&c->names, &c->nnames, index);
	do {
		char *f = name_token(p, 0);
		if (!f) {
			fail(p, p->pos, "LOOKUP JOIN's ON takes field names");
			return;
		}
		add_name(&c->names, &c->nnames, f);
	} while (accept(p, ","));
	skip_space(p);
	if (p->s[p->pos] && p->s[p->pos] != '|')
		unsupported(p, p->pos, "LOOKUP JOIN's ON takes field names (not expressions) in casebook");
}

static void parse_command(struct parser *p, struct esql_query *q)
{
	skip_space(p);
	size_t at = p->pos;
	struct command c;
	memset(&c, 0, sizeof(c));
	if (accept_kw(p, "where")) {
		c.kind = K_WHERE;
		c.expr = parse_or(p);
		if (c.expr && (is_aggregate(c.expr) || aggregate_inside(c.expr)))
			fail(p, at, "an aggregate belongs in STATS");
	} else if (accept_kw(p, "eval")) {
		c.kind = K_EVAL;
		parse_assignments(p, &c, 0, 0);
	} else if (accept_kw(p, "keep")) {
		c.kind = K_KEEP;
		parse_names(p, &c, 1);
	} else if (accept_kw(p, "drop")) {
		c.kind = K_DROP;
		parse_names(p, &c, 1);
	} else if (accept_kw(p, "rename")) {
		c.kind = K_RENAME;
		do { /* old AS new, or new = old */
			char *from = name_token(p, 0), *to = NULL;
			if (from && accept_kw(p, "as")) {
				to = name_token(p, 0);
			} else if (from && p->s[(skip_space(p), p->pos)] == '=' && p->s[p->pos + 1] != '=') {
				p->pos++;
				to = from;
				from = name_token(p, 0);
				if (!from)
					free(to), to = NULL;
			}
			if (!to) {
				fail(p, p->pos, "RENAME takes old AS new, or new = old");
				free(from);
				break;
			}
			add_assign(&c, (struct assign){to, NULL, from, NULL, 0});
		} while (accept(p, ","));
	} else if (accept_kw(p, "grok")) {
		c.kind = K_GROK;
		c.input = parse_primary(p);
		size_t pat_at = (skip_space(p), p->pos);
		char *pat = c.input ? string_token(p) : NULL;
		char why[200];
		int unsup;
		if (pat && accept(p, ","))
			pat = grok_patterns(p, pat);
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
	} else if (peek_kw(p, "lookup")) {
		parse_lookup_join(p, &c);
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
			if (nested_aggregate(c.assign[i].expr))
				unsupported(p, at, "an aggregate inside another is not something casebook evaluates");
		if (!p->failed && accept_kw(p, "by"))
			parse_assignments(p, &c, 0, 1);
		if (!p->failed && !c.nassign && !c.nby)
			fail(p, at, "STATS takes aggregates, BY fields, or both");
		if (!p->failed)
			stats_columns(p, &c);
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
	if (!(q->ncmds & (q->ncmds - 1)))
		q->cmds = xrealloc(q->cmds, (q->ncmds ? q->ncmds * 2 : 1) * sizeof(*q->cmds));
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

/* Whether the expression calls NOW() (its depth is the parser's, ESQL_MAX_DEPTH at most). */
static int calls_now(const struct enode *n)
{
	if (!n)
		return 0;
	if (n->kind == N_CALL && !strcmp(n->name, "NOW"))
		return 1;
	for (size_t i = 0; i < n->nargs; i++)
		if (calls_now(n->args[i]))
			return 1;
	return 0;
}

/* A rule's WHERE that calls NOW() runs in the window's half, at each execution's time: its
 * conditions that do not call it run per event, in a WHERE of their own before it (WHERE a AND
 * b keeps the rows WHERE a | WHERE b keeps, three-valued logic included), so that the events
 * they refuse are never held for the windows and their equalities are needles still. */
static void hoist_conditions(struct esql_query *q, size_t at)
{
	struct command *c = &q->cmds[at];
	if (c->kind != K_WHERE || !c->expr || c->expr->kind != N_AND)
		return;
	struct enode *keep_now = node(N_AND), *rest = node(N_AND);
	const struct enode *stack[ESQL_MAX_DEPTH];
	struct enode *and_nodes[ESQL_MAX_DEPTH];
	size_t top = 0, nand = 0;
	/* the conjuncts, flattened (nested ANDs are the parser's depth at most), in their order */
	stack[top++] = c->expr;
	while (top > 0) {
		struct enode *n = (struct enode *)stack[--top];
		if (n->kind == N_AND && nand < ESQL_MAX_DEPTH && top + n->nargs <= ESQL_MAX_DEPTH) {
			and_nodes[nand++] = n;
			for (size_t k = n->nargs; k-- > 0;)
				stack[top++] = n->args[k];
			continue;
		}
		node_add(calls_now(n) ? keep_now : rest, n);
	}
	if (!rest->nargs || !keep_now->nargs) { /* nothing to move: the WHERE stays as it was */
		free(keep_now->args), free(keep_now), free(rest->args), free(rest);
		return;
	}
	for (size_t i = 0; i < nand; i++) { /* the children moved to the new nodes */
		free(and_nodes[i]->args);
		free(and_nodes[i]);
	}
	q->cmds = xrealloc(q->cmds, (q->ncmds + 1) * sizeof(*q->cmds));
	memmove(&q->cmds[at + 1], &q->cmds[at], (q->ncmds - at) * sizeof(*q->cmds));
	q->ncmds++;
	memset(&q->cmds[at], 0, sizeof(q->cmds[at]));
	q->cmds[at].kind = K_WHERE;
	q->cmds[at].expr = rest->nargs == 1 ? rest->args[0] : rest;
	q->cmds[at + 1].expr = keep_now->nargs == 1 ? keep_now->args[0] : keep_now;
	if (rest->nargs == 1)
		free(rest->args), free(rest);
	if (keep_now->nargs == 1)
		free(keep_now->args), free(keep_now);
}

/* Where the window's half starts: the first STATS, SORT or LIMIT, or in a rule the first
 * command that calls NOW() if it comes before (Kibana runs the query at each execution, so
 * NOW() is each execution's time: a command that reads it runs over each execution's window,
 * after the commands before it ran once per event). Then the names the window's commands
 * read: what a row must carry out of its event. */
static void plan_split(struct esql_query *q, size_t now_cmd)
{
	q->split = q->ncmds;
	for (size_t i = 0; i < q->ncmds; i++)
		if (q->cmds[i].kind == K_STATS || q->cmds[i].kind == K_SORT || q->cmds[i].kind == K_LIMIT) {
			q->split = i;
			break;
		}
	if (now_cmd < q->split) {
		size_t was = q->ncmds;
		hoist_conditions(q, now_cmd);
		q->split = now_cmd + (q->ncmds - was); /* after the WHERE of its other conditions */
	}
	for (size_t i = q->split; i < q->ncmds; i++) {
		const struct command *c = &q->cmds[i];
		collect_fields(c->expr, &q->referenced, &q->nreferenced);
		collect_fields(c->input, &q->referenced, &q->nreferenced);
		for (size_t k = 0; k < c->nassign; k++) {
			collect_fields(c->assign[k].expr, &q->referenced, &q->nreferenced);
			collect_fields(c->assign[k].filter, &q->referenced, &q->nreferenced);
			if (c->assign[k].from)
				add_name(&q->referenced, &q->nreferenced, xstrdup(c->assign[k].from));
		}
		for (size_t k = 0; k < c->nby; k++)
			collect_fields(c->by[k].expr, &q->referenced, &q->nreferenced);
		for (size_t k = c->kind == K_LOOKUP; k < c->nnames; k++) /* LOOKUP JOIN's index is none */
			add_name(&q->referenced, &q->nreferenced, xstrdup(c->names[k]));
		for (size_t k = 0; k < c->nkeys; k++)
			collect_fields(c->keys[k].expr, &q->referenced, &q->nreferenced);
	}
}

/* Each LOOKUP JOIN's table: one for each index and ON fields, shared by the commands naming
 * them (the documents are held once). */
static void attach_lookup_tables(struct esql_query *q)
{
	for (size_t i = 0; i < q->ncmds; i++) {
		struct command *c = &q->cmds[i];
		if (c->kind != K_LOOKUP)
			continue;
		struct strbuf on;
		strbuf_init(&on, 32);
		for (size_t k = 1; k < c->nnames; k++)
			strbuf_addf(&on, "%s%s", k > 1 ? "," : "", c->names[k]);
		for (size_t t = 0; t < q->nlookups && !c->lookup; t++)
			if (!strcmp(q->lookups[t]->index, c->names[0]) && !strcmp(q->lookups[t]->on_key, on.buf))
				c->lookup = q->lookups[t];
		if (c->lookup) {
			strbuf_release(&on);
			continue;
		}
		c->lookup = xcalloc(1, sizeof(*c->lookup));
		c->lookup->index = xstrdup(c->names[0]);
		c->lookup->on_key = strbuf_detach(&on, NULL);
		q->lookups = xrealloc(q->lookups, (q->nlookups + 1) * sizeof(*q->lookups));
		q->lookups[q->nlookups++] = c->lookup;
	}
}

static struct esql_query *parse_query(const char *text, struct esql_error *err, int row_allowed)
{
	memset(err, 0, sizeof(*err));
	struct parser p = {.s = text ? text : "", .err = err, .rule = !row_allowed};
	struct esql_query *q = xcalloc(1, sizeof(*q));
	if (row_allowed && accept_kw(&p, "row")) {
		q->row = xcalloc(1, sizeof(*q->row));
		q->row->kind = K_EVAL;
		parse_assignments(&p, q->row, 0, 0);
		while (!p.failed && accept(&p, "|")) {
			p.cmd = q->ncmds;
			parse_command(&p, q);
		}
		skip_space(&p);
		if (!p.failed && p.s[p.pos])
			fail(&p, p.pos, "expected | and a command");
	} else if (!accept_kw(&p, "from")) {
		fail(&p, p.pos,
		     row_allowed ? "an ES|QL query starts with FROM or ROW" : "an ES|QL rule starts with FROM");
	} else {
		parse_from(&p, q);
		while (!p.failed && accept(&p, "|")) {
			p.cmd = q->ncmds;
			parse_command(&p, q);
		}
		skip_space(&p);
		if (!p.failed && p.s[p.pos])
			fail(&p, p.pos, "expected | and a command");
	}
	if (p.failed) {
		esql_free(q);
		return NULL;
	}
	plan_split(q, p.now_seen ? p.now_cmd : SIZE_MAX);
	q->uses_now = p.now_seen;
	attach_lookup_tables(q);
	q->hunt = row_allowed;
	return q;
}

struct esql_query *esql_parse(const char *text, struct esql_error *err)
{
	return parse_query(text, err, 0);
}

struct esql_query *esql_parse_query(const char *text, struct esql_error *err)
{
	return parse_query(text, err, 1);
}

int esql_is_row(const struct esql_query *q)
{
	return q->row != NULL;
}

void esql_free(struct esql_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->ncmds; i++)
		command_free(&q->cmds[i]);
	free(q->cmds);
	if (q->row)
		command_free(q->row);
	free(q->row);
	for (size_t i = 0; i < q->nindices; i++)
		free(q->indices[i]);
	free(q->indices);
	for (size_t i = 0; i < q->nreferenced; i++)
		free(q->referenced[i]);
	free(q->referenced);
	free(q->replaced);
	for (size_t i = 0; i < q->nlookups; i++)
		lookup_table_free(q->lookups[i]);
	free(q->lookups);
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

const char *esql_lookup_index(const struct esql_query *q, size_t i)
{
	for (size_t k = 0; k < q->ncmds; k++)
		if (q->cmds[k].kind == K_LOOKUP && !i--)
			return q->cmds[k].names[0];
	return NULL;
}

/* About what a parsed document holds: its nodes and their strings. */
static size_t json_cost(const cJSON *j)
{
	const cJSON *stack[ESQL_MAX_DEPTH], *x = j;
	size_t n = 0, depth = 0;
	for (;;) { /* depth-first, without recursion; the root's siblings are not its */
		n += sizeof(cJSON) + (x->string ? strlen(x->string) + 1 : 0) +
		     (cJSON_IsString(x) && x->valuestring ? strlen(x->valuestring) + 1 : 0);
		if (x->child && depth < ESQL_MAX_DEPTH) {
			stack[depth++] = x;
			x = x->child;
			continue;
		}
		while (depth && !x->next)
			x = stack[--depth];
		if (!depth)
			return n;
		x = x->next;
	}
}

int esql_lookup_add(struct esql_query *q, const char *index, const cJSON *doc)
{
	size_t cost = json_cost(doc), total = 0;
	for (size_t i = 0; i < q->nlookups; i++)
		total += q->lookups[i]->bytes;
	for (size_t i = 0; i < q->nlookups; i++) {
		struct lookup_table *t = q->lookups[i];
		if (strcmp(t->index, index))
			continue;
		if (!cJSON_IsObject(doc) || t->built)
			return -1; /* a document is an object, handed over before the query runs */
		if ((total += cost) > ESQL_MAX_LOOKUP_BYTES)
			return -1;
		if (t->ndocs == t->cap)
			t->docs = xrealloc(t->docs, (t->cap = t->cap ? t->cap * 2 : 16) * sizeof(*t->docs));
		t->docs[t->ndocs++] = cJSON_Duplicate(doc, 1);
		t->bytes += cost;
	}
	return 0;
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

static int like_match(const char *pat, const char *s);

int esql_rows_keep_id(const struct esql_query *q)
{
	int kept = q->meta_id;
	for (size_t i = 0; i < q->ncmds && kept; i++) {
		const struct command *c = &q->cmds[i];
		int named = 0;
		for (size_t k = 0; k < c->nnames && (c->kind == K_KEEP || c->kind == K_DROP); k++)
			named |= like_match(c->names[k], "_id");
		for (size_t k = 0; k < c->nassign && c->kind == K_RENAME; k++)
			named |= !strcmp(c->assign[k].from, "_id");
		if (c->kind == K_KEEP ? !named : named || c->kind == K_STATS)
			kept = 0;
	}
	return kept;
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

/* Sets a column as EVAL, GROK and DISSECT do: one of the same name goes, the new one comes last
 * (ES|QL's shadowing). The value passes to the row. */
static void set_column_last(struct esql_row *r, const char *name, struct esql_value v)
{
	long i = column_index(r, name);
	if (i >= 0)
		remove_column(r, (size_t)i);
	set_column(r, name, v, 1);
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
	struct numeric_type num; /* a numeric field's type (detect/numeric.h): its stored values */
	int geo;                 /* a geo_point, read from _source (geo_json) */
	int ip;                  /* a field mapped ip: its values are ips (ip_scalar) */
	size_t geo_skip;         /* the values of an array [lon, lat(, z)] read already */
	int keyword;             /* a keyword multi-field: a number or boolean is indexed as its text */
	int version;             /* a field mapped version: its values are versions */
};

/* A number's text as the document wrote it, for the usual forms (cJSON keeps no text): a whole
 * number below 2^53 as its digits, another the shortest that reads back the same. */
static char *number_source_text(double d)
{
	char buf[40];
	if (d == floor(d) && fabs(d) < 9007199254740992.0) { /* a whole number as written: 100, not 1e+02 */
		snprintf(buf, sizeof(buf), "%.0f", d);
		return xstrdup(buf);
	}
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(buf, sizeof(buf), "%.*g", precision, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return xstrdup(buf);
}

/* A value of a field mapped as a numeric type, as ES|QL reads it from doc values: a double at
 * the stored precision, or for a long, integer, short or byte the whole number Elasticsearch
 * kept (truncated); a numeric string coerced; anything else, or a value the type refuses,
 * none (Elasticsearch would have refused it). */
static void read_stored_number(struct reading *rd, const cJSON *j)
{
	if (numeric_is_whole(rd->num)) { /* a long or integer column: 3.7 in _source reads as 3 */
		int64_t i;
		int refused = cJSON_IsNumber(j)   ? numeric_whole(rd->num, j->valuedouble, &i)
		              : cJSON_IsString(j) ? numeric_whole_text(rd->num, j->valuestring, &i)
		                                  : -1;
		if (!refused) /* a short or a byte is an integer column too */
			value_add(rd->v,
			          (struct esql_scalar){.kind = EK_INT,
			                               .i = i,
			                               .width = rd->num.kind == NUMERIC_LONG ? EW_LONG : EW_INTEGER});
		return;
	}
	if (rd->num.kind == NUMERIC_UNSIGNED_LONG) {
		uint64_t u;
		int refused = cJSON_IsNumber(j)   ? numeric_unsigned(rd->num, j->valuedouble, &u)
		              : cJSON_IsString(j) ? numeric_unsigned_text(rd->num, j->valuestring, &u)
		                                  : -1;
		if (!refused)
			value_add(rd->v, (struct esql_scalar){.kind = EK_INT, .i = (int64_t)u, .width = EW_UNSIGNED});
		return;
	}
	double d;
	int ok = cJSON_IsNumber(j)   ? numeric_stored(rd->num, j->valuedouble, &d)
	         : cJSON_IsString(j) ? numeric_stored_text(rd->num, j->valuestring, &d)
	                             : -1;
	if (!ok)
		value_add(rd->v, (struct esql_scalar){.kind = EK_DOUBLE, .d = d});
}

/* A geo_point's value of _source (geo_json); an array of numbers is one point, [lon, lat] or
 * [lon, lat, z] (GeoPointFieldMapper: a leading number makes the array a point), its
 * numbers passed here one by one. */
static void read_geo(struct reading *rd, const cJSON *j)
{
	double x, y;
	if (rd->geo_skip) {
		rd->geo_skip--;
		return;
	}
	if (cJSON_IsNumber(j)) {
		/* a point when it leads an array of two or three numbers and nothing else (GeoUtils:
		 * a fourth value, or another kind among them, is malformed); a number alone, an
		 * object's member or one after the array's first value, is none. The rest of its
		 * array is passed over. */
		if (j->string || (j->prev && j->prev->next == j))
			return;
		size_t count = 0;
		int numbers = 1;
		for (const cJSON *n = j; n; n = n->next)
			count++, numbers &= cJSON_IsNumber(n);
		rd->geo_skip = count - 1;
		if (!numbers || count < 2 || count > 3)
			return;
		x = j->valuedouble, y = j->next->valuedouble;
		if (!geo_valid(x, y))
			value_add(rd->v, geo_scalar(x, y));
		return;
	}
	if (!geo_json(j, &x, &y))
		value_add(rd->v, geo_scalar(x, y));
}

static int read_json_value(void *ctx, const cJSON *j)
{
	struct reading *rd = ctx;
	if (rd->geo) {
		read_geo(rd, j);
	} else if (rd->num.kind != NUMERIC_NONE) {
		read_stored_number(rd, j);
	} else if (cJSON_IsString(j)) {
		int64_t us;
		if (rd->num.ignores && casemap_utf16_units(j->valuestring) > (size_t)rd->num.ignore_above)
			return 0; /* not indexed: not in the keyword's doc values */
		unsigned char ip[16];
		if (rd->date && !field_date_text(j->valuestring, strlen(j->valuestring), &us)) {
			value_add(rd->v, (struct esql_scalar){.kind = EK_DATE, .i = us});
		} else if (rd->version) {
			value_add(rd->v,
			          (struct esql_scalar){.kind = EK_STR, .s = xstrdup(j->valuestring), .version = 1});
		} else if (rd->ip && !field_ip_parse(j->valuestring, strlen(j->valuestring), ip)) {
			value_add(rd->v, ip_scalar(ip)); /* an ip's doc value, written as Elasticsearch does */
		} else {
			/* the lowercase normalizer: Lucene's LowerCaseFilter, Character.toLowerCase of each code point
			 */
			char *text = rd->num.lowercase ? casemap(j->valuestring, 0, 0) : xstrdup(j->valuestring);
			value_add(rd->v, (struct esql_scalar){.kind = EK_STR, .s = text});
		}
	} else if (rd->keyword && (cJSON_IsBool(j) || cJSON_IsNumber(j))) {
		char *text =
		    cJSON_IsBool(j) ? xstrdup(cJSON_IsTrue(j) ? "true" : "false") : number_source_text(j->valuedouble);
		value_add(rd->v, (struct esql_scalar){.kind = EK_STR, .s = text});
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

static void sort_values(struct esql_value *v, int desc);

/* A multi-valued field as Elasticsearch reads it from doc values: sorted, and a keyword's
 * values each once (sorted sets); numbers, dates and booleans keep their repeats (sorted
 * numerics). A text field comes from _source, as written. */
static void doc_values_order(struct esql_value *v)
{
	sort_values(v, 0);
	size_t w = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (w && v->v[i].kind == EK_STR && v->v[w - 1].kind == EK_STR && !strcmp(v->v[i].s, v->v[w - 1].s)) {
			free(v->v[i].s);
			continue;
		}
		v->v[w++] = v->v[i];
	}
	v->n = w;
}

/* A column's value, or the event's field of that name (a copy: the caller frees it). */
static struct esql_value lookup(const struct esql_row *r, const char *name)
{
	long i = column_index(r, name);
	struct esql_value v = {NULL, 0};
	if (i >= 0) {
		v = value_copy(&r->vals[i]);
	} else if (r->src && !hidden(r, name)) {
		struct numeric_type num;
		enum field_type type = field_type_numeric(name, strlen(name), &num);
		size_t len = strlen(name);
		int doc_values = type != FT_TEXT; /* a text field is read from _source, as it is */
		const char *dot = num.multi ? strrchr(name, '.') : NULL;
		if (dot) { /* a multi-field: its parent's values in _source (sourcePaths) */
			len = (size_t)(dot - name);
			struct numeric_type parent;
			if (type == FT_TEXT && field_type_numeric(name, len, &parent) == FT_KEYWORD &&
			    parent.kind == NUMERIC_NONE && !parent.lowercase) {
				/* a text sub-field of a keyword reads the keyword's doc values
				 * (TextFieldMapper's nonDelegateBlockLoader) */
				doc_values = 1;
				num.ignores = parent.ignores, num.ignore_above = parent.ignore_above;
			}
		}
		/* a geo_point: the imported mapping's, or ECS's geo.location */
		int geo = num.geo_point || (len >= 12 && !memcmp(name + len - 12, "geo.location", 12) &&
		                            (len == 12 || name[len - 13] == '.'));
		doc_values = doc_values && !geo; /* from _source, in its order */
		struct reading rd = {&v, type == FT_DATE, num, geo, type == FT_IP, 0, 0, 0};
		/* a keyword multi-field of a number (salary_change.keyword): KeywordFieldMapper indexes
		 * the value's text, and its doc values sort as text */
		rd.keyword = dot && type == FT_KEYWORD && num.kind == NUMERIC_NONE && !geo && !num.version;
		rd.version = num.version;
		field_each(r->src, name, len, read_json_value, &rd);
		if (v.n > 1 && doc_values)
			doc_values_order(&v);
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

/* ---- formats ---- */

/* A date as Elasticsearch writes one: yyyy-MM-ddTHH:mm:ss.SSSZ (milliseconds). */
static void date_text(int64_t us, char out[TIME_ISO_LEN])
{
	time_format_iso8601(us, out);
	char *dot = strchr(out, '.');
	if (dot && strlen(dot) > 4)
		strcpy(dot + 4, "Z");
}

/* A double as Java's Double.toString writes it (TO_STRING(2.03) is "2.03", 1e10 "1.0E10"):
 * the fewest digits that read back the same, in plain notation from 10^-3 to 10^7. */
static void java_double(double d, char *out, size_t len)
{
	if (isnan(d)) {
		snprintf(out, len, "NaN");
		return;
	}
	if (isinf(d)) {
		snprintf(out, len, "%sInfinity", d < 0 ? "-" : "");
		return;
	}
	if (d == 0) {
		snprintf(out, len, "%s0.0", signbit(d) ? "-" : "");
		return;
	}
	char e[40];
	for (int p = 0; p < 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p, d);
		if (strtod(e, NULL) == d)
			break;
	}
	/* e: [-]D[.DDD]e±XX */
	char digits[24];
	size_t nd = 0;
	const char *c = e;
	int neg = *c == '-';
	if (neg)
		c++;
	for (; *c && *c != 'e'; c++)
		if (isdigit((unsigned char)*c))
			digits[nd++] = *c;
	digits[nd] = 0;
	int exp = atoi(c + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = 0;
	struct strbuf b;
	strbuf_init(&b, 32);
	if (neg)
		strbuf_addch(&b, '-');
	if (fabs(d) >= 1e-3 && fabs(d) < 1e7) {
		if (exp < 0) {
			strbuf_addstr(&b, "0.");
			for (int i = -1; i > exp; i--)
				strbuf_addch(&b, '0');
			strbuf_addstr(&b, digits);
		} else {
			for (int i = 0; i <= exp; i++)
				strbuf_addch(&b, (size_t)i < nd ? digits[i] : '0');
			strbuf_addch(&b, '.');
			strbuf_addstr(&b, (size_t)exp + 1 < nd ? digits + exp + 1 : "0");
		}
	} else {
		strbuf_addf(&b, "%c.%sE%d", digits[0], nd > 1 ? digits + 1 : "0", exp);
	}
	snprintf(out, len, "%s", b.buf);
	strbuf_release(&b);
}

/* A whole number's digits: an unsigned_long's as unsigned. */
static void int_text(const struct esql_scalar *s, char *buf, size_t len)
{
	if (s->width == EW_UNSIGNED)
		snprintf(buf, len, "%llu", (unsigned long long)(uint64_t)s->i);
	else
		snprintf(buf, len, "%lld", (long long)s->i);
}

/* A period's text: its months, then its time, in whole days where it is (Period's P1M1D), else
 * in seconds (P1MT3600S). */
static void period_text(const struct esql_scalar *s, char *buf, size_t size)
{
	int64_t us = s->period_us;
	if (!us)
		snprintf(buf, size, "P%lldM", (long long)s->i);
	else if (us % 86400000000 == 0)
		snprintf(buf, size, "P%lldM%lldD", (long long)s->i, (long long)(us / 86400000000));
	else
		snprintf(buf, size, "P%lldMT%lld.%06lldS", (long long)s->i, (long long)(us / 1000000),
		         (long long)llabs(us % 1000000));
}

static cJSON *scalar_json(const struct esql_scalar *s)
{
	char buf[40];
	switch (s->kind) {
	case EK_BOOL: return cJSON_CreateBool((int)s->i);
	case EK_INT: int_text(s, buf, sizeof(buf)); return cJSON_CreateRaw(buf);
	case EK_DOUBLE: /* as Elasticsearch writes it (Java's shortest form: 1.0, 2.03, 1.0E10) */
		if (!isfinite(s->d))
			return cJSON_CreateNull();
		java_double(s->d, buf, sizeof(buf));
		return cJSON_CreateRaw(buf);
	case EK_DATE: {
		char t[TIME_ISO_LEN];
		date_text(s->i, t);
		return cJSON_CreateString(t);
	}
	case EK_PERIOD: period_text(s, buf, sizeof(buf)); return cJSON_CreateString(buf);
	case EK_SPAN: snprintf(buf, sizeof(buf), "%llds", (long long)(s->i / 1000000)); return cJSON_CreateString(buf);
	case EK_GEO: {
		char *wkt = geo_wkt_text(s);
		cJSON *j = cJSON_CreateString(wkt);
		free(wkt);
		return j;
	}
	default: return cJSON_CreateString(s->s);
	}
}

/* A value as ES|QL's JSON answer writes it: null, the value, or an array of them. */
static cJSON *value_json(const struct esql_value *v)
{
	if (v->n == 0)
		return cJSON_CreateNull();
	if (v->n == 1)
		return scalar_json(&v->v[0]);
	cJSON *j = cJSON_CreateArray();
	for (size_t k = 0; k < v->n; k++)
		cJSON_AddItemToArray(j, scalar_json(&v->v[k]));
	return j;
}

static int columns_chosen(const struct esql_query *q);

void esql_row_to_json(const struct esql_row *r, cJSON *obj, int all)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!all && !r->computed[i])
			continue;
		const struct esql_value *v = &r->vals[i];
		cJSON *j;
		if (v->n == 1 && !r->computed[i] && !strcmp(r->names[i], "_source") && v->v[0].kind == EK_STR) {
			j = cJSON_Parse(v->v[0].s); /* METADATA _source: the document itself */
			if (!j)
				j = cJSON_CreateNull();
		} else {
			j = value_json(v);
		}
		/* a field the row carried keeps its place; a computed column comes last, as ES|QL's EVAL */
		if (r->computed[i] != 1 && cJSON_GetObjectItemCaseSensitive(obj, r->names[i])) {
			cJSON_ReplaceItemInObjectCaseSensitive(obj, r->names[i], j);
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, r->names[i]);
		cJSON_AddItemToObject(obj, r->names[i], j);
	}
}

int esql_answer_reads_event(const struct esql_query *q)
{
	return !q->row && !columns_chosen(q);
}

struct answer_names {
	char **names;
	size_t n, cap;
};

static int collect_answer_name(void *ctx, const char *name, size_t len, const cJSON *value)
{
	(void)value;
	struct answer_names *an = ctx;
	if (an->n == an->cap)
		an->names = xrealloc(an->names, (an->cap = an->cap ? an->cap * 2 : 32) * sizeof(*an->names));
	an->names[an->n++] = xstrndup(name, len);
	return 0;
}

static int found_value(void *ctx, const cJSON *v);

struct multi_answer {
	struct answer_names *an;
	const cJSON *ev;
};

/* A mapping's multi-field whose parent the event holds is one of FROM's columns too. */
static int collect_answer_multi(void *ctx, const char *name)
{
	struct multi_answer *ma = ctx;
	const char *dot = strrchr(name, '.');
	if (dot && field_each(ma->ev, name, (size_t)(dot - name), found_value, NULL))
		collect_answer_name(ma->an, name, strlen(name), NULL);
	return 0;
}

static int by_answer_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the answer's columns are the row's alone: a KEEP chose them, or STATS made them. */
static int columns_chosen(const struct esql_query *q)
{
	for (size_t i = 0; i < q->ncmds; i++) /* INLINE STATS keeps every column */
		if (q->cmds[i].kind == K_KEEP || (q->cmds[i].kind == K_STATS && !q->cmds[i].inline_stats))
			return 1;
	return 0;
}

/* The event's field a renamed column came from (RENAME a AS b, RENAME b AS c: c's is a). */
static const char *rename_origin(const struct esql_query *q, const char *name)
{
	for (size_t i = q->ncmds; i-- > 0;)
		for (size_t k = q->cmds[i].nassign; q->cmds[i].kind == K_RENAME && k-- > 0;)
			if (!strcmp(q->cmds[i].assign[k].name, name))
				name = q->cmds[i].assign[k].from;
	return name;
}

struct renamed {
	const char *origin;
	size_t col;
};

static int by_origin(const void *a, const void *b)
{
	return strcmp(((const struct renamed *)a)->origin, ((const struct renamed *)b)->origin);
}

/* The columns renamed from the event's fields, in the order of the fields they came from. */
static struct renamed *renamed_columns(const struct esql_query *q, const struct esql_row *r, size_t *n)
{
	struct renamed *ren = NULL;
	*n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->computed[i] == ESQL_RENAMED) {
			ren = xrealloc(ren, (*n + 1) * sizeof(*ren));
			ren[(*n)++] = (struct renamed){rename_origin(q, r->names[i]), i};
		}
	if (*n > 1)
		qsort(ren, *n, sizeof(*ren), by_origin);
	return ren;
}

static int is_metadata_column(const char *name)
{
	static const char *const names[] = {"_id", "_index", "_version", "_source", "_ignored", "_score"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return 1;
	return 0;
}

static void add_column_json(cJSON *obj, const struct esql_row *r, size_t col)
{
	cJSON_AddItemToObject(obj, r->names[col], value_json(&r->vals[col]));
}

void esql_row_answer_json(const struct esql_query *q, const struct esql_row *r, const cJSON *ev, cJSON *obj)
{
	if (ev && !columns_chosen(q)) {
		/* what the pipeline took away from the event: DROP's patterns, RENAME's old names */
		struct esql_row seen;
		memset(&seen, 0, sizeof(seen));
		seen.src = ev;
		for (size_t i = 0; i < q->ncmds; i++) {
			const struct command *c = &q->cmds[i];
			for (size_t k = 0; c->kind == K_DROP && k < c->nnames; k++)
				add_name(&seen.hidden, &seen.nhidden, xstrdup(c->names[k]));
			for (size_t k = 0; c->kind == K_RENAME && k < c->nassign; k++)
				add_name(&seen.hidden, &seen.nhidden, xstrdup(c->assign[k].from));
		}
		struct answer_names an = {NULL, 0, 0};
		field_each_leaf(ev, collect_answer_name, &an);
		struct multi_answer ma = {&an, ev};
		field_multi_fields_each(collect_answer_multi, &ma); /* height.float beside height */
		/* a field the row carried, null in this event, in its place too; METADATA's columns come
		 * after the fields (inlinestats.csv-spec allFieldsReturned) */
		for (size_t i = 0; i < r->n; i++)
			if (!r->computed[i] && !is_metadata_column(r->names[i]))
				collect_answer_name(&an, r->names[i], strlen(r->names[i]), NULL);
		if (an.n > 1) /* ES|QL lists a FROM's fields by name */
			qsort(an.names, an.n, sizeof(*an.names), by_answer_name);
		/* a field renamed keeps its place under its new name (rename.csv-spec renameDrop) */
		size_t nren, next = 0;
		struct renamed *ren = renamed_columns(q, r, &nren);
		for (size_t i = 0; i < an.n; i++) {
			for (; next < nren && strcmp(ren[next].origin, an.names[i]) <= 0; next++)
				add_column_json(obj, r, ren[next].col);
			long k = column_index(r, an.names[i]);
			if ((!i || strcmp(an.names[i], an.names[i - 1])) && (k < 0 || !r->computed[k]) &&
			    !hidden(&seen, an.names[i])) {
				/* a field the row carried out of the event (a window's row) stands in its place */
				struct esql_value v = k >= 0 ? value_copy(&r->vals[k]) : lookup(&seen, an.names[i]);
				cJSON_AddItemToObject(obj, an.names[i], value_json(&v)); /* each name once */
				value_free(&v);
			}
		}
		for (; next < nren; next++)
			add_column_json(obj, r, ren[next].col);
		free(ren);
		for (size_t i = 0; i < an.n; i++)
			free(an.names[i]);
		free(an.names);
		esql_row_release(&seen);
	}
	esql_row_to_json(r, obj, 1);
}

/* ---- evaluation ---- */

static int is_number(const struct esql_scalar *s)
{
	return is_number_kind(s->kind);
}

static double as_double(const struct esql_scalar *s)
{
	if (s->kind == EK_INT && s->width == EW_UNSIGNED)
		return (double)(uint64_t)s->i;
	return s->kind == EK_DOUBLE ? s->d : (double)s->i;
}

/* Whether an operation meets an unsigned_long and another numeric type: Elasticsearch's
 * Verifier refuses the query ("[unsigned_long] can only be operated on together with another
 * [unsigned_long]"), so the query stops with that. */
static int unsigned_mixed(const struct esql_scalar *a, const struct esql_scalar *b)
{
	int ua = a->kind == EK_INT && a->width == EW_UNSIGNED, ub = b->kind == EK_INT && b->width == EW_UNSIGNED;
	if (ua == ub)
		return 0;
	fault("[unsigned_long] can only be operated on together with another [unsigned_long]");
	return 1;
}

/* -1, 0 or 1 into *out; -1 when the two do not compare (ES|QL would refuse the query). */
static int compare_scalars(const struct esql_scalar *a, const struct esql_scalar *b, int *out)
{
	if (is_number(a) && is_number(b)) {
		if (unsigned_mixed(a, b))
			return -1;
		if (a->kind == EK_INT && b->kind == EK_INT && a->width == EW_UNSIGNED)
			*out = ((uint64_t)a->i > (uint64_t)b->i) - ((uint64_t)a->i < (uint64_t)b->i);
		else if (a->kind == EK_INT && b->kind == EK_INT)
			*out = (a->i > b->i) - (a->i < b->i);
		else
			*out = (as_double(a) > as_double(b)) - (as_double(a) < as_double(b));
		return 0;
	}
	if (a->kind == EK_STR && b->kind == EK_STR && (a->version || b->version)) {
		int c = version_order(a->s, b->s); /* a string it meets reads as a version */
		*out = (c > 0) - (c < 0);
		return 0;
	}
	if (a->kind == EK_STR && b->kind == EK_STR && (a->ip || b->ip)) {
		/* an ip orders by its bytes, ::1 before 127.0.0.1 (::ffff:7f00:1); a string
		 * it meets is read as an ip, as ES|QL casts a literal to the field's type */
		unsigned char x[16], y[16];
		if (!field_ip_parse(a->s, strlen(a->s), x) && !field_ip_parse(b->s, strlen(b->s), y)) {
			int c = memcmp(x, y, 16);
			*out = (c > 0) - (c < 0);
			return 0;
		}
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
	if (a->kind == EK_GEO && b->kind == EK_GEO) { /* equal when both coordinates are */
		double ya = geo_y(a), yb = geo_y(b);
		*out = a->d != b->d ? (a->d > b->d) - (a->d < b->d) : (ya > yb) - (ya < yb);
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

/* A string literal compared with a datetime, an ip or a boolean, or listed IN for one, is read
 * as one, as ImplicitCasting casts it to the other side's type (processBinaryOperator,
 * processIn: supportsStringImplicitCasting); one that does not read as one fails the query with
 * Elasticsearch's message. casebook knows a field's type by its value, so the cast is made on
 * the row: v, the literal's value, becomes other's type. 0, or -1 with the query faulted. */
static int cast_compared(const struct enode *lit, struct esql_value *v, const struct esql_scalar *other)
{
	if (!is_string_literal(lit) || !single(v) || v->v[0].kind != EK_STR)
		return 0;
	const char *s = v->v[0].s;
	struct esql_scalar c = {.kind = other->kind};
	unsigned char ip[16];
	if (other->kind == EK_BOOL) {
		c.i = !strcasecmp(s, "true"); /* Boolean.parseBoolean */
	} else if (other->kind == EK_DATE) {
		if (field_date_text(s, strlen(s), &c.i)) {
			fault("Cannot convert string [%s] to [DATETIME], error [failed to parse date field [%s] with "
			      "format "
			      "[strict_date_optional_time]]",
			      s, s);
			return -1;
		}
	} else if (other->kind == EK_STR && other->ip) {
		if (ip_parse_leading_zeros(s, LZ_REJECT, ip)) {
			fault("Cannot convert string [%s] to [IP], error ['%s' is not an IP string literal.]", s, s);
			return -1;
		}
		c = ip_scalar(ip);
	} else {
		return 0;
	}
	value_free(v);
	*v = one(c);
	return 0;
}

static struct esql_value eval_compare(const struct enode *n, const struct esql_row *r)
{
	struct esql_value a = eval(n->args[0], r), b = eval(n->args[1], r), out = null_value;
	int c;
	if (single(&a) && single(&b) &&
	    (cast_compared(n->args[1], &b, &a.v[0]) || cast_compared(n->args[0], &a, &b.v[0]))) {
		value_free(&a);
		value_free(&b);
		return null_value;
	}
	if (single(&a) && single(&b) && !compare_scalars(&a.v[0], &b.v[0], &c)) {
		static const int want[][3] = {{0, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 1, 0}, {0, 0, 1}, {0, 1, 1}};
		out = boolean(want[n->op][c + 1]); /* [op][less, equal, greater] */
	}
	value_free(&a);
	value_free(&b);
	return out;
}

/* A date moved by calendar months, its day clamped to the month's last (Java's plusMonths):
 * 0, or -1 out of the years 0001-9999. */
/* Whether an instant lies in the years 0001-9999, which casebook's dates hold. */
static int date_in_range(int64_t us)
{
	struct time_civil lo = {1, 1, 1, 0}, hi = {10000, 1, 1, 0};
	return us >= time_from_civil(&lo) && us < time_from_civil(&hi);
}

static int add_months(int64_t us, int64_t months, int64_t *out)
{
	struct time_civil c;
	time_to_civil(us, &c);
	if (months > 120000 || months < -120000)
		return -1;
	int64_t m = c.year * 12 + (int64_t)c.month - 1 + months;
	int64_t y = m >= 0 ? m / 12 : -((-m + 11) / 12);
	c.year = y;
	c.month = (unsigned)(m - y * 12 + 1);
	if (c.year < 1 || c.year > 9999)
		return -1;
	unsigned last = time_days_in_month(c.year, c.month);
	if (c.day > last)
		c.day = last;
	*out = time_from_civil(&c);
	return 0;
}

/* A date moved by a period: its months on the calendar, then its time (Period.addTo: months,
 * then days), or back by both when subtracting. */
static int add_period(int64_t us, const struct esql_scalar *period, int subtract, int64_t *out)
{
	int64_t moved, months = period->i;
	if ((subtract && __builtin_sub_overflow((int64_t)0, months, &months)) || add_months(us, months, &moved))
		return -1;
	return subtract ? __builtin_sub_overflow(moved, period->period_us, out)
	                : __builtin_add_overflow(moved, period->period_us, out);
}

/* A period of months and time (1 month + 1 day) rounds nothing: DateTrunc's "Time interval with
 * multiple periods is not supported" fails the query. */
static int mixed_period(const struct esql_scalar *s)
{
	if (s->kind != EK_PERIOD || !s->period_us)
		return 0;
	fault("Time interval with multiple periods is not supported");
	return 1;
}

/* A time span or a calendar period: what adds up with another (4 years + 3 months + 2 weeks,
 * 1 hour - 1 minute), as Period.plus and Duration.plus do. */
static int is_amount(const struct esql_scalar *s)
{
	return s->kind == EK_SPAN || s->kind == EK_PERIOD;
}

static struct esql_value add_amounts(const struct esql_scalar *x, const struct esql_scalar *y, int subtract)
{
	int64_t xm = x->kind == EK_PERIOD ? x->i : 0, ym = y->kind == EK_PERIOD ? y->i : 0;
	int64_t xus = x->kind == EK_PERIOD ? x->period_us : x->i, yus = y->kind == EK_PERIOD ? y->period_us : y->i;
	int64_t months = 0, us = 0;
	if (subtract ? __builtin_sub_overflow(xm, ym, &months) || __builtin_sub_overflow(xus, yus, &us)
	             : __builtin_add_overflow(xm, ym, &months) || __builtin_add_overflow(xus, yus, &us)) {
		warn("java.lang.ArithmeticException: long overflow");
		return null_value;
	}
	if (x->kind == EK_SPAN && y->kind == EK_SPAN)
		return one((struct esql_scalar){.kind = EK_SPAN, .i = us});
	return one((struct esql_scalar){.kind = EK_PERIOD, .i = months, .period_us = us});
}

/* unsigned_long with unsigned_long (Add, Sub, Mul, Div, Mod's processUnsignedLongs): past 0 or
 * 2^64 - 1, or a division by zero, null with a warning. */
static struct esql_value unsigned_arith(int op, uint64_t x, uint64_t y)
{
	uint64_t res = 0;
	int bad = 0;
	switch (op) {
	case '+': bad = __builtin_add_overflow(x, y, &res); break;
	case '-': bad = __builtin_sub_overflow(x, y, &res); break;
	case '*': bad = __builtin_mul_overflow(x, y, &res); break;
	case '/': bad = y == 0, res = bad ? 0 : x / y; break;
	default: bad = y == 0, res = bad ? 0 : x % y;
	}
	if (bad) {
		warn(y == 0 && (op == '/' || op == '%') ? "java.lang.ArithmeticException: / by zero"
		                                        : "java.lang.ArithmeticException: unsigned_long overflow");
		return null_value;
	}
	return one((struct esql_scalar){.kind = EK_INT, .i = (int64_t)res, .width = EW_UNSIGNED});
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
	if (single(&a) && single(&b) && a.v[0].kind == EK_STR && b.v[0].kind == EK_PERIOD &&
	    !field_date_text(a.v[0].s, strlen(a.v[0].s), &us)) {
		free(a.v[0].s);
		a.v[0] = (struct esql_scalar){.kind = EK_DATE, .i = us};
	}
	if (single(&a) && single(&b) && b.v[0].kind == EK_STR && a.v[0].kind == EK_PERIOD && n->op == '+' &&
	    !field_date_text(b.v[0].s, strlen(b.v[0].s), &us)) {
		free(b.v[0].s);
		b.v[0] = (struct esql_scalar){.kind = EK_DATE, .i = us};
	}
	if (single(&a) && single(&b) && (n->op == '+' || n->op == '-') && is_amount(&a.v[0]) && is_amount(&b.v[0])) {
		out = add_amounts(&a.v[0], &b.v[0], n->op == '-');
	} else if (single(&a) && single(&b) && (n->op == '+' || n->op == '-') &&
	           ((a.v[0].kind == EK_DATE && b.v[0].kind == EK_PERIOD) ||
	            (n->op == '+' && a.v[0].kind == EK_PERIOD && b.v[0].kind == EK_DATE))) {
		const struct esql_scalar *date = a.v[0].kind == EK_DATE ? &a.v[0] : &b.v[0];
		const struct esql_scalar *period = a.v[0].kind == EK_PERIOD ? &a.v[0] : &b.v[0];
		int64_t res;
		if (!add_period(date->i, period, n->op == '-', &res) && date_in_range(res))
			out = one((struct esql_scalar){.kind = EK_DATE, .i = res});
		else /* past the years a date holds: null, warned as Elasticsearch warns */
			warn("java.time.DateTimeException: Invalid value for Year");
	} else if (single(&a) && single(&b) && (n->op == '+' || n->op == '-') && a.v[0].kind == EK_DATE &&
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
		if (unsigned_mixed(x, y)) {
			; /* refused */
		} else if (x->kind == EK_INT && y->kind == EK_INT && x->width == EW_UNSIGNED) {
			out = unsigned_arith(n->op, (uint64_t)x->i, (uint64_t)y->i);
		} else if (x->kind == EK_INT && y->kind == EK_INT) {
			/* integer with integer is an integer (Math.addExact over ints), else a long */
			enum esql_width w = x->width == EW_INTEGER && y->width == EW_INTEGER ? EW_INTEGER : EW_LONG;
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
			if (bad || !fits_width(w, res)) /* an overflow or a division by zero: null, warned */
				warn(y->i == 0 && (n->op == '/' || n->op == '%')
				         ? "java.lang.ArithmeticException: / by zero"
				     : w == EW_INTEGER ? "java.lang.ArithmeticException: integer overflow"
				                       : "java.lang.ArithmeticException: long overflow");
			else
				out = one((struct esql_scalar){.kind = EK_INT, .i = res, .width = w});
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
			else /* NumericUtils.asFiniteNumber, Div's and Mod's / by zero */
				warn(q == 0 && (n->op == '/' || n->op == '%')
				         ? "java.lang.ArithmeticException: / by zero"
				         : "java.lang.ArithmeticException: not a finite "
				           "double number");
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
		if (cast_compared(n->args[i], &b, &a.v[0])) {
			value_free(&b);
			break;
		}
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

static const char *string_arg(const struct esql_value *v);

/* Lower-cased ASCII, for a (?i) pattern and its value. */
static char *folded(const char *s)
{
	char *f = xstrdup(s);
	for (char *c = f; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return f;
}

/* One pattern of LIKE or RLIKE against a value: 1, 0, or REGEX_GAVE_UP. A pattern computed
 * from the row is compiled for it; (?i) before a pattern makes it case-insensitive. */
static int like_one(const struct enode *n, size_t i, const char *value, const struct esql_row *r)
{
	const struct enode *pat = n->args[i + 1];
	if (n->kind == N_RLIKE && n->res[i])
		return regex_match_whole(n->res[i], value, strlen(value));
	struct esql_value pv = eval(pat, r);
	const char *ps = string_arg(&pv);
	int hit = 0;
	if (ps) {
		int caseless = !strncmp(ps, "(?i)", 4);
		const char *body = ps + (caseless ? 4 : 0);
		if (n->kind == N_RLIKE) {
			const char *why;
			pcre2_code *re = lucene_regex_compile(body, strlen(body), caseless, &why);
			if (re)
				hit = regex_match_whole(re, value, strlen(value));
			else
				warn("RLIKE: a computed pattern that is not a regular expression casebook takes");
			pcre2_code_free(re);
		} else if (caseless) {
			char *fb = folded(body), *fv = folded(value);
			hit = like_match(fb, fv);
			free(fb);
			free(fv);
		} else {
			hit = like_match(body, value);
		}
	}
	value_free(&pv);
	return hit;
}

static struct esql_value eval_like(const struct enode *n, const struct esql_row *r)
{
	struct esql_value v = eval(n->args[0], r), out = null_value;
	int strings = 1; /* LIKE reads strings: another type's value is null, as before the rewrite */
	for (size_t i = 0; i < v.n; i++)
		strings &= v.v[i].kind == EK_STR;
	if (n->matches_all && strings) {
		out = boolean((v.n > 0) != n->op);
	} else if (single(&v) && v.v[0].kind == EK_STR) {
		int hit = 0;
		for (size_t i = 0; i + 1 < n->nargs && hit == 0; i++)
			hit = like_one(n, i, v.v[0].s, r);
		/* a limit reached: null, and the event given up (esql_gave_up) */
		out = hit == REGEX_GAVE_UP ? null_value : boolean((hit == 1) != n->op);
	}
	value_free(&v);
	return out;
}

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
		if (single(&v) && v.v[0].kind == EK_INT && v.v[0].width == EW_UNSIGNED)
			fault("negation unsupported for arguments of type [unsigned_long]"); /* the Verifier's */
		else if (single(&v) && v.v[0].kind == EK_INT && v.v[0].i != INT64_MIN &&
		         fits_width(v.v[0].width, -v.v[0].i))
			out = one((struct esql_scalar){.kind = EK_INT, .i = -v.v[0].i, .width = v.v[0].width});
		else if (single(&v) && v.v[0].kind == EK_INT) /* Math.negateExact */
			warn(v.v[0].width == EW_INTEGER ? "java.lang.ArithmeticException: integer overflow"
			                                : "java.lang.ArithmeticException: long overflow");
		else if (single(&v) && v.v[0].kind == EK_DOUBLE)
			out = one((struct esql_scalar){.kind = EK_DOUBLE, .d = -v.v[0].d});
		else if (single(&v) && is_amount(&v.v[0])) {
			struct esql_scalar zero = {.kind = EK_SPAN};
			out = add_amounts(&zero, &v.v[0], 1);
		}
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
	case N_LIKE:
	case N_RLIKE: return eval_like(n, r);
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
	case EK_INT: int_text(s, buf, sizeof(buf)); return xstrdup(buf);
	case EK_DOUBLE: java_double(s->d, buf, sizeof(buf)); return xstrdup(buf);
	case EK_DATE: {
		char t[TIME_ISO_LEN];
		date_text(s->i, t);
		return xstrdup(t);
	}
	case EK_PERIOD: period_text(s, buf, sizeof(buf)); return xstrdup(buf);
	case EK_SPAN: snprintf(buf, sizeof(buf), "%llds", (long long)(s->i / 1000000)); return xstrdup(buf);
	case EK_GEO: return geo_wkt_text(s);
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

/* TO_LOWER and TO_UPPER: Java's String.toLowerCase(Locale.ROOT) and toUpperCase(Locale.ROOT)
 * (ToLower.java, ToUpper.java: the configuration's locale, ROOT unless the request says one). */
static struct esql_value case_change(const struct esql_value *v, int upper)
{
	struct esql_value out = null_value;
	for (size_t i = 0; i < v->n; i++) {
		if (v->v[i].kind != EK_STR)
			continue;
		char *s = casemap(v->v[i].s, upper, 1);
		/* a string may grow (ΐ's 2 bytes are 6 upper-cased): within what a function makes */
		if (too_big(upper ? "TO_UPPER" : "TO_LOWER", strlen(s))) {
			free(s);
			value_free(&out);
			return null_value;
		}
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

/* An order over values of any kind: by kind, then by value (equal values adjacent). */
static int scalar_rank(const struct esql_scalar *x, const struct esql_scalar *y)
{
	int c = 0;
	if (x->kind != y->kind)
		c = (x->kind > y->kind) - (x->kind < y->kind);
	else if (compare_scalars(x, y, &c))
		c = 0;
	return c;
}

static int by_scalar_then_index(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = scalar_rank(&deduping[a], &deduping[b]);
	return c ? c : (a > b) - (a < b);
}

/* v's value indexes in scalar_rank's order, for has_value's binary search. */
static size_t *rank_order(const struct esql_value *v)
{
	size_t *order = xmalloc((v->n ? v->n : 1) * sizeof(*order));
	for (size_t i = 0; i < v->n; i++)
		order[i] = i;
	deduping = v->v;
	qsort(order, v->n, sizeof(*order), by_scalar_then_index);
	return order;
}

/* The distinct values, each where it first occurs: sorted, not compared pairwise (VALUES and
 * COUNT_DISTINCT over a window of many values). */
static struct esql_value dedupe(const struct esql_value *v)
{
	size_t *order = rank_order(v);
	unsigned char *first = xcalloc(v->n ? v->n : 1, 1);
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

/* Whether v (its indexes in rank_order) holds a value equal to s: same kind, same value. */
static int has_value(const struct esql_value *v, const size_t *order, const struct esql_scalar *s)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = scalar_rank(&v->v[order[mid]], s);
		if (!c)
			return scalar_equal(&v->v[order[mid]], s);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* MV_CONTAINS(superset, subset), as MvContains.java: a null subset is contained in anything and
 * a null superset contains only a null subset (never null itself); a keyword "" in the subset
 * counts as null (contained); each other value must be in the superset, of the same type. */
static struct esql_value mv_contains(const struct esql_value *super, const struct esql_value *sub)
{
	if (!sub->n)
		return boolean(1);
	size_t *order = rank_order(super);
	int all = 1;
	for (size_t i = 0; i < sub->n && all; i++) {
		const struct esql_scalar *s = &sub->v[i];
		if (s->kind == EK_STR && !*s->s)
			continue;
		all = has_value(super, order, s);
	}
	free(order);
	return boolean(all);
}

/* MV_INTERSECTION(a, b), as MvIntersection.java (LinkedHashSet.retainAll): a's distinct values,
 * in a's order, that b holds too; null when either is null or none is in both. */
static struct esql_value mv_intersection(const struct esql_value *a, const struct esql_value *b)
{
	struct esql_value distinct = dedupe(a), out = null_value;
	size_t *order = rank_order(b);
	for (size_t i = 0; i < distinct.n; i++)
		if (has_value(b, order, &distinct.v[i]))
			value_add(&out, scalar_copy(&distinct.v[i]));
	free(order);
	value_free(&distinct);
	return out;
}

static int scalar_order(const void *pa, const void *pb)
{
	const struct esql_scalar *x = pa, *y = pb;
	int c = 0;
	if (x->kind != y->kind && !(is_number(x) && is_number(y)))
		return (x->kind > y->kind) - (x->kind < y->kind);
	if (compare_scalars(x, y, &c))
		c = 0;
	return c;
}

/* Sorts values in place, ascending or descending (MV_SORT, TOP, the order a multi-valued
 * field is read in). */
static void sort_values(struct esql_value *v, int desc)
{
	qsort(v->v, v->n, sizeof(*v->v), scalar_order);
	for (size_t i = 0; desc && i < v->n / 2; i++) {
		struct esql_scalar t = v->v[i];
		v->v[i] = v->v[v->n - 1 - i];
		v->v[v->n - 1 - i] = t;
	}
}

enum number_kind { NUM_LONG, NUM_DOUBLE, NUM_INTEGER, NUM_UNSIGNED };

/* TO_UNSIGNED_LONG (ToUnsignedLong): a number or numeric string from 0 to 2^64 - 1, a decimal
 * truncated; a boolean 1 or 0; a date its epoch milliseconds; anything else, null with a
 * warning ("out of [unsigned_long] range"). */
static void to_unsigned(struct esql_value *out, const struct esql_scalar *s)
{
	const struct numeric_type ul = {.kind = NUMERIC_UNSIGNED_LONG};
	uint64_t u = 0;
	int bad = 0;
	if (s->kind == EK_INT && s->width == EW_UNSIGNED)
		u = (uint64_t)s->i;
	else if (s->kind == EK_INT || s->kind == EK_BOOL || s->kind == EK_DATE)
		bad = s->i < 0, u = (uint64_t)(s->kind == EK_DATE ? s->i / 1000 : s->i);
	else if (s->kind == EK_DOUBLE)
		bad = numeric_unsigned(ul, s->d, &u);
	else if (s->kind == EK_STR)
		bad = numeric_unsigned_text(ul, s->s, &u);
	else
		bad = 1;
	if (bad)
		warn("org.elasticsearch.xpack.esql.core.InvalidArgumentException: out of [unsigned_long] range");
	else
		value_add(out, (struct esql_scalar){.kind = EK_INT, .i = (int64_t)u, .width = EW_UNSIGNED});
}

/* TO_LONG, TO_DOUBLE, TO_INTEGER, TO_UNSIGNED_LONG: a value that is no number, or out of the
 * type's range (an integer's is 32 bits), is null, as ES|QL warns. A long stays exact. With
 * `rounds` (the TO_ functions) a fraction rounds as ToLong and ToInteger's fromDouble do
 * (safeDoubleToLong, safeToInt: Math.round, 2.5 is 3 and -2.5 is -2), and a string is read as
 * stringToLong reads it: a whole number exactly (Long.parseLong), else as Double.parseDouble;
 * without (GROK's types) a fraction is truncated. */
static struct esql_value to_number(const struct esql_value *v, enum number_kind want, int rounds)
{
	struct esql_value out = null_value;
	int64_t lo = want == NUM_INTEGER ? INT32_MIN : INT64_MIN, hi = want == NUM_INTEGER ? INT32_MAX : INT64_MAX;
	enum esql_width width = want == NUM_INTEGER ? EW_INTEGER : EW_LONG;
	for (size_t i = 0; i < v->n; i++) {
		const struct esql_scalar *s = &v->v[i];
		double d;
		if (want == NUM_UNSIGNED) {
			to_unsigned(&out, s);
			continue;
		}
		if (s->kind == EK_INT && s->width == EW_UNSIGNED && want != NUM_DOUBLE && s->i < 0) {
			warn("an unsigned_long out of the type's range"); /* past 2^63 - 1 */
			continue;
		}
		if (s->kind == EK_INT || s->kind == EK_BOOL) {
			if (want == NUM_DOUBLE)
				value_add(&out, (struct esql_scalar){.kind = EK_DOUBLE, .d = as_double(s)});
			else if (s->i >= lo && s->i <= hi)
				value_add(&out, (struct esql_scalar){.kind = EK_INT, .i = s->i, .width = width});
			else
				warn("an integer out of its range");
			continue;
		}
		if (s->kind == EK_STR && rounds) {
			int64_t exact;
			char why[128];
			if (want != NUM_DOUBLE && !number_text_int64(s->s, lo, hi, &exact)) {
				value_add(&out, (struct esql_scalar){.kind = EK_INT, .i = exact, .width = width});
				continue;
			}
			if (java_double_text(s->s, &d, why, sizeof(why))) {
				warn("a string that is not a number");
				continue;
			}
		} else if (s->kind == EK_STR) {
			char *end;
			d = strtod(s->s, &end);
			if (end == s->s || *end) {
				warn("a string that is not a number");
				continue;
			}
		} else if (s->kind == EK_DATE) {
			d = (double)(s->i / 1000);
		} else {
			d = s->kind == EK_DOUBLE ? s->d : (double)s->i;
		}
		int64_t whole;
		if (want == NUM_DOUBLE)
			value_add(&out, (struct esql_scalar){.kind = EK_DOUBLE, .d = d});
		else if (!(rounds ? java_round(d, lo, hi, &whole) : number_to_int64(d, lo, hi, &whole)))
			value_add(&out, (struct esql_scalar){.kind = EK_INT, .i = whole, .width = width});
		else
			warn("a number out of its type's range");
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
	const char *end = s + strlen(s);
	for (const char *p = s;;) {
		/* memmem with the length left: strstr's haystack is measured again each time (under
		 * ASan, whose interceptor does), quadratic in the values */
		const char *hit = memmem(p, (size_t)(end - p), delim, dl);
		size_t len = hit ? (size_t)(hit - p) : (size_t)(end - p);
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

static struct esql_value a_double(double d)
{
	return isfinite(d) ? one((struct esql_scalar){.kind = EK_DOUBLE, .d = d}) : null_value;
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The numbers among the values, sorted; how many. */
static size_t sorted_numbers(const struct esql_value *v, double **out)
{
	*out = xmalloc((v->n ? v->n : 1) * sizeof(**out));
	size_t n = 0;
	for (size_t i = 0; i < v->n; i++)
		if (is_number(&v->v[i]))
			(*out)[n++] = as_double(&v->v[i]);
	qsort(*out, n, sizeof(**out), by_double);
	return n;
}

/* The p-th percentile of sorted numbers, interpolated between the closest ranks, as
 * Elasticsearch's t-digest answers for small sets (MEDIAN of 1, 2, 3, 4 is 2.5). */
static double percentile_of(const double *x, size_t n, double p)
{
	double rank = p / 100 * (double)(n - 1);
	size_t lo = (size_t)floor(rank), hi = lo + 1 < n ? lo + 1 : lo;
	return x[lo] + (x[hi] - x[lo]) * (rank - (double)lo);
}

static int by_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

__extension__ typedef unsigned __int128 wide_uint;

/* diff * fraction (0 <= fraction < 1) rounded down, exactly: the fraction's 53-bit mantissa
 * times diff in 128 bits (a long double has no more bits than a double under valgrind). */
static uint64_t interpolated_share(uint64_t diff, double fraction)
{
	if (!(fraction > 0))
		return 0;
	int e;
	uint64_t mant = (uint64_t)ldexp(frexp(fraction, &e), 53); /* fraction = mant * 2^(e - 53) */
	int shift = 53 - e;
	return shift >= 128 ? 0 : (uint64_t)(((wide_uint)diff * mant) >> shift);
}

/* MV_PERCENTILE(values, p) (MvPercentile.java): between the sorted values at rank
 * p / 100 * (n - 1), interpolated; of whole numbers a whole number of their type, the
 * difference's share truncated (75 of [0, 10] is 7). */

static struct esql_value mv_percentile(const struct esql_value *v, double p)
{
	int whole = v->n > 0;
	enum esql_width width = EW_INTEGER;
	for (size_t i = 0; i < v->n; i++) {
		whole &= v->v[i].kind == EK_INT && v->v[i].width != EW_UNSIGNED;
		if (v->v[i].kind == EK_INT && v->v[i].width == EW_LONG)
			width = EW_LONG;
	}
	if (whole) { /* the longs themselves, not their doubles: exact past 2^53 */
		int64_t *x = xmalloc(v->n * sizeof(*x));
		for (size_t i = 0; i < v->n; i++)
			x[i] = v->v[i].i;
		qsort(x, v->n, sizeof(*x), by_int64);
		double rank = p / 100 * (double)(v->n - 1);
		size_t lo = (size_t)floor(rank), hi = lo + 1 < v->n ? lo + 1 : lo;
		uint64_t share = interpolated_share((uint64_t)x[hi] - (uint64_t)x[lo], rank - (double)lo);
		struct esql_value out =
		    one((struct esql_scalar){.kind = EK_INT, .i = (int64_t)((uint64_t)x[lo] + share), .width = width});
		free(x);
		return out;
	}
	double *x;
	size_t n = sorted_numbers(v, &x);
	struct esql_value out = n ? a_double(percentile_of(x, n, p)) : null_value;
	free(x);
	return out;
}

static const char *const month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};
static const char *const day_names[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

/* Monday 0 ... Sunday 6 (1970-01-01 was a Thursday). */
static int weekday_of(int64_t us)
{
	int64_t days = us / 86400000000;
	if (days * 86400000000 > us)
		days--;
	return (int)(((days + 3) % 7 + 7) % 7);
}

static int day_of_year(const struct time_civil *c)
{
	int d = (int)c->day;
	for (unsigned m = 1; m < c->month; m++)
		d += (int)time_days_in_month(c->year, m);
	return d;
}

/* The ISO week-based year of an instant: the year of its week's Thursday (weeks start on
 * Monday; week 1 holds the year's first Thursday). */
static int64_t iso_week_year(int64_t us)
{
	struct time_civil c;
	time_to_civil(us + (int64_t)(3 - weekday_of(us)) * 86400000000, &c);
	return c.year;
}

/* DATE_FORMAT: Java's DateTimeFormatter letters (y Y M d H h m s S a E D, X and Z as UTC), 'quoted'
 * text and other characters as they are; 0 with the text in *out, -1 for a letter casebook does
 * not format. */
static int format_date(const char *pat, int64_t us, struct strbuf *out)
{
	struct time_civil c;
	time_to_civil(us, &c);
	int64_t sec = c.us_of_day / 1000000;
	int hour = (int)(sec / 3600), minute = (int)(sec / 60 % 60), second = (int)(sec % 60);
	for (const char *p = pat; *p;) {
		if (*p == '\'') {
			if (p[1] == '\'') {
				strbuf_addch(out, '\''), p += 2;
				continue;
			}
			for (p++; *p && !(*p == '\'' && p[1] != '\''); p++) {
				if (*p == '\'')
					p++;
				strbuf_addch(out, *p);
			}
			if (*p)
				p++;
			continue;
		}
		if (!isalpha((unsigned char)*p)) {
			strbuf_addch(out, *p++);
			continue;
		}
		char l = *p;
		int k = 0;
		while (*p == l)
			p++, k++;
		if (k > 9) /* Java refuses so many of a letter */
			return -1;
		switch (l) {
		case 'y':
		case 'u':
			if (k == 2)
				strbuf_addf(out, "%02d", (int)(c.year % 100));
			else
				strbuf_addf(out, "%0*lld", k, (long long)c.year);
			break;
		case 'Y': { /* the week-based year: ISO weeks, as Elasticsearch's calendar data has them */
			int64_t year = iso_week_year(us);
			if (k == 2)
				strbuf_addf(out, "%02d", (int)(year % 100));
			else
				strbuf_addf(out, "%0*lld", k, (long long)year);
			break;
		}
		case 'M':
		case 'L':
			if (k >= 4)
				strbuf_addstr(out, month_names[c.month - 1]);
			else if (k == 3)
				strbuf_add(out, month_names[c.month - 1], 3);
			else
				strbuf_addf(out, "%0*u", k, c.month);
			break;
		case 'd': strbuf_addf(out, "%0*u", k, c.day); break;
		case 'D': strbuf_addf(out, "%0*d", k, day_of_year(&c)); break;
		case 'H': strbuf_addf(out, "%0*d", k, hour); break;
		case 'h': strbuf_addf(out, "%0*d", k, hour % 12 ? hour % 12 : 12); break;
		case 'm': strbuf_addf(out, "%0*d", k, minute); break;
		case 's': strbuf_addf(out, "%0*d", k, second); break;
		case 'S': {
			char frac[24];
			snprintf(frac, sizeof(frac), "%06lld", (long long)(c.us_of_day % 1000000));
			for (int i = 0; i < k; i++)
				strbuf_addch(out, i < 6 ? frac[i] : '0');
			break;
		}
		case 'a': strbuf_addstr(out, hour < 12 ? "AM" : "PM"); break;
		case 'E':
			if (k >= 4)
				strbuf_addstr(out, day_names[weekday_of(us)]);
			else
				strbuf_add(out, day_names[weekday_of(us)], 3);
			break;
		case 'X': strbuf_addch(out, 'Z'); break;
		case 'Z': strbuf_addstr(out, k >= 4 ? "GMT" : "+0000"); break;
		case 'x': strbuf_addstr(out, k == 1 ? "+00" : k == 3 ? "+00:00" : "+0000"); break;
		default: return -1;
		}
	}
	return 0;
}

/* DATE_PARSE's pattern, the same letters read back (numbers, month names, literals); UTC. */
/* A zone offset as the pattern letters X, x, Z and O write it (Z, +09, +0900, +09:00, GMT+9,
 * GMT): its seconds east of UTC, and the text after it; NULL where none is. Read as leniently as
 * any of them writes it: an X's, x's or Z's sign, hours, and minutes with or without a colon,
 * an O's "GMT" before them, and Z for UTC but after an x. */
static const char *parse_offset(const char *s, char letter, int64_t *offset)
{
	*offset = 0;
	if (letter == 'O') {
		if (strncmp(s, "GMT", 3))
			return NULL;
		s += 3;
		if (*s != '+' && *s != '-')
			return s;
	} else if (*s == 'Z' && letter != 'x') {
		return s + 1;
	}
	if (*s != '+' && *s != '-')
		return NULL;
	int negative = *s++ == '-', digits = 0;
	int64_t fields[3] = {0, 0, 0}; /* hours, minutes, seconds */
	while (digits < 2 && isdigit((unsigned char)*s))
		fields[0] = fields[0] * 10 + (*s++ - '0'), digits++;
	if (!digits)
		return NULL;
	for (int i = 1; i < 3; i++) {
		const char *d = *s == ':' ? s + 1 : s;
		if (!isdigit((unsigned char)d[0]) || !isdigit((unsigned char)d[1]))
			break;
		fields[i] = (d[0] - '0') * 10 + (d[1] - '0');
		s = d + 2;
	}
	if (fields[0] > 18 || fields[1] > 59 || fields[2] > 59)
		return NULL;
	*offset = (negative ? -1 : 1) * (fields[0] * 3600 + fields[1] * 60 + fields[2]);
	return s;
}

static int parse_date(const char *pat, const char *s, int64_t *us)
{
	struct time_civil c = {1970, 1, 1, 0};
	int64_t hour = 0, minute = 0, second = 0, micros = 0, offset = 0;
	int pm = -1;
	for (const char *p = pat; *p;) {
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				if (*s++ != *p)
					return -1;
			if (*p)
				p++;
			continue;
		}
		if (!isalpha((unsigned char)*p)) {
			if (*s++ != *p++)
				return -1;
			continue;
		}
		char l = *p;
		int k = 0;
		while (*p == l)
			p++, k++;
		if ((l == 'M' && k >= 3) || l == 'E' || l == 'a') {
			int found = 0;
			for (int i = 0; i < (l == 'M' ? 12 : l == 'E' ? 7 : 2) && !found; i++) {
				const char *name = l == 'M'   ? month_names[i]
				                   : l == 'E' ? day_names[i]
				                   : i        ? "PM"
				                              : "AM";
				size_t len = k >= 4 || l == 'a' ? strlen(name) : 3;
				if (!strncasecmp(s, name, len)) {
					found = 1, s += len;
					if (l == 'M')
						c.month = (unsigned)i + 1;
					if (l == 'a')
						pm = i;
				}
			}
			if (!found)
				return -1;
			continue;
		}
		if (l == 'X' || l == 'Z' || l == 'x' || l == 'O') {
			if (!(s = parse_offset(s, l, &offset)))
				return -1;
			continue;
		}
		int width = l == 'S' ? k : (k >= 2 && l != 'y' && l != 'u') ? k : 9;
		int64_t v = 0;
		int got = 0;
		while (got < width && isdigit((unsigned char)*s)) {
			if (v > (INT64_MAX - 9) / 10)
				return -1; /* more digits than any field holds ("SSSS..." as wide as the text) */
			v = v * 10 + (*s++ - '0'), got++;
		}
		if (!got || (k >= 2 && l != 'y' && l != 'u' && got != k))
			return -1;
		switch (l) {
		case 'y':
		case 'u': c.year = k == 2 ? 2000 + v : v; break;
		case 'M': c.month = (unsigned)v; break;
		case 'd': c.day = (unsigned)v; break;
		case 'H':
		case 'h': hour = v; break;
		case 'm': minute = v; break;
		case 's': second = v; break;
		case 'S':
			micros = v;
			for (int i = got; i < 6; i++)
				micros *= 10;
			for (int i = got; i > 6; i--)
				micros /= 10;
			break;
		default: return -1;
		}
	}
	if (*s || c.month < 1 || c.month > 12 || c.day < 1 || c.day > time_days_in_month(c.year, c.month) ||
	    c.year < 1 || c.year > 9999 || hour > 23 || minute > 59 || second > 59)
		return -1;
	if (pm == 1 && hour < 12)
		hour += 12;
	else if (pm == 0 && hour == 12)
		hour = 0;
	c.us_of_day = ((hour * 60 + minute) * 60 + second) * 1000000 + micros;
	*us = time_from_civil(&c) - offset * 1000000; /* the local time, east of UTC by offset */
	return date_in_range(*us) ? 0 : -1;
}

/* DATE_DIFF's units (DateDiff.Part), as ES|QL names them; the calendar ones count whole months
 * elapsed. */
enum date_part {
	DP_YEAR,
	DP_QUARTER,
	DP_MONTH,
	DP_DAYOFYEAR,
	DP_DAY,
	DP_WEEK,
	DP_WEEKDAY,
	DP_HOUR,
	DP_MINUTE,
	DP_SECOND,
	DP_MILLISECOND,
	DP_MICROSECOND,
	DP_NANOSECOND
};
static const struct {
	const char *names[4];
	int64_t us; /* 0: months (per: how many); -1: nanoseconds */
	int per;
} date_parts[] = {{{"year", "years", "yy", "yyyy"}, 0, 12},
                  {{"quarter", "quarters", "qq", "q"}, 0, 3},
                  {{"month", "months", "mm", "m"}, 0, 1},
                  {{"dayofyear", "dy", "y", NULL}, 86400000000, 0},
                  {{"day", "days", "dd", "d"}, 86400000000, 0},
                  {{"week", "weeks", "wk", "ww"}, 604800000000, 0},
                  {{"weekday", "weekdays", "dw", NULL}, 86400000000, 0},
                  {{"hour", "hours", "hh", NULL}, 3600000000, 0},
                  {{"minute", "minutes", "mi", "n"}, 60000000, 0},
                  {{"second", "seconds", "ss", "s"}, 1000000, 0},
                  {{"millisecond", "milliseconds", "ms", NULL}, 1000, 0},
                  {{"microsecond", "microseconds", "mcs", NULL}, 1, 0},
                  {{"nanosecond", "nanoseconds", "ns", NULL}, -1, 0}};

/* The part a unit names (any case), or -1. */
static int date_part_named(const char *unit)
{
	for (size_t i = 0; i < sizeof(date_parts) / sizeof(date_parts[0]); i++)
		for (int k = 0; k < 4 && date_parts[i].names[k]; k++)
			if (!strcasecmp(date_parts[i].names[k], unit))
				return (int)i;
	return -1;
}

/* How many of a part lie from a to b (Part.diff), as a long; -1 past one. */
static int date_part_diff(int part, int64_t a, int64_t b, int64_t *out)
{
	if (date_parts[part].us > 0) {
		*out = (b - a) / date_parts[part].us;
	} else if (date_parts[part].us < 0) {
		if (__builtin_mul_overflow(b - a, 1000, out))
			return -1;
	} else {
		struct time_civil x, y;
		time_to_civil(a, &x);
		time_to_civil(b, &y);
		int64_t months = (y.year - x.year) * 12 + (int64_t)y.month - (int64_t)x.month;
		int64_t in_x = (int64_t)x.day * 86400000000 + x.us_of_day,
		        in_y = (int64_t)y.day * 86400000000 + y.us_of_day;
		if (months > 0 && in_y < in_x)
			months--;
		else if (months < 0 && in_y > in_x)
			months++;
		*out = months / date_parts[part].per;
	}
	return 0;
}

static int date_diff(const char *unit, int64_t a, int64_t b, int64_t *out)
{
	int part = date_part_named(unit);
	if (part < 0 || date_part_diff(part, a, b, out))
		return -1;
	return *out > INT32_MAX || *out < INT32_MIN ? -1 : 0; /* an integer: past it, null with a warning */
}

/* DATE_UNIT_COUNT (DateUnitCount.count): how many of the part to lie in the from period holding
 * the date (UTC): a fixed count where both are fixed (an hour's seconds, a week's days, a year's
 * months or quarters), else to's count from the start of that day, week (from Monday), month or
 * year to the start of the next; -1 for a from period it does not take. */
static int date_unit_count(int to, int from, int64_t us, int64_t *out)
{
	static const int64_t nanos[] = {[DP_HOUR] = 3600000000000,  [DP_MINUTE] = 60000000000, [DP_SECOND] = 1000000000,
	                                [DP_MILLISECOND] = 1000000, [DP_MICROSECOND] = 1000,   [DP_NANOSECOND] = 1};
	if (to == from) {
		*out = 1;
		return 0;
	}
	if (to >= DP_HOUR && from >= DP_HOUR) {
		*out = nanos[from] / nanos[to];
		return 0;
	}
	if (from == DP_WEEK && (to == DP_DAY || to == DP_DAYOFYEAR || to == DP_WEEKDAY)) {
		*out = 7;
		return 0;
	}
	if (from == DP_YEAR && (to == DP_MONTH || to == DP_QUARTER)) {
		*out = to == DP_MONTH ? 12 : 4;
		return 0;
	}
	struct time_civil c;
	time_to_civil(us, &c);
	int64_t day = us - (int64_t)c.us_of_day, start, end;
	if (from == DP_DAY) {
		start = day;
		end = day + 86400000000;
	} else if (from == DP_WEEK) {
		int64_t days = day / 86400000000; /* 1970-01-01 was a Thursday */
		start = day - (((days + 3) % 7 + 7) % 7) * 86400000000;
		end = start + 604800000000;
	} else if (from == DP_MONTH || from == DP_YEAR) { /* counted in days: 9999's end is past 9999 */
		struct time_civil first = {c.year, from == DP_MONTH ? c.month : 1, 1, 0};
		int64_t days = 0;
		for (unsigned m = first.month; m <= (from == DP_MONTH ? c.month : 12); m++)
			days += time_days_in_month(c.year, m);
		start = time_from_civil(&first);
		end = start + days * 86400000000;
	} else {
		return -1;
	}
	return date_part_diff(to, start, end, out);
}

/* DATE_EXTRACT's parts (Java's ChronoField names). */
static int date_extract(const char *part, int64_t us, int64_t *out)
{
	struct time_civil c;
	time_to_civil(us, &c);
	int64_t sec = c.us_of_day / 1000000;
	int64_t days = us / 86400000000;
	if (days * 86400000000 > us)
		days--;
	const struct {
		const char *name;
		int64_t v;
	} parts[] = {{"YEAR", c.year},
	             {"MONTH_OF_YEAR", c.month},
	             {"DAY_OF_MONTH", c.day},
	             {"DAY_OF_YEAR", day_of_year(&c)},
	             {"DAY_OF_WEEK", weekday_of(us) + 1},
	             {"HOUR_OF_DAY", sec / 3600},
	             {"CLOCK_HOUR_OF_DAY", sec / 3600 ? sec / 3600 : 24},
	             {"HOUR_OF_AMPM", sec / 3600 % 12},
	             {"AMPM_OF_DAY", sec / 3600 >= 12},
	             {"MINUTE_OF_HOUR", sec / 60 % 60},
	             {"MINUTE_OF_DAY", sec / 60},
	             {"SECOND_OF_MINUTE", sec % 60},
	             {"SECOND_OF_DAY", sec},
	             {"MILLI_OF_SECOND", c.us_of_day % 1000000 / 1000},
	             {"MILLI_OF_DAY", c.us_of_day / 1000},
	             {"MICRO_OF_SECOND", c.us_of_day % 1000000},
	             {"NANO_OF_SECOND", c.us_of_day % 1000000 * 1000},
	             {"EPOCH_DAY", days},
	             {"PROLEPTIC_MONTH", c.year * 12 + c.month - 1},
	             {"YEAR_OF_ERA", c.year},
	             {"ERA", 1},
	             {"ALIGNED_WEEK_OF_YEAR", (day_of_year(&c) - 1) / 7 + 1},
	             {"ALIGNED_WEEK_OF_MONTH", (c.day - 1) / 7 + 1}};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!strcasecmp(parts[i].name, part)) {
			*out = parts[i].v;
			return 0;
		}
	return -1;
}

static int hex_value(char c)
{
	return isdigit((unsigned char)c)    ? c - '0'
	       : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10)
	                                    : -1;
}

/* URL_DECODE as Java's URLDecoder: %XX bytes, + a space; a broken escape: null. */
static struct esql_value url_decode(const char *s)
{
	struct strbuf b;
	strbuf_init(&b, strlen(s) + 1);
	for (; *s; s++) {
		if (*s == '+') {
			strbuf_addch(&b, ' ');
		} else if (*s == '%') {
			int h = hex_value(s[1]), l = h >= 0 ? hex_value(s[2]) : -1;
			if (l < 0) {
				strbuf_release(&b);
				warn("URL_DECODE: an incomplete or invalid escape");
				return null_value;
			}
			strbuf_addch(&b, (char)(h * 16 + l));
			s += 2;
		} else {
			strbuf_addch(&b, *s);
		}
	}
	struct esql_value v = text(b.buf, b.len);
	strbuf_release(&b);
	return v;
}

/* URL_ENCODE (Java's URLEncoder: a space is +; letters, digits and . - * _ kept) and
 * URL_ENCODE_COMPONENT (RFC 3986: a space is %20; letters, digits and - _ . ~ kept). */
static struct esql_value url_encode(const char *s, int component)
{
	struct strbuf b;
	strbuf_init(&b, strlen(s) * 3 + 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || (component ? c == '~' : c == '*'))
			strbuf_addch(&b, (char)c);
		else if (c == ' ' && !component)
			strbuf_addch(&b, '+');
		else
			strbuf_addf(&b, "%%%02X", c);
	}
	struct esql_value v = too_big("URL_ENCODE", b.len) ? null_value : text(b.buf, b.len);
	strbuf_release(&b);
	return v;
}

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static struct esql_value to_base64(const char *s)
{
	size_t n = strlen(s);
	struct strbuf b;
	strbuf_init(&b, n * 4 / 3 + 4);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)(unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		strbuf_addch(&b, base64_alphabet[v >> 18 & 63]);
		strbuf_addch(&b, base64_alphabet[v >> 12 & 63]);
		strbuf_addch(&b, i + 1 < n ? base64_alphabet[v >> 6 & 63] : '=');
		strbuf_addch(&b, i + 2 < n ? base64_alphabet[v & 63] : '=');
	}
	struct esql_value out = too_big("TO_BASE64", b.len) ? null_value : text(b.buf, b.len);
	strbuf_release(&b);
	return out;
}

static struct esql_value from_base64(const char *s)
{
	struct strbuf b;
	strbuf_init(&b, strlen(s));
	unsigned v = 0;
	int bits = 0;
	for (; *s && *s != '='; s++) {
		const char *at = strchr(base64_alphabet, *s);
		if (!at || !*s) {
			strbuf_release(&b);
			return null_value;
		}
		v = v << 6 | (unsigned)(at - base64_alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_addch(&b, (char)(v >> bits & 0xFF));
		}
	}
	struct esql_value out = memchr(b.buf, 0, b.len) ? null_value : text(b.buf, b.len);
	strbuf_release(&b);
	return out;
}

/* ROUND of a whole number at d < 0 digits, as Elasticsearch's Maths.round(long, long): a value
 * of no more digits than are rounded is 0 (ROUND(5, -1) is 0, ROUND(15, -1) 20: the digits are
 * (int) (log10(|n|) + 1) over the double), else half away from zero; a result whose sign is not
 * the value's is a long overflow. Java's long arithmetic wraps: so does this, unsigned. */
static int round_long(int64_t n, int64_t d, int64_t *out)
{
	if (n == 0 || d >= 0) {
		*out = n;
		return 0;
	}
	/* digitsToRound is -d: past a long's 19 digits every value is 0 (and -INT64_MIN is no long) */
	int digits = (int)(log10(fabs((double)n)) + 1);
	if (d < -19 || digits <= -d) {
		*out = 0;
		return 0;
	}
	int64_t below = (int64_t)pow(10, (double)(-d - 1)); /* tenAtScaleMinusOne, exact to 10^18 */
	int64_t scale = (int64_t)((uint64_t)below * 10u);   /* 10^19 wraps, as Java's does */
	int64_t q = n / scale, rem = n % scale, half = (int64_t)((uint64_t)below * 5u);
	if (rem >= half)
		q++;
	else if (rem <= -half)
		q--;
	int64_t res = (int64_t)((uint64_t)q * (uint64_t)scale);
	if ((res > 0) - (res < 0) != (n > 0) - (n < 0))
		return -1;
	*out = res;
	return 0;
}

/* ROUND(x, d): half away from zero at d decimals (d < 0: tens, hundreds...). A whole number
 * keeps its type (Round.dataType() is the field's: RoundIntEvaluator, RoundLongEvaluator,
 * RoundUnsignedLongEvaluator), rounded as Elasticsearch's Maths.round does; where Maths.round
 * throws for a long or an integer the evaluators declare no warning, so the query fails: here a
 * fault; an unsigned_long's overflow is null with a warning (math.csv-spec, fn_round_ul_fixes). */
static struct esql_value round_to(const struct esql_scalar *x, int64_t d)
{
	if (x->kind == EK_INT && x->width == EW_UNSIGNED && x->i < 0) {
		/* past 2^63 (unsignedLongAsNumber's BigInteger): Maths.round(BigInteger, long) */
		uint64_t n = (uint64_t)x->i;
		if (d >= 0) /* no digit rounded (fn_round_ul_fixes: no longer BigInteger's pow(-1)) */
			return value_copy(&(struct esql_value){(struct esql_scalar *)x, 1});
		if (d < -19) /* n / 10^-d is 0, its remainder n, below half of 10^-d (5 * 10^19 > 2^64) */
			return one((struct esql_scalar){.kind = EK_INT, .i = 0, .width = EW_UNSIGNED});
		uint64_t scale = 1, res;
		for (int64_t i = 0; i < -d; i++)
			scale *= 10;
		uint64_t q = n / scale, rem = n % scale;
		if (rem >= scale / 2)
			q++;
		if (__builtin_mul_overflow(q, scale, &res)) { /* null, with the evaluator's warning */
			warn("java.lang.ArithmeticException: unsigned_long overflow");
			return null_value;
		}
		return one((struct esql_scalar){.kind = EK_INT, .i = (int64_t)res, .width = EW_UNSIGNED});
	}
	if (x->kind == EK_INT) {
		int64_t res;
		if (round_long(x->i, d, &res)) {
			fault("ROUND: java.lang.ArithmeticException: long overflow");
			return null_value;
		}
		if (!fits_width(x->width, res)) { /* Maths.convertToIntegerType */
			fault("ROUND: java.lang.ArithmeticException: integer overflow");
			return null_value;
		}
		return one((struct esql_scalar){.kind = EK_INT, .i = res, .width = x->width});
	}
	if (d > 300 || !isfinite(x->d))
		return a_double(x->d);
	if (d < -308) /* past a double's largest power of ten: every double rounds to 0 */
		return a_double(0);
	double p = pow(10, (double)(d < -300 ? -300 : d));
	char buf[64]; /* decimal rounding of the value as written, so 2.675 rounds to 2.68 */
	if (d >= 0 && d < 20) {
		java_double(x->d, buf, sizeof(buf));
		if (!strchr(buf, 'E')) {
			char *dot = strchr(buf, '.');
			size_t have = strlen(dot + 1);
			if (have <= (size_t)d)
				return a_double(x->d);
			int up = dot[1 + d] >= '5';
			dot[1 + d] = 0;
			/* away from zero: add one at the last digit kept, carrying, in the text */
			char *c = dot + d + (d ? 0 : -1);
			for (; up && c >= buf && *c != '-'; c--) {
				if (*c == '.')
					continue;
				if (*c == '9') {
					*c = '0';
				} else {
					(*c)++;
					up = 0;
				}
			}
			if (up) { /* 9.99 -> 10.00: a digit before them */
				char *at = buf[0] == '-' ? buf + 1 : buf;
				memmove(at + 1, at, strlen(at) + 1);
				*at = '1';
			}
			return a_double(strtod(buf, NULL));
		}
	}
	return a_double(round(x->d * p) / p);
}

static const unsigned char ipv4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* An address's text as Elasticsearch writes an ip (InetAddresses.toAddrString): a v4-mapped
 * address dotted, else RFC 5952 (lowercase, the longest run of two or more zero groups as
 * ::). out holds 40 bytes. */
static void ip_text(const unsigned char ip[16], char out[40])
{
	if (!memcmp(ip, ipv4_mapped, 12)) {
		snprintf(out, 40, "%u.%u.%u.%u", ip[12], ip[13], ip[14], ip[15]);
		return;
	}
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)ip[2 * i] << 8 | ip[2 * i + 1];
	int best = -1, bestlen = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > bestlen)
			best = i, bestlen = j - i;
		i = j > i ? j : i + 1;
	}
	size_t len = 0;
	out[0] = 0;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			len += (size_t)snprintf(out + len, 40 - len, "::");
			i += bestlen - 1;
			continue;
		}
		if (len && out[len - 1] != ':')
			out[len++] = ':';
		len += (size_t)snprintf(out + len, 40 - len, "%x", g[i]);
	}
}

/* An IPv4 part as ParseIp reads it: decimal digits (or, with LZ_OCTAL and a leading 0, octal
 * ones) up to the next '.', in Java's int arithmetic (it wraps); with LZ_REJECT a 0 followed by
 * more is no address. *at moves past the '.'. 0 or -1. */
static int ip_v4_part(const unsigned char **at, const unsigned char *end, enum leading_zeros lz, unsigned char *byte)
{
	const unsigned char *c = *at;
	if (c >= end)
		return -1;
	int octal = 0;
	if (*c == '0' && lz != LZ_DECIMAL) {
		c++;
		if (lz == LZ_REJECT) {
			if (c != end && *c != '.')
				return -1;
			*byte = 0;
			*at = c + 1;
			return 0;
		}
		octal = 1;
	} else {
		if (*c < '0' || *c > '9')
			return -1;
	}
	uint32_t v = 0; /* Java's int: wraps past 2^31, the sign read as such below */
	for (; c < end && *c != '.'; c++) {
		if (*c < '0' || *c > (octal ? '7' : '9'))
			return -1;
		v = v * (octal ? 8u : 10u) + (uint32_t)(*c - '0');
	}
	*at = c + 1;
	int32_t signed_v = (int32_t)v;
	if (!octal && signed_v > 255)
		return -1;
	*byte = (unsigned char)(v & 0xFF); /* Java's (byte) v */
	return 0;
}

/* An address as TO_IP reads it, as Elasticsearch's ParseIp does: text with a ':' as an IPv6
 * address (InetAddresses.forString); else four IPv4 parts (ip_v4_part), each after a '.', and
 * whatever follows the fourth part's '.' is not read ("1.2.3.4.5" is 1.2.3.4). With LZ_DECIMAL
 * leading zeros are passed over ("1.1.010.1" is 1.1.10.1), with LZ_OCTAL a part that starts
 * with 0 is octal (1.1.8.1; a digit past 7 makes no address; not range-checked, its low byte
 * kept), with LZ_REJECT a leading zero makes none. 0 or -1. */
static int ip_parse_leading_zeros(const char *s, enum leading_zeros lz, unsigned char out[16])
{
	size_t len = strlen(s);
	if (memchr(s, ':', len))
		return field_ip_parse(s, len, out);
	const unsigned char *at = (const unsigned char *)s, *end = at + len;
	memset(out, 0, 10);
	out[10] = out[11] = 0xFF;
	for (int i = 0; i < 4; i++)
		if (ip_v4_part(&at, end, lz, &out[12 + i]))
			return -1;
	return 0;
}

/* An ip value: the address's text, marked as an ip so that it orders by its bytes. */
static struct esql_scalar ip_scalar(const unsigned char ip[16])
{
	char t[40];
	ip_text(ip, t);
	return (struct esql_scalar){.kind = EK_STR, .s = xstrdup(t), .ip = 1};
}

/* IP_PREFIX(ip, v4 length, v6 length): the address with its host bits cleared. Both lengths
 * are checked whatever the address's family, as IpPrefix does ("Prefix length v4 must be in
 * range [0, 32]"): one out of range is null with a warning. */
static struct esql_value ip_prefix(const char *s, int64_t v4, int64_t v6)
{
	unsigned char ip[16];
	if (field_ip_parse(s, strlen(s), ip))
		return null_value;
	if (v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128) {
		warn(v4 < 0 || v4 > 32 ? "IP_PREFIX: Prefix length v4 must be in range [0, 32]"
		                       : "IP_PREFIX: Prefix length v6 must be in range [0, 128]");
		return null_value;
	}
	int is4 = !memcmp(ip, ipv4_mapped, 12);
	int64_t bits = is4 ? v4 + 96 : v6;
	for (int i = 0; i < 16; i++) {
		int keep = bits >= 8 ? 8 : bits > 0 ? (int)bits : 0;
		ip[i] &= (unsigned char)(0xFF00 >> keep);
		bits -= 8;
	}
	return one(ip_scalar(ip));
}

/* The sum of a list's numbers as ES|QL adds them: unsigned_longs as one, whole numbers exactly
 * (an integer's 32 bits kept when int32 is set, as MV_SUM's; SUM of integers is a long), past
 * the type null with a warning; a double among them makes a double. */
/* Elasticsearch's CompensatedSum (Kahan summation, as SUM and MV_SUM add doubles): 2.1 a hundred
 * times is 210.0, not 209.99999999999963. An infinity or NaN added makes the sum one. */
struct compensated {
	double value, delta;
};

static void compensated_add(struct compensated *s, double x)
{
	if (!isfinite(x))
		s->value = x + s->value;
	if (isfinite(s->value)) {
		double corrected = x + s->delta;
		double updated = s->value + corrected;
		s->delta = corrected - (updated - s->value);
		s->value = updated;
	}
}

static struct esql_value sum_numbers(const struct esql_value *all, int int32)
{
	int ints = 1, narrow = int32, unsig = all->n > 0, bad = 0;
	int64_t isum = 0;
	uint64_t usum = 0;
	struct compensated dsum = {0, 0};
	for (size_t k = 0; k < all->n; k++) {
		const struct esql_scalar *x = &all->v[k];
		if (!is_number(x))
			continue;
		ints &= x->kind == EK_INT;
		narrow &= x->kind == EK_INT && x->width == EW_INTEGER;
		unsig &= x->kind == EK_INT && x->width == EW_UNSIGNED;
		if (x->kind == EK_INT && x->width == EW_UNSIGNED)
			bad |= __builtin_add_overflow(usum, (uint64_t)x->i, &usum);
		else if (x->kind == EK_INT)
			bad |= __builtin_add_overflow(isum, x->i, &isum);
		compensated_add(&dsum, as_double(x));
	}
	if (unsig && !bad)
		return one((struct esql_scalar){.kind = EK_INT, .i = (int64_t)usum, .width = EW_UNSIGNED});
	if (!ints)
		return one((struct esql_scalar){.kind = EK_DOUBLE, .d = dsum.value});
	if (bad || (narrow && !fits_width(EW_INTEGER, isum))) {
		warn(unsig    ? "java.lang.ArithmeticException: unsigned_long overflow"
		     : narrow ? "java.lang.ArithmeticException: integer overflow"
		              : "java.lang.ArithmeticException: long overflow");
		return null_value;
	}
	return one((struct esql_scalar){.kind = EK_INT, .i = isum, .width = narrow ? EW_INTEGER : EW_LONG});
}

/* Whether the list holds an unsigned_long where the aggregate f takes none: every aggregate
 * but COUNT (AnalyzerTests.testUnsupportedTypesInStats: AVG, COUNT_DISTINCT, MAX, MEDIAN,
 * MEDIAN_ABSOLUTE_DEVIATION, MIN, PERCENTILE, SUM; VALUES, TOP, STD_DEV, WEIGHTED_AVG by
 * their type checks), so the query stops with the Verifier's words. */
static int refuses_unsigned(const char *f, const struct esql_value *all)
{
	static const struct {
		const char *f, *takes;
	} takes[] = {{"MIN", NULL}, /* stats.csv-spec agg_max_min_unsigned_long */
	             {"MAX", NULL},
	             {"VALUES", "any type except unsigned_long and spatial types"},
	             {"COUNT_DISTINCT", "any exact type except unsigned_long, _source, or counter types"},
	             {"PERCENTILE", "numeric except unsigned_long"},
	             {"COUNT", NULL}};
	const char *what = "numeric except unsigned_long or counter types";
	for (size_t i = 0; i < sizeof(takes) / sizeof(takes[0]); i++)
		if (!strcmp(f, takes[i].f))
			what = takes[i].takes;
	for (size_t k = 0; what && k < all->n; k++)
		if (all->v[k].kind == EK_INT && all->v[k].width == EW_UNSIGNED) {
			fault("argument of [%s] must be [%s]", f, what);
			return 1;
		}
	return 0;
}

static int number_arg(const struct esql_value *v, double *out)
{
	if (!single(v) || !is_number(&v->v[0]))
		return -1;
	*out = as_double(&v->v[0]);
	return 0;
}

static const struct math_function {
	const char *name;
	double (*fn)(double);
	double lo;       /* the least argument taken (-HUGE_VAL: any) */
	int open;        /* lo itself is not */
	const char *why; /* the warning out of the domain: the ArithmeticException each throws */
} math_functions[] = {{"SQRT", sqrt, 0, 0, "java.lang.ArithmeticException: Square root of negative"},
                      {"CBRT", cbrt, -HUGE_VAL, 0, NULL},
                      {"LOG10", log10, 0, 1, "java.lang.ArithmeticException: Log of non-positive number"},
                      {"EXP", exp, -HUGE_VAL, 0, NULL},
                      {"SIN", sin, -HUGE_VAL, 0, NULL},
                      {"COS", cos, -HUGE_VAL, 0, NULL},
                      {"TAN", tan, -HUGE_VAL, 0, NULL},
                      {"ASIN", asin, -1, 0, "java.lang.ArithmeticException: Asin input out of range"},
                      {"ACOS", acos, -1, 0, "java.lang.ArithmeticException: Acos input out of range"},
                      {"ATAN", atan, -HUGE_VAL, 0, NULL},
                      {"SINH", sinh, -HUGE_VAL, 0, NULL},
                      {"COSH", cosh, -HUGE_VAL, 0, NULL},
                      {"TANH", tanh, -HUGE_VAL, 0, NULL}};

static int is_math1(const char *f)
{
	for (size_t i = 0; i < sizeof(math_functions) / sizeof(math_functions[0]); i++)
		if (!strcmp(math_functions[i].name, f))
			return 1;
	return 0;
}

/* The math functions of one number that give a double; null out of their domain, as ES|QL warns. */
static struct esql_value math1(const char *f, double x)
{
	const struct math_function *fns = math_functions;
	for (size_t i = 0; i < sizeof(math_functions) / sizeof(math_functions[0]); i++)
		if (!strcmp(fns[i].name, f)) {
			if (x < fns[i].lo || (fns[i].open && x == fns[i].lo) ||
			    ((!strcmp(f, "ASIN") || !strcmp(f, "ACOS")) && x > 1)) {
				warn(fns[i].why ? fns[i].why : "a math function's argument out of its domain");
				return null_value;
			}
			return a_double(fns[i].fn(x));
		}
	return null_value;
}

/* Whether every value is a whole number of one width (a field's values are of one type). */
static int is_whole_value(const struct esql_value *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].kind != EK_INT || v->v[i].width != v->v[0].width)
			return 0;
	return 1;
}

/* MV_MEDIAN of whole numbers, exactly (MvMedian.java): the middle value of the sorted ones
 * (an unsigned_long's in unsigned order), or of two the floor of their mean, in their type
 * (avgWithoutOverflow's (a & b) + ((a ^ b) >> 1); an unsigned_long's BigInteger sum halved,
 * which the same sum over unsigned bits is). */
static struct esql_value whole_median(const struct esql_value *v)
{
	struct esql_value c = value_copy(v);
	sort_values(&c, 0);
	size_t mid = c.n / 2;
	struct esql_scalar m = c.v[mid];
	m.s = NULL;
	if (c.n % 2 == 0) {
		int64_t a = c.v[mid - 1].i, b = c.v[mid].i;
		uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
		if (m.width == EW_UNSIGNED) /* unsigned, the shift is a logical one: the same floor */
			m.i = (int64_t)((ua & ub) + ((ua ^ ub) >> 1));
		else
			m.i = (a & b) + ((a ^ b) >> 1);
	}
	value_free(&c);
	return one(m);
}

/* HYPOT(a, b) (Hypot.java): Java's Math.hypot of the two as doubles; a null or a
 * multi-value is null. */
static struct esql_value hypot_of(const struct esql_value *a, const struct esql_value *b)
{
	if (!a->n || !b->n)
		return null_value;
	if (a->n > 1 || b->n > 1) {
		warn("java.lang.IllegalArgumentException: single-value function encountered multi-value");
		return null_value;
	}
	if (!is_number(&a->v[0]) || !is_number(&b->v[0])) {
		fault("the arguments of [HYPOT] must be [numeric], found another type");
		return null_value;
	}
	return a_double(hypot(as_double(&a->v[0]), as_double(&b->v[0])));
}

/* The type ClampMin and ClampMax give a value and its bound (resolveType): a number's, the wider
 * of the two (a long's and a double's, equally wide, the double's; a long's and an
 * unsigned_long's, the bound's); any other the value's. v is cast to it. */
static void clamp_type(struct esql_scalar *v, const struct esql_scalar *bound)
{
	if (!is_number(v) || !is_number(bound))
		return;
	if (v->kind == EK_DOUBLE || bound->kind == EK_DOUBLE) {
		if (v->kind != EK_DOUBLE)
			*v = (struct esql_scalar){.kind = EK_DOUBLE, .d = as_double(v)};
		return;
	}
	if (v->width == EW_INTEGER || (v->width != bound->width && bound->width != EW_INTEGER))
		v->width = bound->width;
}

/* CLAMP_MIN(field, min), CLAMP_MAX(field, max) and CLAMP(field, min, max), ClampMax of
 * ClampMin (ClampMin.java, ClampMax.java): the value held inside its bounds, in the type
 * clamp_type gives. A null is null; a multi-value null with the evaluators' warning; a bound
 * of another kind than the value fails the query, as resolveType refuses it. */
static struct esql_value clamp_of(const char *f, const struct esql_value *a, size_t na)
{
	for (size_t i = 0; i < na; i++)
		if (!a[i].n)
			return null_value;
	for (size_t i = 0; i < na; i++)
		if (a[i].n > 1) {
			warn("java.lang.IllegalArgumentException: single-value function encountered multi-value");
			return null_value;
		}
	const struct esql_scalar *pick = &a[0].v[0];
	struct esql_scalar type = *pick; /* its kind and width only */
	int lower = strcmp(f, "CLAMP_MAX") != 0;
	for (size_t i = 1; i < na; i++) {
		const struct esql_scalar *bound = &a[i].v[0];
		int c;
		if (is_number(pick) != is_number(bound) || (!is_number(pick) && pick->kind != bound->kind) ||
		    compare_scalars(pick, bound, &c)) {
			fault("the %s argument of [%s] must be of the field's type", i == 1 ? "second" : "third", f);
			return null_value;
		}
		clamp_type(&type, bound);
		if (lower && i == 1 ? c < 0 : c > 0)
			pick = bound;
	}
	struct esql_scalar out = scalar_copy(pick);
	if (out.kind == EK_STR) /* a bound read as the field's type: an ip or a version */
		out.ip = a[0].v[0].ip, out.version = a[0].v[0].version;
	if (type.kind == EK_DOUBLE && out.kind == EK_INT)
		out = (struct esql_scalar){.kind = EK_DOUBLE, .d = as_double(&out)};
	else if (type.kind == EK_INT && out.kind == EK_INT)
		out.width = type.width;
	return one(out);
}

/* COPY_SIGN(magnitude, sign) (CopySign.java): the magnitude with the sign's sign, of the
 * magnitude's type. A double's is Math.copySign of the sign as a double (-0.0 is negative); an
 * integer's or a long's is its absolute value, negated when the sign is below 0 (-0.0 is not),
 * negation wrapping as Java's does (the type's least value stays itself). A null is null, a
 * multi-value null with the evaluators' warning; an unsigned_long or a value that is no number
 * fails the query, as resolveType refuses it. */
static struct esql_value copy_sign(const struct esql_value *m, const struct esql_value *s)
{
	if (!m->n || !s->n)
		return null_value;
	if (m->n > 1 || s->n > 1) {
		warn("java.lang.IllegalArgumentException: single-value function encountered multi-value");
		return null_value;
	}
	const struct esql_scalar *x = &m->v[0], *y = &s->v[0];
	for (int k = 0; k < 2; k++) {
		const struct esql_scalar *v = k ? y : x;
		if (!is_number(v) || (v->kind == EK_INT && v->width == EW_UNSIGNED)) {
			fault("%s argument of [COPY_SIGN] must be [numeric], found an unsigned_long or another type",
			      k ? "second" : "first");
			return null_value;
		}
	}
	double sign = as_double(y);
	if (x->kind == EK_DOUBLE)
		return a_double(copysign(x->d, sign));
	int negative = sign < 0;
	uint64_t neg = 0 - (uint64_t)x->i; /* Java's wrapping negation */
	int64_t v = x->i;
	if ((v < 0) != negative)
		v = x->width == EW_INTEGER ? (int64_t)(int32_t)(uint32_t)neg : (int64_t)neg;
	return one((struct esql_scalar){.kind = EK_INT, .i = v, .width = x->width});
}

/* HASH(algorithm, input), MD5, SHA1, SHA256 (Hash.java, AbstractHashFunction.java): the digest
 * of the input's UTF-8 bytes as lowercase hex, a keyword. A null is null; a multi-value is
 * null with the evaluators' warning; an algorithm Java does not know, read from a column, is
 * null with NoSuchAlgorithmException's warning (a literal one the parser refused). */
static struct esql_value hash_of(const char *f, const struct esql_value *algo, const struct esql_value *in)
{
	static const char multi[] = "java.lang.IllegalArgumentException: single-value function encountered multi-value";
	for (int k = 0; k < 2; k++) {
		const struct esql_value *v = k ? in : algo;
		if (v && v->n && v->v[0].kind != EK_STR) {
			const char *which = !algo ? "" : k ? "second " : "first ";
			fault("%sargument of [%s] must be [string], found another type", which, f);
			return null_value;
		}
	}
	if ((algo && !algo->n) || !in->n)
		return null_value;
	if ((algo && algo->n > 1) || in->n > 1) {
		warn(multi);
		return null_value;
	}
	const char *name = algo ? algo->v[0].s : f[0] == 'M' ? "MD5" : f[3] == '1' ? "SHA-1" : "SHA-256";
	const struct hash_algorithm *h = hash_algorithm(name);
	if (!h) {
		char w[sizeof(running->warning)];
		snprintf(w, sizeof(w), "java.security.NoSuchAlgorithmException: %s MessageDigest not available", name);
		warn(w);
		return null_value;
	}
	char hex[DIGEST_HEX_MAX];
	if (!h->evp || !digest_hex(h->evp, in->v[0].s, strlen(in->v[0].s), hex)) {
		fault("HASH: casebook does not compute %s", h->java);
		return null_value;
	}
	return text(hex, strlen(hex));
}

/* TO_DATETIME's reading of a string (Elasticsearch's strict_date_optional_time):
 * yyyy[-MM[-dd['T'time[offset]]]]; no epoch milliseconds, no date math, no space for the T. */
static int strict_date_text(const char *s, int64_t *us)
{
	size_t len = strlen(s);
	char buf[16];
	for (size_t i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	if (strchr(s, ' ') || (len > 4 && s[4] != '-'))
		return -1;
	if (len == 4 || len == 7) { /* a year, or a year and month: their first day */
		snprintf(buf, sizeof(buf), "%s%s", s, len == 4 ? "-01-01" : "-01");
		s = buf;
		len = strlen(buf);
	}
	return time_parse_iso8601(s, len, us, NULL);
}

/* The functions of the string, math, date, multi-value and conversion families added in one
 * table; 1 with *out set, 0 when f is none of them. a: the first three arguments, evaluated. */
static int eval_family(const char *f, const struct enode *n, const struct esql_value *a, size_t na,
                       struct esql_value *out)
{
	const char *s = string_arg(&a[0]), *t = na > 1 ? string_arg(&a[1]) : NULL;
	int64_t x, y;
	double d, e;
	*out = null_value;
	if (!strcmp(f, "TO_TEXT") || !strcmp(f, "TO_STR")) {
		for (size_t i = 0; i < a[0].n; i++)
			value_add(out, (struct esql_scalar){.kind = EK_STR, .s = scalar_text(&a[0].v[i])});
	} else if (!strcmp(f, "ST_X") || !strcmp(f, "ST_Y")) {
		/* StX, StY: a geo_point's longitude or latitude, a double */
		if (single(&a[0]) && a[0].v[0].kind == EK_GEO)
			*out = a_double(f[3] == 'X' ? a[0].v[0].d : geo_y(&a[0].v[0]));
		else if (single(&a[0]) && a[0].v[0].kind != EK_GEO)
			fault("first argument of [%s] must be [geo_point], found another type", f);
	} else if (!strcmp(f, "TO_DEGREES") || !strcmp(f, "TO_RADIANS")) {
		/* ToDegrees, ToRadians: each value as Java's Math.toDegrees (times 57.29577951308232) or
		 * Math.toRadians (times 0.017453292519943295), a double; past a double's range null,
		 * warned (NumericUtils.asFiniteNumber) */
		for (size_t i = 0; i < a[0].n; i++) {
			if (!is_number_kind(a[0].v[i].kind)) {
				fault("argument of [%s] must be [numeric], found another type", f);
				break;
			}
			double r = as_double(&a[0].v[i]) * (f[3] == 'D' ? 57.29577951308232 : 0.017453292519943295);
			if (isfinite(r))
				value_add(out, (struct esql_scalar){.kind = EK_DOUBLE, .d = r});
			else
				warn("java.lang.ArithmeticException: not a finite double number");
		}
	} else if (!strcmp(f, "ST_DISTANCE")) {
		/* StDistance over geo_points: Lucene's haversine of the quantized coordinates, in metres
		 * (detect/geodist.h); of multi-values the least over every pair; a null, null; a
		 * coordinate out of range (TO_GEOPOINT does not check) null with a warning */
		for (size_t i = 0; i < 2; i++)
			for (size_t k = 0; k < a[i].n; k++)
				if (a[i].v[k].kind != EK_GEO) {
					fault("%s argument of [ST_DISTANCE] must be [geo_point or cartesian_point], "
					      "found another "
					      "type",
					      i ? "second" : "first");
					return 1;
				}
		double best = DBL_MAX;
		for (size_t i = 0; i < a[0].n && best >= 0; i++) {
			charge(a[1].n * sizeof(struct esql_scalar)); /* every pair is work: many points, much */
			if (faulted())
				return 1;
			for (size_t k = 0; k < a[1].n && best >= 0; k++) {
				double g =
				    geodist_meters(a[0].v[i].d, geo_y(&a[0].v[i]), a[1].v[k].d, geo_y(&a[1].v[k]));
				if (g < best)
					best = g;
			}
		}
		if (best < 0)
			warn("java.lang.IllegalArgumentException: invalid latitude or longitude; must be between -90.0 "
			     "and 90.0, -180.0 and 180.0");
		else if (a[0].n && a[1].n)
			*out = a_double(best);
	} else if (!strcmp(f, "TO_GEOPOINT")) {
		/* ToGeoPoint: a string as WKT (SpatialCoordinateTypes.GEO.wktToWkb, no range check),
		 * each value of a multi-valued one; what is no WKT point is null, with a warning */
		for (size_t i = 0; i < a[0].n; i++) {
			const struct esql_scalar *v = &a[0].v[i];
			double gx, gy;
			if (v->kind == EK_GEO)
				value_add(out, *v);
			else if (v->kind == EK_STR && !geo_wkt(v->s, &gx, &gy))
				value_add(out, geo_scalar(gx, gy));
			else if (v->kind == EK_STR)
				warn("java.lang.IllegalArgumentException: not a WKT point");
			else
				fault("argument of [TO_GEOPOINT] must be [geo_point or string], found another type");
		}
	} else if (!strcmp(f, "TO_DBL")) {
		*out = to_number(&a[0], NUM_DOUBLE, 1);
	} else if (!strcmp(f, "TO_INT")) {
		*out = to_number(&a[0], NUM_INTEGER, 1);
	} else if (!strcmp(f, "TO_UNSIGNED_LONG") || !strcmp(f, "TO_UL") || !strcmp(f, "TO_ULONG")) {
		*out = to_number(&a[0], NUM_UNSIGNED, 1);
	} else if (!strcmp(f, "TO_DATETIME") || !strcmp(f, "TO_DT")) {
		for (size_t i = 0; i < a[0].n; i++) {
			const struct esql_scalar *v = &a[0].v[i];
			int64_t us;
			if (v->kind == EK_DATE)
				value_add(out, *v);
			else if (v->kind == EK_STR && !strict_date_text(v->s, &us))
				value_add(out, (struct esql_scalar){.kind = EK_DATE, .i = us});
			else if (is_number(v) && !field_date_ms(as_double(v), &us))
				value_add(out, (struct esql_scalar){.kind = EK_DATE, .i = us});
			else
				warn("TO_DATETIME: a value that is not a date");
		}
	} else if (!strcmp(f, "TO_BOOL")) {
		for (size_t i = 0; i < a[0].n; i++) {
			const struct esql_scalar *v = &a[0].v[i];
			int b = v->kind == EK_STR      ? !strcasecmp(v->s, "true")
			        : v->kind == EK_DOUBLE ? v->d != 0
			                               : v->i != 0;
			value_add(out, (struct esql_scalar){.kind = EK_BOOL, .i = b});
		}
	} else if (!strcmp(f, "JSON_EXTRACT")) {
		char *value, why[256];
		if (s && t && json_extract(s, strlen(s), t, &value, why, sizeof(why)))
			warn(why);
		else if (s && t && value) {
			*out = text(value, strlen(value));
			free(value);
		}
	} else if (!strcmp(f, "CONTAINS")) {
		if (s && t)
			*out = boolean(strstr(s, t) != NULL);
	} else if (!strcmp(f, "SPACE") || !strcmp(f, "REPEAT")) {
		const char *unit = f[0] == 'S' ? " " : s;
		const struct esql_value *count = f[0] == 'S' ? &a[0] : &a[1];
		if (unit && !int_arg(count, &x)) {
			if (x < 0) {
				warn("a negative count");
			} else if (!too_big(f, (size_t)x * strlen(unit))) {
				struct strbuf b;
				strbuf_init(&b, (size_t)x * strlen(unit) + 1);
				for (int64_t i = 0; i < x; i++)
					strbuf_addstr(&b, unit);
				*out = text(b.buf, b.len);
				strbuf_release(&b);
			}
		}
	} else if (!strcmp(f, "REVERSE")) {
		if (s) {
			size_t len = strlen(s);
			char *r = xmalloc(len + 1);
			size_t w = len;
			for (size_t i = 0; i < len;) { /* code point by code point */
				size_t k = i + 1;
				while (k < len && ((unsigned char)s[k] & 0xC0) == 0x80)
					k++;
				w -= k - i;
				memcpy(r + w, s + i, k - i);
				i = k;
			}
			r[len] = 0;
			*out = one((struct esql_scalar){.kind = EK_STR, .s = r});
		}
	} else if (!strcmp(f, "LEFT") || !strcmp(f, "RIGHT")) {
		if (s && !int_arg(&a[1], &x)) {
			size_t cp = code_points(s), k = x < 0 ? 0 : (size_t)x > cp ? cp : (size_t)x;
			if (f[0] == 'L')
				*out = text(s, offset_of(s, k));
			else
				*out = text(s + offset_of(s, cp - k), strlen(s + offset_of(s, cp - k)));
		}
	} else if (!strcmp(f, "BIT_LENGTH") || !strcmp(f, "BYTE_LENGTH")) {
		if (s)
			*out = int32_value((int64_t)strlen(s) * (f[1] == 'I' ? 8 : 1));
	} else if (!strcmp(f, "URL_DECODE")) {
		if (s)
			*out = url_decode(s);
	} else if (!strcmp(f, "URL_ENCODE") || !strcmp(f, "URL_ENCODE_COMPONENT")) {
		if (s)
			*out = url_encode(s, f[10] == '_');
	} else if (!strcmp(f, "HASH")) {
		*out = hash_of(f, &a[0], &a[1]);
	} else if (!strcmp(f, "MD5") || !strcmp(f, "SHA1") || !strcmp(f, "SHA256")) {
		*out = hash_of(f, NULL, &a[0]);
	} else if (!strcmp(f, "TO_BASE64")) {
		if (s)
			*out = to_base64(s);
	} else if (!strcmp(f, "FROM_BASE64")) {
		if (s)
			*out = from_base64(s);
	} else if (!strcmp(f, "ROUND")) {
		if (single(&a[0]) && is_number(&a[0].v[0]) && (na < 2 || !int_arg(&a[1], &x)))
			*out = round_to(&a[0].v[0], na < 2 ? 0 : x);
	} else if (!strcmp(f, "CEIL") || !strcmp(f, "FLOOR")) {
		if (single(&a[0]) && a[0].v[0].kind == EK_INT)
			*out = value_copy(&a[0]); /* its own type */
		else if (!number_arg(&a[0], &d))
			*out = a_double(f[0] == 'C' ? ceil(d) : floor(d));
	} else if (!strcmp(f, "POW")) {
		if (!number_arg(&a[0], &d) && !number_arg(&a[1], &e))
			*out = a_double(pow(d, e));
	} else if (!strcmp(f, "LOG")) {
		/* Log.process: its ArithmeticExceptions, as ES|QL's warnings name them */
		static const char nonpositive[] = "java.lang.ArithmeticException: Log of non-positive number";
		if (na == 1 && !number_arg(&a[0], &d))
			*out = d > 0 ? a_double(log(d)) : (warn(nonpositive), null_value);
		else if (na == 2 && !number_arg(&a[0], &d) && !number_arg(&a[1], &e))
			*out = d <= 0 || e <= 0 ? (warn(nonpositive), null_value)
			       : d == 1         ? (warn("java.lang.ArithmeticException: Log of base 1"), null_value)
			                : a_double(log10(e) / log10(d)); /* Math.log10(value) / Math.log10(base) */
	} else if (!strcmp(f, "SIGNUM")) {
		if (!number_arg(&a[0], &d))
			*out = a_double((d > 0) - (d < 0));
	} else if (!strcmp(f, "PI") || !strcmp(f, "E") || !strcmp(f, "TAU")) {
		*out = a_double(f[0] == 'E' ? M_E : f[0] == 'P' ? M_PI : 2 * M_PI);
	} else if (!strcmp(f, "HYPOT")) {
		*out = hypot_of(&a[0], &a[1]);
	} else if (!strcmp(f, "COPY_SIGN")) {
		*out = copy_sign(&a[0], &a[1]);
	} else if (!strcmp(f, "ATAN2")) {
		if (!number_arg(&a[0], &d) && !number_arg(&a[1], &e))
			*out = a_double(atan2(d, e));
	} else if (is_math1(f)) {
		if (!number_arg(&a[0], &d))
			*out = math1(f, d);
	} else if (!strcmp(f, "MV_SORT")) {
		const char *order = na > 1 ? t : "ASC";
		if (order && (!strcasecmp(order, "ASC") || !strcasecmp(order, "DESC"))) {
			*out = value_copy(&a[0]);
			sort_values(out, !strcasecmp(order, "DESC"));
		}
	} else if (!strcmp(f, "MV_SUM") || !strcmp(f, "MV_AVG")) {
		struct compensated sum = {0, 0}; /* MvAvg's CompensatedSum */
		for (size_t i = 0; i < a[0].n; i++) {
			if (!is_number(&a[0].v[i]))
				return 1;
			compensated_add(&sum, as_double(&a[0].v[i]));
		}
		if (!a[0].n)
			return 1;
		if (f[3] == 'A')
			*out = a_double(sum.value / (double)a[0].n);
		else /* MvSum: its type's addExact */
			*out = sum_numbers(&a[0], 1);
	} else if (!strcmp(f, "MV_PERCENTILE")) {
		if (a[0].n && single(&a[1]) && is_number(&a[1].v[0])) {
			double p = as_double(&a[1].v[0]);
			if (p >= 0 && p <= 100)
				*out = mv_percentile(&a[0], p);
			else
				warn("java.lang.IllegalArgumentException: Percentile parameter must be a number "
				     "between 0 and 100");
		}
	} else if (!strcmp(f, "MV_MEDIAN") && a[0].n && a[0].v[0].kind == EK_INT && is_whole_value(&a[0])) {
		*out = whole_median(&a[0]);
	} else if (!strcmp(f, "MV_MEDIAN") || !strcmp(f, "MV_MEDIAN_ABSOLUTE_DEVIATION")) {
		double *v;
		size_t k = sorted_numbers(&a[0], &v);
		int ints = 1;
		for (size_t i = 0; i < a[0].n; i++)
			ints &= a[0].v[i].kind == EK_INT;
		if (k) {
			double m = percentile_of(v, k, 50);
			if (f[9]) { /* the deviation: the median of the distances from the median */
				for (size_t i = 0; i < k; i++)
					v[i] = fabs(v[i] - m);
				qsort(v, k, sizeof(*v), by_double);
				m = percentile_of(v, k, 50);
			}
			/* over whole numbers, a whole number rounded down (Elasticsearch's MV_MEDIAN) */
			*out = ints ? integer((int64_t)floor(m)) : a_double(m);
		}
		free(v);
	} else if (!strcmp(f, "MV_APPEND")) {
		if (!a[0].n || !a[1].n) /* MvAppend: null with either null */
			return 1;
		*out = value_copy(&a[0]);
		for (size_t i = 0; i < a[1].n; i++)
			value_add(out, scalar_copy(&a[1].v[i]));
	} else if (!strcmp(f, "MV_ZIP")) {
		const char *delim = na > 2 ? string_arg(&a[2]) : ",";
		if (!delim || (!a[0].n && !a[1].n))
			return 1;
		for (size_t i = 0; i < a[0].n || i < a[1].n; i++) {
			struct strbuf b;
			strbuf_init(&b, 32);
			char *l = i < a[0].n ? scalar_text(&a[0].v[i]) : NULL,
			     *r = i < a[1].n ? scalar_text(&a[1].v[i]) : NULL;
			strbuf_addf(&b, "%s%s%s", l ? l : "", l && r ? delim : "", r ? r : "");
			free(l);
			free(r);
			value_add(out, (struct esql_scalar){.kind = EK_STR, .s = strbuf_detach(&b, NULL)});
		}
	} else if (!strcmp(f, "NOW")) {
		int64_t now = running && running->now_set ? running->now_us : time_now_us();
		*out = one((struct esql_scalar){.kind = EK_DATE, .i = now / 1000 * 1000});
	} else if (!strcmp(f, "DATE_DIFF")) {
		if (s && single(&a[1]) && a[1].v[0].kind == EK_DATE && single(&a[2]) && a[2].v[0].kind == EK_DATE) {
			if (!date_diff(s, a[1].v[0].i, a[2].v[0].i, &x))
				*out = int32_value(x);
			else
				warn("DATE_DIFF: an unknown unit or a difference past an integer");
		}
	} else if (!strcmp(f, "DATE_FORMAT")) {
		const struct esql_value *dv = na == 2 ? &a[1] : &a[0];
		const char *pat = na == 2 ? s : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
		if (pat && single(dv) && dv->v[0].kind == EK_DATE) {
			struct strbuf b;
			strbuf_init(&b, 32);
			if (!format_date(pat, dv->v[0].i, &b) && !too_big("DATE_FORMAT", b.len))
				*out = text(b.buf, b.len);
			strbuf_release(&b);
		}
	} else if (!strcmp(f, "DATE_PARSE")) {
		const char *str = na == 2 ? t : s, *pat = na == 2 ? s : NULL;
		int64_t us;
		if (na == 2 && !pat) /* a null pattern: null */
			;
		else if (str && (pat ? !parse_date(pat, str, &us) : !field_date_text(str, strlen(str), &us)))
			*out = one((struct esql_scalar){.kind = EK_DATE, .i = us});
		else if (str)
			warn("DATE_PARSE: a value that does not parse");
	} else if (!strcmp(f, "DAY_NAME") || !strcmp(f, "MONTH_NAME")) {
		/* DayName, MonthName: the English name (TextStyle.FULL, Locale.ROOT), in UTC */
		static const char *const days[] = {"Thursday", "Friday",  "Saturday", "Sunday",
		                                   "Monday",   "Tuesday", "Wednesday"};
		static const char *const months[] = {"January",   "February", "March",    "April",
		                                     "May",       "June",     "July",     "August",
		                                     "September", "October",  "November", "December"};
		if (single(&a[0]) && a[0].v[0].kind == EK_DATE) {
			struct time_civil c;
			time_to_civil(a[0].v[0].i, &c);
			int64_t day =
			    (a[0].v[0].i - (int64_t)c.us_of_day) / 86400000000; /* from 1970-01-01, a Thursday */
			const char *name = f[0] == 'D' ? days[(day % 7 + 7) % 7] : months[c.month - 1];
			*out = text(name, strlen(name));
		}
	} else if (!strcmp(f, "DATE_UNIT_COUNT")) {
		int to = s ? date_part_named(s) : -1, from = t ? date_part_named(t) : -1;
		if (s && t && single(&a[2]) && a[2].v[0].kind == EK_DATE) {
			if (to >= 0 && from >= 0 && !date_unit_count(to, from, a[2].v[0].i, &x))
				*out = integer(x);
			else
				warn("java.lang.IllegalArgumentException: a unit DATE_UNIT_COUNT does not take");
		}
	} else if (!strcmp(f, "DATE_EXTRACT")) {
		if (s && single(&a[1]) && a[1].v[0].kind == EK_DATE && !date_extract(s, a[1].v[0].i, &x))
			*out = integer(x);
	} else if (!strcmp(f, "IP_PREFIX")) {
		if (s && !int_arg(&a[1], &x) && !int_arg(&a[2], &y))
			*out = ip_prefix(s, x, y);
	} else {
		return 0;
	}
	(void)n;
	return 1;
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

/* Months from 1970-01 to the date's month. */
static int64_t month_index(int64_t us)
{
	struct time_civil c;
	time_to_civil(us, &c);
	return (c.year - 1970) * 12 + (int64_t)c.month - 1;
}

/* The first instant of month m (months from 1970-01). */
static int64_t month_start(int64_t m)
{
	struct time_civil c = {0};
	c.year = (m >= 0 ? m : m - 11) / 12 + 1970;
	c.month = (unsigned)(m - (c.year - 1970) * 12 + 1);
	c.day = 1;
	return time_from_civil(&c);
}

/* A date rounded down to a period of whole months counted from 0001-01 (date_trunc.csv-spec:
 * 7 years from 1973-04-11 is 1968-01-01, 7 months from 1970-12-31 1970-12-01; a period that
 * divides a year starts at the same months from 1970), into *out; -1 when the period's start is
 * outside the years 0001-9999 (a period of 10^18 months). */
static int period_trunc(int64_t us, int64_t months, int64_t *out)
{
	const int64_t from_year_1 = (1970 - 1) * 12; /* months from 0001-01 to 1970-01 */
	int64_t m = month_index(us) + from_year_1, q = m / months;
	if (q * months > m)
		q--;
	int64_t start = q * months - from_year_1; /* q is 0 when the period is longer than m */
	if (start < (1 - 1970) * 12 || start > (9999 - 1970) * 12 + 11)
		return -1;
	*out = month_start(start);
	return 0;
}

/* BUCKET's "human" date roundings (Bucket.java), coarsest first: a period of months, or a span
 * of microseconds; the coarsest of all is a year. */
static const struct {
	int64_t months, us;
} human_roundings[] = {{1, 0},          {0, 604800000000}, {0, 86400000000}, {0, 43200000000}, {0, 10800000000},
                       {0, 3600000000}, {0, 1800000000},   {0, 600000000},   {0, 300000000},   {0, 60000000},
                       {0, 30000000},   {0, 10000000},     {0, 5000000},     {0, 1000000},     {0, 100000},
                       {0, 50000},      {0, 10000},        {0, 1000}};

/* Whether rounding i covers [from, to] in at most n buckets (roundingIsOk: from's bucket, then
 * the next ones until one starts past to). */
static int rounding_fits(size_t i, int64_t from, int64_t to, int64_t n)
{
	int64_t steps;
	if (human_roundings[i].months) {
		int64_t p = human_roundings[i].months, first = from, mt = month_index(to);
		period_trunc(from, p, &first); /* a month or a year: within the years of from */
		int64_t m0 = month_index(first);
		steps = mt < m0 ? 1 : (mt - m0) / p + 1;
	} else {
		int64_t span = human_roundings[i].us, first = date_trunc(from, span);
		steps = to < first ? 1 : (to - first) / span + 1;
	}
	return steps <= n;
}

/* A numeric BUCKET's from or to as Bucket.java folds it: an unsigned_long as the long that holds
 * it in a block (its top bit flipped), so 17764691215469285192 reads 8541319178614509384
 * (bucket.csv-spec bucketWithUnsignedLong's 1.75E19). */
static double bucket_bound(const struct esql_scalar *s)
{
	if (s->kind == EK_INT && s->width == EW_UNSIGNED)
		return (double)(int64_t)((uint64_t)s->i ^ UINT64_C(0x8000000000000000));
	return as_double(s);
}

/* BUCKET(field, span) and BUCKET(field, buckets, from, to) (Bucket.java): a date rounded as
 * DATE_TRUNC rounds it, by the span or by the coarsest human rounding that covers from..to in
 * no more than the buckets asked (else a year); a number floor(x / r) * r, a double, r the span
 * or the half or whole power of ten nearest above (to - from) / buckets. */
static struct esql_value bucket_of(const struct enode *n, const struct esql_row *r)
{
	struct esql_value a[4] = {{NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}}, out = null_value;
	size_t na = n->nargs < 4 ? n->nargs : 4;
	for (size_t i = 0; i < na; i++)
		a[i] = eval(n->args[i], r);
	int ok = na == 2 || na == 4;
	if (!ok) /* Bucket.checkArgsCount */
		fault("function [BUCKET] expects exactly two or four arguments");
	for (size_t i = 0; i < na; i++)
		ok = ok && single(&a[i]);
	if (ok && a[0].v[0].kind == EK_DATE) {
		const struct esql_scalar *b = &a[1].v[0];
		int64_t us = a[0].v[0].i, from, to, t;
		if (mixed_period(b))
			;
		else if (na == 2 && b->kind == EK_SPAN && b->i > 0)
			out = one((struct esql_scalar){.kind = EK_DATE, .i = date_trunc(us, b->i)});
		else if (na == 2 && b->kind == EK_PERIOD && b->i > 0 && !period_trunc(us, b->i, &t))
			out = one((struct esql_scalar){.kind = EK_DATE, .i = t});
		else if (na == 4 && b->kind == EK_INT && b->i > 0) {
			const struct esql_scalar *ends[2] = {&a[2].v[0], &a[3].v[0]};
			int64_t *at[2] = {&from, &to};
			int dates = 1;
			for (int k = 0; k < 2; k++)
				dates = dates && (ends[k]->kind == EK_DATE
				                      ? (*at[k] = ends[k]->i, 1)
				                      : ends[k]->kind == EK_STR &&
				                            !field_date_text(ends[k]->s, strlen(ends[k]->s), at[k]));
			if (dates) {
				int64_t months = 12, span = 0; /* a year when none fits */
				for (size_t i = 0; i < sizeof(human_roundings) / sizeof(*human_roundings); i++) {
					if (!rounding_fits(i, from, to, b->i))
						break;
					months = human_roundings[i].months, span = human_roundings[i].us;
				}
				t = date_trunc(us, span ? span : 1);
				if (!months || !period_trunc(us, months, &t))
					out = one((struct esql_scalar){.kind = EK_DATE, .i = t});
			}
		}
	} else if (ok && is_number(&a[0].v[0]) && is_number(&a[1].v[0])) {
		double rounding = as_double(&a[1].v[0]);
		if (na == 4 && is_number(&a[2].v[0]) && is_number(&a[3].v[0])) {
			double precise = (bucket_bound(&a[3].v[0]) - bucket_bound(&a[2].v[0])) / rounding;
			double power = pow(10, ceil(log10(precise)));
			rounding = precise < power / 2 ? power / 2 : power;
		}
		if (rounding != 0)
			out = a_double(floor(as_double(&a[0].v[0]) / rounding) * rounding);
	} else if (ok && a[0].n) {
		fault("first argument of [BUCKET] must be [datetime or numeric], found another type");
	}
	for (size_t i = 0; i < na; i++) {
		if (a[i].n > 1)
			warn("java.lang.IllegalArgumentException: single-value function encountered multi-value");
		value_free(&a[i]);
	}
	return out;
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

struct rows;
struct member;

/* The group STATS is computing: an aggregate in an expression (MAX(x) + 1) runs over it. */
struct group_context {
	const struct rows *rs;
	const struct member *m;
	size_t n;
	const struct enode *filter;
};
static const struct group_context *in_group;

static struct esql_value aggregate(const struct enode *call, const struct enode *filter, const struct rows *rs,
                                   const struct member *m, size_t n);

/* The code points of s[0, len) (a byte of no UTF-8 as 0x110000 + the byte); their count. */
static size_t code_points_of(const char *s, size_t len, uint32_t **out)
{
	*out = xmalloc((len ? len : 1) * sizeof(**out));
	size_t n = 0;
	for (size_t i = 0, k; i < len; i += k) {
		uint32_t cp = casemap_utf8_next((const unsigned char *)s + i, &k);
		if (i + k > len)
			k = len - i;
		(*out)[n++] = cp == UINT32_MAX ? 0x110000u + (unsigned char)s[i] : cp;
	}
	return n;
}

/* Lucene's edit distance for FuzzyQuery (LevenshteinAutomata: insertions, deletions,
 * substitutions, and with transpositions a swap of neighbours as one edit), past max: max + 1.
 * Only the cells within max of the diagonal are reckoned (a path through another is past max
 * already), so the time is linear in the terms' lengths: a long value against a long query
 * term costs (2 max + 1) cells a code point, not their product. */
static int edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int transpositions, int max)
{
	if ((na > nb ? na - nb : nb - na) > (size_t)max)
		return max + 1;
	size_t band = (size_t)max;
	int *rows = xmalloc(3 * (nb + 2) * sizeof(*rows)), *pp = rows, *prev = rows + nb + 2,
	    *cur = rows + 2 * (nb + 2);
	for (size_t j = 0; j <= nb + 1; j++)
		pp[j] = cur[j] = max + 1, prev[j] = j <= nb ? (int)j : max + 1;
	for (size_t i = 1; i <= na; i++) {
		size_t lo = i > band ? i - band : 1, hi = i + band < nb ? i + band : nb;
		cur[0] = (int)i;
		if (lo > 1)
			cur[lo - 1] = max + 1; /* off the band: past max */
		cur[hi + 1] = max + 1;
		int least = cur[0];
		for (size_t j = lo; j <= hi; j++) {
			int d = prev[j - 1] + (a[i - 1] != b[j - 1]);
			d = prev[j] + 1 < d ? prev[j] + 1 : d;
			d = cur[j - 1] + 1 < d ? cur[j - 1] + 1 : d;
			if (transpositions && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < d)
				d = pp[j - 2] + 1;
			cur[j] = d;
			least = d < least ? d : least;
		}
		int *t = pp;
		pp = prev, prev = cur, cur = t;
		if (least > max) { /* every path is past it already */
			free(rows);
			return max + 1;
		}
	}
	int d = prev[nb];
	free(rows);
	return d > max ? max + 1 : d;
}

/* Whether a term of the field (len bytes) matches the query's term (qlen) under MATCH's
 * options: equal, or with fuzziness a FuzzyQuery's match (Fuzziness.asDistance: AUTO is 0 for
 * a term of fewer than lo code points, 1 below hi, else 2; prefix_length code points the same,
 * a query term no longer than the prefix exact). */
static int term_matches(const char *term, size_t len, const char *q, size_t qlen, const struct match_options *o)
{
	if (len == qlen && !memcmp(term, q, len))
		return 1;
	if (!o)
		return 0;
	uint32_t *a, *b;
	size_t na = code_points_of(term, len, &a), nb = code_points_of(q, qlen, &b);
	int edits = o->fuzziness >= 0 ? o->fuzziness : nb < (size_t)o->auto_lo ? 0 : nb < (size_t)o->auto_hi ? 1 : 2;
	size_t pre = (size_t)o->prefix_length;
	int hit = 0;
	if (edits > 0 && pre < nb && na >= pre && !memcmp(a, b, pre * sizeof(*a)))
		hit = edit_distance(a + pre, na - pre, b + pre, nb - pre, o->transpositions, edits) <= edits;
	free(a);
	free(b);
	return hit;
}

/* The next word of the standard analyzer's, roughly (a run of letters and digits): *w, its
 * length; 0 at the end. */
static size_t next_word(const char **c, const char **w)
{
	while (**c && !isalnum((unsigned char)**c) && !((unsigned char)**c & 0x80))
		++*c;
	*w = *c;
	while (**c && (isalnum((unsigned char)**c) || ((unsigned char)**c & 0x80)))
		++*c;
	return (size_t)(*c - *w);
}

/* Whether a word of text (both lower-cased) matches the query's word. */
static int has_term(const char *text, const char *tok, size_t len, const struct match_options *o)
{
	const char *w;
	for (size_t n; (n = next_word(&text, &w));)
		if (term_matches(w, n, tok, len, o))
			return 1;
	return 0;
}

/* field : "query" and MATCH(field, "query" [, {options}]): on a text field, whether any of the
 * query's words is one of the value's (a match query's OR; with operator AND, every one; a
 * query of no words matches nothing, or everything with zero_terms_query "all"); on any
 * other, whether a value equals it (a term query on a keyword, number or date). With
 * fuzziness, a word or a keyword within the edits (FuzzyQuery). max_expansions caps the terms
 * a shard's rewrite takes, the closest first: casebook takes every one within the edits, which
 * is Elasticsearch's answer while a shard holds no more than max_expansions of them. */
static struct esql_value match(const struct enode *n, const struct esql_row *r)
{
	struct esql_value v = eval(n->args[0], r), q = eval(n->args[1], r), out = null_value;
	const struct match_options *o = n->match;
	if (single(&q)) {
		int text_field = n->args[0]->kind == N_FIELD &&
		                 field_type(n->args[0]->name, strlen(n->args[0]->name)) == FT_TEXT &&
		                 q.v[0].kind == EK_STR;
		int hit = 0;
		char *query = text_field ? casemap(q.v[0].s, 0, 0) : NULL;
		const char *qc = query, *qw;
		if (query && o && o->zero_all && !next_word(&qc, &qw))
			hit = 1; /* no words: a match_all query, documents without the field too */
		for (size_t i = 0; i < v.n && !hit; i++) {
			if (text_field && v.v[i].kind == EK_STR) {
				char *value = casemap(v.v[i].s, 0, 0);
				const char *c = query, *w;
				size_t len, words = 0, found = 0;
				while ((len = next_word(&c, &w))) {
					words++;
					found += (size_t)has_term(value, w, len, o);
					if (o && o->and_op ? found < words : found > 0)
						break;
				}
				hit = !words ? o && o->zero_all : o && o->and_op ? found == words : found > 0;
				free(value);
			} else if (o && v.v[i].kind == EK_STR && q.v[0].kind == EK_STR) {
				hit = term_matches(v.v[i].s, strlen(v.v[i].s), q.v[0].s, strlen(q.v[0].s), o);
			} else {
				int c;
				hit = !compare_scalars(&v.v[i], &q.v[0], &c) && c == 0;
			}
		}
		free(query);
		out = boolean(hit);
	}
	value_free(&v);
	value_free(&q);
	return out;
}

static struct esql_value eval_call(const struct enode *n, const struct esql_row *r)
{
	const char *f = n->name;
	if (!strcmp(f, "MATCH"))
		return match(n, r);
	if (!strcmp(f, "BUCKET"))
		return bucket_of(n, r);
	if (!strcmp(f, "GREATEST") || !strcmp(f, "LEAST")) {
		struct esql_value all = null_value; /* over every argument's every value */
		int is_null = 0;
		for (size_t i = 0; i < n->nargs && !is_null; i++) {
			struct esql_value v = eval(n->args[i], r);
			is_null = !v.n;
			for (size_t k = 0; k < v.n; k++)
				value_add(&all, scalar_copy(&v.v[k]));
			value_free(&v);
		}
		struct esql_value out = is_null ? null_value : mv_pick(&all, f[0] == 'G' ? 3 : 2);
		value_free(&all);
		return out;
	}
	if (function_named(f)->aggregate) {
		const struct group_context *g = in_group;
		if (!g)
			return null_value;
		in_group = NULL; /* its argument is evaluated on each row of the group */
		struct esql_value v = aggregate(n, g->filter, g->rs, g->m, g->n);
		in_group = g;
		return v;
	}
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
			out = int32_value((int64_t)code_points(s));
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
				out = int32_value((int64_t)code_points(head) + 1);
				free(head);
			} else {
				out = int32_value(0);
			}
		}
	} else if (!strcmp(f, "TRIM") || !strcmp(f, "LTRIM") || !strcmp(f, "RTRIM")) {
		if (s)
			out = trim(s, f[0] != 'R', f[0] != 'L');
	} else if (!strcmp(f, "MV_COUNT")) {
		if (a[0].n)
			out = int32_value((int64_t)a[0].n);
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
	} else if (!strncmp(f, "CLAMP", 5)) {
		out = clamp_of(f, a, na);
	} else if (!strcmp(f, "MV_CONTAINS")) {
		out = mv_contains(&a[0], &a[1]);
	} else if (!strcmp(f, "MV_INTERSECTION")) {
		out = mv_intersection(&a[0], &a[1]);
	} else if (!strcmp(f, "MV_SLICE")) {
		if (!int_arg(&a[1], &x) && (na < 3 || !int_arg(&a[2], &y)))
			out = mv_slice(&a[0], x, na == 3 ? y : x);
	} else if (!strcmp(f, "SPLIT")) {
		if (s && t)
			out = split(s, t);
	} else if (!strcmp(f, "TO_STRING")) {
		for (size_t i = 0; i < a[0].n; i++)
			value_add(&out, (struct esql_scalar){.kind = EK_STR, .s = scalar_text(&a[0].v[i])});
	} else if (!strcmp(f, "TO_AGGREGATE_METRIC_DOUBLE")) {
		/* an aggregate_metric_double's min, max, sum and value_count are those of the values as
		 * doubles, which MIN, MAX, SUM, COUNT and AVG of the column read alike: the values are the
		 * metric here (its column shows them, not Elasticsearch's {min, max, sum, value_count}) */
		for (size_t i = 0; i < a[0].n; i++)
			if (!is_number(&a[0].v[i])) {
				fault("argument of [TO_AGGREGATE_METRIC_DOUBLE] must be [numeric or "
				      "aggregate_metric_double], "
				      "found another type");
				break;
			}
		if (!faulted())
			out = to_number(&a[0], NUM_DOUBLE, 1);
	} else if (!strcmp(f, "TO_LONG") || !strcmp(f, "TO_INTEGER") || !strcmp(f, "TO_DOUBLE")) {
		out = to_number(&a[0],
		                !strcmp(f, "TO_DOUBLE")    ? NUM_DOUBLE
		                : !strcmp(f, "TO_INTEGER") ? NUM_INTEGER
		                                           : NUM_LONG,
		                1);
	} else if (!strcmp(f, "TO_BOOLEAN")) {
		for (size_t i = 0; i < a[0].n; i++) {
			const struct esql_scalar *v = &a[0].v[i];
			int b = v->kind == EK_STR      ? !strcasecmp(v->s, "true")
			        : v->kind == EK_DOUBLE ? v->d != 0
			                               : v->i != 0;
			value_add(&out, (struct esql_scalar){.kind = EK_BOOL, .i = b});
		}
	} else if (!strcmp(f, "DATE_TRUNC")) {
		if (single(&a[0]) && mixed_period(&a[0].v[0]))
			;
		else if (single(&a[0]) && a[0].v[0].kind == EK_SPAN && a[0].v[0].i > 0 && single(&a[1]) &&
		         a[1].v[0].kind == EK_DATE)
			out = one((struct esql_scalar){.kind = EK_DATE, .i = date_trunc(a[1].v[0].i, a[0].v[0].i)});
		else if (single(&a[0]) && a[0].v[0].kind == EK_PERIOD && a[0].v[0].i > 0 && single(&a[1]) &&
		         a[1].v[0].kind == EK_DATE) /* whole months from 0001-01 (quarters, years alike) */
		{
			int64_t start;
			if (!period_trunc(a[1].v[0].i, a[0].v[0].i, &start))
				out = one((struct esql_scalar){.kind = EK_DATE, .i = start});
		}
	} else if (!strcmp(f, "REPLACE")) {
		const char *with = na > 2 ? string_arg(&a[2]) : NULL;
		if (s && with)
			out = replace(n->replace, s, with);
	} else if (!strcmp(f, "IS_NULL")) { /* 8.x's function form of IS NULL (version.csv-spec) */
		out = boolean(a[0].n == 0);
	} else if (!strcmp(f, "TO_VERSION") || !strcmp(f, "TO_VER")) { /* each value's text, as a version */
		for (size_t i = 0; i < a[0].n; i++) {
			struct esql_scalar v = {.kind = EK_STR, .s = scalar_text(&a[0].v[i]), .version = 1};
			value_add(&out, v);
		}
	} else if (!strcmp(f, "TO_IP")) { /* each value (ToIp); one that is no address, none */
		for (size_t i = 0; i < a[0].n; i++) {
			unsigned char ip[16];
			if (a[0].v[i].kind == EK_STR && !ip_parse_leading_zeros(a[0].v[i].s, n->leading_zeros, ip))
				value_add(&out, ip_scalar(ip));
			else
				warn("TO_IP: a value that is not an IP string literal");
		}
	} else if (eval_family(f, n, a, na, &out)) {
		;
	} else if (!strcmp(f, "ABS")) {
		size_t unsigned_values = 0; /* Abs of an unsigned_long is the field itself, multi-values too */
		while (unsigned_values < a[0].n && a[0].v[unsigned_values].kind == EK_INT &&
		       a[0].v[unsigned_values].width == EW_UNSIGNED)
			unsigned_values++;
		if (a[0].n && unsigned_values == a[0].n)
			out = value_copy(&a[0]);
		else if (single(&a[0]) && a[0].v[0].kind == EK_INT && a[0].v[0].i != INT64_MIN &&
		         fits_width(a[0].v[0].width, -a[0].v[0].i)) /* its own type */
			out = one((struct esql_scalar){.kind = EK_INT,
			                               .i = a[0].v[0].i < 0 ? -a[0].v[0].i : a[0].v[0].i,
			                               .width = a[0].v[0].width});
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

/* A multi-field the pattern matches whose parent the event holds: Elasticsearch's columns come
 * from the mapping, multi-fields too (KEEP process.* lists process.name.caseless), though no
 * document's _source holds them. */
struct multi_names {
	struct leaf_names *ln;
	const cJSON *src;
};

static int found_value(void *ctx, const cJSON *v)
{
	(void)ctx, (void)v;
	return 1;
}

static int collect_multi(void *ctx, const char *name)
{
	struct multi_names *m = ctx;
	const char *dot = strrchr(name, '.');
	if (!dot || !like_match(m->ln->pattern, name) ||
	    !field_each(m->src, name, (size_t)(dot - name), found_value, NULL))
		return 0;
	charge(m->ln->n * sizeof(*m->ln->names)); /* the names compared, as collect_leaf's */
	if (faulted())
		return 1;
	for (size_t i = 0; i < m->ln->n; i++)
		if (!strcmp(m->ln->names[i], name))
			return 0;
	add_name(&m->ln->names, &m->ln->n, xstrdup(name));
	return 0;
}

/* The event's fields a pattern matches, by name: its leaves, and the mapping's multi-fields
 * of those it holds. */
static void collect_fields_named(const cJSON *src, struct leaf_names *ln)
{
	field_each_leaf(src, collect_leaf, ln);
	struct multi_names m = {ln, src};
	if (!faulted())
		field_multi_fields_each(collect_multi, &m);
}

/* A name a window's command reads, out of the row's event into a column: a pattern (KEEP a*,
 * DROP *b) each field of the event it matches, as KEEP would see them. */
static void carry_field(struct esql_row *r, const char *name)
{
	struct leaf_names ln = {NULL, 0, name};
	if (strchr(name, '*'))
		collect_fields_named(r->src, &ln);
	else
		add_name(&ln.names, &ln.n, xstrdup(name));
	for (size_t i = 0; i < ln.n; i++) {
		if (column_index(r, ln.names[i]) < 0 && !hidden(r, ln.names[i]))
			set_column(r, ln.names[i], lookup(r, ln.names[i]), 0);
		free(ln.names[i]);
	}
	free(ln.names);
}

/* A column KEEP places: where the pattern that decides its place (p) put it (k). */
struct kept {
	char *name;
	size_t p, k;
	int exact;
};

static int by_place(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;
	if (x->p != y->p)
		return (x->p > y->p) - (x->p < y->p);
	return (x->k > y->k) - (x->k < y->k);
}

/* The names pattern p of KEEP takes from the row, in their order. */
static void keep_names(const struct esql_row *r, const char *pattern, struct leaf_names *ln)
{
	int wild = strchr(pattern, '*') != NULL;
	/* a pattern takes the event's fields by name (FROM's columns), then computed ones */
	for (size_t i = 0; wild && i < r->n; i++)
		if (!r->computed[i] && like_match(pattern, r->names[i]))
			add_name(&ln->names, &ln->n, xstrdup(r->names[i]));
	if (r->src && wild)
		collect_fields_named(r->src, ln);
	if (ln->n > 1)
		qsort(ln->names, ln->n, sizeof(*ln->names), by_answer_name);
	for (size_t i = 0; i < r->n; i++)
		if ((wild ? r->computed[i] : 1) && like_match(pattern, r->names[i]))
			add_name(&ln->names, &ln->n, xstrdup(r->names[i]));
	if (r->src && !wild && !ln->n && !hidden(r, pattern))
		add_name(&ln->names, &ln->n, xstrdup(pattern));
}

/* KEEP: the columns the patterns name; the event is no longer seen. A column named more than
 * once takes the place of its last exact name, or else of the last pattern that matches it
 * (Elasticsearch's KEEP: `KEEP a, b, a` is b, a; `KEEP a*, b, a*` b, then the a's). */
static void keep(struct esql_row *r, char *const *patterns, size_t n)
{
	struct kept *all = NULL;
	size_t nall = 0, cap = 0;
	for (size_t p = 0; p < n; p++) {
		struct leaf_names ln = {NULL, 0, patterns[p]};
		keep_names(r, patterns[p], &ln);
		int exact = strchr(patterns[p], '*') == NULL;
		for (size_t i = 0; i < ln.n; i++) {
			if (column_index(r, ln.names[i]) < 0 && hidden(r, ln.names[i])) {
				free(ln.names[i]);
				continue;
			}
			size_t at = 0;
			while (at < nall && strcmp(all[at].name, ln.names[i]))
				at++;
			if (at == nall) {
				if (nall == cap)
					all = xrealloc(all, (cap = cap ? cap * 2 : 16) * sizeof(*all));
				all[nall++] = (struct kept){ln.names[i], p, i, exact};
				continue;
			}
			if (exact || !all[at].exact)
				all[at].p = p, all[at].k = i, all[at].exact |= exact;
			free(ln.names[i]);
		}
		free(ln.names);
	}
	charge(nall * sizeof(*all));
	if (nall > 1)
		qsort(all, nall, sizeof(*all), by_place);
	struct esql_row out;
	memset(&out, 0, sizeof(out));
	for (size_t i = 0; i < nall; i++) {
		long k = column_index(r, all[i].name);
		set_column(&out, all[i].name, lookup(r, all[i].name), k >= 0 ? r->computed[k] : 0);
		free(all[i].name);
	}
	free(all);
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
/* DISSECT over a multi-valued input: each value dissected, the keys' columns holding what each
 * value that fits gave, in order (null when none fits). */
static void dissect_one(const struct command *c, struct esql_row *r, const char *s);

static void dissect(const struct command *c, struct esql_row *r)
{
	struct esql_value in = eval(c->input, r);
	if (in.n <= 1) {
		dissect_one(c, r, single(&in) && in.v[0].kind == EK_STR ? in.v[0].s : NULL);
		value_free(&in);
		return;
	}
	struct esql_value *cols = xcalloc(c->ndkeys, sizeof(*cols));
	for (size_t k = 0; k < in.n && !faulted(); k++) {
		struct esql_row one_row;
		memset(&one_row, 0, sizeof(one_row));
		dissect_one(c, &one_row, in.v[k].kind == EK_STR ? in.v[k].s : NULL);
		for (size_t i = 0; i < c->ndkeys; i++) {
			long at = c->dkeys[i].name ? column_index(&one_row, c->dkeys[i].name) : -1;
			if (at < 0 || (i && c->dkeys[i].append))
				continue; /* an appended key's value is its first's */
			for (size_t j = 0; j < one_row.vals[at].n; j++)
				value_add(&cols[i], scalar_copy(&one_row.vals[at].v[j]));
		}
		esql_row_release(&one_row);
	}
	for (size_t i = 0; i < c->ndkeys; i++) {
		if (!c->dkeys[i].name) {
			value_free(&cols[i]);
			continue;
		}
		int first = 1; /* a key named twice (%{+key}) is set once, from its first place */
		for (size_t j = 0; j < i && first; j++)
			first = !c->dkeys[j].name || strcmp(c->dkeys[j].name, c->dkeys[i].name);
		if (first)
			set_column_last(r, c->dkeys[i].name, cols[i]);
		else
			value_free(&cols[i]);
	}
	free(cols);
	value_free(&in);
}

static int dissect_first_of_name(const struct command *c, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (c->dkeys[j].name && !strcmp(c->dkeys[j].name, c->dkeys[i].name))
			return 0;
	return 1;
}

/* The column of key i's name, from what each of its keys matched (got; NULL: no match): its
 * last value, or the appended ones (%{+key}) joined in their /N order, else as written. */
static void dissect_set(const struct command *c, struct esql_row *r, size_t i, char *const *got)
{
	const char *name = c->dkeys[i].name;
	if (!got) {
		set_column_last(r, name, null_value);
		return;
	}
	size_t *at = xmalloc(c->ndkeys * sizeof(*at)), n = 0;
	for (size_t j = i; j < c->ndkeys; j++)
		if (c->dkeys[j].name && !strcmp(c->dkeys[j].name, name)) {
			if (!c->dkeys[j].append) /* a plain key starts it again */
				n = 0;
			at[n++] = j;
		}
	for (size_t a = 1; a < n; a++) /* stable: by order, then as written */
		for (size_t b = a; b > 0 && c->dkeys[at[b - 1]].order > c->dkeys[at[b]].order; b--) {
			size_t t = at[b];
			at[b] = at[b - 1], at[b - 1] = t;
		}
	const char *sep = c->separator ? c->separator : "";
	struct strbuf b;
	strbuf_init(&b, 64);
	for (size_t k = 0; k < n && !too_big("DISSECT", b.len + strlen(sep) + strlen(got[at[k]])); k++)
		strbuf_addf(&b, "%s%s", k ? sep : "", got[at[k]]);
	set_column_last(r, name, text(b.buf, b.len));
	strbuf_release(&b);
	free(at);
}

static void dissect_one(const struct command *c, struct esql_row *r, const char *s)
{
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
	for (size_t i = 0; i < c->ndkeys; i++)
		if (c->dkeys[i].name && dissect_first_of_name(c, i))
			dissect_set(c, r, i, ok ? got : NULL);
	for (size_t i = 0; i < c->ndkeys; i++)
		free(got[i]);
	free(got);
}

/* The first of GROK's fields named as field i. */
static size_t grok_first_field(const struct grok *g, size_t i)
{
	size_t first = 0;
	while (strcmp(grok_field_name(g, first), grok_field_name(g, i)))
		first++;
	return first;
}

/* GROK's columns: a name the pattern gives several fields holds all their values, in the
 * pattern's order (%{WORD:b} %{WORD:b} gives [foo, bar]). The values pass to the row. */
static void grok_set_columns(const struct grok *g, struct esql_row *r, struct esql_value *cols, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t first = grok_first_field(g, i);
		if (first == i)
			continue;
		for (size_t k = 0; k < cols[i].n; k++)
			value_add(&cols[first], cols[i].v[k]);
		free(cols[i].v);
		cols[i] = null_value;
	}
	for (size_t i = 0; i < n; i++)
		if (grok_first_field(g, i) == i)
			set_column_last(r, grok_field_name(g, i), cols[i]);
}

/* GROK on a row: its fields as columns, typed as the pattern says; over a multi-valued input
 * each value is matched and the columns hold what each match gave, in order (Elasticsearch's
 * GROK on a multi-valued field); all null without a match. */
static void grok_row(const struct command *c, struct esql_row *r)
{
	struct esql_value in = eval(c->input, r);
	size_t n = grok_field_count(c->grok);
	char **got = xcalloc(n ? n : 1, sizeof(*got));
	struct esql_value *cols = xcalloc(n ? n : 1, sizeof(*cols));
	for (size_t k = 0; k < in.n && !faulted(); k++) {
		/* a limit reached (-1): nothing, and the event is given up (esql_rows_of) */
		if (in.v[k].kind != EK_STR || grok_match(c->grok, in.v[k].s, got) <= 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (got[i]) {
				struct esql_value t = text(got[i], strlen(got[i]));
				enum grok_type type = grok_field_type(c->grok, i);
				struct esql_value v =
				    type == GROK_STRING ? value_copy(&t)
				    : type == GROK_BOOLEAN
				        ? one((struct esql_scalar){.kind = EK_BOOL, .i = !strcasecmp(got[i], "true")})
				        : to_number(&t, type == GROK_FLOAT ? NUM_DOUBLE : NUM_LONG, 0);
				for (size_t j = 0; j < v.n; j++)
					value_add(&cols[i], v.v[j]);
				free(v.v);
				value_free(&t);
			}
			free(got[i]);
			got[i] = NULL;
		}
	}
	grok_set_columns(c->grok, r, cols, n);
	free(cols);
	free(got);
	value_free(&in);
}

/* RENAME from AS to: a column keeps its place under its new name (a column named to goes); a
 * field of the event becomes a column. */
static void rename_column(struct esql_row *r, const char *from, const char *to)
{
	if (!strcmp(from, to)) /* RENAME a AS a: nothing */
		return;
	struct esql_value v = lookup(r, from);
	long k = column_index(r, from), old = column_index(r, to);
	if (r->src)
		hide(r, from);
	if (k < 0) {
		set_column(r, to, v, r->src ? ESQL_RENAMED : 1);
		return;
	}
	if (old >= 0) {
		remove_column(r, (size_t)old);
		if (old < k)
			k--;
	}
	free(r->names[k]);
	r->names[k] = xstrdup(to);
	value_free(&r->vals[k]);
	r->vals[k] = v;
	r->computed[k] = r->computed[k] == 1 ? 1 : ESQL_RENAMED; /* an event's field, carried, or renamed */
}

/* A row-wise command on one row: the rows it gives are pushed on out. */
/* ---- LOOKUP JOIN ---- */

static void key_add(struct strbuf *k, const struct esql_scalar *s);

static int by_lookup_key(const void *a, const void *b)
{
	const struct lookup_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->doc > y->doc) - (x->doc < y->doc);
}

/* A lookup document as a row: its fields read as FROM reads an event's. */
static struct esql_row doc_row(const cJSON *doc)
{
	struct esql_row r;
	memset(&r, 0, sizeof(r));
	r.src = doc;
	return r;
}

/* The columns the join adds: every field of the documents but the ON ones, by name (FROM's
 * order); -1 past ESQL_MAX_LOOKUP_FIELDS. */
static int lookup_fields(struct lookup_table *t, char *const *on, size_t non)
{
	struct answer_names an = {NULL, 0, 0};
	for (size_t d = 0; d < t->ndocs; d++)
		field_each_leaf(t->docs[d], collect_answer_name, &an);
	if (an.n > 1)
		qsort(an.names, an.n, sizeof(*an.names), by_answer_name);
	for (size_t i = 0; i < an.n; i++) {
		int skip = t->nfields && !strcmp(an.names[i], t->fields[t->nfields - 1]);
		for (size_t k = 0; k < non && !skip; k++)
			skip = !strcmp(an.names[i], on[k]);
		if (skip || t->nfields == ESQL_MAX_LOOKUP_FIELDS)
			free(an.names[i]);
		else
			add_name(&t->fields, &t->nfields, an.names[i]);
		t->failed |= !skip && t->nfields == ESQL_MAX_LOOKUP_FIELDS && i + 1 < an.n;
	}
	free(an.names);
	return t->failed ? -1 : 0;
}

/* A document's keys: one per value of a single ON field (a multi-valued field matches any of
 * its values; lookup_build keeps a repeated one once, as a term query matches the document
 * once); with several ON fields, single values only. */
static void lookup_doc_keys(struct lookup_table *t, size_t d, char *const *on, size_t non, size_t *cap)
{
	struct esql_row r = doc_row(t->docs[d]);
	struct esql_value *v = xcalloc(non, sizeof(*v));
	int single = 1;
	for (size_t k = 0; k < non; k++) {
		v[k] = lookup(&r, on[k]);
		single &= v[k].n == 1;
	}
	for (size_t i = 0; non && i < (non == 1 ? v[0].n : (size_t)single); i++) {
		struct strbuf key;
		strbuf_init(&key, 32);
		for (size_t k = 0; k < non; k++)
			key_add(&key, &v[k].v[non == 1 ? i : 0]);
		t->bytes += key.len + sizeof(*t->keys);
		if (t->nkeys == *cap)
			t->keys = xrealloc(t->keys, (*cap = *cap ? *cap * 2 : 16) * sizeof(*t->keys));
		t->keys[t->nkeys++] = (struct lookup_key){strbuf_detach(&key, NULL), d};
	}
	for (size_t k = 0; k < non; k++)
		value_free(&v[k]);
	free(v);
}

/* Once, at the first row: the columns, each document's values of them (read once, not at each
 * row) and its keys, sorted. A table past its bounds fails the query. */
static void lookup_build(struct lookup_table *t, char *const *on, size_t non)
{
	t->built = 1;
	if (lookup_fields(t, on, non)) {
		fault("LOOKUP JOIN: the index %s has more than %d fields", t->index, ESQL_MAX_LOOKUP_FIELDS);
		return;
	}
	size_t cells = t->ndocs * t->nfields;
	t->values = xcalloc(cells ? cells : 1, sizeof(*t->values));
	size_t cap = 0;
	for (size_t d = 0; d < t->ndocs; d++) {
		struct esql_row r = doc_row(t->docs[d]);
		for (size_t f = 0; f < t->nfields; f++) {
			t->values[d * t->nfields + f] = lookup(&r, t->fields[f]);
			t->bytes += value_bytes(&t->values[d * t->nfields + f]);
		}
		lookup_doc_keys(t, d, on, non, &cap);
	}
	if (t->bytes > 2 * ESQL_MAX_LOOKUP_BYTES) {
		t->failed = 1;
		fault("LOOKUP JOIN: the index %s would take more than %zu MiB", t->index,
		      2 * ESQL_MAX_LOOKUP_BYTES >> 20);
		return;
	}
	if (t->nkeys > 1)
		qsort(t->keys, t->nkeys, sizeof(*t->keys), by_lookup_key);
	size_t kept = 0; /* a document's repeated value, next to itself once sorted, keys it once */
	for (size_t i = 0; i < t->nkeys; i++) {
		if (kept && t->keys[kept - 1].doc == t->keys[i].doc && !strcmp(t->keys[kept - 1].key, t->keys[i].key))
			free(t->keys[i].key);
		else
			t->keys[kept++] = t->keys[i];
	}
	t->nkeys = kept;
}

/* The lookup's columns on a row: document d's values, or nulls (d past the last); a column of
 * the same name gives way, the join's come last (LookupJoin's output: the input's, then the
 * lookup's). Charged: the rows a join makes count against the event's budget. */
static void lookup_columns(const struct lookup_table *t, struct esql_row *r, size_t d)
{
	for (size_t i = 0; i < t->nfields; i++) {
		struct esql_value v = d < t->ndocs ? value_copy(&t->values[d * t->nfields + i]) : null_value;
		charge(value_bytes(&v) + strlen(t->fields[i]) + sizeof(v));
		set_column_last(r, t->fields[i], v);
	}
}

/* LOOKUP JOIN on a row: a row for each document whose ON fields hold the row's values (in the
 * documents' order, at most ESQL_MAX_FANOUT), else the row with nulls; a null or multi-valued ON
 * field matches nothing (the latter warned, as Elasticsearch warns). */
static void lookup_join(const struct command *c, struct esql_row *r, struct rows *out, size_t *truncations)
{
	struct lookup_table *t = c->lookup;
	char *const *on = c->names + 1;
	size_t non = c->nnames - 1;
	if (!t->built)
		lookup_build(t, on, non);
	if (t->failed) {
		esql_row_release(r);
		return;
	}
	struct strbuf key;
	strbuf_init(&key, 32);
	int matchable = 1;
	for (size_t k = 0; k < non; k++) {
		struct esql_value v = lookup(r, on[k]);
		if (v.n > 1)
			warn("java.lang.IllegalArgumentException: LOOKUP JOIN encountered multi-value");
		if (v.n == 1)
			key_add(&key, &v.v[0]);
		matchable &= v.n == 1;
		value_free(&v);
	}
	size_t lo = 0, hi = t->nkeys;
	while (matchable && lo < hi) { /* the first key not below the row's */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(t->keys[mid].key, key.buf) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t matched = 0, bytes = esql_row_bytes(r);
	for (size_t i = lo; matchable && i < t->nkeys && !strcmp(t->keys[i].key, key.buf) && !faulted(); i++) {
		if (matched == ESQL_MAX_FANOUT) {
			(*truncations)++;
			break;
		}
		charge(bytes);
		struct esql_row copy;
		esql_row_copy(&copy, r);
		lookup_columns(t, &copy, t->keys[i].doc);
		rows_push(out, &copy);
		matched++;
	}
	strbuf_release(&key);
	if (matched) {
		esql_row_release(r);
		return;
	}
	lookup_columns(t, r, SIZE_MAX);
	rows_push(out, r);
}

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
			set_column_last(r, c->assign[i].name, eval(c->assign[i].expr, r));
		break;
	case K_KEEP: keep(r, c->names, c->nnames); break;
	case K_DROP: drop(r, c->names, c->nnames); break;
	case K_RENAME:
		for (size_t i = 0; i < c->nassign; i++) {
			rename_column(r, c->assign[i].from, c->assign[i].name);
		}
		break;
	case K_DISSECT: dissect(c, r); break;
	case K_GROK: grok_row(c, r); break;
	case K_LOOKUP: lookup_join(c, r, out, truncations); return;
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
/* Whether BY column f is an expression of its own name (BY a = x + 1, BY x = emp_no), not a
 * field read as it is. */
static int by_alias(const struct command *c, size_t f)
{
	const struct enode *e = c->by[f].expr;
	return e->kind != N_FIELD || strcmp(e->name, c->by[f].name);
}

static void group_members(const struct command *c, struct rows *rs, struct member **out, size_t *n, size_t *truncations)
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
		/* the aggregates and their WHERE read an aliased BY column as the row's value of its
		 * expression (BY salary = 2: WHERE salary > 50000 is false); INLINE STATS's rows keep it,
		 * as Elasticsearch adds the grouping columns */
		for (size_t f = 0; f < c->nby; f++)
			if (by_alias(c, f))
				set_column(&rs->v[r], c->by[f].name, value_copy(&vals[f]), 1);
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

/* Whether a group's row counts for an aggregate: STATS agg(x) WHERE cond takes only the rows
 * where cond is true. */
static int passes(const struct enode *filter, const struct esql_row *r)
{
	if (!filter)
		return 1;
	struct esql_value v = eval(filter, r);
	int yes = truthy(&v);
	value_free(&v);
	return yes;
}

static struct esql_value weighted_avg(const struct esql_value *v, const struct esql_value *w)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < v->n; i++) {
		num += as_double(&v->v[i]) * as_double(&w->v[i]);
		den += as_double(&w->v[i]);
	}
	return v->n && den != 0 ? a_double(num / den) : null_value;
}

/* The aggregates over a group's numbers (MEDIAN, PERCENTILE, STD_DEV, VARIANCE,
 * MEDIAN_ABSOLUTE_DEVIATION) and TOP, PRESENT, ABSENT: 1 with *out set, 0 when f is another. */
static int statistic(const char *f, const struct esql_value *all, const struct esql_value *more,
                     const struct esql_value *extra, struct esql_value *out)
{
	*out = null_value;
	if (!strcmp(f, "PRESENT") || !strcmp(f, "ABSENT")) {
		*out = boolean((all->n > 0) == (f[0] == 'P'));
		return 1;
	}
	if (!strcmp(f, "TOP")) { /* TOP(x, n, "asc"|"desc"): the n least or greatest, in that order */
		int64_t limit = single(more) && more->v[0].kind == EK_INT ? more->v[0].i : 0;
		int desc = single(extra) && extra->v[0].kind == EK_STR && !strcasecmp(extra->v[0].s, "desc");
		struct esql_value sorted = value_copy(all);
		sort_values(&sorted, desc);
		for (int64_t i = 0; i < limit && (size_t)i < sorted.n; i++)
			value_add(out, scalar_copy(&sorted.v[i]));
		value_free(&sorted);
		return 1;
	}
	static const char *const numeric[] = {"MEDIAN", "PERCENTILE", "STD_DEV", "VARIANCE",
	                                      "MEDIAN_ABSOLUTE_DEVIATION"};
	size_t which = 0;
	while (which < 5 && strcmp(f, numeric[which]))
		which++;
	if (which == 5)
		return 0;
	double *x;
	size_t n = sorted_numbers(all, &x);
	if (n && which == 0) {
		*out = a_double(percentile_of(x, n, 50));
	} else if (n && which == 1) {
		if (single(more) && is_number(&more->v[0]) && as_double(&more->v[0]) >= 0 &&
		    as_double(&more->v[0]) <= 100)
			*out = a_double(percentile_of(x, n, as_double(&more->v[0])));
	} else if (n && which <= 3) { /* the population's (Welford's running mean and variance) */
		double mean = 0, m2 = 0;
		for (size_t i = 0; i < n; i++) {
			double d = x[i] - mean;
			mean += d / (double)(i + 1);
			m2 += d * (x[i] - mean);
		}
		*out = a_double(which == 2 ? sqrt(m2 / (double)n) : m2 / (double)n);
	} else if (n) {
		double med = percentile_of(x, n, 50);
		for (size_t i = 0; i < n; i++)
			x[i] = fabs(x[i] - med);
		qsort(x, n, sizeof(*x), by_double);
		*out = a_double(percentile_of(x, n, 50));
	}
	free(x);
	return 1;
}

/* FIRST(x, sort) and LAST(x, sort) (First.java, Last.java and their All-X-ValueByTimestamp
 * aggregators; stats_first_last.csv-spec): x as it is on the group's row whose sort value is the
 * least (LAST: the greatest), whole: a multi-value as it is, a null as null. A row's multi-valued
 * sort field counts by its least (greatest) value; a null sort value sorts last, so such a row
 * answers only when no row of the group has one; of rows that tie, the first. The sort field is
 * a long, an integer or a date. */
static struct esql_value first_last(const struct enode *call, const struct enode *filter, const struct rows *rs,
                                    const struct member *m, size_t n)
{
	int last = call->name[0] == 'L';
	size_t best = SIZE_MAX;
	int best_keyed = 0;
	int64_t best_key = 0;
	for (size_t i = 0; i < n && !faulted(); i++) {
		const struct esql_row *r = &rs->v[m[i].row];
		if (!passes(filter, r))
			continue;
		struct esql_value s = eval(call->args[1], r);
		int keyed = 0;
		int64_t key = 0;
		for (size_t k = 0; k < s.n; k++) {
			const struct esql_scalar *v = &s.v[k];
			if (v->kind != EK_DATE && (v->kind != EK_INT || v->width == EW_UNSIGNED)) {
				fault("second argument of [%s] must be [long or integer or date_nanos or datetime], "
				      "found "
				      "another type",
				      call->name);
				break;
			}
			if (!keyed || (last ? v->i > key : v->i < key))
				key = v->i, keyed = 1;
		}
		value_free(&s);
		if (best == SIZE_MAX || (keyed && (!best_keyed || (last ? key > best_key : key < best_key)))) {
			best = i;
			best_keyed = keyed;
			best_key = key;
		}
	}
	if (best == SIZE_MAX || faulted())
		return null_value;
	struct esql_value v = eval(call->args[0], &rs->v[m[best].row]);
	for (size_t k = 0; k < v.n; k++)
		if (v.v[k].kind == EK_SPAN || v.v[k].kind == EK_PERIOD) {
			fault("first argument of [%s] must be [boolean, date, ip, string, numeric or spatial], found a "
			      "time span",
			      call->name);
			value_free(&v);
			return null_value;
		}
	return v;
}

/* Whether an expression reads nothing of a row (no field, no aggregate, no KQL or MATCH on its
 * event): Elasticsearch folds it to a constant. */
static int foldable(const struct enode *n)
{
	if (n->kind == N_FIELD || (n->kind == N_CALL && (is_aggregate(n) || !strcmp(n->name, "KQL") ||
	                                                 !strcmp(n->name, "MATCH") || !strcmp(n->name, "NOW"))))
		return 0;
	for (size_t i = 0; i < n->nargs; i++)
		if (!foldable(n->args[i]))
			return 0;
	return 1;
}

static struct esql_value aggregate(const struct enode *call, const struct enode *filter, const struct rows *rs,
                                   const struct member *m, size_t n)
{
	const char *f = call->name;
	if (!strcmp(f, "FIRST") || !strcmp(f, "LAST"))
		return first_last(call, filter, rs, m, n);
	if (!strcmp(f, "COUNT") && (call->nargs == 0 || (call->args[0]->kind == N_LIT && call->args[0]->op))) {
		size_t count = 0; /* COUNT(*), COUNT(): every row */
		for (size_t i = 0; i < n; i++)
			count += (size_t)passes(filter, &rs->v[m[i].row]);
		return integer((int64_t)count);
	}
	struct esql_value all = null_value;     /* every value of the argument over the group */
	struct esql_value weights = null_value; /* WEIGHTED_AVG's, row by row with the values */
	int weighted = !strcmp(f, "WEIGHTED_AVG");
	/* a constant weight (foldable: 2, 1 + 1): WeightedAvg's surrogate SUM(x) / COUNT(x), over every
	 * value of x (a multi-value's too), null when the sum overflows; null or 0 fails the query, as
	 * resolveType refuses it */
	int constant_weight = 0;
	if (weighted && foldable(call->args[1])) {
		static const struct esql_row none;
		struct esql_value w = eval(call->args[1], &none);
		if (!w.n || (single(&w) && is_number(&w.v[0]) && as_double(&w.v[0]) == 0))
			fault("second argument of [WEIGHTED_AVG] cannot be null or 0");
		else if (!is_number(&w.v[0]))
			fault("second argument of [WEIGHTED_AVG] must be [numeric except unsigned_long or counter "
			      "types]");
		constant_weight = single(&w) && !faulted();
		value_free(&w);
		if (faulted())
			return null_value;
	}
	weighted &= !constant_weight;
	for (size_t i = 0; i < n; i++) {
		if (!passes(filter, &rs->v[m[i].row]))
			continue;
		struct esql_value v = eval(call->args[0], &rs->v[m[i].row]);
		if (weighted) {
			struct esql_value w = eval(call->args[1], &rs->v[m[i].row]);
			if (single(&v) && single(&w) && is_number(&v.v[0]) && is_number(&w.v[0])) {
				value_add(&all, v.v[0]);
				value_add(&weights, w.v[0]);
				free(v.v);
				free(w.v);
				continue;
			}
			value_free(&w);
			value_free(&v);
			continue;
		}
		for (size_t k = 0; k < v.n; k++)
			value_add(&all, scalar_copy(&v.v[k]));
		value_free(&v);
	}
	if (weighted) {
		struct esql_value out = refuses_unsigned(f, &all) || refuses_unsigned(f, &weights)
		                            ? null_value
		                            : weighted_avg(&all, &weights);
		value_free(&all);
		value_free(&weights);
		return out;
	}
	static const struct esql_row no_row; /* the further arguments are constants */
	struct esql_value more = call->nargs > 1 ? eval(call->args[1], &no_row) : null_value;
	struct esql_value extra = call->nargs > 2 ? eval(call->args[2], &no_row) : null_value;
	struct esql_value res;
	int refused = refuses_unsigned(f, &all);
	if (refused || statistic(f, &all, &more, &extra, &res)) {
		if (refused)
			res = null_value;
		value_free(&all);
		value_free(&more);
		value_free(&extra);
		return res;
	}
	value_free(&more);
	value_free(&extra);
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
	} else if (all.n && constant_weight) {
		for (size_t k = 0; k < all.n; k++)
			if (!is_number(&all.v[k])) {
				fault("first argument of [WEIGHTED_AVG] must be [numeric except unsigned_long or "
				      "counter types]");
				value_free(&all);
				return null_value;
			}
		struct esql_value sum = sum_numbers(&all, 0);
		if (sum.n)
			out = a_double(as_double(&sum.v[0]) / (double)all.n);
		value_free(&sum);
	} else if (all.n && !strcmp(f, "AVG")) { /* whole numbers too summed as doubles: no overflow */
		struct compensated sum = {0, 0};
		for (size_t k = 0; k < all.n; k++)
			if (is_number(&all.v[k]))
				compensated_add(&sum, as_double(&all.v[k]));
		out = a_double(sum.value / (double)all.n);
	} else if (all.n) { /* SUM: a long, even of integers; past it null (Elasticsearch warns) */
		out = sum_numbers(&all, 0);
	}
	value_free(&all);
	return out;
}

struct group {
	size_t a, b, first; /* its members m[a, b), its first row */
};

/* One STATS column over a group: its expression, whose aggregates run over the group's rows
 * (those its WHERE keeps); the rest of it sees the group's BY columns (keys). */
static struct esql_value aggregate_column(const struct assign *a, const struct rows *rs, const struct member *m,
                                          size_t n, const struct esql_row *keys)
{
	struct group_context g = {rs, m, n, a->filter};
	in_group = &g;
	struct esql_value v = eval(a->expr, keys);
	in_group = NULL;
	return v;
}

/* A row of the group's BY values, which an expression over aggregates may read. */
static void group_keys(const struct command *c, const struct member *gm, struct esql_row *keys)
{
	memset(keys, 0, sizeof(*keys));
	for (size_t f = 0; gm && f < c->nby; f++)
		set_column(keys, c->by[f].name, gm->by_null[f] ? null_value : one(scalar_copy(&gm->by[f])), 1);
}

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
	for (size_t g = 0; g < ng; g++) {
		struct esql_row keys;
		group_keys(c, &m[groups[g].a], &keys);
		for (size_t k = 0; k < c->nassign; k++)
			agg[g * c->nassign + k] =
			    aggregate_column(&c->assign[k], rs, &m[groups[g].a], groups[g].b - groups[g].a, &keys);
		esql_row_release(&keys);
	}
	for (size_t r = 0; r < rs->n && !faulted(); r++)
		for (size_t k = 0; k < c->nassign; k++) {
			const struct esql_value *v = &agg[group_of[r] * c->nassign + k];
			if (count[r] == 1)
				charge(value_bytes(v)); /* each row holds a copy: VALUES over many rows is work */
			/* a column of the same name gives way: the aggregates come after the input's
			 * columns (inlinestats.csv-spec doubleShadowingWithDoubleStats) */
			set_column_last(&rs->v[r], c->assign[k].name, count[r] == 1 ? value_copy(v) : null_value);
		}
	/* the groups' columns come after the aggregates, as in STATS's answer (inlinestats.csv-spec:
	 * KEEP a, b, g | INLINE STATS m = MAX(a) BY g answers a, b, m, g) */
	for (size_t r = 0; r < rs->n && !faulted(); r++)
		for (size_t f = 0; f < c->nby; f++)
			set_column_last(&rs->v[r], c->by[f].name, lookup(&rs->v[r], c->by[f].name));
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

/* With one BY column, its null group comes first, as Elasticsearch's block hashes keep group 0
 * for null (keep.csv-spec projectFromWithStatsAfterLimit); the others stay in order. */
static void null_group_first(const struct command *c, const struct member *m, struct group *groups, size_t ng)
{
	if (c->nby != 1)
		return;
	for (size_t g = 1; g < ng; g++)
		if (m[groups[g].a].by_null[0]) {
			struct group null_group = groups[g];
			memmove(groups + 1, groups, g * sizeof(*groups));
			groups[0] = null_group;
			return;
		}
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
	null_group_first(c, m, groups, ng);
	if (c->inline_stats) {
		inline_aggregates(c, rs, m, n, groups, ng);
		goto done;
	}
	if (!ng && !c->nby) { /* no BY: one row even over nothing (COUNT is 0) */
		struct esql_row r, keys;
		memset(&r, 0, sizeof(r));
		group_keys(c, NULL, &keys);
		for (size_t k = 0; k < c->nassign; k++)
			set_column(&r, c->assign[k].name, aggregate_column(&c->assign[k], rs, m, 0, &keys), 1);
		rows_push(&out, &r);
	}
	for (size_t g = 0; g < ng; g++) {
		struct esql_row r, keys;
		memset(&r, 0, sizeof(r));
		const struct member *gm = &m[groups[g].a];
		size_t gn = groups[g].b - groups[g].a;
		group_keys(c, gm, &keys);
		for (size_t k = 0; k < c->nassign; k++)
			set_column(&r, c->assign[k].name, aggregate_column(&c->assign[k], rs, gm, gn, &keys), 1);
		for (size_t f = 0; f < c->nby; f++)
			set_column(&r, c->by[f].name, gm->by_null[f] ? null_value : one(scalar_copy(&gm->by[f])), 1);
		esql_row_release(&keys);
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
			sort_vals[i * nk + k] = eval(c->keys[k].expr, &rs->v[i]);
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
	r.src = q->row ? NULL : ev;
	r.tag = tag;
	for (size_t i = 0; q->row && i < q->row->nassign; i++) /* ROW: each sees the ones before */
		set_column(&r, q->row->assign[i].name, eval(q->row->assign[i].expr, &r), 1);
	if (q->meta_source) { /* the document, written back as an object (esql_row_to_json) */
		char *doc = ev ? cJSON_PrintUnformatted(ev) : NULL;
		set_column(&r, "_source", doc ? text(doc, strlen(doc)) : null_value, 0);
		cJSON_free(doc);
	}
	if (q->meta_ignored) /* casebook keeps every field: none was ignored */
		set_column(&r, "_ignored", null_value, 0);
	if (q->meta_score) /* no full-text scoring: every document scores 0 */
		set_column(&r, "_score", one((struct esql_scalar){.kind = EK_DOUBLE, .d = 0}), 0);
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
			carry_field(x, q->referenced[k]);
		x->src = NULL;
		for (size_t k = 0; k < x->nhidden; k++)
			free(x->hidden[k]);
		free(x->hidden);
		x->hidden = NULL;
		x->nhidden = 0;
		size_t bytes = esql_row_bytes(x);
		charge(bytes);
		q->kept += bytes;
	}
	/* a hunt's rows from every event wait for the window: they share its bound */
	if (q->hunt && !q->faulted && q->kept > ESQL_MAX_WINDOW_BYTES)
		fault("the rows of one execution's window would take more than %zu MiB", ESQL_MAX_WINDOW_BYTES >> 20);
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

const char *esql_warning(const struct esql_query *q, size_t *count)
{
	*count = q->warnings;
	return q->warnings ? q->warning : NULL;
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
	q->kept = 0;
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

int esql_uses_now(const struct esql_query *q)
{
	return q->uses_now;
}

void esql_set_now(struct esql_query *q, int64_t us)
{
	q->now_us = us;
	q->now_set = 1;
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
