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
