#include "ingest/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/strbuf.h"

#define CHUNK (1u << 20)

struct reader {
	int fd;
	int is_gzip, src_eof, eof, gzip_ended, stopped;
	z_stream zs;
	unsigned char *raw; /* compressed bytes waiting for inflate */
	uint64_t raw_total, size;
	struct sha256_ctx *sha;
	const volatile sig_atomic_t *stop; /* set: a pipe that has nothing to read ends the input */
	int regular;                       /* a regular file: reads never wait */

	char *buf; /* decompressed window: buf[start..end) is retained, pos is the scan cursor */
	size_t alloc, start, pos, end;
	uint64_t base;             /* input offset of buf[0] */
	uint64_t line, line_start; /* line number at pos and input offset of its first byte */
	int in_array;              /* inside a top-level array of documents */

	struct strbuf kept; /* the kept prefix of an oversized document */
};

static int stop_requested(const struct reader *r)
{
	return r->stop && *r->stop;
}

/* Waits until a pipe or terminal has bytes, checking the stop flag ten times a second.
 * Returns 1 when it has (or at its end), 0 when asked to stop. */
static int wait_readable(struct reader *r)
{
	if (r->regular || !r->stop)
		return 1;
	struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
	while (!stop_requested(r))
		if (poll(&pfd, 1, 100) != 0)
			return 1; /* ready, hung up, or interrupted: read() will say */
	return 0;
}

/* Reads raw source bytes into dst; returns the count, 0 at end of input (or when stopped),
 * -1 on error. */
static ssize_t read_source(struct reader *r, void *dst, size_t cap, char *err, size_t errlen)
{
	ssize_t n;
	if (r->src_eof)
		return 0;
	do {
		if (!wait_readable(r) || stop_requested(r)) {
			r->src_eof = r->stopped = 1;
			return 0;
		}
		n = read(r->fd, dst, cap);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		return -1;
	}
	if (n == 0)
		r->src_eof = 1;
	sha256_update(r->sha, dst, (size_t)n);
	r->raw_total += (uint64_t)n;
	return n;
}

/* Inflates into dst; returns the count, 0 at end of input, -1 on error. */
static ssize_t read_gzip(struct reader *r, char *dst, size_t cap, char *err, size_t errlen)
{
	r->zs.next_out = (unsigned char *)dst;
	r->zs.avail_out = (uInt)cap;
	while (r->zs.avail_out == cap) {
		if (r->zs.avail_in == 0) {
			ssize_t got = read_source(r, r->raw, CHUNK, err, errlen);
			if (got < 0)
				return -1;
			if (got == 0) {
				if (!r->gzip_ended && !r->stopped) {
					snprintf(err, errlen, "gzip data is truncated");
					return -1;
				}
				return 0;
			}
			r->zs.next_in = r->raw;
			r->zs.avail_in = (uInt)got;
		}
		r->gzip_ended = 0;
		int zr = inflate(&r->zs, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/* concatenated gzip members (as `cat a.gz b.gz` makes) continue */
			r->gzip_ended = 1;
			inflateReset(&r->zs);
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(err, errlen, "gzip data is damaged: %s", r->zs.msg ? r->zs.msg : "inflate failed");
			return -1;
		}
	}
	return (ssize_t)(cap - r->zs.avail_out);
}

static ssize_t read_more(struct reader *r, char *dst, size_t cap, char *err, size_t errlen)
{
	return r->is_gzip ? read_gzip(r, dst, cap, err, errlen) : read_source(r, dst, cap, err, errlen);
}

struct reader *reader_open(const char *path, char *err, size_t errlen)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	struct stat st;
	memset(&st, 0, sizeof(st));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "is a directory");
		close(fd);
		return NULL;
	}
	struct reader *r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->regular = S_ISREG(st.st_mode);
	r->size = r->regular ? (uint64_t)st.st_size : 0;
	r->sha = sha256_begin();
	r->alloc = 2 * CHUNK;
	r->buf = xmalloc(r->alloc);
	r->line = 1;
	strbuf_init(&r->kept, 0);

	/* Sniff the gzip magic from the first raw bytes. */
	unsigned char head[2];
	ssize_t n = read_source(r, head, 2, err, errlen);
	if (n < 0) {
		reader_close(r);
		return NULL;
	}
	if (n == 2 && head[0] == 0x1f && head[1] == 0x8b) {
		r->is_gzip = 1;
		r->raw = xmalloc(CHUNK);
		if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK) {
			snprintf(err, errlen, "zlib could not start");
			reader_close(r);
			return NULL;
		}
		memcpy(r->raw, head, 2);
		r->zs.next_in = r->raw;
		r->zs.avail_in = 2;
	} else {
		memcpy(r->buf, head, (size_t)n);
		r->end = (size_t)n;
	}
	return r;
}

void reader_close(struct reader *r)
{
	if (!r)
		return;
	if (r->is_gzip)
		inflateEnd(&r->zs);
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	if (r->sha) {
		char hex[SHA256_HEX_LEN + 1];
		sha256_finish(r->sha, hex);
	}
	free(r->raw);
	free(r->buf);
	strbuf_release(&r->kept);
	free(r);
}

