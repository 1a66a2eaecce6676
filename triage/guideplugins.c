/* guideplugins: Kibana's investigate and osquery guide plugins as text (triage/guideplugins.h). */
#include "triage/guideplugins.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/field.h"

/* Plugins read in one guide: each is parsed from its position, so a guide of many unclosed
 * "!{investigate{" would cost its length squared; past this many they are left as text. */
#define PLUGINS_MAX 1000

static const char *str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int first_value(void *ctx, const cJSON *value)
{
	*(const cJSON **)ctx = value;
	return 1;
}

/* The alert's first value of field (len bytes) as text appended to out; 0 when it has none.
 * Kibana reads values[0] of the alert's flattened fields; an empty one is not substituted
 * (osquery's `if (foundFieldValue)`). */
static int add_value(struct strbuf *out, const cJSON *alert, const char *field, size_t len)
{
	const cJSON *v = NULL;
	if (!alert || !len)
		return 0;
	field_each(alert, field, len, first_value, &v);
	if (!v || cJSON_IsNull(v) || cJSON_IsObject(v) || (cJSON_IsString(v) && !*v->valuestring))
		return 0;
	if (cJSON_IsString(v)) {
		strbuf_addstr(out, v->valuestring);
	} else {
		char *t = cJSON_PrintUnformatted(v);
		strbuf_addstr(out, t ? t : "");
		cJSON_free(t);
	}
	return 1;
}

char *guide_fill_placeholders(const char *text, const cJSON *alert)
{
	struct strbuf out;
	strbuf_init(&out, strlen(text) + 16);
	const char *p = text;
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open || out.len > GUIDE_FILL_MAX) {
			strbuf_addstr(&out, p);
			break;
		}
		/* /\{{([^}]+)\}}/: one or more bytes that are not '}', then "}}" */
		const char *name = open + 2, *close = name + strcspn(name, "}");
		if (close == name || strncmp(close, "}}", 2)) {
			strbuf_add(&out, p, (size_t)(open + 1 - p));
			p = open + 1;
			continue;
		}
		strbuf_add(&out, p, (size_t)(open - p));
		const char *b = name, *e = close; /* Kibana trims the name */
		while (b < e && strchr(" \t\n\r", *b))
			b++;
		while (e > b && strchr(" \t\n\r", e[-1]))
			e--;
		if (!add_value(&out, alert, b, (size_t)(e - b)))
			strbuf_add(&out, open, (size_t)(close + 2 - open));
		p = close + 2;
	}
	return strbuf_detach(&out, NULL);
}

/* text as a Markdown code span: its line breaks as spaces, fenced by more backticks than it
 * holds in a row (CommonMark 6.1). */
static void code_span(struct strbuf *out, const char *text)
{
	size_t run = 0, longest = 0;
	for (const char *p = text; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t i = 0; i <= longest; i++)
		strbuf_addch(out, '`');
	strbuf_addch(out, ' ');
	for (const char *p = text; *p; p++)
		strbuf_addch(out, *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p);
	strbuf_addch(out, ' ');
	for (size_t i = 0; i <= longest; i++)
		strbuf_addch(out, '`');
}

/* Markdown's inline specials escaped, so that a label is shown as written. */
static void plain(struct strbuf *out, const char *text)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\n' || *p == '\r')
			strbuf_addch(out, ' ');
		else {
			if (strchr("\\`*_[]<>!#|~&", *p))
				strbuf_addch(out, '\\');
			strbuf_addch(out, *p);
		}
	}
}

/* One data provider as KQL: field: "value", field: * (exists), NOT for an excluded one. */
static void provider(struct strbuf *q, const cJSON *p, const cJSON *alert)
{
	const char *field = str(p, "field"), *type = str(p, "queryType");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(p, "value");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "excluded")))
		strbuf_addstr(q, "NOT ");
	strbuf_addf(q, "%s: ", field ? field : "?");
	if (type && !strcmp(type, "exists")) {
		strbuf_addch(q, '*');
	} else if (cJSON_IsString(value)) {
		char *filled = guide_fill_placeholders(value->valuestring, alert);
		strbuf_addch(q, '"');
		for (const char *c = filled; *c; c++) {
			if (*c == '"' || *c == '\\')
				strbuf_addch(q, '\\');
			strbuf_addch(q, *c);
		}
		strbuf_addch(q, '"');
		free(filled);
	} else if (value) {
		char *v = cJSON_PrintUnformatted(value);
		strbuf_addstr(q, v);
		cJSON_free(v);
	} else {
		strbuf_addch(q, '*');
	}
}

