/* libFuzzer: the sanitizer. Whatever comes in, what goes out is valid UTF-8 with no control
 * characters, no C1, bidi or zero-width characters; and JSON stays free of them too. */
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int forbidden(unsigned cp, int multiline)
{
	if (cp == '\n')
		return !multiline;
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF;
}

static void check(const struct strbuf *out, int multiline)
{
	const unsigned char *p = (const unsigned char *)out->buf;
	size_t i = 0;
	while (i < out->len) {
		unsigned cp;
		size_t n = utf8_decode(p + i, out->len - i, &cp);
		if (n == 0 || forbidden(cp, multiline))
			abort();
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct strbuf out;
	strbuf_init(&out, size * 4 + 16);
	sanitize_append(&out, (const char *)data, size, 0);
	check(&out, 0);
	strbuf_reset(&out);
	sanitize_append(&out, (const char *)data, size, SAN_MULTILINE);
	check(&out, 1);
	strbuf_reset(&out);
	sanitize_json_append(&out, (const char *)data, size);
	check(&out, 1);
	strbuf_release(&out);
	return 0;
}
