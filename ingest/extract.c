#include "ingest/extract.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/digest.h"
#include "common/number.h"
#include "common/timeutil.h"

enum field {
	F_TIMESTAMP,
	F_INGESTED,
	F_EVENT_ID,
	F_HOST_ID,
	F_HOST_NAME,
	F_OS_TYPE,
	F_OS_PLATFORM,
	F_OS_FAMILY,
	F_KIND,
	F_CATEGORY,
	F_TYPE,
	F_ACTION,
	F_FILE_PATH,
	F_ENTITY_ID,
	F_PID,
	F_EXECUTABLE,
	F_PROCESS_NAME,
	F_USER_NAME,
	F_DS_TYPE,
	F_DS_DATASET,
	F_DS_NAMESPACE,
	F_ML_TIME,     /* an ML anomaly result's time (epoch ms), which has no @timestamp */
	F_RESULT_TYPE, /* ... its result_type */
	F_JOB_ID,      /* ... and its job_id */
	F_COUNT
};

static const char *const field_path[F_COUNT] = {
    "@timestamp",
    "event.ingested",
    "event.id",
    "host.id",
    "host.name",
    "host.os.type",
    "host.os.platform",
    "host.os.family",
    "event.kind",
    "event.category",
    "event.type",
    "event.action",
    "file.path",
    "process.entity_id",
    "process.pid",
    "process.executable",
    "process.name",
    "user.name",
    "data_stream.type",
    "data_stream.dataset",
    "data_stream.namespace",
    "timestamp",
    "result_type",
    "job_id",
};

static size_t field_len[F_COUNT];

static void init_field_lengths(void)
{
	if (field_len[0])
		return;
	for (int i = 0; i < F_COUNT; i++)
		field_len[i] = strlen(field_path[i]);
}

/* ---- finding events ---- */

static int is_object(const struct jtape *t, long tok)
{
	return tok >= 0 && t->tok[tok].type == JT_OBJECT;
}

static int visit_hit(const struct jtape *t, size_t hit, root_fn fn, void *ctx)
{
	if (t->tok[hit].type != JT_OBJECT)
		return 0;
	long src = jtape_member(t, hit, "_source");
	struct event_root root = {.tok = hit, .id_tok = -1, .index_tok = -1};
	long id = jtape_member(t, hit, "_id"), index = jtape_member(t, hit, "_index");
	long fields = jtape_member(t, hit, "fields");
	if (is_object(t, src)) {
		root.tok = (size_t)src;
		root.id_tok = id;
		root.index_tok = index;
	} else if (src < 0 && is_object(t, fields) && (id >= 0 || index >= 0)) {
		/* a hit of the fields API alone: its fields are the event */
		root.tok = (size_t)fields;
		root.id_tok = id;
		root.index_tok = index;
		root.fields_form = 1;
	}
	return fn(ctx, t, &root);
}

/* A string token equal to s (unescaped text compared as written: the keys matched here have no
 * escapes). */
static int token_is(const struct jtape *t, long tok, const char *s)
{
	if (tok < 0 || t->tok[tok].type != JT_STRING)
		return 0;
	size_t n = t->tok[tok].end - t->tok[tok].start - 2;
	return n == strlen(s) && !memcmp(t->text.buf + t->tok[tok].start + 1, s, n);
}

/* Kibana's archive record (esArchiver's data.json): {"type":"doc","value":{"index","id",
 * "source"}} is the document source; "index" and "data_stream" records describe an index and
 * hold no event. Returns 1 when doc is one (its event, if any, given to fn through *rc). */
static int visit_archive_record(const struct jtape *t, size_t doc, root_fn fn, void *ctx, int *rc)
{
	long type = jtape_member(t, doc, "type"), value = jtape_member(t, doc, "value");
	if (!is_object(t, value) || jtape_member(t, doc, "@timestamp") >= 0)
		return 0;
	if (token_is(t, type, "index") || token_is(t, type, "data_stream")) {
		*rc = 0;
		return 1;
	}
	long src = jtape_member(t, (size_t)value, "source");
	if (!token_is(t, type, "doc") || !is_object(t, src))
		return 0;
	struct event_root root = {.tok = (size_t)src,
	                          .id_tok = jtape_member(t, (size_t)value, "id"),
	                          .index_tok = jtape_member(t, (size_t)value, "index")};
	*rc = fn(ctx, t, &root);
	return 1;
}

