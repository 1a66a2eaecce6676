/* needles: the literals a match must contain, and the one automaton (Hyperscan, else
 * Aho-Corasick) that tests a document against every rule's at once (detect/needles.h). */

#include "detect/needles.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "detect/field.h"

#ifdef CASEBOOK_HYPERSCAN
#include <hs.h>
#endif

#define MIN_NEEDLE 3

void needles_init(struct needles *nd)
{
	memset(nd, 0, sizeof(*nd));
}

void needles_release(struct needles *nd)
{
	for (size_t i = 0; i < nd->n; i++)
		free(nd->text[i]);
	free(nd->text);
	free(nd->len);
	needles_init(nd);
}

int needle_candidate(const char *field, const char *s, size_t len)
{
	if (!field || !strcmp(field, "host.os.type") || len < MIN_NEEDLE)
		return 0;
	/* a date, an address or text matches values written otherwise (+02:00, ::1, other case) */
	if (field_type(field, strlen(field)) != FT_KEYWORD)
		return 0;
	int letter = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
			return 0; /* JSON may write these escaped */
		letter |= isalpha(c) != 0;
	}
	return letter;
}

static void add(struct needles *nd, const char *s, size_t len)
{
	nd->text = xrealloc(nd->text, (nd->n + 1) * sizeof(*nd->text));
	nd->len = xrealloc(nd->len, (nd->n + 1) * sizeof(*nd->len));
	char *low = xstrndup(s, len);
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	nd->text[nd->n] = low;
	nd->len[nd->n] = len;
	nd->n++;
}

void needles_one(struct needles *nd, const char *s, size_t len)
{
	needles_init(nd);
	nd->usable = 1;
	add(nd, s, len);
}

void needles_union(struct needles *out, struct needles *a, struct needles *b)
{
	needles_init(out);
	if (a->usable && b->usable) {
		out->usable = 1;
		for (size_t i = 0; i < a->n; i++)
			add(out, a->text[i], a->len[i]);
		for (size_t i = 0; i < b->n; i++)
			add(out, b->text[i], b->len[i]);
	}
	needles_release(a);
	needles_release(b);
}

static size_t shortest(const struct needles *nd)
{
	size_t m = SIZE_MAX;
	for (size_t i = 0; i < nd->n; i++)
		m = nd->len[i] < m ? nd->len[i] : m;
	return m;
}

/* Values nearly every Elastic Defend event carries somewhere in its text (event.type,
 * event.action, event.category, os names, common keys): a needle among them rules nothing out,
 * so a set holding one is the last choice. */
static int common_value(const char *s, size_t len)
{
	static const char *const common[] = {"start",
	                                     "end",
	                                     "info",
	                                     "change",
	                                     "creation",
	                                     "deletion",
	                                     "modification",
	                                     "process",
	                                     "file",
	                                     "network",
	                                     "macos",
	                                     "darwin",
	                                     "linux",
	                                     "windows",
	                                     "event",
	                                     "exec",
	                                     "fork",
	                                     "connection_attempted",
	                                     "connection_accepted",
	                                     "process_started",
	                                     "true",
	                                     "false",
	                                     "endpoint",
	                                     "rename",
	                                     "open",
	                                     "access",
	                                     "allowed",
	                                     "user",
	                                     "host",
	                                     "name",
	                                     "path",
	                                     "type",
	                                     "action",
	                                     "apple"};
	/* and the roots most paths start with: a pattern's piece "/Users/" matches every file
	 * under a home */
	static const char *const roots[] = {"/users/", "/library/", "/system/",  "/private/", "/applications/",
	                                    "/usr/",   "/bin/",     "/sbin/",    "/var/",     "/tmp/",
	                                    "/opt/",   "/etc/",     "/volumes/", "/dev/",     "/system/library/"};
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (strlen(common[i]) == len && !memcmp(common[i], s, len))
			return 1;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (strlen(roots[i]) == len && !strncasecmp(roots[i], s, len))
			return 1;
	return 0;
}

static int has_common(const struct needles *nd)
{
	for (size_t i = 0; i < nd->n; i++)
		if (common_value(nd->text[i], nd->len[i]))
			return 1;
	return 0;
}

/* More selective: no value every event carries, then fewer alternatives, then longer ones. */
static int better(const struct needles *a, const struct needles *b)
{
	if (!b->usable)
		return 1;
	if (!a->usable)
		return 0;
	int ca = has_common(a), cb = has_common(b);
	if (ca != cb)
		return cb;
	if (a->n != b->n)
		return a->n < b->n;
	return shortest(a) >= shortest(b);
}

