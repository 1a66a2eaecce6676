#include "detect/lucene.h"

#include <ctype.h>
#include <string.h>

#include "common/strbuf.h"

static int is_quantifier(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

/* How many copies a quantifier makes of what it repeats: 2 for * + ?, the bound for {m,n}. */
static unsigned long quantifier_weight(const char *pat, size_t len, size_t *i)
{
	if (pat[*i] != '{')
		return 2;
	unsigned long most = 0, v = 0;
	while (*i + 1 < len && pat[*i + 1] != '}') {
		char c = pat[++*i];
		if (c >= '0' && c <= '9') {
			v = v * 10 + (unsigned long)(c - '0');
			if (v > 100000)
				v = 100000;
		} else {
			most = v > most ? v : most;
			v = 0;
		}
	}
	if (*i + 1 < len)
		++*i; /* the '}' */
	most = v > most ? v : most;
	return most + 1;
}

#define REGEX_BUDGET       2048 /* atoms the compiled form may hold, every repetition counted */
#define EMPTY_BRANCH_ATOMS 32   /* what an empty alternative, (|a) or (a|), costs regcomp, in atoms */
#define NULLABLE_REPEATS   2    /* + or {m,n} over what may match nothing, nested at most this deep */

/* What the guard knows of one open group (and of the part just read in it). */
struct rx_group {
	unsigned long size;   /* atoms of its parts so far */
	int before_nullable;  /* every part of the branch before the last may match nothing */
	int last_nullable;    /* the last part may match nothing (1 when there is none yet) */
	int any_nullable;     /* a finished branch may match nothing */
	unsigned last_nested; /* repetitions of something nullable nested in the last part */
	unsigned nested;      /* the most in any part */
};

static void rx_new_part(struct rx_group *g, int nullable, unsigned nested)
{
	g->before_nullable = g->before_nullable && g->last_nullable;
	g->last_nullable = nullable;
	g->last_nested = nested;
	g->nested = nested > g->nested ? nested : g->nested;
}

static void rx_end_branch(struct rx_group *g)
{
	g->any_nullable = g->any_nullable || (g->before_nullable && g->last_nullable);
	g->before_nullable = g->last_nullable = 1;
}

/* A quantifier on the last part: ? * and {0,n} make it nullable; + and {m,n} repeat it, and
 * repeating a nullable part nests one level deeper. */
static const char *rx_quantify(struct rx_group *g, const char *pat, size_t len, size_t i)
{
	char q = pat[i];
	int from_zero = q == '?' || q == '*' || (q == '{' && i + 1 < len && (pat[i + 1] == '0' || pat[i + 1] == ','));
	if ((q == '+' || q == '{') && g->last_nullable)
		g->last_nested++;
	g->last_nullable = g->last_nullable || from_zero;
	g->nested = g->last_nested > g->nested ? g->last_nested : g->nested;
	return g->last_nested > NULLABLE_REPEATS ? "a regular expression repeats what may match nothing too deeply "
	                                           "(like (((a?)+)+)+)"
	                                         : NULL;
}

/* A pattern whose compiled form multiplies out (a++++, ((a+)+)+, (a{1000}){1000}, a long group
 * under stacked quantifiers) is refused: glibc's regcomp takes seconds and gigabytes on them
 * (found by fuzz_eql). Each quantifier multiplies the size of what it repeats, a group's size
 * is the sum of its parts', and nested and stacked quantifiers multiply together. An empty
 * alternative counts as many atoms: repeated, their epsilon closures grow with the square of
 * the copies ((||||){30}: 16 s and 2 GB). And + or {m,n} over a part that may match nothing,
 * nested three deep, takes regcomp minutes even when small ((ab)???++++).
 * Returns the reason, or NULL. */
static const char *regex_too_complex(const char *pat, size_t len)
{
	/* glibc's regcomp is also slow, minutes at a few KiB, on patterns made of many empty or
	 * alternative branches (its epsilon closures): rules' patterns are short, keep them so */
	if (len > 512)
		return "a regular expression may be at most 512 bytes";
	size_t groups = 0, branches = 0;
	for (size_t i = 0; i < len; i++) {
		groups += pat[i] == '(';
		branches += pat[i] == '|';
	}
	if (groups > 32 || branches > 64)
		return "a regular expression may have at most 32 groups and 64 alternatives";
	struct rx_group g[64];
	int depth = 0, in_class = 0, empty_branch = 1; /* nothing read since the last ( or | */
	g[0] = (struct rx_group){.before_nullable = 1, .last_nullable = 1};
	unsigned long last = 0; /* the size of the part just read (0: none to repeat) */
	const char *why = NULL;
	for (size_t i = 0; i < len && !why; i++) {
		char c = pat[i];
		if (in_class) {
			i += c == '\\'; /* an escaped character, ']' too */
			in_class = c != ']';
			continue;
		}
		if (is_quantifier(c) && last) {
			why = rx_quantify(&g[depth], pat, len, i);
			g[depth].size -= last;
			last *= quantifier_weight(pat, len, &i);
			g[depth].size += last;
		} else if (c == '(') {
			if (depth == 63)
				return "groups nested too deep";
			g[++depth] = (struct rx_group){.before_nullable = 1, .last_nullable = 1};
			last = 0;
			empty_branch = 1;
		} else if (c == ')' && depth > 0) {
			g[depth].size += empty_branch ? EMPTY_BRANCH_ATOMS : 0;
			rx_end_branch(&g[depth]);
			const struct rx_group done = g[depth--];
			last = done.size;
			g[depth].size += last;
			rx_new_part(&g[depth], done.any_nullable, done.nested);
			empty_branch = 0;
		} else if (c == '|') {
			g[depth].size += empty_branch ? EMPTY_BRANCH_ATOMS : 0;
			rx_end_branch(&g[depth]);
			last = 0;
			empty_branch = 1;
		} else {
			last = 1;
			empty_branch = 0;
			g[depth].size += 1;
			rx_new_part(&g[depth], 0, 0);
			if (c == '\\') {
				i++;
			} else if (c == '[') {
				/* as lucene_regex_compile reads it: a ] first (after an optional ^) is a literal */
				in_class = 1;
				if (i + 1 < len && pat[i + 1] == '^')
					i++;
				if (i + 1 < len && pat[i + 1] == ']')
					i++;
			}
		}
		if (last > REGEX_BUDGET || g[depth].size > REGEX_BUDGET)
			why = "a regular expression repeats too much (nested or stacked quantifiers)";
	}
	return why;
}

/* The pattern as the guard reads it (as glibc's regcomp read it before): anchored, \d
 * written out, bracket expressions as they are. */
static void guard_view(const char *pat, size_t len, struct strbuf *sb)
{
	strbuf_addstr(sb, "^(");
	int in_class = 0;
	for (size_t i = 0; i < len; i++) {
		char c = pat[i];
		if (in_class) {
			in_class = c != ']' ||
			           (i > 0 && (pat[i - 1] == '[' || (pat[i - 1] == '^' && i > 1 && pat[i - 2] == '[')));
			if (c == '\\' && i + 1 < len) /* an escaped character, ']' too, stays in the class */
				strbuf_addch(sb, pat[i++]), c = pat[i];
			strbuf_addch(sb, c);
		} else if (c == '\\' && i + 1 < len && (pat[i + 1] == 'd' || pat[i + 1] == 'D')) {
			strbuf_addstr(sb, pat[i + 1] == 'd' ? "[0-9]" : "[^0-9]");
			i++;
		} else if (c == '\\' && i + 1 < len) {
			strbuf_add(sb, pat + i, 2);
			i++;
		} else {
			in_class = c == '[';
			strbuf_addch(sb, c);
		}
	}
	strbuf_addstr(sb, ")$");
}

#define NO_ATOM ((size_t)-1)

/* The translation so far: the PCRE2 text, and where its last repeatable item starts. */
struct lx {
	const char *p;
	size_t len, i;
	struct strbuf out;
	size_t atom;  /* NO_ATOM: nothing to repeat (start, after ( or |) */
	int repeated; /* the item has a quantifier already: another wraps it first */
	size_t open[64], depth;
	/* intersections (a&b) open at each depth: the PCRE2 for them closes at the branch's end */
	unsigned pending[65];
	size_t branch[65]; /* where the operand being read at each depth starts in out */
	unsigned names;    /* the captures made for intersections so far */
	unsigned stack[65][8];
	int after_and; /* the item just after '&': '|', ')' and '&' there are characters */
	int after_bar; /* the item just after a '|': there must be one */
	const char *why;
};

/* One byte as a literal, in or out of a class. */
static void literal(struct strbuf *out, unsigned char c)
{
	if (isalnum(c) || c >= 0x80)
		strbuf_addch(out, (char)c);
	else if (c >= 0x20 && c < 0x7f)
		strbuf_addf(out, "\\%c", c);
	else
		strbuf_addf(out, "\\x%02x", c);
}

static void begin_atom(struct lx *l)
{
	l->atom = l->out.len;
	l->repeated = 0;
}

/* A bracket expression, its bytes as written: a ] first (after an optional ^) is a literal,
 * '-' makes ranges, a backslash is itself. */
static void bracket(struct lx *l)
{
	begin_atom(l);
	size_t i = l->i + 1;
	strbuf_addch(&l->out, '[');
	if (i < l->len && l->p[i] == '^')
		strbuf_addch(&l->out, '^'), i++;
	size_t first = i;
	for (; i < l->len && (l->p[i] != ']' || i == first); i++) {
		if (l->p[i] == '-')
			strbuf_addch(&l->out, '-');
		else if (l->p[i] == '\\' && i + 1 < l->len) {
			/* Lucene's parseCharExp: a backslash makes the next character literal (\] \\ \-),
			 * \d \s \w and their capitals a class, as outside */
			i++;
			if (strchr("dDsSwW", l->p[i]))
				strbuf_addf(&l->out, "\\%c", l->p[i]);
			else
				literal(&l->out, (unsigned char)l->p[i]);
		} else
			literal(&l->out, (unsigned char)l->p[i]);
	}
	if (i == l->len)
		l->why = "invalid regular expression";
	strbuf_addch(&l->out, ']');
	l->i = i;
}

/* A quantifier on the last item; on one already quantified, it repeats the whole ((?:a+)*). */
static void quantify(struct lx *l, const char *q, size_t qlen)
{
	if (l->repeated) {
		strbuf_grow(&l->out, 4);
		memmove(l->out.buf + l->atom + 3, l->out.buf + l->atom, l->out.len - l->atom + 1);
		memcpy(l->out.buf + l->atom, "(?:", 3);
		l->out.len += 3;
		strbuf_addch(&l->out, ')');
	}
	strbuf_add(&l->out, q, qlen);
	l->repeated = 1;
}

/* {n}, {n,} or {n,m}, written again for PCRE2. */
static void bounds(struct lx *l)
{
	size_t i = l->i + 1, start = i;
	unsigned long n = 0, m = 0;
	int comma = 0, hi = 0;
	for (; i < l->len && isdigit((unsigned char)l->p[i]); i++)
		n = n < 100000 ? n * 10 + (unsigned long)(l->p[i] - '0') : n;
	if (i == start) {
		l->why = "invalid regular expression";
		return;
	}
	if (i < l->len && l->p[i] == ',') {
		comma = 1;
		for (i++; i < l->len && isdigit((unsigned char)l->p[i]); i++, hi = 1)
			m = m < 100000 ? m * 10 + (unsigned long)(l->p[i] - '0') : m;
	}
	if (i == l->len || l->p[i] != '}' || (hi && m < n) || n > 65535 || m > 65535) {
		l->why = "invalid regular expression";
		return;
	}
	char q[32];
	int qlen = !comma ? snprintf(q, sizeof(q), "{%lu}", n)
	           : hi   ? snprintf(q, sizeof(q), "{%lu,%lu}", n, m)
	                  : snprintf(q, sizeof(q), "{%lu,}", n);
	quantify(l, q, (size_t)qlen);
	l->i = i;
}

/* "...": the bytes up to the next quote, literally. */
static void quoted(struct lx *l)
{
	const char *end = memchr(l->p + l->i + 1, '"', l->len - l->i - 1);
	if (!end) {
		l->why = "invalid regular expression";
		return;
	}
	begin_atom(l);
	strbuf_addstr(&l->out, "(?:");
	for (const char *c = l->p + l->i + 1; c < end; c++)
		literal(&l->out, (unsigned char)*c);
	strbuf_addch(&l->out, ')');
	l->i = (size_t)(end - l->p);
}

static void escaped(struct lx *l)
{
	if (++l->i == l->len) {
		l->why = "invalid regular expression";
		return;
	}
	begin_atom(l);
	char c = l->p[l->i];
	if (strchr("dDsSwW", c))
		strbuf_addf(&l->out, "\\%c", c);
	else
		literal(&l->out, (unsigned char)c);
}

/* a & b: the strings both match (RegExp.INTERSECTION, in RegExp.ALL, the flags ES|QL's
 * RLikePattern and EQL's regex compile with). Lucene's grammar: interexp ::= concatexp [ & interexp ],
 * within a union's branch, so & binds looser than concatenation and tighter than |, and right
 * to left (a&b&c is a&(b&c)). Written for PCRE2 with a non-atomic look-ahead, which backtracks
 * into a for each length it may match: the rest of the subject after a is captured, and b must
 * end where it starts, (?:(*napla:(?:a)(?<iN>(?s:.*))\z)(?:b)(?=\k<iN>\z)). */
static void intersect(struct lx *l)
{
	if (l->pending[l->depth] == 8 || l->names == 64) {
		l->why = "a regular expression may have at most 8 & in a branch and 64 in all";
		return;
	}
	size_t start = l->branch[l->depth];
	char head[64];
	int hlen = snprintf(head, sizeof(head), "(?:(*napla:(?:");
	char mid[64];
	unsigned name = l->names++;
	int mlen = snprintf(mid, sizeof(mid), ")(?<i%u>(?s:.*))\\z)(?:", name);
	strbuf_grow(&l->out, (size_t)hlen + 1);
	memmove(l->out.buf + start + hlen, l->out.buf + start, l->out.len - start + 1);
	memcpy(l->out.buf + start, head, (size_t)hlen);
	l->out.len += (size_t)hlen;
	strbuf_add(&l->out, mid, (size_t)mlen);
	l->stack[l->depth][l->pending[l->depth]++] = name;
	l->branch[l->depth] = l->out.len;
	l->atom = NO_ATOM;
	l->after_and = 1;
}

/* The end of a branch at the current depth: its open intersections close, innermost first. */
static void close_intersections(struct lx *l)
{
	while (l->pending[l->depth] > 0)
		strbuf_addf(&l->out, ")(?=\\k<i%u>\\z))", l->stack[l->depth][--l->pending[l->depth]]);
}

static void group(struct lx *l, char c)
{
	if (c == '(') {
		l->open[l->depth++] = l->out.len; /* the guard allows 32 groups */
		strbuf_addstr(&l->out, "(?:");
		l->branch[l->depth] = l->out.len;
		l->pending[l->depth] = 0;
		l->atom = NO_ATOM;
	} else if (!l->depth) {
		l->why = "invalid regular expression";
	} else {
		close_intersections(l);
		strbuf_addch(&l->out, ')');
		l->atom = l->open[--l->depth];
		l->repeated = 0;
	}
}

/* One item of the pattern, at l->i. */
static void translate_one(struct lx *l)
{
	char c = l->p[l->i];
	int after_and = l->after_and;
	l->after_and = 0, l->after_bar = 0;
	/* the first item of a concatenation: the pattern's, a group's, an alternative's */
	int first = l->out.len == l->branch[l->depth];
	int empty_group = first && l->i > 0 && l->p[l->i - 1] == '(' && l->depth; /* "()" */
	if ((after_and && (c == '|' || c == ')' || c == '&')) ||
	    (first && (c == '&' || c == '|' || (c == ')' && !empty_group)))) {
		/* Lucene's parseConcatExp reads one item whatever it is (parseSimpleExp: parseCharExp
		 * takes any character): a '|', ')' or '&' there is a character, "()" alone the empty
		 * string */
		begin_atom(l);
		literal(&l->out, (unsigned char)c);
	} else if ((c == '?' || c == '*' || c == '+') && l->atom != NO_ATOM)
		quantify(l, &c, 1);
	else if (c == '{' && l->atom != NO_ATOM)
		bounds(l);
	else if (c == '(' || c == ')')
		group(l, c);
	else if (c == '|') {
		close_intersections(l);
		strbuf_addch(&l->out, '|');
		l->atom = NO_ATOM;
		l->branch[l->depth] = l->out.len;
		l->after_bar = 1;
	} else if (c == '[')
		bracket(l);
	else if (c == '\\')
		escaped(l);
	else if (c == '"')
		quoted(l);
	else if (c == '~')
		l->why = "the complement operator ~ of Lucene's regular expressions is not supported";
	else if (c == '&' && l->out.len > l->branch[l->depth])
		intersect(l);
	else if (c == '<')
		l->why = "numeric intervals <n-m> of Lucene's regular expressions are not supported";
	else {
		begin_atom(l);
		if (c == '.' || c == '#' || c == '@')
			strbuf_addstr(&l->out, c == '.' ? "." : c == '#' ? "(?!)" : "(?:.*)");
		else /* a quantifier with nothing to repeat is a character, as in Lucene */
			literal(&l->out, (unsigned char)c);
	}
}

/* pat as PCRE2's syntax in out; NULL, or why it is not a regular expression casebook runs. */
static const char *translate(const char *pat, size_t len, struct strbuf *out)
{
	struct lx l = {.p = pat, .len = len, .atom = NO_ATOM};
	l.out = *out;
	l.branch[0] = l.out.len;
	for (; l.i < len && !l.why; l.i++)
		translate_one(&l);
	/* a & or | at the end has no right side (parseCharExp: unexpected end-of-string) */
	if (!l.why && (l.depth || l.after_and || l.after_bar))
		l.why = "invalid regular expression";
	if (!l.why)
		close_intersections(&l);
	*out = l.out;
	return l.why;
}

pcre2_code *lucene_regex_compile(const char *pat, size_t len, int caseless, const char **why)
{
	struct strbuf sb;
	strbuf_init(&sb, len + 16);
	guard_view(pat, len, &sb);
	*why = regex_too_complex(sb.buf, sb.len);
	pcre2_code *re = NULL;
	if (!*why) {
		strbuf_reset(&sb);
		*why = translate(pat, len, &sb);
	}
	if (!*why) {
		char msg[160];
		re = regex_compile_whole(sb.buf, sb.len, PCRE2_DOTALL | (caseless ? PCRE2_CASELESS : 0), msg,
		                         sizeof(msg));
		*why = re ? NULL : "invalid regular expression";
	}
	strbuf_release(&sb);
	return re;
}
