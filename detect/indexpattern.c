/* indexpattern: the index pattern test, as Elasticsearch resolves a rule's index patterns
 * against an event's index (a data stream's backing index by its stream's name). */

#include "detect/indexpattern.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "detect/run.h"
#include "detect/wildcard.h"

/* ".ds-logs-endpoint.events.file-default-2024.05.01-000003" -> "logs-endpoint.events.file-default" */
static char *data_stream_of(const char *index)
{
	if (strncmp(index, ".ds-", 4))
		return NULL;
	char *name = xstrdup(index + 4);
	size_t n = strlen(name);
	size_t d = n;
	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (d < n && d > 0 && name[d - 1] == '-') {
		name[--d] = '\0'; /* the generation */
		size_t k = d;
		while (k > 0 && ((name[k - 1] >= '0' && name[k - 1] <= '9') || name[k - 1] == '.'))
			k--;
		if (k < d && d - k == 10 && k > 0 && name[k - 1] == '-')
			name[k - 1] = '\0'; /* the date of newer backing indices */
	}
	return name;
}

static int glob(const char *pattern, const char *s)
{
	struct wpat w;
	wpat_init(&w);
	const char *start = pattern;
	for (const char *c = pattern;; c++) {
		if (*c == '*' || *c == '\0') {
			wpat_add_piece(&w, start, (size_t)(c - start));
			start = c + 1;
			if (*c == '\0')
				break;
		}
	}
	int hit = wildcard_match(&w, s, strlen(s), 0);
	wpat_release(&w);
	return hit;
}

int index_matches(const char *const *patterns, size_t n, const char *index)
{
	if (n == 0 || !index)
		return 1;
	char *stream = data_stream_of(index);
	int hit = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = patterns[i];
		int exclude = p[0] == '-';
		if (exclude)
			p++;
		int m = glob(p, index) || (stream && glob(p, stream));
		if (m)
			hit = !exclude;
	}
	free(stream);
	return hit;
}