void reader_set_stop(struct reader *r, const volatile sig_atomic_t *stop)
{
	r->stop = stop;
}

int reader_stopped(const struct reader *r)
{
	return r->stopped;
}

uint64_t reader_bytes_read(const struct reader *r)
{
	return r->raw_total;
}

uint64_t reader_size(const struct reader *r)
{
	return r->size;
}

void reader_sha256(struct reader *r, char hex[SHA256_HEX_LEN + 1])
{
	sha256_finish(r->sha, hex);
	r->sha = NULL;
}

/* Makes at least one more byte available at buf[end]; keeps buf[start..end).
 * Returns 1, 0 at end of input, -1 on error. */
static int refill(struct reader *r, char *err, size_t errlen)
{
	if (r->eof)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->base += r->start;
		r->pos -= r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (r->alloc - r->end < CHUNK / 2) {
		r->alloc *= 2;
		r->buf = xrealloc(r->buf, r->alloc);
	}
	ssize_t n = read_more(r, r->buf + r->end, r->alloc - r->end, err, errlen);
	if (n < 0)
		return -1;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

/* The byte at pos, refilling as needed: returns it, or -1 at end of input, -2 on error. */
static int peek(struct reader *r, char *err, size_t errlen)
{
	if (r->pos == r->end) {
		int rc = refill(r, err, errlen);
		if (rc <= 0)
			return rc == 0 ? -1 : -2;
	}
	return (unsigned char)r->buf[r->pos];
}

static void advance(struct reader *r)
{
	if (r->buf[r->pos] == '\n') {
		r->line++;
		r->line_start = r->base + r->pos + 1;
	}
	r->pos++;
}

static int at_line_start(const struct reader *r)
{
	return r->base + r->pos == r->line_start;
}

/* Drops bytes of an oversized document as they are scanned, keeping a prefix. */
static void spill_oversize(struct reader *r, struct frame *f)
{
	if (f->error == NULL) {
		f->error = "document larger than 16 MiB; its first 1 MiB is kept";
		f->error_line = r->line;
		f->error_col = r->base + r->pos - r->line_start + 1;
		strbuf_reset(&r->kept);
		strbuf_add(&r->kept, r->buf + r->start, READER_KEEP_OVERSIZE);
		f->dropped = (r->pos - r->start) - READER_KEEP_OVERSIZE;
	} else {
		f->dropped += r->pos - r->start;
	}
	r->start = r->pos;
}

/* Makes n bytes from pos available when the input has them; -1 on a read error. */
static int ensure(struct reader *r, size_t n, char *err, size_t errlen)
{
	while (r->end - r->pos < n) {
		int rc = refill(r, err, errlen);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

static int is_triple_quote(const struct reader *r)
{
	return r->end - r->pos >= 3 && r->buf[r->pos] == '"' && r->buf[r->pos + 1] == '"' && r->buf[r->pos + 2] == '"';
}

enum scan_state { S_CODE, S_STRING, S_ESCAPE, S_TRIPLE };

/* Scans one value starting at pos (a '{' or '['), stopping after its closing bracket, at
 * a line that starts with '{' while the value is still open, or at end of input. */
static int scan_value(struct reader *r, struct frame *f, char *err, size_t errlen)
{
	enum scan_state st = S_CODE;
	long depth = 0;
	int c;
	while ((c = peek(r, err, errlen)) >= 0) {
		/* past the limit, bytes are counted and dropped a chunk at a time */
		if (r->pos - r->start > (f->error ? CHUNK : READER_MAX_DOC))
			spill_oversize(r, f);
		if (depth > 0 && c == '{' && st != S_TRIPLE && at_line_start(r)) {
			f->cut = 1; /* damaged: a new document starts here */
			return 0;
		}
		switch (st) {
		case S_CODE:
			if (c == '"') {
				if (ensure(r, 3, err, errlen) < 0)
					return -1;
				if (is_triple_quote(r)) {
					advance(r), advance(r);
					st = S_TRIPLE;
				} else {
					st = S_STRING;
				}
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				depth--;
				if (depth <= 0) {
					advance(r);
					return 0;
				}
			}
			break;
		case S_STRING:
			if (c == '\\')
				st = S_ESCAPE;
			else if (c == '"')
				st = S_CODE;
			else if (c == '\n')
				st = S_CODE; /* a raw newline ends a broken string; the parser reports it */
			break;
		case S_ESCAPE: st = S_STRING; break;
		case S_TRIPLE:
			if (c == '"' && ensure(r, 3, err, errlen) < 0)
				return -1;
			if (c == '"' && is_triple_quote(r)) {
				advance(r), advance(r);
				st = S_CODE;
			}
			break;
		}
		advance(r);
	}
	f->cut = 2;
	return c == -2 ? -1 : 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skips bytes that cannot start a document, up to a line that starts with '{' or '['. */
static int scan_garbage(struct reader *r, char *err, size_t errlen)
{
	int c;
	advance(r);
	while ((c = peek(r, err, errlen)) >= 0) {
		if ((c == '{' || c == '[') && at_line_start(r))
			return 0;
		advance(r);
		if (r->pos - r->start > READER_KEEP_OVERSIZE)
			r->start = r->pos - READER_KEEP_OVERSIZE / 2; /* keep a bounded tail */
	}
	return c == -2 ? -1 : 0;
}

/* Skips what lies between documents: whitespace, commas, a byte order mark, and the
 * brackets of a top-level array. Returns the next byte, -1 at end of input, -2 on error. */
static int skip_separators(struct reader *r, char *err, size_t errlen)
{
	int c;
	for (;;) {
		r->start = r->pos; /* nothing before pos is needed any more */
		c = peek(r, err, errlen);
		if (c < 0)
			return c;
		if (is_space(c) || c == ',') {
			advance(r);
			continue;
		}
		if (r->base + r->pos == 0 && c == 0xEF) { /* UTF-8 byte order mark */
			if (ensure(r, 3, err, errlen) < 0)
				return -2;
			if (r->end - r->pos >= 3 && (unsigned char)r->buf[r->pos + 1] == 0xBB &&
			    (unsigned char)r->buf[r->pos + 2] == 0xBF) {
				advance(r), advance(r), advance(r);
				continue;
			}
		}
		if (c == '[' && !r->in_array) {
			r->in_array = 1; /* a top-level array: its elements are the documents */
			advance(r);
			continue;
		}
		if (c == ']' && r->in_array) {
			r->in_array = 0;
			advance(r);
			continue;
		}
		return c;
	}
}

int reader_head(struct reader *r, size_t want, const char **data, size_t *len, char *err, size_t errlen)
{
	/* a pipe gives what it has: its first lines decide, rather than waiting for want bytes */
	while (r->end - r->pos < want &&
	       (r->regular || r->end - r->pos < 512 || !memchr(r->buf + r->pos, '\n', r->end - r->pos))) {
		int rc = refill(r, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
	}
	*data = r->buf + r->pos;
	*len = r->end - r->pos < want ? r->end - r->pos : want;
	return 0;
}

int reader_begin_document(struct reader *r, const char **data, size_t *avail, char *err, size_t errlen)
{
	int c = skip_separators(r, err, errlen);
	if (c < 0)
		return c == -1 ? 0 : -1;
	*data = r->buf + r->pos;
	*avail = r->end - r->pos;
	return c == '{' || c == '[' ? 2 : 1;
}

int reader_more(struct reader *r, const char **data, size_t *avail, char *err, size_t errlen)
{
	if (r->end - r->pos > READER_MAX_DOC)
		return 0;
	r->start = r->pos;
	size_t before = r->end - r->pos;
	int rc = refill(r, err, errlen);
	*data = r->buf + r->pos;
	*avail = r->end - r->pos;
	return rc < 0 ? -1 : *avail > before;
}

void reader_take(struct reader *r, size_t n, struct frame *f)
{
	memset(f, 0, sizeof(*f));
	f->line = r->line;
	f->col = r->base + r->pos - r->line_start + 1;
	f->offset = r->base + r->pos;
	f->data = r->buf + r->pos;
	f->len = n;
	const char *p = f->data, *end = p + n;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		r->line++;
		r->line_start = r->base + (uint64_t)(p - r->buf) + 1;
		p++;
	}
	r->pos += n;
}

int reader_next(struct reader *r, struct frame *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	int c = skip_separators(r, err, errlen);
	if (c == -2)
		return -1;
	if (c == -1)
		return 0;
	f->line = r->line;
	f->col = r->base + r->pos - r->line_start + 1;
	f->offset = r->base + r->pos;
	int rc;
	if (c == '{' || c == '[') {
		rc = scan_value(r, f, err, errlen);
	} else {
		r->in_array = 0; /* garbage ends any array we were in: resynchronise at the next document */
		f->error = c == '}' || c == ']' ? "unmatched closing bracket outside any document"
		                                : "expected '{' to start a document";
		f->error_line = f->line;
		f->error_col = f->col;
		rc = scan_garbage(r, err, errlen);
	}
	if (rc < 0)
		return -1;
	if (f->error && (c == '{' || c == '[')) {
		f->dropped += r->pos - r->start; /* the oversized document's tail */
		r->start = r->pos;
	}
	if (f->dropped) {
		f->data = r->kept.buf;
		f->len = r->kept.len;
	} else {
		f->data = r->buf + r->start;
		f->len = r->pos - r->start;
	}
	return 1;
}

void frame_position(const struct frame *f, size_t off, uint64_t *line, uint64_t *col)
{
	uint64_t l = f->line, c = f->col;
	for (size_t i = 0; i < off && i < f->len; i++) {
		if (f->data[i] == '\n')
			l++, c = 1;
		else
			c++;
	}
	*line = l;
	*col = c;
}

const char *frame_parse_error(const struct frame *f, size_t off, const char *why, uint64_t *line, uint64_t *col,
                              char *msg, size_t cap)
{
	frame_position(f, off, line, col);
	if (off < f->len || !f->cut)
		return why;
	snprintf(msg, cap, "the document is not closed %s (%s)",
	         f->cut == 1 ? "before the next one starts here" : "at the end of the input", why);
	return msg;
}