static int visit_array(const struct jtape *t, size_t arr, root_fn fn, void *ctx,
                       int (*each)(const struct jtape *, size_t, root_fn, void *))
{
	if (t->tok[arr].type != JT_ARRAY)
		return 0;
	for (size_t i = arr + 1; i < t->tok[arr].next; i = t->tok[i].next) {
		int rc = each(t, i, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int visit_sequence(const struct jtape *t, size_t seq, root_fn fn, void *ctx)
{
	long events = t->tok[seq].type == JT_OBJECT ? jtape_member(t, seq, "events") : -1;
	return events >= 0 ? visit_array(t, (size_t)events, fn, ctx, visit_hit) : 0;
}

static int visit_document(const struct jtape *t, size_t doc, root_fn fn, void *ctx)
{
	const struct jt_token *k = &t->tok[doc];
	if (k->type == JT_ARRAY)
		return visit_array(t, doc, fn, ctx, visit_document);
	if (k->type != JT_OBJECT) {
		struct event_root root = {.tok = doc, .id_tok = -1, .index_tok = -1};
		return fn(ctx, t, &root); /* extract_event rejects it with a reason */
	}
	long hits = jtape_member(t, doc, "hits");
	if (hits >= 0 && t->tok[hits].type == JT_OBJECT && jtape_member(t, doc, "@timestamp") < 0) {
		long list;
		int rc = 0;
		if ((list = jtape_member(t, (size_t)hits, "hits")) >= 0)
			rc = visit_array(t, (size_t)list, fn, ctx, visit_hit);
		if (!rc && (list = jtape_member(t, (size_t)hits, "events")) >= 0)
			rc = visit_array(t, (size_t)list, fn, ctx, visit_hit);
		if (!rc && (list = jtape_member(t, (size_t)hits, "sequences")) >= 0)
			rc = visit_array(t, (size_t)list, fn, ctx, visit_sequence);
		return rc;
	}
	int rc;
	if (visit_archive_record(t, doc, fn, ctx, &rc))
		return rc;
	return visit_hit(t, doc, fn, ctx);
}

int extract_roots(const struct jtape *t, root_fn fn, void *ctx)
{
	return t->ntok ? visit_document(t, 0, fn, ctx) : 0;
}

/* ---- reading fields ---- */

struct walk {
	const struct jtape *t;
	long found[F_COUNT]; /* value token of each field, -1 when absent */
	int twice;           /* a wanted field appeared twice (nested and dotted) */
	char path[256];
};

/* Whether some wanted field lies below path (path + '.' is a prefix of it). */
static int is_wanted_prefix(const char *path, size_t len)
{
	for (int i = 0; i < F_COUNT; i++)
		if (field_len[i] > len && field_path[i][len] == '.' && !memcmp(field_path[i], path, len))
			return 1;
	return 0;
}

static int wanted_field(const char *path, size_t len)
{
	for (int i = 0; i < F_COUNT; i++)
		if (field_len[i] == len && !memcmp(field_path[i], path, len))
			return i;
	return -1;
}

static void walk_object(struct walk *w, size_t obj, size_t plen)
{
	const struct jtape *t = w->t;
	for (size_t i = obj + 1; i < t->tok[obj].next;) {
		const struct jt_token *key = &t->tok[i];
		size_t v = i + 1;
		size_t klen = key->end - key->start - 2;
		size_t nlen = plen + (plen ? 1 : 0) + klen;
		if (nlen < sizeof(w->path)) {
			char *p = w->path + plen;
			if (plen)
				*p++ = '.';
			memcpy(p, t->text.buf + key->start + 1, klen);
			w->path[nlen] = '\0';
			int f = wanted_field(w->path, nlen);
			if (f >= 0 && w->found[f] >= 0)
				w->twice = 1;
			if (f >= 0 && w->found[f] < 0)
				w->found[f] = (long)v;
			else if (f < 0 && t->tok[v].type == JT_OBJECT && is_wanted_prefix(w->path, nlen))
				walk_object(w, v, nlen);
		}
		i = t->tok[v].next;
	}
	w->path[plen] = '\0';
}

/* Appends a scalar token's text (unescaped for strings); returns 0 when it has none. */
static int append_scalar(const struct jtape *t, size_t v, struct strbuf *out)
{
	const struct jt_token *k = &t->tok[v];
	switch (k->type) {
	case JT_STRING: jtape_unescape(t, v, out); return 1;
	case JT_NUMBER:
	case JT_TRUE:
	case JT_FALSE: strbuf_add(out, t->text.buf + k->start, k->end - k->start); return 1;
	default: return 0;
	}
}

/* Stores a field's value in the arena: arrays give their first scalar, or with join all
 * scalars joined by ','. Returns the offset or EX_ABSENT. */
static size_t take_string(const struct jtape *t, long v, struct strbuf *arena, int join)
{
	if (v < 0)
		return EX_ABSENT;
	size_t at = arena->len;
	int any = 0;
	if (t->tok[v].type == JT_ARRAY) {
		for (size_t i = (size_t)v + 1; i < t->tok[v].next; i = t->tok[i].next) {
			size_t before = arena->len;
			if (any && join)
				strbuf_addch(arena, ',');
			if (append_scalar(t, i, arena)) {
				any = 1;
				if (!join)
					break;
			} else {
				arena->len = before;
				arena->buf[before] = '\0';
			}
		}
	} else {
		any = append_scalar(t, (size_t)v, arena);
	}
	if (!any) {
		arena->len = at;
		arena->buf[at] = '\0';
		return EX_ABSENT;
	}
	strbuf_addch(arena, '\0');
	return at;
}

/* Parses a timestamp field: an ISO 8601 string or epoch milliseconds. */
static int take_time(const struct jtape *t, long v, struct strbuf *scratch, int64_t *us, const char **why)
{
	if (t->tok[v].type == JT_ARRAY && t->tok[v].next > (uint32_t)v + 1)
		v++; /* a one-element array, as some exports write */
	const struct jt_token *k = &t->tok[v];
	if (k->type == JT_NUMBER) {
		char num[64];
		size_t n = k->end - k->start;
		if (n >= sizeof(num)) {
			*why = "number out of range";
			return -1;
		}
		memcpy(num, t->text.buf + k->start, n);
		num[n] = '\0';
		double ms = strtod(num, NULL);
		if (!(ms > -62135596800000.0 && ms < 253402300800000.0)) {
			*why = "epoch milliseconds out of range (years 0001-9999)";
			return -1;
		}
		*us = (int64_t)(ms * 1000.0);
		return 0;
	}
	if (k->type != JT_STRING) {
		*why = "expected an ISO 8601 string or epoch milliseconds";
		return -1;
	}
	strbuf_reset(scratch);
	jtape_unescape(t, (size_t)v, scratch);
	return time_parse_iso8601(scratch->buf, scratch->len, us, why);
}

const char *os_type_from_platform(const char *p)
{
	static const char *const linuxes[] = {"linux",  "debian", "ubuntu", "redhat", "rhel",     "centos",
	                                      "fedora", "amazon", "amzn",   "suse",   "sles",     "opensuse",
	                                      "arch",   "alpine", "oracle", "rocky",  "almalinux"};
	if (!p)
		return NULL;
	if (!strcasecmp(p, "macos") || !strcasecmp(p, "darwin") || !strcasecmp(p, "osx") || !strcasecmp(p, "mac os x"))
		return "macos";
	if (!strcasecmp(p, "windows"))
		return "windows";
	for (size_t i = 0; i < sizeof(linuxes) / sizeof(linuxes[0]); i++)
		if (!strcasecmp(p, linuxes[i]))
			return "linux";
	return NULL;
}

static size_t put(struct strbuf *arena, const char *s)
{
	size_t at = arena->len;
	strbuf_add(arena, s, strlen(s) + 1);
	return at;
}

static void derive_index(const struct jtape *t, const struct walk *w, struct strbuf *arena, struct extracted *ex)
{
	size_t type = take_string(t, w->found[F_DS_TYPE], arena, 0);
	size_t ds = take_string(t, w->found[F_DS_DATASET], arena, 0);
	size_t ns = take_string(t, w->found[F_DS_NAMESPACE], arena, 0);
	if (type == EX_ABSENT || ds == EX_ABSENT || ns == EX_ABSENT)
		return;
	struct strbuf tmp;
	strbuf_init(&tmp, 64);
	strbuf_addf(&tmp, "%s-%s-%s", arena->buf + type, arena->buf + ds, arena->buf + ns);
	ex->str[EX_INDEX] = put(arena, tmp.buf);
	strbuf_release(&tmp);
}

/* The object obj with each member whose value is an array of one scalar written as that
 * scalar (the fields API returns every value as an array; Elasticsearch reads [v] as v). */
static void append_unwrapped(const struct jtape *t, size_t obj, struct strbuf *out)
{
	strbuf_addch(out, '{');
	for (size_t i = obj + 1; i < t->tok[obj].next;) {
		size_t v = i + 1;
		const struct jt_token *k = &t->tok[i], *val = &t->tok[v];
		if (i > obj + 1)
			strbuf_addch(out, ',');
		strbuf_add(out, t->text.buf + k->start, k->end - k->start);
		strbuf_addch(out, ':');
		size_t first = v + 1;
		if (val->type == JT_ARRAY && first < val->next && t->tok[first].next == val->next &&
		    t->tok[first].type != JT_OBJECT && t->tok[first].type != JT_ARRAY)
			val = &t->tok[first];
		strbuf_add(out, t->text.buf + val->start, val->end - val->start);
		i = t->tok[v].next;
	}
	strbuf_addch(out, '}');
}

/* Elastic ML's results (.ml-anomalies-*: records, buckets, influencers) carry their time in
 * "timestamp" (epoch milliseconds) and no @timestamp: they are kept at that time, so machine
 * learning rules find them in their windows (detect/type_ml.c). Elasticsearch's result
 * documents always have job_id and result_type. */
static int is_anomaly_result(const struct walk *w)
{
	return w->found[F_TIMESTAMP] < 0 && w->found[F_ML_TIME] >= 0 && w->found[F_RESULT_TYPE] >= 0 &&
	       w->found[F_JOB_ID] >= 0;
}

int extract_event(const struct jtape *t, const struct event_root *root, struct strbuf *arena, struct extracted *ex,
                  char *why_buf, size_t why_len)
{
	init_field_lengths();
	const struct jt_token *obj = &t->tok[root->tok];
	if (obj->type != JT_OBJECT) {
		snprintf(why_buf, why_len, "not an event: a JSON %s, not an object",
		         obj->type == JT_ARRAY    ? "array"
		         : obj->type == JT_STRING ? "string"
		                                  : "scalar");
		return -1;
	}
	struct walk w = {.t = t};
	for (int i = 0; i < F_COUNT; i++)
		w.found[i] = -1;
	walk_object(&w, root->tok, 0);

	int anomaly = is_anomaly_result(&w);
	if (anomaly)
		w.found[F_TIMESTAMP] = w.found[F_ML_TIME];
	if (w.found[F_TIMESTAMP] < 0) {
		snprintf(why_buf, why_len, "not an event: no @timestamp");
		return -1;
	}
	struct strbuf scratch;
	strbuf_init(&scratch, 64);
	const char *why = NULL;
	int rc = 0;
	if (take_time(t, w.found[F_TIMESTAMP], &scratch, &ex->ts, &why)) {
		snprintf(why_buf, why_len, "%s: %s", anomaly ? "timestamp" : "@timestamp", why);
		rc = -1;
	}
	ex->has_ingested = 0;
	if (!rc && w.found[F_INGESTED] >= 0) {
		if (take_time(t, w.found[F_INGESTED], &scratch, &ex->ingested, &why)) {
			snprintf(why_buf, why_len, "event.ingested: %s", why);
			rc = -1;
		} else {
			ex->has_ingested = 1;
		}
	}
	strbuf_release(&scratch);
	if (rc)
		return -1;

	for (int i = 0; i < EX_STR_COUNT; i++)
		ex->str[i] = EX_ABSENT;
	static const struct {
		enum ex_str ex;
		enum field f;
		int join;
	} copies[] = {
	    {EX_HOST_ID, F_HOST_ID, 0},
	    {EX_HOST_NAME, F_HOST_NAME, 0},
	    {EX_OS_TYPE, F_OS_TYPE, 0},
	    {EX_KIND, F_KIND, 0},
	    {EX_CATEGORY, F_CATEGORY, 1},
	    {EX_TYPE, F_TYPE, 1},
	    {EX_ACTION, F_ACTION, 0},
	    {EX_FILE_PATH, F_FILE_PATH, 0},
	    {EX_ENTITY_ID, F_ENTITY_ID, 0},
	    {EX_EXECUTABLE, F_EXECUTABLE, 0},
	    {EX_PROCESS_NAME, F_PROCESS_NAME, 0},
	    {EX_USER_NAME, F_USER_NAME, 0},
	};
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++)
		ex->str[copies[i].ex] = take_string(t, w.found[copies[i].f], arena, copies[i].join);

	if (ex->str[EX_OS_TYPE] == EX_ABSENT) {
		/* Older agents (7.x) wrote no host.os.type; derive it and say so. */
		size_t plat = take_string(t, w.found[F_OS_PLATFORM], arena, 0);
		size_t fam = take_string(t, w.found[F_OS_FAMILY], arena, 0);
		const char *os = os_type_from_platform(plat != EX_ABSENT ? arena->buf + plat : NULL);
		if (!os)
			os = os_type_from_platform(fam != EX_ABSENT ? arena->buf + fam : NULL);
		if (os) {
			ex->str[EX_OS_TYPE] = put(arena, os);
			ex->str[EX_DERIVED] = put(arena, "host.os.type");
		}
	}

	size_t pid = take_string(t, w.found[F_PID], arena, 0);
	ex->has_pid = 0;
	int64_t pid_value; /* a whole number in range, or no pid column (strtoll saturated 1e20 silently) */
	if (pid != EX_ABSENT && !number_text_int64(arena->buf + pid, INT64_MIN, INT64_MAX, &pid_value)) {
		ex->pid = pid_value;
		ex->has_pid = 1;
	}

	if (root->index_tok >= 0)
		ex->str[EX_INDEX] = take_string(t, root->index_tok, arena, 0);
	if (ex->str[EX_INDEX] == EX_ABSENT)
		derive_index(t, &w, arena, ex);
	if (ex->str[EX_INDEX] == EX_ABSENT && anomaly)
		ex->str[EX_INDEX] = put(arena, ML_SHARED_RESULTS_INDEX);

	/* Whether the columns detection prunes with hold each field's only value. */
	ex->irregular = w.twice;
	static const enum field pruned[] = {F_FILE_PATH, F_HOST_NAME, F_HOST_ID};
	for (size_t i = 0; i < sizeof(pruned) / sizeof(pruned[0]); i++) {
		long v = w.found[pruned[i]];
		if (v >= 0 && t->tok[v].type != JT_STRING && t->tok[v].type != JT_NULL)
			ex->irregular = 1;
	}

	static const enum field names[] = {F_ACTION, F_EXECUTABLE, F_PROCESS_NAME, F_USER_NAME};
	ex->names_exact = !w.twice;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long v = w.found[names[i]];
		if (v >= 0 && t->tok[v].type != JT_STRING && t->tok[v].type != JT_NULL)
			ex->names_exact = 0;
	}

	/* The event's own JSON, exactly as it came (minified); a hit's fields with each one-value
	 * array unwrapped. */
	ex->doc = arena->len;
	if (root->fields_form)
		append_unwrapped(t, root->tok, arena);
	else
		strbuf_add(arena, t->text.buf + obj->start, obj->end - obj->start);
	ex->doc_len = arena->len - ex->doc;
	strbuf_addch(arena, '\0');

	/* identity: the hit's _id, else event.id, else the SHA-256 of the document */
	size_t id = root->id_tok >= 0 ? take_string(t, root->id_tok, arena, 0) : EX_ABSENT;
	if (id == EX_ABSENT)
		id = take_string(t, w.found[F_EVENT_ID], arena, 0);
	if (id == EX_ABSENT) {
		char hex[SHA256_HEX_LEN + 1];
		sha256_hex(arena->buf + ex->doc, ex->doc_len, hex);
		char tagged[SHA256_HEX_LEN + 8];
		snprintf(tagged, sizeof(tagged), "sha256:%s", hex);
		id = put(arena, tagged);
	}
	ex->str[EX_IDENTITY] = id;
	return 0;
}
