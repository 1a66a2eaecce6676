#include "detect/field.h"

#include <string.h>

#include "common/strbuf.h"

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
		if (!key)
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

int field_each(const cJSON *root, const char *path, size_t len, field_fn fn, void *ctx)
{
	return cJSON_IsObject(root) ? resolve(root, path, len, fn, ctx) : 0;
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

int json_fields(const char *json, const char *const *paths, size_t n, char **out)
{
	cJSON *doc = cJSON_Parse(json);
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (!doc)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = field_join(doc, paths[i], ", ");
	cJSON_Delete(doc);
	return 0;
}

char *json_pretty(const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	if (!doc)
		return NULL;
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *copy = xstrdup(text);
	cJSON_free(text);
	return copy;
}
