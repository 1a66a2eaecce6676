#include "store/doccodec.h"

#include <stdlib.h>
#include <string.h>
#define ZDICT_STATIC_LINKING_ONLY /* ZDICT_optimizeTrainFromBuffer_fastCover's parameters */
#include <zdict.h>
#include <zstd.h>

struct doc_codec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	ZSTD_CDict *cdict;
	int64_t cdict_id;
	ZSTD_DDict *ddict; /* one cached decompression dictionary */
	int64_t ddict_id;
};

static int set_params(struct doc_codec *c);

struct doc_codec *doc_codec_new(void)
{
	struct doc_codec *c = xcalloc(1, sizeof(*c));
	c->cctx = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	if (!c->cctx || !c->dctx || set_params(c)) {
		doc_codec_free(c);
		return NULL;
	}
	return c;
}

void doc_codec_free(struct doc_codec *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	ZSTD_freeCDict(c->cdict);
	ZSTD_freeDDict(c->ddict);
	free(c);
}

/* Documents are small, so the cost of a frame is mostly setting up its tables: attach the
 * dictionary's tables instead of copying them (zstd's ZSTD_dictForceAttach), and leave the
 * dictionary id out of each frame (the row records it). */
static int set_params(struct doc_codec *c)
{
	ZSTD_CCtx_reset(c->cctx, ZSTD_reset_session_and_parameters);
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, DOC_CODEC_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_dictIDFlag, 0)))
		return -1;
	if (!c->cdict)
		return 0;
	if (ZSTD_isError(ZSTD_CCtx_refCDict(c->cctx, c->cdict)))
		return -1;
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_experimentalParam4 /* forceAttachDict */, 1);
	return 0;
}

int doc_codec_use_dict(struct doc_codec *c, int64_t id, const void *dict, size_t len)
{
	ZSTD_freeCDict(c->cdict);
	c->cdict = NULL;
	c->cdict_id = 0;
	if (id > 0) {
		c->cdict = ZSTD_createCDict(dict, len, DOC_CODEC_LEVEL);
		if (!c->cdict)
			return -1;
		c->cdict_id = id;
	}
	return set_params(c);
}

int64_t doc_codec_dict_id(const struct doc_codec *c)
{
	return c->cdict_id;
}

int doc_codec_compress(struct doc_codec *c, const void *src, size_t len, struct strbuf *out)
{
	size_t bound = ZSTD_compressBound(len);
	strbuf_grow(out, bound);
	size_t n = ZSTD_compress2(c->cctx, out->buf + out->len, bound, src, len);
	if (ZSTD_isError(n))
		return -1;
	out->len += n;
	out->buf[out->len] = '\0';
	return 0;
}

int doc_codec_decompress(struct doc_codec *c, int64_t dict_id, const void *dict, size_t dict_len, const void *src,
                         size_t len, struct strbuf *out)
{
	unsigned long long size = ZSTD_getFrameContentSize(src, len);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31))
		return -1;
	if (dict_id > 0 && c->ddict_id != dict_id) {
		ZSTD_freeDDict(c->ddict);
		c->ddict = ZSTD_createDDict(dict, dict_len);
		c->ddict_id = c->ddict ? dict_id : 0;
		if (!c->ddict)
			return -1;
	}
	strbuf_grow(out, (size_t)size);
	size_t n = dict_id > 0
	               ? ZSTD_decompress_usingDDict(c->dctx, out->buf + out->len, (size_t)size, src, len, c->ddict)
	               : ZSTD_decompressDCtx(c->dctx, out->buf + out->len, (size_t)size, src, len);
	if (ZSTD_isError(n))
		return -1;
	out->len += n;
	out->buf[out->len] = '\0';
	return 0;
}

int doc_codec_has_ddict(const struct doc_codec *c, int64_t id)
{
	return id > 0 && c->ddict_id == id;
}

void *doc_codec_train(const void *samples, const size_t *sizes, unsigned n, size_t *dict_len)
{
	size_t cap = 64 * 1024;
	void *dict = xmalloc(cap);
	/* one fastCover pass with the segment size ZDICT_trainFromBuffer's search settles on for
	 * event documents (k about 2000, d 8): the search tried four and took a fifth of a small
	 * case's ingest, while the parser held every event */
	ZDICT_fastCover_params_t params = {.k = 2000, .d = 8, .f = 20, .steps = 1, .accel = 1};
	size_t got = ZDICT_optimizeTrainFromBuffer_fastCover(dict, cap, samples, sizes, n, &params);
	if (ZDICT_isError(got)) {
		free(dict);
		return NULL;
	}
	*dict_len = got;
	return dict;
}