/* providers: [[p, p], [p]]: the entries of a group ANDed, the groups ORed. */
static void providers_query(struct strbuf *q, const cJSON *groups, const cJSON *alert)
{
	int ngroups = cJSON_GetArraySize(groups), g = 0;
	const cJSON *group, *p;
	cJSON_ArrayForEach(group, groups)
	{
		if (g++)
			strbuf_addstr(q, " OR ");
		int n = cJSON_GetArraySize(group), i = 0;
		if (ngroups > 1 && n > 1)
			strbuf_addch(q, '(');
		cJSON_ArrayForEach(p, group)
		{
			if (i++)
				strbuf_addstr(q, " AND ");
			provider(q, p, alert);
		}
		if (ngroups > 1 && n > 1)
			strbuf_addch(q, ')');
	}
}

static void render_investigate(struct strbuf *out, const cJSON *c, const cJSON *alert)
{
	const char *label = str(c, "label"), *desc = str(c, "description");
	const char *from = str(c, "relativeFrom"), *to = str(c, "relativeTo");
	strbuf_addstr(out, "Investigate in Timeline: **");
	plain(out, label ? label : desc ? desc : "events");
	strbuf_addstr(out, "**, ");
	struct strbuf q;
	strbuf_init(&q, 128);
	providers_query(&q, cJSON_GetObjectItemCaseSensitive(c, "providers"), alert);
	if (q.len)
		code_span(out, q.buf);
	else
		strbuf_addstr(out, "every event");
	strbuf_release(&q);
	if (from || to) {
		strbuf_addstr(out, " from ");
		code_span(out, from ? from : "now-15m"); /* Timeline's default range: the last 15 minutes */
		strbuf_addstr(out, " to ");
		code_span(out, to ? to : "now");
	}
	if (label && desc) {
		strbuf_addstr(out, " (");
		plain(out, desc);
		strbuf_addch(out, ')');
	}
}

static void render_osquery(struct strbuf *out, const cJSON *c, const cJSON *alert)
{
	const char *label = str(c, "label"), *query = str(c, "query");
	strbuf_addstr(out, "Osquery: **");
	plain(out, label ? label : "live query");
	strbuf_addstr(out, "**, ");
	if (query) {
		char *filled = guide_fill_placeholders(query, alert);
		code_span(out, filled);
		free(filled);
	} else
		strbuf_addstr(out, "a saved query");
}

/* At p, "!{investigate{...}}" or "!{osquery{...}}": its rendering into out and the bytes it
 * took, else 0. */
static size_t one_plugin(const char *p, struct strbuf *out, const cJSON *alert)
{
	static const char *const names[] = {"investigate", "osquery"};
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(p + 2, names[i], n) || p[2 + n] != '{')
			continue;
		const char *end = NULL;
		cJSON *c = cJSON_ParseWithOpts(p + 2 + n, &end, 0);
		if (!cJSON_IsObject(c) || !end || *end != '}') {
			cJSON_Delete(c);
			/* Kibana shows a plugin it cannot read as an error, not its text */
			strbuf_addf(out, "(%s: the guide's settings for it could not be read)",
			            i == 0 ? "Investigate in Timeline" : "Osquery");
			const char *close = strstr(p + 2 + n, "}}");
			return close ? (size_t)(close + 2 - p) : strlen(p);
		}
		if (i == 0)
			render_investigate(out, c, alert);
		else
			render_osquery(out, c, alert);
		cJSON_Delete(c);
		return (size_t)(end + 1 - p);
	}
	return 0;
}

char *guide_render_plugins(const char *markdown)
{
	return guide_render_plugins_for(markdown, NULL);
}

char *guide_render_plugins_for(const char *markdown, const cJSON *alert)
{
	struct strbuf out;
	strbuf_init(&out, strlen(markdown) + 64);
	unsigned seen = 0;
	const char *end = markdown + strlen(markdown);
	for (const char *p = markdown; *p;) {
		/* memmem with the length left: strstr measures the rest of the guide at each "!{"
		 * (ASan's interceptor does), its length squared for a guide of them */
		const char *at = memmem(p, (size_t)(end - p), "!{", 2);
		if (!at || seen >= PLUGINS_MAX) {
			strbuf_addstr(&out, p);
			break;
		}
		strbuf_add(&out, p, (size_t)(at - p));
		size_t took = one_plugin(at, &out, alert);
		seen += took > 0;
		if (!took) {
			strbuf_add(&out, at, 2);
			took = 2;
		}
		p = at + took;
	}
	return strbuf_detach(&out, NULL);
}
