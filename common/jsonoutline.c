/* jsonoutline: a JSON document as an outline of lines for a foldable view (the console's JSON
 * view). */

#include "common/jsonoutline.h"

#include <cJSON.h>
#include <stdlib.h>

#include "common/strbuf.h"

struct outline {
	struct json_line *l;
	size_t n, cap;
};

static size_t outline_add(struct outline *o, int depth, const char *text)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->l = xrealloc(o->l, o->cap * sizeof(*o->l));
	}
	o->l[o->n] = (struct json_line){.depth = depth, .text = xstrdup(text), .end = o->n};
	return o->n++;
}

static void outline_value(struct outline *o, const cJSON *v, int depth, const char *key, int last)
{
	struct strbuf sb;
	strbuf_init(&sb, 64);
	if (key) {
		cJSON *ks = cJSON_CreateString(key);
		char *kt = cJSON_PrintUnformatted(ks);
		strbuf_addf(&sb, "%s: ", kt);
		cJSON_free(kt);
		cJSON_Delete(ks);
	}
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		int obj = cJSON_IsObject(v);
		strbuf_addch(&sb, obj ? '{' : '[');
		size_t open = outline_add(o, depth, sb.buf);
		size_t count = 0;
		const cJSON *c;
		cJSON_ArrayForEach(c, v) count++;
		size_t i = 0;
		cJSON_ArrayForEach(c, v) outline_value(o, c, depth + 1, obj ? c->string : NULL, ++i == count);
		strbuf_reset(&sb);
		strbuf_addstr(&sb, obj ? "}" : "]");
		if (!last)
			strbuf_addch(&sb, ',');
		size_t close = outline_add(o, depth, sb.buf);
		o->l[open].end = close;
		o->l[open].children = count;
	} else {
		char *t = cJSON_PrintUnformatted(v);
		strbuf_addf(&sb, "%s%s", t, last ? "" : ",");
		cJSON_free(t);
		outline_add(o, depth, sb.buf);
	}
	strbuf_release(&sb);
}

size_t json_outline(const char *json, struct json_line **lines)
{
	cJSON *doc = cJSON_Parse(json);
	struct outline o = {0};
	if (doc)
		outline_value(&o, doc, 0, NULL, 1);
	cJSON_Delete(doc);
	*lines = o.l;
	return o.n;
}

void json_outline_free(struct json_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}
