/* jsondoc: a JSON document's fields as display text, resolved as the rules resolve them
 * (detect/field.h), for the code that must not see cJSON: triage, export and the console. */

#include "detect/jsondoc.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/field.h"

int json_fields(const char *json, const char *const *paths, size_t n, char **out)
{
	return json_fields_len(json, strlen(json), paths, n, out);
}

int json_fields_len(const char *json, size_t len, const char *const *paths, size_t n, char **out)
{
	cJSON *doc = cJSON_ParseWithLength(json, len);
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	if (!doc)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = field_join(doc, paths[i], ", ");
	cJSON_Delete(doc);
	return 0;
}

struct leaf_list {
	char **names, **values;
	size_t n;
};

static int add_leaf(void *ctx, const char *name, size_t name_len, const cJSON *v)
{
	struct leaf_list *l = ctx;
	char *text = cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
	if (!text) {
		char *printed = cJSON_PrintUnformatted(v);
		text = xstrdup(printed ? printed : "");
		cJSON_free(printed);
	}
	l->names = xrealloc(l->names, (l->n + 1) * sizeof(*l->names));
	l->values = xrealloc(l->values, (l->n + 1) * sizeof(*l->values));
	l->names[l->n] = xstrndup(name, name_len);
	l->values[l->n++] = text;
	return 0;
}

size_t json_leaves(const char *json, size_t len, char ***names, char ***values)
{
	struct leaf_list l = {0};
	cJSON *doc = cJSON_ParseWithLength(json, len);
	if (doc)
		field_each_leaf(doc, add_leaf, &l);
	cJSON_Delete(doc);
	*names = l.names;
	*values = l.values;
	return l.n;
}

/* ---- JSON_EXTRACT ---- */

struct json_step {
	char *key; /* NULL: an array index */
	long index;
};

static int path_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'; /* RFC 9535's B */
}

#define BAD_PATH(...)                                                                                                  \
	(snprintf(why, whysz, "java.lang.IllegalArgumentException: Invalid JSON path [%s]: " __VA_ARGS__), -1)

/* A bracket's index (Integer.parseInt: an optional sign, decimal digits, 32 bits; no leading 0). */
static int path_index(const char *path, const char *c, size_t n, long *out, char *why, size_t whysz, size_t at)
{
	size_t i = n && (c[0] == '+' || c[0] == '-');
	int ok = i < n;
	long v = 0;
	for (; ok && i < n; i++) {
		ok = c[i] >= '0' && c[i] <= '9';
		if (ok)
			v = v * 10 + (c[i] - '0');
		ok = ok && v <= 2147483648L;
	}
	if (ok && c[0] != '-' && v > 2147483647L)
		ok = 0;
	if (!ok)
		return BAD_PATH("expected integer array index, got [%.*s] at position %zu", path, (int)n, c, at);
	if (n > 1 && c[0] == '0')
		return BAD_PATH("leading zeros are not allowed in array index [%.*s] at position %zu", path, (int)n, c,
		                at);
	if (c[0] == '-' && v) {
		snprintf(why, whysz, "java.lang.IllegalArgumentException: array index out of bounds");
		return -1;
	}
	*out = v;
	return 0;
}

/* JsonPath.java's parse: the steps (*steps, *n), or -1 with why. */
static int parse_json_path(const char *orig, struct json_step **steps, size_t *n, char *why, size_t whysz)
{
	const char *path = orig;
	size_t len = strlen(orig);
	*steps = NULL;
	*n = 0;
	if (!len || (len == 1 && path[0] == '$'))
		return 0;
	if (len >= 2 && path[0] == '$') {
		if (path[1] != '.' && path[1] != '[')
			return BAD_PATH("expected [.] or [[] after [$] at position 1", orig);
		path += path[1] == '.' ? 2 : 1;
		len = strlen(path);
		if (!len)
			return 0;
	}
	size_t base = (size_t)(path - orig), pos = 0;
	*steps = xmalloc(len * sizeof(**steps)); /* a step takes a byte at least */
	int read = 0, rc = 0;
	while (pos < len && !rc) {
		char c = path[pos];
		int key = 0;
		if (c == '.') {
			if (!read)
				rc = BAD_PATH("path cannot start with a dot at position %zu", orig, base + pos);
			else if (++pos >= len)
				rc = BAD_PATH("path cannot end with a dot at position %zu", orig, base + pos - 1);
			else if (path[pos] == '.')
				rc = BAD_PATH("consecutive dots at position %zu", orig, base + pos - 1);
			key = 1;
		} else if (c == '[') {
			size_t open = pos++;
			while (pos < len && path_blank(path[pos]))
				pos++;
			if (pos >= len) {
				rc = BAD_PATH("unterminated bracket at position %zu", orig, base + open);
			} else if (path[pos] == '\'' || path[pos] == '"') {
				char quote = path[pos++];
				struct strbuf k;
				strbuf_init(&k, 16);
				int closed = 0;
				while (pos < len && !closed) {
					if (path[pos] == '\\' && pos + 1 < len) {
						strbuf_addf(&k, "%c", path[pos + 1]);
						pos += 2;
					} else if (path[pos] == quote) {
						pos++;
						while (pos < len && path_blank(path[pos]))
							pos++;
						if (pos >= len || path[pos] != ']')
							rc = BAD_PATH(
							    "expected closing bracket after quoted key at position %zu",
							    orig, base + open);
						pos++;
						closed = 1;
					} else {
						strbuf_addf(&k, "%c", path[pos++]);
					}
				}
				if (!closed)
					rc = BAD_PATH("unterminated quoted key at position %zu", orig, base + open);
				if (!rc)
					(*steps)[(*n)++] = (struct json_step){.key = xstrndup(k.buf, k.len)};
				strbuf_release(&k);
			} else if (path[pos] == ']') {
				rc = BAD_PATH("empty brackets at position %zu", orig, base + open);
			} else {
				const char *close = memchr(path + pos, ']', len - pos);
				if (!close) {
					rc = BAD_PATH("missing closing bracket for array index at position %zu", orig,
					              base + open);
				} else {
					size_t end = (size_t)(close - path);
					while (end > pos && path_blank(path[end - 1]))
						end--;
					long index = 0;
					rc = path_index(orig, path + pos, end - pos, &index, why, whysz, base + open);
					if (!rc)
						(*steps)[(*n)++] = (struct json_step){.key = NULL, .index = index};
					pos = (size_t)(close - path) + 1;
				}
			}
		} else if (read) {
			rc = BAD_PATH("expected [.] or [[] before [%c] at position %zu", orig, c, base + pos);
		} else {
			key = 1;
		}
		if (key && !rc) {
			size_t start = pos;
			while (pos < len && path[pos] != '.' && path[pos] != '[' && path[pos] != ']')
				pos++;
			if (pos == start)
				rc = BAD_PATH("empty key name at position %zu", orig, base + start);
			else
				(*steps)[(*n)++] = (struct json_step){.key = xstrndup(path + start, pos - start)};
		}
		read = 1;
	}
	return rc;
}

