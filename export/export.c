/* export: the table of formats (formats[], one row each, the format's writers in a file of its
 * own: export/NAME.c) and what runs it (export_alerts, export_to_file), with the helpers the
 * formats share (export/format.h). */
#include "export/export.h"
#include "export/format.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/jsonexact.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "store/triage.h"
#include "triage/case.h"

/* ---- helpers the formats share (format.h) ---- */

void export_iso(int64_t us, char out[TIME_ISO_LEN])
{
	time_format_iso8601(us, out);
}

const cJSON *export_get_path(const cJSON *obj, const char *path)
{
	/* a dotted name, through nested objects (the alert's source fields are nested) */
	char key[128];
	const cJSON *cur = obj;
	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		path += n + (dot ? 1 : 0);
	}
	return cur;
}

const char *export_get_str(const cJSON *obj, const char *path)
{
	const cJSON *v = export_get_path(obj, path);
	if (cJSON_IsArray(v))
		v = cJSON_GetArrayItem(v, 0);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Appends cJSON's output made terminal-safe (C1, bidi, invalid UTF-8 escaped). */
void export_append_json(struct strbuf *out, const cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);
	sanitize_json_append(out, text, strlen(text));
	cJSON_free(text);
}

/* A stored document as JSON to embed in an export, its numbers as written. */
cJSON *export_parse_or_string(const char *doc)
{
	cJSON *j = doc ? json_parse_exact(doc, strlen(doc)) : NULL;
	return j ? j : cJSON_CreateNull();
}

void export_add_str(cJSON *obj, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(obj, key, v);
	else
		cJSON_AddNullToObject(obj, key);
}

void export_add_time(cJSON *obj, const char *key, int64_t us)
{
	if (!us) {
		cJSON_AddNullToObject(obj, key);
		return;
	}
	char t[TIME_ISO_LEN];
	export_iso(us, t);
	cJSON_AddStringToObject(obj, key, t);
}

void export_append_json_item(cJSON *j, size_t i, struct strbuf *out)
{
	if (i)
		strbuf_addch(out, ',');
	export_append_json(out, j);
	cJSON_Delete(j);
}

/* In enum export_format's order. Adding a format: a file export/NAME.c defining its
 * struct export_format_ops, its name on the extern line and a row here, its enum value. */
extern const struct export_format_ops markdown_format, json_format, thehive_format, thehive_case_format,
    timesketch_jsonl_format, timesketch_csv_format, kibana_status_format;

static const struct export_format_ops *const formats[] = {
    [EXPORT_MARKDOWN] = &markdown_format,
    [EXPORT_JSON] = &json_format,
    [EXPORT_THEHIVE] = &thehive_format,
    [EXPORT_THEHIVE_CASE] = &thehive_case_format,
    [EXPORT_TIMESKETCH_JSONL] = &timesketch_jsonl_format,
    [EXPORT_TIMESKETCH_CSV] = &timesketch_csv_format,
    [EXPORT_KIBANA_STATUS] = &kibana_status_format,
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

size_t export_format_count(void)
{
	return NFORMATS;
}

const struct export_format_info *export_format_info(enum export_format f)
{
	return (size_t)f < NFORMATS ? &formats[f]->info : NULL;
}

int export_format_makes_case(enum export_format f, size_t n)
{
	return (size_t)f < NFORMATS && formats[f]->as_case && n > 1 && n >= formats[f]->case_from;
}

int export_format_parse(const char *name, enum export_format *f)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (!strcmp(name, formats[i]->info.name)) {
			*f = (enum export_format)i;
			return 0;
		}
	return -1;
}

void export_format_names(struct strbuf *out, const char *last_sep)
{
	for (size_t i = 0; i < NFORMATS; i++)
		strbuf_addf(out, "%s%s", i == 0 ? "" : i + 1 == NFORMATS ? last_sep : ", ", formats[i]->info.name);
}

static int ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), k = strlen(end);
	return n > k && !strcmp(s + n - k, end) && s[n - k - 1] == '.';
}

int export_format_of_path(const char *path, enum export_format *f)
{
	size_t best = 0;
	for (size_t i = 0; i < NFORMATS; i++) {
		size_t k = strlen(formats[i]->info.ext);
		if (k > best && ends_with(path, formats[i]->info.ext)) {
			best = k;
			*f = (enum export_format)i;
		}
	}
	return best ? 0 : -1;
}

int export_path_contradicts(enum export_format f, const char *path)
{
	/* the name's last extension against the format's: out.json suits thehive, x.md does not */
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (!dot || (slash && slash > dot))
		return 0;
	enum export_format named;
	if (export_format_of_path(path, &named))
		return 0; /* an extension no format claims: the analyst's choice */
	const char *ext = strrchr(formats[f]->info.ext, '.');
	ext = ext ? ext + 1 : formats[f]->info.ext;
	return strcmp(dot + 1, ext) != 0;
}

