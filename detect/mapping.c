#include "detect/mapping.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/numeric.h"
#include "store/rules.h"

struct import;
static int within_count(struct import *im);

/* A properties object to walk, with the dotted name of its parent. */
struct pending {
	const cJSON *properties;
	char *prefix;
};

struct walk {
	struct pending *stack;
	size_t n, cap;
};

static void push(struct walk *w, const cJSON *properties, const char *prefix)
{
	if (w->n == w->cap)
		w->stack = xrealloc(w->stack, (w->cap = w->cap ? w->cap * 2 : 16) * sizeof(*w->stack));
	w->stack[w->n++] = (struct pending){properties, xstrdup(prefix)};
}

static char *dotted(const char *prefix, const char *name)
{
	struct strbuf sb;
	strbuf_init(&sb, 64);
	strbuf_addf(&sb, "%s%s%s", prefix, *prefix ? "." : "", name);
	return strbuf_detach(&sb, NULL);
}

/* One import: where the types go, how many were stored, and the reason when it stops. */
#define PUT_BATCH 4096 /* field types stored at a time, then the case's count checked */

struct import {
	struct store *s;
	size_t n;
	char *why;
	size_t whylen;
	char *fields[PUT_BATCH];
	char *types[PUT_BATCH];
	size_t pending;
};

/* Stores the pending field types and checks the case's count. 0 or -1. */
static int flush(struct import *im)
{
	int rc =
	    store_field_types_put(im->s, (const char *const *)im->fields, (const char *const *)im->types, im->pending);
	if (rc)
		snprintf(im->why, im->whylen, "%s", store_errmsg(im->s));
	for (size_t i = 0; i < im->pending; i++)
		free(im->fields[i]), free(im->types[i]);
	im->pending = 0;
	return rc ? -1 : within_count(im);
}

/* Refuses a name (or type) over its bound, naming the field by its first 40 bytes. 0 or -1. */
static int bounded(struct import *im, const char *field, const char *what, size_t len, size_t max)
{
	if (len <= max)
		return 0;
	snprintf(im->why, im->whylen, "field \"%.40s%s\": its %s is %zu bytes, over %zu", field,
	         strlen(field) > 40 ? "…" : "", what, len, max);
	return -1;
}

/* Stores the field's type when it has one the comparisons care about (all are stored: a
 * keyword named in the mapping overrides a built-in guess too). Every so many, the case's
 * count is checked: a mapping cannot grow it past FIELD_TYPES_MAX. */
static int put(struct import *im, const char *field, const cJSON *def, int multi)
{
	if (bounded(im, field, "name", strlen(field), FIELD_NAME_MAX))
		return -1;
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "type"));
	if (!type || !strcmp(type, "object") || !strcmp(type, "nested"))
		return 0;
	if (bounded(im, field, "type", strlen(type), FIELD_TYPE_MAX))
		return -1;
	im->fields[im->pending] = xstrdup(field);
	im->types[im->pending++] = numeric_type_text(def, multi); /* with its parameters */
	im->n++;
	return im->pending < PUT_BATCH ? 0 : flush(im);
}

/* Walks properties without recursion: an explicit stack of the objects still to read. */
static int walk_properties(struct import *im, const cJSON *properties)
{
	struct walk w = {0};
	push(&w, properties, "");
	int rc = 0;
	while (w.n && !rc) {
		struct pending p = w.stack[--w.n];
		const cJSON *field;
		cJSON_ArrayForEach(field, p.properties)
		{
			if (!cJSON_IsObject(field) || !field->string)
				continue;
			char *name = dotted(p.prefix, field->string);
			rc = put(im, name, field, 0);
			const cJSON *sub = cJSON_GetObjectItemCaseSensitive(field, "properties");
			if (!rc && cJSON_IsObject(sub))
				push(&w, sub, name);
			const cJSON *multi = cJSON_GetObjectItemCaseSensitive(field, "fields");
			for (const cJSON *m = cJSON_IsObject(multi) ? multi->child : NULL; m; m = m->next) {
				if (rc || !cJSON_IsObject(m) || !m->string)
					continue;
				char *mname = dotted(name, m->string);
				rc = put(im, mname, m, 1);
				free(mname);
			}
			free(name);
			if (rc)
				break;
		}
		free(p.prefix);
	}
	while (w.n)
		free(w.stack[--w.n].prefix);
	free(w.stack);
	return rc;
}