void needles_best(struct needles *out, struct needles *a, struct needles *b)
{
	if (better(a, b)) {
		*out = *a;
		needles_release(b);
	} else {
		*out = *b;
		needles_release(a);
	}
}

void needles_from_pattern(struct needles *nd, const char *field, const char *const *pieces, const size_t *lens,
                          size_t npieces, int qmark)
{
	needles_init(nd);
	const char *best = NULL;
	size_t best_len = 0;
	int best_common = 1; /* a common value or path root is the last choice */
	for (size_t i = 0; i < npieces; i++) {
		const char *p = pieces[i];
		size_t len = lens[i];
		while (len > 0) {
			size_t run = qmark ? strcspn(p, "?") : len;
			if (run > len)
				run = len;
			int common = common_value(p, run);
			if ((!best || (best_common && !common) || (common == best_common && run > best_len)) &&
			    needle_candidate(field, p, run)) {
				best = p;
				best_len = run;
				best_common = common;
			}
			if (run == len)
				break;
			p += run + 1;
			len -= run + 1;
		}
	}
	if (best)
		needles_one(nd, best, best_len);
}

/* How common a byte is in events' JSON (lower: rarer); the anchor of a needle is its rarest
 * byte, found with memchr. */
static int commonness(unsigned char c)
{
	static const char rare_first[] = "qjzxkvwybfghpmudclsnt_oirae";
	const char *at = strchr(rare_first, tolower(c));
	if (at && c)
		return (int)(at - rare_first);
	if (c >= '0' && c <= '9')
		return 20;
	return 40; /* '/', '.', '-', ':' and the like fill paths */
}

void needles_finish(struct needles *nd)
{
	for (size_t i = 0; i < nd->n && i < NEEDLES_MAX; i++) {
		size_t best = 0;
		for (size_t k = 1; k < nd->len[i]; k++)
			if (commonness((unsigned char)nd->text[i][k]) < commonness((unsigned char)nd->text[i][best]))
				best = k;
		nd->anchor[i] = best;
	}
}

/* Whether the needle (lower-cased) starts at doc[at], ASCII case aside. */
static int starts_here(const char *doc, size_t len, size_t at, const char *needle, size_t nlen)
{
	if (len - at < nlen)
		return 0;
	for (size_t k = 0; k < nlen; k++)
		if (tolower((unsigned char)doc[at + k]) != (unsigned char)needle[k])
			return 0;
	return 1;
}

/* The next place at or after from where byte a or b (may be equal) is, or NULL. */
static const char *next_of(const char *from, const char *end, unsigned char a, unsigned char b)
{
	const char *x = memchr(from, a, (size_t)(end - from));
	if (a == b)
		return x;
	const char *y = memchr(from, b, (size_t)((x ? x : end) - from));
	return y ? y : x;
}

static int holds(const char *doc, size_t len, const char *needle, size_t nlen, size_t anchor)
{
	unsigned char lo = (unsigned char)needle[anchor], up = (unsigned char)toupper(lo);
	const char *end = doc + len;
	for (const char *p = doc + anchor; p < end;) {
		const char *hit = next_of(p, end, lo, up);
		if (!hit)
			return 0;
		size_t at = (size_t)(hit - doc) - anchor;
		if (starts_here(doc, len, at, needle, nlen))
			return 1;
		p = hit + 1;
	}
	return 0;
}

/* Whether the document holds U+0130 (İ) or U+212A (the Kelvin sign): the two characters
 * that Lucene's LowerCaseFilter (a keyword's lowercase normalizer) maps to ASCII letters (i, k),
 * so that a needle of a query on such a keyword may match there without its bytes. */
static int lowers_to_ascii(const char *doc, size_t len)
{
	const char *end = doc + len;
	for (const char *p = doc; (p = memchr(p, 0xc4, (size_t)(end - p))) != NULL; p++)
		if (p + 1 < end && (unsigned char)p[1] == 0xb0)
			return 1;
	for (const char *p = doc; (p = memchr(p, 0xe2, (size_t)(end - p))) != NULL; p++)
		if (p + 2 < end && (unsigned char)p[1] == 0x84 && (unsigned char)p[2] == 0xaa)
			return 1;
	return 0;
}

int needles_admit(const struct needles *nd, const char *doc, size_t len)
{
	if (!nd->usable || !doc || nd->n > NEEDLES_MAX)
		return 1;
	/* an escape can spell a needle without its bytes: such documents are always parsed */
	for (const char *p = doc, *end = doc + len; (p = memchr(p, '\\', (size_t)(end - p))) != NULL; p += 2)
		if (p + 1 < end && (p[1] == 'u' || p[1] == '/'))
			return 1;
	if (lowers_to_ascii(doc, len))
		return 1;
	for (size_t i = 0; i < nd->n; i++)
		if (holds(doc, len, nd->text[i], nd->len[i], nd->anchor[i]))
			return 1;
	return 0;
}