int export_path_fits(enum export_format f, const char *path)
{
	const char *suffix = formats[f]->info.suffix;
	size_t n = strlen(path), k = strlen(suffix);
	return n >= k && !strcmp(path + n - k, suffix);
}

/* Hands what out holds to the options' flush, if any, and empties it. */
static int flush_out(const struct export_options *o, struct strbuf *out)
{
	if (!o->flush || !out->len)
		return 0;
	int rc = o->flush(o->flush_ctx, out->buf, out->len);
	strbuf_reset(out);
	return rc ? -1 : 0;
}

void export_note(const struct export_options *o, const char *fmt, ...)
{
	if (!o->note || !o->note_len)
		return;
	size_t used = strlen(o->note);
	if (used && used + 2 < o->note_len) {
		snprintf(o->note + used, o->note_len - used, "; ");
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->note + used, o->note_len - used, fmt, ap);
	va_end(ap);
}

/* Several alerts as one case: a survey of every record without its timeline, then, when the
 * format writes a part per alert, each record again with it; one record in memory at a time. */
static int export_case(struct store *s, char *const *uuids, size_t n, const struct export_case_ops *ops,
                       const struct export_options *o, struct strbuf *out)
{
	void *st = ops->open(o, n);
	int rc = 0;
	for (int pass = 0; pass < 2 && !rc; pass++) {
		if (pass == 1) {
			ops->begin(st, out);
			rc = flush_out(o, out);
			if (!ops->one)
				break;
		}
		for (size_t i = 0; i < n && !rc; i++) {
			struct case_record r;
			memset(&r, 0, sizeof(r));
			struct case_options co = {
			    .timeline = pass, .blocks = 1, .before_us = o->before_us, .after_us = o->after_us};
			rc = case_load(s, uuids[i], &co, &r);
			if (!rc && pass == 0)
				ops->survey(st, &r, i);
			else if (!rc)
				ops->one(st, &r, i, out);
			case_release(&r);
			if (!rc)
				rc = flush_out(o, out);
		}
	}
	if (!rc) {
		ops->end(st, out);
		rc = flush_out(o, out);
	}
	ops->close(st);
	return rc ? -1 : 0;
}

/* One alert at a time: gathered, written, released, so that memory holds one alert's record
 * (its timeline documents can be a megabyte) and not all of them. */
int export_alerts(struct store *s, char *const *uuids, size_t n, enum export_format f, const struct export_options *o,
                  struct strbuf *out)
{
	struct export_options opt = *o;
	if (!opt.now_us)
		opt.now_us = time_now_us();
	int64_t entries;
	char head[SHA256_HEX_LEN + 1];
	if (store_audit_head(s, &entries, head))
		return -1;
	snprintf(opt.audit_anchor, sizeof(opt.audit_anchor), "%lld:%s", (long long)entries, head);
	const struct export_format_ops *fmt = formats[f];
	if (opt.note && opt.note_len)
		opt.note[0] = '\0';
	if (fmt->as_case && n >= fmt->case_from)
		return export_case(s, uuids, n, fmt->as_case, &opt, out);
	if (fmt->begin)
		fmt->begin(&opt, n, out);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		struct case_record r;
		memset(&r, 0, sizeof(r));
		struct case_options co = {
		    .timeline = 1, .blocks = 1, .before_us = opt.before_us, .after_us = opt.after_us};
		rc = case_load(s, uuids[i], &co, &r);
		if (!rc)
			fmt->one(&r, i, &opt, out);
		case_release(&r);
		if (!rc)
			rc = flush_out(&opt, out);
	}
	if (rc)
		return -1;
	if (fmt->end)
		fmt->end(&opt, n, out);
	return flush_out(&opt, out);
}

struct sink {
	struct atomic_file *file; /* NULL: stdout */
	char *err;
	size_t errlen;
};

static int to_sink(void *ctx, const char *data, size_t len)
{
	struct sink *k = ctx;
	if (k->file)
		return atomic_file_write(k->file, data, len, k->err, k->errlen);
	if (fwrite(data, 1, len, stdout) != len) {
		snprintf(k->err, k->errlen, "writing to standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int export_to_file(struct store *s, char *const *uuids, size_t n, enum export_format f, const struct export_options *o,
                   const char *path, int force, char *err, size_t errlen)
{
	struct sink k = {.err = err, .errlen = errlen};
	err[0] = '\0';
	if (path && !(k.file = atomic_file_open(path, force, err, errlen)))
		return -1;
	struct export_options opt = *o;
	opt.flush = to_sink;
	opt.flush_ctx = &k;
	struct strbuf out;
	strbuf_init(&out, 65536);
	int rc = export_alerts(s, uuids, n, f, &opt, &out);
	strbuf_release(&out);
	if (rc && !err[0])
		snprintf(err, errlen, "%s", store_errmsg(s));
	if (rc) {
		atomic_file_abort(k.file);
		return -1;
	}
	return k.file ? atomic_file_commit(k.file, err, errlen) : 0;
}
