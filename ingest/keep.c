/* keep: events from elsewhere copied into the case (ingest/keep.h). */
#include "ingest/keep.h"

#include <stdlib.h>
#include <string.h>

#include "common/diag.h"
#include "ingest/columns.h"
#include "store/doccodec.h"

struct event_keeper {
	struct store *s;
	int64_t ingest_id;
	struct doc_codec *codec;
	struct event_columns cols;
	struct strbuf z;
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
	event_columns_init(&k->cols);
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

int event_keeper_add(struct event_keeper *k, const struct event_row *ev, int64_t *id, struct strbuf *err)
{
	*id = 0;
	if (!ev->doc || !ev->r.identity || !*ev->r.identity) {
		strbuf_addstr(err, "an event read without its document or identity");
		return -1;
	}
	struct event_record r;
	strbuf_reset(&k->z);
	if (event_columns_read(&k->cols, ev->doc, ev->doc_len, &r, err))
		return -1;
	/* the bytes as they were read, not the extractor's minified form: the same document */
	if (doc_codec_compress(k->codec, ev->doc, ev->doc_len, &k->z)) {
		strbuf_addstr(err, "compressing an event's document failed");
		return -1;
	}
	/* the record ingest would store, with the identity and index it came with */
	r.identity = ev->r.identity;
	r.index = ev->r.index;
	r.doc_z = k->z.buf;
	r.doc_z_len = k->z.len;
	r.dict_id = doc_codec_dict_id(k->codec);
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
	event_columns_release(&k->cols);
	strbuf_release(&k->z);
	free(k);
	return rc;
}
