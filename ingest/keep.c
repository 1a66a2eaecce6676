/* keep: events from elsewhere copied into the case (ingest/keep.h). */
#include "ingest/keep.h"

#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "ingest/extract.h"
#include "ingest/jsontape.h"
#include "store/doccodec.h"

struct event_keeper {
	struct store *s;
	int64_t ingest_id;
	struct doc_codec *codec;
	struct jtape tape;
	struct strbuf arena, z;
	struct ingest_counts c;
	uint64_t bytes;
};

int event_keeper_open(struct store *s, const char *name, const char *analyst, struct event_keeper **out)
{
	*out = NULL;
	int64_t dict_id = 0;
	void *dict = NULL;
	size_t len = 0;
	struct event_keeper *k = xcalloc(1, sizeof(*k));
	k->s = s;
	k->codec = doc_codec_new();
	int rc = !k->codec || store_dict_latest(s, &dict_id, &dict, &len) ||
	         (dict_id > 0 && doc_codec_use_dict(k->codec, dict_id, dict, len)) ||
	         store_ingest_begin(s, name, analyst, &k->ingest_id);
	free(dict);
	jtape_init(&k->tape);
	strbuf_init(&k->arena, 4096);
	strbuf_init(&k->z, 4096);
	if (rc) {
		doc_codec_free(k->codec);
		k->codec = NULL;
		event_keeper_close(k);
		return -1;
	}
	*out = k;
	return 0;
}

static const char *arena_str(const struct event_keeper *k, size_t off)
{
	return off == EX_ABSENT ? NULL : k->arena.buf + off;
}

/* The record ingest would store for the document, with the identity and index it came with. */
static void to_record(const struct event_keeper *k, const struct extracted *ex, const struct event_row *ev,
                      struct event_record *r)
{
	memset(r, 0, sizeof(*r));
	r->identity = ev->r.identity;
	r->index = ev->r.index;
	r->ts = ex->ts;
	r->ingested = ex->ingested;
	r->has_ingested = ex->has_ingested;
	r->host_id = arena_str(k, ex->str[EX_HOST_ID]);
	r->host_name = arena_str(k, ex->str[EX_HOST_NAME]);
	r->os_type = arena_str(k, ex->str[EX_OS_TYPE]);
	r->kind = arena_str(k, ex->str[EX_KIND]);
	r->category = arena_str(k, ex->str[EX_CATEGORY]);
	r->type = arena_str(k, ex->str[EX_TYPE]);
	r->action = arena_str(k, ex->str[EX_ACTION]);
	r->file_path = arena_str(k, ex->str[EX_FILE_PATH]);
	r->entity_id = arena_str(k, ex->str[EX_ENTITY_ID]);
	r->executable = arena_str(k, ex->str[EX_EXECUTABLE]);
	r->process_name = arena_str(k, ex->str[EX_PROCESS_NAME]);
	r->user_name = arena_str(k, ex->str[EX_USER_NAME]);
	r->derived = arena_str(k, ex->str[EX_DERIVED]);
	r->pid = ex->pid;
	r->has_pid = ex->has_pid;
	r->irregular = ex->irregular;
	r->names_exact = ex->names_exact;
	r->doc_z = k->z.buf;
	r->doc_z_len = k->z.len;
	r->dict_id = doc_codec_dict_id(k->codec);
}

int event_keeper_add(struct event_keeper *k, const struct event_row *ev, int64_t *id, struct strbuf *err)
{
	*id = 0;
	if (!ev->doc || !ev->r.identity || !*ev->r.identity) {
		strbuf_addstr(err, "an event read without its document or identity");
		return -1;
	}
	struct jt_error jerr;
	char why[160];
	struct extracted ex;
	struct event_root root = {.tok = 0, .id_tok = -1, .index_tok = -1};
	strbuf_reset(&k->arena);
	strbuf_reset(&k->z);
	if (jtape_parse(&k->tape, ev->doc, ev->doc_len, &jerr)) {
		strbuf_addf(err, "an event's document does not parse: %s", jerr.msg);
		return -1;
	}
	if (extract_event(&k->tape, &root, &k->arena, &ex, why, sizeof(why))) {
		strbuf_addf(err, "an event's document is no event: %s", why);
		return -1;
	}
	/* the bytes as they were read, not the extractor's minified form: the same document */
	if (doc_codec_compress(k->codec, ev->doc, ev->doc_len, &k->z)) {
		strbuf_addstr(err, "compressing an event's document failed");
		return -1;
	}
	struct event_record r;
	to_record(k, &ex, ev, &r);
	int added = 0;
	if (store_event_keep(k->s, k->ingest_id, &r, id, &added))
		return -1;
	k->c.documents++;
	k->c.added += added != 0;
	k->c.duplicates += added == 0;
	k->bytes += ev->doc_len;
	return 0;
}

void event_keeper_counts(const struct event_keeper *k, struct ingest_counts *c)
{
	*c = k->c;
}

int event_keeper_close(struct event_keeper *k)
{
	if (!k)
		return 0;
	int rc = k->ingest_id ? store_ingest_finish(k->s, k->ingest_id, k->bytes, NULL, &k->c) : 0;
	doc_codec_free(k->codec);
	jtape_release(&k->tape);
	strbuf_release(&k->arena);
	strbuf_release(&k->z);
	free(k);
	return rc;
}
