#include "ingest/jsontape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The minified text is the input less the whitespace between tokens (and with triple-quoted
 * strings rewritten), so it is copied in runs: [run, pos) is input not yet copied, and
 * delta is how many bytes shorter the output is than the input so far. */
struct parser {
	const char *in;
	size_t len, pos;
	struct jtape *t;
	struct jt_error *err;
	int depth;
	size_t run;
	int64_t delta;
};

static size_t out_offset(const struct parser *p)
{
	return (size_t)((int64_t)p->pos - p->delta);
}

static void flush_run(struct parser *p, size_t upto)
{
	if (upto > p->run)
		strbuf_add(&p->t->text, p->in + p->run, upto - p->run);
	p->run = upto;
}

void jtape_init(struct jtape *t)
{
	t->tok = NULL;
	t->ntok = t->alloc = 0;
	strbuf_init(&t->text, 4096);
}

void jtape_release(struct jtape *t)
{
	free(t->tok);
	t->tok = NULL;
	t->ntok = t->alloc = 0;
	strbuf_release(&t->text);
}

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	p->err->offset = p->pos;
	p->err->incomplete = p->pos >= p->len;
	return -1;
}

static void describe_byte(const struct parser *p, char *out, size_t n)
{
	if (p->pos >= p->len)
		snprintf(out, n, "end of input");
	else if (p->in[p->pos] > 0x20 && p->in[p->pos] < 0x7F)
		snprintf(out, n, "'%c'", p->in[p->pos]);
	else
		snprintf(out, n, "byte 0x%02X", (unsigned char)p->in[p->pos]);
}

static int unexpected(struct parser *p, const char *expected)
{
	char found[32];
	describe_byte(p, found, sizeof(found));
	return fail(p, "expected %s, found %s", expected, found);
}