/* The mappings' properties: {"index": {"mappings": {"properties"}}}, {"mappings": …}, or
 * {"properties": …}; every index of a multi-index response. */
static int import_doc(struct import *im, const cJSON *doc, int *found)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(doc, "properties");
	if (cJSON_IsObject(props)) {
		*found = 1;
		return walk_properties(im, props);
	}
	const cJSON *in_mappings =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "mappings"), "properties");
	if (cJSON_IsObject(in_mappings)) {
		*found = 1;
		return walk_properties(im, in_mappings);
	}
	const cJSON *index;
	cJSON_ArrayForEach(index, doc)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(index, "mappings");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "properties");
		if (cJSON_IsObject(p)) {
			*found = 1;
			if (walk_properties(im, p))
				return -1;
		}
	}
	return 0;
}

/* The case holds at most FIELD_TYPES_MAX field types, the mapping's added. 0 or -1. */
static int within_count(struct import *im)
{
	size_t count;
	if (store_field_type_count(im->s, &count)) {
		snprintf(im->why, im->whylen, "%s", store_errmsg(im->s));
		return -1;
	}
	if (count <= FIELD_TYPES_MAX)
		return 0;
	snprintf(im->why, im->whylen, "more than %d field types: a case keeps at most %d", FIELD_TYPES_MAX,
	         FIELD_TYPES_MAX);
	return -1;
}

/* Reads the whole file, refusing one over MAPPING_MAX_BYTES before parsing it. 0 or -1. */
static int read_mapping(const char *path, struct strbuf *text, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whylen, "cannot read it");
		return -1;
	}
	char buf[65536];
	size_t got;
	while (text->len <= MAPPING_MAX_BYTES && (got = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(text, buf, got);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		snprintf(why, whylen, "cannot read it");
	else if (text->len > MAPPING_MAX_BYTES)
		snprintf(why, whylen, "it is larger than %d MiB (a mapping is read whole; import one index's)",
		         MAPPING_MAX_BYTES >> 20);
	return bad || text->len > MAPPING_MAX_BYTES ? -1 : 0;
}

int mapping_import_file(struct store *s, const char *path, size_t *n, char *why, size_t whylen)
{
	*n = 0;
	*why = '\0';
	struct strbuf text;
	strbuf_init(&text, 65536);
	cJSON *doc = read_mapping(path, &text, why, whylen) ? NULL : cJSON_ParseWithLength(text.buf, text.len);
	strbuf_release(&text);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		if (!*why)
			snprintf(why, whylen, "it is not a JSON object (GET INDEX/_mapping gives one)");
		return -1;
	}
	struct import *im = xcalloc(1, sizeof(*im));
	*im = (struct import){.s = s, .why = why, .whylen = whylen};
	int found = 0, rc = store_begin(s) || import_doc(im, doc, &found) || flush(im) || store_commit(s);
	for (size_t i = 0; i < im->pending; i++) /* left by a refusal */
		free(im->fields[i]), free(im->types[i]);
	size_t stored = im->n;
	free(im);
	cJSON_Delete(doc);
	if (rc) {
		store_rollback(s);
		if (!*why)
			snprintf(why, whylen, "%s", store_errmsg(s));
		return -1;
	}
	if (!found) {
		snprintf(why, whylen, "it holds no mapping (no \"properties\")");
		return -1;
	}
	*n = stored;
	return 0;
}