/* ---- every rule's needles in one automaton: Hyperscan's, else Aho–Corasick's ---- */

struct needle_index {
	enum needle_engine engine;
	char **texts; /* each distinct needle, by id */
	size_t *lens;
#ifdef CASEBOOK_HYPERSCAN
	hs_database_t *hs_db;
	hs_scratch_t *hs_scratch;
#endif
	/* the automaton: a full transition table (ASCII lower-cased input), node 0 the root */
	int32_t (*next)[256];
	int32_t *fail, *out, *out_link; /* out: a needle ending here (-1); out_link: next node with one */
	size_t nodes, cap;
	/* the sets: each a run of needle ids, or always (a set that cannot rule anything out) */
	struct needle_set {
		size_t first, n;
		int always;
	} * sets;
	size_t nsets;
	int32_t *set_needles;
	size_t nset_needles;
	size_t nneedles;
	uint64_t *found; /* bit per needle, for the document last scanned */
	int escaped;     /* that document has an escape: every set admits it */
};

static int32_t new_node(struct needle_index *x)
{
	if (x->nodes == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 256;
		x->next = xrealloc(x->next, x->cap * sizeof(*x->next));
		x->fail = xrealloc(x->fail, x->cap * sizeof(*x->fail));
		x->out = xrealloc(x->out, x->cap * sizeof(*x->out));
		x->out_link = xrealloc(x->out_link, x->cap * sizeof(*x->out_link));
	}
	memset(x->next[x->nodes], 0xff, sizeof(x->next[0])); /* -1: no edge yet */
	x->fail[x->nodes] = 0;
	x->out[x->nodes] = -1;
	x->out_link[x->nodes] = -1;
	return (int32_t)x->nodes++;
}

struct needle_index *needle_index_new_engine(enum needle_engine engine)
{
	struct needle_index *x = xcalloc(1, sizeof(*x));
#ifdef CASEBOOK_HYPERSCAN
	x->engine = engine;
#else
	(void)engine;
	x->engine = NEEDLE_AHO_CORASICK;
#endif
	new_node(x);
	return x;
}

struct needle_index *needle_index_new(void)
{
	return needle_index_new_engine(NEEDLE_HYPERSCAN);
}

enum needle_engine needle_index_engine(const struct needle_index *x)
{
	return x->engine;
}

/* A needle into the trie; its id (one id per distinct text). */
static int32_t add_needle(struct needle_index *x, const char *s, size_t len)
{
	int32_t at = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (x->next[at][c] < 0) {
			int32_t n = new_node(x);
			x->next[at][c] = n;
		}
		at = x->next[at][c];
	}
	if (x->out[at] < 0) {
		x->texts = xrealloc(x->texts, (x->nneedles + 1) * sizeof(*x->texts));
		x->lens = xrealloc(x->lens, (x->nneedles + 1) * sizeof(*x->lens));
		x->texts[x->nneedles] = xstrndup(s, len);
		x->lens[x->nneedles] = len;
		x->out[at] = (int32_t)x->nneedles++;
	}
	return x->out[at];
}

size_t needle_index_add(struct needle_index *x, const struct needles *nd)
{
	x->sets = xrealloc(x->sets, (x->nsets + 1) * sizeof(*x->sets));
	struct needle_set *set = &x->sets[x->nsets];
	set->first = x->nset_needles;
	set->n = 0;
	set->always = !nd->usable || nd->n > NEEDLES_MAX;
	for (size_t i = 0; !set->always && i < nd->n; i++) {
		int32_t id = add_needle(x, nd->text[i], nd->len[i]);
		x->set_needles = xrealloc(x->set_needles, (x->nset_needles + 1) * sizeof(*x->set_needles));
		x->set_needles[x->nset_needles++] = id;
		set->n++;
	}
	return x->nsets++;
}

#ifdef CASEBOOK_HYPERSCAN
/* The needles as one Hyperscan database of caseless literals (ASCII case, as the automaton's),
 * each reported once a document. 0, or -1 when Hyperscan refuses them (the automaton serves). */