static size_t push_token(struct parser *p, enum jt_type type)
{
	struct jtape *t = p->t;
	if (t->ntok == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 256;
		t->tok = xrealloc(t->tok, t->alloc * sizeof(*t->tok));
	}
	struct jt_token *k = &t->tok[t->ntok];
	k->type = type;
	k->start = (uint32_t)out_offset(p);
	k->end = k->start;
	k->next = 0;
	return t->ntok++;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static void skip_ws(struct parser *p)
{
	if (p->pos >= p->len || !is_ws(p->in[p->pos]))
		return;
	size_t start = p->pos;
	flush_run(p, start);
	while (p->pos < p->len && is_ws(p->in[p->pos]))
		p->pos++;
	p->delta += (int64_t)(p->pos - start);
	p->run = p->pos;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A Kibana Dev Tools """raw string""": everything up to the next """ is the value. */
static int parse_triple(struct parser *p)
{
	size_t begin = p->pos + 3;
	const char *close = NULL;
	for (size_t i = begin; i + 2 < p->len + 0 && !close; i++)
		if (p->in[i] == '"' && p->in[i + 1] == '"' && p->in[i + 2] == '"')
			close = p->in + i;
	if (!close) {
		p->pos = p->len;
		return fail(p, "unterminated triple-quoted string");
	}
	struct strbuf *o = &p->t->text;
	flush_run(p, p->pos);
	size_t out_before = o->len;
	strbuf_addch(o, '"');
	for (const char *s = p->in + begin; s < close; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			strbuf_addch(o, '\\');
			strbuf_addch(o, (char)c);
		} else if (c == '\n') {
			strbuf_add(o, "\\n", 2);
		} else if (c == '\r') {
			strbuf_add(o, "\\r", 2);
		} else if (c == '\t') {
			strbuf_add(o, "\\t", 2);
		} else if (c < 0x20) {
			strbuf_addf(o, "\\u%04x", c);
		} else {
			strbuf_addch(o, (char)c);
		}
	}
	strbuf_addch(o, '"');
	size_t consumed = (size_t)(close - p->in) + 3 - p->pos;
	p->delta += (int64_t)consumed - (int64_t)(o->len - out_before);
	p->pos += consumed;
	p->run = p->pos;
	return 0;
}

/* Bytes that end the fast scan inside a string: '"', '\\' and control characters. */
static int string_stop(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

static int parse_string(struct parser *p)
{
	size_t i = p->pos + 1;
	const char *in = p->in;
	for (;;) {
		while (i < p->len && !string_stop((unsigned char)in[i]))
			i++;
		if (i >= p->len) {
			p->pos = i;
			return fail(p, "unterminated string");
		}
		unsigned char c = (unsigned char)in[i];
		if (c == '"')
			break;
		if (c < 0x20) {
			p->pos = i;
			return fail(p, "control character 0x%02X in string (unterminated string?)", c);
		}
		if (c == '\\') {
			char e = i + 1 < p->len ? in[i + 1] : '\0';
			if (e == 'u') {
				if (i + 5 >= p->len || !is_hex(in[i + 2]) || !is_hex(in[i + 3]) || !is_hex(in[i + 4]) ||
				    !is_hex(in[i + 5])) {
					p->pos = i;
					return fail(p, "bad \\u escape: expected four hex digits");
				}
				i += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || e == '\0') {
				p->pos = i;
				return fail(p, "bad escape sequence in string");
			}
			i += 2;
			continue;
		}
		i++;
	}
	p->pos = i + 1;
	return 0;
}

static int parse_number(struct parser *p)
{
	size_t i = p->pos;
	const char *in = p->in;
	if (i < p->len && in[i] == '-')
		i++;
	if (i < p->len && in[i] == '0') {
		i++;
	} else if (i < p->len && in[i] >= '1' && in[i] <= '9') {
		while (i < p->len && in[i] >= '0' && in[i] <= '9')
			i++;
	} else {
		p->pos = i;
		return unexpected(p, "a digit");
	}
	if (i < p->len && in[i] == '.') {
		i++;
		if (i >= p->len || in[i] < '0' || in[i] > '9') {
			p->pos = i;
			return unexpected(p, "a digit after the decimal point");
		}
		while (i < p->len && in[i] >= '0' && in[i] <= '9')
			i++;
	}
	if (i < p->len && (in[i] == 'e' || in[i] == 'E')) {
		i++;
		if (i < p->len && (in[i] == '+' || in[i] == '-'))
			i++;
		if (i >= p->len || in[i] < '0' || in[i] > '9') {
			p->pos = i;
			return unexpected(p, "a digit in the exponent");
		}
		while (i < p->len && in[i] >= '0' && in[i] <= '9')
			i++;
	}
	p->pos = i;
	return 0;
}

static int parse_literal(struct parser *p, const char *word, enum jt_type type, size_t tok)
{
	size_t n = strlen(word);
	if (p->pos + n > p->len || memcmp(p->in + p->pos, word, n))
		return unexpected(p, "a JSON value");
	p->t->tok[tok].type = type;
	p->pos += n;
	return 0;
}

static int parse_value(struct parser *p);

static int parse_container(struct parser *p, int is_object)
{
	char close = is_object ? '}' : ']';
	if (++p->depth > JT_MAX_DEPTH)
		return fail(p, "nesting deeper than %d levels", JT_MAX_DEPTH);
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->in[p->pos] == close) {
		p->pos++;
		p->depth--;
		return 0;
	}
	for (;;) {
		if (is_object) {
			skip_ws(p);
			if (p->pos >= p->len || p->in[p->pos] != '"')
				return unexpected(p, "a member name in double quotes");
			size_t key = push_token(p, JT_STRING);
			if (parse_string(p))
				return -1;
			p->t->tok[key].end = (uint32_t)out_offset(p);
			p->t->tok[key].next = (uint32_t)p->t->ntok;
			skip_ws(p);
			if (p->pos >= p->len || p->in[p->pos] != ':')
				return unexpected(p, "':' after the member name");
			p->pos++;
		}
		if (parse_value(p))
			return -1;
		skip_ws(p);
		if (p->pos < p->len && p->in[p->pos] == ',') {
			p->pos++;
			skip_ws(p);
			if (p->pos < p->len && p->in[p->pos] == close)
				return fail(p, "trailing comma before '%c'", close);
			continue;
		}
		if (p->pos < p->len && p->in[p->pos] == close) {
			p->pos++;
			p->depth--;
			return 0;
		}
		return unexpected(p, is_object ? "',' or '}'" : "',' or ']'");
	}
}

static int parse_value(struct parser *p)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return unexpected(p, "a JSON value");
	size_t tok = push_token(p, JT_NULL);
	int rc;
	switch (p->in[p->pos]) {
	case '{':
		p->t->tok[tok].type = JT_OBJECT;
		rc = parse_container(p, 1);
		break;
	case '[':
		p->t->tok[tok].type = JT_ARRAY;
		rc = parse_container(p, 0);
		break;
	case '"':
		p->t->tok[tok].type = JT_STRING;
		if (p->pos + 2 < p->len && p->in[p->pos + 1] == '"' && p->in[p->pos + 2] == '"')
			rc = parse_triple(p);
		else
			rc = parse_string(p);
		break;
	case 't': rc = parse_literal(p, "true", JT_TRUE, tok); break;
	case 'f': rc = parse_literal(p, "false", JT_FALSE, tok); break;
	case 'n': rc = parse_literal(p, "null", JT_NULL, tok); break;
	default:
		p->t->tok[tok].type = JT_NUMBER;
		rc = parse_number(p);
		break;
	}
	if (rc)
		return rc;
	p->t->tok[tok].end = (uint32_t)out_offset(p);
	p->t->tok[tok].next = (uint32_t)p->t->ntok;
	return 0;
}

static int parse_one(struct jtape *t, const char *in, size_t len, struct jt_error *err, size_t *used)
{
	struct parser p = {.in = in, .len = len, .t = t, .err = err};
	t->ntok = 0;
	strbuf_reset(&t->text);
	err->incomplete = 0;
	if (len > UINT32_MAX)
		return fail(&p, "document larger than 4 GiB");
	skip_ws(&p);
	if (parse_value(&p))
		return -1;
	flush_run(&p, p.pos);
	*used = p.pos;
	return 0;
}

int jtape_parse(struct jtape *t, const char *in, size_t len, struct jt_error *err)
{
	size_t used;
	if (parse_one(t, in, len, err, &used))
		return -1;
	struct parser p = {.in = in, .len = len, .pos = used, .t = t, .err = err};
	while (p.pos < len && is_ws(in[p.pos]))
		p.pos++;
	if (p.pos != len)
		return unexpected(&p, "end of document");
	return 0;
}

int jtape_parse_prefix(struct jtape *t, const char *in, size_t len, size_t *used, struct jt_error *err)
{
	return parse_one(t, in, len, err, used);
}

long jtape_member(const struct jtape *t, size_t obj, const char *key)
{
	if (obj >= t->ntok || t->tok[obj].type != JT_OBJECT)
		return -1;
	size_t klen = strlen(key);
	size_t end = t->tok[obj].next;
	for (size_t i = obj + 1; i < end;) {
		const struct jt_token *k = &t->tok[i];
		size_t vi = i + 1;
		if (k->end - k->start == klen + 2 && !memcmp(t->text.buf + k->start + 1, key, klen))
			return (long)vi;
		i = t->tok[vi].next;
	}
	return -1;
}

static unsigned hex4(const char *s)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

static void add_cp(struct strbuf *out, unsigned cp)
{
	char b[4];
	if (cp == 0)
		cp = 0x2400; /* keep C strings whole; U+2400 shows where the NUL was */
	if (cp < 0x80) {
		strbuf_addch(out, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(out, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(out, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F));
		strbuf_add(out, b, 4);
	}
}

void json_unescape_append(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		const char *bs = memchr(s + i, '\\', len - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : len - i;
		strbuf_add(out, s + i, run);
		i += run;
		if (i >= len)
			break;
		char e = i + 1 < len ? s[i + 1] : '\0';
		i += 2;
		switch (e) {
		case 'b': strbuf_addch(out, '\b'); break;
		case 'f': strbuf_addch(out, '\f'); break;
		case 'n': strbuf_addch(out, '\n'); break;
		case 'r': strbuf_addch(out, '\r'); break;
		case 't': strbuf_addch(out, '\t'); break;
		case 'u': {
			if (i + 4 > len)
				return;
			unsigned cp = hex4(s + i);
			i += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= len && s[i] == '\\' && s[i + 1] == 'u') {
				unsigned lo = hex4(s + i + 2);
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD; /* a lone surrogate has no UTF-8 form */
			add_cp(out, cp);
			break;
		}
		default: strbuf_addch(out, e); break; /* \" \\ \/ */
		}
	}
}

void jtape_unescape(const struct jtape *t, size_t i, struct strbuf *out)
{
	const struct jt_token *k = &t->tok[i];
	json_unescape_append(out, t->text.buf + k->start + 1, k->end - k->start - 2);
}
