/* field: how every query language reads a field from an event, and its type (detect/field.h). */

#include "detect/field.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/casemap.h"
#include "common/number.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/datemath.h"

static int each_flattened(const cJSON *v, field_fn fn, void *ctx)
{
	if (cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			int rc = each_flattened(e, fn, ctx);
			if (rc)
				return rc;
		}
		return 0;
	}
	return fn(ctx, v);
}

static int resolve(const cJSON *obj, const char *path, size_t len, field_fn fn, void *ctx);

/* Resolves the rest of a path below v, which may be an object or an array of objects. */
static int descend(const cJSON *v, const char *rest, size_t len, field_fn fn, void *ctx)
{
	if (cJSON_IsObject(v))
		return resolve(v, rest, len, fn, ctx);
	if (cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			int rc = descend(e, rest, len, fn, ctx);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int resolve(const cJSON *obj, const char *path, size_t len, field_fn fn, void *ctx)
{
	const cJSON *child;
	cJSON_ArrayForEach(child, obj)
	{
		const char *key = child->string;
		if (!key || key[0] != path[0]) /* most siblings differ at once: no strlen for them */
			continue;
		size_t klen = strlen(key);
		if (klen > len || memcmp(key, path, klen))
			continue;
		int rc = 0;
		if (klen == len)
			rc = each_flattened(child, fn, ctx);
		else if (path[klen] == '.')
			rc = descend(child, path + klen + 1, len - klen - 1, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int found_one(void *ctx, const cJSON *v)
{
	(void)ctx, (void)v;
	return 1;
}

/* A multi-field's value is its parent's source value indexed another way (Elasticsearch keeps
 * no source of its own for it): a keyword sub-field through its normalizer and ignore_above. */
struct subfield_ctx {
	field_fn fn;
	void *ctx;
	int lowercase;     /* the lowercase normalizer: LowerCaseFilter (casemap_lower) */
	long ignore_above; /* strings longer (UTF-16 units, as Java counts) are not indexed; -1: none */
};

static int through_subfield(void *c, const cJSON *v)
{
	const struct subfield_ctx *l = c;
	if (!cJSON_IsString(v))
		return l->fn(l->ctx, v);
	/* KeywordFieldMapper.indexValue: the length (String's, UTF-16 units) before the normalizer */
	if (l->ignore_above >= 0 && casemap_utf16_units(v->valuestring) > (size_t)l->ignore_above)
		return 0;
	if (!l->lowercase)
		return l->fn(l->ctx, v);
	const unsigned char *p = (const unsigned char *)v->valuestring;
	while (*p && *p < 0x80 && !(*p >= 'A' && *p <= 'Z'))
		p++;
	if (!*p) /* ASCII without a capital: the normalizer leaves it as it is */
		return l->fn(l->ctx, v);
	/* a value of its own, outside any tree (cJSON's allocator may be an arena) */
	cJSON low;
	memset(&low, 0, sizeof(low));
	low.type = cJSON_String;
	low.valuestring = casemap_lower(v->valuestring, strlen(v->valuestring));
	int rc = l->fn(l->ctx, &low);
	free(low.valuestring);
	return rc;
}

#define CASELESS_SUFFIX ".caseless"
#define CASELESS_LEN    (sizeof(CASELESS_SUFFIX) - 1)
#define TEXT_SUFFIX     ".text"
#define TEXT_LEN        (sizeof(TEXT_SUFFIX) - 1)
/* Elastic Defend's mapping (endpoint-package): X.caseless is a keyword with the lowercase
 * normalizer and ignore_above 1024 under keyword X; X.text is text. */
#define CASELESS_IGNORE_ABOVE 1024

static const struct numeric_type *imported_multi(const char *path, size_t len);

/* Whether path names a multi-field, and how it reads its parent (the name up to its last dot):
 * an imported mapping's sub-field, else Elastic Defend's .caseless and .text. */
static int subfield_of(const char *path, size_t len, struct subfield_ctx *how, size_t *parent_len)
{
	how->lowercase = 0, how->ignore_above = -1;
	const struct numeric_type *num = imported_multi(path, len);
	if (num) {
		const char *dot = memrchr(path, '.', len);
		if (!dot || num == (const struct numeric_type *)1)
			return 0; /* imported, and no multi-field: read as the document has it */
		how->lowercase = num->lowercase;
		how->ignore_above = num->ignores ? num->ignore_above : -1;
		*parent_len = (size_t)(dot - path);
		return 1;
	}
	if (len > CASELESS_LEN && !memcmp(path + len - CASELESS_LEN, CASELESS_SUFFIX, CASELESS_LEN)) {
		how->lowercase = 1, how->ignore_above = CASELESS_IGNORE_ABOVE;
		*parent_len = len - CASELESS_LEN;
		return 1;
	}
	if (len > TEXT_LEN && !memcmp(path + len - TEXT_LEN, TEXT_SUFFIX, TEXT_LEN)) {
		*parent_len = len - TEXT_LEN;
		return 1;
	}
	return 0;
}

int field_each(const cJSON *root, const char *path, size_t len, field_fn fn, void *ctx)
{
	if (!cJSON_IsObject(root))
		return 0;
	struct subfield_ctx how = {.fn = fn, .ctx = ctx};
	size_t parent_len;
	/* a multi-field the document does not carry (documents as shipped never do) reads its
	 * parent's values as the sub-field indexes them; one it carries is read as it is */
	if (subfield_of(path, len, &how, &parent_len) && !resolve(root, path, len, found_one, NULL))
		return resolve(root, path, parent_len, through_subfield, &how);
	return resolve(root, path, len, fn, ctx);
}

int field_each_indexed(const cJSON *root, const char *path, size_t len, const struct field_type_cache *c, field_fn fn,
                       void *ctx)
{
	if (!c->own)
		return field_each(root, path, len, fn, ctx);
	if (!cJSON_IsObject(root))
		return 0;
	struct subfield_ctx how = {.fn = fn, .ctx = ctx, .lowercase = c->lowercase, .ignore_above = c->ignore_above};
	return resolve(root, path, len, through_subfield, &how);
}

static int leaves(const cJSON *v, struct strbuf *name, leaf_fn fn, void *ctx)
{
	if (cJSON_IsArray(v)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, v)
		{
			int rc = leaves(e, name, fn, ctx);
			if (rc)
				return rc;
		}
		return 0;
	}
	if (!cJSON_IsObject(v))
		return fn(ctx, name->buf, name->len, v);
	size_t base = name->len;
	const cJSON *child;
	cJSON_ArrayForEach(child, v)
	{
		name->len = base;
		if (base)
			strbuf_addch(name, '.');
		strbuf_addstr(name, child->string ? child->string : "");
		int rc = leaves(child, name, fn, ctx);
		if (rc) {
			name->len = base;
			name->buf[base] = '\0';
			return rc;
		}
	}
	name->len = base;
	name->buf[base] = '\0';
	return 0;
}

int field_each_leaf(const cJSON *root, leaf_fn fn, void *ctx)
{
	struct strbuf name;
	strbuf_init(&name, 64);
	int rc = leaves(root, &name, fn, ctx);
	strbuf_release(&name);
	return rc;
}

struct join_ctx {
	struct strbuf sb;
	int n;
	const char *sep;
};

static int join_value(void *ctx, const cJSON *v)
{
	struct join_ctx *j = ctx;
	if (cJSON_IsNull(v))
		return 0;
	if (cJSON_IsObject(v))
		return 0;
	if (j->n++)
		strbuf_addstr(&j->sb, j->sep);
	if (cJSON_IsString(v)) {
		strbuf_addstr(&j->sb, v->valuestring);
	} else {
		char *t = cJSON_PrintUnformatted(v);
		strbuf_addstr(&j->sb, t);
		cJSON_free(t);
	}
	return 0;
}

char *field_join(const cJSON *root, const char *path, const char *sep)
{
	struct join_ctx j = {.n = 0, .sep = sep};
	strbuf_init(&j.sb, 32);
	field_each(root, path, strlen(path), join_value, &j);
	if (!j.n) {
		strbuf_release(&j.sb);
		return NULL;
	}
	return strbuf_detach(&j.sb, NULL);
}

/* ---- types ---- */

static int last_segment_is(const char *path, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len >= n && !memcmp(path + len - n, name, n) && (len == n || path[len - n - 1] == '.');
}

/* Types an analyst imported from a mapping, by name (sorted): they win over the built-in ones.
 * Set for the whole process by field_types_set, once per detect run or search. */
static struct {
	char **names;
	enum field_type *types;
	struct numeric_type *nums;
	size_t n;
} imported;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The index of the imported entry named path (len bytes), or -1 when it is not imported. No
 * allocation: it runs per read. */
static long imported_index(const char *path, size_t len)
{
	size_t lo = 0, hi = imported.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *name = imported.names[mid];
		int c = strncmp(name, path, len);
		if (!c && name[len])
			c = 1; /* longer: after path */
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The imported entry named path (len bytes): its numeric type when it is a multi-field, (void *)1
 * when it is imported and not one, NULL when not imported. */
static const struct numeric_type *imported_multi(const char *path, size_t len)
{
	long i = imported.n ? imported_index(path, len) : -1;
	if (i < 0)
		return NULL;
	return imported.nums[i].multi ? &imported.nums[i] : (const struct numeric_type *)1;
}

/* Counts the changes of the imported types (from 1): a cache of another generation is stale. */
static unsigned types_generation = 1;

enum field_type field_type_cached(const char *path, size_t len, struct field_type_cache *c)
{
	if (c->generation != types_generation) {
		c->type = field_type_numeric(path, len, &c->num);
		c->lowercase = field_normalizes_lowercase(path, len);
		/* an imported keyword that is no multi-field indexes its own values through its
		 * normalizer and ignore_above (a multi-field's are its parent's: field_each) */
		long i = imported.n ? imported_index(path, len) : -1;
		const struct numeric_type *own = i >= 0 && !imported.nums[i].multi ? &imported.nums[i] : NULL;
		c->own = own && c->type == FT_KEYWORD && own->kind == NUMERIC_NONE && (own->lowercase || own->ignores);
		c->ignore_above = c->own && own->ignores ? own->ignore_above : -1;
		c->generation = types_generation;
	}
	return c->type;
}

void field_types_set(char *const *names, const enum field_type *types, const struct numeric_type *nums, size_t n)
{
	types_generation++;
	for (size_t i = 0; i < imported.n; i++)
		free(imported.names[i]);
	free(imported.names);
	free(imported.types);
	free(imported.nums);
	imported.names = xmalloc((n ? n : 1) * sizeof(*imported.names));
	imported.types = xmalloc((n ? n : 1) * sizeof(*imported.types));
	imported.nums = xmalloc((n ? n : 1) * sizeof(*imported.nums));
	/* sorted by name with their types: pairs sorted through an index */
	size_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	for (size_t i = 0; i < n; i++)
		imported.names[i] = xstrdup(names[i]), order[i] = i;
	for (size_t i = 1; i < n; i++) /* insertion sort of the index by name: mappings are small */
		for (size_t j = i; j > 0 && strcmp(names[order[j]], names[order[j - 1]]) < 0; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		free(imported.names[i]);
		imported.names[i] = xstrdup(names[order[i]]);
		imported.types[i] = types[order[i]];
		imported.nums[i] =
		    nums ? nums[order[i]] : (struct numeric_type){.kind = NUMERIC_NONE, .scaling_factor = 0};
	}
	free(order);
	imported.n = n;
}

int field_normalizes_lowercase(const char *path, size_t len)
{
	long i = imported.n ? imported_index(path, len) : -1;
	if (i >= 0) /* imported: a multi-field or not, its own normalizer */
		return imported.nums[i].lowercase;
	return len > CASELESS_LEN && !memcmp(path + len - CASELESS_LEN, CASELESS_SUFFIX, CASELESS_LEN);
}

enum field_type field_type_named(const char *text)
{
	char *type = xstrndup(text, numeric_type_name_len(text)); /* its parameters aside */
	enum field_type t = FT_KEYWORD;
	if (!strcmp(type, "date") || !strcmp(type, "date_nanos"))
		t = FT_DATE;
	else if (!strcmp(type, "ip"))
		t = FT_IP;
	else if (!strcmp(type, "text") || !strcmp(type, "match_only_text"))
		t = FT_TEXT;
	free(type);
	return t;
}

int field_multi_fields_each(multi_field_fn fn, void *ctx)
{
	for (size_t i = 0; i < imported.n; i++)
		if (imported.nums[i].multi) {
			int rc = fn(ctx, imported.names[i]);
			if (rc)
				return rc;
		}
	return 0;
}

enum field_type field_type(const char *path, size_t len)
{
	return field_type_numeric(path, len, NULL);
}

enum field_type field_type_numeric(const char *path, size_t len, struct numeric_type *num)
{
	if (num)
		*num = (struct numeric_type){.kind = NUMERIC_NONE, .scaling_factor = 0};
	if (imported.n) {
		char *name = xstrndup(path, len);
		char **hit = bsearch(&name, imported.names, imported.n, sizeof(*imported.names), by_name);
		free(name);
		if (hit && num)
			*num = imported.nums[hit - imported.names];
		if (hit)
			return imported.types[hit - imported.names];
	}
	/* ECS and Elastic Defend: dates and addresses by their last name, text by its own */
	static const char *const dates[] = {"@timestamp", "created",    "ingested",  "start",     "end",
	                                    "ctime",      "mtime",      "accessed",  "timestamp", "not_after",
	                                    "not_before", "first_seen", "last_seen", "modified"};
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		if (last_segment_is(path, len, dates[i]))
			return FT_DATE;
	if (last_segment_is(path, len, "ip") || (len > 3 && !memcmp(path + len - 3, "_ip", 3)))
		return FT_IP;
	if (last_segment_is(path, len, "message") || last_segment_is(path, len, "text"))
		return FT_TEXT;
	return FT_KEYWORD;
}

/* Epoch milliseconds of the years 0001-9999, as ingest takes @timestamp: no date arithmetic
 * on an instant from an event can then overflow. */
#define FIRST_MS (-62135596800000.0) /* 0001-01-01 */
#define PAST_MS  253402300800000.0   /* 10000-01-01 */

int field_date_ms(double ms, int64_t *us)
{
	if (!(ms >= FIRST_MS && ms < PAST_MS)) /* NaN too */
		return -1;
	*us = (int64_t)ms * 1000;
	return 0;
}

/* "now" for date math in a query's dates: set while a query whose now is an execution's is
 * evaluated (an indicator match rule's threat_query), 0 otherwise (date math then never
 * matches, as before). */
static int64_t date_now_us;

void field_set_date_now(int64_t now_us)
{
	date_now_us = now_us;
}

/* Date math such as now-30d/d at date_now_us (rounding down, as for a range's start). */
static int date_math_text(const char *s, size_t len, int64_t *us)
{
	char buf[48];
	struct date_math m;
	char why[80];
	if (!date_now_us || len < 3 || len >= sizeof(buf) || memcmp(s, "now", 3))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (date_math_parse(buf, &m, why, sizeof(why)))
		return -1;
	*us = date_math_apply(&m, date_now_us, 0);
	return 0;
}

int field_date_text(const char *s, size_t len, int64_t *us)
{
	if (!len || len > 40)
		return -1;
	if (!date_math_text(s, len, us))
		return 0;
	size_t digits = s[0] == '-' ? 1 : 0;
	while (digits < len && isdigit((unsigned char)s[digits]))
		digits++;
	if (digits == len && len > (s[0] == '-' ? 1u : 0u)) { /* epoch milliseconds */
		char buf[48];
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		long long ms = strtoll(buf, NULL, 10);
		return errno ? -1 : field_date_ms((double)ms, us);
	}
	return time_parse_iso8601(s, len, us, NULL);
}

int field_date_json(const cJSON *v, int64_t *us)
{
	if (cJSON_IsString(v))
		return field_date_text(v->valuestring, strlen(v->valuestring), us);
	return cJSON_IsNumber(v) ? field_date_ms(v->valuedouble, us) : -1;
}

/* ---- addresses ---- */

int field_ip_parse(const char *s, size_t len, unsigned char out[16])
{
	char buf[64];
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	unsigned char a4[4];
	if (inet_pton(AF_INET, buf, a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xFF;
		memcpy(out + 12, a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -1;
}

int field_ip_in_cidr(const unsigned char ip[16], const char *cidr, size_t len)
{
	const char *slash = memchr(cidr, '/', len);
	size_t addr_len = slash ? (size_t)(slash - cidr) : len;
	unsigned char net[16];
	if (field_ip_parse(cidr, addr_len, net))
		return -1;
	int v4 = memchr(cidr, ':', addr_len) == NULL;
	long bits = v4 ? 32 : 128;
	if (slash) {
		char buf[8];
		size_t blen = len - addr_len - 1;
		if (!blen || blen >= sizeof(buf))
			return -1;
		memcpy(buf, slash + 1, blen);
		buf[blen] = '\0';
		char *end;
		bits = strtol(buf, &end, 10);
		if (*end || bits < 0 || bits > (v4 ? 32 : 128))
			return -1;
	}
	if (v4)
		bits += 96;
	for (long i = 0; i < bits; i++) {
		int bit = 7 - (int)(i % 8);
		if (((ip[i / 8] >> bit) & 1) != ((net[i / 8] >> bit) & 1))
			return 0;
	}
	return 1;
}

/* ---- combinations ---- */

struct value_list {
	char **text;
	size_t n;
};

static int collect_value(void *ctx, const cJSON *v)
{
	struct value_list *l = ctx;
	if (cJSON_IsObject(v) || cJSON_IsNull(v))
		return 0;
	char *t = cJSON_IsString(v) ? xstrdup(v->valuestring) : cJSON_PrintUnformatted(v);
	if (!t)
		return 0;
	if (!cJSON_IsString(v)) { /* cJSON's allocation: copy into ours */
		char *c = xstrdup(t);
		cJSON_free(t);
		t = c;
	}
	l->text = xrealloc(l->text, (l->n + 1) * sizeof(*l->text));
	l->text[l->n++] = t;
	return 0;
}

size_t field_combinations(const cJSON *root, char *const *paths, size_t n, size_t max, combination_fn fn, void *ctx)
{
	struct value_list *lists = xcalloc(n ? n : 1, sizeof(*lists));
	size_t total = 1;
	for (size_t i = 0; i < n; i++) {
		field_each(root, paths[i], strlen(paths[i]), collect_value, &lists[i]);
		if (!lists[i].n)
			total = 0;
		else if (total)
			total = total <= SIZE_MAX / lists[i].n ? total * lists[i].n : SIZE_MAX;
	}
	/* an odometer over the value lists: no recursion, whatever the number of fields */
	size_t *at = xcalloc(n ? n : 1, sizeof(*at));
	char **values = xcalloc(n ? n : 1, sizeof(*values));
	for (size_t k = 0; k < total && k < max; k++) {
		for (size_t i = 0; i < n; i++)
			values[i] = lists[i].text[at[i]];
		fn(ctx, values, n);
		for (size_t i = n; i-- > 0;) {
			if (++at[i] < lists[i].n)
				break;
			at[i] = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < lists[i].n; j++)
			free(lists[i].text[j]);
		free(lists[i].text);
	}
	free(lists);
	free(at);
	free(values);
	return total;
}

/* ---- leaves as text ---- */
