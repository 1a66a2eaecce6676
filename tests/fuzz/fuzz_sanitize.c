/* libFuzzer: the sanitizer. Whatever comes in, what goes out is valid UTF-8 with no control
 * characters, no C1, bidi, format (Unicode category Cf) or default-ignorable characters and
 * no noncharacters; and JSON stays free of them too. The list is written here from the
 * Unicode 15 tables, not taken from the sanitizer. */
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const unsigned never_shown[][2] = {
    {0x0000, 0x001F},   {0x007F, 0x009F},   {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x0600, 0x0605},
    {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},
    {0x115F, 0x1160},   {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x200B, 0x200F},   {0x2028, 0x202E},
    {0x2060, 0x206F},   {0x3164, 0x3164},   {0xFDD0, 0xFDEF},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},
    {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F},
    {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

static int forbidden(unsigned cp, int multiline)
{
	if (cp == '\n')
		return !multiline;
	if ((cp & 0xFFFE) == 0xFFFE)
		return 1;
	for (size_t i = 0; i < sizeof(never_shown) / sizeof(never_shown[0]); i++)
		if (cp >= never_shown[i][0] && cp <= never_shown[i][1])
			return 1;
	return 0;
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
