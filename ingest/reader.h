/* reader: turns one input (a file, a gzip file, or stdin) into a stream of document frames.
 *
 * A frame is the bytes of one candidate document with the line and column where it starts.
 * Framing is forgiving, so that damage stays local:
 *   - documents may be NDJSON lines, pretty-printed and concatenated, separated by blank
 *     lines or commas, or the elements of a top-level JSON array (streamed, never loaded whole);
 *   - Kibana Dev Tools """triple-quoted""" strings are skipped over as strings;
 *   - a line whose first byte is '{' always starts a new document: when a document is still
 *     open there, it was damaged (an unterminated string, a missing brace), and the damaged
 *     frame ends before that line so that the next document still loads;
 *   - bytes that cannot start a document (a stray '}' or text) form a frame of their own up to
 *     the next such line, so they are reported and kept, never silently skipped.
 * Gzip input is recognised by its magic bytes; memory stays bounded by the largest document. */
#ifndef CASEBOOK_READER_H
#define CASEBOOK_READER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"

#define READER_MAX_DOC       (16u << 20) /* larger documents are rejected */
#define READER_KEEP_OVERSIZE (1u << 20)  /* bytes of an oversized document kept in rejects */

struct reader;

struct frame {
	const char *data; /* valid until the next reader call */
	size_t len;
	uint64_t line, col; /* 1-based position of the first byte */
	uint64_t offset;    /* byte offset of the first byte in the (decompressed) input */
	const char *error;  /* set when framing itself found the damage (oversize, stray bytes) */
	uint64_t error_line, error_col;
	uint64_t dropped; /* bytes of an oversized document not kept in data */
	int cut;          /* 1: a new document started (a line beginning with '{') before this
	                     one was closed; 2: the input ended before it was closed */
};

/* Opens path ("-" for stdin). Returns NULL with a message in err (static or errno text). */
struct reader *reader_open(const char *path, char *err, size_t errlen);
/* Returns 1 with the next frame, 0 at end of input, -1 on a read error (message in err). */
int reader_next(struct reader *r, struct frame *f, char *err, size_t errlen);
/* Makes a set *stop end the input where it is: reading a pipe no longer waits for it. */
void reader_set_stop(struct reader *r, const volatile sig_atomic_t *stop);
/* 1 when the stop flag ended the input (the bytes after were not read). */
int reader_stopped(const struct reader *r);
/* Bytes read so far from the source (compressed bytes for gzip), and the total size when
 * known (0 for pipes). */
uint64_t reader_bytes_read(const struct reader *r);
uint64_t reader_size(const struct reader *r);
/* SHA-256 of every byte read from the source; call after reader_next returned 0. */
void reader_sha256(struct reader *r, char hex[SHA256_HEX_LEN + 1]);
/* Shows the first want bytes of the (decompressed) input, or all of it when shorter, without
 * consuming them (from a pipe, what came once there are 512 bytes and a whole line): call before the first document is
 * read. Returns 0, or -1 (message in err). */
int reader_head(struct reader *r, size_t want, const char **data, size_t *len, char *err, size_t errlen);
/* The fast path, for well-formed input. reader_begin_document skips to the next document
 * and shows the bytes buffered from its start: returns 2 when it starts with '{' or '[',
 * 1 when it starts with anything else, 0 at end of input, -1 on a read error. When a parser
 * needs more, reader_more adds input (1), or returns 0 at end of input or past
 * READER_MAX_DOC, or -1. reader_take then consumes the n bytes the document took, as a
 * frame. Anything else (damage) goes through reader_next from the same place. */
int reader_begin_document(struct reader *r, const char **data, size_t *avail, char *err, size_t errlen);
int reader_more(struct reader *r, const char **data, size_t *avail, char *err, size_t errlen);
void reader_take(struct reader *r, size_t n, struct frame *f);

/* Computes the line and column of byte offset off (relative to frame data). */
void frame_position(const struct frame *f, size_t off, uint64_t *line, uint64_t *col);
/* A document that did not parse, as its reject says it: where (the line and column of byte
 * offset off) and why, saying so when the document was cut short by the next one or by the end
 * of the input. Returns why itself or msg, which holds cap bytes. */
const char *frame_parse_error(const struct frame *f, size_t off, const char *why, uint64_t *line, uint64_t *col,
                              char *msg, size_t cap);
void reader_close(struct reader *r);

#endif
