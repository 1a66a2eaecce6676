#include "ingest/sniff.h"

#include <string.h>

/* File signatures: the formats an analyst's folder holds next to its exports (screenshots,
 * binaries from the host, archives, packet captures, databases). */
static const struct magic {
	size_t offset;
	const char *bytes;
	size_t len;
	const char *what;
} magics[] = {
#define MAGIC(off, lit, what)                                                                                          \
	{                                                                                                              \
		off, lit, sizeof(lit) - 1, what                                                                        \
	}
    MAGIC(0, "\x89PNG\r\n\x1a\n", "a PNG image"),
    MAGIC(0, "\xff\xd8\xff", "a JPEG image"),
    MAGIC(0, "GIF87a", "a GIF image"),
    MAGIC(0, "GIF89a", "a GIF image"),
    MAGIC(0, "%PDF-", "a PDF document"),
    MAGIC(0,
          "\x7f"
          "ELF",
          "an ELF executable"),
    MAGIC(0, "\xcf\xfa\xed\xfe", "a Mach-O executable"),
    MAGIC(0, "\xce\xfa\xed\xfe", "a Mach-O executable"),
    MAGIC(0, "\xfe\xed\xfa\xcf", "a Mach-O executable"),
    MAGIC(0, "\xfe\xed\xfa\xce", "a Mach-O executable"),
    MAGIC(0, "\xca\xfe\xba\xbe", "a Mach-O universal binary or Java class"),
    MAGIC(0, "MZ", "a Windows executable"),
    MAGIC(0, "PK\x03\x04", "a zip archive"),
    MAGIC(0, "PK\x05\x06", "a zip archive"),
    MAGIC(0, "\x1f\x8b", "gzip data inside gzip data"),
    MAGIC(0,
          "\xfd"
          "7zXZ",
          "xz compressed data"),
    MAGIC(0, "\x28\xb5\x2f\xfd", "zstd compressed data"),
    MAGIC(0, "7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    MAGIC(0, "Rar!\x1a\x07", "a RAR archive"),
    MAGIC(257, "ustar", "a tar archive"),
    MAGIC(0, "SQLite format 3", "an SQLite database"),
    MAGIC(0, "ElfFile", "a Windows event log (EVTX)"),
    MAGIC(0, "\xd4\xc3\xb2\xa1", "a pcap packet capture"),
    MAGIC(0, "\xa1\xb2\xc3\xd4", "a pcap packet capture"),
    MAGIC(0, "\x0a\x0d\x0d\x0a", "a pcapng packet capture"),
    MAGIC(0, "bplist00", "a binary property list"),
    MAGIC(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Microsoft Office (OLE) document"),
    MAGIC(0, "\xff\xfe", "UTF-16 text (casebook reads UTF-8: convert it with iconv -f UTF-16 -t UTF-8)"),
    MAGIC(0, "\xfe\xff", "UTF-16 text (casebook reads UTF-8: convert it with iconv -f UTF-16 -t UTF-8)"),
#undef MAGIC
};

static const char *by_magic(const unsigned char *head, size_t n)
{
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		const struct magic *m = &magics[i];
		if (n >= m->offset + m->len && !memcmp(head + m->offset, m->bytes, m->len))
			return m->what;
	}
	if (n >= 4 && !memcmp(head, "BZh", 3) && head[3] >= '1' && head[3] <= '9')
		return "bzip2 compressed data";
	return NULL;
}

/* Binary: a NUL byte, or more than one control byte in 16 (text has tabs and newlines only). */
static int looks_binary(const unsigned char *head, size_t n)
{
	size_t controls = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = head[i];
		if (c == 0)
			return 1;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f)
			controls++;
	}
	return controls * 16 > n;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

/* The first non-blank byte of each line: does any line start a JSON document? Also counts
 * the lines with text, and reports the first one. */
static int any_line_starts_json(const unsigned char *head, size_t n, const unsigned char **first, size_t *first_len,
                                size_t *lines)
{
	*first = NULL;
	*first_len = 0;
	*lines = 0;
	size_t i = 0;
	while (i < n) {
		size_t eol = i;
		while (eol < n && head[eol] != '\n')
			eol++;
		size_t j = i;
		while (j < eol && is_blank(head[j]))
			j++;
		if (j < eol) {
			if (head[j] == '{' || head[j] == '[')
				return 1;
			if (!*first) {
				*first = head + j;
				*first_len = eol - j;
			}
			++*lines;
		}
		i = eol + 1;
	}
	return 0;
}

static size_t count_byte(const unsigned char *s, size_t n, unsigned char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

static int starts_with(const unsigned char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !memcmp(s, prefix, k);
}

/* YAML's "key: value" (or "key:" opening a block, or "- item"). */
static int yaml_line(const unsigned char *s, size_t n)
{
	if (n >= 2 && s[0] == '-' && s[1] == ' ')
		return 1;
	size_t i = 0;
	while (i < n && (s[i] == '_' || s[i] == '-' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
	                 ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')))
		i++;
	return i > 0 && i < n && s[i] == ':' && (i + 1 == n || s[i + 1] == ' ' || s[i + 1] == '\r');
}

/* Names the kind of text that holds no JSON document, from its first line. */
static const char *text_kind(const unsigned char *line, size_t n, size_t lines)
{
	while (n > 0 && (line[n - 1] == '\r' || is_blank(line[n - 1])))
		n--;
	if (starts_with(line, n, "<?xml"))
		return "XML";
	if (starts_with(line, n, "<!DOCTYPE") || starts_with(line, n, "<!doctype") || starts_with(line, n, "<html"))
		return "HTML";
	if (n > 0 && line[0] == '<')
		return "XML or HTML markup";
	if (starts_with(line, n, "---") || yaml_line(line, n))
		return "YAML";
	if (count_byte(line, n, '\t') > 0)
		return "tab-separated text";
	if (count_byte(line, n, ',') > 0 && lines > 0)
		return "CSV text";
	return "text with no JSON document (no line starts with '{' or '[')";
}

const char *sniff_not_json(const unsigned char *head, size_t n)
{
	const char *what = by_magic(head, n);
	if (what)
		return what;
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3)) { /* UTF-8 byte order mark */
		head += 3;
		n -= 3;
	}
	if (looks_binary(head, n))
		return "binary data";
	const unsigned char *first;
	size_t first_len, lines;
	if (any_line_starts_json(head, n, &first, &first_len, &lines) || !first)
		return NULL;
	return text_kind(first, first_len, lines);
}
