#include "common/jsonexact.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

/* The number tokens of a JSON text, in document order (strings skipped). */
static void number_tokens(const char *doc, size_t len, struct strbuf *out, size_t **ends, size_t *n)
{
	size_t cap = 0;
	*n = 0;
	*ends = NULL;
	for (size_t i = 0; i < len;) {
		char c = doc[i];
		if (c == '"') {
			/* to the closing quote: memchr over the runs without a backslash */
			for (i++; i < len;) {
				const char *q = memchr(doc + i, '"', len - i);
				size_t end = q ? (size_t)(q - doc) : len;
				const char *b = memchr(doc + i, '\\', end - i);
				if (!b) {
					i = end;
					break;
				}
				i = (size_t)(b - doc) + 2; /* the backslash and the byte it escapes */
			}
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = i;
			while (i < len && (strchr("+-.eE", doc[i]) || (doc[i] >= '0' && doc[i] <= '9')))
				i++;
			strbuf_add(out, doc + start, i - start);
			strbuf_addch(out, '\0');
			if (*n == cap)
				*ends = xrealloc(*ends, (cap = cap ? cap * 2 : 16) * sizeof(**ends));
			(*ends)[(*n)++] = out->len;
		} else {
			i++;
		}
	}
}

/* A copy from cJSON's allocator, which cJSON_Delete frees it with (an arena's, in a scope of
 * common/jsonarena.h). */
static char *tree_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = cJSON_malloc(n);
	if (!copy) /* only malloc fails, and then xmalloc says so and stops */
		copy = xmalloc(n);
	memcpy(copy, s, n);
	return copy;
}

/* Numbers keep the text they were written with: an alert document is a copy of its event,
 * and cJSON holds numbers as doubles (131762381484502110 came out as 1.3176238148450211e+17).
 * Each number node becomes a raw node of its source text, visited in document order (an
 * explicit stack of pending siblings: no recursion). */
void json_keep_number_text(cJSON *root, const char *doc, size_t len)
{
	struct strbuf texts;
	strbuf_init(&texts, 256);
	size_t *ends, n, k = 0;
	number_tokens(doc, len, &texts, &ends, &n);
	cJSON **stack = NULL;
	size_t depth = 0, cap = 0;
	for (cJSON *cur = root; cur;) {
		if (cJSON_IsNumber(cur) && k < n) {
			size_t start = k ? ends[k - 1] : 0;
			cur->type = cJSON_Raw;
			cur->valuestring = tree_strdup(texts.buf + start);
			k++;
		}
		if (cur->child) {
			if (depth == cap)
				stack = xrealloc(stack, (cap = cap ? cap * 2 : 16) * sizeof(*stack));
			stack[depth++] = cur->next;
			cur = cur->child;
			continue;
		}
		cur = cur == root ? NULL : cur->next;
		while (!cur && depth)
			cur = stack[--depth];
	}
	free(stack);
	free(ends);
	strbuf_release(&texts);
}

cJSON *json_parse_exact(const char *doc, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(doc, len);
	if (j)
		json_keep_number_text(j, doc, len);
	return j;
}
