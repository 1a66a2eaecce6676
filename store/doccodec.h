/* doccodec: how the store keeps original documents. Each event's JSON is compressed with
 * zstd using a dictionary trained on the case's own events (the first thousands of a bulk
 * load), which shrinks a ~1.2 KB Defend event several times more than plain zstd can on a
 * document that small. A codec is not shared between threads. */
#ifndef CASEBOOK_DOCCODEC_H
#define CASEBOOK_DOCCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define DOC_CODEC_LEVEL 3
/* Documents to train a dictionary on: 4,000 compressed no better, and the writer waits while
 * they are held. */
#define DOC_DICT_SAMPLES     2000
#define DOC_DICT_MIN_SAMPLES 200

struct doc_codec;

struct doc_codec *doc_codec_new(void);
void doc_codec_free(struct doc_codec *c);

/* Compresses with dictionary dict (id > 0) from now on; id 0 means no dictionary. The
 * codec keeps its own copy. Returns 0 or -1. */
int doc_codec_use_dict(struct doc_codec *c, int64_t id, const void *dict, size_t len);
int64_t doc_codec_dict_id(const struct doc_codec *c);

/* Appends the compressed form of src to out. Returns 0 or -1. */
int doc_codec_compress(struct doc_codec *c, const void *src, size_t len, struct strbuf *out);

/* Appends the decompressed form of src to out; dict/dict_len are the dictionary the frame
 * was made with (NULL/0 for none). Returns 0 or -1 when the data is damaged. */
int doc_codec_decompress(struct doc_codec *c, int64_t dict_id, const void *dict, size_t dict_len, const void *src,
                         size_t len, struct strbuf *out);

/* Whether dictionary id is the one loaded for decompression (no need to pass it again). */
int doc_codec_has_ddict(const struct doc_codec *c, int64_t id);

/* Trains a dictionary on n samples laid end to end in samples (sizes[i] bytes each).
 * Returns a malloc'd dictionary and its length, or NULL when zstd could not train one. */
void *doc_codec_train(const void *samples, const size_t *sizes, unsigned n, size_t *dict_len);

#endif