static int hyperscan_build(struct needle_index *x)
{
	if (!x->nneedles)
		return 0;
	unsigned *flags = xmalloc(x->nneedles * sizeof(*flags)), *ids = xmalloc(x->nneedles * sizeof(*ids));
	for (size_t i = 0; i < x->nneedles; i++) {
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[i] = (unsigned)i;
	}
	hs_compile_error_t *err = NULL;
	int rc = hs_compile_lit_multi((const char *const *)x->texts, flags, ids, x->lens, (unsigned)x->nneedles,
	                              HS_MODE_BLOCK, NULL, &x->hs_db, &err) == HS_SUCCESS &&
	                 hs_alloc_scratch(x->hs_db, &x->hs_scratch) == HS_SUCCESS
	             ? 0
	             : -1;
	hs_free_compile_error(err);
	free(flags);
	free(ids);
	return rc;
}

static int on_hyperscan_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
	(void)from, (void)to, (void)flags;
	uint64_t *found = ctx;
	found[id / 64] |= (uint64_t)1 << (id % 64);
	return 0;
}
#endif

void needle_index_build(struct needle_index *x)
{
#ifdef CASEBOOK_HYPERSCAN
	if (x->engine == NEEDLE_HYPERSCAN && hyperscan_build(x)) {
		hs_free_database(x->hs_db); /* refused: the automaton below serves */
		x->hs_db = NULL;
		x->engine = NEEDLE_AHO_CORASICK;
	}
#endif
	x->found = xcalloc((x->nneedles + 63) / 64 + 1, sizeof(*x->found));
	if (x->engine == NEEDLE_HYPERSCAN)
		return;
	/* breadth first: failure links, then every missing edge filled from the failure's */
	int32_t *queue = xmalloc(x->nodes * sizeof(*queue));
	size_t head = 0, tail = 0;
	for (int c = 0; c < 256; c++) {
		int32_t n = x->next[0][c];
		if (n < 0) {
			x->next[0][c] = 0;
		} else {
			x->fail[n] = 0;
			queue[tail++] = n;
		}
	}
	while (head < tail) {
		int32_t u = queue[head++];
		int32_t f = x->fail[u];
		x->out_link[u] = x->out[f] >= 0 ? f : x->out_link[f];
		for (int c = 0; c < 256; c++) {
			int32_t v = x->next[u][c];
			if (v < 0) {
				x->next[u][c] = x->next[f][c];
			} else {
				x->fail[v] = x->next[f][c];
				queue[tail++] = v;
			}
		}
	}
	free(queue);
	/* upper-case input goes where its lower case does */
	for (size_t u = 0; u < x->nodes; u++)
		for (int c = 'A'; c <= 'Z'; c++)
			x->next[u][c] = x->next[u][c - 'A' + 'a'];
}

void needle_index_scan(struct needle_index *x, const char *doc, size_t len)
{
	memset(x->found, 0, ((x->nneedles + 63) / 64 + 1) * sizeof(*x->found));
	x->escaped = 0;
	for (const char *p = doc, *end = doc + len; (p = memchr(p, '\\', (size_t)(end - p))) != NULL; p += 2)
		if (p + 1 < end && (p[1] == 'u' || p[1] == '/')) {
			x->escaped = 1; /* an escape can spell a needle without its bytes */
			return;
		}
	if (lowers_to_ascii(doc, len)) {
		x->escaped = 1;
		return;
	}
#ifdef CASEBOOK_HYPERSCAN
	if (x->engine == NEEDLE_HYPERSCAN) {
		if (x->hs_db)
			hs_scan(x->hs_db, doc, (unsigned)(len > UINT32_MAX ? UINT32_MAX : len), 0, x->hs_scratch,
			        on_hyperscan_match, x->found);
		return;
	}
#endif
	int32_t at = 0;
	for (size_t i = 0; i < len; i++) {
		at = x->next[at][(unsigned char)doc[i]];
		for (int32_t o = x->out[at] >= 0 ? at : x->out_link[at]; o >= 0; o = x->out_link[o])
			x->found[x->out[o] / 64] |= (uint64_t)1 << (x->out[o] % 64);
	}
}

int needle_index_admits(const struct needle_index *x, size_t set)
{
	const struct needle_set *s = &x->sets[set];
	if (s->always || x->escaped)
		return 1;
	for (size_t i = 0; i < s->n; i++) {
		int32_t id = x->set_needles[s->first + i];
		if (x->found[id / 64] >> (id % 64) & 1)
			return 1;
	}
	return 0;
}

void needle_index_free(struct needle_index *x)
{
	if (!x)
		return;
	free(x->next), free(x->fail), free(x->out), free(x->out_link);
	free(x->sets), free(x->set_needles), free(x->found);
	for (size_t i = 0; i < x->nneedles; i++)
		free(x->texts[i]);
	free(x->texts), free(x->lens);
#ifdef CASEBOOK_HYPERSCAN
	hs_free_scratch(x->hs_scratch);
	hs_free_database(x->hs_db);
#endif
	free(x);
}
