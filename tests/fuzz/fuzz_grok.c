/* libFuzzer: GROK, a pattern (the first line) on a value (the rest): compiling never fails
 * but with a reason, matching stays within detect/regex.h's bounds (a limit reached is -1,
 * never a hang), and each field found is a part of the value. */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/grok.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	char *subject = strchr(text, '\n');
	if (subject)
		*subject++ = '\0';
	else
		subject = "";
	char why[200];
	int unsupported;
	struct grok *g = grok_compile(text, why, sizeof(why), &unsupported);
	if (!g && !*why)
		abort(); /* a refusal says why */
	if (g) {
		size_t n = grok_field_count(g);
		char **values = calloc(n ? n : 1, sizeof(*values));
		int rc = grok_match(g, subject, values);
		if (rc < -1 || rc > 1)
			abort();
		for (size_t i = 0; rc == 1 && i < n; i++) {
			if (values[i] && !strstr(subject, values[i]))
				abort(); /* a field is what the value holds */
			free(values[i]);
		}
		free(values);
		grok_free(g);
	}
	free(text);
	return 0;
}
