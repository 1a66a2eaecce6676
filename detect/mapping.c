#include "detect/mapping.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "store/rules.h"

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

/* Stores the field's type when it has one the comparisons care about (all are stored: a
 * keyword named in the mapping overrides a built-in guess too). */
static int put(struct store *s, const char *field, const cJSON *def, size_t *n)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "type"));
	if (!type || !strcmp(type, "object") || !strcmp(type, "nested"))
		return 0;
	if (store_field_type_put(s, field, type))
		return -1;
	(*n)++;
	return 0;
}

/* Walks properties without recursion: an explicit stack of the objects still to read. */
static int walk_properties(struct store *s, const cJSON *properties, size_t *n)
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
			rc = put(s, name, field, n);
			const cJSON *sub = cJSON_GetObjectItemCaseSensitive(field, "properties");
			if (!rc && cJSON_IsObject(sub))
				push(&w, sub, name);
			const cJSON *multi = cJSON_GetObjectItemCaseSensitive(field, "fields");
			for (const cJSON *m = cJSON_IsObject(multi) ? multi->child : NULL; m; m = m->next) {
				if (rc || !cJSON_IsObject(m) || !m->string)
					continue;
				char *mname = dotted(name, m->string);
				rc = put(s, mname, m, n);
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
static int import_doc(struct store *s, const cJSON *doc, size_t *n, int *found)
{
	const cJSON *props = cJSON_GetObjectItemCaseSensitive(doc, "properties");
	if (cJSON_IsObject(props)) {
		*found = 1;
		return walk_properties(s, props, n);
	}
	const cJSON *in_mappings =
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "mappings"), "properties");
	if (cJSON_IsObject(in_mappings)) {
		*found = 1;
		return walk_properties(s, in_mappings, n);
	}
	const cJSON *index;
	cJSON_ArrayForEach(index, doc)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(index, "mappings");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "properties");
		if (cJSON_IsObject(p)) {
			*found = 1;
			if (walk_properties(s, p, n))
				return -1;
		}
	}
	return 0;
}

int mapping_import_file(struct store *s, const char *path, size_t *n, char *why, size_t whylen)
{
	*n = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(why, whylen, "cannot read it");
		return -1;
	}
	struct strbuf text;
	strbuf_init(&text, 65536);
	char buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&text, buf, got);
	int bad = ferror(f);
	fclose(f);
	cJSON *doc = bad ? NULL : cJSON_ParseWithLength(text.buf, text.len);
	strbuf_release(&text);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		snprintf(why, whylen, "it is not a JSON object (GET INDEX/_mapping gives one)");
		return -1;
	}
	int found = 0, rc = store_begin(s) || import_doc(s, doc, n, &found) || store_commit(s);
	cJSON_Delete(doc);
	if (rc) {
		store_rollback(s);
		snprintf(why, whylen, "%s", store_errmsg(s));
		return -1;
	}
	if (!found) {
		snprintf(why, whylen, "it holds no mapping (no \"properties\")");
		return -1;
	}
	return 0;
}
