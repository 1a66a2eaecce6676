/* input: one input's opening, documents and interruption (ingest/input.h). */
#include "ingest/input.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/sanitize.h"
#include "ingest/sniff.h"

/* Opens path, refusing it whole when it is not JSON. */
static enum ingest_status open_json(const char *path, const char *name, const volatile sig_atomic_t *stop,
                                    const struct diag_sink *errors, struct reader **out)
{
	char err[256];
	const char *head;
	size_t head_len;
	struct reader *r = reader_open(path, err, sizeof(err));
	*out = NULL;
	if (r)
		reader_set_stop(r, stop);
	if (r && reader_head(r, SNIFF_HEAD, &head, &head_len, err, sizeof(err))) {
		reader_close(r);
		r = NULL;
	}
	if (!r) {
		diag_say(errors, "%s: cannot read: %s\n", name, err);
		return INGEST_UNREADABLE;
	}
	const char *other = sniff_not_json((const unsigned char *)head, head_len);
	if (other) {
		diag_say(errors,
		         "%s: not read: it is %s, not JSON (casebook reads JSON and NDJSON documents, plain or gzip)\n",
		         name, other);
		reader_close(r);
		return INGEST_NOT_JSON;
	}
	*out = r;
	return INGEST_OK;
}

enum ingest_status input_open(const char *path, const volatile sig_atomic_t *stop, const struct diag_sink *errors,
                              struct reader **out, char **name_out)
{
	char *name = sanitize_dup(path, 0);
	enum ingest_status st = open_json(path, name, stop, errors, out);
	if (st != INGEST_OK)
		free(name);
	*name_out = st == INGEST_OK ? name : NULL;
	return st;
}

static int damaged(struct jtape *tape, struct frame *f, const struct input_ops *ops, void *ctx)
{
	if (f->error)
		return ops->on_damage(ctx, f, f->error_line, f->error_col, f->error);
	struct jt_error jerr;
	if (jtape_parse(tape, f->data, f->len, &jerr)) {
		uint64_t line, col;
		char msg[200];
		const char *why = frame_parse_error(f, jerr.offset, jerr.msg, &line, &col, msg, sizeof(msg));
		return ops->on_damage(ctx, f, line, col, why);
	}
	return extract_roots(tape, ops->on_root, ctx);
}

int input_next(struct reader *r, struct jtape *tape, struct frame *f, const struct input_ops *ops, void *ctx, char *err,
               size_t errlen)
{
	const char *data;
	size_t avail, used;
	struct jt_error jerr;
	int rc = reader_begin_document(r, &data, &avail, err, errlen);
	if (rc <= 0)
		return rc;
	if (rc == 2) {
		int parsed;
		while ((parsed = jtape_parse_prefix(tape, data, avail, &used, &jerr)) != 0 && jerr.incomplete) {
			int more = reader_more(r, &data, &avail, err, errlen);
			if (more < 0)
				return -1;
			if (more == 0)
				break;
		}
		if (parsed == 0 && used <= READER_MAX_DOC) {
			reader_take(r, used, f);
			return extract_roots(tape, ops->on_root, ctx) ? -2 : 1;
		}
	}
	if (reader_stopped(r))
		return 0; /* a document cut short by the stop is part of what was not read, not damage */
	rc = reader_next(r, f, err, errlen);
	if (rc <= 0)
		return rc;
	return damaged(tape, f, ops, ctx) ? -2 : 1;
}

void input_report_interruption(const struct diag_sink *errors, const char *name, const struct reader *r,
                               const struct ingest_counts *c)
{
	char of[48] = "";
	if (reader_size(r))
		snprintf(of, sizeof(of), " of %.1f MB", (double)reader_size(r) / 1e6);
	diag_say(errors,
	         "%s: interrupted after %.1f MB%s: the %llu documents read are stored (%llu added, %llu duplicate, "
	         "%llu rejected); the rest was not read\n",
	         name, (double)reader_bytes_read(r) / 1e6, of, (unsigned long long)c->documents,
	         (unsigned long long)c->added, (unsigned long long)c->duplicates, (unsigned long long)c->rejected);
}