static const char *json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past the string token at p (its opening quote). */
static const char *json_skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/* Past the value at p, in a document cJSON found valid: a loop counting brackets, no recursion. */
static const char *json_skip_value(const char *p, const char *end)
{
	if (p < end && *p == '"')
		return json_skip_string(p, end);
	if (p < end && (*p == '{' || *p == '[')) {
		size_t depth = 0;
		do {
			if (*p == '"') {
				p = json_skip_string(p, end);
				continue;
			}
			depth += *p == '{' || *p == '[';
			depth -= *p == '}' || *p == ']';
			p++;
		} while (p < end && depth);
		return p;
	}
	while (p < end && !strchr(",]} \t\n\r", *p))
		p++;
	return p;
}

/* A string token's text, unescaped (malloc'd). */
static char *json_string_text(const char *p, const char *q)
{
	if (!memchr(p, '\\', (size_t)(q - p)))
		return xstrndup(p + 1, (size_t)(q - p) - 2);
	cJSON *s = cJSON_ParseWithLength(p, (size_t)(q - p));
	char *text = xstrdup(cJSON_IsString(s) ? s->valuestring : "");
	cJSON_Delete(s);
	return text;
}

/* The value a step leads to from the object or array at p, or NULL. */
static const char *json_step_into(const char *p, const char *end, const struct json_step *step)
{
	char open = step->key ? '{' : '[', close = step->key ? '}' : ']';
	if (p >= end || *p != open)
		return NULL;
	p = json_ws(p + 1, end);
	for (long i = 0; p < end && *p != close; i++) {
		if (step->key) {
			const char *q = json_skip_string(p, end);
			char *name = json_string_text(p, q);
			int match = !strcmp(name, step->key);
			free(name);
			p = json_ws(q, end);
			p = json_ws(p + 1, end); /* the colon */
			if (match)
				return p;
		} else if (i == step->index) {
			return p;
		}
		p = json_ws(json_skip_value(p, end), end);
		if (p < end && *p == ',')
			p = json_ws(p + 1, end);
	}
	return NULL;
}

int json_extract(const char *json, size_t len, const char *path, char **out, char *why, size_t whysz)
{
	struct json_step *steps;
	size_t n;
	*out = NULL;
	int rc = parse_json_path(path, &steps, &n, why, whysz);
	const char *end = json + len, *p = json_ws(json, end);
	cJSON *doc = NULL;
	if (!rc && p == end)
		rc = (snprintf(why, whysz, "java.lang.IllegalArgumentException: empty JSON input"), -1);
	if (!rc && !(doc = cJSON_ParseWithLength(json, len))) /* the nesting cJSON bounds */
		rc = (snprintf(why, whysz, "java.lang.IllegalArgumentException: invalid JSON input"), -1);
	for (size_t i = 0; i < n && !rc; i++) {
		const char *into = json_step_into(p, end, &steps[i]);
		if (!into && !steps[i].key && *p == '[')
			rc =
			    (snprintf(why, whysz, "java.lang.IllegalArgumentException: array index out of bounds"), -1);
		else if (!into)
			rc =
			    (snprintf(why, whysz, "java.lang.IllegalArgumentException: path [%s] does not exist", path),
			     -1);
		p = into;
	}
	if (!rc && *p == '"')
		*out = json_string_text(p, json_skip_string(p, end));
	else if (!rc && *p != 'n')
		*out = xstrndup(p, (size_t)(json_skip_value(p, end) - p));
	cJSON_Delete(doc);
	for (size_t i = 0; i < n; i++)
		free(steps[i].key);
	free(steps);
	return rc;
}
